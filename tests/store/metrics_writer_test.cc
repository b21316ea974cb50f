#include <stdlib.h>
#include <time.h>

#include <cstdint>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/metrics.h"
#include "store/poll_writer.h"
#include "store/registry.h"
#include "store/schema.h"
#include "tests/support/process.h"
#include "tests/support/scoped_time_zone.h"
#include "tests/support/test_store.h"

namespace periscope::store {
namespace {

constexpr int64_t kNov20 = 1795132800;  // 2026-11-20T00:00:00Z
constexpr int64_t kNoon = kNov20 + 12 * 3600;
constexpr uint64_t kTwoTo32 = uint64_t{1} << 32;

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

PeripheralSpec Spec(const std::string& firmware) {
  PeripheralSpec s;
  s.model = "LaserJet M607";
  s.model_source = "hrDeviceDescr";
  s.description = "HP LaserJet";
  s.firmware = firmware;
  s.details_json = R"({"markers":[{"index":1,"unit":"impressions"}]})";
  return s;
}

class MetricsWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    PERISCOPE_TEST_STORE_OR_RETURN(store_, dir_, "h.db");
    auto db = Db::OpenWriter(store_, OpenMode::kCreate);
    ASSERT_TRUE(db.ok());
    db_ = std::move(*db);
    ASSERT_TRUE(Migrate(*db_).ok());
    ASSERT_TRUE(ImportCustomersCsv(*db_,
                                   "user_id,name,contact_person,email,phone,address,sales_email\n"
                                   "c1,C,,,,,\n",
                                   "c.csv")
                    .ok());
    ASSERT_TRUE(
        ImportTargetsCsv(*db_, "address,port,profile,customer_user_id,kind\nprn,161,p,c1,printer\n",
                         "t.csv")
            .ok());
    auto run = PollWriter(db_.get()).StartRun(kNov20);
    ASSERT_TRUE(run.ok());
    run_ = *run;
  }

  std::string One(const std::string& sql) {
    auto t = Query(*db_, sql);
    EXPECT_TRUE(t.ok()) << t.status().message();
    return t.ok() && !t->rows.empty() ? t->rows[0][0] : "";
  }

  // The first column of every row, joined by `separator` (group_concat is
  // SQLite's; PostgreSQL has string_agg).
  std::string Joined(const std::string& sql, const std::string& separator) {
    auto t = Query(*db_, sql);
    EXPECT_TRUE(t.ok()) << t.status().message();
    std::string joined;
    if (!t.ok()) return joined;
    for (size_t i = 0; i < t->rows.size(); ++i) {
      if (i > 0) joined += separator;
      joined += t->rows[i][0];
    }
    return joined;
  }

  // The first row's columns separated by ' ', each REAL as printf's %g
  // would write it (SQLite gives 20.0 where PostgreSQL gives 20).
  std::string Row(const std::string& sql) {
    auto t = Query(*db_, sql);
    EXPECT_TRUE(t.ok()) << t.status().message();
    if (!t.ok() || t->rows.empty()) return "";
    std::string row;
    for (const std::string& cell : t->rows[0]) {
      if (!row.empty()) row += ' ';
      row += cell.find_first_of(".eE") == std::string::npos ? cell
                                                            : fmt::format("{:g}", std::stod(cell));
    }
    return row;
  }

  // Stores one printer with the given readings at `at`.
  Status Poll(int64_t at, std::vector<MetricReading> readings,
              std::optional<int64_t> uptime_cs = std::nullopt) {
    PeripheralRecord p;
    p.kind = DeviceKind::kPrinter;
    p.device_index = 1;
    p.serial_number = "PRN1";
    p.spec = Spec("1.0");
    p.uptime_cs = uptime_cs;
    p.readings = std::move(readings);
    return PollWriter(db_.get()).RecordPeripherals(run_, 1, at, {p});
  }

