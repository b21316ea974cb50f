#include "mail/settings.h"

#include <utility>

#include "core/files.h"
#include "core/strings.h"

namespace periscope::mail {

Status ParseMailSettings(const XmlConfig& xml, const pugi::xml_node& node,
                         const std::string& base_dir, MailSettings* out,
                         const std::vector<std::string_view>& extra_fields) {
  std::vector<std::string_view> known = {"from",      "from-name",    "smtp",
                                         "directory", "max-attempts", "first-retry-delay-s"};
  known.insert(known.end(), extra_fields.begin(), extra_fields.end());
  PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(node, known));
  PERISCOPE_RETURN_IF_ERROR(xml.SetText(node, "from", &out->from_email, 254));
  PERISCOPE_RETURN_IF_ERROR(xml.SetText(node, "from-name", &out->from_name, 128));
  std::string directory;
  PERISCOPE_RETURN_IF_ERROR(xml.SetText(node, "directory", &directory, 1024));
  if (!directory.empty()) out->directory = ResolvePath(base_dir, directory);
  PERISCOPE_RETURN_IF_ERROR(xml.SetUint(node, "max-attempts", 1, 100, &out->max_attempts));
  PERISCOPE_RETURN_IF_ERROR(
      xml.SetUint(node, "first-retry-delay-s", 1, 86400, &out->first_retry_delay_s));
  pugi::xml_node s = node.child("smtp");
  if (!s) return Status::Ok();
  PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(
      s, {"url", "username", "password-file", "local-relay", "ca-file", "timeout-ms"}));
  SmtpSettings smtp;
  PERISCOPE_RETURN_IF_ERROR(xml.SetText(s, "url", &smtp.url, 512));
  if (smtp.url.empty()) return xml.FieldError(s, "url", "is required");
  if (!smtp.url.starts_with("smtp://") && !smtp.url.starts_with("smtps://")) {
    return xml.FieldError(s, "url", "must start with smtp:// or smtps://");
  }
  PERISCOPE_RETURN_IF_ERROR(xml.SetText(s, "username", &smtp.username, 254));
  std::string password_file;
  PERISCOPE_RETURN_IF_ERROR(xml.SetText(s, "password-file", &password_file, 1024));
  if (!password_file.empty()) {
    auto secret = ReadFileBounded(ResolvePath(base_dir, password_file), 4096);
    if (!secret.ok()) return xml.FieldError(s, "password-file", secret.status().message());
    smtp.password = std::string(TrimWhitespace(*secret));
  }
  auto relay = xml.Bool(s, "local-relay");
  if (!relay.ok()) return relay.status();
  smtp.local_relay = relay->value_or(false);
  PERISCOPE_RETURN_IF_ERROR(xml.SetText(s, "ca-file", &smtp.ca_file, 1024));
  smtp.ca_file = ResolvePath(base_dir, smtp.ca_file);
  PERISCOPE_RETURN_IF_ERROR(xml.SetUint(s, "timeout-ms", 100, 600000, &smtp.timeout_ms));
  out->smtp = std::move(smtp);
  return Status::Ok();
}

RetryPolicy RetryPolicyOf(const MailSettings& settings) {
  RetryPolicy policy;
  policy.max_attempts = settings.max_attempts;
  policy.first_delay = std::chrono::seconds(settings.first_retry_delay_s);
  return policy;
}

}  // namespace periscope::mail
