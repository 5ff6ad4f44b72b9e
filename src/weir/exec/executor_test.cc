// Unit tests of the execution layer: key encodings, accumulators and operators on local data.
#include "weir/exec/executor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "weir/base/error.h"
#include "weir/exec/aggregates.h"
#include "weir/exec/group_table.h"
#include "weir/exec/key_encoder.h"
#include "weir/exec/operator_cache.h"
#include "weir/exec/window_aggregate.h"
#include "weir/expr/binder.h"

namespace weir::exec {
namespace {

using columnar::ColumnBatch;
using columnar::Row;
using columnar::Value;
using columnar::Vector;
using types::DataType;
using types::StructType;

ColumnBatch batchOf(const std::string& ddl, const std::vector<Row>& rows) {
  return ColumnBatch::fromRows(StructType::fromDDL(ddl).type(), rows);
}

TEST(KeyEncoder, EqualValuesEncodeEquallyAndNullsAreFlagged) {
  auto b = batchOf("s STRING, d DOUBLE, st STRUCT<a: INT>",
                   {Row({Value::string("x"), Value::real(0.0), Value::structOf({Value::integer(1)})}),
                    Row({Value::string("x"), Value::real(-0.0), Value::structOf({Value::integer(1)})}),
                    Row({Value::null(), Value::real(1.0), Value::null()}),
                    Row({Value::string("x"), Value::real(0.0), Value::structOf({Value::null()})})});
  auto keys = encodeKeys(b.columns(), b.numRows());
  EXPECT_EQ(keys.key(0), keys.key(1));
  EXPECT_EQ(keys.hashes[0], keys.hashes[1]);
  EXPECT_NE(keys.key(0), keys.key(3));
  EXPECT_EQ(keys.hasNull, (std::vector<uint8_t>{0, 0, 1, 0}));
}

TEST(KeyEncoder, DecodesWhatItEncodes) {
  // Flat keys (structs without arrays or maps) and row-by-row keys (with an array), with NULLs
  // at every level: decodeKeyValue reads back exactly the values, and encodeKeyValue writes
  // bytes it decodes the same way.
  for (const std::string ddl : {"w STRUCT<start: TIMESTAMP, end: TIMESTAMP>, u STRING, n BIGINT, d DOUBLE, "
                                "i INT, dt DATE, b BOOLEAN, dec DECIMAL(20,2), bin BINARY",
                                "w STRUCT<start: TIMESTAMP, end: TIMESTAMP>, u STRING, a ARRAY<STRING>, "
                                "m MAP<STRING, BIGINT>"}) {
    auto schema = StructType::fromDDL(ddl).type();
    std::vector<Row> rows;
    for (int r = 0; r < 40; ++r) {
      std::vector<Value> values;
      for (size_t c = 0; c < schema->fields().size(); ++c) {
        const auto& t = *schema->fields()[c].type;
        if ((r + static_cast<int>(c)) % 5 == 0) {
          values.push_back(Value::null());
          continue;
        }
        switch (t.id()) {
          case types::TypeId::kStruct:
            values.push_back(Value::structOf({r % 7 == 1 ? Value::null() : Value::timestamp(r * 1000),
                                              Value::timestamp(r * 1000 + 600)}));
            break;
          case types::TypeId::kString: values.push_back(Value::string(std::string(static_cast<size_t>(r), 'x'))); break;
          case types::TypeId::kBinary: values.push_back(Value::binary(std::string("\0\1", 2))); break;
          case types::TypeId::kLong: values.push_back(Value::integer(-r * 1000000007LL)); break;
          case types::TypeId::kDouble: values.push_back(Value::real(r / 3.0)); break;
          case types::TypeId::kInteger: values.push_back(Value::integer(r)); break;
          case types::TypeId::kDate: values.push_back(Value::date(r)); break;
          case types::TypeId::kBoolean: values.push_back(Value::boolean(r % 2 == 0)); break;
          case types::TypeId::kDecimal: values.push_back(Value::decimal(columnar::Decimal{r * 12345, 20, 2})); break;
          case types::TypeId::kArray: values.push_back(Value::array({Value::string("a"), Value::null()})); break;
          case types::TypeId::kMap: values.push_back(Value::map({Value::string("k"), Value::integer(r)})); break;
          default: FAIL() << t.simpleString();
        }
      }
      rows.push_back(Row(values));
    }
    auto batch = ColumnBatch::fromRows(schema, rows);
    auto keys = encodeKeys(batch.columns(), batch.numRows());
    std::vector<types::DataTypePtr> types;
    for (const auto& f : schema->fields()) types.push_back(f.type);
    const bool flat = flatKeyLayout(types);
    EXPECT_EQ(flat, ddl.find("ARRAY") == std::string::npos) << ddl;
    for (size_t r = 0; r < rows.size(); ++r) {
      std::string_view in = keys.key(r);
      std::string reencoded;
      for (size_t c = 0; c < types.size(); ++c) {
        Value v;
        ASSERT_TRUE(decodeKeyValue(in, *types[c], flat, v)) << r << "," << c;
        EXPECT_EQ(v, rows[r][c]) << ddl << " row " << r << " column " << c;
        encodeKeyValue(v, *types[c], flat, reencoded);
      }
      EXPECT_TRUE(in.empty());
      std::string_view again = reencoded;
      for (size_t c = 0; c < types.size(); ++c) {
        Value v;
        ASSERT_TRUE(decodeKeyValue(again, *types[c], flat, v));
        EXPECT_EQ(v, rows[r][c]);
      }
      EXPECT_TRUE(again.empty());
    }
    // Damaged bytes are refused, not read past.
    std::string_view truncated = keys.key(1).substr(0, 5);
    Value v;
    bool ok = true;
    for (size_t c = 0; c < types.size() && ok; ++c) ok = decodeKeyValue(truncated, *types[c], flat, v);
    EXPECT_FALSE(ok);
  }
}

TEST(KeyEncoder, EncodesAnyRangeOfRowsAsTheWholeBatchDoes) {
  // encodeKeys(columns, begin, n) gives key i the bytes, hash and null flag of row begin + i,
  // for flat keys and row-by-row keys (with an array), NULLs at every level.
  for (const std::string ddl :
       {"w STRUCT<start: TIMESTAMP, end: TIMESTAMP>, u STRING, d DOUBLE, b BOOLEAN",
        "u STRING, a ARRAY<STRING>"}) {
    auto schema = StructType::fromDDL(ddl).type();
    std::vector<Row> rows;
    for (int r = 0; r < 30; ++r) {
      std::vector<Value> values;
      for (size_t c = 0; c < schema->fields().size(); ++c) {
        if ((r + static_cast<int>(c)) % 4 == 0) {
          values.push_back(Value::null());
          continue;
        }
        switch (schema->fields()[c].type->id()) {
          case types::TypeId::kStruct:
            values.push_back(
                Value::structOf({r % 5 == 1 ? Value::null() : Value::timestamp(r * 1000),
                                 Value::timestamp(r * 1000 + 600)}));
            break;
          case types::TypeId::kString:
            values.push_back(Value::string(std::string(static_cast<size_t>(r % 9), 'u')));
            break;
          case types::TypeId::kDouble:
            values.push_back(Value::real(r % 3 == 0 ? -0.0 : r / 7.0));
            break;
          case types::TypeId::kBoolean:
            values.push_back(Value::boolean(r % 2 == 0));
            break;
          case types::TypeId::kArray:
            values.push_back(Value::array({Value::string(std::to_string(r)), Value::null()}));
            break;
          default:
            FAIL() << schema->fields()[c].type->simpleString();
        }
      }
      rows.push_back(Row(values));
    }
    auto batch = ColumnBatch::fromRows(schema, rows);
    auto whole = encodeKeys(batch.columns(), batch.numRows());
    for (auto [begin, n] :
         std::vector<std::pair<size_t, size_t>>{{0, 30}, {0, 7}, {7, 13}, {29, 1}, {12, 0}}) {
      auto part = encodeKeys(batch.columns(), begin, n);
      ASSERT_EQ(part.size(), n) << ddl;
      for (size_t i = 0; i < n; ++i) {
        EXPECT_EQ(part.key(i), whole.key(begin + i)) << ddl << " row " << begin + i;
        EXPECT_EQ(part.hashes[i], whole.hashes[begin + i]);
        EXPECT_EQ(part.hasNull[i], whole.hasNull[begin + i]);
      }
    }
  }
}

TEST(GroupTable, ShortAndLongKeysAndEmptyKeyAreDistinctGroups) {
  GroupTable table;
  std::vector<std::string> keys{"", "a", "ab", "abc", "abcd", "abcdefg", "abcdefgh", "abcdefghijklmnopq", "abcdefgi"};
  // Many keys force rehashing; every key must come back with its first group.
  for (int i = 0; i < 5000; ++i) keys.push_back("key-" + std::to_string(i));
  std::vector<uint32_t> first;
  for (const auto& k : keys) {
    bool inserted = false;
    first.push_back(table.findOrInsert(std::hash<std::string>{}(k), k, inserted));
    EXPECT_TRUE(inserted) << k;
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    bool inserted = true;
    EXPECT_EQ(table.findOrInsert(std::hash<std::string>{}(keys[i]), keys[i], inserted), first[i]);
    EXPECT_FALSE(inserted);
    EXPECT_EQ(table.key(first[i]), keys[i]);
  }
  // Equal hashes, different keys: still different groups.
  bool inserted = false;
  uint32_t x = table.findOrInsert(42, "x", inserted), y = table.findOrInsert(42, "y", inserted);
  EXPECT_NE(x, y);
  EXPECT_EQ(table.size(), keys.size() + 2);
}

TEST(PaneWindowAggregator, CountsEveryWindowOfEachKey) {
  // window(ts, 10 minutes, 5 minutes) with count(*) and max(v) by user, fed in two batches.
  const int64_t minute = 60'000'000;
  plan::AggregateCall countCall{"count", {}, false, DataType::longType(), "count(1)", {}};
  auto v = expr::boundColumn(0, DataType::integer(), true, "v");
  plan::AggregateCall maxCall{"max", {v}, false, DataType::integer(), "max(v)", {}};
  PaneWindowAggregator agg(10 * minute, 5 * minute, 0, {DataType::string()}, {countCall, maxCall});
  auto b1 = batchOf("ts TIMESTAMP, user STRING, v INT",
                    {Row({Value::timestamp(3 * minute), Value::string("u1"), Value::integer(1)}),
                     Row({Value::timestamp(-1 * minute), Value::string("u1"), Value::integer(5)}),
                     Row({Value::null(), Value::string("u1"), Value::integer(100)}),
                     Row({Value::timestamp(12 * minute), Value::null(), Value::integer(2)})});
  auto b2 = batchOf("ts TIMESTAMP, user STRING, v INT",
                    {Row({Value::timestamp(7 * minute), Value::string("u1"), Value::null()}),
                     Row({Value::timestamp(4 * minute), Value::string("u1"), Value::integer(3)})});
  for (const auto& b : {b1, b2}) agg.add(*b.column(0), {b.column(1)}, {{}, {b.column(2)}}, b.numRows());
  EXPECT_EQ(agg.paneGroups(), 4u);  // u1: [-5, 0), [0, 5), [5, 10); null user: [10, 15)
  auto windowType = DataType::structOf({{"start", DataType::timestamp(), true, "{}"},
                                        {"end", DataType::timestamp(), true, "{}"}});
  size_t n = 0;
  auto cols = agg.finish(windowType, n);
  std::vector<std::string> got;
  for (size_t i = 0; i < n; ++i) {
    got.push_back(std::to_string(cols[0]->child(0).valueAt<int64_t>(i) / minute) + ".." +
                  std::to_string(cols[0]->child(1).valueAt<int64_t>(i) / minute) + " " + cols[1]->toString(i) + " " +
                  cols[2]->toString(i) + " " + cols[3]->toString(i));
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"-10..0 u1 1 5", "-5..5 u1 3 5", "0..10 u1 3 3", "10..20 null 1 2",
                                           "5..15 null 1 2", "5..15 u1 1 null"}));
}

