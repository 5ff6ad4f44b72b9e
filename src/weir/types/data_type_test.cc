#include <gtest/gtest.h>

#include "weir/base/error.h"
#include "weir/types/data_type.h"

namespace weir::types {

TEST(DataType, DdlRoundTrip) {
  auto s = StructType::fromDDL(
      "event_id STRING, event_time TIMESTAMP, tags ARRAY<STRING>, price DECIMAL(10,2) NOT NULL, "
      "attrs MAP<STRING, INT>, nested STRUCT<a: INT, `b c`: DOUBLE>, d DATE, n TIMESTAMP_NTZ, x TINYINT");
  EXPECT_EQ(s.size(), 9u);
  EXPECT_EQ(s[0].type->id(), TypeId::kString);
  EXPECT_EQ(s[3].type->precision(), 10);
  EXPECT_FALSE(s[3].nullable);
  EXPECT_EQ(s.toDDL(),
            "event_id STRING,event_time TIMESTAMP,tags ARRAY<STRING>,price DECIMAL(10,2) NOT NULL,"
            "attrs MAP<STRING, INT>,nested STRUCT<a: INT, `b c`: DOUBLE>,d DATE,n TIMESTAMP_NTZ,x TINYINT");
  EXPECT_EQ(StructType::fromDDL(s.toDDL()), s);
  EXPECT_EQ(s[5].type->simpleString(), "struct<a:int,b c:double>");
}

TEST(DataType, JsonRoundTrip) {
  auto s = StructType::fromDDL("a INT, b ARRAY<STRING>, m MAP<STRING, BIGINT>, s STRUCT<x: DOUBLE>");
  std::string json = s.json();
  EXPECT_EQ(json,
            R"({"type":"struct","fields":[{"name":"a","type":"integer","nullable":true,"metadata":{}},)"
            R"({"name":"b","type":{"type":"array","elementType":"string","containsNull":true},"nullable":true,"metadata":{}},)"
            R"({"name":"m","type":{"type":"map","keyType":"string","valueType":"long","valueContainsNull":true},"nullable":true,"metadata":{}},)"
            R"({"name":"s","type":{"type":"struct","fields":[{"name":"x","type":"double","nullable":true,"metadata":{}}]},"nullable":true,"metadata":{}}]})");
  EXPECT_EQ(StructType::fromJson(json), s);
}

TEST(DataType, TreeString) {
  auto s = StructType::fromDDL("a INT, s STRUCT<x: STRING>, l ARRAY<BIGINT>");
  EXPECT_EQ(s.treeString(),
            "root\n"
            " |-- a: integer (nullable = true)\n"
            " |-- s: struct (nullable = true)\n"
            " |    |-- x: string (nullable = true)\n"
            " |-- l: array (nullable = true)\n"
            " |    |-- element: long (containsNull = true)\n");
}

TEST(DataType, Errors) {
  EXPECT_THROW(StructType::fromDDL("a INTT"), InvalidInputError);
  EXPECT_THROW(StructType::fromDDL("a ARRAY<INT"), InvalidInputError);
  EXPECT_THROW(DataType::decimal(39, 0), InvalidInputError);
  EXPECT_THROW(StructType::fromJson("{"), InvalidInputError);
  try {
    StructType::fromDDL("a FOO");
    FAIL();
  } catch (const InvalidInputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown data type 'FOO'"), std::string::npos);
  }
}

TEST(DataType, FieldLookupIsCaseInsensitiveFallback) {
  auto s = StructType::fromDDL("UserId STRING, userid INT");
  EXPECT_EQ(s.fieldIndex("userid"), 1u);
  EXPECT_EQ(s.fieldIndex("USERID"), 0u);
  EXPECT_FALSE(s.fieldIndex("nope").has_value());
}

}  // namespace weir::types
