// JSON records to column vectors: simdjson On-Demand over one padded buffer (iterate_many) with a
// per-record fallback, Spark 3.5's JacksonParser conversions and FailureSafeParser modes, and a
// Jackson-like tokenizer for lenient syntax and the JSON path functions.
#include "weir/expr/json_reader.h"

#include "weir/base/utf8.h"

#include <emmintrin.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "weir/base/error.h"
#include "weir/base/time.h"
#include "weir/expr/json_writer.h"

namespace weir::expr {

using columnar::int128_t;
using columnar::MutableVectorPtr;
using columnar::Vector;
using columnar::VectorPtr;
using types::DataType;
using types::DataTypePtr;
using types::TypeId;
namespace od = simdjson::ondemand;

namespace {

// As Spark's maxErrorContentLength: records quoted in errors are cut to this many characters.
constexpr size_t kMaxErrorContent = 1000;

std::string lowerAscii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool parseBoolOption(const std::string& key, const std::string& value) {
  std::string v = lowerAscii(value);
  if (v == "true") return true;
  if (v == "false") return false;
  throw InvalidInputError(
      "INVALID_OPTION_VALUE",
      "The JSON option " + key + " must be true or false, got '" + value + "'.");
}

[[gnu::always_inline]] inline bool isJsonWhitespace(char c) {
  constexpr uint64_t kMask = (1ULL << ' ') | (1ULL << '\n') | (1ULL << '\r') | (1ULL << '\t');
  auto u = static_cast<unsigned char>(c);
  return u <= ' ' && ((kMask >> u) & 1) != 0;
}
[[gnu::always_inline]] inline bool isDigit(char c) {
  return static_cast<unsigned>(static_cast<unsigned char>(c)) - 48u <= 9u;
}

[[gnu::always_inline]] inline std::string_view trimRight(std::string_view s) {
  while (!s.empty() && isJsonWhitespace(s.back())) s.remove_suffix(1);
  return s;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}


// Length of the valid UTF-8 sequence at s[pos] (a byte >= 0x80), or 0 when it is not valid.
size_t utf8SequenceLength(std::string_view s, size_t pos) {
  auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char c = b(pos);
  size_t len;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (pos + len > s.size()) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((b(pos + i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(pos + i) & 0x3F);
  }
  if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
    return 0;
  }
  return len;
}

// Reads a \uXXXX escape whose 'u' is at s[pos]; returns the code unit or -1.
int32_t readHex4(std::string_view s, size_t pos) {
  if (pos + 5 > s.size()) return -1;
  int32_t v = 0;
  for (size_t i = 1; i <= 4; ++i) {
    int h = hexValue(s[pos + i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

// Decodes the escape starting at s[pos] == '\\' into out; advances pos. Java strings keep lone
// surrogates, which become '?' once Spark encodes the string as UTF-8.
bool decodeEscape(std::string_view s, size_t& pos, std::string& out, const JsonFeatures& f) {
  if (pos + 1 >= s.size()) return false;
  char e = s[pos + 1];
  switch (e) {
    case '"':
      out += '"';
      break;
    case '\\':
      out += '\\';
      break;
    case '/':
      out += '/';
      break;
    case 'b':
      out += '\b';
      break;
    case 'f':
      out += '\f';
      break;
    case 'n':
      out += '\n';
      break;
    case 'r':
      out += '\r';
      break;
    case 't':
      out += '\t';
      break;
    case 'u': {
      int32_t unit = readHex4(s, pos + 1);
      if (unit < 0) return false;
      pos += 6;
      if (unit >= 0xD800 && unit <= 0xDBFF && pos + 1 < s.size() && s[pos] == '\\' &&
          s[pos + 1] == 'u') {
        int32_t low = readHex4(s, pos + 1);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          base::appendUtf8(out, 0x10000 + ((static_cast<uint32_t>(unit) - 0xD800) << 10) +
                              (static_cast<uint32_t>(low) - 0xDC00));
          pos += 6;
          return true;
        }
      }
      if (unit >= 0xD800 && unit <= 0xDFFF) {
        out += '?';
      } else {
        base::appendUtf8(out, static_cast<uint32_t>(unit));
      }
      return true;
    }
    default:
      if (f.allowBackslashEscapingAnyCharacter || (e == '\'' && f.allowSingleQuotes)) {
        out += e;
        break;
      }
      return false;
  }
  pos += 2;
  return true;
}

// Unescapes the body of a strict JSON string (between its quotes).
bool unescapeBody(std::string_view body, std::string& out, const JsonFeatures& f) {
  size_t run = 0, pos = 0;
  while (true) {
    const void* hit = std::memchr(body.data() + pos, '\\', body.size() - pos);
    if (!hit) break;
    pos = static_cast<size_t>(static_cast<const char*>(hit) - body.data());
    out.append(body.data() + run, pos - run);
    if (!decodeEscape(body, pos, out, f)) return false;
    run = pos;
  }
  out.append(body.data() + run, body.size() - run);
  return true;
}

enum class NumberKind : uint8_t { kInvalid, kInteger, kFloating };

// Strict JSON number grammar.
NumberKind classifyNumber(std::string_view s) {
  size_t i = 0, n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n) return NumberKind::kInvalid;
  if (s[i] == '0') {
    ++i;
  } else if (s[i] >= '1' && s[i] <= '9') {
    while (i < n && isDigit(s[i])) ++i;
  } else {
    return NumberKind::kInvalid;
  }
  bool floating = false;
  if (i < n && s[i] == '.') {
    floating = true;
    ++i;
    if (i >= n || !isDigit(s[i])) return NumberKind::kInvalid;
    while (i < n && isDigit(s[i])) ++i;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    floating = true;
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= n || !isDigit(s[i])) return NumberKind::kInvalid;
    while (i < n && isDigit(s[i])) ++i;
  }
  if (i != n) return NumberKind::kInvalid;
  return floating ? NumberKind::kFloating : NumberKind::kInteger;
}

// An integer literal (optional '-', digits) within [lo, hi].
bool parseIntegral(std::string_view s, int64_t lo, int64_t hi, int64_t& out) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  if (i >= s.size()) return false;
  uint64_t limit = negative ? static_cast<uint64_t>(-(lo + 1)) + 1 : static_cast<uint64_t>(hi);
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    unsigned d = static_cast<unsigned char>(s[i]) - '0';
    if (d > 9) return false;
    if (v > (limit - d) / 10) return false;
    v = v * 10 + d;
  }
  out = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

// Integer text as Jackson writes it back: no leading zeros, "0" without a sign.
void appendNormalizedInteger(std::string& out, std::string_view s) {
  bool negative = !s.empty() && s[0] == '-';
  size_t i = negative ? 1 : 0;
  while (i + 1 < s.size() && s[i] == '0') ++i;
  if (s.substr(i) == "0") {
    out += '0';
    return;
  }
  if (negative) out += '-';
  out.append(s.substr(i));
}

// java.math.BigDecimal(text).setScale(scale, HALF_UP) with a precision check, as Spark's
// Decimal(bigDecimal, precision, scale) does. Accepts BigDecimal's grammar (sign, digits with an
// optional point, exponent).
bool decimalFromText(std::string_view s, int precision, int scale, int128_t& out) {
  size_t i = 0, n = s.size();
  bool negative = false;
  if (i < n && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  std::string digits;
  int64_t fractionDigits = 0;
  bool any = false, point = false;
  for (; i < n; ++i) {
    char c = s[i];
    if (isDigit(c)) {
      any = true;
      if (point) ++fractionDigits;
      if (!(digits.empty() && c == '0')) digits += c;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any) return false;
  int64_t exponent = 0;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool expNegative = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) expNegative = s[i++] == '-';
    if (i >= n) return false;
    for (; i < n && isDigit(s[i]); ++i) {
      if (exponent < 1'000'000'000) exponent = exponent * 10 + (s[i] - '0');
    }
    if (i < n) return false;
    if (expNegative) exponent = -exponent;
  }
  if (i != n) return false;
  if (digits.empty()) {
    out = 0;
    return true;
  }
  int64_t shift = exponent - fractionDigits + scale;  // unscaled = digits * 10^shift
  if (shift >= 0) {
    if (static_cast<int64_t>(digits.size()) + shift > precision) return false;
    int128_t v = 0;
    for (char c : digits) v = v * 10 + (c - '0');
    for (int64_t k = 0; k < shift; ++k) v *= 10;
    out = negative ? -v : v;
    return true;
  }
  int64_t drop = -shift;
  int64_t keep = static_cast<int64_t>(digits.size()) - drop;
  int128_t v = 0;
  bool roundUp = false;
  if (keep < 0) {
    roundUp = false;
  } else {
    if (keep > 38) return false;
    for (int64_t k = 0; k < keep; ++k) v = v * 10 + (digits[static_cast<size_t>(k)] - '0');
    roundUp = digits[static_cast<size_t>(keep)] >= '5';
  }
  if (roundUp) ++v;
  int count = 0;
  for (int128_t t = v; t != 0; t /= 10) ++count;
  if (std::max(count, 1) > precision) return false;
  out = negative ? -v : v;
  return true;
}

// Jackson's default base64 variant: padding required; whitespace is skipped.
bool decodeBase64(std::string_view s, std::string& out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  uint32_t acc = 0;
  int count = 0, padding = 0;
  bool done = false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= ' ') continue;
    if (done) return false;
    if (c == '=') {
      if (count < 2) return false;
      ++padding;
    } else {
      if (padding > 0) return false;
      int v = value(c);
      if (v < 0) return false;
      acc = (acc << 6) | static_cast<uint32_t>(v);
    }
    if (++count == 4) {
      acc <<= 6 * padding;
      out += static_cast<char>((acc >> 16) & 0xFF);
      if (padding < 2) out += static_cast<char>((acc >> 8) & 0xFF);
      if (padding < 1) out += static_cast<char>(acc & 0xFF);
      done = padding > 0;
      acc = 0;
      count = 0;
    }
  }
  return count == 0;
}

/// A Java datetime pattern for parsing; optional sections ("[.SSS]") expand into alternatives,
/// longest first.
std::vector<std::string> expandPattern(const std::string& pattern) {
  std::vector<std::string> out;
  struct Expander {
    static void run(const std::string& p, std::vector<std::string>& out) {
      bool quoted = false;
      for (size_t i = 0; i < p.size(); ++i) {
        if (p[i] == '\'') quoted = !quoted;
        if (quoted || p[i] != '[') continue;
        size_t depth = 0, close = i;
        for (; close < p.size(); ++close) {
          if (p[close] == '[') ++depth;
          if (p[close] == ']' && --depth == 0) break;
        }
        if (close >= p.size()) break;
        std::string prefix = p.substr(0, i), rest = p.substr(close + 1);
        run(prefix + p.substr(i + 1, close - i - 1) + rest, out);
        run(prefix + rest, out);
        return;
      }
      out.push_back(p);
    }
  };
  Expander::run(pattern, out);
  return out;
}

// Howard Hinnant's days_from_civil.
inline int64_t daysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

/// Remembers the last calendar date converted to days: consecutive events mostly share it.
struct DayCache {
  uint32_t key = 0;
  int64_t days = 0;
};

[[gnu::always_inline]] inline unsigned digitAt(const char* p, size_t i, unsigned& bad) {
  unsigned d = static_cast<unsigned char>(p[i]) - '0';
  bad |= d > 9 ? 1u : 0u;
  return d;
}

// The common ISO shape "yyyy-MM-ddTHH:mm:ss[.fraction][Z]" (the golden event's), parsed without
// the general parser. Returns false for anything else, which the general parser then handles.
[[gnu::always_inline]] inline bool parseIsoTimestampFast(std::string_view s, int64_t& out,
                                                         DayCache& cache) {
  const char* p = s.data();
  if (s.size() < 19 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' ') ||
      p[13] != ':' || p[16] != ':') {
    return false;
  }
  // Digits at 0-3, 5-6, 8-9, 11-12 and 14-15 checked at once; 17-18 one by one.
  const __m128i v =
      _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), _mm_set1_epi8('0'));
  const auto digitBits = static_cast<unsigned>(
      _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(9)), v)));
  constexpr unsigned kDigitPositions = 0xDB6F;  // 1101 1011 0110 1111
  if ((digitBits & kDigitPositions) != kDigitPositions) return false;
  alignas(16) uint8_t dd[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(dd), v);
  unsigned bad = 0;
  unsigned year = dd[0] * 1000u + dd[1] * 100u + dd[2] * 10u + dd[3];
  unsigned mo = dd[5] * 10u + dd[6];
  unsigned d = dd[8] * 10u + dd[9];
  unsigned h = dd[11] * 10u + dd[12];
  unsigned mi = dd[14] * 10u + dd[15];
  unsigned sec = digitAt(p, 17, bad) * 10 + digitAt(p, 18, bad);
  size_t pos = 19;
  int64_t frac = 0;
  if (s.size() == 24 && p[19] == '.' && p[23] == 'Z') {
    // Milliseconds and 'Z', as JSON writers print timestamps.
    unsigned a = digitAt(p, 20, bad), b = digitAt(p, 21, bad), e = digitAt(p, 22, bad);
    frac = (a * 100 + b * 10 + e) * 1000;
    pos = 24;
  } else if (pos < s.size() && p[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && isDigit(p[pos])) {
      if (digits < 6) frac = frac * 10 + (p[pos] - '0');
      ++digits, ++pos;
    }
    if (digits == 0 || digits > 9) return false;
    static constexpr int64_t kScale[] = {1000000, 100000, 10000, 1000, 100, 10, 1};
    frac *= kScale[std::min(digits, 6)];
  }
  if (pos < s.size() && p[pos] == 'Z') ++pos;
  if (bad != 0 || pos != s.size()) return false;
  if (h > 23 || mi > 59 || sec > 59) return false;
  uint32_t key = (year << 9) | (mo << 5) | d;
  int64_t days;
  if (key == cache.key) {
    days = cache.days;
  } else {
    static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1) return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (d > kDays[mo - 1] + (mo == 2 && leap ? 1 : 0)) return false;
    days = daysFromCivil(year, mo, d);
    cache.key = key;
    cache.days = days;
  }
  out = days * base::kMicrosPerDay + ((h * 60 + mi) * 60 + sec) * base::kMicrosPerSecond + frac;
  return true;
}

