#include "core/strings.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace periscope {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

std::string_view TrimWhitespace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> SplitWhitespace(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    size_t start = i;
    while (i < s.size() && !IsSpace(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::optional<uint64_t> ParseUint64(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t value = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::optional<uint64_t> ParseByteCount(std::string_view s) {
  s = TrimWhitespace(s);
  size_t i = 0;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
  std::string_view number = s.substr(0, i);
  std::string_view suffix = TrimWhitespace(s.substr(i));
  if (number.empty()) return std::nullopt;
  struct Unit {
    std::string_view name;
    uint64_t factor;
  };
  static constexpr Unit kUnits[] = {
      {"", 1},
      {"B", 1},
      {"kB", 1000ULL},
      {"KB", 1000ULL},
      {"MB", 1000ULL * 1000},
      {"GB", 1000ULL * 1000 * 1000},
      {"TB", 1000ULL * 1000 * 1000 * 1000},
      {"PB", 1000ULL * 1000 * 1000 * 1000 * 1000},
      {"KiB", 1ULL << 10},
      {"MiB", 1ULL << 20},
      {"GiB", 1ULL << 30},
      {"TiB", 1ULL << 40},
      {"PiB", 1ULL << 50},
  };
  const Unit* unit = nullptr;
  for (const Unit& u : kUnits) {
    if (u.name == suffix) unit = &u;
  }
  if (unit == nullptr) return std::nullopt;
  if (number.find('.') == std::string_view::npos) {
    auto n = ParseUint64(number);
    if (!n) return std::nullopt;
    if (*n > std::numeric_limits<uint64_t>::max() / unit->factor) return std::nullopt;
    return *n * unit->factor;
  }
  if (unit->factor == 1) return std::nullopt;  // fractional bytes make no sense
  size_t dot = number.find('.');
  if (number.find('.', dot + 1) != std::string_view::npos || dot == 0 || dot + 1 == number.size())
    return std::nullopt;
  auto whole = ParseUint64(number.substr(0, dot));
  std::string_view frac = number.substr(dot + 1);
  if (!whole || frac.size() > 6) return std::nullopt;
  auto frac_value = ParseUint64(frac);
  if (!frac_value) return std::nullopt;
  uint64_t scale = 1;
  for (size_t k = 0; k < frac.size(); ++k) scale *= 10;
  if (*whole > std::numeric_limits<uint64_t>::max() / unit->factor) return std::nullopt;
  long double total = static_cast<long double>(*whole) * static_cast<long double>(unit->factor) +
                      static_cast<long double>(*frac_value) *
                          static_cast<long double>(unit->factor) / static_cast<long double>(scale);
  if (total >= static_cast<long double>(std::numeric_limits<uint64_t>::max())) return std::nullopt;
  return static_cast<uint64_t>(std::llround(total));
}

bool IsCleanUtf8Text(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates, out of range, C1 controls.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || (cp >= 0x80 && cp <= 0x9f))
      return false;
    i += len;
  }
  return true;
}

std::string TruncateUtf8(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  size_t end = max_bytes;
  // Step back over continuation bytes so a multi-byte sequence is never split.
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xc0) == 0x80) --end;
  return std::string(s.substr(0, end));
}

std::string CleanText(std::string_view s, char control_replacement) {
  std::string out(s);
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = control_replacement;
  }
  if (!IsCleanUtf8Text(out)) {
    for (char& c : out) {
      if (static_cast<unsigned char>(c) >= 0x80) c = '?';
    }
  }
  return out;
}

std::string NormalizeLineBreaks(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\r') {
      out += s[i];
      continue;
    }
    out += '\n';
    if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
  }
  return out;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return out;
}

std::string HostPort(std::string_view host, int port) {
  return host.find(':') != std::string_view::npos ? fmt::format("[{}]:{}", host, port)
                                                  : fmt::format("{}:{}", host, port);
}

}  // namespace periscope
