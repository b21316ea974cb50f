// Fuzzes Sampler::RestoreState, the parser of the subagent's state file.
//
// The file ends in an FNV-1a checksum line, which random bytes would never
// match, so the first input byte chooses: bit 0 set: the rest is a body and
// the harness appends its correct "checksum" line (reaching the record
// parser); bit 1 also set: the magic line is prepended too. Otherwise the
// rest is the whole file. Checked: a failed restore changes nothing, and a
// restored state written back restores to the same text.
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "fuzz/fuzz_check.h"
#include "subagent/sampler.h"

namespace periscope {
namespace {

const subagent::SubagentConfig& Config() {
  static const subagent::SubagentConfig* config = [] {
    auto* c = new subagent::SubagentConfig;
    c->sampling_interval_s = 10;
    c->daily_retention_days = 35;
    subagent::DeviceConfig a;
    a.index = 1;
    a.serial_number = "SN1";
    subagent::DeviceConfig b;
    b.index = 2;
    b.serial_number = "";
    subagent::DeviceConfig d;
    d.index = 4294967295u;
    d.serial_number = "\xe6\x97\xa5-9";
    c->devices = {a, b, d};
    return c;
  }();
  return *config;
}

}  // namespace
}  // namespace periscope

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace periscope;  // NOLINT(google-build-using-namespace)
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string content(reinterpret_cast<const char*>(data + 1), size - 1);
  if ((mode & 1) != 0) {
    if ((mode & 2) != 0) content = "periscope-subagent-state 1\n" + content;
    content += fmt::format("checksum {:016x}\n", subagent::StateChecksum(content));
  }
  subagent::Sampler sampler(Config(), nullptr);  // RestoreState never probes
  const std::string before = sampler.SerializeState();
  Status s = sampler.RestoreState(content);
  const std::string after = sampler.SerializeState();
  if (!s.ok()) {
    FUZZ_CHECK(after == before);
    return 0;
  }
  subagent::Sampler again(Config(), nullptr);
  FUZZ_CHECK(again.RestoreState(after).ok());
  FUZZ_CHECK(again.SerializeState() == after);
  return 0;
}
