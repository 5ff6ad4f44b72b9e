// Delta Lake reads against the Delta Acceptance Testing tables (DAT v0.0.3, in the shared
// conformance data; WEIR_TESTDATA overrides where it is): every version each case lists must read
// exactly as its expected Parquet content (rows rendered as text and sorted, as other Delta
// readers compare them), and tables that need reader features Weir lacks must be refused with an
// error naming the feature.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <set>
#include <string>

#include "weir/base/log.h"
#include "weir/base/time.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

std::string testdata() {
  const char* env = std::getenv("WEIR_TESTDATA");
  return env != nullptr ? env : WEIR_TESTDATA_DEFAULT;
}

std::vector<std::string> rendered(const DataFrame& df) {
  std::vector<std::string> out;
  for (const auto& row : df.collect()) out.push_back(row.toString());
  std::sort(out.begin(), out.end());
  return out;
}

// Cases whose tables need reader features Weir does not read yet, and the feature named. Every
// DAT case reads now; the refusal of an unknown feature is tested on a table of its own below.
const std::map<std::string, std::string> kUnsupported = {};

TEST(DeltaAcceptance, EveryCaseReadsAsExpectedOrIsRefusedByName) {
  const fs::path dat = fs::path(testdata()) / "delta" / "dat";
  ASSERT_TRUE(fs::is_directory(dat)) << "The Delta acceptance tables are not at " << dat
                                     << ": set WEIR_TESTDATA to the shared conformance data directory.";
  auto spark = Session::builder().appName("delta-acceptance").getOrCreate();
  int compared = 0, refused = 0;
  for (const auto& entry : fs::directory_iterator(dat)) {
    const std::string name = entry.path().filename().string();
    const fs::path table = entry.path() / "delta";
    if (!fs::is_directory(table)) continue;
    auto refusedFeature = kUnsupported.find(name);
    for (const auto& expected : fs::directory_iterator(entry.path() / "expected")) {
      const std::string which = expected.path().filename().string();
      auto reader = spark.read().format("delta");
      if (which != "latest") reader.option("versionAsOf", which.substr(1));
      if (refusedFeature != kUnsupported.end()) {
        try {
          reader.load(table.string()).collect();
          ADD_FAILURE() << name << " " << which << " should be refused";
        } catch (const UnsupportedOperationError& e) {
          EXPECT_NE(std::string(e.what()).find(refusedFeature->second), std::string::npos) << name << ": " << e.what();
          ++refused;
        }
        continue;
      }
      auto want = spark.read().parquet((expected.path() / "table_content").string());
      std::vector<Column> columns;
      for (const auto& f : want.schema().type()->fields()) columns.push_back(functions::col(f.name));
      std::vector<std::string> got;
      try {
        got = rendered(reader.load(table.string()).select(columns));
      } catch (const std::exception& e) {
        ADD_FAILURE() << name << " " << which << ": " << e.what();
        continue;
      }
      EXPECT_EQ(got, rendered(want)) << name << " " << which;
      ++compared;
    }
  }
  std::printf("compared %d versions, refused %d\n", compared, refused);
  EXPECT_EQ(compared, 29);
  EXPECT_EQ(refused, 0);
}

TEST(DeltaAcceptance, MissingTablesAndVersionsAreClearErrors) {
  auto spark = Session::builder().appName("delta-errors").getOrCreate();
  try {
    spark.read().format("delta").load("/nonexistent/table").collect();
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "DELTA_MISSING_DELTA_TABLE");
  }
  const fs::path table = fs::path(testdata()) / "delta" / "dat" / "basic_append" / "delta";
  ASSERT_TRUE(fs::is_directory(table)) << "set WEIR_TESTDATA to the shared conformance data directory";
  try {
    spark.read().format("delta").option("versionAsOf", "99").load(table.string()).collect();
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "DELTA_VERSION_NOT_FOUND");
  }
}

class DeltaWrite : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("weir-delta-test-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  static std::string readText(const std::string& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  fs::path dir_;
  Session spark = Session::builder().appName("delta-write").getOrCreate();
};

using columnar::Value;

