// The subagent's configuration (etc/periscope-subagent.xml) and its loader.
#ifndef PERISCOPE_SUBAGENT_CONFIG_H_
#define PERISCOPE_SUBAGENT_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "mib/periscope_oids.h"

namespace periscope::subagent {

// A maintenance item served in periscopeItemTable.
struct ItemConfig {
  std::string name;  // [a-z0-9._-]{1,64}
  std::string unit;  // at most 32 bytes
  mib::ItemSource source = mib::ItemSource::kStatic;
  std::string value;      // kStatic: the value
  std::string file_path;  // kFile: absolute path read at sampling time
};

// Names of the items every device serves (ItemSource::kBuiltin); config items
// may not reuse them.
const std::vector<std::string>& BuiltinItemNames();

// One sold device as described in the config.
struct DeviceConfig {
  uint32_t index = 0;  // periscopeDeviceIndex, >= 1, unique
  mib::DeviceType type = mib::DeviceType::kOther;
  std::string product_name;
  std::string model;
  std::string product_number;
  std::string serial_number;
  std::string configuration;
  std::string firmware;
  std::optional<uint64_t> capacity_bytes;  // unset: the mounts' total size
  uint64_t cache_bytes = 0;
  std::optional<DateYmd> sale_date;
  uint64_t price_minor_units = 0;
  std::string currency;  // ISO 4217 code or empty
  std::string user_id;
  std::vector<std::string> mount_points;   // statvfs usage sums to used bytes
  std::vector<std::string> block_devices;  // kernel names or /dev paths; empty: from mounts
  std::vector<ItemConfig> items;           // sorted by name
  std::string where;                       // "file:line:col" of <device>
};

struct SubagentConfig {
  std::string agentx_socket = "/var/agentx/master";
  uint32_t agentx_ping_interval_s = 15;
  uint32_t agentx_timeout_s = 1;
  uint32_t agentx_retries = 5;
  uint32_t sampling_interval_s = 10;
  std::string state_file = "/var/lib/periscope/subagent.state";
  uint32_t daily_retention_days = 35;
  uint32_t capacity_threshold_pct = 90;  // 0 disables the notification
  uint32_t capacity_hysteresis_pct = 5;
  std::vector<DeviceConfig> devices;  // sorted by index
};

// Loads and validates a config file. Errors are InvalidArgument naming
// file:line:column and the field, or NotFound/PermissionDenied for the file.
Result<SubagentConfig> LoadSubagentConfig(const std::string& path);
Result<SubagentConfig> ParseSubagentConfig(std::string content, const std::string& name);

// Human-readable summary of what would be served (for --check-config).
std::string DescribeConfig(const SubagentConfig& config);

}  // namespace periscope::subagent

#endif  // PERISCOPE_SUBAGENT_CONFIG_H_