  Status PollPages(int64_t at, uint64_t pages, std::optional<int64_t> uptime_cs = std::nullopt) {
    return Poll(at, {Reading("pages", "1", MetricType::kLifeCount, pages)}, uptime_cs);
  }

  // "total intervals covered_s discontinuities" of one day of a metric.
  std::string Usage(const std::string& metric, int64_t date) {
    return Row(
        "SELECT total, intervals, covered_s, discontinuities "
        "FROM metric_daily WHERE metric = '" +
        metric + "' AND date = " + std::to_string(date));
  }

  periscope::testing::TempDir dir_;
  std::string store_;  // TestStoreLocation: a file or a PostgreSQL URI
  std::unique_ptr<Db> db_;
  int64_t run_ = 0;
  periscope::testing::ScopedTimeZone utc_{"UTC"};  // local dates as UTC
};

TEST_F(MetricsWriterTest, GaugeDayHasMinMaxMeanAndLast) {
  for (auto [at, pct] : {std::pair{kNoon, 40}, {kNoon + 300, 20}, {kNoon + 600, 30}}) {
    ASSERT_TRUE(
        Poll(at, {Reading("supply_level_pct", "1", MetricType::kGauge, static_cast<uint64_t>(pct))})
            .ok());
  }
  EXPECT_EQ(Row("SELECT samples, min_value, max_value, "
                "sum_value / samples, last_value FROM metric_daily"),
            "3 20 40 30 30");
  EXPECT_EQ(One("SELECT count(*) FROM metric_samples"), "3");
  EXPECT_EQ(Usage("supply_level_pct", 20261120), "0 0 0 0");  // no usage from a gauge
}

TEST_F(MetricsWriterTest, CounterDeltasAddUpAndTheLargestIntervalIsThePeak) {
  ASSERT_TRUE(PollPages(kNoon, 1000).ok());
  ASSERT_TRUE(PollPages(kNoon + 300, 1010).ok());
  ASSERT_TRUE(PollPages(kNoon + 900, 1040).ok());
  EXPECT_EQ(Usage("pages", 20261120), "40 2 900 0");
  EXPECT_EQ(Row("SELECT peak_delta, peak_interval_s, peak_rate_per_s "
                "FROM metric_daily"),
            "30 600 0.05");
  EXPECT_EQ(Row("SELECT samples, min_value, max_value, last_value "
                "FROM metric_daily"),
            "3 1000 1040 1040");
}

TEST_F(MetricsWriterTest, A32BitWrapIsCountedAsUsage) {
  ASSERT_TRUE(
      Poll(kNoon, {Reading("if_in_octets", "eth0", MetricType::kCounter32, kTwoTo32 - 100)}).ok());
  ASSERT_TRUE(
      Poll(kNoon + 300, {Reading("if_in_octets", "eth0", MetricType::kCounter32, 50)}).ok());
  EXPECT_EQ(Usage("if_in_octets", 20261120), "150 1 300 0");
  // With a known capacity the wrap must fit in it.
  ASSERT_TRUE(Poll(kNoon + 600,
                   {Reading("if_in_octets", "eth0", MetricType::kCounter32, kTwoTo32 - 10, 1e6)})
                  .ok());
  ASSERT_TRUE(
      Poll(kNoon + 900, {Reading("if_in_octets", "eth0", MetricType::kCounter32, 990, 1e6)}).ok());
  EXPECT_EQ(Usage("if_in_octets", 20261120), "1150 2 600 1");  // the jump down was a reset
}

TEST_F(MetricsWriterTest, AnImplausibleWrapIsAResetNeverNegativeUsage) {
  ASSERT_TRUE(
      Poll(kNoon, {Reading("if_in_octets", "eth0", MetricType::kCounter32, 4000000000u, 10.0)})
          .ok());
  // A wrap would mean 294,967,301 octets in 300 s on a 10 octet/s link.
  ASSERT_TRUE(
      Poll(kNoon + 300, {Reading("if_in_octets", "eth0", MetricType::kCounter32, 5, 10.0)}).ok());
  EXPECT_EQ(Usage("if_in_octets", 20261120), "0 0 0 1");
  // The reset reading is the new baseline.
  ASSERT_TRUE(
      Poll(kNoon + 600, {Reading("if_in_octets", "eth0", MetricType::kCounter32, 15, 10.0)}).ok());
  EXPECT_EQ(Usage("if_in_octets", 20261120), "10 1 300 1");
}

