#include "core/snmp/walk_rules.h"

#include <fmt/format.h>

namespace periscope::snmp {

WalkRules::Step WalkRules::Fail(Failure failure, std::string message) {
  failure_ = failure;
  error_ = std::move(message);
  return Step::kFailed;
}

WalkRules::Step WalkRules::Accept(std::vector<VarBind> response) {
  if (response.empty()) return Fail(Failure::kEmptyResponse, "empty GETBULK response");
  for (VarBind& vb : response) {
    if (vb.type == ValueType::kEndOfMibView || !OidStartsWith(vb.oid, root_)) return Step::kDone;
    if (vb.type == ValueType::kNoSuchObject || vb.type == ValueType::kNoSuchInstance) {
      return Fail(Failure::kExceptionValue,
                  "exception value inside a GETBULK response at " + OidToString(vb.oid));
    }
    if (!(cursor_ < vb.oid)) {  // lexicographic compare of sub-identifiers
      return Fail(Failure::kOidNotIncreasing,
                  fmt::format("OID not increasing: {} after {}", OidToString(vb.oid),
                              OidToString(cursor_)));
    }
    if (varbinds_.size() + 1 > caps_.max_objects) {
      return Fail(Failure::kMaxObjects,
                  fmt::format("more than {} objects: endless table?", caps_.max_objects));
    }
    size_t bytes = bytes_ + vb.octets.size() + 8;
    if (bytes > caps_.max_bytes) {
      return Fail(Failure::kMaxBytes, fmt::format("more than {} bytes", caps_.max_bytes));
    }
    bytes_ = bytes;
    cursor_ = vb.oid;
    varbinds_.push_back(std::move(vb));
  }
  return Step::kContinue;
}

}  // namespace periscope::snmp
