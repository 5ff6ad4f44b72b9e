// Tests of the hash functions against Spark 3.5's documented results and its hashing rules for
// each type: nulls keep the seed, -0.0 hashes as 0.0, decimals by precision, nested values.
#include <gtest/gtest.h>

#include "weir/expr/expr_test_support.h"

#include <cmath>

#include "weir/base/error.h"
#include "weir/base/hashing.h"
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


ExprPtr bin(const std::string& v) { return literal(Value::binary(v), DataType::binary()); }
ExprPtr i32(int64_t v) { return literal(Value::integer(v), DataType::integer()); }
ExprPtr i64(int64_t v) { return literal(Value::integer(v), DataType::longType()); }
ExprPtr f64(double v) { return literal(Value::real(v), DataType::doubleType()); }
ExprPtr f32(float v) { return literal(Value::floating(v), DataType::floatType()); }
ExprPtr nullOf(const types::DataTypePtr& t) { return literal(Value::null(), t); }
ExprPtr intArray(std::vector<Value> v) {
  return literal(Value::array(std::move(v)), DataType::array(DataType::integer()));
}
ExprPtr dec(int64_t unscaled, int precision, int scale) {
  return literal(Value::decimal(Decimal{unscaled, precision, scale}),
                 DataType::decimal(precision, scale));
}
ExprPtr as(ExprPtr e, const char* type) {
  return callWithOptions("cast", {std::move(e)}, {}, DataType::fromDDL(type));
}

ExprPtr fn(const std::string& name, std::vector<ExprPtr> args) {
  return call(name, std::move(args));
}



template <class E>
std::string errorClassOf(const ExprPtr& e) {
  try {
    evalOne(e);
  } catch (const E& error) {
    return error.errorClass();
  }
  return "no error";
}

std::string i32Text(uint32_t h) { return std::to_string(static_cast<int32_t>(h)); }
std::string i64Text(uint64_t h) { return std::to_string(static_cast<int64_t>(h)); }

}  // namespace

TEST(HashFunctions, SparkDocumentedExamples) {
  EXPECT_EQ(evalOne(fn("hash", {str("Spark"), intArray({Value::integer(123)}), i32(2)})),
            "-1321691492");
  EXPECT_EQ(evalOne(fn("xxhash64", {str("Spark"), intArray({Value::integer(123)}), i32(2)})),
            "5602566077635097486");
  EXPECT_EQ(evalOne(fn("md5", {str("Spark")})), "8cde774d6f7333752ed72cacddb05126");
  EXPECT_EQ(evalOne(fn("sha1", {str("Spark")})), "85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c");
  EXPECT_EQ(evalOne(fn("sha2", {str("Spark"), i32(256)})),
            "529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b");
  EXPECT_EQ(evalOne(fn("crc32", {str("Spark")})), "1557323817");
  EXPECT_EQ(typeOf(fn("hash", {str("a")}))->id(), TypeId::kInteger);
  EXPECT_EQ(typeOf(fn("xxhash64", {str("a")}))->id(), TypeId::kLong);
  EXPECT_EQ(typeOf(fn("crc32", {str("a")}))->id(), TypeId::kLong);
}

TEST(HashFunctions, WellKnownSparkValues) {
  // SELECT hash(1), hash(null), xxhash64(null) in Spark.
  EXPECT_EQ(evalOne(fn("hash", {i32(1)})), "-559580957");
  EXPECT_EQ(evalOne(fn("hash", {nullOf(DataType::integer())})), "42");
  EXPECT_EQ(evalOne(fn("xxhash64", {nullOf(DataType::string())})), "42");
}

TEST(HashFunctions, ChainsColumnsAndSkipsNulls) {
  uint32_t seed = base::kSparkHashSeed;
  uint32_t a = base::murmur3Bytes("a", seed);
  EXPECT_EQ(evalOne(fn("hash", {str("a"), i64(7)})), i32Text(base::murmur3Long(7, a)));
  // A null leaves the running hash unchanged.
  EXPECT_EQ(evalOne(fn("hash", {str("a"), nullOf(DataType::integer()), i64(7)})),
            i32Text(base::murmur3Long(7, a)));
  uint64_t x = base::xxhash64Bytes("a", seed);
  EXPECT_EQ(evalOne(fn("xxhash64", {str("a"), nullOf(DataType::integer()), i64(7)})),
            i64Text(base::xxhash64Long(7, x)));
  // Over columns, per row.
  auto schema = StructType::fromDDL("s STRING, n INT");
  auto batch = ColumnBatch::fromRows(
      schema.type(),
      {Row({Value::string("a"), Value::integer(7)}), Row({Value::null(), Value::integer(7)}),
       Row({Value::string("a"), Value::null()}), Row({Value::null(), Value::null()})});
  EXPECT_EQ(eval(fn("hash", {column("s"), column("n")}), batch),
            (Strings{i32Text(base::murmur3Int(7, a)), i32Text(base::murmur3Int(7, seed)),
                     i32Text(a), "42"}));
  EXPECT_EQ(errorClassOf<AnalysisError>(fn("hash", {})), "WRONG_NUM_ARGS.WITHOUT_SUGGESTION");
}