TEST_F(MetricsWriterTest, AnImplausibleWrapWithoutCapacityIsAReset) {
  ASSERT_TRUE(
      Poll(kNoon, {Reading("if_in_octets", "eth0", MetricType::kCounter32, kTwoTo32 / 4)}).ok());
  ASSERT_TRUE(Poll(kNoon + 300, {Reading("if_in_octets", "eth0", MetricType::kCounter32, 5)}).ok());
  EXPECT_EQ(Usage("if_in_octets", 20261120), "0 0 0 1");  // 3 x 2^30 is not < 2^31
}

TEST_F(MetricsWriterTest, A64BitCounterThatDecreasesWasReset) {
  const uint64_t big = uint64_t{1} << 40;
  ASSERT_TRUE(Poll(kNoon, {Reading("if_out_octets", "eth0", MetricType::kCounter64, big)}).ok());
  ASSERT_TRUE(
      Poll(kNoon + 300, {Reading("if_out_octets", "eth0", MetricType::kCounter64, 1000)}).ok());
  EXPECT_EQ(Usage("if_out_octets", 20261120), "0 0 0 1");
  EXPECT_EQ(One("SELECT value FROM metric_last"), "1000");
  ASSERT_TRUE(
      Poll(kNoon + 600, {Reading("if_out_octets", "eth0", MetricType::kCounter64, 1500)}).ok());
  EXPECT_EQ(Usage("if_out_octets", 20261120), "500 1 300 1");
}

TEST_F(MetricsWriterTest, ALifeCountThatDecreasesWasReset) {
  ASSERT_TRUE(PollPages(kNoon, 50000).ok());
  ASSERT_TRUE(PollPages(kNoon + 300, 12).ok());  // a replaced engine
  EXPECT_EQ(Usage("pages", 20261120), "0 0 0 1");
  ASSERT_TRUE(PollPages(kNoon + 600, 20).ok());
  EXPECT_EQ(Usage("pages", 20261120), "8 1 300 1");
}

TEST_F(MetricsWriterTest, CountersStartAfreshWhenTheAgentRestarted) {
  ASSERT_TRUE(PollPages(kNoon, 1000, 500000).ok());
  ASSERT_TRUE(PollPages(kNoon + 300, 1010, 530000).ok());
  ASSERT_TRUE(PollPages(kNoon + 600, 1020, 1000).ok());  // uptime went down
  EXPECT_EQ(Usage("pages", 20261120), "10 1 300 1");
  ASSERT_TRUE(PollPages(kNoon + 900, 1025, 31000).ok());
  EXPECT_EQ(Usage("pages", 20261120), "15 2 600 1");
}

TEST_F(MetricsWriterTest, AClockStepBackIsADiscontinuity) {
  ASSERT_TRUE(PollPages(kNoon, 1000).ok());
  ASSERT_TRUE(PollPages(kNoon - 3600, 1010).ok());  // the poller's clock stepped back
  EXPECT_EQ(One("SELECT sum(discontinuities) FROM metric_daily"), "1");
  EXPECT_EQ(Row("SELECT sum(total) FROM metric_daily"), "0");
  EXPECT_EQ(One("SELECT sampled_at FROM metric_last"), std::to_string(kNoon - 3600));
  ASSERT_TRUE(PollPages(kNoon - 3300, 1013).ok());
  EXPECT_EQ(Usage("pages", 20261120), "3 1 300 1");
}

