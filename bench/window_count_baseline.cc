// The hand-written window-count baseline (see window_count_baseline.h).
#include "window_count_baseline.h"

#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace weir::bench {

namespace {
// Chunks of the input that stay in the cache while they are parsed.
constexpr size_t kChunkBytes = 4 << 20;
}  // namespace

int64_t parseGoldenTimestamp(std::string_view s) {
  auto num = [&](size_t at, size_t len) {
    int64_t v = 0;
    for (size_t i = 0; i < len; ++i) v = v * 10 + (s[at + i] - '0');
    return v;
  };
  int64_t y = num(0, 4), m = num(5, 2), d = num(8, 2);
  // Days from the civil date (Howard Hinnant's algorithm).
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  int64_t days = era * 146097 + doe - 719468;
  int64_t secs = days * 86400 + num(11, 2) * 3600 + num(14, 2) * 60 + num(17, 2);
  return secs * 1'000'000 + num(20, 3) * 1000;
}

WindowCountBaseline::WindowCountBaseline(WindowShape shape) : shape_(shape) {}

void WindowCountBaseline::add(std::string_view text) {
  simdjson::ondemand::document_stream stream;
  if (parser_.iterate_many(text.data(), text.size(), 1 << 20).get(stream)) {
    throw std::runtime_error("simdjson cannot read the input");
  }
  const int64_t slide = shape_.slideMicros;
  for (auto doc : stream) {
    std::string_view user, time;
    if (doc["user_id"].get_string().get(user) || doc["event_time"].get_string().get(time)) continue;
    const int64_t ts = parseGoldenTimestamp(time);
    const int64_t pane = (ts - (((ts % slide) + slide) % slide)) / slide;
    auto it = users_.find(absl::string_view(user.data(), user.size()));
    if (it == users_.end())
      it = users_.emplace(std::string(user), static_cast<uint32_t>(users_.size())).first;
    ++panes_[(static_cast<uint64_t>(pane) << 32) | it->second];
    ++events_;
  }
}

void WindowCountBaseline::addFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw std::runtime_error("cannot open " + path);
  buffer_.resize(kChunkBytes + simdjson::SIMDJSON_PADDING);
  size_t kept = 0;  // bytes of an incomplete last line carried to the next chunk
  for (;;) {
    const size_t read = std::fread(buffer_.data() + kept, 1, kChunkBytes - kept, f);
    const size_t size = kept + read;
    if (size == 0) break;
    // Parse up to the last complete line (all of it at the end of the file).
    size_t end = size;
    if (read > 0) {
      const void* nl = ::memrchr(buffer_.data(), '\n', size);
      if (nl == nullptr) throw std::runtime_error("a line longer than the chunk in " + path);
      end = static_cast<size_t>(static_cast<const char*>(nl) - buffer_.data()) + 1;
    }
    tail_.assign(buffer_.data() + end, size - end);
    std::memset(buffer_.data() + end, 0, simdjson::SIMDJSON_PADDING);
    add(std::string_view(buffer_.data(), end));
    std::memcpy(buffer_.data(), tail_.data(), tail_.size());
    kept = tail_.size();
    if (read == 0) break;
  }
  std::fclose(f);
}

WindowCounts WindowCountBaseline::finish() {
  // Each pane belongs to size/slide windows: the window starting at the pane and the ones before.
  const int64_t perPane = shape_.sizeMicros / shape_.slideMicros;
  absl::flat_hash_map<uint64_t, int64_t> windows;
  WindowCounts out;
  for (const auto& [key, count] : panes_) {
    for (int64_t k = 0; k < perPane; ++k) {
      windows[key - (static_cast<uint64_t>(k) << 32)] += count;
      out.total += count;
    }
  }
  out.events = events_;
  out.windows = static_cast<int64_t>(windows.size());
  return out;
}

}  // namespace weir::bench
