// Calendar arithmetic, parsing and formatting of dates and timestamps as Spark does them, in UTC.
// Dates are days since 1970-01-01; timestamps are microseconds since the epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weir::base {

constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerDay = 86'400LL * kMicrosPerSecond;

struct CivilDate {
  int32_t year;
  uint32_t month;  // 1..12
  uint32_t day;    // 1..31
};

int32_t daysFromCivil(int32_t year, uint32_t month, uint32_t day);
CivilDate civilFromDays(int32_t days);
/// Floor division of a timestamp into days.
inline int32_t microsToDays(int64_t micros) {
  int64_t d = micros / kMicrosPerDay;
  if (micros % kMicrosPerDay < 0) --d;
  return static_cast<int32_t>(d);
}

/// Parses a timestamp the way Spark casts strings: "2025-01-01", "2025-01-01 10:00:00",
/// "2025-01-01T10:00:00.123Z", "...+02:00", "... UTC". Without a zone the time is taken as UTC
/// (or as local wall time for timestamp_ntz, which ignores any zone suffix when `ntz`).
std::optional<int64_t> parseTimestamp(std::string_view text, bool ntz = false);
/// Parses a date: "2025-01-01", "2025-1-1", "2025-01-01T..." (time ignored), "2025-01", "2025".
std::optional<int32_t> parseDate(std::string_view text);

/// "2025-01-01 10:00:00" with the fraction trimmed of trailing zeros, as Spark casts to string.
std::string formatTimestamp(int64_t micros);
std::string formatDate(int32_t days);
/// ISO-8601 with a 'Z' or 'T' and milliseconds as JSON writers do: "2025-01-01T10:00:00.000Z".
std::string formatTimestampIso(int64_t micros, bool withZone = true);

/// Formats with a Java DateTimeFormatter pattern (yyyy, MM, dd, HH, mm, ss, SSS, EEE, a, XXX...).
std::string formatWithPattern(int64_t micros, std::string_view pattern);
/// Parses with a Java DateTimeFormatter pattern; nullopt when the text does not match.
std::optional<int64_t> parseWithPattern(std::string_view text, std::string_view pattern);

}  // namespace weir::base