// The windows finish() emits, as "start..end key count", in its order (minutes).
std::vector<std::string> windowRows(PaneWindowAggregator& agg) {
  const int64_t minute = 60'000'000;
  auto windowType = DataType::structOf(
      {{"start", DataType::timestamp(), true, "{}"}, {"end", DataType::timestamp(), true, "{}"}});
  size_t n = 0;
  auto cols = agg.finish(windowType, n);
  std::vector<std::string> got;
  for (size_t i = 0; i < n; ++i) {
    got.push_back(std::to_string(cols[0]->child(0).valueAt<int64_t>(i) / minute) + ".." +
                  std::to_string(cols[0]->child(1).valueAt<int64_t>(i) / minute) + " " +
                  cols[1]->toString(i) + " " + cols[2]->toString(i));
  }
  return got;
}

TEST(PaneWindowAggregator, KeysKeepTheirOrderAcrossBatchesSharingADictionary) {
  // Tumbling 10-minute windows counted by user over three batches of a stream; the second and
  // third see the users in other orders, and the third a new user.
  const int64_t minute = 60'000'000;
  plan::AggregateCall countCall{"count", {}, false, DataType::longType(), "count(1)", {}};
  auto dictionary =
      std::make_shared<KeyDictionary>(std::vector<types::DataTypePtr>{DataType::string()});
  auto run = [&](const std::vector<std::pair<int64_t, std::string>>& rows, bool shared) {
    std::vector<Row> input;
    for (const auto& [t, user] : rows)
      input.push_back(Row({Value::timestamp(t * minute), Value::string(user)}));
    auto b = batchOf("ts TIMESTAMP, user STRING", input);
    auto agg = shared ? PaneWindowAggregator(10 * minute, 10 * minute, 0, dictionary, {countCall})
                      : PaneWindowAggregator(10 * minute, 10 * minute, 0, {DataType::string()},
                                             {countCall});
    agg.add(*b.column(0), {b.column(1)}, {{}}, b.numRows());
    auto got = windowRows(agg);
    if (shared) {
      std::set<std::string> users;
      for (const auto& r : rows) users.insert(r.second);
      EXPECT_EQ(agg.keys(), dictionary);
      EXPECT_EQ(agg.keysUsed(), users.size());
    }
    return got;
  };
  const std::vector<std::pair<int64_t, std::string>> first{{1, "c"}, {2, "a"}, {3, "b"}, {12, "a"}},
      second{{4, "b"}, {5, "a"}, {6, "c"}, {7, "a"}, {14, "b"}},
      third{{21, "d"}, {22, "a"}, {23, "c"}, {24, "b"}};
  // Each batch's windows come out by start, and for one start by key in the order the keys first
  // arrived in the stream (c, a, b, then d), however the batch orders them; a fresh dictionary
  // orders keys by the batch.
  EXPECT_EQ(run(first, true),
            (std::vector<std::string>{"0..10 c 1", "0..10 a 1", "0..10 b 1", "10..20 a 1"}));
  EXPECT_EQ(run(second, true),
            (std::vector<std::string>{"0..10 c 1", "0..10 a 2", "0..10 b 1", "10..20 b 1"}));
  EXPECT_EQ(run(second, false),
            (std::vector<std::string>{"0..10 b 1", "0..10 a 2", "0..10 c 1", "10..20 b 1"}));
  EXPECT_EQ(run(third, true),
            (std::vector<std::string>{"20..30 c 1", "20..30 a 1", "20..30 b 1", "20..30 d 1"}));
  EXPECT_EQ(dictionary->size(), 4u);
  EXPECT_EQ(run({}, true), std::vector<std::string>{});
}

