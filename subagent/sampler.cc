#include "subagent/sampler.h"

#include <algorithm>
#include <cinttypes>
#include <cstdint>
#include <set>

#include <fmt/format.h>

#include "core/strings.h"
#include "subagent/proc_parsers.h"

namespace periscope::subagent {

// The host-wide tables read once per sampling pass.
struct HostTables {
  std::vector<MountInfo> mounts;
  std::vector<DiskStat> disks;
  Status mounts_status;
  Status disks_status;
};

namespace {

constexpr size_t kMaxItemFileBytes = 4096;

const DiskStat* FindDiskByName(const std::vector<DiskStat>& disks, std::string_view name) {
  for (const DiskStat& d : disks) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

const DiskStat* FindDiskByNumber(const std::vector<DiskStat>& disks, DeviceNumber n) {
  for (const DiskStat& d : disks) {
    if (d.major == n.major && d.minor == n.minor) return &d;
  }
  return nullptr;
}

std::string FormatPercent(uint64_t used, uint64_t capacity) {
  if (capacity == 0) return "";
  uint64_t hundredths = static_cast<uint64_t>(
      (static_cast<long double>(used) * 10000.0L) / static_cast<long double>(capacity) + 0.5L);
  return fmt::format("{}.{:02}", hundredths / 100, hundredths % 100);
}

std::string FormatDate(DateYmd d) {
  return fmt::format("{:04}-{:02}-{:02}", d / 10000, d / 100 % 100, d % 100);
}

std::string FormatHundredths(uint64_t v) { return fmt::format("{}.{:02}", v / 100, v % 100); }

std::string_view StatusLabel(mib::DeviceStatus s) {
  switch (s) {
    case mib::DeviceStatus::kOk:
      return "ok";
    case mib::DeviceStatus::kDegraded:
      return "degraded";
    case mib::DeviceStatus::kUnavailable:
      return "unavailable";
  }
  return "unavailable";
}

// Item values from files: the first line, cleaned (a tab or CR inside it is
// layout, so control characters become spaces), bounded.
std::string CleanFileValue(std::string_view content) {
  size_t nl = content.find('\n');
  std::string_view line = TrimWhitespace(content.substr(0, nl));
  return TruncateUtf8(CleanText(line, ' '), mib::kMaxAdminStringBytes);
}

}  // namespace

Sampler::Sampler(const SubagentConfig& config, DiskProbe* probe) : config_(config), probe_(probe) {
  states_.reserve(config.devices.size());
  for (size_t i = 0; i < config.devices.size(); ++i) {
    states_.push_back(
        DeviceState{LoadTracker(config.sampling_interval_s, config.daily_retention_days), {}});
  }
  pending_generation_.assign(config.devices.size(), 0);
}

std::vector<PendingNotification> Sampler::PendingNotifications() const {
  std::lock_guard<std::mutex> lock(notify_mu_);
  std::vector<PendingNotification> out;
  for (size_t i = 0; i < pending_generation_.size(); ++i) {
    if (pending_generation_[i] != 0) out.push_back({i, pending_generation_[i]});
  }
  return out;
}

bool Sampler::AcknowledgeNotification(const PendingNotification& notification) {
  std::lock_guard<std::mutex> lock(notify_mu_);
  if (notification.device >= pending_generation_.size() || notification.generation == 0 ||
      pending_generation_[notification.device] != notification.generation) {
    return false;
  }
  pending_generation_[notification.device] = 0;
  return true;
}

void Sampler::FillFromTracker(const DeviceState& state, DeviceSnapshot* snap) const {
  const LoadTracker::State& t = state.tracker.state();
  snap->today = t.today;
  snap->history.assign(t.history.begin(), t.history.end());
  snap->writes_total = t.writes_total;
  snap->bytes_total = t.bytes_total;
}

SampleSet Sampler::Initial() const {
  SampleSet set;
  for (size_t i = 0; i < config_.devices.size(); ++i) {
    DeviceSnapshot snap;
    snap.config = &config_.devices[i];
    FillFromTracker(states_[i], &snap);
    snap.capacity_bytes = snap.config->capacity_bytes.value_or(0);
    snap.used_bytes = snap.today.used_bytes;
    snap.status = mib::DeviceStatus::kUnavailable;
    snap.status_text = "not sampled yet";
    set.devices.push_back(std::move(snap));
  }
  return set;
}

SampleSet Sampler::Sample(std::chrono::system_clock::time_point now) {
  HostTables host;
  auto mountinfo = probe_->ReadMountinfo();
  if (mountinfo.ok()) {
    host.mounts = ParseMountinfo(*mountinfo);
  } else {
    host.mounts_status = mountinfo.status();
  }
  auto diskstats = probe_->ReadDiskstats();
  if (diskstats.ok()) {
    host.disks = ParseDiskstats(*diskstats);
  } else {
    host.disks_status = diskstats.status();
  }
  SampleSet set;
  set.sampled_at = now;
  set.devices.resize(config_.devices.size());
  for (size_t i = 0; i < config_.devices.size(); ++i) {
    SampleDevice(i, now, host, &set.devices[i]);
  }
  return set;
}

void Sampler::SampleDevice(size_t i, std::chrono::system_clock::time_point now,
                           const HostTables& host, DeviceSnapshot* snap) {
  const DeviceConfig& dev = config_.devices[i];
  DeviceState& state = states_[i];
  snap->config = &dev;
  std::vector<std::string> problems;
  size_t sources = 0;  // mounts and block devices we tried to read
  size_t sources_failed = 0;

  // Used capacity: statvfs of each configured mount point.
  uint64_t used = 0, size = 0;
  bool any_mount_read = false;
  size_t mounts_failed = 0;
  std::vector<DeviceNumber> derived_blocks;
  std::vector<DeviceNumber> counted_filesystems;  // a filesystem counts once (bind mounts)
  for (const std::string& mount_point : dev.mount_points) {
    ++sources;
    const MountInfo* m = FindMount(host.mounts, mount_point);
    if (m == nullptr && host.mounts_status.ok()) {
      if (auto real = probe_->RealPath(mount_point); real.ok()) m = FindMount(host.mounts, *real);
    }
    if (m == nullptr) {
      ++sources_failed;
      ++mounts_failed;
      problems.push_back(host.mounts_status.ok() ? fmt::format("mount {}: not mounted", mount_point)
                                                 : fmt::format("mount {}: {}", mount_point,
                                                               host.mounts_status.message()));
      continue;
    }
    DeviceNumber fs{m->major, m->minor};
    if (std::find(counted_filesystems.begin(), counted_filesystems.end(), fs) !=
        counted_filesystems.end()) {
      continue;
    }
    counted_filesystems.push_back(fs);
    auto usage = probe_->StatFs(mount_point);
    if (!usage.ok()) {
      ++sources_failed;
      ++mounts_failed;
      problems.push_back(fmt::format("mount {}: {}", mount_point, usage.status().message()));
      continue;
    }
    any_mount_read = true;
    used += usage->used_bytes;
    size += usage->size_bytes;
    if (!dev.block_devices.empty()) continue;
    if (m->major != 0) {
      derived_blocks.push_back({m->major, m->minor});
    } else if (m->source.rfind("/dev/", 0) == 0) {
      // btrfs and friends report an anonymous device number; the source names the disk.
      auto n = probe_->BlockDeviceNumber(m->source);
      if (n.ok()) {
        derived_blocks.push_back(*n);
      } else {
        problems.push_back(
            fmt::format("mount {}: {}; load not measured", mount_point, n.status().message()));
      }
    } else {
      problems.push_back(
          fmt::format("mount {}: no block device backs it ({} {}); load not measured", mount_point,
                      m->fs_type, m->source));
    }
  }

  // Write load: cumulative counters of the block devices.
  CounterReadings readings;
  auto add_reading = [&](const DiskStat* d) {
    readings[d->name] = BlockCounters{d->writes_completed, d->sectors_written};
  };
  if (!dev.block_devices.empty()) {
    for (const std::string& name : dev.block_devices) {
      ++sources;
      if (!host.disks_status.ok()) {
        ++sources_failed;
        problems.push_back(fmt::format("block device {}: {}", name, host.disks_status.message()));
        continue;
      }
      const DiskStat* d = nullptr;
      if (name.front() == '/') {
        auto n = probe_->BlockDeviceNumber(name);
        if (!n.ok()) {
          ++sources_failed;
          problems.push_back(fmt::format("block device {}", n.status().message()));
          continue;
        }
        d = FindDiskByNumber(host.disks, *n);
      } else {
        d = FindDiskByName(host.disks, name);
      }
      if (d == nullptr) {
        ++sources_failed;
        problems.push_back(fmt::format("block device {}: not in /proc/diskstats", name));
        continue;
      }
      add_reading(d);
    }
  } else {
    for (DeviceNumber n : derived_blocks) {
      const DiskStat* d = FindDiskByNumber(host.disks, n);
      if (d != nullptr) {
        add_reading(d);
      } else {
        problems.push_back(fmt::format(
            "block device {}:{}: {}", n.major, n.minor,
            host.disks_status.ok() ? "not in /proc/diskstats" : host.disks_status.message()));
      }
    }
  }

  int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  // A partial sum is served (status degraded) but is not the day's figure and
  // must not move the notification's hysteresis.
  const bool all_mounts_read = any_mount_read && mounts_failed == 0;
  const DateYmd today = LocalDate(now);
  state.tracker.Observe(now_s, today, readings,
                        all_mounts_read ? std::optional<uint64_t>(used) : std::nullopt);
  if (state.tracker.clock_behind()) {
    problems.push_back(fmt::format(
        "clock is behind: {} is before the newest stored day {}; daily figures paused until it "
        "catches up",
        FormatDate(today), FormatDate(state.tracker.state().today.date)));
  }

  FillFromTracker(state, snap);
  snap->sampled_at = now;
  if (all_mounts_read) state.last_fs_size_bytes = size;
  if (any_mount_read || dev.mount_points.empty()) {
    snap->capacity_bytes = dev.capacity_bytes.value_or(size);
    snap->used_bytes = used;
  } else {
    // Nothing readable now: keep serving the last known figures (the status
    // says they are not current) rather than zeros.
    snap->capacity_bytes = dev.capacity_bytes.value_or(state.last_fs_size_bytes);
    snap->used_bytes = snap->today.has_used_bytes ? snap->today.used_bytes : 0;
  }
  if (problems.empty()) {
    snap->status = mib::DeviceStatus::kOk;
  } else {
    snap->status = (sources > 0 && sources_failed == sources) ? mib::DeviceStatus::kUnavailable
                                                              : mib::DeviceStatus::kDegraded;
    std::string text;
    for (const std::string& p : problems) {
      if (!text.empty()) text += "; ";
      text += p;
    }
    snap->status_text = CleanFileValue(text);  // mountinfo bytes need not be UTF-8
  }
  snap->capacity_notification_due =
      all_mounts_read &&
      state.alarm.Update(snap->used_bytes, snap->capacity_bytes, config_.capacity_threshold_pct,
                         config_.capacity_hysteresis_pct);
  if (snap->capacity_notification_due) {
    std::lock_guard<std::mutex> lock(notify_mu_);
    // A crossing while an earlier one is still pending replaces it: one
    // notification is owed, not two.
    pending_generation_[i] = ++last_generation_;
  }

  // Items: built-ins, then the configured ones, served in name order.
  auto builtin = [&](std::string name, std::string value, std::string unit) {
    snap->items.push_back(
        {std::move(name), std::move(value), std::move(unit), mib::ItemSource::kBuiltin});
  };
  builtin("capacity-bytes", std::to_string(snap->capacity_bytes), "bytes");
  builtin("firmware", dev.firmware, "");
  builtin("load-avg-today", FormatHundredths(snap->today.LoadAvgHundredths()), "writes/interval");
  builtin("load-peak-today", std::to_string(snap->today.load_peak), "writes/interval");
  builtin("status", std::string(StatusLabel(snap->status)), "");
  builtin("used-bytes", std::to_string(snap->used_bytes), "bytes");
  builtin("used-percent", FormatPercent(snap->used_bytes, snap->capacity_bytes), "%");
  for (const ItemConfig& item : dev.items) {
    ItemValue v{item.name, item.value, item.unit, item.source};
    if (item.source == mib::ItemSource::kFile) {
      auto content = probe_->ReadSmallFile(item.file_path, kMaxItemFileBytes);
      v.value = content.ok() ? CleanFileValue(*content)
                             : TruncateUtf8("unavailable: " + content.status().message(),
                                            mib::kMaxAdminStringBytes);
    }
    snap->items.push_back(std::move(v));
  }
  std::sort(snap->items.begin(), snap->items.end(),
            [](const ItemValue& a, const ItemValue& b) { return a.name < b.name; });
}

// ---- State file ------------------------------------------------------------

namespace {

constexpr std::string_view kStateMagic = "periscope-subagent-state 1";

std::string HexEncode(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "x";  // never empty, so an empty string survives tokenising
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    out += kDigits[u >> 4];
    out += kDigits[u & 15];
  }
  return out;
}

std::optional<std::string> HexDecode(std::string_view s) {
  if (s.empty() || s.front() != 'x' || (s.size() - 1) % 2 != 0) return std::nullopt;
  std::string out;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 1; i < s.size(); i += 2) {
    int hi = nibble(s[i]), lo = nibble(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
  }
  return out;
}

// Fields: date peak sum intervals used has_used stepped. Files written before
// the clock-step rules have no `stepped` field (read as 0).
std::string DayLine(std::string_view tag, const DailyFigures& d) {
  return fmt::format("{} {} {} {} {} {} {} {}\n", tag, d.date, d.load_peak, d.load_sum, d.intervals,
                     d.used_bytes, d.has_used_bytes ? 1 : 0, d.entered_by_step ? 1 : 0);
}

}  // namespace

uint64_t StateChecksum(std::string_view body) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (char c : body) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::string Sampler::SerializeState() const {
  std::string body(kStateMagic);
  body += '\n';
  for (size_t i = 0; i < config_.devices.size(); ++i) {
    const DeviceConfig& dev = config_.devices[i];
    const LoadTracker::State& t = states_[i].tracker.state();
    body += fmt::format("device {} {}\n", dev.index, HexEncode(dev.serial_number));
    bool pending = false;
    {
      std::lock_guard<std::mutex> lock(notify_mu_);
      pending = pending_generation_[i] != 0;
    }
    // alarm <fired> <notification pending>
    body += fmt::format("alarm {} {}\n", states_[i].alarm.fired() ? 1 : 0, pending ? 1 : 0);
    body += fmt::format("totals {} {} {}\n", t.totals_initialized ? 1 : 0, t.writes_total,
                        t.bytes_total);
    body += fmt::format("baseline {} {}\n", t.baseline_at_s, t.baseline.size());
    for (const auto& [name, c] : t.baseline) {
      body += fmt::format("bd {} {} {}\n", HexEncode(name), c.writes_completed, c.sectors_written);
    }
    for (const auto& [name, c] : t.absent) {
      body +=
          fmt::format("gone {} {} {}\n", HexEncode(name), c.writes_completed, c.sectors_written);
    }
    for (const DailyFigures& d : t.history) body += DayLine("day", d);
    body += DayLine("today", t.today);
    body += "end-device\n";
  }
  body += fmt::format("checksum {:016x}\n", StateChecksum(body));
  return body;
}

Status Sampler::RestoreState(std::string_view content) {
  size_t checksum_at = content.rfind("checksum ");
  if (content.substr(0, kStateMagic.size()) != kStateMagic || checksum_at == std::string::npos) {
    return DataLossError("not a periscope subagent state file (bad header or no checksum)");
  }
  std::string_view body = content.substr(0, checksum_at);
  std::string_view trailer = TrimWhitespace(content.substr(checksum_at + 9));
  if (trailer != fmt::format("{:016x}", StateChecksum(body))) {
    return DataLossError("checksum mismatch (truncated or edited state file)");
  }
  struct Parsed {
    uint32_t index = 0;
    std::string serial;
    bool alarm = false;
    bool notification_pending = false;
    LoadTracker::State state;
  };
  std::vector<Parsed> parsed;
  Parsed* cur = nullptr;
  uint64_t cur_baseline_count = 0;
  size_t line_no = 0;
  size_t pos = 0;
  auto fail = [&](std::string_view why) {
    return DataLossError(fmt::format("line {}: {}", line_no, why));
  };
  auto parse_day = [](const std::vector<std::string_view>& f, DailyFigures* d, bool allow_zero) {
    if (f.size() != 7 && f.size() != 8) return false;
    auto date = ParseUint64(f[1]), peak = ParseUint64(f[2]), sum = ParseUint64(f[3]);
    auto n = ParseUint64(f[4]), used = ParseUint64(f[5]), has = ParseUint64(f[6]);
    auto stepped = f.size() == 8 ? ParseUint64(f[7]) : std::optional<uint64_t>(0);
    if (!date || !peak || !sum || !n || !used || !has || !stepped || *n > 0xffffffffULL ||
        *has > 1 || *stepped > 1)
      return false;
    bool unset = allow_zero && *date == 0;
    if (!unset && (!IsValidDate(static_cast<DateYmd>(*date)) || *date > 99991231)) return false;
    *d = DailyFigures{static_cast<DateYmd>(*date),
                      *peak,
                      *sum,
                      static_cast<uint32_t>(*n),
                      *used,
                      *has == 1,
                      *stepped == 1};
    return true;
  };
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (line_no == 1) continue;  // magic
    std::vector<std::string_view> f = SplitWhitespace(line);
    if (f.empty()) return fail("empty line");
    if (f[0] == "device") {
      if (cur != nullptr || f.size() != 3) return fail("misplaced device line");
      auto index = ParseUint64(f[1]);
      auto serial = HexDecode(f[2]);
      if (!index || *index == 0 || *index > 0xffffffffULL || !serial) return fail("bad device");
      parsed.push_back(Parsed{static_cast<uint32_t>(*index), *serial, false, false, {}});
      cur = &parsed.back();
      continue;
    }
    if (cur == nullptr) return fail("data outside a device");
    if (f[0] == "alarm" && (f.size() == 2 || f.size() == 3)) {
      // Files written before pending notifications were kept have no third field.
      bool pending_ok = f.size() == 2 || f[2] == "0" || f[2] == "1";
      if ((f[1] != "0" && f[1] != "1") || !pending_ok) return fail("bad alarm");
      cur->alarm = f[1] == "1";
      cur->notification_pending = f.size() == 3 && f[2] == "1";
    } else if (f[0] == "totals" && f.size() == 4) {
      auto w = ParseUint64(f[2]), b = ParseUint64(f[3]);
      if (!w || !b || (f[1] != "0" && f[1] != "1")) return fail("bad totals");
      cur->state.totals_initialized = f[1] == "1";
      cur->state.writes_total = *w;
      cur->state.bytes_total = *b;
    } else if (f[0] == "baseline" && f.size() == 3) {
      auto at = ParseUint64(f[1]);
      auto count = ParseUint64(f[2]);
      if (!at || !count || *at > static_cast<uint64_t>(INT64_MAX) / 2) return fail("bad baseline");
      cur->state.baseline_at_s = static_cast<int64_t>(*at);
      cur_baseline_count = *count;
    } else if ((f[0] == "bd" || f[0] == "gone") && f.size() == 4) {
      auto name = HexDecode(f[1]);
      auto w = ParseUint64(f[2]), s = ParseUint64(f[3]);
      if (!name || !w || !s) return fail("bad block device line");
      (f[0] == "bd" ? cur->state.baseline : cur->state.absent)[*name] = BlockCounters{*w, *s};
    } else if (f[0] == "day") {
      DailyFigures d;
      if (!parse_day(f, &d, false)) return fail("bad day line");
      if (!cur->state.history.empty() && cur->state.history.back().date >= d.date)
        return fail("days out of order");
      cur->state.history.push_back(d);
    } else if (f[0] == "today") {
      if (!parse_day(f, &cur->state.today, true)) return fail("bad today line");
    } else if (f[0] == "end-device" && f.size() == 1) {
      if (cur->state.baseline.size() != cur_baseline_count) return fail("baseline count mismatch");
      if (cur->state.today.date == 0 && !cur->state.history.empty())
        return fail("history without today");
      if (!cur->state.history.empty() && cur->state.history.back().date >= cur->state.today.date)
        return fail("today is not after the last day of history");
      cur = nullptr;
    } else {
      return fail(fmt::format("unknown record '{}'", f[0]));
    }
  }
  if (cur != nullptr) return DataLossError("last device record is not terminated");
  // Everything parsed: apply to devices whose index and serial still match.
  for (const Parsed& p : parsed) {
    for (size_t i = 0; i < config_.devices.size(); ++i) {
      const DeviceConfig& dev = config_.devices[i];
      if (dev.index != p.index || dev.serial_number != p.serial) continue;
      LoadTracker::State s = p.state;
      LoadTracker restored(config_.sampling_interval_s, config_.daily_retention_days);
      restored.Restore(std::move(s));
      states_[i].tracker = std::move(restored);
      states_[i].alarm.set_fired(p.alarm);
      std::lock_guard<std::mutex> lock(notify_mu_);
      pending_generation_[i] = p.notification_pending ? ++last_generation_ : 0;
    }
  }
  return Status::Ok();
}

}  // namespace periscope::subagent
