// The narrow seam between the outbox and a mail transport.
#ifndef PERISCOPE_MAIL_MAILER_H_
#define PERISCOPE_MAIL_MAILER_H_

#include <string>
#include <vector>

#include "core/status.h"

namespace periscope::mail {

// Hands one composed message to a transport (an SMTP server, a directory).
// Implementations are not thread-safe: one Mailer per thread.
//
// Send's result is classified so the outbox knows whether to try again:
// - ok: the transport accepted the message for every recipient.
// - Unavailable: transient, nothing was accepted (connection refused or
//   reset before the message was handed over, timeout, an SMTP 4xx reply,
//   a full disk for the directory mailer): try again later.
// - DeadlineExceeded: the whole message was handed over but the server's
//   verdict never came (timeout or connection lost after the final dot): it
//   may have been delivered, so it is not retried automatically.
// - InvalidArgument (an SMTP 5xx reply: recipient or sender refused, message
//   rejected; a bad address), PermissionDenied (authentication failed, TLS
//   required but not offered, certificate not trusted), and anything else:
//   permanent; retrying cannot help.
// Messages never contain a password.
class Mailer {
 public:
  virtual ~Mailer();
  // `envelope_from` and each of `recipients` are bare addresses
  // ("a@example.com"); `message_id` is the Message-ID header's value, the
  // same on every retry; `rfc5322` is the composed message (CRLF lines).
  virtual Status Send(const std::string& envelope_from, const std::vector<std::string>& recipients,
                      const std::string& message_id, const std::string& rfc5322) = 0;
};

// True for the codes the outbox retries (Unavailable).
bool IsTransientMailError(const Status& status);

}  // namespace periscope::mail

#endif  // PERISCOPE_MAIL_MAILER_H_
