// A Mailer that submits over SMTP with libcurl.
#ifndef PERISCOPE_MAIL_SMTP_MAILER_H_
#define PERISCOPE_MAIL_SMTP_MAILER_H_

#include <memory>
#include <string>

#include "core/status.h"
#include "mail/mailer.h"

namespace periscope::mail {

struct SmtpConfig {
  // "smtp://host:port" (STARTTLS) or "smtps://host:port" (TLS from the
  // start); no user name, password, path or query in it. IPv6 as [::1].
  std::string url;
  // AUTH (PLAIN, LOGIN... as the server offers) when username is set.
  std::string username, password;
  // true: plain SMTP to a relay on this host (the host must be loopback:
  // localhost, 127.0.0.0/8, ::1). false: TLS is required (STARTTLS that must
  // succeed on smtp://, or smtps://); a server that does not offer STARTTLS
  // gets nothing.
  bool local_relay = false;
  // PEM file of the CA (or self-signed certificate) to trust instead of the
  // system's; empty: the system store. The certificate and host name are
  // always verified.
  std::string ca_file;
  long timeout_ms = 30000;  // the whole transaction, connect included
  // The EHLO name; empty: libcurl's default (this host's name).
  std::string helo_domain;
};

// Checks the config and returns a mailer; InvalidArgument naming the field
// ("smtp url", "smtp local_relay", "smtp helo_domain", "smtp timeout_ms")
// when it is wrong. Each Send opens one connection and sends one message.
// Errors are classified as Mailer documents; their messages name the URL and
// say what failed, never the password.
Result<std::unique_ptr<Mailer>> MakeSmtpMailer(const SmtpConfig& config);

}  // namespace periscope::mail

#endif  // PERISCOPE_MAIL_SMTP_MAILER_H_
