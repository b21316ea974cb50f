// periscope-portal's configuration (etc/periscope-portal.xml). Errors name
// file:line:column and the field; unknown elements and attributes are errors.
//
// <periscope-portal>
//   <database path="/var/lib/periscope/periscope.db" busy-timeout-ms="10000"/>
//   <report config="periscope-report.xml"/>   catalog, thresholds, data note
//   <listen address="127.0.0.1" port="8480" threads="4"/>
//   <public-url>https://portal.example.com</public-url>  the origin browsers
//       see (behind the reverse proxy): the Origin check and invite links
//   <reverse-proxy trusted="127.0.0.1 ::1"/>  whose X-Forwarded-For is believed
//   <limits max-connections="1024" max-connections-per-ip="64" idle-timeout-s="15"
//           max-header-bytes="8192" max-body-bytes="16384" max-field-bytes="2000"/>
//   <rate-limit address-burst="120" address-per-second="4"
//               account-burst="30" account-per-second="0.5"
//               post-burst="20" post-per-second="0.2"/>
//   <session ttl-s="28800" secure-cookies="true"/>
//   <sign-in max-failures="5" lock-s="900"/>
//   <invite ttl-s="259200"/>
//   <fallback-sales name="Sales desk" email="sales@vendor.example"/>
//   <mail from="..." ...> (mail/settings.h) </mail>
// </periscope-portal>
#ifndef PERISCOPE_PORTAL_CONFIG_H_
#define PERISCOPE_PORTAL_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "mail/settings.h"
#include "portal/http_server.h"
#include "portal/rate_limit.h"

namespace periscope::portal {

struct PortalConfig {
  std::string database;
  std::chrono::milliseconds busy_timeout{10000};
  std::string report_config;  // periscope-report.xml: catalog, thresholds, data note
  HttpServerOptions http;     // listen address/port/threads and limits
  size_t max_field_bytes = 2000;
  std::string public_url;  // "" : http://ADDRESS:PORT as listened on
  // Peers whose X-Forwarded-For is believed (the reverse proxy): for them the
  // client address is the last address of that header. Literal addresses.
  std::vector<std::string> trusted_proxies;
  // Per client address, every request.
  RateLimitOptions address_limit{120, 4, 100000};
  // Per signed-in account (or per user id tried at sign-in), every request.
  RateLimitOptions account_limit{30, 0.5, 100000};
  // Per client address, POSTs that store or mail (sign-in, contact, update,
  // set password).
  RateLimitOptions post_limit{20, 0.2, 100000};
  int64_t session_ttl_s = 8 * 3600;
  bool secure_cookies = true;
  int max_failed_signins = 5;
  int64_t lock_s = 900;
  int64_t invite_ttl_s = 3 * 24 * 3600;
  // Who is mailed when a customer has no sales person assigned; empty email:
  // such requests are refused with a message to call the vendor.
  std::string fallback_sales_name;
  std::string fallback_sales_email;
  mail::MailSettings mail;
};

// Defaults: files under `sysconfdir` and `statedir`, port 8480 on 127.0.0.1.
PortalConfig DefaultPortalConfig(const std::string& sysconfdir, const std::string& statedir);
// Parses `content` over `defaults`; relative paths are resolved against the
// directory of `name`.
Result<PortalConfig> ParsePortalConfig(std::string content, const std::string& name,
                                       PortalConfig defaults);
Result<PortalConfig> LoadPortalConfig(const std::string& path, PortalConfig defaults);

}  // namespace periscope::portal

#endif  // PERISCOPE_PORTAL_CONFIG_H_