// Whether s[0, n) holds a backslash, 16 bytes at a time; the bytes read past n lie in the
// padding of the JSON buffer (or in the string itself) and are masked out.
[[gnu::always_inline]] inline bool hasBackslash(const char* s, size_t n) {
  if (n > 64) return std::memchr(s, '\\', n) != nullptr;
  const __m128i slash = _mm_set1_epi8('\\');
  for (size_t i = 0; i < n; i += 16) {
    auto hits = static_cast<uint32_t>(_mm_movemask_epi8(
        _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)), slash)));
    size_t left = n - i;
    if (left < 16) hits &= (1u << left) - 1;
    if (hits != 0) return true;
  }
  return false;
}

std::string quoteRecord(std::string_view record) {
  if (record.size() <= kMaxErrorContent) return std::string(record);
  return std::string(record.substr(0, kMaxErrorContent)) + "...";
}

}  // namespace

// ===== options

JsonReadOptions JsonReadOptions::fromMap(const std::map<std::string, std::string>& options) {
  JsonReadOptions o;
  for (const auto& [key, value] : options) {
    std::string k = lowerAscii(key);
    if (k == "mode") {
      // Spark falls back to PERMISSIVE (with a warning) on an unknown mode.
      std::string m = lowerAscii(value);
      if (m == "failfast") {
        o.mode = JsonParseMode::kFailFast;
      } else if (m == "dropmalformed") {
        o.mode = JsonParseMode::kDropMalformed;
      } else {
        o.mode = JsonParseMode::kPermissive;
      }
    } else if (k == "columnnameofcorruptrecord") {
      o.corruptColumn = value;
    } else if (k == "timestampformat") {
      o.timestampFormat = value;
    } else if (k == "timestampntzformat") {
      o.timestampNtzFormat = value;
    } else if (k == "dateformat") {
      o.dateFormat = value;
    } else if (k == "allowcomments") {
      o.features.allowComments = parseBoolOption(key, value);
    } else if (k == "allowunquotedfieldnames") {
      o.features.allowUnquotedFieldNames = parseBoolOption(key, value);
    } else if (k == "allowsinglequotes") {
      o.features.allowSingleQuotes = parseBoolOption(key, value);
    } else if (k == "allownumericleadingzeros" || k == "allownumericleadingzero") {
      o.features.allowNumericLeadingZeros = parseBoolOption(key, value);
    } else if (k == "allownonnumericnumbers") {
      o.features.allowNonNumericNumbers = parseBoolOption(key, value);
    } else if (k == "allowbackslashescapinganycharacter") {
      o.features.allowBackslashEscapingAnyCharacter = parseBoolOption(key, value);
    } else if (k == "allowunquotedcontrolchars") {
      o.features.allowUnquotedControlChars = parseBoolOption(key, value);
    } else if (k == "primitivesasstring") {
      o.primitivesAsString = parseBoolOption(key, value);
    } else if (k == "prefersdecimal") {
      o.prefersDecimal = parseBoolOption(key, value);
    } else if (k == "infertimestamp") {
      o.inferTimestamp = parseBoolOption(key, value);
    } else if (k == "dropfieldifallnull") {
      o.dropFieldIfAllNull = parseBoolOption(key, value);
    } else if (k == "multiline") {
      o.multiLine = parseBoolOption(key, value);
    } else if (k == "linesep") {
      if (value.empty()) {
        throw InvalidInputError("INVALID_OPTION_VALUE", "The JSON option lineSep cannot be empty.");
      }
      o.lineSep = value;
    } else if (k == "samplingratio") {
      double ratio = 0;
      auto r = std::from_chars(value.data(), value.data() + value.size(), ratio);
      if (r.ec != std::errc() || r.ptr != value.data() + value.size() || !(ratio > 0)) {
        throw InvalidInputError("INVALID_OPTION_VALUE",
                                "The JSON option samplingRatio must be a number greater than 0, "
                                "got '" +
                                    value + "'.");
      }
      o.samplingRatio = ratio;
    }
  }
  return o;
}

// ===== tokenizer

