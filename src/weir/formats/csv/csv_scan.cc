// CSV scan: Spark 3.5's CSV reader over files, directories and globs: univocity's tokenizing,
// CSVInferSchema's inference, UnivocityParser's conversions and the three parse modes.
#include <zlib.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>

#include "weir/base/error.h"
#include "weir/base/text.h"
#include "weir/base/thread_pool.h"
#include "weir/base/time.h"
#include "weir/formats/compressed_file.h"
#include "weir/formats/csv/csv_dialect.h"
#include "weir/formats/csv/csv_format.h"
#include "weir/formats/file_listing.h"

namespace weir::formats {
namespace {

using columnar::ColumnBatch;
using columnar::int128_t;
using columnar::MutableVectorPtr;
using columnar::Vector;
using columnar::VectorPtr;
using types::DataType;
using types::DataTypePtr;
using types::Field;
using types::TypeId;

// As Spark's maxErrorContentLength: records quoted in errors are cut to this many characters.
constexpr size_t kMaxErrorContent = 1000;

enum class ParseMode { kPermissive, kDropMalformed, kFailFast };

/// A Java datetime pattern for parsing. Optional sections ("[.SSS]") are tried with and without
/// their content, longest first. Immutable; thread-safe.
class ParsePattern {
 public:
  explicit ParsePattern(const std::string& pattern) { expand(pattern, alternatives_); }

  std::optional<int64_t> parse(std::string_view text) const {
    for (const auto& p : alternatives_) {
      if (auto micros = base::parseWithPattern(text, p)) return micros;
    }
    return std::nullopt;
  }

 private:
  static void expand(const std::string& pattern, std::vector<std::string>& out) {
    bool quoted = false;
    for (size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] == '\'') quoted = !quoted;
      if (quoted || pattern[i] != '[') continue;
      size_t depth = 0, close = i;
      for (; close < pattern.size(); ++close) {
        if (pattern[close] == '[') ++depth;
        if (pattern[close] == ']' && --depth == 0) break;
      }
      if (close >= pattern.size()) break;  // unbalanced: the brackets are literal
      std::string prefix = pattern.substr(0, i), rest = pattern.substr(close + 1);
      expand(prefix + pattern.substr(i + 1, close - i - 1) + rest, out);
      expand(prefix + rest, out);
      return;
    }
    out.push_back(pattern);
  }

  std::vector<std::string> alternatives_;
};

struct ReadOptions {
  CsvDialect dialect;
  bool header = false;
  bool inferSchema = false;
  bool ignoreLeading = false;
  bool ignoreTrailing = false;
  bool multiLine = false;
  bool enforceSchema = true;
  bool preferDate = true;
  bool latin1 = false;
  std::string nullValue;
  std::string emptyValue;
  std::string nanValue;
  std::string positiveInf;
  std::string negativeInf;
  ParseMode mode = ParseMode::kPermissive;
  std::string corruptColumn;
  std::optional<ParsePattern> timestampFormat;
  std::optional<ParsePattern> timestampNtzFormat;
  std::optional<ParsePattern> dateFormat;
};

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

ReadOptions parseReadOptions(const plan::Options& o) {
  ReadOptions r;
  r.dialect = parseCsvDialect(o);
  r.header = o.getBool("header", false);
  r.inferSchema = o.getBool("inferSchema", false);
  r.ignoreLeading = o.getBool("ignoreLeadingWhiteSpace", false);
  r.ignoreTrailing = o.getBool("ignoreTrailingWhiteSpace", false);
  r.multiLine = o.getBool("multiLine", false);
  r.enforceSchema = o.getBool("enforceSchema", true);
  r.preferDate = o.getBool("preferDate", true);
  r.nullValue = o.get("nullValue", "");
  r.emptyValue = o.get("emptyValue", "");
  r.nanValue = o.get("nanValue", "NaN");
  r.positiveInf = o.get("positiveInf", "Inf");
  r.negativeInf = o.get("negativeInf", "-Inf");
  r.corruptColumn = o.get("columnNameOfCorruptRecord", "_corrupt_record");
  // Spark falls back to PERMISSIVE (with a warning) on an unknown mode.
  std::string mode = base::asciiLower(o.get("mode", "PERMISSIVE"));
  if (mode == "dropmalformed")
    r.mode = ParseMode::kDropMalformed;
  else if (mode == "failfast")
    r.mode = ParseMode::kFailFast;
  if (o.has("timestampFormat")) r.timestampFormat.emplace(o.get("timestampFormat"));
  if (o.has("timestampNTZFormat")) r.timestampNtzFormat.emplace(o.get("timestampNTZFormat"));
  if (o.has("dateFormat")) r.dateFormat.emplace(o.get("dateFormat"));
  std::string encoding =
      base::asciiLower(o.has("encoding") ? o.get("encoding") : o.get("charset", "UTF-8"));
  if (encoding == "iso-8859-1" || encoding == "latin1" || encoding == "iso8859_1") {
    r.latin1 = true;
  } else if (encoding != "utf-8" && encoding != "utf8" && encoding != "us-ascii" &&
             encoding != "ascii") {
    throw UnsupportedOperationError("UNSUPPORTED_ENCODING",
                                    "The CSV reader supports the encodings UTF-8, US-ASCII and "
                                    "ISO-8859-1, got '" +
                                        o.get("encoding", o.get("charset")) + "'.");
  }
  return r;
}

inline bool isWhitespace(char c) { return static_cast<unsigned char>(c) <= ' '; }

// ----- tokenizer

/// Splits CSV text into records and fields with univocity's rules as Spark configures them:
/// quoted values with escapes (\" and ""), STOP_AT_DELIMITER for stray quotes, unquoted empty
/// values as nullValue and quoted empty values as emptyValue. Without multiLine a record is one
/// line; blank and comment lines are skipped. One per task; not thread-safe.
class Tokenizer {
 public:
  explicit Tokenizer(const ReadOptions& options) : o_(options), d_(options.dialect) {
    stopChars_.fill(false);
    stopChars_[static_cast<unsigned char>(d_.delimiter[0])] = true;
    if (d_.lineSep.empty()) {
      stopChars_['\n'] = stopChars_['\r'] = true;
    } else {
      stopChars_[static_cast<unsigned char>(d_.lineSep[0])] = true;
    }
  }

