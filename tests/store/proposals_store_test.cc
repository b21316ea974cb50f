#include "store/proposals.h"

#include <gtest/gtest.h>

#include <string>

#include "store/schema.h"
#include "tests/support/process.h"
#include "tests/support/test_store.h"

namespace periscope::store {
namespace {

using periscope::testing::TestingPostgres;

constexpr int64_t kDevice = 1;
constexpr int64_t kOtherDevice = 2;
constexpr int64_t kCustomer = 1;
constexpr int64_t kDay = 86400;
constexpr int64_t kT0 = 1'800'000'000;

class ProposalsStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PERISCOPE_TEST_STORE_OR_RETURN(store_, dir_, "h.db");
    auto db = Db::OpenWriter(store_, OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(*db);
    ASSERT_TRUE(Migrate(*db_).ok());
    ASSERT_TRUE(db_->Exec(R"sql(
INSERT INTO staff (id, name, email, role) VALUES (1, 'Hanako', 'hanako@v.example', 'sales');
INSERT INTO staff (id, name, email, role) VALUES (2, 'Jiro', 'jiro@v.example', 'sales');
INSERT INTO customers (id, user_id, name, sales_staff_id) VALUES (1, 'cust-1', 'ACME', 1);
INSERT INTO customers (id, user_id, name, sales_staff_id) VALUES (2, 'cust-2', 'Beta', 2);
INSERT INTO targets (id, address, port, profile, customer_id) VALUES (1, 'h1', 161, 'p', 1);
INSERT INTO targets (id, address, port, profile, customer_id) VALUES (2, 'h2', 161, 'p', 2);
INSERT INTO devices (id, target_id, device_index, serial_number, first_seen, last_seen)
  VALUES (1, 1, 1, 'SN-1', 100, 200);
INSERT INTO devices (id, target_id, device_index, serial_number, first_seen, last_seen)
  VALUES (2, 2, 1, 'SN-2', 100, 200);
)sql")
                    .ok());
  }

  static ProposalDraftRow Capacity(int64_t quantity = 2, int64_t needed_by = 20270412) {
    ProposalDraftRow d;
    d.kind = "capacity";
    d.product_number = "A-1-DP1";
    d.product_name = "Pack 1 TB";
    d.quantity = quantity;
    d.unit_price_minor_units = 120;
    d.price_minor_units = 120 * quantity;
    d.currency = "EUR";
    d.needed_by = needed_by;
    d.confidence = "high";
    d.summary = "reaches 85% in 98 days";
    d.evidence_json = R"({"days_to_threshold":98.2})";
    d.material_key = "capacity|A-1-DP1|" + std::to_string(quantity) + "|dated";
    return d;
  }

  static ProposalDraftRow Firmware() {
    ProposalDraftRow d;
    d.kind = "firmware";
    d.product_number = "A-1-FW";
    d.product_name = "Firmware 2.10.0";
    d.currency = "EUR";
    d.confidence = "high";
    d.summary = "runs 2.9";
    d.evidence_json = "{}";
    d.material_key = "firmware|A-1-FW|1|none|2.10.0";
    return d;
  }

  SyncOutcome Sync(const std::vector<ProposalDraftRow>& drafts, int64_t now_s,
                   int64_t device = kDevice, int64_t customer = kCustomer) {
    auto r = SyncDeviceProposals(*db_, device, customer, drafts, now_s);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : SyncOutcome{};
  }

  std::vector<StoredProposal> List(ProposalFilter filter = {}) {
    auto r = ListProposals(*db_, filter);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : std::vector<StoredProposal>{};
  }

  std::vector<StoredProposal> Unmailed() {
    ProposalFilter f;
    f.only_unmailed = true;
    return List(f);
  }

  void MarkMailed(int64_t id, int64_t revision) {
    Status s = InTransaction(*db_, [&] { return MarkProposalMailed(*db_, id, revision); });
    ASSERT_TRUE(s.ok()) << s.message();
  }

