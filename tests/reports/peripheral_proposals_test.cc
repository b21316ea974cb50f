#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "reports/catalog.h"
#include "reports/proposals.h"
#include "tests/reports/peripheral_fixture.h"

namespace periscope::reports {
namespace {

using store::DeviceKind;
using testing::AddCounterDays;
using testing::AddGaugeDays;
using testing::PeripheralHistory;

constexpr uint32_t kToday = 20270104;

const Catalog& ShippedCatalog() {
  static const Catalog* catalog = [] {
    auto c = LoadCatalog(std::string(PERISCOPE_SOURCE_DIR) + "/etc/catalog.xml");
    EXPECT_TRUE(c.ok()) << c.status().message();
    return new Catalog(c.ok() ? std::move(c).value() : Catalog{});
  }();
  return *catalog;
}

DeviceProposals Propose(const store::DeviceHistory& h, const ProposalRules& rules = {}) {
  DeviceView v;
  v.device_id = h.device_id;
  v.serial_number = h.serial_number;
  v.retired = h.retired;
  v.peripheral = ToPeripheralView(h, kToday);
  return ProposeForPeripheral(v, ShippedCatalog(), rules, kToday);
}

const ProposalDraft* Find(const DeviceProposals& p, const std::string& kind) {
  auto it = std::find_if(p.drafts.begin(), p.drafts.end(),
                         [&](const ProposalDraft& d) { return d.kind == kind; });
  return it == p.drafts.end() ? nullptr : &*it;
}

int64_t DaysUntil(uint32_t date) { return DaysFromDate(date) - DaysFromDate(kToday); }

store::DeviceHistory Printer(const std::string& model = "PRN-3500") {
  return PeripheralHistory(DeviceKind::kPrinter, model, testing::kPrinterDetails);
}

TEST(PeripheralProposals, PeripheralViewKeepsDaysUpToTodayAndNothingForStorageDevices) {
  store::DeviceHistory h = Printer();
  AddCounterDays(h, store::kMetricPages, "1", kToday + 2, 5, [](int) { return 10.0; });
  std::optional<PeripheralView> v = ToPeripheralView(h, kToday);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->metric_days.size(), 3u);
  ASSERT_TRUE(v->spec.has_value());
  EXPECT_EQ(v->spec->model, "PRN-3500");
  h.kind = DeviceKind::kPeriscope;
  EXPECT_FALSE(ToPeripheralView(h, kToday).has_value());
}

TEST(PeripheralProposals, GrowingPageVolumeProposesTheFasterModelBeforeItExceedsTheRecommended) {
  store::DeviceHistory h = Printer();
  // 80 pages a day growing by one a day: the 30-day volume (3,735 now) grows by
  // about 30 pages a month per day and passes the recommended 5,000 in ~6 weeks.
  AddCounterDays(h, store::kMetricPages, "1", kToday, 60, [](int i) { return 80.0 + i; });
  DeviceProposals p = Propose(h);
  const ProposalDraft* d = Find(p, "volume");
  ASSERT_NE(d, nullptr) << (p.skipped.empty() ? "" : p.skipped[0]);
  EXPECT_EQ(d->product_number, "PRN-5000-PN0");
  EXPECT_EQ(d->quantity, 1);
  EXPECT_EQ(d->unit_price_minor_units, 248000);
  ASSERT_TRUE(d->needed_by.has_value());
  EXPECT_GT(DaysUntil(*d->needed_by), 20);
  EXPECT_LT(DaysUntil(*d->needed_by), 80);
  EXPECT_EQ(d->material_key, "volume|PRN-5000-PN0|1|dated");
  auto e = nlohmann::json::parse(d->evidence_json);
  EXPECT_NEAR(e["monthly_pages"].get<double>(), 30 * (80 + 44.5), 1.0);
  EXPECT_EQ(e["recommended_monthly_pages"], 5000);
  EXPECT_EQ(e["successor_model"], "PRN-5000");
  EXPECT_FALSE(e["due_now"].get<bool>());
}

TEST(PeripheralProposals, PageVolumeAlreadyOverTheRecommendedIsDueTodayWithHighConfidence) {
  store::DeviceHistory h = Printer("CPY-6000");
  AddCounterDays(h, store::kMetricPages, "1", kToday, 40, [](int) { return 1500.0; });
  DeviceProposals p = Propose(h);
  const ProposalDraft* d = Find(p, "volume");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->product_number, "CPY-9000-PN0");
  EXPECT_EQ(d->needed_by, kToday);
  EXPECT_EQ(d->confidence, "high");
  EXPECT_EQ(d->material_key, "volume|CPY-9000-PN0|1|due");
}

