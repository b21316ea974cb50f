#include "mail/outbox.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "mail/directory_mailer.h"
#include "mail/smtp_mailer.h"
#include "store/outbox.h"
#include "store/schema.h"
#include "tests/support/process.h"
#include "tests/support/smtp_server.h"

namespace periscope::mail {
namespace {

using periscope::testing::FreeTcpPort;
using periscope::testing::ReadTextFile;
using periscope::testing::SmtpServer;
using periscope::testing::TempDir;
using std::chrono::seconds;

class FakeClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override { return now; }
  void Advance(seconds s) { now += s; }
  int64_t Seconds() const {
    return std::chrono::duration_cast<seconds>(now.time_since_epoch()).count();
  }
  std::chrono::system_clock::time_point now{seconds(1'800'000'000)};
};

// A mailer that answers from a script (for outcomes a real server cannot be
// made to produce on demand) and counts calls.
class ScriptedMailer final : public Mailer {
 public:
  Status Send(const std::string&, const std::vector<std::string>&, const std::string&,
              const std::string&) override {
    ++calls;
    return next;
  }
  Status next;
  int calls = 0;
};

SmtpConfig RelayConfig(int port) {
  SmtpConfig config;
  config.url = "smtp://127.0.0.1:" + std::to_string(port);
  config.local_relay = true;
  config.timeout_ms = 10000;
  return config;
}

periscope::testing::SmtpServerOptions OnPort(int port) {
  periscope::testing::SmtpServerOptions options;
  options.port = port;
  return options;
}

class OutboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.File("smtp"));
    auto db = store::Db::OpenWriter(dir_.File("h.db"), store::OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_).ok());
  }

  static Message Mail(const std::string& to, const std::string& subject) {
    Message m;
    m.from = {"Periscope", "reports@periscope.example"};
    m.to = {{"Sales", to}};
    m.subject = subject;
    m.text_body = "proposals\n";
    m.html_body = "<p>proposals</p>";
    return m;
  }

  store::OutboxRow Row(int64_t id) {
    auto row = store::GetOutboxMail(*db_, id);
    EXPECT_TRUE(row.ok()) << row.status().message();
    return row.ok() ? *row : store::OutboxRow{};
  }

  std::unique_ptr<Mailer> SmtpTo(int port) {
    auto mailer = MakeSmtpMailer(RelayConfig(port));
    EXPECT_TRUE(mailer.ok()) << mailer.status().message();
    return std::move(*mailer);
  }

  TempDir dir_;
  std::unique_ptr<store::Db> db_;
  FakeClock clock_;
  RetryPolicy policy_;
};

TEST_F(OutboxTest, DownServerLeavesMailQueuedAndLaterRunSendsItOnce) {
  int port = FreeTcpPort();  // nothing listens there yet
  auto mailer = SmtpTo(port);
  auto id = Enqueue(*db_, Mail("sales@example.com", "3 proposals"), "proposals", clock_);
  ASSERT_TRUE(id.ok()) << id.status().message();
  std::string message_id = Row(*id).mail.message_id;

  auto down = DeliverDue(*db_, *mailer, clock_, policy_);
  ASSERT_TRUE(down.ok()) << down.status().message();
  EXPECT_EQ(down->retried, 1);
  EXPECT_EQ(down->sent, 0);
  store::OutboxRow row = Row(*id);
  EXPECT_EQ(row.state, store::OutboxState::kQueued);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_NE(row.last_error.find("unavailable"), std::string::npos) << row.last_error;
  EXPECT_EQ(row.next_attempt_at, clock_.Seconds() + 300);

  SmtpServer server(dir_.File("smtp"), OnPort(port));
  ASSERT_TRUE(server.Start()) << server.Log();
  // Not due yet: nothing is sent even though the server is up.
  auto early = DeliverDue(*db_, *mailer, clock_, policy_);
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(early->sent, 0);
  EXPECT_EQ(server.ReceivedCount(), 0u);

  clock_.Advance(seconds(301));
  auto up = DeliverDue(*db_, *mailer, clock_, policy_);
  ASSERT_TRUE(up.ok()) << up.status().message();
  EXPECT_EQ(up->sent, 1);
  row = Row(*id);
  EXPECT_EQ(row.state, store::OutboxState::kSent);
  EXPECT_EQ(row.attempts, 2);
  EXPECT_EQ(row.sent_at, clock_.Seconds());
  auto received = server.Received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].rcpt_to, std::vector<std::string>{"sales@example.com"});
  EXPECT_NE(received[0].data.find("Message-ID: " + message_id + "\r\n"), std::string::npos);

  clock_.Advance(seconds(86400));
  auto third = DeliverDue(*db_, *mailer, clock_, policy_);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->sent, 0);
  EXPECT_EQ(server.ReceivedCount(), 1u);
}

