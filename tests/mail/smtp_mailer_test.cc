#include "mail/smtp_mailer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "mail/message.h"
#include "tests/support/process.h"
#include "tests/support/smtp_server.h"

namespace periscope::mail {
namespace {

using periscope::testing::FreeTcpPort;
using periscope::testing::MakeSelfSignedCert;
using periscope::testing::RunCommand;
using periscope::testing::SmtpServer;
using periscope::testing::SmtpServerOptions;
using periscope::testing::SourceDir;
using periscope::testing::TempDir;
using periscope::testing::WriteTextFile;

Message ProposalMail() {
  Message m;
  m.from = {"Periscope", "reports@periscope.example"};
  m.to = {{"\xe5\xb1\xb1\xe7\x94\xb0 \xe5\xa4\xaa\xe9\x83\x8e", "yamada@example.com"}};
  m.subject = "3 proposals for ACME \xe6\x9d\xb1\xe4\xba\xac";
  m.text_body = "Capacity add-on for array-1\n.\nneeded by 2026-12-01\n";
  m.html_body = "<p>Capacity add-on for <b>array-1</b></p>\n";
  m.message_id = "<test-1@periscope.example>";
  m.date = std::chrono::system_clock::now();
  return m;
}

nlohmann::json ParseWithPython(const std::string& rfc5322) {
  TempDir dir;
  WriteTextFile(dir.File("m.eml"), rfc5322);
  auto r =
      RunCommand({"/usr/bin/python3", SourceDir() + "/tests/mail/parse_eml.py", dir.File("m.eml")});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return nlohmann::json::parse(r.output, nullptr, false);
}

SmtpConfig Config(const std::string& url, bool local_relay) {
  SmtpConfig config;
  config.url = url;
  config.local_relay = local_relay;
  config.timeout_ms = 10000;
  return config;
}

SmtpConfig TlsAuthConfig(const std::string& url, const std::string& ca_file,
                         const std::string& password) {
  SmtpConfig config = Config(url, false);
  config.username = "periscope";
  config.password = password;
  config.ca_file = ca_file;
  config.helo_domain = "periscope.example";
  return config;
}

SmtpServerOptions TlsAuthServer(const periscope::testing::SelfSignedCert& cert, bool auth) {
  SmtpServerOptions options;
  options.cert_file = cert.cert_file;
  options.key_file = cert.key_file;
  if (auth) {
    options.username = "periscope";
    options.password = "s3cret";
  }
  return options;
}

std::unique_ptr<Mailer> MustMake(const SmtpConfig& config) {
  auto mailer = MakeSmtpMailer(config);
  EXPECT_TRUE(mailer.ok()) << mailer.status().message();
  return mailer.ok() ? std::move(*mailer) : nullptr;
}

TEST(SmtpMailerTest, DeliversTheComposedMessageToTheRecipient) {
  TempDir dir;
  SmtpServer server(dir.path(), {});
  ASSERT_TRUE(server.Start()) << server.Log();
  auto mailer = MustMake(Config(server.url(), true));
  ASSERT_NE(mailer, nullptr);
  Message m = ProposalMail();
  auto text = Compose(m);
  ASSERT_TRUE(text.ok());
  Status s = mailer->Send("reports@periscope.example", {"yamada@example.com"}, m.message_id, *text);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << server.Log();

  auto received = server.Received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].mail_from, "reports@periscope.example");
  EXPECT_EQ(received[0].rcpt_to, std::vector<std::string>{"yamada@example.com"});
  EXPECT_EQ(received[0].data, *text);  // byte for byte, CRLF included
  nlohmann::json parsed = ParseWithPython(received[0].data);
  ASSERT_FALSE(parsed.is_discarded());
  EXPECT_EQ(parsed["to_addrs"], nlohmann::json::array({"yamada@example.com"}));
  EXPECT_EQ(parsed["to_display_names"], nlohmann::json::array({m.to[0].display_name}));
  EXPECT_EQ(parsed["subject"], m.subject);
  EXPECT_EQ(parsed["message_id"], m.message_id);
  EXPECT_NE(parsed["text"].get<std::string>().find("needed by 2026-12-01"), std::string::npos);
  EXPECT_NE(parsed["html"].get<std::string>().find("<b>array-1</b>"), std::string::npos);
}

