// A fixed pool of worker threads that runs independent tasks, used to run the partitions of a stage
// in parallel.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace weir::base {

/// Runs tasks on a fixed set of threads. Thread-safe. `parallelFor` may be called from any thread,
/// including a worker (then it runs inline to avoid deadlock).
class ThreadPool {
 public:
  explicit ThreadPool(size_t threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  size_t size() const { return workers_.size(); }

  /// Runs fn(0..n-1), each index once, and waits. The first exception thrown is rethrown here
  /// after every started task has finished.
  void parallelFor(size_t n, const std::function<void(size_t)>& fn);

  /// The process-wide pool, sized to the machine's cores.
  static ThreadPool& global();

 private:
  void workerLoop();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::queue<std::function<void()>> tasks_;
  bool stopping_ = false;
};

}  // namespace weir::base