  periscope::testing::TempDir dir_;
  std::string store_;  // TestStoreLocation: a file or a PostgreSQL URI
  std::unique_ptr<Db> db_;
};

TEST_F(ProposalsStoreTest, RaisedOnceAndTheSameDraftNextRunIsUnchangedAndNotMailedAgain) {
  SyncOutcome first = Sync({Capacity(), Firmware()}, kT0);
  EXPECT_EQ(first.raised, 2);
  auto all = List();
  ASSERT_EQ(all.size(), 2u);
  const StoredProposal& p = all[0];  // needed_by first, the firmware (no date) last
  EXPECT_EQ(p.kind, "capacity");
  EXPECT_EQ(p.status, "new");
  EXPECT_EQ(p.revision, 1);
  EXPECT_EQ(p.mailed_revision, 0);
  EXPECT_EQ(p.customer_user_id, "cust-1");
  EXPECT_EQ(p.customer_name, "ACME");
  EXPECT_EQ(p.sales_email, "hanako@v.example");
  EXPECT_EQ(p.sales_name, "Hanako");
  EXPECT_EQ(p.device_serial, "SN-1");
  EXPECT_EQ(p.quantity, 2);
  EXPECT_EQ(p.price_minor_units, 240);
  EXPECT_EQ(p.needed_by, 20270412);
  EXPECT_EQ(p.raised_at, kT0);
  EXPECT_EQ(all[1].kind, "firmware");
  EXPECT_FALSE(all[1].needed_by.has_value());
  EXPECT_EQ(Unmailed().size(), 2u);

  MarkMailed(p.id, 1);
  MarkMailed(all[1].id, 1);
  EXPECT_TRUE(Unmailed().empty());

  ProposalDraftRow again = Capacity();
  again.summary = "reaches 85% in 97 days";
  again.evidence_json = R"({"days_to_threshold":97.1})";
  again.confidence = "medium";
  SyncOutcome second = Sync({again, Firmware()}, kT0 + kDay);
  EXPECT_EQ(second.unchanged, 2);
  EXPECT_EQ(second.raised + second.changed + second.expired + second.suppressed, 0);
  EXPECT_TRUE(Unmailed().empty());
  auto now = List();
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now[0].status, "mailed");
  EXPECT_EQ(now[0].revision, 1);
  EXPECT_EQ(now[0].summary, "reaches 85% in 97 days");
  EXPECT_EQ(now[0].evidence_json, R"({"days_to_threshold":97.1})");
  EXPECT_EQ(now[0].confidence, "medium");
  EXPECT_EQ(now[0].checked_at, kT0 + kDay);
  EXPECT_EQ(now[0].changed_at, kT0);
}

TEST_F(ProposalsStoreTest, MaterialChangeIsRevisionTwoAndUnmailedAgain) {
  Sync({Capacity(2)}, kT0);
  int64_t id = List()[0].id;
  MarkMailed(id, 1);
  ASSERT_TRUE(SetProposalStatus(*db_, id, "inquired", kT0).ok());
  SyncOutcome changed = Sync({Capacity(3)}, kT0 + kDay);
  EXPECT_EQ(changed.changed, 1);
  auto unmailed = Unmailed();
  ASSERT_EQ(unmailed.size(), 1u);
  EXPECT_EQ(unmailed[0].id, id);
  EXPECT_EQ(unmailed[0].revision, 2);
  EXPECT_EQ(unmailed[0].mailed_revision, 1);
  EXPECT_EQ(unmailed[0].quantity, 3);
  EXPECT_EQ(unmailed[0].price_minor_units, 360);
  EXPECT_EQ(unmailed[0].status, "inquired");  // the status stays
  EXPECT_EQ(unmailed[0].changed_at, kT0 + kDay);
  EXPECT_EQ(unmailed[0].raised_at, kT0);
  MarkMailed(id, 2);
  EXPECT_TRUE(Unmailed().empty());
  EXPECT_EQ(List()[0].status, "inquired");
}

