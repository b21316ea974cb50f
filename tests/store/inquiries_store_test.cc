#include "store/inquiries.h"

#include <gtest/gtest.h>

#include <string>

#include "store/schema.h"
#include "tests/support/process.h"
#include "tests/support/test_store.h"

namespace periscope::store {
namespace {

class InquiriesStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PERISCOPE_TEST_STORE_OR_RETURN(store_, dir_, "h.db");
    auto db = Db::OpenWriter(store_, OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(*db);
    ASSERT_TRUE(Migrate(*db_).ok());
    ASSERT_TRUE(db_->Exec(R"sql(
INSERT INTO customers (id, user_id, name) VALUES (1, 'cust-1', 'ACME'), (2, 'cust-2', 'Beta');
INSERT INTO targets (id, address, port, profile, customer_id) VALUES
  (1, '10.0.0.1', 161, 'p', 1), (2, '10.0.0.2', 161, 'p', 2);
INSERT INTO devices (id, target_id, device_index, serial_number, first_seen, last_seen) VALUES
  (1, 1, 1, 'SN-1', 0, 0), (2, 2, 1, 'SN-2', 0, 0);
)sql")
                    .ok());
  }

  int64_t AddProposal(int64_t device_id, int64_t customer_id, const std::string& status,
                      const std::string& kind = "capacity") {
    auto stmt = db_->Prepare(R"sql(
INSERT INTO proposals (device_id, customer_id, kind, status, product_number, product_name,
  quantity, unit_price_minor_units, price_minor_units, currency, confidence, summary,
  evidence_json, material_key, raised_at, changed_at, checked_at)
VALUES (?1, ?2, ?3, ?4, 'PS-ADD-2TB', '2 TB add-on', 1, 100, 100, 'JPY', 'high', 's', '{}',
  'k', 0, 0, 0) RETURNING id)sql");
    EXPECT_TRUE(stmt.ok());
    stmt->Bind(1, device_id).Bind(2, customer_id).Bind(3, kind).Bind(4, status);
    auto id = stmt->RunReturningId();
    EXPECT_TRUE(id.ok());
    return id.ok() ? *id : 0;
  }

  std::string ProposalStatus(int64_t id) {
    auto stmt = db_->Prepare("SELECT status FROM proposals WHERE id = ?1");
    stmt->Bind(1, id);
    EXPECT_TRUE(*stmt->Step());
    return stmt->Text(0);
  }

  NewInquiry Inquiry(int64_t proposal_id, const std::string& key, int64_t created_at) {
    NewInquiry n;
    n.inquiry_key = key;
    n.proposal_id = proposal_id;
    n.product_number = "PS-ADD-2TB";
    n.quantity = 2;
    n.delivery_place = "Tokyo";
    n.requested_by = "hanako@v.example";
    n.created_at = created_at;
    return n;
  }

  InquiryAnswerRecord Answer(int64_t inquiry_id, const std::string& site,
                             const std::string& state) {
    InquiryAnswerRecord a;
    a.inquiry_id = inquiry_id;
    a.site = site;
    a.state = state;
    a.updated_at = 100;
    return a;
  }

  periscope::testing::TempDir dir_;
  std::string store_;  // TestStoreLocation: a file or a PostgreSQL URI
  std::unique_ptr<Db> db_;
};

TEST_F(InquiriesStoreTest, CreatingAnInquiryMarksNewAndMailedProposalsInquiredOnly) {
  int64_t fresh = AddProposal(1, 1, "new");
  int64_t mailed = AddProposal(1, 1, "mailed", "cache");
  int64_t accepted = AddProposal(2, 2, "accepted");
  ASSERT_TRUE(CreateInquiry(*db_, Inquiry(fresh, "INQ-a", 10)).ok());
  ASSERT_TRUE(CreateInquiry(*db_, Inquiry(mailed, "INQ-b", 10)).ok());
  ASSERT_TRUE(CreateInquiry(*db_, Inquiry(accepted, "INQ-c", 10)).ok());
  EXPECT_EQ(ProposalStatus(fresh), "inquired");
  EXPECT_EQ(ProposalStatus(mailed), "inquired");
  EXPECT_EQ(ProposalStatus(accepted), "accepted");
  int64_t declined = AddProposal(2, 2, "declined", "cache");
  auto refused = CreateInquiry(*db_, Inquiry(declined, "INQ-d", 10));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("declined"), std::string::npos);
}

