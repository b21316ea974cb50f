#include "store/portal.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

namespace periscope::store {
namespace {

// Callers add a WHERE clause on `c`.
constexpr std::string_view kCustomerSelect = R"sql(
SELECT c.id, c.user_id, c.name, c.contact_person, c.email, c.phone, c.address, c.sales_staff_id,
       COALESCE(s.name, ''), COALESCE(s.email, ''), COALESCE(s.phone, '')
FROM customers c LEFT JOIN staff s ON s.id = c.sales_staff_id
)sql";

// The mail state is the outbox row's, '' when the row has no mail. Callers
// add a WHERE clause on `r`.
constexpr std::string_view kRequestSelect = R"sql(
SELECT r.id, r.customer_id, r.created_at, r.subject_kind, r.product_number, r.product_name,
       r.proposal_id, r.contact_name, r.phone, r.email, r.preferred_time, r.message,
       r.sales_staff_id, r.sales_email, r.outbox_id, COALESCE(o.state, '')
FROM contact_requests r LEFT JOIN outbox o ON o.id = r.outbox_id
)sql";

constexpr std::string_view kAccountColumns =
    "customer_id, password_hash, password_set_at, failed_signins, locked_until, last_signin_at";

constexpr std::string_view kSessionColumns =
    "token_sha256, customer_id, csrf_token, created_at, expires_at, revoked_at";

std::optional<int64_t> OptInt(const Stmt& st, int column) {
  if (st.IsNull(column)) return std::nullopt;
  return st.Int(column);
}

PortalCustomer ReadCustomer(const Stmt& st) {
  PortalCustomer c;
  c.customer_id = st.Int(0);
  c.user_id = st.Text(1);
  c.name = st.Text(2);
  c.contact_person = st.Text(3);
  c.email = st.Text(4);
  c.phone = st.Text(5);
  c.address = st.Text(6);
  c.sales_staff_id = OptInt(st, 7);
  c.sales_name = st.Text(8);
  c.sales_email = st.Text(9);
  c.sales_phone = st.Text(10);
  return c;
}

PortalAccount ReadAccount(const Stmt& st) {
  PortalAccount a;
  a.customer_id = st.Int(0);
  a.password_hash = st.Text(1);
  a.password_set_at = st.Int(2);
  a.failed_signins = st.Int(3);
  a.locked_until = st.Int(4);
  a.last_signin_at = OptInt(st, 5);
  return a;
}

PortalSession ReadSession(const Stmt& st) {
  PortalSession s;
  s.token_sha256 = st.Text(0);
  s.customer_id = st.Int(1);
  s.csrf_token = st.Text(2);
  s.created_at = st.Int(3);
  s.expires_at = st.Int(4);
  s.revoked_at = OptInt(st, 5);
  return s;
}

ContactRequest ReadRequest(const Stmt& st) {
  ContactRequest r;
  r.id = st.Int(0);
  r.customer_id = st.Int(1);
  r.created_at = st.Int(2);
  r.subject_kind = st.Text(3);
  r.product_number = st.Text(4);
  r.product_name = st.Text(5);
  r.proposal_id = OptInt(st, 6);
  r.contact_name = st.Text(7);
  r.phone = st.Text(8);
  r.email = st.Text(9);
  r.preferred_time = st.Text(10);
  r.message = st.Text(11);
  r.sales_staff_id = OptInt(st, 12);
  r.sales_email = st.Text(13);
  r.outbox_id = OptInt(st, 14);
  r.mail_state = st.Text(15);
  return r;
}

// A caller's row limit for SQL: never negative (SQLite reads a negative LIMIT
// as "no limit").
int64_t SqlLimit(int limit) { return std::max(limit, 0); }

