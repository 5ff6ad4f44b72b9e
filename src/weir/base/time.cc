// Date and timestamp parsing and formatting, built on Howard Hinnant's date algorithms.
#include "weir/base/time.h"

#include <date/date.h>

#include <cctype>
#include <cstdio>

#include "weir/base/error.h"

namespace weir::base {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Reads up to maxDigits digits (at least minDigits) at pos.
bool readNumber(std::string_view s, size_t& pos, int minDigits, int maxDigits, int64_t& out) {
  int n = 0;
  out = 0;
  while (pos < s.size() && n < maxDigits && isDigit(s[pos])) {
    out = out * 10 + (s[pos] - '0');
    ++pos, ++n;
  }
  return n >= minDigits;
}

bool validDate(int64_t y, int64_t m, int64_t d) {
  if (m < 1 || m > 12 || d < 1) return false;
  auto ymd = date::year(static_cast<int>(y)) / date::month(static_cast<unsigned>(m)) /
             date::day(static_cast<unsigned>(d));
  return ymd.ok();
}

// Parses a zone suffix: Z, UTC, GMT, +hh, +hh:mm, +hhmm, with optional "UTC+hh:mm". Returns the
// offset in seconds.
bool parseZone(std::string_view z, int64_t& offsetSeconds) {
  while (!z.empty() && z.front() == ' ') z.remove_prefix(1);
  offsetSeconds = 0;
  if (z.empty()) return true;
  if (z == "Z" || z == "UTC" || z == "GMT" || z == "UT") return true;
  for (std::string_view prefix : {"UTC", "GMT", "UT"}) {
    if (z.substr(0, prefix.size()) == prefix) {
      z.remove_prefix(prefix.size());
      break;
    }
  }
  if (z.empty() || (z[0] != '+' && z[0] != '-')) return false;
  int sign = z[0] == '-' ? -1 : 1;
  size_t pos = 1;
  int64_t hours = 0, minutes = 0, seconds = 0;
  if (!readNumber(z, pos, 1, 2, hours)) return false;
  if (pos < z.size() && z[pos] == ':') ++pos;
  if (pos < z.size() && !readNumber(z, pos, 2, 2, minutes)) return false;
  if (pos < z.size() && z[pos] == ':') ++pos;
  if (pos < z.size() && !readNumber(z, pos, 2, 2, seconds)) return false;
  if (pos != z.size() || hours > 18 || minutes > 59 || seconds > 59) return false;
  offsetSeconds = sign * (hours * 3600 + minutes * 60 + seconds);
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

int32_t daysFromCivil(int32_t year, uint32_t month, uint32_t day) {
  auto days = date::sys_days(date::year(year) / date::month(month) / date::day(day));
  return static_cast<int32_t>(days.time_since_epoch().count());
}

CivilDate civilFromDays(int32_t days) {
  date::year_month_day ymd{date::sys_days(date::days(days))};
  return {static_cast<int32_t>(ymd.year()), static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day())};
}

std::optional<int64_t> parseTimestamp(std::string_view text, bool ntz) {
  std::string_view s = trim(text);
  size_t pos = 0;
  int64_t y = 0, mo = 1, d = 1, h = 0, mi = 0, sec = 0, frac = 0;
  int sign = 1;
  if (pos < s.size() && (s[pos] == '-' || s[pos] == '+')) sign = s[pos] == '-' ? -1 : 1, ++pos;
  if (!readNumber(s, pos, 4, 6, y)) return std::nullopt;
  y *= sign;
  if (pos < s.size() && s[pos] == '-') {
    ++pos;
    if (!readNumber(s, pos, 1, 2, mo)) return std::nullopt;
    if (pos < s.size() && s[pos] == '-') {
      ++pos;
      if (!readNumber(s, pos, 1, 2, d)) return std::nullopt;
    }
  }
  if (!validDate(y, mo, d)) return std::nullopt;
  int64_t offset = 0;
  if (pos < s.size()) {
    if (s[pos] != ' ' && s[pos] != 'T') return std::nullopt;
    ++pos;
    if (pos < s.size() && isDigit(s[pos])) {
      if (!readNumber(s, pos, 1, 2, h)) return std::nullopt;
      if (pos >= s.size() || s[pos] != ':') return std::nullopt;
      ++pos;
      if (!readNumber(s, pos, 1, 2, mi)) return std::nullopt;
      if (pos < s.size() && s[pos] == ':') {
        ++pos;
        if (!readNumber(s, pos, 1, 2, sec)) return std::nullopt;
        if (pos < s.size() && s[pos] == '.') {
          ++pos;
          int digits = 0;
          while (pos < s.size() && isDigit(s[pos])) {
            if (digits < 6) frac = frac * 10 + (s[pos] - '0');
            ++digits, ++pos;
          }
          if (digits == 0 || digits > 9) return std::nullopt;
          for (int i = digits; i < 6; ++i) frac *= 10;
        }
      }
      if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
    }
    if (!parseZone(s.substr(pos), offset)) return std::nullopt;
    if (ntz) offset = 0;
  }
  int64_t days = daysFromCivil(static_cast<int32_t>(y), static_cast<unsigned>(mo),
                               static_cast<unsigned>(d));
  return days * kMicrosPerDay + ((h * 60 + mi) * 60 + sec - offset) * kMicrosPerSecond + frac;
}

std::optional<int32_t> parseDate(std::string_view text) {
  std::string_view s = trim(text);
  size_t pos = 0;
  int64_t y = 0, mo = 1, d = 1;
  if (!readNumber(s, pos, 4, 6, y)) return std::nullopt;
  if (pos < s.size() && s[pos] == '-') {
    ++pos;
    if (!readNumber(s, pos, 1, 2, mo)) return std::nullopt;
    if (pos < s.size() && s[pos] == '-') {
      ++pos;
      if (!readNumber(s, pos, 1, 2, d)) return std::nullopt;
    }
  }
  if (pos < s.size() && s[pos] != ' ' && s[pos] != 'T') return std::nullopt;
  if (!validDate(y, mo, d)) return std::nullopt;
  return daysFromCivil(static_cast<int32_t>(y), static_cast<unsigned>(mo),
                       static_cast<unsigned>(d));
}

std::string formatDate(int32_t days) {
  CivilDate c = civilFromDays(days);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.year, c.month, c.day);
  return buf;
}