JsonTokenizer::JsonTokenizer(std::string_view text, const JsonFeatures& features)
    : in_(text), features_(features) {
  if (in_.size() >= 3 && std::memcmp(in_.data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;
}

JsonToken JsonTokenizer::fail() {
  token_ = JsonToken::kError;
  return token_;
}

bool JsonTokenizer::skipWhitespace() {
  while (pos_ < in_.size()) {
    char c = in_[pos_];
    if (isJsonWhitespace(c)) {
      ++pos_;
      continue;
    }
    if (c == '/' && features_.allowComments && pos_ + 1 < in_.size()) {
      if (in_[pos_ + 1] == '*') {
        size_t end = in_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) return false;
        pos_ = end + 2;
        continue;
      }
      if (in_[pos_ + 1] == '/') {
        size_t end = in_.find_first_of("\n\r", pos_ + 2);
        pos_ = end == std::string_view::npos ? in_.size() : end;
        continue;
      }
    }
    break;
  }
  return true;
}

void JsonTokenizer::valueDone() { state_ = State::kAfterValue; }

JsonToken JsonTokenizer::next() {
  if (token_ == JsonToken::kError) return token_;
  if (!skipWhitespace()) return fail();
  if (stack_.empty()) {
    if (pos_ >= in_.size()) return token_ = JsonToken::kEnd;
    return parseValue();
  }
  if (pos_ >= in_.size()) return fail();
  char c = in_[pos_];
  char top = stack_.back();
  char close = top == '{' ? '}' : ']';
  if (state_ != State::kAfterName && c == close) {
    ++pos_;
    stack_.pop_back();
    valueDone();
    return token_ = top == '{' ? JsonToken::kEndObject : JsonToken::kEndArray;
  }
  if (state_ == State::kAfterValue) {
    if (c != ',') return fail();
    ++pos_;
    if (!skipWhitespace() || pos_ >= in_.size()) return fail();
    return top == '{' ? parseName() : parseValue();
  }
  if (top == '{') {
    if (state_ == State::kStart) return parseName();
    if (c != ':') return fail();
    ++pos_;
    if (!skipWhitespace() || pos_ >= in_.size()) return fail();
  }
  return parseValue();
}

JsonToken JsonTokenizer::parseName() {
  char c = in_[pos_];
  if (c == '"' || (c == '\'' && features_.allowSingleQuotes)) {
    if (!parseString(c)) return fail();
  } else if (features_.allowUnquotedFieldNames) {
    if (!parseUnquotedName()) return fail();
  } else {
    return fail();
  }
  state_ = State::kAfterName;
  return token_ = JsonToken::kFieldName;
}

bool JsonTokenizer::parseUnquotedName() {
  size_t start = pos_;
  while (pos_ < in_.size()) {
    auto c = static_cast<unsigned char>(in_[pos_]);
    if (std::isalnum(c) || c == '_' || c == '$' || c >= 0x80) {
      ++pos_;
    } else {
      break;
    }
  }
  if (pos_ == start) return false;
  text_ = in_.substr(start, pos_ - start);
  return true;
}

bool JsonTokenizer::parseString(char quote) {
  ++pos_;
  size_t start = pos_, run = pos_;
  bool copied = false;
  scratch_.clear();
  const size_t n = in_.size();
  while (pos_ < n) {
    auto c = static_cast<unsigned char>(in_[pos_]);
    if (c == static_cast<unsigned char>(quote)) {
      if (copied) {
        scratch_.append(in_.data() + run, pos_ - run);
        text_ = scratch_;
      } else {
        text_ = in_.substr(start, pos_ - start);
      }
      ++pos_;
      return true;
    }
    if (c == '\\') {
      scratch_.append(in_.data() + run, pos_ - run);
      copied = true;
      if (!decodeEscape(in_, pos_, scratch_, features_)) return false;
      run = pos_;
      continue;
    }
    if (c < 0x20) {
      if (!features_.allowUnquotedControlChars) return false;
      ++pos_;
      continue;
    }
    if (c >= 0x80) {
      size_t len = utf8SequenceLength(in_, pos_);
      if (len == 0) {
        if (!features_.replaceInvalidUtf8) return false;
        scratch_.append(in_.data() + run, pos_ - run);
        copied = true;
        scratch_ += "\xEF\xBF\xBD";
        ++pos_;
        run = pos_;
        continue;
      }
      pos_ += len;
      continue;
    }
    ++pos_;
  }
  return false;
}

JsonToken JsonTokenizer::parseNumber() {
  size_t start = pos_, n = in_.size();
  if (in_[pos_] == '-') {
    ++pos_;
    if (pos_ < n && in_[pos_] == 'I') {
      --pos_;
      return parseWord();
    }
  }
  if (pos_ >= n || !isDigit(in_[pos_])) return fail();
  if (in_[pos_] == '0' && pos_ + 1 < n && isDigit(in_[pos_ + 1]) &&
      !features_.allowNumericLeadingZeros) {
    return fail();
  }
  while (pos_ < n && isDigit(in_[pos_])) ++pos_;
  bool floating = false;
  if (pos_ < n && in_[pos_] == '.') {
    floating = true;
    ++pos_;
    if (pos_ >= n || !isDigit(in_[pos_])) return fail();
    while (pos_ < n && isDigit(in_[pos_])) ++pos_;
  }
  if (pos_ < n && (in_[pos_] == 'e' || in_[pos_] == 'E')) {
    floating = true;
    ++pos_;
    if (pos_ < n && (in_[pos_] == '+' || in_[pos_] == '-')) ++pos_;
    if (pos_ >= n || !isDigit(in_[pos_])) return fail();
    while (pos_ < n && isDigit(in_[pos_])) ++pos_;
  }
  // Jackson requires white space after a number at the root.
  if (stack_.empty() && pos_ < n && !isJsonWhitespace(in_[pos_])) return fail();
  text_ = in_.substr(start, pos_ - start);
  valueDone();
  return token_ = floating ? JsonToken::kFloat : JsonToken::kInt;
}

JsonToken JsonTokenizer::parseWord() {
  auto matches = [&](std::string_view word) {
    if (in_.substr(pos_, word.size()) != word) return false;
    size_t after = pos_ + word.size();
    if (after < in_.size()) {
      auto c = static_cast<unsigned char>(in_[after]);
      if (std::isalnum(c) || c == '_') return false;
    }
    return true;
  };
  struct Word {
    std::string_view text;
    JsonToken token;
    bool nonNumeric;
  };
  static constexpr Word kWords[] = {
      {"true", JsonToken::kTrue, false},      {"false", JsonToken::kFalse, false},
      {"null", JsonToken::kNull, false},      {"NaN", JsonToken::kFloat, true},
      {"Infinity", JsonToken::kFloat, true},  {"+Infinity", JsonToken::kFloat, true},
      {"-Infinity", JsonToken::kFloat, true}, {"+INF", JsonToken::kFloat, true},
      {"-INF", JsonToken::kFloat, true},
  };
  for (const auto& w : kWords) {
    if (w.nonNumeric && !features_.allowNonNumericNumbers) continue;
    if (matches(w.text)) {
      text_ = in_.substr(pos_, w.text.size());
      pos_ += w.text.size();
      valueDone();
      return token_ = w.token;
    }
  }
  return fail();
}

JsonToken JsonTokenizer::parseValue() {
  char c = in_[pos_];
  switch (c) {
    case '{':
    case '[':
      if (stack_.size() >= static_cast<size_t>(kMaxDepth)) return fail();
      ++pos_;
      stack_.push_back(c);
      state_ = State::kStart;
      return token_ = c == '{' ? JsonToken::kStartObject : JsonToken::kStartArray;
    case '"':
    case '\'':
      if (c == '\'' && !features_.allowSingleQuotes) return fail();
      if (!parseString(c)) return fail();
      valueDone();
      return token_ = JsonToken::kString;
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
      return parseNumber();
    default:
      return parseWord();
  }
}

bool JsonTokenizer::skipChildren() {
  if (token_ != JsonToken::kStartObject && token_ != JsonToken::kStartArray) {
    return token_ != JsonToken::kError;
  }
  size_t depth = 1;
  while (depth > 0) {
    switch (next()) {
      case JsonToken::kStartObject:
      case JsonToken::kStartArray:
        ++depth;
        break;
      case JsonToken::kEndObject:
      case JsonToken::kEndArray:
        --depth;
        break;
      case JsonToken::kError:
      case JsonToken::kEnd:
        return false;
      default:
        break;
    }
  }
  return true;
}

namespace {

// The double a Jackson number token stands for (NaN and Infinity words included).
double tokenDouble(std::string_view text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity" || text == "+Infinity" || text == "+INF") {
    return std::numeric_limits<double>::infinity();
  }
  if (text == "-Infinity" || text == "-INF") return -std::numeric_limits<double>::infinity();
  std::string copy(text);
  return std::strtod(copy.c_str(), nullptr);
}

// `strict` writes numbers for a strict JSON parser (leading zeros dropped, NaN and Infinity as
// strings); otherwise numbers are written as Jackson's copyCurrentStructure writes them.
bool copyStructure(JsonTokenizer& t, std::string& out, bool strict) {
  switch (t.current()) {
    case JsonToken::kStartObject: {
      out += '{';
      bool first = true;
      while (true) {
        JsonToken k = t.next();
        if (k == JsonToken::kEndObject) break;
        if (k != JsonToken::kFieldName) return false;
        if (!first) out += ',';
        first = false;
        appendJsonString(out, t.text());
        out += ':';
        t.next();
        if (!copyStructure(t, out, strict)) return false;
      }
      out += '}';
      return true;
    }
    case JsonToken::kStartArray: {
      out += '[';
      bool first = true;
      while (true) {
        JsonToken k = t.next();
        if (k == JsonToken::kEndArray) break;
        if (!first) out += ',';
        first = false;
        if (!copyStructure(t, out, strict)) return false;
      }
      out += ']';
      return true;
    }
    case JsonToken::kString:
      appendJsonString(out, t.text());
      return true;
    case JsonToken::kInt:
      appendNormalizedInteger(out, t.text());
      return true;
    case JsonToken::kFloat: {
      std::string_view text = t.text();
      bool word = !text.empty() && !isDigit(text.back());
      if (strict && !word) {
        // Leading zeros (allowNumericLeadingZeros) are not strict JSON.
        size_t i = text[0] == '-' ? 1 : 0;
        out.append(text.substr(0, i));
        while (i + 1 < text.size() && text[i] == '0' && isDigit(text[i + 1])) ++i;
        out.append(text.substr(i));
        return true;
      }
      double d = tokenDouble(text);
      std::string formatted = columnar::formatDouble(d);
      if (std::isfinite(d)) {
        out += formatted;
      } else {
        out += '"';
        out += formatted;
        out += '"';
      }
      return true;
    }
    case JsonToken::kTrue:
      out += "true";
      return true;
    case JsonToken::kFalse:
      out += "false";
      return true;
    case JsonToken::kNull:
      out += "null";
      return true;
    default:
      return false;
  }
}

}  // namespace

bool copyJsonStructure(JsonTokenizer& t, std::string& out) { return copyStructure(t, out, false); }

bool normalizeJson(std::string_view text, const JsonFeatures& features, std::string& out) {
  JsonTokenizer t(text, features);
  JsonToken first = t.next();
  if (first == JsonToken::kEnd) return true;
  if (first == JsonToken::kError) return false;
  return copyStructure(t, out, true);
}

size_t jsonPadding() { return simdjson::SIMDJSON_PADDING; }

// ===== column builders

namespace {

enum class Status : uint8_t { kOk, kPartial, kFailed, kMalformed };

/// A field name prepared for comparison with a raw key in the input: the name and its closing
/// quote, compared 16 bytes at once (the input is padded, so reading past a short key is safe).
struct KeyMatcher {
  enum class Kind : uint8_t { kNever, kShort, kLong };
  __m128i pattern = _mm_setzero_si128();
  uint32_t mask = 0;  // the bytes of `pattern` that must match
  Kind kind = Kind::kNever;
  std::string quoted;  // name + '"'

  void init(std::string_view name) {
    quoted = std::string(name) + '"';
    // A name with a quote or backslash appears escaped in the input: compare it unescaped.
    if (name.find_first_of("\"\\") != std::string_view::npos) return;
    // Nor control characters, which JSON text cannot hold unescaped.
    for (char ch : name) {
      if (static_cast<unsigned char>(ch) < 0x20) return;
    }
    if (quoted.size() > 16) {
      // Longer names are compared in place when the read stays within the input's padding.
      if (quoted.size() <= 48) kind = Kind::kLong;
      return;
    }
    alignas(16) char bytes[16] = {};
    std::memcpy(bytes, quoted.data(), quoted.size());
    pattern = _mm_load_si128(reinterpret_cast<const __m128i*>(bytes));
    mask = (1u << quoted.size()) - 1;
    kind = Kind::kShort;
  }

  /// Whether the key starting at `raw` (just after its opening quote) is this name.
  [[gnu::always_inline]] bool matches(const char* raw) const {
    if (kind == Kind::kShort) {
      __m128i key = _mm_loadu_si128(reinterpret_cast<const __m128i*>(raw));
      auto equal = static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(key, pattern)));
      return (equal & mask) == mask;
    }
    return kind == Kind::kLong && std::memcmp(raw, quoted.data(), quoted.size()) == 0;
  }
};

/// One output column under construction, with its children. Rows can be rolled back (truncate),
/// which partial results and the per-record fallback need. Owned by one parse call.
struct Column {
  const DataType* type = nullptr;
  TypeId id = TypeId::kNull;
  size_t width = 0;
  size_t size = 0;
  // The null mask is only materialized once a null appears.
  bool anyNull = false;
  std::vector<uint8_t> nulls;
  // Fixed-width values: `values` is grown ahead in large steps; `used` bytes are filled.
  columnar::PodVector<uint8_t> values;
  size_t used = 0;
  // Offsets (strings, arrays, maps): offsets[0..size] are filled; grown ahead like `values`.
  columnar::PodVector<uint32_t> offsets;
  // String bytes: grown ahead like `values`; `bytesUsed` are filled.
  columnar::ByteBuffer bytes;
  size_t bytesUsed = 0;
  std::vector<Column> children;
  // Structs: the field names, their matchers, and the child each name resolves to (the last of
  // duplicates as Spark's StructType does; -1 for the corrupt-record column, which the parser
  // never fills from the input).
  std::vector<std::string_view> names;
  std::vector<KeyMatcher> matchers;
  std::vector<int> resolved;
  std::unordered_map<std::string_view, int> byName;

  void init(const DataType& t) {
    type = &t;
    id = t.id();
    width = id == TypeId::kNull ? 0 : static_cast<size_t>(std::max(t.fixedWidth(), 0));
    switch (id) {
      case TypeId::kString:
      case TypeId::kBinary:
        offsets.push_back(0);
        break;
      case TypeId::kArray:
        offsets.push_back(0);
        children.resize(1);
        children[0].init(*t.elementType());
        break;
      case TypeId::kMap:
        offsets.push_back(0);
        children.resize(2);
        children[0].init(*t.keyType());
        children[1].init(*t.valueType());
        break;
      case TypeId::kStruct: {
        const auto& fields = t.fields();
        children.resize(fields.size());
        matchers.resize(fields.size());
        for (size_t i = 0; i < fields.size(); ++i) {
          children[i].init(*fields[i].type);
          names.push_back(fields[i].name);
          matchers[i].init(fields[i].name);
          byName[fields[i].name] = static_cast<int>(i);
        }
        for (size_t i = 0; i < fields.size(); ++i) resolved.push_back(byName[names[i]]);
        break;
      }
      default:
        break;
    }
  }