TEST_F(MetricsWriterTest, AnIntervalOverMidnightIsSplitInProportion) {
  const int64_t midnight = kNov20 + 86400;
  ASSERT_TRUE(PollPages(midnight - 600, 1000).ok());
  ASSERT_TRUE(PollPages(midnight + 1200, 1090).ok());
  EXPECT_EQ(Usage("pages", 20261120), "30 1 600 0");
  EXPECT_EQ(Usage("pages", 20261121), "60 1 1200 0");
  // The split interval is no day's peak; samples count on the reading's day.
  EXPECT_EQ(One("SELECT count(*) FROM metric_daily WHERE peak_delta IS NOT NULL"), "0");
  EXPECT_EQ(One("SELECT samples FROM metric_daily WHERE date = 20261121"), "1");
  ASSERT_TRUE(PollPages(midnight + 1500, 1100).ok());
  EXPECT_EQ(Row("SELECT peak_delta, peak_interval_s FROM metric_daily "
                "WHERE date = 20261121"),
            "10 300");
}

TEST_F(MetricsWriterTest, AnIntervalSpanningDaysSpreadsOverEveryDay) {
  ASSERT_TRUE(PollPages(kNov20 - 3600, 0).ok());            // 2026-11-19 23:00
  ASSERT_TRUE(PollPages(kNov20 + 86400 + 3600, 260).ok());  // 2026-11-21 01:00
  EXPECT_EQ(Usage("pages", 20261119), "10 1 3600 0");
  EXPECT_EQ(Usage("pages", 20261120), "240 1 86400 0");
  EXPECT_EQ(Usage("pages", 20261121), "10 1 3600 0");
}

TEST_F(MetricsWriterTest, AGapOfMoreThan35DaysIsADiscontinuityNotSpreadUsage) {
  ASSERT_TRUE(PollPages(kNov20 - 40 * 86400, 0).ok());
  ASSERT_TRUE(PollPages(kNov20 + 3600, 4000).ok());
  EXPECT_EQ(Usage("pages", 20261120), "0 0 0 1");
  EXPECT_EQ(One("SELECT count(*) FROM metric_daily WHERE total > 0"), "0");
  ASSERT_TRUE(PollPages(kNov20 + 7200, 4100).ok());  // the new baseline counts on
  EXPECT_EQ(Usage("pages", 20261120), "100 1 3600 1");
}

TEST_F(MetricsWriterTest, ARateAboveTheCapacityIsRefused) {
  auto octets = [](uint64_t v) {
    return std::vector{Reading("if_in_octets", "eth0", MetricType::kCounter64, v, 100.0)};
  };
  ASSERT_TRUE(Poll(kNoon, octets(0)).ok());
  ASSERT_TRUE(Poll(kNoon + 100, octets(11100)).ok());  // 111/s on a 100/s link
  EXPECT_EQ(Usage("if_in_octets", 20261120), "0 0 0 1");
  ASSERT_TRUE(Poll(kNoon + 200, octets(11100 + 10900)).ok());  // 109/s: within 10%
  EXPECT_EQ(Usage("if_in_octets", 20261120), "10900 1 100 1");
  EXPECT_EQ(Row("SELECT capacity_per_s, peak_rate_per_s FROM metric_daily"), "100 109");
}

TEST_F(MetricsWriterTest, AChangedCounterWidthIsANewBaseline) {
  ASSERT_TRUE(Poll(kNoon, {Reading("if_in_octets", "eth0", MetricType::kCounter32, 5000)}).ok());
  ASSERT_TRUE(
      Poll(kNoon + 300, {Reading("if_in_octets", "eth0", MetricType::kCounter64, 900000)}).ok());
  EXPECT_EQ(Usage("if_in_octets", 20261120), "0 0 0 0");
  EXPECT_EQ(One("SELECT type FROM metric_last"), "counter64");
  ASSERT_TRUE(
      Poll(kNoon + 600, {Reading("if_in_octets", "eth0", MetricType::kCounter64, 900100)}).ok());
  EXPECT_EQ(Usage("if_in_octets", 20261120), "100 1 300 0");
}

