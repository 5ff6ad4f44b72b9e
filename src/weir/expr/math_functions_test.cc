// Tests of the math functions against Spark 3.5's documented examples, result types and edge
// cases: HALF_UP against HALF_EVEN, decimal precision, NaN, overflow and nulls.
#include <gtest/gtest.h>

#include "weir/expr/expr_test_support.h"

#include <cmath>
#include <limits>

#include "weir/base/error.h"
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
ExprPtr f32(float v) { return literal(Value::floating(v), DataType::floatType()); }
ExprPtr nullOf(const types::DataTypePtr& t) { return literal(Value::null(), t); }
ExprPtr as(ExprPtr e, const char* type) {
  return callWithOptions("cast", {std::move(e)}, {}, DataType::fromDDL(type));
}
ExprPtr dec(const std::string& text, int precision, int scale) {
  Decimal d;
  d.precision = precision;
  d.scale = scale;
  EXPECT_TRUE(Decimal::parse(text, precision, scale, d.unscaled)) << text;
  return literal(Value::decimal(d), DataType::decimal(precision, scale));
}

ExprPtr fn(const std::string& name, std::vector<ExprPtr> args) {
  return call(name, std::move(args));
}

ExprPtr bound(const ExprPtr& e, const ColumnBatch& batch) { return Binder(batch.schema()).bind(e); }


std::string sqlTypeOf(const ExprPtr& e) { return bound(e, oneRow())->type->sql(); }

template <class E>
std::string errorClassOf(const ExprPtr& e) {
  try {
    evalOne(e);
  } catch (const E& error) {
    return error.errorClass();
  }
  return "no error";
}

// Rows: i, l, d, m (decimal(5,2)).
ColumnBatch sample() {
  auto schema = StructType::fromDDL("i INT, l BIGINT, d DOUBLE, m DECIMAL(5,2)");
  auto decimal = [](int64_t unscaled) { return Value::decimal(Decimal{unscaled, 5, 2}); };
  return ColumnBatch::fromRows(
      schema.type(),
      {Row({Value::integer(-7), Value::integer(15), Value::real(2.5), decimal(-12345)}),
       Row({Value::null(), Value::null(), Value::null(), Value::null()}),
       Row({Value::integer(0), Value::integer(-25), Value::real(-0.5), decimal(99999)}),
       Row({Value::integer(std::numeric_limits<int32_t>::min()), Value::integer(1),
            Value::real(NAN), decimal(5)})});
}

}  // namespace

