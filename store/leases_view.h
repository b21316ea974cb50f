// `periscope-store list pollers` and `list leases`: who polls, and who holds
// which bucket of targets until when (issue 12's scale-out).
#ifndef PERISCOPE_STORE_LEASES_VIEW_H_
#define PERISCOPE_STORE_LEASES_VIEW_H_

#include <cstdint>

#include "core/status.h"
#include "store/db.h"
#include "store/registry.h"

namespace periscope::store {

// Every poller seen, by name: name, host, pid, state (running, stopped),
// started and last_seen (UTC "YYYY-MM-DD HH:MM:SS"), and its last run: id,
// state, targets_ok, targets_failed (empty when it has none).
Result<TextTable> ListPollers(Db& db);

// The bucket leases: bucket, owner, epoch (fencing token), leased_until, due
// and last_completed_slot (UTC text; empty when unset). Only buckets that are
// held (an owner) or due at or before `now_s`, unless `all`.
Result<TextTable> ListLeases(Db& db, int64_t now_s, bool all);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_LEASES_VIEW_H_