TEST(HashFunctions, TypesHashAsSparkDoes) {
  uint32_t seed = base::kSparkHashSeed;
  // Small integral types and booleans hash as int; timestamps as long; dates as int.
  EXPECT_EQ(evalOne(fn("hash", {as(i32(5), "TINYINT")})), evalOne(fn("hash", {i32(5)})));
  EXPECT_EQ(evalOne(fn("hash", {as(i32(5), "SMALLINT")})), evalOne(fn("hash", {i32(5)})));
  EXPECT_EQ(evalOne(fn("hash", {literal(Value::boolean(true), DataType::boolean())})),
            evalOne(fn("hash", {i32(1)})));
  EXPECT_EQ(evalOne(fn("hash", {literal(Value::date(19000), DataType::date())})),
            i32Text(base::murmur3Int(19000, seed)));
  EXPECT_EQ(evalOne(fn("hash", {literal(Value::timestamp(1234567), DataType::timestamp())})),
            i32Text(base::murmur3Long(1234567, seed)));
  EXPECT_NE(evalOne(fn("hash", {i64(5)})), evalOne(fn("hash", {i32(5)})));
  // Floating point: -0.0 is 0.0, floats by their int bits, doubles by their long bits.
  EXPECT_EQ(evalOne(fn("hash", {f64(-0.0)})), evalOne(fn("hash", {f64(0.0)})));
  EXPECT_EQ(evalOne(fn("hash", {f64(0.0)})), i32Text(base::murmur3Long(0, seed)));
  EXPECT_EQ(evalOne(fn("hash", {f32(-0.0f)})), i32Text(base::murmur3Int(0, seed)));
  EXPECT_EQ(evalOne(fn("hash", {f32(1.5f)})), i32Text(base::murmur3Int(0x3FC00000, seed)));
  EXPECT_EQ(evalOne(fn("hash", {f64(1.5)})),
            i32Text(base::murmur3Long(0x3FF8000000000000LL, seed)));
  EXPECT_EQ(evalOne(fn("hash", {f64(NAN)})),
            i32Text(base::murmur3Long(0x7ff8000000000000LL, seed)));
  EXPECT_EQ(evalOne(fn("xxhash64", {f64(-0.0)})), i64Text(base::xxhash64Long(0, seed)));
  // Strings and binary hash their bytes.
  EXPECT_EQ(evalOne(fn("hash", {bin("Spark")})), evalOne(fn("hash", {str("Spark")})));
  EXPECT_EQ(evalOne(fn("hash", {str("héllo")})), i32Text(base::murmur3Bytes("héllo", seed)));
  EXPECT_EQ(evalOne(fn("hash", {str("")})), i32Text(base::murmur3Bytes("", seed)));
}

TEST(HashFunctions, DecimalsByPrecision) {
  uint32_t seed = base::kSparkHashSeed;
  // Precision <= 18: the unscaled long.
  EXPECT_EQ(evalOne(fn("hash", {dec(123, 10, 2)})), i32Text(base::murmur3Long(123, seed)));
  EXPECT_EQ(evalOne(fn("xxhash64", {dec(-5, 18, 0)})), i64Text(base::xxhash64Long(-5, seed)));
  // Larger precision: BigInteger.toByteArray of the unscaled value (minimal two's complement).
  EXPECT_EQ(evalOne(fn("hash", {dec(123, 20, 2)})),
            i32Text(base::murmur3Bytes(std::string("\x7B", 1), seed)));
  EXPECT_EQ(evalOne(fn("hash", {dec(128, 20, 0)})),
            i32Text(base::murmur3Bytes(std::string("\x00\x80", 2), seed)));
  EXPECT_EQ(evalOne(fn("hash", {dec(-1, 38, 0)})),
            i32Text(base::murmur3Bytes(std::string("\xFF", 1), seed)));
  EXPECT_EQ(evalOne(fn("hash", {dec(-129, 19, 0)})),
            i32Text(base::murmur3Bytes(std::string("\xFF\x7F", 2), seed)));
  EXPECT_EQ(evalOne(fn("hash", {dec(0, 25, 3)})),
            i32Text(base::murmur3Bytes(std::string("\x00", 1), seed)));
}

