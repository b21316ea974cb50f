// The portal's view of HTTP: a parsed request and the response to it, with no
// server library in sight (portal/http_server.h adapts libmicrohttpd to
// these), so the application (portal/portal.h) is tested by calling it.
#ifndef PERISCOPE_PORTAL_HTTP_H_
#define PERISCOPE_PORTAL_HTTP_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace periscope::portal {

struct Request {
  std::string method;                        // "GET", "POST" ...
  std::string path;                          // percent-decoded path, without the query: "/products"
  std::map<std::string, std::string> query;  // decoded; a repeated name keeps the first
  // Header names lower-case; a repeated header keeps the first.
  std::map<std::string, std::string> headers;
  std::string body;       // as received (at most the configured body cap)
  std::string client_ip;  // the peer's address ("127.0.0.1", "::1")

  // "" when absent.
  const std::string& Header(std::string_view lower_case_name) const;
  const std::string& Query(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/html; charset=utf-8";
  // Extra headers, in order (Set-Cookie may repeat).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  void AddHeader(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  // The first header of that name (case-insensitive), or nullopt.
  std::optional<std::string> FindHeader(std::string_view name) const;
};

using Handler = std::function<Response(const Request&)>;

// Decodes application/x-www-form-urlencoded `body` ('+' is a space, %XX).
// InvalidArgument naming the field for a malformed escape, a repeated field,
// invalid UTF-8, or a control character other than CR, LF and TAB in a
// value. A field longer than `max_field_bytes` is OutOfRange naming it.
Result<std::map<std::string, std::string>> ParseForm(std::string_view body, size_t max_field_bytes);
// The same for a query string (without the '?').
Result<std::map<std::string, std::string>> ParseQuery(std::string_view query,
                                                      size_t max_field_bytes);
// Percent-encodes for a URL query value or path segment (unreserved kept).
std::string UrlEncode(std::string_view text);

// Cookies of a Cookie header ("a=1; b=2"); a repeated name keeps the first.
std::map<std::string, std::string> ParseCookies(std::string_view header);

struct CookieOptions {
  int64_t max_age_s = -1;  // -1: a session cookie (no Max-Age); 0: delete
  bool secure = true;
  bool http_only = true;
  std::string same_site = "Strict";
  std::string path = "/";
};
// A Set-Cookie value. REQUIRES: name and value are cookie-safe (tokens made
// by portal/auth.h, fixed names).
std::string SetCookieValue(std::string_view name, std::string_view value,
                           const CookieOptions& options);

// "scheme://host[:port]" of an Origin or Referer header value, lower-cased;
// "" when it is not an absolute http(s) URL (including "null").
std::string OriginOf(std::string_view url);

}  // namespace periscope::portal

#endif  // PERISCOPE_PORTAL_HTTP_H_