TEST_F(DeltaWrite, PartitionedTableRoundTripsWithItsLogAndStats) {
  auto schema = StructType::fromDDL("part STRING, day DATE, n BIGINT, d DOUBLE, s STRING, t TIMESTAMP, dec DECIMAL(10,2)");
  std::vector<Row> rows;
  const std::vector<Value> parts = {Value::string("a"), Value::string("b/c:d%e"), Value::null(), Value::string("x y")};
  for (int i = 0; i < 400; ++i) {
    rows.push_back(Row({parts[static_cast<size_t>(i) % parts.size()], Value::date(19000 + i % 3), Value::integer(i),
                        i % 9 == 0 ? Value::null() : Value::real(i / 4.0), Value::string("s" + std::to_string(i % 17)),
                        Value::timestamp(1735689600000000LL + i * 1000123LL),
                        Value::decimal(columnar::Decimal{i * 101 - 5000, 10, 2})}));
  }
  auto df = spark.createDataFrame(rows, schema);
  df.write().format("delta").partitionBy({"part", "day"}).save(path("t"));
  auto back = spark.read().format("delta").load(path("t"));
  EXPECT_EQ(back.schema().type()->sql(), schema.type()->sql());
  std::vector<std::string> want, got;
  for (const auto& r : rows) want.push_back(r.toString());
  for (const auto& r : back.collect()) got.push_back(r.toString());
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, want);
  // The log: commitInfo first, then protocol (1, 2), metaData, and one add per partition value.
  const std::string log = readText(path("t/_delta_log/00000000000000000000.json"));
  std::vector<nlohmann::json> actions;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) actions.push_back(nlohmann::json::parse(line));
  ASSERT_GE(actions.size(), 4u);
  EXPECT_TRUE(actions[0].contains("commitInfo"));
  EXPECT_EQ(actions[1]["protocol"], nlohmann::json::parse(R"({"minReaderVersion":1,"minWriterVersion":2})"));
  EXPECT_EQ(actions[2]["metaData"]["partitionColumns"], nlohmann::json::parse(R"(["part","day"])"));
  EXPECT_EQ(nlohmann::json::parse(actions[2]["metaData"]["schemaString"].get<std::string>()),
            nlohmann::json::parse(schema.json()));
  int64_t records = 0;
  std::set<std::string> dirs;
  for (const auto& a : actions) {
    if (!a.contains("add")) continue;
    auto stats = nlohmann::json::parse(a["add"]["stats"].get<std::string>());
    records += stats["numRecords"].get<int64_t>();
    EXPECT_TRUE(stats["minValues"].contains("n")) << stats.dump();
    const std::string p = a["add"]["path"];
    dirs.insert(p.substr(0, p.find('/')));
    EXPECT_TRUE(a["add"]["partitionValues"].contains("part"));
  }
  EXPECT_EQ(records, 400);
  // Hive escapes on disk ('/' ':' '%' escaped, the NULL partition named as Hive names it), and
  // the add paths percent-encode them.
  EXPECT_TRUE(dirs.count("part=a"));
  EXPECT_TRUE(dirs.count("part=b%252Fc%253Ad%2525e")) << *dirs.begin();
  EXPECT_TRUE(dirs.count("part=__HIVE_DEFAULT_PARTITION__"));
  EXPECT_TRUE(fs::is_directory(path("t/part=b%2Fc%3Ad%25e")));
  // A filter on a partition column reads the right rows.
  EXPECT_EQ(back.filter(functions::col("part").isNull()).count(), 100);
}

