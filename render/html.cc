#include "render/html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdlib>

#include "core/clock.h"

namespace periscope::render {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";     // U+2026

// Decodes one UTF-8 character at s[i]. Returns the code point and sets *length;
// returns -1 for an invalid sequence, with *length the bytes of its maximal
// invalid subpart (at least 1).
int32_t DecodeUtf8(std::string_view s, size_t i, size_t* length) {
  auto byte = [&](size_t k) { return static_cast<uint8_t>(s[k]); };
  uint8_t lead = byte(i);
  if (lead < 0x80) {
    *length = 1;
    return lead;
  }
  size_t need;
  int32_t cp;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    need = 1;
    cp = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    need = 2;
    cp = lead & 0x0F;
    if (lead == 0xE0) lo = 0xA0;  // overlong
    if (lead == 0xED) hi = 0x9F;  // surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    need = 3;
    cp = lead & 0x07;
    if (lead == 0xF0) lo = 0x90;  // overlong
    if (lead == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    *length = 1;
    return -1;
  }
  for (size_t k = 1; k <= need; ++k) {
    if (i + k >= s.size()) {
      *length = k;
      return -1;
    }
    uint8_t b = byte(i + k);
    uint8_t min = k == 1 ? lo : 0x80;
    uint8_t max = k == 1 ? hi : 0xBF;
    if (b < min || b > max) {
      *length = k;
      return -1;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  *length = need + 1;
  return cp;
}

bool IsForbiddenCodePoint(int32_t cp) {
  if (cp < 0x20) return cp != '\t' && cp != '\n';
  if (cp >= 0x7F && cp <= 0x9F) return true;
  if (cp == 0x200E || cp == 0x200F) return true;
  if (cp >= 0x202A && cp <= 0x202E) return true;
  if (cp >= 0x2066 && cp <= 0x2069) return true;
  return cp == 0x2028 || cp == 0x2029;
}

std::string GroupThousands(uint64_t magnitude) {
  std::string digits = std::to_string(magnitude);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  size_t lead = digits.size() % 3;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && i >= lead && (i - lead) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

uint64_t Magnitude(int64_t value) {
  return value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
}

[[maybe_unused]] bool IsOurName(std::string_view name, bool allow_digits, bool allow_dash) {
  if (name.empty()) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (allow_digits && c >= '0' && c <= '9') ||
              (allow_dash && c == '-');
    if (!ok) return false;
  }
  return true;
}

std::string OpenTag(std::string_view tag, const std::vector<Attr>& attrs) {
  assert(IsOurName(tag, true, false));
  std::string out = "<";
  out += tag;
  for (const Attr& a : attrs) {
    assert(IsOurName(a.name, false, true) && a.name.substr(0, 2) != "on");
    out += ' ';
    out += a.name;
    out += "=\"";
    out += EscapeHtml(a.value);
    out += '"';
  }
  out += '>';
  return out;
}

constexpr std::string_view kBaseCss = R"css(
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  margin: 1.5rem; color: #1d2330; background: #fff; line-height: 1.4; }
h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
h2 { font-size: 1.25rem; margin: 1.75rem 0 .5rem; border-bottom: 1px solid #d5dae3; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { border: 1px solid #d5dae3; padding: .2rem .5rem; vertical-align: top; text-align: left; }
th { background: #f2f4f8; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafbfc; }
dl { display: grid; grid-template-columns: max-content auto; gap: .15rem 1rem; margin: .5rem 0; }
dt { font-weight: 600; }
dd { margin: 0; }
.note { border-left: 4px solid #c77700; background: #fff6e5; padding: .5rem .75rem; margin: .75rem 0; }
.error { color: #a40000; }
.muted { color: #5b6474; }
.forecast { font-weight: 600; }
svg.chart { display: block; max-width: 100%; height: auto; margin: .5rem 0 1rem;
  border: 1px solid #e3e6ec; background: #fff; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; }
)css";

}  // namespace

std::string CleanUtf8(std::string_view text, size_t max_bytes, bool keep_newlines) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes == kUnbounded ? text.size() : max_bytes) + 4);
  size_t i = 0;
  bool cut = false;
  while (i < text.size()) {
    size_t length = 1;
    int32_t cp = DecodeUtf8(text, i, &length);
    std::string_view piece;
    char space = ' ';
    if (cp < 0 || IsForbiddenCodePoint(cp)) {
      piece = kReplacement;
    } else if (!keep_newlines && (cp == '\t' || cp == '\n')) {
      piece = std::string_view(&space, 1);
    } else {
      piece = text.substr(i, length);
    }
    if (max_bytes != kUnbounded && out.size() + piece.size() > max_bytes) {
      cut = true;
      break;
    }
    out += piece;
    i += length;
  }
  if (cut) out += kEllipsis;
  return out;
}

std::string EscapeHtml(std::string_view text, size_t max_bytes) {
  std::string clean = CleanUtf8(text, max_bytes);
  std::string out;
  out.reserve(clean.size() + clean.size() / 8);
  for (char c : clean) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

SafeHtml SafeHtml::Text(std::string_view text, size_t max_bytes) {
  SafeHtml h;
  h.markup_ = EscapeHtml(text, max_bytes);
  return h;
}

SafeHtml SafeHtml::Trusted(std::string markup) {
  SafeHtml h;
  h.markup_ = std::move(markup);
  return h;
}

SafeHtml Element(std::string_view tag, const SafeHtml& content, const std::vector<Attr>& attrs) {
  std::string out = OpenTag(tag, attrs);
  out += content.str();
  out += "</";
  out += tag;
  out += '>';
  return SafeHtml::Trusted(std::move(out));
}

SafeHtml VoidElement(std::string_view tag, const std::vector<Attr>& attrs) {
  return SafeHtml::Trusted(OpenTag(tag, attrs));
}

SafeHtml TextElement(std::string_view tag, std::string_view text, const std::vector<Attr>& attrs) {
  return Element(tag, SafeHtml::Text(text), attrs);
}

SafeHtml Heading(int level, std::string_view text, std::string_view id) {
  level = std::clamp(level, 1, 6);
  std::string tag = "h" + std::to_string(level);
  std::vector<Attr> attrs;
  if (!id.empty()) attrs.push_back({"id", std::string(id)});
  return TextElement(tag, text, attrs);
}

SafeHtml DefinitionList(const std::vector<std::pair<std::string, SafeHtml>>& items,
                        std::string_view css_class) {
  SafeHtml inner;
  for (const auto& [term, definition] : items) {
    inner += TextElement("dt", term);
    inner += Element("dd", definition);
  }
  std::vector<Attr> attrs;
  if (!css_class.empty()) attrs.push_back({"class", std::string(css_class)});
  return Element("dl", inner, attrs);
}

Cell TextCell(std::string_view text) { return Cell{SafeHtml::Text(text), false, {}, {}}; }

Cell NumberCell(std::string_view text, std::string_view title) {
  return Cell{SafeHtml::Text(text), true, std::string(title), {}};
}

Cell MarkupCell(SafeHtml content, bool numeric) {
  return Cell{std::move(content), numeric, {}, {}};
}

SafeHtml RenderTable(const Table& table) {
  SafeHtml inner;
  if (!table.caption.empty()) inner += TextElement("caption", table.caption);
  if (!table.headers.empty()) {
    SafeHtml row;
    for (size_t i = 0; i < table.headers.size(); ++i) {
      bool numeric = i < table.numeric_columns.size() && table.numeric_columns[i];
      std::vector<Attr> attrs{{"scope", "col"}};
      if (numeric) attrs.push_back({"class", "num"});
      row += TextElement("th", table.headers[i], attrs);
    }
    inner += Element("thead", Element("tr", row));
  }
  // The body is appended in place (a history table has thousands of cells):
  // the same markup Element("td", ...) would make, without a string per cell.
  std::string body;
  for (const auto& cells : table.rows) {
    body += "<tr>";
    for (const Cell& cell : cells) {
      body += "<td";
      if (cell.numeric || !cell.css_class.empty()) {
        body += " class=\"";
        if (!cell.css_class.empty()) {
          body += EscapeHtml(cell.css_class);
          if (cell.numeric) body += ' ';
        }
        if (cell.numeric) body += "num";
        body += '"';
      }
      if (!cell.title.empty()) {
        body += " title=\"";
        body += EscapeHtml(cell.title);
        body += '"';
      }
      body += '>';
      body += cell.content.str();
      body += "</td>";
    }
    body += "</tr>";
  }
  inner += Element("tbody", SafeHtml::Trusted(std::move(body)));
  std::vector<Attr> attrs;
  if (!table.css_class.empty()) attrs.push_back({"class", table.css_class});
  return Element("table", inner, attrs);
}

std::string FormatInteger(int64_t value) {
  std::string s = GroupThousands(Magnitude(value));
  return value < 0 ? "-" + s : s;
}

std::string FormatBytes(int64_t bytes) {
  static constexpr std::string_view kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  uint64_t magnitude = Magnitude(bytes);
  std::string sign = bytes < 0 ? "-" : "";
  if (magnitude < 1000) return sign + std::to_string(magnitude) + " B";
  double value = static_cast<double>(magnitude);
  size_t unit = 0;
  while (value >= 1000.0 && unit + 1 < std::size(kUnits)) {
    value /= 1000.0;
    ++unit;
  }
  // Rounding may carry to the next unit: 999.96 kB -> "1.0 MB".
  if (value >= 99.95 && value < 100.0) value = 100.0;
  if (std::round(value) >= 1000.0 && unit + 1 < std::size(kUnits)) {
    value /= 1000.0;
    ++unit;
  }
  std::string number = value < 100.0 ? fmt::format("{:.1f}", value) : fmt::format("{:.0f}", value);
  return sign + number + " " + std::string(kUnits[unit]);
}

SafeHtml BytesHtml(int64_t bytes) {
  return Element("span", SafeHtml::Text(FormatBytes(bytes)),
                 {{"class", "num"}, {"title", FormatInteger(bytes) + " bytes"}});
}

std::string FormatDecimal(double value, int decimals) {
  if (!std::isfinite(value)) return "n/a";
  decimals = std::clamp(decimals, 0, 6);
  std::string s = fmt::format("{:.{}f}", value, decimals);
  if (s.find_first_not_of("-0.") == std::string::npos && s[0] == '-') s.erase(0, 1);  // "-0.0"
  return s;
}

std::string FormatPercent(double percent, int decimals) {
  if (!std::isfinite(percent)) return "n/a";
  return FormatDecimal(percent, decimals) + "%";
}

int CurrencyExponent(std::string_view currency) {
  struct Entry {
    std::string_view code;
    int exponent;
  };
  static constexpr Entry kTable[] = {
      {"BHD", 3}, {"BIF", 0}, {"CLP", 0}, {"DJF", 0}, {"GNF", 0}, {"IQD", 3}, {"ISK", 0},
      {"JOD", 3}, {"JPY", 0}, {"KMF", 0}, {"KRW", 0}, {"KWD", 3}, {"LYD", 3}, {"OMR", 3},
      {"PYG", 0}, {"RWF", 0}, {"TND", 3}, {"UGX", 0}, {"UYI", 0}, {"VND", 0}, {"VUV", 0},
      {"XAF", 0}, {"XOF", 0}, {"XPF", 0}, {"CLF", 4}, {"UYW", 4},
  };
  std::string upper(currency);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  for (const Entry& e : kTable) {
    if (e.code == upper) return e.exponent;
  }
  return 2;
}

std::string FormatMoney(int64_t minor_units, std::string_view currency) {
  int exponent = CurrencyExponent(currency);
  uint64_t magnitude = Magnitude(minor_units);
  uint64_t scale = 1;
  for (int i = 0; i < exponent; ++i) scale *= 10;
  std::string out = minor_units < 0 ? "-" : "";
  out += GroupThousands(magnitude / scale);
  if (exponent > 0) {
    out += fmt::format(".{:0{}}", magnitude % scale, exponent);
  }
  std::string code = CleanUtf8(currency, 16, false);
  if (!code.empty()) out += " " + code;
  return out;
}

std::string FormatDate(uint32_t yyyymmdd) {
  if (!IsValidDate(yyyymmdd)) return "";
  return fmt::format("{:04}-{:02}-{:02}", yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100);
}

std::string FormatDay(double days_since_epoch) {
  // 9999-12-31 is day 2932896.
  if (!std::isfinite(days_since_epoch) || days_since_epoch < 0 || days_since_epoch > 2932896.0) {
    return "";
  }
  return FormatDate(DateFromDays(static_cast<int64_t>(std::floor(days_since_epoch))));
}

std::string_view BaseCss() { return kBaseCss; }

std::string RenderPage(const PageOptions& options, const SafeHtml& body) {
  std::string out;
  out.reserve(body.str().size() + 4096);
  out += "<!DOCTYPE html>\n<html lang=\"";
  out += EscapeHtml(options.lang, 32);
  out += "\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta http-equiv=\"Content-Security-Policy\" content=\"";
  out += EscapeHtml(options.content_security_policy);
  out += "\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<meta name=\"referrer\" content=\"";
  out += EscapeHtml(options.referrer_policy, 64);
  out += "\">\n";
  out += "<link rel=\"icon\" href=\"data:,\">\n<title>";
  out += EscapeHtml(options.title, 512);
  out += "</title>\n";
  if (options.stylesheet_href.empty()) {
    out += "<style>";
    out += BaseCss();
    out += options.extra_css;
    out += "</style>\n";
  } else {
    out += "<link rel=\"stylesheet\" href=\"";
    out += EscapeHtml(options.stylesheet_href, 1024);
    out += "\">\n";
  }
  out += "</head>\n<body>\n";
  out += body.str();
  out += "\n</body>\n</html>\n";
  return out;
}

}  // namespace periscope::render
