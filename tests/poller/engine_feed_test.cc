// Engine::Run with a feed: jobs handed out while the run goes on, against a
// real snmpd and a silent responder on loopback. A walk of the periscope MIB
// on a bare snmpd ends after one request (no such object), so those devices
// finish in milliseconds; the silent one takes timeout + linger.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "mib/periscope_oids.h"
#include "poller/engine.h"
#include "tests/support/agent_env.h"
#include "tests/support/bad_agent.h"

namespace periscope::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class EngineFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(snmpd_.Start()) << snmpd_.Log();
    v2_.name = "v2";
    v2_.community = kRoCommunity;
    v3_.name = "v3";
    v3_.version = 3;
    v3_.user = kV3User;
    v3_.auth_pass = kV3AuthPass;
    v3_.priv_pass = kV3PrivPass;
    options_.timeout = milliseconds(300);
    options_.retries = 0;
  }

  // Jobs first_id.. on snmpd, over v2c.
  std::vector<poller::Job> FastJobs(int64_t first_id, int count) const {
    std::vector<poller::Job> jobs;
    for (int i = 0; i < count; ++i)
      jobs.push_back({first_id + i, "127.0.0.1", snmpd_.port(), &v2_});
    return jobs;
  }

  TempDir dir_;
  Snmpd snmpd_{dir_};
  BadAgent silent_{BadAgent::Mode::kSilent, mib::kPeriscopeMibRoot};
  poller::Profile v2_;
  poller::Profile v3_;
  poller::EngineOptions options_;
};

// Batch 1 holds a silent device; once the 9 fast ones finish, fewer than
// low_water are in flight and batches 2 and 3 are claimed and polled while
// the silent one is still waiting for its answer.
TEST_F(EngineFeedTest, BatchesAreClaimedWithoutDrainingAndEachResultComesOnce) {
  constexpr int64_t kSilentId = 1;
  std::vector<std::vector<poller::Job>> batches;
  batches.push_back({{kSilentId, "127.0.0.1", silent_.port(), &v2_}});
  for (const auto& j : FastJobs(2, 9)) batches[0].push_back(j);
  batches.push_back(FastJobs(11, 10));
  batches.push_back(FastJobs(21, 10));
  size_t next_batch = 0;
  std::vector<size_t> results_before_batch;  // results seen when each batch was handed out
  std::map<int64_t, int> results;
  std::vector<int64_t> order;
  poller::Engine engine(options_);
  poller::EngineStats stats = engine.Run(
      [&]() -> std::vector<poller::Job> {
        if (next_batch == batches.size()) return {};
        results_before_batch.push_back(order.size());
        return batches[next_batch++];
      },
      /*low_water=*/5, mib::kPeriscopeMibRoot,
      [&](poller::JobResult&& r) {
        ++results[r.target_id];
        order.push_back(r.target_id);
      },
      nullptr);
  ASSERT_EQ(results.size(), 30u);
  for (const auto& [id, count] : results) EXPECT_EQ(count, 1) << "target " << id;
  EXPECT_EQ(stats.started, 30u);
  EXPECT_EQ(stats.finished, 30u);
  ASSERT_EQ(results_before_batch.size(), 3u);
  // Batch 2 was handed out after some of batch 1 finished (not all at once:
  // 10 pending were above low_water), yet before its silent device did.
  EXPECT_GT(results_before_batch[1], 0u);
  EXPECT_LT(results_before_batch[1], 10u);
  EXPECT_EQ(order.back(), kSilentId);
}