TEST(PeripheralProposals, FlatPageVolumeAndFullSuppliesProposeNothing) {
  store::DeviceHistory h = Printer();
  AddCounterDays(h, store::kMetricPages, "1", kToday, 60, [](int) { return 100.0; });
  AddGaugeDays(h, store::kMetricSupplyLevelPct, "1", kToday, 60, [](int) { return 80.0; });
  DeviceProposals p = Propose(h);
  EXPECT_TRUE(p.drafts.empty()) << p.drafts[0].kind;
  EXPECT_TRUE(p.skipped.empty());
}

TEST(PeripheralProposals, DecliningTonerIsOrderedAheadOfItsRunOutDate) {
  store::DeviceHistory h = Printer();
  // 90% falling 1% a day for 40 days: 51% now, 5% in about 46 days.
  AddGaugeDays(h, store::kMetricSupplyLevelPct, "1", kToday, 40, [](int i) { return 90.0 - i; });
  AddGaugeDays(h, store::kMetricSupplyLevelPct, "2", kToday, 40, [](int) { return 70.0; });
  DeviceProposals p = Propose(h);
  ASSERT_EQ(p.drafts.size(), 1u);
  const ProposalDraft& d = p.drafts[0];
  EXPECT_EQ(d.kind, "supply-1");
  EXPECT_EQ(d.product_number, "PRN-3500-TK");
  EXPECT_EQ(d.quantity, 1);
  EXPECT_EQ(d.price_minor_units, 14800);
  auto e = nlohmann::json::parse(d.evidence_json);
  const int64_t run_out =
      DaysFromDate(*ParseIsoDate(e["run_out_date"].get<std::string>())) - DaysFromDate(kToday);
  EXPECT_NEAR(static_cast<double>(run_out), 46.0, 4.0);
  ASSERT_TRUE(d.needed_by.has_value());
  EXPECT_EQ(DaysUntil(*d.needed_by), run_out - 14);
  EXPECT_EQ(d.material_key, "supply-1|PRN-3500-TK|1|dated");
  EXPECT_EQ(e["supply_description"], "Black Toner Cartridge");
}

TEST(PeripheralProposals, ReplacedTonerIsForecastFromItsReplacementOn) {
  store::DeviceHistory h = Printer();
  // 50 days falling 2% a day to 6%, replaced (100%) 20 days ago and falling
  // 1% a day since: 81% now, 5% in about 76 days. Fitted across the
  // replacement it would look nearly full, or already empty.
  AddGaugeDays(h, store::kMetricSupplyLevelPct, "1", kToday, 70,
               [](int i) { return i < 50 ? 104.0 - 2.0 * i : 100.0 - (i - 50); });
  DeviceProposals p = Propose(h);
  const ProposalDraft* d = Find(p, "supply-1");
  ASSERT_NE(d, nullptr);
  auto e = nlohmann::json::parse(d->evidence_json);
  EXPECT_NEAR(e["level_pct"].get<double>(), 81.0, 1e-9);
  const int64_t run_out =
      DaysFromDate(*ParseIsoDate(e["run_out_date"].get<std::string>())) - DaysFromDate(kToday);
  EXPECT_NEAR(static_cast<double>(run_out), 76.0, 6.0);
  EXPECT_EQ(DaysUntil(*d->needed_by), run_out - 14);
}

