#include "mail/mailer.h"

#include "mail/directory_mailer.h"
#include "mail/settings.h"
#include "mail/smtp_mailer.h"

namespace periscope::mail {

Mailer::~Mailer() = default;

bool IsTransientMailError(const Status& status) {
  return status.code() == StatusCode::kUnavailable;
}

Result<std::unique_ptr<Mailer>> MakeMailer(const MailSettings& settings) {
  if (settings.smtp) {
    SmtpConfig smtp;
    smtp.url = settings.smtp->url;
    smtp.username = settings.smtp->username;
    smtp.password = settings.smtp->password;
    smtp.local_relay = settings.smtp->local_relay;
    smtp.ca_file = settings.smtp->ca_file;
    smtp.timeout_ms = static_cast<long>(settings.smtp->timeout_ms);
    return MakeSmtpMailer(smtp);
  }
  return MakeDirectoryMailer(settings.directory);
}

}  // namespace periscope::mail
