#include <gtest/gtest.h>

#include <string>

#include "reports/catalog.h"

namespace periscope::reports {
namespace {

// Line numbers matter: each bad case edits one line and expects its position.
std::string PeripheralCatalog() {
  return R"(<?xml version="1.0"?>
<catalog>
  <printer model="P-1" product-number="P-1-PN" name="Printer One" price="90000" currency="JPY">
    <pages-per-minute>35</pages-per-minute>
    <duty-cycle>80000</duty-cycle>
    <recommended-volume>5000</recommended-volume>
    <successor>P-2</successor>
    <supply product-number="P-1-TK" match="Black Toner" page-yield="12000" price="14800" name="Toner"/>
  </printer>
  <copier model="P-2" product-number="P-2-PN" name="Copier Two" price="900000" currency="JPY"
          pages-per-minute="60" duty-cycle="300000" recommended-volume="40000"/>
  <host model="H-1" product-number="H-1-PN" name="PC One" price="100000" currency="JPY">
    <storage-upgrade product-number="H-1-SSD" size="512GB" price="9800" name="SSD 512 GB"/>
    <cpu-upgrade product-number="H-2-PN" price="198000" name="PC Two"/>
  </host>
  <switch model="S-1" product-number="S-1-PN" name="Switch One" price="68000" currency="JPY"
          port-speed-mbps="1000" successor="S-2"/>
  <switch model="S-2" product-number="S-2-PN" name="Switch Two" price="298000" currency="JPY"
          port-speed-mbps="10000" uplink-speed-mbps="40000"/>
</catalog>
)";
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(PeripheralCatalog, PrintersCopiersHostsAndSwitchesParseWithEveryField) {
  auto c = ParseCatalog(PeripheralCatalog(), "cat.xml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->products.empty());
  const PrinterProduct* p = c->FindPrinter("P-1");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->copier);
  EXPECT_EQ(p->name, "Printer One");
  EXPECT_EQ(p->pages_per_minute, 35u);
  EXPECT_EQ(p->duty_cycle_pages, 80000u);
  EXPECT_EQ(p->recommended_monthly_pages, 5000u);
  EXPECT_EQ(p->successor, "P-2");
  ASSERT_EQ(p->supplies.size(), 1u);
  EXPECT_EQ(p->supplies[0].match, "black toner");  // matched case-insensitively
  EXPECT_EQ(p->supplies[0].page_yield, 12000u);
  EXPECT_EQ(p->supplies[0].price_minor_units, 14800);
  const PrinterProduct* copier = c->FindPrinter("P-2");
  ASSERT_NE(copier, nullptr);
  EXPECT_TRUE(copier->copier);
  const HostProduct* h = c->FindHost("H-1");
  ASSERT_NE(h, nullptr);
  ASSERT_EQ(h->storage_upgrades.size(), 1u);
  EXPECT_EQ(h->storage_upgrades[0].size_bytes, 512'000'000'000u);
  ASSERT_TRUE(h->cpu_upgrade.has_value());
  EXPECT_EQ(h->cpu_upgrade->product_number, "H-2-PN");
  const SwitchProduct* s = c->FindSwitch("S-2");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->port_speed_mbps, 10000u);
  EXPECT_EQ(s->uplink_speed_mbps, 40000u);
  EXPECT_EQ(c->FindSwitch("S-1")->uplink_speed_mbps, 0u);
  // Each kind is looked up only among its own elements.
  EXPECT_EQ(c->FindPrinter("S-1"), nullptr);
  EXPECT_EQ(c->Find("P-1"), nullptr);
}

TEST(PeripheralCatalog, ShippedCatalogHasThePrinterCopierPcAndSwitchModels) {
  auto c = LoadCatalog(std::string(PERISCOPE_SOURCE_DIR) + "/etc/catalog.xml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  for (const char* model : {"PRN-3500", "PRN-5000", "CPY-6000", "CPY-9000"}) {
    const PrinterProduct* p = c->FindPrinter(model);
    ASSERT_NE(p, nullptr) << model;
    EXPECT_GE(p->supplies.size(), 2u) << model;
    EXPECT_LE(p->recommended_monthly_pages, p->duty_cycle_pages) << model;
  }
  EXPECT_EQ(c->FindPrinter("PRN-3500")->pages_per_minute, 35u);
  EXPECT_EQ(c->FindPrinter("CPY-6000")->pages_per_minute, 60u);
  EXPECT_TRUE(c->FindPrinter("CPY-6000")->copier);
  EXPECT_EQ(c->FindPrinter("PRN-3500")->successor, "PRN-5000");
  EXPECT_EQ(c->FindPrinter("CPY-6000")->successor, "CPY-9000");
  const HostProduct* pc = c->FindHost("Periscope PC-200");
  ASSERT_NE(pc, nullptr);
  EXPECT_GE(pc->storage_upgrades.size(), 2u);
  EXPECT_TRUE(pc->cpu_upgrade.has_value());
  ASSERT_NE(c->FindSwitch("SW-1024"), nullptr);
  EXPECT_EQ(c->FindSwitch("SW-1024")->successor, "SW-1024X");
  EXPECT_EQ(c->FindSwitch("SW-1024X")->port_speed_mbps, 10000u);
  // The storage products are still there.
  EXPECT_NE(c->Find("PSA-2000"), nullptr);
}

struct BadCatalog {
  std::string from, to, expected;
};

TEST(PeripheralCatalog, EachErrorNamesFileLineColumnAndField) {
  const BadCatalog cases[] = {
      {"<recommended-volume>5000", "<recommended-volume>90000",
       "cat.xml:6:5: <printer> field 'recommended-volume': more than duty-cycle"},
      {"<successor>P-2</successor>", "<successor>S-2</successor>",
       "cat.xml:7:5: <printer> field 'successor': no <printer> or <copier> of model 'S-2' in the "
       "catalog"},
      {"successor=\"S-2\"", "successor=\"P-2\"",
       "cat.xml:17:34: <switch> field 'successor': no <switch> of model 'P-2' in the catalog"},
      {"successor=\"S-2\"", "successor=\"S-1\"",
       "cat.xml:17:34: <switch> field 'successor': a model cannot succeed itself"},
      {"model=\"H-1\"", "model=\"P-1\"",
       "cat.xml:12:9: <host> field 'model': 'P-1' is already described at cat.xml:3:3"},
      {"product-number=\"H-1-SSD\"", "product-number=\"P-1-TK\"",
       "cat.xml:13:22: <storage-upgrade> field 'product-number': 'P-1-TK' is already used at "
       "cat.xml:8:5"},
      {"match=\"Black Toner\" ", "", "cat.xml:8:5: <supply> field 'match': missing"},
      {"size=\"512GB\"", "size=\"0\"",
       "cat.xml:13:47: <storage-upgrade> field 'size': must be greater than 0"},
      {"<pages-per-minute>35</pages-per-minute>", "",
       "cat.xml:3:3: <printer> field 'pages-per-minute': missing"},
      {"port-speed-mbps=\"1000\"", "port-speed-mbps=\"fast\"",
       "cat.xml:17:11: <switch> field 'port-speed-mbps': 'fast' is not an integer in 1..10000000"},
      {"currency=\"JPY\">\n    <storage", "currency=\"yen\">\n    <storage",
       "cat.xml:12:74: <host> field 'currency': 'yen' is not three upper-case letters (ISO 4217, "
       "e.g. JPY, EUR, USD)"},
  };
  for (const BadCatalog& bad : cases) {
    auto c = ParseCatalog(Replace(PeripheralCatalog(), bad.from, bad.to), "cat.xml");
    ASSERT_FALSE(c.ok()) << bad.to;
    EXPECT_EQ(c.status().message(), bad.expected) << bad.to;
  }
}

TEST(PeripheralCatalog, UnknownFieldsOfPeripheralElementsAreRefused) {
  auto c = ParseCatalog(Replace(PeripheralCatalog(), "<cpu-upgrade product-number",
                                "<cpu-upgrade size=\"1TB\" product-number"),
                        "cat.xml");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("cat.xml:14:"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("size"), std::string::npos) << c.status().message();

  auto twice = ParseCatalog(
      Replace(PeripheralCatalog(), "</host>",
              "<cpu-upgrade product-number=\"H-3-PN\" price=\"1\" name=\"x\"/></host>"),
      "cat.xml");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("given more than once"), std::string::npos)
      << twice.status().message();
}

}  // namespace
}  // namespace periscope::reports
