#include "core/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <utility>

namespace periscope {

ThreadPool::ThreadPool(size_t threads) {
  if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
  workers_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : workers_) t.join();
}

std::future<void> ThreadPool::Submit(std::function<void()> task) {
  std::packaged_task<void()> packaged(std::move(task));
  std::future<void> done = packaged.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(std::move(packaged));
  }
  ready_.notify_one();
  return done;
}

void ThreadPool::ParallelFor(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  // Shared with helper tasks that may start only after this returns (queued
  // behind other work): they find no index left and touch nothing else.
  struct State {
    std::function<void(size_t)> fn;
    size_t n = 0;
    std::atomic<size_t> next{0};
    std::mutex mutex;
    std::condition_variable all_done;
    size_t done = 0;
  };
  auto state = std::make_shared<State>();
  state->fn = fn;
  state->n = n;
  auto drain = [state] {
    for (size_t i = state->next.fetch_add(1); i < state->n; i = state->next.fetch_add(1)) {
      // A throwing fn breaks its contract; the index still counts as done so
      // the caller is never left waiting.
      try {
        state->fn(i);
      } catch (...) {
      }
      std::lock_guard<std::mutex> lock(state->mutex);
      if (++state->done == state->n) state->all_done.notify_all();
    }
  };
  const size_t helpers = std::min(workers_.size(), n - 1);
  for (size_t i = 0; i < helpers; ++i) Submit(drain);
  drain();
  std::unique_lock<std::mutex> lock(state->mutex);
  state->all_done.wait(lock, [&] { return state->done == state->n; });
}

void ThreadPool::Work() {
  while (true) {
    std::packaged_task<void()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;  // stopping, and nothing left to run
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

}  // namespace periscope
