#include "reports/proposals.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.h"

namespace periscope::reports {
namespace {

using forecast::Crossing;
using forecast::ProjectionPoint;
using forecast::SeriesForecast;

constexpr double kTB = 1e12;
constexpr int64_t kGiB = int64_t{1} << 30;
constexpr uint32_t kToday = 20270104;  // a Monday

Catalog TestCatalog() {
  Catalog c;
  Product a;
  a.model = "A-1";
  a.product_number = "A-1-PN";
  a.name = "Array One";
  a.price_minor_units = 1'000'000;
  a.currency = "EUR";
  a.rated_load = 1000;
  a.capacity_bytes = 10'000'000'000'000;
  a.cache_bytes = 8 * kGiB;
  a.max_cache_bytes = 32 * kGiB;
  a.successor = "B-2";
  a.latest_firmware = FirmwareRelease{"2.10.0", 20260915, "A-1-FW", 0};
  // 1 TB for 120, 4 TB for 400: per TB the big one is cheaper, per order not always.
  a.capacity_addons = {{"A-1-DP1", "Pack 1 TB", 1'000'000'000'000, 120},
                       {"A-1-DE4", "Enclosure 4 TB", 4'000'000'000'000, 400}};
  a.cache_options = {{"A-1-C8", "Cache 8 GiB", static_cast<uint64_t>(8 * kGiB), 50},
                     {"A-1-C16", "Cache 16 GiB", static_cast<uint64_t>(16 * kGiB), 90}};
  Product b;
  b.model = "B-2";
  b.product_number = "B-2-PN";
  b.name = "Array Two";
  b.price_minor_units = 3'000'000;
  b.currency = "EUR";
  b.rated_load = 4000;
  b.capacity_bytes = 48'000'000'000'000;
  b.max_cache_bytes = 128 * kGiB;
  c.products = {a, b};
  return c;
}

// A linear capacity forecast: `used` on `last_day`, growing `slope` bytes a
// day, against `capacity`, with the threshold interval [lower, upper] days.
SeriesForecast LinearCapacity(int64_t last_day, double used, double slope, double capacity,
                              std::optional<double> lower = std::nullopt,
                              std::optional<double> upper = std::nullopt) {
  SeriesForecast f;
  f.ok = true;
  f.model.kind = forecast::FitKind::kLinear;
  f.segment_first_day = last_day - 60;
  f.last_day = last_day;
  f.last_value = used;
  f.holdout_error = 1e9;
  for (double level : {0.85 * capacity, capacity}) {
    Crossing c;
    c.level = level;
    if (slope > 0 && level > used) {
      c.days = (level - used) / slope;
      c.lower_days = lower.value_or(*c.days * 0.95);
      c.upper_days = upper ? upper : std::optional<double>(*c.days * 1.05);
    } else if (level <= used) {
      c.days = 0;
      c.lower_days = 0;
      c.upper_days = 0;
    }
    f.crossings.push_back(c);
  }
  for (int64_t day = f.segment_first_day; day <= last_day + 1100; day += 7) {
    double v = used + slope * static_cast<double>(day - last_day);
    f.projection.push_back(ProjectionPoint{static_cast<double>(day), v, v * 0.97, v * 1.03});
  }
  return f;
}

DeviceView Device(double used, double slope, int64_t last_day = DaysFromDate(kToday)) {
  DeviceView d;
  d.device_id = 7;
  d.serial_number = "SN-1";
  SpecView spec;
  spec.model = "A-1";
  spec.product_number = "A-1-PN";
  spec.firmware = "2.10.0";
  spec.capacity_bytes = 10'000'000'000'000;
  spec.cache_bytes = 8 * kGiB;
  spec.currency = "EUR";
  d.spec = spec;
  d.capacity = LinearCapacity(last_day, used, slope, 10 * kTB);
  d.threshold_pct = 85;
  return d;
}

const ProposalDraft* Find(const DeviceProposals& p, const std::string& kind) {
  for (const ProposalDraft& d : p.drafts) {
    if (d.kind == kind) return &d;
  }
  return nullptr;
}

uint32_t DateIn(double days) {
  return DateFromDays(DaysFromDate(kToday) + static_cast<int64_t>(std::floor(days)));
}

TEST(ProposalsTest, CapacityAddOnRaisedWhenThresholdIsWithinTheHorizon) {
  // 8 TB used of 10, 5 GB a day: 85% (8.5 TB) in 100 days.
  auto p = ProposeForDevice(Device(8 * kTB, 5e9), TestCatalog(), ProposalRules{}, kToday);
  const ProposalDraft* d = Find(p, "capacity");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->needed_by, DateIn(100));
  EXPECT_EQ(d->currency, "EUR");
  EXPECT_EQ(d->price_minor_units, d->quantity * d->unit_price_minor_units);
  auto e = nlohmann::json::parse(d->evidence_json);
  EXPECT_DOUBLE_EQ(e["days_to_threshold"].get<double>(), 100.0);
  EXPECT_EQ(e["fit"], "linear");
  EXPECT_EQ(e["threshold_pct"], 85.0);
  EXPECT_EQ(e["used_bytes"], 8 * kTB);
  EXPECT_EQ(e["capacity_bytes"], 10 * kTB);
  EXPECT_DOUBLE_EQ(e["interval"]["lower_days"].get<double>(), 95.0);
  EXPECT_DOUBLE_EQ(e["interval"]["upper_days"].get<double>(), 105.0);
  EXPECT_EQ(e["holdout_error_bytes"], 1e9);
}

TEST(ProposalsTest, NoCapacityAddOnWhenThresholdIsBeyondTheHorizon) {
  // 2 GB a day: 250 days to the threshold, beyond 180.
  auto p = ProposeForDevice(Device(8 * kTB, 2e9), TestCatalog(), ProposalRules{}, kToday);
  EXPECT_EQ(Find(p, "capacity"), nullptr);
  ProposalRules longer;
  longer.planning_horizon_days = 300;
  auto q = ProposeForDevice(Device(8 * kTB, 2e9), TestCatalog(), longer, kToday);
  EXPECT_NE(Find(q, "capacity"), nullptr);
}

TEST(ProposalsTest, NeededByCountsFromTodayWhenTheLastSampleIsOlder) {
  // The series ends yesterday: 100 days after it is 99 days from today.
  auto p = ProposeForDevice(Device(8 * kTB, 5e9, DaysFromDate(kToday) - 1), TestCatalog(),
                            ProposalRules{}, kToday);
  const ProposalDraft* d = Find(p, "capacity");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->needed_by, DateIn(99));
}