TEST(PaneWindowAggregator, FinishesInPiecesAsInOne) {
  // The same rows into two aggregators: finishInChunks gives, piece after piece, the windows
  // finish() gives in one, for pieces of 1, 2, 3 and all 8 key ids: each piece holds the windows
  // of its own keys, in order of start.
  const int64_t minute = 60'000'000;
  plan::AggregateCall countCall{"count", {}, false, DataType::longType(), "count(1)", {}};
  auto v = expr::boundColumn(0, DataType::integer(), true, "v");
  plan::AggregateCall maxCall{"max", {v}, false, DataType::integer(), "max(v)", {}};
  std::vector<Row> rows;
  for (int r = 0; r < 60; ++r) {
    rows.push_back(Row({r % 17 == 3 ? Value::null() : Value::timestamp(((r * 7) % 40 - 5) * minute),
                        r % 11 == 4 ? Value::null() : Value::string("u" + std::to_string(r % 7)),
                        r % 5 == 0 ? Value::null() : Value::integer(r)}));
  }
  auto batch = batchOf("ts TIMESTAMP, user STRING, v INT", rows);
  auto windowType = DataType::structOf(
      {{"start", DataType::timestamp(), true, "{}"}, {"end", DataType::timestamp(), true, "{}"}});
  auto lines = [&](const std::vector<columnar::VectorPtr>& cols, size_t n) {
    std::vector<std::string> out;
    for (size_t i = 0; i < n; ++i) {
      out.push_back(std::to_string(cols[0]->child(0).valueAt<int64_t>(i) / minute) + ".." +
                    std::to_string(cols[0]->child(1).valueAt<int64_t>(i) / minute) + " " +
                    cols[1]->toString(i) + " " + cols[2]->toString(i) + " " + cols[3]->toString(i));
    }
    return out;
  };
  auto make = [&] {
    auto agg = std::make_unique<PaneWindowAggregator>(10 * minute, 5 * minute, 0,
                                                      std::vector<types::DataTypePtr>{DataType::string()},
                                                      std::vector<plan::AggregateCall>{countCall, maxCall});
    agg->add(*batch.column(0), {batch.column(1)}, {{}, {batch.column(2)}}, batch.numRows());
    return agg;
  };
  size_t n = 0;
  auto whole = make();
  const auto columns = whole->finish(windowType, n);
  const auto expected = lines(columns, n);
  ASSERT_GT(expected.size(), 20u);
  EXPECT_EQ(whole->keysUsed(), 8u);  // u0..u6 and the null user
  auto startsInOrder = [&](const std::vector<columnar::VectorPtr>& cols, size_t rows) {
    for (size_t i = 1; i < rows; ++i) {
      if (cols[0]->child(0).valueAt<int64_t>(i - 1) > cols[0]->child(0).valueAt<int64_t>(i))
        return false;
    }
    return true;
  };
  EXPECT_TRUE(startsInOrder(columns, n));
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  for (size_t piece : {1, 2, 3, 8}) {
    auto agg = make();
    std::vector<std::string> got;
    std::set<std::string> keysSeen;
    size_t pieces = 0;
    agg->finishInChunks(windowType, piece, [&](std::vector<columnar::VectorPtr> cols, size_t rows) {
      EXPECT_GT(rows, 0u);
      EXPECT_TRUE(startsInOrder(cols, rows)) << piece;
      std::set<std::string> keys;
      for (size_t i = 0; i < rows; ++i) keys.insert(cols[1]->toString(i));
      EXPECT_LE(keys.size(), piece);
      for (const auto& k : keys) EXPECT_TRUE(keysSeen.insert(k).second) << k << " in two pieces";
      auto more = lines(cols, rows);
      got.insert(got.end(), more.begin(), more.end());
      ++pieces;
    });
    EXPECT_EQ(sorted(got), sorted(expected)) << piece;
    if (piece == 8) {
      EXPECT_EQ(got, expected);
    }
    EXPECT_EQ(pieces, (8 + piece - 1) / piece) << piece;
    EXPECT_EQ(agg->keysUsed(), 8u);
  }
}