std::string formatTimestamp(int64_t micros) {
  int32_t days = microsToDays(micros);
  int64_t rest = micros - static_cast<int64_t>(days) * kMicrosPerDay;
  int64_t secs = rest / kMicrosPerSecond;
  int64_t frac = rest % kMicrosPerSecond;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s %02d:%02d:%02d", formatDate(days).c_str(),
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  std::string out = buf;
  if (frac != 0) {
    char f[16];
    std::snprintf(f, sizeof f, ".%06d", static_cast<int>(frac));
    std::string fs = f;
    while (fs.back() == '0') fs.pop_back();
    out += fs;
  }
  return out;
}

std::string formatTimestampIso(int64_t micros, bool withZone) {
  std::string out = formatWithPattern(micros, "yyyy-MM-dd'T'HH:mm:ss.SSS");
  if (withZone) out += "Z";
  return out;
}

namespace {

const char* const kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};
const char* const kDayNames[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                 "Friday", "Saturday", "Sunday"};

void appendPadded(std::string& out, int64_t value, size_t width) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  if (value < 0) out += '-';
  for (size_t i = digits.size(); i < width; ++i) out += '0';
  out += digits;
}

}  // namespace

std::string formatWithPattern(int64_t micros, std::string_view pattern) {
  int32_t days = microsToDays(micros);
  int64_t rest = micros - static_cast<int64_t>(days) * kMicrosPerDay;
  CivilDate c = civilFromDays(days);
  int64_t secs = rest / kMicrosPerSecond, frac = rest % kMicrosPerSecond;
  int hour = static_cast<int>(secs / 3600), minute = static_cast<int>(secs / 60 % 60),
      second = static_cast<int>(secs % 60);
  // 1970-01-01 was a Thursday (index 3 with Monday = 0).
  int weekday = static_cast<int>(((days % 7) + 7 + 3) % 7);
  std::string out;
  for (size_t i = 0; i < pattern.size();) {
    char ch = pattern[i];
    if (ch == '\'') {
      size_t end = pattern.find('\'', i + 1);
      if (end == i + 1) {
        out += '\'';
        i += 2;
        continue;
      }
      if (end == std::string_view::npos) end = pattern.size();
      out += pattern.substr(i + 1, end - i - 1);
      i = end + 1;
      continue;
    }
    // Optional sections print in full: every field of a timestamp is available.
    if (ch == '[' || ch == ']') {
      ++i;
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(ch))) {
      out += ch;
      ++i;
      continue;
    }
    size_t n = 1;
    while (i + n < pattern.size() && pattern[i + n] == ch) ++n;
    i += n;
    switch (ch) {
      case 'G':
        if (n >= 4) out += c.year > 0 ? "Anno Domini" : "Before Christ";
        else out += c.year > 0 ? "AD" : "BC";
        break;
      case 'Q':
      case 'q': {
        int q = static_cast<int>((c.month - 1) / 3 + 1);
        static const char* const kOrdinals[] = {"1st", "2nd", "3rd", "4th"};
        if (n >= 4) out += std::string(kOrdinals[q - 1]) + " quarter";
        else if (n == 3) out += "Q" + std::to_string(q);
        else appendPadded(out, q, n);
        break;
      }
      case 'y':
      case 'u':
        if (n == 2) appendPadded(out, c.year % 100, 2);
        else appendPadded(out, c.year, n);
        break;
      case 'M':
      case 'L':
        if (n >= 4) out += kMonthNames[c.month - 1];
        else if (n == 3) out += std::string(kMonthNames[c.month - 1]).substr(0, 3);
        else appendPadded(out, c.month, n);
        break;
      case 'd': appendPadded(out, c.day, n); break;
      case 'D': appendPadded(out, days - daysFromCivil(c.year, 1, 1) + 1, n); break;
      case 'H': appendPadded(out, hour, n); break;
      case 'k': appendPadded(out, hour == 0 ? 24 : hour, n); break;
      case 'h': appendPadded(out, hour % 12 == 0 ? 12 : hour % 12, n); break;
      case 'K': appendPadded(out, hour % 12, n); break;
      case 'm': appendPadded(out, minute, n); break;
      case 's': appendPadded(out, second, n); break;
      case 'S': {
        std::string f;
        appendPadded(f, frac, 6);
        if (n <= 6) out += f.substr(0, n);
        else out += f + std::string(n - 6, '0');
        break;
      }
      case 'a': out += hour < 12 ? "AM" : "PM"; break;
      case 'E':
        if (n >= 4) out += kDayNames[weekday];
        else out += std::string(kDayNames[weekday]).substr(0, 3);
        break;
      case 'X':
        out += "Z";
        break;
      // The session zone is UTC: offsets print as java.time prints a zero offset.
      case 'x':
        out += n == 1 ? "+00" : (n == 3 || n == 5) ? "+00:00" : "+0000";
        break;
      case 'Z':
        out += n <= 3 ? "+0000" : n == 4 ? "GMT" : "Z";
        break;
      case 'O':
        out += "GMT";
        break;
      case 'z':
        out += n >= 4 ? "Coordinated Universal Time" : "UTC";
        break;
      case 'V':
        out += "UTC";
        break;
      default:
        throw InvalidInputError("INVALID_DATETIME_PATTERN",
                                "Unsupported letter '" + std::string(1, ch) +
                                    "' in datetime pattern '" + std::string(pattern) + "'");
    }
  }
  return out;
}

