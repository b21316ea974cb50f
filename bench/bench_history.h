// Steady-state sampler history for the benchmarks.
//
// A freshly started subagent has no daily history; after a month in service
// it holds the full retention window (today plus retention-days - 1 completed
// days per device), which makes the state file, the snapshots and the daily
// table several times larger. The benchmarks measure that steady state.
#ifndef PERISCOPE_BENCH_BENCH_HISTORY_H_
#define PERISCOPE_BENCH_BENCH_HISTORY_H_

#include <chrono>
#include <string>

#include "subagent/config.h"
#include "subagent/sampler.h"

namespace periscope::bench {

// Parses `xml` with the subagent's own config parser; aborts with a message
// on error (benchmark set-up, never expected to fail).
subagent::SubagentConfig ParseBenchConfig(const std::string& xml);

// Feeds `sampler` three samples, one sampling interval apart, on each of the
// `days` local days ending with the day of `last`; the final sample is taken at
// `last`. Afterwards each device holds days - 1 completed days of history
// (fewer when `days` exceeds the retention) plus `last`'s day, as long as no
// three-sample burst straddles midnight.
void FillHistory(subagent::Sampler* sampler, const subagent::SubagentConfig& config, int days,
                 std::chrono::system_clock::time_point last);

}  // namespace periscope::bench

#endif  // PERISCOPE_BENCH_BENCH_HISTORY_H_
