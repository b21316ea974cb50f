#include "reports/report_export.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "render/html.h"
#include "tests/reports/report_fixture.h"

namespace periscope::reports {
namespace {

using nlohmann::json;
using testing::kHostile;
using testing::MakeCustomerReport;
using testing::MakeFleetReport;

// A strict RFC 4180 reader (LF records) for checking what we write.
std::vector<std::vector<std::string>> ParseCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, in_quotes = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        field += c;
      }
    } else if (c == '"' && field.empty() && !quoted) {
      in_quotes = quoted = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      quoted = false;
    } else if (c == '\n') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
      quoted = false;
    } else {
      field += c;
    }
  }
  EXPECT_FALSE(in_quotes) << "unterminated quote";
  EXPECT_TRUE(field.empty() && row.empty()) << "no final newline";
  return rows;
}

TEST(ReportExportTest, CustomerJsonHasTheStableFieldsAndValues) {
  json j = json::parse(RenderCustomerJson(MakeCustomerReport(false)));
  EXPECT_EQ(j["customer"]["user_id"], "cust-42");
  EXPECT_EQ(j["customer"]["sales"]["email"], "taro@example.com");
  EXPECT_EQ(j["customer"]["today"], "2026-11-21");
  ASSERT_EQ(j["devices"].size(), 2u);
  const json& a = j["devices"][0];
  EXPECT_EQ(a["serial_number"], "SN-0001");
  EXPECT_EQ(a["spec"]["capacity_bytes"], 10000000000000);
  EXPECT_EQ(a["spec"]["currency"], "JPY");
  ASSERT_EQ(a["history"].size(), 30u);
  EXPECT_EQ(a["history"][0]["date"], "2026-10-23");
  EXPECT_EQ(a["history"][3]["date"], "2026-10-26");  // sorted although the model was not
  EXPECT_EQ(a["history"][29]["date"], "2026-11-21");
  const json& f = a["forecast"];
  nlohmann::ordered_json ordered = nlohmann::ordered_json::parse(
      RenderCustomerJson(MakeCustomerReport(false)))["devices"][0]["forecast"];
  std::vector<std::string> keys;
  for (auto it = ordered.begin(); it != ordered.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys, (std::vector<std::string>{"fit", "threshold_pct", "threshold_date",
                                            "days_to_threshold", "interval", "days_to_full",
                                            "full_date", "last_date", "reason"}));
  EXPECT_EQ(f["fit"], "polynomial2");
  EXPECT_EQ(f["threshold_pct"], 85.0);
  EXPECT_EQ(f["threshold_date"], "2027-02-24");
  EXPECT_EQ(f["days_to_threshold"], 95.0);
  EXPECT_EQ(f["interval"], (json{{"level", 0.8}, {"lower_days", 70.0}, {"upper_days", 130.0}}));
  EXPECT_EQ(f["days_to_full"], 240.0);
  EXPECT_TRUE(f["reason"].is_null());
  EXPECT_EQ(a["load_forecast"]["rated_load"], 8000.0);
  EXPECT_EQ(a["load_forecast"]["days_to_threshold"], 95.0);

  const json& b = j["devices"][1];
  EXPECT_TRUE(b["spec"].is_null());
  EXPECT_TRUE(b["forecast"]["fit"].is_null());
  EXPECT_TRUE(b["forecast"]["days_to_threshold"].is_null());
  EXPECT_EQ(b["forecast"]["reason"], "fewer than 7 days of history");
  EXPECT_TRUE(b["load_forecast"].is_null());

  ASSERT_EQ(j["proposals"].size(), 2u);
  const json& p = j["proposals"][1];
  EXPECT_EQ(p["id"], 11);
  EXPECT_EQ(p["needed_by"], "2027-02-01");
  EXPECT_EQ(p["price_minor_units"], 360000);
  EXPECT_EQ(p["evidence"]["fit"], "polynomial2");  // parsed, not a string
  EXPECT_EQ(p["answers"][0]["in_stock"], true);
  EXPECT_EQ(p["answers"][0]["delivery_date"], "2026-12-05");
  EXPECT_EQ(p["answers"][1]["state"], "timeout");
  EXPECT_TRUE(p["answers"][1]["in_stock"].is_null());
}

