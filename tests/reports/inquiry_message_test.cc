#include "reports/inquiry_message.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/support/process.h"

namespace periscope::reports {
namespace {

InquiryRequest SampleRequest() {
  InquiryRequest r;
  r.inquiry_key = "INQ-0123456789abcdef";
  r.product_number = "PS-ADD-2TB";
  r.quantity = 3;
  r.delivery_place = "Periscope Store <Tokyo> & Co";
  r.requested_by = "花子 <hanako@v.example>";
  r.customer_reference = "proposal-7";
  return r;
}

SiteAnswer SampleAnswer() {
  SiteAnswer a;
  a.inquiry_key = "INQ-0123456789abcdef";
  a.site = "tokyo-plant";
  a.status = AnswerStatus::kAnswered;
  a.in_stock = true;
  a.quantity_available = 40;
  a.retailer = "Store \"Ginza\" & <Sons>";
  a.delivery_date = 20261205;
  a.message = "from stock";
  return a;
}

const char* const kRequestXml = R"(<?xml version="1.0" encoding="UTF-8"?>
<inquiry xmlns="urn:periscope:inquiry:1" id="INQ-1">
  <product-number>PS-ADD-2TB</product-number>
  <quantity>2</quantity>
  <delivery-place>Tokyo</delivery-place>
  <requested-by>Hanako</requested-by>
</inquiry>
)";

TEST(InquiryMessageTest, RequestRoundTripsWithMarkupInFields) {
  InquiryRequest in = SampleRequest();
  auto out = ParseInquiryXml(BuildInquiryXml(in), "built");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->inquiry_key, in.inquiry_key);
  EXPECT_EQ(out->product_number, in.product_number);
  EXPECT_EQ(out->quantity, in.quantity);
  EXPECT_EQ(out->delivery_place, in.delivery_place);
  EXPECT_EQ(out->requested_by, in.requested_by);
  EXPECT_EQ(out->customer_reference, in.customer_reference);
}

TEST(InquiryMessageTest, AnswerRoundTripsForEveryStatus) {
  SiteAnswer answered = SampleAnswer();
  auto out = ParseAnswerXml(BuildAnswerXml(answered), "built");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(out->status, AnswerStatus::kAnswered);
  EXPECT_EQ(out->in_stock, true);
  EXPECT_EQ(out->quantity_available, 40);
  EXPECT_EQ(out->retailer, answered.retailer);
  EXPECT_EQ(out->delivery_date, 20261205u);
  EXPECT_EQ(out->message, "from stock");
  EXPECT_EQ(out->site, "tokyo-plant");

  for (AnswerStatus status : {AnswerStatus::kPending, AnswerStatus::kUnknownProduct}) {
    SiteAnswer a;
    a.inquiry_key = "INQ-1";
    a.site = "osaka";
    a.status = status;
    a.message = "later";
    ASSERT_TRUE(ValidateAnswer(a).ok());
    auto parsed = ParseAnswerXml(BuildAnswerXml(a), "built");
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    EXPECT_EQ(parsed->status, status);
    EXPECT_FALSE(parsed->in_stock.has_value());
    EXPECT_FALSE(parsed->delivery_date.has_value());
  }
}

TEST(InquiryMessageTest, DocumentedRequestExampleParses) {
  auto r = ParseInquiryXml(kRequestXml, "example");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->inquiry_key, "INQ-1");
  EXPECT_EQ(r->quantity, 2);
  EXPECT_TRUE(r->customer_reference.empty());
}

TEST(InquiryMessageTest, StrictParserRefusesAndNamesTheProblem) {
  std::string base = kRequestXml;
  auto replace = [&](const std::string& from, const std::string& to) {
    std::string s = base;
    size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  struct Case {
    std::string name;
    std::string xml;
    std::string expected;  // part of the message
  };
  const Case cases[] = {
      {"missing quantity", replace("<quantity>2</quantity>", ""), "field 'quantity': missing"},
      {"missing id", replace(" id=\"INQ-1\"", ""), "field 'id': missing"},
      {"empty product", replace("PS-ADD-2TB", ""), "field 'product-number': missing"},
      {"wrong namespace", replace("urn:periscope:inquiry:1", "urn:periscope:inquiry:2"),
       "namespace 'urn:periscope:inquiry:2' is not 'urn:periscope:inquiry:1'"},
      {"no namespace", replace(" xmlns=\"urn:periscope:inquiry:1\"", ""), "has no namespace"},
      {"prefixed root",
       R"(<p:inquiry xmlns:p="urn:periscope:inquiry:1" id="INQ-1"><p:quantity>1</p:quantity></p:inquiry>)",
       "root element is <p:inquiry>"},
      {"zero quantity", replace("<quantity>2</quantity>", "<quantity>0</quantity>"),
       "field 'quantity': '0' is not an integer in 1..1000000"},
      {"oversized place",
       replace("<delivery-place>Tokyo", "<delivery-place>" + std::string(300, 'x')),
       "field 'delivery-place': longer than 255 bytes"},
      {"unknown element", replace("<quantity>", "<price>1</price><quantity>"),
       "unknown element <price>"},
      {"duplicate field",
       replace("<quantity>2</quantity>", "<quantity>2</quantity><quantity>3</quantity>"),
       "field 'quantity' given twice"},
      {"bad id", replace("id=\"INQ-1\"", "id=\"INQ 1/..\""), "field 'id': only letters"},
      {"doctype", replace("<inquiry", "<!DOCTYPE inquiry [<!ENTITY x \"boom\">]>\n<inquiry"),
       "a DOCTYPE is not allowed"},
      {"entity", replace("Tokyo", "&x;"), "entity reference '&x;' is not allowed"},
      {"wrong root", R"(<answer xmlns="urn:periscope:inquiry:1" id="INQ-1"/>)",
       "root element is <answer>, expected <inquiry>"},
  };
  for (const Case& c : cases) {
    auto r = ParseInquiryXml(c.xml, "req.xml");
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos)
        << c.name << ": " << r.status().message();
    EXPECT_EQ(r.status().message().rfind("req.xml", 0), 0u)
        << c.name << ": " << r.status().message();
  }
}

