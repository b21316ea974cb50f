#include "subagent/sampler.h"

#include <map>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace periscope::subagent {
namespace {

// A host with scripted mounts, filesystems and disk counters.
class FakeDiskProbe : public DiskProbe {
 public:
  std::string mountinfo =
      "27 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "30 27 0:40 / /run rw - tmpfs tmpfs rw\n"
      "31 27 253:0 / /data rw - xfs /dev/mapper/vg-data rw\n";
  std::map<std::string, FsUsage> filesystems = {
      {"/", {1000, 250}}, {"/run", {100, 1}}, {"/data", {9000, 4500}}};
  std::map<std::string, BlockCounters> disks = {{"sda1", {100, 800}}, {"dm-0", {1000, 8000}}};
  std::map<std::string, DeviceNumber> dev_nodes = {{"/dev/mapper/vg-data", {253, 0}}};
  std::map<std::string, std::string> files = {{"/sys/speed", "1000\n"}};
  bool hang_diskstats = false;

  Result<FsUsage> StatFs(const std::string& path) override {
    auto it = filesystems.find(path);
    if (it == filesystems.end()) return NotFoundError("statvfs " + path + ": No such file");
    return it->second;
  }
  Result<std::string> ReadDiskstats() override {
    if (hang_diskstats) return UnavailableError("/proc/diskstats: I/O error");
    std::string out;
    for (const auto& [name, c] : disks) {
      uint32_t major = name == "dm-0" ? 253 : 8;
      uint32_t minor = name == "dm-0" ? 0 : 1;
      out += std::to_string(major) + " " + std::to_string(minor) + " " + name + " 0 0 0 0 " +
             std::to_string(c.writes_completed) + " 0 " + std::to_string(c.sectors_written) +
             " 0 0 0 0\n";
    }
    return out;
  }
  Result<std::string> ReadMountinfo() override { return mountinfo; }
  Result<std::string> RealPath(const std::string& path) override { return path; }
  Result<DeviceNumber> BlockDeviceNumber(const std::string& path) override {
    auto it = dev_nodes.find(path);
    if (it == dev_nodes.end()) return NotFoundError(path + ": No such file or directory");
    return it->second;
  }
  Result<std::string> ReadSmallFile(const std::string& path, size_t /*max*/) override {
    auto it = files.find(path);
    if (it == files.end()) return NotFoundError(path + ": No such file or directory");
    return it->second;
  }
};

SubagentConfig TwoDevices() {
  SubagentConfig c;
  c.sampling_interval_s = 10;
  c.capacity_threshold_pct = 90;
  c.capacity_hysteresis_pct = 5;
  DeviceConfig root;
  root.index = 1;
  root.serial_number = "S-ROOT";
  root.mount_points = {"/"};
  root.items = {{"nic.speed", "Mb/s", mib::ItemSource::kFile, "", "/sys/speed"},
                {"site", "", mib::ItemSource::kStatic, "B4", ""}};
  DeviceConfig data;
  data.index = 2;
  data.serial_number = "S-DATA";
  data.capacity_bytes = 10000;
  data.mount_points = {"/data"};
  data.block_devices = {"/dev/mapper/vg-data"};
  c.devices = {root, data};
  return c;
}

std::chrono::system_clock::time_point At(int64_t s) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(s));
}