  /// Parses the next record starting at or after `pos`, skipping blank and comment lines. Returns
  /// false at the end of `text` or when the next record would start at or after `stop`.
  bool next(std::string_view text, size_t& pos, size_t stop) {
    size_t n = text.size();
    while (true) {
      if (pos >= n || pos >= stop) return false;
      if (size_t t = terminatorAt(text, pos)) {
        pos += t;
        continue;
      }
      if (d_.commentSet && text[pos] == d_.comment) {
        skipLine(text, pos);
        continue;
      }
      if (!o_.multiLine && isWhitespace(text[pos])) {
        // Spark drops lines that are empty once trimmed.
        size_t q = pos;
        while (q < n && isWhitespace(text[q]) && terminatorAt(text, q) == 0) ++q;
        if (q >= n || terminatorAt(text, q) != 0) {
          pos = q;
          if (pos >= n) return false;
          continue;
        }
      }
      break;
    }
    refs_.clear();
    scratch_.clear();
    recordBegin_ = pos;
    while (true) {
      if (o_.ignoreLeading) {
        while (pos < n && isWhitespace(text[pos]) && !delimiterAt(text, pos) &&
               terminatorAt(text, pos) == 0) {
          ++pos;
        }
      }
      if (pos < n && d_.quote != '\0' && text[pos] == d_.quote)
        parseQuoted(text, pos);
      else
        parseUnquoted(text, pos);
      if (pos < n && delimiterAt(text, pos)) {
        pos += d_.delimiter.size();
        if (pos >= n || terminatorAt(text, pos) != 0) {
          refs_.push_back({Kind::kNull, 0, 0});
          break;
        }
        continue;
      }
      break;
    }
    record_ = text.substr(recordBegin_, pos - recordBegin_);
    if (pos < n) pos += terminatorAt(text, pos);
    fields_.clear();
    for (const Ref& r : refs_) {
      switch (r.kind) {
        case Kind::kText:
          fields_.push_back(text.substr(r.offset, r.size));
          break;
        case Kind::kScratch:
          fields_.push_back(std::string_view(scratch_).substr(r.offset, r.size));
          break;
        case Kind::kNull:
          fields_.push_back(o_.nullValue);
          break;
        case Kind::kEmpty:
          fields_.push_back(o_.emptyValue);
          break;
      }
    }
    return true;
  }

  /// The fields of the last record; valid until the next call to next().
  const std::vector<std::string_view>& fields() const { return fields_; }
  /// The raw text of the last record, without its line terminator.
  std::string_view record() const { return record_; }
  size_t recordBegin() const { return recordBegin_; }

 private:
  enum class Kind : uint8_t { kText, kScratch, kNull, kEmpty };
  struct Ref {
    Kind kind;
    size_t offset;
    size_t size;
  };

  size_t terminatorAt(std::string_view text, size_t p) const {
    if (d_.lineSep.empty()) {
      char c = text[p];
      if (c == '\n') return 1;
      if (c == '\r') return p + 1 < text.size() && text[p + 1] == '\n' ? 2 : 1;
      return 0;
    }
    return text.compare(p, d_.lineSep.size(), d_.lineSep) == 0 ? d_.lineSep.size() : 0;
  }

  bool delimiterAt(std::string_view text, size_t p) const {
    return text[p] == d_.delimiter[0] &&
           (d_.delimiter.size() == 1 || text.compare(p, d_.delimiter.size(), d_.delimiter) == 0);
  }

  bool fieldEndsAt(std::string_view text, size_t p) const {
    return stopChars_[static_cast<unsigned char>(text[p])] &&
           (delimiterAt(text, p) || terminatorAt(text, p) != 0);
  }

  void skipLine(std::string_view text, size_t& pos) const {
    while (pos < text.size()) {
      if (size_t t = terminatorAt(text, pos)) {
        pos += t;
        return;
      }
      ++pos;
    }
  }

  void parseUnquoted(std::string_view text, size_t& pos) {
    size_t begin = pos;
    while (pos < text.size() && !fieldEndsAt(text, pos)) ++pos;
    size_t end = pos;
    if (o_.ignoreTrailing) {
      while (end > begin && isWhitespace(text[end - 1])) --end;
    }
    if (end == begin)
      refs_.push_back({Kind::kNull, 0, 0});
    else
      refs_.push_back({Kind::kText, begin, end - begin});
  }

  void pushScratch(size_t segment) {
    size_t size = scratch_.size() - segment;
    if (size == 0)
      refs_.push_back({Kind::kEmpty, 0, 0});
    else
      refs_.push_back({Kind::kScratch, segment, size});
  }