TEST(SmtpMailerTest, LibcurlDotStuffsLinesStartingWithADot) {
  TempDir dir;
  SmtpServer server(dir.path(), {});
  ASSERT_TRUE(server.Start()) << server.Log();
  auto mailer = MustMake(Config(server.url(), true));
  ASSERT_NE(mailer, nullptr);
  // Not composed: raw lines "." and ".." that only survive if the client
  // dot-stuffs them (otherwise the server ends the message at the lone dot).
  const std::string raw =
      "From: reports@periscope.example\r\nTo: a@example.com\r\nSubject: dots\r\n"
      "Message-ID: <dots@periscope.example>\r\n\r\nbefore\r\n.\r\n..two\r\nafter\r\n";
  ASSERT_TRUE(
      mailer->Send("reports@periscope.example", {"a@example.com"}, "<dots@periscope.example>", raw)
          .ok());
  auto received = server.Received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].data, raw);
}

TEST(SmtpMailerTest, StartTlsAndAuthDeliverEndToEnd) {
  TempDir dir;
  auto cert = MakeSelfSignedCert(dir.path());
  ASSERT_TRUE(cert.error.empty()) << cert.error;
  SmtpServer server(dir.path(), TlsAuthServer(cert, true));
  ASSERT_TRUE(server.Start()) << server.Log();
  auto mailer = MustMake(TlsAuthConfig(server.url(), cert.cert_file, "s3cret"));
  ASSERT_NE(mailer, nullptr);
  Message m = ProposalMail();
  auto text = Compose(m);
  ASSERT_TRUE(text.ok());
  Status s = mailer->Send("reports@periscope.example", {"yamada@example.com"}, m.message_id, *text);
  ASSERT_TRUE(s.ok()) << s.ToString() << "\n" << server.Log();
  auto received = server.Received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].data, *text);
}

TEST(SmtpMailerTest, TlsRequiredRefusesAServerWithoutStartTlsAndSendsNothing) {
  TempDir dir;
  SmtpServer server(dir.path(), {});
  ASSERT_TRUE(server.Start()) << server.Log();
  auto mailer = MustMake(Config(server.url(), false));
  ASSERT_NE(mailer, nullptr);
  auto text = Compose(ProposalMail());
  ASSERT_TRUE(text.ok());
  Status s = mailer->Send("reports@periscope.example", {"yamada@example.com"},
                          "<test-1@periscope.example>", *text);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_FALSE(IsTransientMailError(s));
  EXPECT_NE(s.message().find("STARTTLS"), std::string::npos) << s.message();
  EXPECT_EQ(server.ReceivedCount(), 0u);
}

TEST(SmtpMailerTest, UntrustedCertificateIsRefused) {
  TempDir dir;
  auto cert = MakeSelfSignedCert(dir.path());
  ASSERT_TRUE(cert.error.empty()) << cert.error;
  SmtpServer server(dir.path(), TlsAuthServer(cert, false));
  ASSERT_TRUE(server.Start()) << server.Log();
  auto mailer = MustMake(Config(server.url(), false));
  ASSERT_NE(mailer, nullptr);
  auto text = Compose(ProposalMail());
  ASSERT_TRUE(text.ok());
  Status s = mailer->Send("reports@periscope.example", {"yamada@example.com"},
                          "<test-1@periscope.example>", *text);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_EQ(server.ReceivedCount(), 0u);
}

TEST(SmtpMailerTest, WrongPasswordIsAPermanentErrorThatDoesNotShowThePassword) {
  TempDir dir;
  auto cert = MakeSelfSignedCert(dir.path());
  ASSERT_TRUE(cert.error.empty()) << cert.error;
  SmtpServer server(dir.path(), TlsAuthServer(cert, true));
  ASSERT_TRUE(server.Start()) << server.Log();
  auto mailer = MustMake(TlsAuthConfig(server.url(), cert.cert_file, "wrong-Pa55"));
  ASSERT_NE(mailer, nullptr);
  auto text = Compose(ProposalMail());
  ASSERT_TRUE(text.ok());
  Status s = mailer->Send("reports@periscope.example", {"yamada@example.com"},
                          "<test-1@periscope.example>", *text);
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_FALSE(IsTransientMailError(s));
  EXPECT_EQ(s.message().find("wrong-Pa55"), std::string::npos) << s.message();
  EXPECT_EQ(server.ReceivedCount(), 0u);
}

