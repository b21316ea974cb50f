// forecast_quality: how well reports/forecast predicts when used capacity
// reaches the warning threshold, next to Zabbix's timeleft(..., linear).
//
//   forecast_quality [--verbose] [--first-seed N]
//
// --first-seed N runs seeds N .. N+19 instead of 1 .. 20: an out-of-sample
// check of figures that were tuned on seeds 1-20 (the target is asserted on
// those).
//
// Series with a known truth, 20 fixed seeds per kind, 60 days seen, on a device
// of 4-50 TB. Every series has i.i.d. Gaussian daily jitter with a standard
// deviation drawn per series from 0.3-1% of capacity. The kinds (t = days since
// the first seen day, C = capacity; every parameter drawn uniformly per seed):
//   linear        u0 + r t,                u0 in 20-60% C, r in 0.05-0.5% C/day
//   accelerating  u0 e^(g t),              u0 in 15-40% C, g in 0.3-1%/day
//   saturating    L - (L - u0) e^(-t/tau), L in 90-120% C, u0 in 20-50% C,
//                                          tau in 100-300 days
//   weekly cycle  linear + A sin(2 pi t / 7 + phase), A in 1-3% C
//   step down     linear from u0 in 40-70% C, minus D in 15-30% C from a day
//                 in 20-45 on (data deleted)
//   single outlier linear, one seen day moved by +-10-30% C
//   flat          u0 in 30-70% C
// The truth is the first day after the last seen day at which the noise-free
// generating function reaches 85% of C, searched to the horizon (1095 days);
// "none" when it does not.
//
// Relative error of one forecast: |forecast - truth| / max(truth, 7 days) when
// both exist (the 7-day floor keeps a crossing due within the week from
// weighing more than any other); 0 when both are none; 1.0 (100%) when exactly
// one is none. Zabbix's figure is cut at the horizon like ours (a crossing
// later than 1095 days counts as none). Per kind the table shows the median over
// the seeds.
//
// Coverage: the share of series whose true crossing (within the horizon) lies
// inside our 80% interval [lower_days, upper_days] (a missing upper bound is
// open-ended; a missing lower bound means even the fast end does not get there
// within the horizon, so the truth is outside). Series with no true crossing
// have no date to cover and are left out ("n/a").
//
// Target (issue 6): ours at most half of Zabbix-linear's median error on every
// kind where Zabbix-linear's is above 5%; elsewhere no worse than Zabbix-linear
// (within 0.5 percentage points, the rounding of the table); overall coverage
// 75-85%. Exit 0 when met, 1 when not.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "reports/forecast.h"