TEST_F(DeltaWrite, AppendOverwriteTimeTravelAndModes) {
  auto schema = StructType::fromDDL("k STRING, v BIGINT");
  auto rowsOf = [&](int from, int to) {
    std::vector<Row> rows;
    for (int i = from; i < to; ++i) rows.push_back(Row({Value::string("k" + std::to_string(i)), Value::integer(i)}));
    return spark.createDataFrame(rows, schema);
  };
  auto count = [&](std::optional<int> version) {
    auto r = spark.read().format("delta");
    if (version) r.option("versionAsOf", std::to_string(*version));
    return r.load(path("t")).count();
  };
  rowsOf(0, 10).write().format("delta").save(path("t"));
  rowsOf(10, 15).write().format("delta").mode("append").save(path("t"));
  EXPECT_EQ(count(std::nullopt), 15);
  EXPECT_EQ(count(0), 10);
  rowsOf(100, 103).write().format("delta").mode("overwrite").save(path("t"));
  EXPECT_EQ(count(std::nullopt), 3);
  EXPECT_EQ(count(1), 15);
  EXPECT_NE(readText(path("t/_delta_log/00000000000000000002.json")).find("\"remove\""), std::string::npos);
  try {
    rowsOf(0, 1).write().format("delta").save(path("t"));
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "DELTA_TABLE_ALREADY_EXISTS");
  }
  rowsOf(0, 1).write().format("delta").mode("ignore").save(path("t"));
  EXPECT_FALSE(fs::exists(path("t/_delta_log/00000000000000000003.json")));
  // Another writer committed version 3 (an append of its own): the next write builds on it.
  { std::ofstream(path("t/_delta_log/00000000000000000003.json")) << readText(path("t/_delta_log/00000000000000000001.json")); }
  rowsOf(200, 201).write().format("delta").mode("append").save(path("t"));
  EXPECT_TRUE(fs::exists(path("t/_delta_log/00000000000000000004.json")));
  EXPECT_EQ(count(std::nullopt), 3 + 5 + 1);
}

TEST_F(DeltaWrite, SchemaChangesNeedMergeOrOverwriteSchema) {
  spark.createDataFrame({Row({Value::string("a"), Value::integer(1)})}, StructType::fromDDL("k STRING, v BIGINT"))
      .write().format("delta").save(path("t"));
  auto wider = spark.createDataFrame({Row({Value::string("b"), Value::integer(2), Value::real(0.5)})},
                                     StructType::fromDDL("k STRING, v BIGINT, extra DOUBLE"));
  try {
    wider.write().format("delta").mode("append").save(path("t"));
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "DELTA_SCHEMA_MISMATCH");
  }
  wider.write().format("delta").mode("append").option("mergeSchema", "true").save(path("t"));
  auto rows = spark.read().format("delta").load(path("t")).collect();
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows, (std::vector<Row>{Row({Value::string("a"), Value::integer(1), Value::null()}),
                                    Row({Value::string("b"), Value::integer(2), Value::real(0.5)})}));
  auto other = spark.createDataFrame({Row({Value::integer(7)})}, StructType::fromDDL("x INT"));
  other.write().format("delta").mode("overwrite").option("overwriteSchema", "true").save(path("t"));
  EXPECT_EQ(spark.read().format("delta").load(path("t")).collect(), (std::vector<Row>{Row({Value::integer(7)})}));
}

TEST_F(DeltaWrite, CheckpointEveryTenCommits) {
  auto schema = StructType::fromDDL("p STRING, v BIGINT");
  for (int i = 0; i < 12; ++i) {
    auto df = spark.createDataFrame({Row({Value::string(i % 2 ? "odd" : "even"), Value::integer(i)})}, schema);
    df.write().format("delta").mode("append").partitionBy({"p"}).option("txnAppId", "app").option("txnVersion", std::to_string(i)).save(path("t"));
  }
  ASSERT_TRUE(fs::exists(path("t/_delta_log/00000000000000000010.checkpoint.parquet")));
  EXPECT_EQ(nlohmann::json::parse(readText(path("t/_delta_log/_last_checkpoint")))["version"], 10);
  // The checkpoint alone (with the commit after it) gives the table: remove commits 0-10.
  for (int v = 0; v <= 10; ++v) {
    char name[64];
    std::snprintf(name, sizeof name, "t/_delta_log/%020d.json", v);
    fs::remove(path(name));
  }
  auto rows = spark.read().format("delta").load(path("t")).collect();
  EXPECT_EQ(rows.size(), 12u);
  int64_t sum = 0;
  for (const auto& r : rows) sum += r[1].asLong();
  EXPECT_EQ(sum, 66);
  // Its txn survived: replaying version 11 of "app" writes nothing.
  spark.createDataFrame({Row({Value::string("odd"), Value::integer(100)})}, schema)
      .write().format("delta").mode("append").option("txnAppId", "app").option("txnVersion", "11").save(path("t"));
  EXPECT_EQ(spark.read().format("delta").load(path("t")).count(), 12);
}

