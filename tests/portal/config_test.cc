#include "portal/config.h"

#include <gtest/gtest.h>

#include <string>

namespace periscope::portal {
namespace {

PortalConfig Defaults() { return DefaultPortalConfig("/etc/periscope", "/var/lib/periscope"); }

// The error message of parsing `xml` as "p.xml"; "" when it parsed.
std::string ErrorOf(const std::string& xml) {
  auto config = ParsePortalConfig(xml, "p.xml", Defaults());
  return config.ok() ? std::string() : config.status().message();
}

TEST(PortalConfigTest, SampleConfigLoadsWithItsDocumentedDefaults) {
  auto config =
      LoadPortalConfig(std::string(PERISCOPE_SOURCE_DIR) + "/etc/periscope-portal.xml", Defaults());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->database, "/var/lib/periscope/periscope.db");
  EXPECT_EQ(config->busy_timeout.count(), 10000);
  EXPECT_EQ(config->report_config, "/etc/periscope/periscope-report.xml");
  EXPECT_EQ(config->http.address, "127.0.0.1");
  EXPECT_EQ(config->http.port, 8480);
  EXPECT_EQ(config->http.threads, 4U);
  EXPECT_EQ(config->public_url, "https://portal.vendor.example");
  EXPECT_EQ(config->trusted_proxies, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(config->http.max_connections, 1024U);
  EXPECT_EQ(config->http.max_connections_per_ip, 64U);
  EXPECT_EQ(config->http.idle_timeout_s, 15U);
  EXPECT_EQ(config->http.max_header_bytes, 8192U);
  EXPECT_EQ(config->http.max_body_bytes, 16384U);
  EXPECT_EQ(config->max_field_bytes, 2000U);
  EXPECT_EQ(config->address_limit.burst, 120);
  EXPECT_EQ(config->address_limit.refill_per_second, 4);
  EXPECT_EQ(config->account_limit.burst, 30);
  EXPECT_EQ(config->account_limit.refill_per_second, 0.5);
  EXPECT_EQ(config->post_limit.burst, 20);
  EXPECT_EQ(config->post_limit.refill_per_second, 0.2);
  EXPECT_EQ(config->session_ttl_s, 28800);
  EXPECT_TRUE(config->secure_cookies);
  EXPECT_EQ(config->max_failed_signins, 5);
  EXPECT_EQ(config->lock_s, 900);
  EXPECT_EQ(config->invite_ttl_s, 259200);
  EXPECT_EQ(config->fallback_sales_name, "");
  EXPECT_EQ(config->fallback_sales_email, "");
  EXPECT_EQ(config->mail.from_email, "portal@vendor.example");
  EXPECT_EQ(config->mail.from_name, "periscope portal");
  EXPECT_EQ(config->mail.directory, "/var/lib/periscope/portal-mail");
  EXPECT_EQ(config->mail.max_attempts, 8);
  EXPECT_EQ(config->mail.first_retry_delay_s, 300);
  EXPECT_FALSE(config->mail.smtp.has_value());
}

TEST(PortalConfigTest, SampleConfigShowsTheBuiltInDefaults) {
  // What the sample shows for an element is what leaving it out gives, apart
  // from the two it sets for the reverse proxy.
  const PortalConfig d = Defaults();
  auto config =
      LoadPortalConfig(std::string(PERISCOPE_SOURCE_DIR) + "/etc/periscope-portal.xml", d);
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->database, d.database);
  EXPECT_EQ(config->busy_timeout, d.busy_timeout);
  EXPECT_EQ(config->report_config, d.report_config);
  EXPECT_EQ(config->http.address, d.http.address);
  EXPECT_EQ(config->http.port, d.http.port);
  EXPECT_EQ(config->http.threads, d.http.threads);
  EXPECT_EQ(config->http.max_connections, d.http.max_connections);
  EXPECT_EQ(config->http.max_connections_per_ip, d.http.max_connections_per_ip);
  EXPECT_EQ(config->http.idle_timeout_s, d.http.idle_timeout_s);
  EXPECT_EQ(config->http.max_header_bytes, d.http.max_header_bytes);
  EXPECT_EQ(config->http.max_body_bytes, d.http.max_body_bytes);
  EXPECT_EQ(config->max_field_bytes, d.max_field_bytes);
  EXPECT_EQ(config->address_limit.burst, d.address_limit.burst);
  EXPECT_EQ(config->address_limit.refill_per_second, d.address_limit.refill_per_second);
  EXPECT_EQ(config->account_limit.burst, d.account_limit.burst);
  EXPECT_EQ(config->account_limit.refill_per_second, d.account_limit.refill_per_second);
  EXPECT_EQ(config->post_limit.burst, d.post_limit.burst);
  EXPECT_EQ(config->post_limit.refill_per_second, d.post_limit.refill_per_second);
  EXPECT_EQ(config->session_ttl_s, d.session_ttl_s);
  EXPECT_EQ(config->secure_cookies, d.secure_cookies);
  EXPECT_EQ(config->max_failed_signins, d.max_failed_signins);
  EXPECT_EQ(config->lock_s, d.lock_s);
  EXPECT_EQ(config->invite_ttl_s, d.invite_ttl_s);
  EXPECT_EQ(config->fallback_sales_email, d.fallback_sales_email);
  EXPECT_EQ(config->mail.from_name, d.mail.from_name);
  EXPECT_EQ(config->mail.directory, d.mail.directory);
  EXPECT_EQ(config->mail.max_attempts, d.mail.max_attempts);
  EXPECT_EQ(config->mail.first_retry_delay_s, d.mail.first_retry_delay_s);
  EXPECT_TRUE(d.public_url.empty());
  EXPECT_TRUE(d.trusted_proxies.empty());
}

TEST(PortalConfigTest, EmptyConfigKeepsTheDefaults) {
  auto config = ParsePortalConfig("<periscope-portal/>", "p.xml", Defaults());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->database, "/var/lib/periscope/periscope.db");
  EXPECT_EQ(config->http.port, 8480);
  EXPECT_EQ(config->public_url, "");
  EXPECT_TRUE(config->trusted_proxies.empty());
  EXPECT_EQ(config->mail.directory, "/var/lib/periscope/portal-mail");
}

