// Fuzzes reports::ParseReportConfig (etc/periscope-report.xml). Besides memory
// errors it checks that an accepted config keeps its documented bounds: a
// threshold in 1..100, site names unique with http(s) URLs, smtp(s) URLs.
#include <cstdint>
#include <set>
#include <string>

#include "fuzz/fuzz_check.h"
#include "reports/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace periscope;  // NOLINT(google-build-using-namespace)
  auto config = reports::ParseReportConfig(
      std::string(reinterpret_cast<const char*>(data), size), "/nonexistent/fuzz.xml",
      reports::DefaultReportConfig("/etc/periscope", "/var/lib/periscope"));
  if (!config.ok()) {
    FUZZ_CHECK(!config.status().message().empty());
    return 0;
  }
  FUZZ_CHECK(config->threshold_pct >= 1 && config->threshold_pct <= 100);
  FUZZ_CHECK(config->mail.max_proposals >= 1);
  FUZZ_CHECK(!config->mail.directory.empty());
  std::set<std::string> names;
  for (const reports::SiteSettings& s : config->sites) {
    FUZZ_CHECK(names.insert(s.name).second);
    FUZZ_CHECK(s.url.rfind("http://", 0) == 0 || s.url.rfind("https://", 0) == 0);
  }
  if (config->mail.smtp) {
    const std::string& url = config->mail.smtp->url;
    FUZZ_CHECK(url.rfind("smtp://", 0) == 0 || url.rfind("smtps://", 0) == 0);
  }
  return 0;
}
