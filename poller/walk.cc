#include "poller/walk.h"

#include <algorithm>

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

PlanWalk::PlanWalk(const WalkPlan& plan, WalkLimits limits, int bulk_repetitions)
    : limits_(limits), bulk_repetitions_(bulk_repetitions) {
  for (const std::vector<snmp::Oid>& group : plan.groups) {
    std::vector<Column> columns;
    for (const snmp::Oid& root : group) columns.push_back({root, root, false});
    groups_.push_back(std::move(columns));
  }
}

Walk::Step PlanWalk::Fail(ErrorClass c, std::string message) {
  error_class_ = c;
  error_ = std::move(message);
  return Walk::Step::kFailed;
}

Walk::Step PlanWalk::Start() {
  group_ = 0;
  return Advance();
}

Walk::Step PlanWalk::Advance() {
  pending_.clear();
  request_.clear();
  for (; group_ < groups_.size(); ++group_) {
    const std::vector<Column>& columns = groups_[group_];
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].done) continue;
      pending_.push_back(i);
      request_.push_back(columns[i].cursor);
    }
    if (!pending_.empty()) break;
  }
  if (pending_.empty()) {
    if (!varbinds_.empty()) return Walk::Step::kDone;
    std::string roots;
    for (const auto& group : groups_) {
      for (const Column& c : group)
        roots += (roots.empty() ? "" : ", ") + snmp::OidToString(c.root);
    }
    return Fail(ErrorClass::kNoSuchObject,
                fmt::format("no objects under any of {} (the agent does not serve these MIBs, "
                            "or they are outside the view)",
                            roots.empty() ? std::string("an empty plan") : roots));
  }
  repetitions_ = std::max(1, bulk_repetitions_ / static_cast<int>(pending_.size()));
  return Walk::Step::kContinue;
}

Walk::Step PlanWalk::Accept(std::vector<snmp::VarBind> response) {
  if (response.empty()) return Fail(ErrorClass::kProtocol, "empty GETBULK response");
  if (group_ >= groups_.size() || pending_.empty()) {
    return Fail(ErrorClass::kInternal, "response after the walk ended");
  }
  std::vector<Column>& columns = groups_[group_];
  const size_t width = pending_.size();
  for (size_t i = 0; i < response.size(); ++i) {
    snmp::VarBind& vb = response[i];
    Column& column = columns[pending_[i % width]];
    if (column.done) continue;  // a later repetition of an ended column
    if (vb.type == snmp::ValueType::kEndOfMibView || !snmp::OidStartsWith(vb.oid, column.root)) {
      column.done = true;
      continue;
    }
    if (vb.type == snmp::ValueType::kNoSuchObject || vb.type == snmp::ValueType::kNoSuchInstance) {
      return Fail(ErrorClass::kProtocol,
                  "exception value inside a GETBULK response at " + snmp::OidToString(vb.oid));
    }
    if (!(column.cursor < vb.oid)) {
      return Fail(ErrorClass::kProtocol,
                  fmt::format("OID not increasing: {} after {}", snmp::OidToString(vb.oid),
                              snmp::OidToString(column.cursor)));
    }
    if (varbinds_.size() + 1 > limits_.max_objects) {
      return Fail(ErrorClass::kLimit,
                  fmt::format("more than {} objects: endless table?", limits_.max_objects));
    }
    size_t bytes = bytes_ + vb.octets.size() + 8;
    if (bytes > limits_.max_bytes) {
      return Fail(ErrorClass::kLimit, fmt::format("more than {} bytes", limits_.max_bytes));
    }
    bytes_ = bytes;
    column.cursor = vb.oid;
    varbinds_.push_back(std::move(vb));
  }
  return Advance();
}

}  // namespace periscope::poller
