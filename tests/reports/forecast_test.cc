#include "reports/forecast.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <random>
#include <vector>

namespace periscope::reports::forecast {
namespace {

constexpr double kCapacity = 10e12;
constexpr int64_t kDay0 = 20000;

// Days kDay0 .. kDay0 + n - 1 with used = f(t) + N(0, noise), capacity constant.
std::vector<UsageDay> Usage(int n, const std::function<double(double)>& f, double noise = 0,
                            uint32_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> jitter(0, noise > 0 ? noise : 1);
  std::vector<UsageDay> days;
  for (int t = 0; t < n; ++t) {
    double used = f(t) + (noise > 0 ? jitter(rng) : 0.0);
    days.push_back({kDay0 + t, used, kCapacity});
  }
  return days;
}

std::vector<Sample> Samples(int n, const std::function<double(double)>& f) {
  std::vector<Sample> s;
  for (int t = 0; t < n; ++t) s.push_back({kDay0 + t, f(t)});
  return s;
}

// Days after the last day (t = n - 1) at which f reaches `level`.
double TrueCrossing(const std::function<double(double)>& f, int n, double level) {
  double lo = n - 1;
  double hi = n - 1;
  while (f(hi) < level) hi += 1;
  for (int i = 0; i < 60; ++i) {
    double mid = (lo + hi) / 2;
    (f(mid) >= level ? hi : lo) = mid;
  }
  return hi - (n - 1);
}

bool AllFinite(const SeriesForecast& f) {
  auto ok = [](double v) { return std::isfinite(v); };
  if (!ok(f.last_value) || !ok(f.holdout_error)) return false;
  for (const Crossing& c : f.crossings) {
    for (auto v : {c.days, c.lower_days, c.upper_days}) {
      if (v && !ok(*v)) return false;
    }
  }
  for (const ProjectionPoint& p : f.projection) {
    if (!ok(p.day) || !ok(p.value) || !ok(p.lower) || !ok(p.upper)) return false;
  }
  for (double c : f.model.coefficients) {
    if (!ok(c)) return false;
  }
  return true;
}

TEST(ForecastTest, EachFitRecoversItsGeneratingFunction) {
  struct Case {
    FitKind kind;
    std::function<double(double)> f;  // of x = t + 1
  };
  const Case cases[] = {
      {FitKind::kLinear, [](double x) { return 2e12 + 5e10 * x; }},
      {FitKind::kPolynomial2, [](double x) { return 2e12 + 1e10 * x + 4e8 * x * x; }},
      {FitKind::kPolynomial3,
       [](double x) { return 2e12 + 1e10 * x - 1e8 * x * x + 5e6 * x * x * x; }},
      {FitKind::kExponential, [](double x) { return 2e12 * std::exp(0.01 * x); }},
      {FitKind::kLogarithmic, [](double x) { return 2e12 + 1e12 * std::log(x); }},
      {FitKind::kPower, [](double x) { return 1e11 * std::pow(x, 0.7); }},
      {FitKind::kSaturating, [](double x) { return 9e12 - 7e12 * std::exp(-x / 80); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(FitName(c.kind)));
    std::vector<Sample> s = Samples(60, [&](double t) { return c.f(t + 1); });
    std::optional<Model> m = FitModel(c.kind, s);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->kind, c.kind);
    EXPECT_EQ(m->origin_day, kDay0 - 1);
    // Over the data and a year beyond it.
    for (int t = 0; t < 420; t += 7) {
      EXPECT_NEAR(m->Value(static_cast<double>(kDay0 + t)), c.f(t + 1), 1e-4 * c.f(t + 1));
    }
  }
}

TEST(ForecastTest, HoldoutSelectionPicksTheGeneratingFamilyOnCleanData) {
  struct Case {
    FitKind kind;
    std::function<double(double)> f;
  };
  const Case cases[] = {
      {FitKind::kLinear, [](double t) { return 2e12 + 5e10 * t; }},
      {FitKind::kExponential, [](double t) { return 2e12 * std::exp(0.01 * (t + 1)); }},
      {FitKind::kSaturating, [](double t) { return 9e12 - 7e12 * std::exp(-(t + 1) / 80); }},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(FitName(c.kind)));
    SeriesForecast f = ForecastCapacity(Usage(60, c.f), Options{});
    ASSERT_TRUE(f.ok) << f.reason;
    EXPECT_EQ(FitName(f.model.kind), FitName(c.kind));
    EXPECT_NEAR(f.model.Value(kDay0 + 100), c.f(100), 0.01 * c.f(100));
  }
}

TEST(ForecastTest, LinearCrossingMatchesTheLine) {
  auto f = [](double t) { return 3e12 + 4e10 * t; };
  SeriesForecast r = ForecastCapacity(Usage(60, f), Options{});
  ASSERT_TRUE(r.ok);
  ASSERT_EQ(r.crossings.size(), 2u);
  EXPECT_NEAR(*r.crossings[0].days, TrueCrossing(f, 60, 0.85 * kCapacity), 0.01);
  EXPECT_NEAR(*r.crossings[1].days, TrueCrossing(f, 60, kCapacity), 0.01);
  EXPECT_EQ(r.last_day, kDay0 + 59);
  EXPECT_TRUE(r.reason.empty());
  ProjectionPoint p = r.Predict(365);
  EXPECT_NEAR(p.value, f(59 + 365), 1e-6 * f(59 + 365));
}

TEST(ForecastTest, FewerThanSevenDaysGivesNoForecastWithReason) {
  SeriesForecast r = ForecastCapacity(Usage(6, [](double t) { return 1e12 + 1e10 * t; }), {});
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.reason, "only 6 days of history (need 7)");
  ASSERT_EQ(r.crossings.size(), 2u);
  EXPECT_FALSE(r.crossings[0].days);
}

