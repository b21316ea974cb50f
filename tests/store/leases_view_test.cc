// store/leases_view: `list pollers` and `list leases` on both engines.
#include "store/leases_view.h"

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

// One store per engine with the same rows (FillSmallStore: pollers h:1 with
// run 1, h:2 without a run; bucket 0 held by h:1 and due at 900, bucket 1
// free and due far ahead).
class LeasesViewTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    std::string where = dir_.File("h.db");
    if (GetParam()) {
      std::string skip, error;
      PgCluster* cluster = SharedPgCluster(&skip, &error);
      if (cluster == nullptr && !skip.empty()) GTEST_SKIP() << skip;
      ASSERT_NE(cluster, nullptr) << error;
      where = cluster->Uri(FreshDatabase(*cluster));
    }
    auto db = store::Db::OpenWriter(where, store::OpenMode::kCreate);
    ASSERT_TRUE(db.ok()) << db.status().message();
    db_ = std::move(*db);
    ASSERT_TRUE(store::Migrate(*db_).ok());
    ASSERT_TRUE(FillSmallStore(*db_, 1704153600).ok());
  }
  TempDir dir_;
  std::unique_ptr<store::Db> db_;
};

TEST_P(LeasesViewTest, PollersShowTheirLastRun) {
  auto table = store::ListPollers(*db_);
  ASSERT_TRUE(table.ok()) << table.status().message();
  EXPECT_THAT(table->columns, ElementsAre("name", "host", "pid", "state", "started", "last_seen",
                                          "last_run", "run_state", "targets_ok", "targets_failed"));
  ASSERT_EQ(table->rows.size(), 2u);
  EXPECT_THAT(table->rows[0], ElementsAre("h:1", "h", "1", "running", "1970-01-01 00:15:00",
                                          "1970-01-01 00:16:50", "1", "finished", "2", "0"));
  EXPECT_THAT(table->rows[1], ElementsAre("h:2", "h", "2", "stopped", "1970-01-01 00:31:40",
                                          "1970-01-01 00:33:20", "", "", "", ""));
}

TEST_P(LeasesViewTest, LeasesShowHeldOrDueBucketsUnlessAll) {
  auto held = store::ListLeases(*db_, 1000, false);
  ASSERT_TRUE(held.ok()) << held.status().message();
  EXPECT_THAT(held->columns, ElementsAre("bucket", "owner", "epoch", "leased_until", "due",
                                         "last_completed_slot"));
  ASSERT_EQ(held->rows.size(), 1u);
  EXPECT_THAT(held->rows[0], ElementsAre("0", "h:1", "3", "1970-01-01 01:23:20",
                                         "1970-01-01 00:15:00", "1970-01-01 00:10:00"));
  auto all = store::ListLeases(*db_, 1000, true);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->rows.size(), 2u);
  EXPECT_EQ(all->rows[1][0], "1");
  EXPECT_EQ(all->rows[1][1], "");
  // Bucket 1 becomes due; a released bucket 0 that is not due drops out.
  ASSERT_TRUE(db_->Exec("UPDATE poll_buckets SET lease_owner = NULL, next_due = 2000000 "
                        "WHERE bucket = 0")
                  .ok());
  auto due = store::ListLeases(*db_, 99999999999, false);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->rows.size(), 2u);
  auto none = store::ListLeases(*db_, 1000, false);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->rows.empty());
  EXPECT_EQ(none->columns.size(), 6u);
}

INSTANTIATE_TEST_SUITE_P(Engines, LeasesViewTest, ::testing::Values(false, true),
                         [](const auto& param_info) {
                           return param_info.param ? "Postgres" : "Sqlite";
                         });

}  // namespace
}  // namespace periscope::testing