TEST_F(MetricsWriterTest, CountersAboveInt64MaxRoundTrip) {
  const uint64_t huge = ~uint64_t{0} - 1000;
  ASSERT_TRUE(Poll(kNoon, {Reading("if_in_octets", "eth0", MetricType::kCounter64, huge)}).ok());
  ASSERT_TRUE(
      Poll(kNoon + 10, {Reading("if_in_octets", "eth0", MetricType::kCounter64, huge + 500)}).ok());
  EXPECT_EQ(Usage("if_in_octets", 20261120), "500 1 10 0");
  EXPECT_EQ(One("SELECT count(*) FROM metric_samples WHERE value < 0"), "2");
}

TEST_F(MetricsWriterTest, ASpecRowIsWrittenOnlyWhenTheSpecChanges) {
  PeripheralRecord p;
  p.serial_number = "PRN1";
  p.spec = Spec("1.0");
  PollWriter w(db_.get());
  ASSERT_TRUE(w.RecordPeripherals(run_, 1, kNoon, {p}).ok());
  ASSERT_TRUE(w.RecordPeripherals(run_, 1, kNoon + 300, {p}).ok());
  p.spec.reset();  // not enough arrived
  ASSERT_TRUE(w.RecordPeripherals(run_, 1, kNoon + 600, {p}).ok());
  EXPECT_EQ(One("SELECT count(*) FROM peripheral_specs"), "1");
  p.spec = Spec("2.0");
  ASSERT_TRUE(w.RecordPeripherals(run_, 1, kNoon + 900, {p}).ok());
  EXPECT_EQ(Joined("SELECT firmware FROM peripheral_specs ORDER BY seen_from", ","), "1.0,2.0");
  EXPECT_EQ(One("SELECT count(*) FROM devices"), "1");
}

TEST_F(MetricsWriterTest, AlertsAreReplacedOnEveryPoll) {
  PeripheralRecord p;
  p.serial_number = "PRN1";
  p.alerts = {{1, "critical", "input", 2, "subunitEmpty", "Tray 2 empty"},
              {2, "warning", "markerSupplies", 1, "subunitAlmostEmpty", "Toner low"}};
  PollWriter w(db_.get());
  ASSERT_TRUE(w.RecordPeripherals(run_, 1, kNoon, {p}).ok());
  EXPECT_EQ(One("SELECT count(*) FROM device_alerts"), "2");
  p.alerts = {{3, "critical", "input", 1, "jam", "Paper jam"}};
  ASSERT_TRUE(w.RecordPeripherals(run_, 1, kNoon + 300, {p}).ok());
  EXPECT_EQ(Joined("SELECT alert_index || ' ' || code || ' ' || description || ' ' || seen_at "
                   "FROM device_alerts ORDER BY alert_index",
                   ";"),
            "3 jam Paper jam " + std::to_string(kNoon + 300));
  p.alerts.clear();
  ASSERT_TRUE(w.RecordPeripherals(run_, 1, kNoon + 600, {p}).ok());
  EXPECT_EQ(One("SELECT count(*) FROM device_alerts"), "0");
}

TEST_F(MetricsWriterTest, ARetiredPeripheralSeenAgainIsActiveAgain) {
  ASSERT_TRUE(PollPages(kNoon, 1).ok());
  PollWriter w(db_.get());
  ASSERT_EQ(*w.RetireDevicesUnseenSince(kNoon + 1, kNoon + 2), 1);
  ASSERT_TRUE(PollPages(kNoon + 300, 2).ok());
  EXPECT_EQ(
      One("SELECT count(*) || ' ' || COALESCE(CAST(max(retired_at) AS TEXT), 'active') || ' ' || "
          "max(last_seen) FROM devices"),
      "1 active " + std::to_string(kNoon + 300));
}