  // `pos` is at the opening quote. Leaves `pos` at the delimiter or line end after the value.
  void parseQuoted(std::string_view text, size_t& pos) {
    const size_t n = text.size();
    const char quote = d_.quote, escape = d_.escape, escapeEscape = d_.escapeEscape;
    const bool escapes = escape != '\0' && escape != quote;
    const size_t segment = scratch_.size();
    ++pos;
    size_t run = pos;
    auto flush = [&](size_t upTo) { scratch_.append(text.data() + run, upTo - run); };
    while (pos < n) {
      char c = text[pos];
      if (escapes && c == escape) {
        if (pos + 1 < n &&
            (text[pos + 1] == quote || (text[pos + 1] == escape && escapeEscape == escape))) {
          flush(pos);
          scratch_ += text[pos + 1];
          pos += 2;
          run = pos;
        } else {
          ++pos;
        }
        continue;
      }
      if (escapeEscape != '\0' && escapeEscape != escape && c == escapeEscape && pos + 1 < n &&
          text[pos + 1] == escape) {
        flush(pos);
        scratch_ += escape;
        pos += 2;
        run = pos;
        continue;
      }
      if (c == quote) {
        if (pos + 1 < n && text[pos + 1] == quote) {
          flush(pos);
          scratch_ += quote;
          pos += 2;
          run = pos;
          continue;
        }
        size_t after = pos + 1;
        while (after < n && isWhitespace(text[after]) && !fieldEndsAt(text, after)) ++after;
        if (after >= n || fieldEndsAt(text, after)) {
          flush(pos);
          pos = after;
          pushScratch(segment);
          return;
        }
        // A quote inside a quoted value that does not close it (STOP_AT_DELIMITER): the value is
        // read as unquoted text up to the next delimiter or line end, opening quote included.
        flush(pos);
        scratch_.insert(scratch_.begin() + static_cast<std::ptrdiff_t>(segment), quote);
        size_t end = pos;
        while (end < n && !fieldEndsAt(text, end)) ++end;
        scratch_.append(text.data() + pos, end - pos);
        pos = end;
        pushScratch(segment);
        return;
      }
      if (stopChars_[static_cast<unsigned char>(c)]) {
        if (size_t t = terminatorAt(text, pos)) {
          if (!o_.multiLine) break;  // the line ends the value
          if (t == 2 && d_.lineSep.empty()) {
            // univocity normalizes \r\n inside quoted values to \n.
            flush(pos);
            scratch_ += '\n';
            pos += 2;
            run = pos;
            continue;
          }
          pos += t;
          continue;
        }
      }
      ++pos;
    }
    // The input (or, without multiLine, the line) ended inside the quotes.
    flush(pos);
    pushScratch(segment);
  }

  const ReadOptions& o_;
  const CsvDialect& d_;
  std::array<bool, 256> stopChars_;
  std::vector<Ref> refs_;
  std::string scratch_;
  std::vector<std::string_view> fields_;
  size_t recordBegin_ = 0;
  std::string_view record_;
};

// ----- number and date parsing as the JVM does it

// Java's Integer/Long.parseLong: optional sign, ASCII digits only, no spaces.
bool parseJavaIntegral(std::string_view s, int64_t minValue, int64_t maxValue, int64_t& out) {
  if (s.empty()) return false;
  size_t i = 0;
  bool negative = false;
  if (s[0] == '-' || s[0] == '+') {
    negative = s[0] == '-';
    if (s.size() == 1) return false;
    i = 1;
  }
  uint64_t limit =
      negative ? static_cast<uint64_t>(-(minValue + 1)) + 1 : static_cast<uint64_t>(maxValue);
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    unsigned digit = static_cast<unsigned char>(s[i]) - '0';
    if (digit > 9) return false;
    if (v > (limit - digit) / 10) return false;
    v = v * 10 + digit;
  }
  out = negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
  return true;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isHexDigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Java's Double.parseDouble / Float.parseFloat: trimmed; optional sign; NaN, Infinity, decimal or
// hexadecimal notation with an optional f/F/d/D suffix.
template <class T>
bool parseJavaFloating(std::string_view s, T& out) {
  while (!s.empty() && isWhitespace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isWhitespace(s.back())) s.remove_suffix(1);
  if (s.empty()) return false;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "NaN") {
    out = std::numeric_limits<T>::quiet_NaN();
    return true;
  }
  if (s == "Infinity") {
    out = negative ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    return true;
  }
  if (!s.empty() && (s.back() == 'f' || s.back() == 'F' || s.back() == 'd' || s.back() == 'D')) {
    s.remove_suffix(1);
  }
  bool hex = s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
  std::string_view body = hex ? s.substr(2) : s;
  size_t i = 0, digits = 0;
  auto digit = [&](char c) { return hex ? isHexDigit(c) : isDigit(c); };
  while (i < body.size() && digit(body[i])) ++i, ++digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && digit(body[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  bool hasExponent = i < body.size() && (hex ? (body[i] == 'p' || body[i] == 'P')
                                             : (body[i] == 'e' || body[i] == 'E'));
  if (hex && !hasExponent) return false;
  if (hasExponent) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t expDigits = 0;
    while (i < body.size() && isDigit(body[i])) ++i, ++expDigits;
    if (expDigits == 0) return false;
  }
  if (i != body.size()) return false;
  T value{};
  auto r = std::from_chars(body.data(), body.data() + body.size(), value,
                           hex ? std::chars_format::hex : std::chars_format::general);
  if (r.ec == std::errc::result_out_of_range) {
    // Overflow gives infinity and underflow zero, as in Java.
    std::string text = std::string(hex ? "0x" : "") + std::string(body);
    if constexpr (std::is_same_v<T, float>)
      value = std::strtof(text.c_str(), nullptr);
    else
      value = std::strtod(text.c_str(), nullptr);
  } else if (r.ec != std::errc() || r.ptr != body.data() + body.size()) {
    return false;
  }
  out = negative ? -value : value;
  return true;
}

/// A java.math.BigDecimal as text: significant digits (no leading zeros; "0" for zero) and scale.
struct BigDecimalText {
  std::string digits;
  int64_t scale = 0;
  bool negative = false;
};

