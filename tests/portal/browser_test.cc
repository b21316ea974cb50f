// The portal in a real browser: headless Chromium (tests/support/
// portal_browser.py) signs in through the form, sees the products page with
// its charts, proposals and offers, sends a contact request about an offer,
// updates the registered information, switches to Japanese and signs out,
// with no console error on any page (a CSP violation would be one).
// Screenshots are kept under <build>/test-artefacts/portal/. Then the sales
// person's mailbox holds exactly the two mails, with what the customer
// entered and what is registered about them. Skipped only when Chromium,
// chromedriver or python3-selenium is missing (a failure when
// PERISCOPE_REQUIRE_BROWSER=1, as in CI).
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/portal_env.h"

namespace periscope::testing {
namespace {

constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kChromedriver = "/usr/bin/chromedriver";

class PortalBrowserTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* required = std::getenv("PERISCOPE_REQUIRE_BROWSER");
    const bool must = required != nullptr && std::string(required) == "1";
    for (const char* tool : {kPython, kChromium, kChromedriver}) {
      if (::access(tool, X_OK) != 0) {
        if (must) FAIL() << tool << " is not installed (scripts/setup.sh)";
        GTEST_SKIP() << tool << " is not installed (scripts/setup.sh)";
      }
    }
    if (RunCommand({kPython, "-c", "import selenium"}).exit_code != 0) {
      if (must) FAIL() << "python3-selenium is not installed (scripts/setup.sh)";
      GTEST_SKIP() << "python3-selenium is not installed (scripts/setup.sh)";
    }
    ASSERT_TRUE(env_.Start()) << env_.error();
  }

  PortalEnv env_;
};

// The lines of `log` starting with `prefix`.
std::vector<std::string> LinesStartingWith(const std::string& log, const std::string& prefix) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < log.size()) {
    size_t end = log.find('\n', start);
    if (end == std::string::npos) end = log.size();
    std::string line = log.substr(start, end - start);
    if (line.rfind(prefix, 0) == 0) out.push_back(line);
    start = end + 1;
  }
  return out;
}

TEST_F(PortalBrowserTest, ACustomerSignsInSeesProductsAsksForContactUpdatesInfoAndSignsOut) {
  const nlohmann::json contact = {{"contact_name", "Ichiro Suzuki (IT)"},
                                  {"phone", "+81 3-1111-0009"},
                                  {"email", "ichiro@cust-01.example"},
                                  {"preferred_time", "Tuesday 10:00-12:00"},
                                  {"message", "Please quote this for our Osaka site."}};
  const nlohmann::json account = {{"contact_person", "Keiko Suzuki"},
                                  {"address", "3-3-3 Otemachi, Chiyoda, Tokyo"},
                                  {"phone", "03-2222-0001"},
                                  {"email", "it@cust-01.example"}};
  const std::string shots = BinaryDir() + "/test-artefacts/portal";
  std::filesystem::remove_all(shots);
  std::filesystem::create_directories(shots);
  Process browser({kPython, SourceDir() + "/tests/support/portal_browser.py", "--url", env_.url(),
                   "--user", "cust-01", "--password", kPortalPassword, "--screenshots", shots,
                   "--contact", contact.dump(), "--account", account.dump(), "--timeout", "15"},
                  env_.dir().File("browser.log"));
  const int exit_code = browser.Wait(std::chrono::seconds(90));
  const std::string log = browser.Log();
  std::cout << log;
  EXPECT_EQ(exit_code, 0) << log << "\nportal log:\n" << env_.PortalLog();
  for (const char* step : {"signin", "products", "contact", "account", "japanese", "signout"}) {
    EXPECT_EQ(LinesStartingWith(log, std::string("portal_browser: ok ") + step + ":").size(), 1U)
        << step;
  }
  EXPECT_EQ(LinesStartingWith(log, "portal_browser: FAIL").size(), 0U);
  size_t screenshots = 0;
  for (const auto& entry : std::filesystem::directory_iterator(shots)) {
    if (entry.path().extension() == ".png") ++screenshots;
  }
  EXPECT_GE(screenshots, 6U);
  std::cout << "screenshots: " << shots << "\n";

  // What the browser did is in the store.
  auto requests = env_.Query(
      "SELECT r.id, r.product_number, r.product_name, r.contact_name, r.sales_email "
      "FROM contact_requests r JOIN customers c ON c.id = r.customer_id");
  ASSERT_EQ(requests.size(), 1U);
  const std::string product_number = requests[0][1];
  const std::string product_name = requests[0][2];
  EXPECT_EQ(requests[0][3], contact["contact_name"]);
  EXPECT_EQ(requests[0][4], kPortalSales1);
  std::smatch sent;
  ASSERT_TRUE(
      std::regex_search(log, sent, std::regex("portal_browser: sent (\\d+) product (\\S+)")))
      << log;
  EXPECT_EQ(sent[1].str(), requests[0][0]);
  EXPECT_EQ(sent[2].str(), product_number);
  EXPECT_EQ(env_.Count("customer_changes"), 3);  // contact person, address, phone

  // The sales person got the two mails; nobody else got anything.
  ASSERT_TRUE(WaitFor([&] { return env_.smtp().ReceivedCount() >= 2; }, std::chrono::seconds(15)))
      << env_.PortalLog();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  std::vector<ReceivedMail> mails = env_.Mails();
  ASSERT_EQ(mails.size(), 2U);
  for (const ReceivedMail& m : mails) {
    EXPECT_EQ(m.rcpt_to, std::vector<std::string>{kPortalSales1});
    EXPECT_EQ(m.mail_from, "portal@vendor.example");
  }
  // Told apart by the message the customer wrote.
  const bool first_is_contact =
      UnfoldMail(mails[0].data).find(contact["message"].get<std::string>()) != std::string::npos;
  const std::string contact_mail = UnfoldMail(mails[first_is_contact ? 0 : 1].data);
  const std::string update_mail = UnfoldMail(mails[first_is_contact ? 1 : 0].data);
  // The contact mail: the registered data, the product, what was entered.
  for (const std::string& expected :
       {std::string("cust-01"), std::string("Acme Storage KK"), std::string("Ichiro Suzuki"),
        std::string("it@cust-01.example"), std::string("03-1111-0001"), product_number,
        product_name, contact["contact_name"].get<std::string>(),
        contact["phone"].get<std::string>(), contact["email"].get<std::string>(),
        contact["preferred_time"].get<std::string>(), contact["message"].get<std::string>()}) {
    EXPECT_NE(contact_mail.find(expected), std::string::npos) << "contact mail lacks " << expected;
  }
  EXPECT_NE(MailHeaders(contact_mail).find("Reply-To: "), std::string::npos);
  // The update mail: each changed field's old and new value.
  for (const std::string& expected :
       {std::string("cust-01"), std::string("Ichiro Suzuki"), std::string("Keiko Suzuki"),
        std::string("1-1-1 Marunouchi"), std::string("3-3-3 Otemachi, Chiyoda, Tokyo"),
        std::string("03-1111-0001"), std::string("03-2222-0001")}) {
    EXPECT_NE(update_mail.find(expected), std::string::npos) << "update mail lacks " << expected;
  }
}

}  // namespace
}  // namespace periscope::testing
