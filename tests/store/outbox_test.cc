#include "store/outbox.h"

#include <gtest/gtest.h>

#include "store/schema.h"
#include "tests/support/process.h"
#include "tests/support/test_store.h"

namespace periscope::store {
namespace {

using periscope::testing::TempDir;

class OutboxStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PERISCOPE_TEST_STORE_OR_RETURN(store_, dir_, "h.db");
    auto db = Db::OpenWriter(store_, OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(*db);
    ASSERT_TRUE(Migrate(*db_).ok());
  }

  static OutboxMail Mail(const std::string& id) {
    return {"<" + id + "@periscope.example>",
            "proposals",
            "reports@periscope.example",
            "sales@example.com",
            "subject " + id,
            "Subject: x\r\n\r\nbody\r\n"};
  }

  // A proposal row (with the customer, target and device it needs).
  int64_t AddProposal() {
    EXPECT_TRUE(db_->Exec("INSERT INTO customers (user_id, name) VALUES ('c1', 'ACME')").ok());
    EXPECT_TRUE(db_->Exec("INSERT INTO targets (address, port, profile, customer_id) "
                          "VALUES ('127.0.0.1', 161, 'p', 1)")
                    .ok());
    EXPECT_TRUE(db_->Exec("INSERT INTO devices (target_id, device_index, serial_number, "
                          "first_seen, last_seen) VALUES (1, 1, 'S1', 0, 0)")
                    .ok());
    EXPECT_TRUE(db_->Exec("INSERT INTO proposals (device_id, customer_id, kind, status, "
                          "product_number, product_name, quantity, unit_price_minor_units, "
                          "price_minor_units, currency, confidence, summary, evidence_json, "
                          "material_key, raised_at, changed_at, checked_at) VALUES (1, 1, "
                          "'capacity', 'new', 'P-1', 'Add-on', 1, 100, 100, 'EUR', 'high', 's', "
                          "'{}', 'k', 0, 0, 0)")
                    .ok());
    auto id = db_->Prepare("SELECT max(id) FROM proposals");
    EXPECT_TRUE(id.ok() && id->Step().ok());
    return id->Int(0);
  }

  TempDir dir_;
  std::string store_;  // TestStoreLocation: a file or a PostgreSQL URI
  std::unique_ptr<Db> db_;
};

TEST_F(OutboxStoreTest, EnqueuedMailIsListedQueuedAndDueNow) {
  auto id = EnqueueOutboxMail(*db_, Mail("a"), 1000);
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto rows = ListOutbox(*db_);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  const OutboxRow& row = (*rows)[0];
  EXPECT_EQ(row.id, *id);
  EXPECT_EQ(row.mail.message_id, "<a@periscope.example>");
  EXPECT_EQ(row.mail.recipient, "sales@example.com");
  EXPECT_EQ(row.mail.message, "Subject: x\r\n\r\nbody\r\n");
  EXPECT_EQ(row.state, OutboxState::kQueued);
  EXPECT_EQ(row.attempts, 0);
  EXPECT_EQ(row.created_at, 1000);
  EXPECT_EQ(row.next_attempt_at, 1000);
  EXPECT_FALSE(row.sent_at.has_value());
}

TEST_F(OutboxStoreTest, SameMessageIdTwiceIsRefused) {
  ASSERT_TRUE(EnqueueOutboxMail(*db_, Mail("a"), 1000).ok());
  auto again = EnqueueOutboxMail(*db_, Mail("a"), 1001);
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(ListOutbox(*db_)->size(), 1u);
}

TEST_F(OutboxStoreTest, MailAndItsProposalLinksAreKeptOrDroppedTogether) {
  int64_t proposal = AddProposal();
  int64_t outbox_id = 0;
  Status ok = InTransaction(*db_, [&]() -> Status {
    auto id = InsertOutboxMail(*db_, Mail("a"), 1000);
    if (!id.ok()) return id.status();
    outbox_id = *id;
    return LinkOutboxProposal(*db_, *id, proposal, 3);
  });
  ASSERT_TRUE(ok.ok()) << ok.message();
  auto links = ListOutboxProposals(*db_, outbox_id);
  ASSERT_TRUE(links.ok());
  EXPECT_EQ(*links, (std::vector<std::pair<int64_t, int64_t>>{{proposal, 3}}));

  // A link to a proposal that does not exist fails the transaction: the mail
  // is not queued either.
  Status bad = InTransaction(*db_, [&]() -> Status {
    auto id = InsertOutboxMail(*db_, Mail("b"), 1000);
    if (!id.ok()) return id.status();
    return LinkOutboxProposal(*db_, *id, proposal + 100, 1);
  });
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(ListOutbox(*db_)->size(), 1u);
}

TEST_F(OutboxStoreTest, ClaimTakesTheEarliestDueRowOnceAndStartsItsLease) {
  ASSERT_TRUE(EnqueueOutboxMail(*db_, Mail("late"), 2000).ok());
  ASSERT_TRUE(EnqueueOutboxMail(*db_, Mail("early"), 1000).ok());
  auto none = ClaimDueOutboxMail(*db_, 999);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  auto first = ClaimDueOutboxMail(*db_, 2500, 60);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->mail.message_id, "<early@periscope.example>");
  EXPECT_EQ((*first)->state, OutboxState::kSending);
  EXPECT_EQ((*first)->attempts, 1);
  EXPECT_EQ((*first)->next_attempt_at, 2560);
  // Committed: a reader sees it 'sending'.
  auto reader = Db::OpenReader(store_);
  ASSERT_TRUE(reader.ok());
  auto seen = ListOutbox(**reader, OutboxState::kSending);
  ASSERT_TRUE(seen.ok());
  ASSERT_EQ(seen->size(), 1u);

