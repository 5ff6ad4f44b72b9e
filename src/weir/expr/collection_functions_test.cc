// Struct, array and map functions bound and evaluated as queries run them, with Spark 3.5's
// non-ANSI results and null semantics.
#include <gtest/gtest.h>

#include "weir/expr/expr_test_support.h"

#include <cmath>
#include <functional>

#include "weir/base/error.h"
#include "weir/expr/binder.h"
#include "weir/expr/evaluator.h"

namespace weir::expr {

using columnar::ColumnBatch;
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
ExprPtr fn(const std::string& name, std::vector<ExprPtr> args) {
  return call(name, std::move(args));
}

Value strings(std::vector<std::string> items) {
  std::vector<Value> out;
  for (auto& s : items) out.push_back(Value::string(std::move(s)));
  return Value::array(std::move(out));
}

// Row 0 holds plain values; row 1 nulls inside collections; row 2 null collections.
ColumnBatch sample() {
  auto schema = StructType::fromDDL(
      "a INT, b STRING, d DOUBLE, arr ARRAY<INT>, m MAP<STRING, INT>, st STRUCT<x: INT, Y: "
      "STRING>, "
      "sts ARRAY<STRUCT<x: INT, y: STRING>>, tags ARRAY<STRING>");
  auto st = [](Value x, Value y) { return Value::structOf({std::move(x), std::move(y)}); };
  return ColumnBatch::fromRows(
      schema.type(),
      {Row({Value::integer(1), Value::string("p"), Value::real(1.5),
            Value::array({Value::integer(1), Value::integer(2), Value::integer(3)}),
            Value::map(
                {Value::string("a"), Value::integer(1), Value::string("b"), Value::integer(2)}),
            st(Value::integer(5), Value::string("q")),
            Value::array({st(Value::integer(1), Value::string("u")),
                          st(Value::integer(2), Value::string("v"))}),
            strings({"red", "green"})}),
       Row({Value::null(), Value::string("q"), Value::null(),
            Value::array({Value::integer(1), Value::null(), Value::integer(3)}), Value::map({}),
            Value::null(), Value::array({Value::null(), st(Value::integer(3), Value::string("w"))}),
            strings({})}),
       Row({Value::integer(3), Value::null(), Value::real(-2), Value::null(), Value::null(),
            st(Value::null(), Value::string("r")), Value::null(), Value::null()})});
}


ExprPtr bindIn(const ExprPtr& e, const ColumnBatch& batch) {
  return Binder(batch.schema()).bind(e);
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
  return errorClassOf<AnalysisError>([&] { bindIn(e, batch); });
}

std::string inputError(const ExprPtr& e, const ColumnBatch& batch) {
  return errorClassOf<InvalidInputError>([&] { eval(e, batch); });
}

}  // namespace

TEST(CollectionFunctions, StructTakesNamesFromItsArguments) {
  auto batch = sample();
  auto s = fn("struct", {column("a"), alias(column("b"), "x")});
  EXPECT_EQ(eval(s, batch), (Strings{"{1, p}", "{null, q}", "{3, null}"}));
  auto boundExpr = bindIn(s, batch);
  EXPECT_EQ(boundExpr->type->sql(), "STRUCT<a: INT, x: STRING>");
  EXPECT_FALSE(boundExpr->nullable);
  // Other expressions are named col<position>; dotted columns and extracted fields by their last
  // part.
  auto mixed =
      fn("struct", {i32(7), column("st.x"), binaryOperator("add", "+", column("a"), i32(1)),
                    fn("get_field", {column("st"), str("Y")})});
  EXPECT_EQ(bindIn(mixed, batch)->type->sql(),
            "STRUCT<col1: INT NOT NULL, x: INT, col3: INT, Y: STRING>");
  EXPECT_EQ(eval(mixed, batch),
            (Strings{"{7, 5, 2, q}", "{7, null, null, null}", "{7, null, 4, r}"}));
  // Binding a bound struct again (as the planner does when it combines bound predicates) keeps
  // names.
  Binder binder(batch.schema());
  EXPECT_EQ(binder.bind(boundExpr)->type->sql(), "STRUCT<a: INT, x: STRING>");
  // Fields of the struct read back through get_field.
  EXPECT_EQ(eval(fn("get_field", {s, str("x")}), batch), (Strings{"p", "q", "null"}));
}