TEST(HashFunctions, NestedValues) {
  uint32_t seed = base::kSparkHashSeed;
  // Arrays hash element by element; null elements are skipped.
  EXPECT_EQ(evalOne(fn("hash", {intArray({Value::integer(1), Value::null(), Value::integer(2)})})),
            i32Text(base::murmur3Int(2, base::murmur3Int(1, seed))));
  EXPECT_EQ(evalOne(fn("hash", {intArray({})})), "42");
  // Structs hash their fields in order.
  auto structType = DataType::fromDDL("STRUCT<a: INT, b: STRING>");
  auto value = literal(Value::structOf({Value::integer(3), Value::string("x")}), structType);
  EXPECT_EQ(evalOne(fn("hash", {value})),
            i32Text(base::murmur3Bytes("x", base::murmur3Int(3, seed))));
  EXPECT_EQ(evalOne(fn("hash", {value})), evalOne(fn("hash", {i32(3), str("x")})));
  EXPECT_EQ(evalOne(fn("xxhash64", {value})), evalOne(fn("xxhash64", {i32(3), str("x")})));
  // Maps are refused as Spark does by default.
  auto map = literal(Value::map({Value::string("k"), Value::integer(1)}),
                     DataType::map(DataType::string(), DataType::integer()));
  EXPECT_EQ(errorClassOf<AnalysisError>(fn("hash", {map})), "DATATYPE_MISMATCH.HASH_MAP_TYPE");
  // Over a column of arrays with a null row.
  auto batch = ColumnBatch::fromRows(
      StructType::fromDDL("a ARRAY<BIGINT>").type(),
      {Row({Value::array({Value::integer(1), Value::integer(2)})}), Row({Value::null()})});
  EXPECT_EQ(eval(fn("hash", {column("a")}), batch),
            (Strings{i32Text(base::murmur3Long(2, base::murmur3Long(1, seed))), "42"}));
}

TEST(HashFunctions, Digests) {
  EXPECT_EQ(evalOne(fn("md5", {str("")})), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(evalOne(fn("md5", {str("héllo")})), "be50e8478cf24ff3595bc7307fb91b50");
  EXPECT_EQ(evalOne(fn("md5", {bin("Spark")})), "8cde774d6f7333752ed72cacddb05126");
  EXPECT_EQ(evalOne(fn("md5", {nullOf(DataType::string())})), "null");
  EXPECT_EQ(evalOne(fn("sha2", {str("Spark"), i32(0)})),
            "529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b");
  EXPECT_EQ(evalOne(fn("sha2", {str("Spark"), i32(224)})),
            "dbeab94971678d36af2195851c0f7485775a2a7c60073d62fc04549c");
  EXPECT_EQ(
      evalOne(fn("sha2", {str("Spark"), i32(384)})),
      "1e40b8d06c248a1cc32428c22582b6219d072283078fa140d9ad297ecadf2cabefc341b857ad36226aa8d6d79f"
      "2ab67d");
  EXPECT_EQ(
      evalOne(fn("sha2", {str("Spark"), i32(512)})),
      "44844a586c54c9a212da1dbfe05c5f1705de1af5fda1f0d36297623249b279fd8f0ccec03f888f4fb13bf7cd83"
      "fdad58591c797f81121a23cfdd5e0897795238");
  EXPECT_EQ(evalOne(fn("sha2", {str("Spark"), i32(100)})), "null");
  EXPECT_EQ(evalOne(fn("sha2", {str("Spark"), nullOf(DataType::integer())})), "null");
  EXPECT_EQ(evalOne(fn("crc32", {str("héllo")})), "2654700086");
  EXPECT_EQ(evalOne(fn("crc32", {str("")})), "0");
  EXPECT_EQ(evalOne(fn("crc32", {nullOf(DataType::binary())})), "null");
  EXPECT_EQ(errorClassOf<AnalysisError>(fn("md5", {i32(1)})),
            "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
  // Per row, with the bit length from a column.
  auto batch = ColumnBatch::fromRows(StructType::fromDDL("s STRING, bits INT").type(),
                                     {Row({Value::string("Spark"), Value::integer(224)}),
                                      Row({Value::null(), Value::integer(256)}),
                                      Row({Value::string("Spark"), Value::integer(1)})});
  EXPECT_EQ(eval(fn("sha2", {column("s"), column("bits")}), batch),
            (Strings{"dbeab94971678d36af2195851c0f7485775a2a7c60073d62fc04549c", "null", "null"}));
  EXPECT_EQ(eval(fn("crc32", {column("s")}), batch), (Strings{"1557323817", "null", "1557323817"}));
}

}  // namespace weir::expr
