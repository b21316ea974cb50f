#include "store/inquiries.h"

#include <utility>

#include <fmt/format.h>

namespace periscope::store {
namespace {

constexpr std::string_view kInquiryColumns = R"sql(
  i.id, i.inquiry_key, i.proposal_id, i.product_number, i.quantity, i.delivery_place,
  i.requested_by, i.created_at, p.kind, p.status, p.product_name, c.user_id, c.name
FROM inquiries i
JOIN proposals p ON p.id = i.proposal_id
JOIN customers c ON c.id = p.customer_id)sql";

InquiryRow ReadInquiry(const Stmt& s) {
  InquiryRow row;
  row.id = s.Int(0);
  row.inquiry_key = s.Text(1);
  row.proposal_id = s.Int(2);
  row.product_number = s.Text(3);
  row.quantity = s.Int(4);
  row.delivery_place = s.Text(5);
  row.requested_by = s.Text(6);
  row.created_at = s.Int(7);
  row.proposal_kind = s.Text(8);
  row.proposal_status = s.Text(9);
  row.product_name = s.Text(10);
  row.customer_user_id = s.Text(11);
  row.customer_name = s.Text(12);
  return row;
}

// Fills each row's answers, by site name.
Status LoadAnswers(Db& db, std::vector<InquiryRow>& rows) {
  if (rows.empty()) return Status::Ok();
  auto stmt = db.Prepare(R"sql(
SELECT site, state, in_stock, quantity_available, retailer, delivery_date, message, attempts,
       updated_at
FROM inquiry_answers WHERE inquiry_id = ?1 ORDER BY site)sql");
  if (!stmt.ok()) return stmt.status();
  for (InquiryRow& row : rows) {
    stmt->Reset();
    stmt->Bind(1, row.id);
    while (true) {
      auto more = stmt->Step();
      if (!more.ok()) return more.status();
      if (!*more) break;
      InquiryAnswerRow a;
      a.site = stmt->Text(0);
      a.state = stmt->Text(1);
      if (!stmt->IsNull(2)) a.in_stock = stmt->Int(2) != 0;
      if (!stmt->IsNull(3)) a.quantity_available = stmt->Int(3);
      a.retailer = stmt->Text(4);
      if (!stmt->IsNull(5)) a.delivery_date = static_cast<uint32_t>(stmt->Int(5));
      a.message = stmt->Text(6);
      a.attempts = stmt->Int(7);
      a.updated_at = stmt->Int(8);
      row.answers.push_back(std::move(a));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<int64_t> CreateInquiry(Db& db, const NewInquiry& inquiry) {
  int64_t id = 0;
  Status s = InTransaction(db, [&]() -> Status {
    auto find = db.Prepare("SELECT status FROM proposals WHERE id = ?1");
    if (!find.ok()) return find.status();
    find->Bind(1, inquiry.proposal_id);
    auto found = find->Step();
    if (!found.ok()) return found.status();
    if (!*found)
      return NotFoundError(fmt::format("proposal {}: no such proposal", inquiry.proposal_id));
    const std::string status = find->Text(0);
    // An accepted proposal may still need stock and delivery; a declined or
    // expired one is closed.
    if (status == "declined" || status == "expired") {
      return FailedPreconditionError(
          fmt::format("proposal {} is {}: a declined or expired proposal is not inquired about",
                      inquiry.proposal_id, status));
    }
    auto insert = db.Prepare(R"sql(
INSERT INTO inquiries (inquiry_key, proposal_id, product_number, quantity, delivery_place,
                       requested_by, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id)sql");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, inquiry.inquiry_key)
        .Bind(2, inquiry.proposal_id)
        .Bind(3, inquiry.product_number)
        .Bind(4, inquiry.quantity)
        .Bind(5, inquiry.delivery_place)
        .Bind(6, inquiry.requested_by)
        .Bind(7, inquiry.created_at);
    auto inserted = insert->RunReturningId();
    if (!inserted.ok()) {
      return inserted.status().WithPrefix(fmt::format("inquiry {}", inquiry.inquiry_key));
    }
    id = *inserted;
    for (const std::string& site : inquiry.sites) {
      InquiryAnswerRecord pending;
      pending.inquiry_id = id;
      pending.site = site;
      pending.state = "pending";
      pending.message = "not asked yet";
      pending.new_attempt = false;
      pending.updated_at = inquiry.created_at;
      PERISCOPE_RETURN_IF_ERROR(RecordInquiryAnswer(db, pending));
    }
    // The proposal's status moves here, with the inquiry, so that an inquiry
    // never exists for a proposal still shown as merely new or mailed.
    auto update = db.Prepare(R"sql(
UPDATE proposals SET status = 'inquired', changed_at = ?2
WHERE id = ?1 AND status IN ('new', 'mailed'))sql");
    if (!update.ok()) return update.status();
    update->Bind(1, inquiry.proposal_id).Bind(2, inquiry.created_at);
    return update->Run();
  });
  if (!s.ok()) return s;
  return id;
}

Status RecordInquiryAnswer(Db& db, const InquiryAnswerRecord& a) {
  auto stmt = db.Prepare(R"sql(
INSERT INTO inquiry_answers (inquiry_id, site, state, in_stock, quantity_available, retailer,
                             delivery_date, message, attempts, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
ON CONFLICT (inquiry_id, site) DO UPDATE SET
  state = excluded.state, in_stock = excluded.in_stock,
  quantity_available = excluded.quantity_available, retailer = excluded.retailer,
  delivery_date = excluded.delivery_date, message = excluded.message,
  attempts = inquiry_answers.attempts + excluded.attempts, updated_at = excluded.updated_at
WHERE NOT (inquiry_answers.state = 'answered' AND excluded.state <> 'answered'))sql");
  if (!stmt.ok()) return stmt.status();
  std::optional<int64_t> in_stock;
  if (a.in_stock) in_stock = *a.in_stock ? 1 : 0;
  std::optional<int64_t> date;
  if (a.delivery_date) date = static_cast<int64_t>(*a.delivery_date);
  stmt->Bind(1, a.inquiry_id)
      .Bind(2, a.site)
      .Bind(3, a.state)
      .Bind(4, in_stock)
      .Bind(5, a.quantity_available)
      .Bind(6, a.retailer)
      .Bind(7, date)
      .Bind(8, a.message)
      .Bind(9, static_cast<int64_t>(a.new_attempt ? 1 : 0))
      .Bind(10, a.updated_at);
  Status s = stmt->Run();
  if (!s.ok()) return s.WithPrefix(fmt::format("inquiry {} site {}", a.inquiry_id, a.site));
  return s;
}

Result<std::optional<InquiryRow>> FindInquiryByKey(Db& db, std::string_view inquiry_key) {
  auto stmt = db.Prepare(fmt::format("SELECT {} WHERE i.inquiry_key = ?1", kInquiryColumns));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, inquiry_key);
  auto found = stmt->Step();
  if (!found.ok()) return found.status();
  if (!*found) return std::optional<InquiryRow>();
  std::vector<InquiryRow> rows{ReadInquiry(*stmt)};
  PERISCOPE_RETURN_IF_ERROR(LoadAnswers(db, rows));
  return std::optional<InquiryRow>(std::move(rows.front()));
}

Result<std::vector<InquiryRow>> ListInquiries(Db& db, const InquiryFilter& filter) {
  // NULL parameters leave a condition out.
  auto stmt = db.Prepare(fmt::format(R"sql(SELECT {}
WHERE (CAST(?1 AS BIGINT) IS NULL OR i.proposal_id = ?1)
  AND (CAST(?2 AS TEXT) IS NULL OR c.user_id = ?2)
  AND (CAST(?3 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM inquiry_answers a
                             WHERE a.inquiry_id = i.id AND a.state = ?3))
ORDER BY i.created_at DESC, i.id DESC)sql",
                                     kInquiryColumns));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, filter.proposal_id).Bind(2, filter.customer_user_id).Bind(3, filter.state);
  std::vector<InquiryRow> rows;
  while (true) {
    auto more = stmt->Step();
    if (!more.ok()) return more.status();
    if (!*more) break;
    rows.push_back(ReadInquiry(*stmt));
  }
  PERISCOPE_RETURN_IF_ERROR(LoadAnswers(db, rows));
  return rows;
}

Result<std::vector<RetryableAnswer>> ListRetryableAnswers(Db& db, int max_failed_attempts,
                                                          int max_pending_attempts) {
  auto stmt = db.Prepare(R"sql(
SELECT i.id, i.inquiry_key, i.proposal_id, i.product_number, i.quantity, i.delivery_place,
       i.requested_by, a.site, a.state, a.attempts
FROM inquiry_answers a JOIN inquiries i ON i.id = a.inquiry_id
WHERE (a.state = 'pending' AND a.attempts < ?2)
   OR (a.state IN ('timeout', 'unreachable', 'http-error') AND a.attempts < ?1)
ORDER BY i.created_at, i.id, a.site)sql");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, static_cast<int64_t>(max_failed_attempts))
      .Bind(2, static_cast<int64_t>(max_pending_attempts));
  std::vector<RetryableAnswer> rows;
  while (true) {
    auto more = stmt->Step();
    if (!more.ok()) return more.status();
    if (!*more) break;
    RetryableAnswer r;
    r.inquiry_id = stmt->Int(0);
    r.inquiry_key = stmt->Text(1);
    r.proposal_id = stmt->Int(2);
    r.product_number = stmt->Text(3);
    r.quantity = stmt->Int(4);
    r.delivery_place = stmt->Text(5);
    r.requested_by = stmt->Text(6);
    r.site = stmt->Text(7);
    r.state = stmt->Text(8);
    r.attempts = stmt->Int(9);
    rows.push_back(std::move(r));
  }
  return rows;
}

}  // namespace periscope::store
