// periscope-factory as a process: a real HTTP server on loopback.
#include <gtest/gtest.h>

#include <string>

#include "core/clock.h"
#include "reports/inquiry.h"
#include "reports/inquiry_message.h"
#include "tests/factory/factory_env.h"
#include "tests/support/process.h"

namespace periscope::testing {
namespace {

using reports::AnswerStatus;

std::string RequestXml(const std::string& key, const std::string& product, int64_t quantity) {
  reports::InquiryRequest r;
  r.inquiry_key = key;
  r.product_number = product;
  r.quantity = quantity;
  r.delivery_place = "Tokyo";
  r.requested_by = "Hanako";
  return reports::BuildInquiryXml(r);
}

// The responder's delivery date for `days` days from its today (a run across
// midnight may see either day).
bool IsDeliveryDateIn(uint32_t date, int days) {
  int64_t today = DaysFromDate(LocalDate(std::chrono::system_clock::now()));
  int64_t got = DaysFromDate(date);
  return got == today + days || got == today + days - 1;
}

class FactoryProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto http = reports::MakeCurlHttpClient();
    ASSERT_TRUE(http.ok()) << http.status().message();
    http_ = std::move(*http);
    site_ = StartFactory(dir_, "tokyo-plant");
    ASSERT_FALSE(site_.url.empty()) << site_.process->Log();
    ASSERT_EQ(site_.url.rfind("http://127.0.0.1:", 0), 0u) << site_.url;
  }

  reports::SiteAnswer Ask(const std::string& key, const std::string& product, int64_t quantity) {
    auto response = http_->Post(site_.url, "application/xml", RequestXml(key, product, quantity),
                                std::chrono::seconds(10));
    EXPECT_TRUE(response.ok()) << response.status().message();
    if (!response.ok()) return {};
    EXPECT_EQ(response->status_code, 200) << response->body;
    EXPECT_EQ(response->content_type.rfind("application/xml", 0), 0u);
    auto answer = reports::ParseAnswerXml(response->body, "answer");
    EXPECT_TRUE(answer.ok()) << answer.status().message();
    return answer.ok() ? *answer : reports::SiteAnswer{};
  }

  TempDir dir_;
  std::unique_ptr<reports::HttpClient> http_;
  FactorySite site_;
};

TEST_F(FactoryProcessTest, AnswersInStockNotInStockAndUnknownProduct) {
  reports::SiteAnswer in_stock = Ask("INQ-1", "PS-ADD-2TB", 5);
  EXPECT_EQ(in_stock.status, AnswerStatus::kAnswered);
  EXPECT_EQ(in_stock.site, "tokyo-plant");
  EXPECT_EQ(in_stock.inquiry_key, "INQ-1");
  EXPECT_EQ(in_stock.in_stock, true);
  EXPECT_EQ(in_stock.retailer, "Store Ginza");
  ASSERT_TRUE(in_stock.delivery_date.has_value());
  EXPECT_TRUE(IsDeliveryDateIn(*in_stock.delivery_date, 3)) << *in_stock.delivery_date;

  reports::SiteAnswer short_of = Ask("INQ-2", "PS-ADD-8TB", 3);
  EXPECT_EQ(short_of.status, AnswerStatus::kAnswered);
  EXPECT_EQ(short_of.in_stock, false);
  EXPECT_EQ(short_of.quantity_available, 2);

  reports::SiteAnswer unknown = Ask("INQ-3", "NO-SUCH", 1);
  EXPECT_EQ(unknown.status, AnswerStatus::kUnknownProduct);
}

TEST_F(FactoryProcessTest, LaterProductIsPendingFirstThenAnsweredForTheSameId) {
  EXPECT_EQ(Ask("INQ-9", "PS-A900", 1).status, AnswerStatus::kPending);
  reports::SiteAnswer second = Ask("INQ-9", "PS-A900", 1);
  EXPECT_EQ(second.status, AnswerStatus::kAnswered);
  EXPECT_EQ(second.retailer, "Store Umeda");
}

TEST_F(FactoryProcessTest, RefusesBadXmlWrongMethodAndOversizedBodies) {
  auto bad = http_->Post(site_.url, "application/xml", "<inquiry>", std::chrono::seconds(10));
  ASSERT_TRUE(bad.ok()) << bad.status().message();
  EXPECT_EQ(bad->status_code, 400);
  EXPECT_TRUE(reports::ParseErrorXml(bad->body, "error").ok()) << bad->body;

  auto doctype = http_->Post(
      site_.url, "application/xml",
      "<!DOCTYPE inquiry [<!ENTITY a \"aaaa\">]><inquiry xmlns=\"urn:periscope:inquiry:1\"/>",
      std::chrono::seconds(10));
  ASSERT_TRUE(doctype.ok());
  EXPECT_EQ(doctype->status_code, 400);

  auto big = http_->Post(site_.url, "application/xml", std::string(70 * 1024, 'x'),
                         std::chrono::seconds(10));
  ASSERT_TRUE(big.ok()) << big.status().message();
  EXPECT_EQ(big->status_code, 413);

  CommandResult get =
      RunCommand({"curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", site_.url});
  ASSERT_EQ(get.exit_code, 0) << get.output;
  EXPECT_EQ(get.output, "405");
}

TEST_F(FactoryProcessTest, StopsCleanlyOnSigterm) {
  EXPECT_EQ(site_.process->Stop(SIGTERM), 0) << site_.process->Log();
  EXPECT_NE(site_.process->Log().find("stopped by signal"), std::string::npos);
}

TEST(FactoryStartTest, BadStockFileIsRefusedNamingFileAndLine) {
  TempDir dir;
  std::string stock = dir.File("stock.csv");
  WriteTextFile(stock, "product_number,quantity,retailer,delivery_days\nA,1,R,1\nB,many,R,1\n");
  CommandResult r =
      RunCommand({FactoryBinary(), "--site", "s", "--stock", stock, "--listen", "127.0.0.1:0"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(stock + ":3: field 'quantity'"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("listening"), std::string::npos);
}

TEST(FactoryStartTest, ListensOnIpv6Loopback) {
  TempDir dir;
  FactorySite site = StartFactory(dir, "v6", kFactoryStock, "[::1]:0");
  if (site.url.empty()) GTEST_SKIP() << "no IPv6 loopback here: " << site.process->Log();
  EXPECT_EQ(site.url.rfind("http://[::1]:", 0), 0u) << site.url;
  auto http = reports::MakeCurlHttpClient();
  ASSERT_TRUE(http.ok());
  auto response = (*http)->Post(site.url, "application/xml", RequestXml("INQ-6", "PS-ADD-2TB", 1),
                                std::chrono::seconds(10));
  ASSERT_TRUE(response.ok()) << response.status().message();
  EXPECT_EQ(response->status_code, 200);
}

}  // namespace
}  // namespace periscope::testing
