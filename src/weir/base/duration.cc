// Spark interval string parsing.
#include "weir/base/duration.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <vector>

#include "weir/base/error.h"

namespace weir::base {
namespace {

constexpr int64_t kMicrosPerSecond = 1'000'000;

// Micro-seconds per unit, or -1 for units with no fixed length.
int64_t unitMicros(std::string unit) {
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && unit.back() == 's') unit.pop_back();
  if (unit == "week") return 7LL * 86400 * kMicrosPerSecond;
  if (unit == "day") return 86400LL * kMicrosPerSecond;
  if (unit == "hour") return 3600LL * kMicrosPerSecond;
  if (unit == "minute" || unit == "min") return 60LL * kMicrosPerSecond;
  if (unit == "second" || unit == "sec") return kMicrosPerSecond;
  if (unit == "millisecond" || unit == "milli" || unit == "m") return 1000;
  if (unit == "microsecond" || unit == "micro") return 1;
  if (unit == "month" || unit == "year") return -1;
  return 0;
}

[[noreturn]] void fail(std::string_view text, std::string_view what, const std::string& why) {
  throw InvalidInputError("INVALID_INTERVAL_FORMAT",
                          "Cannot parse " + std::string(what) + " '" + std::string(text) + "': " +
                              why + ". Use a form like '10 minutes' or '1 hour 30 seconds'.");
}

}  // namespace

int64_t parseDurationMicros(std::string_view text, std::string_view what) {
  std::vector<std::string> tokens;
  std::string current;
  for (char c : text) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!current.empty()) tokens.push_back(std::move(current)), current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  size_t i = 0;
  if (!tokens.empty()) {
    std::string first = tokens[0];
    for (auto& c : first) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (first == "interval") i = 1;
  }
  if (i >= tokens.size()) fail(text, what, "it is empty");
  long double total = 0;
  while (i < tokens.size()) {
    const std::string& number = tokens[i];
    long double value = 0;
    try {
      size_t used = 0;
      value = std::stold(number, &used);
      if (used != number.size()) fail(text, what, "'" + number + "' is not a number");
    } catch (const std::logic_error&) {
      fail(text, what, "'" + number + "' is not a number");
    }
    if (i + 1 >= tokens.size()) fail(text, what, "the number " + number + " has no unit");
    int64_t unit = unitMicros(tokens[i + 1]);
    if (unit == 0) fail(text, what, "unknown unit '" + tokens[i + 1] + "'");
    if (unit < 0) {
      fail(text, what, "months and years have no fixed length and are not allowed here");
    }
    total += value * static_cast<long double>(unit);
    i += 2;
  }
  if (std::fabs(total) > 9.2e18L) fail(text, what, "the value is too large");
  return static_cast<int64_t>(std::llround(total));
}

std::string formatDurationMicros(int64_t micros) {
  struct Unit {
    int64_t size;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{86400LL * kMicrosPerSecond, "days"},
                                    {3600LL * kMicrosPerSecond, "hours"},
                                    {60LL * kMicrosPerSecond, "minutes"},
                                    {kMicrosPerSecond, "seconds"},
                                    {1000, "milliseconds"},
                                    {1, "microseconds"}};
  if (micros == 0) return "0 seconds";
  std::string out;
  if (micros < 0) out = "-", micros = -micros;
  for (const auto& unit : kUnits) {
    if (micros >= unit.size) {
      if (!out.empty() && out != "-") out += " ";
      out += std::to_string(micros / unit.size) + " " + unit.name;
      micros %= unit.size;
    }
  }
  return out;
}

}  // namespace weir::base
