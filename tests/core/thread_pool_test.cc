#include "core/thread_pool.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace periscope {
namespace {

TEST(ThreadPoolTest, ParallelForRunsEveryIndexExactlyOnce) {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> hits(1000);
  pool.ParallelFor(hits.size(), [&](size_t i) { hits[i].fetch_add(1); });
  for (size_t i = 0; i < hits.size(); ++i) EXPECT_EQ(hits[i].load(), 1) << i;
}

TEST(ThreadPoolTest, ParallelForDoesNotWaitForUnrelatedQueuedTasks) {
  ThreadPool pool(1);
  std::atomic<bool> release{false};
  // Occupies the only worker until released, and queues one more task.
  auto blocker = pool.Submit([&] {
    while (!release.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  });
  auto queued = pool.Submit([] {});
  std::atomic<int> ran{0};
  // The calling thread does all the work; returning must not need the worker.
  pool.ParallelFor(10, [&](size_t) { ran.fetch_add(1); });
  EXPECT_EQ(ran.load(), 10);
  EXPECT_EQ(queued.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  release = true;
  blocker.wait();
  queued.wait();
}

TEST(ThreadPoolTest, DestructorRunsEverySubmittedTask) {
  std::atomic<int> ran{0};
  {
    ThreadPool pool(2);
    for (int i = 0; i < 50; ++i) {
      pool.Submit([&] {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        ran.fetch_add(1);
      });
    }
  }
  EXPECT_EQ(ran.load(), 50);
}

TEST(ThreadPoolTest, ZeroThreadsMeansAtLeastOneWorker) {
  ThreadPool pool(0);
  EXPECT_GE(pool.size(), 1U);
  pool.Submit([] {}).wait();
}

}  // namespace
}  // namespace periscope
