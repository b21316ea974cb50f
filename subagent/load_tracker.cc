#include "subagent/load_tracker.h"

namespace periscope::subagent {
namespace {

// More completions than this in one interval is not a real count but a counter
// jump (a block device replaced under the same name): the interval is dropped.
constexpr uint64_t kMaxPlausibleWritesPerSecond = 50'000'000;

__extension__ typedef unsigned __int128 Uint128;

}  // namespace

void LoadTracker::RollTo(DateYmd date) {
  if (state_.today.date == 0) {
    state_.today.date = date;
    return;
  }
  if (date == state_.today.date) return;
  if (date < state_.today.date) {
    if (DaysFromDate(state_.today.date) - DaysFromDate(date) <= 1) return;
    // The clock was far ahead (or is now far behind): drop the days it made up.
    while (!state_.history.empty() && state_.history.back().date >= date) {
      state_.history.pop_back();
    }
    state_.today = DailyFigures{};
    state_.today.date = date;
    return;
  }
  state_.history.push_back(state_.today);
  state_.today = DailyFigures{};
  state_.today.date = date;
  Prune();
}

void LoadTracker::Prune() {
  // Keep today plus the completed days of the last retention_days_ - 1 days.
  int64_t oldest_kept = DaysFromDate(state_.today.date) - static_cast<int64_t>(retention_days_) + 1;
  while (!state_.history.empty() && DaysFromDate(state_.history.front().date) < oldest_kept) {
    state_.history.pop_front();
  }
}

void LoadTracker::Observe(int64_t sampled_at_s, DateYmd date, const CounterReadings& readings,
                          std::optional<uint64_t> used_bytes) {
  RollTo(date);
  if (used_bytes) {
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
    if (same_devices && !went_back && plausible_length && plausible_count) {
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
