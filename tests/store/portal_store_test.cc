#include "store/portal.h"

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/outbox.h"
#include "store/proposals.h"
#include "store/registry.h"
#include "store/schema.h"
#include "tests/support/process.h"
#include "tests/support/test_store.h"

namespace periscope::store {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kAcme = 1;  // sales person Hanako
constexpr int64_t kBeta = 2;  // no sales person
constexpr int64_t kT0 = 1'800'000'000;

// Two customers, one with a sales person, each with a device; the portal rows
// start empty.
class PortalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PERISCOPE_TEST_STORE_OR_RETURN(store_, dir_, "h.db");
    auto db = Db::OpenWriter(path(), OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(*db);
    ASSERT_TRUE(Migrate(*db_).ok());
    ASSERT_TRUE(db_->Exec(R"sql(
INSERT INTO staff (id, name, email, role, phone)
  VALUES (1, 'Hanako', 'hanako@v.example', 'sales', '+81 3 1234');
INSERT INTO customers (id, user_id, name, contact_person, email, phone, address, sales_staff_id)
  VALUES (1, 'cust-1', 'ACME', 'Taro', 'taro@acme.example', '03-1111', '1 Main St', 1);
INSERT INTO customers (id, user_id, name, sales_staff_id) VALUES (2, 'cust-2', 'Beta', NULL);
INSERT INTO targets (id, address, port, profile, customer_id) VALUES (1, 'h1', 161, 'p', 1);
INSERT INTO targets (id, address, port, profile, customer_id) VALUES (2, 'h2', 161, 'p', 2);
INSERT INTO devices (id, target_id, device_index, serial_number, first_seen, last_seen)
  VALUES (1, 1, 1, 'SN-1', 100, 200);
INSERT INTO devices (id, target_id, device_index, serial_number, first_seen, last_seen)
  VALUES (2, 2, 1, 'SN-2', 100, 200);
)sql")
                    .ok());
  }

  const std::string& path() const { return store_; }

  std::string One(const std::string& sql, const std::vector<std::string>& params = {}) {
    auto t = Query(*db_, sql, params);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() && !t->rows.empty() ? t->rows[0][0] : "";
  }

  // A capacity proposal of the customer's device; its id.
  int64_t RaiseProposal(int64_t customer) {
    ProposalDraftRow d;
    d.kind = "capacity";
    d.product_number = "A-1-DP1";
    d.product_name = "Pack 1 TB";
    d.quantity = 2;
    d.unit_price_minor_units = 120;
    d.price_minor_units = 240;
    d.currency = "EUR";
    d.confidence = "high";
    d.summary = "reaches 85% in 98 days";
    d.evidence_json = "{}";
    d.material_key = "capacity|A-1-DP1|2";
    auto r = SyncDeviceProposals(*db_, customer, customer, {d}, kT0);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return std::stoll(
        One("SELECT id FROM proposals WHERE customer_id = ?", {std::to_string(customer)}));
  }

  static OutboxMail Mail(const std::string& message_id) {
    return OutboxMail{message_id,         "portal",
                      "portal@v.example", "hanako@v.example",
                      "Subject",          "Message-ID: " + message_id + "\r\n\r\nbody\r\n"};
  }

  static PortalSession Session(const std::string& token, int64_t customer, int64_t expires_at) {
    PortalSession s;
    s.token_sha256 = token;
    s.customer_id = customer;
    s.csrf_token = "csrf-" + token;
    s.created_at = kT0;
    s.expires_at = expires_at;
    return s;
  }

  bool Active(const std::string& token, int64_t now_s) {
    auto s = FindActivePortalSession(*db_, token, now_s);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() && s->has_value();
  }

  static ContactRequest Request(int64_t customer) {
    ContactRequest r;
    r.customer_id = customer;
    r.created_at = kT0;
    r.subject_kind = "product";
    r.product_number = "A-1-DP1";
    r.product_name = "Pack 1 TB";
    r.contact_name = "Taro";
    r.phone = "03-1111";
    r.email = "taro@acme.example";
    r.preferred_time = "mornings";
    r.message = "please call";
    r.sales_staff_id = 1;
    r.sales_email = "hanako@v.example";
    return r;
  }

