// What the benchmark programs measure about their own process: CPU seconds of all its threads
// (the "core used" of events/s per core) and a monotonic clock.
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <cstdint>

namespace weir::bench {

/// User plus system CPU seconds of every thread of this process so far.
inline double processCpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// Microseconds on the monotonic clock.
inline int64_t monotonicMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Milliseconds since the epoch (comparable across processes).
inline int64_t epochMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace weir::bench
