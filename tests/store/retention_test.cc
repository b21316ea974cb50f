// store/retention: PostgreSQL's daily sample partitions (created ahead, rows
// stranded in the default partition moved), and pruning raw readings and daily
// aggregates on both engines.
#include "store/retention.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store/db.h"
#include "store/schema.h"
#include "tests/store/copy_fixture.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"

namespace periscope::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr int64_t kToday = 1704153600;  // 2024-01-02 00:00:00 UTC
constexpr int64_t kNow = kToday + 13 * 3600;

std::unique_ptr<store::Db> OpenMigrated(const std::string& where) {
  auto db = store::Db::OpenWriter(where, store::OpenMode::kCreate);
  EXPECT_TRUE(db.ok()) << db.status().message();
  if (!db.ok()) return nullptr;
  Status s = store::Migrate(**db);
  EXPECT_TRUE(s.ok()) << s.message();
  return std::move(*db);
}

int64_t Count(store::Db& db, const std::string& sql) {
  auto stmt = db.Prepare(sql);
  EXPECT_TRUE(stmt.ok()) << stmt.status().message();
  auto row = stmt->Step();
  EXPECT_TRUE(row.ok() && *row) << sql << ": " << (row.ok() ? "" : row.status().message());
  return stmt->Int(0);
}

std::vector<std::string> Partitions(store::Db& db) {
  auto stmt = db.Prepare(
      "SELECT c.relname FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c "
      "ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass('samples') ORDER BY c.relname");
  EXPECT_TRUE(stmt.ok());
  std::vector<std::string> names;
  while (true) {
    auto row = stmt->Step();
    if (!row.ok() || !*row) break;
    names.push_back(stmt->Text(0));
  }
  return names;
}

class RetentionTest : public ::testing::Test {
 protected:
  // A PostgreSQL store, or nullptr (the test is skipped or failed).
  std::unique_ptr<store::Db> PgStore() {
    std::string skip, error;
    PgCluster* cluster = SharedPgCluster(&skip, &error);
    if (cluster == nullptr) return nullptr;
    return OpenMigrated(cluster->Uri(FreshDatabase(*cluster)));
  }
  TempDir dir_;
};

TEST(RetentionNames, PartitionNamesAreUtcDays) {
  EXPECT_EQ(store::UtcDayStart(kNow), kToday);
  EXPECT_EQ(store::UtcDayStart(kToday), kToday);
  EXPECT_EQ(store::UtcDayStart(-1), -86400);
  EXPECT_EQ(store::SamplePartitionName(kToday), "samples_p20240102");
  EXPECT_EQ(store::SamplePartitionName(kToday - 2 * 86400), "samples_p20231231");
}

TEST_F(RetentionTest, SqliteHasNoPartitionsToMake) {
  auto db = OpenMigrated(dir_.File("h.db"));
  ASSERT_NE(db, nullptr);
  EXPECT_TRUE(store::EnsureSamplePartitions(*db, kNow, 3).ok());
}

TEST_F(RetentionTest, PostgresGetsADailyPartitionForTodayAndEachDayAhead) {
  PERISCOPE_SHARED_PG_CLUSTER_OR_SKIP(cluster);
  auto db = PgStore();
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(store::EnsureSamplePartitions(*db, kNow, 2).ok());
  ASSERT_TRUE(store::EnsureSamplePartitions(*db, kNow, 2).ok());  // again: nothing new
  EXPECT_THAT(Partitions(*db), ElementsAre("samples_default", "samples_p20240102",
                                           "samples_p20240103", "samples_p20240104"));
  ASSERT_TRUE(FillSmallStore(*db, kToday + 86400, 2, 3).ok());
  // The bounds are the UTC days: yesterday's rows are in no daily partition.
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM samples_p20240102"), 6);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM samples_p20240103"), 6);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM samples_default"), 0);
}

TEST_F(RetentionTest, PostgresMovesRowsStrandedInTheDefaultPartition) {
  PERISCOPE_SHARED_PG_CLUSTER_OR_SKIP(cluster);
  auto db = PgStore();
  ASSERT_NE(db, nullptr);
  // Written before any daily partition existed: all in samples_default.
  ASSERT_TRUE(FillSmallStore(*db, kToday + 86400, 3, 4).ok());
  ASSERT_EQ(Count(*db, "SELECT count(*) FROM samples_default"), 24);
  const int64_t sum_before = Count(*db, "SELECT sum(id + slot_start) FROM samples");
  ASSERT_TRUE(store::EnsureSamplePartitions(*db, kNow, 1).ok());
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM samples_p20240102"), 8);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM samples_p20240103"), 8);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM samples_default"), 8);  // 2024-01-01
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM samples"), 24);
  EXPECT_EQ(Count(*db, "SELECT sum(id + slot_start) FROM samples"), sum_before);
  // The moved partition is a real one: keys and foreign keys hold there too.
  auto dup = db->Exec(fmt::format(
      "INSERT INTO samples (device_id, run_id, sampled_at, slot_start) VALUES (1, 1, 0, {})",
      kToday));
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists) << dup.message();
  auto orphan = db->Exec(fmt::format(
      "INSERT INTO samples (device_id, run_id, sampled_at, slot_start) VALUES (99, 1, 0, {})",
      kToday + 1));
  EXPECT_EQ(orphan.code(), StatusCode::kAlreadyExists) << orphan.message();
}