  // Inserts the request, with a queued mail when `mail_id` is given, in one
  // transaction; the request id.
  int64_t StoreRequest(const ContactRequest& request,
                       const std::optional<std::string>& mail_id = std::nullopt) {
    int64_t id = 0;
    Status s = InTransaction(*db_, [&]() -> Status {
      auto inserted = InsertContactRequest(*db_, request);
      if (!inserted.ok()) return inserted.status();
      id = *inserted;
      if (!mail_id) return Status::Ok();
      auto outbox = InsertOutboxMail(*db_, Mail(*mail_id), request.created_at);
      if (!outbox.ok()) return outbox.status();
      return SetContactRequestOutbox(*db_, id, *outbox);
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return id;
  }

  Result<CustomerChangeSet> Update(int64_t customer, const CustomerContactInfo& info,
                                   int64_t now_s) {
    Result<CustomerChangeSet> out = InternalError("not run");
    Status s = InTransaction(*db_, [&]() -> Status {
      out = UpdateCustomerContactInfo(*db_, customer, info, "portal", now_s);
      return out.status();
    });
    if (!s.ok()) return s;
    return out;
  }

  periscope::testing::TempDir dir_;
  std::string store_;  // TestStoreLocation: a file or a PostgreSQL URI
  std::unique_ptr<Db> db_;
};

TEST_F(PortalStoreTest, CustomerLookupJoinsTheAssignedSalesPerson) {
  auto c = FindPortalCustomer(*db_, "cust-1");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->customer_id, kAcme);
  EXPECT_EQ(c->user_id, "cust-1");
  EXPECT_EQ(c->name, "ACME");
  EXPECT_EQ(c->contact_person, "Taro");
  EXPECT_EQ(c->email, "taro@acme.example");
  EXPECT_EQ(c->phone, "03-1111");
  EXPECT_EQ(c->address, "1 Main St");
  EXPECT_EQ(c->sales_staff_id, 1);
  EXPECT_EQ(c->sales_name, "Hanako");
  EXPECT_EQ(c->sales_email, "hanako@v.example");
  EXPECT_EQ(c->sales_phone, "+81 3 1234");

  auto by_id = GetPortalCustomer(*db_, kAcme);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->user_id, "cust-1");
  EXPECT_EQ(by_id->sales_email, "hanako@v.example");
}

TEST_F(PortalStoreTest, CustomerWithoutSalesPersonHasEmptySalesFields) {
  auto c = GetPortalCustomer(*db_, kBeta);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->user_id, "cust-2");
  EXPECT_FALSE(c->sales_staff_id.has_value());
  EXPECT_EQ(c->sales_name, "");
  EXPECT_EQ(c->sales_email, "");
  EXPECT_EQ(c->sales_phone, "");
}

TEST_F(PortalStoreTest, UnknownCustomerIsNotFoundNamingIt) {
  auto by_user = FindPortalCustomer(*db_, "nobody");
  ASSERT_FALSE(by_user.ok());
  EXPECT_EQ(by_user.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(by_user.status().message(), HasSubstr("'nobody'"));
  auto by_id = GetPortalCustomer(*db_, 99);
  ASSERT_FALSE(by_id.ok());
  EXPECT_EQ(by_id.status().code(), StatusCode::kNotFound);
}

TEST_F(PortalStoreTest, NoAccountUntilAPasswordIsSet) {
  auto a = GetPortalAccount(*db_, kAcme);
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->has_value());
  auto failed = RecordFailedSignIn(*db_, kAcme, 5, 900, kT0);
  EXPECT_EQ(failed.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(RecordSignIn(*db_, kAcme, kT0).code(), StatusCode::kNotFound);
  EXPECT_EQ(SetPortalPassword(*db_, 99, "$y$hash", kT0).code(), StatusCode::kNotFound);

  ASSERT_TRUE(SetPortalPassword(*db_, kAcme, "$y$hash", kT0).ok());
  a = GetPortalAccount(*db_, kAcme);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->password_hash, "$y$hash");
  EXPECT_EQ((*a)->password_set_at, kT0);
  EXPECT_EQ((*a)->failed_signins, 0);
  EXPECT_EQ((*a)->locked_until, 0);
  EXPECT_FALSE((*a)->last_signin_at.has_value());
}

TEST_F(PortalStoreTest, FailuresLockAtTheLimitAndTheCountStartsAgain) {
  ASSERT_TRUE(SetPortalPassword(*db_, kAcme, "$y$hash", kT0).ok());
  auto a = RecordFailedSignIn(*db_, kAcme, 3, 900, kT0 + 1);
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->failed_signins, 1);
  EXPECT_EQ(a->locked_until, 0);
  a = RecordFailedSignIn(*db_, kAcme, 3, 900, kT0 + 2);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->failed_signins, 2);
  EXPECT_EQ(a->locked_until, 0);
  a = RecordFailedSignIn(*db_, kAcme, 3, 900, kT0 + 3);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->failed_signins, 0);
  EXPECT_EQ(a->locked_until, kT0 + 3 + 900);

  // What was returned is what is stored.
  auto stored = GetPortalAccount(*db_, kAcme);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->failed_signins, 0);
  EXPECT_EQ((*stored)->locked_until, kT0 + 903);

  a = RecordFailedSignIn(*db_, kAcme, 3, 900, kT0 + 1000);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->failed_signins, 1);
  EXPECT_EQ(a->locked_until, kT0 + 903);  // an old lock is not extended by one failure

  // Another customer's account is not touched.
  ASSERT_TRUE(SetPortalPassword(*db_, kBeta, "$y$beta", kT0).ok());
  auto beta = GetPortalAccount(*db_, kBeta);
  ASSERT_TRUE(beta.ok() && beta->has_value());
  EXPECT_EQ((*beta)->failed_signins, 0);
}

