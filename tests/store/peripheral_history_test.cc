#include <stdlib.h>
#include <time.h>

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "store/history.h"
#include "store/metrics.h"
#include "store/poll_writer.h"
#include "store/registry.h"
#include "store/report_data.h"
#include "store/schema.h"
#include "tests/support/process.h"
#include "tests/support/scoped_time_zone.h"
#include "tests/support/test_store.h"

namespace periscope::store {
namespace {

constexpr int64_t kNov20 = 1795132800;  // 2026-11-20T00:00:00Z
constexpr int64_t kNoon = kNov20 + 12 * 3600;
constexpr int64_t kDay = 86400;

MetricReading Reading(std::string metric, std::string instance, MetricType type, uint64_t value,
                      std::optional<double> capacity_per_s = std::nullopt) {
  MetricReading r;
  r.metric = std::move(metric);
  r.instance = std::move(instance);
  r.type = type;
  r.value = value;
  r.capacity_per_s = capacity_per_s;
  return r;
}

class PeripheralHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PERISCOPE_TEST_STORE_OR_RETURN(store_, dir_, "h.db");
    auto db = Db::OpenWriter(store_, OpenMode::kCreate);
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(Migrate(*db_).ok());
    ASSERT_TRUE(ImportCustomersCsv(*db_,
                                   "user_id,name,contact_person,email,phone,address,sales_email\n"
                                   "c1,C,,,,,\nc2,D,,,,,\n",
                                   "c.csv")
                    .ok());
    ASSERT_TRUE(ImportTargetsCsv(*db_,
                                 "address,port,profile,customer_user_id,kind\n"
                                 "stor,161,p,c1,periscope\nprn,161,p,c1,printer\n"
                                 "srv,161,p,c1,host\nsw,161,p,c1,network\nold,161,p,c2,periscope\n",
                                 "t.csv")
                    .ok());
    auto run = W().StartRun(kNov20);
    ASSERT_TRUE(run.ok());
    run_ = *run;
  }

  PeripheralRecord Printer(const std::string& firmware, uint64_t pages, uint64_t black_pct,
                           uint64_t tray2) {
    PeripheralRecord p;
    p.kind = DeviceKind::kPrinter;
    p.device_index = 1;
    p.serial_number = "PRN1";
    PeripheralSpec spec;
    spec.model = "LaserJet M607";
    spec.model_source = "hrDeviceDescr";
    spec.description = "HP LaserJet";
    spec.firmware = firmware;
    spec.details_json =
        R"({"markers":[{"index":1,"unit":"impressions"}],"supplies":[{"description":"Black Toner","index":1,"max":100,"type":"toner","unit":"percent"}],"trays":[{"index":2,"max":500,"media":"A4","name":"Tray 2","unit":"sheets"}]})";
    p.spec = spec;
    p.readings = {Reading(std::string(kMetricPages), "1", MetricType::kLifeCount, pages),
                  Reading(std::string(kMetricSupplyLevelPct), "1", MetricType::kGauge, black_pct),
                  Reading(std::string(kMetricTrayLevel), "2", MetricType::kGauge, tray2)};
    p.alerts = {{4, "warning", "markerSupplies", 1, "subunitAlmostEmpty", "Black toner low"}};
    return p;
  }

