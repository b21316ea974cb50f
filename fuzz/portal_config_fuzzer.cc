// Fuzzes portal::ParsePortalConfig (etc/periscope-portal.xml). Besides memory
// errors it checks that an accepted config keeps its documented bounds.
#include <cstdint>
#include <string>

#include "fuzz/fuzz_check.h"
#include "portal/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace periscope;  // NOLINT(google-build-using-namespace)
  auto config = portal::ParsePortalConfig(std::string(reinterpret_cast<const char*>(data), size),
                                          "/nonexistent/periscope-portal.xml",
                                          portal::DefaultPortalConfig("/etc", "/var"));
  if (!config.ok()) {
    FUZZ_CHECK(!config.status().message().empty());
    return 0;
  }
  FUZZ_CHECK(config->http.threads >= 1 && config->http.max_connections >= 1);
  FUZZ_CHECK(config->http.max_header_bytes >= 1024 && config->http.max_body_bytes >= 1024);
  FUZZ_CHECK(config->address_limit.burst >= 1 && config->post_limit.refill_per_second > 0);
  FUZZ_CHECK(config->max_failed_signins >= 1 && config->session_ttl_s >= 60);
  FUZZ_CHECK(config->public_url.empty() || config->public_url.rfind("http", 0) == 0);
  return 0;
}