TEST(SmtpMailerTest, ConnectionRefusedIsUnavailable) {
  int port = FreeTcpPort();  // nothing listens there
  auto mailer = MustMake(Config("smtp://127.0.0.1:" + std::to_string(port), true));
  ASSERT_NE(mailer, nullptr);
  auto text = Compose(ProposalMail());
  ASSERT_TRUE(text.ok());
  Status s = mailer->Send("reports@periscope.example", {"yamada@example.com"},
                          "<test-1@periscope.example>", *text);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_TRUE(IsTransientMailError(s));
}

TEST(SmtpMailerTest, RejectedRecipientIsPermanentAndBusyIsTransient) {
  TempDir dir;
  SmtpServer server(dir.path(), {});
  ASSERT_TRUE(server.Start()) << server.Log();
  auto mailer = MustMake(Config(server.url(), true));
  ASSERT_NE(mailer, nullptr);
  auto text = Compose(ProposalMail());
  ASSERT_TRUE(text.ok());
  Status rejected = mailer->Send("reports@periscope.example", {"reject-me@example.com"},
                                 "<test-1@periscope.example>", *text);
  EXPECT_EQ(rejected.code(), StatusCode::kInvalidArgument) << rejected.ToString();
  EXPECT_NE(rejected.message().find("550"), std::string::npos) << rejected.message();
  Status busy = mailer->Send("reports@periscope.example", {"busy@example.com"},
                             "<test-1@periscope.example>", *text);
  EXPECT_EQ(busy.code(), StatusCode::kUnavailable) << busy.ToString();
  EXPECT_EQ(server.ReceivedCount(), 0u);
}

TEST(SmtpMailerTest, SendRefusesAnEnvelopeAddressWithALineBreak) {
  auto mailer = MustMake(Config("smtp://127.0.0.1:1", true));
  ASSERT_NE(mailer, nullptr);
  Status s = mailer->Send("reports@periscope.example", {"a@example.com>\r\nRCPT TO:<b@example.com"},
                          "<x@y>", "Subject: x\r\n\r\nbody\r\n");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
}

TEST(SmtpMailerTest, MakeRefusesUnsafeOrMalformedConfig) {
  struct Case {
    SmtpConfig config;
    std::string field;
  };
  auto with = [](std::string url, bool relay, auto change) {
    SmtpConfig config = Config(url, relay);
    change(config);
    return config;
  };
  const Case cases[] = {
      {Config("smtp://mail.example.com:25", true), "smtp local_relay"},
      {Config("smtp://10.0.0.1:25", true), "smtp local_relay"},
      {Config("http://127.0.0.1:25", false), "smtp url"},
      {Config("smtp://user:pw@127.0.0.1:25", false), "smtp url"},
      {Config("smtp://127.0.0.1:25/helo", false), "smtp url"},
      {with("smtp://127.0.0.1:25", false, [](SmtpConfig& c) { c.ca_file = "/nonexistent/ca.pem"; }),
       "smtp ca_file"},
      {with("smtp://127.0.0.1:25", false, [](SmtpConfig& c) { c.helo_domain = "bad name\r\n"; }),
       "smtp helo_domain"},
      {with("smtp://127.0.0.1:25", false, [](SmtpConfig& c) { c.timeout_ms = 0; }),
       "smtp timeout_ms"},
  };
  for (const Case& c : cases) {
    auto mailer = MakeSmtpMailer(c.config);
    ASSERT_FALSE(mailer.ok()) << c.config.url;
    EXPECT_EQ(mailer.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(mailer.status().message().rfind(c.field, 0), 0u) << mailer.status().message();
  }
  for (const char* url : {"smtp://127.0.0.1:2525", "smtp://localhost:25", "smtp://[::1]:25"}) {
    EXPECT_TRUE(MakeSmtpMailer(Config(url, true)).ok()) << url;
  }
  EXPECT_TRUE(MakeSmtpMailer(Config("smtps://mail.example.com:465", false)).ok());
  EXPECT_TRUE(MakeSmtpMailer(Config("smtp://mail.example.com:587", false)).ok());
}

}  // namespace
}  // namespace periscope::mail