TEST(PeripheralProposals, SupplyAtItsLowLevelIsDueNowAndUnmatchedSupplyIsSkipped) {
  store::DeviceHistory h = Printer();
  AddGaugeDays(h, store::kMetricSupplyLevelPct, "2", kToday, 10, [](int) { return 3.0; });
  AddGaugeDays(h, store::kMetricSupplyLevelPct, "3", kToday, 10, [](int) { return 1.0; });
  DeviceProposals p = Propose(h);
  const ProposalDraft* drum = Find(p, "supply-2");
  ASSERT_NE(drum, nullptr);
  EXPECT_EQ(drum->product_number, "PRN-3500-DR");  // matched by description "Drum Unit"
  EXPECT_EQ(drum->needed_by, kToday);
  EXPECT_EQ(drum->material_key, "supply-2|PRN-3500-DR|1|due");
  EXPECT_EQ(Find(p, "supply-3"), nullptr);
  ASSERT_EQ(p.skipped.size(), 1u);
  EXPECT_NE(p.skipped[0].find("Staple cartridge"), std::string::npos) << p.skipped[0];
}

TEST(PeripheralProposals, UnknownModelIsSkippedWithItsReason) {
  store::DeviceHistory h = Printer("XYZ-1");
  AddCounterDays(h, store::kMetricPages, "1", kToday, 40, [](int) { return 5000.0; });
  DeviceProposals p = Propose(h);
  EXPECT_TRUE(p.drafts.empty());
  ASSERT_EQ(p.skipped.size(), 1u);
  EXPECT_EQ(p.skipped[0], "printer model 'XYZ-1' is not in the catalog");

  store::DeviceHistory no_spec = Printer();
  no_spec.peripheral_specs.clear();
  EXPECT_EQ(Propose(no_spec).skipped.size(), 1u);
}

store::DeviceHistory Pc() {
  return PeripheralHistory(DeviceKind::kHost, "Periscope PC-200", testing::kHostDetails);
}

TEST(PeripheralProposals, GrowingDiskGetsAStorageUpgradeSizedForAYearOfGrowth) {
  store::DeviceHistory h = Pc();
  // 500 GB disk, 300 GB used growing 1 GB a day: 85% (425 GB) in about 66 days;
  // a year on 725 GB are used, 853 GB needed: 353 GB to add, one 512 GB SSD.
  AddGaugeDays(h, store::kMetricStorageUsedBytes, "/", kToday, 60,
               [](int i) { return 300e9 + 1e9 * i; });
  AddGaugeDays(h, store::kMetricStorageSizeBytes, "/", kToday, 60, [](int) { return 500e9; });
  // Memory in use is not a disk to upgrade.
  AddGaugeDays(h, store::kMetricStorageUsedBytes, "Physical memory", kToday, 60,
               [](int) { return 15.5e9; });
  AddGaugeDays(h, store::kMetricStorageSizeBytes, "Physical memory", kToday, 60,
               [](int) { return 16e9; });
  DeviceProposals p = Propose(h);
  ASSERT_EQ(p.drafts.size(), 1u);
  const ProposalDraft& d = p.drafts[0];
  EXPECT_EQ(d.kind, "host-storage");
  EXPECT_EQ(d.product_number, "PC-200-SSD512");
  EXPECT_EQ(d.quantity, 1);
  ASSERT_TRUE(d.needed_by.has_value());
  EXPECT_NEAR(static_cast<double>(DaysUntil(*d.needed_by)), 66.0, 6.0);
  auto e = nlohmann::json::parse(d.evidence_json);
  EXPECT_EQ(e["storage"], "/");
  EXPECT_NEAR(e["add_bytes"].get<double>(), 353e9, 15e9);
  EXPECT_EQ(d.material_key, "host-storage|PC-200-SSD512|1|dated");
}

TEST(PeripheralProposals, BusyCpuGetsTheCpuUpgradeAndAnIdleOneNothing) {
  store::DeviceHistory busy = Pc();
  AddGaugeDays(busy, store::kMetricCpuLoadPct, "all", kToday, 30,
               [](int i) { return i >= 25 ? 96.0 : 60.0; });
  DeviceProposals p = Propose(busy);
  const ProposalDraft* d = Find(p, "host-cpu");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->product_number, "PC-400-PN0");
  EXPECT_EQ(d->needed_by, kToday);
  EXPECT_EQ(d->confidence, "high");
  EXPECT_EQ(d->material_key, "host-cpu|PC-400-PN0|1|due");
  EXPECT_EQ(nlohmann::json::parse(d->evidence_json)["recent_peak_pct"], 96.0);

  store::DeviceHistory idle = Pc();
  AddGaugeDays(idle, store::kMetricCpuLoadPct, "all", kToday, 30, [](int) { return 40.0; });
  EXPECT_TRUE(Propose(idle).drafts.empty());
}

