// The poller's configuration (etc/periscope-poller.xml).
#ifndef PERISCOPE_POLLER_CONFIG_H_
#define PERISCOPE_POLLER_CONFIG_H_

#include <map>
#include <string>

#include "core/status.h"
#include "poller/engine.h"

namespace periscope::poller {

struct PollerConfig {
  std::string database = "/var/lib/periscope/periscope.db";
  std::string lock_file;  // default: <database>.lock (SQLite only: one poller per file)
  std::chrono::milliseconds busy_timeout{10000};  // waiting for another writer
  EngineOptions engine;
  size_t max_devices = 256;    // per target and poll; past it the target fails (limit)
  int retire_after_days = 30;  // devices unseen this long are marked retired
  // Scale-out (issue 12; store/leases.h). interval_s 0: each run polls every
  // target once (cron); > 0: targets are due once per interval, spread over
  // it, and --service loops.
  int64_t interval_s = 0;
  int64_t bucket_count = 1024;
  int64_t lease_ttl_s = 60;   // a bucket's lease without a committed chunk
  size_t chunk_targets = 50;  // results per transaction
  std::map<std::string, Profile> profiles;
};

// Loads and validates the config. Because profiles hold secrets, a file that
// group or others may read (mode & 077) is refused, as ssh refuses such keys.
// Errors name file:line:column and the field, never a secret.
Result<PollerConfig> LoadPollerConfig(const std::string& path);
Result<PollerConfig> ParsePollerConfig(std::string content, const std::string& name);

}  // namespace periscope::poller

#endif  // PERISCOPE_POLLER_CONFIG_H_