TEST(ProposalsTest, ThresholdAlreadyPassedIsNeededTodayWithHighConfidence) {
  auto p = ProposeForDevice(Device(9 * kTB, 5e9), TestCatalog(), ProposalRules{}, kToday);
  const ProposalDraft* d = Find(p, "capacity");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->needed_by, kToday);
  EXPECT_EQ(d->confidence, "high");
  EXPECT_NE(d->material_key.find("|due"), std::string::npos) << d->material_key;
}

struct SizingCase {
  double slope;         // bytes a day
  const char* product;  // the cheapest add-on order
  int64_t quantity;
};

TEST(ProposalsTest, QuantityCoversTwelveMonthsOfGrowthAtTheLowestPrice) {
  const SizingCase cases[] = {
      {5e9, "A-1-DP1", 2},     // add 1.56 TB: 2 x 1 TB = 240 < 400
      {8e9, "A-1-DP1", 3},     // add 2.85 TB: 3 x 1 TB = 360 < 400
      {9e9, "A-1-DE4", 1},     // add 3.28 TB: 4 x 1 TB = 480 > 1 x 4 TB = 400
      {2.8e10, "A-1-DE4", 3},  // add 11.4 TB: 12 x 1 TB = 1440 > 3 x 4 TB = 1200
  };
  const Catalog catalog = TestCatalog();
  for (const SizingCase& c : cases) {
    auto p = ProposeForDevice(Device(8 * kTB, c.slope), catalog, ProposalRules{}, kToday);
    const ProposalDraft* d = Find(p, "capacity");
    ASSERT_NE(d, nullptr) << c.slope;
    EXPECT_EQ(d->product_number, c.product) << c.slope;
    EXPECT_EQ(d->quantity, c.quantity) << c.slope;
    // The order keeps used bytes under 85% for 12 months; one unit fewer does not.
    const double in_a_year = 8 * kTB + c.slope * 365.2425;
    const double unit = d->product_number == "A-1-DP1" ? 1 * kTB : 4 * kTB;
    EXPECT_GE(0.85 * (10 * kTB + static_cast<double>(d->quantity) * unit), in_a_year);
    EXPECT_LT(0.85 * (10 * kTB + static_cast<double>(d->quantity - 1) * unit), in_a_year);
    auto e = nlohmann::json::parse(d->evidence_json);
    EXPECT_NEAR(e["predicted_used_bytes"].get<double>(), in_a_year, 1e6);
    EXPECT_EQ(e["growth_months"], 12);
  }
}