TEST_F(PortalStoreTest, SuccessfulSignInClearsFailuresAndRecordsTheTime) {
  ASSERT_TRUE(SetPortalPassword(*db_, kAcme, "$y$hash", kT0).ok());
  ASSERT_TRUE(RecordFailedSignIn(*db_, kAcme, 5, 900, kT0 + 1).ok());
  ASSERT_TRUE(RecordFailedSignIn(*db_, kAcme, 5, 900, kT0 + 2).ok());
  ASSERT_TRUE(RecordSignIn(*db_, kAcme, kT0 + 3).ok());
  auto a = GetPortalAccount(*db_, kAcme);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->failed_signins, 0);
  EXPECT_EQ((*a)->last_signin_at, kT0 + 3);
}

TEST_F(PortalStoreTest, NewPasswordClearsTheLockAndRevokesEverySessionOfTheCustomerOnly) {
  ASSERT_TRUE(SetPortalPassword(*db_, kAcme, "$y$old", kT0).ok());
  ASSERT_TRUE(RecordSignIn(*db_, kAcme, kT0 + 5).ok());
  ASSERT_TRUE(RecordFailedSignIn(*db_, kAcme, 1, 900, kT0 + 10).ok());
  ASSERT_TRUE(InsertPortalSession(*db_, Session("s1", kAcme, kT0 + 3600)).ok());
  ASSERT_TRUE(InsertPortalSession(*db_, Session("s2", kAcme, kT0 + 3600)).ok());
  ASSERT_TRUE(InsertPortalSession(*db_, Session("b1", kBeta, kT0 + 3600)).ok());
  ASSERT_TRUE(Active("s1", kT0 + 20));

  ASSERT_TRUE(SetPortalPassword(*db_, kAcme, "$y$new", kT0 + 20).ok());
  auto a = GetPortalAccount(*db_, kAcme);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->password_hash, "$y$new");
  EXPECT_EQ((*a)->password_set_at, kT0 + 20);
  EXPECT_EQ((*a)->failed_signins, 0);
  EXPECT_EQ((*a)->locked_until, 0);
  EXPECT_EQ((*a)->last_signin_at, kT0 + 5);
  EXPECT_FALSE(Active("s1", kT0 + 21));
  EXPECT_FALSE(Active("s2", kT0 + 21));
  EXPECT_TRUE(Active("b1", kT0 + 21));
  EXPECT_EQ(One("SELECT revoked_at FROM portal_sessions WHERE token_sha256 = 's1'"),
            std::to_string(kT0 + 20));
}

TEST_F(PortalStoreTest, InviteUnknownUsedExpiredAndUsable) {
  Status s = InTransaction(
      *db_, [&] { return InsertPortalInvite(*db_, kAcme, "tok-a", kT0, kT0 + 100, std::nullopt); });
  ASSERT_TRUE(s.ok()) << s.message();

  auto unknown = CheckPortalInvite(*db_, "tok-x", kT0);
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(unknown.status().message(), "no such invite");

  auto ok = CheckPortalInvite(*db_, "tok-a", kT0 + 99);
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(*ok, kAcme);

  auto expired = CheckPortalInvite(*db_, "tok-a", kT0 + 100);
  EXPECT_EQ(expired.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(expired.status().message(), "invite expired");
  auto consume_expired = ConsumePortalInvite(*db_, "tok-a", "$y$pw", kT0 + 100);
  EXPECT_EQ(consume_expired.status().code(), StatusCode::kFailedPrecondition);
  auto account = GetPortalAccount(*db_, kAcme);
  ASSERT_TRUE(account.ok());
  EXPECT_FALSE(account->has_value());  // nothing of the failed consume is kept
  EXPECT_EQ(One("SELECT used_at IS NULL FROM portal_invites WHERE token_sha256 = 'tok-a'"), "1");

  EXPECT_EQ(ConsumePortalInvite(*db_, "tok-x", "$y$pw", kT0).status().code(),
            StatusCode::kNotFound);
}

TEST_F(PortalStoreTest, InviteSetsThePasswordOnceOnly) {
  ASSERT_TRUE(SetPortalPassword(*db_, kAcme, "$y$old", kT0).ok());
  ASSERT_TRUE(InsertPortalSession(*db_, Session("s1", kAcme, kT0 + 3600)).ok());
  Status s = InTransaction(
      *db_, [&] { return InsertPortalInvite(*db_, kAcme, "tok-a", kT0, kT0 + 100, std::nullopt); });
  ASSERT_TRUE(s.ok()) << s.message();

  auto consumed = ConsumePortalInvite(*db_, "tok-a", "$y$first", kT0 + 10);
  ASSERT_TRUE(consumed.ok()) << consumed.status().message();
  EXPECT_EQ(*consumed, kAcme);
  auto a = GetPortalAccount(*db_, kAcme);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->password_hash, "$y$first");
  EXPECT_FALSE(Active("s1", kT0 + 11));  // as SetPortalPassword: signed out everywhere
  EXPECT_EQ(One("SELECT used_at FROM portal_invites WHERE token_sha256 = 'tok-a'"),
            std::to_string(kT0 + 10));

  auto again = ConsumePortalInvite(*db_, "tok-a", "$y$second", kT0 + 20);
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.status().message(), "invite already used");
  auto check = CheckPortalInvite(*db_, "tok-a", kT0 + 20);
  EXPECT_EQ(check.status().message(), "invite already used");
  a = GetPortalAccount(*db_, kAcme);
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->password_hash, "$y$first");
}

