#include "portal/http.h"

#include <fmt/format.h>

#include "core/strings.h"

namespace periscope::portal {
namespace {

// How much of an untrusted field name an error message quotes.
constexpr size_t kQuotedNameBytes = 64;

const std::string& Empty() {
  static const std::string* const empty = new std::string();
  return *empty;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes '+' and %XX; false on a malformed escape.
bool DecodeFormComponent(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '+') {
      out->push_back(' ');
    } else if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out->push_back(c);
    }
  }
  return true;
}

// A value may hold line breaks and tabs (a textarea), nothing else of C0/C1.
bool IsCleanValue(std::string_view value) {
  std::string probe(value);
  for (char& c : probe) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return IsCleanUtf8Text(probe);
}

std::string Quoted(std::string_view name) {
  return CleanText(TruncateUtf8(name, kQuotedNameBytes), '?');
}

Result<std::map<std::string, std::string>> ParseUrlEncoded(std::string_view text,
                                                           size_t max_field_bytes) {
  std::map<std::string, std::string> fields;
  size_t index = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t amp = text.find('&', start);
    std::string_view pair =
        text.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    start = amp == std::string_view::npos ? text.size() + 1 : amp + 1;
    if (pair.empty()) continue;  // "a=1&&b=2", a trailing '&'
    ++index;
    size_t eq = pair.find('=');
    std::string_view raw_name = pair.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::string name;
    if (!DecodeFormComponent(raw_name, &name)) {
      return InvalidArgumentError(fmt::format("field {}: malformed %-escape in the name", index));
    }
    if (name.empty()) return InvalidArgumentError(fmt::format("field {}: no name", index));
    if (name.size() > max_field_bytes) {
      return OutOfRangeError(fmt::format("field {}: name over {} bytes", index, max_field_bytes));
    }
    if (!IsCleanUtf8Text(name) || name.find('\t') != std::string::npos) {
      return InvalidArgumentError(
          fmt::format("field {}: name is not UTF-8 text without control characters", index));
    }
    std::string value;
    if (!DecodeFormComponent(raw_value, &value)) {
      return InvalidArgumentError(fmt::format("field '{}': malformed %-escape", Quoted(name)));
    }
    if (value.size() > max_field_bytes) {
      return OutOfRangeError(
          fmt::format("field '{}': over {} bytes", Quoted(name), max_field_bytes));
    }
    if (!IsCleanValue(value)) {
      return InvalidArgumentError(fmt::format(
          "field '{}': not UTF-8 text, or a control character other than CR, LF and tab",
          Quoted(name)));
    }
    if (fields.contains(name)) {
      return InvalidArgumentError(fmt::format("field '{}': given more than once", Quoted(name)));
    }
    fields.emplace(std::move(name), std::move(value));
  }
  return fields;
}

bool IsUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string_view TrimCookieSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '%';
}

}  // namespace

const std::string& Request::Header(std::string_view lower_case_name) const {
  auto it = headers.find(std::string(lower_case_name));
  return it == headers.end() ? Empty() : it->second;
}

const std::string& Request::Query(std::string_view name) const {
  auto it = query.find(std::string(name));
  return it == query.end() ? Empty() : it->second;
}

std::optional<std::string> Response::FindHeader(std::string_view name) const {
  std::string wanted = AsciiLower(name);
  for (const auto& [key, value] : headers) {
    if (AsciiLower(key) == wanted) return value;
  }
  return std::nullopt;
}

Result<std::map<std::string, std::string>> ParseForm(std::string_view body,
                                                     size_t max_field_bytes) {
  return ParseUrlEncoded(body, max_field_bytes);
}

Result<std::map<std::string, std::string>> ParseQuery(std::string_view query,
                                                      size_t max_field_bytes) {
  return ParseUrlEncoded(query, max_field_bytes);
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (IsUnreserved(c)) {
      out.push_back(c);
    } else {
      auto byte = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0x0f]);
    }
  }
  return out;
}

std::map<std::string, std::string> ParseCookies(std::string_view header) {
  std::map<std::string, std::string> cookies;
  size_t start = 0;
  while (start <= header.size()) {
    size_t semi = header.find(';', start);
    std::string_view pair = header.substr(
        start, semi == std::string_view::npos ? std::string_view::npos : semi - start);
    start = semi == std::string_view::npos ? header.size() + 1 : semi + 1;
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = TrimCookieSpace(pair.substr(0, eq));
    std::string_view value = TrimCookieSpace(pair.substr(eq + 1));
    if (name.empty()) continue;
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    cookies.emplace(std::string(name), std::string(value));  // the first one stays
  }
  return cookies;
}

std::string SetCookieValue(std::string_view name, std::string_view value,
                           const CookieOptions& options) {
  std::string out = fmt::format("{}={}", name, value);
  if (!options.path.empty()) out += fmt::format("; Path={}", options.path);
  if (options.max_age_s >= 0) out += fmt::format("; Max-Age={}", options.max_age_s);
  if (options.secure) out += "; Secure";
  if (options.http_only) out += "; HttpOnly";
  if (!options.same_site.empty()) out += fmt::format("; SameSite={}", options.same_site);
  return out;
}

std::string OriginOf(std::string_view url) {
  std::string text = AsciiLower(TrimWhitespace(url));
  std::string_view rest(text);
  std::string scheme;
  if (rest.starts_with("http://")) {
    scheme = "http";
  } else if (rest.starts_with("https://")) {
    scheme = "https";
  } else {
    return "";
  }
  rest.remove_prefix(scheme.size() + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos || close < 2) return "";
    for (char c : authority.substr(1, close - 1)) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == ':' || c == '.')) return "";
    }
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "";
      port = after.substr(1);
      if (port.empty()) return "";
    }
  } else {
    size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) return "";
    }
    if (host.empty()) return "";
    for (char c : host) {
      if (!IsHostChar(c)) return "";  // userinfo ('@'), spaces, a second ':' ...
    }
  }
  if (!port.empty()) {
    auto number = ParseUint64(port);
    if (!number || *number > 65535 || port.size() > 5) return "";
    // Browsers leave the scheme's default port out of an Origin.
    if ((scheme == "http" && *number == 80) || (scheme == "https" && *number == 443)) port = {};
  }
  return port.empty() ? fmt::format("{}://{}", scheme, host)
                      : fmt::format("{}://{}:{}", scheme, host, port);
}

}  // namespace periscope::portal