TEST(ReportExportTest, HostileStringsComeBackCleanedFromJson) {
  std::string text = RenderCustomerJson(MakeCustomerReport(true));
  json j = json::parse(text);  // throws (fails the test) on invalid JSON
  std::string expected = render::CleanUtf8("cust-42" + kHostile);
  EXPECT_EQ(j["customer"]["user_id"], expected);
  EXPECT_EQ(expected.find('\0'), std::string::npos);
  EXPECT_EQ(expected.find("\xE2\x80\xAE"), std::string::npos);
  EXPECT_EQ(j["proposals"][1]["evidence"]["x"], "</pre><script>");
  json fleet = json::parse(RenderFleetJson(MakeFleetReport(true)));
  EXPECT_EQ(fleet["rows"].size(), 5u);
}

TEST(ReportExportTest, FleetJsonIsRanked) {
  json j = json::parse(RenderFleetJson(MakeFleetReport(false)));
  std::vector<int64_t> ids;
  for (const json& r : j["rows"]) ids.push_back(r["device_id"]);
  EXPECT_EQ(ids, (std::vector<int64_t>{4, 2, 5, 3, 1}));
  EXPECT_EQ(j["rows"][0]["rank"], 1);
  EXPECT_EQ(j["rows"][0]["days_to_threshold"], 14.25);
  EXPECT_TRUE(j["rows"][3]["days_to_threshold"].is_null());
  EXPECT_TRUE(j["rows"][3]["reason"].is_null());
  EXPECT_EQ(j["rows"][4]["reason"], "fewer than 7 days of history");
  EXPECT_EQ(j["sales_filter"], "taro@example.com");
}

TEST(ReportExportTest, CsvFieldsNeutraliseFormulasAndQuote) {
  struct Case {
    std::string input, expected;
  };
  const Case cases[] = {
      {"plain", "plain"},
      {"=1+2", "'=1+2"},
      {"+cmd", "'+cmd"},
      {"-2+3", "'-2+3"},
      {"@SUM(A1)", "'@SUM(A1)"},
      {"\tx", "'\tx"},
      {"a,b", "\"a,b\""},
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"two\nlines", "\"two\nlines\""},
      {"=HYPERLINK(\"x\",\"y\")", "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""},
      {"cr\rx", "cr\xEF\xBF\xBDx"},
  };
  for (const Case& c : cases) EXPECT_EQ(CsvTextField(c.input), c.expected) << c.input;
}

TEST(ReportExportTest, CustomerCsvHasOneRowPerDayWithForecastColumns) {
  CustomerReport report = MakeCustomerReport(false);
  report.name = "=cmd|' /C calc'!A0, \"Ltd\"";
  auto rows = ParseCsv(RenderCustomerCsv(report));
  ASSERT_EQ(rows.size(), 1u + 30 + 3);
  const auto& header = rows[0];
  ASSERT_EQ(header.size(), 20u);
  EXPECT_EQ(header[5], "date");
  EXPECT_EQ(header[15], "days_to_threshold");
  for (const auto& row : rows) ASSERT_EQ(row.size(), header.size());
  EXPECT_EQ(rows[1][1], "'=cmd|' /C calc'!A0, \"Ltd\"");
  EXPECT_EQ(rows[1][5], "2026-10-23");
  EXPECT_EQ(rows[30][5], "2026-11-21");
  EXPECT_EQ(rows[1][12], "polynomial2");
  EXPECT_EQ(rows[1][14], "2027-02-24");
  EXPECT_EQ(rows[1][15], "95.00");
  EXPECT_EQ(rows[1][16], "70.00");
  EXPECT_EQ(rows[1][17], "130.00");
  EXPECT_EQ(rows[1][18], "240.00");
  EXPECT_EQ(rows[1][19], "");
  EXPECT_EQ(rows[31][3], "SN-0002");
  EXPECT_EQ(rows[31][12], "");
  EXPECT_EQ(rows[31][19], "fewer than 7 days of history");
}

TEST(ReportExportTest, HostileCsvKeepsItsShapeAndStartsNoFormula) {
  auto rows = ParseCsv(RenderCustomerCsv(MakeCustomerReport(true)));
  ASSERT_EQ(rows.size(), 1u + 30 + 3);
  for (const auto& row : rows) {
    ASSERT_EQ(row.size(), 20u);
    for (const std::string& field : row) {
      EXPECT_EQ(field.find('\r'), std::string::npos);
      EXPECT_EQ(field.find('\0'), std::string::npos);
    }
  }
  auto fleet = ParseCsv(RenderFleetCsv(MakeFleetReport(true)));
  ASSERT_EQ(fleet.size(), 6u);
  for (const auto& row : fleet) EXPECT_EQ(row.size(), 17u);
  EXPECT_EQ(fleet[1][5], "4");  // device id of the most urgent row
}

}  // namespace
}  // namespace periscope::reports
