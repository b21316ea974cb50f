// The poller's chunk writes (store/leases.h WriteLeasedChunks): a chunk's
// results go to the store in a few multi-row statements per table; each
// device must still get exactly its own figures. Runs on both engines (this
// binary also runs as /pg).
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "store/leases.h"
#include "store/poll_writer.h"
#include "store/registry.h"
#include "store/schema.h"
#include "store/sql_batch.h"
#include "tests/store/bucket_store_fixture.h"
#include "tests/support/process.h"

namespace periscope::store {
namespace {

using ::periscope::testing::TempDir;

TEST(SqlBatchTest, BatchSizesSumToTheRowsWithFewDistinctStatementSizes) {
  std::set<size_t> distinct;
  for (size_t rows = 0; rows <= 300; ++rows) {
    size_t sum = 0;
    for (size_t size : internal::BatchSizes(rows)) {
      EXPECT_GE(size, 1u);
      EXPECT_LE(size, internal::kMaxBatchRows);
      EXPECT_EQ(size & (size - 1), 0u) << size << " is not a power of two";
      distinct.insert(size);
      sum += size;
    }
    EXPECT_EQ(sum, rows);
  }
  EXPECT_EQ(distinct.size(), 7u);  // 1, 2, 4, ..., 64
  EXPECT_EQ(internal::BatchSizes(50), (std::vector<size_t>{32, 16, 2}));
}

TEST(SqlBatchTest, RowsThatMayRepeatArePaddedAndOthersSplit) {
  // A scratch table: t(k) unique, v counts how often a row was written.
  TempDir dir;
  auto db = Db::OpenWriter(dir.File("b.db"), OpenMode::kCreate);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)").ok());
  std::vector<int64_t> keys;
  for (int64_t k = 1; k <= 50; ++k) keys.push_back(k);
  auto bind = [&](Stmt& stmt, int p, size_t i) { stmt.Bind(p, keys[i]).Bind(p + 1, int64_t{1}); };
  // 50 rows padded to 64 with copies of row 50: DO NOTHING keeps one of each.
  ASSERT_TRUE(internal::RunWithValueRows(**db, "INSERT INTO t (k, v)", {"?", "?"},
                                         " ON CONFLICT (k) DO NOTHING",
                                         internal::RepeatedRows::kHarmless, keys.size(), bind)
                  .ok());
  auto count = Query(**db, "SELECT count(*), sum(k) FROM t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->rows[0][0], "50");
  EXPECT_EQ(count->rows[0][1], "1275");
  // DO UPDATE refuses a row twice in one statement: split, never padded.
  ASSERT_TRUE(internal::RunWithValueRows(**db, "INSERT INTO t (k, v)", {"?", "?"},
                                         " ON CONFLICT (k) DO UPDATE SET v = t.v + 1",
                                         internal::RepeatedRows::kRefused, keys.size(), bind)
                  .ok());
  count = Query(**db, "SELECT count(*) FROM t WHERE v = 2");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(count->rows[0][0], "50");
}

TEST(SqlBatchTest, InListsArePaddedToAPowerOfTwo) {
  EXPECT_EQ(internal::PaddedListSize(1), 1u);
  EXPECT_EQ(internal::PaddedListSize(3), 4u);
  EXPECT_EQ(internal::PaddedListSize(33), 64u);
  EXPECT_EQ(internal::PaddedListSize(64), 64u);
  EXPECT_EQ(internal::Markers(3), "?, ?, ?");
  EXPECT_EQ(internal::ValuesRows(2, {"?", "CAST(? AS BIGINT)"}),
            "(?, CAST(? AS BIGINT)), (?, CAST(? AS BIGINT))");
}

constexpr int kTargets = 40;
constexpr int kDevicesPerTarget = 3;  // 120 devices: more than one statement's rows
constexpr int64_t kDay = 20260301;

class ChunkWriteTest : public BucketStoreTest {
 protected:
  ChunkWriteTest() : BucketStoreTest(kTargets) {}

