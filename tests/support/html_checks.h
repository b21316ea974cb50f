// Checks shared by the tests of every page and mail body built from hostile
// data (reports, claims): nothing from data became markup, nothing loads from
// outside, no raw control or invalid byte survived. Header-only (GoogleTest
// assertions); the test links periscope_render.
#ifndef PERISCOPE_TESTS_SUPPORT_HTML_CHECKS_H_
#define PERISCOPE_TESTS_SUPPORT_HTML_CHECKS_H_

#include <regex>
#include <string>

#include <gtest/gtest.h>

#include "core/strings.h"
#include "render/html.h"

namespace periscope::testing {

// How often `needle` occurs in `haystack` (overlapping occurrences too).
inline size_t CountOccurrences(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

// No script, image, frame or javascript: URL; no event handler attribute in
// any tag; every src/href a data: URL; no raw bidi control, C0/C1 control
// (but LF), NUL or invalid UTF-8. Callers check that their hostile text is
// present in escaped form.
inline void ExpectNoMarkupFromData(const std::string& html) {
  const std::string lower = AsciiLower(html);
  EXPECT_EQ(lower.find("<script"), std::string::npos);
  EXPECT_EQ(lower.find("<img"), std::string::npos);
  EXPECT_EQ(lower.find("<iframe"), std::string::npos);
  EXPECT_EQ(lower.find("javascript:"), std::string::npos);
  EXPECT_FALSE(std::regex_search(lower, std::regex(R"(<[^>]*\son[a-z]+\s*=)")));
  const std::regex url_attr(R"(<[^>]*\s(src|href)\s*=\s*"([^"]*)\")");
  for (auto it = std::sregex_iterator(lower.begin(), lower.end(), url_attr);
       it != std::sregex_iterator(); ++it) {
    EXPECT_EQ((*it)[2].str().rfind("data:", 0), 0u) << (*it)[0].str();
  }
  for (const char* raw :
       {"\xE2\x80\xAE", "\xE2\x81\xA6", "\xE2\x80\x8F", "\xC2\x85", "\x1b", "\r", "\t"}) {
    EXPECT_EQ(html.find(raw), std::string::npos) << "raw byte sequence found";
  }
  EXPECT_EQ(html.find('\0'), std::string::npos);
  EXPECT_EQ(render::CleanUtf8(html, render::kUnbounded), html) << "not clean UTF-8";
}

}  // namespace periscope::testing

#endif  // PERISCOPE_TESTS_SUPPORT_HTML_CHECKS_H_
