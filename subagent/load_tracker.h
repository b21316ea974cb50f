// Write-load arithmetic of seed 001 (paragraphs 0027-0033), as pure code.
//
// Every interval t the sampler reads the cumulative write-completion counters of
// a device's block devices. The difference to the previous reading is the
// interval's count C; the day's peak (Cmax) is the largest C since local midnight
// and the day's average is the mean C. Invariants:
//  - an interval whose counters went backwards (wrap, device reset, reboot),
//    whose length is not plausible (clock jump, suspend, restart gap > 2t), or
//    whose set of block devices differs from the previous reading's is not
//    counted: no negative, partial or absurd counts; a reading less than t/2
//    after the previous one is not an interval at all (the baseline is kept);
//  - an interval is attributed to the local day of its end;
//  - the cumulative totals never decrease;
//  - retention counts observed days: the newest `retention_days` distinct days
//    that were sampled are kept, whatever the calendar distance between them,
//    so a clock stepped forward never ages real days out;
//  - while the clock reads a date before the newest stored day, no day's
//    figures are created or changed (clock_behind() is true), unless the
//    newer days were reached by a forward clock step the clock has now come
//    back from: those days were never real and are dropped (see RollTo).
// Not thread-safe; owned by the sampler thread.
#ifndef PERISCOPE_SUBAGENT_LOAD_TRACKER_H_
#define PERISCOPE_SUBAGENT_LOAD_TRACKER_H_

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "core/clock.h"

namespace periscope::subagent {

// One day's figures (a row of periscopeDailyTable).
struct DailyFigures {
  DateYmd date = 0;
  uint64_t load_peak = 0;   // write completions in the busiest interval
  uint64_t load_sum = 0;    // sum of all counted intervals' completions
  uint32_t intervals = 0;   // intervals counted
  uint64_t used_bytes = 0;  // at the day's last sample
  bool has_used_bytes = false;
  // The clock stepped forward onto this day: its first sample came after a
  // gap that is not a plausible interval (a clock jump, but also a restart or
  // a suspend across midnight) or more than one day after the previous day.
  // Such a day is dropped when the clock later reads a date between the
  // previous stored day and it (the clock was wrong, not the earlier day).
  bool entered_by_step = false;

  // Mean completions per interval in hundredths, rounded.
  uint64_t LoadAvgHundredths() const {
    return intervals == 0 ? 0 : (load_sum * 100 + intervals / 2) / intervals;
  }
  bool operator==(const DailyFigures&) const = default;
};

// Cumulative counters of one block device, as read from /proc/diskstats.
struct BlockCounters {
  uint64_t writes_completed = 0;
  uint64_t sectors_written = 0;
  bool operator==(const BlockCounters&) const = default;
};

// Counters keyed by block device kernel name.
using CounterReadings = std::map<std::string, BlockCounters>;

class LoadTracker {
 public:
  struct State {
    DailyFigures today;
    std::deque<DailyFigures> history;  // completed days, oldest first
    int64_t baseline_at_s = 0;         // unix seconds of `baseline`
    CounterReadings baseline;          // last readings; empty = none
    CounterReadings absent;            // last counters of devices missing since
    uint64_t writes_total = 0;         // monotonic, served as Counter64
    uint64_t bytes_total = 0;
    bool totals_initialized = false;
    bool operator==(const State&) const = default;
  };

  LoadTracker(uint32_t interval_s, uint32_t retention_days)
      : interval_s_(interval_s), retention_days_(retention_days) {}

  // Records one sample taken at `sampled_at_s` (unix seconds) on local day
  // `date`. `readings` holds the block devices that could be read (may be
  // empty); `used_bytes` is unset when no mount could be read.
  void Observe(int64_t sampled_at_s, DateYmd date, const CounterReadings& readings,
               std::optional<uint64_t> used_bytes);

  // Moves to `date` and returns whether today's figures may be updated.
  //  - a later date closes today into the history (marked entered_by_step
  //    when `stepped`) and drops the oldest days beyond retention;
  //  - an earlier date, where the first stored day after it was entered by a
  //    step and has a stored predecessor P: the clock has come back from a
  //    forward step. That day and every later one are dropped; today becomes
  //    P again (its figures kept) if `date` is P's date, else a new day.
  //  - any other earlier date: the clock is behind the newest stored day.
  //    Nothing changes, clock_behind() is true and false is returned, until
  //    the clock reaches the newest stored day again.
  bool RollTo(DateYmd date, bool stepped);

  const State& state() const { return state_; }
  // True when the last Observe/RollTo saw a date before the newest stored day
  // and therefore left every day's figures untouched.
  bool clock_behind() const { return clock_behind_; }
  // Replaces the state (from the state file), dropping days past retention.
  // A restored newest day later than the clock follows RollTo's rules at the
  // next Observe.
  void Restore(State state) {
    state_ = std::move(state);
    clock_behind_ = false;
    if (state_.today.date != 0) Prune();
  }
  uint32_t interval_s() const { return interval_s_; }

 private:
  // Keeps today plus the newest retention_days_ - 1 completed days.
  void Prune();

  uint32_t interval_s_;
  uint32_t retention_days_;
  State state_;
  bool clock_behind_ = false;
};

// Hysteresis for the capacity notification: fires once when usage reaches the
// threshold, re-arms only after it falls below threshold - hysteresis.
class CapacityAlarm {
 public:
  // Returns true when a notification is due. threshold_pct == 0 or
  // capacity_bytes == 0 never fires.
  bool Update(uint64_t used_bytes, uint64_t capacity_bytes, uint32_t threshold_pct,
              uint32_t hysteresis_pct);
  bool fired() const { return fired_; }
  void set_fired(bool fired) { fired_ = fired; }

 private:
  bool fired_ = false;
};

}  // namespace periscope::subagent

#endif  // PERISCOPE_SUBAGENT_LOAD_TRACKER_H_
