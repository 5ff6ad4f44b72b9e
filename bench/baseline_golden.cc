// The hand-written limit of spec/benchmarks.md: golden JSON lines to sliding-window counts per user
// with simdjson's iterate_many over one padded buffer and one absl hash map. No engine.
#include "baseline_golden.h"

#include <absl/container/flat_hash_map.h>
#include <simdjson.h>

#include <cstring>
#include <string>

namespace weir::bench {
namespace {

constexpr int64_t kMicrosPerMinute = 60'000'000;

// "2025-01-01T00:00:00.000Z" -> micros (only the golden event's shape).
int64_t parseIso(std::string_view s) {
  auto num = [&](size_t at, size_t len) {
    int64_t v = 0;
    for (size_t i = 0; i < len; ++i) v = v * 10 + (s[at + i] - '0');
    return v;
  };
  int64_t y = num(0, 4), m = num(5, 2), d = num(8, 2);
  // days from civil (Howard Hinnant's algorithm)
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = era * 146097 + doe - 719468;
  int64_t secs = days * 86400 + num(11, 2) * 3600 + num(14, 2) * 60 + num(17, 2);
  return secs * 1'000'000 + num(20, 3) * 1000;
}

struct KeyHash {
  size_t operator()(const std::pair<int64_t, std::string>& k) const {
    return absl::HashOf(k.first, k.second);
  }
};

}  // namespace

BaselineResult runBaseline(const std::string& text) {
  simdjson::padded_string padded(text);
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document_stream stream;
  auto error = parser.iterate_many(padded, 1 << 20).get(stream);
  if (error) return {0, 0};
  absl::flat_hash_map<std::pair<int64_t, std::string>, int64_t, KeyHash> counts;
  const int64_t size = 10 * kMicrosPerMinute, slide = 5 * kMicrosPerMinute;
  int64_t events = 0;
  std::pair<int64_t, std::string> key;
  for (auto doc : stream) {
    std::string_view user, time;
    if (doc["user_id"].get_string().get(user) || doc["event_time"].get_string().get(time)) continue;
    int64_t ts = parseIso(time);
    int64_t last = ts - (((ts % slide) + slide) % slide);
    key.second.assign(user);
    for (int64_t start = last - size + slide; start <= last; start += slide) {
      key.first = start;
      ++counts[key];
    }
    ++events;
  }
  return {events, static_cast<int64_t>(counts.size())};
}

}  // namespace weir::bench
