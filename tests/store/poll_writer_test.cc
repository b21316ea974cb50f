#include "store/poll_writer.h"

#include <gtest/gtest.h>

#include "store/history.h"
#include "store/registry.h"
#include "store/schema.h"
#include "tests/support/process.h"
#include "tests/support/test_store.h"

namespace periscope::store {
namespace {

class PollWriterTest : public ::testing::Test {
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
        ImportTargetsCsv(*db_, "address,port,profile,customer_user_id\nh,161,p,c1\n", "t.csv")
            .ok());
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

  std::string One(const std::string& sql) {
    auto t = Query(*db_, sql);
    return t.ok() && !t->rows.empty() ? t->rows[0][0] : "";
  }
  DeviceRecord Device(const std::string& firmware, int64_t used) {
    DeviceRecord d;
    d.device_index = 1;
    d.serial_number = "SN1";
    DeviceSpec spec;
    spec.model = "PSA";
    spec.firmware = firmware;
    spec.capacity_bytes = 1000;
    d.spec = spec;
    d.usage.used_bytes = used;
    d.daily = {{20261120, 5, 100, used - 1, 8640}, {20261121, 7, 200, used, 10}};
    return d;
  }

  periscope::testing::TempDir dir_;
  std::string store_;  // TestStoreLocation: a file or a PostgreSQL URI
  std::unique_ptr<Db> db_;
};

TEST_F(PollWriterTest, SpecChangesAddRowsAndDailyRowsAreUpserted) {
  PollWriter w(db_.get());
  auto run = w.StartRun(1000);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(One("SELECT state FROM poll_runs"), "started");
  ASSERT_TRUE(w.RecordTarget(*run, 1, 1000, {Device("2.4.1", 400)}).ok());
  ASSERT_TRUE(w.RecordTarget(*run, 1, 2000, {Device("2.4.1", 500)}).ok());
  EXPECT_EQ(One("SELECT count(*) FROM device_specs"), "1");  // unchanged spec: no new row
  ASSERT_TRUE(w.RecordTarget(*run, 1, 3000, {Device("2.5.0", 600)}).ok());
  EXPECT_EQ(One("SELECT count(*) FROM device_specs"), "2");  // firmware update: a new row
  EXPECT_EQ(Joined("SELECT firmware FROM device_specs ORDER BY seen_from", ","), "2.4.1,2.5.0");
  EXPECT_EQ(One("SELECT count(*) FROM devices"), "1");
  EXPECT_EQ(One("SELECT count(*) FROM samples"), "3");
  EXPECT_EQ(One("SELECT count(*) FROM daily"), "2");
  EXPECT_EQ(One("SELECT used_bytes FROM daily WHERE date = 20261121"), "600");
  ASSERT_TRUE(w.FinishRun(*run, 3001, true, 1, 1, 0).ok());
  EXPECT_EQ(One("SELECT state || ' ' || targets_ok FROM poll_runs"), "finished 1");
}

TEST_F(PollWriterTest, AFailingDeviceLeavesNothingOfItsTarget) {
  PollWriter w(db_.get());
  auto run = w.StartRun(1000);
  ASSERT_TRUE(run.ok());
  // Target 99 does not exist: the foreign key fails inside the transaction.
  Status s = w.RecordTarget(*run, 99, 1000, {Device("1", 1), Device("1", 1)});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(One("SELECT count(*) FROM devices"), "0");
  EXPECT_EQ(One("SELECT count(*) FROM samples"), "0");
  EXPECT_TRUE(CheckDatabase(*db_).ok());
}

TEST_F(PollWriterTest, TargetsCanBeSelectedByCustomerOrAddress) {
  ASSERT_TRUE(ImportCustomersCsv(*db_,
                                 "user_id,name,contact_person,email,phone,address,sales_email\n"
                                 "c2,C2,,,,,\n",
                                 "c.csv")
                  .ok());
  ASSERT_TRUE(ImportTargetsCsv(*db_,
                               "address,port,profile,customer_user_id,enabled\n"
                               "h2,161,p,c2,yes\nh3,161,p,c2,no\n",
                               "t.csv")
                  .ok());
  EXPECT_EQ(LoadTargets(*db_, "", "")->size(), 2u);  // the disabled one is left out
  EXPECT_EQ(LoadTargets(*db_, "c2", "")->size(), 1u);
  EXPECT_EQ(LoadTargets(*db_, "", "h")->size(), 1u);
  EXPECT_EQ(LoadTargets(*db_, "", "nowhere")->size(), 0u);
}

DailyRow Day(int64_t date, std::optional<int64_t> peak, std::optional<int64_t> used,
             std::optional<int64_t> intervals) {
  DailyRow r;
  r.date = date;
  r.load_peak = peak;
  r.load_avg_centi = peak ? std::optional<int64_t>(*peak * 10) : std::nullopt;
  r.used_bytes = used;
  r.intervals = intervals;
  return r;
}

TEST_F(PollWriterTest, AMissingDailyFieldNeverOverwritesAStoredValue) {
  PollWriter w(db_.get());
  auto run = w.StartRun(1000);
  DeviceRecord d = Device("1", 400);
  d.daily = {Day(20261121, 7, 400, 100)};
  ASSERT_TRUE(w.RecordTarget(*run, 1, 1000, {d}).ok());
  d.daily = {Day(20261121, 9, std::nullopt, 200)};  // used bytes hidden today
  ASSERT_TRUE(w.RecordTarget(*run, 1, 2000, {d}).ok());
  EXPECT_EQ(One("SELECT load_peak || ' ' || used_bytes || ' ' || intervals FROM daily"),
            "9 400 200");
}

TEST_F(PollWriterTest, AClosedDayIsNotReplacedByARowCoveringFewerIntervals) {
  PollWriter w(db_.get());
  auto run = w.StartRun(1000);
  DeviceRecord d = Device("1", 400);
  d.daily = {Day(20261119, 90, 300, 8640), Day(20261120, 80, 350, 8640), Day(20261121, 5, 400, 10)};
  ASSERT_TRUE(w.RecordTarget(*run, 1, 1000, {d}).ok());
  // The agent's clock stepped back two days: it now counts "20261119" afresh,
  // and a state-losing restart re-reports 20261120 with a few intervals.
  d.daily = {Day(20261119, 3, 10, 12), Day(20261120, 2, std::nullopt, std::nullopt)};
  ASSERT_TRUE(w.RecordTarget(*run, 1, 2000, {d}).ok());
  EXPECT_EQ(
      Joined("SELECT load_peak || '/' || used_bytes || '/' || intervals FROM daily ORDER BY date",
             " "),
      "90/300/8640 80/350/8640 5/400/10");
  // The open day, and a closed day with at least as many intervals, are replaced.
  d.daily = {Day(20261120, 81, 351, 8640), Day(20261121, 6, 401, 20)};
  ASSERT_TRUE(w.RecordTarget(*run, 1, 3000, {d}).ok());
  EXPECT_EQ(
      Joined("SELECT load_peak || '/' || used_bytes || '/' || intervals FROM daily ORDER BY date",
             " "),
      "90/300/8640 81/351/8640 6/401/20");
}

TEST_F(PollWriterTest, HiddenUsageIsStoredAsNullNotZero) {
  PollWriter w(db_.get());
  auto run = w.StartRun(1000);
  DeviceRecord d = Device("1", 400);
  d.usage = DeviceUsage{};
  d.usage.load_peak_today = 3;
  ASSERT_TRUE(w.RecordTarget(*run, 1, 1000, {d}).ok());
  EXPECT_EQ(One("SELECT count(*) FROM samples WHERE used_bytes IS NULL AND status IS NULL "
                "AND status_text IS NULL AND load_peak_today = 3"),
            "1");
}

TEST_F(PollWriterTest, AnIncompleteSpecNeverLooksLikeAReconfiguration) {
  PollWriter w(db_.get());
  auto run = w.StartRun(1000);
  ASSERT_TRUE(w.RecordTarget(*run, 1, 1000, {Device("2.4.1", 400)}).ok());
  DeviceRecord partial = Device("2.4.1", 500);
  partial.spec.reset();  // the decoder found a spec field missing or invalid
  ASSERT_TRUE(w.RecordTarget(*run, 1, 2000, {partial}).ok());
  ASSERT_TRUE(w.RecordTarget(*run, 1, 3000, {Device("2.4.1", 600)}).ok());
  EXPECT_EQ(One("SELECT count(*) FROM device_specs"), "1");
  EXPECT_EQ(One("SELECT count(*) FROM samples"), "3");
}

TEST_F(PollWriterTest, HistoryShowsTheSpecInEffectOnEachDay) {
  PollWriter w(db_.get());
  auto run = w.StartRun(1000);
  const int64_t nov20 = 1795132800;  // 2026-11-20T00:00:00Z
  DeviceRecord d = Device("2.4.1", 400);
  d.daily = {Day(20261119, 1, 1, 1), Day(20261120, 1, 1, 1)};  // backfilled before first poll
  ASSERT_TRUE(w.RecordTarget(*run, 1, nov20 + 3600, {d}).ok());
  d = Device("2.5.0", 400);
  d.daily = {Day(20261121, 1, 1, 1), Day(20261122, 1, 1, 1)};
  ASSERT_TRUE(w.RecordTarget(*run, 1, nov20 + 86400 * 2 + 60, {d}).ok());  // on 11-22
  auto history = CustomerHistory(*db_, "c1");
  ASSERT_TRUE(history.ok());
  std::string firmware_by_day;
  for (const auto& row : history->rows) firmware_by_day += row[0] + "=" + row[5] + " ";
  EXPECT_EQ(firmware_by_day, "20261119=2.4.1 20261120=2.4.1 20261121=2.4.1 20261122=2.5.0 ");
}

TEST_F(PollWriterTest, DevicesUnseenForLongAreRetiredAndComeBackWhenSeen) {
  PollWriter w(db_.get());
  auto run = w.StartRun(1000);
  ASSERT_TRUE(w.RecordTarget(*run, 1, 1000, {Device("1", 400)}).ok());
  auto none = w.RetireDevicesUnseenSince(1000, 5000);  // seen at 1000: not before it
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  auto one = w.RetireDevicesUnseenSince(1001, 5000);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, 1);
  auto listed = List(*db_, "devices");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->rows.at(0).back(), "retired");
  EXPECT_TRUE(CustomerHistory(*db_, "c1")->rows.empty());  // left out of reports
  EXPECT_FALSE(CustomerHistory(*db_, "c1", /*include_retired=*/true)->rows.empty());
  ASSERT_TRUE(w.RecordTarget(*run, 1, 6000, {Device("1", 400)}).ok());
  EXPECT_EQ(List(*db_, "devices")->rows.at(0).back(), "active");
  EXPECT_EQ(One("SELECT count(*) FROM devices"), "1");
}

