// The demo's simulated fleet with months of generated history (documented in
// docs/demo-history.md): each agent serves a daily table whose used bytes and
// load peaks follow one of several growth patterns, ending on `today`, so the
// first poll backfills a history the forecasts and proposals can work on.
#ifndef PERISCOPE_TESTS_SUPPORT_DEMO_FLEET_H_
#define PERISCOPE_TESTS_SUPPORT_DEMO_FLEET_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "tests/support/fleet.h"

namespace periscope::testing {

// The growth patterns, assigned to agents in this order, round robin.
enum class DemoPattern {
  kLinear,        // steady growth: the warning threshold in about 3-4 months
  kAccelerating,  // growth that speeds up (quadratic)
  kSaturating,    // fast at first, levelling off below the threshold
  kWeeklyCycle,   // business days write, weekends do not
  kStepDown,      // data deleted 40 days ago, growing again since
  kFlat,          // no growth: no exhaustion expected
  kNearlyFull,    // already past the warning threshold, still growing
  kLoadGrowing,   // modest capacity use, write load peaks nearing the rated load
};

std::string_view DemoPatternName(DemoPattern pattern);
DemoPattern DemoPatternOf(size_t agent_index);

// `agents` agents of `customers` customers (cust-01...), `days` days of
// history ending on `today` (YYYYMMDD; today's row is partial). Deterministic
// for the same arguments. Every third agent runs an older firmware than the
// sample catalog's latest.
std::vector<SimAgent> MakeDemoFleet(size_t agents, size_t customers, uint32_t days, uint32_t today);

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_SUPPORT_DEMO_FLEET_H_