  void excludeField(size_t i) {
    byName.erase(names[i]);
    for (auto& r : resolved) {
      if (r == static_cast<int>(i)) r = -1;
    }
    // A duplicate of the excluded name that came earlier keeps resolving to itself.
    for (size_t k = 0; k < names.size(); ++k) {
      if (k != i && names[k] == names[i]) {
        byName[names[k]] = static_cast<int>(k);
        resolved[k] = static_cast<int>(k);
      }
    }
  }

  int lookup(std::string_view name) const {
    if (names.size() <= 8) {
      for (size_t i = names.size(); i-- > 0;) {
        if (names[i] == name) return resolved[i];
      }
      return -1;
    }
    auto it = byName.find(name);
    return it == byName.end() ? -1 : it->second;
  }

  void reserve(size_t rows) {
    if (width > 0) values.resize(rows * width);
    if (!offsets.empty()) offsets.resize(std::max(offsets.size(), rows + 1));
    if (id == TypeId::kStruct) {
      for (auto& c : children) c.reserve(rows);
    }
  }

  [[gnu::always_inline]] void markValid() {
    if (anyNull) nulls.push_back(0);
    ++size;
  }

  void appendNull() {
    switch (id) {
      case TypeId::kString:
      case TypeId::kBinary:
      case TypeId::kArray:
      case TypeId::kMap:
        pushOffset(offsets[size]);
        break;
      case TypeId::kStruct:
        for (auto& c : children) c.appendNull();
        break;
      case TypeId::kNull:
        break;
      default:
        growValues(width);
        std::memset(values.data() + used, 0, width);
        used += width;
        break;
    }
    if (!anyNull) {
      nulls.assign(size, 0);
      anyNull = true;
    }
    nulls.push_back(1);
    ++size;
  }

  void growValues(size_t n) {
    if (used + n > values.size()) values.resize(std::max<size_t>(values.size() * 2, 1024));
  }

  template <class T>
  [[gnu::always_inline]] void appendFixed(T v) {
    growValues(sizeof(T));
    std::memcpy(values.data() + used, &v, sizeof(T));
    used += sizeof(T);
    markValid();
  }

  void growBytes(size_t n) {
    bytes.resize(std::max({bytes.size() * 2, bytesUsed + n + 64, size_t{4096}}));
  }

  void appendBytes(std::string_view s) {
    if (bytesUsed + s.size() + 64 > bytes.size()) growBytes(s.size());
    std::memcpy(bytes.data() + bytesUsed, s.data(), s.size());
    bytesUsed += s.size();
    pushOffset(static_cast<uint32_t>(bytesUsed));
    markValid();
  }

  /// Appends bytes from a padded JSON buffer: short strings are copied 32 bytes at a time,
  /// reading into the padding and writing into the slack kept after `bytesUsed`.
  [[gnu::always_inline]] void appendFromJson(const char* p, size_t n) {
    if (bytesUsed + n + 64 > bytes.size()) growBytes(n);
    char* dst = bytes.data() + bytesUsed;
    if (n <= 32) {
      std::memcpy(dst, p, 16);
      std::memcpy(dst + 16, p + 16, 16);
    } else {
      std::memcpy(dst, p, n);
    }
    bytesUsed += n;
    pushOffset(static_cast<uint32_t>(bytesUsed));
    markValid();
  }


  void endList() {
    pushOffset(static_cast<uint32_t>(children[0].size));
    markValid();
  }

  /// Sets offsets[size + 1]; called before the row is counted.
  [[gnu::always_inline]] void pushOffset(uint32_t v) {
    if (size + 2 > offsets.size()) offsets.resize(std::max<size_t>(offsets.size() * 2, 1024));
    offsets[size + 1] = v;
  }

  /// Drops rows from n on, and whatever a row in progress appended to the children.
  void truncate(size_t n) {
    if (n > size) return;
    switch (id) {
      case TypeId::kString:
      case TypeId::kBinary:
        bytesUsed = offsets[n];
        break;
      case TypeId::kArray:
      case TypeId::kMap:
        for (auto& c : children) c.truncate(offsets[n]);
        break;
      case TypeId::kStruct:
        for (auto& c : children) c.truncate(n);
        break;
      case TypeId::kNull:
        break;
      default:
        used = n * width;
        break;
    }
    if (anyNull) nulls.resize(n);
    size = n;
  }

  MutableVectorPtr finish(const DataTypePtr& t) {
    auto v = Vector::make(t);
    switch (id) {
      case TypeId::kString:
      case TypeId::kBinary:
        offsets.resize(size + 1);
        v->offsetsVector() = std::move(offsets);
        bytes.resize(bytesUsed);
        v->mutableBytes() = std::move(bytes);
        v->setSizeUnchecked(size);
        break;
      case TypeId::kArray:
        v->setChild(0, children[0].finish(t->elementType()));
        offsets.resize(size + 1);
        v->offsetsVector() = std::move(offsets);
        v->setSizeUnchecked(size);
        break;
      case TypeId::kMap:
        v->setChild(0, children[0].finish(t->keyType()));
        v->setChild(1, children[1].finish(t->valueType()));
        offsets.resize(size + 1);
        v->offsetsVector() = std::move(offsets);
        v->setSizeUnchecked(size);
        break;
      case TypeId::kStruct:
        for (size_t i = 0; i < children.size(); ++i) {
          v->setChild(i, children[i].finish(t->fields()[i].type));
        }
        v->resize(size);
        break;
      case TypeId::kNull:
        v->resize(size);
        break;
      default:
        values.resize(used);
        v->valuesVector() = std::move(values);
        v->resize(size);
        break;
    }
    if (id == TypeId::kNull) {
      std::vector<uint8_t> all(size, 1);
      v->setNullMask(all.data(), size);
    } else if (anyNull) {
      v->setNullMask(nulls.data(), size);
    }
    return v;
  }
};

}  // namespace

// ===== the plan

struct JsonReader::Plan {
  DataTypePtr type;
  JsonReadOptions options;
  JsonRecordMode mode = JsonRecordMode::kFunction;
  std::vector<std::string> timestampPatterns;
  std::vector<std::string> timestampNtzPatterns;
  std::vector<std::string> datePatterns;
  int corruptIndex = -1;
  /// Bytes per row seen in earlier calls for each top-level string field, so later calls size
  /// their buffers once (a hint; races between threads only make it less exact).
  mutable std::unique_ptr<std::atomic<uint32_t>[]> bytesPerRow;

  bool parseTimestamp(std::string_view text, int64_t& out) const {
    return parseTimestampWith(text, timestampPatterns, false, out);
  }

  bool parseTimestampNtz(std::string_view text, int64_t& out) const {
    return parseTimestampWith(text, timestampNtzPatterns, true, out);
  }

  // With no patterns, Spark's lenient ISO parsing; else the first pattern that matches.
  static bool parseTimestampWith(std::string_view text, const std::vector<std::string>& patterns, bool ntz,
                                 int64_t& out) {
    if (patterns.empty()) {
      auto v = base::parseTimestamp(text, ntz);
      if (!v) return false;
      out = *v;
      return true;
    }
    for (const auto& p : patterns) {
      if (auto v = base::parseWithPattern(text, p)) {
        out = *v;
        return true;
      }
    }
    return false;
  }

  bool parseDate(std::string_view text, int32_t& out) const {
    if (datePatterns.empty()) {
      if (auto v = base::parseDate(text)) {
        out = *v;
        return true;
      }
      // Spark 1.5 wrote dates as the number of days since the epoch.
      int64_t days = 0;
      if (!parseIntegral(text, std::numeric_limits<int32_t>::min(),
                         std::numeric_limits<int32_t>::max(), days)) {
        return false;
      }
      out = static_cast<int32_t>(days);
      return true;
    }
    for (const auto& p : datePatterns) {
      if (auto v = base::parseWithPattern(text, p)) {
        out = base::microsToDays(*v);
        return true;
      }
    }
    return false;
  }
};

namespace {

void checkReadableType(const DataType& t, const DataType& whole) {
  switch (t.id()) {
    case TypeId::kMap:
      if (t.keyType()->id() != TypeId::kString) {
        throw AnalysisError(
            "DATATYPE_MISMATCH.INVALID_JSON_MAP_KEY_TYPE",
            "Input schema " + whole.sql() + " can only contain STRING as a key type for a MAP.");
      }
      checkReadableType(*t.valueType(), whole);
      break;
    case TypeId::kArray:
      checkReadableType(*t.elementType(), whole);
      break;
    case TypeId::kStruct:
      for (const auto& f : t.fields()) checkReadableType(*f.type, whole);
      break;
    default:
      break;
  }
}

// ===== converting simdjson values

/// Converts the values of one parse call into Column builders with JacksonParser's rules. Not
/// thread-safe; one per call.
class Converter {
 public:
  explicit Converter(const JsonReader::Plan& plan) : plan_(plan), f_(plan.options.features) {}

  /// Sets the end of the bytes the current document lives in (for bounded scans).
  void setBuffer(const char* end) { bufferEnd_ = end; }

  /// The raw token of a value, cut at the end of the buffer: simdjson measures a token to the
  /// next structural character, which after the last one of a malformed input lies nowhere.
  /// The token ends at the next structural character (or at the end of the buffer, which is
  /// padded). A value followed by ':' is malformed; simdjson would read it as a key when it skips
  /// a value that was not consumed, so every converter checks this first.
  [[gnu::always_inline]] static bool followedByColon(std::string_view token) {
    return token.data()[token.size()] == ':';
  }

  [[gnu::always_inline]] std::string_view tokenOf(od::value& v) const {
    std::string_view token = v.raw_json_token();
    if (token.data() >= bufferEnd_) return std::string_view(bufferEnd_, 0);
    auto room = static_cast<size_t>(bufferEnd_ - token.data());
    return token.size() <= room ? token : std::string_view(token.data(), room);
  }

  Status convertObject(od::object& obj, Column& c, int depth) {
    if (depth > JsonTokenizer::kMaxDepth) return Status::kMalformed;
    const size_t row = c.size;
    const size_t n = c.children.size();
    // Which fields this object set: one word on the stack for up to 64 fields.
    uint64_t seenLocal = 0;
    std::vector<uint64_t> seenHeap;
    uint64_t* seen = &seenLocal;
    if (n > 64) {
      seenHeap.assign((n + 63) / 64, 0);
      seen = seenHeap.data();
    }
    size_t seenCount = 0;
    Status status = Status::kOk;
    size_t expected = 0;
    for (auto fieldResult : obj) {
      if (fieldResult.error()) return Status::kMalformed;
      od::field&& field = std::move(fieldResult).value_unsafe();
      int index = -1;
      const char* raw = field.key().raw();
      if (expected < n && c.matchers[expected].matches(raw)) {
        index = c.resolved[expected];
        if (index < 0) {
          if (!validateValue(field.value(), depth)) return Status::kMalformed;
          ++expected;
          continue;
        }
      }
      if (index < 0) {
        std::string_view key;
        if (!keyText(field, raw, key)) return Status::kMalformed;
        index = c.lookup(key);
        if (index < 0) {
          if (!validateValue(field.value(), depth)) return Status::kMalformed;
          continue;
        }
      }
      const auto at = static_cast<size_t>(index);
      expected = at + 1;
      Column& child = c.children[at];
      const uint64_t bit = uint64_t{1} << (at & 63);
      uint64_t& word = seen[at >> 6];
      if ((word & bit) != 0) {
        child.truncate(row);  // a repeated key: the last value wins
      } else {
        word |= bit;
        ++seenCount;
      }
      Status s = convertValue(field.value(), child, depth + 1);
      if (s != Status::kOk) {
        if (s == Status::kMalformed) return s;
        if (s == Status::kFailed) {
          child.truncate(row);
          child.appendNull();
        }
        status = Status::kPartial;
      }
    }
    if (seenCount != n) {
      for (size_t i = 0; i < n; ++i) {
        if (((seen[i >> 6] >> (i & 63)) & 1) == 0) c.children[i].appendNull();
      }
    }
    c.markValid();
    return status;
  }