TEST_F(ProposalsStoreTest, NeededByWobbleWithinToleranceIsNotAChangeButALargerMoveIs) {
  Sync({Capacity(2, 20270412)}, kT0);  // a Monday
  const int64_t id = List()[0].id;
  MarkMailed(id, 1);
  // Across a week boundary but within 7 days of the stored date: unchanged,
  // and the stored date is kept, so drift adds up against it.
  EXPECT_EQ(Sync({Capacity(2, 20270410)}, kT0 + kDay).unchanged, 1);
  EXPECT_EQ(Sync({Capacity(2, 20270418)}, kT0 + 2 * kDay).unchanged, 1);
  EXPECT_TRUE(Unmailed().empty());
  EXPECT_EQ(List()[0].needed_by, 20270412);
  ProposalDraftRow later = Capacity(2, 20270420);  // 8 days after the stored date
  EXPECT_EQ(Sync({later}, kT0 + 3 * kDay).changed, 1);
  ASSERT_EQ(Unmailed().size(), 1u);
  EXPECT_EQ(Unmailed()[0].needed_by, 20270420);
  EXPECT_EQ(Unmailed()[0].revision, 2);
  // A wider tolerance (a need far away) absorbs the same move.
  MarkMailed(id, 2);
  ProposalDraftRow far = Capacity(2, 20270501);
  far.needed_by_tolerance_days = 30;
  EXPECT_EQ(Sync({far}, kT0 + 4 * kDay).unchanged, 1);
}

TEST_F(ProposalsStoreTest, NeedGoneExpiresTheOpenProposal) {
  Sync({Capacity(), Firmware()}, kT0);
  SyncOutcome gone = Sync({Firmware()}, kT0 + kDay);
  EXPECT_EQ(gone.expired, 1);
  EXPECT_EQ(gone.unchanged, 1);
  ProposalFilter expired;
  expired.statuses = {"expired"};
  auto rows = List(expired);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].kind, "capacity");
  EXPECT_EQ(rows[0].closed_at, kT0 + kDay);
  EXPECT_EQ(Unmailed().size(), 1u);  // the firmware one only
  // The need coming back raises a new proposal.
  EXPECT_EQ(Sync({Capacity(), Firmware()}, kT0 + 2 * kDay).raised, 1);
}

TEST_F(ProposalsStoreTest, DeclinedProposalWithTheSameDraftIsSuppressed) {
  Sync({Capacity(2)}, kT0);
  int64_t id = List()[0].id;
  ASSERT_TRUE(SetProposalStatus(*db_, id, "declined", kT0 + 10).ok());
  EXPECT_EQ(List()[0].closed_at, kT0 + 10);
  SyncOutcome same = Sync({Capacity(2)}, kT0 + kDay);
  EXPECT_EQ(same.suppressed, 1);
  EXPECT_EQ(same.raised, 0);
  EXPECT_EQ(List().size(), 1u);
  EXPECT_TRUE(Unmailed().empty());
  // A materially different need is raised again.
  SyncOutcome different = Sync({Capacity(4)}, kT0 + 2 * kDay);
  EXPECT_EQ(different.raised, 1);
  EXPECT_EQ(List().size(), 2u);
}