namespace {

namespace fc = periscope::reports::forecast;

constexpr int kSeeds = 20;
constexpr int kSeenDays = 60;
constexpr double kHorizonDays = 1095.0;
constexpr double kThresholdShare = 0.85;
constexpr int64_t kFirstDay = 19800;  // 2024-03-18

struct Series {
  std::vector<fc::UsageDay> days;
  std::optional<double> truth_days;
};

using Truth = std::function<double(double)>;

Series Generate(int kind, uint32_t seed) {
  std::mt19937_64 rng(seed * 7919u + static_cast<uint32_t>(kind) * 104729u + 1u);
  auto uniform = [&](double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  };
  const double capacities[] = {4e12, 10e12, 20e12, 50e12};
  double c = capacities[std::uniform_int_distribution<int>(0, 3)(rng)];
  double sigma = uniform(0.003, 0.01) * c;
  Truth f;
  int outlier_day = -1;
  double outlier_shift = 0;
  switch (kind) {
    case 0: {  // linear
      double u0 = uniform(0.2, 0.6) * c;
      double r = uniform(0.0005, 0.005) * c;
      f = [=](double t) { return u0 + r * t; };
      break;
    }
    case 1: {  // accelerating
      double u0 = uniform(0.15, 0.4) * c;
      double g = uniform(0.003, 0.01);
      f = [=](double t) { return u0 * std::exp(g * t); };
      break;
    }
    case 2: {  // saturating
      double l = uniform(0.9, 1.2) * c;
      double u0 = uniform(0.2, 0.5) * c;
      double tau = uniform(100, 300);
      f = [=](double t) { return l - (l - u0) * std::exp(-t / tau); };
      break;
    }
    case 3: {  // weekly cycle
      double u0 = uniform(0.2, 0.6) * c;
      double r = uniform(0.0005, 0.005) * c;
      double a = uniform(0.01, 0.03) * c;
      double phase = uniform(0, 2 * M_PI);
      f = [=](double t) { return u0 + r * t + a * std::sin(2 * M_PI * t / 7 + phase); };
      break;
    }
    case 4: {  // step down
      double u0 = uniform(0.4, 0.7) * c;
      double r = uniform(0.0005, 0.005) * c;
      double d = uniform(0.15, 0.3) * c;
      double step_day = std::floor(uniform(20, 46));
      f = [=](double t) { return u0 + r * t - (t >= step_day ? d : 0.0); };
      break;
    }
    case 5: {  // single outlier
      double u0 = uniform(0.2, 0.6) * c;
      double r = uniform(0.0005, 0.005) * c;
      outlier_day = std::uniform_int_distribution<int>(0, kSeenDays - 1)(rng);
      outlier_shift = (uniform(0, 1) < 0.5 ? -1 : 1) * uniform(0.1, 0.3) * c;
      f = [=](double t) { return u0 + r * t; };
      break;
    }
    default: {  // flat
      double u0 = uniform(0.3, 0.7) * c;
      f = [=](double) { return u0; };
      break;
    }
  }
  Series s;
  std::normal_distribution<double> noise(0.0, sigma);
  for (int t = 0; t < kSeenDays; ++t) {
    double used = f(t) + noise(rng);
    if (t == outlier_day) used += outlier_shift;
    used = std::max(used, 0.0);
    s.days.push_back({kFirstDay + t, used, c});
  }
  double last = kSeenDays - 1;
  double level = kThresholdShare * c;
  if (f(last) >= level) {
    s.truth_days = 0.0;
  } else {
    for (double d = 1; d <= kHorizonDays; d += 1) {
      if (f(last + d) >= level) {
        double lo = d - 1;
        double hi = d;
        for (int i = 0; i < 50; ++i) {
          double mid = (lo + hi) / 2;
          (f(last + mid) >= level ? hi : lo) = mid;
        }
        s.truth_days = hi;
        break;
      }
    }
  }
  return s;
}

double RelativeError(std::optional<double> forecast, std::optional<double> truth) {
  if (forecast && *forecast > kHorizonDays) forecast.reset();
  if (!forecast && !truth) return 0.0;
  if (!forecast || !truth) return 1.0;
  return std::fabs(*forecast - *truth) / std::max(*truth, 7.0);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool verbose = false;
  uint32_t first_seed = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--verbose") == 0) {
      verbose = true;
    } else if (std::strcmp(argv[i], "--first-seed") == 0 && i + 1 < argc) {
      first_seed = static_cast<uint32_t>(std::strtoul(argv[++i], nullptr, 10));
    } else {
      std::fprintf(stderr, "usage: forecast_quality [--verbose] [--first-seed N]\n");
      return 2;
    }
  }
  const char* names[] = {"linear",    "accelerating",   "saturating", "weekly cycle",
                         "step down", "single outlier", "flat"};
  fc::Options options;
  options.threshold_pct = kThresholdShare * 100;
  options.horizon_days = kHorizonDays;
  bool met = true;
  double forecast_seconds = 0;  // CPU-bound wall time of ForecastCapacity alone
  int forecasts = 0;
  int covered_total = 0;
  int truths_total = 0;
  std::printf(
      "| kind | ours: median rel. error | zabbix linear: median rel. error | "
      "80%% interval coverage | target |\n|---|---|---|---|---|\n");
  for (int kind = 0; kind < 7; ++kind) {
    std::vector<double> ours;
    std::vector<double> zabbix;
    int covered = 0;
    int truths = 0;
    for (uint32_t seed = first_seed; seed < first_seed + kSeeds; ++seed) {
      Series s = Generate(kind, seed);
      auto started = std::chrono::steady_clock::now();
      fc::SeriesForecast f = fc::ForecastCapacity(s.days, options);
      forecast_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      ++forecasts;
      std::optional<double> point;
      std::optional<double> lower;
      std::optional<double> upper;
      if (f.ok && !f.crossings.empty()) {
        point = f.crossings[0].days;
        lower = f.crossings[0].lower_days;
        upper = f.crossings[0].upper_days;
      }
      std::vector<fc::Sample> samples;
      for (const fc::UsageDay& d : s.days) samples.push_back({d.day, *d.used_bytes});
      std::optional<double> z =
          fc::ZabbixLinearTimeleft(samples, kThresholdShare * *s.days.back().capacity_bytes);
      ours.push_back(RelativeError(point, s.truth_days));
      zabbix.push_back(RelativeError(z, s.truth_days));
      if (s.truth_days) {
        ++truths;
        bool in = lower && *lower <= *s.truth_days && (!upper || *s.truth_days <= *upper);
        covered += in ? 1 : 0;
      }
      if (verbose) {
        auto show = [](std::optional<double> v) { return v ? *v : -1.0; };
        std::fprintf(stderr,
                     "%-14s seed %2u fit %-12s truth %7.1f ours %7.1f [%7.1f, %7.1f] zabbix %7.1f "
                     "%s\n",
                     names[kind], seed, f.ok ? std::string(fc::FitName(f.model.kind)).c_str() : "-",
                     show(s.truth_days), show(point), show(lower), show(upper), show(z),
                     f.reason.c_str());
      }
    }
    double our_median = Median(ours);
    double zabbix_median = Median(zabbix);
    bool kind_met = zabbix_median > 0.05 ? our_median <= 0.5 * zabbix_median
                                         : our_median <= zabbix_median + 0.005;
    met = met && kind_met;
    covered_total += covered;
    truths_total += truths;
    char coverage[32];
    if (truths > 0) {
      std::snprintf(coverage, sizeof coverage, "%.0f%% (%d/%d)", 100.0 * covered / truths, covered,
                    truths);
    } else {
      std::snprintf(coverage, sizeof coverage, "n/a");
    }
    std::printf("| %s | %.1f%% | %.1f%% | %s | %s |\n", names[kind], 100 * our_median,
                100 * zabbix_median, coverage, kind_met ? "met" : "MISSED");
  }
  double overall = truths_total > 0 ? static_cast<double>(covered_total) / truths_total : 0.0;
  bool coverage_met = overall >= 0.75 && overall <= 0.85;
  met = met && coverage_met;
  std::printf("| overall coverage | | | %.0f%% (%d/%d) | %s |\n", 100 * overall, covered_total,
              truths_total, coverage_met ? "met" : "MISSED");
  std::printf("\n%.2f ms per forecast (%d forecasts of %d days, not asserted)\n",
              1e3 * forecast_seconds / std::max(forecasts, 1), forecasts, kSeenDays);
  std::printf("target %s\n", met ? "met" : "MISSED");
  return met ? 0 : 1;
}