  Status convertArray(od::array& arr, Column& c, int depth) {
    if (depth > JsonTokenizer::kMaxDepth) return Status::kMalformed;
    Column& element = c.children[0];
    Status status = Status::kOk;
    for (auto elementResult : arr) {
      od::value v;
      if (std::move(elementResult).get(v)) return Status::kMalformed;
      if (status == Status::kFailed) {
        if (!validateValue(v, depth)) return Status::kMalformed;
        continue;
      }
      Status s = convertValue(v, element, depth + 1);
      if (s == Status::kMalformed) return s;
      // An element that does not convert fails the whole array (Spark only keeps partial
      // structs); the rest must still be valid JSON.
      if (s == Status::kFailed) status = Status::kFailed;
      if (s == Status::kPartial) status = Status::kPartial;
    }
    if (status == Status::kFailed) return status;
    c.endList();
    return status;
  }

  Status convertMap(od::object& obj, Column& c, int depth) {
    if (depth > JsonTokenizer::kMaxDepth) return Status::kMalformed;
    Column& keys = c.children[0];
    Column& values = c.children[1];
    Status status = Status::kOk;
    for (auto fieldResult : obj) {
      if (fieldResult.error()) return Status::kMalformed;
      od::field&& field = std::move(fieldResult).value_unsafe();
      std::string_view key;
      if (!keyText(field, field.key().raw(), key)) return Status::kMalformed;
      if (status == Status::kFailed) {
        if (!validateValue(field.value(), depth)) return Status::kMalformed;
        continue;
      }
      keys.appendBytes(key);
      Status s = convertValue(field.value(), values, depth + 1);
      if (s == Status::kMalformed) return s;
      if (s == Status::kFailed) status = Status::kFailed;
      if (s == Status::kPartial) status = Status::kPartial;
    }
    if (status == Status::kFailed) return status;
    c.endList();
    return status;
  }

  /// The common cases inline (strings, doubles, longs, ISO timestamps); the rest out of line.
  [[gnu::always_inline]] Status convertValue(od::value& v, Column& c, int depth) {
    std::string_view token = tokenOf(v);
    if (followedByColon(token)) return Status::kMalformed;
    char first = token.empty() ? '\0' : token[0];
    switch (c.id) {
      case TypeId::kString:
        if (first == '"') return appendString(token, c);
        break;
      case TypeId::kDouble:
        if (first == '-' || isDigit(first)) {
          double d;
          if (v.get_double().get(d) == simdjson::SUCCESS) {
            c.appendFixed<double>(d);
            return Status::kOk;
          }
        }
        break;
      case TypeId::kTimestamp:
        if (first == '"' && plan_.timestampPatterns.empty()) {
          std::string_view text;
          int64_t micros;
          if (stringText(token, text) == Status::kOk &&
              parseIsoTimestampFast(text, micros, dayCache_)) {
            c.appendFixed<int64_t>(micros);
            return Status::kOk;
          }
        }
        break;
      default:
        break;
    }
    return convertValueSlow(v, c, depth);
  }

  [[gnu::noinline]] Status convertValueSlow(od::value& v, Column& c, int depth) {
    std::string_view token = tokenOf(v);
    if (followedByColon(token)) return Status::kMalformed;
    char first = token.empty() ? '\0' : token[0];
    if (first == 'n') {
      if (trimRight(token) != "null") return Status::kMalformed;
      c.appendNull();
      return Status::kOk;
    }
    switch (c.id) {
      case TypeId::kString: {
        if (first == '"') return appendString(token, c);
        scratch_.clear();
        if (!copyValue(v, scratch_, depth)) return Status::kMalformed;
        c.appendBytes(scratch_);
        return Status::kOk;
      }
      case TypeId::kBoolean: {
        if (first == 't' || first == 'f') {
          std::string_view t = trimRight(token);
          if (t == "true") {
            c.appendFixed<uint8_t>(1);
            return Status::kOk;
          }
          if (t == "false") {
            c.appendFixed<uint8_t>(0);
            return Status::kOk;
          }
          return Status::kMalformed;
        }
        return failOn(v, depth);
      }
      case TypeId::kByte:
        return convertIntegral<int8_t>(v, token, c, -128, 255, depth);
      case TypeId::kShort:
        return convertIntegral<int16_t>(v, token, c, std::numeric_limits<int16_t>::min(),
                                        std::numeric_limits<int16_t>::max(), depth);
      case TypeId::kInteger:
        return convertIntegral<int32_t>(v, token, c, std::numeric_limits<int32_t>::min(),
                                        std::numeric_limits<int32_t>::max(), depth);
      case TypeId::kLong:
        return convertIntegral<int64_t>(v, token, c, std::numeric_limits<int64_t>::min(),
                                        std::numeric_limits<int64_t>::max(), depth);
      case TypeId::kDouble: {
        if (first == '-' || isDigit(first)) {
          double d;
          if (v.get_double().get(d) == simdjson::SUCCESS) {
            c.appendFixed<double>(d);
            return Status::kOk;
          }
          std::string_view t = trimRight(token);
          if (classifyNumber(t) == NumberKind::kInvalid) return Status::kMalformed;
          c.appendFixed<double>(tokenDouble(t));
          return Status::kOk;
        }
        if (first == '"') {
          double d;
          Status s = specialFloating(token, d);
          if (s == Status::kOk) c.appendFixed<double>(d);
          return s;
        }
        return failOn(v, depth);
      }
      case TypeId::kFloat: {
        if (first == '-' || isDigit(first)) {
          std::string_view t = trimRight(token);
          if (classifyNumber(t) == NumberKind::kInvalid) return Status::kMalformed;
          float f = 0;
          auto r = std::from_chars(t.data(), t.data() + t.size(), f);
          if (r.ec != std::errc()) f = std::strtof(std::string(t).c_str(), nullptr);
          c.appendFixed<float>(f);
          return Status::kOk;
        }
        if (first == '"') {
          double d;
          Status s = specialFloating(token, d);
          if (s == Status::kOk) c.appendFixed<float>(static_cast<float>(d));
          return s;
        }
        return failOn(v, depth);
      }
      case TypeId::kDecimal: {
        std::string_view text;
        if (first == '-' || isDigit(first)) {
          text = trimRight(token);
          if (classifyNumber(text) == NumberKind::kInvalid) return Status::kMalformed;
        } else if (first == '"') {
          Status s = stringText(token, text);
          if (s != Status::kOk) return s;
          if (text.empty()) return Status::kFailed;
          // Spark's en-US decimal parser drops grouping commas.
          if (text.find(',') != std::string_view::npos) {
            std::string copy;
            for (char ch : text) {
              if (ch != ',') copy += ch;
            }
            text_ = std::move(copy);
            text = text_;
          }
        } else {
          return failOn(v, depth);
        }
        int128_t unscaled = 0;
        if (!decimalFromText(text, c.type->precision(), c.type->scale(), unscaled)) {
          return Status::kFailed;
        }
        c.appendFixed<int128_t>(unscaled);
        return Status::kOk;
      }
      case TypeId::kTimestamp: {
        if (first == '"') {
          std::string_view text;
          Status s = stringText(token, text);
          if (s != Status::kOk) return s;
          int64_t micros;
          if (text.empty() || !plan_.parseTimestamp(text, micros)) return Status::kFailed;
          c.appendFixed<int64_t>(micros);
          return Status::kOk;
        }
        if (first == '-' || isDigit(first)) {
          std::string_view t = trimRight(token);
          NumberKind kind = classifyNumber(t);
          if (kind == NumberKind::kInvalid) return Status::kMalformed;
          int64_t seconds;
          if (kind != NumberKind::kInteger ||
              !parseIntegral(t, std::numeric_limits<int64_t>::min(),
                             std::numeric_limits<int64_t>::max(), seconds)) {
            return Status::kFailed;
          }
          // Scala's Long multiplication wraps.
          c.appendFixed<int64_t>(static_cast<int64_t>(static_cast<uint64_t>(seconds) * 1000000ULL));
          return Status::kOk;
        }
        return failOn(v, depth);
      }
      case TypeId::kTimestampNtz: {
        if (first != '"') return failOn(v, depth);
        std::string_view text;
        Status s = stringText(token, text);
        if (s != Status::kOk) return s;
        int64_t micros;
        if (text.empty() || !plan_.parseTimestampNtz(text, micros)) return Status::kFailed;
        c.appendFixed<int64_t>(micros);
        return Status::kOk;
      }
      case TypeId::kDate: {
        if (first != '"') return failOn(v, depth);
        std::string_view text;
        Status s = stringText(token, text);
        if (s != Status::kOk) return s;
        int32_t days;
        if (text.empty() || !plan_.parseDate(text, days)) return Status::kFailed;
        c.appendFixed<int32_t>(days);
        return Status::kOk;
      }
      case TypeId::kBinary: {
        if (first != '"') return failOn(v, depth);
        std::string_view text;
        Status s = stringText(token, text);
        if (s != Status::kOk) return s;
        std::string decoded;
        if (!decodeBase64(text, decoded)) return Status::kFailed;
        c.appendBytes(decoded);
        return Status::kOk;
      }
      case TypeId::kStruct: {
        if (first != '{') return failOn(v, depth);
        od::object obj;
        if (v.get_object().get(obj)) return Status::kMalformed;
        return convertObject(obj, c, depth);
      }
      case TypeId::kArray: {
        if (first != '[') return failOn(v, depth);
        od::array arr;
        if (v.get_array().get(arr)) return Status::kMalformed;
        return convertArray(arr, c, depth);
      }
      case TypeId::kMap: {
        if (first != '{') return failOn(v, depth);
        od::object obj;
        if (v.get_object().get(obj)) return Status::kMalformed;
        return convertMap(obj, c, depth);
      }
      case TypeId::kNull:
        if (!validateValue(v, depth)) return Status::kMalformed;
        c.appendNull();
        return Status::kOk;
    }
    return Status::kMalformed;
  }

  /// Whether the value is valid JSON under Jackson's rules (it is skipped, as Jackson skips
  /// children it does not convert, but still reads every token).
  bool validateValue(od::value& v, int depth) {
    if (depth > JsonTokenizer::kMaxDepth) return false;
    std::string_view token = tokenOf(v);
    if (followedByColon(token)) return false;
    char first = token.empty() ? '\0' : token[0];
    switch (first) {
      case '{': {
        od::object obj;
        if (v.get_object().get(obj)) return false;
        for (auto fieldResult : obj) {
          if (fieldResult.error()) return false;
          od::field&& field = std::move(fieldResult).value_unsafe();
          std::string_view key;
          if (!keyText(field, field.key().raw(), key)) return false;
          if (!validateValue(field.value(), depth + 1)) return false;
        }
        return true;
      }
      case '[': {
        od::array arr;
        if (v.get_array().get(arr)) return false;
        for (auto elementResult : arr) {
          od::value e;
          if (std::move(elementResult).get(e)) return false;
          if (!validateValue(e, depth + 1)) return false;
        }
        return true;
      }
      case '"': {
        std::string_view text;
        return stringText(token, text) == Status::kOk;
      }
      default:
        return validScalar(trimRight(token));
    }
  }

