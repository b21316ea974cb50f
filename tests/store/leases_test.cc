#include "store/leases.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "store/registry.h"
#include "store/schema.h"
#include "tests/store/bucket_store_fixture.h"

namespace periscope::store {
namespace {

// The lease protocol on both engines (this binary also runs as /pg).
class LeasesTest : public BucketStoreTest {
 protected:
  LeasesTest() : BucketStoreTest(20) {}

  int64_t Now() {
    auto now = DatabaseNow(*db_);
    EXPECT_TRUE(now.ok());
    return now.ok() ? *now : 0;
  }

  static TargetResult Sample(int64_t target_id, int64_t used) {
    TargetResult r;
    r.target_id = target_id;
    r.at = 1'800'000'000;
    r.kind = TargetResult::Kind::kDevices;
    DeviceRecord d;
    d.device_index = 1;
    d.serial_number = "SN" + std::to_string(target_id);
    d.usage.used_bytes = used;
    r.devices = {d};
    return r;
  }

  int64_t StartRun() {
    PollWriter writer(db_.get());
    auto run = writer.StartRun(1'800'000'000);
    EXPECT_TRUE(run.ok());
    return run.ok() ? *run : 0;
  }
};

TEST_F(LeasesTest, TargetsFallIntoStableBucketsAndANewCountRebucketsThem) {
  ASSERT_TRUE(PrepareBuckets(*db_, {8, 0}).ok());
  EXPECT_EQ(One("SELECT count(*) FROM poll_buckets"), "8");
  // The hash of the id, identical on both engines.
  EXPECT_EQ(One("SELECT count(*) FROM targets WHERE bucket <> (id * 2654435761) % 8"), "0");
  EXPECT_NE(One("SELECT count(DISTINCT bucket) FROM targets"), "1");
  ASSERT_TRUE(PrepareBuckets(*db_, {16, 0}).ok());
  EXPECT_EQ(One("SELECT count(*) FROM poll_buckets"), "16");
  EXPECT_EQ(One("SELECT count(*) FROM targets WHERE bucket <> (id * 2654435761) % 16"), "0");
  // Doubling splits: each target's new bucket is its old one or old + 8.
  EXPECT_EQ(One("SELECT count(*) FROM targets WHERE bucket % 8 <> (id * 2654435761) % 8"), "0");
}

TEST_F(LeasesTest, ATargetImportedAfterARunGetsItsBucketAtTheNextRun) {
  ASSERT_TRUE(PrepareBuckets(*db_, {8, 0}).ok());
  ASSERT_TRUE(ImportTargetsCsv(*db_,
                               "address,port,profile,customer_user_id\n"
                               "late1,161,p,c1\nlate2,161,p,c1\nlate3,161,p,c1\n",
                               "t2.csv")
                  .ok());
  // Imported with the default bucket 0: not yet in their own buckets.
  EXPECT_NE(One("SELECT count(*) FROM targets WHERE bucket <> (id * 2654435761) % 8"), "0");
  ASSERT_TRUE(PrepareBuckets(*db_, {8, 0}).ok());
  EXPECT_EQ(One("SELECT count(*) FROM targets WHERE bucket <> (id * 2654435761) % 8"), "0");
  EXPECT_EQ(One("SELECT value FROM store_settings WHERE name = 'bucketed_through_id'"),
            One("SELECT max(id) FROM targets"));
}

TEST_F(LeasesTest, AClaimTakesDueBucketsOnceWithAGrowingEpoch) {
  const BucketSettings settings{4, 0};
  ASSERT_TRUE(PrepareBuckets(*db_, settings).ok());
  auto slot = NextRunSlot(*db_);
  ASSERT_TRUE(slot.ok());
  auto first = ClaimDueBuckets(*db_, "a", settings, *slot, 60, 2);
  ASSERT_TRUE(first.ok()) << first.status().message();
  ASSERT_EQ(first->size(), 2u);
  const int64_t epoch_before = (*first)[0].epoch;
  EXPECT_EQ((*first)[0].slot_start, *slot);
  // Leased buckets are not handed out again; the other two are.
  auto second = ClaimDueBuckets(*db_, "b", settings, *slot, 60, 4);
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->size(), 2u);
  std::set<int64_t> buckets;
  for (const auto& l : *first) buckets.insert(l.bucket);
  for (const auto& l : *second) buckets.insert(l.bucket);
  EXPECT_EQ(buckets.size(), 4u);
  EXPECT_EQ(One("SELECT count(*) FROM poll_buckets WHERE lease_owner = 'a'"), "2");
  auto none = ClaimDueBuckets(*db_, "c", settings, *slot, 60, 4);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  // Completing releases; the same run's slot does not take it again, the next run's does.
  const int64_t run = StartRun();
  ASSERT_TRUE(WriteLeasedChunk(*db_, run, "a", (*first)[0], {}, /*complete=*/true, 60).ok());
  auto again = ClaimDueBuckets(*db_, "a", settings, *slot, 60, 4);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  auto next_slot = NextRunSlot(*db_);
  ASSERT_TRUE(next_slot.ok());
  EXPECT_GT(*next_slot, *slot);
  auto next_run = ClaimDueBuckets(*db_, "a", settings, *next_slot, 60, 4);
  ASSERT_TRUE(next_run.ok());
  ASSERT_EQ(next_run->size(), 1u);
  EXPECT_EQ((*next_run)[0].bucket, (*first)[0].bucket);
  EXPECT_EQ((*next_run)[0].epoch, epoch_before + 1);
}

TEST_F(LeasesTest, AChunkOfAnotherOwnerOrEpochIsRefusedAndWritesNothing) {
  const BucketSettings settings{1, 0};
  ASSERT_TRUE(PrepareBuckets(*db_, settings).ok());
  auto slot = NextRunSlot(*db_);
  ASSERT_TRUE(slot.ok());
  auto leases = ClaimDueBuckets(*db_, "a", settings, *slot, 60, 1);
  ASSERT_TRUE(leases.ok() && leases->size() == 1u);
  const int64_t run = StartRun();
  BucketLease stale = (*leases)[0];
  stale.epoch -= 1;
  Status s = WriteLeasedChunk(*db_, run, "a", stale, {Sample(1, 10)}, false, 60);
  EXPECT_TRUE(IsLeaseLost(s)) << s.message();
  s = WriteLeasedChunk(*db_, run, "b", (*leases)[0], {Sample(1, 10)}, false, 60);
  EXPECT_TRUE(IsLeaseLost(s)) << s.message();
  EXPECT_EQ(One("SELECT count(*) FROM samples"), "0");
  EXPECT_EQ(One("SELECT count(*) FROM devices"), "0");
  ASSERT_TRUE(WriteLeasedChunk(*db_, run, "a", (*leases)[0], {Sample(1, 10)}, false, 60).ok());
  EXPECT_EQ(One("SELECT count(*) FROM samples"), "1");
  EXPECT_EQ(One("SELECT slot_start FROM samples"), std::to_string(*slot));
  EXPECT_EQ(One("SELECT polled_slot FROM targets WHERE id = 1"), std::to_string(*slot));
}

TEST_F(LeasesTest, AnExpiredLeaseIsTakenOverAndTheOldOwnerWritesNothing) {
  const BucketSettings settings{1, 0};
  ASSERT_TRUE(PrepareBuckets(*db_, settings).ok());
  auto slot = NextRunSlot(*db_);
  ASSERT_TRUE(slot.ok());
  // TTL 1 s: the lease is gone two seconds later on the database's clock.
  auto old_owner = ClaimDueBuckets(*db_, "old", settings, *slot, 1, 1);
  ASSERT_TRUE(old_owner.ok() && old_owner->size() == 1u);
  const int64_t run = StartRun();
  ASSERT_TRUE(
      WriteLeasedChunk(*db_, run, "old", (*old_owner)[0], {Sample(1, 10), Sample(2, 20)}, false, 1)
          .ok());
  const int64_t claimed_at = Now();
  while (Now() < claimed_at + 3) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // Expired but not yet claimed: already refused (a paused poller waking up).
  Status s = WriteLeasedChunk(*db_, run, "old", (*old_owner)[0], {Sample(3, 30)}, false, 1);
  EXPECT_TRUE(IsLeaseLost(s)) << s.message();
  auto new_owner = ClaimDueBuckets(*db_, "new", settings, *slot, 60, 1);
  ASSERT_TRUE(new_owner.ok() && new_owner->size() == 1u);
  EXPECT_EQ((*new_owner)[0].epoch, (*old_owner)[0].epoch + 1);
  EXPECT_EQ((*new_owner)[0].slot_start, *slot);
  // The taker skips what the old owner committed in this slot.
  auto remaining = LoadBucketTargets(*db_, (*new_owner)[0].bucket, (*new_owner)[0].slot_start);
  ASSERT_TRUE(remaining.ok());
  EXPECT_EQ(remaining->size(), 18u);
  for (const Target& t : *remaining) EXPECT_GT(t.id, 2);
  s = WriteLeasedChunk(*db_, run, "old", (*old_owner)[0], {Sample(3, 30)}, true, 1);
  EXPECT_TRUE(IsLeaseLost(s));
  // A re-poll of a committed target in the same slot adds no second sample.
  ASSERT_TRUE(
      WriteLeasedChunk(*db_, run, "new", (*new_owner)[0], {Sample(1, 11), Sample(3, 30)}, true, 60)
          .ok());
  EXPECT_EQ(One("SELECT count(*) FROM samples"), "3");
  EXPECT_EQ(One("SELECT count(*) FROM (SELECT device_id, slot_start FROM samples GROUP BY "
                "device_id, slot_start HAVING count(*) > 1) AS d"),
            "0");
  EXPECT_EQ(One("SELECT used_bytes FROM samples s JOIN devices d ON d.id = s.device_id "
                "WHERE d.target_id = 1"),
            "10");
  EXPECT_EQ(One("SELECT lease_owner IS NULL FROM poll_buckets"), "1");
}

TEST_F(LeasesTest, WithAnIntervalABucketIsDueOncePerSlotAtItsOffset) {
  const BucketSettings settings{4, 600};
  ASSERT_TRUE(PrepareBuckets(*db_, settings).ok());
  const int64_t now = Now();
  auto leases = ClaimDueBuckets(*db_, "a", settings, now, 60, 4);
  ASSERT_TRUE(leases.ok());
  ASSERT_FALSE(leases->empty());
  const int64_t run = StartRun();
  for (const BucketLease& l : *leases) {
    const int64_t offset = l.bucket * 600 / 4;
    EXPECT_EQ((l.slot_start) % 600, 0) << l.bucket;
    EXPECT_LE(l.slot_start, now - offset + 600);
    EXPECT_EQ(l.next_due, l.slot_start + 600 + offset);
    ASSERT_TRUE(WriteLeasedChunk(*db_, run, "a", l, {}, true, 60).ok());
  }
  // Nothing is due again before its next slot.
  auto again = ClaimDueBuckets(*db_, "a", settings, Now(), 60, 4);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  auto later = ClaimDueBuckets(*db_, "a", settings, now + 1200, 60, 4);
  ASSERT_TRUE(later.ok());
  EXPECT_EQ(later->size(), leases->size());
}

TEST_F(LeasesTest, ConcurrentClaimsOnPostgreSqlNeverShareABucket) {
  if (!db_->is_postgres()) GTEST_SKIP() << "one writer on SQLite: the poller's flock";
  const BucketSettings settings{16, 0};
  ASSERT_TRUE(PrepareBuckets(*db_, settings).ok());
  auto slot = NextRunSlot(*db_);
  ASSERT_TRUE(slot.ok());
  std::vector<std::vector<BucketLease>> claimed(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto db = Db::OpenWriter(store_, OpenMode::kMustExist);
      ASSERT_TRUE(db.ok());
      while (true) {
        auto got = ClaimDueBuckets(**db, "p" + std::to_string(i), settings, *slot, 60, 1);
        ASSERT_TRUE(got.ok()) << got.status().message();
        if (got->empty()) break;
        claimed[static_cast<size_t>(i)].push_back(got->front());
      }
    });
  }
  for (auto& t : threads) t.join();
  std::set<int64_t> buckets;
  size_t total = 0;
  for (const auto& c : claimed) {
    total += c.size();
    for (const auto& l : c) buckets.insert(l.bucket);
  }
  EXPECT_EQ(total, buckets.size());
  EXPECT_EQ(std::to_string(total), One("SELECT count(DISTINCT bucket) FROM targets"));
}

}  // namespace
}  // namespace periscope::store
