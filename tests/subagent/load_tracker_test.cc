#include "subagent/load_tracker.h"

#include <deque>
#include <vector>

#include <gtest/gtest.h>

namespace periscope::subagent {
namespace {

CounterReadings Reading(uint64_t writes, uint64_t sectors = 0) {
  return {{"sda", BlockCounters{writes, sectors}}};
}

constexpr uint32_t kInterval = 10;

TEST(LoadTrackerTest, PeakIsTheLargestIntervalCountAndAverageTheMean) {
  LoadTracker t(kInterval, 35);
  t.Observe(1000, 20261121, Reading(100), 5);
  t.Observe(1010, 20261121, Reading(130), 5);  // 30
  t.Observe(1020, 20261121, Reading(180), 5);  // 50
  t.Observe(1030, 20261121, Reading(190), 6);  // 10
  const DailyFigures& d = t.state().today;
  EXPECT_EQ(d.load_peak, 50u);
  EXPECT_EQ(d.intervals, 3u);
  EXPECT_EQ(d.load_sum, 90u);
  EXPECT_EQ(d.LoadAvgHundredths(), 3000u);
  EXPECT_EQ(d.used_bytes, 6u);
}

TEST(LoadTrackerTest, FirstReadingOnlySetsTheBaseline) {
  LoadTracker t(kInterval, 35);
  t.Observe(1000, 20261121, Reading(1'000'000), 1);
  EXPECT_EQ(t.state().today.intervals, 0u);
  EXPECT_EQ(t.state().today.load_peak, 0u);
  EXPECT_EQ(t.state().writes_total, 1'000'000u);
}

TEST(LoadTrackerTest, CounterWrapOrResetIsNotCountedAndTotalsNeverDecrease) {
  LoadTracker t(kInterval, 35);
  t.Observe(1000, 20261121, Reading(4294967000, 100), 1);
  t.Observe(1010, 20261121, Reading(4294967200, 200), 1);  // 200
  uint64_t total_before = t.state().writes_total;
  t.Observe(1020, 20261121, Reading(50, 10), 1);  // 32-bit wrap / reset
  EXPECT_EQ(t.state().today.load_peak, 200u);
  EXPECT_EQ(t.state().today.intervals, 1u);
  EXPECT_GE(t.state().writes_total, total_before);
  EXPECT_EQ(t.state().writes_total, total_before + 50);
  t.Observe(1030, 20261121, Reading(80, 20), 1);  // counting resumes: 30
  EXPECT_EQ(t.state().today.intervals, 2u);
  EXPECT_EQ(t.state().today.load_sum, 230u);
}

TEST(LoadTrackerTest, GapsAndClockJumpsAreNotCounted) {
  LoadTracker t(kInterval, 35);
  t.Observe(1000, 20261121, Reading(0), 1);
  t.Observe(1500, 20261121, Reading(100000), 1);  // 500 s gap (suspend, restart)
  EXPECT_EQ(t.state().today.intervals, 0u);
  t.Observe(1490, 20261121, Reading(100010), 1);  // clock went back
  EXPECT_EQ(t.state().today.intervals, 0u);
  t.Observe(1500, 20261121, Reading(100020), 1);
  EXPECT_EQ(t.state().today.intervals, 1u);
  EXPECT_EQ(t.state().today.load_peak, 10u);
}

TEST(LoadTrackerTest, JitteredIntervalIsNormalisedToT) {
  LoadTracker t(kInterval, 35);
  t.Observe(1000, 20261121, Reading(0), 1);
  t.Observe(1020, 20261121, Reading(400), 1);  // 20 s (one tick missed): 200 per 10 s
  EXPECT_EQ(t.state().today.load_peak, 200u);
}

TEST(LoadTrackerTest, MidnightClosesTheDayIntoHistory) {
  LoadTracker t(kInterval, 35);
  t.Observe(1000, 20261121, Reading(0), 10);
  t.Observe(1010, 20261121, Reading(70), 20);
  // The interval ending after midnight belongs to the new day.
  t.Observe(1020, 20261122, Reading(75), 30);
  ASSERT_EQ(t.state().history.size(), 1u);
  const DailyFigures& yesterday = t.state().history.front();
  EXPECT_EQ(yesterday.date, 20261121u);
  EXPECT_EQ(yesterday.load_peak, 70u);
  EXPECT_EQ(yesterday.used_bytes, 20u);
  EXPECT_EQ(t.state().today.date, 20261122u);
  EXPECT_EQ(t.state().today.load_peak, 5u);
  EXPECT_EQ(t.state().today.intervals, 1u);
  EXPECT_EQ(t.state().today.used_bytes, 30u);
}

TEST(LoadTrackerTest, ADateOneDayBackChangesNoDayUntilTheClockCatchesUp) {
  LoadTracker t(kInterval, 35);
  t.Observe(1000, 20261122, Reading(0), 1);
  t.Observe(1010, 20261122, Reading(10), 2);
  t.Observe(1020, 20261121, Reading(30), 3);  // stepped back across midnight
  EXPECT_TRUE(t.clock_behind());
  EXPECT_TRUE(t.state().history.empty());
  EXPECT_EQ(t.state().today.date, 20261122u);
  EXPECT_EQ(t.state().today.intervals, 1u);
  EXPECT_EQ(t.state().today.used_bytes, 2u);
  EXPECT_EQ(t.state().writes_total, 30u);     // the totals still count every write
  t.Observe(1030, 20261122, Reading(35), 4);  // caught up
  EXPECT_FALSE(t.clock_behind());
  EXPECT_EQ(t.state().today.intervals, 2u);
  EXPECT_EQ(t.state().today.load_sum, 15u);
  EXPECT_EQ(t.state().today.used_bytes, 4u);
}

TEST(LoadTrackerTest, HistoryKeepsRetentionDaysIncludingToday) {
  LoadTracker t(kInterval, 3);
  DateYmd dates[] = {20261228, 20261229, 20261230, 20261231, 20270101, 20270102};
  int64_t at = 0;
  for (DateYmd d : dates) {
    at += 10;
    t.Observe(at, d, Reading(static_cast<uint64_t>(at)), 1);
  }
  ASSERT_EQ(t.state().history.size(), 2u);
  EXPECT_EQ(t.state().history.front().date, 20261231u);
  EXPECT_EQ(t.state().history.back().date, 20270101u);
  EXPECT_EQ(t.state().today.date, 20270102u);
}

TEST(LoadTrackerTest, MultipleBlockDevicesSumAndAChangedSetIsNotCounted) {
  LoadTracker t(kInterval, 35);
  t.Observe(0, 20261121, {{"sda", {10, 0}}, {"sdb", {20, 0}}}, 1);
  t.Observe(10, 20261121, {{"sda", {15, 0}}, {"sdb", {40, 0}}}, 1);  // 5 + 20
  EXPECT_EQ(t.state().today.load_peak, 25u);
  uint64_t total = t.state().writes_total;
  t.Observe(20, 20261121, {{"sda", {18, 0}}}, 1);  // sdb vanished: a partial count, dropped
  EXPECT_EQ(t.state().today.intervals, 1u);
  t.Observe(30, 20261121, {{"sda", {19, 0}}, {"sdb", {900, 0}}}, 1);  // sdb back: not counted
  EXPECT_EQ(t.state().today.intervals, 1u);
  EXPECT_EQ(t.state().today.load_peak, 25u);
  // ...but nothing it wrote while missing is lost from the cumulative total.
  EXPECT_EQ(t.state().writes_total, total + 3 + 1 + 860);
  t.Observe(40, 20261121, {{"sda", {20, 0}}, {"sdb", {902, 0}}}, 1);  // complete again: 3
  EXPECT_EQ(t.state().today.intervals, 2u);
  EXPECT_EQ(t.state().today.load_sum, 28u);
}

TEST(LoadTrackerTest, AReadingTooSoonKeepsTheBaseline) {
  LoadTracker t(60, 35);
  t.Observe(0, 20261121, Reading(0), 1);
  t.Observe(1, 20261121, Reading(500), 1);  // 1 s after: not an interval of 60 s
  EXPECT_EQ(t.state().today.intervals, 0u);
  t.Observe(60, 20261121, Reading(600), 1);  // the whole 60 s, from the kept baseline
  EXPECT_EQ(t.state().today.intervals, 1u);
  EXPECT_EQ(t.state().today.load_peak, 600u);
}

TEST(LoadTrackerTest, AFarFutureDateIsCorrectedWhenTheClockComesBack) {
  LoadTracker t(kInterval, 35);
  t.Observe(0, 20261120, Reading(0), 1);
  t.Observe(10, 20261121, Reading(10), 1);  // yesterday closed into history
  t.Observe(20, 20380119, Reading(20), 1);  // a wrong clock, far ahead
  t.Observe(30, 20261121, Reading(30), 1);  // corrected
  EXPECT_EQ(t.state().today.date, 20261121u);
  ASSERT_EQ(t.state().history.size(), 1u);  // the real yesterday survives; 2038 is gone
  EXPECT_EQ(t.state().history.front().date, 20261120u);
  t.Observe(40, 20261121, Reading(45), 1);
  // Today's figures from before the jump are kept: 10 before, 10 and 15 after.
  EXPECT_EQ(t.state().today.load_peak, 15u);
  EXPECT_EQ(t.state().today.load_sum, 35u);
}

// A fake wall clock driving a tracker that samples every hour. Dates are UTC
// days of the clock, so a step of N days moves the date by exactly N.
class FakeClock {
 public:
  static constexpr uint32_t kHour = 3600;
  FakeClock(LoadTracker* tracker, DateYmd start) : tracker_(tracker) {
    now_s_ = DaysFromDate(start) * 86400 + 1800;  // 00:30
  }
  // One sample, `writes` completions after the previous one.
  void Tick(uint64_t writes = 10) {
    now_s_ += kHour;
    writes_ += writes;
    ++used_;
    tracker_->Observe(now_s_, date(), Reading(writes_), used_);
  }
  // Samples every hour for `days` days (each ending day's midnight is crossed
  // by a normal interval).
  void RunDays(int days) {
    for (int i = 0; i < days * 24; ++i) Tick();
  }
  // Steps the wall clock; the next Tick is the first sample after the step.
  void StepDays(int64_t days) { now_s_ += days * 86400; }
  // Samples every hour until the clock reads `d`.
  void RunUntil(DateYmd d) {
    while (date() != d) Tick();
  }
  DateYmd date() const { return DateFromDays(now_s_ / 86400); }
  uint64_t used() const { return used_; }

