#include "reports/catalog_offers.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace periscope::reports {
namespace {

// One model of every kind; each with what OffersForModel lists for it.
constexpr const char* kCatalog = R"xml(<?xml version="1.0"?>
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
    <firmware version="2.10.0" date="2026-09-15" product-number="A-1-FW" price="2500"/>
    <capacity-addon product-number="A-1-DP4" size="4TB" price="5000" name="Pack 4 TB"/>
    <capacity-addon product-number="A-1-DE12" size="12TB" price="13000" name="Enclosure 12 TB"/>
    <cache-option product-number="A-1-C8" size="8GB" price="1800" name="Cache 8 GB"/>
  </product>
  <product model="B-2" product-number="B-2-PN">
    <name>Array Two</name>
    <price>300000</price>
    <currency>USD</currency>
    <rated-load>4000</rated-load>
    <capacity>48TB</capacity>
    <max-cache>128GiB</max-cache>
    <capacity-addon product-number="B-2-DE24" size="24TB" price="24000" name="Enclosure 24 TB"/>
  </product>
  <printer model="P-1" product-number="P-1-PN">
    <name>Printer One</name>
    <price>98000</price>
    <currency>JPY</currency>
    <pages-per-minute>35</pages-per-minute>
    <duty-cycle>80000</duty-cycle>
    <recommended-volume>5000</recommended-volume>
    <successor>P-2</successor>
    <supply product-number="P-1-TK" match="toner" page-yield="20000" price="14800" name="Toner"/>
    <supply product-number="P-1-WT" match="waste" price="4500" name="Waste box"/>
  </printer>
  <copier model="P-2" product-number="P-2-PN">
    <name>Copier Two</name>
    <price>1280000</price>
    <currency>JPY</currency>
    <pages-per-minute>60</pages-per-minute>
    <duty-cycle>300000</duty-cycle>
    <recommended-volume>40000</recommended-volume>
  </copier>
  <host model="H-1" product-number="H-1-PN">
    <name>PC One</name>
    <price>128000</price>
    <currency>JPY</currency>
    <storage-upgrade product-number="H-1-SSD" size="512GB" price="9800" name="SSD 512 GB"/>
    <cpu-upgrade product-number="H-2-PN" price="198000" name="PC Two (replacement)"/>
  </host>
  <switch model="S-1" product-number="S-1-PN" port-speed-mbps="1000" successor="S-2">
    <name>Switch One</name>
    <price>68000</price>
    <currency>JPY</currency>
  </switch>
  <switch model="S-2" product-number="S-2-PN" port-speed-mbps="10000" uplink-speed-mbps="40000">
    <name>Switch Two</name>
    <price>298000</price>
    <currency>JPY</currency>
  </switch>
</catalog>
)xml";

Catalog Parsed() {
  auto c = ParseCatalog(kCatalog, "test-catalog.xml");
  EXPECT_TRUE(c.ok()) << c.status().message();
  return c.ok() ? *c : Catalog{};
}

struct Expected {
  const char* kind;
  const char* product_number;
  const char* name;
  const char* detail;
  int64_t price;
  const char* currency;
};

void ExpectOffers(const std::vector<CatalogOffer>& offers, const std::string& model,
                  const std::vector<Expected>& expected) {
  ASSERT_EQ(offers.size(), expected.size()) << model;
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE(model + " offer " + std::to_string(i));
    EXPECT_EQ(offers[i].for_model, model);
    EXPECT_EQ(offers[i].kind, expected[i].kind);
    EXPECT_EQ(offers[i].product_number, expected[i].product_number);
    EXPECT_EQ(offers[i].name, expected[i].name);
    EXPECT_EQ(offers[i].detail, expected[i].detail);
    EXPECT_EQ(offers[i].price_minor_units, expected[i].price);
    EXPECT_EQ(offers[i].currency, expected[i].currency);
  }
}

TEST(CatalogOffersTest, StorageModelOffersAddonsCacheFirmwareAndTheSuccessorsBaseProduct) {
  Catalog c = Parsed();
  ExpectOffers(
      OffersForModel(c, "A-1"), "A-1",
      {{"capacity", "A-1-DP4", "Pack 4 TB", "adds 4.0 TB", 5000, "EUR"},
       {"capacity", "A-1-DE12", "Enclosure 12 TB", "adds 12.0 TB", 13000, "EUR"},
       {"cache", "A-1-C8", "Cache 8 GB", "adds 8.0 GB of cache", 1800, "EUR"},
       {"firmware", "A-1-FW", "Array One firmware 2.10.0", "firmware 2.10.0 of 2026-09-15", 2500,
        "EUR"},
       // The successor keeps its own price and currency.
       {"successor", "B-2-PN", "Array Two",
        "replaces the A-1: 48.0 TB as sold, rated load 4,000 writes per interval", 300000, "USD"}});
  ExpectOffers(OffersForModel(c, "B-2"), "B-2",
               {{"capacity", "B-2-DE24", "Enclosure 24 TB", "adds 24.0 TB", 24000, "USD"}});
}