TEST(MathFunctions, AbsKeepsTypeAndWraps) {
  EXPECT_EQ(evalOne(fn("abs", {i32(-1)})), "1");
  EXPECT_EQ(evalOne(fn("abs", {f64(-1.5)})), "1.5");
  EXPECT_EQ(evalOne(fn("abs", {f64(-0.0)})), "0.0");
  EXPECT_EQ(evalOne(fn("abs", {dec("-3.14", 3, 2)})), "3.14");
  EXPECT_EQ(evalOne(fn("abs", {str("-2.5")})), "2.5");
  EXPECT_EQ(evalOne(fn("abs", {nullOf(DataType::integer())})), "null");
  EXPECT_EQ(sqlTypeOf(fn("abs", {dec("-3.14", 3, 2)})), "DECIMAL(3,2)");
  EXPECT_EQ(sqlTypeOf(fn("abs", {str("1")})), "DOUBLE");
  auto batch = sample();
  EXPECT_EQ(eval(fn("abs", {column("i")}), batch), (Strings{"7", "null", "0", "-2147483648"}));
  EXPECT_EQ(eval(fn("abs", {column("m")}), batch), (Strings{"123.45", "null", "999.99", "0.05"}));
  EXPECT_EQ(
      errorClassOf<AnalysisError>(fn("abs", {literal(Value::boolean(true), DataType::boolean())})),
      "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
}

TEST(MathFunctions, RoundIsHalfUpAndBroundHalfEven) {
  // Spark's documented examples.
  EXPECT_EQ(evalOne(fn("round", {dec("2.5", 2, 1), i32(0)})), "3");
  EXPECT_EQ(evalOne(fn("bround", {dec("2.5", 2, 1), i32(0)})), "2");
  EXPECT_EQ(evalOne(fn("bround", {i32(25), i32(-1)})), "20");
  EXPECT_EQ(evalOne(fn("round", {i32(25), i32(-1)})), "30");
  // Doubles round their decimal text (BigDecimal.valueOf), so 2.675 is 2.68 as Spark gives.
  EXPECT_EQ(evalOne(fn("round", {f64(2.675), i32(2)})), "2.68");
  EXPECT_EQ(evalOne(fn("bround", {f64(2.665), i32(2)})), "2.66");
  EXPECT_EQ(evalOne(fn("bround", {f64(2.675), i32(2)})), "2.68");
  EXPECT_EQ(evalOne(fn("round", {f64(2.5)})), "3.0");
  EXPECT_EQ(evalOne(fn("round", {f64(-2.5)})), "-3.0");
  EXPECT_EQ(evalOne(fn("bround", {f64(-2.5)})), "-2.0");
  EXPECT_EQ(evalOne(fn("bround", {f64(3.5)})), "4.0");
  EXPECT_EQ(evalOne(fn("round", {f64(-0.4)})), "0.0");
  EXPECT_EQ(evalOne(fn("round", {f64(1234.5678), i32(-2)})), "1200.0");
  EXPECT_EQ(evalOne(fn("round", {f64(0.1234), i32(10)})), "0.1234");
  EXPECT_EQ(evalOne(fn("round", {f64(1.0e20), i32(2)})), "1.0E20");
  EXPECT_EQ(evalOne(fn("round", {f64(9.99), i32(1)})), "10.0");
  EXPECT_EQ(evalOne(fn("round", {f64(0.0005), i32(3)})), "0.001");
  EXPECT_EQ(evalOne(fn("round", {f64(NAN), i32(2)})), "NaN");
  EXPECT_EQ(evalOne(fn("round", {f64(INFINITY), i32(2)})), "Infinity");
  EXPECT_EQ(evalOne(fn("round", {f32(2.5f)})), "3.0");
  // A float rounds the decimal text of its double value: 1.15f is 1.149999976158142.
  EXPECT_EQ(evalOne(fn("round", {f32(1.15f), i32(1)})), "1.1");
  EXPECT_EQ(evalOne(fn("round", {f32(1.25f), i32(1)})), "1.3");
  EXPECT_EQ(sqlTypeOf(fn("round", {f32(2.5f)})), "FLOAT");
  // Integral types keep their type; a negative scale wraps like Java's intValue().
  EXPECT_EQ(sqlTypeOf(fn("round", {i64(15), i32(-1)})), "BIGINT");
  EXPECT_EQ(evalOne(fn("round", {i64(-15), i32(-1)})), "-20");
  EXPECT_EQ(evalOne(fn("bround", {i64(-15), i32(-1)})), "-20");
  EXPECT_EQ(evalOne(fn("bround", {i64(-25), i32(-1)})), "-20");
  EXPECT_EQ(evalOne(fn("round", {i64(15), i32(2)})), "15");
  EXPECT_EQ(evalOne(fn("round", {as(i32(127), "TINYINT"), i32(-1)})), "-126");
  EXPECT_EQ(evalOne(fn("round", {i32(5), i32(-20)})), "0");
  EXPECT_EQ(evalOne(fn("round", {i64(std::numeric_limits<int64_t>::max()), i32(-1)})),
            "-9223372036854775806");
  EXPECT_EQ(evalOne(fn("round", {i32(25), nullOf(DataType::integer())})), "null");
  EXPECT_EQ(evalOne(fn("round", {str("2.345"), i32(2)})), "2.35");
  auto batch = sample();
  EXPECT_EQ(eval(fn("round", {column("d")}), batch), (Strings{"3.0", "null", "-1.0", "NaN"}));
  EXPECT_EQ(eval(fn("bround", {column("d")}), batch), (Strings{"2.0", "null", "0.0", "NaN"}));
  EXPECT_EQ(eval(fn("round", {column("l"), i32(-1)}), batch), (Strings{"20", "null", "-30", "0"}));
}

TEST(MathFunctions, RoundDecimalTypes) {
  // decimal(p, s) rounded to d >= 0 places is decimal(p - s + 1 + min(s, d), min(s, d)).
  EXPECT_EQ(sqlTypeOf(fn("round", {dec("123.456", 6, 3), i32(1)})), "DECIMAL(5,1)");
  EXPECT_EQ(evalOne(fn("round", {dec("123.456", 6, 3), i32(1)})), "123.5");
  EXPECT_EQ(evalOne(fn("round", {dec("-123.456", 6, 3), i32(1)})), "-123.5");
  EXPECT_EQ(evalOne(fn("bround", {dec("123.45", 5, 2), i32(1)})), "123.4");
  EXPECT_EQ(evalOne(fn("round", {dec("123.45", 5, 2), i32(1)})), "123.5");
  EXPECT_EQ(sqlTypeOf(fn("round", {dec("1.5", 2, 1), i32(3)})), "DECIMAL(3,1)");
  EXPECT_EQ(evalOne(fn("round", {dec("1.5", 2, 1), i32(3)})), "1.5");
  // A negative scale gives scale 0 with enough integral digits.
  EXPECT_EQ(sqlTypeOf(fn("round", {dec("123.45", 5, 2), i32(-1)})), "DECIMAL(4,0)");
  EXPECT_EQ(evalOne(fn("round", {dec("123.45", 5, 2), i32(-1)})), "120");
  EXPECT_EQ(evalOne(fn("round", {dec("155", 3, 0), i32(-1)})), "160");
  EXPECT_EQ(sqlTypeOf(fn("round", {dec("1.5", 2, 1), i32(-5)})), "DECIMAL(6,0)");
  EXPECT_EQ(evalOne(fn("round", {dec("1.5", 2, 1), i32(-5)})), "0");
  auto batch = sample();
  EXPECT_EQ(sqlTypeOf(fn("round", {dec("1", 5, 2), i32(1)})), "DECIMAL(5,1)");
  EXPECT_EQ(eval(fn("round", {column("m"), i32(1)}), batch),
            (Strings{"-123.5", "null", "1000.0", "0.1"}));
  EXPECT_EQ(eval(fn("bround", {column("m"), i32(1)}), batch),
            (Strings{"-123.4", "null", "1000.0", "0.0"}));
}

TEST(MathFunctions, RoundScaleMustBeConstant) {
  auto batch = sample();
  try {
    eval(fn("round", {column("d"), column("i")}), batch);
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "DATATYPE_MISMATCH.NON_FOLDABLE_INPUT");
  }
  EXPECT_EQ(errorClassOf<AnalysisError>(fn("round", {f64(1.5), f64(1.0)})),
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
}

TEST(MathFunctions, FloorAndCeil) {
  EXPECT_EQ(evalOne(fn("floor", {f64(-0.1)})), "-1");
  EXPECT_EQ(evalOne(fn("ceil", {f64(-0.1)})), "0");
  EXPECT_EQ(evalOne(fn("floor", {i32(5)})), "5");
  EXPECT_EQ(evalOne(fn("ceil", {i32(5)})), "5");
  EXPECT_EQ(sqlTypeOf(fn("floor", {f64(1.5)})), "BIGINT");
  EXPECT_EQ(sqlTypeOf(fn("ceil", {i32(1)})), "BIGINT");
  EXPECT_EQ(sqlTypeOf(fn("ceil", {i64(1)})), "BIGINT");
  EXPECT_EQ(evalOne(fn("floor", {f64(NAN)})), "0");
  EXPECT_EQ(evalOne(fn("ceil", {f64(1e30)})), "9223372036854775807");
  EXPECT_EQ(evalOne(fn("floor", {f64(-1e30)})), "-9223372036854775808");
  EXPECT_EQ(evalOne(fn("floor", {str("3.7")})), "3");
  EXPECT_EQ(evalOne(fn("ceil", {nullOf(DataType::doubleType())})), "null");
  // decimal(p, s) -> decimal(p - s + 1, 0).
  EXPECT_EQ(sqlTypeOf(fn("floor", {dec("3.45", 3, 2)})), "DECIMAL(2,0)");
  EXPECT_EQ(evalOne(fn("floor", {dec("3.45", 3, 2)})), "3");
  EXPECT_EQ(evalOne(fn("floor", {dec("-3.45", 3, 2)})), "-4");
  EXPECT_EQ(evalOne(fn("ceil", {dec("3.45", 3, 2)})), "4");
  EXPECT_EQ(evalOne(fn("ceil", {dec("-3.45", 3, 2)})), "-3");
  EXPECT_EQ(evalOne(fn("ceil", {dec("9.99", 3, 2)})), "10");
  EXPECT_EQ(sqlTypeOf(fn("ceil", {dec("12", 5, 0)})), "DECIMAL(5,0)");
  auto batch = sample();
  EXPECT_EQ(eval(fn("ceil", {column("m")}), batch), (Strings{"-123", "null", "1000", "1"}));
  EXPECT_EQ(eval(fn("floor", {column("d")}), batch), (Strings{"2", "null", "-1", "0"}));
}

TEST(MathFunctions, SqrtExpLogPow) {
  EXPECT_EQ(evalOne(fn("sqrt", {i32(4)})), "2.0");
  EXPECT_EQ(evalOne(fn("sqrt", {f64(-1)})), "NaN");
  EXPECT_EQ(evalOne(fn("sqrt", {f64(2)})), "1.4142135623730951");
  EXPECT_EQ(evalOne(fn("exp", {i32(0)})), "1.0");
  // StrictMath.exp(1) is one ulp above e, and Spark shows that.
  EXPECT_EQ(evalOne(fn("exp", {i32(1)})), "2.7182818284590455");
  EXPECT_EQ(evalOne(fn("exp", {f64(-1000)})), "0.0");
  EXPECT_EQ(evalOne(fn("exp", {f64(1000)})), "Infinity");
  EXPECT_EQ(evalOne(fn("exp", {f64(NAN)})), "NaN");
  EXPECT_EQ(evalOne(fn("ln", {i32(1)})), "0.0");
  EXPECT_EQ(evalOne(fn("ln", {i32(10)})), "2.302585092994046");
  EXPECT_EQ(evalOne(fn("ln", {f64(INFINITY)})), "Infinity");
  EXPECT_EQ(evalOne(fn("ln", {i32(0)})), "null");
  EXPECT_EQ(evalOne(fn("ln", {f64(-1)})), "null");
  EXPECT_EQ(evalOne(fn("ln", {f64(NAN)})), "NaN");
  EXPECT_EQ(evalOne(fn("log", {i32(10), i32(100)})), "2.0");
  EXPECT_EQ(evalOne(fn("log", {i32(0), i32(100)})), "null");
  EXPECT_EQ(evalOne(fn("pow", {i32(2), i32(3)})), "8.0");
  EXPECT_EQ(evalOne(fn("power", {f64(2), f64(-1)})), "0.5");
  EXPECT_EQ(evalOne(fn("pow", {f64(1), f64(NAN)})), "NaN");
  EXPECT_EQ(evalOne(fn("pow", {f64(-1), f64(INFINITY)})), "NaN");
  EXPECT_EQ(evalOne(fn("pow", {f64(NAN), f64(0)})), "1.0");
  EXPECT_EQ(evalOne(fn("pow", {i32(2), nullOf(DataType::integer())})), "null");
  EXPECT_EQ(sqlTypeOf(fn("sqrt", {dec("4", 1, 0)})), "DOUBLE");
  auto batch = sample();
  EXPECT_EQ(eval(fn("sqrt", {column("l")}), batch),
            (Strings{"3.872983346207417", "null", "NaN", "1.0"}));
  EXPECT_EQ(eval(fn("ln", {column("l")}), batch),
            (Strings{"2.70805020110221", "null", "null", "0.0"}));
  EXPECT_EQ(eval(fn("pow", {column("i"), i32(2)}), batch),
            (Strings{"49.0", "null", "0.0", "4.611686018427388E18"}));
  EXPECT_EQ(
      errorClassOf<AnalysisError>(fn("sqrt", {literal(Value::boolean(true), DataType::boolean())})),
      "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
}

TEST(MathFunctions, GreatestAndLeastSkipNulls) {
  EXPECT_EQ(evalOne(fn("greatest", {i32(10), i32(9), i32(2), i32(4), i32(3)})), "10");
  EXPECT_EQ(evalOne(fn("least", {i32(10), i32(9), i32(2), i32(4), i32(3)})), "2");
  EXPECT_EQ(evalOne(fn("greatest", {nullOf(DataType::integer()), i32(1)})), "1");
  EXPECT_EQ(evalOne(fn("least", {nullOf(DataType::integer()), nullOf(DataType::integer())})),
            "null");
  EXPECT_EQ(evalOne(fn("greatest", {i32(1), f64(2.5)})), "2.5");
  EXPECT_EQ(sqlTypeOf(fn("greatest", {i32(1), i64(2)})), "BIGINT");
  EXPECT_EQ(sqlTypeOf(fn("least", {i32(1), dec("2.5", 2, 1)})), "DECIMAL(11,1)");
  EXPECT_EQ(evalOne(fn("greatest", {f64(1.0), f64(NAN)})), "NaN");
  EXPECT_EQ(evalOne(fn("least", {f64(1.0), f64(NAN)})), "1.0");
  EXPECT_EQ(evalOne(fn("least", {str("b"), str("a"), str("é")})), "a");
  EXPECT_EQ(evalOne(fn("greatest", {str("b"), str("a"), str("é")})), "é");
  EXPECT_EQ(evalOne(fn("greatest", {as(str("2024-01-02"), "DATE"), as(str("2023-05-06"), "DATE")})),
            "2024-01-02");
  EXPECT_EQ(errorClassOf<AnalysisError>(fn("greatest", {i32(1), str("2")})),
            "DATATYPE_MISMATCH.DATA_DIFF_TYPES");
  EXPECT_EQ(errorClassOf<AnalysisError>(fn("greatest", {i32(1)})),
            "WRONG_NUM_ARGS.WITHOUT_SUGGESTION");
  auto batch = sample();
  EXPECT_EQ(eval(fn("greatest", {column("i"), column("l")}), batch),
            (Strings{"15", "null", "0", "1"}));
  EXPECT_EQ(eval(fn("least", {column("i"), column("l"), i32(3)}), batch),
            (Strings{"-7", "3", "-25", "-2147483648"}));
  EXPECT_EQ(eval(fn("greatest", {column("d"), column("m")}), batch),
            (Strings{"2.5", "null", "999.99", "NaN"}));
}

TEST(MathFunctions, PmodFromOperatorsStillWorks) {
  EXPECT_EQ(evalOne(fn("pmod", {i32(-7), i32(3)})), "2");
}

}  // namespace weir::expr
