// Spark's date and time functions with non-ANSI results in the UTC session time zone: parsing and
// formatting with Java patterns, field extraction, truncation, date arithmetic and unix time.
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>

#include "weir/base/error.h"
#include "weir/base/time.h"
#include "weir/expr/binder.h"
#include "weir/expr/function_registry.h"
#include "weir/expr/kernels.h"

namespace weir::expr {
namespace {

using base::kMicrosPerDay;
using base::kMicrosPerSecond;
using columnar::Value;

constexpr int64_t kMicrosPerMilli = 1'000;
constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
// Spark's TimestampFormatter.defaultPattern, used by unix_timestamp and from_unixtime.
constexpr const char* kDefaultPattern = "yyyy-MM-dd HH:mm:ss";

int64_t floorMod(int64_t a, int64_t b) {
  int64_t m = a % b;
  return m < 0 ? m + b : m;
}

int64_t floorDiv(int64_t a, int64_t b) { return (a - floorMod(a, b)) / b; }

// ISO day of week, Monday = 1 .. Sunday = 7 (1970-01-01 was a Thursday).
int32_t isoWeekday(int32_t days) {
  return static_cast<int32_t>(floorMod(static_cast<int64_t>(days) + 3, 7)) + 1;
}

// Java int arithmetic: wraps on overflow instead of failing.
int32_t wrapAdd(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
int32_t wrapSub(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) - static_cast<uint32_t>(b));
}

int32_t dayOfYear(int32_t days) {
  return days - base::daysFromCivil(base::civilFromDays(days).year, 1, 1) + 1;
}

// ISO-8601 week number: weeks start on Monday and week 1 holds the year's first Thursday.
int32_t weekOfYear(int32_t days) {
  int32_t thursday = days - isoWeekday(days) + 4;
  int32_t year = base::civilFromDays(thursday).year;
  return (thursday - base::daysFromCivil(year, 1, 1)) / 7 + 1;
}

int32_t daysInMonth(int32_t year, uint32_t month) {
  int32_t first = base::daysFromCivil(year, month, 1);
  int32_t next =
      month == 12 ? base::daysFromCivil(year + 1, 1, 1) : base::daysFromCivil(year, month + 1, 1);
  return next - first;
}

// LocalDate.plusMonths: the day of month is clamped to the last day of the target month.
int32_t addMonths(int32_t days, int32_t months) {
  base::CivilDate c = base::civilFromDays(days);
  int64_t total = static_cast<int64_t>(c.year) * 12 + (c.month - 1) + months;
  auto year = static_cast<int32_t>(floorDiv(total, 12));
  auto month = static_cast<uint32_t>(floorMod(total, 12) + 1);
  uint32_t last = static_cast<uint32_t>(daysInMonth(year, month));
  return base::daysFromCivil(year, month, std::min(c.day, last));
}

// Java's (long) conversion of a double: NaN is 0 and out-of-range values saturate.
int64_t javaDoubleToLong(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9.223372036854775807e18) return std::numeric_limits<int64_t>::max();
  if (d <= -9.223372036854775808e18) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}

// ----- truncation (DateTimeUtils.parseTruncLevel, truncTimestamp, truncDate)

enum class TruncLevel : int8_t {
  kInvalid,
  kMicrosecond,
  kMillisecond,
  kSecond,
  kMinute,
  kHour,
  kDay,
  kWeek,
  kMonth,
  kQuarter,
  kYear,
};

TruncLevel parseTruncLevel(std::string_view unit) {
  std::string u(unit);
  for (char& ch : u) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  if (u == "MICROSECOND") return TruncLevel::kMicrosecond;
  if (u == "MILLISECOND") return TruncLevel::kMillisecond;
  if (u == "SECOND") return TruncLevel::kSecond;
  if (u == "MINUTE") return TruncLevel::kMinute;
  if (u == "HOUR") return TruncLevel::kHour;
  if (u == "DAY" || u == "DD") return TruncLevel::kDay;
  if (u == "WEEK") return TruncLevel::kWeek;
  if (u == "MON" || u == "MONTH" || u == "MM") return TruncLevel::kMonth;
  if (u == "QUARTER") return TruncLevel::kQuarter;
  if (u == "YEAR" || u == "YYYY" || u == "YY") return TruncLevel::kYear;
  return TruncLevel::kInvalid;
}

