// The Parquet writer, checked by an independent reader: files Weir writes are read back by DuckDB
// (tests/oracle/duckdb_query.mjs) and every value compared with what was written, for every type
// (nested ones included), every codec, NULLs at each nesting level, many pages, dictionary and
// PLAIN values (and chunks that fall back from one to the other), all-null pages, empty strings,
// and the column statistics in the footer.
#include <gtest/gtest.h>

#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>

#include "duckdb_oracle.h"
#include "weir/base/time.h"
#include "weir/formats/parquet/parquet_writer.h"
#include "weir/weir.h"

namespace weir {
namespace {

using columnar::Value;
using nlohmann::json;
namespace fs = std::filesystem;

using testing::duckdb;
using testing::expected;

// Rows cut into batches whose sizes cycle through `sizes`.
std::vector<columnar::ColumnBatch> batchesOf(const types::DataTypePtr& schema, const std::vector<Row>& rows,
                                             const std::vector<size_t>& sizes) {
  std::vector<columnar::ColumnBatch> out;
  for (size_t at = 0, k = 0; at < rows.size(); ++k) {
    const size_t n = std::min(sizes[k % sizes.size()], rows.size() - at);
    out.push_back(columnar::ColumnBatch::fromRows(schema, std::vector<Row>(rows.begin() + static_cast<long>(at),
                                                                            rows.begin() + static_cast<long>(at + n))));
    at += n;
  }
  return out;
}

// The column chunks' metadata by column path: encodings, min, max, null count.
std::map<std::string, json> chunkMetadata(const std::string& file) {
  std::map<std::string, json> out;
  for (const auto& m : duckdb("SELECT path_in_schema, encodings, stats_min_value, stats_max_value, stats_null_count "
                              "FROM parquet_metadata('" + file + "')")) {
    out[m[0].get<std::string>()] = m;
  }
  return out;
}

bool hasDictionary(const json& meta) { return meta[1].get<std::string>().find("RLE_DICTIONARY") != std::string::npos; }

class ParquetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("weir-parquet-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  // Writes `batches` into one file with `options`, as the Delta sink does; returns its path.
  std::string writeFile(const std::string& name, const types::DataTypePtr& schema,
                        const std::vector<columnar::ColumnBatch>& batches, formats::parquet::WriterOptions options) {
    formats::parquet::FileWriter writer(schema, options);
    for (const auto& b : batches) writer.write(b);
    fs::create_directories(dir_);
    std::ofstream(path(name), std::ios::binary) << writer.finish();
    return path(name);
  }
  // Every value of `file` as DuckDB and as Weir read it, against `rows` (ordered by the first column).
  void expectRows(const std::string& file, const StructType& schema, const std::vector<Row>& rows) {
    auto got = duckdb("SELECT * FROM read_parquet('" + file + "') ORDER BY 1");
    ASSERT_EQ(got.size(), rows.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      for (size_t c = 0; c < schema.type()->fields().size(); ++c) {
        const auto& field = schema.type()->fields()[c];
        ASSERT_EQ(got[r][c], expected(rows[r][c], *field.type)) << "row " << r << " column " << field.name;
      }
    }
    auto back = spark.read().parquet(file).collect();
    std::sort(back.begin(), back.end(), [](const Row& a, const Row& b) { return a[0].asLong() < b[0].asLong(); });
    ASSERT_EQ(back.size(), rows.size());
    for (size_t r = 0; r < rows.size(); ++r) ASSERT_EQ(back[r], rows[r]) << "row " << r;
  }
  fs::path dir_;
  Session spark = Session::builder().appName("parquet-test").getOrCreate();
};

TEST_F(ParquetTest, DuckDbReadsEveryTypeAsWritten) {
  auto schema = StructType::fromDDL(
      "id BIGINT, s STRING, d DOUBLE, b BOOLEAN, i INT, t TIMESTAMP, dt DATE, dec DECIMAL(10,2), "
      "big DECIMAL(30,3), tiny TINYINT, small SMALLINT, f FLOAT, st STRUCT<a: INT, b: STRING, inner: STRUCT<x: BIGINT>>, "
      "arr ARRAY<STRING>, nested ARRAY<ARRAY<INT>>, m MAP<STRING, BIGINT>, bin BINARY");
  std::mt19937_64 rng(3);
  auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
  std::vector<Row> rows;
  const int n = 30000;
  for (int r = 0; r < n; ++r) {
    auto maybe = [&](Value v) { return chance(10) ? Value::null() : v; };
    std::vector<Value> arr;
    if (!chance(20)) {
      for (int k = 0, len = static_cast<int>(rng() % 4); k < len; ++k) arr.push_back(maybe(Value::string("e" + std::to_string(rng() % 50))));
    }
    std::vector<Value> nested;
    for (int k = 0, len = static_cast<int>(rng() % 3); k < len; ++k) {
      std::vector<Value> inner;
      for (int j = 0, l2 = static_cast<int>(rng() % 3); j < l2; ++j) inner.push_back(maybe(Value::integer(static_cast<int64_t>(rng() % 1000))));
      nested.push_back(chance(10) ? Value::null() : Value::array(inner));
    }
    std::vector<Value> kv;
    for (int k = 0, len = static_cast<int>(rng() % 3); k < len; ++k) {
      kv.push_back(Value::string("k" + std::to_string(k)));
      kv.push_back(maybe(Value::integer(static_cast<int64_t>(rng()))));
    }
    // Strings: a few values (dictionary) in most rows, long unique ones in some (pages, PLAIN).
    std::string s = chance(70) ? "user-" + std::to_string(rng() % 100) : std::string(50 + rng() % 200, static_cast<char>('a' + rng() % 26)) + std::to_string(r);
    if (chance(5)) s = "caf\xc3\xa9 \xe2\x82\xac";
    rows.push_back(Row({Value::integer(r), maybe(Value::string(s)), maybe(Value::real(static_cast<double>(static_cast<int64_t>(rng() % 2000000) - 1000000) / 64)),
                        maybe(Value::boolean(chance(50))), maybe(Value::integer(static_cast<int32_t>(rng()))),
                        maybe(Value::timestamp(1735689600000000LL + static_cast<int64_t>(rng() % 100000000000))),
                        maybe(Value::date(static_cast<int32_t>(rng() % 40000) - 10000)),
                        maybe(Value::decimal(columnar::Decimal{static_cast<int64_t>(rng() % 2000000000) - 1000000000, 10, 2})),
                        maybe(Value::decimal(columnar::Decimal{(static_cast<columnar::int128_t>(rng()) << 20) * (chance(50) ? -1 : 1), 30, 3})),
                        maybe(Value::integer(static_cast<int8_t>(rng()))), maybe(Value::integer(static_cast<int16_t>(rng()))),
                        maybe(Value::floating(static_cast<float>(rng() % 1000) / 8)),
                        maybe(Value::structOf({maybe(Value::integer(r % 7)), maybe(Value::string("b" + std::to_string(r % 3))),
                                               maybe(Value::structOf({maybe(Value::integer(-r))}))})),
                        chance(10) ? Value::null() : Value::array(arr), chance(10) ? Value::null() : Value::array(nested),
                        chance(10) ? Value::null() : Value::map(kv), maybe(Value::binary(std::string("\0\1", 2) + std::to_string(r % 10)))}));
  }
  auto df = spark.createDataFrame(rows, schema);
  for (std::string codec : {"snappy", "zstd", "gzip", "lz4", "none"}) {
    const std::string out = path(codec);
    df.write().option("compression", codec).parquet(out);
    auto got = duckdb("SELECT id, s, d, b, i, epoch_us(t), dt::VARCHAR, dec::VARCHAR, big::VARCHAR, tiny, small, f, st, arr, "
                      "nested, m, hex(bin) FROM read_parquet('" + out + "/*.parquet') ORDER BY id");
    ASSERT_EQ(got.size(), rows.size()) << codec;
    for (size_t r = 0; r < rows.size(); ++r) {
      for (size_t c = 0; c + 1 < schema.type()->fields().size(); ++c) {
        const auto& field = schema.type()->fields()[c];
        ASSERT_EQ(got[r][c], expected(rows[r][c], *field.type)) << codec << " row " << r << " column " << field.name;
      }
      const Value& bin = rows[r][schema.type()->fields().size() - 1];
      std::string hex;
      if (!bin.isNull()) {
        for (unsigned char ch : bin.asString()) {
          char buf[3];
          std::snprintf(buf, sizeof buf, "%02X", ch);
          hex += buf;
        }
      }
      ASSERT_EQ(got[r].back(), bin.isNull() ? json(nullptr) : json(hex)) << codec << " row " << r;
    }
    if (codec == "snappy") {
      // Exact statistics; a dictionary for the few distinct list strings; PLAIN for `s`, whose
      // dictionary passed 1 MiB; `s` spans more than one 1 MiB page.
      auto meta = duckdb("SELECT path_in_schema, stats_min_value, stats_max_value, stats_null_count, encodings, "
                         "total_uncompressed_size FROM parquet_metadata('" + out + "/*.parquet')");
      int checked = 0;
      for (const auto& m : meta) {
        if (m[0] == "id") {
          EXPECT_EQ(m[1], "0");
          EXPECT_EQ(m[2], std::to_string(n - 1));
          EXPECT_EQ(m[3], "0");
          ++checked;
        }
        if (m[0] == "i") {
          int64_t lo = INT64_MAX, hi = INT64_MIN, nulls = 0;
          for (const auto& row : rows) {
            if (row[4].isNull()) {
              ++nulls;
              continue;
            }
            lo = std::min(lo, row[4].asLong());
            hi = std::max(hi, row[4].asLong());
          }
          EXPECT_EQ(m[1], std::to_string(lo));
          EXPECT_EQ(m[2], std::to_string(hi));
          EXPECT_EQ(m[3], std::to_string(nulls));
          ++checked;
        }
        if (m[0] == "arr, list, element") {
          EXPECT_NE(m[4].get<std::string>().find("RLE_DICTIONARY"), std::string::npos) << m.dump();
          ++checked;
        }
        if (m[0] == "s") {
          EXPECT_EQ(m[4].get<std::string>().find("RLE_DICTIONARY"), std::string::npos) << m.dump();
          EXPECT_GT(std::stoll(m[5].get<std::string>()), 1 << 20) << m.dump();
          ++checked;
        }
      }
      EXPECT_EQ(checked, 4);
    }
  }
}

TEST_F(ParquetTest, DictionariesFallBackToPlainInTheMiddleOfAChunk) {
  // Small pages and a small dictionary limit: the first pages of s, n and i use the dictionary, the
  // values after it passes the limit are PLAIN, in the same column chunk (as parquet-mr writes).
  auto schema = StructType::fromDDL("id BIGINT, s STRING, n BIGINT, i INT, d DOUBLE");
  std::vector<Row> rows;
  for (int64_t r = 0; r < 20000; ++r) {
    const bool repeating = r < 10000;
    rows.push_back(Row({Value::integer(r),
                        Value::string(repeating ? "v" + std::to_string(r % 700) : "unique-" + std::to_string(r) + std::string(r % 13, 'x')),
                        Value::integer(repeating ? r % 300 : r * 7919),
                        r % 5 == 0 ? Value::null() : Value::integer(static_cast<int32_t>(repeating ? r % 40 : r)),
                        Value::real(static_cast<double>(r % 64) / 8)}));
  }
  formats::parquet::WriterOptions options;
  options.pageBytes = 4096;
  options.dictionaryBytes = 16 << 10;
  const std::string file =
      writeFile("fallback.parquet", schema.type(), batchesOf(schema.type(), rows, {1, 1000, 4096, 3, 5000}), options);
  expectRows(file, schema, rows);
  auto meta = chunkMetadata(file);
  for (const char* column : {"s", "n", "i", "d"}) EXPECT_TRUE(hasDictionary(meta[column])) << meta[column].dump();
  std::string lo = rows[0][1].asString(), hi = lo;
  for (const auto& row : rows) {
    lo = std::min(lo, row[1].asString());
    hi = std::max(hi, row[1].asString());
  }
  EXPECT_EQ(meta["s"][2], lo);
  EXPECT_EQ(meta["s"][3], hi);
  EXPECT_EQ(meta["n"][2], "0");
  EXPECT_EQ(meta["n"][3], std::to_string(int64_t{19999} * 7919));
  EXPECT_EQ(meta["i"][4], "4000");
  // A page whose last batch repeats one value (kept as a count) and whose dictionary does not pay.
  auto single = StructType::fromDDL("id BIGINT, v BIGINT");
  std::vector<Row> tail;
  for (int64_t r = 0; r < 1003; ++r) tail.push_back(Row({Value::integer(r), Value::integer(r < 1000 ? r * 31 : -5)}));
  const std::string tailFile = writeFile("tail.parquet", single.type(), batchesOf(single.type(), tail, {1000, 1, 2}), {});
  expectRows(tailFile, single, tail);
  EXPECT_FALSE(hasDictionary(chunkMetadata(tailFile)["v"]));
}

TEST_F(ParquetTest, DictionariesOnlyWhereTheyPay) {
  // Distinct values are written PLAIN from the first page on; repeated ones of every type but
  // booleans and wide decimals through a dictionary. NaN stays out of min and max.
  auto schema = StructType::fromDDL(
      "id BIGINT, uuid STRING, few STRING, constant TIMESTAMP, flag BOOLEAN, amount DOUBLE, big DECIMAL(30,2), "
      "small INT, zero DOUBLE");
  std::mt19937_64 rng(21);
  std::vector<Row> rows;
  for (int64_t r = 0; r < 20000; ++r) {
    char uuid[40];
    std::snprintf(uuid, sizeof uuid, "%016llx-%08x", static_cast<unsigned long long>(rng()), static_cast<unsigned>(r));
    rows.push_back(Row({Value::integer(r), Value::string(uuid), Value::string("action-" + std::to_string(r % 5)),
                        Value::timestamp(1735689600000000LL), Value::boolean(r % 3 == 0),
                        Value::real(r % 97 == 0 ? std::nan("") : static_cast<double>(r % 8) - 3.5),
                        Value::decimal(columnar::Decimal{static_cast<columnar::int128_t>(r % 4) * 100001, 30, 2}),
                        Value::integer(static_cast<int32_t>(r % 11) - 5),
                        // 0.0 and -0.0 are distinct dictionary entries, also in batches of one of them.
                        Value::real(r < 8192 ? 0.0 : (r < 12288 || r % 3 == 0 ? -0.0 : 0.0))}));
  }
  // The same choices whatever the batch sizes.
  const std::string small = writeFile("small.parquet", schema.type(), batchesOf(schema.type(), rows, {1, 3, 700}), {});
  const std::string file = writeFile("pays.parquet", schema.type(), batchesOf(schema.type(), rows, {4096}), {});
  auto meta = chunkMetadata(file);
  auto smallMeta = chunkMetadata(small);
  for (const char* column : {"id", "uuid", "flag", "big"}) {
    EXPECT_FALSE(hasDictionary(meta[column])) << meta[column].dump();
    EXPECT_FALSE(hasDictionary(smallMeta[column])) << smallMeta[column].dump();
  }
  for (const char* column : {"few", "constant", "amount", "small", "zero"}) {
    EXPECT_TRUE(hasDictionary(meta[column])) << meta[column].dump();
    EXPECT_TRUE(hasDictionary(smallMeta[column])) << smallMeta[column].dump();
  }
  EXPECT_EQ(meta["amount"][2], "-3.5");
  EXPECT_EQ(meta["amount"][3], "3.5");
  EXPECT_EQ(meta["small"][2], "-5");
  EXPECT_EQ(meta["small"][3], "5");
  EXPECT_EQ(meta["few"][2], "action-0");
  EXPECT_EQ(meta["few"][3], "action-4");
  auto got = duckdb("SELECT id, uuid, few, epoch_us(constant), flag, amount::VARCHAR, big::VARCHAR, small, signbit(zero) "
                    "FROM read_parquet('" + file + "') ORDER BY id");
  ASSERT_EQ(got.size(), rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    ASSERT_EQ(got[r][1], rows[r][1].asString()) << r;
    ASSERT_EQ(got[r][2], rows[r][2].asString()) << r;
    ASSERT_EQ(got[r][3], "1735689600000000") << r;
    ASSERT_EQ(got[r][4], rows[r][4].asBool()) << r;
    ASSERT_EQ(got[r][5], r % 97 == 0 ? std::string("nan") : json(rows[r][5].asDouble()).dump()) << r;
    ASSERT_EQ(got[r][6], rows[r][6].asDecimal().toString()) << r;
    ASSERT_EQ(got[r][7], rows[r][7].asLong()) << r;
    ASSERT_EQ(got[r][8], std::signbit(rows[r][8].asDouble())) << r;
  }
}

TEST_F(ParquetTest, NullsEmptyStringsAndNestedNullsInSmallPages) {
  // Pages of only nulls (a column of the NULL type in some batches), empty strings as values and
  // dictionary entries, and nulls at each level of nested structs, in pages of a few hundred bytes.
  auto schema = StructType::fromDDL(
      "id BIGINT, e STRING, none STRING, st STRUCT<a: STRUCT<b: BIGINT, c: STRING>, d: DOUBLE>, nobig BIGINT");
  std::mt19937_64 rng(4);
  auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
  std::vector<Row> rows;
  for (int64_t r = 0; r < 12000; ++r) {
    auto maybe = [&](Value v) { return chance(10) ? Value::null() : v; };
    Value inner = maybe(Value::structOf({maybe(Value::integer(static_cast<int64_t>(rng() % 1000))),
                                          maybe(Value::string(chance(50) ? "" : "c" + std::to_string(rng() % 3)))}));
    rows.push_back(Row({Value::integer(r), maybe(Value::string(chance(80) ? "" : "x")), Value::null(),
                        maybe(Value::structOf({inner, maybe(Value::real(static_cast<double>(r) / 4))})), Value::null()}));
  }
  auto batches = batchesOf(schema.type(), rows, {7, 1, 4096, 333});
  for (size_t b = 0; b < batches.size(); b += 2) {
    auto columns = batches[b].columns();
    columns[2] = columnar::Vector::nulls(types::DataType::null(), batches[b].numRows());
    batches[b] = columnar::ColumnBatch(schema.type(), columns, batches[b].numRows());
  }
  formats::parquet::WriterOptions options;
  options.pageBytes = 300;
  const std::string file = writeFile("nulls.parquet", schema.type(), batches, options);
  expectRows(file, schema, rows);
  auto meta = chunkMetadata(file);
  EXPECT_EQ(meta["none"][4], "12000");
  EXPECT_EQ(meta["none"][2], nullptr);
  EXPECT_EQ(meta["nobig"][4], "12000");
  EXPECT_EQ(meta["e"][2], "");
  EXPECT_EQ(meta["e"][3], "x");
}

TEST_F(ParquetTest, PlainStringStatisticsCompareUnsignedBytes) {
  // Strings sharing 8-byte prefixes, shorter and longer ones, bytes above 0x7f: min and max as
  // unsigned bytes, PLAIN (dictionaries off) and through the dictionary.
  auto schema = StructType::fromDDL("id BIGINT, s STRING, t STRING");
  std::mt19937_64 rng(8);
  const std::vector<std::string> pieces = {"a", "b", "abcdefgh", "\xc3\xa9", "z", "abcdefg"};
  std::vector<Row> rows;
  std::string lo[2], hi[2];
  for (int64_t r = 0; r < 9000; ++r) {
    std::string v[2];
    for (int c = 0; c < 2; ++c) {
      for (size_t k = 0, n = c == 0 ? 1 + rng() % 4 : rng() % 4; k < n; ++k) v[c] += pieces[rng() % pieces.size()];
      if (r == 0 || v[c] < lo[c]) lo[c] = v[c];
      if (r == 0 || hi[c] < v[c]) hi[c] = v[c];
    }
    rows.push_back(Row({Value::integer(r), Value::string(v[0]), Value::string(v[1])}));
  }
  for (bool dictionary : {false, true}) {
    formats::parquet::WriterOptions options;
    options.dictionary = dictionary;
    const std::string file = writeFile(dictionary ? "dict.parquet" : "plain.parquet", schema.type(),
                                       batchesOf(schema.type(), rows, {4096, 17}), options);
    expectRows(file, schema, rows);
    auto meta = chunkMetadata(file);
    EXPECT_EQ(hasDictionary(meta["s"]), dictionary);
    EXPECT_EQ(meta["s"][2], lo[0]);
    EXPECT_EQ(meta["s"][3], hi[0]);
    EXPECT_EQ(meta["t"][2], lo[1]);
    EXPECT_EQ(meta["t"][3], hi[1]);
  }
}

TEST_F(ParquetTest, WeirReadsBackWhatItWrites) {
  auto schema = StructType::fromDDL(
      "id BIGINT, s STRING, b BOOLEAN, t TIMESTAMP, dec DECIMAL(30,3), small DECIMAL(5,1), tiny TINYINT, "
      "st STRUCT<a: INT, inner: STRUCT<x: STRING>>, arr ARRAY<STRING>, nested ARRAY<ARRAY<INT>>, "
      "m MAP<STRING, ARRAY<BIGINT>>, bin BINARY, f FLOAT, d DOUBLE, dt DATE");
  std::mt19937_64 rng(9);
  auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
  std::vector<Row> rows;
  for (int r = 0; r < 5000; ++r) {
    auto maybe = [&](Value v) { return chance(15) ? Value::null() : v; };
    std::vector<Value> arr, nested, kv;
    for (int k = 0, n = static_cast<int>(rng() % 4); k < n; ++k) arr.push_back(maybe(Value::string("v" + std::to_string(rng() % 9))));
    for (int k = 0, n = static_cast<int>(rng() % 3); k < n; ++k) {
      std::vector<Value> inner;
      for (int j = 0, m = static_cast<int>(rng() % 3); j < m; ++j) inner.push_back(maybe(Value::integer(static_cast<int64_t>(rng() % 100))));
      nested.push_back(maybe(Value::array(inner)));
    }
    for (int k = 0, n = static_cast<int>(rng() % 3); k < n; ++k) {
      kv.push_back(Value::string("k" + std::to_string(k)));
      std::vector<Value> list;
      for (int j = 0, m = static_cast<int>(rng() % 2); j <= m; ++j) list.push_back(Value::integer(static_cast<int64_t>(rng() % 1000)));
      kv.push_back(maybe(Value::array(list)));
    }
    rows.push_back(Row({Value::integer(r), maybe(Value::string(chance(50) ? "x" : std::string(rng() % 40, 'q'))),
                        maybe(Value::boolean(chance(50))), maybe(Value::timestamp(static_cast<int64_t>(rng() % 4000000000000000ULL))),
                        maybe(Value::decimal(columnar::Decimal{static_cast<columnar::int128_t>(rng()) * (chance(50) ? -1 : 1), 30, 3})),
                        maybe(Value::decimal(columnar::Decimal{static_cast<int64_t>(rng() % 199999) - 99999, 5, 1})),
                        maybe(Value::integer(static_cast<int8_t>(rng()))),
                        maybe(Value::structOf({maybe(Value::integer(r)), maybe(Value::structOf({maybe(Value::string("i"))}))})),
                        maybe(Value::array(arr)), maybe(Value::array(nested)), maybe(Value::map(kv)),
                        maybe(Value::binary(std::string(rng() % 5, '\0'))), maybe(Value::floating(static_cast<float>(rng() % 64) / 8)),
                        maybe(Value::real(static_cast<double>(rng() % 1000) / 16)), maybe(Value::date(static_cast<int32_t>(rng() % 30000)))}));
  }
  auto df = spark.createDataFrame(rows, schema);
  for (std::string codec : {"snappy", "gzip", "zstd", "lz4", "none"}) {
    df.write().option("compression", codec).parquet(path(codec));
    auto back = spark.read().parquet(path(codec));
    EXPECT_EQ(back.schema().type()->sql(), schema.type()->sql()) << codec;
    auto got = back.collect();
    std::sort(got.begin(), got.end(), [](const Row& a, const Row& b) { return a[0].asLong() < b[0].asLong(); });
    ASSERT_EQ(got.size(), rows.size()) << codec;
    for (size_t r = 0; r < rows.size(); ++r) ASSERT_EQ(got[r], rows[r]) << codec << " row " << r;
  }
  // Only the columns a query needs are read, by name, in the scan's order.
  auto some = spark.read().schema("tiny TINYINT, id BIGINT, missing STRING").parquet(path("snappy")).collect();
  ASSERT_EQ(some.size(), rows.size());
  std::sort(some.begin(), some.end(), [](const Row& a, const Row& b) { return a[1].asLong() < b[1].asLong(); });
  EXPECT_EQ(some[7], Row({rows[7][6], rows[7][0], Value::null()}));
}

TEST_F(ParquetTest, WeirReadsWhatDuckDbWrites) {
  // DuckDB's writer makes other choices (its own dictionary and page layout, zstd): the values
  // must still come out as DuckDB reads them.
  const std::string file = path("duck.parquet");
  fs::create_directories(dir_);
  duckdb("COPY (SELECT i AS id, 'name-' || (i % 13) AS s, CASE WHEN i % 7 = 0 THEN NULL ELSE (i * 1.5)::DOUBLE END AS d, "
         "[i, i + 1] AS l, {'a': i, 'b': 'x' || i} AS st, TIMESTAMP '2025-01-01 00:00:00' + INTERVAL (i) SECOND AS t, "
         "(i / 3)::DECIMAL(12, 2) AS dec FROM range(3000) t(i)) TO '" + file + "' (FORMAT parquet, COMPRESSION zstd)");
  auto rows = spark.read().parquet(file).collect();
  ASSERT_EQ(rows.size(), 3000u);
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a[0].asLong() < b[0].asLong(); });
  auto want = duckdb("SELECT id, s, d, l, st, epoch_us(t), dec::VARCHAR FROM read_parquet('" + file + "') ORDER BY id");
  for (size_t r = 0; r < rows.size(); ++r) {
    const Row& row = rows[r];
    ASSERT_EQ(json(std::to_string(row[0].asLong())), want[r][0]) << r;
    ASSERT_EQ(json(row[1].asString()), want[r][1]) << r;
    ASSERT_EQ(row[2].isNull() ? json(nullptr) : json(row[2].asDouble()), want[r][2]) << r;
    json list = json::array();
    for (const auto& e : row[3].children()) list.push_back(std::to_string(e.asLong()));
    ASSERT_EQ(list, want[r][3]) << r;
    ASSERT_EQ(json({{"a", std::to_string(row[4].children()[0].asLong())}, {"b", row[4].children()[1].asString()}}), want[r][4]) << r;
    ASSERT_EQ(json(std::to_string(row[5].asLong())), want[r][5]) << r;
    ASSERT_EQ(json(row[6].asDecimal().toString()), want[r][6]) << r;
  }
}