TEST_F(RetentionTest, PostgresPruneDropsWholeOldPartitionsAndOldDefaultRows) {
  PERISCOPE_SHARED_PG_CLUSTER_OR_SKIP(cluster);
  auto db = PgStore();
  ASSERT_NE(db, nullptr);
  // Samples on 2023-12-29 .. 2024-01-02; partitions for 12-30 .. 01-02 only.
  ASSERT_TRUE(store::EnsureSamplePartitionsForRange(*db, kToday - 3 * 86400, kToday).ok());
  ASSERT_TRUE(FillSmallStore(*db, kToday, 5, 2).ok());
  ASSERT_EQ(Count(*db, "SELECT count(*) FROM samples_default"), 4);  // 12-29

  auto dry = store::PruneSamples(*db, kNow, 2, 400, /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status().message();
  EXPECT_EQ(dry->partitions_dropped, 1);  // 12-30 (before the cutoff 12-31 00:00)
  EXPECT_EQ(dry->samples_deleted, 4);     // 12-29, in samples_default
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM samples"), 20);

  auto pruned = store::PruneSamples(*db, kNow, 2, 400);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_EQ(pruned->raw_cutoff_s, kToday - 2 * 86400);
  EXPECT_EQ(pruned->partitions_dropped, 1);
  EXPECT_EQ(pruned->samples_in_dropped_partitions, 4);
  EXPECT_EQ(pruned->samples_deleted, 4);
  EXPECT_THAT(Partitions(*db), ElementsAre("samples_default", "samples_p20231231",
                                           "samples_p20240101", "samples_p20240102"));
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM samples"), 12);
  EXPECT_EQ(Count(*db, fmt::format("SELECT count(*) FROM samples WHERE slot_start < {}",
                                   kToday - 2 * 86400)),
            0);
}

TEST_F(RetentionTest, SqlitePruneDeletesInBatchesAndKeepsRecentRows) {
  auto db = OpenMigrated(dir_.File("h.db"));
  ASSERT_NE(db, nullptr);
  ASSERT_TRUE(FillSmallStore(*db, kToday, 5, 3).ok());  // 30 samples, 6 a day
  // A sample from before slot_start existed counts by sampled_at.
  ASSERT_TRUE(db->Exec("UPDATE samples SET slot_start = NULL WHERE id = 1").ok());
  // metric readings: two old, one recent; daily rows from 2024-01-01.
  ASSERT_TRUE(
      db->Exec(fmt::format("UPDATE metric_samples SET sampled_at = {} WHERE instance = 'a'", kNow))
          .ok());
  auto pruned = store::PruneSamples(*db, kNow, 2, 365, false, /*batch_rows=*/4);
  ASSERT_TRUE(pruned.ok()) << pruned.status().message();
  EXPECT_EQ(pruned->samples_deleted, 12);  // 12-29 and 12-30
  EXPECT_EQ(pruned->partitions_dropped, 0);
  EXPECT_EQ(pruned->metric_samples_deleted, 2);
  EXPECT_EQ(pruned->daily_deleted, 0);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM samples"), 18);
  EXPECT_EQ(Count(*db, fmt::format("SELECT min(slot_start) FROM samples")), kToday - 2 * 86400);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM metric_samples"), 1);

  // A year and more later the daily aggregates go too (2024-01-01 < cutoff).
  auto later = store::PruneSamples(*db, kNow + 400 * 86400, 2, 365);
  ASSERT_TRUE(later.ok()) << later.status().message();
  EXPECT_EQ(later->daily_cutoff_ymd, 20240206);  // 365 days before 2025-02-05
  EXPECT_EQ(later->daily_deleted, 3);
  EXPECT_EQ(later->metric_daily_deleted, 2);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM daily"), 0);
}

TEST_F(RetentionTest, DryRunCountsAndChangesNothing) {
  auto db = OpenMigrated(dir_.File("h.db"));
  ASSERT_TRUE(FillSmallStore(*db, kToday, 5, 3).ok());
  auto dry = store::PruneSamples(*db, kNow, 2, 365, /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status().message();
  EXPECT_EQ(dry->samples_deleted, 12);
  EXPECT_EQ(dry->metric_samples_deleted, 3);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM samples"), 30);
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM metric_samples"), 3);
}

TEST_F(RetentionTest, DailyAggregatesAreKeptAtLeastAYear) {
  auto db = OpenMigrated(dir_.File("h.db"));
  ASSERT_TRUE(FillSmallStore(*db, kToday).ok());
  auto refused = store::PruneSamples(*db, kNow, 30, 364);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("keep-daily-days"));
  auto no_days = store::PruneSamples(*db, kNow, 0, 400);
  EXPECT_EQ(no_days.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(no_days.status().message(), HasSubstr("keep-days"));
  EXPECT_EQ(Count(*db, "SELECT count(*) FROM samples"), 24);
}

}  // namespace
}  // namespace periscope::testing