TEST_F(PortalStoreTest, TwoConnectionsRacingForOneInviteSetThePasswordOnce) {
  Status s = InTransaction(*db_, [&] {
    return InsertPortalInvite(*db_, kAcme, "tok-race", kT0, kT0 + 100, std::nullopt);
  });
  ASSERT_TRUE(s.ok()) << s.message();
  constexpr int kRacers = 4;
  std::atomic<int> ready{0};
  std::vector<Status> outcomes(kRacers);
  std::vector<std::thread> racers;
  for (int i = 0; i < kRacers; ++i) {
    racers.emplace_back([&, i] {
      auto db = Db::OpenWriter(path(), OpenMode::kMustExist);
      if (!db.ok()) {
        outcomes[static_cast<size_t>(i)] = db.status();
        ready.fetch_add(1);
        return;
      }
      ready.fetch_add(1);
      while (ready.load() < kRacers) std::this_thread::yield();
      auto r = ConsumePortalInvite(**db, "tok-race", "$y$racer" + std::to_string(i), kT0 + 1);
      outcomes[static_cast<size_t>(i)] = r.status();
    });
  }
  for (std::thread& t : racers) t.join();
  int won = 0;
  for (const Status& o : outcomes) {
    if (o.ok()) {
      ++won;
    } else {
      EXPECT_EQ(o.code(), StatusCode::kFailedPrecondition) << o.message();
      EXPECT_EQ(o.message(), "invite already used");
    }
  }
  EXPECT_EQ(won, 1);
  EXPECT_THAT(One("SELECT password_hash FROM portal_accounts WHERE customer_id = 1"),
              HasSubstr("$y$racer"));
}

TEST_F(PortalStoreTest, InviteIsStoredWithItsMailOrNotAtAll) {
  int64_t outbox_id = 0;
  Status s = InTransaction(*db_, [&]() -> Status {
    auto outbox = InsertOutboxMail(*db_, Mail("<i1@v.example>"), kT0);
    if (!outbox.ok()) return outbox.status();
    outbox_id = *outbox;
    return InsertPortalInvite(*db_, kAcme, "tok-a", kT0, kT0 + 100, outbox_id);
  });
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(One("SELECT outbox_id FROM portal_invites WHERE token_sha256 = 'tok-a'"),
            std::to_string(outbox_id));

  // An unknown customer, and a failure after the insert: nothing stays.
  EXPECT_EQ(
      InTransaction(
          *db_, [&] { return InsertPortalInvite(*db_, 99, "tok-b", kT0, kT0 + 100, std::nullopt); })
          .code(),
      StatusCode::kNotFound);
  s = InTransaction(*db_, [&]() -> Status {
    PERISCOPE_RETURN_IF_ERROR(
        InsertPortalInvite(*db_, kAcme, "tok-c", kT0, kT0 + 100, std::nullopt));
    return InternalError("mail could not be queued");
  });
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(One("SELECT count(*) FROM portal_invites"), "1");
}

TEST_F(PortalStoreTest, SessionIsActiveUntilItExpiresOrIsRevoked) {
  ASSERT_TRUE(InsertPortalSession(*db_, Session("s1", kAcme, kT0 + 100)).ok());
  ASSERT_TRUE(InsertPortalSession(*db_, Session("s2", kAcme, kT0 + 100)).ok());
  auto found = FindActivePortalSession(*db_, "s1", kT0 + 99);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->customer_id, kAcme);
  EXPECT_EQ((*found)->csrf_token, "csrf-s1");
  EXPECT_EQ((*found)->created_at, kT0);
  EXPECT_EQ((*found)->expires_at, kT0 + 100);
  EXPECT_FALSE((*found)->revoked_at.has_value());
  EXPECT_FALSE(Active("s1", kT0 + 100));
  EXPECT_FALSE(Active("nope", kT0));

  ASSERT_TRUE(RevokePortalSession(*db_, "s2", kT0 + 10).ok());
  EXPECT_FALSE(Active("s2", kT0 + 11));
  EXPECT_TRUE(Active("s1", kT0 + 11));
  ASSERT_TRUE(RevokePortalSession(*db_, "s2", kT0 + 50).ok());  // already revoked: kept
  EXPECT_EQ(One("SELECT revoked_at FROM portal_sessions WHERE token_sha256 = 's2'"),
            std::to_string(kT0 + 10));
  EXPECT_TRUE(RevokePortalSession(*db_, "nope", kT0).ok());

  EXPECT_EQ(InsertPortalSession(*db_, Session("s1", kBeta, kT0 + 100)).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(InsertPortalSession(*db_, Session("s3", 99, kT0 + 100)).code(), StatusCode::kNotFound);

  // A reader connection sees the same.
  auto reader = Db::OpenReader(path());
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  auto read = FindActivePortalSession(**reader, "s1", kT0 + 11);
  ASSERT_TRUE(read.ok()) << read.status().message();
  EXPECT_TRUE(read->has_value());
}

