// periscope-store copy, prune and list pollers|leases run as the binary
// against SQLite files and a throwaway PostgreSQL cluster.
#include <ctime>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/copy.h"
#include "store/db.h"
#include "store/retention.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"

namespace periscope::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string StoreBinary() { return BinaryDir() + "/store/periscope-store"; }

CommandResult Store(const std::string& db, std::vector<std::string> args) {
  args.insert(args.begin(), {StoreBinary(), "--db", db});
  return RunCommand(args);
}

CommandResult Copy(std::vector<std::string> args) {
  args.insert(args.begin(), {StoreBinary(), "copy"});
  return RunCommand(args);
}

int64_t Count(store::Db& db, const std::string& sql) {
  auto stmt = db.Prepare(sql);
  EXPECT_TRUE(stmt.ok()) << stmt.status().message();
  auto row = stmt->Step();
  EXPECT_TRUE(row.ok() && *row) << sql;
  return stmt->Int(0);
}

class StoreCliPgTest : public ::testing::Test {
 protected:
  // init, staff/customers/targets imported by the binary; devices, a run,
  // samples on each of the last 21 UTC days and daily rows written with SQL
  // (as the poller would).
  void MakeSqliteStore(const std::string& path) {
    ASSERT_EQ(Store(path, {"init"}).exit_code, 0);
    WriteTextFile(dir_.File("staff.csv"), "name,email,role\nSales,sales@v.example,sales\n");
    WriteTextFile(dir_.File("customers.csv"),
                  "user_id,name,contact_person,email,phone,address,sales_email\n"
                  "cust-1,\"Acme, \"\"Ltd\"\"\",Ann,a@x.example,,,sales@v.example\n"
                  "cust-2,Zeta,,,,,\n");
    WriteTextFile(dir_.File("targets.csv"),
                  "address,port,profile,customer_user_id\n10.0.0.1,161,v2,cust-1\n"
                  "10.0.0.2,1161,v2,cust-2\n");
    for (const char* what : {"staff", "customers", "targets"}) {
      CommandResult r = Store(path, {"import", what, dir_.File(std::string(what) + ".csv")});
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
    auto db = store::Db::OpenWriter(path, store::OpenMode::kMustExist);
    ASSERT_TRUE(db.ok()) << db.status().message();
    ASSERT_TRUE(store::InTransaction(**db, [&]() -> Status {
                  PERISCOPE_RETURN_IF_ERROR((*db)->Exec(
                      "INSERT INTO devices (id, target_id, device_index, serial_number, "
                      "first_seen, last_seen) SELECT id, id, 1, 'SN-' || address, 1000, 2000 "
                      "FROM targets; "
                      "INSERT INTO poll_runs (id, started_at, finished_at, state, targets_total, "
                      "targets_ok, targets_failed, poller) VALUES (1, 1000, 1010, 'finished', "
                      "2, 2, 0, 'host-a:11'); "
                      "INSERT INTO pollers (name, host, pid, started_at, last_seen, "
                      "last_run_id) VALUES ('host-a:11', 'host-a', 11, 1000, 1010, 1); "
                      "INSERT INTO poll_buckets (bucket, next_due, lease_owner, lease_until, "
                      "epoch) VALUES (0, 0, 'host-a:11', 1300, 7)"));
                  auto sample = (*db)->Prepare(
                      "INSERT INTO samples (device_id, run_id, sampled_at, used_bytes, "
                      "capacity_bytes, status, status_text, slot_start) SELECT id, 1, ?1 + 3, "
                      "?1 % 1000, 5000, 1, CASE WHEN id = 1 THEN 'ok' ELSE '' END, ?1 "
                      "FROM devices");
                  if (!sample.ok()) return sample.status();
                  for (int d = 20; d >= 0; --d) {
                    sample->Reset();
                    sample->Bind(1, today_ - int64_t{d} * 86400 + 600);
                    PERISCOPE_RETURN_IF_ERROR(sample->Run());
                  }
                  return (*db)->Exec(
                      "INSERT INTO daily (device_id, date, load_peak, load_avg_centi, "
                      "used_bytes, intervals) VALUES (1, 20240101, 5, 250, NULL, 288)");
                }).ok());
    samples_ = 42;
  }

  std::string FreshPg() {
    std::string skip, error;
    PgCluster* cluster = SharedPgCluster(&skip, &error);
    if (cluster == nullptr) return "";
    return cluster->Uri(FreshDatabase(*cluster));
  }

  TempDir dir_;
  const int64_t today_ = store::UtcDayStart(static_cast<int64_t>(std::time(nullptr)));
  int64_t samples_ = 0;
};

TEST_F(StoreCliPgTest, CopyRoundTripThroughPostgresExportsTheSameBytes) {
  PERISCOPE_SHARED_PG_CLUSTER_OR_SKIP(cluster);
  const std::string a = dir_.File("a.db"), c = dir_.File("c.db"), pg = FreshPg();
  ASSERT_NO_FATAL_FAILURE(MakeSqliteStore(a));

  CommandResult there = Copy({"--from", a, "--to", pg});
  ASSERT_EQ(there.exit_code, 0) << there.output;
  EXPECT_THAT(there.output, HasSubstr("samples: 42 rows copied\n"));
  EXPECT_THAT(there.output, HasSubstr("verified: 32 tables, counts and checksums equal"));
  CommandResult back = Copy({"--from", pg, "--to", c});
  ASSERT_EQ(back.exit_code, 0) << back.output;

  CommandResult export_a = Store(a, {"export"});
  CommandResult export_c = Store(c, {"export"});
  ASSERT_EQ(export_a.exit_code, 0) << export_a.output;
  EXPECT_THAT(export_a.output, HasSubstr("Acme, \\\"Ltd\\\""));
  EXPECT_EQ(export_c.output, export_a.output);
  CommandResult check = Store(c, {"check"});
  EXPECT_EQ(check.exit_code, 0) << check.output;

  // The listings read PostgreSQL like SQLite.
  CommandResult pollers = Store(pg, {"list", "pollers"});
  ASSERT_EQ(pollers.exit_code, 0) << pollers.output;
  EXPECT_THAT(pollers.output, HasSubstr("host-a:11"));
  EXPECT_THAT(pollers.output, HasSubstr("finished"));
  CommandResult leases = Store(pg, {"list", "leases", "--format", "csv"});
  ASSERT_EQ(leases.exit_code, 0) << leases.output;
  EXPECT_THAT(leases.output, HasSubstr("0,host-a:11,7,1970-01-01 00:21:40,1970-01-01 00:00:00,"));
  EXPECT_EQ(Store(pg, {"list", "leases", "--everything"}).exit_code, 2);
}

TEST_F(StoreCliPgTest, ANonEmptyTargetIsRefusedAndAnInterruptedCopyResumes) {
  PERISCOPE_SHARED_PG_CLUSTER_OR_SKIP(cluster);
  const std::string a = dir_.File("a.db"), pg = FreshPg();
  ASSERT_NO_FATAL_FAILURE(MakeSqliteStore(a));
  ASSERT_EQ(Copy({"--from", a, "--to", pg}).exit_code, 0);

  CommandResult refused = Copy({"--from", a, "--to", pg});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_THAT(refused.output, HasSubstr("the target is not empty (table staff has rows)"));
  EXPECT_THAT(refused.output, Not(HasSubstr("verified")));

  // What a copy killed inside samples leaves: the tables before complete,
  // samples up to some id, the tables after empty.
  {
    auto db = store::Db::OpenWriter(pg, store::OpenMode::kMustExist);
    ASSERT_TRUE(db.ok()) << db.status().message();
    ASSERT_TRUE(store::InTransaction(**db, [&]() -> Status {
                  const auto& tables = store::CopyTables();
                  for (auto it = tables.rbegin(); *it != "samples"; ++it) {
                    PERISCOPE_RETURN_IF_ERROR((*db)->Exec("DELETE FROM " + *it));
                  }
                  return (*db)->Exec("DELETE FROM samples WHERE id > 17");
                }).ok());
    ASSERT_EQ(Count(**db, "SELECT count(*) FROM samples"), 17);
  }
  EXPECT_EQ(Copy({"--from", a, "--to", pg, "--resume", "--force"}).exit_code, 2);
  CommandResult resumed = Copy({"--from", a, "--to", pg, "--resume"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_THAT(resumed.output, HasSubstr("staff: 0 rows copied\n"));
  EXPECT_THAT(resumed.output, HasSubstr("samples: 25 rows copied\n"));
  EXPECT_THAT(resumed.output, HasSubstr("daily: 1 rows copied\n"));
  EXPECT_THAT(resumed.output, HasSubstr("verified: 32 tables"));
  // Back to SQLite: the same export, byte for byte.
  ASSERT_EQ(Copy({"--from", pg, "--to", dir_.File("c.db")}).exit_code, 0);
  EXPECT_EQ(Store(dir_.File("c.db"), {"export"}).output, Store(a, {"export"}).output);

  // --force offers every row again and skips those present.
  CommandResult forced = Copy({"--from", a, "--to", pg, "--force"});
  ASSERT_EQ(forced.exit_code, 0) << forced.output;
  EXPECT_THAT(forced.output, HasSubstr("samples: 0 rows copied, 42 already there\n"));
}

TEST_F(StoreCliPgTest, PruneDropsOldDailyPartitions) {
  PERISCOPE_SHARED_PG_CLUSTER_OR_SKIP(cluster);
  const std::string a = dir_.File("a.db"), pg = FreshPg();
  ASSERT_NO_FATAL_FAILURE(MakeSqliteStore(a));
  ASSERT_EQ(Copy({"--from", a, "--to", pg}).exit_code, 0);
  const std::string oldest = store::SamplePartitionName(today_ - 20 * 86400);
  const std::string kept = store::SamplePartitionName(today_ - 7 * 86400);

  CommandResult usage = Store(pg, {"prune", "--keep-days", "7", "--keep-daily-days", "100"});
  EXPECT_EQ(usage.exit_code, 2) << usage.output;
  EXPECT_THAT(usage.output, HasSubstr("keep-daily-days must be at least 365"));
  EXPECT_EQ(Store(pg, {"prune"}).exit_code, 2);

  CommandResult dry = Store(pg, {"prune", "--keep-days", "7", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.output;
  EXPECT_THAT(dry.output, HasSubstr("would drop 13 daily partitions (26 rows)"));
  CommandResult pruned = Store(pg, {"prune", "--keep-days", "7"});
  ASSERT_EQ(pruned.exit_code, 0) << pruned.output;
  EXPECT_THAT(pruned.output, HasSubstr("dropped 13 daily partitions (26 rows)"));

  auto db = store::Db::OpenReader(pg);
  ASSERT_TRUE(db.ok()) << db.status().message();
  EXPECT_EQ(Count(**db, fmt::format("SELECT count(*) FROM pg_catalog.pg_class WHERE relname = '{}'",
                                    oldest)),
            0);
  EXPECT_EQ(Count(**db, "SELECT count(*) FROM " + kept), 2);
  EXPECT_EQ(Count(**db, "SELECT count(*) FROM samples"), 16);
  // The same on SQLite, row by row.
  CommandResult sqlite = Store(a, {"prune", "--keep-days", "7"});
  ASSERT_EQ(sqlite.exit_code, 0) << sqlite.output;
  EXPECT_THAT(sqlite.output, HasSubstr("deleted 26 rows"));
}

}  // namespace
}  // namespace periscope::testing
