// The sampler: turns disk readings into per-device snapshots.
//
// A Sampler is owned by the sampler thread (it calls the blocking DiskProbe);
// the snapshots it returns are plain values handed to the SNMP thread.
#ifndef PERISCOPE_SUBAGENT_SAMPLER_H_
#define PERISCOPE_SUBAGENT_SAMPLER_H_

#include <chrono>
#include <mutex>
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
  // This pass crossed the capacity threshold. The notification it raised is
  // pending in the Sampler until acknowledged (see PendingNotifications).
  bool capacity_notification_due = false;
};

// A capacity notification raised and not yet delivered. `generation` tells a
// later crossing of the same device from this one.
struct PendingNotification {
  size_t device = 0;  // position in config.devices
  uint64_t generation = 0;
  bool operator==(const PendingNotification&) const = default;
};

struct SampleSet {
  std::vector<DeviceSnapshot> devices;  // in config (index) order
  std::optional<std::chrono::system_clock::time_point> sampled_at;
};

// The state file's checksum: FNV-1a 64 of everything before the
// "checksum <16 hex digits>" trailer line.
uint64_t StateChecksum(std::string_view body);

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

  // Capacity notifications raised by Sample (or restored) and not yet
  // acknowledged, in device order. Pending ones are saved in the state file.
  // These two methods are thread-safe: the SNMP thread calls them while the
  // sampler thread samples and saves.
  std::vector<PendingNotification> PendingNotifications() const;
  // Clears the pending notification if it is still `generation` (a crossing
  // raised since stays pending). Returns true when it cleared it.
  bool AcknowledgeNotification(const PendingNotification& notification);

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
  // Per device: generation of the pending notification, 0 = none; the last
  // generation used (never reused). Guarded by notify_mu_.
  mutable std::mutex notify_mu_;
  std::vector<uint64_t> pending_generation_;
  uint64_t last_generation_ = 0;
};

}  // namespace periscope::subagent

#endif  // PERISCOPE_SUBAGENT_SAMPLER_H_