TEST_F(OutboxTest, CrashBetweenSendAndRecordIsNeverResentUntilRequeuedByHand) {
  SmtpServer server(dir_.File("smtp"), {});
  ASSERT_TRUE(server.Start()) << server.Log();
  auto mailer = SmtpTo(server.port());
  auto id = Enqueue(*db_, Mail("sales@example.com", "3 proposals"), "proposals", clock_);
  ASSERT_TRUE(id.ok());

  // A run claims the mail, the server accepts it, and the process dies
  // before recording 'sent'.
  auto claimed = store::ClaimDueOutboxMail(*db_, clock_.Seconds());
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  const store::OutboxRow& row = **claimed;
  ASSERT_TRUE(mailer
                  ->Send(row.mail.sender, SplitRecipients(row.mail.recipient), row.mail.message_id,
                         row.mail.message)
                  .ok());
  ASSERT_EQ(server.ReceivedCount(), 1u);

  // Within the lease another run leaves it alone (it may be in flight)...
  auto during = DeliverDue(*db_, *mailer, clock_, policy_);
  ASSERT_TRUE(during.ok());
  EXPECT_EQ(during->sent + during->unknown, 0);
  EXPECT_EQ(Row(*id).state, store::OutboxState::kSending);
  // ...after it, the row is 'unknown' and not resent.
  clock_.Advance(policy_.sending_lease + seconds(1));
  auto after = DeliverDue(*db_, *mailer, clock_, policy_);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->unknown, 1);
  EXPECT_EQ(after->sent, 0);
  EXPECT_EQ(Row(*id).state, store::OutboxState::kUnknown);
  clock_.Advance(seconds(86400));
  ASSERT_TRUE(DeliverDue(*db_, *mailer, clock_, policy_).ok());
  EXPECT_EQ(server.ReceivedCount(), 1u);

  // A person requeues it: it goes again, with the same Message-ID.
  ASSERT_TRUE(store::RequeueOutboxMail(*db_, *id, clock_.Seconds()).ok());
  auto again = DeliverDue(*db_, *mailer, clock_, policy_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->sent, 1);
  EXPECT_EQ(Row(*id).state, store::OutboxState::kSent);
  auto received = server.Received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0].data, received[1].data);
}

TEST_F(OutboxTest, PermanentErrorFailsAtOnceAndIsNotRetried) {
  SmtpServer server(dir_.File("smtp"), {});
  ASSERT_TRUE(server.Start()) << server.Log();
  auto mailer = SmtpTo(server.port());
  auto bad = Enqueue(*db_, Mail("reject-me@example.com", "x"), "proposals", clock_);
  auto good = Enqueue(*db_, Mail("sales@example.com", "y"), "proposals", clock_);
  ASSERT_TRUE(bad.ok() && good.ok());
  auto stats = DeliverDue(*db_, *mailer, clock_, policy_);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->failed, 1);
  EXPECT_EQ(stats->sent, 1);  // one mail's error does not stop the others
  store::OutboxRow row = Row(*bad);
  EXPECT_EQ(row.state, store::OutboxState::kFailed);
  EXPECT_EQ(row.attempts, 1);
  EXPECT_NE(row.last_error.find("550"), std::string::npos) << row.last_error;
  clock_.Advance(seconds(86400));
  auto later = DeliverDue(*db_, *mailer, clock_, policy_);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->failed + later->sent + later->retried, 0);
  EXPECT_EQ(server.ReceivedCount(), 1u);
}

TEST_F(OutboxTest, TransientErrorsBackOffAndFailAfterMaxAttempts) {
  auto mailer = SmtpTo(FreeTcpPort());  // never up
  RetryPolicy policy;
  policy.max_attempts = 3;
  policy.first_delay = seconds(60);
  auto id = Enqueue(*db_, Mail("sales@example.com", "x"), "proposals", clock_);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(DeliverDue(*db_, *mailer, clock_, policy).ok());
  EXPECT_EQ(Row(*id).next_attempt_at, clock_.Seconds() + 60);
  clock_.Advance(seconds(60));
  ASSERT_TRUE(DeliverDue(*db_, *mailer, clock_, policy).ok());
  EXPECT_EQ(Row(*id).next_attempt_at, clock_.Seconds() + 120);  // doubled
  EXPECT_EQ(Row(*id).state, store::OutboxState::kQueued);
  clock_.Advance(seconds(120));
  auto last = DeliverDue(*db_, *mailer, clock_, policy);
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->failed, 1);
  store::OutboxRow row = Row(*id);
  EXPECT_EQ(row.state, store::OutboxState::kFailed);
  EXPECT_EQ(row.attempts, 3);
  EXPECT_NE(row.last_error.find("gave up after 3 attempts"), std::string::npos) << row.last_error;
}