// java.math.BigDecimal(String): optional sign, digits with an optional point, optional exponent.
bool parseBigDecimal(std::string_view s, BigDecimalText& out) {
  out = BigDecimalText{};
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) out.negative = s[i++] == '-';
  int64_t fraction = 0;
  bool point = false;
  for (; i < s.size(); ++i) {
    if (isDigit(s[i])) {
      out.digits += s[i];
      if (point) ++fraction;
    } else if (s[i] == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (out.digits.empty()) return false;
  int64_t exponent = 0;
  if (i < s.size()) {
    if (s[i] != 'e' && s[i] != 'E') return false;
    ++i;
    bool negativeExponent = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negativeExponent = s[i++] == '-';
    if (i >= s.size()) return false;
    for (; i < s.size(); ++i) {
      if (!isDigit(s[i])) return false;
      exponent = exponent * 10 + (s[i] - '0');
      if (exponent > std::numeric_limits<int32_t>::max()) return false;
    }
    if (negativeExponent) exponent = -exponent;
  }
  size_t nonZero = out.digits.find_first_not_of('0');
  out.digits = nonZero == std::string::npos ? "0" : out.digits.substr(nonZero);
  out.scale = fraction - exponent;
  return true;
}

// Spark's Decimal.set(BigDecimal, precision, scale): rounds HALF_UP to `scale` and fails when the
// result needs more than `precision` digits.
bool toUnscaled(const BigDecimalText& b, int precision, int scale, int128_t& out) {
  std::string digits = b.digits;
  int64_t shift = scale - b.scale;
  if (shift >= 0) {
    if (digits != "0") {
      if (static_cast<int64_t>(digits.size()) + shift > precision) return false;
      digits.append(static_cast<size_t>(shift), '0');
    }
  } else {
    int64_t drop = -shift;
    int roundDigit = 0;
    if (drop > static_cast<int64_t>(digits.size())) {
      digits = "0";
    } else {
      roundDigit = digits[digits.size() - static_cast<size_t>(drop)] - '0';
      digits.resize(digits.size() - static_cast<size_t>(drop));
      if (digits.empty()) digits = "0";
    }
    if (roundDigit >= 5) {
      size_t k = digits.size();
      while (k > 0 && digits[k - 1] == '9') digits[--k] = '0';
      if (k == 0)
        digits.insert(digits.begin(), '1');
      else
        ++digits[k - 1];
    }
    size_t nonZero = digits.find_first_not_of('0');
    digits = nonZero == std::string::npos ? "0" : digits.substr(nonZero);
  }
  if (static_cast<int>(digits.size()) > precision) return false;
  int128_t v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  out = b.negative ? -v : v;
  return true;
}

// Spark's default date pattern "yyyy-MM-dd", parsed strictly.
bool isStrictIsoDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!isDigit(s[i])) return false;
  }
  return base::parseDate(s).has_value();
}

// ----- schema inference (CSVInferSchema)

enum class InferKind : uint8_t {
  kNull,
  kInteger,
  kLong,
  kDecimal,
  kDouble,
  kDate,
  kTimestamp,
  kBoolean,
  kString
};

struct InferType {
  InferKind kind = InferKind::kNull;
  int precision = 0;
  int scale = 0;
  bool operator==(const InferType& o) const {
    return kind == o.kind && precision == o.precision && scale == o.scale;
  }
};

InferType inferDecimal(int precision, int scale) { return {InferKind::kDecimal, precision, scale}; }
bool isIntegral(const InferType& t) {
  return t.kind == InferKind::kInteger || t.kind == InferKind::kLong;
}
// DecimalType.forType of an integral type.
InferType decimalFor(const InferType& t) {
  return inferDecimal(t.kind == InferKind::kInteger ? 10 : 20, 0);
}

// Spark's compatibleType: TypeCoercion.findTightestCommonType, then the CSV-specific widenings.
std::optional<InferType> compatibleType(const InferType& a, const InferType& b) {
  auto is = [](const InferType& t, InferKind k) { return t.kind == k; };
  if ((is(a, InferKind::kDate) && is(b, InferKind::kTimestamp)) ||
      (is(a, InferKind::kTimestamp) && is(b, InferKind::kDate))) {
    return InferType{InferKind::kString};
  }
  if (a == b) return a;
  if (is(a, InferKind::kNull)) return b;
  if (is(b, InferKind::kNull)) return a;
  auto wider = [](const InferType& d, const InferType& integral) {
    InferType f = decimalFor(integral);
    return d.precision - d.scale >= f.precision - f.scale && d.scale >= f.scale;
  };
  if (isIntegral(a) && is(b, InferKind::kDecimal) && wider(b, a)) return b;
  if (is(a, InferKind::kDecimal) && isIntegral(b) && wider(a, b)) return a;
  auto rank = [](const InferType& t) {
    switch (t.kind) {
      case InferKind::kInteger:
        return 1;
      case InferKind::kLong:
        return 2;
      case InferKind::kDouble:
        return 3;
      default:
        return 0;
    }
  };
  if (rank(a) > 0 && rank(b) > 0) return rank(a) >= rank(b) ? a : b;
  if (is(a, InferKind::kString) || is(b, InferKind::kString)) return InferType{InferKind::kString};
  if (isIntegral(a) && is(b, InferKind::kDecimal)) return compatibleType(decimalFor(a), b);
  if (is(a, InferKind::kDecimal) && isIntegral(b)) return compatibleType(a, decimalFor(b));
  if ((is(a, InferKind::kDouble) && is(b, InferKind::kDecimal)) ||
      (is(a, InferKind::kDecimal) && is(b, InferKind::kDouble))) {
    return InferType{InferKind::kDouble};
  }
  if (is(a, InferKind::kDecimal) && is(b, InferKind::kDecimal)) {
    int scale = std::max(a.scale, b.scale);
    int range = std::max(a.precision - a.scale, b.precision - b.scale);
    if (range + scale > DataType::kMaxDecimalPrecision) return InferType{InferKind::kDouble};
    return inferDecimal(range + scale, scale);
  }
  return std::nullopt;
}

/// Infers the type of one field given the type so far, trying int, bigint, decimal, double, date,
/// timestamp and boolean in Spark's order. Stateless apart from the options; thread-safe.
class TypeInferrer {
 public:
  explicit TypeInferrer(const ReadOptions& options) : o_(options) {}

