#include "mail/message.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "tests/support/process.h"

namespace periscope::mail {
namespace {

using periscope::testing::RunCommand;
using periscope::testing::SourceDir;
using periscope::testing::TempDir;
using periscope::testing::WriteTextFile;

std::chrono::system_clock::time_point Nov21At10Utc() {
  return std::chrono::system_clock::time_point(
      std::chrono::seconds(DaysFromDate(20261121) * 86400 + 10 * 3600));
}

Message BasicMessage() {
  Message m;
  m.from = {"Periscope Reports", "reports@periscope.example"};
  m.to = {{"Sales Person", "sales@example.com"}};
  m.subject = "Proposals for ACME";
  m.text_body = "Hello\nThree proposals.\n";
  m.date = Nov21At10Utc();
  return m;
}

// The message as Python's email package (policy.default) decodes it.
nlohmann::json ParseWithPython(const std::string& rfc5322) {
  TempDir dir;
  WriteTextFile(dir.File("m.eml"), rfc5322);
  auto r =
      RunCommand({"/usr/bin/python3", SourceDir() + "/tests/mail/parse_eml.py", dir.File("m.eml")});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return nlohmann::json::parse(r.output, nullptr, /*allow_exceptions=*/false);
}

std::string Unix(std::string s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') continue;
    out += s[i];
  }
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find("\r\n", start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

std::string HeaderBlock(const std::string& text) { return text.substr(0, text.find("\r\n\r\n")); }

TEST(MessageTest, ValidateAddressRefusesControlsAndMalformedAddresses) {
  const std::string too_long = std::string(64, 'a') + "@" + std::string(190, 'b') + ".com";
  const std::string refused[] = {
      "",
      "a\r\nb@example.com",
      "a@example.com\r\nBcc: victim@example.com",
      "a@example.com\n",
      std::string("a\0b@example.com", 15),
      "a\tb@example.com",
      "a b@example.com",
      "example.com",
      "a@@example.com",
      "a@b@example.com",
      too_long,
      std::string(65, 'a') + "@example.com",
      "\"quoted\"@example.com",
      "a@[127.0.0.1]",
      "<a@example.com>",
      "a,b@example.com",
      "\xc3\xa9@example.com",
      ".a@example.com",
      "a.@example.com",
      "a..b@example.com",
      "a@-example.com",
      "a@example..com",
      "a@",
      "@example.com",
  };
  ASSERT_GT(too_long.size(), 254u);
  for (const std::string& address : refused) {
    Status s = ValidateAddress(address);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << "accepted: " << address;
    EXPECT_EQ(s.message().find('\r'), std::string::npos);
    EXPECT_EQ(s.message().find('\n'), std::string::npos);
  }
  for (const char* address : {"a@example.com", "first.last+tag@sub.example.co", "o'neil@x.org",
                              "root@localhost", "A-Z_09@EXAMPLE-1.COM"}) {
    EXPECT_TRUE(ValidateAddress(address).ok())
        << address << ": " << ValidateAddress(address).message();
  }
}

TEST(MessageTest, ComposeRefusesAddressesWithLineBreaks) {
  Message to_bad = BasicMessage();
  to_bad.to.push_back({"", "x@example.com\r\nBcc: victim@example.com"});
  EXPECT_EQ(Compose(to_bad).status().code(), StatusCode::kInvalidArgument);
  Message from_bad = BasicMessage();
  from_bad.from.email = std::string("reports@periscope.example\0", 26);
  EXPECT_EQ(Compose(from_bad).status().code(), StatusCode::kInvalidArgument);
  Message none = BasicMessage();
  none.to.clear();
  EXPECT_EQ(Compose(none).status().code(), StatusCode::kInvalidArgument);
}

TEST(MessageTest, SubjectAndDisplayNameWithCrLfCannotInjectAHeader) {
  Message m = BasicMessage();
  m.subject = "Hello\r\nBcc: victim@example.com\r\n\r\nfake body";
  m.to = {{"Eve\r\nBcc: other@example.com", "sales@example.com"}};
  m.from.display_name = std::string("Rep\0orts\nX-Injected: 1", 22);
  auto text = Compose(m);
  ASSERT_TRUE(text.ok()) << text.status().message();
  for (const std::string& line : Lines(HeaderBlock(*text))) {
    EXPECT_NE(line.rfind("Bcc", 0), 0u) << line;
    EXPECT_NE(line.rfind("X-Injected", 0), 0u) << line;
  }
  EXPECT_EQ(text->find('\0'), std::string::npos);
  nlohmann::json parsed = ParseWithPython(*text);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed["headers"], nlohmann::json::parse(
                                   R"(["From","To","Subject","Date","Message-ID","MIME-Version",
                                       "Content-Type","Content-Transfer-Encoding"])"));
  std::string subject = parsed["subject"];
  EXPECT_EQ(subject.find('\r'), std::string::npos);
  EXPECT_EQ(subject.find('\n'), std::string::npos);
  EXPECT_NE(subject.find("Bcc: victim@example.com"), std::string::npos);  // as text
  EXPECT_EQ(parsed["to_addrs"], nlohmann::json::array({"sales@example.com"}));
  EXPECT_EQ(parsed["defects"], nlohmann::json::array());
}

TEST(MessageTest, NonAsciiSubjectAndDisplayNamesAreEncodedAndRoundTrip) {
  Message m = BasicMessage();
  m.subject =
      "\xe5\xae\xb9\xe9\x87\x8f\xe3\x81\xae\xe6\x8f\x90\xe6\xa1\x88: ACME \xe6\x9d\xb1\xe4\xba\xac "
      "array-1 reaches 85% in 42 days \xe2\x80\x94 \xc3\xa4rger \xc3\xbc"
      "ber \xc3\x9cmlaute and a long tail to force several encoded words";
  m.to = {{"\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e", "yamada@example.com"},
          {"O'Neil, \"Pat\" (Sales)", "pat@example.com"}};
  m.from.display_name = "P\xc3\xa9riscope Reports";
  auto text = Compose(m);
  ASSERT_TRUE(text.ok()) << text.status().message();
  for (char c : *text) ASSERT_LT(static_cast<unsigned char>(c), 0x80u) << "8-bit byte in output";
  std::string headers = HeaderBlock(*text);
  EXPECT_NE(headers.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_GT(std::count(headers.begin(), headers.end(), '?') / 4, 3);  // several words
  nlohmann::json parsed = ParseWithPython(*text);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed["subject"], m.subject);
  EXPECT_EQ(parsed["from_display_name"], m.from.display_name);
  EXPECT_EQ(parsed["from_addr"], "reports@periscope.example");
  EXPECT_EQ(parsed["to_display_names"],
            nlohmann::json::array({m.to[0].display_name, m.to[1].display_name}));
  EXPECT_EQ(parsed["to_addrs"], nlohmann::json::array({"yamada@example.com", "pat@example.com"}));
  EXPECT_EQ(parsed["defects"], nlohmann::json::array());
}

TEST(MessageTest, EveryLineEndsInCrlfIsShortAndSevenBit) {
  Message m = BasicMessage();
  m.text_body = "unix line\nold mac line\rwindows line\r\n" + std::string(5000, 'x') +
                "\n\xe6\x9d\xb1\xe4\xba\xac caf\xc3\xa9 trailing space \n=equals= \ttab\n";
  m.html_body = "<p>" + std::string(3000, 'y') + "</p>\n";
  m.subject = std::string(300, 's');
  auto text = Compose(m);
  ASSERT_TRUE(text.ok()) << text.status().message();
  for (size_t i = 0; i < text->size(); ++i) {
    char c = (*text)[i];
    ASSERT_LT(static_cast<unsigned char>(c), 0x80u);
    if (c == '\n') {
      ASSERT_TRUE(i > 0 && (*text)[i - 1] == '\r') << "bare LF at " << i;
    }
    if (c == '\r') {
      ASSERT_TRUE(i + 1 < text->size() && (*text)[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  ASSERT_EQ(text->substr(text->size() - 2), "\r\n");
  for (const std::string& line : Lines(*text)) EXPECT_LE(line.size(), 78u) << line;
  nlohmann::json parsed = ParseWithPython(*text);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(Unix(parsed["text"]),
            "unix line\nold mac line\nwindows line\n" + std::string(5000, 'x') +
                "\n\xe6\x9d\xb1\xe4\xba\xac caf\xc3\xa9 trailing space \n=equals= \ttab\n");
  EXPECT_EQ(Unix(parsed["html"]), *m.html_body);
  EXPECT_EQ(parsed["subject"], m.subject);
}

TEST(MessageTest, BodyLinesStartingWithADotOrFromSurvive) {
  Message m = BasicMessage();
  m.text_body = "before\n.\nafter\n..double\nFrom here\n";
  auto text = Compose(m);
  ASSERT_TRUE(text.ok());
  for (const std::string& line : Lines(*text)) {
    EXPECT_NE(line.rfind('.', 0), 0u) << line;
    EXPECT_NE(line.rfind("From ", 0), 0u) << line;
  }
  nlohmann::json parsed = ParseWithPython(*text);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(Unix(parsed["text"]), m.text_body);
}

TEST(MessageTest, HtmlBodyMakesAMultipartAlternativeWithBothParts) {
  Message m = BasicMessage();
  m.html_body = "<html><body><p>Three proposals</p></body></html>";
  auto text = Compose(m);
  ASSERT_TRUE(text.ok());
  nlohmann::json parsed = ParseWithPython(*text);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed["content_type"], "multipart/alternative");
  EXPECT_EQ(Unix(parsed["text"]), "Hello\nThree proposals.\n");
  EXPECT_EQ(Unix(parsed["html"]), *m.html_body + "\n");  // bodies end in a line break
  EXPECT_EQ(parsed["defects"], nlohmann::json::array());

  Message plain = BasicMessage();
  auto plain_text = Compose(plain);
  ASSERT_TRUE(plain_text.ok());
  nlohmann::json plain_parsed = ParseWithPython(*plain_text);
  EXPECT_EQ(plain_parsed["content_type"], "text/plain");
  EXPECT_TRUE(plain_parsed["html"].is_null());
}

TEST(MessageTest, DateAndMessageIdHeaders) {
  Message m = BasicMessage();
  m.message_id = "<abc.123@periscope.example>";
  auto text = Compose(m);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("\r\nDate: Sat, 21 Nov 2026 10:00:00 +0000\r\n"), std::string::npos);
  EXPECT_NE(text->find("\r\nMessage-ID: <abc.123@periscope.example>\r\n"), std::string::npos);

  std::string generated = NewMessageId("reports@periscope.example");
  EXPECT_EQ(generated.front(), '<');
  EXPECT_NE(generated.find("@periscope.example>"), std::string::npos);
  EXPECT_NE(generated, NewMessageId("reports@periscope.example"));

  for (const char* bad : {"abc@x", "<abc>", "<a b@x>", "<a@x>\r\nBcc: v@x", "<@x>"}) {
    m.message_id = bad;
    EXPECT_EQ(Compose(m).status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(MessageTest, OversizedBodyAndUnsetDateAreRefused) {
  Message big = BasicMessage();
  big.text_body = std::string(kMaxBodyBytes + 1, 'x');
  EXPECT_EQ(Compose(big).status().code(), StatusCode::kInvalidArgument);
  Message big_html = BasicMessage();
  big_html.html_body = std::string(kMaxBodyBytes + 1, 'x');
  EXPECT_EQ(Compose(big_html).status().code(), StatusCode::kInvalidArgument);
  Message undated = BasicMessage();
  undated.date = {};
  EXPECT_EQ(Compose(undated).status().code(), StatusCode::kInvalidArgument);
}

TEST(MessageTest, ReplyToIsValidatedAndEncodedLikeFrom) {
  Message m = BasicMessage();
  m.reply_to =
      Address{"\xe5\xb1\xb1\xe7\x94\xb0\r\nBcc: victim@example.com", "hanako@cust.example"};
  auto text = Compose(m);
  ASSERT_TRUE(text.ok()) << text.status().message();
  std::string headers = HeaderBlock(*text);
  EXPECT_NE(headers.find("\r\nReply-To: =?UTF-8?B?"), std::string::npos) << headers;
  EXPECT_NE(headers.find("<hanako@cust.example>"), std::string::npos) << headers;
  for (const std::string& line : Lines(headers)) EXPECT_NE(line.rfind("Bcc", 0), 0u) << line;
  nlohmann::json parsed = ParseWithPython(*text);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed["headers"], nlohmann::json::parse(
                                   R"(["From","To","Reply-To","Subject","Date","Message-ID",
                                       "MIME-Version","Content-Type","Content-Transfer-Encoding"])"));
  EXPECT_EQ(parsed["defects"], nlohmann::json::array());

  m.reply_to = Address{"Plain Name", "plain@cust.example"};
  text = Compose(m);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("\r\nReply-To: Plain Name <plain@cust.example>\r\n"), std::string::npos);

  for (const char* bad : {"not an address", "a@b\r\nBcc: v@x", "", "x@-bad-.example"}) {
    m.reply_to = Address{"Name", bad};
    EXPECT_EQ(Compose(m).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  m.reply_to.reset();
  text = Compose(m);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find("Reply-To"), std::string::npos);
}

}  // namespace
}  // namespace periscope::mail
