// Fixed thread pool.
#include "weir/base/thread_pool.h"

#include <atomic>
#include <cstdlib>
#include <exception>

namespace weir::base {
namespace {
thread_local bool tIsWorker = false;
}

ThreadPool::ThreadPool(size_t threads) {
  if (threads == 0) threads = 1;
  for (size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::workerLoop() {
  tIsWorker = true;
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop();
    }
    task();
  }
}

void ThreadPool::parallelFor(size_t n, const std::function<void(size_t)>& fn) {
  if (n == 0) return;
  if (n == 1 || tIsWorker || workers_.size() <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  std::mutex doneMutex;
  std::condition_variable done;
  size_t finished = 0;
  std::exception_ptr error;
  size_t runners = std::min(n, workers_.size());
  auto run = [&] {
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= n) break;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard lock(doneMutex);
        if (!error) error = std::current_exception();
      }
    }
    std::lock_guard lock(doneMutex);
    if (++finished == runners) done.notify_all();
  };
  {
    std::lock_guard lock(mutex_);
    for (size_t r = 0; r < runners; ++r) tasks_.push(run);
  }
  wake_.notify_all();
  std::unique_lock lock(doneMutex);
  done.wait(lock, [&] { return finished == runners; });
  if (error) std::rethrow_exception(error);
}

ThreadPool& ThreadPool::global() {
  // WEIR_NUM_THREADS overrides the core count (benchmarks pin one thread with it).
  static ThreadPool pool([] {
    if (const char* env = std::getenv("WEIR_NUM_THREADS")) {
      int n = std::atoi(env);
      if (n > 0) return static_cast<size_t>(n);
    }
    return static_cast<size_t>(std::max(1u, std::thread::hardware_concurrency()));
  }());
  return pool;
}

}  // namespace weir::base