TEST_F(MetricsWriterTest, OneTargetMayServeDevicesOfSeveralKinds) {
  PeripheralRecord printer;
  printer.kind = DeviceKind::kPrinter;
  printer.serial_number = "PRN1";
  printer.readings = {Reading("pages", "1", MetricType::kLifeCount, 10)};
  PeripheralRecord host;
  host.kind = DeviceKind::kHost;
  host.serial_number = "HOST1";
  host.readings = {Reading("cpu_load_pct", "all", MetricType::kGauge, 12)};
  ASSERT_TRUE(PollWriter(db_.get()).RecordPeripherals(run_, 1, kNoon, {printer, host}).ok());
  EXPECT_EQ(Joined("SELECT serial_number || '=' || kind FROM devices ORDER BY id", " "),
            "PRN1=printer HOST1=host");
  EXPECT_EQ(One("SELECT count(DISTINCT device_id) FROM metric_daily"), "2");
}

TEST_F(MetricsWriterTest, WarningsAreStoredWithTheRun) {
  PeripheralRecord p;
  p.serial_number = "PRN1";
  ASSERT_TRUE(PollWriter(db_.get())
                  .RecordPeripherals(run_, 1, kNoon, {p},
                                     {{1, "prtMarkerSuppliesLevel", "supply 3: level -5 refused"}})
                  .ok());
  EXPECT_EQ(One("SELECT column_name || ': ' || message FROM poll_warnings"),
            "prtMarkerSuppliesLevel: supply 3: level -5 refused");
}

TEST_F(MetricsWriterTest, AFailingTargetKeepsNothing) {
  PeripheralRecord p;
  p.serial_number = "PRN1";
  p.readings = {Reading("pages", "1", MetricType::kLifeCount, 10)};
  EXPECT_FALSE(PollWriter(db_.get()).RecordPeripherals(run_, 99, kNoon, {p}).ok());
  EXPECT_EQ(One("SELECT (SELECT count(*) FROM devices) + (SELECT count(*) FROM metric_samples) + "
                "(SELECT count(*) FROM metric_daily) + (SELECT count(*) FROM metric_last)"),
            "0");
  EXPECT_TRUE(CheckDatabase(*db_).ok());
}

TEST_F(MetricsWriterTest, TargetsCarryTheirKind) {
  auto targets = LoadTargets(*db_, "", "");
  ASSERT_TRUE(targets.ok());
  ASSERT_EQ(targets->size(), 1u);
  EXPECT_EQ((*targets)[0].kind, DeviceKind::kPrinter);
}

constexpr const char* kVersion3Rows = R"sql(
INSERT INTO staff (id, name, email, role) VALUES (1, 'S', 's@example.com', 'sales');
INSERT INTO customers (id, user_id, name, sales_staff_id) VALUES (1, 'c1', 'C', 1);
INSERT INTO targets (id, address, port, profile, customer_id) VALUES (1, 'h', 161, 'p', 1);
INSERT INTO devices (id, target_id, device_index, serial_number, first_seen, last_seen)
  VALUES (1, 1, 1, 'SN1', 100, 200);
INSERT INTO daily (device_id, date, load_peak, load_avg_centi, used_bytes, intervals)
  VALUES (1, 20261120, 3, 250, 5, 8640);
INSERT INTO proposals (id, device_id, customer_id, kind, status, product_number, product_name,
  quantity, unit_price_minor_units, price_minor_units, currency, confidence, summary,
  evidence_json, material_key, raised_at, changed_at, checked_at)
  VALUES (7, 1, 1, 'capacity', 'inquired', 'PSA-4T', 'PSA 4 TB', 1, 100, 100, 'EUR', 'high',
  'full in 30 days', '{}', 'k', 1, 1, 1);
INSERT INTO inquiries (id, inquiry_key, proposal_id, product_number, quantity, delivery_place,
  requested_by, created_at) VALUES (1, 'INQ-1', 7, 'PSA-4T', 1, 'Berlin', 's@example.com', 2);
INSERT INTO outbox (id, message_id, kind, sender, recipient, subject, message, state,
  created_at, next_attempt_at) VALUES (1, '<m1@x>', 'proposal', 'a@x', 'b@x', 's', 'm',
  'sent', 3, 3);