TEST(PortalConfigTest, RelativePathsAreRelativeToTheConfigFile) {
  auto config = ParsePortalConfig(
      R"(<periscope-portal><database path="db/p.db"/><report config="report.xml"/>
         <mail directory="mail"/></periscope-portal>)",
      "/srv/portal/portal.xml", Defaults());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->database, "/srv/portal/db/p.db");
  EXPECT_EQ(config->report_config, "/srv/portal/report.xml");
  EXPECT_EQ(config->mail.directory, "/srv/portal/mail");
}

TEST(PortalConfigTest, SettingsOverrideTheDefaults) {
  auto config = ParsePortalConfig(
      R"(<periscope-portal>
           <listen address="::1" port="0" threads="2"/>
           <limits max-connections="2000" max-connections-per-ip="1500" idle-timeout-s="5"/>
           <rate-limit address-burst="100000" address-per-second="50000" post-per-second="0.001"/>
           <session ttl-s="600" secure-cookies="false"/>
           <sign-in max-failures="3" lock-s="60"/>
           <fallback-sales name="Desk" email="desk@vendor.example"/>
         </periscope-portal>)",
      "p.xml", Defaults());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->http.address, "::1");
  EXPECT_EQ(config->http.port, 0);
  EXPECT_EQ(config->http.threads, 2U);
  EXPECT_EQ(config->http.max_connections, 2000U);
  EXPECT_EQ(config->http.max_connections_per_ip, 1500U);
  EXPECT_EQ(config->http.idle_timeout_s, 5U);
  EXPECT_EQ(config->address_limit.burst, 100000);
  EXPECT_EQ(config->address_limit.refill_per_second, 50000);
  EXPECT_EQ(config->post_limit.burst, 20);  // absent: unchanged
  EXPECT_EQ(config->post_limit.refill_per_second, 0.001);
  EXPECT_EQ(config->session_ttl_s, 600);
  EXPECT_FALSE(config->secure_cookies);
  EXPECT_EQ(config->max_failed_signins, 3);
  EXPECT_EQ(config->lock_s, 60);
  EXPECT_EQ(config->fallback_sales_email, "desk@vendor.example");
}

TEST(PortalConfigTest, UnknownElementIsAnErrorNamingFileLineAndColumn) {
  std::string error = ErrorOf(
      "<periscope-portal>\n  <listen port=\"1\"/>\n  <sesion ttl-s=\"60\"/>\n"
      "</periscope-portal>\n");
  EXPECT_NE(error.find("p.xml:3:3:"), std::string::npos) << error;
  EXPECT_NE(error.find("<sesion>"), std::string::npos) << error;
}

