#include "poller/walk.h"

#include <fmt/format.h>

namespace periscope::poller {

const char* ErrorClassName(ErrorClass c) {
  switch (c) {
    case ErrorClass::kTimeout:
      return "timeout";
    case ErrorClass::kLate:
      return "late";
    case ErrorClass::kResolve:
      return "resolve";
    case ErrorClass::kAuth:
      return "auth";
    case ErrorClass::kProtocol:
      return "protocol";
    case ErrorClass::kNoSuchObject:
      return "no-such-object";
    case ErrorClass::kLimit:
      return "limit";
    case ErrorClass::kInternal:
      return "internal";
  }
  return "internal";
}

Walk::Step Walk::Fail(ErrorClass c, std::string message) {
  error_class_ = c;
  error_ = std::move(message);
  return Step::kFailed;
}

Walk::Step Walk::Accept(std::vector<snmp::VarBind> response) {
  switch (rules_.Accept(std::move(response))) {
    case snmp::WalkRules::Step::kContinue:
      return Step::kContinue;
    case snmp::WalkRules::Step::kDone:
      if (!rules_.varbinds().empty()) return Step::kDone;
      return Fail(ErrorClass::kNoSuchObject,
                  "no objects under " + snmp::OidToString(rules_.root()) +
                      " (subagent not attached to snmpd, or outside the view)");
    case snmp::WalkRules::Step::kFailed:
      break;
  }
  bool cap = rules_.failure() == snmp::WalkRules::Failure::kMaxObjects ||
             rules_.failure() == snmp::WalkRules::Failure::kMaxBytes;
  return Fail(cap ? ErrorClass::kLimit : ErrorClass::kProtocol, rules_.error());
}

}  // namespace periscope::poller
