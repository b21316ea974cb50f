#include "factory/responder.h"

#include <gtest/gtest.h>

#include <string>

#include "reports/inquiry_message.h"

namespace periscope::factory {
namespace {

class FixedClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1796126400));  // 2026-12
  }
};

const char* const kStock =
    "# comment\n"
    "product_number,quantity,retailer,delivery_days,answer\n"
    "PS-ADD-2TB,40,Store Ginza,3,\n"
    "\n"
    "PS-A900,1,Store Umeda,21,later\r\n";

std::string Request(const std::string& key, const std::string& product, int quantity) {
  reports::InquiryRequest r;
  r.inquiry_key = key;
  r.product_number = product;
  r.quantity = quantity;
  r.delivery_place = "Tokyo";
  r.requested_by = "Hanako";
  return reports::BuildInquiryXml(r);
}

uint32_t InDays(const Clock& clock, int days) {
  return DateFromDays(DaysFromDate(LocalDate(clock.Now())) + days);
}

TEST(StockFileTest, ParsesItemsSkippingCommentsAndBlankLines) {
  auto stock = ParseStockCsv(kStock, "stock.csv");
  ASSERT_TRUE(stock.ok()) << stock.status().message();
  ASSERT_EQ(stock->size(), 2u);
  EXPECT_EQ((*stock)[0].product_number, "PS-ADD-2TB");
  EXPECT_EQ((*stock)[0].quantity, 40);
  EXPECT_EQ((*stock)[0].retailer, "Store Ginza");
  EXPECT_EQ((*stock)[0].delivery_days, 3);
  EXPECT_FALSE((*stock)[0].answer_later);
  EXPECT_TRUE((*stock)[1].answer_later);
  EXPECT_EQ((*stock)[1].line, 5);
}

TEST(StockFileTest, ErrorsNameFileAndLine) {
  const std::string header = "product_number,quantity,retailer,delivery_days\n";
  struct Case {
    std::string content;
    std::string expected;
  };
  const Case cases[] = {
      {"product,qty\n", "stock.csv:1: header must be"},
      {header + "A,x,R,1\n", "stock.csv:2: field 'quantity': 'x' is not a count"},
      {header + "A,1,R\n", "stock.csv:2: 3 fields, the header has 4"},
      {header + "A,1,,1\n", "stock.csv:2: field 'retailer'"},
      {header + "A,1,R,9999\n", "stock.csv:2: field 'delivery_days'"},
      {header + "A,1,R,1\nA,2,R,1\n",
       "stock.csv:3: field 'product_number': 'A' already listed on line 2"},
      {"product_number,quantity,retailer,delivery_days,answer\nA,1,R,1,soon\n",
       "stock.csv:2: field 'answer': 'soon' is not empty or 'later'"},
      {"# only a comment\n", "stock.csv: no header line"},
  };
  for (const Case& c : cases) {
    auto stock = ParseStockCsv(c.content, "stock.csv");
    ASSERT_FALSE(stock.ok()) << c.content;
    EXPECT_NE(stock.status().message().find(c.expected), std::string::npos)
        << stock.status().message();
  }
}

class ResponderTest : public ::testing::Test {
 protected:
  ResponderTest() : responder_("tokyo-plant", *ParseStockCsv(kStock, "stock.csv"), clock_) {}
  reports::SiteAnswer Ask(const std::string& body) {
    HttpReply reply = responder_.Handle("POST", "/inquiry", body);
    EXPECT_EQ(reply.status_code, 200) << reply.body;
    auto answer = reports::ParseAnswerXml(reply.body, "reply");
    EXPECT_TRUE(answer.ok()) << answer.status().message();
    return answer.ok() ? *answer : reports::SiteAnswer{};
  }
  FixedClock clock_;
  Responder responder_;
};

TEST_F(ResponderTest, AnswersInStockWithRetailerAndDeliveryDate) {
  reports::SiteAnswer a = Ask(Request("INQ-1", "PS-ADD-2TB", 40));
  EXPECT_EQ(a.inquiry_key, "INQ-1");
  EXPECT_EQ(a.site, "tokyo-plant");
  EXPECT_EQ(a.status, reports::AnswerStatus::kAnswered);
  EXPECT_EQ(a.in_stock, true);
  EXPECT_EQ(a.quantity_available, 40);
  EXPECT_EQ(a.retailer, "Store Ginza");
  EXPECT_EQ(a.delivery_date, InDays(clock_, 3));
}

TEST_F(ResponderTest, MoreThanTheStockIsNotInStock) {
  reports::SiteAnswer a = Ask(Request("INQ-2", "PS-ADD-2TB", 41));
  EXPECT_EQ(a.status, reports::AnswerStatus::kAnswered);
  EXPECT_EQ(a.in_stock, false);
}

TEST_F(ResponderTest, UnknownProductIsSaidSo) {
  reports::SiteAnswer a = Ask(Request("INQ-3", "NOPE", 1));
  EXPECT_EQ(a.status, reports::AnswerStatus::kUnknownProduct);
  EXPECT_FALSE(a.in_stock.has_value());
}

TEST_F(ResponderTest, LaterProductIsPendingOncePerInquiry) {
  EXPECT_EQ(Ask(Request("INQ-4", "PS-A900", 1)).status, reports::AnswerStatus::kPending);
  reports::SiteAnswer second = Ask(Request("INQ-4", "PS-A900", 1));
  EXPECT_EQ(second.status, reports::AnswerStatus::kAnswered);
  EXPECT_EQ(second.delivery_date, InDays(clock_, 21));
  EXPECT_EQ(Ask(Request("INQ-5", "PS-A900", 1)).status, reports::AnswerStatus::kPending);
}

TEST_F(ResponderTest, BadRequestsGetErrorsNotAnswers) {
  HttpReply bad = responder_.Handle("POST", "/inquiry", "<inquiry/>");
  EXPECT_EQ(bad.status_code, 400);
  EXPECT_TRUE(reports::ParseErrorXml(bad.body, "error").ok()) << bad.body;
  EXPECT_FALSE(reports::ParseAnswerXml(bad.body, "error").ok());
  HttpReply get = responder_.Handle("GET", "/inquiry", "");
  EXPECT_EQ(get.status_code, 405);
  EXPECT_EQ(get.allow, "POST");
  EXPECT_EQ(responder_.Handle("POST", "/other", "").status_code, 404);
  EXPECT_EQ(
      responder_.Handle("POST", "/inquiry", std::string(kMaxRequestBytes + 1, ' ')).status_code,
      413);
}

}  // namespace
}  // namespace periscope::factory
