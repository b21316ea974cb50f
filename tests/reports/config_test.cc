#include "reports/config.h"

#include <gtest/gtest.h>

#include "core/files.h"

namespace periscope::reports {
namespace {

ReportConfig Defaults() { return DefaultReportConfig("/etc/periscope", "/var/lib/periscope"); }

TEST(ReportConfigTest, SampleConfigLoadsWithItsDocumentedDefaults) {
  auto config =
      LoadReportConfig(std::string(PERISCOPE_SOURCE_DIR) + "/etc/periscope-report.xml", Defaults());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->database, "/var/lib/periscope/periscope.db");
  EXPECT_EQ(config->catalog, "/etc/periscope/catalog.xml");
  EXPECT_EQ(config->output_dir, "/var/lib/periscope/reports");
  EXPECT_EQ(config->threshold_pct, 85.0);
  EXPECT_EQ(config->horizon_days, 1095.0);
  EXPECT_EQ(config->planning_horizon_days, 180);
  EXPECT_EQ(config->growth_months, 12);
  EXPECT_FALSE(config->mail.smtp.has_value());
  EXPECT_EQ(config->mail.directory, "/var/lib/periscope/reports/mail");
  EXPECT_EQ(config->delivery_place, "Vendor Tokyo Service Center");
  EXPECT_TRUE(config->sites.empty());
}

TEST(ReportConfigTest, RelativePathsAreRelativeToTheConfigFile) {
  auto config = ParseReportConfig(
      R"(<periscope-report><database path="db/p.db"/><catalog path="catalog.xml"/>
         <output dir="out"/></periscope-report>)",
      "/srv/periscope/report.xml", Defaults());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->database, "/srv/periscope/db/p.db");
  EXPECT_EQ(config->catalog, "/srv/periscope/catalog.xml");
  EXPECT_EQ(config->mail.directory, "/srv/periscope/out/mail");
}

TEST(ReportConfigTest, MisspelledSettingIsAnErrorNamingFileLineAndColumn) {
  auto config = ParseReportConfig(
      "<periscope-report>\n  <forecast treshold-pct=\"90\"/>\n</periscope-report>\n", "r.xml",
      Defaults());
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.status().message().find("r.xml:2:"), std::string::npos)
      << config.status().message();
  EXPECT_NE(config.status().message().find("treshold-pct"), std::string::npos);
}

TEST(ReportConfigTest, SiteNeedsAnHttpUrlAndAUniqueName) {
  auto bad_url = ParseReportConfig(
      R"(<periscope-report><inquiry><site name="a" url="ftp://x/"/></inquiry></periscope-report>)",
      "r.xml", Defaults());
  ASSERT_FALSE(bad_url.ok());
  EXPECT_NE(bad_url.status().message().find("'url'"), std::string::npos)
      << bad_url.status().message();
  auto twice = ParseReportConfig(
      R"(<periscope-report><inquiry><site name="a" url="http://127.0.0.1:1/"/>
         <site name="a" url="http://127.0.0.1:2/"/></inquiry></periscope-report>)",
      "r.xml", Defaults());
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("named twice"), std::string::npos);
}

TEST(ReportConfigTest, SmtpPasswordComesFromItsFileAndUrlSchemeIsChecked) {
  const std::string dir = ::testing::TempDir();
  ASSERT_TRUE(WriteFileAtomically(dir + "/smtp-pass", "s3cret\n").ok());
  auto config = ParseReportConfig(
      "<periscope-report><mail><smtp url=\"smtp://127.0.0.1:2525\" username=\"u\" "
      "password-file=\"smtp-pass\" local-relay=\"true\"/></mail></periscope-report>",
      dir + "/r.xml", Defaults());
  ASSERT_TRUE(config.ok()) << config.status().message();
  ASSERT_TRUE(config->mail.smtp.has_value());
  EXPECT_EQ(config->mail.smtp->password, "s3cret");
  EXPECT_TRUE(config->mail.smtp->local_relay);
  auto http = ParseReportConfig(
      R"(<periscope-report><mail><smtp url="http://mail/"/></mail></periscope-report>)", "r.xml",
      Defaults());
  ASSERT_FALSE(http.ok());
  EXPECT_NE(http.status().message().find("smtp://"), std::string::npos);
}

}  // namespace
}  // namespace periscope::reports
