// The daily run over peripherals read back from a real SQLite store (written
// through PollWriter::RecordPeripherals, as the poller writes them): drafts are
// stored as proposals, the run counts peripherals apart, and the fleet view
// ranks a peripheral by its most urgent need.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "reports/catalog.h"
#include "reports/config.h"
#include "reports/run.h"
#include "store/db.h"
#include "store/metrics.h"
#include "store/poll_writer.h"
#include "store/proposals.h"
#include "store/registry.h"
#include "store/schema.h"
#include "tests/support/process.h"
#include "tests/support/scoped_time_zone.h"

namespace periscope::reports {
namespace {

using store::DeviceKind;
using store::MetricReading;
using store::MetricType;
using store::PeripheralRecord;

constexpr DateYmd kToday = 20261120;

class FixedClock final : public Clock {
 public:
  explicit FixedClock(std::chrono::system_clock::time_point t) : t_(t) {}
  std::chrono::system_clock::time_point Now() const override { return t_; }

 private:
  std::chrono::system_clock::time_point t_;
};

int64_t NoonOf(DateYmd date) { return DaysFromDate(date) * 86400 + 12 * 3600; }

MetricReading Gauge(std::string_view metric, const std::string& instance, uint64_t value) {
  MetricReading r;
  r.metric = std::string(metric);
  r.instance = instance;
  r.type = MetricType::kGauge;
  r.value = value;
  return r;
}

class PeripheralRunTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = store::Db::OpenWriter(dir_.File("p.db"), store::OpenMode::kCreate);
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_).ok());
    ASSERT_TRUE(
        store::ImportStaffCsv(*db_, "name,email,role\nSato,sato@vendor.example,sales\n", "s.csv")
            .ok());
    ASSERT_TRUE(
        store::ImportCustomersCsv(*db_,
                                  "user_id,name,contact_person,email,phone,address,sales_email\n"
                                  "c1,Acme,,,,,sato@vendor.example\n",
                                  "c.csv")
            .ok());
    ASSERT_TRUE(store::ImportTargetsCsv(*db_,
                                        "address,port,profile,customer_user_id,kind\n"
                                        "192.0.2.20,161,p,c1,printer\n192.0.2.1,161,p,c1,network\n",
                                        "t.csv")
                    .ok());
    auto catalog = LoadCatalog(std::string(PERISCOPE_SOURCE_DIR) + "/etc/catalog.xml");
    ASSERT_TRUE(catalog.ok()) << catalog.status().message();
    catalog_ = std::move(*catalog);
    config_.output_dir = dir_.File("out");
  }

  // 20 days up to kToday: the PRN-3500's black toner falls 4 points a day
  // from 88 % (8 % today: it runs out in two days), its drum stays at 70 %;
  // the SW-1024's uplink carries 1 % of its speed.
  void WriteHistory() {
    store::PollWriter writer(db_.get());
    for (int i = 19; i >= 0; --i) {
      const int64_t at = NoonOf(DateFromDays(DaysFromDate(kToday) - i));
      auto run = writer.StartRun(at);
      ASSERT_TRUE(run.ok());
      PeripheralRecord printer;
      printer.kind = DeviceKind::kPrinter;
      printer.serial_number = "PRN-0001";
      printer.spec = store::PeripheralSpec{
          "PRN-3500", "entPhysicalModelName", "PRN-3500 printer", "1.0",
          R"({"markers":[{"index":1,"unit":"impressions"}],"supplies":[)"
          R"({"description":"TN-35 Black Toner","index":1,"max":100,"type":"toner","unit":"percent"},)"
          R"({"description":"DR-35 Drum","index":2,"max":100,"type":"opc","unit":"percent"}]})"};
      printer.readings = {
          Gauge(store::kMetricSupplyLevelPct, "1", static_cast<uint64_t>(8 + 4 * i)),
          Gauge(store::kMetricSupplyLevelPct, "2", 70)};
      PeripheralRecord sw;
      sw.kind = DeviceKind::kNetwork;
      sw.serial_number = "SW-0001";
      sw.spec = store::PeripheralSpec{
          "SW-1024", "entPhysicalModelName", "SW-1024 switch", "",
          R"({"interfaces":[{"counter_bits":64,"index":1,"name":"ge-0/1","speed_mbps":1000}]})"};
      for (int k = 0; k < 2; ++k) {  // two polls an hour apart
        MetricReading in;
        in.metric = std::string(store::kMetricIfInOctets);
        in.instance = "ge-0/1";
        in.type = MetricType::kCounter64;
        in.capacity_per_s = 125e6;
        const int step = (19 - i) * 2 + k;
        in.value = static_cast<uint64_t>(step) * uint64_t{4'500'000'000};  // 1.25 MB/s
        sw.readings = {in};
        ASSERT_TRUE(writer.RecordPeripherals(*run, 2, at + k * 3600, {sw}).ok());
      }
      ASSERT_TRUE(writer.RecordPeripherals(*run, 1, at, {printer}).ok());
      ASSERT_TRUE(writer.FinishRun(*run, at, true, 2, 2, 0).ok());
    }
  }

  periscope::testing::TempDir dir_;
  std::unique_ptr<store::Db> db_;
  Catalog catalog_;
  ReportConfig config_;
  periscope::testing::ScopedTimeZone utc_{"UTC"};  // local dates as UTC
};