TEST(ProposalsTest, ConfidenceFollowsTheIntervalWidth) {
  struct Case {
    std::optional<double> lower, upper;
    const char* expected;
  };
  const Case cases[] = {
      {90, 115, "high"},  // 25 days wide of 100
      {80, 130, "medium"},
      {60, 200, "low"},
      {90, std::nullopt, "low"},  // the slow end never gets there
  };
  for (const Case& c : cases) {
    Crossing crossing;
    crossing.level = 1;
    crossing.days = 100;
    crossing.lower_days = c.lower;
    crossing.upper_days = c.upper;
    EXPECT_EQ(ConfidenceOf(crossing), c.expected);

    DeviceView d = Device(8 * kTB, 5e9);
    d.capacity.crossings[0].lower_days = c.lower;
    d.capacity.crossings[0].upper_days = c.upper;
    auto p = ProposeForDevice(d, TestCatalog(), ProposalRules{}, kToday);
    ASSERT_NE(Find(p, "capacity"), nullptr);
    EXPECT_EQ(Find(p, "capacity")->confidence, c.expected);
  }
}

TEST(ProposalsTest, MaterialKeyIsStableUnderSmallWobbleAndChangesWithQuantity) {
  // 0.5 TB to go at 98.2 or 101.5 days: Monday and Thursday of one ISO week.
  auto a =
      ProposeForDevice(Device(8 * kTB, 0.5 * kTB / 98.2), TestCatalog(), ProposalRules{}, kToday);
  auto b = ProposeForDevice(Device(8 * kTB + 1e6, 0.5 * kTB / 101.5), TestCatalog(),
                            ProposalRules{}, kToday);
  ASSERT_NE(Find(a, "capacity"), nullptr);
  ASSERT_NE(Find(b, "capacity"), nullptr);
  EXPECT_NE(Find(a, "capacity")->needed_by, Find(b, "capacity")->needed_by);
  EXPECT_NE(Find(a, "capacity")->evidence_json, Find(b, "capacity")->evidence_json);
  EXPECT_EQ(Find(a, "capacity")->material_key, Find(b, "capacity")->material_key);

  auto c = ProposeForDevice(Device(8 * kTB, 8e9), TestCatalog(), ProposalRules{}, kToday);
  ASSERT_NE(Find(c, "capacity"), nullptr);
  EXPECT_NE(Find(c, "capacity")->quantity, Find(a, "capacity")->quantity);
  EXPECT_NE(Find(c, "capacity")->material_key, Find(a, "capacity")->material_key);
}

TEST(ProposalsTest, IsoWeekFollowsIso8601AtYearEnds) {
  EXPECT_EQ(IsoWeek(20270101), "2026-W53");
  EXPECT_EQ(IsoWeek(20270104), "2027-W01");
  EXPECT_EQ(IsoWeek(20241230), "2025-W01");
  EXPECT_EQ(IsoWeek(20210103), "2020-W53");
  EXPECT_EQ(IsoWeek(20260615), "2026-W25");
}