 private:
  LoadTracker* tracker_;
  int64_t now_s_;
  uint64_t writes_ = 0;
  uint64_t used_ = 0;
};

std::vector<DateYmd> Dates(const std::deque<DailyFigures>& days) {
  std::vector<DateYmd> out;
  for (const DailyFigures& d : days) out.push_back(d.date);
  return out;
}

class ClockStepForwardTest : public ::testing::TestWithParam<int> {};

TEST_P(ClockStepForwardTest, KeepsEveryRealDayAndTodayIsRestoredWhenTheClockComesBack) {
  const int step = GetParam();
  LoadTracker t(FakeClock::kHour, 35);
  FakeClock clock(&t, 20261101);
  clock.RunDays(10);  // 2026-11-01 .. 11-10 completed, today 11-11
  clock.Tick(50);
  clock.Tick(70);
  const DateYmd real_today = clock.date();
  ASSERT_EQ(real_today, 20261111u);
  const std::vector<DateYmd> real_days = Dates(t.state().history);
  ASSERT_EQ(real_days.size(), 10u);
  const DailyFigures before_step = t.state().today;

  clock.StepDays(step);  // a wrong clock
  clock.Tick(5);
  clock.Tick(5);
  const DateYmd wrong_day = clock.date();
  ASSERT_EQ(DaysFromDate(wrong_day), DaysFromDate(real_today) + step);
  EXPECT_EQ(t.state().today.date, wrong_day);
  // Nothing real was erased by the forward step.
  std::vector<DateYmd> with_today = real_days;
  with_today.push_back(real_today);
  EXPECT_EQ(Dates(t.state().history), with_today);
  EXPECT_EQ(t.state().history.back(), before_step);

  clock.StepDays(-step);  // corrected: back on the real today
  clock.Tick(20);
  ASSERT_EQ(clock.date(), real_today);
  EXPECT_FALSE(t.clock_behind());
  EXPECT_EQ(Dates(t.state().history), real_days);  // the made-up day is gone
  EXPECT_EQ(t.state().today.date, real_today);
  // Today's figures from before the step are kept; the first interval after
  // the correction started on the wrong clock and is not counted.
  EXPECT_EQ(t.state().today.intervals, before_step.intervals);
  EXPECT_EQ(t.state().today.load_peak, before_step.load_peak);
  clock.Tick(90);
  EXPECT_EQ(t.state().today.intervals, before_step.intervals + 1);
  EXPECT_EQ(t.state().today.load_sum, before_step.load_sum + 90);
  EXPECT_EQ(t.state().today.load_peak, 90u);
  EXPECT_EQ(t.state().today.used_bytes, clock.used());
}

INSTANTIATE_TEST_SUITE_P(PlusOneFortyAndFourHundredDays, ClockStepForwardTest,
                         ::testing::Values(1, 40, 400));

TEST(LoadTrackerTest, AWrongClockCorrectedOnTheNextRealDayDropsOnlyTheMadeUpDays) {
  LoadTracker t(FakeClock::kHour, 35);
  FakeClock clock(&t, 20261101);
  clock.RunDays(3);
  clock.Tick(40);
  const DailyFigures real_today = t.state().today;
  clock.StepDays(400);
  clock.RunDays(2);      // the wrong clock even crosses two midnights
  clock.StepDays(-401);  // corrected onto the real next day
  clock.Tick();
  EXPECT_EQ(t.state().today.date, 20261105u);
  ASSERT_EQ(t.state().history.size(), 4u);
  EXPECT_EQ(t.state().history.back(), real_today);
}

class ClockStepBackTest : public ::testing::TestWithParam<int> {};

TEST_P(ClockStepBackTest, NoDayChangesWhileBehindAndCountingResumesWhenCaughtUp) {
  const int step = GetParam();
  LoadTracker t(FakeClock::kHour, 35);
  FakeClock clock(&t, 20261101);
  clock.RunDays(12);
  clock.Tick(50);
  const LoadTracker::State before = t.state();
  const DateYmd newest = before.today.date;
  ASSERT_EQ(before.history.size(), 12u);

  clock.StepDays(-step);  // e.g. a VM snapshot restored
  clock.Tick(30);
  EXPECT_TRUE(t.clock_behind());
  // Runs for the whole time the clock is behind: no row created or changed.
  while (DaysFromDate(clock.date()) < DaysFromDate(newest)) {
    EXPECT_TRUE(t.clock_behind()) << clock.date();
    EXPECT_EQ(t.state().history, before.history) << clock.date();
    EXPECT_EQ(t.state().today, before.today) << clock.date();
    clock.Tick(30);
  }
  EXPECT_GT(t.state().writes_total, before.writes_total);  // totals never pause
  ASSERT_EQ(clock.date(), newest);                         // caught up
  EXPECT_FALSE(t.clock_behind());
  EXPECT_EQ(t.state().history, before.history);
  EXPECT_EQ(t.state().today.date, newest);
  clock.Tick(70);
  EXPECT_EQ(t.state().today.intervals, before.today.intervals + 2);
  EXPECT_EQ(t.state().today.load_sum, before.today.load_sum + 30 + 70);
  clock.RunUntil(DateFromDays(DaysFromDate(newest) + 1));  // and the next day is normal
  EXPECT_EQ(t.state().history.back().date, newest);
  EXPECT_FALSE(t.state().today.entered_by_step);
}

INSTANTIATE_TEST_SUITE_P(MinusOneTwoAndTenDays, ClockStepBackTest, ::testing::Values(1, 2, 10));

TEST(LoadTrackerTest, RetentionCountsObservedDaysNotCalendarDistance) {
  LoadTracker t(FakeClock::kHour, 3);
  FakeClock clock(&t, 20261101);
  clock.RunDays(1);
  clock.StepDays(100);  // switched off for 100 days
  clock.Tick();
  ASSERT_EQ(Dates(t.state().history), (std::vector<DateYmd>{20261101, 20261102}));
  clock.RunUntil(20270211);
  EXPECT_EQ(Dates(t.state().history), (std::vector<DateYmd>{20261102, 20270210}));
}

TEST(LoadTrackerTest, NoReadingsMeansNoInterval) {
  LoadTracker t(kInterval, 35);
  t.Observe(0, 20261121, Reading(0), 1);
  t.Observe(10, 20261121, {}, std::nullopt);
  t.Observe(20, 20261121, Reading(100), std::nullopt);
  EXPECT_EQ(t.state().today.intervals, 0u);
  EXPECT_EQ(t.state().today.used_bytes, 1u);
}

TEST(LoadTrackerTest, BytesWrittenCountsSectorsOf512) {
  LoadTracker t(kInterval, 35);
  t.Observe(0, 20261121, Reading(0, 0), 1);
  t.Observe(10, 20261121, Reading(1, 8), 1);
  EXPECT_EQ(t.state().bytes_total, 4096u);
}

TEST(CapacityAlarmTest, FiresOnceAndRearmsBelowHysteresis) {
  CapacityAlarm a;
  EXPECT_FALSE(a.Update(89, 100, 90, 5));
  EXPECT_TRUE(a.Update(90, 100, 90, 5));
  EXPECT_FALSE(a.Update(95, 100, 90, 5));
  EXPECT_FALSE(a.Update(86, 100, 90, 5));  // still above 85
  EXPECT_FALSE(a.Update(91, 100, 90, 5));
  EXPECT_FALSE(a.Update(84, 100, 90, 5));  // re-armed
  EXPECT_TRUE(a.Update(92, 100, 90, 5));
}

TEST(CapacityAlarmTest, DisabledOrUnknownCapacityNeverFires) {
  CapacityAlarm a;
  EXPECT_FALSE(a.Update(100, 100, 0, 0));
  EXPECT_FALSE(a.Update(100, 0, 90, 5));
  EXPECT_TRUE(a.Update(18'000'000'000'000'000'000ULL, 18'000'000'000'000'000'000ULL, 100, 0));
}

}  // namespace
}  // namespace periscope::subagent
