// Queueing mail in the store's outbox and delivering it through a Mailer.
//
// Delivery is at most once, and exactly once whenever the transport answers:
// - A row is claimed ('sending', attempts + 1) in a committed transaction
//   before the message is handed to the Mailer.
// - The Mailer fails before the server accepted the message (connection
//   refused, timeout before the data, an SMTP 4xx): the row goes back to
//   'queued' with next_attempt_at later; nothing was delivered, so sending it
//   again cannot duplicate it.
// - A permanent error (5xx, authentication, TLS) or max_attempts reached:
//   'failed'.
// - The server accepted it: 'sent'.
// - The process dies between the server's acceptance and recording 'sent'
//   (or the Mailer reports DeadlineExceeded: the message was handed over but
//   no verdict came): the row stays 'sending' until its lease ends, then
//   becomes 'unknown' and is never resent automatically. A person who knows
//   it did not arrive requeues it by hand (store::RequeueOutboxMail); it goes
//   out with the same Message-ID, so a recipient's client can tell a
//   duplicate.
// - The directory mailer is idempotent by file name (the Message-ID), so for
//   it even a requeue never duplicates.
// Message-IDs are fixed when a mail is queued, never at sending.
#ifndef PERISCOPE_MAIL_OUTBOX_H_
#define PERISCOPE_MAIL_OUTBOX_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "mail/mailer.h"
#include "mail/message.h"
#include "store/db.h"
#include "store/outbox.h"

namespace periscope::mail {

// The outbox row for `message`: the Message-ID generated when empty, the date
// set from `clock` when unset, composed. For callers that insert it
// themselves with store::InsertOutboxMail inside their own transaction (to
// link the proposals it lists in the same transaction). Compose's errors.
Result<store::OutboxMail> PrepareOutboxMail(const Message& message, std::string_view kind,
                                            const Clock& clock);

// PrepareOutboxMail + store::EnqueueOutboxMail (its own transaction): the
// mail is queued, due now. Returns the outbox row id.
Result<int64_t> Enqueue(store::Db& db, const Message& message, std::string_view kind,
                        const Clock& clock);

// The envelope recipients stored in an outbox row ("a@x, b@y" -> {a@x, b@y}).
std::vector<std::string> SplitRecipients(std::string_view recipient);

struct RetryPolicy {
  int max_attempts = 8;
  // Delay after the first failed attempt; doubled after each further one,
  // capped at max_delay.
  std::chrono::seconds first_delay{300};
  std::chrono::seconds max_delay{6 * 3600};
  // How long a claimed row may stay 'sending' before a later run takes it for
  // an interrupted one; must exceed the Mailer's timeout.
  std::chrono::seconds sending_lease{store::kOutboxSendingLeaseS};
};

// The delay before attempt `attempts_made + 1`, given `attempts_made` >= 1.
std::chrono::seconds RetryDelay(const RetryPolicy& policy, int64_t attempts_made);

struct DeliveryStats {
  int sent = 0;
  int retried = 0;  // back to queued for a later run
  int failed = 0;
  int unknown = 0;  // interrupted rows found, and sends with no verdict
};

// First marks rows left 'sending' past their lease 'unknown' (logging a
// warning), then claims and sends due rows one by one, at most `max_messages`
// (all due rows when nullopt), recording each outcome as described above.
// A mail's error never stops the others; a store error does (returned; the
// row being sent then stays 'sending' and later becomes 'unknown').
// `db_mutex`, when given, is held around every call on `db` and released
// while a mail is being sent (a server sharing one writer connection).
Result<DeliveryStats> DeliverDue(store::Db& db, Mailer& mailer, const Clock& clock,
                                 const RetryPolicy& policy,
                                 std::optional<int> max_messages = std::nullopt,
                                 std::mutex* db_mutex = nullptr);

}  // namespace periscope::mail

#endif  // PERISCOPE_MAIL_OUTBOX_H_
