#include <gtest/gtest.h>

#include "weir/base/error.h"
#include "weir/expr/binder.h"
#include "weir/expr/cast.h"
#include "weir/expr/evaluator.h"

namespace weir::expr {

using columnar::ColumnBatch;
using columnar::Row;
using columnar::Value;
using types::DataType;
using types::StructType;

namespace {

ColumnBatch sample() {
  auto schema = StructType::fromDDL("a INT, b BIGINT, s STRING, d DOUBLE, st STRUCT<x: INT, y: STRING>");
  return ColumnBatch::fromRows(schema.type(),
                               {Row({Value::integer(1), Value::integer(10), Value::string("7"), Value::real(1.5),
                                     Value::structOf({Value::integer(5), Value::string("p")})}),
                                Row({Value::null(), Value::integer(20), Value::string("x"), Value::real(0),
                                     Value::null()}),
                                Row({Value::integer(3), Value::null(), Value::string(" 2.9 "), Value::real(-2),
                                     Value::structOf({Value::null(), Value::string("q")})})});
}

std::vector<std::string> eval(const ExprPtr& e, const ColumnBatch& batch) {
  Binder binder(batch.schema());
  auto bound = binder.bind(e);
  EvalContext ctx;
  auto v = evaluate(*bound, batch, ctx);
  std::vector<std::string> out;
  for (size_t i = 0; i < v->size(); ++i) out.push_back(v->toString(i));
  return out;
}

ExprPtr lit(int64_t v) { return literal(Value::integer(v), DataType::integer()); }

}  // namespace

TEST(Expr, ArithmeticWidensAndPropagatesNulls) {
  auto batch = sample();
  EXPECT_EQ(eval(binaryOperator("add", "+", column("a"), column("b")), batch),
            (std::vector<std::string>{"11", "null", "null"}));
  EXPECT_EQ(eval(binaryOperator("divide", "/", column("a"), lit(2)), batch),
            (std::vector<std::string>{"0.5", "null", "1.5"}));
  EXPECT_EQ(eval(binaryOperator("divide", "/", column("b"), column("d")), batch),
            (std::vector<std::string>{"6.666666666666667", "null", "null"}));
  EXPECT_EQ(eval(binaryOperator("remainder", "%", column("b"), lit(3)), batch),
            (std::vector<std::string>{"1", "2", "null"}));
  Binder binder(batch.schema());
  EXPECT_EQ(binder.bind(binaryOperator("add", "+", column("a"), column("b")))->type->id(), types::TypeId::kLong);
}

TEST(Expr, ComparisonCastsStringToNumber) {
  auto batch = sample();
  EXPECT_EQ(eval(binaryOperator("equal_to", "=", column("s"), lit(7)), batch),
            (std::vector<std::string>{"true", "null", "false"}));
}

TEST(Expr, ThreeValuedLogic) {
  auto batch = sample();
  auto aGt0 = binaryOperator("greater_than", ">", column("a"), lit(0));
  auto bGt15 = binaryOperator("greater_than", ">", column("b"), lit(15));
  EXPECT_EQ(eval(binaryOperator("and", "AND", aGt0, bGt15), batch),
            (std::vector<std::string>{"false", "null", "null"}));
  EXPECT_EQ(eval(binaryOperator("or", "OR", aGt0, bGt15), batch),
            (std::vector<std::string>{"true", "true", "true"}));
}

TEST(Expr, NestedFieldsAndStruct) {
  auto batch = sample();
  EXPECT_EQ(eval(column("st.x"), batch), (std::vector<std::string>{"5", "null", "null"}));
  EXPECT_EQ(eval(column("st.y"), batch), (std::vector<std::string>{"p", "null", "q"}));
}

TEST(Expr, UnresolvedColumnSuggestsNames) {
  auto batch = sample();
  Binder binder(batch.schema());
  try {
    binder.bind(column("aa"));
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "UNRESOLVED_COLUMN.WITH_SUGGESTION");
    EXPECT_NE(std::string(e.what()).find("Did you mean one of the following? [`a`, `b`, `s`"), std::string::npos)
        << e.what();
  }
}

TEST(Expr, CastNonAnsi) {
  auto batch = sample();
  auto castTo = [](ExprPtr e, const char* type) {
    return callWithOptions("cast", {std::move(e)}, {}, DataType::fromDDL(type));
  };
  EXPECT_EQ(eval(castTo(column("s"), "INT"), batch), (std::vector<std::string>{"7", "null", "2"}));
  EXPECT_EQ(eval(castTo(column("s"), "DOUBLE"), batch), (std::vector<std::string>{"7.0", "null", "2.9"}));
  EXPECT_EQ(eval(castTo(column("d"), "STRING"), batch), (std::vector<std::string>{"1.5", "0.0", "-2.0"}));
  EXPECT_EQ(eval(castTo(column("d"), "DECIMAL(5,2)"), batch), (std::vector<std::string>{"1.50", "0.00", "-2.00"}));
  EXPECT_EQ(eval(castTo(column("d"), "BOOLEAN"), batch), (std::vector<std::string>{"true", "false", "true"}));
  EXPECT_EQ(eval(castTo(castTo(column("b"), "TIMESTAMP"), "STRING"), batch),
            (std::vector<std::string>{"1970-01-01 00:00:10", "1970-01-01 00:00:20", "null"}));
  EXPECT_EQ(eval(castTo(castTo(column("b"), "TIMESTAMP"), "DATE"), batch),
            (std::vector<std::string>{"1970-01-01", "1970-01-01", "null"}));
}

TEST(Expr, CaseWhenAndCoalesce) {
  auto batch = sample();
  auto cond = binaryOperator("greater_than", ">", column("a"), lit(1));
  auto cw = callWithOptions("case_when", {cond, literal(Value::string("big"), DataType::string()),
                                          literal(Value::string("small"), DataType::string())},
                            {{"else", "1"}}, nullptr);
  EXPECT_EQ(eval(cw, batch), (std::vector<std::string>{"small", "small", "big"}));
  EXPECT_EQ(eval(call("coalesce", {column("a"), column("b")}), batch), (std::vector<std::string>{"1", "20", "3"}));
  EXPECT_EQ(eval(call("isnull", {column("a")}), batch), (std::vector<std::string>{"false", "true", "false"}));
  EXPECT_EQ(eval(call("in", {column("a"), lit(3), lit(4)}), batch), (std::vector<std::string>{"false", "null", "true"}));
}

}  // namespace weir::expr
