#include "mail/outbox.h"

#include <algorithm>
#include <mutex>

#include <fmt/format.h>

#include "core/clock.h"
#include "core/log.h"
#include "core/strings.h"

namespace periscope::mail {
namespace {

std::string JoinRecipients(const std::vector<Address>& to) {
  std::string out;
  for (const Address& a : to) {
    if (!out.empty()) out += ", ";
    out += a.email;
  }
  return out;
}

}  // namespace

Result<store::OutboxMail> PrepareOutboxMail(const Message& message, std::string_view kind,
                                            const Clock& clock) {
  Message fixed = message;
  if (fixed.message_id.empty()) fixed.message_id = NewMessageId(fixed.from.email);
  if (fixed.date == std::chrono::system_clock::time_point{}) fixed.date = clock.Now();
  auto text = Compose(fixed);
  if (!text.ok()) return text.status();
  store::OutboxMail mail;
  mail.message_id = fixed.message_id;
  mail.kind = std::string(kind);
  mail.sender = fixed.from.email;
  mail.recipient = JoinRecipients(fixed.to);
  mail.subject = CleanText(TruncateUtf8(fixed.subject, kMaxSubjectBytes), ' ');
  mail.message = std::move(*text);
  return mail;
}

Result<int64_t> Enqueue(store::Db& db, const Message& message, std::string_view kind,
                        const Clock& clock) {
  auto mail = PrepareOutboxMail(message, kind, clock);
  if (!mail.ok()) return mail.status();
  return store::EnqueueOutboxMail(db, *mail, UnixSeconds(clock.Now()));
}

std::vector<std::string> SplitRecipients(std::string_view recipient) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= recipient.size()) {
    size_t comma = recipient.find(',', start);
    std::string_view part = TrimWhitespace(recipient.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::chrono::seconds RetryDelay(const RetryPolicy& policy, int64_t attempts_made) {
  std::chrono::seconds delay = policy.first_delay;
  for (int64_t i = 1; i < attempts_made && delay < policy.max_delay; ++i) delay *= 2;
  return std::min(delay, policy.max_delay);
}

Result<DeliveryStats> DeliverDue(store::Db& db, Mailer& mailer, const Clock& clock,
                                 const RetryPolicy& policy, std::optional<int> max_messages,
                                 std::mutex* db_mutex) {
  // Runs a store call with db_mutex held (when given); never held while the
  // mailer sends.
  auto locked = [db_mutex](auto&& call) {
    std::unique_lock<std::mutex> lock;
    if (db_mutex != nullptr) lock = std::unique_lock<std::mutex>(*db_mutex);
    return call();
  };
  DeliveryStats stats;
  auto interrupted =
      locked([&] { return store::MarkInterruptedOutboxUnknown(db, UnixSeconds(clock.Now())); });
  if (!interrupted.ok()) return interrupted.status();
  if (*interrupted > 0) {
    stats.unknown += *interrupted;
    LogWarning(fmt::format(
        "outbox {}: {} mail(s) were being sent when a run was interrupted; marked 'unknown' and "
        "not resent (requeue by hand once you know they did not arrive)",
        db.path(), *interrupted));
  }
  for (int handled = 0; !max_messages || handled < *max_messages; ++handled) {
    auto claimed = locked([&] {
      return store::ClaimDueOutboxMail(db, UnixSeconds(clock.Now()), policy.sending_lease.count());
    });
    if (!claimed.ok()) return claimed.status();
    if (!*claimed) break;
    const store::OutboxRow& row = **claimed;
    Status sent = mailer.Send(row.mail.sender, SplitRecipients(row.mail.recipient),
                              row.mail.message_id, row.mail.message);
    int64_t now_s = UnixSeconds(clock.Now());
    if (sent.ok()) {
      PERISCOPE_RETURN_IF_ERROR(locked([&] { return store::MarkOutboxSent(db, row.id, now_s); }));
      ++stats.sent;
    } else if (sent.code() == StatusCode::kDeadlineExceeded) {
      PERISCOPE_RETURN_IF_ERROR(
          locked([&] { return store::MarkOutboxUnknown(db, row.id, sent.ToString()); }));
      LogWarning(
          fmt::format("outbox mail {}: outcome unknown, not resent: {}", row.id, sent.ToString()));
      ++stats.unknown;
    } else if (IsTransientMailError(sent) && row.attempts < policy.max_attempts) {
      int64_t next = now_s + RetryDelay(policy, row.attempts).count();
      PERISCOPE_RETURN_IF_ERROR(
          locked([&] { return store::MarkOutboxRetry(db, row.id, sent.ToString(), next); }));
      ++stats.retried;
    } else {
      std::string error = IsTransientMailError(sent) ? fmt::format("gave up after {} attempts: {}",
                                                                   row.attempts, sent.ToString())
                                                     : sent.ToString();
      PERISCOPE_RETURN_IF_ERROR(locked([&] { return store::MarkOutboxFailed(db, row.id, error); }));
      LogWarning(
          fmt::format("outbox mail {} to {}: failed: {}", row.id, row.mail.recipient, error));
      ++stats.failed;
    }
  }
  return stats;
}

}  // namespace periscope::mail
