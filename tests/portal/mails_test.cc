#include "portal/mails.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "render/html.h"
#include "tests/portal/page_checks.h"
#include "tests/support/process.h"

namespace periscope::portal {
namespace {

using testing::ExpectHostileEscaped;
using testing::ExpectOnlyOurMarkup;
using testing::kHostile;

constexpr int64_t kNov21At10Utc = 1795255200;
constexpr int64_t kNov24At10Utc = 1795514400;

MailContext Ctx() {
  return MailContext{{"Periscope portal", "portal@vendor.example"},
                     "https://portal.example.com",
                     std::chrono::system_clock::time_point(std::chrono::seconds(kNov21At10Utc))};
}

std::string H(bool hostile, const std::string& plain) { return hostile ? plain + kHostile : plain; }

store::PortalCustomer Customer(bool hostile) {
  store::PortalCustomer c;
  c.customer_id = 1;
  c.user_id = H(hostile, "cust-01");
  c.name = H(hostile, "Acme KK");
  c.contact_person = H(hostile, "Hanako Sato");
  c.email = "it@acme.example";
  c.phone = H(hostile, "+81 3-0000-0000");
  c.address = H(hostile, "1-2-3 Chiyoda\r\nTokyo");
  c.sales_staff_id = 5;
  c.sales_name = H(hostile, "Taro Yamada");
  c.sales_email = "taro@vendor.example";
  return c;
}

store::ContactRequest Request(bool hostile) {
  store::ContactRequest r;
  r.id = 77;
  r.customer_id = 1;
  r.created_at = kNov21At10Utc;
  r.subject_kind = "proposal";
  r.product_number = H(hostile, "PSA-2000-DP4");
  r.product_name = H(hostile, "Drive pack");
  r.proposal_id = 42;
  r.contact_name = H(hostile, "Hanako");
  r.phone = H(hostile, "+81 3-1234-5678");
  r.email = "hanako@cust.example";
  r.preferred_time = H(hostile, "weekday mornings");
  r.message = H(hostile, "Please call about this.\r\nThanks.");
  return r;
}

ContactSubject Subject(bool hostile) {
  ContactSubject s;
  s.kind = "proposal";
  s.product_number = H(hostile, "PSA-2000-DP4");
  s.product_name = H(hostile, "Drive pack");
  s.detail = H(hostile, "Capacity reaches 85% around 2027-02-01");
  s.price_minor_units = 1040000;
  s.currency = "JPY";
  s.proposal_id = 42;
  return s;
}

struct Parsed {
  std::string raw;
  nlohmann::json json;
  std::string text;
  std::string html;
};

// Composes `m` and decodes it with Python's email package (independently of
// our encoder).
Parsed ComposeAndParse(const mail::Message& m) {
  Parsed p;
  auto composed = mail::Compose(m);
  EXPECT_TRUE(composed.ok()) << composed.status().message();
  if (!composed.ok()) return p;
  p.raw = *composed;
  periscope::testing::TempDir dir;
  periscope::testing::WriteTextFile(dir.File("m.eml"), p.raw);
  auto r = periscope::testing::RunCommand(
      {"/usr/bin/python3", periscope::testing::SourceDir() + "/tests/mail/parse_eml.py",
       dir.File("m.eml")});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  p.json = nlohmann::json::parse(r.output, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(p.json.is_discarded()) << r.output;
  if (p.json.is_discarded()) return p;
  EXPECT_EQ(p.json["defects"], nlohmann::json::array());
  if (p.json["text"].is_string()) p.text = p.json["text"];
  if (p.json["html"].is_string()) p.html = p.json["html"];
  return p;
}

std::vector<std::string> HeaderLines(const std::string& raw) {
  std::vector<std::string> lines;
  std::string block = raw.substr(0, raw.find("\r\n\r\n"));
  size_t start = 0;
  while (start <= block.size()) {
    size_t end = block.find("\r\n", start);
    if (end == std::string::npos) end = block.size();
    lines.push_back(block.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

const nlohmann::json kHeadersWithReplyTo = nlohmann::json::parse(
    R"(["From","To","Reply-To","Subject","Date","Message-ID","MIME-Version","Content-Type"])");
const nlohmann::json kHeadersWithoutReplyTo = nlohmann::json::parse(
    R"(["From","To","Subject","Date","Message-ID","MIME-Version","Content-Type"])");

bool Has(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST(MailsTest, ContactMailCarriesRegisteredDataProductAndContactInformation) {
  store::PortalCustomer c = Customer(false);
  mail::Message m = ContactRequestMail(Ctx(), c, Request(false), Subject(false));
  ASSERT_EQ(m.to.size(), 1U);
  EXPECT_EQ(m.to[0].email, "taro@vendor.example");
  EXPECT_EQ(m.to[0].display_name, "Taro Yamada");
  EXPECT_EQ(m.from.email, "portal@vendor.example");
  EXPECT_EQ(m.subject, "Contact request from Acme KK (cust-01): Drive pack (PSA-2000-DP4)");
  Parsed p = ComposeAndParse(m);
  EXPECT_EQ(p.json["headers"], kHeadersWithReplyTo);
  EXPECT_EQ(p.json["subject"], m.subject);
  EXPECT_EQ(p.json["to_addrs"], nlohmann::json::array({"taro@vendor.example"}));
  for (const std::string& part : {p.text, p.html}) {
    // Registered data, product, contact information, request id, portal.
    for (const char* expected : {"cust-01",
                                 "Acme KK",
                                 "Hanako Sato",
                                 "1-2-3 Chiyoda",
                                 "Tokyo",
                                 "+81 3-0000-0000",
                                 "it@acme.example",
                                 "PSA-2000-DP4",
                                 "Drive pack",
                                 "1,040,000 JPY",
                                 "Capacity reaches 85% around 2027-02-01",
                                 "#42",
                                 "Hanako",
                                 "+81 3-1234-5678",
                                 "hanako@cust.example",
                                 "weekday mornings",
                                 "Please call about this.",
                                 "Thanks.",
                                 "Contact request #77",
                                 "2026-11-21 10:00 UTC",
                                 "https://portal.example.com"}) {
      EXPECT_TRUE(Has(part, expected)) << expected << " in\n" << part;
    }
  }
  EXPECT_TRUE(Has(p.text, "  Message:\n    Please call about this.\n    Thanks.\n"));
  EXPECT_TRUE(Has(p.text, "  Address:\n    1-2-3 Chiyoda\n    Tokyo\n"));
  EXPECT_TRUE(Has(p.text, "Customer ID: cust-01\n"));
  ExpectOnlyOurMarkup(p.html);
}

TEST(MailsTest, ReplyToIsTheEnteredAddressOnlyWhenValid) {
  store::ContactRequest r = Request(false);
  mail::Message m = ContactRequestMail(Ctx(), Customer(false), r, Subject(false));
  ASSERT_TRUE(m.reply_to.has_value());
  EXPECT_EQ(m.reply_to->email, "hanako@cust.example");
  EXPECT_EQ(m.reply_to->display_name, "Hanako");
  Parsed p = ComposeAndParse(m);
  EXPECT_TRUE(Has(p.raw, "\r\nReply-To: Hanako <hanako@cust.example>\r\n"));

  for (const char* bad : {"", "not an address", "a@b.example\r\nBcc: victim@example.com",
                          "<x@y.example>", "x@y.example, z@w.example"}) {
    r.email = bad;
    m = ContactRequestMail(Ctx(), Customer(false), r, Subject(false));
    EXPECT_FALSE(m.reply_to.has_value()) << bad;
    p = ComposeAndParse(m);
    EXPECT_EQ(p.json["headers"], kHeadersWithoutReplyTo) << bad;
    for (const std::string& line : HeaderLines(p.raw)) EXPECT_NE(line.rfind("Bcc", 0), 0U);
  }
}

TEST(MailsTest, SubjectWithLineBreaksAddsNoHeader) {
  store::PortalCustomer c = Customer(false);
  c.name = "Acme\r\nBcc: victim@example.com\r\n\r\nbody";
  store::ContactRequest r = Request(false);
  r.contact_name = "Eve\r\nCc: other@example.com";
  ContactSubject s = Subject(false);
  s.product_name = "Pack\nX-Injected: 1";
  Parsed p = ComposeAndParse(ContactRequestMail(Ctx(), c, r, s));
  EXPECT_EQ(p.json["headers"], kHeadersWithReplyTo);
  for (const std::string& line : HeaderLines(p.raw)) {
    EXPECT_NE(line.rfind("Bcc", 0), 0U) << line;
    EXPECT_NE(line.rfind("Cc", 0), 0U) << line;
    EXPECT_NE(line.rfind("X-Injected", 0), 0U) << line;
  }
  std::string subject = p.json["subject"];
  EXPECT_EQ(subject.find('\n'), std::string::npos);
  EXPECT_TRUE(Has(subject, "Bcc: victim@example.com"));  // as text
}

// No raw control, bidi override or invalid byte in a plain-text part.
void ExpectCleanText(const std::string& text) {
  EXPECT_EQ(render::CleanUtf8(text, render::kUnbounded), text);
  for (const char* raw : {"\xE2\x80\xAE", "\x1b", "\r", "\t"}) {
    EXPECT_EQ(text.find(raw), std::string::npos);
  }
  EXPECT_EQ(text.find('\0'), std::string::npos);
}

TEST(MailsTest, HostileValuesStayTextInEveryPart) {
  store::PortalCustomer c = Customer(true);
  store::ContactRequest r = Request(true);
  Parsed contact = ComposeAndParse(ContactRequestMail(Ctx(), c, r, Subject(true)));
  EXPECT_EQ(contact.json["headers"], kHeadersWithReplyTo);
  ExpectOnlyOurMarkup(contact.html);
  // Customer: 6 fields and the sales name is in the header only; request: 5
  // entered fields; subject: 3; the intro repeats name and user id.
  ExpectHostileEscaped(contact.html, 6 + 5 + 3);
  ExpectCleanText(contact.text);
  // A one-line value cannot start a line of the text part.
  for (const char* line_start : {"\nBcc: victim", "\n<script>"}) {
    size_t n = 0;
    for (size_t at = contact.text.find(line_start); at != std::string::npos;
         at = contact.text.find(line_start, at + 1)) {
      ++n;
    }
    EXPECT_LE(n, 2U) << line_start;  // the multi-line message and address only
  }

  store::CustomerChangeSet changes{
      9, {{"contact_person", H(true, "old"), H(true, "new")}, {"address", H(true, "a"), ""}}};
  Parsed update = ComposeAndParse(CustomerUpdateMail(Ctx(), c, changes));
  ExpectOnlyOurMarkup(update.html);
  ExpectHostileEscaped(update.html, 3 + 6);
  ExpectCleanText(update.text);

  Parsed invite = ComposeAndParse(
      InviteMail(Ctx(), c, "https://portal.example.com/invite?token=abc", kNov24At10Utc));
  EXPECT_EQ(invite.json["headers"],
            nlohmann::json::parse(R"(["From","To","Subject","Date","Message-ID","MIME-Version",
                                      "Content-Type","Content-Transfer-Encoding"])"));
  ExpectCleanText(invite.text);
}

TEST(MailsTest, UpdateMailListsEachChangeAndTheDataAfter) {
  store::PortalCustomer after = Customer(false);
  after.contact_person = "Jiro Suzuki";
  after.address = "4-5-6 Minato\nTokyo";
  store::CustomerChangeSet changes{31,
                                   {{"contact_person", "Hanako Sato", "Jiro Suzuki"},
                                    {"address", "1-2-3 Chiyoda\r\nTokyo", "4-5-6 Minato\nTokyo"},
                                    {"phone", "", "+81 3-9999-9999"}}};
  mail::Message m = CustomerUpdateMail(Ctx(), after, changes);
  EXPECT_EQ(m.to[0].email, "taro@vendor.example");
  EXPECT_EQ(m.subject, "Registered information changed by Acme KK (cust-01)");
  Parsed p = ComposeAndParse(m);
  EXPECT_TRUE(Has(p.text, "  Contact person:\n    old: Hanako Sato\n    new: Jiro Suzuki\n"))
      << p.text;
  EXPECT_TRUE(Has(p.text,
                  "  Address:\n    old: 1-2-3 Chiyoda\n          Tokyo\n"
                  "    new: 4-5-6 Minato\n          Tokyo\n"))
      << p.text;
  EXPECT_TRUE(Has(p.text, "  Phone:\n    old: (empty)\n    new: +81 3-9999-9999\n"));
  EXPECT_FALSE(Has(p.text, "  E-mail:\n    old:"));  // unchanged fields are not listed
  size_t data_after = p.text.find("Registered customer data after the change");
  ASSERT_NE(data_after, std::string::npos);
  for (const char* expected :
       {"Customer ID: cust-01", "Company name: Acme KK", "Contact person: Jiro Suzuki",
        "4-5-6 Minato", "E-mail: it@acme.example", "Phone: +81 3-0000-0000"}) {
    EXPECT_NE(p.text.find(expected, data_after), std::string::npos) << expected;
  }
  EXPECT_TRUE(Has(p.text, "change #31"));
  EXPECT_TRUE(Has(p.text, "https://portal.example.com"));
  EXPECT_TRUE(Has(p.html,
                  "<th scope=\"row\">Contact person</th><td>Hanako Sato</td>"
                  "<td>Jiro Suzuki</td>"));
  ExpectOnlyOurMarkup(p.html);
}

TEST(MailsTest, InviteMailGivesTheLinkAndExpiryInEnglishAndJapanese) {
  store::PortalCustomer c = Customer(false);
  const std::string link = "https://portal.example.com/invite?token=0123456789abcdef";
  mail::Message m = InviteMail(Ctx(), c, link, kNov24At10Utc);
  ASSERT_EQ(m.to.size(), 1U);
  EXPECT_EQ(m.to[0].email, "it@acme.example");
  EXPECT_EQ(m.to[0].display_name, "Hanako Sato");
  EXPECT_FALSE(m.reply_to.has_value());
  EXPECT_FALSE(m.html_body.has_value());
  EXPECT_TRUE(Has(m.subject, "choose your password"));
  EXPECT_TRUE(Has(m.subject, "パスワード設定のご案内"));
  Parsed p = ComposeAndParse(m);
  EXPECT_EQ(p.json["subject"], m.subject);
  EXPECT_EQ(periscope::testing::CountOccurrences(p.text, "\n" + link + "\n"), 2U);
  EXPECT_EQ(periscope::testing::CountOccurrences(p.text, "2026-11-24 10:00 UTC"), 2U);
  EXPECT_EQ(periscope::testing::CountOccurrences(p.text, "cust-01"), 2U);
  EXPECT_TRUE(Has(p.text, "Dear Hanako Sato (Acme KK),"));
  EXPECT_TRUE(Has(p.text, "Acme KK Hanako Sato 様"));
  EXPECT_TRUE(Has(p.text, std::string(Tr(Lang::kJa, "Your customer ID")) + ": cust-01"));
}

}  // namespace
}  // namespace periscope::portal
