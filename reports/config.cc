#include "reports/config.h"

#include <functional>
#include <utility>

#include <fmt/format.h>

#include "core/files.h"
#include "core/strings.h"
#include "core/xml_config.h"

namespace periscope::reports {
namespace {

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return base_dir + "/" + path;
}

std::string DirOf(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status SetText(const XmlConfig& xml, const pugi::xml_node& n, const char* field, std::string* dest,
               size_t max_bytes = 255) {
  auto v = xml.Text(n, field, max_bytes);
  if (!v.ok()) return v.status();
  if (v->has_value()) *dest = **v;
  return Status::Ok();
}

template <typename T>
Status SetUint(const XmlConfig& xml, const pugi::xml_node& n, const char* field, uint64_t min,
               uint64_t max, T* dest) {
  auto v = xml.Uint(n, field, min, max);
  if (!v.ok()) return v.status();
  if (v->has_value()) *dest = static_cast<T>(**v);
  return Status::Ok();
}

Status Load(const XmlConfig& xml, const std::string& base, ReportConfig* out) {
  pugi::xml_node root = xml.root();
  if (std::string_view(root.name()) != "periscope-report") {
    return InvalidArgumentError(fmt::format("{}: root element is <{}>, expected <periscope-report>",
                                            xml.Where(root), root.name()));
  }
  PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(
      root, {"database", "catalog", "output", "forecast", "proposals", "mail", "inquiry"}));
  if (pugi::xml_node n = root.child("database")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"path", "busy-timeout-ms"}));
    PERISCOPE_RETURN_IF_ERROR(SetText(xml, n, "path", &out->database, 1024));
    out->database = Resolve(base, out->database);
    int64_t busy_ms = out->busy_timeout.count();
    PERISCOPE_RETURN_IF_ERROR(SetUint(xml, n, "busy-timeout-ms", 0, 600000, &busy_ms));
    out->busy_timeout = std::chrono::milliseconds(busy_ms);
  }
  if (pugi::xml_node n = root.child("catalog")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"path"}));
    PERISCOPE_RETURN_IF_ERROR(SetText(xml, n, "path", &out->catalog, 1024));
    out->catalog = Resolve(base, out->catalog);
  }
  if (pugi::xml_node n = root.child("output")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"dir", "data-note"}));
    PERISCOPE_RETURN_IF_ERROR(SetText(xml, n, "dir", &out->output_dir, 1024));
    out->output_dir = Resolve(base, out->output_dir);
    PERISCOPE_RETURN_IF_ERROR(SetText(xml, n, "data-note", &out->data_note, 1000));
  }
  if (pugi::xml_node n = root.child("forecast")) {
    PERISCOPE_RETURN_IF_ERROR(
        xml.CheckKnownFields(n, {"threshold-pct", "horizon-days", "min-days", "rated-load-pct"}));
    PERISCOPE_RETURN_IF_ERROR(SetUint(xml, n, "threshold-pct", 1, 100, &out->threshold_pct));
    PERISCOPE_RETURN_IF_ERROR(SetUint(xml, n, "horizon-days", 7, 3660, &out->horizon_days));
    PERISCOPE_RETURN_IF_ERROR(SetUint(xml, n, "min-days", 3, 365, &out->min_days));
    PERISCOPE_RETURN_IF_ERROR(SetUint(xml, n, "rated-load-pct", 1, 100, &out->rated_pct));
  }
  if (pugi::xml_node n = root.child("proposals")) {
    PERISCOPE_RETURN_IF_ERROR(
        xml.CheckKnownFields(n, {"planning-horizon-days", "growth-months", "recent-load-days"}));
    PERISCOPE_RETURN_IF_ERROR(
        SetUint(xml, n, "planning-horizon-days", 1, 3660, &out->planning_horizon_days));
    PERISCOPE_RETURN_IF_ERROR(SetUint(xml, n, "growth-months", 1, 120, &out->growth_months));
    PERISCOPE_RETURN_IF_ERROR(SetUint(xml, n, "recent-load-days", 1, 366, &out->recent_load_days));
  }
  if (pugi::xml_node n = root.child("mail")) {
    MailSettings& m = out->mail;
    PERISCOPE_RETURN_IF_ERROR(
        xml.CheckKnownFields(n, {"from", "from-name", "smtp", "directory", "max-attempts",
                                 "first-retry-delay-s", "max-proposals"}));
    PERISCOPE_RETURN_IF_ERROR(SetUint(xml, n, "max-proposals", 1, 10000, &m.max_proposals));
    PERISCOPE_RETURN_IF_ERROR(SetText(xml, n, "from", &m.from_email, 254));
    PERISCOPE_RETURN_IF_ERROR(SetText(xml, n, "from-name", &m.from_name, 128));
    PERISCOPE_RETURN_IF_ERROR(SetText(xml, n, "directory", &m.directory, 1024));
    m.directory = Resolve(base, m.directory);
    PERISCOPE_RETURN_IF_ERROR(SetUint(xml, n, "max-attempts", 1, 100, &m.max_attempts));
    PERISCOPE_RETURN_IF_ERROR(
        SetUint(xml, n, "first-retry-delay-s", 1, 86400, &m.first_retry_delay_s));
    if (pugi::xml_node s = n.child("smtp")) {
      PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(
          s, {"url", "username", "password-file", "local-relay", "ca-file", "timeout-ms"}));
      SmtpSettings smtp;
      PERISCOPE_RETURN_IF_ERROR(SetText(xml, s, "url", &smtp.url, 512));
      if (smtp.url.empty()) return xml.FieldError(s, "url", "is required");
      if (!smtp.url.starts_with("smtp://") && !smtp.url.starts_with("smtps://")) {
        return xml.FieldError(s, "url", "must start with smtp:// or smtps://");
      }
      PERISCOPE_RETURN_IF_ERROR(SetText(xml, s, "username", &smtp.username, 254));
      std::string password_file;
      PERISCOPE_RETURN_IF_ERROR(SetText(xml, s, "password-file", &password_file, 1024));
      if (!password_file.empty()) {
        auto secret = ReadFileBounded(Resolve(base, password_file), 4096);
        if (!secret.ok()) {
          return xml.FieldError(s, "password-file", secret.status().message());
        }
        smtp.password = std::string(TrimWhitespace(*secret));
      }
      auto relay = xml.Bool(s, "local-relay");
      if (!relay.ok()) return relay.status();
      smtp.local_relay = relay->value_or(false);
      PERISCOPE_RETURN_IF_ERROR(SetText(xml, s, "ca-file", &smtp.ca_file, 1024));
      smtp.ca_file = Resolve(base, smtp.ca_file);
      PERISCOPE_RETURN_IF_ERROR(SetUint(xml, s, "timeout-ms", 100, 600000, &smtp.timeout_ms));
      m.smtp = std::move(smtp);
    }
  }
  if (pugi::xml_node n = root.child("inquiry")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"delivery-place", "ca-file", "site"}));
    PERISCOPE_RETURN_IF_ERROR(SetText(xml, n, "delivery-place", &out->delivery_place, 255));
    PERISCOPE_RETURN_IF_ERROR(SetText(xml, n, "ca-file", &out->ca_file, 1024));
    out->ca_file = Resolve(base, out->ca_file);
    for (pugi::xml_node s : n.children("site")) {
      PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(s, {"name", "url", "timeout-ms"}));
      SiteSettings site;
      PERISCOPE_RETURN_IF_ERROR(SetText(xml, s, "name", &site.name, 64));
      PERISCOPE_RETURN_IF_ERROR(SetText(xml, s, "url", &site.url, 512));
      PERISCOPE_RETURN_IF_ERROR(SetUint(xml, s, "timeout-ms", 100, 600000, &site.timeout_ms));
      if (site.name.empty()) return xml.FieldError(s, "name", "is required");
      if (!site.url.starts_with("http://") && !site.url.starts_with("https://")) {
        return xml.FieldError(s, "url", "must start with http:// or https://");
      }
      for (const SiteSettings& other : out->sites) {
        if (other.name == site.name) {
          return xml.FieldError(s, "name", fmt::format("site '{}' is named twice", site.name));
        }
      }
      out->sites.push_back(std::move(site));
    }
  }
  if (out->mail.directory.empty()) out->mail.directory = out->output_dir + "/mail";
  return Status::Ok();
}

}  // namespace

ReportConfig DefaultReportConfig(const std::string& sysconfdir, const std::string& statedir) {
  ReportConfig c;
  c.database = statedir + "/periscope.db";
  c.catalog = sysconfdir + "/catalog.xml";
  c.output_dir = statedir + "/reports";
  return c;
}

Result<ReportConfig> ParseReportConfig(std::string content, const std::string& name,
                                       ReportConfig defaults) {
  auto xml = XmlConfig::LoadString(std::move(content), name);
  if (!xml.ok()) return xml.status();
  ReportConfig out = std::move(defaults);
  PERISCOPE_RETURN_IF_ERROR(Load(**xml, DirOf(name), &out));
  return out;
}

Result<ReportConfig> LoadReportConfig(const std::string& path, ReportConfig defaults) {
  auto xml = XmlConfig::LoadFile(path);
  if (!xml.ok()) return xml.status();
  ReportConfig out = std::move(defaults);
  PERISCOPE_RETURN_IF_ERROR(Load(**xml, DirOf(path), &out));
  return out;
}

}  // namespace periscope::reports