TEST(CollectionFunctions, NamedStruct) {
  auto batch = sample();
  auto s = fn("named_struct", {str("k"), column("a"), str("v"), column("b"), str("n"), i32(1)});
  EXPECT_EQ(eval(s, batch), (Strings{"{1, p, 1}", "{null, q, 1}", "{3, null, 1}"}));
  auto boundExpr = bindIn(s, batch);
  EXPECT_EQ(boundExpr->type->sql(), "STRUCT<k: INT, v: STRING, n: INT NOT NULL>");
  EXPECT_EQ(Binder(batch.schema()).bind(boundExpr)->type->sql(),
            "STRUCT<k: INT, v: STRING, n: INT NOT NULL>");
  EXPECT_EQ(bindError(fn("named_struct", {str("k")}), batch), "WRONG_NUM_ARGS.WITHOUT_SUGGESTION");
  EXPECT_EQ(bindError(fn("named_struct", {column("b"), column("a")}), batch),
            "DATATYPE_MISMATCH.CREATE_NAMED_STRUCT_WITHOUT_FOLDABLE_STRING");
  EXPECT_EQ(bindError(fn("named_struct", {literal(Value::null(), DataType::string()), column("a")}),
                      batch),
            "DATATYPE_MISMATCH.UNEXPECTED_NULL");
}

TEST(CollectionFunctions, ArrayWidensItsElements) {
  auto batch = sample();
  EXPECT_EQ(eval(fn("array", {column("a"), i32(10)}), batch),
            (Strings{"[1, 10]", "[null, 10]", "[3, 10]"}));
  EXPECT_EQ(bindIn(fn("array", {column("a"), i32(10)}), batch)->type->sql(), "ARRAY<INT>");
  EXPECT_TRUE(bindIn(fn("array", {column("a"), i32(10)}), batch)->type->containsNull());
  EXPECT_FALSE(bindIn(fn("array", {i32(1), i32(2)}), batch)->type->containsNull());
  EXPECT_EQ(eval(fn("array", {column("a"), column("d")}), batch),
            (Strings{"[1.0, 1.5]", "[null, null]", "[3.0, -2.0]"}));
  // Non-ANSI: a string among atomic values makes every element a string.
  EXPECT_EQ(eval(fn("array", {column("a"), column("b"), str("z")}), batch),
            (Strings{"[1, p, z]", "[null, q, z]", "[3, null, z]"}));
  EXPECT_EQ(eval(fn("array", {column("st"), column("st")}), batch)[0], "[{5, q}, {5, q}]");
  EXPECT_EQ(eval(fn("array", {}), batch), (Strings{"[]", "[]", "[]"}));
  EXPECT_EQ(bindIn(fn("array", {}), batch)->type->sql(), "ARRAY<VOID>");
  EXPECT_EQ(bindError(fn("array", {column("a"), column("arr")}), batch),
            "DATATYPE_MISMATCH.DATA_DIFF_TYPES");
}

TEST(CollectionFunctions, MapConstructor) {
  auto batch = sample();
  EXPECT_EQ(eval(fn("map", {str("k"), column("a"), str("j"), column("d")}), batch),
            (Strings{"{k -> 1.0, j -> 1.5}", "{k -> null, j -> null}", "{k -> 3.0, j -> -2.0}"}));
  EXPECT_EQ(bindIn(fn("map", {str("k"), column("a")}), batch)->type->sql(), "MAP<STRING, INT>");
  // A null key or a repeated key fails the query (spark.sql.mapKeyDedupPolicy=EXCEPTION).
  EXPECT_EQ(inputError(fn("map", {column("b"), column("a")}), batch), "NULL_MAP_KEY");
  EXPECT_EQ(inputError(fn("map", {str("k"), column("a"), str("k"), column("a")}), batch),
            "DUPLICATED_MAP_KEY");
  EXPECT_EQ(bindError(fn("map", {str("k")}), batch), "WRONG_NUM_ARGS.WITHOUT_SUGGESTION");
}

