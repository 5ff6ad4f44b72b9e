// Golden event generator.
#include "event_generator.h"

#include <cstdio>

#include "weir/base/time.h"

namespace weir::tools {

namespace {
const char* const kActions[] = {"click", "view", "purchase", "scroll", "share"};
}

EventGenerator::EventGenerator(EventGeneratorOptions options)
    : options_(options), rng_(options.seed) {}

void EventGenerator::next(std::string& out) {
  constexpr size_t kRecent = 256;
  if (options_.duplicateFraction > 0 && !recent_.empty() &&
      std::uniform_real_distribution<double>(0, 1)(rng_) < options_.duplicateFraction) {
    const auto& copy = recent_[rng_() % recent_.size()];
    out.append(copy.first);
    lastUser_ = copy.second;
    ++produced_;
    return;
  }
  uint64_t a = rng_(), b = rng_();
  int64_t base = options_.startMicros + produced_ * options_.stepMicros;
  int64_t jitter =
      options_.jitterMicros > 0 ? static_cast<int64_t>(rng_() % options_.jitterMicros) : 0;
  int64_t t = base - jitter;
  if (options_.lateFraction > 0 &&
      std::uniform_real_distribution<double>(0, 1)(rng_) < options_.lateFraction) {
    t -= options_.lateByMicros;
  }
  // Millisecond precision, as the golden event's ISO text carries.
  t -= ((t % 1000) + 1000) % 1000;
  int64_t user = static_cast<int64_t>(rng_() % static_cast<uint64_t>(options_.users));
  lastUser_ = user;
  const char* action = kActions[rng_() % 5];
  double value = static_cast<double>(rng_() % 1000) / 10.0;
  char buf[256];
  int n = std::snprintf(
      buf, sizeof buf,
      "{\"event_id\":\"%08x-%04x-4%03x-%04x-%012llx\",\"user_id\":\"u%lld\",\"event_time\":\"%s\","
      "\"action\":\"%s\",\"value\":%.1f}",
      static_cast<unsigned>(a >> 32), static_cast<unsigned>((a >> 16) & 0xffff),
      static_cast<unsigned>(a & 0xfff), static_cast<unsigned>(((b >> 48) & 0x3fff) | 0x8000),
      static_cast<unsigned long long>(b & 0xffffffffffffULL), static_cast<long long>(user),
      base::formatTimestampIso(t).c_str(), action, value);
  out.append(buf, static_cast<size_t>(n));
  if (options_.duplicateFraction > 0) {
    if (recent_.size() < kRecent) {
      recent_.emplace_back(std::string(buf, static_cast<size_t>(n)), user);
    } else {
      recent_[static_cast<size_t>(produced_) % kRecent] = {std::string(buf, static_cast<size_t>(n)),
                                                           user};
    }
  }
  ++produced_;
}

}  // namespace weir::tools
