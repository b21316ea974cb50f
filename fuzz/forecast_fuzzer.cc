// Fuzzes the forecaster with arbitrary series: up to 400 days, gaps, missing
// values, duplicates, zero or changing capacity, huge and tiny values. Besides
// memory errors it checks that every figure it returns is finite, that a
// crossing lies within the horizon, that an interval holds its point estimate,
// and that the projection is in day order.
#include <cmath>
#include <cstdint>
#include <vector>

#include "fuzz/fuzz_check.h"
#include "fuzz/fuzz_input.h"
#include "reports/forecast.h"

namespace {

using periscope::reports::forecast::Crossing;
using periscope::reports::forecast::SeriesForecast;

void CheckForecast(const SeriesForecast& f, double horizon_days) {
  if (!f.ok) {
    FUZZ_CHECK(!f.reason.empty());
    return;
  }
  FUZZ_CHECK(std::isfinite(f.last_value));
  FUZZ_CHECK(std::isfinite(f.holdout_error));
  for (const Crossing& c : f.crossings) {
    FUZZ_CHECK(std::isfinite(c.level));
    if (c.days) {
      FUZZ_CHECK(std::isfinite(*c.days));
      FUZZ_CHECK(*c.days >= 0 && *c.days <= horizon_days + 1e-6);
    }
    if (c.days && c.lower_days) FUZZ_CHECK(*c.lower_days <= *c.days + 1e-6);
    if (c.days && c.upper_days) FUZZ_CHECK(*c.upper_days >= *c.days - 1e-6);
  }
  double last_day = -1e300;
  for (const auto& p : f.projection) {
    FUZZ_CHECK(std::isfinite(p.day) && std::isfinite(p.value));
    FUZZ_CHECK(std::isfinite(p.lower) && std::isfinite(p.upper));
    FUZZ_CHECK(p.day >= last_day);
    last_day = p.day;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace periscope::reports::forecast;  // NOLINT(google-build-using-namespace)
  periscope::fuzz::FuzzInput in(data, size);
  Options options;
  options.threshold_pct = 1 + in.Byte() % 100;
  options.horizon_days = static_cast<double>(7 + in.Uint(2) % 3654);
  std::vector<UsageDay> usage;
  std::vector<LoadDay> load;
  int64_t day = 20000;
  const size_t n = in.Uint(2) % 401;
  for (size_t i = 0; i < n && !in.empty(); ++i) {
    const uint8_t shape = in.Byte();
    day += shape & 0x03;  // same day again, next day, or a gap
    UsageDay u;
    u.day = day;
    // Values from 0 to 2^48: bytes of a tape library down to an empty disk.
    if (!(shape & 0x04)) u.used_bytes = static_cast<double>(in.Uint(6));
    if (!(shape & 0x08)) u.capacity_bytes = static_cast<double>(in.Uint(6));
    usage.push_back(u);
    LoadDay l;
    l.day = day;
    if (!(shape & 0x10)) l.load_peak = static_cast<double>(in.Uint(3));
    load.push_back(l);
  }
  CheckForecast(ForecastCapacity(usage, options), options.horizon_days);
  const double rated = static_cast<double>(in.Uint(3));
  CheckForecast(ForecastLoad(load, rated, 80, options), options.horizon_days);
  return 0;
}
