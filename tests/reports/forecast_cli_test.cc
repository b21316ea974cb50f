#include "reports/forecast_cli.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.h"
#include "tests/support/process.h"

namespace periscope::reports {
namespace {

// `days` rows from 2024-01-01 growing `step` bytes a day from 2 TB of 10 TB.
std::string LinearCsv(int days, double step) {
  std::string csv = "date,used_bytes,capacity_bytes\n";
  for (int d = 0; d < days; ++d) {
    DateYmd ymd = DateFromDays(DaysFromDate(20240101) + d);
    char line[96];
    std::snprintf(line, sizeof line, "%04u-%02u-%02u,%.0f,10000000000000\n", ymd / 10000,
                  ymd / 100 % 100, ymd % 100, 2e12 + step * d);
    csv += line;
  }
  return csv;
}

struct CliRun {
  int code;
  std::string out;
  std::string err;
};

CliRun Forecast(const std::vector<std::string>& args) {
  std::ostringstream out;
  std::ostringstream err;
  int code = RunForecastCommand(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(ForecastCliTest, JsonHasExactlyTheNamedFields) {
  testing::TempDir dir;
  testing::WriteTextFile(dir.File("s.csv"), LinearCsv(56, 5e10));
  CliRun r = Forecast({"--series", dir.File("s.csv"), "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(r.out);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"fit", "threshold_pct", "threshold_date", "days_to_threshold",
                                      "interval", "days_to_full", "reason"}));
  std::vector<std::string> interval_keys;
  for (auto it = j["interval"].begin(); it != j["interval"].end(); ++it) {
    interval_keys.push_back(it.key());
  }
  EXPECT_EQ(interval_keys, (std::vector<std::string>{"level", "lower_days", "upper_days"}));
  EXPECT_EQ(j["fit"], "linear");
  EXPECT_EQ(j["threshold_pct"], 85.0);
  EXPECT_DOUBLE_EQ(j["interval"]["level"].get<double>(), 0.8);
  // Last row 2024-02-25 at 4.75 TB; 8.5 TB is 75 days later: 2024-05-10.
  EXPECT_NEAR(j["days_to_threshold"].get<double>(), 75.0, 0.01);
  EXPECT_EQ(j["threshold_date"], "2024-05-10");
  EXPECT_NEAR(j["days_to_full"].get<double>(), 105.0, 0.01);
  EXPECT_TRUE(j["reason"].is_null());
}

TEST(ForecastCliTest, BadCsvLineNamesFileLineAndField) {
  testing::TempDir dir;
  std::string csv = LinearCsv(10, 1e10);
  csv += "2024-01-11,12x,10000000000000\n";
  testing::WriteTextFile(dir.File("bad.csv"), csv);
  CliRun r = Forecast({"--series", dir.File("bad.csv")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(dir.File("bad.csv") + ":12: field 'used_bytes': not a number"),
            std::string::npos)
      << r.err;

  testing::WriteTextFile(dir.File("date.csv"), "date,used_bytes,capacity_bytes\n2024-02-30,1,10\n");
  r = Forecast({"--series", dir.File("date.csv")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find(":2: field 'date':"), std::string::npos) << r.err;
}

TEST(ForecastCliTest, ThresholdPctChangesTheThresholdDate) {
  testing::TempDir dir;
  testing::WriteTextFile(dir.File("s.csv"), LinearCsv(56, 5e10));
  CliRun at85 = Forecast({"--series", dir.File("s.csv"), "--format", "json"});
  CliRun at70 =
      Forecast({"--series", dir.File("s.csv"), "--format", "json", "--threshold-pct", "70"});
  ASSERT_EQ(at70.code, 0) << at70.err;
  auto j85 = nlohmann::json::parse(at85.out);
  auto j70 = nlohmann::json::parse(at70.out);
  EXPECT_EQ(j70["threshold_pct"], 70.0);
  EXPECT_NE(j70["threshold_date"], j85["threshold_date"]);
  EXPECT_NEAR(j70["days_to_threshold"].get<double>(), 45.0, 0.01);
}

TEST(ForecastCliTest, TooShortSeriesGivesReasonAndNulls) {
  testing::TempDir dir;
  testing::WriteTextFile(dir.File("short.csv"), LinearCsv(5, 5e10));
  CliRun r = Forecast({"--series", dir.File("short.csv"), "--format", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["fit"].is_null());
  EXPECT_TRUE(j["threshold_date"].is_null());
  EXPECT_TRUE(j["days_to_threshold"].is_null());
  EXPECT_TRUE(j["interval"]["lower_days"].is_null());
  EXPECT_TRUE(j["interval"]["upper_days"].is_null());
  EXPECT_TRUE(j["days_to_full"].is_null());
  EXPECT_EQ(j["reason"], "only 5 days of history (need 7)");
}

TEST(ForecastCliTest, UsageErrorsExitTwoAndHelpExitsZero) {
  EXPECT_EQ(Forecast({}).code, 2);
  EXPECT_EQ(Forecast({"--series"}).code, 2);
  EXPECT_EQ(Forecast({"--bogus"}).code, 2);
  EXPECT_EQ(Forecast({"--series", "/nonexistent/x.csv"}).code, 2);
  CliRun help = Forecast({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("Exit codes"), std::string::npos);
}

}  // namespace
}  // namespace periscope::reports
