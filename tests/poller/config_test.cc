#include "poller/config.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include "tests/support/process.h"

namespace periscope::poller {
namespace {

const char kGood[] = R"(<periscope-poller>
  <database path="/var/lib/periscope/h.db"/>
  <polling window="64" timeout-ms="800" retries="2" max-repetitions="20"/>
  <profile name="lan" version="2c" community="s3cret-community"/>
  <profile name="v3" version="3" user="noc" auth="SHA-512" auth-pass="auth-pass-123"
           priv="AES-256" priv-pass="priv-pass-456"/>
</periscope-poller>
)";

TEST(PollerConfigTest, ProfilesAndLimitsAreParsed) {
  auto c = ParsePollerConfig(kGood, "p.xml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->database, "/var/lib/periscope/h.db");
  EXPECT_EQ(c->lock_file, "/var/lib/periscope/h.db.lock");
  EXPECT_EQ(c->engine.window, 64u);
  EXPECT_EQ(c->engine.timeout, std::chrono::milliseconds(800));
  EXPECT_EQ(c->engine.bulk_repetitions, 20);
  ASSERT_EQ(c->profiles.size(), 2u);
  EXPECT_EQ(c->profiles.at("v3").auth_protocol, "SHA-512");
  EXPECT_EQ(c->profiles.at("lan").version, 2);
}

TEST(PollerConfigTest, APostgreSqlStoreHasNoLockFileAndTheScaleOutFieldsAreRead) {
  auto c = ParsePollerConfig(R"(<periscope-poller>
  <database path="postgresql:///periscope?host=/run/postgresql"/>
  <polling interval-s="300" buckets="4096" lease-ttl-s="45" chunk-targets="100"/>
</periscope-poller>
)",
                             "p.xml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->database, "postgresql:///periscope?host=/run/postgresql");
  EXPECT_TRUE(c->lock_file.empty());
  EXPECT_EQ(c->interval_s, 300);
  EXPECT_EQ(c->bucket_count, 4096);
  EXPECT_EQ(c->lease_ttl_s, 45);
  EXPECT_EQ(c->chunk_targets, 100u);
  auto zero_buckets =
      ParsePollerConfig(R"(<periscope-poller><polling buckets="0"/></periscope-poller>)", "p.xml");
  ASSERT_FALSE(zero_buckets.ok());
  EXPECT_NE(zero_buckets.status().message().find("buckets"), std::string::npos);
}

TEST(PollerConfigTest, ErrorsNameTheFieldButNeverASecret) {
  struct Case {
    std::string xml;
    std::string expected;
  };
  const Case cases[] = {
      {R"(<periscope-poller><profile name="a" version="3" user="u" auth="MD5" auth-pass="topsecret1" priv="AES" priv-pass="topsecret2"/></periscope-poller>)",
       "field 'auth': 'MD5' is not SHA, SHA-256 or SHA-512"},
      {R"(<periscope-poller><profile name="a" version="3" user="u" auth-pass="short" priv-pass="topsecret2"/></periscope-poller>)",
       "field 'auth-pass': needs at least 8 characters"},
      {R"(<periscope-poller><profile name="a" version="1" community="topsecret1"/></periscope-poller>)",
       "field 'version': '1' is not 2c or 3"},
      {R"(<periscope-poller><polling window="0"/></periscope-poller>)",
       "field 'window': '0' is not an integer in 1..10000"},
      {R"(<periscope-poller><profile name="a" version="2c" community="topsecret1"/><profile name="a" version="2c" community="x"/></periscope-poller>)",
       "profile 'a' is defined twice"},
      {R"(<!DOCTYPE p [<!ENTITY c "topsecret1">]><periscope-poller><profile name="a" version="2c" community="&c;"/></periscope-poller>)",
       "p.xml:1:1: a DOCTYPE is not allowed"},
      {R"(<periscope-poller><profile name="a" version="2c" community="&c;"/></periscope-poller>)",
       "p.xml:1:61: entity reference '&c;' is not allowed"},
  };
  for (const Case& c : cases) {
    auto r = ParsePollerConfig(c.xml, "p.xml");
    ASSERT_FALSE(r.ok()) << c.expected;
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().find("topsecret"), std::string::npos) << r.status().message();
    EXPECT_EQ(r.status().message().find("short"), std::string::npos);
  }
}

TEST(PollerConfigTest, AFileReadableByOthersIsRefused) {
  periscope::testing::TempDir dir;
  std::string path = dir.File("p.xml");
  periscope::testing::WriteTextFile(path, kGood);
  ::chmod(path.c_str(), 0644);
  auto r = LoadPollerConfig(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("chmod 600"), std::string::npos);
  ::chmod(path.c_str(), 0600);
  EXPECT_TRUE(LoadPollerConfig(path).ok());
}

TEST(PollerConfigTest, ShippedSampleLoads) {
  auto r = ParsePollerConfig(periscope::testing::ReadTextFile(std::string(PERISCOPE_SOURCE_DIR) +
                                                              "/etc/periscope-poller.xml"),
                             "etc/periscope-poller.xml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->profiles.empty());
}

}  // namespace
}  // namespace periscope::poller