INSERT INTO outbox_proposals (outbox_id, proposal_id, revision) VALUES (1, 7, 1);
)sql";

TEST(Migration4Test, AVersion3StoreKeepsItsProposalsAndInquiries) {
  PERISCOPE_SQLITE_ONLY();
  periscope::testing::TempDir dir;
  auto db = Db::OpenWriter(dir.File("old.db"), OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(MigrateTo(**db, 3).ok());
  ASSERT_TRUE((*db)->Exec(kVersion3Rows).ok());
  ASSERT_TRUE(Migrate(**db).ok());
  EXPECT_EQ(*CurrentVersion(**db), SchemaVersion());
  EXPECT_TRUE(CheckDatabase(**db).ok());
  auto one = [&](const std::string& sql) { return Query(**db, sql)->rows.at(0).at(0); };
  EXPECT_EQ(one("SELECT id || ' ' || kind || ' ' || status FROM proposals"), "7 capacity inquired");
  EXPECT_EQ(one("SELECT proposal_id FROM inquiries"), "7");
  EXPECT_EQ(one("SELECT proposal_id FROM outbox_proposals"), "7");
  EXPECT_EQ(one("SELECT kind FROM targets") + " " + one("SELECT kind FROM devices"),
            "periscope periscope");
  EXPECT_EQ(one("SELECT load_peak || ' ' || intervals FROM daily"), "3 8640");
  EXPECT_EQ(Query(**db, "PRAGMA foreign_key_check")->rows.size(), 0u);
  // The widened CHECK admits the peripherals' kinds, still refuses others, and
  // the open-proposal index survived the rebuild.
  auto with_kind = [&](const std::string& kind) {
    return (*db)->Exec(
        "INSERT INTO proposals (device_id, customer_id, kind, status, product_number, "
        "product_name, quantity, unit_price_minor_units, price_minor_units, currency, "
        "confidence, summary, evidence_json, material_key, raised_at, changed_at, checked_at) "
        "VALUES (1, 1, '" +
        kind + "', 'new', 'X', 'X', 1, 1, 1, 'EUR', 'low', 's', '{}', 'k', 1, 1, 1)");
  };
  EXPECT_TRUE(with_kind("supply-3").ok());
  EXPECT_TRUE(with_kind("host-storage").ok());
  EXPECT_FALSE(with_kind("toner").ok());
  EXPECT_FALSE(with_kind("capacity").ok());  // one open capacity proposal already
}

TEST(Migration4Test, AForeignKeyViolationRollsTheMigrationBack) {
  PERISCOPE_SQLITE_ONLY();
  periscope::testing::TempDir dir;
  auto db = Db::OpenWriter(dir.File("old.db"), OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(MigrateTo(**db, 3).ok());
  ASSERT_TRUE((*db)->Exec(kVersion3Rows).ok());
  // A row a damaged store could hold: an inquiry whose proposal is gone.
  ASSERT_TRUE((*db)->Exec("PRAGMA foreign_keys=OFF").ok());
  ASSERT_TRUE((*db)
                  ->Exec("INSERT INTO inquiries (inquiry_key, proposal_id, product_number, "
                         "quantity, delivery_place, requested_by, created_at) VALUES ('INQ-2', "
                         "99, 'X', 1, 'B', 's', 4)")
                  .ok());
  ASSERT_TRUE((*db)->Exec("PRAGMA foreign_keys=ON").ok());
  Status s = Migrate(**db);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("migration 4"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("inquiries"), std::string::npos) << s.message();
  EXPECT_EQ(*CurrentVersion(**db), 3);
  EXPECT_EQ(Query(**db, "SELECT name FROM sqlite_schema WHERE name = 'metric_daily'")->rows.size(),
            0u);
  EXPECT_EQ(Query(**db, "SELECT count(*) FROM proposals")->rows.at(0).at(0), "1");
}

}  // namespace
}  // namespace periscope::store
