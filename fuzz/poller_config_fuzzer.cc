// Fuzzes poller::ParsePollerConfig (the text entry point of LoadPollerConfig,
// which adds only the file read and the permission check).
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.h"
#include "poller/config.h"
#include "store/db.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace periscope;  // NOLINT(google-build-using-namespace)
  std::string content(reinterpret_cast<const char*>(data), size);
  auto config = poller::ParsePollerConfig(std::move(content), "fuzz.xml");
  if (!config.ok()) {
    FUZZ_CHECK(!config.status().message().empty());
    return 0;
  }
  FUZZ_CHECK(!config->lock_file.empty() || periscope::store::IsPostgresUri(config->database));
  FUZZ_CHECK(config->engine.window >= 1);
  return 0;
}
