// Fuzzes subagent::ParseSubagentConfig (the text entry point of
// LoadSubagentConfig) and, for a valid config, DescribeConfig.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.h"
#include "subagent/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace periscope;  // NOLINT(google-build-using-namespace)
  std::string content(reinterpret_cast<const char*>(data), size);
  auto config = subagent::ParseSubagentConfig(std::move(content), "fuzz.xml");
  if (!config.ok()) {
    FUZZ_CHECK(!config.status().message().empty());
    return 0;
  }
  for (size_t i = 0; i < config->devices.size(); ++i) {
    const subagent::DeviceConfig& d = config->devices[i];
    FUZZ_CHECK(d.index >= 1);
    if (i > 0) FUZZ_CHECK(config->devices[i - 1].index < d.index);
    for (size_t j = 1; j < d.items.size(); ++j) FUZZ_CHECK(d.items[j - 1].name < d.items[j].name);
  }
  FUZZ_CHECK(!subagent::DescribeConfig(*config).empty());
  return 0;
}