  InferType inferField(const InferType& soFar, std::string_view field) const {
    if (field.empty() || field == o_.nullValue) return soFar;
    InferType element;
    switch (soFar.kind) {
      case InferKind::kNull:
      case InferKind::kInteger:
        element = tryInteger(field);
        break;
      case InferKind::kLong:
        element = tryLong(field);
        break;
      case InferKind::kDecimal:
        element = tryDecimal(field);
        break;
      case InferKind::kDouble:
        element = tryDouble(field);
        break;
      case InferKind::kDate:
        element = tryDate(field);
        break;
      case InferKind::kTimestamp:
        element = tryTimestamp(field);
        break;
      case InferKind::kBoolean:
        element = tryBoolean(field);
        break;
      case InferKind::kString:
        return soFar;
    }
    return compatibleType(soFar, element).value_or(InferType{InferKind::kString});
  }

 private:
  InferType tryInteger(std::string_view f) const {
    int64_t v;
    if (parseJavaIntegral(f, std::numeric_limits<int32_t>::min(),
                          std::numeric_limits<int32_t>::max(), v)) {
      return {InferKind::kInteger};
    }
    return tryLong(f);
  }
  InferType tryLong(std::string_view f) const {
    int64_t v;
    if (parseJavaIntegral(f, std::numeric_limits<int64_t>::min(),
                          std::numeric_limits<int64_t>::max(), v)) {
      return {InferKind::kLong};
    }
    return tryDecimal(f);
  }
  InferType tryDecimal(std::string_view f) const {
    // Only integral values too wide for bigint become decimals: a DecimalType cannot have a
    // negative scale or more than 38 digits, and values with a fraction are left to double.
    BigDecimalText b;
    if (parseBigDecimal(f, b) && b.scale == 0 &&
        static_cast<int>(b.digits.size()) <= DataType::kMaxDecimalPrecision) {
      return inferDecimal(static_cast<int>(b.digits.size()), 0);
    }
    return tryDouble(f);
  }
  InferType tryDouble(std::string_view f) const {
    double d;
    if (parseJavaFloating(f, d) || f == o_.nanValue || f == o_.negativeInf || f == o_.positiveInf) {
      return {InferKind::kDouble};
    }
    return o_.preferDate ? tryDate(f) : tryTimestamp(f);
  }
  InferType tryDate(std::string_view f) const {
    bool ok = o_.dateFormat ? o_.dateFormat->parse(f).has_value() : isStrictIsoDate(f);
    return ok ? InferType{InferKind::kDate} : tryTimestamp(f);
  }
  InferType tryTimestamp(std::string_view f) const {
    bool ok = o_.timestampFormat ? o_.timestampFormat->parse(f).has_value()
                                 : base::parseTimestamp(f).has_value();
    return ok ? InferType{InferKind::kTimestamp} : tryBoolean(f);
  }
  InferType tryBoolean(std::string_view f) const {
    if (equalsIgnoreCase(f, "true") || equalsIgnoreCase(f, "false")) return {InferKind::kBoolean};
    return {InferKind::kString};
  }

  const ReadOptions& o_;
};

DataTypePtr toDataType(const InferType& t) {
  switch (t.kind) {
    case InferKind::kInteger:
      return DataType::integer();
    case InferKind::kLong:
      return DataType::longType();
    case InferKind::kDecimal:
      return DataType::decimal(t.precision, t.scale);
    case InferKind::kDouble:
      return DataType::doubleType();
    case InferKind::kDate:
      return DataType::date();
    case InferKind::kTimestamp:
      return DataType::timestamp();
    case InferKind::kBoolean:
      return DataType::boolean();
    case InferKind::kNull:
    case InferKind::kString:
      break;
  }
  return DataType::string();
}

// CSVUtils.makeSafeHeader: empty names become _c<i>; case-insensitive duplicates get their index.
std::vector<std::string> makeSafeHeader(const std::vector<std::string>& row, const ReadOptions& o) {
  std::vector<std::string> names(row.size());
  if (!o.header) {
    for (size_t i = 0; i < row.size(); ++i) names[i] = "_c" + std::to_string(i);
    return names;
  }
  std::map<std::string, int> counts;
  for (const auto& name : row) ++counts[base::asciiLower(name)];
  for (size_t i = 0; i < row.size(); ++i) {
    const std::string& value = row[i];
    if (value.empty() || value == o.nullValue)
      names[i] = "_c" + std::to_string(i);
    else if (counts[base::asciiLower(value)] > 1)
      names[i] = value + std::to_string(i);
    else
      names[i] = value;
  }
  return names;
}

// ----- reading files


std::string latin1ToUtf8(const std::string& in) {
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x80) {
      out += c;
    } else {
      out += static_cast<char>(0xC0 | (u >> 6));
      out += static_cast<char>(0x80 | (u & 0x3F));
    }
  }
  return out;
}

/// A piece of one file in memory: records starting in [begin, data.size()) belong to it.
struct TaskText {
  std::string data;
  size_t begin = 0;
  bool fileStart = true;
  uint64_t fileOffset = 0;  // offset in the file of data[0]
};


std::ifstream openForReading(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("IO_ERROR", "Cannot open " + path + " for reading");
  return in;
}

TaskText readRange(const ScanTask& task) {
  LineRange range = readLineRange(task.path, task.start, task.end);
  TaskText t;
  t.fileStart = task.start == 0;
  t.fileOffset = range.fileOffset;
  t.data = std::move(range.data);
  t.begin = range.begin;
  return t;
}

TaskText loadTask(const ScanTask& task, const ReadOptions& o) {
  TaskText t;
  if (task.whole) {
    t.data = readFile(task.path);
    if (codecFor(task.path, "CSV") != Compression::kNone) t.data = inflateAll(t.data, task.path);
  } else {
    t = readRange(task);
  }
  if (o.latin1) {
    size_t prefix = t.begin;
    std::string head = latin1ToUtf8(t.data.substr(0, prefix));
    t.data = latin1ToUtf8(t.data);
    t.begin = head.size();
  }
  if (t.fileStart && t.data.compare(0, 3, "\xEF\xBB\xBF") == 0) t.begin = 3;
  return t;
}

