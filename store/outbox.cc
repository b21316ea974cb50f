#include "store/outbox.h"

#include <fmt/format.h>

namespace periscope::store {
namespace {

constexpr std::string_view kColumns =
    "id, message_id, kind, sender, recipient, subject, message, state, attempts, last_error, "
    "created_at, next_attempt_at, sent_at";

// Stored errors are bounded so a chatty server cannot grow the table.
constexpr size_t kMaxErrorBytes = 2000;

std::optional<OutboxState> ParseState(std::string_view s) {
  for (OutboxState st : {OutboxState::kQueued, OutboxState::kSending, OutboxState::kSent,
                         OutboxState::kFailed, OutboxState::kUnknown}) {
    if (OutboxStateName(st) == s) return st;
  }
  return std::nullopt;
}

Result<OutboxRow> ReadRow(const Stmt& stmt) {
  OutboxRow row;
  row.id = stmt.Int(0);
  row.mail.message_id = stmt.Text(1);
  row.mail.kind = stmt.Text(2);
  row.mail.sender = stmt.Text(3);
  row.mail.recipient = stmt.Text(4);
  row.mail.subject = stmt.Text(5);
  row.mail.message = stmt.Text(6);
  std::optional<OutboxState> state = ParseState(stmt.Text(7));
  if (!state) return DataLossError(fmt::format("outbox row {}: unknown state", row.id));
  row.state = *state;
  row.attempts = stmt.Int(8);
  row.last_error = stmt.Text(9);
  row.created_at = stmt.Int(10);
  row.next_attempt_at = stmt.Int(11);
  if (!stmt.IsNull(12)) row.sent_at = stmt.Int(12);
  return row;
}

std::string BoundedError(std::string_view error) {
  return std::string(error.substr(0, kMaxErrorBytes));
}

// Runs `update` (which has `id` as its last parameter, number `id_param`, and
// a WHERE clause on the allowed states) in its own transaction; when it
// changes nothing, says why: NotFound, or FailedPrecondition naming the state.
template <typename BindFn>
Status Transition(Db& db, int64_t id, std::string_view update, int id_param, BindFn&& bind,
                  std::string_view what) {
  return InTransaction(db, [&]() -> Status {
    auto stmt = db.Prepare(update);
    if (!stmt.ok()) return stmt.status();
    bind(*stmt);
    stmt->Bind(id_param, id);
    PERISCOPE_RETURN_IF_ERROR(stmt->Run());
    if (db.Changes() == 1) return Status::Ok();
    auto find = db.Prepare("SELECT state FROM outbox WHERE id = ?");
    if (!find.ok()) return find.status();
    find->Bind(1, id);
    auto has = find->Step();
    if (!has.ok()) return has.status();
    if (!*has) return NotFoundError(fmt::format("outbox mail {}: no such mail", id));
    return FailedPreconditionError(
        fmt::format("outbox mail {}: cannot {} a mail in state '{}'", id, what, find->Text(0)));
  });
}

}  // namespace

std::string_view OutboxStateName(OutboxState state) {
  switch (state) {
    case OutboxState::kQueued:
      return "queued";
    case OutboxState::kSending:
      return "sending";
    case OutboxState::kSent:
      return "sent";
    case OutboxState::kFailed:
      return "failed";
    case OutboxState::kUnknown:
      return "unknown";
  }
  return "unknown";
}

Result<int64_t> InsertOutboxMail(Db& db, const OutboxMail& mail, int64_t now_s) {
  auto exists = db.Prepare("SELECT id FROM outbox WHERE message_id = ?");
  if (!exists.ok()) return exists.status();
  exists->Bind(1, mail.message_id);
  auto has = exists->Step();
  if (!has.ok()) return has.status();
  if (*has) {
    return AlreadyExistsError(fmt::format("outbox: message id {} already queued as mail {}",
                                          mail.message_id, exists->Int(0)));
  }
  auto stmt = db.Prepare(
      "INSERT INTO outbox (message_id, kind, sender, recipient, subject, message, state, "
      "attempts, last_error, created_at, next_attempt_at) "
      "VALUES (?, ?, ?, ?, ?, ?, 'queued', 0, '', ?, ?) RETURNING id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, mail.message_id)
      .Bind(2, mail.kind)
      .Bind(3, mail.sender)
      .Bind(4, mail.recipient)
      .Bind(5, mail.subject)
      .Bind(6, mail.message)
      .Bind(7, now_s)
      .Bind(8, now_s);
  return stmt->RunReturningId();
}

Result<int64_t> EnqueueOutboxMail(Db& db, const OutboxMail& mail, int64_t now_s) {
  int64_t id = 0;
  Status s = InTransaction(db, [&]() -> Status {
    auto inserted = InsertOutboxMail(db, mail, now_s);
    if (!inserted.ok()) return inserted.status();
    id = *inserted;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return id;
}

Status LinkOutboxProposal(Db& db, int64_t outbox_id, int64_t proposal_id, int64_t revision) {
  auto stmt = db.Prepare(
      "INSERT INTO outbox_proposals (outbox_id, proposal_id, revision) VALUES (?, ?, ?)");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, outbox_id).Bind(2, proposal_id).Bind(3, revision);
  return stmt->Run();
}

Result<std::optional<OutboxRow>> ClaimDueOutboxMail(Db& db, int64_t now_s, int64_t lease_s) {
  std::optional<OutboxRow> claimed;
  Status s = InTransaction(db, [&]() -> Status {
    auto find = db.Prepare(
        "SELECT id FROM outbox WHERE state = 'queued' AND next_attempt_at <= ? "
        "ORDER BY next_attempt_at, id LIMIT 1");
    if (!find.ok()) return find.status();
    find->Bind(1, now_s);
    auto has = find->Step();
    if (!has.ok()) return has.status();
    if (!*has) return Status::Ok();
    int64_t id = find->Int(0);
    auto update = db.Prepare(
        "UPDATE outbox SET state = 'sending', attempts = attempts + 1, next_attempt_at = ? "
        "WHERE id = ? AND state = 'queued'");
    if (!update.ok()) return update.status();
    update->Bind(1, now_s + lease_s).Bind(2, id);
    PERISCOPE_RETURN_IF_ERROR(update->Run());
    auto row = GetOutboxMail(db, id);
    if (!row.ok()) return row.status();
    claimed = std::move(*row);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return claimed;
}

Status MarkOutboxSent(Db& db, int64_t id, int64_t now_s) {
  return Transition(
      db, id,
      "UPDATE outbox SET state = 'sent', sent_at = ?, last_error = '' "
      "WHERE state IN ('sending', 'unknown') AND id = ?",
      2, [&](Stmt& s) { s.Bind(1, now_s); }, "mark as sent");
}

Status MarkOutboxRetry(Db& db, int64_t id, std::string_view error, int64_t next_attempt_at) {
  return Transition(
      db, id,
      "UPDATE outbox SET state = 'queued', last_error = ?, next_attempt_at = ? "
      "WHERE state = 'sending' AND id = ?",
      3, [&](Stmt& s) { s.Bind(1, BoundedError(error)).Bind(2, next_attempt_at); },
      "schedule a retry of");
}

Status MarkOutboxFailed(Db& db, int64_t id, std::string_view error) {
  return Transition(
      db, id,
      "UPDATE outbox SET state = 'failed', last_error = ? WHERE state = 'sending' AND id = ?", 2,
      [&](Stmt& s) { s.Bind(1, BoundedError(error)); }, "mark as failed");
}

Status MarkOutboxUnknown(Db& db, int64_t id, std::string_view error) {
  return Transition(
      db, id,
      "UPDATE outbox SET state = 'unknown', last_error = ? WHERE state = 'sending' AND id = ?", 2,
      [&](Stmt& s) { s.Bind(1, BoundedError(error)); }, "mark as unknown");
}

Result<int> MarkInterruptedOutboxUnknown(Db& db, int64_t now_s) {
  int changed = 0;
  Status s = InTransaction(db, [&]() -> Status {
    auto stmt = db.Prepare(
        "UPDATE outbox SET state = 'unknown', last_error = 'interrupted while sending (crash or "
        "kill): the server may or may not have it; requeue by hand to send it again' "
        "WHERE state = 'sending' AND next_attempt_at <= ?");
    if (!stmt.ok()) return stmt.status();
    stmt->Bind(1, now_s);
    PERISCOPE_RETURN_IF_ERROR(stmt->Run());
    changed = static_cast<int>(db.Changes());
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return changed;
}

Status RequeueOutboxMail(Db& db, int64_t id, int64_t now_s) {
  return Transition(
      db, id,
      "UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = ? "
      "WHERE state IN ('failed', 'unknown') AND id = ?",
      2, [&](Stmt& s) { s.Bind(1, now_s); }, "requeue");
}

Result<std::vector<OutboxRow>> ListOutbox(Db& db, std::optional<OutboxState> state) {
  std::string sql = fmt::format("SELECT {} FROM outbox", kColumns);
  if (state) sql += " WHERE state = ?";
  sql += " ORDER BY id";
  auto stmt = db.Prepare(sql);
  if (!stmt.ok()) return stmt.status();
  if (state) stmt->Bind(1, OutboxStateName(*state));
  std::vector<OutboxRow> rows;
  while (true) {
    auto has = stmt->Step();
    if (!has.ok()) return has.status();
    if (!*has) break;
    auto row = ReadRow(*stmt);
    if (!row.ok()) return row.status();
    rows.push_back(std::move(*row));
  }
  return rows;
}

Result<OutboxRow> GetOutboxMail(Db& db, int64_t id) {
  auto stmt = db.Prepare(fmt::format("SELECT {} FROM outbox WHERE id = ?", kColumns));
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, id);
  auto has = stmt->Step();
  if (!has.ok()) return has.status();
  if (!*has) return NotFoundError(fmt::format("outbox mail {}: no such mail", id));
  return ReadRow(*stmt);
}

Result<std::vector<std::pair<int64_t, int64_t>>> ListOutboxProposals(Db& db, int64_t outbox_id) {
  auto stmt = db.Prepare(
      "SELECT proposal_id, revision FROM outbox_proposals WHERE outbox_id = ? ORDER BY "
      "proposal_id");
  if (!stmt.ok()) return stmt.status();
  stmt->Bind(1, outbox_id);
  std::vector<std::pair<int64_t, int64_t>> links;
  while (true) {
    auto has = stmt->Step();
    if (!has.ok()) return has.status();
    if (!*has) break;
    links.emplace_back(stmt->Int(0), stmt->Int(1));
  }
  return links;
}

}  // namespace periscope::store
