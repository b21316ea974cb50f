// The sampler: turns disk readings into per-device snapshots.
//
// A Sampler is owned by the sampler thread (it calls the blocking DiskProbe);
// the snapshots it returns are plain values handed to the SNMP thread.
#ifndef PERISCOPE_SUBAGENT_SAMPLER_H_
#define PERISCOPE_SUBAGENT_SAMPLER_H_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "subagent/config.h"
#include "subagent/disk_probe.h"
#include "subagent/load_tracker.h"

namespace periscope::subagent {

struct ItemValue {
  std::string name;
  std::string value;
  std::string unit;
  mib::ItemSource source = mib::ItemSource::kStatic;
};

// What the MIB serves for one device. `config` points into the SubagentConfig,
// which outlives every snapshot.
struct DeviceSnapshot {
  const DeviceConfig* config = nullptr;
  uint64_t capacity_bytes = 0;
  uint64_t used_bytes = 0;
  mib::DeviceStatus status = mib::DeviceStatus::kUnavailable;
  std::string status_text;
  uint64_t writes_total = 0;
  uint64_t bytes_total = 0;
  DailyFigures today;
  std::vector<DailyFigures> history;  // completed days, oldest first
  std::vector<ItemValue> items;       // sorted by name (the IMPLIED index order)
  std::optional<std::chrono::system_clock::time_point> sampled_at;
  bool capacity_notification_due = false;
};

struct SampleSet {
  std::vector<DeviceSnapshot> devices;  // in config (index) order
  std::optional<std::chrono::system_clock::time_point> sampled_at;
};

class Sampler {
 public:
  // `config` and `probe` must outlive the Sampler.
  Sampler(const SubagentConfig& config, DiskProbe* probe);

  // Reads every device once. Blocks for as long as the probe does.
  SampleSet Sample(std::chrono::system_clock::time_point now);

  // Snapshots before the first sample: restored figures, status unavailable.
  SampleSet Initial() const;

  // The persistent part (daily figures, baselines, totals, alarm state) as text
  // with a checksum, and back. RestoreState fails with DataLoss on any damage
  // and then changes nothing. Devices are matched by index and serial number.
  std::string SerializeState() const;
  Status RestoreState(std::string_view content);

 private:
  struct DeviceState {
    LoadTracker tracker;
    CapacityAlarm alarm;
    uint64_t last_fs_size_bytes = 0;  // of the last pass that read every mount
  };
  // Figures kept by the tracker, copied into a snapshot.
  void FillFromTracker(const DeviceState& state, DeviceSnapshot* snap) const;
  void SampleDevice(size_t i, std::chrono::system_clock::time_point now,
                    const struct HostTables& host, DeviceSnapshot* snap);

  const SubagentConfig& config_;
  DiskProbe* probe_;
  std::vector<DeviceState> states_;  // parallel to config_.devices
};

}  // namespace periscope::subagent

#endif  // PERISCOPE_SUBAGENT_SAMPLER_H_
