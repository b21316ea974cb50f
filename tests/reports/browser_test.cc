// The report pages in a real browser: headless Chromium renders the customer
// page, the fleet page and the mail's HTML body with no console error (a CSP
// violation or a failed load would be one), every chart present and visible,
// and the table rows the model implies; a screenshot of each is kept under
// <build>/test-artefacts/. Skipped only when Chromium, chromedriver or
// python3-selenium is missing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "reports/mail_body.h"
#include "reports/report_html.h"
#include "tests/reports/report_fixture.h"
#include "tests/support/process.h"

namespace periscope::reports {
namespace {

namespace pt = periscope::testing;

constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kChromedriver = "/usr/bin/chromedriver";

struct PageSpec {
  std::string name;
  std::string html;
  size_t rows = 0;
  size_t charts = 0;
};

std::vector<PageSpec> Pages() {
  std::vector<PageSpec> pages;
  CustomerReport customer = testing::MakeCustomerReport(/*hostile=*/true);
  size_t rows = 0;
  for (const DeviceView& d : customer.devices) rows += 1 + 8 + 1 + d.history.size();
  rows += 1 + customer.proposals.size();
  for (const ProposalView& p : customer.proposals) {
    if (!p.answers.empty()) rows += 1 + p.answers.size();
  }
  // A capacity chart per device, a load chart where the rated load is known.
  pages.push_back({"customer", RenderCustomerHtml(customer), rows, 3});

  FleetReport fleet = testing::MakeFleetReport(/*hostile=*/true);
  pages.push_back({"fleet", RenderFleetHtml(fleet), 1 + fleet.rows.size(), 0});

  ProposalMailInput input;
  input.to = *customer.sales;
  input.today = customer.today;
  input.data_note = customer.data_note;
  for (const ProposalView& p : customer.proposals) {
    input.items.push_back({customer.user_id, customer.name, p, p.id == 12});
  }
  pages.push_back({"mail", RenderProposalMail(input).html, 1 + input.items.size(), 0});

  ReportIndex index;
  index.customers = {{"cust-01", customer.user_id + " " + customer.name}};
  index.sales = {{"sales_40vendor.example", "Hanako <sales@vendor.example>"}};
  index.generated_at = customer.generated_at;
  index.data_note = customer.data_note;
  pages.push_back({"index", RenderIndexHtml(index), 0, 0});
  return pages;
}

// One browser session checks every page (starting Chromium is the slow part).
class BrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // CI sets PERISCOPE_REQUIRE_BROWSER=1: there a missing browser is a failure.
    const char* required = std::getenv("PERISCOPE_REQUIRE_BROWSER");
    const bool must = required != nullptr && std::string(required) == "1";
    for (const char* tool : {kPython, kChromium, kChromedriver}) {
      if (::access(tool, X_OK) != 0) {
        if (must) FAIL() << tool << " is not installed (scripts/setup.sh)";
        GTEST_SKIP() << tool << " is not installed (scripts/setup.sh)";
      }
    }
    if (pt::RunCommand({kPython, "-c", "import selenium"}).exit_code != 0) {
      if (must) FAIL() << "python3-selenium is not installed (scripts/setup.sh)";
      GTEST_SKIP() << "python3-selenium is not installed (scripts/setup.sh)";
    }
    if (!ran_) RunOnce();
  }

  static void RunOnce() {
    ran_ = true;
    static pt::TempDir dir;
    std::string artefacts = pt::BinaryDir() + "/test-artefacts";
    std::filesystem::create_directories(artefacts);
    std::vector<std::string> argv = {kPython, pt::SourceDir() + "/tests/support/browser_check.py",
                                     "--timeout", "20"};
    for (const PageSpec& page : Pages()) {
      std::string path = dir.File(page.name + ".html");
      pt::WriteTextFile(path, page.html);
      std::string screenshot = artefacts + "/report-" + page.name + ".png";
      std::filesystem::remove(screenshot);
      argv.insert(argv.end(), {"--page", path, screenshot, std::to_string(page.rows),
                               std::to_string(page.charts)});
    }
    pt::Process check(argv, dir.File("browser_check.log"));
    exit_code_ = check.Wait(std::chrono::seconds(60));
    log_ = check.Log();
    std::cout << log_;
  }

  // Expects exactly one verdict line for the page, "ok", and its screenshot.
  void ExpectPageOk(const std::string& name) {
    std::string page = "/" + name + ".html: ";
    std::vector<std::string> verdicts;
    size_t start = 0;
    while (start < log_.size()) {
      size_t end = log_.find('\n', start);
      if (end == std::string::npos) end = log_.size();
      std::string line = log_.substr(start, end - start);
      if (line.find(page) != std::string::npos) verdicts.push_back(line);
      start = end + 1;
    }
    ASSERT_EQ(verdicts.size(), 1u) << log_;
    EXPECT_EQ(verdicts[0].rfind("browser_check: ok ", 0), 0u) << log_;
    std::string screenshot = pt::BinaryDir() + "/test-artefacts/report-" + name + ".png";
    EXPECT_TRUE(std::filesystem::exists(screenshot)) << log_;
    std::cout << "screenshot: " << screenshot << "\n";
  }

  static inline bool ran_ = false;
  static inline int exit_code_ = -1;
  static inline std::string log_;
};

// One test for all pages: ctest runs each test in its own process, and one
// browser start is most of the time.
TEST_F(BrowserTest, CustomerFleetMailAndIndexPagesRenderChartsAndRowsWithoutConsoleErrors) {
  for (const char* name : {"customer", "fleet", "mail", "index"}) {
    SCOPED_TRACE(name);
    ExpectPageOk(name);
  }
  EXPECT_EQ(exit_code_, 0) << log_;
}

}  // namespace
}  // namespace periscope::reports
