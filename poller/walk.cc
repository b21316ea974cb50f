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
  if (response.empty()) return Fail(ErrorClass::kProtocol, "empty GETBULK response");
  for (snmp::VarBind& vb : response) {
    if (vb.type == snmp::ValueType::kEndOfMibView || !snmp::OidStartsWith(vb.oid, root_)) {
      if (varbinds_.empty()) {
        return Fail(ErrorClass::kNoSuchObject,
                    "no objects under " + snmp::OidToString(root_) +
                        " (subagent not attached to snmpd, or outside the view)");
      }
      return Step::kDone;
    }
    if (vb.type == snmp::ValueType::kNoSuchObject || vb.type == snmp::ValueType::kNoSuchInstance) {
      return Fail(ErrorClass::kProtocol,
                  "exception value inside a GETBULK response at " + snmp::OidToString(vb.oid));
    }
    if (!(cursor_ < vb.oid)) {
      return Fail(ErrorClass::kProtocol,
                  fmt::format("OID not increasing: {} after {}", snmp::OidToString(vb.oid),
                              snmp::OidToString(cursor_)));
    }
    bytes_ += vb.octets.size() + 8;
    if (varbinds_.size() + 1 > limits_.max_varbinds) {
      return Fail(ErrorClass::kLimit,
                  fmt::format("more than {} objects: endless table?", limits_.max_varbinds));
    }
    if (bytes_ > limits_.max_bytes) {
      return Fail(ErrorClass::kLimit, fmt::format("more than {} bytes", limits_.max_bytes));
    }
    cursor_ = vb.oid;
    varbinds_.push_back(std::move(vb));
  }
  return Step::kContinue;
}

}  // namespace periscope::poller