TEST_F(PortalStoreTest, OldExpiredAndRevokedSessionsAreDeleted) {
  constexpr int64_t kNow = kT0 + 100'000;
  constexpr int64_t kKeep = 1000;
  ASSERT_TRUE(InsertPortalSession(*db_, Session("active", kAcme, kNow + 10)).ok());
  ASSERT_TRUE(InsertPortalSession(*db_, Session("expired-old", kAcme, kNow - kKeep - 1)).ok());
  ASSERT_TRUE(InsertPortalSession(*db_, Session("expired-recent", kAcme, kNow - 5)).ok());
  ASSERT_TRUE(InsertPortalSession(*db_, Session("revoked-old", kBeta, kNow + 10)).ok());
  ASSERT_TRUE(InsertPortalSession(*db_, Session("revoked-recent", kBeta, kNow + 10)).ok());
  ASSERT_TRUE(RevokePortalSession(*db_, "revoked-old", kNow - kKeep - 1).ok());
  ASSERT_TRUE(RevokePortalSession(*db_, "revoked-recent", kNow - 5).ok());

  auto deleted = DeleteOldPortalSessions(*db_, kNow, kKeep);
  ASSERT_TRUE(deleted.ok()) << deleted.status().message();
  EXPECT_EQ(*deleted, 2);
  auto left = Query(*db_, "SELECT token_sha256 FROM portal_sessions ORDER BY token_sha256");
  ASSERT_TRUE(left.ok());
  std::vector<std::string> tokens;
  for (const auto& row : left->rows) tokens.push_back(row[0]);
  EXPECT_THAT(tokens, ::testing::ElementsAre("active", "expired-recent", "revoked-recent"));
  auto again = DeleteOldPortalSessions(*db_, kNow, kKeep);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
}

TEST_F(PortalStoreTest, ContactRequestCarriesItsMailStateFromTheOutbox) {
  ContactRequest request = Request(kAcme);
  const int64_t id = StoreRequest(request, "<r1@v.example>");
  auto got = GetContactRequest(*db_, kAcme, id);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->id, id);
  EXPECT_EQ(got->customer_id, kAcme);
  EXPECT_EQ(got->created_at, kT0);
  EXPECT_EQ(got->subject_kind, "product");
  EXPECT_EQ(got->product_number, "A-1-DP1");
  EXPECT_EQ(got->product_name, "Pack 1 TB");
  EXPECT_FALSE(got->proposal_id.has_value());
  EXPECT_EQ(got->contact_name, "Taro");
  EXPECT_EQ(got->phone, "03-1111");
  EXPECT_EQ(got->email, "taro@acme.example");
  EXPECT_EQ(got->preferred_time, "mornings");
  EXPECT_EQ(got->message, "please call");
  EXPECT_EQ(got->sales_staff_id, 1);
  EXPECT_EQ(got->sales_email, "hanako@v.example");
  ASSERT_TRUE(got->outbox_id.has_value());
  EXPECT_EQ(got->mail_state, "queued");

  auto claimed = ClaimDueOutboxMail(*db_, kT0 + 1);
  ASSERT_TRUE(claimed.ok() && claimed->has_value());
  EXPECT_EQ((*claimed)->id, *got->outbox_id);
  ASSERT_TRUE(MarkOutboxSent(*db_, *got->outbox_id, kT0 + 2).ok());
  got = GetContactRequest(*db_, kAcme, id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->mail_state, "sent");

  ContactRequest unmailed = Request(kAcme);
  unmailed.created_at = kT0 + 50;
  unmailed.sales_staff_id.reset();
  unmailed.sales_email = "";
  const int64_t id2 = StoreRequest(unmailed);
  auto list = ListContactRequests(*db_, kAcme);
  ASSERT_TRUE(list.ok()) << list.status().message();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, id2);  // newest first
  EXPECT_EQ((*list)[0].mail_state, "");
  EXPECT_FALSE((*list)[0].outbox_id.has_value());
  EXPECT_FALSE((*list)[0].sales_staff_id.has_value());
  EXPECT_EQ((*list)[1].id, id);
  EXPECT_EQ((*list)[1].mail_state, "sent");
  auto limited = ListContactRequests(*db_, kAcme, 1);
  ASSERT_TRUE(limited.ok());
  ASSERT_EQ(limited->size(), 1u);
  EXPECT_EQ((*limited)[0].id, id2);
  auto none = ListContactRequests(*db_, kBeta);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());

  EXPECT_EQ(InTransaction(*db_, [&] { return SetContactRequestOutbox(*db_, 999, 1); }).code(),
            StatusCode::kNotFound);
}

