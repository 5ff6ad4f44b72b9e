// Generates the golden events of spec/benchmarks.md: JSON lines with a uuid, one of N users, an
// event time that advances steadily with bounded disorder, an action and a value.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace weir::tools {

struct EventGeneratorOptions {
  uint64_t seed = 42;
  int64_t users = 100'000;
  /// Event time of the first event, microseconds since the epoch (2025-01-01T00:00:00Z).
  int64_t startMicros = 1'735'689'600'000'000;
  /// Event-time advance per event, microseconds (360 = 10 M events per hour).
  int64_t stepMicros = 360;
  /// Maximum out-of-order jitter, microseconds.
  int64_t jitterMicros = 5'000'000;
  /// Fraction of events placed far behind (later than a 10 minute watermark).
  double lateFraction = 0.0;
  int64_t lateByMicros = 20LL * 60 * 1'000'000;
  /// Fraction of events that are exact copies (same event_id and event_time) of one of the last
  /// 256 events, as an at-least-once producer's retries make them.
  double duplicateFraction = 0.0;
};

/// Produces events one at a time. Deterministic for a seed. Not thread-safe.
class EventGenerator {
 public:
  explicit EventGenerator(EventGeneratorOptions options);
  /// Appends the next event's JSON text (no newline) to out.
  void next(std::string& out);
  int64_t produced() const { return produced_; }
  /// The user of the last event ("u" followed by this number).
  int64_t lastUser() const { return lastUser_; }

 private:
  EventGeneratorOptions options_;
  std::mt19937_64 rng_;
  int64_t produced_ = 0;
  int64_t lastUser_ = 0;
  // The last events, for duplicates: text and user.
  std::vector<std::pair<std::string, int64_t>> recent_;
};

}  // namespace weir::tools
