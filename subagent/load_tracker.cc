#include "subagent/load_tracker.h"

namespace periscope::subagent {
namespace {

// More completions than this in one interval is not a real count but a counter
// jump (a block device replaced under the same name): the interval is dropped.
constexpr uint64_t kMaxPlausibleWritesPerSecond = 50'000'000;

__extension__ typedef unsigned __int128 Uint128;

}  // namespace

bool LoadTracker::RollTo(DateYmd date, bool stepped) {
  clock_behind_ = false;
  DailyFigures& today = state_.today;
  if (today.date == 0) {
    today.date = date;
    return true;
  }
  if (date == today.date) return true;
  if (date > today.date) {
    state_.history.push_back(today);
    today = DailyFigures{};
    today.date = date;
    today.entered_by_step = stepped;
    Prune();
    return true;
  }
  // The clock reads a date before the newest stored day. Find the first
  // stored day after `date` and its predecessor (index into history + today).
  std::deque<DailyFigures>& history = state_.history;
  size_t first_after = history.size();  // == history.size() means today
  while (first_after > 0 && history[first_after - 1].date > date) --first_after;
  const DailyFigures& after = first_after < history.size() ? history[first_after] : today;
  if (first_after == 0 || !after.entered_by_step) {
    clock_behind_ = true;
    return false;
  }
  // Came back from a forward step: `after` and every later day were made up
  // by a wrong clock. The predecessor is the last real day.
  history.erase(history.begin() + static_cast<std::ptrdiff_t>(first_after), history.end());
  if (history.back().date == date) {
    today = history.back();
    history.pop_back();
  } else {
    today = DailyFigures{};
    today.date = date;
  }
  return true;
}

void LoadTracker::Prune() {
  size_t keep = retention_days_ > 0 ? retention_days_ - 1 : 0;
  while (state_.history.size() > keep) state_.history.pop_front();
}

void LoadTracker::Observe(int64_t sampled_at_s, DateYmd date, const CounterReadings& readings,
                          std::optional<uint64_t> used_bytes) {
  // A day reached after a gap that is no plausible interval, or more than one
  // day on, was reached by a clock step (or a restart across midnight).
  int64_t gap_s = sampled_at_s - state_.baseline_at_s;
  bool stepped =
      state_.today.date != 0 && (gap_s <= 0 || gap_s > 2 * static_cast<int64_t>(interval_s_) ||
                                 DaysFromDate(date) - DaysFromDate(state_.today.date) > 1);
  const bool counting = RollTo(date, stepped);
  if (counting && used_bytes) {
    state_.today.used_bytes = *used_bytes;
    state_.today.has_used_bytes = true;
  }
  if (!state_.baseline.empty() && sampled_at_s >= state_.baseline_at_s &&
      2 * (sampled_at_s - state_.baseline_at_s) < static_cast<int64_t>(interval_s_)) {
    return;  // too soon to be an interval: keep the baseline, count it next time
  }
  if (!state_.totals_initialized && !readings.empty()) {
    for (const auto& [name, c] : readings) {
      state_.writes_total += c.writes_completed;
      state_.bytes_total += c.sectors_written * 512;
    }
    state_.totals_initialized = true;
  } else if (!state_.baseline.empty() || !state_.absent.empty()) {
    int64_t elapsed_s = sampled_at_s - state_.baseline_at_s;
    uint64_t interval_writes = 0;
    bool same_devices = readings.size() == state_.baseline.size() && !readings.empty();
    bool went_back = false;
    for (const auto& [name, cur] : readings) {
      const BlockCounters* prev = nullptr;
      if (auto it = state_.baseline.find(name); it != state_.baseline.end()) {
        prev = &it->second;
      } else if (auto gone = state_.absent.find(name); gone != state_.absent.end()) {
        prev = &gone->second;  // back after an absence: its writes still count in the totals
        same_devices = false;
      } else {
        same_devices = false;  // a new device: baseline only
        continue;
      }
      if (cur.writes_completed < prev->writes_completed ||
          cur.sectors_written < prev->sectors_written) {
        // Counter reset or wrap: what it shows now was written since the reset.
        went_back = true;
        state_.writes_total += cur.writes_completed;
        state_.bytes_total += cur.sectors_written * 512;
        continue;
      }
      uint64_t dw = cur.writes_completed - prev->writes_completed;
      if (state_.baseline.count(name) != 0) interval_writes += dw;
      state_.writes_total += dw;
      state_.bytes_total += (cur.sectors_written - prev->sectors_written) * 512;
    }
    bool plausible_length = elapsed_s > 0 && elapsed_s <= 2 * static_cast<int64_t>(interval_s_);
    bool plausible_count = elapsed_s > 0 && interval_writes <= kMaxPlausibleWritesPerSecond *
                                                                   static_cast<uint64_t>(elapsed_s);
    if (counting && same_devices && !went_back && plausible_length && plausible_count) {
      // Normalise to exactly t seconds so timer jitter does not bias the peak.
      uint64_t count = (interval_writes * interval_s_ * 2 + static_cast<uint64_t>(elapsed_s)) /
                       (2 * static_cast<uint64_t>(elapsed_s));
      if (static_cast<uint64_t>(elapsed_s) == interval_s_) count = interval_writes;
      DailyFigures& t = state_.today;
      if (count > t.load_peak) t.load_peak = count;
      t.load_sum += count;
      ++t.intervals;
    }
  }
  // Devices missing now keep their last counters for when they come back.
  for (const auto& [name, c] : state_.baseline) {
    if (readings.count(name) == 0) state_.absent[name] = c;
  }
  for (const auto& [name, c] : readings) state_.absent.erase(name);
  state_.baseline = readings;
  state_.baseline_at_s = sampled_at_s;
}

bool CapacityAlarm::Update(uint64_t used_bytes, uint64_t capacity_bytes, uint32_t threshold_pct,
                           uint32_t hysteresis_pct) {
  if (threshold_pct == 0 || capacity_bytes == 0) return false;
  // Compare used*100 against capacity*pct in 128 bits: exact, no overflow.
  auto used = static_cast<Uint128>(used_bytes) * 100;
  auto at = static_cast<Uint128>(capacity_bytes) * threshold_pct;
  uint32_t rearm_pct = threshold_pct > hysteresis_pct ? threshold_pct - hysteresis_pct : 0;
  auto rearm = static_cast<Uint128>(capacity_bytes) * rearm_pct;
  if (!fired_ && used >= at) {
    fired_ = true;
    return true;
  }
  if (fired_ && used < rearm) fired_ = false;
  return false;
}

}  // namespace periscope::subagent