TEST_F(PollWriterTest, WarningsAreStoredWithTheRunAndListedWithErrors) {
  PollWriter w(db_.get());
  auto run = w.StartRun(1000);
  ASSERT_TRUE(w.RecordTarget(*run, 1, 1000, {Device("1", 400)},
                             {{1, "periscopeDeviceUsedBytes", "device 1: bad used bytes"}})
                  .ok());
  ASSERT_TRUE(w.RecordError(*run, 1, 1001, "timeout", "h:161: no answer").ok());
  ASSERT_TRUE(w.FinishRun(*run, 1002, true, 1, 1, 0, 1).ok());
  auto errors = List(*db_, "errors");
  ASSERT_TRUE(errors.ok());
  ASSERT_EQ(errors->rows.size(), 2u);
  EXPECT_EQ(errors->rows[0][2], "warning");
  EXPECT_EQ(errors->rows[0][3], "device 1: bad used bytes");
  EXPECT_EQ(errors->rows[1][2], "timeout");
  EXPECT_EQ(One("SELECT warnings FROM poll_runs"), "1");
}

TEST(SchemaUpgradeTest, AVersion1StoreIsUpgradedWithoutLosingHistory) {
  PERISCOPE_SQLITE_ONLY();
  periscope::testing::TempDir dir;
  auto db = Db::OpenWriter(dir.File("old.db"), OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(MigrateTo(**db, 1).ok());
  ASSERT_TRUE((*db)
                  ->Exec(R"sql(
INSERT INTO customers (id, user_id, name) VALUES (1, 'c1', 'C');
INSERT INTO targets (id, address, port, profile, customer_id) VALUES (1, 'h', 161, 'p', 1);
INSERT INTO devices VALUES (1, 1, 1, 'SN1', 100, 200);
INSERT INTO poll_runs (id, started_at, state) VALUES (1, 100, 'finished');
INSERT INTO samples VALUES (1, 1, 1, 100, 5, 10, 10, 3, 250, 7, 8, 1, 'ok');
INSERT INTO daily VALUES (1, 20261120, 3, 250, 5, 8640);
INSERT INTO poll_errors VALUES (1, 1, 1, 100, 'timeout', 'no answer');
)sql")
                  .ok());
  ASSERT_TRUE(Migrate(**db).ok());
  EXPECT_EQ(*CurrentVersion(**db), SchemaVersion());
  EXPECT_TRUE(CheckDatabase(**db).ok());
  auto one = [&](const std::string& sql) { return Query(**db, sql)->rows.at(0).at(0); };
  EXPECT_EQ(one("SELECT used_bytes || ' ' || status_text FROM samples"), "5 ok");
  EXPECT_EQ(one("SELECT load_peak || ' ' || intervals FROM daily"), "3 8640");
  EXPECT_EQ(one("SELECT class || ' ' || message FROM poll_errors"), "timeout no answer");
  EXPECT_EQ(one("SELECT count(*) FROM devices WHERE retired_at IS NULL"), "1");
  // Version 2 accepts what version 1 could not: NULLs and the resolve class.
  EXPECT_TRUE(
      (*db)->Exec("INSERT INTO samples (device_id, run_id, sampled_at) VALUES (1, 1, 5)").ok());
  EXPECT_TRUE((*db)
                  ->Exec("INSERT INTO poll_errors (run_id, target_id, at, class, message) "
                         "VALUES (1, 1, 6, 'resolve', 'x')")
                  .ok());
}

}  // namespace
}  // namespace periscope::store
