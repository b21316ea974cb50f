// HTML for every page and mail body periscope makes (reports, claim tool,
// portal): text cleaning and escaping, a type for markup that is safe to emit,
// builders for tables, headings and definition lists, number/date formatting,
// and the self-contained page shell (UTF-8, a strict Content-Security-Policy,
// inline CSS only, no scripts, no external resources: it opens offline).
//
// Every string from a device, a customer, the catalog or a config is untrusted:
// it enters markup only through SafeHtml::Text (or a builder that calls it).
// Markup from this library and from string literals in our code is trusted.
// Thread-safe: every function is pure.
#ifndef PERISCOPE_RENDER_HTML_H_
#define PERISCOPE_RENDER_HTML_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace periscope::render {

// The default bound on one untrusted text (bytes of the cleaned text).
inline constexpr size_t kDefaultMaxTextBytes = 4096;
inline constexpr size_t kUnbounded = static_cast<size_t>(-1);

// Makes untrusted text safe to show (HTML, SVG, CSV, JSON, plain-text mail):
// - invalid UTF-8 (stray or truncated sequences, overlongs, surrogates, code
//   points above U+10FFFF) becomes U+FFFD, one per offending byte sequence;
// - C0 controls other than tab and LF, CR, DEL, the C1 controls, the bidi
//   controls U+200E/U+200F, U+202A..U+202E, U+2066..U+2069 and the line and
//   paragraph separators U+2028/U+2029 become U+FFFD (visible, so tampering
//   shows); NUL included;
// - with `keep_newlines` false, tab and LF become a space too;
// - at most `max_bytes` bytes of cleaned text are kept, cut at a character
//   boundary, followed by U+2026 when something was cut.
// The result is well-formed UTF-8.
std::string CleanUtf8(std::string_view text, size_t max_bytes = kDefaultMaxTextBytes,
                      bool keep_newlines = true);

// CleanUtf8, then & < > " ' become entities: safe in element content and in
// quoted attribute values (HTML and XML/SVG alike).
std::string EscapeHtml(std::string_view text, size_t max_bytes = kDefaultMaxTextBytes);

// Markup that is safe to emit: made only by escaping text, from trusted
// literals, or by this library's builders. Cheap to move.
class SafeHtml {
 public:
  SafeHtml() = default;
  // Untrusted text, cleaned and escaped (see EscapeHtml).
  static SafeHtml Text(std::string_view text, size_t max_bytes = kDefaultMaxTextBytes);
  // REQUIRES: `markup` comes from our code (a literal or other SafeHtml), never
  // from data.
  static SafeHtml Trusted(std::string markup);

  SafeHtml& operator+=(const SafeHtml& other) {
    markup_ += other.markup_;
    return *this;
  }
  friend SafeHtml operator+(SafeHtml a, const SafeHtml& b) {
    a += b;
    return a;
  }
  const std::string& str() const { return markup_; }
  bool empty() const { return markup_.empty(); }

 private:
  std::string markup_;
};

// An attribute; the value is untrusted and escaped. The name is ours
// (REQUIRES: [a-z-]+; never an event handler "on...").
struct Attr {
  std::string_view name;
  std::string value;
};

// <tag attrs>content</tag>. REQUIRES: `tag` is ours, [a-z0-9]+.
SafeHtml Element(std::string_view tag, const SafeHtml& content,
                 const std::vector<Attr>& attrs = {});
// <tag attrs> without content or end tag (input, br, meta, ...).
SafeHtml VoidElement(std::string_view tag, const std::vector<Attr>& attrs);
// Element with escaped text content.
SafeHtml TextElement(std::string_view tag, std::string_view text,
                     const std::vector<Attr>& attrs = {});

// <hN id=...>text</hN>, N clamped to 1..6.
SafeHtml Heading(int level, std::string_view text, std::string_view id = {});

