// A claim's HTML page and its mail body in a real browser: headless Chromium
// (tests/support/browser_check.py) renders both with no console error (a CSP
// violation would be one), no script element, and exactly the table rows the
// claim implies, although every string of it is hostile; screenshots are kept
// under <build>/test-artefacts/. Skipped only when Chromium, chromedriver or
// python3-selenium is missing (a failure in CI, PERISCOPE_REQUIRE_BROWSER=1).
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "claimtool/render.h"
#include "tests/support/process.h"

namespace periscope::claimtool {
namespace {

namespace pt = periscope::testing;

constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kChromedriver = "/usr/bin/chromedriver";
const std::string kHostile = "\"'><script>alert(1)</script></td></tr><tr><td>\x1b[31m\r\nX\xff";

// A claim with one answering and two dead peers, three statistics (one
// flagged) and two refused values, hostile text everywhere.
store::ClaimRecord HostileClaim() {
  store::ClaimRecord c;
  c.id = 7;
  c.created_at = 1796280000;
  c.customer_user_id = "cust-" + kHostile;
  c.device_kind = "printer";
  c.model = "CPY-6000" + kHostile;
  c.category = "image-quality";
  c.category_title = "Image quality " + kHostile;
  c.symptom = "faint " + kHostile;
  c.in_charge_name = "Desk " + kHostile;
  c.in_charge_email = "copier-service@vendor.example";
  c.deadline_ms = 10000;
  c.elapsed_ms = 2100;
  for (int i = 0; i < 4; ++i) {
    store::ClaimDeviceRecord d;
    d.device_id = i + 1;
    d.role = i == 0 ? "claimed" : "peer";
    d.serial_number = "SN" + std::to_string(i) + kHostile;
    d.endpoint = "127.0.0.1:161";
    d.answered = i < 2;
    if (!d.answered) {
      d.error_class = "timeout";
      d.error = "no answer " + kHostile;
    }
    c.devices.push_back(d);
  }
  for (int i = 0; i < 2; ++i) {
    store::ClaimValueRecord v;
    v.device_id = 2;
    v.item = "density" + kHostile;
    v.problem = "expected a number " + kHostile;
    c.values.push_back(v);
  }
  for (int i = 0; i < 3; ++i) {
    store::ClaimStatRecord s;
    s.item = "item-" + std::to_string(i);
    s.measure = "value";
    s.label = "Label " + kHostile;
    s.unit = "u" + kHostile;
    s.claimed_number = 10.0 * i;
    s.n = 5;
    s.mean = 3.0;
    s.sd = 1.0;
    s.z = 2.5;
    s.meaningful = true;
    s.flagged = i == 0;
    c.stats.push_back(s);
  }
  return c;
}

bool Must() {
  const char* required = std::getenv("PERISCOPE_REQUIRE_BROWSER");
  return required != nullptr && std::string(required) == "1";
}

TEST(ClaimBrowserTest, PageAndMailRenderEveryRowWithoutConsoleErrors) {
  for (const char* tool : {kPython, kChromium, kChromedriver}) {
    if (::access(tool, X_OK) != 0) {
      if (Must()) FAIL() << tool << " is not installed (scripts/setup.sh)";
      GTEST_SKIP() << tool << " is not installed (scripts/setup.sh)";
    }
  }
  if (pt::RunCommand({kPython, "-c", "import selenium"}).exit_code != 0) {
    if (Must()) FAIL() << "python3-selenium is not installed (scripts/setup.sh)";
    GTEST_SKIP() << "python3-selenium is not installed (scripts/setup.sh)";
  }
  const store::ClaimRecord claim = HostileClaim();
  // Statistics (header + 3), did not answer (header + 2), refused (header + 2).
  const size_t rows = (1 + 3) + (1 + 2) + (1 + 2);
  pt::TempDir dir;
  const std::string artefacts = pt::BinaryDir() + "/test-artefacts";
  std::filesystem::create_directories(artefacts);
  pt::WriteTextFile(dir.File("claim.html"), RenderClaimHtml(claim));
  pt::WriteTextFile(dir.File("claim-mail.html"), RenderClaimMail(claim).html);
  std::vector<std::string> argv = {kPython, pt::SourceDir() + "/tests/support/browser_check.py",
                                   "--timeout", "20"};
  for (const char* name : {"claim", "claim-mail"}) {
    const std::string shot = artefacts + "/" + name + ".png";
    std::filesystem::remove(shot);
    argv.insert(argv.end(),
                {"--page", dir.File(std::string(name) + ".html"), shot, std::to_string(rows), "0"});
  }
  pt::Process check(argv, dir.File("browser_check.log"));
  const int exit_code = check.Wait(std::chrono::seconds(60));
  const std::string log = check.Log();
  std::cout << log;
  EXPECT_EQ(exit_code, 0) << log;
  for (const char* name : {"claim", "claim-mail"}) {
    EXPECT_NE(log.find(std::string("browser_check: ok ") + dir.File(std::string(name) + ".html")),
              std::string::npos)
        << log;
    EXPECT_TRUE(std::filesystem::exists(artefacts + "/" + name + ".png"));
  }
}

}  // namespace
}  // namespace periscope::claimtool
