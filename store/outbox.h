// The outbox table: outgoing mails and their delivery state (rows only; the
// delivery logic is mail/outbox.h, which the store knows nothing about).
//
// A row's life:
//   queued --claim--> sending --sent--> sent
//      ^                 |  \--retry--> queued (next_attempt_at later)
//      |                 |   \-failed-> failed
//      |                 \--lease expired (crash)--> unknown
//      +------ requeue by hand (failed, unknown) ------+
// A claim is committed before the message is handed to a transport, so a
// crash while sending leaves the row 'sending'; once its lease has passed it
// becomes 'unknown' and is never sent again automatically (at most once).
// While a row is 'sending', next_attempt_at holds the end of its lease.
// Times are UTC seconds.
#ifndef PERISCOPE_STORE_OUTBOX_H_
#define PERISCOPE_STORE_OUTBOX_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "store/db.h"

namespace periscope::store {

struct OutboxMail {
  std::string message_id;  // the Message-ID header's value; unique
  std::string kind;        // who queued it: "proposals", "claim", "portal"...
  std::string sender;      // envelope sender (a bare address)
  std::string recipient;   // envelope recipients: bare addresses joined by ", "
  std::string subject;     // for listings
  std::string message;     // the composed RFC 5322 text
};

enum class OutboxState { kQueued, kSending, kSent, kFailed, kUnknown };

// "queued", "sending", "sent", "failed", "unknown" (the stored text).
std::string_view OutboxStateName(OutboxState state);

struct OutboxRow {
  int64_t id = 0;
  OutboxMail mail;
  OutboxState state = OutboxState::kQueued;
  int64_t attempts = 0;
  std::string last_error;
  int64_t created_at = 0;
  int64_t next_attempt_at = 0;
  std::optional<int64_t> sent_at;
};

// How long a claimed row may stay 'sending' before MarkInterruptedOutboxUnknown
// may take it for a crashed sender's; longer than any transport's timeout.
inline constexpr int64_t kOutboxSendingLeaseS = 900;

// Adds a queued mail, due at `now_s`; returns its id. AlreadyExists when the
// message id is already in the outbox.
// REQUIRES: inside a transaction the caller holds (so that it can record in
// the same transaction which proposals the mail lists).
Result<int64_t> InsertOutboxMail(Db& db, const OutboxMail& mail, int64_t now_s);

// InsertOutboxMail in its own transaction.
Result<int64_t> EnqueueOutboxMail(Db& db, const OutboxMail& mail, int64_t now_s);

// Records that outbox mail `outbox_id` lists proposal `proposal_id` at
// `revision`. REQUIRES: inside a transaction the caller holds.
Status LinkOutboxProposal(Db& db, int64_t outbox_id, int64_t proposal_id, int64_t revision);

// In one committed transaction: takes the queued row with the earliest
// next_attempt_at <= now_s (then the lowest id), makes it 'sending',
// attempts + 1, its lease ending at now_s + lease_s. nullopt when none is due.
Result<std::optional<OutboxRow>> ClaimDueOutboxMail(Db& db, int64_t now_s,
                                                    int64_t lease_s = kOutboxSendingLeaseS);

// sending (or unknown, when a slow sender outlived its lease) -> sent at now_s.
// FailedPrecondition for a row in another state, NotFound for no row.
Status MarkOutboxSent(Db& db, int64_t id, int64_t now_s);
// sending -> queued, due at next_attempt_at, with the error.
Status MarkOutboxRetry(Db& db, int64_t id, std::string_view error, int64_t next_attempt_at);
// sending -> failed, with the error.
Status MarkOutboxFailed(Db& db, int64_t id, std::string_view error);
// sending -> unknown, with the error (the transport cannot tell whether the
// server took the message).
Status MarkOutboxUnknown(Db& db, int64_t id, std::string_view error);

// 'sending' rows whose lease ended at or before now_s (left by a crash or a
// kill) -> 'unknown'; returns how many.
Result<int> MarkInterruptedOutboxUnknown(Db& db, int64_t now_s);

// By hand, for a failed or unknown row: queued again, due at now_s, attempts
// reset to 0; the message (and its Message-ID) is unchanged. NotFound for no
// row, FailedPrecondition for a row in another state.
Status RequeueOutboxMail(Db& db, int64_t id, int64_t now_s);

// Rows in id order, all or those in `state`.
Result<std::vector<OutboxRow>> ListOutbox(Db& db, std::optional<OutboxState> state = std::nullopt);

// The row with this id; NotFound when there is none.
Result<OutboxRow> GetOutboxMail(Db& db, int64_t id);

// Proposal ids and revisions that outbox mail `outbox_id` lists, by proposal id.
Result<std::vector<std::pair<int64_t, int64_t>>> ListOutboxProposals(Db& db, int64_t outbox_id);

}  // namespace periscope::store

#endif  // PERISCOPE_STORE_OUTBOX_H_