// <dl> of (term, definition) pairs; terms are untrusted text.
SafeHtml DefinitionList(const std::vector<std::pair<std::string, SafeHtml>>& items,
                        std::string_view css_class = {});

// One table cell. Numeric cells are right-aligned (class "num").
struct Cell {
  SafeHtml content;
  bool numeric = false;
  std::string title;      // untrusted, shown as a tooltip (the exact value)
  std::string css_class;  // ours
};
Cell TextCell(std::string_view text);
Cell NumberCell(std::string_view text, std::string_view title = {});
Cell MarkupCell(SafeHtml content, bool numeric = false);

struct Table {
  std::string css_class;              // ours, e.g. "history"
  std::string caption;                // untrusted text; none when empty
  std::vector<std::string> headers;   // untrusted text; no <thead> when empty
  std::vector<bool> numeric_columns;  // header alignment; may be shorter than headers
  std::vector<std::vector<Cell>> rows;
};
// <table> with one <tr> in <thead> when there are headers and one <tr> per row
// in <tbody>; an empty table still has its header row.
SafeHtml RenderTable(const Table& table);

// --- formatting (plain text results; escape them when putting them in HTML) ---

// 1234567 -> "1,234,567" (any int64_t, INT64_MIN included).
std::string FormatInteger(int64_t value);
// A byte count with an SI unit (powers of 1000): "999 B", "1.2 kB", "12.3 GB",
// "123 TB", "1.2 PB", "1.2 EB"; one decimal below 100 units.
std::string FormatBytes(int64_t bytes);
// FormatBytes in a <span class="num" title="1,234,567 bytes">.
SafeHtml BytesHtml(int64_t bytes);
// 84.96 -> "85.0%" (`decimals` 0..6); non-finite values -> "n/a".
std::string FormatPercent(double percent, int decimals = 1);
// A fixed-point number, "n/a" when not finite.
std::string FormatDecimal(double value, int decimals);
// The ISO 4217 exponent (minor unit digits) of a currency code: JPY 0, USD 2,
// KWD 3, ...; 2 for codes not in the table.
int CurrencyExponent(std::string_view currency);
// Minor units with their currency: (123456, "USD") -> "1,234.56 USD",
// (123456, "JPY") -> "123,456 JPY". The code is cleaned and bounded, an empty
// one is left out.
std::string FormatMoney(int64_t minor_units, std::string_view currency);
// YYYYMMDD -> "YYYY-MM-DD"; "" for 0 or an invalid date.
std::string FormatDate(uint32_t yyyymmdd);
// Days since 1970-01-01 (fractional: floor) -> "YYYY-MM-DD"; "" when not finite
// or outside 1970..9999.
std::string FormatDay(double days_since_epoch);

// --- the page shell ---

// The policy of every page: nothing may load, only inline styles and data:
// images apply, no script runs, no form posts, no <base>.
inline constexpr std::string_view kStrictCsp =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'";

// The shared stylesheet: tables, numeric alignment, notes, charts.
std::string_view BaseCss();

struct PageOptions {
  std::string title;  // untrusted text
  std::string lang = "en";
  std::string content_security_policy = std::string(kStrictCsp);
  std::string extra_css;  // ours, appended to BaseCss()
  // Non-empty: a <link rel="stylesheet"> to it instead of the inline <style>
  // (extra_css is then not used): for a server whose CSP allows style-src
  // 'self' only (the portal).
  std::string stylesheet_href;
  // <meta name="referrer">. A form page posting to its own server needs
  // "same-origin": with "no-referrer" a browser sends "Origin: null".
  std::string referrer_policy = "no-referrer";
};

// A complete document: <!DOCTYPE html>, <meta charset="utf-8">, the CSP meta,
// a data: favicon (so the browser fetches nothing), <title>, inline <style>,
// and `body` in <body>.
std::string RenderPage(const PageOptions& options, const SafeHtml& body);

}  // namespace periscope::render

#endif  // PERISCOPE_RENDER_HTML_H_