TEST_F(InquiriesStoreTest, EverySiteHasAPendingRowFromTheStartAndAnAnswerIsNotUndone) {
  int64_t p = AddProposal(1, 1, "new");
  NewInquiry inquiry = Inquiry(p, "INQ-s", 10);
  inquiry.sites = {"kofu", "osaka"};
  auto id = CreateInquiry(*db_, inquiry);
  ASSERT_TRUE(id.ok()) << id.status().message();
  auto found = FindInquiryByKey(*db_, "INQ-s");
  ASSERT_TRUE(found.ok() && found->has_value());
  ASSERT_EQ((*found)->answers.size(), 2u);
  for (const auto& a : (*found)->answers) {
    EXPECT_EQ(a.state, "pending");
    EXPECT_EQ(a.attempts, 0);
  }
  auto retry = ListRetryableAnswers(*db_, 3, 30);
  ASSERT_TRUE(retry.ok());
  EXPECT_EQ(retry->size(), 2u);  // an interrupted inquiry is asked again

  InquiryAnswerRecord answered;
  answered.inquiry_id = *id;
  answered.site = "kofu";
  answered.state = "answered";
  answered.in_stock = true;
  answered.retailer = "Store";
  answered.updated_at = 20;
  ASSERT_TRUE(RecordInquiryAnswer(*db_, answered).ok());
  InquiryAnswerRecord late = answered;
  late.state = "pending";
  late.in_stock.reset();
  late.retailer.reset();
  late.updated_at = 30;
  ASSERT_TRUE(RecordInquiryAnswer(*db_, late).ok());
  found = FindInquiryByKey(*db_, "INQ-s");
  ASSERT_TRUE(found.ok() && found->has_value());
  for (const auto& a : (*found)->answers) {
    if (a.site == "kofu") {
      EXPECT_EQ(a.state, "answered");
      EXPECT_EQ(a.retailer, "Store");
    }
  }
}

TEST_F(InquiriesStoreTest, UnknownProposalIsNotFoundAndDuplicateKeyIsRefused) {
  auto missing = CreateInquiry(*db_, Inquiry(99, "INQ-x", 10));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("proposal 99"), std::string::npos);

  int64_t p = AddProposal(1, 1, "new");
  ASSERT_TRUE(CreateInquiry(*db_, Inquiry(p, "INQ-x", 10)).ok());
  auto again = CreateInquiry(*db_, Inquiry(p, "INQ-x", 11));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
}

