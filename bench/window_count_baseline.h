// The hand-written baseline of spec/benchmarks.md, generalized to window shapes: golden JSON lines
// to counts per (window, user_id), parsed with simdjson's iterate_many and counted in absl hash
// maps. No engine. The benchmark suite divides Weir's rate by this program's rate.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weir::bench {

struct WindowShape {
  int64_t sizeMicros = 10 * 60'000'000LL;
  int64_t slideMicros = 5 * 60'000'000LL;
};

struct WindowCounts {
  int64_t events = 0;
  int64_t windows = 0;  // distinct (window, user) rows of the result
  int64_t total = 0;    // sum of the counts: events times windows per event
};

/// Counts golden events per (window, user). User ids are interned to dense numbers; events are
/// counted per (pane of one slide, user) in a map keyed by one 64-bit word as they are read;
/// finish() merges the panes of each window. Owned by one thread; not thread-safe.
class WindowCountBaseline {
 public:
  explicit WindowCountBaseline(WindowShape shape);
  /// Reads one buffer of JSON lines; `text` must be followed by simdjson::SIMDJSON_PADDING
  /// readable bytes.
  void add(std::string_view text);
  /// Reads a file in chunks through one buffer reused across chunks and files.
  void addFile(const std::string& path);
  WindowCounts finish();

 private:
  WindowShape shape_;
  simdjson::ondemand::parser parser_;
  std::vector<char> buffer_;
  std::string tail_;  // an incomplete line carried to the next chunk
  absl::flat_hash_map<std::string, uint32_t> users_;
  // Key: pane number (start / slide) in the high 32 bits, user number in the low 32.
  absl::flat_hash_map<uint64_t, int64_t> panes_;
  int64_t events_ = 0;
};

/// "2025-01-01T00:00:00.000Z" to microseconds since the epoch (the golden event's shape only).
int64_t parseGoldenTimestamp(std::string_view text);

}  // namespace weir::bench