TEST(PortalConfigTest, UnknownAttributeIsAnErrorNamingFileLineAndColumn) {
  std::string error =
      ErrorOf("<periscope-portal>\n  <limits max-conections=\"10\"/>\n</periscope-portal>\n");
  EXPECT_NE(error.find("p.xml:2:11:"), std::string::npos) << error;
  EXPECT_NE(error.find("max-conections"), std::string::npos) << error;
}

TEST(PortalConfigTest, WrongRootElementIsAnError) {
  std::string error = ErrorOf("<periscope-report/>");
  EXPECT_NE(error.find("p.xml:1:1:"), std::string::npos) << error;
  EXPECT_NE(error.find("<periscope-portal>"), std::string::npos) << error;
}

TEST(PortalConfigTest, PublicUrlMustBeAnAbsoluteHttpUrl) {
  for (const char* bad :
       {"portal.vendor.example", "ftp://portal.vendor.example", "https://", "/"}) {
    std::string error = ErrorOf(std::string("<periscope-portal>\n  <public-url>") + bad +
                                "</public-url>\n</periscope-portal>");
    EXPECT_NE(error.find("p.xml:2:3:"), std::string::npos) << bad << ": " << error;
    EXPECT_NE(error.find("public-url"), std::string::npos) << bad << ": " << error;
  }
}

TEST(PortalConfigTest, PublicUrlKeepsOnlyTheOrigin) {
  auto config = ParsePortalConfig(
      "<periscope-portal><public-url>HTTPS://Portal.Vendor.Example:8443/customers/</public-url>"
      "</periscope-portal>",
      "p.xml", Defaults());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->public_url, "https://portal.vendor.example:8443");
}

TEST(PortalConfigTest, TrustedProxyMustBeALiteralAddress) {
  for (const char* bad : {"localhost", "10.0.0.0/8", "127.0.0.1:80", "256.1.1.1", "::1 proxy"}) {
    std::string error = ErrorOf(std::string("<periscope-portal>\n  <reverse-proxy trusted=\"") +
                                bad + "\"/>\n</periscope-portal>");
    EXPECT_NE(error.find("p.xml:2:18:"), std::string::npos) << bad << ": " << error;
    EXPECT_NE(error.find("trusted"), std::string::npos) << bad << ": " << error;
    EXPECT_NE(error.find("not an IP address"), std::string::npos) << bad << ": " << error;
  }
  auto config = ParsePortalConfig(
      R"(<periscope-portal><reverse-proxy trusted=" 10.1.2.3  fe80::1 "/></periscope-portal>)",
      "p.xml", Defaults());
  ASSERT_TRUE(config.ok()) << config.status().message();
  EXPECT_EQ(config->trusted_proxies, (std::vector<std::string>{"10.1.2.3", "fe80::1"}));
}

TEST(PortalConfigTest, RateNumbersMustBePositiveFiniteDecimals) {
  for (const char* attr : {"address-burst", "account-per-second", "post-per-second"}) {
    for (const char* bad : {"fast", "0", "-1", "2e6", "nan", "inf", "1.5x", ""}) {
      std::string error = ErrorOf(std::string("<periscope-portal>\n  <rate-limit ") + attr + "=\"" +
                                  bad + "\"/>\n</periscope-portal>");
      EXPECT_NE(error.find("p.xml:2:15:"), std::string::npos)
          << attr << "=" << bad << ": " << error;
      EXPECT_NE(error.find(attr), std::string::npos) << attr << "=" << bad << ": " << error;
    }
  }
}

TEST(PortalConfigTest, LimitsOutOfRangeAreErrors) {
  EXPECT_NE(ErrorOf(R"(<periscope-portal><limits max-header-bytes="100"/></periscope-portal>)")
                .find("max-header-bytes"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"(<periscope-portal><listen port="65536"/></periscope-portal>)").find("port"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(R"(<periscope-portal><listen threads="0"/></periscope-portal>)").find("threads"),
      std::string::npos);
  EXPECT_NE(ErrorOf(R"(<periscope-portal><session secure-cookies="maybe"/></periscope-portal>)")
                .find("secure-cookies"),
            std::string::npos);
}

TEST(PortalConfigTest, FallbackSalesEmailMustBeAnAddress) {
  std::string error =
      ErrorOf(R"(<periscope-portal><fallback-sales email="sales desk"/></periscope-portal>)");
  EXPECT_NE(error.find("email"), std::string::npos) << error;
}

}  // namespace
}  // namespace periscope::portal