TEST(ForecastTest, FlatAndShrinkingUsageExpectNoExhaustion) {
  for (double slope : {0.0, -2e10}) {
    SeriesForecast r =
        ForecastCapacity(Usage(
                             60, [&](double t) { return 5e12 + slope * t; }, kCapacity * 0.005),
                         {});
    ASSERT_TRUE(r.ok);
    EXPECT_FALSE(r.crossings[0].days);
    EXPECT_FALSE(r.crossings[1].days);
    EXPECT_EQ(r.reason, "no exhaustion expected within the horizon");
  }
}

TEST(ForecastTest, CapacityChangeStartsANewSegment) {
  // 40 days growing fast on 10 TB, then a disk added (20 TB) and slow growth.
  std::vector<UsageDay> days;
  for (int t = 0; t < 40; ++t) days.push_back({kDay0 + t, 2e12 + 1e11 * t, kCapacity});
  for (int t = 40; t < 60; ++t) days.push_back({kDay0 + t, 6e12 + 2e10 * (t - 40), 2e13});
  SeriesForecast r = ForecastCapacity(days, {});
  ASSERT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.segment_first_day, kDay0 + 40);
  EXPECT_DOUBLE_EQ(r.crossings[1].level, 2e13);
  // 0.85 * 20 TB = 17 TB from 6.38 TB at 20 GB/day.
  EXPECT_NEAR(*r.crossings[0].days, (17e12 - (6e12 + 2e10 * 19)) / 2e10, 1.0);
}

TEST(ForecastTest, BigDropStartsASegment) {
  std::vector<UsageDay> days;
  for (int t = 0; t < 60; ++t) {
    double used = 5e12 + 3e10 * t - (t >= 35 ? 3e12 : 0.0);
    days.push_back({kDay0 + t, used, kCapacity});
  }
  SeriesForecast r = ForecastCapacity(days, {});
  ASSERT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.segment_first_day, kDay0 + 35);
  double last = 5e12 + 3e10 * 59 - 3e12;
  EXPECT_NEAR(*r.crossings[0].days, (8.5e12 - last) / 3e10, 1.0);
}