// An empty answer with devices in flight means "nothing now": the feed is not
// asked again until a device finishes, and then it can hand out more.
TEST_F(EngineFeedTest, AnEmptyAnswerIsAskedAgainAfterADeviceFinishes) {
  std::vector<size_t> results_at_call;
  std::vector<bool> answered_empty;
  size_t calls = 0;
  std::set<int64_t> results;
  poller::Engine engine(options_);
  poller::EngineStats stats = engine.Run(
      [&]() -> std::vector<poller::Job> {
        ++calls;
        results_at_call.push_back(results.size());
        std::vector<poller::Job> out;
        if (calls == 1) {
          out = FastJobs(1, 2);
          out.push_back({3, "127.0.0.1", silent_.port(), &v2_});
        } else if (calls == 3) {
          out = FastJobs(4, 2);
        }
        answered_empty.push_back(out.empty());
        return out;
      },
      /*low_water=*/100, mib::kPeriscopeMibRoot,
      [&](poller::JobResult&& r) { EXPECT_TRUE(results.insert(r.target_id).second); }, nullptr);
  EXPECT_EQ(results, (std::set<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(stats.started, 5u);
  ASSERT_GE(calls, 3u);
  // Call 2 came at once (3 pending < low_water) and found nothing.
  EXPECT_EQ(results_at_call[1], 0u);
  for (size_t i = 1; i < calls; ++i) {
    if (answered_empty[i - 1]) {
      EXPECT_GT(results_at_call[i], results_at_call[i - 1]) << "call " << i + 1;
    }
  }
  // No spinning: one call at the start, one after each answer with jobs (both
  // left fewer than low_water pending), and at most one per finished device.
  EXPECT_LE(calls, 1u + 2u + 5u);
}

TEST_F(EngineFeedTest, AnEmptyFeedAtTheStartEndsTheRunAtOnce) {
  int calls = 0;
  int results = 0;
  const auto start = Clock::now();
  poller::Engine engine(options_);
  poller::EngineStats stats = engine.Run(
      [&]() -> std::vector<poller::Job> {
        ++calls;
        return {};
      },
      /*low_water=*/10, mib::kPeriscopeMibRoot, [&](poller::JobResult&&) { ++results; }, nullptr);
  EXPECT_LT(Clock::now() - start, milliseconds(500));
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(results, 0);
  EXPECT_EQ(stats.started, 0u);
  EXPECT_FALSE(stats.stopped);
}

TEST_F(EngineFeedTest, StopEndsTheRunThoughTheFeedAlwaysHasMore) {
  int64_t next_id = 1;
  int results = 0;
  bool stopping = false;
  int calls_after_stop = 0;
  poller::Engine engine(options_);
  const auto start = Clock::now();
  poller::EngineStats stats = engine.Run(
      [&]() -> std::vector<poller::Job> {
        if (stopping) ++calls_after_stop;
        std::vector<poller::Job> out = FastJobs(next_id, 2);
        next_id += 2;
        return out;
      },
      /*low_water=*/6, mib::kPeriscopeMibRoot, [&](poller::JobResult&&) { ++results; },
      [&] { return stopping = stopping || results >= 50; });
  EXPECT_LT(Clock::now() - start, milliseconds(3000));
  EXPECT_TRUE(stats.stopped);
  EXPECT_GE(results, 50);
  EXPECT_EQ(stats.finished, static_cast<size_t>(results));
  EXPECT_EQ(calls_after_stop, 0);
}

// snmpd answers on 127.0.0.1 and 127.0.0.2 with one engine ID: devices fed in
// separate batches still take turns with it and are reported as one group.
TEST_F(EngineFeedTest, ADuplicateEngineIdAcrossBatchesIsPolledInTurnAndReported) {
  std::vector<std::vector<poller::Job>> batches = {{{1, "127.0.0.1", snmpd_.port(), &v3_}},
                                                   {{2, "127.0.0.2", snmpd_.port(), &v3_}}};
  size_t next_batch = 0;
  std::map<int64_t, poller::JobResult> results;
  poller::Engine engine(options_);
  poller::EngineStats stats = engine.Run(
      [&]() -> std::vector<poller::Job> {
        return next_batch < batches.size() ? batches[next_batch++] : std::vector<poller::Job>{};
      },
      /*low_water=*/3, mib::kPeriscopeMibRoot,
      [&](poller::JobResult&& r) { results[r.target_id] = std::move(r); }, nullptr);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].error_class, poller::ErrorClass::kNoSuchObject) << results[1].error;
  EXPECT_EQ(results[2].error_class, poller::ErrorClass::kNoSuchObject) << results[2].error;
  ASSERT_EQ(stats.duplicate_engine_ids.size(), 1u);
  std::vector<int64_t> ids = stats.duplicate_engine_ids[0].target_ids;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 2}));
}

}  // namespace
}  // namespace periscope::testing