TEST_F(InquiriesStoreTest, AnswerUpsertReplacesFieldsAndCountsAttempts) {
  int64_t p = AddProposal(1, 1, "new");
  auto id = CreateInquiry(*db_, Inquiry(p, "INQ-k", 10));
  ASSERT_TRUE(id.ok());
  InquiryAnswerRecord pending = Answer(*id, "tokyo", "pending");
  pending.message = "later";
  ASSERT_TRUE(RecordInquiryAnswer(*db_, pending).ok());
  InquiryAnswerRecord answered = Answer(*id, "tokyo", "answered");
  answered.in_stock = true;
  answered.quantity_available = 5;
  answered.retailer = "Store Ginza";
  answered.delivery_date = 20261205;
  answered.updated_at = 200;
  ASSERT_TRUE(RecordInquiryAnswer(*db_, answered).ok());
  InquiryAnswerRecord by_file = answered;
  by_file.new_attempt = false;
  by_file.message = "confirmed";
  ASSERT_TRUE(RecordInquiryAnswer(*db_, by_file).ok());

  auto found = FindInquiryByKey(*db_, "INQ-k");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  const InquiryRow& row = **found;
  EXPECT_EQ(row.customer_user_id, "cust-1");
  EXPECT_EQ(row.proposal_status, "inquired");
  EXPECT_EQ(row.product_name, "2 TB add-on");
  ASSERT_EQ(row.answers.size(), 1u);
  const InquiryAnswerRow& a = row.answers[0];
  EXPECT_EQ(a.state, "answered");
  EXPECT_EQ(a.in_stock, true);
  EXPECT_EQ(a.quantity_available, 5);
  EXPECT_EQ(a.retailer, "Store Ginza");
  EXPECT_EQ(a.delivery_date, 20261205u);
  EXPECT_EQ(a.message, "confirmed");
  EXPECT_EQ(a.attempts, 2);
  EXPECT_EQ(a.updated_at, 200);

  auto none = FindInquiryByKey(*db_, "INQ-none");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(InquiriesStoreTest, ListFiltersByProposalCustomerAndAnswerState) {
  int64_t p1 = AddProposal(1, 1, "new");
  int64_t p2 = AddProposal(2, 2, "new");
  auto i1 = CreateInquiry(*db_, Inquiry(p1, "INQ-1", 10));
  auto i2 = CreateInquiry(*db_, Inquiry(p2, "INQ-2", 20));
  ASSERT_TRUE(i1.ok() && i2.ok());
  ASSERT_TRUE(RecordInquiryAnswer(*db_, Answer(*i1, "tokyo", "timeout")).ok());
  ASSERT_TRUE(RecordInquiryAnswer(*db_, Answer(*i1, "osaka", "answered")).ok());
  ASSERT_TRUE(RecordInquiryAnswer(*db_, Answer(*i2, "tokyo", "answered")).ok());

  auto all = ListInquiries(*db_);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].inquiry_key, "INQ-2");  // newest first
  ASSERT_EQ((*all)[1].answers.size(), 2u);
  EXPECT_EQ((*all)[1].answers[0].site, "osaka");  // by site name

  InquiryFilter by_customer;
  by_customer.customer_user_id = "cust-2";
  auto c = ListInquiries(*db_, by_customer);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->size(), 1u);
  EXPECT_EQ((*c)[0].inquiry_key, "INQ-2");

  InquiryFilter by_proposal;
  by_proposal.proposal_id = p1;
  auto bp = ListInquiries(*db_, by_proposal);
  ASSERT_TRUE(bp.ok());
  ASSERT_EQ(bp->size(), 1u);
  EXPECT_EQ((*bp)[0].inquiry_key, "INQ-1");

  InquiryFilter by_state;
  by_state.state = "timeout";
  auto s = ListInquiries(*db_, by_state);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0].inquiry_key, "INQ-1");
  EXPECT_EQ((*s)[0].answers.size(), 2u);
}

TEST_F(InquiriesStoreTest, RetryableAnswersStopAtTheirAttemptLimits) {
  int64_t p = AddProposal(1, 1, "new");
  auto id = CreateInquiry(*db_, Inquiry(p, "INQ-r", 10));
  ASSERT_TRUE(id.ok());
  for (const char* site : {"a-timeout", "b-pending", "c-malformed", "d-answered", "e-http"}) {
    std::string state = std::string(site).substr(2);
    if (state == "http") state = "http-error";
    ASSERT_TRUE(RecordInquiryAnswer(*db_, Answer(*id, site, state)).ok());
  }
  auto due = ListRetryableAnswers(*db_, 3, 5);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 3u);
  EXPECT_EQ((*due)[0].site, "a-timeout");
  EXPECT_EQ((*due)[1].site, "b-pending");
  EXPECT_EQ((*due)[2].site, "e-http");
  EXPECT_EQ((*due)[0].inquiry_key, "INQ-r");
  EXPECT_EQ((*due)[0].quantity, 2);

  // Two more failed attempts reach the limit of 3; pending may go on to 5.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(RecordInquiryAnswer(*db_, Answer(*id, "a-timeout", "timeout")).ok());
    ASSERT_TRUE(RecordInquiryAnswer(*db_, Answer(*id, "b-pending", "pending")).ok());
  }
  due = ListRetryableAnswers(*db_, 3, 5);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 2u);
  EXPECT_EQ((*due)[0].site, "b-pending");
  EXPECT_EQ((*due)[1].site, "e-http");
}

}  // namespace
}  // namespace periscope::store
