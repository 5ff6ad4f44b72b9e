#include <gtest/gtest.h>

#include "weir/columnar/column_batch.h"

namespace weir::columnar {

using types::DataType;

TEST(Vector, FixedWidthWithNulls) {
  auto v = Vector::make(DataType::integer());
  v->append<int32_t>(1);
  v->appendNull();
  v->append<int32_t>(3);
  EXPECT_EQ(v->size(), 3u);
  EXPECT_EQ(v->nullCount(), 1u);
  EXPECT_EQ(v->getValue(0), Value::integer(1));
  EXPECT_TRUE(v->getValue(1).isNull());
  uint32_t rows[] = {2, 1, 0, 2};
  auto g = v->gather(rows, 4);
  EXPECT_EQ(g->toString(0), "3");
  EXPECT_TRUE(g->isNull(1));
  EXPECT_EQ(g->toString(3), "3");
}

TEST(Vector, StringsAndNested) {
  auto type = types::StructType::fromDDL("s STRING, a ARRAY<INT>, m MAP<STRING, DOUBLE>, t STRUCT<x: INT>");
  std::vector<Row> rows = {
      Row({Value::string("hello"), Value::array({Value::integer(1), Value::null()}),
           Value::map({Value::string("k"), Value::real(1.5)}), Value::structOf({Value::integer(7)})}),
      Row({Value::null(), Value::null(), Value::null(), Value::null()}),
      Row({Value::string(""), Value::array({}), Value::map({}), Value::structOf({Value::null()})}),
  };
  auto batch = ColumnBatch::fromRows(type.type(), rows);
  EXPECT_EQ(batch.rows(), rows);
  EXPECT_EQ(batch.row(0).toString(), "[hello,[1, null],{k -> 1.5},{7}]");
  uint32_t sel[] = {2, 0};
  auto g = batch.gather(sel, 2);
  EXPECT_EQ(g.row(0), rows[2]);
  EXPECT_EQ(g.row(1), rows[0]);
  auto c = ColumnBatch::concat(type.type(), {batch, g, batch.slice(1, 1)});
  EXPECT_EQ(c.numRows(), 6u);
  EXPECT_EQ(c.row(3), rows[2]);
  EXPECT_EQ(c.row(5), rows[1]);
}

TEST(Value, PrintsLikeSpark) {
  EXPECT_EQ(Value::real(1.0).toString(), "1.0");
  EXPECT_EQ(Value::real(1e7).toString(), "1.0E7");
  EXPECT_EQ(Value::real(0.001).toString(), "0.001");
  EXPECT_EQ(Value::real(1.0e-4).toString(), "1.0E-4");
  EXPECT_EQ(Value::real(123.456).toString(), "123.456");
  EXPECT_EQ(Value::floating(0.1f).toString(), "0.1");
  EXPECT_EQ(Value::decimal(Decimal{12345, 10, 2}).toString(), "123.45");
  EXPECT_EQ(Value::decimal(Decimal{-5, 10, 2}).toString(), "-0.05");
  EXPECT_EQ(Value::date(0).toString(), "1970-01-01");
}

TEST(Vector, ConstantAndNulls) {
  auto c = Vector::constant(DataType::string(), Value::string("x"), 3);
  EXPECT_EQ(c->toString(2), "x");
  auto n = Vector::nulls(DataType::longType(), 2);
  EXPECT_EQ(n->nullCount(), 2u);
}

TEST(PodVector, GrowsKeepsValuesAndFillsOnlyWhenAsked) {
  PodVector<uint32_t> v;
  EXPECT_TRUE(v.empty());
  EXPECT_NE(v.data(), nullptr);  // empty buffers still give a valid pointer for zero-length copies
  for (uint32_t i = 0; i < 1000; ++i) v.push_back(i * 3);
  v.resize(5000);  // grows without a fill; the first 1000 stay
  for (uint32_t i = 0; i < 1000; ++i) ASSERT_EQ(v[i], i * 3);
  v.resize(10, 7);  // shrinking keeps the prefix
  EXPECT_EQ(v.size(), 10u);
  v.resize(13, 7);
  EXPECT_EQ(std::vector<uint32_t>(v.begin(), v.end()),
            (std::vector<uint32_t>{0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 7, 7, 7}));
  const uint32_t more[] = {100, 200};
  v.insert(v.end(), more, more + 2);
  EXPECT_EQ(v.back(), 200u);
  EXPECT_THROW(v.insert(v.begin(), more, more + 2), std::logic_error);
  PodVector<uint32_t> copy = v;
  v.assign(4, 9);
  EXPECT_EQ(copy.size(), 15u);
  EXPECT_EQ(copy[14], 200u);
  EXPECT_EQ(std::vector<uint32_t>(v.begin(), v.end()), (std::vector<uint32_t>{9, 9, 9, 9}));
  PodVector<uint32_t> moved = std::move(copy);
  EXPECT_EQ(moved.size(), 15u);
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
}

TEST(ByteBuffer, AppendsLikeAString) {
  ByteBuffer b;
  b.append("abc", 3);
  b += std::string_view("de");
  b += 'f';
  b.append(2, '!');
  EXPECT_EQ(std::string_view(b), "abcdef!!");
  b.resize(3);
  EXPECT_EQ(std::string_view(b), "abc");
  std::string big(100000, 'x');
  b.append(big);
  EXPECT_EQ(b.size(), 100003u);
  EXPECT_EQ(std::string_view(b).substr(0, 4), "abcx");
  b.assign("zz", 2);
  EXPECT_EQ(std::string_view(b), "zz");
  ByteBuffer c(b);
  b.clear();
  EXPECT_EQ(std::string_view(c), "zz");
  EXPECT_TRUE(b.empty());
}

}  // namespace weir::columnar