 private:
  static bool validScalar(std::string_view t) {
    return t == "true" || t == "false" || t == "null" || classifyNumber(t) != NumberKind::kInvalid;
  }

  Status failOn(od::value& v, int depth) {
    return validateValue(v, depth) ? Status::kFailed : Status::kMalformed;
  }

  template <class T>
  Status convertIntegral(od::value& v, std::string_view token, Column& c, int64_t lo, int64_t hi,
                         int depth) {
    char first = token[0];
    if (first == '-' || isDigit(first)) {
      std::string_view t = trimRight(token);
      NumberKind kind = classifyNumber(t);
      if (kind == NumberKind::kInvalid) return Status::kMalformed;
      int64_t x;
      if (kind != NumberKind::kInteger || !parseIntegral(t, lo, hi, x)) return Status::kFailed;
      c.appendFixed<T>(static_cast<T>(x));
      return Status::kOk;
    }
    return failOn(v, depth);
  }

  // The unescaped text of a string token; kMalformed for bad escapes.
  [[gnu::always_inline]] Status stringText(std::string_view token, std::string_view& text) {
    std::string_view t = !token.empty() && token.back() == '"' ? token : trimRight(token);
    if (t.size() < 2 || t.back() != '"') return Status::kMalformed;
    std::string_view body(t.data() + 1, t.size() - 2);
    if (!hasBackslash(body.data(), body.size())) {
      text = body;
      return Status::kOk;
    }
    text_.clear();
    if (!unescapeBody(body, text_, strict())) return Status::kMalformed;
    text = text_;
    return Status::kOk;
  }

  [[gnu::always_inline]] Status appendString(std::string_view token, Column& c) {
    std::string_view t = !token.empty() && token.back() == '"' ? token : trimRight(token);
    if (t.size() < 2 || t.back() != '"') return Status::kMalformed;
    std::string_view body(t.data() + 1, t.size() - 2);
    if (!hasBackslash(body.data(), body.size())) {
      c.appendFromJson(body.data(), body.size());
      return Status::kOk;
    }
    scratch_.clear();
    if (!unescapeBody(body, scratch_, strict())) return Status::kMalformed;
    c.appendBytes(scratch_);
    return Status::kOk;
  }

  // A string into a float or double: NaN and the infinities when allowNonNumericNumbers.
  Status specialFloating(std::string_view token, double& d) {
    std::string_view text;
    Status s = stringText(token, text);
    if (s != Status::kOk) return s;
    if (f_.allowNonNumericNumbers) {
      if (text == "NaN") {
        d = std::numeric_limits<double>::quiet_NaN();
        return Status::kOk;
      }
      if (text == "+INF" || text == "+Infinity" || text == "Infinity") {
        d = std::numeric_limits<double>::infinity();
        return Status::kOk;
      }
      if (text == "-INF" || text == "-Infinity") {
        d = -std::numeric_limits<double>::infinity();
        return Status::kOk;
      }
    }
    return Status::kFailed;
  }

  // The key of a field: the raw bytes when they hold no escape, else unescaped by simdjson.
  bool keyText(od::field& field, const char* raw, std::string_view& key) {
    size_t limit = static_cast<size_t>(bufferEnd_ - raw);
    const void* quote = std::memchr(raw, '"', limit);
    if (quote != nullptr) {
      auto len = static_cast<size_t>(static_cast<const char*>(quote) - raw);
      if (std::memchr(raw, '\\', len) == nullptr) {
        key = std::string_view(raw, len);
        return true;
      }
    }
    return field.unescaped_key().get(key) == simdjson::SUCCESS;
  }

  // Jackson's copyCurrentStructure of a non-string value into a string column.
  bool copyValue(od::value& v, std::string& out, int depth) {
    if (depth > JsonTokenizer::kMaxDepth) return false;
    std::string_view token = tokenOf(v);
    if (followedByColon(token)) return false;
    char first = token.empty() ? '\0' : token[0];
    switch (first) {
      case '{': {
        od::object obj;
        if (v.get_object().get(obj)) return false;
        out += '{';
        bool firstField = true;
        for (auto fieldResult : obj) {
          if (fieldResult.error()) return false;
          od::field&& field = std::move(fieldResult).value_unsafe();
          std::string_view key;
          if (!keyText(field, field.key().raw(), key)) return false;
          if (!firstField) out += ',';
          firstField = false;
          appendJsonString(out, key);
          out += ':';
          if (!copyValue(field.value(), out, depth + 1)) return false;
        }
        out += '}';
        return true;
      }
      case '[': {
        od::array arr;
        if (v.get_array().get(arr)) return false;
        out += '[';
        bool firstElement = true;
        for (auto elementResult : arr) {
          od::value e;
          if (std::move(elementResult).get(e)) return false;
          if (!firstElement) out += ',';
          firstElement = false;
          if (!copyValue(e, out, depth + 1)) return false;
        }
        out += ']';
        return true;
      }
      case '"': {
        std::string_view text;
        if (stringText(token, text) != Status::kOk) return false;
        appendJsonString(out, text);
        return true;
      }
      default: {
        std::string_view t = trimRight(token);
        if (t == "true" || t == "false" || t == "null") {
          out += t;
          return true;
        }
        NumberKind kind = classifyNumber(t);
        if (kind == NumberKind::kInvalid) return false;
        if (kind == NumberKind::kInteger) {
          appendNormalizedInteger(out, t);
        } else {
          double d = tokenDouble(t);
          if (std::isfinite(d)) {
            out += columnar::formatDouble(d);
          } else {
            out += '"';
            out += columnar::formatDouble(d);
            out += '"';
          }
        }
        return true;
      }
    }
  }

  // ----- the fast path for the common record shape

 public:

  /// Parses a record that is one flat object of plain values (null, true, false, numbers that
  /// convert exactly, strings without escapes or control characters, ISO timestamps) straight
  /// from the text, without simdjson, appending one row to `c`. `p` is at the '{', `end` is the
  /// record's end; the buffer is padded past it. Returns false for any other record: the caller
  /// rolls back what was appended and takes the general path, which decides everything the fast
  /// path does not (malformed input, escapes, nesting, repeated keys, lenient features).
  bool fastRecord(const char* p, const char* end, Column& c) {
    const size_t n = c.children.size();
    if (n > 64) return false;
    const char* const start = p;
    bool high = false;  // bytes >= 0x80 seen: the record's UTF-8 is checked at the end
    uint64_t seen = 0;
    size_t expected = 0;
    ++p;
    skipWhitespace(p, end);
    if (p < end && *p == '}') {
      ++p;
    } else {
      for (;;) {
        if (p >= end || *p != '"') return false;
        const char* key = p + 1;
        const char* close;
        int index;
        if (expected < n && c.matchers[expected].matches(key)) {
          // The expected name and its closing quote: the key needs no scan.
          close = key + c.matchers[expected].quoted.size() - 1;
          if (close >= end) return false;
          index = c.resolved[expected];
        } else {
          close = scanString(key, end, high);
          if (close == nullptr) return false;
          index = c.lookup(std::string_view(key, static_cast<size_t>(close - key)));
        }
        p = close + 1;
        skipWhitespace(p, end);
        if (p >= end || *p != ':') return false;
        ++p;
        skipWhitespace(p, end);
        if (p >= end) return false;
        if (index < 0) {
          if (!fastSkip(p, end, high)) return false;
        } else {
          const auto at = static_cast<size_t>(index);
          expected = at + 1;
          const uint64_t bit = uint64_t{1} << at;
          if ((seen & bit) != 0) return false;
          seen |= bit;
          if (!fastValue(p, end, c.children[at], high)) return false;
        }
        skipWhitespace(p, end);
        if (p >= end) return false;
        if (*p == ',') {
          ++p;
          skipWhitespace(p, end);
          continue;
        }
        if (*p != '}') return false;
        ++p;
        break;
      }
    }
    skipWhitespace(p, end);
    if (p != end) return false;
    if (high && !simdjson::validate_utf8(start, static_cast<size_t>(end - start))) return false;
    const uint64_t all = n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1;
    if (seen != all) {
      for (size_t i = 0; i < n; ++i) {
        if (((seen >> i) & 1) == 0) c.children[i].appendNull();
      }
    }
    c.markValid();
    return true;
  }

  [[gnu::always_inline]] static void skipWhitespace(const char*& p, const char* end) {
    while (p < end && isJsonWhitespace(*p)) ++p;
  }