TEST_F(ProposalsStoreTest, TransitionsFollowTheLifeCycleWithClearErrors) {
  Sync({Capacity()}, kT0);
  int64_t id = List()[0].id;
  Status back = SetProposalStatus(*db_, id, "expired", kT0);
  EXPECT_EQ(back.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(back.message(),
            "proposal " + std::to_string(id) +
                ": cannot change status from new to expired (only the daily run expires a "
                "proposal)");
  ASSERT_TRUE(SetProposalStatus(*db_, id, "mailed", kT0).ok());
  ASSERT_TRUE(SetProposalStatus(*db_, id, "mailed", kT0).ok());  // idempotent
  Status renew = SetProposalStatus(*db_, id, "new", kT0);
  EXPECT_EQ(renew.message(), "proposal " + std::to_string(id) +
                                 ": cannot change status from mailed to new (a proposal never "
                                 "goes back to new)");
  ASSERT_TRUE(SetProposalStatus(*db_, id, "inquired", kT0).ok());
  Status remail = SetProposalStatus(*db_, id, "mailed", kT0);
  EXPECT_EQ(remail.message(), "proposal " + std::to_string(id) +
                                  ": cannot change status from inquired to mailed (it was "
                                  "already mailed)");
  ASSERT_TRUE(SetProposalStatus(*db_, id, "accepted", kT0).ok());
  Status reopen = SetProposalStatus(*db_, id, "declined", kT0);
  EXPECT_EQ(reopen.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(reopen.message(), "proposal " + std::to_string(id) +
                                  ": cannot change status from accepted to declined (accepted is "
                                  "final)");
  Status unknown = SetProposalStatus(*db_, 999, "mailed", kT0);
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound);
  EXPECT_EQ(unknown.message(), "proposal 999: no such proposal");
  Status bad = SetProposalStatus(*db_, id, "bogus", kT0);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(List()[0].status, "accepted");
}

TEST_F(ProposalsStoreTest, MarkMailedRefusesUnknownRevisionsAndRollsBackWithItsTransaction) {
  Sync({Capacity()}, kT0);
  int64_t id = List()[0].id;
  Status future = InTransaction(*db_, [&] { return MarkProposalMailed(*db_, id, 2); });
  EXPECT_EQ(future.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(future.message(), "proposal " + std::to_string(id) +
                                  ": revision 2 was never raised (current revision 1)");
  // The mail could not be queued: marking is undone with the caller's transaction.
  Status failed = InTransaction(*db_, [&]() -> Status {
    PERISCOPE_RETURN_IF_ERROR(MarkProposalMailed(*db_, id, 1));
    return UnavailableError("outbox full");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(List()[0].status, "new");
  EXPECT_EQ(Unmailed().size(), 1u);
}

TEST_F(ProposalsStoreTest, FiltersByCustomerSalesDeviceAndStatus) {
  Sync({Capacity(2, 20270601)}, kT0);
  Sync({Capacity(2, 20270301), Firmware()}, kT0, kOtherDevice, 2);
  auto all = List();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].needed_by, 20270301);  // most urgent first, no date last
  EXPECT_EQ(all[1].needed_by, 20270601);
  EXPECT_EQ(all[2].kind, "firmware");
  ProposalFilter by_customer;
  by_customer.customer_user_id = "cust-2";
  EXPECT_EQ(List(by_customer).size(), 2u);
  ProposalFilter by_sales;
  by_sales.sales_email = "hanako@v.example";
  ASSERT_EQ(List(by_sales).size(), 1u);
  EXPECT_EQ(List(by_sales)[0].device_serial, "SN-1");
  ProposalFilter by_device;
  by_device.device_id = kOtherDevice;
  by_device.statuses = {"new", "mailed"};
  EXPECT_EQ(List(by_device).size(), 2u);
  ProposalFilter bad;
  bad.statuses = {"open"};
  EXPECT_FALSE(ListProposals(*db_, bad).ok());
}

TEST_F(ProposalsStoreTest, HostileStringsAreStoredAndReturnedByteExact) {
  ProposalDraftRow d = Capacity();
  d.product_name = "x'); DROP TABLE proposals; --";
  d.summary = "\"><script>alert(1)</script>\r\n\xe2\x80\xae bidi ";
  // PostgreSQL text cannot hold a NUL byte (ANulByteIsRefusedByPostgreSql).
  if (!TestingPostgres()) d.summary += std::string("\0nul", 4);
  d.evidence_json = R"({"note":"</td>\u0000"})";
  d.material_key = "capacity|'\"|2|?";
  d.currency = "E'R";
  Sync({d}, kT0);
  auto rows = List();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].product_name, d.product_name);
  EXPECT_EQ(rows[0].summary, d.summary);
  EXPECT_EQ(rows[0].evidence_json, d.evidence_json);
  EXPECT_EQ(rows[0].material_key, d.material_key);
  EXPECT_EQ(rows[0].currency, d.currency);
  EXPECT_EQ(Sync({d}, kT0 + kDay).unchanged, 1);  // the same hostile key matches itself
}

