#include "store/csv.h"

#include <gtest/gtest.h>

namespace periscope::store {
namespace {

TEST(CsvTest, QuotedFieldsEscapesAndLineNumbers) {
  auto r = ParseCsv("\xEF\xBB\xBFh1,h2\r\n\"a,b\",\"say \"\"hi\"\"\"\n\n\"multi\nline\",x\nlast,\n",
                    "f.csv");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].fields, (std::vector<std::string>{"h1", "h2"}));
  EXPECT_EQ((*r)[1].fields, (std::vector<std::string>{"a,b", "say \"hi\""}));
  EXPECT_EQ((*r)[1].line, 2u);
  EXPECT_EQ((*r)[2].fields[0], "multi\nline");
  EXPECT_EQ((*r)[2].line, 4u);
  EXPECT_EQ((*r)[3].line, 6u);
  EXPECT_EQ((*r)[3].fields, (std::vector<std::string>{"last", ""}));
}

TEST(CsvTest, UnterminatedQuoteNamesItsLine) {
  auto r = ParseCsv("a,b\n1,\"open\n2,3\n", "f.csv");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "f.csv:2: unterminated quoted field");
}

TEST(CsvTest, CsvFieldQuotesOnlyWhenNeeded) {
  EXPECT_EQ(CsvField("plain"), "plain");
  EXPECT_EQ(CsvField("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvField("q\"x"), "\"q\"\"x\"");
  auto back = ParseCsv(CsvField("x,\"y\"\nz") + "\n", "r");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ((*back)[0].fields[0], "x,\"y\"\nz");
}

TEST(CsvTest, FormulaCellsGetAQuoteAndNumbersStayNumbers) {
  for (const char* cell : {"=1+2", "+1", "-1+2", "@x", "\tx", "\rx", "-", "-1e5", "-.5"}) {
    EXPECT_EQ(NeutraliseCsvFormula(cell), std::string("'") + cell) << cell;
  }
  for (const char* cell : {"", "plain", "-5", "-0.25", "12", "a=b", "'x"}) {
    EXPECT_EQ(NeutraliseCsvFormula(cell), cell) << cell;
  }
}

}  // namespace
}  // namespace periscope::store
