// The rules of one subtree walk, apart from any transport (pure, testable):
// shared by the poller's asynchronous walks and SnmpClient::BulkWalk.
//
// A walk starts at `root` and accepts GETBULK responses until a varbind leaves
// the subtree or the agent says endOfMibView. It fails when a response is
// empty, carries an exception value inside the subtree, returns an OID that
// does not increase, or exceeds the object or byte caps: a looping or endless
// agent costs bounded memory.
#ifndef PERISCOPE_CORE_SNMP_WALK_RULES_H_
#define PERISCOPE_CORE_SNMP_WALK_RULES_H_

#include <cstddef>
#include <string>
#include <vector>

#include "core/snmp/sync_client.h"

namespace periscope::snmp {

struct WalkCaps {
  size_t max_objects = 20000;
  size_t max_bytes = 4 << 20;  // sum over objects of the value's octets + 8
};

class WalkRules {
 public:
  enum class Step { kContinue, kDone, kFailed };
  enum class Failure {
    kNone,
    kEmptyResponse,
    kExceptionValue,    // noSuchObject/noSuchInstance inside the subtree
    kOidNotIncreasing,  // the agent loops
    kMaxObjects,        // one more object than max_objects was offered
    kMaxBytes,          // the next object would exceed max_bytes
  };

  WalkRules(Oid root, WalkCaps caps) : root_(std::move(root)), cursor_(root_), caps_(caps) {}

  // Feeds one response's varbinds, in order. kContinue: send the next GETBULK
  // from cursor(). kDone: the subtree is complete. kFailed: see failure() and
  // error(); the objects accepted before the failing one are kept.
  Step Accept(std::vector<VarBind> response);

  const Oid& root() const { return root_; }
  const Oid& cursor() const { return cursor_; }
  const std::vector<VarBind>& varbinds() const { return varbinds_; }
  std::vector<VarBind>& mutable_varbinds() { return varbinds_; }
  size_t bytes() const { return bytes_; }  // as counted against max_bytes
  Failure failure() const { return failure_; }
  const std::string& error() const { return error_; }

 private:
  Step Fail(Failure failure, std::string message);

  Oid root_;
  Oid cursor_;
  WalkCaps caps_;
  std::vector<VarBind> varbinds_;
  size_t bytes_ = 0;
  Failure failure_ = Failure::kNone;
  std::string error_;
};

}  // namespace periscope::snmp

#endif  // PERISCOPE_CORE_SNMP_WALK_RULES_H_