int32_t truncDays(int32_t days, TruncLevel level) {
  switch (level) {
    case TruncLevel::kWeek:
      return days - (isoWeekday(days) - 1);
    case TruncLevel::kMonth: {
      base::CivilDate c = base::civilFromDays(days);
      return base::daysFromCivil(c.year, c.month, 1);
    }
    case TruncLevel::kQuarter: {
      base::CivilDate c = base::civilFromDays(days);
      return base::daysFromCivil(c.year, (c.month - 1) / 3 * 3 + 1, 1);
    }
    case TruncLevel::kYear:
      return base::daysFromCivil(base::civilFromDays(days).year, 1, 1);
    default:
      return days;
  }
}

int64_t truncMicros(int64_t t, TruncLevel level) {
  switch (level) {
    case TruncLevel::kInvalid:
    case TruncLevel::kMicrosecond:
      return t;
    case TruncLevel::kMillisecond:
      return t - floorMod(t, kMicrosPerMilli);
    case TruncLevel::kSecond:
      return t - floorMod(t, kMicrosPerSecond);
    case TruncLevel::kMinute:
      return t - floorMod(t, kMicrosPerMinute);
    case TruncLevel::kHour:
      return t - floorMod(t, kMicrosPerHour);
    case TruncLevel::kDay:
      return t - floorMod(t, kMicrosPerDay);
    default:
      return static_cast<int64_t>(truncDays(base::microsToDays(t), level)) * kMicrosPerDay;
  }
}

// ----- argument checks and coercions

void checkArgCount(const Expr& call, size_t actual, size_t min, size_t max) {
  if (actual >= min && actual <= max) return;
  std::string expected = min == max ? std::to_string(min)
                                    : "[" + std::to_string(min) + ", " + std::to_string(max) + "]";
  throw AnalysisError("WRONG_NUM_ARGS.WITHOUT_SUGGESTION",
                      "The `" + call.name + "` requires " + expected +
                          " parameters but the actual number is " + std::to_string(actual) + ".");
}

// DATATYPE_MISMATCH naming the bound argument's type (the call's own children are unbound).
[[noreturn]] void mismatch(const Expr& call, const std::vector<ExprPtr>& args, size_t i,
                           const std::string& expected) {
  Expr typed = call;
  typed.children = args;
  throwTypeMismatch(typed, i, expected);
}

bool isTimestampType(TypeId id) { return id == TypeId::kTimestamp || id == TypeId::kTimestampNtz; }

// Spark's implicit casts to DATE: strings parse, timestamps drop their time.
ExprPtr asDate(const Expr& call, const std::vector<ExprPtr>& args, size_t i) {
  TypeId id = args[i]->type->id();
  if (id == TypeId::kNull || id == TypeId::kString || id == TypeId::kDate || isTimestampType(id)) {
    return castIfNeeded(args[i], DataType::date());
  }
  mismatch(call, args, i, "\"DATE\"");
}

// Timestamps stay as they are (timestamp_ntz reads the same in UTC); strings and dates cast.
ExprPtr asTimestamp(const Expr& call, const std::vector<ExprPtr>& args, size_t i) {
  TypeId id = args[i]->type->id();
  if (isTimestampType(id)) return args[i];
  if (id == TypeId::kNull || id == TypeId::kString || id == TypeId::kDate) {
    return castIfNeeded(args[i], DataType::timestamp());
  }
  mismatch(call, args, i, "\"TIMESTAMP\"");
}

// Spark's implicit casts to a numeric type: numbers and strings.
ExprPtr asNumber(const Expr& call, const std::vector<ExprPtr>& args, size_t i,
                 const DataTypePtr& to) {
  TypeId id = args[i]->type->id();
  if (id == TypeId::kNull || id == TypeId::kString || args[i]->type->isNumeric()) {
    return castIfNeeded(args[i], to);
  }
  mismatch(call, args, i, "\"" + to->sql() + "\"");
}

// A pattern or unit argument. A literal is read once at bind time; a column is read per row.
struct TextArg {
  bool constant = false;
  std::optional<std::string> value;  // the literal; nullopt for a NULL literal
};

TextArg readTextArg(const Expr& call, std::vector<ExprPtr>& args, size_t i) {
  ExprPtr& a = args[i];
  if (a->kind == ExprKind::kLiteral && !a->type->isNested()) {
    TextArg t;
    t.constant = true;
    if (!a->value.isNull()) t.value = a->value.toString();
    return t;
  }
  TypeId id = a->type->id();
  if (id == TypeId::kString) return {};
  if (id != TypeId::kBinary && !a->type->isNested()) {
    a = castIfNeeded(a, DataType::string());
    return {};
  }
  mismatch(call, args, i, "\"STRING\"");
}

