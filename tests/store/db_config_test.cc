// The <database> element and the rule every tool applies to a store given on
// its command line or in its config: no PostgreSQL password in either.
#include "store/db_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "claimtool/config.h"
#include "portal/config.h"
#include "reports/config.h"

namespace periscope::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(DatabaseHasPasswordTest, SeesPasswordsInTheUserInformationAndInTheParameters) {
  EXPECT_TRUE(DatabaseHasPassword("postgresql://periscope:s3cret@db.example/periscope"));
  EXPECT_TRUE(DatabaseHasPassword("postgres://periscope:@db.example/periscope"));
  EXPECT_TRUE(DatabaseHasPassword("postgresql:///periscope?host=/run/pg&password=s3cret"));
  EXPECT_TRUE(DatabaseHasPassword("postgresql://db.example/periscope?password="));
  EXPECT_FALSE(DatabaseHasPassword("postgresql://periscope@db.example:5433/periscope"));
  EXPECT_FALSE(DatabaseHasPassword("postgresql://db.example:5433/periscope?sslmode=require"));
  EXPECT_FALSE(DatabaseHasPassword("postgresql:///periscope?host=/run/pg&port=5433"));
  // A ':' or '@' after the authority is not user information.
  EXPECT_FALSE(DatabaseHasPassword("postgresql://db.example/periscope?options=a:b@c"));
  EXPECT_FALSE(DatabaseHasPassword("postgresql://db.example/periscope?passwordless=1"));
  // File paths are never URIs, whatever they contain.
  EXPECT_FALSE(DatabaseHasPassword("/var/lib/periscope/user:pw@host.db"));
}

TEST(CheckNoPasswordTest, RefusesNamingWhereWithoutRepeatingThePassword) {
  EXPECT_TRUE(CheckNoPassword("/var/lib/periscope/periscope.db", "--db").ok());
  EXPECT_TRUE(CheckNoPassword("postgresql://periscope@db.example/periscope", "--db").ok());
  Status s = CheckNoPassword("postgresql://periscope:s3cret@db.example/periscope", "--db");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("--db: postgresql://periscope:***@db.example/periscope"));
  EXPECT_THAT(s.message(), HasSubstr("~/.pgpass"));
  EXPECT_THAT(s.message(), HasSubstr("PGPASSFILE"));
  EXPECT_THAT(s.message(), Not(HasSubstr("s3cret")));
  s = CheckNoPassword("postgresql:///p?host=/run/pg&password=s3cret&port=1", "--to");
  EXPECT_THAT(s.message(), HasSubstr("--to: "));
  EXPECT_THAT(s.message(), Not(HasSubstr("s3cret")));
}

TEST(DatabaseElementTest, EachToolsConfigRefusesAPasswordNamingFileLineAndField) {
  const std::string uri = "postgresql://periscope:s3cret@db.example/periscope";
  auto report = reports::ParseReportConfig(
      "<periscope-report>\n  <database path=\"" + uri + "\"/>\n</periscope-report>\n",
      "/etc/periscope/report.xml",
      reports::DefaultReportConfig("/etc/periscope", "/var/lib/periscope"));
  ASSERT_FALSE(report.ok());
  EXPECT_THAT(report.status().message(),
              HasSubstr("/etc/periscope/report.xml:2:13: <database path>"));
  EXPECT_THAT(report.status().message(), Not(HasSubstr("s3cret")));

  auto claim = claimtool::ParseClaimConfig(
      "<periscope-claim>\n  <database>\n    <path>" + uri +
          "</path>\n  </database>\n"
          "</periscope-claim>\n",
      "/etc/periscope/claim.xml",
      claimtool::DefaultClaimConfig("/etc/periscope", "/var/lib/periscope"));
  ASSERT_FALSE(claim.ok());
  EXPECT_THAT(claim.status().message(), HasSubstr("/etc/periscope/claim.xml:3:"));
  EXPECT_THAT(claim.status().message(), Not(HasSubstr("s3cret")));

  auto portal = portal::ParsePortalConfig(
      "<periscope-portal>\n  <database path=\"" + uri + "\"/>\n</periscope-portal>\n",
      "/etc/periscope/portal.xml",
      portal::DefaultPortalConfig("/etc/periscope", "/var/lib/periscope"));
  ASSERT_FALSE(portal.ok());
  EXPECT_THAT(portal.status().message(), HasSubstr("/etc/periscope/portal.xml:2:"));
  EXPECT_THAT(portal.status().message(), Not(HasSubstr("s3cret")));
}

TEST(DatabaseElementTest, AUriIsKeptAsItIsAndAPathIsResolvedAgainstTheConfig) {
  const std::string uri = "postgresql://periscope@db.example:5433/periscope?sslmode=require";
  auto report = reports::ParseReportConfig(
      "<periscope-report><database path=\"" + uri + "\"/></periscope-report>",
      "/etc/periscope/report.xml",
      reports::DefaultReportConfig("/etc/periscope", "/var/lib/periscope"));
  ASSERT_TRUE(report.ok()) << report.status().message();
  EXPECT_EQ(report->database, uri);
  auto claim = claimtool::ParseClaimConfig(
      "<periscope-claim><database><path>" + uri + "</path></database></periscope-claim>",
      "/etc/periscope/claim.xml",
      claimtool::DefaultClaimConfig("/etc/periscope", "/var/lib/periscope"));
  ASSERT_TRUE(claim.ok()) << claim.status().message();
  EXPECT_EQ(claim->database, uri);
  auto relative = portal::ParsePortalConfig(
      "<periscope-portal><database path=\"db/p.db\"/></periscope-portal>",
      "/srv/periscope/portal.xml",
      portal::DefaultPortalConfig("/etc/periscope", "/var/lib/periscope"));
  ASSERT_TRUE(relative.ok()) << relative.status().message();
  EXPECT_EQ(relative->database, "/srv/periscope/db/p.db");
}

}  // namespace
}  // namespace periscope::store