TEST_F(PortalStoreTest, ContactRequestIsNotStoredWhenItsMailFails) {
  ContactRequest request = Request(kAcme);
  ASSERT_TRUE(EnqueueOutboxMail(*db_, Mail("<dup@v.example>"), kT0).ok());
  Status s = InTransaction(*db_, [&]() -> Status {
    auto id = InsertContactRequest(*db_, request);
    if (!id.ok()) return id.status();
    auto outbox = InsertOutboxMail(*db_, Mail("<dup@v.example>"), kT0);  // duplicate id
    if (!outbox.ok()) return outbox.status();
    return SetContactRequestOutbox(*db_, *id, *outbox);
  });
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(One("SELECT count(*) FROM contact_requests"), "0");

  request.subject_kind = "anything";
  auto bad = InTransaction(*db_, [&] { return InsertContactRequest(*db_, request).status(); });
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
}

TEST_F(PortalStoreTest, ProposalOfTheCustomerIsReadWithItsDeviceSerial) {
  const int64_t acme_proposal = RaiseProposal(kAcme);
  auto p = GetCustomerProposal(*db_, kAcme, acme_proposal);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->id, acme_proposal);
  EXPECT_EQ(p->kind, "capacity");
  EXPECT_EQ(p->status, "new");
  EXPECT_EQ(p->product_number, "A-1-DP1");
  EXPECT_EQ(p->product_name, "Pack 1 TB");
  EXPECT_EQ(p->quantity, 2);
  EXPECT_EQ(p->price_minor_units, 240);
  EXPECT_EQ(p->currency, "EUR");
  EXPECT_EQ(p->summary, "reaches 85% in 98 days");
  EXPECT_EQ(p->device_serial, "SN-1");

  ContactRequest request = Request(kAcme);
  request.subject_kind = "proposal";
  request.proposal_id = acme_proposal;
  const int64_t id = StoreRequest(request);
  auto got = GetContactRequest(*db_, kAcme, id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->proposal_id, acme_proposal);
}

TEST_F(PortalStoreTest, AnotherCustomersProposalOrRequestIsNotFoundLikeAMissingOne) {
  const int64_t beta_proposal = RaiseProposal(kBeta);
  auto other = GetCustomerProposal(*db_, kAcme, beta_proposal);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kNotFound);
  auto missing = GetCustomerProposal(*db_, kAcme, beta_proposal + 100);
  ASSERT_FALSE(missing.ok());
  // The messages differ only in the id asked for.
  EXPECT_EQ(other.status().message(),
            "proposal " + std::to_string(beta_proposal) + ": no such proposal");
  EXPECT_EQ(missing.status().message(),
            "proposal " + std::to_string(beta_proposal + 100) + ": no such proposal");

  // Nor can a request name it.
  ContactRequest request = Request(kAcme);
  request.subject_kind = "proposal";
  request.proposal_id = beta_proposal;
  auto named = InTransaction(*db_, [&] { return InsertContactRequest(*db_, request).status(); });
  EXPECT_EQ(named.code(), StatusCode::kNotFound);

  const int64_t beta_request = StoreRequest(Request(kBeta));
  auto other_request = GetContactRequest(*db_, kAcme, beta_request);
  ASSERT_FALSE(other_request.ok());
  EXPECT_EQ(other_request.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(other_request.status().message(),
            "contact request " + std::to_string(beta_request) + ": no such request");
  EXPECT_TRUE(GetContactRequest(*db_, kBeta, beta_request).ok());
}

