#include "tests/support/demo_fleet.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>

#include "core/clock.h"

namespace periscope::testing {
namespace {

struct DemoModel {
  const char* model;
  const char* name;
  int type;
  uint64_t capacity_bytes;
  uint64_t cache_bytes;
  uint64_t load_growing_cache_bytes;  // the cache of this model's load-growing agents
  uint32_t rated_load;                // writes per interval, as in etc/catalog.xml
  const char* latest_firmware;
  const char* old_firmware;
};

// Keep in step with etc/catalog.xml (product numbers, cache sizes, rated load,
// latest firmware). The PSA-4000's load-growing agents have the maximum cache,
// so their proposal is the faster successor, not more cache.
constexpr DemoModel kDemoModels[] = {
    {"PSA-2000", "Periscope Storage Array 2000", 2, 12'000'000'000'000ULL, 8ULL << 30, 8ULL << 30,
     2000, "3.6.2", "3.1.0"},
    {"PSA-4000", "Periscope Storage Array 4000", 2, 48'000'000'000'000ULL, 16ULL << 30,
     128ULL << 30, 6000, "4.2.0", "4.0.3"},
};

// Share of capacity used `t` days after the start of the history (t in
// [0, days)), before noise.
double UsedShare(DemoPattern p, double t, double days) {
  switch (p) {
    case DemoPattern::kLinear:
      return 0.35 + 0.30 * t / days;
    case DemoPattern::kAccelerating:
      return 0.30 + 0.35 * (t / days) * (t / days);
    case DemoPattern::kSaturating:
      return 0.30 + 0.35 * (1.0 - std::exp(-t / (days / 4.0)));
    case DemoPattern::kWeeklyCycle: {
      // Writes only on business days: the level rises in steps of five days.
      double weeks = std::floor(t / 7.0);
      double in_week = std::min(t - weeks * 7.0, 5.0);
      return 0.40 + 0.0022 * (weeks * 5.0 + in_week);
    }
    case DemoPattern::kStepDown:
      return t < days - 40 ? 0.45 + 0.35 * t / (days - 40) : 0.40 + 0.0040 * (t - (days - 40));
    case DemoPattern::kFlat:
      return 0.52;
    case DemoPattern::kNearlyFull:
      return 0.70 + 0.19 * t / days;
    case DemoPattern::kLoadGrowing:
      return 0.25 + 0.05 * t / days;
  }
  return 0.5;
}

// The day's write-load peak as a share of the model's rated load.
double PeakShare(DemoPattern p, double t, double days) {
  if (p == DemoPattern::kLoadGrowing) return 0.45 + 0.40 * t / days;
  if (p == DemoPattern::kWeeklyCycle) return 0.35;
  return 0.25 + 0.05 * t / days;
}

}  // namespace

std::string_view DemoPatternName(DemoPattern pattern) {
  switch (pattern) {
    case DemoPattern::kLinear:
      return "linear";
    case DemoPattern::kAccelerating:
      return "accelerating";
    case DemoPattern::kSaturating:
      return "saturating";
    case DemoPattern::kWeeklyCycle:
      return "weekly-cycle";
    case DemoPattern::kStepDown:
      return "step-down";
    case DemoPattern::kFlat:
      return "flat";
    case DemoPattern::kNearlyFull:
      return "nearly-full";
    case DemoPattern::kLoadGrowing:
      return "load-growing";
  }
  return "?";
}

DemoPattern DemoPatternOf(size_t agent_index) { return static_cast<DemoPattern>(agent_index % 8); }

std::vector<SimAgent> MakeDemoFleet(size_t agents, size_t customers, uint32_t days,
                                    uint32_t today) {
  std::vector<SimAgent> out;
  const int64_t today_days = DaysFromDate(today);
  const double span = std::max<double>(days, 1);
  for (size_t a = 0; a < agents; ++a) {
    SimAgent agent;
    agent.customer = fmt::format("cust-{:02}", a % customers + 1);
    const DemoPattern pattern = DemoPatternOf(a);
    const DemoModel& m = kDemoModels[(a / 8) % std::size(kDemoModels)];
    std::mt19937_64 rng(0x5eed0000 + a);
    std::normal_distribution<double> noise(0.0, 1.0);
    SimDevice d;
    d.index = 1;
    d.type = m.type;
    d.product_name = m.name;
    d.model = m.model;
    d.product_number = fmt::format("{}-PN0", m.model);
    d.serial = fmt::format("DEMO-{:04}", a);
    d.configuration = fmt::format("RAID6, {} pattern", DemoPatternName(pattern));
    d.firmware = a % 3 == 2 ? m.old_firmware : m.latest_firmware;
    d.user_id = agent.customer;
    d.capacity_bytes = m.capacity_bytes;
    d.cache_bytes =
        pattern == DemoPattern::kLoadGrowing ? m.load_growing_cache_bytes : m.cache_bytes;
    d.price = 4'800'000 + static_cast<uint64_t>(a) * 10'000;
    d.sale_date = 20240401;
    d.load_interval_s = 10;
    d.writes = 9'000'000'000ULL + a;
    d.bytes_written = d.writes * 4096;
    for (uint32_t k = 0; k < days; ++k) {
      const double t = k;
      const int64_t day = today_days - static_cast<int64_t>(days - 1 - k);
      double share = UsedShare(pattern, t, span) + 0.002 * noise(rng);
      share = std::clamp(share, 0.0, 1.0);
      double peak = PeakShare(pattern, t, span) * m.rated_load * (1.0 + 0.05 * noise(rng));
      SimDaily y;
      y.date = DateFromDays(day);
      y.used_bytes = static_cast<uint64_t>(share * static_cast<double>(m.capacity_bytes));
      y.load_peak = static_cast<uint32_t>(std::max(peak, 0.0));
      y.load_avg_centi = static_cast<uint32_t>(std::max(peak * 0.4, 0.0) * 100.0);
      y.intervals = k + 1 == days ? 4000 : 8640;
      d.daily.push_back(y);
    }
    if (!d.daily.empty()) {
      d.used_bytes = d.daily.back().used_bytes;
      d.load_peak = d.daily.back().load_peak;
      d.load_avg_centi = d.daily.back().load_avg_centi;
    }
    agent.devices.push_back(std::move(d));
    out.push_back(std::move(agent));
  }
  return out;
}

}  // namespace periscope::testing