Status CustomerExists(Db& db, int64_t customer_id) {
  auto st = db.Prepare("SELECT 1 FROM customers WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, customer_id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundError(fmt::format("customer {} does not exist", customer_id));
  return Status::Ok();
}

// The one row of a customer query; nullopt when there is none.
Result<std::optional<PortalCustomer>> OneCustomer(Stmt& st) {
  auto row = st.Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<PortalCustomer>();
  return std::optional<PortalCustomer>(ReadCustomer(st));
}

// SetPortalPassword's effect; REQUIRES: inside a transaction.
Status SetPasswordInTransaction(Db& db, int64_t customer_id, std::string_view password_hash,
                                int64_t now_s) {
  PERISCOPE_RETURN_IF_ERROR(CustomerExists(db, customer_id));
  // last_signin_at is history and survives a new password.
  auto upsert = db.Prepare(
      "INSERT INTO portal_accounts (customer_id, password_hash, password_set_at, failed_signins, "
      "locked_until) VALUES (?, ?, ?, 0, 0) "
      "ON CONFLICT (customer_id) DO UPDATE SET password_hash = excluded.password_hash, "
      "password_set_at = excluded.password_set_at, failed_signins = 0, locked_until = 0");
  if (!upsert.ok()) return upsert.status();
  upsert->Bind(1, customer_id).Bind(2, password_hash).Bind(3, now_s);
  PERISCOPE_RETURN_IF_ERROR(upsert->Run());
  auto revoke = db.Prepare(
      "UPDATE portal_sessions SET revoked_at = ? WHERE customer_id = ? AND revoked_at IS NULL");
  if (!revoke.ok()) return revoke.status();
  revoke->Bind(1, now_s).Bind(2, customer_id);
  return revoke->Run();
}

// The fields UpdateCustomerContactInfo may change, in the audit's order. The
// names are the column names (constants: never from input).
struct ContactField {
  const char* column;
  std::string CustomerContactInfo::*member;
};
constexpr ContactField kContactFields[] = {
    {"contact_person", &CustomerContactInfo::contact_person},
    {"address", &CustomerContactInfo::address},
    {"phone", &CustomerContactInfo::phone},
    {"email", &CustomerContactInfo::email},
};

}  // namespace

