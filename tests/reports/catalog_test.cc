#include "reports/catalog.h"

#include <gtest/gtest.h>

#include <string>

namespace periscope::reports {
namespace {

// A valid catalog of two products; each bad case edits one line of it.
std::string ValidCatalog() {
  return R"(<?xml version="1.0"?>
<catalog>
  <product model="A-1" product-number="A-1-PN">
    <name>Array One</name>
    <price>100000</price>
    <currency>EUR</currency>
    <rated-load>1000</rated-load>
    <capacity>12TB</capacity>
    <cache>8GiB</cache>
    <max-cache>32GiB</max-cache>
    <successor>B-2</successor>
    <firmware version="2.10.0" date="2026-09-15" product-number="A-1-FW"/>
    <capacity-addon product-number="A-1-DP4" size="4TB" price="5000" name="Pack 4 TB"/>
    <cache-option product-number="A-1-C8" size="8GiB" price="1800" name="Cache 8 GiB"/>
  </product>
  <product model="B-2" product-number="B-2-PN">
    <name>Array Two</name>
    <price>300000</price>
    <currency>EUR</currency>
    <rated-load>4000</rated-load>
    <capacity>48TB</capacity>
    <max-cache>128GiB</max-cache>
  </product>
</catalog>
)";
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(CatalogTest, ShippedSampleParsesAndCoversTheSimulatedFleetModels) {
  auto c = LoadCatalog(std::string(PERISCOPE_SOURCE_DIR) + "/etc/catalog.xml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  for (const char* model : {"PSA-2000", "PSA-4000", "TL-80", "OD-12"}) {
    const Product* p = c->Find(model);
    ASSERT_NE(p, nullptr) << model;
    EXPECT_FALSE(p->capacity_addons.empty()) << model;
    EXPECT_TRUE(p->latest_firmware.has_value()) << model;
    EXPECT_EQ(p->currency, "JPY");
  }
  const Product* psa2000 = c->Find("PSA-2000");
  EXPECT_EQ(psa2000->successor, "PSA-4000");
  EXPECT_EQ(psa2000->capacity_bytes, 12'000'000'000'000u);
  EXPECT_EQ(psa2000->max_cache_bytes, 32ull << 30);
  EXPECT_EQ(c->Find("TL-80")->name, "テープライブラリ TL-80");
}

TEST(CatalogTest, ValidCatalogGivesEveryField) {
  auto c = ParseCatalog(ValidCatalog(), "cat.xml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  ASSERT_EQ(c->products.size(), 2u);
  const Product& a = c->products[0];
  EXPECT_EQ(a.model, "A-1");
  EXPECT_EQ(a.product_number, "A-1-PN");
  EXPECT_EQ(a.name, "Array One");
  EXPECT_EQ(a.price_minor_units, 100000);
  EXPECT_EQ(a.currency, "EUR");
  EXPECT_EQ(a.rated_load, 1000u);
  EXPECT_EQ(a.capacity_bytes, 12'000'000'000'000u);
  EXPECT_EQ(a.cache_bytes, 8ull << 30);
  EXPECT_EQ(a.max_cache_bytes, 32ull << 30);
  EXPECT_EQ(a.successor, "B-2");
  ASSERT_TRUE(a.latest_firmware.has_value());
  EXPECT_EQ(a.latest_firmware->version, "2.10.0");
  EXPECT_EQ(a.latest_firmware->date, 20260915u);
  EXPECT_EQ(a.latest_firmware->product_number, "A-1-FW");
  EXPECT_EQ(a.latest_firmware->price_minor_units, 0);
  ASSERT_EQ(a.capacity_addons.size(), 1u);
  EXPECT_EQ(a.capacity_addons[0].product_number, "A-1-DP4");
  EXPECT_EQ(a.capacity_addons[0].name, "Pack 4 TB");
  EXPECT_EQ(a.capacity_addons[0].size_bytes, 4'000'000'000'000u);
  EXPECT_EQ(a.capacity_addons[0].price_minor_units, 5000);
  ASSERT_EQ(a.cache_options.size(), 1u);
  EXPECT_EQ(a.cache_options[0].size_bytes, 8ull << 30);
  EXPECT_EQ(c->products[1].cache_bytes, 0u);
  EXPECT_FALSE(c->products[1].latest_firmware.has_value());
  EXPECT_EQ(c->Find("nope"), nullptr);
}

struct BadCatalog {
  const char* from;
  const char* to;
  const char* expected;  // the whole message, position included
};

TEST(CatalogTest, EachErrorNamesFileLineColumnAndField) {
  const BadCatalog cases[] = {
      {"<currency>EUR</currency>\n    <rated-load>1000",
       "<currency>euro</currency>\n    <rated-load>1000",
       "cat.xml:6:5: <product> field 'currency': 'euro' is not three upper-case letters (ISO "
       "4217, e.g. JPY, EUR, USD)"},
      {"<capacity>12TB</capacity>", "<capacity>0</capacity>",
       "cat.xml:8:5: <product> field 'capacity': must be greater than 0"},
      {"size=\"4TB\"", "size=\"0\"",
       "cat.xml:13:46: <capacity-addon> field 'size': must be greater than 0"},
      {"<successor>B-2</successor>", "<successor>Z-9</successor>",
       "cat.xml:11:5: <product> field 'successor': no <product> of model 'Z-9' in the catalog"},
      {"<successor>B-2</successor>", "<successor>A-1</successor>",
       "cat.xml:11:5: <product> field 'successor': a model cannot succeed itself"},
      {"date=\"2026-09-15\"", "date=\"2026-02-30\"",
       "cat.xml:12:32: <firmware> field 'date': '2026-02-30' is not a date YYYY-MM-DD"},
      {"model=\"B-2\" product-number=\"B-2-PN\"", "model=\"A-1\" product-number=\"B-2-PN\"",
       "cat.xml:16:12: <product> field 'model': 'A-1' is already described at cat.xml:3:3"},
      {"product-number=\"A-1-C8\"", "product-number=\"A-1-DP4\"",
       "cat.xml:14:19: <cache-option> field 'product-number': 'A-1-DP4' is already used at "
       "cat.xml:13:5"},
      {"<rated-load>1000</rated-load>", "<rated-load>-5</rated-load>",
       "cat.xml:7:5: <product> field 'rated-load': '-5' is not an integer in 1..1099511627776"},
      {"<name>Array One</name>", "", "cat.xml:3:3: <product> field 'name': missing"},
      {"<name>Array One</name>", "<name>Array One</name><name>Again</name>",
       "cat.xml:4:27: <product> field 'name': given more than once"},
      {"<price>100000</price>", "<price>12.50</price>",
       "cat.xml:5:5: <product> field 'price': '12.50' is not an integer in 0..9223372036854775"},
  };
  for (const BadCatalog& bad : cases) {
    auto c = ParseCatalog(Replace(ValidCatalog(), bad.from, bad.to), "cat.xml");
    ASSERT_FALSE(c.ok()) << bad.to;
    EXPECT_EQ(c.status().message(), bad.expected) << bad.to;
  }
}

TEST(CatalogTest, UnknownElementOrAttributeIsRefused) {
  auto element = ParseCatalog(Replace(ValidCatalog(), "<max-cache>32GiB</max-cache>",
                                      "<max-cache>32GiB</max-cache><colour>red</colour>"),
                              "cat.xml");
  ASSERT_FALSE(element.ok());
  EXPECT_EQ(element.status().message(), "cat.xml:10:33: <product> unknown element <colour>");
  auto attribute = ParseCatalog(
      Replace(ValidCatalog(), "size=\"8GiB\"", "size=\"8GiB\" colour=\"red\""), "cat.xml");
  ASSERT_FALSE(attribute.ok());
  EXPECT_EQ(attribute.status().message(),
            "cat.xml:14:55: <cache-option> unknown attribute 'colour'");
}

TEST(CatalogTest, OverlongOrControlCharacterNameIsRefused) {
  auto long_name =
      ParseCatalog(Replace(ValidCatalog(), "Array One", std::string(201, 'x')), "cat.xml");
  ASSERT_FALSE(long_name.ok());
  EXPECT_EQ(long_name.status().message(),
            "cat.xml:4:5: <product> field 'name': longer than 200 bytes (201 bytes)");
  auto control = ParseCatalog(Replace(ValidCatalog(), "Array One", "Array&#27;One"), "cat.xml");
  ASSERT_FALSE(control.ok());
  EXPECT_NE(control.status().message().find("cat.xml:4:5: <product> field 'name': not clean UTF-8"),
            std::string::npos)
      << control.status().message();
}

TEST(CatalogTest, EmptyCatalogAndWrongRootAreRefused) {
  auto empty = ParseCatalog("<catalog/>", "cat.xml");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().message(), "cat.xml:1:1: <catalog> has no <product>");
  auto root = ParseCatalog("<products/>", "cat.xml");
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.status().message(), "cat.xml:1:1: root element is <products>, expected <catalog>");
}

TEST(CatalogTest, MissingFileNamesThePath) {
  auto c = LoadCatalog("/nonexistent/catalog.xml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("/nonexistent/catalog.xml"), std::string::npos);
}

struct VersionCase {
  const char* a;
  const char* b;
  int expected;
};

TEST(CatalogTest, FirmwareVersionsCompareNumericallyWithTextFallback) {
  const VersionCase cases[] = {
      {"1.9", "1.10", -1},  {"1.10", "1.9", 1},    {"2.0.0", "2.0.0", 0}, {"1.2", "1.2.0", 0},
      {"1.2", "1.2.1", -1}, {"v3.1", "3.1", 0},    {"3.01", "3.1", 0},    {"10.0", "9.9.9", 1},
      {"2.1a", "2.1b", -1}, {"2.1-rc1", "2.1", 1}, {"1.2_3", "1.2.3", 0}, {"", "1.0", -1},
  };
  for (const VersionCase& c : cases) {
    EXPECT_EQ(CompareFirmwareVersions(c.a, c.b), c.expected) << c.a << " vs " << c.b;
  }
}

}  // namespace
}  // namespace periscope::reports
