// One poller run: lock, targets from the store, walk, store each result.
#ifndef PERISCOPE_POLLER_RUN_H_
#define PERISCOPE_POLLER_RUN_H_

#include <functional>
#include <map>
#include <string>

#include "core/status.h"
#include "poller/config.h"

namespace periscope::poller {

struct RunOptions {
  std::string customer;  // only this customer's targets (bypasses buckets)
  std::string target;    // only targets at this address (bypasses buckets)
  // This poller's name in leases and `periscope-store list pollers`
  // (default host:pid).
  std::string node;
  // A cron run leaves its poller 'stopped' in the pollers table; --service
  // passes do not (the service marks it when it ends).
  bool mark_stopped = true;
  // Called after each target with (done, total), for --progress.
  std::function<void(size_t, size_t)> progress;
  std::function<bool()> stop;  // e.g. SIGTERM seen
};

struct RunSummary {
  int64_t run_id = 0;
  size_t targets = 0;
  size_t ok = 0;
  size_t devices = 0;
  size_t warnings = 0;                   // values refused by decoding (stored in poll_warnings)
  size_t retired = 0;                    // devices newly marked retired by this run
  std::map<std::string, size_t> failed;  // by error class
  double duration_s = 0;
  bool completed = false;  // false: budget spent or stopped
  size_t buckets = 0;      // buckets claimed and finished
  size_t leases_lost = 0;  // chunks refused: another poller took the bucket
  size_t reconnects = 0;   // PostgreSQL sessions re-opened after the server went away
};

// Runs one poll of every enabled target (or the subset). Errors: the lock is
// held by another run (FailedPrecondition), the database cannot be opened or
// written (Unavailable, PermissionDenied, DataLoss...). Device failures are not
// errors: they are counted and stored in poll_errors.
//
// Without a subset, targets are polled by buckets (store/leases.h): the run
// claims due buckets until none is left, writing results in fenced chunks.
// With PostgreSQL many pollers run at once; with SQLite the run's flock keeps
// one.
Result<RunSummary> PollOnce(const PollerConfig& config, const RunOptions& options);

// --service: PollOnce passes until stop(); between passes it sleeps until the
// next bucket is due (at most the interval). Needs interval_s > 0. Returns the
// last pass's summary, or the error that ended the loop (a lost database is
// retried with back-off, not an end).
Result<RunSummary> PollService(const PollerConfig& config, const RunOptions& options,
                               const std::function<void(const RunSummary&)>& on_pass);

}  // namespace periscope::poller

#endif  // PERISCOPE_POLLER_RUN_H_
