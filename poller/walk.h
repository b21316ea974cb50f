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

// What a walk of several subtrees reads: groups walked one after another;
// the columns (subtrees) of one group walked side by side, one GETBULK
// carrying the cursor of every unfinished column of the group (as snmptable
// does). Columns of one table belong in one group; subtrees must not overlap.
struct WalkPlan {
  std::vector<std::vector<snmp::Oid>> groups;
};

// The walk of a WalkPlan, with the poller's error classes. A column ends when
// a varbind leaves its subtree or is endOfMibView; later repetitions of an
// ended column are ignored. An empty column or group is normal (a table the
// agent does not have); only a plan whose every column is empty is
// kNoSuchObject. The caps count the objects and bytes of the whole plan.
// Failures as Walk: an empty response, an exception value inside a column, an
// OID that does not increase within its column (kProtocol), the caps (kLimit).
class PlanWalk {
 public:
  // `bulk_repetitions`: the GETBULK budget of one request, shared by its
  // columns (max-repetitions = max(1, bulk_repetitions / columns)).
  PlanWalk(const WalkPlan& plan, WalkLimits limits, int bulk_repetitions);

  // Called once before the first request: kContinue (send request()), or
  // kFailed (kNoSuchObject) for a plan without columns.
  Walk::Step Start();

  // The next GETBULK: one cursor per unfinished column of the current group,
  // in plan order, and its max-repetitions.
  const std::vector<snmp::Oid>& request() const { return request_; }
  int repetitions() const { return repetitions_; }

  // Feeds the response to request(), varbinds in order (repetition-major:
  // r0c0, r0c1, ..., r1c0, ...; the last repetition may be cut short).
  Walk::Step Accept(std::vector<snmp::VarBind> response);

  const std::vector<snmp::VarBind>& varbinds() const { return varbinds_; }
  std::vector<snmp::VarBind>& mutable_varbinds() { return varbinds_; }
  ErrorClass error_class() const { return error_class_; }
  const std::string& error() const { return error_; }

 private:
  struct Column {
    snmp::Oid root;
    snmp::Oid cursor;
    bool done = false;
  };

  // Moves to the first group with an unfinished column and builds request_;
  // kDone when none is left.
  Walk::Step Advance();
  Walk::Step Fail(ErrorClass c, std::string message);

  std::vector<std::vector<Column>> groups_;
  WalkLimits limits_;
  int bulk_repetitions_;
  size_t group_ = 0;
  std::vector<size_t> pending_;  // columns of groups_[group_] in request_
  std::vector<snmp::Oid> request_;
  int repetitions_ = 1;
  std::vector<snmp::VarBind> varbinds_;
  size_t bytes_ = 0;
  ErrorClass error_class_ = ErrorClass::kInternal;
  std::string error_;
};

}  // namespace periscope::poller

#endif  // PERISCOPE_POLLER_WALK_H_