TextArg constantText(std::string text) {
  TextArg t;
  t.constant = true;
  t.value = std::move(text);
  return t;
}

[[noreturn]] void throwBadPattern(std::string_view pattern, const std::string& why) {
  throw InvalidInputError("INVALID_DATETIME_PATTERN",
                          why + " (datetime pattern '" + std::string(pattern) +
                              "'; see Spark's Datetime Patterns for the letters it accepts).");
}

// The most letters java.time accepts in a row (Spark refuses five of the text letters).
size_t maxLetterCount(char c) {
  switch (c) {
    case 'a':
      return 1;
    case 'd':
    case 'H':
    case 'h':
    case 'K':
    case 'k':
    case 'm':
    case 's':
    case 'V':
      return 2;
    case 'D':
      return 3;
    case 'G':
    case 'M':
    case 'L':
    case 'E':
    case 'Q':
    case 'q':
    case 'z':
      return 4;
    case 'X':
    case 'x':
    case 'Z':
      return 5;
    case 'y':
      return 6;
    case 'S':
      return 9;
    default:
      return std::numeric_limits<size_t>::max();
  }
}

// Spark's own checks on datetime patterns (DateTimeFormatterHelper): week-based and some other
// letters are refused, parsing refuses day-of-week and quarter, and letters have maximum counts.
// Then the pattern must use letters our formatter knows.
void checkPattern(std::string_view pattern, bool parsing) {
  for (size_t i = 0; i < pattern.size();) {
    char c = pattern[i];
    if (c == '\'') {
      size_t end = pattern.find('\'', i + 1);
      i = end == std::string_view::npos ? pattern.size() : end + 1;
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(c))) {
      ++i;
      continue;
    }
    size_t n = 1;
    while (i + n < pattern.size() && pattern[i + n] == c) ++n;
    i += n;
    std::string letter(1, c);
    if (std::strchr("YWwuec", c) != nullptr) {
      throwBadPattern(
          pattern, "All week-based patterns are unsupported since Spark 3.0, detected: " + letter +
                       ". Use the SQL function EXTRACT instead");
    }
    if (std::strchr("ABnNp", c) != nullptr || (parsing && std::strchr("EFQq", c) != nullptr)) {
      throwBadPattern(pattern, "Illegal pattern character: " + letter);
    }
    if (n > maxLetterCount(c)) throwBadPattern(pattern, "Too many pattern letters: " + letter);
    if (c == 'V' && n != 2) throwBadPattern(pattern, "Pattern letter count must be 2: V");
    if (c == 'O' && n != 1 && n != 4)
      throwBadPattern(pattern, "Pattern letter count must be 1 or 4: O");
  }
  base::formatWithPattern(0, pattern);
}

// The text of a TextArg for each row: the literal, or row i of the evaluated column. Column
// patterns are checked once per distinct value, as Spark builds a formatter per row.
class PatternSource {
 public:
  PatternSource(const TextArg& arg, const Vector* column, bool checkParsing, bool check = true)
      : arg_(arg), column_(column), parsing_(checkParsing), check_(check) {}

  bool get(size_t i, std::string_view& out) {
    if (arg_.constant) {
      if (!arg_.value) return false;
      out = *arg_.value;
      return true;
    }
    if (column_ == nullptr || column_->typeId() == TypeId::kNull || column_->isNull(i))
      return false;
    out = column_->stringAt(i);
    if (check_ && (!checkedAny_ || out != checked_)) {
      checkPattern(out, parsing_);
      checked_.assign(out);
      checkedAny_ = true;
    }
    return true;
  }

 private:
  const TextArg& arg_;
  const Vector* column_;
  bool parsing_;
  bool check_;
  bool checkedAny_ = false;
  std::string checked_;
};

Kernel passThrough() {
  return [](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t) { return in[0]; };
}

// ----- families

template <class F>
void addDateField(FunctionRegistry& r, const std::string& name, F field) {
  r.add(name, [field](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args.size(), 1, 1);
    ExprPtr d = asDate(call, args, 0);
    bool nullable = d->nullable;
    return boundCall(
        call, {d}, DataType::integer(),
        [field](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t) -> VectorPtr {
          return mapUnary<int32_t, int32_t>(*in[0], DataType::integer(), field);
        },
        nullable);
  });
}

