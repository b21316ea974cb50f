#include "subagent/load_tracker.h"

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

TEST(LoadTrackerTest, DateGoingBackwardsStaysOnToday) {
  LoadTracker t(kInterval, 35);
  t.Observe(1000, 20261122, Reading(0), 1);
  t.Observe(1010, 20261121, Reading(10), 1);
  EXPECT_TRUE(t.state().history.empty());
  EXPECT_EQ(t.state().today.date, 20261122u);
  EXPECT_EQ(t.state().today.intervals, 1u);
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
  // Nothing dated on or after the corrected day survives (the 2038 day is gone;
  // the jump itself aged the older days out of retention).
  for (const DailyFigures& d : t.state().history) EXPECT_LT(d.date, 20261121u);
  t.Observe(40, 20261121, Reading(45), 1);
  EXPECT_EQ(t.state().today.load_peak, 15u);
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