TEST(CatalogOffersTest, FirmwareWithoutAProductNumberIsNotOffered) {
  Catalog c = Parsed();
  ASSERT_FALSE(c.products.empty());
  c.products[0].latest_firmware->product_number.clear();
  for (const CatalogOffer& o : OffersForModel(c, "A-1")) EXPECT_NE(o.kind, "firmware");
}

TEST(CatalogOffersTest, PrinterOffersItsSuccessorAndSupplies) {
  Catalog c = Parsed();
  ExpectOffers(OffersForModel(c, "P-1"), "P-1",
               {{"successor", "P-2-PN", "Copier Two",
                 "replaces the P-1: 60 pages per minute, recommended up to 40,000 pages per month",
                 1280000, "JPY"},
                {"supply", "P-1-TK", "Toner", "yield 20,000 pages", 14800, "JPY"},
                {"supply", "P-1-WT", "Waste box", "consumable of the P-1", 4500, "JPY"}});
  EXPECT_TRUE(OffersForModel(c, "P-2").empty());  // no supplies, no successor
}

TEST(CatalogOffersTest, HostOffersStorageAndCpuUpgrades) {
  Catalog c = Parsed();
  ExpectOffers(OffersForModel(c, "H-1"), "H-1",
               {{"storage-upgrade", "H-1-SSD", "SSD 512 GB", "adds 512 GB of storage", 9800, "JPY"},
                {"cpu-upgrade", "H-2-PN", "PC Two (replacement)",
                 "more processing power for the H-1", 198000, "JPY"}});
}

TEST(CatalogOffersTest, SwitchOffersItsSuccessor) {
  Catalog c = Parsed();
  ExpectOffers(
      OffersForModel(c, "S-1"), "S-1",
      {{"successor", "S-2-PN", "Switch Two",
        "replaces the S-1: ports at 10,000 Mbit/s, uplinks at 40,000 Mbit/s", 298000, "JPY"}});
  EXPECT_TRUE(OffersForModel(c, "S-2").empty());
}

TEST(CatalogOffersTest, UnknownModelHasNoOffers) {
  Catalog c = Parsed();
  EXPECT_TRUE(OffersForModel(c, "nope").empty());
  EXPECT_TRUE(OffersForModel(c, "").empty());
  EXPECT_TRUE(OffersForModel(c, "a-1").empty());  // models are exact
}

TEST(CatalogOffersTest, SeveralModelsListEachProductNumberOnceInModelOrder) {
  Catalog c = Parsed();
  // S-1's successor S-2-PN is listed once, for S-1 (the first model naming it).
  std::vector<CatalogOffer> offers = OffersForModels(c, {"S-1", "B-2", "unknown", "A-1", "S-1"});
  std::vector<std::string> numbers;
  for (const CatalogOffer& o : offers) numbers.push_back(o.for_model + ":" + o.product_number);
  EXPECT_EQ(numbers,
            (std::vector<std::string>{"S-1:S-2-PN", "B-2:B-2-DE24", "A-1:A-1-DP4", "A-1:A-1-DE12",
                                      "A-1:A-1-C8", "A-1:A-1-FW", "A-1:B-2-PN"}));
  EXPECT_TRUE(OffersForModels(c, {}).empty());
}

TEST(CatalogOffersTest, ShippedCatalogOffersForEveryKind) {
  auto c = LoadCatalog(std::string(PERISCOPE_SOURCE_DIR) + "/etc/catalog.xml");
  ASSERT_TRUE(c.ok()) << c.status().message();
  std::vector<CatalogOffer> psa = OffersForModel(*c, "PSA-2000");
  ASSERT_EQ(psa.size(), 6U);
  EXPECT_EQ(psa[0].detail, "adds 4.0 TB");
  EXPECT_EQ(psa[2].detail, "adds 8.6 GB of cache");  // 8 GiB in SI units
  EXPECT_EQ(psa[4].detail, "firmware 3.6.2 of 2026-09-15");
  EXPECT_EQ(psa[5].kind, "successor");
  EXPECT_EQ(psa[5].product_number, "PSA-4000-PN0");
  EXPECT_EQ(psa[5].price_minor_units, 14500000);
  for (const char* model : {"PRN-3500", "CPY-6000", "Periscope PC-200", "SW-1024", "TL-80"}) {
    EXPECT_FALSE(OffersForModel(*c, model).empty()) << model;
  }
}

}  // namespace
}  // namespace periscope::reports