// Two writers appending to one table at once: both succeed, each commit gets its own version,
// no commit is lost (a writer that loses a race re-reads the log and commits on top).
TEST_F(DeltaWrite, ConcurrentAppendsAllLand) {
  auto schema = StructType::fromDDL("w INT, i INT");
  spark.createDataFrame({Row({Value::integer(-1), Value::integer(-1)})}, schema).write().format("delta").save(path("t"));
  auto writer = [&](int w) {
    for (int i = 0; i < 15; ++i) {
      spark.createDataFrame({Row({Value::integer(w), Value::integer(i)})}, schema)
          .write().format("delta").mode("append").save(path("t"));
    }
  };
  std::thread a(writer, 0), b(writer, 1);
  a.join();
  b.join();
  EXPECT_EQ(spark.read().format("delta").load(path("t")).count(), 31);
  for (int v = 0; v <= 30; ++v) {
    char name[64];
    std::snprintf(name, sizeof name, "t/_delta_log/%020d.json", v);
    EXPECT_TRUE(fs::exists(path(name))) << v;
  }
  EXPECT_FALSE(fs::exists(path("t/_delta_log/00000000000000000031.json")));
}

// E15: foreachBatch writes each batch to Parquet (plain append) and to Delta with txnAppId =
// the query id and txnVersion = the batch id, then fails after writing batch 1. The restarted
// query runs batch 1 again: the Parquet directory has batch 1's rows twice, the Delta table once.
TEST_F(DeltaWrite, IdempotentForeachBatchWritesE15) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("v BIGINT"));
  std::atomic<bool> failAfterBatch1{true};
  auto start = [&] {
    return input.toDF()
        .writeStream()
        .option("checkpointLocation", path("ckpt"))
        .foreachBatch([&](const DataFrame& df, int64_t batchId) {
          df.write().mode("append").parquet(path("pq"));
          df.write().format("delta").mode("append").option("txnAppId", "e15-app").option("txnVersion", std::to_string(batchId)).save(path("delta"));
          if (batchId == 1 && failAfterBatch1.exchange(false)) throw std::runtime_error("injected failure after the writes");
        })
        .start();
  };
  auto q = start();
  input.addData({Row({Value::integer(1)}), Row({Value::integer(2)})});
  q.processAllAvailable();
  input.addData({Row({Value::integer(3)})});
  EXPECT_THROW(q.processAllAvailable(), std::exception);
  EXPECT_THROW(q.awaitTermination(), std::exception);
  auto q2 = start();
  q2.processAllAvailable();
  q2.stop();
  auto values = [&](const DataFrame& df) {
    std::vector<int64_t> out;
    for (const auto& r : df.collect()) out.push_back(r[0].asLong());
    std::sort(out.begin(), out.end());
    return out;
  };
  EXPECT_EQ(values(spark.read().parquet(path("pq"))), (std::vector<int64_t>{1, 2, 3, 3}));
  EXPECT_EQ(values(spark.read().format("delta").load(path("delta"))), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_NE(readText(path("delta/_delta_log/00000000000000000001.json")).find("\"txn\":{\"appId\":\"e15-app\",\"version\":1"),
            std::string::npos);
}

