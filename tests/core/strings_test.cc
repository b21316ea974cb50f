#include "core/strings.h"

#include <gtest/gtest.h>

namespace periscope {
namespace {

TEST(StringsTest, ParseUint64RejectsJunkAndOverflow) {
  EXPECT_EQ(ParseUint64("0"), 0u);
  EXPECT_EQ(ParseUint64("18446744073709551615"), 18446744073709551615ULL);
  EXPECT_FALSE(ParseUint64("18446744073709551616"));
  EXPECT_FALSE(ParseUint64(""));
  EXPECT_FALSE(ParseUint64("-1"));
  EXPECT_FALSE(ParseUint64(" 1"));
  EXPECT_FALSE(ParseUint64("1x"));
}

TEST(StringsTest, ParseByteCountUnderstandsSiAndIecSuffixes) {
  struct Case {
    const char* text;
    std::optional<uint64_t> bytes;
  };
  const Case cases[] = {
      {"512", 512},
      {"8GiB", 8ULL << 30},
      {"12TB", 12'000'000'000'000ULL},
      {"1.5 TB", 1'500'000'000'000ULL},
      {"3.6TiB", static_cast<uint64_t>(3.6L * (1ULL << 40) + 0.5L)},
      {"4 kB", 4000},
      {"7B", 7},
      {"1.5", std::nullopt},
      {"12 XB", std::nullopt},
      {"TB", std::nullopt},
      {"99999999999PiB", std::nullopt},
  };
  for (const Case& c : cases) EXPECT_EQ(ParseByteCount(c.text), c.bytes) << c.text;
}

TEST(StringsTest, CleanUtf8AcceptsJapaneseAndRejectsControlsAndBadBytes) {
  EXPECT_TRUE(IsCleanUtf8Text("ストレージ装置 PSA-2000"));
  EXPECT_TRUE(IsCleanUtf8Text("tab\tok"));
  EXPECT_FALSE(IsCleanUtf8Text("line\nbreak"));
  EXPECT_FALSE(IsCleanUtf8Text("cr\rx"));
  EXPECT_FALSE(IsCleanUtf8Text("\x7f"));
  EXPECT_FALSE(IsCleanUtf8Text("\xc0\xaf"));      // overlong '/'
  EXPECT_FALSE(IsCleanUtf8Text("\xe3\x82"));      // truncated
  EXPECT_FALSE(IsCleanUtf8Text("\xed\xa0\x80"));  // surrogate
  EXPECT_FALSE(IsCleanUtf8Text("\xc2\x85"));      // C1 NEL
}

TEST(StringsTest, TruncateUtf8NeverSplitsACharacter) {
  std::string s = "装置装置";  // 4 x 3 bytes
  EXPECT_EQ(TruncateUtf8(s, 12), s);
  EXPECT_EQ(TruncateUtf8(s, 7), "装置");
  EXPECT_EQ(TruncateUtf8(s, 2), "");
  EXPECT_TRUE(IsCleanUtf8Text(TruncateUtf8(s, 10)));
}

TEST(StringsTest, CleanTextReplacesControlsAndNonUtf8ByteForByte) {
  struct Case {
    std::string_view text;
    char replacement;
    std::string_view cleaned;
  };
  const Case cases[] = {
      {"PSA-2000", '?', "PSA-2000"},
      {"ストレージ装置", '?', "ストレージ装置"},
      {"S\r\nBcc: x", '?', "S??Bcc: x"},  // header injection stays visible
      {"a\tb\x7f\x01", ' ', "a b  "},     // tab and DEL are controls too
      {"装置\n", '?', "装置?"},           // UTF-8 survives a control
      {"caf\xe9", '?', "caf?"},           // Latin-1: not guessed at
      {"装置\xff", '?', "???????"},       // one bad byte: no UTF-8 trusted
      {"\xc2\x85x", ' ', "??x"},          // C1 NEL
      {std::string_view("nul\0x", 5), ' ', "nul x"},
      {"", '?', ""},
  };
  for (const Case& c : cases) {
    std::string out = CleanText(c.text, c.replacement);
    EXPECT_EQ(out, c.cleaned) << c.text;
    EXPECT_EQ(out.size(), c.text.size()) << c.text;
    EXPECT_TRUE(IsCleanUtf8Text(out)) << c.text;
  }
}

TEST(StringsTest, NormalizeLineBreaksMakesCrlfAndLoneCrLf) {
  EXPECT_EQ(NormalizeLineBreaks("a\r\nb\rc\nd\r\n\r"), "a\nb\nc\nd\n\n");
  EXPECT_EQ(NormalizeLineBreaks("\r\r\n"), "\n\n");
  EXPECT_EQ(NormalizeLineBreaks("no breaks"), "no breaks");
  EXPECT_EQ(NormalizeLineBreaks(""), "");
}

TEST(StringsTest, SplitWhitespaceSkipsRuns) {
  auto f = SplitWhitespace("  8  0 sda 1\t2 \n");
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[2], "sda");
  EXPECT_EQ(f[4], "2");
}

}  // namespace
}  // namespace periscope
