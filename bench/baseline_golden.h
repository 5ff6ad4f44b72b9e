// Hand-written baseline of the golden aggregation (see baseline_golden.cc).
#pragma once

#include <cstdint>
#include <string>

namespace weir::bench {

struct BaselineResult {
  int64_t events;
  int64_t groups;
};

/// Parses golden JSON lines and counts events per (10-minute window sliding by 5, user).
BaselineResult runBaseline(const std::string& text);

}  // namespace weir::bench
