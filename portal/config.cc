#include "portal/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <utility>

#include <fmt/format.h>

#include "core/files.h"
#include "core/strings.h"
#include "core/xml_config.h"
#include "mail/message.h"
#include "portal/http.h"
#include "store/db_config.h"

namespace periscope::portal {
namespace {

// A decimal number field in [min, max], left unchanged when absent.
Status SetNumber(const XmlConfig& xml, const pugi::xml_node& n, std::string_view field, double min,
                 double max, double* dest) {
  auto text = xml.Text(n, field, 32);
  if (!text.ok()) return text.status();
  if (!text->has_value()) return Status::Ok();
  const std::string& s = **text;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (s.empty() || end != s.c_str() + s.size() || errno != 0 || !std::isfinite(v) || v < min ||
      v > max) {
    return xml.FieldError(n, field, fmt::format("'{}' is not a number in {}..{}", s, min, max));
  }
  *dest = v;
  return Status::Ok();
}

Status LoadRateLimit(const XmlConfig& xml, const pugi::xml_node& n, std::string_view prefix,
                     RateLimitOptions* out) {
  PERISCOPE_RETURN_IF_ERROR(SetNumber(xml, n, std::string(prefix) + "-burst", 1, 1e6, &out->burst));
  return SetNumber(xml, n, std::string(prefix) + "-per-second", 0.001, 1e6,
                   &out->refill_per_second);
}

Status Load(const XmlConfig& xml, const std::string& base, PortalConfig* out) {
  pugi::xml_node root = xml.root();
  if (std::string_view(root.name()) != "periscope-portal") {
    return InvalidArgumentError(fmt::format("{}: root element is <{}>, expected <periscope-portal>",
                                            xml.Where(root), root.name()));
  }
  PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(
      root, {"database", "report", "listen", "public-url", "limits", "rate-limit", "session",
             "sign-in", "invite", "fallback-sales", "reverse-proxy", "mail"}));
  if (pugi::xml_node n = root.child("database")) {
    PERISCOPE_RETURN_IF_ERROR(
        store::ParseDatabaseElement(xml, n, base, &out->database, &out->busy_timeout));
  }
  if (pugi::xml_node n = root.child("report")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"config"}));
    PERISCOPE_RETURN_IF_ERROR(xml.SetText(n, "config", &out->report_config, 1024));
    out->report_config = ResolvePath(base, out->report_config);
  }
  if (pugi::xml_node n = root.child("listen")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"address", "port", "threads"}));
    PERISCOPE_RETURN_IF_ERROR(xml.SetText(n, "address", &out->http.address, 64));
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "port", 0, 65535, &out->http.port));
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "threads", 1, 256, &out->http.threads));
  }
  if (pugi::xml_node n = root.child("public-url")) {
    auto url = xml.Text(root, "public-url", 512);
    if (!url.ok()) return url.status();
    std::string origin = OriginOf(**url);
    if (origin.empty()) {
      return xml.FieldError(root, "public-url",
                            fmt::format("'{}' is not an http:// or https:// URL", **url));
    }
    out->public_url = origin;
  }
  if (pugi::xml_node n = root.child("reverse-proxy")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"trusted"}));
    std::string trusted;
    PERISCOPE_RETURN_IF_ERROR(xml.SetText(n, "trusted", &trusted, 1024));
    out->trusted_proxies.clear();
    for (std::string_view word : SplitWhitespace(trusted)) {
      in6_addr v6{};
      in_addr v4{};
      std::string text(word);
      if (inet_pton(AF_INET, text.c_str(), &v4) != 1 &&
          inet_pton(AF_INET6, text.c_str(), &v6) != 1) {
        return xml.FieldError(n, "trusted", fmt::format("'{}' is not an IP address", text));
      }
      out->trusted_proxies.push_back(text);
    }
  }
  if (pugi::xml_node n = root.child("limits")) {
    PERISCOPE_RETURN_IF_ERROR(
        xml.CheckKnownFields(n, {"max-connections", "max-connections-per-ip", "idle-timeout-s",
                                 "max-header-bytes", "max-body-bytes", "max-field-bytes"}));
    PERISCOPE_RETURN_IF_ERROR(
        xml.SetUint(n, "max-connections", 1, 100000, &out->http.max_connections));
    PERISCOPE_RETURN_IF_ERROR(
        xml.SetUint(n, "max-connections-per-ip", 1, 100000, &out->http.max_connections_per_ip));
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "idle-timeout-s", 1, 3600, &out->http.idle_timeout_s));
    PERISCOPE_RETURN_IF_ERROR(
        xml.SetUint(n, "max-header-bytes", 1024, 1 << 20, &out->http.max_header_bytes));
    PERISCOPE_RETURN_IF_ERROR(
        xml.SetUint(n, "max-body-bytes", 1024, 16 << 20, &out->http.max_body_bytes));
    PERISCOPE_RETURN_IF_ERROR(
        xml.SetUint(n, "max-field-bytes", 64, 1 << 20, &out->max_field_bytes));
  }
  if (pugi::xml_node n = root.child("rate-limit")) {
    PERISCOPE_RETURN_IF_ERROR(
        xml.CheckKnownFields(n, {"address-burst", "address-per-second", "account-burst",
                                 "account-per-second", "post-burst", "post-per-second"}));
    PERISCOPE_RETURN_IF_ERROR(LoadRateLimit(xml, n, "address", &out->address_limit));
    PERISCOPE_RETURN_IF_ERROR(LoadRateLimit(xml, n, "account", &out->account_limit));
    PERISCOPE_RETURN_IF_ERROR(LoadRateLimit(xml, n, "post", &out->post_limit));
  }
  if (pugi::xml_node n = root.child("session")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"ttl-s", "secure-cookies"}));
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "ttl-s", 60, 30 * 86400, &out->session_ttl_s));
    auto secure = xml.Bool(n, "secure-cookies");
    if (!secure.ok()) return secure.status();
    if (secure->has_value()) out->secure_cookies = **secure;
  }
  if (pugi::xml_node n = root.child("sign-in")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"max-failures", "lock-s"}));
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "max-failures", 1, 100, &out->max_failed_signins));
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "lock-s", 1, 30 * 86400, &out->lock_s));
  }
  if (pugi::xml_node n = root.child("invite")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"ttl-s"}));
    PERISCOPE_RETURN_IF_ERROR(xml.SetUint(n, "ttl-s", 60, 30 * 86400, &out->invite_ttl_s));
  }
  if (pugi::xml_node n = root.child("fallback-sales")) {
    PERISCOPE_RETURN_IF_ERROR(xml.CheckKnownFields(n, {"name", "email"}));
    PERISCOPE_RETURN_IF_ERROR(xml.SetText(n, "name", &out->fallback_sales_name, 200));
    PERISCOPE_RETURN_IF_ERROR(xml.SetText(n, "email", &out->fallback_sales_email, 254));
    if (!out->fallback_sales_email.empty()) {
      Status valid = mail::ValidateAddress(out->fallback_sales_email);
      if (!valid.ok()) return xml.FieldError(n, "email", valid.message());
    }
  }
  if (pugi::xml_node n = root.child("mail")) {
    PERISCOPE_RETURN_IF_ERROR(mail::ParseMailSettings(xml, n, base, &out->mail));
  }
  return Status::Ok();
}

}  // namespace

PortalConfig DefaultPortalConfig(const std::string& sysconfdir, const std::string& statedir) {
  PortalConfig c;
  c.database = statedir + "/periscope.db";
  c.report_config = sysconfdir + "/periscope-report.xml";
  c.http.port = 8480;
  c.mail.directory = statedir + "/portal-mail";
  c.mail.from_name = "periscope portal";
  return c;
}

Result<PortalConfig> ParsePortalConfig(std::string content, const std::string& name,
                                       PortalConfig defaults) {
  return ParseConfigText(std::move(content), name, std::move(defaults), Load);
}

Result<PortalConfig> LoadPortalConfig(const std::string& path, PortalConfig defaults) {
  return LoadConfigFile(path, std::move(defaults), Load);
}

}  // namespace periscope::portal