std::optional<int64_t> parseWithPattern(std::string_view text, std::string_view pattern) {
  int64_t year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0, frac = 0;
  int64_t offset = 0, dayOfYear = 0;
  bool pm = false, hasAmPm = false, beforeChrist = false;
  size_t pos = 0;
  for (size_t i = 0; i < pattern.size();) {
    char ch = pattern[i];
    if (ch == '\'') {
      size_t end = pattern.find('\'', i + 1);
      if (end == std::string_view::npos) end = pattern.size();
      std::string_view lit = end == i + 1 ? std::string_view("'") : pattern.substr(i + 1, end - i - 1);
      if (text.substr(pos, lit.size()) != lit) return std::nullopt;
      pos += lit.size();
      i = end == i + 1 ? i + 2 : end + 1;
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(ch))) {
      if (pos >= text.size() || text[pos] != ch) return std::nullopt;
      ++pos, ++i;
      continue;
    }
    size_t n = 1;
    while (i + n < pattern.size() && pattern[i + n] == ch) ++n;
    i += n;
    // Fixed width when the next pattern letter follows immediately (e.g. "yyyyMMdd").
    bool adjacent = i < pattern.size() && std::isalpha(static_cast<unsigned char>(pattern[i]));
    int minDigits = adjacent ? static_cast<int>(n) : 1;
    int maxDigits = adjacent ? static_cast<int>(n) : 9;
    switch (ch) {
      case 'y':
      case 'u':
        if (!readNumber(text, pos, n == 2 ? 2 : minDigits, n == 2 ? 2 : maxDigits, year)) return std::nullopt;
        if (n == 2) year += 2000;
        break;
      case 'M':
      case 'L':
        if (n >= 3) {
          bool found = false;
          for (int m = 0; m < 12 && !found; ++m) {
            std::string name = kMonthNames[m];
            if (n == 3) name = name.substr(0, 3);
            if (text.substr(pos, name.size()) == name) month = m + 1, pos += name.size(), found = true;
          }
          if (!found) return std::nullopt;
        } else if (!readNumber(text, pos, minDigits, std::min(maxDigits, 2), month)) {
          return std::nullopt;
        }
        break;
      case 'd':
        if (!readNumber(text, pos, minDigits, std::min(maxDigits, 2), day)) return std::nullopt;
        break;
      case 'D':
        if (!readNumber(text, pos, minDigits, std::min(maxDigits, 3), dayOfYear) || dayOfYear < 1) {
          return std::nullopt;
        }
        break;
      case 'G': {
        bool found = false;
        for (std::string_view era : {"Anno Domini", "Before Christ", "AD", "BC"}) {
          if (!found && text.substr(pos, era.size()) == era) {
            beforeChrist = era[0] == 'B';
            pos += era.size();
            found = true;
          }
        }
        if (!found) return std::nullopt;
        break;
      }
      case 'H':
      case 'h':
      case 'k':
      case 'K':
        if (!readNumber(text, pos, minDigits, std::min(maxDigits, 2), hour)) return std::nullopt;
        break;
      case 'm':
        if (!readNumber(text, pos, minDigits, std::min(maxDigits, 2), minute)) return std::nullopt;
        break;
      case 's':
        if (!readNumber(text, pos, minDigits, std::min(maxDigits, 2), second)) return std::nullopt;
        break;
      case 'S': {
        int digits = 0;
        frac = 0;
        while (pos < text.size() && isDigit(text[pos]) && digits < static_cast<int>(n)) {
          if (digits < 6) frac = frac * 10 + (text[pos] - '0');
          ++digits, ++pos;
        }
        if (digits == 0) return std::nullopt;
        for (int k = std::min(digits, 6); k < 6; ++k) frac *= 10;
        break;
      }
      case 'a':
        hasAmPm = true;
        if (text.substr(pos, 2) == "PM" || text.substr(pos, 2) == "pm") pm = true;
        else if (text.substr(pos, 2) != "AM" && text.substr(pos, 2) != "am") return std::nullopt;
        pos += 2;
        break;
      case 'X':
      case 'x':
      case 'Z':
      case 'z':
      case 'V':
      case 'O': {
        size_t end = pos;
        while (end < text.size() && text[end] != ' ') ++end;
        if (!parseZone(text.substr(pos, end - pos), offset)) return std::nullopt;
        pos = end;
        break;
      }
      case 'E': {
        bool found = false;
        for (int k = 0; k < 7 && !found; ++k) {
          std::string name = kDayNames[k];
          if (n < 4) name = name.substr(0, 3);
          if (text.substr(pos, name.size()) == name) pos += name.size(), found = true;
        }
        if (!found) return std::nullopt;
        break;
      }
      default:
        throw InvalidInputError("INVALID_DATETIME_PATTERN",
                                "Unsupported letter '" + std::string(1, ch) +
                                    "' in datetime pattern '" + std::string(pattern) + "'");
    }
  }
  if (pos != text.size()) return std::nullopt;
  if (hasAmPm) {
    if (hour < 1 || hour > 12) return std::nullopt;
    hour = hour % 12 + (pm ? 12 : 0);
  }
  if (beforeChrist) year = 1 - year;
  if (!validDate(year, month, day) || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  int64_t days = daysFromCivil(static_cast<int32_t>(year), static_cast<unsigned>(month),
                               static_cast<unsigned>(day));
  if (dayOfYear > 0) {
    int64_t firstDay = daysFromCivil(static_cast<int32_t>(year), 1, 1);
    int64_t yearLength = daysFromCivil(static_cast<int32_t>(year) + 1, 1, 1) - firstDay;
    if (dayOfYear > yearLength) return std::nullopt;
    days = firstDay + dayOfYear - 1;
  }
  return days * kMicrosPerDay + ((hour * 60 + minute) * 60 + second - offset) * kMicrosPerSecond +
         frac;
}

}  // namespace weir::base
