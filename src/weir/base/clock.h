// Clock: where a streaming query reads the time for its triggers and batch timestamps. The
// system clock by default; a ManualClock lets tests step time exactly (Spark's StreamManualClock).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace weir::base {

class Clock {
 public:
  virtual ~Clock() = default;
  /// Milliseconds since the Unix epoch.
  virtual int64_t nowMs() const = 0;
  /// How long a waiter sleeps at most before reading the time again, given `remainingMs` to go.
  virtual int64_t pollMs(int64_t remainingMs) const { return remainingMs; }
};

/// The wall clock.
class SystemClock : public Clock {
 public:
  int64_t nowMs() const override;
};

/// Time that moves only when told to. Thread-safe.
class ManualClock : public Clock {
 public:
  explicit ManualClock(int64_t startMs = 0) : now_(startMs) {}
  int64_t nowMs() const override { return now_.load(); }
  int64_t pollMs(int64_t) const override { return 2; }
  void setTime(int64_t ms) { now_.store(ms); }
  void advance(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_;
};

std::shared_ptr<Clock> systemClock();

}  // namespace weir::base
