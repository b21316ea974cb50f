// Checks of the portal's pages and mail bodies built from hostile data:
// every '<' starts markup of ours (a start tag of name="value" attributes, an
// end tag or the doctype), no event handler, no script/img/frame, links only
// to the portal itself or data:, no raw control or invalid byte. Stricter than
// tests/support/html_checks.h, which it calls too, and able to see hostile
// text inside attribute values (pre-filled form fields) for what it is: text.
#ifndef PERISCOPE_TESTS_PORTAL_PAGE_CHECKS_H_
#define PERISCOPE_TESTS_PORTAL_PAGE_CHECKS_H_

#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "core/strings.h"
#include "render/html.h"
#include "tests/support/html_checks.h"

namespace periscope::portal::testing {

// A text put into every string field: markup breakers, quotes, an ampersand,
// Japanese, a bidi override, CR LF, an escape and NUL.
inline const std::string kHostile =
    std::string(
        "<script>alert(1)</script>\"><img src=x onerror=1>'q' \"dq\" & amp;"
        " 日本語テキスト \xE2\x80\xAE"
        "evil\r\nBcc: victim@example.com\x1b[31m") +
    std::string("\0nul", 4);
// kHostile's markup as it must appear, escaped (at least once per field).
inline const std::string kHostileEscaped =
    "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=1&gt;&#39;q&#39; "
    "&quot;dq&quot; &amp; amp;";
inline const std::string kJapaneseText = "日本語テキスト";

// `value` of an href/src/action: the portal itself (one leading '/'), a
// fragment, or data:.
inline bool IsLocalUrl(const std::string& value) {
  if (value.rfind("data:", 0) == 0 || value.rfind("#", 0) == 0) return true;
  return value.size() >= 1 && value[0] == '/' && (value.size() == 1 || value[1] != '/');
}

inline void ExpectOnlyOurMarkup(const std::string& html) {
  static const std::regex kStartTag(
      R"(<([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z0-9:-]+="[^"<>]*")*)\s*/?>)");
  static const std::regex kAttr(R"re(\s+([a-zA-Z0-9:-]+)="([^"<>]*)")re");
  static const std::regex kEndTag(R"(</[a-zA-Z][a-zA-Z0-9]*\s*>)");
  size_t pos = 0;
  size_t tags = 0;
  while ((pos = html.find('<', pos)) != std::string::npos) {
    auto begin = html.begin() + static_cast<std::ptrdiff_t>(pos);
    std::smatch m;
    if (html.compare(pos, 15, "<!DOCTYPE html>") == 0) {
      pos += 15;
      continue;
    }
    if (std::regex_search(begin, html.end(), m, kEndTag, std::regex_constants::match_continuous)) {
      pos += static_cast<size_t>(m.length(0));
      continue;
    }
    bool ok =
        std::regex_search(begin, html.end(), m, kStartTag, std::regex_constants::match_continuous);
    ASSERT_TRUE(ok) << "not a tag of ours at " << pos << ": " << html.substr(pos, 80);
    ++tags;
    std::string tag = AsciiLower(m[1].str());
    for (const char* bad : {"script", "img", "iframe", "frame", "object", "embed", "base"}) {
      EXPECT_NE(tag, bad) << html.substr(pos, 120);
    }
    const std::string attrs = m[2].str();
    for (auto it = std::sregex_iterator(attrs.begin(), attrs.end(), kAttr);
         it != std::sregex_iterator(); ++it) {
      std::string name = AsciiLower((*it)[1].str());
      std::string value = (*it)[2].str();
      EXPECT_NE(name.rfind("on", 0), 0U) << "event handler " << name;
      if (name == "href" || name == "src" || name == "action" || name == "xlink:href") {
        EXPECT_TRUE(IsLocalUrl(value)) << name << "=" << value;
      }
      EXPECT_EQ(AsciiLower(value).find("javascript:"), std::string::npos) << value;
    }
    pos += static_cast<size_t>(m.length(0));
  }
  EXPECT_GT(tags, 0U);
  for (const char* raw :
       {"\xE2\x80\xAE", "\xE2\x81\xA6", "\xE2\x80\x8F", "\xC2\x85", "\x1b", "\r", "\t"}) {
    EXPECT_EQ(html.find(raw), std::string::npos) << "raw byte sequence found";
  }
  EXPECT_EQ(html.find('\0'), std::string::npos);
  EXPECT_EQ(render::CleanUtf8(html, render::kUnbounded), html) << "not clean UTF-8";
  // The shared check, with every attribute value (links included, checked
  // above) replaced so that it looks at the markup only.
  periscope::testing::ExpectNoMarkupFromData(
      std::regex_replace(html, std::regex(R"re(="[^"]*")re"), "=\"data:\""));
}

// The hostile text appears escaped at least `copies` times.
inline void ExpectHostileEscaped(const std::string& html, size_t copies) {
  EXPECT_GE(periscope::testing::CountOccurrences(html, kHostileEscaped), copies);
  EXPECT_GE(periscope::testing::CountOccurrences(html, kJapaneseText), copies);
}

}  // namespace periscope::portal::testing

#endif  // PERISCOPE_TESTS_PORTAL_PAGE_CHECKS_H_
