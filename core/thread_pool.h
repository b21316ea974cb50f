// A fixed set of worker threads running submitted tasks in FIFO order, for
// pure CPU work (forecasts, rendering) beside a thread that owns the I/O
// handles (SQLite, Net-SNMP stay on their own thread). Tasks must not throw.
#ifndef PERISCOPE_CORE_THREAD_POOL_H_
#define PERISCOPE_CORE_THREAD_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace periscope {

class ThreadPool {
 public:
  // `threads` workers; 0 means one per hardware thread (at least 1).
  explicit ThreadPool(size_t threads = 0);
  // Runs every task already submitted, then joins the workers.
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t size() const { return workers_.size(); }

  // Queues `task`; the future is ready when it has run.
  std::future<void> Submit(std::function<void()> task);

  // Runs fn(0) .. fn(n - 1), spread over the workers and the calling thread,
  // and returns when all have run. REQUIRES: fn does not throw (an exception
  // is swallowed and that index counts as done); not called from a worker.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn);

 private:
  void Work();

  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::packaged_task<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace periscope

#endif  // PERISCOPE_CORE_THREAD_POOL_H_