TEST(InquiryMessageTest, WholeMessageOverTheLimitIsRefusedBeforeParsing) {
  std::string big = kRequestXml;
  big.insert(big.find("<quantity>"), "<!-- " + std::string(kMaxInquiryMessageBytes, 'x') + " -->");
  auto r = ParseInquiryXml(big, "big.xml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("over the 16384 byte limit"), std::string::npos)
      << r.status().message();
}

TEST(InquiryMessageTest, AnswerFieldsFollowTheStatus) {
  const std::string head =
      R"(<answer xmlns="urn:periscope:inquiry:1" id="INQ-1" site="osaka" status=")";
  struct Case {
    std::string name;
    std::string xml;
    std::string expected;
  };
  const Case cases[] = {
      {"answered without date",
       head + R"(answered"><in-stock>true</in-stock><retailer>R</retailer></answer>)",
       "field 'delivery-date': missing"},
      {"answered without retailer",
       head +
           R"(answered"><in-stock>true</in-stock><delivery-date>2026-12-01</delivery-date></answer>)",
       "field 'retailer': missing"},
      {"answered without in-stock",
       head +
           R"(answered"><retailer>R</retailer><delivery-date>2026-12-01</delivery-date></answer>)",
       "field 'in-stock': missing"},
      {"pending with a date",
       head + R"(pending"><delivery-date>2026-12-01</delivery-date></answer>)",
       "field 'delivery-date': only allowed with status 'answered'"},
      {"unknown status", head + R"(maybe"/>)", "field 'status': 'maybe' is not answered"},
      {"not a calendar day",
       head +
           R"(answered"><in-stock>true</in-stock><retailer>R</retailer><delivery-date>2026-02-30</delivery-date></answer>)",
       "field 'delivery-date': '2026-02-30' is not a calendar day"},
      {"in-stock yes",
       head +
           R"(answered"><in-stock>yes</in-stock><retailer>R</retailer><delivery-date>2026-12-01</delivery-date></answer>)",
       "field 'in-stock': 'yes' is not true or false"},
      {"site missing", R"(<answer xmlns="urn:periscope:inquiry:1" id="INQ-1" status="pending"/>)",
       "field 'site': missing"},
  };
  for (const Case& c : cases) {
    auto r = ParseAnswerXml(c.xml, "answer.xml");
    ASSERT_FALSE(r.ok()) << c.name;
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos)
        << c.name << ": " << r.status().message();
  }
}

TEST(InquiryMessageTest, ValidateInquiryNamesTheBadField) {
  InquiryRequest r = SampleRequest();
  r.requested_by = "line\nbreak";
  Status s = ValidateInquiry(r);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("'requested-by'"), std::string::npos) << s.message();
  r = SampleRequest();
  r.quantity = kMaxInquiryQuantity + 1;
  EXPECT_NE(ValidateInquiry(r).message().find("'quantity'"), std::string::npos);
  EXPECT_TRUE(ValidateInquiry(SampleRequest()).ok());
}

TEST(InquiryMessageTest, ErrorDocumentCarriesItsMessage) {
  auto m = ParseErrorXml(BuildErrorXml("bad\r\nthing <here>"), "error");
  ASSERT_TRUE(m.ok()) << m.status().message();
  EXPECT_EQ(*m, "bad  thing <here>");
}

TEST(InquiryMessageTest, IsoDatesConvertBothWays) {
  EXPECT_EQ(FormatIsoDate(20260105), "2026-01-05");
  EXPECT_EQ(ParseIsoDate("2026-01-05"), 20260105u);
  EXPECT_FALSE(ParseIsoDate("2026-1-5").has_value());
  EXPECT_FALSE(ParseIsoDate("2026-13-01").has_value());
}

}  // namespace
}  // namespace periscope::reports

namespace periscope::reports {
namespace {

// Every XML example in docs/inquiry.md is a valid document of its kind.
TEST(InquiryMessageTest, EveryExampleInTheSchemaDocumentParses) {
  std::string doc =
      periscope::testing::ReadTextFile(std::string(PERISCOPE_SOURCE_DIR) + "/docs/inquiry.md");
  ASSERT_FALSE(doc.empty());
  int examples = 0;
  for (size_t at = doc.find("```xml\n"); at != std::string::npos;
       at = doc.find("```xml\n", at + 1)) {
    size_t start = at + 7;
    size_t end = doc.find("```", start);
    ASSERT_NE(end, std::string::npos);
    std::string xml = doc.substr(start, end - start);
    Status s;
    if (xml.find("<inquiry") != std::string::npos) {
      s = ParseInquiryXml(xml, "example").status();
    } else if (xml.find("<answer") != std::string::npos) {
      s = ParseAnswerXml(xml, "example").status();
    } else {
      s = ParseErrorXml(xml, "example").status();
    }
    EXPECT_TRUE(s.ok()) << s.message() << "\n" << xml;
    ++examples;
  }
  EXPECT_EQ(examples, 5);
}

}  // namespace
}  // namespace periscope::reports