TEST_F(ProposalsStoreTest, ANulByteIsRefusedByPostgreSqlAndNothingIsWritten) {
  if (!TestingPostgres()) GTEST_SKIP() << "PostgreSQL text behaviour (SQLite keeps NUL bytes)";
  ProposalDraftRow d = Capacity();
  d.summary = std::string("before\0after", 12);
  auto r = SyncDeviceProposals(*db_, kDevice, kCustomer, {d}, kT0);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("NUL byte"), std::string::npos) << r.status().message();
  EXPECT_TRUE(List().empty());
}

TEST_F(ProposalsStoreTest, InvalidDraftsAreRefusedAndNothingIsWritten) {
  ProposalDraftRow unknown = Capacity();
  unknown.kind = "upsell";
  auto a = SyncDeviceProposals(*db_, kDevice, kCustomer, {Firmware(), unknown}, kT0);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().message(),
            "proposal draft: unknown kind 'upsell' (capacity, cache, successor, firmware, volume, "
            "supply-<N>, host-storage, host-cpu or link)");
  auto b = SyncDeviceProposals(*db_, kDevice, kCustomer, {Capacity(2), Capacity(3)}, kT0);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "proposal draft: two drafts of kind 'capacity'");
  EXPECT_TRUE(List().empty());
  // A store error inside the transaction (no such device) leaves nothing behind.
  auto c = SyncDeviceProposals(*db_, 99, kCustomer, {Firmware(), Capacity()}, kT0);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("proposals of device 99"), std::string::npos)
      << c.status().message();
  EXPECT_TRUE(List().empty());
}

TEST_F(ProposalsStoreTest, RetiredDevicesLoseTheirOpenProposals) {
  Sync({Capacity()}, kT0);
  Sync({Capacity()}, kT0, kOtherDevice, 2);
  ASSERT_TRUE(db_->Exec("UPDATE devices SET retired_at = 5 WHERE id = 2").ok());
  auto expired = ExpireProposalsOfRetiredDevices(*db_, kT0 + kDay);
  ASSERT_TRUE(expired.ok()) << expired.status().message();
  EXPECT_EQ(*expired, 1);
  ProposalFilter open;
  open.statuses = {"new"};
  auto rows = List(open);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].device_id, kDevice);
}

TEST_F(ProposalsStoreTest, PeripheralKindsAreStoredAndMalformedSupplyKindsRefused) {
  std::vector<ProposalDraftRow> drafts;
  for (const char* kind : {"volume", "supply-1", "supply-12", "host-storage", "host-cpu", "link"}) {
    ProposalDraftRow d = Capacity();
    d.kind = kind;
    d.material_key = std::string(kind) + "|A-1-DP1|2|dated";
    drafts.push_back(d);
  }
  auto synced = SyncDeviceProposals(*db_, kDevice, kCustomer, drafts, kT0);
  ASSERT_TRUE(synced.ok()) << synced.status().message();
  EXPECT_EQ(synced->raised, 6);
  EXPECT_EQ(List().size(), 6u);
  for (const char* kind : {"supply-", "supply-0", "supply-1a", "supply--1", "Supply-1"}) {
    ProposalDraftRow d = Capacity();
    d.kind = kind;
    auto r = SyncDeviceProposals(*db_, kOtherDevice, 2, {d}, kT0);
    EXPECT_FALSE(r.ok()) << kind;
  }
}

}  // namespace
}  // namespace periscope::store
