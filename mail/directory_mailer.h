// A Mailer that writes each message to a directory as an .eml file.
#ifndef PERISCOPE_MAIL_DIRECTORY_MAILER_H_
#define PERISCOPE_MAIL_DIRECTORY_MAILER_H_

#include <memory>
#include <string>

#include "core/status.h"
#include "mail/mailer.h"

namespace periscope::mail {

// For the demo and any site without an SMTP server: Send writes the composed
// message to `<dir>/<message id>.eml` (the ID without its angle brackets,
// every byte other than letters, digits, '.', '-', '_' and '@' written as
// '_'), atomically (a temporary file, fsync, rename, fsync of the directory),
// so a person or a mail client opens a complete message or none. Idempotent:
// when the file for a message ID exists, Send succeeds without rewriting it,
// so a retry never duplicates a mail. The envelope is not recorded (the
// message's own To header names the recipients). Creates `dir` when missing;
// errors name the path (a full disk is Unavailable: retried later).
Result<std::unique_ptr<Mailer>> MakeDirectoryMailer(const std::string& dir);

// The file name Send uses for `message_id`.
std::string EmlFileName(const std::string& message_id);

}  // namespace periscope::mail

#endif  // PERISCOPE_MAIL_DIRECTORY_MAILER_H_