// Line breaks in `s`: \n, \r\n and \r, or the custom line separator.
uint64_t countLineBreaks(std::string_view s, const CsvDialect& d) {
  uint64_t count = 0;
  if (!d.lineSep.empty()) {
    for (size_t p = s.find(d.lineSep); p != std::string_view::npos;
         p = s.find(d.lineSep, p + d.lineSep.size())) {
      ++count;
    }
    return count;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || (s[i] == '\r' && (i + 1 >= s.size() || s[i + 1] != '\n'))) ++count;
  }
  return count;
}

// ----- converting fields to column values

/// How one CSV column is converted.
struct ColumnPlan {
  std::string name;
  DataTypePtr type;
  size_t ordinal = 0;  // position in the output schema
};

/// One converted value, before it is appended to its vector.
struct Cell {
  bool isNull = true;
  int64_t i = 0;
  double d = 0;
  int128_t decimal = 0;
  std::string_view s;
};

/// Converts CSV fields to typed values as UnivocityParser.makeConverter does. Thread-safe.
class FieldConverter {
 public:
  explicit FieldConverter(const ReadOptions& options) : o_(options) {}

  /// Converts a field that is not the null value; false when it does not parse.
  bool convert(const DataType& type, std::string_view v, Cell& cell) const {
    cell.isNull = false;
    switch (type.id()) {
      case TypeId::kString:
      case TypeId::kBinary:
        cell.s = v;
        return true;
      case TypeId::kBoolean:
        if (equalsIgnoreCase(v, "true"))
          cell.i = 1;
        else if (equalsIgnoreCase(v, "false"))
          cell.i = 0;
        else
          return false;
        return true;
      case TypeId::kByte:
        return parseJavaIntegral(v, INT8_MIN, INT8_MAX, cell.i);
      case TypeId::kShort:
        return parseJavaIntegral(v, INT16_MIN, INT16_MAX, cell.i);
      case TypeId::kInteger:
        return parseJavaIntegral(v, INT32_MIN, INT32_MAX, cell.i);
      case TypeId::kLong:
        return parseJavaIntegral(v, INT64_MIN, INT64_MAX, cell.i);
      case TypeId::kFloat: {
        float f;
        if (v == o_.nanValue)
          f = std::numeric_limits<float>::quiet_NaN();
        else if (v == o_.negativeInf)
          f = -std::numeric_limits<float>::infinity();
        else if (v == o_.positiveInf)
          f = std::numeric_limits<float>::infinity();
        else if (!parseJavaFloating(v, f))
          return false;
        cell.d = f;
        return true;
      }
      case TypeId::kDouble:
        if (v == o_.nanValue)
          cell.d = std::numeric_limits<double>::quiet_NaN();
        else if (v == o_.negativeInf)
          cell.d = -std::numeric_limits<double>::infinity();
        else if (v == o_.positiveInf)
          cell.d = std::numeric_limits<double>::infinity();
        else
          return parseJavaFloating(v, cell.d);
        return true;
      case TypeId::kDecimal: {
        // The US locale's decimal parser drops grouping commas.
        BigDecimalText b;
        if (v.find(',') != std::string_view::npos) {
          std::string plain;
          for (char c : v) {
            if (c != ',') plain += c;
          }
          if (!parseBigDecimal(plain, b)) return false;
        } else if (!parseBigDecimal(v, b)) {
          return false;
        }
        return toUnscaled(b, type.precision(), type.scale(), cell.decimal);
      }
      case TypeId::kDate: {
        if (o_.dateFormat) {
          auto micros = o_.dateFormat->parse(v);
          if (!micros) return false;
          cell.i = base::microsToDays(*micros);
          return true;
        }
        auto days = base::parseDate(v);
        if (!days) return false;
        cell.i = *days;
        return true;
      }
      case TypeId::kTimestamp:
      case TypeId::kTimestampNtz: {
        bool ntz = type.id() == TypeId::kTimestampNtz;
        const auto& format = ntz ? o_.timestampNtzFormat : o_.timestampFormat;
        auto micros = format ? format->parse(v) : base::parseTimestamp(v, ntz);
        if (!micros) return false;
        cell.i = *micros;
        return true;
      }
      case TypeId::kNull:
        cell.isNull = true;
        return true;
      default:
        break;
    }
    throw InternalError("INTERNAL_ERROR", "CSV column of unsupported type " + type.sql());
  }

 private:
  const ReadOptions& o_;
};

/// Accumulates converted rows into column batches of the scan's output schema. One per task.
class BatchBuilder {
 public:
  BatchBuilder(DataTypePtr schema, const std::vector<ColumnPlan>& columns,
               std::optional<size_t> corruptOrdinal)
      : schema_(std::move(schema)), columns_(columns), corruptOrdinal_(corruptOrdinal) {
    reset();
  }

  void append(const std::vector<Cell>& cells, std::optional<std::string_view> corruptRecord) {
    for (size_t c = 0; c < columns_.size(); ++c) {
      Vector& v = *vectors_[columns_[c].ordinal];
      const Cell& cell = cells[c];
      if (cell.isNull) {
        v.appendNull();
        continue;
      }
      switch (v.typeId()) {
        case TypeId::kBoolean:
          v.append<uint8_t>(static_cast<uint8_t>(cell.i));
          break;
        case TypeId::kByte:
          v.append<int8_t>(static_cast<int8_t>(cell.i));
          break;
        case TypeId::kShort:
          v.append<int16_t>(static_cast<int16_t>(cell.i));
          break;
        case TypeId::kInteger:
        case TypeId::kDate:
          v.append<int32_t>(static_cast<int32_t>(cell.i));
          break;
        case TypeId::kLong:
        case TypeId::kTimestamp:
        case TypeId::kTimestampNtz:
          v.append<int64_t>(cell.i);
          break;
        case TypeId::kFloat:
          v.append<float>(static_cast<float>(cell.d));
          break;
        case TypeId::kDouble:
          v.append<double>(cell.d);
          break;
        case TypeId::kDecimal:
          v.append<int128_t>(cell.decimal);
          break;
        default:
          v.appendString(cell.s);
          break;
      }
    }
    if (corruptOrdinal_) {
      Vector& v = *vectors_[*corruptOrdinal_];
      if (corruptRecord)
        v.appendString(*corruptRecord);
      else
        v.appendNull();
    }
    ++rows_;
  }