TEST(ForecastTest, SingleOutlierBarelyMovesTheCrossing) {
  auto f = [](double t) { return 3e12 + 4e10 * t; };
  std::vector<UsageDay> clean = Usage(60, f, kCapacity * 0.003, 7);
  SeriesForecast base = ForecastCapacity(clean, {});
  for (double shift : {2.5e12, -2.5e12}) {
    std::vector<UsageDay> dirty = clean;
    *dirty[30].used_bytes += shift;
    SeriesForecast r = ForecastCapacity(dirty, {});
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.segment_first_day, kDay0);
    EXPECT_NEAR(*r.crossings[0].days, *base.crossings[0].days, 0.02 * *base.crossings[0].days);
  }
}

TEST(ForecastTest, IntervalContainsThePointEstimateAndWidensWithNoise) {
  auto f = [](double t) { return 3e12 + 4e10 * t; };
  double previous_width = 0;
  for (double noise : {0.002, 0.006, 0.02}) {
    SeriesForecast r = ForecastCapacity(Usage(60, f, kCapacity * noise, 3), {});
    ASSERT_TRUE(r.ok);
    const Crossing& c = r.crossings[0];
    ASSERT_TRUE(c.days && c.lower_days && c.upper_days);
    EXPECT_LE(*c.lower_days, *c.days);
    EXPECT_GE(*c.upper_days, *c.days);
    double width = *c.upper_days - *c.lower_days;
    EXPECT_GT(width, previous_width);
    previous_width = width;
  }
}

TEST(ForecastTest, NoisySaturationIsForecastAsSaturatingAndItsIntervalHoldsTheTruth) {
  // Slowing with a time constant of 150 days, seen for 60 days with jitter.
  auto f = [](double t) { return 1.05 * kCapacity - 0.7 * kCapacity * std::exp(-t / 150); };
  SeriesForecast r = ForecastCapacity(Usage(60, f, 0.004 * kCapacity, 7), Options{});
  ASSERT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(FitName(r.model.kind), "saturating");
  double truth = TrueCrossing(f, 60, 0.85 * kCapacity);
  const Crossing& c = r.crossings[0];
  ASSERT_TRUE(c.days && c.lower_days);
  EXPECT_LE(*c.lower_days, truth);
  if (c.upper_days) {
    EXPECT_GE(*c.upper_days, truth);
  }
  // Closer than the straight line through the same days.
  std::vector<Sample> samples;
  for (const UsageDay& d : Usage(60, f, 0.004 * kCapacity, 7))
    samples.push_back({d.day, *d.used_bytes});
  std::optional<double> line = ZabbixLinearTimeleft(samples, 0.85 * kCapacity);
  ASSERT_TRUE(line);
  EXPECT_LT(std::fabs(*c.days - truth), std::fabs(*line - truth));
}

TEST(ForecastTest, AlreadyAboveALevelGivesZeroDays) {
  SeriesForecast r =
      ForecastCapacity(Usage(30, [](double t) { return 8.6e12 + 5e9 * t; }), Options{});
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(*r.crossings[0].days, 0.0);
  EXPECT_EQ(*r.crossings[0].lower_days, 0.0);
  EXPECT_EQ(*r.crossings[0].upper_days, 0.0);
  EXPECT_GT(*r.crossings[1].days, 0.0);
}

TEST(ForecastTest, LoadForecastReachesEightyPercentOfRated) {
  // Weekday peaks grow 10 writes/day from 4000 against a rated 10000; weekends are low.
  std::vector<LoadDay> days;
  for (int t = 0; t < 90; ++t) {
    bool weekend = t % 7 >= 5;
    days.push_back({kDay0 + t, (4000.0 + 10.0 * t) * (weekend ? 0.5 : 1.0)});
  }
  SeriesForecast r = ForecastLoad(days, 10000, 80, Options{});
  ASSERT_TRUE(r.ok) << r.reason;
  ASSERT_EQ(r.crossings.size(), 1u);
  EXPECT_DOUBLE_EQ(r.crossings[0].level, 8000);
  // The weekly high (a Friday of the last week) is 4000 + 10 * 88; 8000 is ~312 days on.
  EXPECT_NEAR(*r.crossings[0].days, (8000 - 4000 - 10 * 89) / 10.0, 10);
}