TEST_F(ParquetTest, WeirReadsDuckDbsVersion2Encodings) {
  // Data pages V2 with DELTA_BINARY_PACKED integers, DELTA_LENGTH_BYTE_ARRAY strings and
  // BYTE_STREAM_SPLIT floating point values, as DuckDB writes them with PARQUET_VERSION V2.
  const std::string file = path("v2.parquet");
  fs::create_directories(dir_);
  duckdb("COPY (SELECT i AS id, i * 1000003 - 7 AS big, (i * 37 % 1000 - 500)::INT AS small, 'v-' || (i * 7919 % 100003) AS s, "
         "(i / 7.0)::DOUBLE AS d, (i / 3.0)::FLOAT AS f, CASE WHEN i % 5 = 0 THEN NULL ELSE 'prefix-shared-' || i END AS ps "
         "FROM range(20000) t(i)) TO '" + file + "' (FORMAT parquet, PARQUET_VERSION V2)");
  auto encodings = duckdb("SELECT string_agg(encodings, ',') FROM parquet_metadata('" + file + "')")[0][0].get<std::string>();
  EXPECT_NE(encodings.find("DELTA_BINARY_PACKED"), std::string::npos) << encodings;
  EXPECT_NE(encodings.find("DELTA_LENGTH_BYTE_ARRAY"), std::string::npos) << encodings;
  EXPECT_NE(encodings.find("BYTE_STREAM_SPLIT"), std::string::npos) << encodings;
  auto rows = spark.read().parquet(file).collect();
  ASSERT_EQ(rows.size(), 20000u);
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a[0].asLong() < b[0].asLong(); });
  auto want = duckdb("SELECT id, big, small, s, d, f, ps FROM read_parquet('" + file + "') ORDER BY id");
  for (size_t r = 0; r < rows.size(); ++r) {
    const Row& row = rows[r];
    ASSERT_EQ(json(std::to_string(row[0].asLong())), want[r][0]) << r;
    ASSERT_EQ(json(std::to_string(row[1].asLong())), want[r][1]) << r;
    ASSERT_EQ(json(row[2].asLong()), want[r][2]) << r;
    ASSERT_EQ(json(row[3].asString()), want[r][3]) << r;
    ASSERT_EQ(json(row[4].asDouble()), want[r][4]) << r;
    ASSERT_EQ(json(static_cast<double>(static_cast<float>(row[5].asDouble()))), want[r][5]) << r;
    ASSERT_EQ(row[6].isNull() ? json(nullptr) : json(row[6].asString()), want[r][6]) << r;
  }
}