template <class F>
void addTimeField(FunctionRegistry& r, const std::string& name, F field) {
  r.add(name, [field](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args.size(), 1, 1);
    ExprPtr t = asTimestamp(call, args, 0);
    bool nullable = t->nullable;
    return boundCall(
        call, {t}, DataType::integer(),
        [field](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t) -> VectorPtr {
          return mapUnary<int64_t, int32_t>(*in[0], DataType::integer(), field);
        },
        nullable);
  });
}

// to_timestamp/to_date/unix_timestamp with a pattern: strings parse with the pattern (null when
// they do not match); dates and timestamps convert without it, as Spark's GetTimestamp.
// `convert` maps the parsed microseconds to the result.
template <class Out, class Convert>
ExprPtr bindParse(const Expr& call, std::vector<ExprPtr> args, const DataTypePtr& outType,
                  const char* defaultPattern, Convert convert) {
  TypeId id = args[0]->type->id();
  bool isString = id == TypeId::kString;
  if (!isString && id != TypeId::kNull && id != TypeId::kDate && !isTimestampType(id)) {
    mismatch(call, args, 0, "(\"STRING\" or \"DATE\" or \"TIMESTAMP\" or \"TIMESTAMP_NTZ\")");
  }
  TextArg pattern = args.size() > 1 ? readTextArg(call, args, 1) : constantText(defaultPattern);
  if (!isString) {
    args[0] = castIfNeeded(args[0], DataType::timestamp());
    return boundCall(call, std::move(args), outType,
                     [convert](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
                               size_t) -> VectorPtr {
                       return mapUnary<int64_t, Out>(*in[0], self.type, convert);
                     });
  }
  if (pattern.constant && pattern.value) checkPattern(*pattern.value, true);
  return boundCall(call, std::move(args), outType,
                   [convert, pattern](const std::vector<VectorPtr>& in, const Expr& self,
                                      EvalContext&, size_t n) -> VectorPtr {
                     const Vector& text = *in[0];
                     PatternSource patterns(pattern, in.size() > 1 ? in[1].get() : nullptr, true);
                     FixedWriter<Out> w(self.type, n);
                     std::string_view p;
                     for (size_t i = 0; i < n; ++i) {
                       if (text.isNull(i) || !patterns.get(i, p)) {
                         w.setNull(i);
                         continue;
                       }
                       auto micros = base::parseWithPattern(text.stringAt(i), p);
                       if (micros) {
                         w.set(i, convert(*micros));
                       } else {
                         w.setNull(i);
                       }
                     }
                     return w.finish();
                   });
}

// date_format/from_unixtime: formats each row's microseconds (`toMicros(value)`) with the pattern.
template <class In, class ToMicros>
VectorPtr formatRows(const Vector& values, PatternSource& patterns, size_t n, ToMicros toMicros) {
  StringWriter w(DataType::string(), n);
  const In* v = values.values<In>();
  std::string_view p;
  for (size_t i = 0; i < n; ++i) {
    if (values.isNull(i) || !patterns.get(i, p)) {
      w.appendNull();
    } else {
      w.append(base::formatWithPattern(toMicros(v[i]), p));
    }
  }
  return w.finish();
}

[[noreturn]] void throwOverflow(const Expr& self) {
  throw InvalidInputError("ARITHMETIC_OVERFLOW",
                          "long overflow in " + self.display +
                              ": the result is outside the range of a timestamp (microseconds in a "
                              "64-bit integer).");
}

// timestamp_seconds/_millis/_micros of an integral column: Math.multiplyExact, failing on overflow.
VectorPtr scaleIntegral(const Vector& v, int64_t factor, const Expr& self) {
  return dispatchNumeric(v.typeId(), [&](auto tag) -> VectorPtr {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_integral_v<T>) {
      return mapUnaryNullable<T, int64_t>(v, DataType::timestamp(), [&](T x, int64_t& out) {
        if (__builtin_mul_overflow(static_cast<int64_t>(x), factor, &out)) throwOverflow(self);
        return true;
      });
    } else {
      throw InternalError("INTERNAL_ERROR", "scaleIntegral on a floating type");
    }
  });
}