TEST(OperatorCache, KeepsDictionariesPerOperatorAndPartitionUntilTheyHoldTooManyStaleKeys) {
  OperatorCache cache;
  int nodeA = 0, nodeB = 0;
  auto dictionaryOf = [](size_t keys) {
    auto d = std::make_shared<KeyDictionary>(std::vector<types::DataTypePtr>{DataType::longType()});
    auto values = Vector::make(DataType::longType());
    for (size_t i = 0; i < keys; ++i) values->append<int64_t>(static_cast<int64_t>(i));
    std::vector<uint32_t> ids(keys);
    d->lookup({values}, 0, keys, ids.data());
    return d;
  };
  EXPECT_EQ(cache.takeKeyDictionary(&nodeA, 0), nullptr);
  auto small = dictionaryOf(10);
  cache.returnKeyDictionary(&nodeA, 0, small, 10);
  EXPECT_EQ(cache.takeKeyDictionary(&nodeA, 1), nullptr);
  EXPECT_EQ(cache.takeKeyDictionary(&nodeB, 0), nullptr);
  EXPECT_EQ(cache.takeKeyDictionary(&nodeA, 0), small);
  EXPECT_EQ(cache.takeKeyDictionary(&nodeA, 0), nullptr);  // taken: a failed batch never returns it
  // Kept while it holds at most twice the keys its batch used plus kSpareKeys, and after a batch
  // without rows; dropped beyond.
  const size_t limit = 2 * 100 + OperatorCache::kSpareKeys;
  auto atLimit = dictionaryOf(limit), overLimit = dictionaryOf(limit + 1);
  cache.returnKeyDictionary(&nodeA, 0, atLimit, 100);
  EXPECT_EQ(cache.takeKeyDictionary(&nodeA, 0), atLimit);
  cache.returnKeyDictionary(&nodeA, 0, overLimit, 100);
  EXPECT_EQ(cache.takeKeyDictionary(&nodeA, 0), nullptr);
  cache.returnKeyDictionary(&nodeA, 0, overLimit, 0);
  EXPECT_EQ(cache.takeKeyDictionary(&nodeA, 0), overLimit);
}