DeviceView LoadedDevice(int64_t recent_peak, int64_t cache_bytes) {
  DeviceView d = Device(5 * kTB, 1e8);  // capacity far from the threshold
  d.spec->cache_bytes = cache_bytes;
  for (int i = 30; i >= 0; --i) {
    DayFigures day;
    day.date = DateFromDays(DaysFromDate(kToday) - i);
    day.load_peak = i == 3 ? recent_peak : 300;
    d.history.push_back(day);
  }
  return d;
}

TEST(ProposalsTest, RecentPeakNearRatedLoadProposesTheLargestCacheThatFits) {
  auto p = ProposeForDevice(LoadedDevice(850, 8 * kGiB), TestCatalog(), ProposalRules{}, kToday);
  const ProposalDraft* d = Find(p, "cache");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->product_number, "A-1-C16");
  EXPECT_EQ(d->quantity, 1);
  EXPECT_EQ(d->needed_by, kToday);
  EXPECT_EQ(Find(p, "successor"), nullptr);
  auto e = nlohmann::json::parse(d->evidence_json);
  EXPECT_EQ(e["recent_peak"], 850);
  EXPECT_EQ(e["rated_load"], 1000);

  // 24 GiB now: only the 8 GiB option still fits under 32 GiB.
  auto q = ProposeForDevice(LoadedDevice(850, 24 * kGiB), TestCatalog(), ProposalRules{}, kToday);
  ASSERT_NE(Find(q, "cache"), nullptr);
  EXPECT_EQ(Find(q, "cache")->product_number, "A-1-C8");
}

TEST(ProposalsTest, CacheAtItsMaximumProposesTheSuccessor) {
  auto p = ProposeForDevice(LoadedDevice(850, 32 * kGiB), TestCatalog(), ProposalRules{}, kToday);
  EXPECT_EQ(Find(p, "cache"), nullptr);
  const ProposalDraft* d = Find(p, "successor");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->product_number, "B-2-PN");
  EXPECT_EQ(d->product_name, "Array Two");
  EXPECT_EQ(d->price_minor_units, 3'000'000);

  Catalog no_successor = TestCatalog();
  no_successor.products[0].successor.clear();
  auto q = ProposeForDevice(LoadedDevice(850, 32 * kGiB), no_successor, ProposalRules{}, kToday);
  EXPECT_EQ(Find(q, "successor"), nullptr);
  ASSERT_FALSE(q.skipped.empty());
  EXPECT_NE(q.skipped[0].find("no successor"), std::string::npos) << q.skipped[0];
}

TEST(ProposalsTest, LoadBelowNearOrOutsideTheRecentWindowProposesNothing) {
  EXPECT_EQ(
      Find(ProposeForDevice(LoadedDevice(790, 8 * kGiB), TestCatalog(), ProposalRules{}, kToday),
           "cache"),
      nullptr);
  // The 950 peak was 20 days ago, outside the 14-day window.
  DeviceView old_peak = LoadedDevice(300, 8 * kGiB);
  old_peak.history[10].load_peak = 950;
  EXPECT_EQ(Find(ProposeForDevice(old_peak, TestCatalog(), ProposalRules{}, kToday), "cache"),
            nullptr);
}

TEST(ProposalsTest, LoadForecastWithinTheHorizonProposesCacheByItsDate) {
  DeviceView d = LoadedDevice(500, 8 * kGiB);
  SeriesForecast load;
  load.ok = true;
  load.last_day = DaysFromDate(kToday);
  load.last_value = 500;
  Crossing c;
  c.level = 800;
  c.days = 60;
  c.lower_days = 50;
  c.upper_days = 90;  // 40 of 60: low
  load.crossings = {c};
  d.load = load;
  auto p = ProposeForDevice(d, TestCatalog(), ProposalRules{}, kToday);
  const ProposalDraft* draft = Find(p, "cache");
  ASSERT_NE(draft, nullptr);
  EXPECT_EQ(draft->needed_by, DateIn(60));
  EXPECT_EQ(draft->confidence, "low");

  d.load->crossings[0].days = 400;
  EXPECT_EQ(Find(ProposeForDevice(d, TestCatalog(), ProposalRules{}, kToday), "cache"), nullptr);
}