TEST_F(ParquetTest, DamagedFilesFailWithTheirPath) {
  auto df = spark.createDataFrame({Row({Value::integer(1)})}, StructType::fromDDL("x BIGINT"));
  df.write().parquet(path("ok"));
  std::string file;
  for (const auto& e : fs::directory_iterator(path("ok"))) {
    if (e.path().extension() == ".parquet") file = e.path().string();
  }
  std::string bytes;
  {
    std::ifstream in(file, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (size_t cut : {size_t{3}, bytes.size() / 2, bytes.size() - 5}) {
    {
      std::ofstream out(file, std::ios::binary | std::ios::trunc);
      out << bytes.substr(0, cut) << (cut == bytes.size() - 5 ? std::string("\xff\xffPAR1") : std::string());
    }
    try {
      spark.read().schema("x BIGINT").parquet(path("ok")).collect();
      FAIL() << cut;
    } catch (const CorruptionError& e) {
      EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
  }
}

TEST_F(ParquetTest, StreamsWriteParquetFilesThroughTheFileSink) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("k STRING, v BIGINT"));
  auto q = input.toDF().writeStream().format("parquet").option("checkpointLocation", path("ckpt")).start(path("out"));
  input.addData({Row({Value::string("a"), Value::integer(1)}), Row({Value::string("b"), Value::null()})});
  q.processAllAvailable();
  input.addData({Row({Value::string("c"), Value::integer(3)})});
  q.processAllAvailable();
  q.stop();
  EXPECT_TRUE(fs::exists(path("out/_spark_metadata/1")));
  auto got = duckdb("SELECT k, v FROM read_parquet('" + path("out") + "/*.parquet') ORDER BY k");
  EXPECT_EQ(got, json::parse(R"([["a","1"],["b",null],["c","3"]])"));
}

TEST_F(ParquetTest, AStreamReadsParquetFilesAsTheyArrive) {
  // One file per batch (maxFilesPerTrigger), exactly once across a restart.
  auto write = [&](int part, std::vector<Row> rows) {
    spark.createDataFrame(rows, StructType::fromDDL("k STRING, v BIGINT")).write().parquet(path("stage" + std::to_string(part)));
    fs::create_directories(path("in"));
    for (const auto& e : fs::directory_iterator(path("stage" + std::to_string(part)))) {
      if (e.path().extension() == ".parquet") fs::rename(e.path(), path("in/f" + std::to_string(part) + ".parquet"));
    }
  };
  auto start = [&] {
    return spark.readStream()
        .format("parquet")
        .schema("k STRING, v BIGINT")
        .option("maxFilesPerTrigger", int64_t{1})
        .load(path("in"))
        .groupBy("k")
        .agg(functions::sum("v").alias("total"))
        .writeStream()
        .format("memory")
        .queryName("parquet_stream")
        .outputMode("complete")
        .option("checkpointLocation", path("ckpt"))
        .start();
  };
  write(1, {Row({Value::string("a"), Value::integer(1)}), Row({Value::string("b"), Value::integer(2)})});
  write(2, {Row({Value::string("a"), Value::integer(10)})});
  auto q = start();
  q.processAllAvailable();
  q.stop();
  write(3, {Row({Value::string("b"), Value::integer(5)})});
  auto q2 = start();
  q2.processAllAvailable();
  q2.stop();
  auto rows = spark.table("parquet_stream").collect();
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows, (std::vector<Row>{Row({Value::string("a"), Value::integer(11)}), Row({Value::string("b"), Value::integer(7)})}));
}

TEST_F(ParquetTest, UnsupportedTypesAndCodecsFailBeforeWriting) {
  auto df = spark.createDataFrame({Row({Value::null()})}, StructType::fromDDL("x VOID"));
  try {
    df.write().parquet(path("void"));
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE");
  }
  EXPECT_FALSE(fs::exists(path("void")));
  auto ok = spark.createDataFrame({Row({Value::integer(1)})}, StructType::fromDDL("x BIGINT"));
  try {
    ok.write().option("compression", "brotli").parquet(path("brotli"));
    FAIL();
  } catch (const InvalidInputError& e) {
    EXPECT_EQ(e.errorClass(), "CODEC_NOT_AVAILABLE");
  }
}

}  // namespace
}  // namespace weir