// timestamp_seconds of a decimal: BigDecimal.multiply(10^6).longValueExact(), which fails when a
// fraction finer than a microsecond remains or the result leaves the long range.
VectorPtr secondsFromDecimal(const Vector& v, const Expr& self) {
  int scale = v.type()->scale();
  return mapUnaryNullable<int128_t, int64_t>(
      v, DataType::timestamp(), [&](int128_t x, int64_t& out) {
        int128_t micros = x;
        if (scale <= 6) {
          for (int s = scale; s < 6; ++s) {
            if (__builtin_mul_overflow(micros, static_cast<int128_t>(10), &micros))
              throwOverflow(self);
          }
        } else {
          int128_t divisor = 1;
          for (int s = 6; s < scale; ++s) divisor *= 10;
          if (micros % divisor != 0) {
            throw InvalidInputError(
                "INVALID_FRACTION_OF_SECOND",
                "Rounding necessary in " + self.display +
                    ": the value has a fraction of a second finer than a microsecond.");
          }
          micros /= divisor;
        }
        if (micros > std::numeric_limits<int64_t>::max() ||
            micros < std::numeric_limits<int64_t>::min()) {
          throwOverflow(self);
        }
        out = static_cast<int64_t>(micros);
        return true;
      });
}

// timestamp_seconds of a float or double: NaN and infinities are null; Java's (long) otherwise.
template <class T>
VectorPtr secondsFromFloating(const Vector& v) {
  return mapUnaryNullable<T, int64_t>(v, DataType::timestamp(), [](T x, int64_t& out) {
    if (std::isnan(x) || std::isinf(x)) return false;
    out = javaDoubleToLong(static_cast<double>(x) * static_cast<double>(kMicrosPerSecond));
    return true;
  });
}

void registerParsing(FunctionRegistry& r) {
  r.add("to_timestamp", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args.size(), 1, 2);
    if (args.size() == 2) {
      return bindParse<int64_t>(call, std::move(args), DataType::timestamp(), kDefaultPattern,
                                [](int64_t micros) { return micros; });
    }
    // Without a pattern: the cast rules (numbers are seconds since the epoch).
    TypeId id = args[0]->type->id();
    if (id != TypeId::kNull && id != TypeId::kString && id != TypeId::kDate &&
        !isTimestampType(id) && !args[0]->type->isNumeric()) {
      mismatch(call, args, 0,
               "(\"STRING\" or \"DATE\" or \"TIMESTAMP\" or \"TIMESTAMP_NTZ\" or \"NUMERIC\")");
    }
    ExprPtr ts = castIfNeeded(args[0], DataType::timestamp());
    return boundCall(call, {ts}, DataType::timestamp(), passThrough());
  });

  r.add("to_date", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args.size(), 1, 2);
    if (args.size() == 2) {
      return bindParse<int32_t>(call, std::move(args), DataType::date(), kDefaultPattern,
                                [](int64_t micros) { return base::microsToDays(micros); });
    }
    ExprPtr d = asDate(call, args, 0);
    return boundCall(call, {d}, DataType::date(), passThrough());
  });

  // unix_timestamp([time[, pattern]]) and to_unix_timestamp(time[, pattern]): seconds, truncated
  // toward zero as Spark's division of microseconds does.
  for (const char* name : {"unix_timestamp", "to_unix_timestamp"}) {
    bool allowNoArgs = std::string(name) == "unix_timestamp";
    r.add(name, [allowNoArgs](const Expr& call, std::vector<ExprPtr> args) {
      checkArgCount(call, args.size(), allowNoArgs ? 0 : 1, 2);
      if (args.empty()) {
        return boundCall(
            call, {}, DataType::longType(),
            [](const std::vector<VectorPtr>&, const Expr& self, EvalContext& ctx, size_t n) {
              return Vector::constant(
                  self.type, Value::integer(ctx.currentTimestampMicros / kMicrosPerSecond), n);
            },
            false);
      }
      return bindParse<int64_t>(call, std::move(args), DataType::longType(), kDefaultPattern,
                                [](int64_t micros) { return micros / kMicrosPerSecond; });
    });
  }
}

void registerFormatting(FunctionRegistry& r) {
  r.add("date_format", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args.size(), 2, 2);
    args[0] = asTimestamp(call, args, 0);
    TextArg pattern = readTextArg(call, args, 1);
    if (pattern.constant && pattern.value) checkPattern(*pattern.value, false);
    bool nullable = args[0]->nullable || args[1]->nullable;
    return boundCall(
        call, std::move(args), DataType::string(),
        [pattern](const std::vector<VectorPtr>& in, const Expr&, EvalContext&,
                  size_t n) -> VectorPtr {
          PatternSource patterns(pattern, in[1].get(), false);
          return formatRows<int64_t>(*in[0], patterns, n, [](int64_t t) { return t; });
        },
        nullable);
  });

  r.add("from_unixtime", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args.size(), 1, 2);
    args[0] = asNumber(call, args, 0, DataType::longType());
    TextArg pattern = args.size() > 1 ? readTextArg(call, args, 1) : constantText(kDefaultPattern);
    if (pattern.constant && pattern.value) checkPattern(*pattern.value, false);
    return boundCall(call, std::move(args), DataType::string(),
                     [pattern](const std::vector<VectorPtr>& in, const Expr&, EvalContext&,
                               size_t n) -> VectorPtr {
                       PatternSource patterns(pattern, in.size() > 1 ? in[1].get() : nullptr,
                                              false);
                       // seconds * 10^6 wraps on overflow as Spark's long multiplication does.
                       return formatRows<int64_t>(*in[0], patterns, n, [](int64_t s) {
                         return static_cast<int64_t>(static_cast<uint64_t>(s) *
                                                     static_cast<uint64_t>(kMicrosPerSecond));
                       });
                     });
  });
}