  auto second = ClaimDueOutboxMail(*db_, 2500, 60);
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ((*second)->mail.message_id, "<late@periscope.example>");
  auto third = ClaimDueOutboxMail(*db_, 2500, 60);
  ASSERT_TRUE(third.ok());
  EXPECT_FALSE(third->has_value());
}

TEST_F(OutboxStoreTest, TransitionsFollowTheStateMachine) {
  auto id = EnqueueOutboxMail(*db_, Mail("a"), 1000);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(MarkOutboxSent(*db_, *id, 1001).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(MarkOutboxSent(*db_, *id + 7, 1001).code(), StatusCode::kNotFound);
  EXPECT_EQ(RequeueOutboxMail(*db_, *id, 1001).code(), StatusCode::kFailedPrecondition);

  ASSERT_TRUE(ClaimDueOutboxMail(*db_, 1000, 60).ok());
  ASSERT_TRUE(MarkOutboxRetry(*db_, *id, "smtp down", 1300).ok());
  auto row = GetOutboxMail(*db_, *id);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->state, OutboxState::kQueued);
  EXPECT_EQ(row->last_error, "smtp down");
  EXPECT_EQ(row->next_attempt_at, 1300);

  ASSERT_TRUE(ClaimDueOutboxMail(*db_, 1300, 60)->has_value());
  ASSERT_TRUE(MarkOutboxFailed(*db_, *id, "550 no such user").ok());
  EXPECT_EQ(GetOutboxMail(*db_, *id)->state, OutboxState::kFailed);
  EXPECT_EQ(GetOutboxMail(*db_, *id)->attempts, 2);

  ASSERT_TRUE(RequeueOutboxMail(*db_, *id, 5000).ok());
  row = GetOutboxMail(*db_, *id);
  EXPECT_EQ(row->state, OutboxState::kQueued);
  EXPECT_EQ(row->attempts, 0);
  EXPECT_EQ(row->next_attempt_at, 5000);
  EXPECT_EQ(row->mail.message_id, "<a@periscope.example>");

  ASSERT_TRUE(ClaimDueOutboxMail(*db_, 5000, 60)->has_value());
  ASSERT_TRUE(MarkOutboxSent(*db_, *id, 5001).ok());
  row = GetOutboxMail(*db_, *id);
  EXPECT_EQ(row->state, OutboxState::kSent);
  EXPECT_EQ(row->sent_at, 5001);
  EXPECT_EQ(RequeueOutboxMail(*db_, *id, 6000).code(), StatusCode::kFailedPrecondition);
}

TEST_F(OutboxStoreTest, InterruptedSendsBecomeUnknownOnlyAfterTheirLease) {
  auto id = EnqueueOutboxMail(*db_, Mail("a"), 1000);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(ClaimDueOutboxMail(*db_, 1000, 60)->has_value());
  auto early = MarkInterruptedOutboxUnknown(*db_, 1059);  // another sender may still be at it
  ASSERT_TRUE(early.ok());
  EXPECT_EQ(*early, 0);
  EXPECT_EQ(GetOutboxMail(*db_, *id)->state, OutboxState::kSending);
  auto late = MarkInterruptedOutboxUnknown(*db_, 1060);
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(*late, 1);
  auto row = GetOutboxMail(*db_, *id);
  EXPECT_EQ(row->state, OutboxState::kUnknown);
  EXPECT_NE(row->last_error.find("interrupted"), std::string::npos);
  // Never claimed again by itself.
  EXPECT_FALSE(ClaimDueOutboxMail(*db_, 99999, 60)->has_value());
  // A slow sender that outlived its lease may still record the truth.
  EXPECT_TRUE(MarkOutboxSent(*db_, *id, 1100).ok());
}

}  // namespace
}  // namespace periscope::store