const ItemValue* FindItem(const DeviceSnapshot& s, const std::string& name) {
  for (const ItemValue& i : s.items) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

// A state file body with the checksum trailer the writer adds, so a test can
// make every other part wrong.
std::string Sealed(const std::string& body) {
  return body + fmt::format("checksum {:016x}\n", StateChecksum(body));
}

TEST(SamplerTest, UsageComesFromMountsAndLoadFromBackingDevices) {
  SubagentConfig config = TwoDevices();
  FakeDiskProbe probe;
  Sampler sampler(config, &probe);
  sampler.Sample(At(1'800'000'000));
  probe.disks["sda1"].writes_completed += 42;
  probe.disks["dm-0"].writes_completed += 7;
  probe.filesystems["/"].used_bytes = 300;
  SampleSet set = sampler.Sample(At(1'800'000'010));
  ASSERT_EQ(set.devices.size(), 2u);
  const DeviceSnapshot& root = set.devices[0];
  EXPECT_EQ(root.status, mib::DeviceStatus::kOk) << root.status_text;
  EXPECT_EQ(root.capacity_bytes, 1000u);  // defaults to the filesystem size
  EXPECT_EQ(root.used_bytes, 300u);
  EXPECT_EQ(root.today.load_peak, 42u);  // sda1 derived from the mount's 8:1
  const DeviceSnapshot& data = set.devices[1];
  EXPECT_EQ(data.capacity_bytes, 10000u);  // configured
  EXPECT_EQ(data.today.load_peak, 7u);     // /dev/mapper path resolved to dm-0
}

TEST(SamplerTest, ItemsAreSortedAndIncludeBuiltinsAndFiles) {
  SubagentConfig config = TwoDevices();
  FakeDiskProbe probe;
  Sampler sampler(config, &probe);
  SampleSet set = sampler.Sample(At(1'800'000'000));
  const DeviceSnapshot& root = set.devices[0];
  for (size_t i = 1; i < root.items.size(); ++i)
    EXPECT_LT(root.items[i - 1].name, root.items[i].name);
  ASSERT_NE(FindItem(root, "nic.speed"), nullptr);
  EXPECT_EQ(FindItem(root, "nic.speed")->value, "1000");
  EXPECT_EQ(FindItem(root, "nic.speed")->source, mib::ItemSource::kFile);
  EXPECT_EQ(FindItem(root, "used-percent")->value, "25.00");
  EXPECT_EQ(FindItem(root, "used-percent")->source, mib::ItemSource::kBuiltin);
  EXPECT_EQ(FindItem(root, "site")->value, "B4");
  probe.files.clear();
  set = sampler.Sample(At(1'800'000'010));
  EXPECT_EQ(FindItem(set.devices[0], "nic.speed")->value.rfind("unavailable: ", 0), 0u);
}

TEST(SamplerTest, MissingMountDegradesAndAllMissingIsUnavailable) {
  SubagentConfig config = TwoDevices();
  config.devices[0].mount_points = {"/", "/srv/gone"};
  FakeDiskProbe probe;
  probe.dev_nodes.clear();                                    // /dev/mapper/vg-data vanished too
  probe.mountinfo = "27 1 8:1 / / rw - ext4 /dev/sda1 rw\n";  // /data unmounted
  Sampler sampler(config, &probe);
  SampleSet set = sampler.Sample(At(1'800'000'000));
  EXPECT_EQ(set.devices[0].status, mib::DeviceStatus::kDegraded);
  EXPECT_EQ(set.devices[0].status_text, "mount /srv/gone: not mounted");
  EXPECT_EQ(set.devices[0].used_bytes, 250u);  // the readable mount still counts
  EXPECT_EQ(set.devices[1].status, mib::DeviceStatus::kUnavailable);
  EXPECT_NE(set.devices[1].status_text.find("mount /data: not mounted"), std::string::npos);
  EXPECT_NE(set.devices[1].status_text.find("/dev/mapper/vg-data"), std::string::npos);
}

TEST(SamplerTest, AFilesystemMountedTwiceCountsOnce) {
  SubagentConfig config = TwoDevices();
  config.devices[1].mount_points = {"/data", "/data-bind"};
  FakeDiskProbe probe;
  probe.mountinfo += "32 27 253:0 /sub /data-bind rw - xfs /dev/mapper/vg-data rw\n";
  probe.filesystems["/data-bind"] = probe.filesystems["/data"];
  Sampler sampler(config, &probe);
  SampleSet set = sampler.Sample(At(1'800'000'000));
  EXPECT_EQ(set.devices[1].used_bytes, 4500u);
  EXPECT_EQ(set.devices[1].status, mib::DeviceStatus::kOk) << set.devices[1].status_text;
}

TEST(SamplerTest, AnUnreadableDeviceKeepsItsLastFigures) {
  SubagentConfig config = TwoDevices();
  FakeDiskProbe probe;
  Sampler sampler(config, &probe);
  sampler.Sample(At(1'800'000'000));
  probe.filesystems.clear();  // nothing readable any more
  SampleSet set = sampler.Sample(At(1'800'000'010));
  EXPECT_EQ(set.devices[0].status, mib::DeviceStatus::kUnavailable);
  EXPECT_EQ(set.devices[0].used_bytes, 250u);
  EXPECT_EQ(set.devices[0].capacity_bytes, 1000u);
}

TEST(SamplerTest, TmpfsMountSaysLoadIsNotMeasured) {
  SubagentConfig config = TwoDevices();
  config.devices[0].mount_points = {"/run"};
  FakeDiskProbe probe;
  Sampler sampler(config, &probe);
  SampleSet set = sampler.Sample(At(1'800'000'000));
  EXPECT_EQ(set.devices[0].status, mib::DeviceStatus::kDegraded);
  EXPECT_NE(set.devices[0].status_text.find("no block device backs it (tmpfs tmpfs)"),
            std::string::npos)
      << set.devices[0].status_text;
}

TEST(SamplerTest, CapacityNotificationIsDueOnceWhenThresholdIsCrossed) {
  SubagentConfig config = TwoDevices();
  FakeDiskProbe probe;
  Sampler sampler(config, &probe);
  EXPECT_FALSE(sampler.Sample(At(1'800'000'000)).devices[1].capacity_notification_due);  // 45%
  probe.filesystems["/data"].used_bytes = 9100;  // 91% of the configured 10000
  EXPECT_TRUE(sampler.Sample(At(1'800'000'010)).devices[1].capacity_notification_due);
  EXPECT_FALSE(sampler.Sample(At(1'800'000'020)).devices[1].capacity_notification_due);
}

TEST(SamplerTest, ANotificationStaysPendingAcrossRestartsUntilAcknowledged) {
  SubagentConfig config = TwoDevices();
  FakeDiskProbe probe;
  Sampler sampler(config, &probe);
  sampler.Sample(At(1'800'000'000));
  EXPECT_TRUE(sampler.PendingNotifications().empty());
  probe.filesystems["/data"].used_bytes = 9100;
  sampler.Sample(At(1'800'000'010));
  sampler.Sample(At(1'800'000'020));  // still above: one notification owed, not two
  std::vector<PendingNotification> pending = sampler.PendingNotifications();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].device, 1u);

  Sampler restarted(config, &probe);  // e.g. snmpd was down, then the subagent restarted
  ASSERT_TRUE(restarted.RestoreState(sampler.SerializeState()).ok());
  std::vector<PendingNotification> restored = restarted.PendingNotifications();
  ASSERT_EQ(restored.size(), 1u);
  EXPECT_EQ(restored[0].device, 1u);

  EXPECT_TRUE(restarted.AcknowledgeNotification(restored[0]));
  EXPECT_FALSE(restarted.AcknowledgeNotification(restored[0]));  // already cleared
  EXPECT_TRUE(restarted.PendingNotifications().empty());
  Sampler again(config, &probe);  // the cleared state is what is saved
  ASSERT_TRUE(again.RestoreState(restarted.SerializeState()).ok());
  EXPECT_TRUE(again.PendingNotifications().empty());
  EXPECT_FALSE(again.Sample(At(1'800'000'030)).devices[1].capacity_notification_due);
  EXPECT_TRUE(again.PendingNotifications().empty());
}

TEST(SamplerTest, AcknowledgingAnOlderCrossingKeepsANewerOnePending) {
  SubagentConfig config = TwoDevices();
  FakeDiskProbe probe;
  Sampler sampler(config, &probe);
  probe.filesystems["/data"].used_bytes = 9100;
  sampler.Sample(At(1'800'000'000));
  std::vector<PendingNotification> first = sampler.PendingNotifications();
  ASSERT_EQ(first.size(), 1u);
  probe.filesystems["/data"].used_bytes = 1000;  // re-arms below 85%
  sampler.Sample(At(1'800'000'010));
  probe.filesystems["/data"].used_bytes = 9500;  // crosses again before the first was confirmed
  sampler.Sample(At(1'800'000'020));
  EXPECT_FALSE(sampler.AcknowledgeNotification(first[0]));
  ASSERT_EQ(sampler.PendingNotifications().size(), 1u);
  EXPECT_NE(sampler.PendingNotifications()[0].generation, first[0].generation);
}

TEST(SamplerTest, APartlyReadableDeviceNeitherRearmsNorRecordsItsDay) {
  SubagentConfig config = TwoDevices();
  config.devices[1].mount_points = {"/data", "/"};  // 4500 + 250 of 10000 configured
  FakeDiskProbe probe;
  probe.filesystems["/data"].used_bytes = 9000;  // 92.5 %: fires
  Sampler sampler(config, &probe);
  EXPECT_TRUE(sampler.Sample(At(1'800'000'000)).devices[1].capacity_notification_due);
  probe.filesystems.erase("/data");  // one mount unreadable: partial sum 250
  SampleSet partial = sampler.Sample(At(1'800'000'010));
  EXPECT_EQ(partial.devices[1].status, mib::DeviceStatus::kDegraded);
  EXPECT_EQ(partial.devices[1].used_bytes, 250u);
  EXPECT_EQ(partial.devices[1].today.used_bytes, 9250u);  // the day keeps the full figure
  probe.filesystems["/data"] = {9000, 9000};
  EXPECT_FALSE(sampler.Sample(At(1'800'000'020)).devices[1].capacity_notification_due);
}

TEST(SamplerTest, StateWhoseTodayIsNotAfterItsHistoryIsRejected) {
  SubagentConfig config = TwoDevices();
  FakeDiskProbe probe;
  Sampler sampler(config, &probe);
  std::string body =
      "periscope-subagent-state 1\ndevice 1 x532d524f4f54\nalarm 0\ntotals 0 0 0\n"
      "baseline 0 0\nday 20261121 999 0 0 0 0\ntoday 20261121 1 1 1 0 0\nend-device\n";
  Status s = sampler.RestoreState(Sealed(body));
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_NE(s.message().find("today is not after the last day of history"), std::string::npos)
      << s.message();
}

TEST(SamplerTest, StateSavedBeforeTheFirstSampleRestores) {
  SubagentConfig config = TwoDevices();
  FakeDiskProbe probe;
  Sampler first(config, &probe);
  Sampler second(config, &probe);
  EXPECT_TRUE(second.RestoreState(first.SerializeState()).ok());
}

TEST(SamplerTest, StateRoundTripKeepsPeaksHistoryAndAlarm) {
  SubagentConfig config = TwoDevices();
  FakeDiskProbe probe;
  Sampler first(config, &probe);
  int64_t t0 = 1'800'000'000;
  first.Sample(At(t0));
  probe.disks["sda1"].writes_completed += 500;
  probe.filesystems["/data"].used_bytes = 9500;
  first.Sample(At(t0 + 10));
  first.Sample(At(t0 + 86400));  // next day: yesterday goes to history
  std::string state = first.SerializeState();

  Sampler second(config, &probe);
  ASSERT_TRUE(second.RestoreState(state).ok());
  EXPECT_EQ(second.SerializeState(), state);
  SampleSet initial = second.Initial();
  ASSERT_EQ(initial.devices[0].history.size(), 1u);
  EXPECT_EQ(initial.devices[0].history[0].load_peak, 500u);
  EXPECT_EQ(initial.devices[0].status, mib::DeviceStatus::kUnavailable);
  // The alarm already fired before the restart: no second notification.
  EXPECT_FALSE(second.Sample(At(t0 + 86410)).devices[1].capacity_notification_due);
}

TEST(SamplerTest, StatusSaysTheClockIsBehindWhileItReadsADayBeforeTheNewest) {
  SubagentConfig config = TwoDevices();
  FakeDiskProbe probe;
  Sampler sampler(config, &probe);
  int64_t t0 = 1'800'000'000;
  sampler.Sample(At(t0));
  probe.disks["sda1"].writes_completed += 40;
  SampleSet before = sampler.Sample(At(t0 + 10));
  ASSERT_EQ(before.devices[0].today.load_peak, 40u);

  probe.disks["sda1"].writes_completed += 900;
  SampleSet behind = sampler.Sample(At(t0 + 20 - 2 * 86400));  // stepped back two days
  const DeviceSnapshot& root = behind.devices[0];
  EXPECT_EQ(root.status, mib::DeviceStatus::kDegraded);
  EXPECT_NE(root.status_text.find("clock is behind"), std::string::npos) << root.status_text;
  EXPECT_EQ(root.today, before.devices[0].today);
  EXPECT_EQ(root.history, before.devices[0].history);
  EXPECT_EQ(FindItem(root, "load-peak-today")->value, "40");

  probe.disks["sda1"].writes_completed += 7;
  SampleSet caught_up = sampler.Sample(At(t0 + 20));
  EXPECT_EQ(caught_up.devices[0].status, mib::DeviceStatus::kOk)
      << caught_up.devices[0].status_text;
  EXPECT_EQ(caught_up.devices[0].status_text, "");
  EXPECT_EQ(caught_up.devices[0].today.date, before.devices[0].today.date);
  // The interval that spans the step is not counted; the next one is.
  EXPECT_EQ(caught_up.devices[0].today.intervals, 1u);
  probe.disks["sda1"].writes_completed += 3;
  EXPECT_EQ(sampler.Sample(At(t0 + 30)).devices[0].today.intervals, 2u);
}

TEST(SamplerTest, AStateSavedWithTheClockAheadIsCorrectedAtTheFirstSampleAfterRestore) {
  SubagentConfig config = TwoDevices();
  FakeDiskProbe probe;
  Sampler first(config, &probe);
  int64_t t0 = 1'800'000'000;
  first.Sample(At(t0 - 86400));
  first.Sample(At(t0 - 86390));  // yesterday
  first.Sample(At(t0));
  probe.disks["sda1"].writes_completed += 500;
  SampleSet real = first.Sample(At(t0 + 10));  // today, peak 500
  ASSERT_EQ(real.devices[0].history.size(), 1u);
  first.Sample(At(t0 + 400 * 86400));  // rebooted with the clock a year ahead
  std::string state = first.SerializeState();

  Sampler second(config, &probe);
  ASSERT_TRUE(second.RestoreState(state).ok());
  EXPECT_EQ(second.SerializeState(), state);
  SampleSet corrected = second.Sample(At(t0 + 30));  // NTP corrected the clock
  const DeviceSnapshot& root = corrected.devices[0];
  EXPECT_EQ(root.status, mib::DeviceStatus::kOk) << root.status_text;
  EXPECT_EQ(root.today.date, real.devices[0].today.date);
  EXPECT_EQ(root.today.load_peak, 500u);
  EXPECT_EQ(root.history, real.devices[0].history);
}

TEST(SamplerTest, StateFileWithoutTheSteppedFieldStillRestores) {
  SubagentConfig config = TwoDevices();
  FakeDiskProbe probe;
  Sampler sampler(config, &probe);
  std::string body =
      "periscope-subagent-state 1\ndevice 1 x532d524f4f54\nalarm 0\ntotals 0 0 0\n"
      "baseline 0 0\nday 20261120 999 0 0 0 0\ntoday 20261121 1 1 1 0 0\nend-device\n";
  ASSERT_TRUE(sampler.RestoreState(Sealed(body)).ok());
  ASSERT_EQ(sampler.Initial().devices[0].history.size(), 1u);
  EXPECT_EQ(sampler.Initial().devices[0].history[0].load_peak, 999u);
}

TEST(SamplerTest, DamagedStateIsRejectedWithoutChangingAnything) {
  SubagentConfig config = TwoDevices();
  FakeDiskProbe probe;
  Sampler sampler(config, &probe);
  sampler.Sample(At(1'800'000'000));
  std::string good = sampler.SerializeState();
  Sampler fresh(config, &probe);
  std::string before = fresh.SerializeState();
  std::string flipped = good;
  flipped[good.find("today") + 8] ^= 1;
  const std::string damaged[] = {"", "garbage", good.substr(0, good.size() / 2), flipped,
                                 "periscope-subagent-state 1\ncheckswum 0\n"};
  for (const std::string& d : damaged) {
    Status s = fresh.RestoreState(d);
    EXPECT_EQ(s.code(), StatusCode::kDataLoss) << d.substr(0, 40);
    EXPECT_EQ(fresh.SerializeState(), before);
  }
}

TEST(SamplerTest, StateOfAReplacedDeviceIsNotRestored) {
  SubagentConfig config = TwoDevices();
  FakeDiskProbe probe;
  Sampler sampler(config, &probe);
  sampler.Sample(At(1'800'000'000));
  probe.disks["sda1"].writes_completed += 99;
  sampler.Sample(At(1'800'000'010));
  std::string state = sampler.SerializeState();
  config.devices[0].serial_number = "S-NEW";  // same index, different device
  Sampler replaced(config, &probe);
  ASSERT_TRUE(replaced.RestoreState(state).ok());
  EXPECT_EQ(replaced.Initial().devices[0].today.load_peak, 0u);
  EXPECT_EQ(replaced.Initial().devices[1].today.date, 20270115u);
}

}  // namespace
}  // namespace periscope::subagent
