// The <mail> element every periscope tool's config shares (periscope-report,
// periscope-claim, periscope-portal), and the Mailer and retry policy it
// describes.
//
//   <mail from="periscope@vendor.example" from-name="periscope"
//         directory="mail" max-attempts="8" first-retry-delay-s="300">
//     <smtp url="smtp://127.0.0.1:25" local-relay="true"/>   <!-- or username,
//           password-file, ca-file, timeout-ms -->
//   </mail>
//
// Without <smtp>, mail is written as .eml files into `directory`.
#ifndef PERISCOPE_MAIL_SETTINGS_H_
#define PERISCOPE_MAIL_SETTINGS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/xml_config.h"
#include "mail/mailer.h"
#include "mail/outbox.h"

namespace periscope::mail {

struct SmtpSettings {
  std::string url;  // smtp://host:port (STARTTLS) or smtps://host:port
  std::string username;
  std::string password;      // from password-file (never inline in the config)
  bool local_relay = false;  // plain SMTP to a relay on this host
  std::string ca_file;
  int64_t timeout_ms = 30000;
};

struct MailSettings {
  std::string from_email = "periscope@localhost";
  std::string from_name = "periscope";
  std::optional<SmtpSettings> smtp;  // none: .eml files in `directory`
  std::string directory;             // the tool sets its default
  int max_attempts = 8;
  int64_t first_retry_delay_s = 300;
};

// Reads the <mail> element `node` into `out` (fields absent keep their
// values). Relative paths (directory, password-file, ca-file) are resolved
// against `base_dir`. `extra_fields` are further attributes the caller reads
// itself from the same element. Errors name file:line:column and the field.
Status ParseMailSettings(const XmlConfig& xml, const pugi::xml_node& node,
                         const std::string& base_dir, MailSettings* out,
                         const std::vector<std::string_view>& extra_fields = {});

// The SMTP mailer when <smtp> is set, else the .eml directory mailer
// (defined in mailer.cc, so parsing settings needs neither transport).
Result<std::unique_ptr<Mailer>> MakeMailer(const MailSettings& settings);

// The outbox retry policy of these settings.
RetryPolicy RetryPolicyOf(const MailSettings& settings);

}  // namespace periscope::mail

#endif  // PERISCOPE_MAIL_SETTINGS_H_
