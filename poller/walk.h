// The rules of one subtree walk, apart from any transport (pure, testable).
//
// A walk starts at `root` and accepts GETBULK responses until a varbind leaves
// the subtree or the agent says endOfMibView. It fails (and the device with it)
// when the agent returns an OID that does not increase, or exceeds the row or
// byte caps: a looping or endless agent costs one device, never the run.
#ifndef PERISCOPE_POLLER_WALK_H_
#define PERISCOPE_POLLER_WALK_H_

#include <cstddef>
#include <string>
#include <vector>

#include "core/snmp/sync_client.h"

namespace periscope::poller {

// Why a device failed. Strings as stored in poll_errors.class. kTimeout means
// no answer at all; kResolve a DNS name that did not resolve.
// kLate: answers came only after the request was given up.
enum class ErrorClass {
  kTimeout,
  kLate,
  kResolve,
  kAuth,
  kProtocol,
  kNoSuchObject,
  kLimit,
  kInternal
};
const char* ErrorClassName(ErrorClass c);

struct WalkLimits {
  size_t max_varbinds = 20000;
  size_t max_bytes = 4 << 20;  // sum of value sizes
};

class Walk {
 public:
  enum class Step { kContinue, kDone, kFailed };

  Walk(snmp::Oid root, WalkLimits limits)
      : root_(std::move(root)), cursor_(root_), limits_(limits) {}

  // Feeds one response's varbinds, in order. kContinue: send the next GETBULK
  // from cursor(). kDone: the subtree is complete. kFailed: see error().
  Step Accept(std::vector<snmp::VarBind> varbinds);

  const snmp::Oid& cursor() const { return cursor_; }
  const std::vector<snmp::VarBind>& varbinds() const { return varbinds_; }
  std::vector<snmp::VarBind>& mutable_varbinds() { return varbinds_; }
  ErrorClass error_class() const { return error_class_; }
  const std::string& error() const { return error_; }

 private:
  Step Fail(ErrorClass c, std::string message);

  snmp::Oid root_;
  snmp::Oid cursor_;
  WalkLimits limits_;
  std::vector<snmp::VarBind> varbinds_;
  size_t bytes_ = 0;
  ErrorClass error_class_ = ErrorClass::kInternal;
  std::string error_;
};

}  // namespace periscope::poller

#endif  // PERISCOPE_POLLER_WALK_H_
