#include "bench/bench_history.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace periscope::bench {

subagent::SubagentConfig ParseBenchConfig(const std::string& xml) {
  auto config = subagent::ParseSubagentConfig(xml, "bench-config");
  if (!config.ok()) {
    std::fprintf(stderr, "bench config: %s\n", config.status().message().c_str());
    std::abort();
  }
  return std::move(config).value();
}

void FillHistory(subagent::Sampler* sampler, const subagent::SubagentConfig& config, int days,
                 std::chrono::system_clock::time_point last) {
  const auto interval = std::chrono::seconds(config.sampling_interval_s);
  for (int day = days - 1; day >= 0; --day) {
    auto end = last - std::chrono::hours(24 * day);
    for (int s = 2; s >= 0; --s) sampler->Sample(end - s * interval);
  }
}

}  // namespace periscope::bench
