// Parsing of Spark interval strings ("10 minutes", "1 hour 30 minutes", "interval 2 seconds").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace weir::base {

/// Parses a Spark calendar-interval string into microseconds. Months and years are refused since
/// they have no fixed length. Throws InvalidInputError naming `what` on malformed input.
int64_t parseDurationMicros(std::string_view text, std::string_view what = "duration");

/// Formats microseconds as Spark prints intervals, e.g. "10 minutes", "1 hours 30 minutes".
std::string formatDurationMicros(int64_t micros);

}  // namespace weir::base