void registerTruncation(FunctionRegistry& r) {
  // date_trunc(unit, timestamp): an unknown unit gives null, as Spark.
  r.add("date_trunc", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args.size(), 2, 2);
    TextArg unit = readTextArg(call, args, 0);
    args[1] = asTimestamp(call, args, 1);
    TruncLevel level =
        unit.constant && unit.value ? parseTruncLevel(*unit.value) : TruncLevel::kInvalid;
    return boundCall(call, std::move(args), DataType::timestamp(),
                     [unit, level](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
                                   size_t n) -> VectorPtr {
                       const Vector& ts = *in[1];
                       if (unit.constant) {
                         if (level == TruncLevel::kInvalid) return Vector::nulls(self.type, n);
                         return mapUnary<int64_t, int64_t>(
                             ts, self.type, [level](int64_t t) { return truncMicros(t, level); });
                       }
                       PatternSource units(unit, in[0].get(), false, false);
                       FixedWriter<int64_t> w(self.type, n);
                       std::string_view u;
                       for (size_t i = 0; i < n; ++i) {
                         TruncLevel l = TruncLevel::kInvalid;
                         if (!ts.isNull(i) && units.get(i, u)) l = parseTruncLevel(u);
                         if (l == TruncLevel::kInvalid) {
                           w.setNull(i);
                         } else {
                           w.set(i, truncMicros(ts.valueAt<int64_t>(i), l));
                         }
                       }
                       return w.finish();
                     });
  });

  // trunc(date, unit): only week and coarser units; anything else gives null.
  r.add("trunc", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args.size(), 2, 2);
    args[0] = asDate(call, args, 0);
    TextArg unit = readTextArg(call, args, 1);
    auto dateLevel = [](std::string_view u) {
      TruncLevel l = parseTruncLevel(u);
      return l < TruncLevel::kWeek ? TruncLevel::kInvalid : l;
    };
    TruncLevel level = unit.constant && unit.value ? dateLevel(*unit.value) : TruncLevel::kInvalid;
    return boundCall(call, std::move(args), DataType::date(),
                     [unit, level, dateLevel](const std::vector<VectorPtr>& in, const Expr& self,
                                              EvalContext&, size_t n) -> VectorPtr {
                       const Vector& d = *in[0];
                       if (unit.constant) {
                         if (level == TruncLevel::kInvalid) return Vector::nulls(self.type, n);
                         return mapUnary<int32_t, int32_t>(
                             d, self.type, [level](int32_t v) { return truncDays(v, level); });
                       }
                       PatternSource units(unit, in[1].get(), false, false);
                       FixedWriter<int32_t> w(self.type, n);
                       std::string_view u;
                       for (size_t i = 0; i < n; ++i) {
                         TruncLevel l = TruncLevel::kInvalid;
                         if (!d.isNull(i) && units.get(i, u)) l = dateLevel(u);
                         if (l == TruncLevel::kInvalid) {
                           w.setNull(i);
                         } else {
                           w.set(i, truncDays(d.valueAt<int32_t>(i), l));
                         }
                       }
                       return w.finish();
                     });
  });
}

