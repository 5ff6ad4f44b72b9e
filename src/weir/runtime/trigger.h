// Triggers: when a streaming query runs its next micro-batch (Spark's Trigger).
#pragma once

#include <cstdint>
#include <string>

namespace weir::runtime {

/// When micro-batches run. The default is ProcessingTime(0): the next batch as soon as the
/// previous one is done.
class Trigger {
 public:
  enum class Kind : uint8_t { kProcessingTime, kOnce, kAvailableNow };

  /// Batches at multiples of the interval since the epoch ("2 minutes", "10 seconds"); 0 = as fast
  /// as possible. A batch that overruns its interval is followed at once by the next.
  static Trigger ProcessingTime(const std::string& interval);
  static Trigger ProcessingTime(int64_t intervalMs);
  /// One batch with everything available, then stop (deprecated in Spark; prefer AvailableNow).
  static Trigger Once();
  /// Everything available at start, in as many batches as read limits require, then stop.
  static Trigger AvailableNow();

  Kind kind() const { return kind_; }
  int64_t intervalMs() const { return intervalMs_; }
  std::string toString() const;

 private:
  Trigger(Kind kind, int64_t intervalMs) : kind_(kind), intervalMs_(intervalMs) {}
  Kind kind_ = Kind::kProcessingTime;
  int64_t intervalMs_ = 0;
};

}  // namespace weir::runtime