  size_t rows() const { return rows_; }

  ColumnBatch finish() {
    std::vector<VectorPtr> columns(vectors_.begin(), vectors_.end());
    ColumnBatch batch(schema_, std::move(columns), rows_);
    reset();
    return batch;
  }

 private:
  void reset() {
    vectors_.clear();
    for (const auto& f : schema_->fields())
      vectors_.push_back(Vector::make(f.type, columnar::kDefaultBatchRows));
    rows_ = 0;
  }

  DataTypePtr schema_;
  const std::vector<ColumnPlan>& columns_;
  std::optional<size_t> corruptOrdinal_;
  std::vector<MutableVectorPtr> vectors_;
  size_t rows_ = 0;
};

std::string quoteRecord(std::string_view record) {
  if (record.size() <= kMaxErrorContent) return std::string(record);
  return std::string(record.substr(0, kMaxErrorContent)) + "...";
}

// ----- the scan

/// A scan over CSV files with a fixed schema. Immutable; read() may run on any thread and reads
/// the files anew each time, one task per file or file split, in parallel.
class CsvScan final : public plan::ScanSource {
 public:
  CsvScan(std::vector<std::string> paths, std::vector<std::string> files, DataTypePtr schema,
          ReadOptions options)
      : paths_(std::move(paths)),
        files_(std::move(files)),
        schema_(std::move(schema)),
        options_(std::move(options)) {
    const auto& fields = schema_->fields();
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i].name == options_.corruptColumn && fields[i].type->id() == TypeId::kString) {
        corruptOrdinal_ = i;
        continue;
      }
      columns_.push_back({fields[i].name, fields[i].type, i});
    }
  }

  DataTypePtr schema() const override { return schema_; }

  plan::Partitions read() const override {
    std::vector<ScanTask> tasks = planTasks();
    plan::Partitions out(tasks.size());
    base::ThreadPool::global().parallelFor(tasks.size(),
                                           [&](size_t i) { out[i] = readTask(tasks[i]); });
    return out;
  }

  std::string describe() const override {
    std::string out = "CsvScan [";
    for (size_t i = 0; i < paths_.size(); ++i) out += (i ? ", " : "") + paths_[i];
    return out + "]";
  }

 private:
  std::vector<ScanTask> planTasks() const {
    return planScanTasks(files_, !options_.multiLine && options_.dialect.lineSep.empty(), "CSV");
  }

  plan::Partition readTask(const ScanTask& task) const {
    TaskText text = loadTask(task, options_);
    std::string_view data = text.data;
    Tokenizer tokenizer(options_);
    FieldConverter converter(options_);
    size_t pos = text.begin;
    if (text.fileStart && options_.header && tokenizer.next(data, pos, data.size()) &&
        !options_.enforceSchema) {
      checkHeader(tokenizer.fields(), task.path);
    }
    BatchBuilder builder(schema_, columns_, corruptOrdinal_);
    std::vector<Cell> cells(columns_.size());
    plan::Partition out;
    const size_t width = columns_.size();
    while (tokenizer.next(data, pos, data.size())) {
      const auto& fields = tokenizer.fields();
      bool malformed = fields.size() != width;
      size_t badColumn = width;
      for (size_t c = 0; c < width; ++c) {
        Cell& cell = cells[c];
        if (c >= fields.size() || fields[c] == options_.nullValue) {
          cell.isNull = true;
        } else if (!converter.convert(*columns_[c].type, fields[c], cell)) {
          cell.isNull = true;
          if (badColumn == width) badColumn = c;
          malformed = true;
        }
      }
      if (malformed) {
        if (options_.mode == ParseMode::kDropMalformed) continue;
        if (options_.mode == ParseMode::kFailFast) {
          std::string reason = fields.size() != width
                                   ? "expected " + std::to_string(width) + " fields but found " +
                                         std::to_string(fields.size())
                                   : "cannot parse '" + std::string(fields[badColumn]) + "' as " +
                                         columns_[badColumn].type->sql() + " for column `" +
                                         columns_[badColumn].name + "`";
          failFast(task, text, tokenizer, reason);
        }
        builder.append(cells, tokenizer.record());
      } else {
        builder.append(cells, std::nullopt);
      }
      if (builder.rows() >= columnar::kDefaultBatchRows) out.push_back(builder.finish());
    }
    if (builder.rows() > 0) out.push_back(builder.finish());
    return out;
  }

  // CSVHeaderChecker with enforceSchema=false: the header must name the schema's columns.
  void checkHeader(const std::vector<std::string_view>& header, const std::string& path) const {
    auto join = [](const auto& names) {
      std::string out;
      for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + std::string(names[i]);
      return out;
    };
    std::vector<std::string> schemaNames;
    for (const auto& c : columns_) schemaNames.push_back(c.name);
    std::string message;
    if (header.size() != schemaNames.size()) {
      message =
          "Number of column in CSV header is not equal to number of fields in the schema:\n Header "
          "length: " +
          std::to_string(header.size()) + ", schema size: " + std::to_string(schemaNames.size());
    } else {
      for (size_t i = 0; i < header.size(); ++i) {
        if (!equalsIgnoreCase(header[i], schemaNames[i])) {
          message = "CSV header does not conform to the schema.\n Header: " + join(header) +
                    "\n Schema: " + join(schemaNames) + "\nExpected: " + schemaNames[i] +
                    " but found: " + std::string(header[i]);
          break;
        }
      }
    }
    if (!message.empty()) {
      throw InvalidInputError("CSV_HEADER_MISMATCH",
                              message + "\nCSV file: " + path +
                                  ". Fix the header or the schema, or set the "
                                  "option 'enforceSchema' to true to ignore the header.");
    }
  }

  [[noreturn]] void failFast(const ScanTask& task, const TaskText& text, const Tokenizer& tokenizer,
                             const std::string& reason) const {
    uint64_t line = countLineBreaks(std::string_view(text.data).substr(0, tokenizer.recordBegin()),
                                    options_.dialect);
    if (text.fileOffset > 0) {
      std::ifstream in = openForReading(task.path);
      std::string prefix(text.fileOffset, '\0');
      in.read(prefix.data(), static_cast<std::streamsize>(prefix.size()));
      prefix.resize(static_cast<size_t>(in.gcount()));
      line += countLineBreaks(prefix, options_.dialect);
    }
    throw InvalidInputError(
        "MALFORMED_RECORD_IN_PARSING",
        "Malformed records are detected in record parsing: file " + task.path + ", line " +
            std::to_string(line + 1) + ": " + quoteRecord(tokenizer.record()) + " (" + reason +
            "). Parse Mode: FAILFAST. To process malformed records as null result, try "
            "setting the option 'mode' as 'PERMISSIVE'.");
  }

  std::vector<std::string> paths_;
  std::vector<std::string> files_;
  DataTypePtr schema_;
  ReadOptions options_;
  std::vector<ColumnPlan> columns_;
  std::optional<size_t> corruptOrdinal_;
};