TEST(ForecastTest, ZabbixLinearTimeleftMatchesAHandComputedCase) {
  // Points (0, 1), (1, 3), (2, 2), (3, 6): slope 1.4, intercept 0.9; the line
  // reaches 10 at x = 6.5, i.e. 3.5 days after the last sample.
  std::vector<Sample> s = {{100, 1}, {101, 3}, {102, 2}, {103, 6}};
  std::optional<double> t = ZabbixLinearTimeleft(s, 10);
  ASSERT_TRUE(t);
  EXPECT_NEAR(*t, 3.5, 1e-9);
  EXPECT_EQ(*ZabbixLinearTimeleft(s, 1), 0.0);
  std::vector<Sample> falling = {{100, 5}, {101, 4}, {102, 3}};
  EXPECT_FALSE(ZabbixLinearTimeleft(falling, 10));
  EXPECT_FALSE(ZabbixLinearTimeleft(std::vector<Sample>{{100, 5}}, 10));
}

TEST(ForecastTest, DegenerateInputGivesNoNaN) {
  Options few;
  few.min_days = 2;
  // Constant.
  SeriesForecast constant = ForecastCapacity(Usage(30, [](double) { return 5e12; }), {});
  EXPECT_TRUE(constant.ok);
  EXPECT_TRUE(AllFinite(constant));
  EXPECT_FALSE(constant.crossings[0].days);
  // Zero usage (ln undefined for exponential and power).
  SeriesForecast zero = ForecastCapacity(Usage(30, [](double) { return 0.0; }), {});
  EXPECT_TRUE(AllFinite(zero));
  // Two points.
  SeriesForecast two = ForecastCapacity(Usage(2, [](double t) { return 1e12 + 1e11 * t; }), few);
  EXPECT_TRUE(AllFinite(two));
  // Huge values, fast exponential growth.
  std::vector<UsageDay> huge = Usage(
      60, [](double t) { return 1e13 * std::exp(0.2 * t); }, 0, 1);
  for (UsageDay& d : huge) d.capacity_bytes = 1e30;
  SeriesForecast big = ForecastCapacity(huge, {});
  EXPECT_TRUE(AllFinite(big));
  // Missing values, duplicates, NaN, unsorted.
  std::vector<UsageDay> messy = Usage(20, [](double t) { return 1e12 + 1e10 * t; });
  messy.push_back({kDay0 + 3, std::nullopt, kCapacity});
  messy.push_back({kDay0 + 4, std::numeric_limits<double>::quiet_NaN(), kCapacity});
  std::swap(messy[0], messy[10]);
  SeriesForecast m = ForecastCapacity(messy, {});
  EXPECT_TRUE(m.ok) << m.reason;
  EXPECT_TRUE(AllFinite(m));
  EXPECT_EQ(m.segment_first_day, kDay0);
  EXPECT_EQ(m.last_day, kDay0 + 19);
  // No capacity, empty.
  EXPECT_FALSE(ForecastCapacity(std::vector<UsageDay>{}, {}).ok);
  std::vector<UsageDay> no_capacity = {{kDay0, 1.0, std::nullopt}};
  EXPECT_EQ(ForecastCapacity(no_capacity, {}).reason, "no capacity known");
}

TEST(ForecastTest, DuplicateDaysKeepTheLastSample) {
  std::vector<Sample> s = Samples(20, [](double t) { return 100 + t; });
  s.push_back({kDay0 + 19, 1000});  // a later figure for the last day
  std::vector<double> levels = {2000};
  SeriesForecast r = ForecastSeries(s, levels, {}, Options{});
  EXPECT_EQ(r.last_day, kDay0 + 19);
  // 1000 is a single outlier day, screened out of the fit but the day is kept.
  ASSERT_TRUE(r.ok);
}

}  // namespace
}  // namespace periscope::reports::forecast