  /// The closing quote of a string whose body starts at `p`, or nullptr when the body holds a
  /// backslash or a control character (or is not closed before `end`). Reads 16 bytes at a time
  /// into the buffer's padding.
  [[gnu::always_inline]] static const char* scanString(const char* p, const char* end, bool& high) {
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(' ');
    while (p < end) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      // Signed compare: control characters and bytes >= 0x80 are both below ' '.
      const __m128i special = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                           _mm_cmplt_epi8(v, space));
      auto mask = static_cast<unsigned>(_mm_movemask_epi8(special));
      while (mask != 0) {
        const char* q = p + __builtin_ctz(mask);
        if (q >= end) return nullptr;
        if (*q == '"') return q;
        if (static_cast<unsigned char>(*q) < 0x80) return nullptr;
        high = true;
        mask &= mask - 1;
      }
      p += 16;
    }
    return nullptr;
  }

  /// A JSON number at `p` in the strict grammar, as a decimal mantissa and exponent. False for
  /// anything else and for mantissas of more than 19 digits.
  struct FastNumber {
    uint64_t mantissa = 0;
    int exponent = 0;
    bool negative = false;
    bool integer = true;
  };
  [[gnu::always_inline]] static bool fastNumber(const char*& p, const char* end, FastNumber& num) {
    if (*p == '-') {
      num.negative = true;
      ++p;
    }
    if (p >= end || !isDigit(*p)) return false;
    int digits = 0;
    if (*p == '0') {
      ++p;
      if (p < end && isDigit(*p)) return false;
    } else {
      while (p < end && isDigit(*p)) {
        num.mantissa = num.mantissa * 10 + static_cast<uint64_t>(*p++ - '0');
        ++digits;
      }
    }
    if (p < end && *p == '.') {
      ++p;
      num.integer = false;
      if (p >= end || !isDigit(*p)) return false;
      while (p < end && isDigit(*p)) {
        if (num.mantissa != 0 || *p != '0') ++digits;
        num.mantissa = num.mantissa * 10 + static_cast<uint64_t>(*p++ - '0');
        --num.exponent;
      }
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
      ++p;
      num.integer = false;
      bool negativeExponent = false;
      if (p < end && (*p == '+' || *p == '-')) negativeExponent = *p++ == '-';
      if (p >= end || !isDigit(*p)) return false;
      int e = 0;
      while (p < end && isDigit(*p)) {
        if (e > 10000) return false;
        e = e * 10 + (*p++ - '0');
      }
      num.exponent += negativeExponent ? -e : e;
    }
    return digits <= 19;
  }

  /// The exactly rounded double of a number, when one multiplication or division by an exact
  /// power of ten gives it (Clinger's fast path).
  [[gnu::always_inline]] static bool exactDouble(const FastNumber& num, double& d) {
    static constexpr double kPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                         1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    if (num.mantissa > (uint64_t{1} << 53) || num.exponent < -22 || num.exponent > 22) return false;
    d = static_cast<double>(num.mantissa);
    d = num.exponent < 0 ? d / kPowers[-num.exponent] : d * kPowers[num.exponent];
    if (num.negative) d = -d;
    return true;
  }

  /// Appends the value at `p` to `c` when the fast path converts it as the general path would.
  [[gnu::always_inline]] bool fastValue(const char*& p, const char* end, Column& c, bool& high) {
    switch (*p) {
      case 'n':
        if (end - p < 4 || std::memcmp(p, "null", 4) != 0) return false;
        p += 4;
        c.appendNull();
        return true;
      case 't':
      case 'f': {
        if (c.id != TypeId::kBoolean) return false;
        const bool value = *p == 't';
        const size_t len = value ? 4 : 5;
        if (static_cast<size_t>(end - p) < len || std::memcmp(p, value ? "true" : "false", len) != 0) return false;
        p += len;
        c.appendFixed<uint8_t>(value ? 1 : 0);
        return true;
      }
      case '"': {
        const char* body = p + 1;
        const char* close = scanString(body, end, high);
        if (close == nullptr) return false;
        const auto size = static_cast<size_t>(close - body);
        if (c.id == TypeId::kString) {
          c.appendFromJson(body, size);
        } else if (c.id == TypeId::kTimestamp && plan_.timestampPatterns.empty()) {
          int64_t micros;
          if (!parseIsoTimestampFast(std::string_view(body, size), micros, dayCache_)) return false;
          c.appendFixed<int64_t>(micros);
        } else {
          return false;
        }
        p = close + 1;
        return true;
      }
      default: {
        if (*p != '-' && !isDigit(*p)) return false;
        FastNumber num;
        if (!fastNumber(p, end, num)) return false;
        if (c.id == TypeId::kDouble) {
          double d;
          if (!exactDouble(num, d)) return false;
          c.appendFixed<double>(d);
          return true;
        }
        if (!num.integer || num.mantissa > (uint64_t{1} << 62)) return false;
        const int64_t v = num.negative ? -static_cast<int64_t>(num.mantissa) : static_cast<int64_t>(num.mantissa);
        if (c.id == TypeId::kLong) {
          c.appendFixed<int64_t>(v);
          return true;
        }
        if (c.id == TypeId::kInteger && v >= std::numeric_limits<int32_t>::min() &&
            v <= std::numeric_limits<int32_t>::max()) {
          c.appendFixed<int32_t>(static_cast<int32_t>(v));
          return true;
        }
        return false;
      }
    }
  }

  /// Steps over a plain value of a field the schema does not hold.
  static bool fastSkip(const char*& p, const char* end, bool& high) {
    switch (*p) {
      case '"': {
        const char* close = scanString(p + 1, end, high);
        if (close == nullptr) return false;
        p = close + 1;
        return true;
      }
      case 'n':
      case 't':
      case 'f': {
        std::string_view literal = *p == 'n' ? "null" : *p == 't' ? "true" : "false";
        if (static_cast<size_t>(end - p) < literal.size() || std::memcmp(p, literal.data(), literal.size()) != 0) {
          return false;
        }
        p += literal.size();
        return true;
      }
      default: {
        if (*p != '-' && !isDigit(*p)) return false;
        FastNumber num;
        return fastNumber(p, end, num);
      }
    }
  }

 private:
  // Strict JSON escapes for simdjson input (lenient records were normalized beforehand).
  JsonFeatures strict() const {
    JsonFeatures s;
    s.allowSingleQuotes = false;
    s.allowBackslashEscapingAnyCharacter = false;
    return s;
  }

  const JsonReader::Plan& plan_;
  JsonFeatures f_;
  const char* bufferEnd_ = nullptr;
  std::string text_;
  std::string scratch_;  // a string value built by a slow path (escapes, copied structures)
  DayCache dayCache_;
};

// ===== records

/// The simdjson parsers of one thread: one for iterate_many streams, one for single records.
struct ThreadParsers {
  od::parser stream;
  od::parser single;
  ThreadParsers() {
#ifdef SIMDJSON_THREADS_ENABLED
    stream.threaded = false;
    single.threaded = false;
#endif
  }
};

ThreadParsers& threadParsers() {
  thread_local ThreadParsers parsers;
  return parsers;
}

// A stream covers at most this many records, which bounds the cost of restarting it after an
// anomaly; after this many anomalies in one call the rest is parsed record by record.
constexpr size_t kChunkRecords = 1024;
constexpr size_t kChunkBytes = 64 * 1024;
constexpr size_t kMaxAnomalies = 16;

/// One parse call over records of a buffer: drives the iterate_many streams, the per-record
/// fallback and the parse modes, and builds the output column. Not thread-safe.
class RecordRun {
 public:
  RecordRun(const JsonReader::Plan& plan, size_t expectedRows)
      : plan_(plan), converter_(plan), parsers_(threadParsers()) {
    root_.init(*plan.type);
    if (plan.corruptIndex >= 0) root_.excludeField(static_cast<size_t>(plan.corruptIndex));
    root_.reserve(expectedRows);
    if (plan.bytesPerRow) {
      for (size_t i = 0; i < root_.children.size(); ++i) {
        uint32_t perRow = plan.bytesPerRow[i].load(std::memory_order_relaxed);
        if (perRow > 0) root_.children[i].bytes.resize(expectedRows * perRow + 64);
      }
    }
  }

  /// Parses records of `buffer` (readable for jsonPadding() bytes past `length`). With `rowOf`
  /// (from_json), record k is output row rowOf[k] and skipped rows are null.
  void parse(const char* buffer, size_t length, const JsonRecordSpan* spans, size_t count,
             const uint32_t* rowOf) {
    buffer_ = buffer;
    length_ = length;
    spans_ = spans;
    count_ = count;
    rowOf_ = rowOf;
    rowStart_.resize(count);
    first_.resize(count);
    for (size_t k = 0; k < count; ++k) {
      size_t p = spans[k].begin;
      while (p < spans[k].end && isJsonWhitespace(buffer[p])) ++p;
      first_[k] = p;
    }
    converter_.setBuffer(buffer + length);
    if (root_.id == TypeId::kStruct && root_.children.size() <= 64) {
      processFast(count);
    } else {
      processRange(0, count);
    }
  }

  /// The column of every row parsed; for from_json padded with nulls to `totalRows`.
  VectorPtr finish(size_t totalRows) {
    if (plan_.mode == JsonRecordMode::kFunction) padNulls(totalRows);
    if (plan_.bytesPerRow && root_.size > 0) {
      for (size_t i = 0; i < root_.children.size(); ++i) {
        const Column& child = root_.children[i];
        if (child.id != TypeId::kString && child.id != TypeId::kBinary) continue;
        auto perRow = static_cast<uint32_t>(child.bytesUsed / root_.size + 1);
        plan_.bytesPerRow[i].store(perRow, std::memory_order_relaxed);
      }
    }
    return root_.finish(plan_.type);
  }

 private:
  bool blank(size_t k) const { return first_[k] >= spans_[k].end; }
  std::string_view recordText(size_t k) const {
    return std::string_view(buffer_ + spans_[k].begin, spans_[k].end - spans_[k].begin);
  }

  void padNulls(size_t row) {
    while (root_.size < row) root_.appendNull();
  }

  void startRecord(size_t k) {
    if (rowOf_ != nullptr) padNulls(rowOf_[k]);
    rowStart_[k] = root_.size;
  }

  void emitBlank(size_t k) {
    startRecord(k);
    if (plan_.mode == JsonRecordMode::kFunction) root_.appendNull();
  }

  [[noreturn]] void failFast(size_t k) const {
    throw InvalidInputError(
        "MALFORMED_RECORD_IN_PARSING",
        "Malformed records are detected in record parsing: " + quoteRecord(recordText(k)) +
            ". Parse Mode: FAILFAST. To process malformed records as null result, try setting "
            "the option 'mode' as 'PERMISSIVE'.");
  }

  void finishRecord(size_t k, Status status) {
    if (status == Status::kOk) return;
    JsonParseMode mode = plan_.options.mode;
    if (mode == JsonParseMode::kFailFast) failFast(k);
    size_t start = rowStart_[k];
    if (mode == JsonParseMode::kDropMalformed && plan_.mode == JsonRecordMode::kFile) {
      root_.truncate(start);
      return;
    }
    std::string_view text = recordText(k);
    if (status == Status::kPartial) {
      if (plan_.corruptIndex >= 0) {
        Column& corrupt = root_.children[static_cast<size_t>(plan_.corruptIndex)];
        size_t rows = root_.size;
        corrupt.truncate(start);
        for (size_t r = start; r < rows; ++r) corrupt.appendBytes(text);
      }
      return;
    }
    root_.truncate(start);
    if (root_.id != TypeId::kStruct) {
      root_.appendNull();
      return;
    }
    for (size_t i = 0; i < root_.children.size(); ++i) {
      if (static_cast<int>(i) == plan_.corruptIndex) {
        root_.children[i].appendBytes(text);
      } else {
        root_.children[i].appendNull();
      }
    }
    root_.markValid();
  }

  template <class Doc>
  Status parseDocument(Doc& doc) {
    od::json_type type;
    if (doc.type().get(type)) return Status::kMalformed;
    switch (root_.id) {
      case TypeId::kStruct:
        if (type == od::json_type::object) {
          od::object obj;
          if (doc.get_object().get(obj)) return Status::kMalformed;
          return converter_.convertObject(obj, root_, 0);
        }
        if (type == od::json_type::array && plan_.mode == JsonRecordMode::kFile) {
          // Each element of a top-level array is a row.
          od::array arr;
          if (doc.get_array().get(arr)) return Status::kMalformed;
          Status status = Status::kOk;
          for (auto elementResult : arr) {
            od::value e;
            if (std::move(elementResult).get(e)) return Status::kMalformed;
            std::string_view token = converter_.tokenOf(e);
            if (token.empty() || token[0] != '{') {
              return converter_.validateValue(e, 1) ? Status::kFailed : Status::kMalformed;
            }
            od::object obj;
            if (e.get_object().get(obj)) return Status::kMalformed;
            Status s = converter_.convertObject(obj, root_, 1);
            if (s == Status::kMalformed) return s;
            if (s == Status::kPartial) status = s;
          }
          return status;
        }
        return Status::kMalformed;
      case TypeId::kArray:
        if (type == od::json_type::array) {
          od::array arr;
          if (doc.get_array().get(arr)) return Status::kMalformed;
          return converter_.convertArray(arr, root_, 0);
        }
        if (type == od::json_type::object && root_.children[0].id == TypeId::kStruct) {
          // An object where an array of structs is expected is an array of one element.
          od::object obj;
          if (doc.get_object().get(obj)) return Status::kMalformed;
          Status s = converter_.convertObject(obj, root_.children[0], 1);
          if (s == Status::kMalformed) return s;
          root_.endList();
          return s;
        }
        return Status::kMalformed;
      case TypeId::kMap:
        if (type == od::json_type::object) {
          od::object obj;
          if (doc.get_object().get(obj)) return Status::kMalformed;
          return converter_.convertMap(obj, root_, 0);
        }
        return Status::kMalformed;
      default:
        return Status::kMalformed;
    }
  }