TEST_F(PortalStoreTest, ContactInfoUpdateAuditsOnlyTheChangedFields) {
  CustomerContactInfo info{"Taro", "2 New Rd", "03-1111", "t@acme.example"};
  auto set = Update(kAcme, info, kT0 + 5);
  ASSERT_TRUE(set.ok()) << set.status().message();
  ASSERT_EQ(set->changes.size(), 2u);
  EXPECT_EQ(set->changes[0].field, "address");
  EXPECT_EQ(set->changes[0].old_value, "1 Main St");
  EXPECT_EQ(set->changes[0].new_value, "2 New Rd");
  EXPECT_EQ(set->changes[1].field, "email");
  EXPECT_EQ(set->changes[1].old_value, "taro@acme.example");
  EXPECT_EQ(set->changes[1].new_value, "t@acme.example");

  auto c = GetPortalCustomer(*db_, kAcme);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->contact_person, "Taro");
  EXPECT_EQ(c->address, "2 New Rd");
  EXPECT_EQ(c->phone, "03-1111");
  EXPECT_EQ(c->email, "t@acme.example");

  auto audit = ListCustomerChanges(*db_, kAcme);
  ASSERT_TRUE(audit.ok()) << audit.status().message();
  ASSERT_EQ(audit->size(), 2u);
  EXPECT_EQ((*audit)[0].change_set, set->change_set);
  EXPECT_EQ((*audit)[1].change_set, set->change_set);
  EXPECT_EQ(set->change_set, std::min((*audit)[0].id, (*audit)[1].id));  // its first row's id
  EXPECT_EQ((*audit)[0].change.field, "address");
  EXPECT_EQ((*audit)[0].change.old_value, "1 Main St");
  EXPECT_EQ((*audit)[0].change.new_value, "2 New Rd");
  EXPECT_EQ((*audit)[0].changed_at, kT0 + 5);
  EXPECT_EQ((*audit)[0].source, "portal");
  EXPECT_FALSE((*audit)[0].outbox_id.has_value());
  EXPECT_EQ((*audit)[0].mail_state, "");
  EXPECT_EQ((*audit)[1].change.field, "email");

  // A second update: its own set, listed first; the mail is linked to it only.
  info.contact_person = "Jiro";
  auto second = Update(kAcme, info, kT0 + 50);
  ASSERT_TRUE(second.ok()) << second.status().message();
  ASSERT_EQ(second->changes.size(), 1u);
  EXPECT_EQ(second->changes[0].field, "contact_person");
  EXPECT_EQ(second->changes[0].old_value, "Taro");
  EXPECT_NE(second->change_set, set->change_set);
  int64_t outbox_id = 0;
  Status s = InTransaction(*db_, [&]() -> Status {
    auto outbox = InsertOutboxMail(*db_, Mail("<ch@v.example>"), kT0 + 50);
    if (!outbox.ok()) return outbox.status();
    outbox_id = *outbox;
    return SetCustomerChangesOutbox(*db_, kAcme, second->change_set, outbox_id);
  });
  ASSERT_TRUE(s.ok()) << s.message();
  audit = ListCustomerChanges(*db_, kAcme);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 3u);
  EXPECT_EQ((*audit)[0].change_set, second->change_set);
  EXPECT_EQ((*audit)[0].outbox_id, outbox_id);
  EXPECT_EQ((*audit)[0].mail_state, "queued");
  EXPECT_FALSE((*audit)[1].outbox_id.has_value());
  auto limited = ListCustomerChanges(*db_, kAcme, 1);
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(limited->size(), 1u);

  // Another customer's set cannot be linked through this customer.
  EXPECT_EQ(
      InTransaction(
          *db_,
          [&] { return SetCustomerChangesOutbox(*db_, kBeta, second->change_set, outbox_id); })
          .code(),
      StatusCode::kNotFound);
}

TEST_F(PortalStoreTest, ContactInfoUpdateWithNothingChangedWritesNothing) {
  CustomerContactInfo same{"Taro", "1 Main St", "03-1111", "taro@acme.example"};
  auto set = Update(kAcme, same, kT0);
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(set->change_set, 0);
  EXPECT_TRUE(set->changes.empty());
  EXPECT_EQ(One("SELECT count(*) FROM customer_changes"), "0");

  auto unknown = Update(99, same, kT0);
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
}

TEST_F(PortalStoreTest, ContactInfoUpdateRolledBackLeavesNeitherValuesNorAudit) {
  CustomerContactInfo info{"Jiro", "2 New Rd", "03-2222", "j@acme.example"};
  Status s = InTransaction(*db_, [&]() -> Status {
    auto set = UpdateCustomerContactInfo(*db_, kAcme, info, "portal", kT0);
    if (!set.ok()) return set.status();
    EXPECT_EQ(set->changes.size(), 4u);
    return SetCustomerChangesOutbox(*db_, kAcme, set->change_set, 12345);  // no such mail
  });
  EXPECT_FALSE(s.ok());
  auto c = GetPortalCustomer(*db_, kAcme);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->contact_person, "Taro");
  EXPECT_EQ(c->address, "1 Main St");
  EXPECT_EQ(c->phone, "03-1111");
  EXPECT_EQ(c->email, "taro@acme.example");
  EXPECT_EQ(One("SELECT count(*) FROM customer_changes"), "0");
}

// Quotes, SQL, HTML and multi-byte UTF-8, 4096 bytes.
std::string Hostile(const std::string& tag) {
  const std::string unit =
      tag + "'\"`; '); DROP TABLE customers;-- <b>&amp; Müller 東京 🙂 %_\\\n";
  std::string s;
  while (s.size() + unit.size() <= 4096) s += unit;
  s.append(4096 - s.size(), 'x');
  return s;
}