  // Two days of a printer (the overnight interval: 43,200 s, 42,000 of them on
  // the first day, so 420 of its 432 pages) (2 target), a host (3) and a switch (4).
  void PollFleet() {
    ASSERT_TRUE(W().RecordPeripherals(run_, 2, kNoon, {Printer("1.0", 1000, 50, 400)}).ok());
    ASSERT_TRUE(W().RecordPeripherals(run_, 2, kNoon + 600, {Printer("1.0", 1060, 45, 300)}).ok());
    ASSERT_TRUE(W().RecordPeripherals(run_, 2, kNoon + 1200, {Printer("1.0", 1080, 44, 250)}).ok());
    ASSERT_TRUE(
        W().RecordPeripherals(run_, 2, kNov20 + kDay + 1200, {Printer("2.0", 1512, 30, 500)}).ok());
    for (int64_t at : {kNoon, kNoon + 300}) {
      PeripheralRecord host;
      host.kind = DeviceKind::kHost;
      host.serial_number = "SRV1";
      host.readings = {
          Reading(std::string(kMetricStorageUsedBytes), "/", MetricType::kGauge,
                  at == kNoon ? 40'000'000'000u : 50'000'000'000u),
          Reading(std::string(kMetricStorageSizeBytes), "/", MetricType::kGauge, 100'000'000'000u),
          Reading(std::string(kMetricCpuLoadPct), "all", MetricType::kGauge,
                  at == kNoon ? 10 : 30)};
      ASSERT_TRUE(W().RecordPeripherals(run_, 3, at, {host}).ok());
      PeripheralRecord sw;
      sw.kind = DeviceKind::kNetwork;
      sw.serial_number = "SW1";
      // 100 Mbit/s = 12.5 MB/s; 300 s at 10% and 5% of it.
      sw.readings = {Reading(std::string(kMetricIfInOctets), "ge-0/0/1", MetricType::kCounter64,
                             at == kNoon ? 0 : 375'000'000u, 12.5e6),
                     Reading(std::string(kMetricIfOutOctets), "ge-0/0/1", MetricType::kCounter64,
                             at == kNoon ? 0 : 187'500'000u, 12.5e6)};
      ASSERT_TRUE(W().RecordPeripherals(run_, 4, at, {sw}).ok());
    }
  }

  void PollStorage() {
    DeviceRecord d;
    d.device_index = 1;
    d.serial_number = "SN1";
    DeviceSpec spec;
    spec.model = "PSA";
    spec.firmware = "2.4.1";
    spec.capacity_bytes = 1000;
    d.spec = spec;
    d.usage.used_bytes = 400;
    d.daily = {{20261120, 5, 100, 400, 8640}};
    ASSERT_TRUE(W().RecordTarget(run_, 1, kNoon, {d}).ok());
  }

  PollWriter W() { return PollWriter(db_.get()); }

  periscope::testing::TempDir dir_;
  std::string store_;  // TestStoreLocation: a file or a PostgreSQL URI
  std::unique_ptr<Db> db_;
  int64_t run_ = 0;
  periscope::testing::ScopedTimeZone utc_{"UTC"};  // local dates as UTC
};

TEST_F(PeripheralHistoryTest, DeviceHistoryHasPeripheralSpecsMetricDaysAndAlerts) {
  PollStorage();
  PollFleet();
  std::vector<DeviceHistory> seen;
  HistoryFilter filter;
  filter.customer_user_id = "c1";
  Status s = ForEachDeviceHistory(*db_, filter, [&](DeviceHistory&& h) -> Status {
    // No statement is active: a schema change on this connection succeeds.
    PERISCOPE_RETURN_IF_ERROR(db_->Exec("CREATE TABLE probe (x INTEGER); DROP TABLE probe"));
    seen.push_back(std::move(h));
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].kind, DeviceKind::kPeriscope);
  EXPECT_TRUE(seen[0].metric_days.empty());
  EXPECT_EQ(seen[0].days.size(), 1u);
  const DeviceHistory& printer = seen[1];
  EXPECT_EQ(printer.kind, DeviceKind::kPrinter);
  EXPECT_EQ(printer.serial_number, "PRN1");
  ASSERT_EQ(printer.peripheral_specs.size(), 2u);
  EXPECT_EQ(printer.peripheral_specs[0].spec.firmware, "1.0");
  EXPECT_EQ(printer.peripheral_specs[0].from_date, 20261120);
  EXPECT_EQ(printer.peripheral_specs[1].spec.firmware, "2.0");
  EXPECT_EQ(printer.peripheral_specs[1].from_date, 20261121);
  std::string order;
  for (const MetricDay& m : printer.metric_days) {
    order += m.metric + "/" + m.instance + "/" + std::to_string(m.date) + " ";
  }
  EXPECT_EQ(order,
            "pages/1/20261120 pages/1/20261121 supply_level_pct/1/20261120 "
            "supply_level_pct/1/20261121 tray_level/2/20261120 tray_level/2/20261121 ");
  const MetricDay& pages = printer.metric_days[0];
  EXPECT_EQ(pages.samples, 3);
  EXPECT_DOUBLE_EQ(pages.total, 500);
  EXPECT_EQ(pages.intervals, 3);
  EXPECT_EQ(pages.covered_s, 43200);
  EXPECT_EQ(pages.peak_delta, 60);
  EXPECT_EQ(pages.peak_interval_s, 600);
  EXPECT_DOUBLE_EQ(printer.metric_days[1].total, 12);  // the overnight interval's rest
  const MetricDay& toner = printer.metric_days[2];
  EXPECT_EQ(toner.min, 44);
  EXPECT_EQ(toner.max, 50);
  EXPECT_DOUBLE_EQ(*toner.mean, (50.0 + 45 + 44) / 3);
  EXPECT_EQ(toner.last, 44);
  ASSERT_EQ(printer.alerts.size(), 1u);
  EXPECT_EQ(printer.alerts[0].description, "Black toner low");
  EXPECT_EQ(seen[2].kind, DeviceKind::kHost);
  const DeviceHistory& sw = seen[3];
  EXPECT_EQ(sw.kind, DeviceKind::kNetwork);
  ASSERT_EQ(sw.metric_days.size(), 2u);
  EXPECT_DOUBLE_EQ(*sw.metric_days[0].PeakUtilisationPct(), 10);
  EXPECT_DOUBLE_EQ(*sw.metric_days[0].MeanUtilisationPct(), 10);
}

TEST_F(PeripheralHistoryTest, HistoryHasATableForEachKind) {
  PollStorage();
  PollFleet();
  auto sections = CustomerHistoryByKind(*db_, "c1", false, std::nullopt);
  ASSERT_TRUE(sections.ok()) << sections.status().message();
  ASSERT_EQ(sections->size(), 4u);
  auto storage = CustomerHistory(*db_, "c1");
  ASSERT_TRUE(storage.ok());
  EXPECT_EQ((*sections)[0].kind, DeviceKind::kPeriscope);
  EXPECT_EQ((*sections)[0].table.rows, storage->rows);

  const TextTable& printer = (*sections)[1].table;
  ASSERT_EQ(printer.rows.size(), 2u);
  EXPECT_EQ(printer.rows[0],
            (std::vector<std::string>{"20261120", "prn:161", "1", "PRN1", "LaserJet M607", "500",
                                      "60", "600", "Black Toner 44%", "Tray 2 250/500"}));
  EXPECT_EQ(printer.rows[1][0], "20261121");
  EXPECT_EQ(printer.rows[1][5], "12");
  EXPECT_EQ(printer.rows[1][6], "");  // the overnight interval is no day's peak
  EXPECT_EQ(printer.rows[1][8], "Black Toner 30%");

  const TextTable& host = (*sections)[2].table;
  ASSERT_EQ(host.rows.size(), 1u);
  EXPECT_EQ(host.rows[0],
            (std::vector<std::string>{"20261120", "srv:161", "1", "SRV1", "", "/", "50000000000",
                                      "100000000000", "50.00", "30.00", "20.00"}));

  const TextTable& network = (*sections)[3].table;
  ASSERT_EQ(network.rows.size(), 1u);
  EXPECT_EQ(network.rows[0],
            (std::vector<std::string>{"20261120", "sw:161", "1", "SW1", "", "ge-0/0/1", "100",
                                      "375000000", "10.00", "10.00", "187500000", "5.00", "5.00"}));

  auto only = CustomerHistoryByKind(*db_, "c1", false, DeviceKind::kPrinter);
  ASSERT_TRUE(only.ok());
  ASSERT_EQ(only->size(), 1u);
  EXPECT_EQ(only->front().table.rows, printer.rows);
}

TEST_F(PeripheralHistoryTest, SeveralKindsRenderAsTextSectionsButNotAsOneCsv) {
  PollStorage();
  PollFleet();
  auto sections = CustomerHistoryByKind(*db_, "c1", false, std::nullopt);
  ASSERT_TRUE(sections.ok());
  auto text = RenderHistory(*sections, "text");
  ASSERT_TRUE(text.ok());
  for (const char* heading : {"periscope devices:\n", "\nprinter devices:\n", "\nhost devices:\n",
                              "\nnetwork devices:\n"}) {
    EXPECT_NE(text->find(heading), std::string::npos) << heading << "\n" << *text;
  }
  auto csv = RenderHistory(*sections, "csv");
  ASSERT_FALSE(csv.ok());
  EXPECT_EQ(csv.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(csv.status().message().find("periscope, printer, host, network"), std::string::npos);
  std::vector<HistorySection> one(sections->begin() + 1, sections->begin() + 2);
  auto printer_csv = RenderHistory(one, "csv");
  ASSERT_TRUE(printer_csv.ok());
  EXPECT_EQ(printer_csv->substr(0, printer_csv->find('\r')),
            "date,target,device,serial,model,pages,peak_pages,peak_interval_s,supplies,trays");
}

TEST_F(PeripheralHistoryTest, AStoreWithoutPeripheralsRendersAsBefore) {
  PollStorage();
  auto sections = CustomerHistoryByKind(*db_, "c1", false, std::nullopt);
  ASSERT_TRUE(sections.ok());
  ASSERT_EQ(sections->size(), 1u);
  for (const char* format : {"text", "csv", "json"}) {
    EXPECT_EQ(*RenderHistory(*sections, format), *Render(*CustomerHistory(*db_, "c1"), format));
  }
  // A customer without devices gets the (empty) storage table, as before.
  auto none = CustomerHistoryByKind(*db_, "c2", false, std::nullopt);
  ASSERT_TRUE(none.ok());
  ASSERT_EQ(none->size(), 1u);
  EXPECT_EQ(none->front().kind, DeviceKind::kPeriscope);
  EXPECT_TRUE(none->front().table.rows.empty());
  EXPECT_EQ(CustomerHistoryByKind(*db_, "nobody", false, std::nullopt).status().code(),
            StatusCode::kNotFound);
}

TEST_F(PeripheralHistoryTest, ListingsShowTheKind) {
  PollStorage();
  PollFleet();
  auto devices = List(*db_, "devices");
  ASSERT_TRUE(devices.ok());
  ASSERT_EQ(devices->columns[3], "kind");
  std::string kinds;
  for (const auto& row : devices->rows) kinds += row[0] + "=" + row[3] + "/" + row[5] + " ";
  EXPECT_EQ(kinds,
            "prn:161=printer/LaserJet M607 srv:161=host/ stor:161=periscope/PSA sw:161=network/ ");
  EXPECT_EQ(devices->rows.at(0).back(), "active");
}

}  // namespace
}  // namespace periscope::store