  void SetUp() override {
    BucketStoreTest::SetUp();
    if (db_ == nullptr || HasFatalFailure()) return;
    ASSERT_TRUE(PrepareBuckets(*db_, settings_).ok());
    PollWriter writer(db_.get());
    auto run = writer.StartRun(1'800'000'000);
    ASSERT_TRUE(run.ok());
    run_ = *run;
  }

  // Every target's result, device d of target t with figures of its own.
  static TargetResult Result(int64_t t, int64_t at, const std::string& firmware,
                             int64_t today_intervals) {
    TargetResult r;
    r.target_id = t;
    r.at = at;
    r.kind = TargetResult::Kind::kDevices;
    for (int64_t d = 1; d <= kDevicesPerTarget; ++d) {
      DeviceRecord rec;
      rec.device_index = d;
      rec.serial_number = fmt::format("SN-{}-{}", t, d);
      rec.spec.emplace();
      rec.spec->product_name = "PSA";
      rec.spec->model = fmt::format("M{}", t * 10 + d);
      rec.spec->firmware = firmware;
      rec.spec->capacity_bytes = 1000 * t + d;
      rec.spec->currency = "JPY";
      rec.spec->user_id = "c1";
      rec.usage.used_bytes = 100 * t + d;
      rec.usage.status_text = fmt::format("ok {}.{}", t, d);
      rec.daily.push_back({kDay - 1, 10 * t + d, std::nullopt, 500 * t + d, 288});
      rec.daily.push_back({kDay, 20 * t + d, 7, 600 * t + d, today_intervals});
      r.devices.push_back(rec);
      r.warnings.push_back({d, "pscUsedBytes", fmt::format("warning {}.{}", t, d)});
    }
    return r;
  }

  // Claims every bucket in `slot` and writes all results in one chunk.
  void WriteAllInOneChunk(int64_t slot, const std::vector<TargetResult>& results,
                          const std::string& owner = "p1") {
    auto leases = ClaimDueBuckets(*db_, owner, settings_, slot, 60, 64);
    ASSERT_TRUE(leases.ok()) << leases.status().message();
    ASSERT_GT(leases->size(), 1u);
    // Each result goes with its target's bucket (the stable hash of its id).
    std::map<int64_t, std::vector<TargetResult>> targets_by_bucket;
    for (const TargetResult& r : results) {
      targets_by_bucket[r.target_id * 2654435761 % settings_.bucket_count].push_back(r);
    }
    std::vector<BucketChunk> parts;
    for (const BucketLease& l : *leases) {
      parts.push_back({&l, &targets_by_bucket[l.bucket], /*complete=*/true});
    }
    auto lost = WriteLeasedChunks(*db_, run_, owner, parts, 60);
    ASSERT_TRUE(lost.ok()) << lost.status().message();
    EXPECT_TRUE(lost->empty());
  }

  const BucketSettings settings_{8, 0};
  int64_t run_ = 0;
};

TEST_F(ChunkWriteTest, EveryDeviceOfALargeChunkGetsExactlyItsOwnFigures) {
  std::vector<TargetResult> results;
  for (int64_t t = 1; t <= kTargets; ++t)
    results.push_back(Result(t, 1'800'000'000 + t, "1.0", 10));
  WriteAllInOneChunk(1'800'000'000, results);
  const int devices = kTargets * kDevicesPerTarget;
  EXPECT_EQ(One("SELECT count(*) FROM devices"), std::to_string(devices));
  EXPECT_EQ(One("SELECT count(*) FROM samples"), std::to_string(devices));
  EXPECT_EQ(One("SELECT count(*) FROM device_specs"), std::to_string(devices));
  EXPECT_EQ(One("SELECT count(*) FROM daily"), std::to_string(2 * devices));
  EXPECT_EQ(One("SELECT count(*) FROM poll_warnings"), std::to_string(devices));
  // Each row carries the figures of its own device (target t, index d).
  EXPECT_EQ(One("SELECT count(*) FROM samples s JOIN devices v ON v.id = s.device_id "
                "WHERE s.used_bytes = 100 * v.target_id + v.device_index "
                "AND s.sampled_at = 1800000000 + v.target_id AND s.slot_start = 1800000000 "
                "AND s.run_id = " +
                std::to_string(run_)),
            std::to_string(devices));
  EXPECT_EQ(One("SELECT count(*) FROM devices v WHERE v.serial_number = 'SN-' || "
                "CAST(v.target_id AS TEXT) || '-' || CAST(v.device_index AS TEXT) "
                "AND v.first_seen = 1800000000 + v.target_id AND v.last_seen = v.first_seen"),
            std::to_string(devices));
  EXPECT_EQ(One("SELECT count(*) FROM device_specs s JOIN devices v ON v.id = s.device_id "
                "WHERE s.capacity_bytes = 1000 * v.target_id + v.device_index "
                "AND s.model = 'M' || CAST(10 * v.target_id + v.device_index AS TEXT)"),
            std::to_string(devices));
  EXPECT_EQ(One(fmt::format("SELECT count(*) FROM daily y JOIN devices v ON v.id = y.device_id "
                            "WHERE y.date = {} AND y.load_peak = 20 * v.target_id + "
                            "v.device_index AND y.used_bytes = 600 * v.target_id + "
                            "v.device_index AND y.intervals = 10 AND y.load_avg_centi = 7",
                            kDay)),
            std::to_string(devices));
  EXPECT_EQ(One("SELECT count(*) FROM poll_warnings w WHERE w.message = 'warning ' || "
                "CAST(w.target_id AS TEXT) || '.' || CAST(w.device_index AS TEXT)"),
            std::to_string(devices));
  EXPECT_EQ(One("SELECT count(*) FROM targets WHERE polled_slot = 1800000000"),
            std::to_string(kTargets));
}

TEST_F(ChunkWriteTest, ALaterChunkAddsOnlyChangedSpecsAndMergesTheDays) {
  std::vector<TargetResult> first;
  for (int64_t t = 1; t <= kTargets; ++t) first.push_back(Result(t, 1'800'000'000, "1.0", 10));
  WriteAllInOneChunk(1'800'000'000, first);
  // Next slot: odd targets got new firmware; today has more intervals; the
  // closed day arrives with fewer intervals and no peak (it must not lose
  // its stored figures).
  std::vector<TargetResult> second;
  for (int64_t t = 1; t <= kTargets; ++t) {
    TargetResult r = Result(t, 1'800'000'600, t % 2 == 1 ? "2.0" : "1.0", 20);
    for (DeviceRecord& d : r.devices) {
      d.daily[0].intervals = 100;
      d.daily[0].load_peak.reset();
      d.usage.used_bytes = *d.usage.used_bytes + 1;
    }
    second.push_back(r);
  }
  WriteAllInOneChunk(1'800'000'600, second);
  const int devices = kTargets * kDevicesPerTarget;
  EXPECT_EQ(One("SELECT count(*) FROM device_specs"), std::to_string(devices + devices / 2));
  EXPECT_EQ(One("SELECT count(*) FROM device_specs s JOIN devices v ON v.id = s.device_id "
                "WHERE s.firmware = '2.0' AND v.target_id % 2 = 1 AND s.seen_from = 1800000600"),
            std::to_string(devices / 2));
  EXPECT_EQ(One("SELECT count(*) FROM samples"), std::to_string(2 * devices));
  EXPECT_EQ(One("SELECT count(*) FROM devices WHERE last_seen = 1800000600"),
            std::to_string(devices));
  EXPECT_EQ(One(fmt::format("SELECT count(*) FROM daily y JOIN devices v ON v.id = y.device_id "
                            "WHERE y.date = {} AND y.intervals = 288 AND y.load_peak = 10 * "
                            "v.target_id + v.device_index",
                            kDay - 1)),
            std::to_string(devices));
  EXPECT_EQ(One(fmt::format("SELECT count(*) FROM daily WHERE date = {} AND intervals = 20", kDay)),
            std::to_string(devices));
}

TEST_F(ChunkWriteTest, AFailedTargetIsRecordedAtMostOncePerSlot) {
  auto error = [](int64_t t, int64_t at) {
    TargetResult r;
    r.target_id = t;
    r.at = at;
    r.kind = TargetResult::Kind::kError;
    r.error_class = "timeout";
    r.error_message = fmt::format("no answer from h{}", t);
    return r;
  };
  std::vector<TargetResult> errors;
  for (int64_t t = 1; t <= kTargets; ++t) errors.push_back(error(t, 1'800'000'000 + t));
  WriteAllInOneChunk(1'800'000'000, errors);
  EXPECT_EQ(One("SELECT count(*) FROM poll_errors WHERE slot_start = 1800000000 AND "
                "at = 1800000000 + target_id AND message = 'no answer from h' || "
                "CAST(target_id AS TEXT)"),
            std::to_string(kTargets));
  // The same slot again (a chunk replayed after its COMMIT reply was lost):
  // nothing added. The next slot adds one row per target.
  ASSERT_TRUE(db_->Exec("UPDATE poll_buckets SET completed_slot = NULL").ok());
  WriteAllInOneChunk(1'800'000'000, errors, "p2");
  EXPECT_EQ(One("SELECT count(*) FROM poll_errors"), std::to_string(kTargets));
  WriteAllInOneChunk(1'800'000'600, errors);
  EXPECT_EQ(One("SELECT count(*) FROM poll_errors"), std::to_string(2 * kTargets));
}

TEST_F(ChunkWriteTest, ARetiredDeviceSeenAgainIsActiveWithItsOldId) {
  std::vector<TargetResult> results{Result(1, 1'800'000'000, "1.0", 10),
                                    Result(2, 1'800'000'000, "1.0", 10)};
  WriteAllInOneChunk(1'800'000'000, results);
  const std::string id = One("SELECT id FROM devices WHERE serial_number = 'SN-1-2'");
  PollWriter writer(db_.get());
  auto retired = writer.RetireDevicesUnseenSince(1'800'000'001, 1'800'000'002);
  ASSERT_TRUE(retired.ok());
  EXPECT_EQ(*retired, 2 * kDevicesPerTarget);
  WriteAllInOneChunk(1'800'000'600, {Result(1, 1'800'000'600, "1.0", 10)});
  EXPECT_EQ(One("SELECT id FROM devices WHERE serial_number = 'SN-1-2'"), id);
  EXPECT_EQ(One("SELECT count(*) FROM devices WHERE retired_at IS NULL AND target_id = 1 AND "
                "last_seen = 1800000600"),
            std::to_string(kDevicesPerTarget));
  EXPECT_EQ(One("SELECT count(*) FROM devices WHERE retired_at IS NOT NULL"),
            std::to_string(kDevicesPerTarget));
}

}  // namespace
}  // namespace periscope::store