TEST_F(PortalStoreTest, HostileStringsAreStoredAndReadBackByteForByte) {
  CustomerContactInfo info{Hostile("cp"), Hostile("ad"), Hostile("ph"), Hostile("em")};
  ASSERT_EQ(info.contact_person.size(), 4096u);
  auto set = Update(kAcme, info, kT0);
  ASSERT_TRUE(set.ok()) << set.status().message();
  auto c = GetPortalCustomer(*db_, kAcme);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->contact_person, info.contact_person);
  EXPECT_EQ(c->address, info.address);
  EXPECT_EQ(c->phone, info.phone);
  EXPECT_EQ(c->email, info.email);
  auto audit = ListCustomerChanges(*db_, kAcme);
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->size(), 4u);
  EXPECT_EQ((*audit)[3].change.new_value, info.email);
  EXPECT_EQ((*audit)[0].change.old_value, "Taro");

  ContactRequest r = Request(kAcme);
  r.product_number = Hostile("pn");
  r.product_name = Hostile("pname");
  r.contact_name = Hostile("cn");
  r.phone = Hostile("phone");
  r.email = Hostile("email");
  r.preferred_time = Hostile("pt");
  r.message = Hostile("msg");
  r.sales_email = Hostile("se");
  const int64_t id = StoreRequest(r);
  auto got = GetContactRequest(*db_, kAcme, id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->product_number, r.product_number);
  EXPECT_EQ(got->product_name, r.product_name);
  EXPECT_EQ(got->contact_name, r.contact_name);
  EXPECT_EQ(got->phone, r.phone);
  EXPECT_EQ(got->email, r.email);
  EXPECT_EQ(got->preferred_time, r.preferred_time);
  EXPECT_EQ(got->message, r.message);
  EXPECT_EQ(got->sales_email, r.sales_email);

  PortalSession session = Session(Hostile("tok"), kAcme, kT0 + 100);
  session.csrf_token = Hostile("csrf");
  ASSERT_TRUE(InsertPortalSession(*db_, session).ok());
  auto found = FindActivePortalSession(*db_, session.token_sha256, kT0);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->csrf_token, session.csrf_token);
  ASSERT_TRUE(SetPortalPassword(*db_, kAcme, Hostile("pw"), kT0).ok());
  auto account = GetPortalAccount(*db_, kAcme);
  ASSERT_TRUE(account.ok() && account->has_value());
  EXPECT_EQ((*account)->password_hash, Hostile("pw"));

  auto by_user = FindPortalCustomer(*db_, "cust-1' OR '1'='1");
  EXPECT_EQ(by_user.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(One("SELECT count(*) FROM customers"), "2");
  EXPECT_TRUE(CheckDatabase(*db_).ok());
}

// A store as issue 8 left it (schema 5), with a customer, staff and a sent mail.
TEST(Migration6Test, AVersion5StoreGainsThePortalTablesAndKeepsItsData) {
  PERISCOPE_SQLITE_ONLY();
  periscope::testing::TempDir dir;
  auto db = Db::OpenWriter(dir.File("old.db"), OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(MigrateTo(**db, 5).ok());
  ASSERT_TRUE((*db)
                  ->Exec(R"sql(
INSERT INTO staff (id, name, email, role) VALUES (1, 'Taro', 'taro@vendor.example', 'sales');
INSERT INTO customers (id, user_id, name, contact_person, email, sales_staff_id)
  VALUES (1, 'c1', 'Acme', 'Hanako', 'it@acme.example', 1);
INSERT INTO outbox (id, message_id, kind, sender, recipient, subject, message, state,
  created_at, next_attempt_at) VALUES (1, '<m1@x>', 'proposal', 'a@x', 'b@x', 's', 'm',
  'sent', 3, 3);
)sql")
                  .ok());
  EXPECT_TRUE(
      Query(**db, "SELECT name FROM sqlite_schema WHERE name = 'portal_accounts'")->rows.empty());
  Status migrated = Migrate(**db);
  ASSERT_TRUE(migrated.ok()) << migrated.message();
  EXPECT_EQ(*CurrentVersion(**db), SchemaVersion());
  Status checked = CheckDatabase(**db);
  EXPECT_TRUE(checked.ok()) << checked.message();
  EXPECT_EQ(Query(**db, "SELECT state FROM outbox")->rows.at(0).at(0), "sent");

  // The old customer can get a password, and their requests link to old mail.
  auto customer = FindPortalCustomer(**db, "c1");
  ASSERT_TRUE(customer.ok()) << customer.status().message();
  EXPECT_EQ(customer->sales_email, "taro@vendor.example");
  ASSERT_TRUE(SetPortalPassword(**db, customer->customer_id, "$y$hash", 10).ok());
  ASSERT_TRUE(InTransaction(**db, [&]() -> Status {
                ContactRequest r;
                r.customer_id = customer->customer_id;
                r.created_at = 11;
                r.subject_kind = "product";
                r.product_number = "PN-1";
                r.contact_name = "Hanako";
                r.sales_email = customer->sales_email;
                auto id = InsertContactRequest(**db, r);
                if (!id.ok()) return id.status();
                return SetContactRequestOutbox(**db, *id, 1);
              }).ok());
  auto listed = ListContactRequests(**db, customer->customer_id);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].mail_state, "sent");
}

TEST(Migration6Test, CheckNamesAMissingPortalTable) {
  periscope::testing::TempDir dir;
  std::string store;
  PERISCOPE_TEST_STORE_OR_RETURN(store, dir, "h.db");
  auto db = Db::OpenWriter(store, OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(Migrate(**db).ok());
  ASSERT_TRUE((*db)->Exec("DROP TABLE customer_changes").ok());
  Status s = CheckDatabase(**db);
  EXPECT_EQ(s.code(), StatusCode::kDataLoss);
  EXPECT_THAT(s.message(), HasSubstr("customer_changes"));
}

}  // namespace
}  // namespace periscope::store