TEST_F(OutboxTest, RetryDelayDoublesUpToTheCap) {
  RetryPolicy policy;
  EXPECT_EQ(RetryDelay(policy, 1), seconds(300));
  EXPECT_EQ(RetryDelay(policy, 2), seconds(600));
  EXPECT_EQ(RetryDelay(policy, 4), seconds(2400));
  EXPECT_EQ(RetryDelay(policy, 7), seconds(19200));
  EXPECT_EQ(RetryDelay(policy, 8), seconds(6 * 3600));  // 38400 s, capped
  EXPECT_EQ(RetryDelay(policy, 1000), seconds(6 * 3600));
}

TEST_F(OutboxTest, NoVerdictAfterHandingOverIsUnknownAndNotRetried) {
  ScriptedMailer mailer;
  mailer.next = DeadlineExceededError("no reply after the final dot");
  auto id = Enqueue(*db_, Mail("sales@example.com", "x"), "proposals", clock_);
  ASSERT_TRUE(id.ok());
  auto stats = DeliverDue(*db_, mailer, clock_, policy_);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->unknown, 1);
  EXPECT_EQ(Row(*id).state, store::OutboxState::kUnknown);
  clock_.Advance(seconds(86400));
  mailer.next = Status::Ok();
  ASSERT_TRUE(DeliverDue(*db_, mailer, clock_, policy_).ok());
  EXPECT_EQ(mailer.calls, 1);
}

TEST_F(OutboxTest, MaxMessagesBoundsOneRun) {
  ScriptedMailer mailer;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Enqueue(*db_, Mail("sales@example.com", "x"), "proposals", clock_).ok());
  }
  auto stats = DeliverDue(*db_, mailer, clock_, policy_, 2);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->sent, 2);
  EXPECT_EQ(store::ListOutbox(*db_, store::OutboxState::kQueued)->size(), 1u);
}

TEST_F(OutboxTest, InvalidAddressIsRefusedAtEnqueueAndNothingIsQueued) {
  auto id =
      Enqueue(*db_, Mail("sales@example.com\r\nBcc: x@example.com", "x"), "proposals", clock_);
  EXPECT_EQ(id.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(store::ListOutbox(*db_)->empty());
}

TEST_F(OutboxTest, DirectoryMailerWritesOneEmlPerMessageAndARetryDoesNotDuplicate) {
  std::string out = dir_.File("eml");
  auto mailer = MakeDirectoryMailer(out);
  ASSERT_TRUE(mailer.ok());
  auto a = Enqueue(*db_, Mail("a@example.com", "first"), "proposals", clock_);
  auto b = Enqueue(*db_, Mail("b@example.com", "second"), "proposals", clock_);
  ASSERT_TRUE(a.ok() && b.ok());
  auto stats = DeliverDue(*db_, **mailer, clock_, policy_);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->sent, 2);
  std::string a_file = out + "/" + EmlFileName(Row(*a).mail.message_id);
  EXPECT_EQ(ReadTextFile(a_file), Row(*a).mail.message);

  // Sent, then a crash before recording; requeued by hand; sent again.
  auto c = Enqueue(*db_, Mail("c@example.com", "third"), "proposals", clock_);
  ASSERT_TRUE(c.ok());
  auto claimed = store::ClaimDueOutboxMail(*db_, clock_.Seconds());
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  ASSERT_TRUE((*mailer)
                  ->Send((*claimed)->mail.sender, {"c@example.com"}, (*claimed)->mail.message_id,
                         (*claimed)->mail.message)
                  .ok());
  clock_.Advance(policy_.sending_lease + seconds(1));
  ASSERT_TRUE(DeliverDue(*db_, **mailer, clock_, policy_).ok());
  ASSERT_EQ(Row(*c).state, store::OutboxState::kUnknown);
  ASSERT_TRUE(store::RequeueOutboxMail(*db_, *c, clock_.Seconds()).ok());
  auto again = DeliverDue(*db_, **mailer, clock_, policy_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->sent, 1);

  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(out)) {
    EXPECT_EQ(entry.path().extension(), ".eml") << entry.path();
    ++files;
  }
  EXPECT_EQ(files, 3u);
}

}  // namespace
}  // namespace periscope::mail