void registerFields(FunctionRegistry& r) {
  addDateField(r, "year", [](int32_t d) { return base::civilFromDays(d).year; });
  addDateField(r, "quarter", [](int32_t d) {
    return static_cast<int32_t>((base::civilFromDays(d).month - 1) / 3 + 1);
  });
  addDateField(r, "month",
               [](int32_t d) { return static_cast<int32_t>(base::civilFromDays(d).month); });
  addDateField(r, "dayofmonth",
               [](int32_t d) { return static_cast<int32_t>(base::civilFromDays(d).day); });
  addDateField(r, "day",
               [](int32_t d) { return static_cast<int32_t>(base::civilFromDays(d).day); });
  // 1 = Sunday .. 7 = Saturday.
  addDateField(r, "dayofweek", [](int32_t d) { return isoWeekday(d) % 7 + 1; });
  // 0 = Monday .. 6 = Sunday.
  addDateField(r, "weekday", [](int32_t d) { return isoWeekday(d) - 1; });
  addDateField(r, "dayofyear", dayOfYear);
  addDateField(r, "weekofyear", weekOfYear);
  addTimeField(r, "hour", [](int64_t t) {
    return static_cast<int32_t>(floorMod(t, kMicrosPerDay) / kMicrosPerHour);
  });
  addTimeField(r, "minute", [](int64_t t) {
    return static_cast<int32_t>(floorMod(t, kMicrosPerHour) / kMicrosPerMinute);
  });
  addTimeField(r, "second", [](int64_t t) {
    return static_cast<int32_t>(floorMod(t, kMicrosPerMinute) / kMicrosPerSecond);
  });
}

void registerEpochConversions(FunctionRegistry& r) {
  r.add("timestamp_seconds", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args.size(), 1, 1);
    ExprPtr a = args[0];
    TypeId id = a->type->id();
    if (id == TypeId::kNull) {
      a = castIfNeeded(a, DataType::longType());
    } else if (!a->type->isNumeric()) {
      mismatch(call, args, 0, "\"NUMERIC\"");
    }
    bool nullable = a->nullable || id == TypeId::kFloat || id == TypeId::kDouble;
    return boundCall(
        call, {a}, DataType::timestamp(),
        [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&, size_t) -> VectorPtr {
          const Vector& v = *in[0];
          switch (v.typeId()) {
            case TypeId::kFloat:
              return secondsFromFloating<float>(v);
            case TypeId::kDouble:
              return secondsFromFloating<double>(v);
            case TypeId::kDecimal:
              return secondsFromDecimal(v, self);
            default:
              return scaleIntegral(v, kMicrosPerSecond, self);
          }
        },
        nullable);
  });

  for (auto [name, factor] : {std::pair<const char*, int64_t>{"timestamp_millis", kMicrosPerMilli},
                              std::pair<const char*, int64_t>{"timestamp_micros", 1}}) {
    int64_t scale = factor;
    r.add(name, [scale](const Expr& call, std::vector<ExprPtr> args) {
      checkArgCount(call, args.size(), 1, 1);
      ExprPtr a = args[0];
      if (a->type->id() == TypeId::kNull) {
        a = castIfNeeded(a, DataType::longType());
      } else if (!a->type->isIntegral()) {
        mismatch(call, args, 0, "\"INTEGRAL\"");
      }
      bool nullable = a->nullable;
      return boundCall(
          call, {a}, DataType::timestamp(),
          [scale](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&, size_t) {
            return scaleIntegral(*in[0], scale, self);
          },
          nullable);
    });
  }

  // unix_seconds/_millis/_micros(timestamp): Math.floorDiv of the microseconds.
  for (auto [name, factor] : {std::pair<const char*, int64_t>{"unix_seconds", kMicrosPerSecond},
                              std::pair<const char*, int64_t>{"unix_millis", kMicrosPerMilli},
                              std::pair<const char*, int64_t>{"unix_micros", 1}}) {
    int64_t unit = factor;
    r.add(name, [unit](const Expr& call, std::vector<ExprPtr> args) {
      checkArgCount(call, args.size(), 1, 1);
      ExprPtr t = asTimestamp(call, args, 0);
      bool nullable = t->nullable;
      return boundCall(
          call, {t}, DataType::longType(),
          [unit](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
                 size_t) -> VectorPtr {
            return mapUnary<int64_t, int64_t>(*in[0], self.type,
                                              [unit](int64_t t) { return floorDiv(t, unit); });
          },
          nullable);
    });
  }
}