TEST(ProposalsTest, FirmwareUpdateOnlyForOlderVersions) {
  struct Case {
    const char* running;
    bool proposed;
  };
  const Case cases[] = {
      {"2.9.4", true}, {"1.0", true}, {"2.10.0", false}, {"2.10", false}, {"2.11.0", false}};
  for (const Case& c : cases) {
    DeviceView d = Device(5 * kTB, 1e8);
    d.spec->firmware = c.running;
    auto p = ProposeForDevice(d, TestCatalog(), ProposalRules{}, kToday);
    const ProposalDraft* draft = Find(p, "firmware");
    EXPECT_EQ(draft != nullptr, c.proposed) << c.running;
    if (draft != nullptr) {
      EXPECT_EQ(draft->product_number, "A-1-FW");
      EXPECT_EQ(draft->confidence, "high");
      auto e = nlohmann::json::parse(draft->evidence_json);
      EXPECT_EQ(e["firmware"], c.running);
      EXPECT_EQ(e["latest_firmware"], "2.10.0");
    }
  }
}

TEST(ProposalsTest, NoSpecOrUnknownModelGivesNoProposalAndAReason) {
  DeviceView no_spec = Device(9 * kTB, 5e9);
  no_spec.spec.reset();
  auto p = ProposeForDevice(no_spec, TestCatalog(), ProposalRules{}, kToday);
  EXPECT_TRUE(p.drafts.empty());
  ASSERT_EQ(p.skipped.size(), 1u);
  EXPECT_NE(p.skipped[0].find("no specification"), std::string::npos);

  DeviceView unknown = Device(9 * kTB, 5e9);
  unknown.spec->model = "Z-99";
  auto q = ProposeForDevice(unknown, TestCatalog(), ProposalRules{}, kToday);
  EXPECT_TRUE(q.drafts.empty());
  ASSERT_EQ(q.skipped.size(), 1u);
  EXPECT_EQ(q.skipped[0], "model 'Z-99' is not in the catalog");

  DeviceView retired = Device(9 * kTB, 5e9);
  retired.retired = true;
  EXPECT_TRUE(ProposeForDevice(retired, TestCatalog(), ProposalRules{}, kToday).drafts.empty());
}

TEST(ProposalsTest, NoForecastMeansNoCapacityProposal) {
  DeviceView d = Device(9 * kTB, 5e9);
  d.capacity = SeriesForecast{};
  d.capacity.reason = "fewer than 7 days of history";
  auto p = ProposeForDevice(d, TestCatalog(), ProposalRules{}, kToday);
  EXPECT_EQ(Find(p, "capacity"), nullptr);
}

TEST(ProposalsTest, ProjectedValueInterpolatesAndExtrapolates) {
  SeriesForecast f;
  f.ok = true;
  f.last_day = 100;
  f.last_value = 10;
  f.projection = {{93, 3, 0, 0}, {100, 10, 0, 0}, {107, 24, 0, 0}};
  EXPECT_DOUBLE_EQ(*ProjectedValue(f, 0), 10);
  EXPECT_DOUBLE_EQ(*ProjectedValue(f, 3.5), 17);
  EXPECT_DOUBLE_EQ(*ProjectedValue(f, 14), 38);  // past the end: the last slope
  EXPECT_DOUBLE_EQ(*ProjectedValue(f, -20), 3);
  f.ok = false;
  EXPECT_FALSE(ProjectedValue(f, 1).has_value());
}

}  // namespace
}  // namespace periscope::reports