store::DeviceHistory Switch(const std::string& model = "SW-1024") {
  return PeripheralHistory(DeviceKind::kNetwork, model, testing::kSwitchDetails);
}

TEST(PeripheralProposals, LinkNearItsSpeedGetsTheFasterSwitch) {
  store::DeviceHistory h = Switch();
  const double gbit = 125e6;  // octets per second
  AddCounterDays(
      h, store::kMetricIfInOctets, "ge-0/1", kToday, 30, [](int) { return 1e11; }, gbit,
      [](int i) { return i >= 28 ? 86.0 : 50.0; });
  AddCounterDays(
      h, store::kMetricIfOutOctets, "ge-0/2", kToday, 30, [](int) { return 1e10; }, gbit,
      [](int) { return 20.0; });
  DeviceProposals p = Propose(h);
  ASSERT_EQ(p.drafts.size(), 1u);
  const ProposalDraft& d = p.drafts[0];
  EXPECT_EQ(d.kind, "link");
  EXPECT_EQ(d.product_number, "SW-1024X-PN0");
  EXPECT_EQ(d.needed_by, kToday);
  auto e = nlohmann::json::parse(d.evidence_json);
  EXPECT_EQ(e["interface"], "ge-0/1");
  EXPECT_NEAR(e["recent_peak_pct"].get<double>(), 86.0, 1e-9);
  EXPECT_EQ(d.material_key, "link|SW-1024X-PN0|1|due");
}

TEST(PeripheralProposals, GrowingLinkUtilisationIsProposedBeforeItGetsThere) {
  store::DeviceHistory h = Switch();
  // Peak 10% growing 0.5% a day for 60 days: 39.5% now, 80% in about 81 days.
  AddCounterDays(
      h, store::kMetricIfInOctets, "ge-0/1", kToday, 60, [](int) { return 1e11; }, 125e6,
      [](int i) { return 10.0 + 0.5 * i; });
  DeviceProposals p = Propose(h);
  const ProposalDraft* d = Find(p, "link");
  ASSERT_NE(d, nullptr);
  ASSERT_TRUE(d->needed_by.has_value());
  EXPECT_NEAR(static_cast<double>(DaysUntil(*d->needed_by)), 81.0, 6.0);
  EXPECT_EQ(d->material_key, "link|SW-1024X-PN0|1|dated");
}

TEST(PeripheralProposals, QuietLinksAndTheFastestSwitchProposeNothing) {
  store::DeviceHistory quiet = Switch();
  AddCounterDays(
      quiet, store::kMetricIfInOctets, "ge-0/1", kToday, 30, [](int) { return 1e9; }, 125e6,
      [](int) { return 30.0; });
  EXPECT_TRUE(Propose(quiet).drafts.empty());

  store::DeviceHistory fastest = Switch("SW-1024X");
  AddCounterDays(
      fastest, store::kMetricIfInOctets, "ge-0/1", kToday, 30, [](int) { return 1e9; }, 1.25e9,
      [](int) { return 95.0; });
  DeviceProposals p = Propose(fastest);
  EXPECT_TRUE(p.drafts.empty());
  ASSERT_EQ(p.skipped.size(), 1u);
  EXPECT_NE(p.skipped[0].find("no faster successor"), std::string::npos) << p.skipped[0];
}

TEST(PeripheralProposals, RetiredPeripheralIsSkipped) {
  store::DeviceHistory h = Printer();
  h.retired = true;
  AddCounterDays(h, store::kMetricPages, "1", kToday, 40, [](int) { return 5000.0; });
  DeviceProposals p = Propose(h);
  EXPECT_TRUE(p.drafts.empty());
  ASSERT_EQ(p.skipped.size(), 1u);
  EXPECT_EQ(p.skipped[0], "device is retired");
}

}  // namespace
}  // namespace periscope::reports
