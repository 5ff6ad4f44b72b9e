// Date and time functions bound and evaluated as queries run them, against Spark 3.5's documented
// results in a UTC session (Spark's doc examples use America/Los_Angeles; those here are in UTC).
#include <gtest/gtest.h>

#include "weir/expr/expr_test_support.h"

#include <cmath>
#include <functional>
#include <limits>

#include "weir/base/error.h"
#include "weir/base/time.h"
#include "weir/expr/binder.h"
#include "weir/expr/evaluator.h"

namespace weir::expr {

using columnar::ColumnBatch;
using columnar::Decimal;
using columnar::Row;
using columnar::Value;
using types::DataType;
using types::StructType;
using types::TypeId;

namespace {

using namespace testing;  // NOLINT


ExprPtr i32(int64_t v) { return literal(Value::integer(v), DataType::integer()); }
ExprPtr i64(int64_t v) { return literal(Value::integer(v), DataType::longType()); }
ExprPtr f64(double v) { return literal(Value::real(v), DataType::doubleType()); }
ExprPtr nullOf(const types::DataTypePtr& type) { return literal(Value::null(), type); }
ExprPtr fn(const std::string& name, std::vector<ExprPtr> args) {
  return call(name, std::move(args));
}

int64_t micros(const char* text) { return *base::parseTimestamp(text); }
int32_t days(const char* text) { return *base::parseDate(text); }

// A batch with one row, for expressions over literals.



types::DataTypePtr boundType(const ExprPtr& e, const ColumnBatch& batch) {
  return Binder(batch.schema()).bind(e)->type;
}

template <class E>
std::string errorClassOf(const std::function<void()>& run) {
  try {
    run();
  } catch (const E& e) {
    return e.errorClass();
  }
  return "no error";
}

std::string bindError(const ExprPtr& e, const ColumnBatch& batch) {
  return errorClassOf<AnalysisError>([&] { Binder(batch.schema()).bind(e); });
}

std::string inputError(const ExprPtr& e, const ColumnBatch& batch) {
  return errorClassOf<InvalidInputError>([&] { eval(e, batch); });
}

// s: strings to parse; ts: timestamps before and after 1970; d: dates, with a leap day.
ColumnBatch sample() {
  auto schema = StructType::fromDDL("s STRING, ts TIMESTAMP, d DATE, fmt STRING");
  return ColumnBatch::fromRows(
      schema.type(),
      {Row({Value::string("2016-12-31 00:12:00"), Value::timestamp(micros("2009-07-30 12:58:59")),
            Value::date(days("2016-07-30")), Value::string("yyyy-MM-dd HH:mm:ss")}),
       Row({Value::string("2016-12-31"), Value::timestamp(micros("1969-12-31 23:59:59.5")),
            Value::date(days("2024-02-29")), Value::string("yyyy-MM-dd")}),
       Row({Value::string("foo"), Value::timestamp(micros("1960-06-15 13:45:30")),
            Value::date(days("1969-12-31")), Value::null()}),
       Row({Value::null(), Value::null(), Value::date(days("1900-03-01")),
            Value::string("dd/MM/yyyy")}),
       Row({Value::string("1969-12-31 23:59:59.5"),
            Value::timestamp(micros("2024-02-29 23:00:00.123456")), Value::null(),
            Value::string("yyyy-MM-dd HH:mm:ss.S")})});
}

}  // namespace

TEST(DatetimeFunctions, ToTimestampWithoutPatternFollowsCastRules) {
  auto batch = sample();
  EXPECT_EQ(eval(fn("to_timestamp", {column("s")}), batch),
            (Strings{"2016-12-31 00:12:00", "2016-12-31 00:00:00", "null", "null",
                     "1969-12-31 23:59:59.5"}));
  EXPECT_EQ(boundType(fn("to_timestamp", {column("s")}), batch)->id(), TypeId::kTimestamp);
  // Numbers are seconds since the epoch; dates are midnight UTC.
  EXPECT_EQ(evalOne(fn("to_timestamp", {i32(1)})), "1970-01-01 00:00:01");
  EXPECT_EQ(evalOne(fn("to_timestamp", {i64(-86400)})), "1969-12-31 00:00:00");
  EXPECT_EQ(eval(fn("to_timestamp", {column("d")}), batch)[1], "2024-02-29 00:00:00");
  EXPECT_EQ(evalOne(fn("to_timestamp", {nullOf(DataType::null())})), "null");
}

TEST(DatetimeFunctions, ToTimestampWithPattern) {
  // Spark's examples: to_timestamp('2016-12-31', 'yyyy-MM-dd'), to_timestamp('foo', 'yyyy-MM-dd').
  EXPECT_EQ(evalOne(fn("to_timestamp", {str("2016-12-31"), str("yyyy-MM-dd")})),
            "2016-12-31 00:00:00");
  EXPECT_EQ(evalOne(fn("to_timestamp", {str("foo"), str("yyyy-MM-dd")})), "null");
  EXPECT_EQ(
      evalOne(fn("to_timestamp", {str("31/12/2016 23:59:58.123"), str("dd/MM/yyyy HH:mm:ss.SSS")})),
      "2016-12-31 23:59:58.123");
  EXPECT_EQ(evalOne(fn("to_timestamp", {str("1969-07-20 20:17:40"), str("yyyy-MM-dd HH:mm:ss")})),
            "1969-07-20 20:17:40");
  // Leap days exist only in leap years; trailing text does not match.
  EXPECT_EQ(evalOne(fn("to_timestamp", {str("2024-02-29"), str("yyyy-MM-dd")})),
            "2024-02-29 00:00:00");
  EXPECT_EQ(evalOne(fn("to_timestamp", {str("2023-02-29"), str("yyyy-MM-dd")})), "null");
  EXPECT_EQ(evalOne(fn("to_timestamp", {str("2016-12-31 10:00"), str("yyyy-MM-dd")})), "null");
  EXPECT_EQ(evalOne(fn("to_timestamp", {str("2016-12-31"), nullOf(DataType::string())})), "null");
  EXPECT_EQ(evalOne(fn("to_timestamp", {str("2016 366"), str("yyyy D")})), "2016-12-31 00:00:00");
  EXPECT_EQ(evalOne(fn("to_timestamp", {str("20161231 0730PM"), str("yyyyMMdd hhmma")})),
            "2016-12-31 19:30:00");
  // A pattern per row: rows whose pattern is null or does not fit give null.
  auto batch = sample();
  EXPECT_EQ(eval(fn("to_timestamp", {column("s"), column("fmt")}), batch),
            (Strings{"2016-12-31 00:12:00", "2016-12-31 00:00:00", "null", "null",
                     "1969-12-31 23:59:59.5"}));
  // Dates and timestamps convert without the pattern, as Spark's GetTimestamp.
  EXPECT_EQ(eval(fn("to_timestamp", {column("d"), str("yyyy")}), batch)[2], "1969-12-31 00:00:00");
}

TEST(DatetimeFunctions, ToDate) {
  // Spark's examples: to_date('2009-07-30 04:17:52'), to_date('2016-12-31', 'yyyy-MM-dd').
  EXPECT_EQ(evalOne(fn("to_date", {str("2009-07-30 04:17:52")})), "2009-07-30");
  EXPECT_EQ(evalOne(fn("to_date", {str("2016-12-31"), str("yyyy-MM-dd")})), "2016-12-31");
  EXPECT_EQ(evalOne(fn("to_date", {str("12/31/2016 11:00 PM"), str("MM/dd/yyyy hh:mm a")})),
            "2016-12-31");
  EXPECT_EQ(evalOne(fn("to_date", {str("2023-02-29")})), "null");
  EXPECT_EQ(evalOne(fn("to_date", {str("2023-02-29"), str("yyyy-MM-dd")})), "null");
  EXPECT_EQ(evalOne(fn("to_date", {str("not a date")})), "null");
  auto batch = sample();
  // A timestamp half a second before the epoch is on 1969-12-31.
  EXPECT_EQ(eval(fn("to_date", {column("ts")}), batch),
            (Strings{"2009-07-30", "1969-12-31", "1960-06-15", "null", "2024-02-29"}));
  EXPECT_EQ(boundType(fn("to_date", {column("s")}), batch)->id(), TypeId::kDate);
}

TEST(DatetimeFunctions, DateFormat) {
  // Spark's example: date_format('2016-04-08', 'y') -> 2016.
  EXPECT_EQ(evalOne(fn("date_format", {str("2016-04-08"), str("y")})), "2016");
  auto t = str("2025-03-04 05:06:07.089");
  EXPECT_EQ(evalOne(fn("date_format", {t, str("yyyy-MM-dd'T'HH:mm:ss.SSS")})),
            "2025-03-04T05:06:07.089");
  EXPECT_EQ(evalOne(fn("date_format", {t, str("EEEE, MMMM d, yyyy h:mm a")})),
            "Tuesday, March 4, 2025 5:06 AM");
  EXPECT_EQ(evalOne(fn("date_format", {t, str("QQQ D dd.MM.yy")})), "Q1 63 04.03.25");
  EXPECT_EQ(evalOne(fn("date_format", {t, str("HH:mm XXX|xx|Z|O")})), "05:06 Z|+0000|+0000|GMT");
  EXPECT_EQ(evalOne(fn("date_format", {t, str("yyyy-MM-dd[ HH:mm]")})), "2025-03-04 05:06");
  EXPECT_EQ(evalOne(fn("date_format", {t, str("G yyyy, QQQQ, zzzz")})),
            "AD 2025, 1st quarter, Coordinated Universal Time");
  EXPECT_EQ(evalOne(fn("to_date", {str("AD 2025-03-04"), str("G yyyy-MM-dd")})), "2025-03-04");
  auto batch = sample();
  EXPECT_EQ(eval(fn("date_format", {column("ts"), str("yyyy-MM-dd HH:mm:ss.SSS")}), batch),
            (Strings{"2009-07-30 12:58:59.000", "1969-12-31 23:59:59.500",
                     "1960-06-15 13:45:30.000", "null", "2024-02-29 23:00:00.123"}));
  // Dates format as midnight; a null pattern gives null.
  EXPECT_EQ(eval(fn("date_format", {column("d"), str("yyyy/MM/dd HH:mm EEE")}), batch)[1],
            "2024/02/29 00:00 Thu");
  EXPECT_EQ(evalOne(fn("date_format", {t, nullOf(DataType::string())})), "null");
  EXPECT_EQ(boundType(fn("date_format", {column("ts"), str("y")}), batch)->id(), TypeId::kString);
}

TEST(DatetimeFunctions, PatternsSparkRefuses) {
  auto batch = sample();
  auto formatError = [&](const char* pattern) {
    return errorClassOf<InvalidInputError>([&] {
      Binder(batch.schema()).bind(fn("date_format", {column("ts"), str(pattern)}));
    });
  };
  // Week-based letters, letters Spark removed, too many letters, letters no formatter knows.
  EXPECT_EQ(formatError("YYYY-MM-dd"), "INVALID_DATETIME_PATTERN");
  EXPECT_EQ(formatError("yyyy-ww"), "INVALID_DATETIME_PATTERN");
  EXPECT_EQ(formatError("A"), "INVALID_DATETIME_PATTERN");
  EXPECT_EQ(formatError("yyyy-MM-ddd"), "INVALID_DATETIME_PATTERN");
  EXPECT_EQ(formatError("MMMMM"), "INVALID_DATETIME_PATTERN");
  EXPECT_EQ(formatError("yyyy-MM-dd b"), "INVALID_DATETIME_PATTERN");
  EXPECT_EQ(formatError("yyyy-MM-dd 'week' w"), "INVALID_DATETIME_PATTERN");
  EXPECT_EQ(formatError("yyyy-MM-dd 'Year'"), "no error");
  // Parsing also refuses day-of-week and quarter letters.
  auto parseError = errorClassOf<InvalidInputError>([&] {
    Binder(batch.schema()).bind(fn("to_timestamp", {column("s"), str("EEE yyyy-MM-dd")}));
  });
  EXPECT_EQ(parseError, "INVALID_DATETIME_PATTERN");
  // A pattern from a column is checked when the row is evaluated.
  auto schema = StructType::fromDDL("s STRING, p STRING");
  auto perRow =
      ColumnBatch::fromRows(schema.type(), {Row({Value::string("2020"), Value::string("YYYY")})});
  EXPECT_EQ(inputError(fn("to_timestamp", {column("s"), column("p")}), perRow),
            "INVALID_DATETIME_PATTERN");
}

TEST(DatetimeFunctions, DateTrunc) {
  // Spark's examples.
  auto t = str("2015-03-05T09:32:05.359");
  EXPECT_EQ(evalOne(fn("date_trunc", {str("YEAR"), t})), "2015-01-01 00:00:00");
  EXPECT_EQ(evalOne(fn("date_trunc", {str("MM"), t})), "2015-03-01 00:00:00");
  EXPECT_EQ(evalOne(fn("date_trunc", {str("DD"), t})), "2015-03-05 00:00:00");
  EXPECT_EQ(evalOne(fn("date_trunc", {str("HOUR"), t})), "2015-03-05 09:00:00");
  EXPECT_EQ(evalOne(fn("date_trunc", {str("MILLISECOND"), str("2015-03-05T09:32:05.123456")})),
            "2015-03-05 09:32:05.123");
  // Units are case-insensitive; weeks start on Monday; quarters on Jan/Apr/Jul/Oct.
  EXPECT_EQ(evalOne(fn("date_trunc", {str("week"), str("2019-08-04 10:11:12")})),
            "2019-07-29 00:00:00");
  EXPECT_EQ(evalOne(fn("date_trunc", {str("quarter"), str("2015-08-15 10:11:12")})),
            "2015-07-01 00:00:00");
  EXPECT_EQ(evalOne(fn("date_trunc", {str("yy"), str("2024-02-29 10:11:12")})),
            "2024-01-01 00:00:00");
  EXPECT_EQ(evalOne(fn("date_trunc", {str("mon"), str("2024-02-29 10:11:12")})),
            "2024-02-01 00:00:00");
  EXPECT_EQ(evalOne(fn("date_trunc", {str("minute"), str("2024-02-29 10:11:12.5")})),
            "2024-02-29 10:11:00");
  EXPECT_EQ(evalOne(fn("date_trunc", {str("microsecond"), str("2024-02-29 10:11:12.5")})),
            "2024-02-29 10:11:12.5");
  // Before 1970 truncation rounds down, not toward zero.
  auto batch = sample();
  EXPECT_EQ(eval(fn("date_trunc", {str("second"), column("ts")}), batch),
            (Strings{"2009-07-30 12:58:59", "1969-12-31 23:59:59", "1960-06-15 13:45:30", "null",
                     "2024-02-29 23:00:00"}));
  EXPECT_EQ(eval(fn("date_trunc", {str("day"), column("ts")}), batch)[1], "1969-12-31 00:00:00");
  EXPECT_EQ(eval(fn("date_trunc", {str("week"), column("ts")}), batch)[1], "1969-12-29 00:00:00");
  // Unknown or null units give null, as Spark.
  EXPECT_EQ(evalOne(fn("date_trunc", {str("decade"), t})), "null");
  EXPECT_EQ(evalOne(fn("date_trunc", {nullOf(DataType::string()), t})), "null");
  // A unit per row.
  auto schema = StructType::fromDDL("unit STRING, ts TIMESTAMP");
  auto units = ColumnBatch::fromRows(
      schema.type(),
      {Row({Value::string("hour"), Value::timestamp(micros("2020-05-06 07:08:09"))}),
       Row({Value::string("bogus"), Value::timestamp(micros("2020-05-06 07:08:09"))}),
       Row({Value::null(), Value::timestamp(micros("2020-05-06 07:08:09"))}),
       Row({Value::string("year"), Value::timestamp(micros("2020-05-06 07:08:09"))})});
  EXPECT_EQ(eval(fn("date_trunc", {column("unit"), column("ts")}), units),
            (Strings{"2020-05-06 07:00:00", "null", "null", "2020-01-01 00:00:00"}));
}

TEST(DatetimeFunctions, TruncOfDates) {
  // Spark's examples; units finer than a week give null.
  EXPECT_EQ(evalOne(fn("trunc", {str("2019-08-04"), str("week")})), "2019-07-29");
  EXPECT_EQ(evalOne(fn("trunc", {str("2019-08-04"), str("quarter")})), "2019-07-01");
  EXPECT_EQ(evalOne(fn("trunc", {str("2009-02-12"), str("MM")})), "2009-02-01");
  EXPECT_EQ(evalOne(fn("trunc", {str("2015-10-27"), str("YEAR")})), "2015-01-01");
  EXPECT_EQ(evalOne(fn("trunc", {str("2015-10-27"), str("day")})), "null");
  EXPECT_EQ(evalOne(fn("trunc", {str("1969-12-31"), str("month")})), "1969-12-01");
}

TEST(DatetimeFunctions, DateFields) {
  auto batch = sample();
  // d: 2016-07-30 (Saturday), 2024-02-29 (Thursday), 1969-12-31 (Wednesday), 1900-03-01 (not a
  // leap year), null.
  EXPECT_EQ(eval(fn("year", {column("d")}), batch),
            (Strings{"2016", "2024", "1969", "1900", "null"}));
  EXPECT_EQ(eval(fn("quarter", {column("d")}), batch), (Strings{"3", "1", "4", "1", "null"}));
  EXPECT_EQ(eval(fn("month", {column("d")}), batch), (Strings{"7", "2", "12", "3", "null"}));
  EXPECT_EQ(eval(fn("dayofmonth", {column("d")}), batch), (Strings{"30", "29", "31", "1", "null"}));
  EXPECT_EQ(eval(fn("dayofweek", {column("d")}), batch), (Strings{"7", "5", "4", "5", "null"}));
  EXPECT_EQ(eval(fn("weekday", {column("d")}), batch), (Strings{"5", "3", "2", "3", "null"}));
  EXPECT_EQ(eval(fn("dayofyear", {column("d")}), batch),
            (Strings{"212", "60", "365", "60", "null"}));
  EXPECT_EQ(eval(fn("weekofyear", {column("d")}), batch), (Strings{"30", "9", "1", "9", "null"}));
  EXPECT_EQ(eval(fn("last_day", {column("d")}), batch),
            (Strings{"2016-07-31", "2024-02-29", "1969-12-31", "1900-03-31", "null"}));
  // Spark's examples, on strings cast to dates.
  EXPECT_EQ(evalOne(fn("year", {str("2016-07-30")})), "2016");
  EXPECT_EQ(evalOne(fn("quarter", {str("2016-08-31")})), "3");
  EXPECT_EQ(evalOne(fn("dayofweek", {str("2009-07-30")})), "5");
  EXPECT_EQ(evalOne(fn("dayofyear", {str("2016-04-09")})), "100");
  EXPECT_EQ(evalOne(fn("weekofyear", {str("2008-02-20")})), "8");
  EXPECT_EQ(evalOne(fn("last_day", {str("2009-01-12")})), "2009-01-31");
  // ISO weeks cross year ends.
  EXPECT_EQ(evalOne(fn("weekofyear", {str("2021-01-01")})), "53");
  EXPECT_EQ(evalOne(fn("weekofyear", {str("2024-12-30")})), "1");
  EXPECT_EQ(evalOne(fn("dayofyear", {str("2024-12-31")})), "366");
  EXPECT_EQ(evalOne(fn("year", {str("garbage")})), "null");
  // Timestamps are cast to their date.
  EXPECT_EQ(eval(fn("dayofmonth", {column("ts")}), batch),
            (Strings{"30", "31", "15", "null", "29"}));
  EXPECT_EQ(boundType(fn("year", {column("d")}), batch)->id(), TypeId::kInteger);
}

TEST(DatetimeFunctions, TimeFields) {
  // Spark's examples: hour/minute/second('2009-07-30 12:58:59') = 12, 58, 59.
  EXPECT_EQ(evalOne(fn("hour", {str("2009-07-30 12:58:59")})), "12");
  EXPECT_EQ(evalOne(fn("minute", {str("2009-07-30 12:58:59")})), "58");
  EXPECT_EQ(evalOne(fn("second", {str("2009-07-30 12:58:59")})), "59");
  auto batch = sample();
  EXPECT_EQ(eval(fn("hour", {column("ts")}), batch), (Strings{"12", "23", "13", "null", "23"}));
  EXPECT_EQ(eval(fn("minute", {column("ts")}), batch), (Strings{"58", "59", "45", "null", "0"}));
  EXPECT_EQ(eval(fn("second", {column("ts")}), batch), (Strings{"59", "59", "30", "null", "0"}));
  // Dates are midnight.
  EXPECT_EQ(eval(fn("hour", {column("d")}), batch), (Strings{"0", "0", "0", "0", "null"}));
}

TEST(DatetimeFunctions, UnixTimestamp) {
  // Spark's example unix_timestamp('2016-04-08', 'yyyy-MM-dd'), here in UTC.
  EXPECT_EQ(evalOne(fn("unix_timestamp", {str("2016-04-08"), str("yyyy-MM-dd")})), "1460073600");
  EXPECT_EQ(evalOne(fn("to_unix_timestamp", {str("2016-04-08"), str("yyyy-MM-dd")})), "1460073600");
  // The default pattern is yyyy-MM-dd HH:mm:ss: a bare date does not match it.
  EXPECT_EQ(evalOne(fn("unix_timestamp", {str("2009-07-30 12:58:59")})), "1248958739");
  EXPECT_EQ(evalOne(fn("unix_timestamp", {str("2016-04-08")})), "null");
  auto batch = sample();
  // Timestamps divide toward zero, as Spark's long division: half a second before 1970 is 0.
  EXPECT_EQ(eval(fn("unix_timestamp", {column("ts")}), batch),
            (Strings{"1248958739", "0", "-301227270", "null", "1709247600"}));
  EXPECT_EQ(eval(fn("unix_timestamp", {column("d")}), batch)[2], "-86400");
  EXPECT_EQ(boundType(fn("unix_timestamp", {column("ts")}), batch)->id(), TypeId::kLong);
  // Without arguments: the query's current time.
  EXPECT_EQ(evalOne(fn("unix_timestamp", {}), 1'700'000'000'123'456), "1700000000");
  EXPECT_EQ(bindError(fn("to_unix_timestamp", {}), batch), "WRONG_NUM_ARGS.WITHOUT_SUGGESTION");
  EXPECT_EQ(bindError(fn("unix_timestamp", {i32(1)}), batch),
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
}

TEST(DatetimeFunctions, FromUnixtime) {
  // Spark's example from_unixtime(0, 'yyyy-MM-dd HH:mm:ss'), here in UTC.
  EXPECT_EQ(evalOne(fn("from_unixtime", {i32(0), str("yyyy-MM-dd HH:mm:ss")})),
            "1970-01-01 00:00:00");
  EXPECT_EQ(evalOne(fn("from_unixtime", {i32(0)})), "1970-01-01 00:00:00");
  EXPECT_EQ(evalOne(fn("from_unixtime", {i64(-1)})), "1969-12-31 23:59:59");
  EXPECT_EQ(evalOne(fn("from_unixtime", {i64(1248958739), str("yyyy/MM/dd")})), "2009/07/30");
  EXPECT_EQ(evalOne(fn("from_unixtime", {i64(1709251199), str("MMM d HH:mm")})), "Feb 29 23:59");
  // Doubles cast to bigint (truncating); strings cast too.
  EXPECT_EQ(evalOne(fn("from_unixtime", {f64(1.9)})), "1970-01-01 00:00:01");
  EXPECT_EQ(evalOne(fn("from_unixtime", {str("60")})), "1970-01-01 00:01:00");
  EXPECT_EQ(evalOne(fn("from_unixtime", {nullOf(DataType::longType())})), "null");
}

TEST(DatetimeFunctions, EpochNumbersToTimestamps) {
  // Spark's examples (1230219000 is 2008-12-25 07:30:00 in Los Angeles, 15:30:00 in UTC).
  EXPECT_EQ(evalOne(fn("timestamp_seconds", {i32(1230219000)})), "2008-12-25 15:30:00");
  auto seconds = literal(Value::decimal(Decimal{1230219000123, 13, 3}), DataType::decimal(13, 3));
  EXPECT_EQ(evalOne(fn("timestamp_seconds", {seconds})), "2008-12-25 15:30:00.123");
  EXPECT_EQ(evalOne(fn("timestamp_millis", {i64(1230219000123)})), "2008-12-25 15:30:00.123");
  EXPECT_EQ(evalOne(fn("timestamp_micros", {i64(1230219000123123)})), "2008-12-25 15:30:00.123123");
  // Fractions and negative values; NaN and infinity are null.
  EXPECT_EQ(evalOne(fn("timestamp_seconds", {f64(-1.5)})), "1969-12-31 23:59:58.5");
  EXPECT_EQ(evalOne(fn("timestamp_seconds", {f64(std::nan(""))})), "null");
  EXPECT_EQ(evalOne(fn("timestamp_seconds", {f64(std::numeric_limits<double>::infinity())})),
            "null");
  EXPECT_EQ(evalOne(fn("timestamp_millis", {i32(-1)})), "1969-12-31 23:59:59.999");
  EXPECT_EQ(evalOne(fn("timestamp_seconds", {nullOf(DataType::integer())})), "null");
  // Math.multiplyExact: overflow fails the query; a fraction finer than a microsecond too.
  auto batch = oneRow();
  EXPECT_EQ(inputError(fn("timestamp_seconds", {i64(std::numeric_limits<int64_t>::max())}), batch),
            "ARITHMETIC_OVERFLOW");
  auto tooFine = literal(Value::decimal(Decimal{12345678, 10, 7}), DataType::decimal(10, 7));
  EXPECT_EQ(inputError(fn("timestamp_seconds", {tooFine}), batch), "INVALID_FRACTION_OF_SECOND");
  EXPECT_EQ(bindError(fn("timestamp_millis", {f64(1.0)}), batch),
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
  EXPECT_EQ(bindError(fn("timestamp_seconds", {str("1")}), batch),
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
  // And back: floor division of the microseconds.
  auto sample_ = sample();
  EXPECT_EQ(eval(fn("unix_seconds", {column("ts")}), sample_)[1], "-1");
  EXPECT_EQ(eval(fn("unix_millis", {column("ts")}), sample_)[1], "-500");
  EXPECT_EQ(eval(fn("unix_micros", {column("ts")}), sample_)[4], "1709247600123456");
}

TEST(DatetimeFunctions, CurrentTimeIsFixedForTheWholeEvaluation) {
  auto batch = sample();
  int64_t now = micros("2025-06-30 23:59:59.987654");
  EXPECT_EQ(eval(fn("current_timestamp", {}), batch, now),
            Strings(5, "2025-06-30 23:59:59.987654"));
  EXPECT_EQ(eval(fn("current_date", {}), batch, now), Strings(5, "2025-06-30"));
  EXPECT_EQ(eval(fn("current_date", {}), batch, micros("1969-12-31 23:00:00")),
            Strings(5, "1969-12-31"));
  Binder binder(batch.schema());
  EXPECT_FALSE(binder.bind(fn("current_timestamp", {}))->nullable);
  EXPECT_EQ(binder.bind(fn("current_date", {}))->type->id(), TypeId::kDate);
  EXPECT_EQ(bindError(fn("current_timestamp", {i32(1)}), batch),
            "WRONG_NUM_ARGS.WITHOUT_SUGGESTION");
  // Used in expressions: the difference to a column in days.
  EXPECT_EQ(eval(fn("datediff", {fn("current_date", {}), column("d")}), batch, now)[1], "487");
}

TEST(DatetimeFunctions, DateArithmetic) {
  // Spark's examples.
  EXPECT_EQ(evalOne(fn("date_add", {str("2016-07-30"), i32(1)})), "2016-07-31");
  EXPECT_EQ(evalOne(fn("date_sub", {str("2016-07-30"), i32(1)})), "2016-07-29");
  EXPECT_EQ(evalOne(fn("datediff", {str("2009-07-31"), str("2009-07-30")})), "1");
  EXPECT_EQ(evalOne(fn("datediff", {str("2009-07-30"), str("2009-07-31")})), "-1");
  EXPECT_EQ(evalOne(fn("add_months", {str("2016-08-31"), i32(1)})), "2016-09-30");
  // Leap years, the epoch, timestamps (their date counts), other integral and string counts.
  EXPECT_EQ(evalOne(fn("date_add", {str("2024-02-28"), i32(1)})), "2024-02-29");
  EXPECT_EQ(evalOne(fn("date_add", {str("2023-02-28"), i32(1)})), "2023-03-01");
  EXPECT_EQ(evalOne(fn("date_add", {str("1970-01-01"), i32(-1)})), "1969-12-31");
  EXPECT_EQ(evalOne(fn("date_sub", {str("2016-07-30 23:59:59"), i64(365)})), "2015-07-31");
  EXPECT_EQ(evalOne(fn("date_add", {str("2016-07-30"), str("2")})), "2016-08-01");
  EXPECT_EQ(evalOne(fn("datediff", {str("2024-03-01"), str("2024-02-01")})), "29");
  EXPECT_EQ(evalOne(fn("datediff", {str("1970-01-01 10:00:00"), str("1969-01-01")})), "365");
  EXPECT_EQ(evalOne(fn("add_months", {str("2024-01-31"), i32(1)})), "2024-02-29");
  EXPECT_EQ(evalOne(fn("add_months", {str("2024-02-29"), i32(12)})), "2025-02-28");
  EXPECT_EQ(evalOne(fn("add_months", {str("2016-01-31"), i32(-2)})), "2015-11-30");
  EXPECT_EQ(evalOne(fn("add_months", {str("1969-12-15"), i32(-1200)})), "1869-12-15");
  // Nulls propagate.
  EXPECT_EQ(evalOne(fn("date_add", {nullOf(DataType::date()), i32(1)})), "null");
  EXPECT_EQ(evalOne(fn("date_add", {str("2016-07-30"), nullOf(DataType::integer())})), "null");
  EXPECT_EQ(evalOne(fn("datediff", {str("2016-07-30"), nullOf(DataType::null())})), "null");
  auto batch = sample();
  EXPECT_EQ(eval(fn("date_add", {column("d"), i32(1)}), batch),
            (Strings{"2016-07-31", "2024-03-01", "1970-01-01", "1900-03-02", "null"}));
  EXPECT_EQ(boundType(fn("datediff", {column("d"), column("d")}), batch)->id(), TypeId::kInteger);
  EXPECT_EQ(bindError(fn("date_add", {i32(1), i32(1)}), batch),
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
}

TEST(DatetimeFunctions, WindowTimeIsTheLastMicrosecondOfTheWindow) {
  auto schema = StructType::fromDDL("w STRUCT<start: TIMESTAMP, end: TIMESTAMP>, n INT");
  auto batch = ColumnBatch::fromRows(
      schema.type(),
      {Row({Value::structOf({Value::timestamp(micros("2025-01-01 10:00:00")),
                             Value::timestamp(micros("2025-01-01 10:05:00"))}),
            Value::integer(1)}),
       Row({Value::null(), Value::integer(2)}),
       Row({Value::structOf({Value::timestamp(micros("1969-12-31 23:55:00")), Value::timestamp(0)}),
            Value::integer(3)})});
  EXPECT_EQ(eval(fn("window_time", {column("w")}), batch),
            (Strings{"2025-01-01 10:04:59.999999", "null", "1969-12-31 23:59:59.999999"}));
  EXPECT_EQ(boundType(fn("window_time", {column("w")}), batch)->id(), TypeId::kTimestamp);
  EXPECT_EQ(bindError(fn("window_time", {column("n")}), batch),
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
}

TEST(DatetimeFunctions, ArgumentErrorsNameTheProblem) {
  auto batch = sample();
  Binder binder(batch.schema());
  try {
    binder.bind(fn("year", {i32(2020)}));
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
    EXPECT_NE(std::string(e.what()).find("requires \"DATE\" type, however \"2020\" is of INT type"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(bindError(fn("year", {column("d"), column("d")}), batch),
            "WRONG_NUM_ARGS.WITHOUT_SUGGESTION");
  EXPECT_EQ(bindError(fn("hour", {i32(1)}), batch), "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
  EXPECT_EQ(bindError(fn("date_format", {column("ts"), column("ts")}), batch), "no error");
}

}  // namespace weir::expr