Result<PortalCustomer> FindPortalCustomer(Db& db, std::string_view user_id) {
  auto st = db.Prepare(std::string(kCustomerSelect) + "WHERE c.user_id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, user_id);
  auto c = OneCustomer(*st);
  if (!c.ok()) return c.status();
  if (!*c) return NotFoundError(fmt::format("customer '{}' does not exist", user_id));
  return std::move(**c);
}

Result<PortalCustomer> GetPortalCustomer(Db& db, int64_t customer_id) {
  auto st = db.Prepare(std::string(kCustomerSelect) + "WHERE c.id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, customer_id);
  auto c = OneCustomer(*st);
  if (!c.ok()) return c.status();
  if (!*c) return NotFoundError(fmt::format("customer {} does not exist", customer_id));
  return std::move(**c);
}

Result<std::optional<PortalAccount>> GetPortalAccount(Db& db, int64_t customer_id) {
  auto st = db.Prepare(
      fmt::format("SELECT {} FROM portal_accounts WHERE customer_id = ?", kAccountColumns));
  if (!st.ok()) return st.status();
  st->Bind(1, customer_id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<PortalAccount>();
  return std::optional<PortalAccount>(ReadAccount(*st));
}

Result<PortalAccount> RecordFailedSignIn(Db& db, int64_t customer_id, int max_failures,
                                         int64_t lock_s, int64_t now_s) {
  if (max_failures < 1 || lock_s < 0) {
    return InvalidArgumentError(
        fmt::format("portal lockout: {} failures, {} s lock: needs at least 1 failure and a lock "
                    "of 0 s or more",
                    max_failures, lock_s));
  }
  PortalAccount after;
  Status s = InTransaction(db, [&]() -> Status {
    auto account = GetPortalAccount(db, customer_id);
    if (!account.ok()) return account.status();
    if (!*account) {
      return NotFoundError(fmt::format("customer {} has no portal account", customer_id));
    }
    after = std::move(**account);
    after.failed_signins += 1;
    if (after.failed_signins >= max_failures) {
      after.failed_signins = 0;
      after.locked_until = now_s + lock_s;
    }
    auto st = db.Prepare(
        "UPDATE portal_accounts SET failed_signins = ?, locked_until = ? WHERE customer_id = ?");
    if (!st.ok()) return st.status();
    st->Bind(1, after.failed_signins).Bind(2, after.locked_until).Bind(3, customer_id);
    return st->Run();
  });
  if (!s.ok()) return s;
  return after;
}

Status RecordSignIn(Db& db, int64_t customer_id, int64_t now_s) {
  return InTransaction(db, [&]() -> Status {
    auto st = db.Prepare(
        "UPDATE portal_accounts SET failed_signins = 0, last_signin_at = ? WHERE customer_id = ?");
    if (!st.ok()) return st.status();
    st->Bind(1, now_s).Bind(2, customer_id);
    PERISCOPE_RETURN_IF_ERROR(st->Run());
    if (db.Changes() == 0) {
      return NotFoundError(fmt::format("customer {} has no portal account", customer_id));
    }
    return Status::Ok();
  });
}

Status SetPortalPassword(Db& db, int64_t customer_id, std::string_view password_hash,
                         int64_t now_s) {
  return InTransaction(
      db, [&]() { return SetPasswordInTransaction(db, customer_id, password_hash, now_s); });
}

Status InsertPortalInvite(Db& db, int64_t customer_id, std::string_view token_sha256, int64_t now_s,
                          int64_t expires_at, std::optional<int64_t> outbox_id) {
  PERISCOPE_RETURN_IF_ERROR(CustomerExists(db, customer_id));
  auto st = db.Prepare(
      "INSERT INTO portal_invites (token_sha256, customer_id, created_at, expires_at, outbox_id) "
      "VALUES (?, ?, ?, ?, ?)");
  if (!st.ok()) return st.status();
  st->Bind(1, token_sha256).Bind(2, customer_id).Bind(3, now_s).Bind(4, expires_at);
  st->Bind(5, outbox_id);
  Status s = st->Run();
  if (!s.ok()) return s.WithPrefix(fmt::format("invite for customer {}", customer_id));
  return Status::Ok();
}

// An invite is usable while unused and now_s < expires_at. A used invite is
// reported as used even when it has expired since.
Result<int64_t> CheckPortalInvite(Db& db, std::string_view token_sha256, int64_t now_s) {
  auto st = db.Prepare(
      "SELECT customer_id, expires_at, used_at FROM portal_invites WHERE token_sha256 = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, token_sha256);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundError("no such invite");
  if (!st->IsNull(2)) return FailedPreconditionError("invite already used");
  if (now_s >= st->Int(1)) return FailedPreconditionError("invite expired");
  return st->Int(0);
}

// Race safety: InTransaction begins IMMEDIATE, so the check and the marking
// happen under the write lock; a second request waits and then sees the
// invite used.
Result<int64_t> ConsumePortalInvite(Db& db, std::string_view token_sha256,
                                    std::string_view password_hash, int64_t now_s) {
  int64_t customer_id = 0;
  Status s = InTransaction(db, [&]() -> Status {
    auto checked = CheckPortalInvite(db, token_sha256, now_s);
    if (!checked.ok()) return checked.status();
    customer_id = *checked;
    auto mark = db.Prepare(
        "UPDATE portal_invites SET used_at = ? WHERE token_sha256 = ? AND used_at IS NULL");
    if (!mark.ok()) return mark.status();
    mark->Bind(1, now_s).Bind(2, token_sha256);
    PERISCOPE_RETURN_IF_ERROR(mark->Run());
    if (db.Changes() != 1) return FailedPreconditionError("invite already used");
    return SetPasswordInTransaction(db, customer_id, password_hash, now_s);
  });
  if (!s.ok()) return s;
  return customer_id;
}

Status InsertPortalSession(Db& db, const PortalSession& session) {
  return InTransaction(db, [&]() -> Status {
    auto exists = db.Prepare("SELECT 1 FROM portal_sessions WHERE token_sha256 = ?");
    if (!exists.ok()) return exists.status();
    exists->Bind(1, session.token_sha256);
    auto row = exists->Step();
    if (!row.ok()) return row.status();
    if (*row) return AlreadyExistsError("portal session: the token is already in use");
    PERISCOPE_RETURN_IF_ERROR(CustomerExists(db, session.customer_id));
    auto st = db.Prepare(
        fmt::format("INSERT INTO portal_sessions ({}) VALUES (?, ?, ?, ?, ?, ?)", kSessionColumns));
    if (!st.ok()) return st.status();
    st->Bind(1, session.token_sha256).Bind(2, session.customer_id).Bind(3, session.csrf_token);
    st->Bind(4, session.created_at).Bind(5, session.expires_at).Bind(6, session.revoked_at);
    return st->Run();
  });
}

Result<std::optional<PortalSession>> FindActivePortalSession(Db& db, std::string_view token_sha256,
                                                             int64_t now_s) {
  auto st = db.Prepare(
      fmt::format("SELECT {} FROM portal_sessions WHERE token_sha256 = ? AND revoked_at IS NULL "
                  "AND expires_at > ?",
                  kSessionColumns));
  if (!st.ok()) return st.status();
  st->Bind(1, token_sha256).Bind(2, now_s);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<PortalSession>();
  return std::optional<PortalSession>(ReadSession(*st));
}

Status RevokePortalSession(Db& db, std::string_view token_sha256, int64_t now_s) {
  return InTransaction(db, [&]() -> Status {
    auto st = db.Prepare(
        "UPDATE portal_sessions SET revoked_at = ? WHERE token_sha256 = ? AND revoked_at IS NULL");
    if (!st.ok()) return st.status();
    st->Bind(1, now_s).Bind(2, token_sha256);
    return st->Run();
  });
}

// "Before" is strict: a session that expired or was revoked exactly at
// now_s - keep_s stays.
Result<int64_t> DeleteOldPortalSessions(Db& db, int64_t now_s, int64_t keep_s) {
  int64_t deleted = 0;
  Status s = InTransaction(db, [&]() -> Status {
    auto st = db.Prepare(
        "DELETE FROM portal_sessions WHERE expires_at < ?1 "
        "OR (revoked_at IS NOT NULL AND revoked_at < ?1)");
    if (!st.ok()) return st.status();
    st->Bind(1, now_s - keep_s);
    PERISCOPE_RETURN_IF_ERROR(st->Run());
    deleted = db.Changes();
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return deleted;
}

Result<PortalProposal> GetCustomerProposal(Db& db, int64_t customer_id, int64_t proposal_id) {
  auto st = db.Prepare(
      "SELECT p.id, p.kind, p.status, p.product_number, p.product_name, p.quantity, "
      "p.price_minor_units, p.currency, p.summary, d.serial_number "
      "FROM proposals p JOIN devices d ON d.id = p.device_id "
      "WHERE p.id = ? AND p.customer_id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, proposal_id).Bind(2, customer_id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  // The same message for another customer's proposal: existence is not told.
  if (!*row) return NotFoundError(fmt::format("proposal {}: no such proposal", proposal_id));
  PortalProposal p;
  p.id = st->Int(0);
  p.kind = st->Text(1);
  p.status = st->Text(2);
  p.product_number = st->Text(3);
  p.product_name = st->Text(4);
  p.quantity = st->Int(5);
  p.price_minor_units = st->Int(6);
  p.currency = st->Text(7);
  p.summary = st->Text(8);
  p.device_serial = st->Text(9);
  return p;
}

Result<int64_t> InsertContactRequest(Db& db, const ContactRequest& request) {
  if (request.subject_kind != "product" && request.subject_kind != "proposal") {
    return InvalidArgumentError(fmt::format(
        "contact request: subject kind '{}' is not product or proposal", request.subject_kind));
  }
  PERISCOPE_RETURN_IF_ERROR(CustomerExists(db, request.customer_id));
  if (request.proposal_id) {
    auto proposal = GetCustomerProposal(db, request.customer_id, *request.proposal_id);
    if (!proposal.ok()) return proposal.status().WithPrefix("contact request");
  }
  auto st = db.Prepare(
      "INSERT INTO contact_requests (customer_id, created_at, subject_kind, product_number, "
      "product_name, proposal_id, contact_name, phone, email, preferred_time, message, "
      "sales_staff_id, sales_email, outbox_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "RETURNING id");
  if (!st.ok()) return st.status();
  st->Bind(1, request.customer_id).Bind(2, request.created_at).Bind(3, request.subject_kind);
  st->Bind(4, request.product_number).Bind(5, request.product_name).Bind(6, request.proposal_id);
  st->Bind(7, request.contact_name).Bind(8, request.phone).Bind(9, request.email);
  st->Bind(10, request.preferred_time).Bind(11, request.message);
  st->Bind(12, request.sales_staff_id).Bind(13, request.sales_email).Bind(14, request.outbox_id);
  auto id = st->RunReturningId();
  if (!id.ok()) return id.status().WithPrefix("contact request");
  return *id;
}

Status SetContactRequestOutbox(Db& db, int64_t request_id, int64_t outbox_id) {
  auto st = db.Prepare("UPDATE contact_requests SET outbox_id = ? WHERE id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, outbox_id).Bind(2, request_id);
  PERISCOPE_RETURN_IF_ERROR(st->Run());
  if (db.Changes() == 0) {
    return NotFoundError(fmt::format("contact request {} does not exist", request_id));
  }
  return Status::Ok();
}

Result<std::vector<ContactRequest>> ListContactRequests(Db& db, int64_t customer_id, int limit) {
  auto st = db.Prepare(std::string(kRequestSelect) +
                       "WHERE r.customer_id = ? ORDER BY r.created_at DESC, r.id DESC LIMIT ?");
  if (!st.ok()) return st.status();
  st->Bind(1, customer_id).Bind(2, SqlLimit(limit));
  std::vector<ContactRequest> out;
  while (true) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back(ReadRequest(*st));
  }
  return out;
}

Result<ContactRequest> GetContactRequest(Db& db, int64_t customer_id, int64_t request_id) {
  auto st = db.Prepare(std::string(kRequestSelect) + "WHERE r.id = ? AND r.customer_id = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, request_id).Bind(2, customer_id);
  auto row = st->Step();
  if (!row.ok()) return row.status();
  // The same message for another customer's request: existence is not told.
  if (!*row) return NotFoundError(fmt::format("contact request {}: no such request", request_id));
  return ReadRequest(*st);
}

// The change set is the id of its first audit row: that row is inserted with
// change_set 0 and then set to its own id; the later rows of the set are
// inserted with it. All inside the caller's transaction, so no reader sees the
// 0.
Result<CustomerChangeSet> UpdateCustomerContactInfo(Db& db, int64_t customer_id,
                                                    const CustomerContactInfo& info,
                                                    std::string_view source, int64_t now_s) {
  auto current =
      db.Prepare("SELECT contact_person, address, phone, email FROM customers WHERE id = ?");
  if (!current.ok()) return current.status();
  current->Bind(1, customer_id);
  auto row = current->Step();
  if (!row.ok()) return row.status();
  if (!*row) return NotFoundError(fmt::format("customer {} does not exist", customer_id));
  CustomerChangeSet result;
  std::string assignments;
  int column = 0;
  for (const ContactField& field : kContactFields) {
    std::string old_value = current->Text(column++);
    const std::string& new_value = info.*field.member;
    if (old_value == new_value) continue;
    if (!assignments.empty()) assignments += ", ";
    assignments += fmt::format("{} = ?", field.column);
    result.changes.push_back(CustomerFieldChange{field.column, std::move(old_value), new_value});
  }
  current->Reset();
  if (result.changes.empty()) return result;

  auto update = db.Prepare(fmt::format("UPDATE customers SET {} WHERE id = ?", assignments));
  if (!update.ok()) return update.status();
  int n = 1;
  for (const CustomerFieldChange& c : result.changes) update->Bind(n++, c.new_value);
  update->Bind(n, customer_id);
  PERISCOPE_RETURN_IF_ERROR(update->Run());

  auto audit = db.Prepare(
      "INSERT INTO customer_changes (customer_id, changed_at, change_set, field, old_value, "
      "new_value, source) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id");
  if (!audit.ok()) return audit.status();
  for (const CustomerFieldChange& c : result.changes) {
    audit->Reset();
    audit->Bind(1, customer_id).Bind(2, now_s).Bind(3, result.change_set).Bind(4, c.field);
    audit->Bind(5, c.old_value).Bind(6, c.new_value).Bind(7, source);
    auto id = audit->RunReturningId();
    if (!id.ok()) return id.status();
    if (result.change_set == 0) {
      result.change_set = *id;
      auto first = db.Prepare("UPDATE customer_changes SET change_set = id WHERE id = ?");
      if (!first.ok()) return first.status();
      first->Bind(1, result.change_set);
      PERISCOPE_RETURN_IF_ERROR(first->Run());
    }
  }
  return result;
}

Status SetCustomerChangesOutbox(Db& db, int64_t customer_id, int64_t change_set,
                                int64_t outbox_id) {
  auto st = db.Prepare(
      "UPDATE customer_changes SET outbox_id = ? WHERE customer_id = ? AND change_set = ?");
  if (!st.ok()) return st.status();
  st->Bind(1, outbox_id).Bind(2, customer_id).Bind(3, change_set);
  PERISCOPE_RETURN_IF_ERROR(st->Run());
  if (db.Changes() == 0) {
    return NotFoundError(fmt::format("customer {} has no change set {}", customer_id, change_set));
  }
  return Status::Ok();
}

// Newest set first; within a set, in the field order of the update.
Result<std::vector<CustomerChange>> ListCustomerChanges(Db& db, int64_t customer_id, int limit) {
  auto st = db.Prepare(
      "SELECT ch.id, ch.changed_at, ch.change_set, ch.field, ch.old_value, ch.new_value, "
      "ch.source, ch.outbox_id, COALESCE(o.state, '') "
      "FROM customer_changes ch LEFT JOIN outbox o ON o.id = ch.outbox_id "
      "WHERE ch.customer_id = ? ORDER BY ch.changed_at DESC, ch.change_set DESC, ch.id LIMIT ?");
  if (!st.ok()) return st.status();
  st->Bind(1, customer_id).Bind(2, SqlLimit(limit));
  std::vector<CustomerChange> out;
  while (true) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    CustomerChange c;
    c.id = st->Int(0);
    c.changed_at = st->Int(1);
    c.change_set = st->Int(2);
    c.change.field = st->Text(3);
    c.change.old_value = st->Text(4);
    c.change.new_value = st->Text(5);
    c.source = st->Text(6);
    c.outbox_id = OptInt(*st, 7);
    c.mail_state = st->Text(8);
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace periscope::store