TEST(KeyEncoder, SortKeysOrderLikeSql) {
  auto b = batchOf("i INT, s STRING", {Row({Value::integer(-5), Value::string("b")}),
                                       Row({Value::integer(3), Value::string("a")}),
                                       Row({Value::null(), Value::string("")}),
                                       Row({Value::integer(3), Value::string("ab")}),
                                       Row({Value::integer(-5), Value::string("a")})});
  auto asc = encodeSortKeys(b.columns(), {SortKey{true, true}, SortKey{true, true}}, b.numRows());
  std::vector<uint32_t> rows = {0, 1, 2, 3, 4};
  std::sort(rows.begin(), rows.end(), [&](uint32_t x, uint32_t y) { return asc.key(x) < asc.key(y); });
  EXPECT_EQ(rows, (std::vector<uint32_t>{2, 4, 0, 1, 3}));
  auto desc = encodeSortKeys(b.columns(), {SortKey{false, false}, SortKey{false, true}}, b.numRows());
  std::sort(rows.begin(), rows.end(), [&](uint32_t x, uint32_t y) { return desc.key(x) < desc.key(y); });
  EXPECT_EQ(rows, (std::vector<uint32_t>{3, 1, 0, 4, 2}));
}

TEST(Aggregates, ResultTypesFollowSpark) {
  EXPECT_EQ(aggregateResultType("sum", {DataType::integer()}, false)->id(), types::TypeId::kLong);
  EXPECT_EQ(aggregateResultType("avg", {DataType::integer()}, false)->id(), types::TypeId::kDouble);
  auto dec = aggregateResultType("sum", {DataType::decimal(10, 2)}, false);
  EXPECT_EQ(dec->precision(), 20);
  EXPECT_EQ(dec->scale(), 2);
  auto avgDec = aggregateResultType("avg", {DataType::decimal(10, 2)}, false);
  EXPECT_EQ(avgDec->precision(), 14);
  EXPECT_EQ(avgDec->scale(), 6);
  EXPECT_EQ(aggregateResultType("count", {DataType::string()}, true)->id(), types::TypeId::kLong);
  EXPECT_THROW(aggregateResultType("sum", {DataType::date()}, false), AnalysisError);
}