TEST_F(PeripheralRunTest, ARunStoresTheSupplyProposalAndCountsPeripheralsApart) {
  ASSERT_NO_FATAL_FAILURE(WriteHistory());
  FixedClock clock(std::chrono::system_clock::time_point(std::chrono::seconds(NoonOf(kToday))));
  RunOptions options;
  options.today = kToday;
  options.write_reports = false;
  options.send_mail = false;
  RunDeps deps;
  deps.clock = &clock;
  auto summary = RunReports(*db_, config_, catalog_, options, deps);
  ASSERT_TRUE(summary.ok()) << summary.status().message();
  EXPECT_EQ(summary->devices, 2);
  EXPECT_EQ(summary->peripherals, 2);
  EXPECT_EQ(summary->forecasts, 0);
  EXPECT_EQ(summary->no_forecast, 0);

  auto proposals = store::ListProposals(*db_, store::ProposalFilter{});
  ASSERT_TRUE(proposals.ok());
  ASSERT_EQ(proposals->size(), 1u);  // the toner; not the drum, not the idle link
  EXPECT_EQ((*proposals)[0].kind, "supply-1");
  EXPECT_EQ((*proposals)[0].product_number, "PRN-3500-TK");
  EXPECT_EQ((*proposals)[0].status, "new");

  // The next day's run with the same figures changes nothing.
  auto again = RunReports(*db_, config_, catalog_, options, deps);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->raised, 0);
  EXPECT_EQ(again->unchanged, 1);
}

TEST_F(PeripheralRunTest, TheFleetViewRanksAPeripheralByItsMostUrgentNeed) {
  ASSERT_NO_FATAL_FAILURE(WriteHistory());
  auto fleet = BuildFleetReport(*db_, config_, catalog_, "", kToday);
  ASSERT_TRUE(fleet.ok()) << fleet.status().message();
  ASSERT_EQ(fleet->rows.size(), 2u);
  const FleetRow& first = fleet->rows[0];
  EXPECT_EQ(first.serial_number, "PRN-0001");
  EXPECT_EQ(first.model, "PRN-3500");
  ASSERT_TRUE(first.days_to_threshold.has_value());
  // Needed by the run-out date minus the lead time, never before today.
  EXPECT_EQ(*first.days_to_threshold, 0.0);
  EXPECT_EQ(first.threshold_date, std::optional<uint32_t>(kToday));
  EXPECT_TRUE(first.reason.empty());
  const FleetRow& second = fleet->rows[1];
  EXPECT_EQ(second.model, "SW-1024");
  EXPECT_FALSE(second.days_to_threshold.has_value());
  EXPECT_EQ(second.reason, "no need forecast within the horizon");
}

}  // namespace
}  // namespace periscope::reports