TEST(CollectionFunctions, SizeOfNullIsMinusOne) {
  auto batch = sample();
  EXPECT_EQ(eval(fn("size", {column("arr")}), batch), (Strings{"3", "3", "-1"}));
  EXPECT_EQ(eval(fn("size", {column("m")}), batch), (Strings{"2", "0", "-1"}));
  EXPECT_EQ(eval(fn("cardinality", {column("tags")}), batch), (Strings{"2", "0", "-1"}));
  EXPECT_EQ(eval(fn("size", {fn("array", {column("a"), column("a")})}), batch),
            (Strings{"2", "2", "2"}));
  EXPECT_EQ(eval(fn("size", {literal(Value::null(), DataType::null())}), batch),
            (Strings{"-1", "-1", "-1"}));
  EXPECT_FALSE(bindIn(fn("size", {column("arr")}), batch)->nullable);
  EXPECT_EQ(bindError(fn("size", {column("a")}), batch), "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
}

TEST(CollectionFunctions, ArrayContainsNullSemantics) {
  auto batch = sample();
  // arr: [1, 2, 3], [1, null, 3], null. Not found with a null element is null, found is true.
  EXPECT_EQ(eval(fn("array_contains", {column("arr"), i32(2)}), batch),
            (Strings{"true", "null", "null"}));
  EXPECT_EQ(eval(fn("array_contains", {column("arr"), i32(3)}), batch),
            (Strings{"true", "true", "null"}));
  EXPECT_EQ(eval(fn("array_contains", {column("arr"), i32(4)}), batch),
            (Strings{"false", "null", "null"}));
  EXPECT_EQ(eval(fn("array_contains", {column("arr"), column("a")}), batch),
            (Strings{"true", "null", "null"}));
  EXPECT_EQ(eval(fn("array_contains", {column("tags"), str("green")}), batch),
            (Strings{"true", "false", "null"}));
  // The value widens with the elements: an int array holds 3.0 but not 1.5.
  EXPECT_EQ(eval(fn("array_contains", {column("arr"), f64(3.0)}), batch),
            (Strings{"true", "true", "null"}));
  EXPECT_EQ(eval(fn("array_contains", {column("arr"), f64(1.5)}), batch),
            (Strings{"false", "null", "null"}));
  EXPECT_EQ(eval(fn("array_contains", {column("arr"), i64(1)}), batch),
            (Strings{"true", "true", "null"}));
  // NaN equals NaN in Spark's ordering; structs compare by value.
  EXPECT_EQ(
      eval(fn("array_contains", {fn("array", {f64(std::nan("")), f64(1)}), f64(std::nan(""))}),
           batch),
      (Strings{"true", "true", "true"}));
  EXPECT_EQ(eval(fn("array_contains", {fn("array", {column("st")}), column("st")}), batch),
            (Strings{"true", "null", "true"}));
  EXPECT_EQ(bindError(fn("array_contains", {column("arr"), str("1")}), batch),
            "DATATYPE_MISMATCH.ARRAY_FUNCTION_DIFF_TYPES");
  EXPECT_EQ(
      bindError(fn("array_contains", {column("arr"), literal(Value::null(), DataType::null())}),
                batch),
      "DATATYPE_MISMATCH.NULL_TYPE");
  EXPECT_EQ(bindError(fn("array_contains", {column("a"), i32(1)}), batch),
            "DATATYPE_MISMATCH.ARRAY_FUNCTION_DIFF_TYPES");
}

TEST(CollectionFunctions, ElementAtIsOneBased) {
  auto batch = sample();
  EXPECT_EQ(eval(fn("element_at", {column("arr"), i32(1)}), batch), (Strings{"1", "1", "null"}));
  EXPECT_EQ(eval(fn("element_at", {column("arr"), i32(2)}), batch), (Strings{"2", "null", "null"}));
  EXPECT_EQ(eval(fn("element_at", {column("arr"), i32(-1)}), batch), (Strings{"3", "3", "null"}));
  EXPECT_EQ(eval(fn("element_at", {column("arr"), i32(-3)}), batch), (Strings{"1", "1", "null"}));
  // Out of range is null (non-ANSI); index 0 fails even so.
  EXPECT_EQ(eval(fn("element_at", {column("arr"), i32(4)}), batch),
            (Strings{"null", "null", "null"}));
  EXPECT_EQ(eval(fn("element_at", {column("arr"), i32(-4)}), batch),
            (Strings{"null", "null", "null"}));
  EXPECT_EQ(inputError(fn("element_at", {column("arr"), i32(0)}), batch), "INVALID_INDEX_OF_ZERO");
  EXPECT_EQ(eval(fn("element_at", {column("arr"), i64(3)}), batch), (Strings{"3", "3", "null"}));
  EXPECT_EQ(eval(fn("element_at", {column("tags"), i32(2)}), batch),
            (Strings{"green", "null", "null"}));
  EXPECT_EQ(eval(fn("element_at", {column("sts"), column("a")}), batch),
            (Strings{"{1, u}", "null", "null"}));
  // Maps: the value of the key, or null.
  EXPECT_EQ(eval(fn("element_at", {column("m"), str("b")}), batch), (Strings{"2", "null", "null"}));
  EXPECT_EQ(eval(fn("element_at", {column("m"), str("zz")}), batch),
            (Strings{"null", "null", "null"}));
  EXPECT_EQ(eval(fn("element_at", {column("m"), column("b")}), batch),
            (Strings{"null", "null", "null"}));
  EXPECT_EQ(bindError(fn("element_at", {column("a"), i32(1)}), batch),
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
}

TEST(CollectionFunctions, GetItemIsZeroBased) {
  auto batch = sample();
  EXPECT_EQ(eval(fn("get_item", {column("arr"), i32(0)}), batch), (Strings{"1", "1", "null"}));
  EXPECT_EQ(eval(fn("get_item", {column("arr"), i32(1)}), batch), (Strings{"2", "null", "null"}));
  EXPECT_EQ(eval(fn("get_item", {column("arr"), i32(-1)}), batch),
            (Strings{"null", "null", "null"}));
  EXPECT_EQ(eval(fn("get_item", {column("arr"), i64(3)}), batch),
            (Strings{"null", "null", "null"}));
  EXPECT_EQ(eval(fn("get_item", {column("m"), str("a")}), batch), (Strings{"1", "null", "null"}));
  EXPECT_EQ(eval(fn("get_item", {column("st"), str("x")}), batch), (Strings{"5", "null", "null"}));
  EXPECT_EQ(eval(fn("get_item", {column("sts"), i32(1)}), batch),
            (Strings{"{2, v}", "{3, w}", "null"}));
  EXPECT_EQ(bindError(fn("get_item", {column("arr"), str("x")}), batch),
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
  EXPECT_EQ(bindError(fn("get_item", {column("a"), i32(0)}), batch),
            "INVALID_EXTRACT_BASE_FIELD_TYPE");
  EXPECT_EQ(bindError(fn("get_item", {column("st"), i32(0)}), batch), "INVALID_EXTRACT_FIELD_TYPE");
}

TEST(CollectionFunctions, GetFieldResolvesNamesCaseInsensitively) {
  auto batch = sample();
  // st.Y is found as "y"; a field of a null struct is null.
  EXPECT_EQ(eval(fn("get_field", {column("st"), str("y")}), batch), (Strings{"q", "null", "r"}));
  EXPECT_EQ(eval(fn("get_field", {column("st"), str("X")}), batch), (Strings{"5", "null", "null"}));
  auto boundExpr = bindIn(fn("get_field", {column("st"), str("x")}), batch);
  EXPECT_EQ(boundExpr->type->id(), TypeId::kInteger);
  EXPECT_TRUE(boundExpr->nullable);
  // On an array of structs: the field of every element.
  EXPECT_EQ(eval(fn("get_field", {column("sts"), str("y")}), batch),
            (Strings{"[u, v]", "[null, w]", "null"}));
  EXPECT_EQ(bindIn(fn("get_field", {column("sts"), str("x")}), batch)->type->sql(), "ARRAY<INT>");
  EXPECT_EQ(eval(fn("get_field", {column("m"), str("b")}), batch), (Strings{"2", "null", "null"}));
  try {
    bindIn(fn("get_field", {column("st"), str("z")}), batch);
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "FIELD_NOT_FOUND");
    EXPECT_NE(std::string(e.what()).find("No such struct field `z` in `x`, `Y`"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(bindError(fn("get_field", {column("st"), column("b")}), batch),
            "INVALID_EXTRACT_FIELD_TYPE");
  EXPECT_EQ(bindError(fn("get_field", {column("a"), str("x")}), batch),
            "INVALID_EXTRACT_BASE_FIELD_TYPE");
  auto twice = StructType::fromDDL("s STRUCT<k: INT, K: INT>");
  auto ambiguous = ColumnBatch::fromRows(
      twice.type(), {Row({Value::structOf({Value::integer(1), Value::integer(2)})})});
  EXPECT_EQ(bindError(fn("get_field", {column("s"), str("k")}), ambiguous),
            "AMBIGUOUS_REFERENCE_TO_FIELDS");
}

TEST(CollectionFunctions, ManyRowsAndEmptyBatches) {
  // Kernels run over whole vectors: check a batch larger than one validity word, and no rows.
  auto schema = StructType::fromDDL("a INT, arr ARRAY<INT>");
  std::vector<Row> rows;
  for (int i = 0; i < 130; ++i) {
    rows.push_back(
        Row({i % 3 == 0 ? Value::null() : Value::integer(i), Value::array({Value::integer(i)})}));
  }
  auto batch = ColumnBatch::fromRows(schema.type(), rows);
  auto out = eval(fn("array_contains", {fn("array", {column("a"), i32(7)}), i32(7)}), batch);
  ASSERT_EQ(out.size(), 130u);
  for (int i = 0; i < 130; ++i) EXPECT_EQ(out[i], "true") << i;
  auto items = eval(fn("element_at", {fn("array", {column("a"), i32(-1)}), i32(1)}), batch);
  EXPECT_EQ(items[0], "null");
  EXPECT_EQ(items[128], "128");
  EXPECT_EQ(items[129], "null");
  auto empty = ColumnBatch::fromRows(schema.type(), {});
  EXPECT_TRUE(eval(fn("size", {column("arr")}), empty).empty());
  EXPECT_TRUE(eval(fn("element_at", {column("arr"), i32(1)}), empty).empty());
  EXPECT_TRUE(eval(fn("struct", {column("a")}), empty).empty());
}

}  // namespace weir::expr
