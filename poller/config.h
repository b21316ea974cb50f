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
  std::string lock_file;                          // default: <database>.lock
  std::chrono::milliseconds busy_timeout{10000};  // waiting for another writer
  EngineOptions engine;
  size_t max_devices = 256;    // per target and poll; past it the target fails (limit)
  int retire_after_days = 30;  // devices unseen this long are marked retired
  std::map<std::string, Profile> profiles;
};

// Loads and validates the config. Because profiles hold secrets, a file that
// group or others may read (mode & 077) is refused, as ssh refuses such keys.
// Errors name file:line:column and the field, never a secret.
Result<PollerConfig> LoadPollerConfig(const std::string& path);
Result<PollerConfig> ParsePollerConfig(std::string content, const std::string& name);

}  // namespace periscope::poller

#endif  // PERISCOPE_POLLER_CONFIG_H_