TEST(Aggregates, AccumulatorsOverGroups) {
  auto values = Vector::fromValues(DataType::integer(), {Value::integer(5), Value::null(), Value::integer(7),
                                                         Value::integer(-1)});
  std::vector<uint32_t> groups = {0, 0, 1, 1};
  auto bound = expr::boundColumn(0, DataType::integer(), true, "v");
  auto run = [&](const std::string& fn) {
    plan::AggregateCall call;
    call.function = fn;
    call.args = {bound};
    call.resultType = aggregateResultType(fn, {DataType::integer()}, false);
    auto acc = makeAccumulator(call);
    acc->resize(2);
    acc->update({values}, groups.data(), 4);
    auto out = acc->finish(2);
    return std::vector<std::string>{out->toString(0), out->toString(1)};
  };
  EXPECT_EQ(run("sum"), (std::vector<std::string>{"5", "6"}));
  EXPECT_EQ(run("count"), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(run("min"), (std::vector<std::string>{"5", "-1"}));
  EXPECT_EQ(run("max"), (std::vector<std::string>{"5", "7"}));
  EXPECT_EQ(run("avg"), (std::vector<std::string>{"5.0", "3.0"}));
  EXPECT_EQ(run("collect_list"), (std::vector<std::string>{"[5]", "[7, -1]"}));
}

TEST(Executor, StreamingAggregateEmitsGroupsInTheOrderOfTheBatchBefore) {
  // sum(v) by k over a stream leaf, batch after batch, with and without the cache a stream keeps.
  auto schema = StructType::fromDDL("k STRING, v BIGINT");
  auto leaf = std::make_shared<plan::LogicalPlan>();
  leaf->kind = plan::PlanKind::kStreamingRelation;
  leaf->schema = schema.type();
  auto agg = std::make_shared<plan::LogicalPlan>();
  agg->kind = plan::PlanKind::kAggregate;
  agg->children = {leaf};
  agg->groupingExprs = {expr::boundColumn(0, DataType::string(), true, "k")};
  plan::AggregateCall sum{"sum", {expr::boundColumn(1, DataType::longType(), true, "v")},
                          false, DataType::longType(),
                          "s",   {}};
  agg->aggregates = {sum};
  agg->schema = StructType::fromDDL("k STRING, s BIGINT").type();
  auto global = std::make_shared<plan::LogicalPlan>(*agg);
  global->groupingExprs.clear();
  global->schema = StructType::fromDDL("s BIGINT").type();
  auto cache = std::make_shared<OperatorCache>();
  auto run = [&](const plan::LogicalPlan& node,
                 const std::vector<std::pair<std::string, int64_t>>& input, bool cached) {
    std::vector<Row> rows;
    for (const auto& [k, v] : input) rows.push_back(Row({Value::string(k), Value::integer(v)}));
    ExecOptions options;
    options.shufflePartitions = 1;
    if (cached) options.cache = cache;
    options.streamingInput = [&](const plan::LogicalPlan&) {
      return rows.empty() ? plan::Partitions{}
                          : plan::Partitions{{ColumnBatch::fromRows(schema.type(), rows)}};
    };
    Executor executor(options);
    std::vector<std::string> out;
    for (const auto& part : executor.execute(node)) {
      for (const auto& b : part) {
        for (const auto& r : b.rows()) {
          std::string line;
          for (const auto& v : r.values()) line += (line.empty() ? "" : " ") + v.toString();
          out.push_back(line);
        }
      }
    }
    return out;
  };
  using Out = std::vector<std::string>;
  EXPECT_EQ(run(*agg, {{"c", 1}, {"a", 2}, {"b", 3}, {"a", 4}}, true), (Out{"c 1", "a 6", "b 3"}));
  EXPECT_EQ(run(*agg, {{"b", 5}, {"a", 6}}, true), (Out{"a 6", "b 5"}));  // c, a, b as before
  EXPECT_EQ(run(*agg, {{"b", 5}, {"a", 6}}, false), (Out{"b 5", "a 6"}));
  EXPECT_EQ(run(*agg, {}, true), Out{});  // a batch without rows keeps the order
  EXPECT_EQ(run(*agg, {{"d", 7}, {"c", 8}, {"d", 9}}, true), (Out{"c 8", "d 16"}));
  // A global aggregate has one row, with or without input.
  EXPECT_EQ(run(*global, {}, true), Out{"null"});
  EXPECT_EQ(run(*global, {{"x", 1}, {"y", 2}}, true), Out{"3"});
}

TEST(Executor, WindowAggregateGivesTheSameWindowsFromAnyPartitioningOfItsInput) {
  // count(*) by window(ts, 10 minutes, 5 minutes) and user over a stream leaf under a filter
  // (v > 0). The input comes as one partition of several batches, one of them filtered away
  // entirely (the windows are built as batches are evaluated), or as three partitions (evaluated
  // in parallel first); the windows go to one partition or to two.
  const int64_t minute = 60'000'000;
  auto schema = StructType::fromDDL("ts TIMESTAMP, user STRING, v INT");
  auto leaf = std::make_shared<plan::LogicalPlan>();
  leaf->kind = plan::PlanKind::kStreamingRelation;
  leaf->schema = schema.type();
  auto filter = std::make_shared<plan::LogicalPlan>();
  filter->kind = plan::PlanKind::kFilter;
  filter->children = {leaf};
  filter->condition = expr::Binder(schema.type())
                          .bind(expr::binaryOperator("greater_than", ">", expr::column("v"),
                                                     expr::literal(Value::integer(0), DataType::integer())));
  filter->schema = schema.type();
  auto windowType = DataType::structOf(
      {{"start", DataType::timestamp(), true, "{}"}, {"end", DataType::timestamp(), true, "{}"}});
  auto wa = std::make_shared<plan::LogicalPlan>();
  wa->kind = plan::PlanKind::kWindowAggregate;
  wa->children = {filter};
  wa->exprs = {expr::boundColumn(0, DataType::timestamp(), true, "ts")};
  wa->windowDuration = 10 * minute;
  wa->slideDuration = 5 * minute;
  wa->groupingExprs = {expr::boundColumn(1, DataType::string(), true, "user")};
  wa->aggregates = {plan::AggregateCall{"count", {}, false, DataType::longType(), "count(1)", {}}};
  wa->schema = DataType::structOf({{"window", windowType, false, "{}"},
                                   {"user", DataType::string(), true, "{}"},
                                   {"events", DataType::longType(), false, "{}"}});
  std::vector<ColumnBatch> batches;
  std::map<std::string, int64_t> expected;  // "start..end user" -> count
  for (int b = 0; b < 5; ++b) {
    std::vector<Row> rows;
    for (int r = 0; r < 40; ++r) {
      const int64_t ts = (b * 40 + r) * minute / 4 - (r % 3) * minute;
      const std::string user = "u" + std::to_string((r * 7 + b) % 6);
      const int v = b == 2 || r % 5 == 0 ? 0 : 1;  // batch 2 filtered away entirely
      rows.push_back(Row({Value::timestamp(ts), Value::string(user), Value::integer(v)}));
      if (v == 0) continue;
      const int64_t last = ts - ((ts % (5 * minute)) + 5 * minute) % (5 * minute);
      for (int64_t start = last; start > ts - 10 * minute; start -= 5 * minute) {
        ++expected[std::to_string(start / minute) + ".." + std::to_string(start / minute + 10) + " " + user];
      }
    }
    batches.push_back(ColumnBatch::fromRows(schema.type(), rows));
  }
  auto run = [&](const plan::Partitions& input, size_t shufflePartitions) {
    ExecOptions options;
    options.shufflePartitions = shufflePartitions;
    options.streamingInput = [&](const plan::LogicalPlan&) { return input; };
    Executor executor(options);
    auto parts = executor.execute(*wa);
    EXPECT_EQ(parts.size(), shufflePartitions);
    std::map<std::string, int64_t> got;
    for (const auto& part : parts) {
      for (const auto& b : part) {
        for (size_t i = 0; i < b.numRows(); ++i) {
          const auto& w = *b.column(0);
          std::string key = std::to_string(w.child(0).valueAt<int64_t>(i) / minute) + ".." +
                            std::to_string(w.child(1).valueAt<int64_t>(i) / minute) + " " +
                            b.column(1)->toString(i);
          EXPECT_EQ(got.count(key), 0u) << key;
          got[key] = b.column(2)->valueAt<int64_t>(i);
        }
      }
    }
    return got;
  };
  ASSERT_GT(expected.size(), 20u);
  const plan::Partitions one{batches};
  const plan::Partitions three{{batches[0], batches[3]}, {batches[1]}, {batches[2], batches[4]}};
  EXPECT_EQ(run(one, 1), expected);
  EXPECT_EQ(run(three, 1), expected);
  EXPECT_EQ(run(one, 2), expected);
  EXPECT_EQ(run(three, 2), expected);
}

TEST(Executor, FilterProjectAggregateOnLocalData) {
  auto schema = StructType::fromDDL("k STRING, v BIGINT");
  auto local = std::make_shared<plan::LogicalPlan>();
  local->kind = plan::PlanKind::kLocalRelation;
  local->schema = schema.type();
  std::vector<Row> rows;
  for (int i = 0; i < 10000; ++i) rows.push_back(Row({Value::string("k" + std::to_string(i % 7)), Value::integer(i)}));
  local->data.push_back(ColumnBatch::fromRows(schema.type(), rows));
  auto agg = std::make_shared<plan::LogicalPlan>();
  agg->kind = plan::PlanKind::kAggregate;
  agg->children = {local};
  agg->groupingExprs = {expr::boundColumn(0, DataType::string(), true, "k")};
  plan::AggregateCall sum;
  sum.function = "sum";
  sum.args = {expr::boundColumn(1, DataType::longType(), true, "v")};
  sum.resultType = DataType::longType();
  agg->aggregates = {sum};
  agg->schema = StructType::fromDDL("k STRING, s BIGINT").type();
  ExecOptions options;
  options.shufflePartitions = 3;
  Executor executor(options);
  auto parts = executor.execute(*agg);
  EXPECT_EQ(parts.size(), 3u);
  std::vector<Row> out;
  for (const auto& p : parts) {
    for (const auto& b : p) {
      for (const auto& r : b.rows()) out.push_back(r);
    }
  }
  std::sort(out.begin(), out.end());
  ASSERT_EQ(out.size(), 7u);
  int64_t expected0 = 0;
  for (int i = 0; i < 10000; i += 7) expected0 += i;
  EXPECT_EQ(out[0], Row({Value::string("k0"), Value::integer(expected0)}));
}

}  // namespace
}  // namespace weir::exec
