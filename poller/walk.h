// One device's subtree walk: the shared rules of core/snmp/walk_rules.h with
// the poller's error classes. A looping or endless agent costs one device,
// never the run.
#ifndef PERISCOPE_POLLER_WALK_H_
#define PERISCOPE_POLLER_WALK_H_

#include <cstddef>
#include <string>
#include <vector>

#include "core/snmp/sync_client.h"
#include "core/snmp/walk_rules.h"

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

// Object and byte caps per walk (the shared rules' caps).
using WalkLimits = snmp::WalkCaps;

// The shared walk rules with the poller's error classes: an empty subtree is
// kNoSuchObject, the caps kLimit, anything else the agent got wrong kProtocol.
class Walk {
 public:
  enum class Step { kContinue, kDone, kFailed };

  Walk(snmp::Oid root, WalkLimits limits) : rules_(std::move(root), limits) {}

  // Feeds one response's varbinds, in order. kContinue: send the next GETBULK
  // from cursor(). kDone: the subtree is complete. kFailed: see error().
  Step Accept(std::vector<snmp::VarBind> varbinds);

  const snmp::Oid& cursor() const { return rules_.cursor(); }
  const std::vector<snmp::VarBind>& varbinds() const { return rules_.varbinds(); }
  std::vector<snmp::VarBind>& mutable_varbinds() { return rules_.mutable_varbinds(); }
  ErrorClass error_class() const { return error_class_; }
  const std::string& error() const { return error_; }

 private:
  Step Fail(ErrorClass c, std::string message);

  snmp::WalkRules rules_;
  ErrorClass error_class_ = ErrorClass::kInternal;
  std::string error_;
};

}  // namespace periscope::poller

#endif  // PERISCOPE_POLLER_WALK_H_