  /// Parses one record on its own: strict first, then with Jackson's leniencies (and only the
  /// first value of the record, as Jackson reads it).
  void parseSingle(size_t k) {
    if (blank(k)) {
      emitBlank(k);
      return;
    }
    startRecord(k);
    std::string_view text = recordText(k);
    size_t capacity = static_cast<size_t>(buffer_ + length_ - text.data()) + jsonPadding();
    Status status = Status::kMalformed;
    {
      od::document doc;
      converter_.setBuffer(buffer_ + length_);
      if (parsers_.single.iterate(text.data(), text.size(), capacity).get(doc) ==
          simdjson::SUCCESS) {
        status = parseDocument(doc);
      }
    }
    if (status == Status::kMalformed) {
      root_.truncate(rowStart_[k]);
      normalized_.clear();
      if (normalizeJson(text, plan_.options.features, normalized_)) {
        if (normalized_.empty()) {
          if (plan_.mode == JsonRecordMode::kFunction) root_.appendNull();
          return;
        }
        size_t size = normalized_.size();
        normalized_.append(jsonPadding(), ' ');
        od::document doc;
        converter_.setBuffer(normalized_.data() + size);
        if (parsers_.single.iterate(normalized_.data(), size, normalized_.size()).get(doc) ==
            simdjson::SUCCESS) {
          status = parseDocument(doc);
        }
        converter_.setBuffer(buffer_ + length_);
        if (status == Status::kMalformed) root_.truncate(rowStart_[k]);
      }
    }
    finishRecord(k, status);
  }

  struct StreamOutcome {
    size_t next = 0;
    bool failed = false;  // nothing could be parsed: the chunk failed as a whole
  };

  void recover(size_t q, std::ptrdiff_t lastDoc) {
    ++anomalies_;
    if (lastDoc >= 0 && static_cast<std::ptrdiff_t>(q) <= lastDoc) root_.truncate(rowStart_[q]);
    parseSingle(q);
  }

  StreamOutcome streamRange(size_t s, size_t e) {
    size_t base = spans_[s].begin;
    size_t limit = e < count_ ? spans_[e].begin : spans_[e - 1].end;
    size_t len = limit - base;
    od::document_stream stream;
    size_t batch = std::max<size_t>(len, od::MINIMAL_BATCH_SIZE);
    if (parsers_.stream.iterate_many(buffer_ + base, len, batch).get(stream)) return {s, true};
    size_t r = s;
    std::ptrdiff_t lastDoc = -1;
    for (auto it = stream.begin(); it != stream.end(); ++it) {
      od::document_reference doc;
      if ((*it).get(doc)) {
        if (lastDoc < 0) return {s, true};
        recover(static_cast<size_t>(lastDoc), lastDoc);
        return {static_cast<size_t>(lastDoc) + 1, false};
      }
      size_t at = base + it.current_index();
      while (r < e && at >= spans_[r].end) {
        if (!blank(r)) {
          size_t q = lastDoc >= 0 ? static_cast<size_t>(lastDoc) : r;
          recover(q, lastDoc);
          return {q + 1, false};
        }
        emitBlank(r);
        ++r;
      }
      if (r >= e || at != first_[r]) {
        // The previous document ran into this record, or a record holds several values.
        size_t q = lastDoc >= 0 ? static_cast<size_t>(lastDoc) : std::min(r, e - 1);
        recover(q, lastDoc);
        return {q + 1, false};
      }
      startRecord(r);
      Status status = parseDocument(doc);
      if (status == Status::kMalformed) {
        recover(r, static_cast<std::ptrdiff_t>(r));
        return {r + 1, false};
      }
      finishRecord(r, status);
      lastDoc = static_cast<std::ptrdiff_t>(r);
      ++r;
    }
    while (r < e) {
      if (!blank(r)) {
        size_t q = lastDoc >= 0 ? static_cast<size_t>(lastDoc) : r;
        recover(q, lastDoc);
        return {q + 1, false};
      }
      emitBlank(r);
      ++r;
    }
    return {e, false};
  }

  // The end of the stream starting at record s: at most kChunkRecords records and about
  // kChunkBytes bytes, so the text and its structural index stay in the core's cache.
  size_t chunkEnd(size_t s, size_t e) const {
    size_t end = std::min(e, s + kChunkRecords);
    size_t limit = spans_[s].begin + kChunkBytes;
    size_t k = s + 1;
    while (k < end && spans_[k].end <= limit) ++k;
    return k;
  }

  void processRange(size_t s, size_t e) {
    while (s < e) {
      if (anomalies_ > kMaxAnomalies) {
        for (; s < e; ++s) parseSingle(s);
        return;
      }
      size_t end = chunkEnd(s, e);
      StreamOutcome outcome = streamRange(s, end);
      if (!outcome.failed) {
        s = outcome.next;
        continue;
      }
      ++anomalies_;
      if (end - s == 1) {
        parseSingle(s);
      } else {
        size_t mid = s + (end - s) / 2;
        processRange(s, mid);
        processRange(mid, end);
      }
      s = end;
    }
  }

  // Records one at a time through the converter's fast path; a record it declines goes through
  // the general path alone. When most records decline (nested schemas, escapes), the rest go
  // through the general path in chunks.
  void processFast(size_t count) {
    size_t declined = 0;
    size_t k = 0;
    for (; k < count; ++k) {
      if (declined * 8 > k + 64) break;
      if (blank(k)) {
        emitBlank(k);
        continue;
      }
      const char* p = buffer_ + first_[k];
      if (*p == '{') {
        startRecord(k);
        if (converter_.fastRecord(p, buffer_ + spans_[k].end, root_)) continue;
        root_.truncate(rowStart_[k]);
      }
      ++declined;
      processRange(k, k + 1);
    }
    if (k < count) processRange(k, count);
  }

  const JsonReader::Plan& plan_;
  const char* buffer_ = nullptr;
  size_t length_ = 0;
  const JsonRecordSpan* spans_ = nullptr;
  size_t count_ = 0;
  const uint32_t* rowOf_ = nullptr;
  Converter converter_;
  ThreadParsers& parsers_;
  Column root_;
  std::vector<size_t> rowStart_;
  std::vector<size_t> first_;
  std::string normalized_;
  size_t anomalies_ = 0;
};

/// A reusable padded buffer per thread for gathering from_json input.
struct GatherBuffer {
  std::unique_ptr<char[]> data;
  size_t capacity = 0;
  char* ensure(size_t size) {
    if (size > capacity) {
      capacity = std::max(size, capacity * 2);
      data = std::make_unique<char[]>(capacity);
    }
    return data.get();
  }
};

}  // namespace

// ===== JsonReader

JsonReader::JsonReader(DataTypePtr type, JsonReadOptions options, JsonRecordMode mode) {
  auto plan = std::make_shared<Plan>();
  plan->type = std::move(type);
  plan->options = std::move(options);
  plan->mode = mode;
  const DataType& t = *plan->type;
  if (t.id() != TypeId::kStruct &&
      (mode == JsonRecordMode::kFile || (t.id() != TypeId::kArray && t.id() != TypeId::kMap))) {
    throw AnalysisError("DATATYPE_MISMATCH.INVALID_JSON_SCHEMA",
                        "Input schema " + t.sql() + " must be a struct, an array or a map.");
  }
  checkReadableType(t, t);
  if (t.id() == TypeId::kStruct) {
    const auto& fields = t.fields();
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].name != plan->options.corruptColumn) continue;
      if (fields[i].type->id() != TypeId::kString) {
        throw AnalysisError("INVALID_CORRUPT_RECORD_TYPE",
                            "The column `" + fields[i].name +
                                "` for corrupt records must have the nullable STRING type, but "
                                "got " +
                                fields[i].type->sql() + ".");
      }
      plan->corruptIndex = static_cast<int>(i);
    }
  }
  if (plan->options.timestampFormat) {
    plan->timestampPatterns = expandPattern(*plan->options.timestampFormat);
  }
  if (plan->options.timestampNtzFormat) {
    plan->timestampNtzPatterns = expandPattern(*plan->options.timestampNtzFormat);
  }
  if (plan->options.dateFormat) plan->datePatterns = expandPattern(*plan->options.dateFormat);
  if (t.id() == TypeId::kStruct) {
    plan->bytesPerRow = std::make_unique<std::atomic<uint32_t>[]>(t.fields().size());
    for (size_t i = 0; i < t.fields().size(); ++i) plan->bytesPerRow[i] = 0;
  }
  plan_ = std::move(plan);
}

JsonReader::~JsonReader() = default;
JsonReader::JsonReader(JsonReader&&) noexcept = default;
JsonReader& JsonReader::operator=(JsonReader&&) noexcept = default;

const DataTypePtr& JsonReader::type() const { return plan_->type; }
const JsonReadOptions& JsonReader::options() const { return plan_->options; }

VectorPtr JsonReader::parseColumn(const Vector& input) const {
  const size_t n = input.size();
  if (input.typeId() == TypeId::kNull) return Vector::nulls(plan_->type, n);
  if (input.typeId() != TypeId::kString && input.typeId() != TypeId::kBinary) {
    throw InternalError("INTERNAL_ERROR", "from_json over a " + input.type()->sql() + " vector");
  }
  // Values are gathered a cache-sized chunk at a time into one padded buffer and parsed there
  // in one iterate_many pass per chunk.
  thread_local GatherBuffer gather;
  thread_local std::vector<JsonRecordSpan> spans;
  thread_local std::vector<uint32_t> rows;
  const uint32_t* offsets = input.offsets();
  const char* bytes = input.bytes().data();
  const bool anyNull = input.mayHaveNulls();
  RecordRun run(*plan_, n);
  spans.resize(kChunkRecords);
  rows.resize(kChunkRecords);
  size_t i = 0;
  while (i < n) {
    size_t count = 0;
    size_t length = 0;
    size_t start = i;
    for (; i < n && count < kChunkRecords && length < kChunkBytes; ++i) {
      if (anyNull && input.isNull(i)) continue;
      size_t len = offsets[i + 1] - offsets[i];
      spans[count] = {length, length + len};
      rows[count] = static_cast<uint32_t>(i);
      ++count;
      length += len;
    }
    if (count == 0) continue;
    char* buffer = gather.ensure(length + jsonPadding());
    if (!anyNull) {
      std::memcpy(buffer, bytes + offsets[start], length);
    } else {
      for (size_t k = 0; k < count; ++k) {
        std::memcpy(buffer + spans[k].begin, bytes + offsets[rows[k]],
                    spans[k].end - spans[k].begin);
      }
    }
    std::memset(buffer + length, ' ', jsonPadding());
    run.parse(buffer, length, spans.data(), count, rows.data());
  }
  return run.finish(n);
}

VectorPtr JsonReader::parseRecords(std::string_view text,
                                   const std::vector<JsonRecordSpan>& records) const {
  RecordRun run(*plan_, records.size());
  if (!records.empty())
    run.parse(text.data(), text.size(), records.data(), records.size(), nullptr);
  return run.finish(0);
}

}  // namespace weir::expr