void registerCurrentTime(FunctionRegistry& r) {
  // Every row of one query execution sees the same instant, fixed in the EvalContext.
  for (const char* name : {"current_timestamp", "now"}) {
    r.add(name, [](const Expr& call, std::vector<ExprPtr> args) {
      checkArgCount(call, args.size(), 0, 0);
      return boundCall(
          call, {}, DataType::timestamp(),
          [](const std::vector<VectorPtr>&, const Expr& self, EvalContext& ctx, size_t n) {
            return Vector::constant(self.type, Value::timestamp(ctx.currentTimestampMicros), n);
          },
          false);
    });
  }
  for (const char* name : {"current_date", "curdate"}) {
    r.add(name, [](const Expr& call, std::vector<ExprPtr> args) {
      checkArgCount(call, args.size(), 0, 0);
      return boundCall(
          call, {}, DataType::date(),
          [](const std::vector<VectorPtr>&, const Expr& self, EvalContext& ctx, size_t n) {
            return Vector::constant(self.type,
                                    Value::date(base::microsToDays(ctx.currentTimestampMicros)), n);
          },
          false);
    });
  }
}

void registerDateArithmetic(FunctionRegistry& r) {
  for (bool add : {true, false}) {
    r.add(add ? "date_add" : "date_sub", [add](const Expr& call, std::vector<ExprPtr> args) {
      checkArgCount(call, args.size(), 2, 2);
      ExprPtr d = asDate(call, args, 0);
      ExprPtr n = asNumber(call, args, 1, DataType::integer());
      bool nullable = d->nullable || n->nullable;
      return boundCall(
          call, {d, n}, DataType::date(),
          [add](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
                size_t) -> VectorPtr {
            if (add)
              return mapBinary<int32_t, int32_t, int32_t>(*in[0], *in[1], self.type, wrapAdd);
            return mapBinary<int32_t, int32_t, int32_t>(*in[0], *in[1], self.type, wrapSub);
          },
          nullable);
    });
  }

  r.add("datediff", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args.size(), 2, 2);
    ExprPtr end = asDate(call, args, 0), start = asDate(call, args, 1);
    bool nullable = end->nullable || start->nullable;
    return boundCall(
        call, {end, start}, DataType::integer(),
        [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&, size_t) -> VectorPtr {
          return mapBinary<int32_t, int32_t, int32_t>(*in[0], *in[1], self.type, wrapSub);
        },
        nullable);
  });

  r.add("last_day", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args.size(), 1, 1);
    ExprPtr d = asDate(call, args, 0);
    bool nullable = d->nullable;
    return boundCall(
        call, {d}, DataType::date(),
        [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&, size_t) -> VectorPtr {
          return mapUnary<int32_t, int32_t>(*in[0], self.type, [](int32_t v) {
            base::CivilDate c = base::civilFromDays(v);
            return v - static_cast<int32_t>(c.day) + daysInMonth(c.year, c.month);
          });
        },
        nullable);
  });

  r.add("add_months", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args.size(), 2, 2);
    ExprPtr d = asDate(call, args, 0);
    ExprPtr months = asNumber(call, args, 1, DataType::integer());
    bool nullable = d->nullable || months->nullable;
    return boundCall(
        call, {d, months}, DataType::date(),
        [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&, size_t) -> VectorPtr {
          return mapBinary<int32_t, int32_t, int32_t>(*in[0], *in[1], self.type, addMonths);
        },
        nullable);
  });

  // window_time(window): the last microsecond inside the window, window.end - 1.
  r.add("window_time", [](const Expr& call, std::vector<ExprPtr> args) {
    checkArgCount(call, args.size(), 1, 1);
    const DataTypePtr& type = args[0]->type;
    std::optional<size_t> end;
    if (type->id() == TypeId::kStruct && type->fieldIndex("start")) end = type->fieldIndex("end");
    if (!end || !isTimestampType(type->fields()[*end].type->id())) {
      mismatch(call, args, 0, "\"STRUCT<start: TIMESTAMP, end: TIMESTAMP>\" (a window column)");
    }
    size_t endIndex = *end;
    const types::Field& endField = type->fields()[endIndex];
    bool nullable = args[0]->nullable || endField.nullable;
    return boundCall(
        call, std::move(args), endField.type,
        [endIndex](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&,
                   size_t n) -> VectorPtr {
          const Vector& window = *in[0];
          auto out = mapUnary<int64_t, int64_t>(window.child(endIndex), self.type,
                                                [](int64_t e) { return e - 1; });
          if (window.mayHaveNulls()) {
            for (size_t i = 0; i < n; ++i) {
              if (window.isNull(i)) out->setNull(i);
            }
          }
          return out;
        },
        nullable);
  });
}

}  // namespace

void registerDatetimeFunctions(FunctionRegistry& registry) {
  registerParsing(registry);
  registerFormatting(registry);
  registerTruncation(registry);
  registerFields(registry);
  registerEpochConversions(registry);
  registerCurrentTime(registry);
  registerDateArithmetic(registry);
}

}  // namespace weir::expr