// The Delta streaming sink: one commit per batch with the query's txn; a batch replayed after a
// restart (its commit log entry lost) is not written twice; complete mode replaces the content.
TEST_F(DeltaWrite, StreamingSinkCommitsEachBatchOnce) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("k STRING, v BIGINT"));
  auto start = [&](const std::string& mode) {
    auto df = mode == "complete" ? input.toDF().groupBy("k").agg(functions::sum("v").alias("v")) : input.toDF();
    return df.writeStream()
        .format("delta")
        .outputMode(mode)
        .partitionBy(mode == "complete" ? std::vector<std::string>{} : std::vector<std::string>{"k"})
        .option("checkpointLocation", path("ckpt-" + mode))
        .start(path("t-" + mode));
  };
  auto q = start("append");
  input.addData({Row({Value::string("a"), Value::integer(1)}), Row({Value::string("b"), Value::integer(2)})});
  q.processAllAvailable();
  input.addData({Row({Value::string("a"), Value::integer(3)})});
  q.processAllAvailable();
  q.stop();
  // Lose the record that batch 1 was committed: the restart runs batch 1 again.
  fs::remove(path("ckpt-append/commits/1"));
  auto q2 = start("append");
  q2.processAllAvailable();
  q2.stop();
  EXPECT_EQ(spark.read().format("delta").load(path("t-append")).count(), 3);
  EXPECT_FALSE(fs::exists(path("t-append/_delta_log/00000000000000000002.json")));
  const std::string commit = readText(path("t-append/_delta_log/00000000000000000001.json"));
  EXPECT_NE(commit.find("\"operation\":\"STREAMING UPDATE\""), std::string::npos) << commit;
  EXPECT_NE(commit.find("\"outputMode\":\"Append\""), std::string::npos) << commit;
  EXPECT_NE(commit.find("\"txn\":{\"appId\":\"" + q.id() + "\",\"version\":1"), std::string::npos) << commit;

  auto c = start("complete");
  c.processAllAvailable();
  c.stop();
  auto rows = spark.read().format("delta").load(path("t-complete")).collect();
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows, (std::vector<Row>{Row({Value::string("a"), Value::integer(4)}), Row({Value::string("b"), Value::integer(2)})}));
  EXPECT_THROW(input.toDF().groupBy("k").count().writeStream().format("delta").outputMode("update")
                   .option("checkpointLocation", path("u")).start(path("t-u")),
               AnalysisError);
}

// The golden query partitions by a nested field, partitionBy("window.start"): Weir adds the
// top-level column window_start and partitions by it, and says so in the log.
TEST_F(DeltaWrite, NestedPartitionColumnBecomesATopLevelColumn) {
  std::vector<std::string> infos;
  base::setLogHandler([&](base::LogLevel level, const std::string& m) {
    if (level == base::LogLevel::kInfo) infos.push_back(m);
  });
  auto input = MemoryStream::create(spark, StructType::fromDDL("user STRING, t TIMESTAMP"));
  auto q = input.toDF()
               .withWatermark("t", "10 minutes")
               .groupBy(functions::window(functions::col("t"), "10 minutes", "5 minutes"), functions::col("user"))
               .agg(functions::count("*").alias("events"))
               .writeStream()
               .format("delta")
               .outputMode("append")
               .partitionBy({"window.start"})
               .option("checkpointLocation", path("ckpt"))
               .start(path("golden"));
  base::setLogHandler(nullptr);
  auto ts = [](const std::string& text) { return Value::timestamp(*base::parseTimestamp(text)); };
  input.addData({Row({Value::string("u1"), ts("2025-01-01 00:01:00")}), Row({Value::string("u1"), ts("2025-01-01 00:07:00")})});
  q.processAllAvailable();
  input.addData({Row({Value::string("u2"), ts("2025-01-01 01:00:00")})});  // the watermark passes 00:50
  q.processAllAvailable();
  q.stop();
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_NE(infos[0].find("adds the column window_start = window.start"), std::string::npos) << infos[0];
  auto rows = spark.read()
                  .format("delta")
                  .load(path("golden"))
                  .select(functions::col("window.start").cast("string").alias("start"), functions::col("user"), functions::col("events"),
                          (functions::col("window_start") == functions::col("window.start")).alias("same"))
                  .orderBy(functions::col("start"))
                  .collect();
  EXPECT_EQ(rows, (std::vector<Row>{Row({Value::string("2024-12-31 23:55:00"), Value::string("u1"), Value::integer(1), Value::boolean(true)}),
                                    Row({Value::string("2025-01-01 00:00:00"), Value::string("u1"), Value::integer(2), Value::boolean(true)}),
                                    Row({Value::string("2025-01-01 00:05:00"), Value::string("u1"), Value::integer(1), Value::boolean(true)})}));
  const std::string commit = readText(path("golden/_delta_log/00000000000000000000.json"));
  EXPECT_NE(commit.find("\"partitionColumns\":[\"window_start\"]"), std::string::npos) << commit;
  size_t dirs = 0;
  for (const auto& e : fs::directory_iterator(path("golden"))) {
    if (e.path().filename().string().rfind("window_start=", 0) == 0) ++dirs;
  }
  EXPECT_EQ(dirs, 3u);
}

}  // namespace
}  // namespace weir
