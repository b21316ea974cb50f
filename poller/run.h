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
  std::string customer;  // only this customer's targets
  std::string target;    // only targets at this address
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
};

// Runs one poll of every enabled target (or the subset). Errors: the lock is
// held by another run (FailedPrecondition), the database cannot be opened or
// written (Unavailable, PermissionDenied, DataLoss...). Device failures are not
// errors: they are counted and stored in poll_errors.
Result<RunSummary> PollOnce(const PollerConfig& config, const RunOptions& options);

}  // namespace periscope::poller

#endif  // PERISCOPE_POLLER_RUN_H_
