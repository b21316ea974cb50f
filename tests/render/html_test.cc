#include "render/html.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

namespace periscope::render {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(EscapeHtmlTest, EscapesMarkupCharactersAndNeutralisesControls) {
  struct Case {
    std::string input;
    std::string expected;
  };
  const Case cases[] = {
      {"plain text", "plain text"},
      {"\"><script>alert(1)</script>", "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"},
      {"</td></tr></table>", "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;"},
      {"a & b 'c'", "a &amp; b &#39;c&#39;"},
      {"tab\tand\nnewline", "tab\tand\nnewline"},
      {std::string("nul\0byte", 8), "nul" + kFffd + "byte"},
      {"cr\rlf", "cr" + kFffd + "lf"},
      {"esc\x1b[31m", "esc" + kFffd + "[31m"},
      {"del\x7f", "del" + kFffd},
      {"c1 \xC2\x85 next", "c1 " + kFffd + " next"},
      // RLO, LRI, PDI, LRM, RLM, line separator.
      {"a\xE2\x80\xAE"
       "b",
       "a" + kFffd + "b"},
      {"a\xE2\x81\xA6"
       "b\xE2\x81\xA9",
       "a" + kFffd + "b" + kFffd},
      {"\xE2\x80\x8E\xE2\x80\x8F", kFffd + kFffd},
      {"x\xE2\x80\xA8y", "x" + kFffd + "y"},
      // Invalid UTF-8: stray continuation, truncated, overlong, surrogate, > U+10FFFF.
      {"a\x80z", "a" + kFffd + "z"},
      {"a\xE2\x82", "a" + kFffd},
      {"\xC0\xAF", kFffd + kFffd},
      {"\xED\xA0\x80", kFffd + kFffd + kFffd},
      {"\xF4\x90\x80\x80", kFffd + kFffd + kFffd + kFffd},
      {"\xFF", kFffd},
      // Valid multi-byte text is kept.
      {"東京 €5 \xF0\x9F\x98\x80", "東京 €5 \xF0\x9F\x98\x80"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(EscapeHtml(c.input), c.expected) << c.input;
  }
}

TEST(EscapeHtmlTest, BoundsLengthAtACharacterBoundaryAndMarksTheCut) {
  std::string text = "ab東京";  // 2 + 3 + 3 bytes
  EXPECT_EQ(CleanUtf8(text, 6), "ab東\xE2\x80\xA6");
  EXPECT_EQ(CleanUtf8(text, 8), text);
  EXPECT_EQ(CleanUtf8(std::string(10000, 'x')).size(), kDefaultMaxTextBytes + 3);
  EXPECT_EQ(CleanUtf8(std::string(10000, 'x'), kUnbounded).size(), 10000u);
}

TEST(EscapeHtmlTest, CleanWithoutNewlinesTurnsLayoutIntoSpaces) {
  EXPECT_EQ(CleanUtf8("a\nb\tc\rd", kUnbounded, false), "a b c" + kFffd + "d");
}

TEST(HtmlBuilderTest, TableCountsOneRowPerModelRowPlusHeaderAndEscapesCells) {
  Table t;
  t.css_class = "history";
  t.caption = "<b>cap</b>";
  t.headers = {"Date", "Used"};
  t.numeric_columns = {false, true};
  t.rows.push_back({TextCell("</td><td>x"), NumberCell("1.2 TB", "1,200,000,000,000 bytes")});
  t.rows.push_back({TextCell("b"), MarkupCell(BytesHtml(5), true)});
  std::string html = RenderTable(t).str();
  size_t rows = 0;
  for (size_t pos = html.find("<tr"); pos != std::string::npos; pos = html.find("<tr", pos + 1)) {
    ++rows;
  }
  EXPECT_EQ(rows, 3u);
  EXPECT_NE(html.find("&lt;/td&gt;&lt;td&gt;x"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;cap&lt;/b&gt;"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\" title=\"1,200,000,000,000 bytes\">1.2 TB</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<th scope=\"col\" class=\"num\">Used</th>"), std::string::npos);
}

TEST(HtmlBuilderTest, AttributeValuesAreEscaped) {
  std::string html = Element("span", SafeHtml::Text("x"), {{"title", "\" onmouseover=\"x"}}).str();
  EXPECT_EQ(html, "<span title=\"&quot; onmouseover=&quot;x\">x</span>");
}

TEST(HtmlBuilderTest, VoidElementHasNoEndTag) {
  EXPECT_EQ(VoidElement("input", {{"type", "hidden"}, {"value", "a\"b"}}).str(),
            "<input type=\"hidden\" value=\"a&quot;b\">");
}

TEST(HtmlPageTest, PageIsSelfContainedWithStrictPolicy) {
  PageOptions options;
  options.title = "</title><script>x</script>";
  std::string page = RenderPage(options, Heading(1, "Hello"));
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("<meta charset=\"utf-8\">"), std::string::npos);
  EXPECT_NE(page.find("default-src &#39;none&#39;"), std::string::npos);
  EXPECT_NE(page.find("<title>&lt;/title&gt;&lt;script&gt;x&lt;/script&gt;</title>"),
            std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_NE(page.find("<h1>Hello</h1>"), std::string::npos);
}

TEST(FormatTest, BytesUseSiUnitsWithOneDecimalBelowHundred) {
  struct Case {
    int64_t bytes;
    std::string expected;
  };
  const Case cases[] = {
      {0, "0 B"},
      {999, "999 B"},
      {1000, "1.0 kB"},
      {1234567, "1.2 MB"},
      {999960, "1.0 MB"},
      {99960000, "100 MB"},
      {1200000000000, "1.2 TB"},
      {123456789012345, "123 TB"},
      {-1500, "-1.5 kB"},
      {std::numeric_limits<int64_t>::max(), "9.2 EB"},
      {std::numeric_limits<int64_t>::min(), "-9.2 EB"},
  };
  for (const Case& c : cases) EXPECT_EQ(FormatBytes(c.bytes), c.expected) << c.bytes;
  EXPECT_EQ(BytesHtml(1234567).str(),
            "<span class=\"num\" title=\"1,234,567 bytes\">1.2 MB</span>");
}

TEST(FormatTest, MoneyUsesTheCurrencyExponent) {
  EXPECT_EQ(FormatMoney(123456, "JPY"), "123,456 JPY");
  EXPECT_EQ(FormatMoney(123456, "USD"), "1,234.56 USD");
  EXPECT_EQ(FormatMoney(5, "EUR"), "0.05 EUR");
  EXPECT_EQ(FormatMoney(-1234567, "KWD"), "-1,234.567 KWD");
  EXPECT_EQ(FormatMoney(100, "XYZ"), "1.00 XYZ");
  EXPECT_EQ(FormatMoney(100, ""), "1.00");
  EXPECT_EQ(FormatMoney(std::numeric_limits<int64_t>::min(), "JPY"),
            "-9,223,372,036,854,775,808 JPY");
  EXPECT_EQ(CurrencyExponent("jpy"), 0);
}

TEST(FormatTest, DatesPercentsAndIntegers) {
  EXPECT_EQ(FormatDate(20270314), "2027-03-14");
  EXPECT_EQ(FormatDate(0), "");
  EXPECT_EQ(FormatDate(20270230), "");
  EXPECT_EQ(FormatDay(0), "1970-01-01");
  EXPECT_EQ(FormatDay(20526.7), "2026-03-14");
  EXPECT_EQ(FormatDay(std::numeric_limits<double>::quiet_NaN()), "");
  EXPECT_EQ(FormatPercent(84.96), "85.0%");
  EXPECT_EQ(FormatPercent(std::numeric_limits<double>::infinity()), "n/a");
  EXPECT_EQ(FormatDecimal(-0.01, 1), "0.0");
  EXPECT_EQ(FormatInteger(-1234567), "-1,234,567");
  EXPECT_EQ(FormatInteger(999), "999");
}

TEST(FormatTest, ThousandsAreGroupedForEveryNumberOfDigits) {
  // One, two and three leading digits before the first comma.
  EXPECT_EQ(FormatInteger(1000), "1,000");
  EXPECT_EQ(FormatInteger(38000000), "38,000,000");
  EXPECT_EQ(FormatInteger(12345678901), "12,345,678,901");
  EXPECT_EQ(FormatInteger(123456), "123,456");
  EXPECT_EQ(FormatInteger(-12345678), "-12,345,678");
  EXPECT_EQ(FormatMoney(38000000, "JPY"), "38,000,000 JPY");
  EXPECT_EQ(FormatMoney(1234567890, "USD"), "12,345,678.90 USD");
}

}  // namespace
}  // namespace periscope::render