// CSVDataSource.inferSchema: the header comes from the first record of the input; with
// inferSchema every record (but the header) refines the column types.
DataTypePtr inferSchema(const std::vector<std::string>& files, const ReadOptions& o) {
  std::vector<std::string> first;
  std::string firstLine;
  bool found = false;
  for (const auto& path : files) {
    TaskText text = loadTask({path, 0, 0, true}, o);
    Tokenizer tokenizer(o);
    size_t pos = text.begin;
    if (tokenizer.next(text.data, pos, text.data.size())) {
      for (auto f : tokenizer.fields()) first.emplace_back(f);
      firstLine = tokenizer.record();
      found = true;
      break;
    }
  }
  if (!found) return DataType::structOf({});
  std::vector<std::string> names = makeSafeHeader(first, o);
  std::vector<InferType> types(names.size(), InferType{InferKind::kString});
  if (o.inferSchema) {
    std::vector<std::vector<InferType>> perFile(files.size());
    base::ThreadPool::global().parallelFor(files.size(), [&](size_t i) {
      TaskText text = loadTask({files[i], 0, 0, true}, o);
      Tokenizer tokenizer(o);
      TypeInferrer inferrer(o);
      std::vector<InferType> row(names.size());
      size_t pos = text.begin;
      bool firstRecord = true;
      while (tokenizer.next(text.data, pos, text.data.size())) {
        // Spark drops the first record of each file with multiLine, and every line equal to the
        // header line without it.
        bool isHeader = o.header && (o.multiLine ? firstRecord : tokenizer.record() == firstLine);
        firstRecord = false;
        if (isHeader) continue;
        const auto& fields = tokenizer.fields();
        for (size_t c = 0; c < std::min(fields.size(), row.size()); ++c)
          row[c] = inferrer.inferField(row[c], fields[c]);
      }
      perFile[i] = std::move(row);
    });
    std::vector<InferType> merged(names.size());
    for (const auto& row : perFile) {
      for (size_t c = 0; c < merged.size(); ++c) {
        merged[c] = compatibleType(merged[c], row[c]).value_or(InferType{InferKind::kString});
      }
    }
    types = merged;
  }
  std::vector<Field> fields;
  for (size_t i = 0; i < names.size(); ++i)
    fields.push_back(Field{names[i], toDataType(types[i]), true});
  return DataType::structOf(std::move(fields));
}

// A user schema: CSV holds atomic types only; the corrupt record column must be a string. File
// sources read every column as nullable.
DataTypePtr prepareUserSchema(const DataTypePtr& schema, const ReadOptions& o) {
  if (schema->id() != TypeId::kStruct) {
    throw AnalysisError("INVALID_SCHEMA",
                        "The CSV schema must be a struct, got " + schema->sql() + ".");
  }
  std::vector<Field> fields;
  for (const auto& f : schema->fields()) {
    if (f.type->isNested()) {
      throw AnalysisError("UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE",
                          "The CSV datasource doesn't support the column `" + f.name +
                              "` of the type \"" + f.type->sql() + "\".");
    }
    if (f.name == o.corruptColumn && f.type->id() != TypeId::kString) {
      throw AnalysisError("INVALID_CORRUPT_RECORD_TYPE",
                          "The column `" + f.name +
                              "` for corrupt records must have the nullable STRING "
                              "type, but got " +
                              f.type->sql() + ".");
    }
    Field copy = f;
    copy.nullable = true;
    fields.push_back(std::move(copy));
  }
  return DataType::structOf(std::move(fields));
}

}  // namespace

std::shared_ptr<const plan::ScanSource> makeCsvScan(const std::vector<std::string>& paths,
                                                    const std::optional<types::DataTypePtr>& schema,
                                                    const plan::Options& options) {
  ReadOptions o = parseReadOptions(options);
  std::vector<std::string> files = listDataFiles(paths);
  DataTypePtr resolved;
  if (schema) {
    resolved = prepareUserSchema(*schema, o);
  } else {
    if (files.empty()) {
      throw AnalysisError("UNABLE_TO_INFER_SCHEMA",
                          "Unable to infer schema for CSV. It must be specified manually.");
    }
    resolved = inferSchema(files, o);
  }
  return std::make_shared<CsvScan>(paths, std::move(files), std::move(resolved), std::move(o));
}

}  // namespace weir::formats
