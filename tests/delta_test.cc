// Delta Lake reads against the Delta Acceptance Testing tables (DAT v0.0.3, in the shared
// conformance data; WEIR_TESTDATA overrides where it is): every version each case lists must read
// exactly as its expected Parquet content (rows rendered as text and sorted, as other Delta
// readers compare them). Synthetic tables cover what DAT does not: unknown reader features
// (refused by name), deletion vectors of every storage type and damaged ones, column mapping by
// name and by id with nested fields, multi-part and V2 checkpoints, _last_checkpoint, and
// timestampAsOf. Then Weir's own writes: checkpoints with their tombstones (read back by Weir's
// Parquet reader and by DuckDB), domains and what adds hold, and writes refused for writer
// features Weir does not honour.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "duckdb_oracle.h"
#include "weir/base/log.h"
#include "weir/base/time.h"
#include "weir/formats/delta/deletion_vector.h"
#include "weir/formats/delta/delta_table.h"
#include "weir/formats/delta/delta_writer.h"
#include "weir/formats/file_listing.h"
#include "weir/formats/parquet/parquet_reader.h"
#include "weir/formats/parquet/parquet_writer.h"
#include "weir/io/fault_injecting_file_system.h"
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

// Every DAT case reads, deletion vectors, column mapping and iceberg_compat_v1 (which lists
// columnMapping only among its writer features) included.
TEST(DeltaAcceptance, EveryCaseReadsAsExpected) {
  const fs::path dat = fs::path(testdata()) / "delta" / "dat";
  ASSERT_TRUE(fs::is_directory(dat)) << "The Delta acceptance tables are not at " << dat
                                     << ": set WEIR_TESTDATA to the shared conformance data directory.";
  auto spark = Session::builder().appName("delta-acceptance").getOrCreate();
  int compared = 0;
  for (const auto& entry : fs::directory_iterator(dat)) {
    const std::string name = entry.path().filename().string();
    const fs::path table = entry.path() / "delta";
    if (!fs::is_directory(table)) continue;
    for (const auto& expected : fs::directory_iterator(entry.path() / "expected")) {
      const std::string which = expected.path().filename().string();
      auto reader = spark.read().format("delta");
      if (which != "latest") reader.option("versionAsOf", which.substr(1));
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
  std::printf("compared %d versions\n", compared);
  EXPECT_EQ(compared, 29);
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

// The _last_checkpoint checksum: the protocol's example, and the files Spark wrote in DAT.
TEST(DeltaAcceptance, LastCheckpointChecksumsAsTheProtocolDefinesThem) {
  const auto example = nlohmann::json::parse(
      R"({"k0":"'v 0'", "checksum": "adsaskfljadfkjadfkj", "k1":{"k2": 2, "k3": ["v3", [1, 2], {"k4": "v4", "k5": ["v5", "v6", "v7"]}]}})");
  EXPECT_EQ(formats::delta::lastCheckpointChecksum(example), "6a92d155a59bf2eecbd4b4ec7fd1f875");
  int checked = 0;
  for (const std::string name : {"no_replay", "no_stats", "stats_as_struct", "with_checkpoint"}) {
    const fs::path file = fs::path(testdata()) / "delta" / "dat" / name / "delta" / "_delta_log" / "_last_checkpoint";
    ASSERT_TRUE(fs::exists(file)) << file;
    std::ifstream in(file);
    const auto j = nlohmann::json::parse(in);
    EXPECT_EQ(formats::delta::lastCheckpointChecksum(j), j["checksum"].get<std::string>()) << name;
    auto changed = j;
    changed["size"] = j["size"].get<int64_t>() + 1;
    EXPECT_NE(formats::delta::lastCheckpointChecksum(changed), j["checksum"].get<std::string>()) << name;
    ++checked;
  }
  EXPECT_EQ(checked, 4);
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

TEST_F(DeltaWrite, EachPartitionValueGetsOneFileAndEmptyStringsAreNull) {
  // Interleaved partition values, an empty string (written as NULL, as Spark does) and NULL: one
  // file per rendered value, holding every row of it.
  auto schema = StructType::fromDDL("p STRING, n BIGINT");
  std::vector<Row> rows;
  const std::vector<Value> parts = {Value::string("a"), Value::string(""), Value::string("b"), Value::null()};
  for (int i = 0; i < 1000; ++i) rows.push_back(Row({parts[static_cast<size_t>(i) % parts.size()], Value::integer(i)}));
  spark.createDataFrame(rows, schema).write().format("delta").partitionBy({"p"}).save(path("t"));
  std::map<std::string, int64_t> recordsByDir;
  int adds = 0;
  std::istringstream lines(readText(path("t/_delta_log/00000000000000000000.json")));
  for (std::string line; std::getline(lines, line);) {
    auto a = nlohmann::json::parse(line);
    if (!a.contains("add")) continue;
    ++adds;
    const std::string file = a["add"]["path"];
    recordsByDir[file.substr(0, file.find('/'))] +=
        nlohmann::json::parse(a["add"]["stats"].get<std::string>())["numRecords"].get<int64_t>();
  }
  EXPECT_EQ(recordsByDir, (std::map<std::string, int64_t>{
                              {"p=__HIVE_DEFAULT_PARTITION__", 500}, {"p=a", 250}, {"p=b", 250}}));
  EXPECT_EQ(adds, 3);
  auto back = spark.read().format("delta").load(path("t"));
  EXPECT_EQ(back.filter(functions::col("p").isNull()).count(), 500);
  EXPECT_EQ(back.filter(functions::col("p") == functions::lit("a")).count(), 250);
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

// A TIMESTAMP_NTZ column needs the timestampNtz table feature (protocol 3, 7, in both lists), in
// a new table and in one whose schema gains such a column (which keeps the features its legacy
// writer version implied).
TEST_F(DeltaWrite, TimestampNtzColumnsNeedTheirTableFeature) {
  auto protocolOf = [&](const std::string& table, int version) {
    char name[64];
    std::snprintf(name, sizeof name, "/_delta_log/%020d.json", version);
    std::istringstream lines(readText(path(table) + name));
    for (std::string line; std::getline(lines, line);) {
      auto j = nlohmann::json::parse(line);
      if (j.contains("protocol")) return j["protocol"];
    }
    return nlohmann::json();
  };
  const Row ntzRow({Value::integer(1), Value::timestampNtz(1735689600123456LL)});
  spark.createDataFrame({ntzRow}, StructType::fromDDL("k BIGINT, at TIMESTAMP_NTZ"))
      .write()
      .format("delta")
      .save(path("new"));
  EXPECT_EQ(protocolOf("new", 0),
            nlohmann::json::parse(
                R"({"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["timestampNtz"],)"
                R"("writerFeatures":["timestampNtz"]})"));
  spark
      .createDataFrame({Row({Value::integer(2), Value::timestampNtz(0)})},
                       StructType::fromDDL("k BIGINT, at TIMESTAMP_NTZ"))
      .write()
      .format("delta")
      .mode("append")
      .save(path("new"));
  EXPECT_TRUE(protocolOf("new", 1).is_null());
  EXPECT_EQ(spark.read().format("delta").load(path("new")).count(), 2);

  spark.createDataFrame({Row({Value::integer(0)})}, StructType::fromDDL("k BIGINT"))
      .write()
      .format("delta")
      .save(path("old"));
  EXPECT_EQ(protocolOf("old", 0),
            nlohmann::json::parse(R"({"minReaderVersion":1,"minWriterVersion":2})"));
  spark.createDataFrame({ntzRow}, StructType::fromDDL("k BIGINT, at TIMESTAMP_NTZ"))
      .write()
      .format("delta")
      .mode("append")
      .option("mergeSchema", "true")
      .save(path("old"));
  EXPECT_EQ(protocolOf("old", 1),
            nlohmann::json::parse(
                R"({"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["timestampNtz"],)"
                R"("writerFeatures":["appendOnly","invariants","timestampNtz"]})"));
  auto rows = spark.read().format("delta").load(path("old")).collect();
  std::sort(rows.begin(), rows.end());
  EXPECT_EQ(rows, (std::vector<Row>{Row({Value::integer(0), Value::null()}), ntzRow}));
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

// The local file system, remembering the paths written (to show which writes a crash matrix covers).
class RecordingFileSystem : public io::FileSystem {
 public:
  bool exists(const std::string& p) override { return base_->exists(p); }
  std::optional<io::FileInfo> stat(const std::string& p) override { return base_->stat(p); }
  std::vector<io::FileInfo> list(const std::string& d) override { return base_->list(d); }
  std::string read(const std::string& p) override { return base_->read(p); }
  void createDirectories(const std::string& p) override { base_->createDirectories(p); }
  bool writeAtomic(const std::string& p, std::string_view data, bool overwrite) override {
    {
      std::lock_guard lock(mutex_);
      written_.push_back(p);
    }
    return base_->writeAtomic(p, data, overwrite);
  }
  void remove(const std::string& p) override { base_->remove(p); }
  void removeAll(const std::string& p) override { base_->removeAll(p); }
  std::unique_ptr<io::FileLock> tryLock(const std::string& p) override { return base_->tryLock(p); }
  std::vector<std::string> written() {
    std::lock_guard lock(mutex_);
    return written_;
  }

 private:
  std::shared_ptr<io::FileSystem> base_ = io::localFileSystem();
  std::mutex mutex_;
  std::vector<std::string> written_;
};

// The Delta sink under a crash matrix: a watermarked window count streams into a Delta table (in
// append and in complete mode) while the query's file system fails at every write in turn, before
// or after it (offset log, state files, data files, the Delta commit, checkpoints and
// _last_checkpoint, commit log), and the query restarts from its checkpoint each time. The final
// table must equal the uninterrupted run's, and every batch's txn must be in exactly one commit.
TEST_F(DeltaWrite, StreamingSinkIsExactlyOnceUnderACrashAtEveryWrite) {
  using functions::col;
  auto at = [](int h, int m) { return Row({Value::timestamp((int64_t{h} * 60 + m) * 60 * 1000000)}); };
  const std::vector<std::vector<Row>> steps = {{at(12, 1), at(12, 2), at(12, 7)},
                                               {at(12, 3), at(12, 20)},
                                               {at(12, 4), at(12, 11), at(12, 21)},
                                               {at(12, 40)},
                                               {at(12, 41), at(12, 55)},
                                               {at(13, 10)}};
  const StructType outputSchema = StructType::fromDDL("start STRING, count BIGINT NOT NULL");
  struct Run {
    std::vector<Row> rows;
    int64_t writes = 0;
    int restarts = 0;
    std::vector<std::string> written;  // the paths written, in order
  };
  auto run = [&](const std::string& mode, const std::string& name, int64_t failAt, bool afterWrite) {
    const std::string table = path(name + "/table");
    // The table exists before the query, with a checkpoint every 3 commits, so that the matrix
    // covers checkpoint writes too.
    spark.createDataFrame({}, outputSchema).write().format("delta").save(table);
    const std::string first = table + "/_delta_log/00000000000000000000.json";
    {
      std::string out;
      std::istringstream lines(readText(first));
      for (std::string line; std::getline(lines, line);) {
        auto j = nlohmann::json::parse(line);
        if (j.contains("metaData")) j["metaData"]["configuration"]["delta.checkpointInterval"] = "3";
        out += j.dump() + "\n";
      }
      std::ofstream(first, std::ios::trunc) << out;
    }
    auto input = MemoryStream::create(spark, StructType::fromDDL("ts TIMESTAMP"));
    auto recording = std::make_shared<RecordingFileSystem>();
    auto fileSystem = std::make_shared<io::FaultInjectingFileSystem>(recording);
    if (failAt >= 0) fileSystem->failWrite(failAt, afterWrite);
    Run result;
    auto startOnce = [&] {
      return input.toDF()
          .withWatermark("ts", "10 minutes")
          .groupBy(functions::window(col("ts"), "5 minutes"))
          .count()
          .select(functions::date_format(col("window.start"), "HH:mm").alias("start"), col("count"))
          .writeStream()
          .format("delta")
          .outputMode(mode)
          .option("checkpointLocation", path(name + "/checkpoint"))
          .checkpointFileSystem(fileSystem)
          .start(table);
    };
    auto start = [&] {
      for (;;) {
        try {
          return startOnce();
        } catch (const IoError& e) {  // a failure while opening the checkpoint fails start() itself
          if (e.errorClass() != "INJECTED_FAULT") throw;
          ++result.restarts;
        }
      }
    };
    auto q = start();
    for (const auto& step : steps) {
      input.addData(step);
      for (;;) {
        try {
          q.processAllAvailable();
          break;
        } catch (const StreamingQueryException& e) {
          if (e.causeErrorClass() != "INJECTED_FAULT") throw;
          ++result.restarts;
          q = start();
        }
      }
    }
    q.stop();
    result.rows = spark.read().format("delta").load(table).collect();
    std::sort(result.rows.begin(), result.rows.end());
    result.writes = fileSystem->writes();
    result.written = recording->written();
    // Every batch is one commit carrying txn(query id, batch id), and no batch id is in two.
    std::map<int64_t, int> txns;
    for (const auto& e : fs::directory_iterator(table + "/_delta_log")) {
      if (e.path().extension() != ".json") continue;
      std::istringstream lines(readText(e.path().string()));
      for (std::string line; std::getline(lines, line);) {
        auto j = nlohmann::json::parse(line);
        if (j.contains("txn") && j["txn"]["appId"] == q.id()) ++txns[j["txn"]["version"].get<int64_t>()];
      }
    }
    EXPECT_FALSE(txns.empty()) << name;
    int64_t expectedBatch = 0;
    for (const auto& [batch, commits] : txns) {
      EXPECT_EQ(batch, expectedBatch++) << name << ": a batch without its commit";
      EXPECT_EQ(commits, 1) << name << ": batch " << batch << " is in " << commits << " commits";
    }
    return result;
  };
  auto S = [](const char* start, int64_t n) { return Row({Value::string(start), Value::integer(n)}); };
  for (const std::string mode : {"append", "complete"}) {
    const Run clean = run(mode, mode + "-clean", -1, false);
    if (mode == "append") {
      // Windows are written once the watermark (latest event - 10 minutes) passes their end; the
      // 12:04 event of the third batch is behind the watermark (12:10) and dropped.
      EXPECT_EQ(clean.rows, (std::vector<Row>{S("12:00", 3), S("12:05", 1), S("12:10", 1), S("12:20", 2), S("12:40", 2),
                                              S("12:55", 1)}));
    } else {
      ASSERT_FALSE(clean.rows.empty());
      EXPECT_EQ(clean.rows.back(), S("13:10", 1));
    }
    ASSERT_GT(clean.writes, 30) << mode;
    // The matrix covers every kind of write of the protocol.
    auto wrote = [&](const std::string& part) {
      return std::any_of(clean.written.begin(), clean.written.end(),
                         [&](const std::string& p) { return p.find(part) != std::string::npos; });
    };
    for (const char* kind : {"/checkpoint/offsets/", "/checkpoint/state/", "/checkpoint/commits/", "/table/part-",
                             "/table/_delta_log/00000000000000000001.json", "/table/_delta_log/00000000000000000003.checkpoint.parquet",
                             "/table/_delta_log/_last_checkpoint"}) {
      EXPECT_TRUE(wrote(kind)) << mode << " never wrote " << kind;
    }
    std::printf("%s: %lld writes, each failed before and after\n", mode.c_str(), static_cast<long long>(clean.writes));
    int crashes = 0;
    for (int64_t i = 0; i < clean.writes; ++i) {
      for (bool after : {false, true}) {
        const std::string name = mode + "-" + std::to_string(i) + (after ? "-after" : "-before");
        const Run crashed = run(mode, name, i, after);
        EXPECT_EQ(crashed.rows, clean.rows) << mode << ": failure at write " << i << (after ? " after" : " before");
        // A failed background state snapshot is retried, not a crash of the query.
        EXPECT_LE(crashed.restarts, 1) << name;
        crashes += crashed.restarts;
        fs::remove_all(path(name));
      }
    }
    // Nearly every write is on the query's path (background snapshots are the exception).
    EXPECT_GE(crashes, 2 * clean.writes - 8) << mode;
  }
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


// ----- reads of synthetic tables: what the DAT tables do not cover

using DeltaRead = DeltaWrite;

std::string commitFile(const std::string& table, int64_t version) {
  return table + "/_delta_log/" + formats::delta::versionFileName(version) + ".json";
}

void writeBytes(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string replaceOnce(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

// The values of column `v` (BIGINT) in a read, sorted.
std::vector<int64_t> values(const DataFrame& df) {
  std::vector<int64_t> out;
  for (const auto& r : df.select(functions::col("v")).collect()) out.push_back(r[0].asLong());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int64_t> range(int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t i = from; i < to; ++i) out.push_back(i);
  return out;
}

// Appends rows v = from..to-1 (k = "k<v % 3>") as one commit with one data file.
void appendRange(Session& spark, const std::string& table, int64_t from, int64_t to, bool partitioned = false) {
  std::vector<Row> rows;
  for (int64_t i = from; i < to; ++i) rows.push_back(Row({Value::string("k" + std::to_string(i % 3)), Value::integer(i)}));
  auto writer = spark.createDataFrame(rows, StructType::fromDDL("k STRING, v BIGINT")).write().format("delta").mode("append");
  if (partitioned) writer.partitionBy({"k"});
  writer.save(table);
}

// Expects `f` to throw E with this error class and a message holding every fragment.
template <class E>
void expectThrows(const std::function<void()>& f, const std::string& errorClass, const std::vector<std::string>& fragments) {
  try {
    f();
  } catch (const E& e) {
    EXPECT_EQ(e.errorClass(), errorClass) << e.what();
    for (const auto& fragment : fragments) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << fragment << " not in: " << e.what();
    }
    return;
  }
  ADD_FAILURE() << "expected " << errorClass;
}

TEST_F(DeltaRead, AnUnknownReaderFeatureIsRefusedByName) {
  appendRange(spark, path("t"), 0, 3);
  writeBytes(commitFile(path("t"), 1),
             R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors","futureFeature"],)"
             R"("writerFeatures":["deletionVectors","futureFeature"]}})" "\n");
  expectThrows<UnsupportedOperationError>([&] { spark.read().format("delta").load(path("t")).collect(); },
                                          "DELTA_UNSUPPORTED_FEATURES", {"support yet: futureFeature. "});
  // Appending is refused the same way; the version before the protocol change still reads.
  expectThrows<UnsupportedOperationError>([&] { appendRange(spark, path("t"), 3, 4); }, "DELTA_UNSUPPORTED_FEATURES",
                                          {"futureFeature"});
  EXPECT_EQ(values(spark.read().format("delta").option("versionAsOf", "0").load(path("t"))), range(0, 3));
}

// The DAT deletion_vectors table with its vector stored each way the protocol allows, then damaged.
TEST_F(DeltaRead, DeletionVectorsInlineRelativeAndAbsoluteAndDamaged) {
  const fs::path dat = fs::path(testdata()) / "delta" / "dat" / "deletion_vectors";
  ASSERT_TRUE(fs::is_directory(dat)) << "set WEIR_TESTDATA to the shared conformance data directory";
  auto expected = spark.read().parquet((dat / "expected" / "latest" / "table_content").string());
  const std::vector<std::string> want = rendered(expected);
  ASSERT_EQ(want.size(), 1u);  // 5 rows written, 4 deleted
  std::vector<Column> columns;
  for (const auto& f : expected.schema().type()->fields()) columns.push_back(functions::col(f.name));
  auto read = [&] { return rendered(spark.read().format("delta").load(path("t")).select(columns)); };
  fs::create_directories(dir_);
  fs::copy(dat / "delta", path("t"), fs::copy_options::recursive);
  const std::string commit = commitFile(path("t"), 2);
  const std::string original = readText(commit);
  const std::string binName = "deletion_vector_8aebe228-b96c-4831-b0b6-22882eb9a3d3.bin";
  const std::string bin = readText(path("t/" + binName));
  ASSERT_EQ(bin.size(), 49u);
  const std::string stored = R"("storageType":"u","pathOrInlineDv":"ITfmIXOK!>U^L:if1E+a","offset":1)";
  EXPECT_EQ(read(), want);

  // "u" with a random prefix directory.
  fs::create_directories(path("t/ab"));
  fs::rename(path("t/" + binName), path("t/ab/" + binName));
  writeBytes(commit, replaceOnce(original, stored, R"("storageType":"u","pathOrInlineDv":"abITfmIXOK!>U^L:if1E+a","offset":1)"));
  EXPECT_EQ(read(), want);
  // "p": an absolute URI.
  fs::create_directories(path("elsewhere"));
  fs::rename(path("t/ab/" + binName), path("elsewhere/dv.bin"));
  writeBytes(commit, replaceOnce(original, stored, R"("storageType":"p","pathOrInlineDv":"file://)" + path("elsewhere/dv.bin") + R"(","offset":1)"));
  EXPECT_EQ(read(), want);
  // "i": the bitmap itself, Z85-encoded, in the log.
  const std::string inlineDv = formats::delta::z85Encode(bin.substr(5, 40));
  writeBytes(commit, replaceOnce(original, stored, R"("storageType":"i","pathOrInlineDv":")" + inlineDv + "\""));
  EXPECT_EQ(read(), want);

  // Damaged files are corruption errors naming the file.
  writeBytes(commit, original);
  const std::string file = path("t/" + binName);
  std::string flipped = bin;
  flipped[30] = static_cast<char>(flipped[30] ^ 0x10);
  writeBytes(file, flipped);
  expectThrows<CorruptionError>([&] { read(); }, "DELTA_DELETION_VECTOR_CORRUPT", {file, "CRC-32 checksum does not match"});
  writeBytes(file, bin.substr(0, 30));
  expectThrows<CorruptionError>([&] { read(); }, "DELTA_DELETION_VECTOR_CORRUPT", {file, "has 30 bytes", "truncated"});
  fs::remove(file);
  expectThrows<CorruptionError>([&] { read(); }, "DELTA_DELETION_VECTOR_CORRUPT", {file, "missing"});
  // An inline vector whose cardinality disagrees with the log.
  writeBytes(commit, replaceOnce(replaceOnce(original, stored, R"("storageType":"i","pathOrInlineDv":")" + inlineDv + "\""),
                                 R"("cardinality":4)", R"("cardinality":3)"));
  expectThrows<CorruptionError>([&] { read(); }, "DELTA_DELETION_VECTOR_CORRUPT", {"holds 4 rows, the log says 3"});
}

// A 32-bit portable Roaring bitmap of array containers, written by hand (the format spec's
// "no run containers" layout), so the test does not share the reader's decoder.
std::string portableRoaring(const std::vector<uint32_t>& values) {
  std::map<uint16_t, std::vector<uint16_t>> containers;
  for (uint32_t v : values) containers[static_cast<uint16_t>(v >> 16)].push_back(static_cast<uint16_t>(v & 0xffff));
  std::string out;
  auto put = [&](uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  put(12346, 4);
  put(containers.size(), 4);
  for (const auto& [key, low] : containers) {
    put(key, 2);
    put(low.size() - 1, 2);
  }
  size_t offset = out.size() + 4 * containers.size();
  for (const auto& [key, low] : containers) {
    put(offset, 4);
    offset += 2 * low.size();
  }
  for (const auto& [key, low] : containers) {
    for (uint16_t v : low) put(v, 2);
  }
  return out;
}

std::string bigEndian32(uint32_t v) {
  return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// A deletion vector's bitmap as the protocol serializes it: the RoaringBitmapArray magic, one
// bucket (key 0) and its portable Roaring bitmap of `rows`.
std::string bitmapArray(const std::vector<uint32_t>& rows) {
  const uint32_t magic = 1681511377;
  std::string b{static_cast<char>(magic), static_cast<char>(magic >> 8),
                static_cast<char>(magic >> 16), static_cast<char>(magic >> 24)};
  b += std::string("\x01\0\0\0\0\0\0\0", 8);  // one bucket
  b += std::string(4, '\0');                  // its key: 0
  return b + portableRoaring(rows);
}

// One vector's entry in a deletion vector file: its size, the bitmap and its CRC-32, big-endian.
std::string vectorFileEntry(const std::string& bitmap) {
  return bigEndian32(static_cast<uint32_t>(bitmap.size())) + bitmap +
         bigEndian32(static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(bitmap.data()),
                                                 static_cast<uInt>(bitmap.size()))));
}

// Two data files whose vectors share one DV file (offsets 1 and after the first), written by the
// test; the vectors survive a checkpoint, and an overwrite removes the files with their vectors.
TEST_F(DeltaRead, DeletionVectorsOfTwoFilesInOneVectorFileSurviveACheckpoint) {
  appendRange(spark, path("t"), 0, 10);
  appendRange(spark, path("t"), 10, 20);
  std::vector<nlohmann::json> adds;
  for (int v = 0; v <= 1; ++v) {
    std::istringstream lines(readText(commitFile(path("t"), v)));
    for (std::string line; std::getline(lines, line);) {
      auto j = nlohmann::json::parse(line);
      if (j.contains("add")) adds.push_back(j["add"]);
    }
  }
  ASSERT_EQ(adds.size(), 2u);
  // The first file loses its rows 1, 3 and 7 (v 1, 3, 7), the second its rows 0 and 9 (v 10, 19).
  const std::string first = bitmapArray({1, 3, 7}), second = bitmapArray({0, 9});
  auto entry = vectorFileEntry;
  const std::string file = std::string(1, '\x01') + entry(first) + entry(second);
  const std::string uuid = std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16);
  writeBytes(path("t/deletion_vector_00010203-0405-0607-0809-0a0b0c0d0e0f.bin"), file);
  const std::string encoded = formats::delta::z85Encode(uuid);
  std::string commit = R"({"commitInfo":{"timestamp":0,"operation":"DELETE"}})" "\n";
  const int offsets[] = {1, static_cast<int>(1 + 8 + first.size())};
  const int sizes[] = {static_cast<int>(first.size()), static_cast<int>(second.size())};
  const int cardinalities[] = {3, 2};
  for (size_t i = 0; i < 2; ++i) {
    nlohmann::json remove = {{"path", adds[i]["path"]}, {"dataChange", true}, {"deletionTimestamp", 0}};
    nlohmann::json add = adds[i];
    add["deletionVector"] = {{"storageType", "u"}, {"pathOrInlineDv", encoded}, {"offset", offsets[i]},
                             {"sizeInBytes", sizes[i]}, {"cardinality", cardinalities[i]}};
    commit += nlohmann::json({{"remove", remove}}).dump() + "\n" + nlohmann::json({{"add", add}}).dump() + "\n";
  }
  writeBytes(commitFile(path("t"), 2), commit);
  const std::vector<int64_t> want = {0, 2, 4, 5, 6, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18};
  EXPECT_EQ(values(spark.read().format("delta").load(path("t"))), want);
  EXPECT_EQ(values(spark.read().format("delta").option("versionAsOf", "1").load(path("t"))), range(0, 20));
  // A checkpoint keeps the vectors; the commits it covers can go.
  formats::delta::writeCheckpoint(path("t"), 2);
  for (int v = 0; v <= 2; ++v) fs::remove(commitFile(path("t"), v));
  EXPECT_EQ(values(spark.read().format("delta").load(path("t"))), want);
  // An overwrite removes (path, vector) pairs: nothing of the old files is left.
  spark.createDataFrame({Row({Value::string("z"), Value::integer(99)})}, StructType::fromDDL("k STRING, v BIGINT"))
      .write().format("delta").mode("overwrite").save(path("t"));
  EXPECT_EQ(values(spark.read().format("delta").load(path("t"))), (std::vector<int64_t>{99}));
  EXPECT_NE(readText(commitFile(path("t"), 3)).find("\"deletionVector\":{\"storageType\":\"u\""), std::string::npos);
}

// A column-mapped table written by the test: Parquet files with physical names (and field ids),
// fields reordered inside a struct, a nested field and a column the file lacks, and a partition
// value keyed by physical name.
void writeMappedTable(const std::string& table, const std::string& mode) {
  const bool byId = mode == "id";
  auto meta = [&](int id, const std::string& physical) {
    return nlohmann::json({{"delta.columnMapping.id", id}, {"delta.columnMapping.physicalName", physical}});
  };
  nlohmann::json tableSchema = {{"type", "struct"}, {"fields", nlohmann::json::array()}};
  auto field = [&](const std::string& name, const nlohmann::json& type, int id, const std::string& physical) {
    return nlohmann::json({{"name", name}, {"type", type}, {"nullable", true}, {"metadata", meta(id, physical)}});
  };
  tableSchema["fields"] = {
      field("id", "long", 1, "c1"),
      field("s", {{"type", "struct"}, {"fields", {field("a", "integer", 3, "c2a"), field("b", "string", 4, "c2b"), field("c", "string", 8, "c2c")}}}, 2, "c2"),
      field("arr", {{"type", "array"}, {"elementType", {{"type", "struct"}, {"fields", {field("x", "integer", 6, "c3x")}}}}, {"containsNull", true}}, 5, "c3"),
      field("p", "string", 7, "c4"),
      field("extra", "string", 9, "c9")};
  // The file: physical names in "name" mode; other names but the same field ids in "id" mode.
  auto fileField = [&](const std::string& name, const std::string& other, types::DataTypePtr type, int id) {
    return types::Field{byId ? other : name, std::move(type), true, byId ? "{\"parquet.field.id\":" + std::to_string(id) + "}" : "{}"};
  };
  auto fileSchema = types::DataType::structOf(
      {fileField("c1", "f1", types::DataType::longType(), 1),
       fileField("c2", "f2", types::DataType::structOf({fileField("c2b", "f2b", types::DataType::string(), 4),
                                                         fileField("c2a", "f2a", types::DataType::integer(), 3)}), 2),
       fileField("c3", "f3", types::DataType::array(types::DataType::structOf({fileField("c3x", "f3x", types::DataType::integer(), 6)})), 5)});
  std::vector<Row> rows;
  for (int i = 0; i < 3; ++i) {
    rows.push_back(Row({Value::integer(i), Value::structOf({Value::string("b" + std::to_string(i)), Value::integer(i * 10)}),
                        Value::array({Value::structOf({Value::integer(i)}), Value::structOf({Value::integer(i + 100)})})}));
  }
  formats::parquet::FileWriter writer(fileSchema, {});
  writer.write(columnar::ColumnBatch::fromRows(fileSchema, rows));
  writeBytes(table + "/c4=x/part-0.parquet", writer.finish());
  std::string log;
  log += nlohmann::json({{"protocol", {{"minReaderVersion", 2}, {"minWriterVersion", 5}}}}).dump() + "\n";
  log += nlohmann::json({{"metaData", {{"id", "mapped"}, {"format", {{"provider", "parquet"}, {"options", nlohmann::json::object()}}},
                                       {"schemaString", tableSchema.dump()}, {"partitionColumns", {"p"}},
                                       {"configuration", {{"delta.columnMapping.mode", mode}, {"delta.columnMapping.maxColumnId", "9"}}}}}})
             .dump() + "\n";
  log += nlohmann::json({{"add", {{"path", "c4=x/part-0.parquet"}, {"partitionValues", {{"c4", "x"}}}, {"size", 1},
                                  {"modificationTime", 0}, {"dataChange", true}}}}).dump() + "\n";
  writeBytes(commitFile(table, 0), log);
}

TEST_F(DeltaRead, ColumnMappingByNameAndByIdWithNestedFields) {
  for (const std::string mode : {"name", "id"}) {
    SCOPED_TRACE(mode);
    writeMappedTable(path(mode), mode);
    auto df = spark.read().format("delta").load(path(mode));
    EXPECT_EQ(df.schema().type()->sql(),
              "STRUCT<id: BIGINT, s: STRUCT<a: INT, b: STRING, c: STRING>, arr: ARRAY<STRUCT<x: INT>>, p: STRING, extra: STRING>");
    auto rows = df.orderBy(functions::col("id")).collect();
    std::vector<Row> want;
    for (int i = 0; i < 3; ++i) {
      want.push_back(Row({Value::integer(i),
                          Value::structOf({Value::integer(i * 10), Value::string("b" + std::to_string(i)), Value::null()}),
                          Value::array({Value::structOf({Value::integer(i)}), Value::structOf({Value::integer(i + 100)})}),
                          Value::string("x"), Value::null()}));
    }
    EXPECT_EQ(rows, want);
    // Projections and filters by logical names.
    auto some = spark.read().format("delta").load(path(mode)).filter(functions::col("s.a") > functions::lit(5))
                    .select(functions::col("s.b"), functions::col("p")).collect();
    std::sort(some.begin(), some.end());
    EXPECT_EQ(some, (std::vector<Row>{Row({Value::string("b1"), Value::string("x")}), Row({Value::string("b2"), Value::string("x")})}));
    // Weir does not write column-mapped tables yet.
    expectThrows<UnsupportedOperationError>(
        [&] {
          spark.createDataFrame({Row({Value::integer(1)})}, StructType::fromDDL("id BIGINT")).write().format("delta").mode("append").save(path(mode));
        },
        "DELTA_UNSUPPORTED_FEATURES", {"the writer feature 'columnMapping' (mode " + mode + ")"});
  }
  // A file whose nested column does not have the table's shape is corruption, not a crash.
  auto wrong = types::DataType::structOf({{"c1", types::DataType::longType(), true, "{}"}, {"c2", types::DataType::string(), true, "{}"}});
  formats::parquet::FileWriter writer(wrong, {});
  writer.write(columnar::ColumnBatch::fromRows(wrong, {Row({Value::integer(1), Value::string("flat")})}));
  writeBytes(path("name/c4=x/part-0.parquet"), writer.finish());
  expectThrows<CorruptionError>([&] { spark.read().format("delta").load(path("name")).collect(); },
                                "DELTA_DATA_FILE_SCHEMA_MISMATCH", {path("name/c4=x/part-0.parquet"), "holds STRING where"});
}

// The classic checkpoint Weir writes for `version`, read back as a batch.
columnar::ColumnBatch classicCheckpoint(const std::string& table, int64_t version) {
  formats::delta::writeCheckpoint(table, version);
  const std::string file = table + "/_delta_log/" + formats::delta::versionFileName(version) + ".checkpoint.parquet";
  auto batch = formats::parquet::readFile(formats::readFile(file), file);
  fs::remove(file);
  return batch;
}

std::string parquetOf(const columnar::ColumnBatch& batch, const std::vector<uint32_t>& rows) {
  std::vector<columnar::VectorPtr> columns;
  for (size_t c = 0; c < batch.numColumns(); ++c) columns.push_back(batch.column(c)->gather(rows.data(), rows.size()));
  formats::parquet::FileWriter writer(batch.schema(), {});
  writer.write(columnar::ColumnBatch(batch.schema(), std::move(columns), rows.size()));
  return writer.finish();
}

// ----- tombstones in checkpoints

// Rewrites each action (line) of a log file with `edit`.
void rewriteActions(const std::string& file, const std::function<void(nlohmann::json&)>& edit) {
  std::string out;
  std::istringstream lines(formats::readFile(file));
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line);
    edit(j);
    out += j.dump() + "\n";
  }
  writeBytes(file, out);
}

// The `kind` actions (add, remove, metaData) of a commit, in order.
std::vector<nlohmann::json> actionsOf(const std::string& file, const std::string& kind) {
  std::vector<nlohmann::json> out;
  std::istringstream lines(formats::readFile(file));
  for (std::string line; std::getline(lines, line);) {
    auto j = nlohmann::json::parse(line);
    if (j.contains(kind)) out.push_back(j[kind]);
  }
  return out;
}

// Gives the table another protocol in its commit 0, with this configuration added and these
// (column, key, value) entries in its columns' metadata.
void setProtocol(
    const std::string& table, const std::string& protocol,
    const std::map<std::string, std::string>& configuration = {},
    const std::vector<std::tuple<std::string, std::string, nlohmann::json>>& columnMetadata = {}) {
  rewriteActions(commitFile(table, 0), [&](nlohmann::json& j) {
    if (j.contains("protocol")) j["protocol"] = nlohmann::json::parse(protocol);
    if (!j.contains("metaData")) return;
    for (const auto& [k, v] : configuration) j["metaData"]["configuration"][k] = v;
    auto schema = nlohmann::json::parse(j["metaData"]["schemaString"].get<std::string>());
    for (const auto& [column, key, value] : columnMetadata) {
      for (auto& field : schema["fields"]) {
        if (field["name"] == column) field["metadata"][key] = value;
      }
    }
    j["metaData"]["schemaString"] = schema.dump();
  });
}

// The remove rows of a checkpoint as Weir's Parquet reader gives them: path, deletionTimestamp,
// dataChange, extendedFileMetadata, size, partitionValues and whether a deletion vector is set,
// sorted by path.
std::vector<nlohmann::json> checkpointRemoves(const std::string& file) {
  auto batch = formats::parquet::readFile(formats::readFile(file), file);
  const auto at = batch.schema()->fieldIndex("remove");
  EXPECT_TRUE(at.has_value()) << file;
  std::vector<nlohmann::json> out;
  if (!at) return out;
  const auto& column = *batch.column(*at);
  for (size_t r = 0; r < batch.numRows(); ++r) {
    if (column.isNull(r)) continue;
    const Value v = column.getValue(r);
    const auto& f = v.children();
    nlohmann::json partitionValues = nlohmann::json::object();
    for (size_t i = 0; i + 1 < f[4].children().size(); i += 2) {
      const Value& value = f[4].children()[i + 1];
      partitionValues[f[4].children()[i].asString()] =
          value.isNull() ? nlohmann::json() : nlohmann::json(value.asString());
    }
    out.push_back({{"path", f[0].asString()},
                   {"deletionTimestamp", f[1].asLong()},
                   {"dataChange", f[2].asBool()},
                   {"extendedFileMetadata", f[3].asBool()},
                   {"size", f[5].asLong()},
                   {"partitionValues", partitionValues},
                   {"deletionVector", !f[6].isNull()}});
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a["path"] < b["path"]; });
  return out;
}

// The same rows as DuckDB reads them from the file.
std::vector<nlohmann::json> checkpointRemovesByDuckDB(const std::string& file) {
  std::vector<nlohmann::json> out;
  for (const auto& row :
       testing::duckdb("SELECT remove.path, remove.deletionTimestamp, remove.dataChange, "
                       "remove.extendedFileMetadata, "
                       "remove.size, remove.partitionValues, remove.deletionVector IS NOT NULL "
                       "FROM read_parquet('" +
                       file + "') WHERE remove IS NOT NULL ORDER BY remove.path")) {
    nlohmann::json partitionValues = nlohmann::json::object();
    for (const auto& kv : row[5]) partitionValues[kv["key"].get<std::string>()] = kv["value"];
    out.push_back({{"path", row[0]},
                   {"deletionTimestamp", std::stoll(row[1].get<std::string>())},
                   {"dataChange", row[2]},
                   {"extendedFileMetadata", row[3]},
                   {"size", std::stoll(row[4].get<std::string>())},
                   {"partitionValues", partitionValues},
                   {"deletionVector", row[6]}});
  }
  return out;
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An overwrite leaves tombstones, and the checkpoint after it carries those the table's
// delta.deletedFileRetentionDuration still covers, as the protocol shapes checkpoint removes;
// not an expired one, one without a deletionTimestamp, or the remove of a file added again. The
// remove of a file whose deletion vector changed stays beside the add of its new version. The
// table reads the same from the checkpoint alone, and the next checkpoint, written from it after
// the retention was shortened, keeps the tombstones that have not expired by then.
TEST_F(DeltaWrite, CheckpointsCarryTheTombstonesWithinTheRetention) {
  const std::string t = path("t");
  constexpr int64_t kDay = 86400000;
  auto write = [&](int64_t from, int64_t to, const std::string& mode) {
    std::vector<Row> rows;
    for (int64_t i = from; i < to; ++i)
      rows.push_back(Row({Value::string("k" + std::to_string(i % 3)), Value::integer(i)}));
    spark.createDataFrame(rows, StructType::fromDDL("k STRING, v BIGINT"))
        .write()
        .format("delta")
        .mode(mode)
        .save(t);
  };
  appendRange(spark, t, 0, 6, true);  // version 0: a file per k
  rewriteActions(commitFile(t, 0), [](nlohmann::json& j) {
    if (!j.contains("metaData")) return;
    j["metaData"]["configuration"]["delta.checkpointInterval"] = "4";
    j["metaData"]["configuration"]["delta.deletedFileRetentionDuration"] = "interval 30 days";
  });
  const nlohmann::json metaData = actionsOf(commitFile(t, 0), "metaData").at(0);
  write(6, 12, "append");        // version 1: a file per k
  write(100, 112, "overwrite");  // version 2: removes the six, a file per k
  std::vector<nlohmann::json> old = actionsOf(commitFile(t, 0), "add");
  for (const auto& a : actionsOf(commitFile(t, 1), "add")) old.push_back(a);
  ASSERT_EQ(old.size(), 6u);
  // The removes' times, by file: 40 days ago (expired), 20 days ago (kept), none (expired: 0),
  // Weir's (now), a day ago (kept), and three days ago for a file added again in version 3.
  const int64_t now = nowMs();
  const std::vector<std::optional<int64_t>> deletedAt = {
      now - 40 * kDay, now - 20 * kDay, std::nullopt, -1, now - kDay, now - 3 * kDay};
  rewriteActions(commitFile(t, 2), [&](nlohmann::json& j) {
    if (!j.contains("remove")) return;
    for (size_t i = 0; i < old.size(); ++i) {
      if (j["remove"]["path"] != old[i]["path"] || deletedAt[i] == -1) continue;
      if (deletedAt[i]) {
        j["remove"]["deletionTimestamp"] = *deletedAt[i];
      } else {
        j["remove"].erase("deletionTimestamp");
      }
    }
  });
  const auto removes = actionsOf(commitFile(t, 2), "remove");
  ASSERT_EQ(removes.size(), 6u);
  int64_t byWeir = 0;
  for (const auto& r : removes) {
    if (r["path"] == old[3]["path"]) byWeir = r["deletionTimestamp"];
  }
  ASSERT_GT(byWeir, now - kDay);
  // Version 3: the last old file added again, and the new k0 file (v 102, 105, 108, 111) given a
  // deletion vector dropping its rows 1 and 3, removed without it two days ago.
  const auto fresh = actionsOf(commitFile(t, 2), "add");
  ASSERT_EQ(fresh.size(), 3u);
  ASSERT_EQ(fresh[0]["partitionValues"]["k"], "k0");
  const std::string bitmap = bitmapArray({1, 3});
  writeBytes(path("t/deletion_vector_00010203-0405-0607-0809-0a0b0c0d0e0f.bin"),
             std::string(1, '\x01') + vectorFileEntry(bitmap));
  nlohmann::json withVector = fresh[0];
  withVector["deletionVector"] = {
      {"storageType", "u"},
      {"pathOrInlineDv",
       formats::delta::z85Encode(
           std::string("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f", 16))},
      {"offset", 1},
      {"sizeInBytes", bitmap.size()},
      {"cardinality", 2}};
  nlohmann::json withoutVector = {{"path", fresh[0]["path"]},
                                  {"deletionTimestamp", now - 2 * kDay},
                                  {"dataChange", true},
                                  {"extendedFileMetadata", true},
                                  {"partitionValues", fresh[0]["partitionValues"]},
                                  {"size", fresh[0]["size"]}};
  writeBytes(commitFile(t, 3), nlohmann::json({{"commitInfo", {{"operation", "DELETE"}}}}).dump() +
                                   "\n" + nlohmann::json({{"add", old[5]}}).dump() + "\n" +
                                   nlohmann::json({{"remove", withoutVector}}).dump() + "\n" +
                                   nlohmann::json({{"add", withVector}}).dump() + "\n");
  write(200, 203, "append");  // version 4, checkpointed
  const std::string checkpoint4 = path("t/_delta_log/00000000000000000004.checkpoint.parquet");
  ASSERT_TRUE(fs::exists(checkpoint4));

  // The tombstones as the checkpoint must hold them, from the actions the test wrote.
  auto tombstone = [](const nlohmann::json& add, int64_t deletedAt) {
    return nlohmann::json{{"path", add["path"]},    {"deletionTimestamp", deletedAt},
                          {"dataChange", false},    {"extendedFileMetadata", true},
                          {"size", add["size"]},    {"partitionValues", add["partitionValues"]},
                          {"deletionVector", false}};
  };
  auto sortedByPath = [](std::vector<nlohmann::json> v) {
    std::sort(v.begin(), v.end(),
              [](const auto& a, const auto& b) { return a["path"] < b["path"]; });
    return v;
  };
  const auto want4 =
      sortedByPath({tombstone(old[1], now - 20 * kDay), tombstone(old[3], byWeir),
                    tombstone(old[4], now - kDay), tombstone(fresh[0], now - 2 * kDay)});
  EXPECT_EQ(checkpointRemoves(checkpoint4), want4);
  EXPECT_EQ(checkpointRemovesByDuckDB(checkpoint4), want4);
  // The file with the new vector is live in it too, under the same path.
  EXPECT_EQ(
      testing::duckdb("SELECT add.deletionVector.cardinality FROM read_parquet('" + checkpoint4 +
                      "') WHERE add.path = '" + fresh[0]["path"].get<std::string>() + "'"),
      nlohmann::json::parse(R"([["2"]])"));
  // Its size counts them: protocol, metaData, 7 adds and the 4 removes.
  EXPECT_EQ(testing::duckdb("SELECT count(*) FROM read_parquet('" + checkpoint4 + "')"),
            nlohmann::json::parse(R"([["13"]])"));
  EXPECT_EQ(nlohmann::json::parse(readText(path("t/_delta_log/_last_checkpoint")))["size"], 13);

  // The overwrite's rows but 105 and 111, the file added again (8, 11), the last append.
  const std::vector<int64_t> want = {8,   11,  100, 101, 102, 103, 104, 106,
                                     107, 108, 109, 110, 200, 201, 202};
  EXPECT_EQ(values(spark.read().format("delta").load(t)), want);
  for (int v = 0; v <= 4; ++v) fs::remove(commitFile(t, v));
  EXPECT_EQ(values(spark.read().format("delta").load(t)), want);
  // Loaded from the checkpoint, the snapshot knows them (its paths decoded; these need no escapes).
  std::vector<nlohmann::json> tombstones;
  for (const auto& r : formats::delta::loadSnapshot(t).tombstones) tombstones.push_back(r.path);
  std::vector<nlohmann::json> wantPaths;
  for (const auto& r : want4) wantPaths.push_back(r["path"]);
  EXPECT_EQ(tombstones, wantPaths);

  // Version 5 shortens the retention to a week; the checkpoint of version 8, built from that of
  // version 4, drops the tombstone of 20 days ago.
  nlohmann::json shorter = metaData;
  shorter["configuration"]["delta.deletedFileRetentionDuration"] = "interval 1 week";
  writeBytes(commitFile(t, 5), nlohmann::json({{"metaData", shorter}}).dump() + "\n");
  for (int64_t v = 6; v <= 8; ++v) write(v * 100, v * 100 + 1, "append");
  const std::string checkpoint8 = path("t/_delta_log/00000000000000000008.checkpoint.parquet");
  ASSERT_TRUE(fs::exists(checkpoint8));
  EXPECT_EQ(checkpointRemoves(checkpoint8),
            sortedByPath({tombstone(old[3], byWeir), tombstone(old[4], now - kDay),
                          tombstone(fresh[0], now - 2 * kDay)}));
  for (int v = 5; v <= 8; ++v) fs::remove(commitFile(t, v));
  std::vector<int64_t> later = want;
  for (int64_t v : {600, 700, 800}) later.push_back(v);
  EXPECT_EQ(values(spark.read().format("delta").load(t)), later);
}

// A checkpoint is reconciled, so one that holds both an add and a remove of the same file (as a
// careless writer might make it) keeps the file, whichever row comes first.
TEST_F(DeltaRead, ARemoveInACheckpointNeverHidesAnAddOfTheSameCheckpoint) {
  appendRange(spark, path("t"), 0, 3);
  appendRange(spark, path("t"), 3, 6);
  auto batch = classicCheckpoint(path("t"), 1);
  const auto adds = [&] {
    auto a = actionsOf(commitFile(path("t"), 0), "add");
    a.push_back(actionsOf(commitFile(path("t"), 1), "add").at(0));
    return a;
  }();
  ASSERT_EQ(adds.size(), 2u);
  const auto removeAt = batch.schema()->fieldIndex("remove");
  ASSERT_TRUE(removeAt.has_value());
  auto removeRow = [&](const nlohmann::json& add) {
    std::vector<Value> values(batch.numColumns(), Value::null());
    values[*removeAt] = Value::structOf(
        {Value::string(add["path"].get<std::string>()), Value::integer(nowMs()),
         Value::boolean(false), Value::boolean(true), Value::map({}),
         Value::integer(add["size"].get<int64_t>()), Value::null(), Value::null(), Value::null()});
    return Row(values);
  };
  std::vector<Row> rows = {removeRow(adds[0])};
  for (const auto& r : batch.rows()) rows.push_back(r);
  rows.push_back(removeRow(adds[1]));
  const auto withRemoves = columnar::ColumnBatch::fromRows(batch.schema(), rows);
  std::vector<uint32_t> all(rows.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  writeBytes(path("t/_delta_log/00000000000000000001.checkpoint.parquet"),
             parquetOf(withRemoves, all));
  for (int v = 0; v <= 1; ++v) fs::remove(commitFile(path("t"), v));
  EXPECT_EQ(values(spark.read().format("delta").load(path("t"))), range(0, 6));
  EXPECT_TRUE(formats::delta::loadSnapshot(path("t")).tombstones.empty());
}

// A checkpoint carries the latest configuration of each domain (domainMetadata; a removed one is
// left out) and the fields of an add Weir does not use itself (tags, row tracking's, clustering's).
TEST_F(DeltaWrite, CheckpointsCarryDomainsAndWhatAddsHold) {
  const std::string t = path("t");
  appendRange(spark, t, 0, 3);
  setProtocol(
      t,
      R"({"minReaderVersion":1,"minWriterVersion":7,"writerFeatures":["appendOnly","invariants","domainMetadata","clustering"]})");
  auto domain = [](const std::string& name, const std::string& configuration, bool removed) {
    return nlohmann::json(
               {{"domainMetadata",
                 {{"domain", name}, {"configuration", configuration}, {"removed", removed}}}})
               .dump() +
           "\n";
  };
  auto add = actionsOf(commitFile(t, 0), "add").at(0);
  add["tags"] = {{"INSERTION_TIME", "1712091396057000"}, {"empty", nullptr}};
  add["baseRowId"] = 40;
  add["defaultRowCommitVersion"] = 1;
  add["clusteringProvider"] = "liquid";
  writeBytes(commitFile(t, 1),
             domain("delta.clustering", R"({"clusteringColumns":[["v"]]})", false) +
                 domain("com.example.app", "old", false) + domain("com.example.gone", "x", false));
  writeBytes(commitFile(t, 2), domain("com.example.app", "new", false) +
                                   domain("com.example.gone", "", true) +
                                   nlohmann::json({{"add", add}}).dump() + "\n");
  appendRange(spark, t, 3, 4);  // version 3
  formats::delta::writeCheckpoint(t, 3);
  const std::string checkpoint = path("t/_delta_log/00000000000000000003.checkpoint.parquet");
  EXPECT_EQ(
      testing::duckdb(
          "SELECT domainMetadata.domain, domainMetadata.configuration, domainMetadata.removed FROM "
          "read_parquet('" +
          checkpoint + "') WHERE domainMetadata IS NOT NULL ORDER BY 1"),
      nlohmann::json::parse(
          R"([["com.example.app","new",false],["delta.clustering","{\"clusteringColumns\":[[\"v\"]]}",false]])"));
  EXPECT_EQ(
      testing::duckdb("SELECT add.tags, add.baseRowId, add.defaultRowCommitVersion, "
                      "add.clusteringProvider FROM "
                      "read_parquet('" +
                      checkpoint + "') WHERE add.path = '" + add["path"].get<std::string>() + "'"),
      nlohmann::json::parse(
          R"([[[{"key":"INSERTION_TIME","value":"1712091396057000"},{"key":"empty","value":null}],)"
          R"("40","1","liquid"]])"));
  for (int v = 0; v <= 3; ++v) fs::remove(commitFile(t, v));
  const auto snapshot = formats::delta::loadSnapshot(t);
  EXPECT_EQ(
      snapshot.domainMetadata,
      (std::map<std::string, std::string>{
          {"com.example.app", "new"}, {"delta.clustering", R"({"clusteringColumns":[["v"]]})"}}));
  // A table with the feature takes Weir's appends.
  appendRange(spark, t, 4, 5);
  EXPECT_EQ(values(spark.read().format("delta").load(t)), range(0, 5));
}

// delta.checkpoint.writeStatsAsJson false leaves add.stats out of checkpoints; a table asking for
// typed statistics (writeStatsAsStruct true), which Weir does not write, gets no checkpoint.
TEST_F(DeltaWrite, CheckpointsHonourTheStatsProperties) {
  for (const std::string property :
       {"delta.checkpoint.writeStatsAsJson", "delta.checkpoint.writeStatsAsStruct"}) {
    const std::string t = path(property);
    appendRange(spark, t, 0, 3);
    setProtocol(t, R"({"minReaderVersion":1,"minWriterVersion":3})",
                {{property, property == "delta.checkpoint.writeStatsAsJson" ? "false" : "true"}});
    appendRange(spark, t, 3, 6);
    formats::delta::writeCheckpoint(t, 1);
    const std::string checkpoint = t + "/_delta_log/00000000000000000001.checkpoint.parquet";
    if (property == "delta.checkpoint.writeStatsAsStruct") {
      EXPECT_FALSE(fs::exists(checkpoint));
      continue;
    }
    EXPECT_EQ(testing::duckdb("SELECT count(*), count(add.stats) FROM read_parquet('" + checkpoint +
                              "') WHERE add IS NOT NULL"),
              nlohmann::json::parse(R"([["2","0"]])"));
    EXPECT_EQ(values(spark.read().format("delta").load(t)), range(0, 6));
  }
}

// ----- writer features

// Writes the one row ("k", 9) to the table in `mode`.
void writeOneRow(Session& spark, const std::string& table, const std::string& mode) {
  spark
      .createDataFrame({Row({Value::string("k"), Value::integer(9)})},
                       StructType::fromDDL("k STRING, v BIGINT"))
      .write()
      .format("delta")
      .mode(mode)
      .save(table);
}

size_t dataFiles(const std::string& table) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(table)) {
    n += e.path().extension() == ".parquet" &&
         e.path().string().find("_delta_log") == std::string::npos;
  }
  return n;
}

// A write to a table whose protocol needs a writer feature Weir does not honour is refused before
// anything is written, naming the feature and what in the table needs it: features that are not
// Weir's (row tracking, Iceberg compatibility, unknown ones, writer version 8), and those whose
// rules Weir does not enforce when the table uses them (constraints, generated and identity
// columns, invariants, in-commit timestamps), whether listed or implied by a legacy writer
// version. The features Weir honours, or that the table does not use, let it write.
TEST_F(DeltaWrite, WritesRefuseWriterFeaturesWeirDoesNotHonour) {
  struct Case {
    std::string name, protocol;
    std::map<std::string, std::string> configuration;
    std::vector<std::tuple<std::string, std::string, nlohmann::json>> columnMetadata;
    std::string refused;  // what the error names; empty: the table takes writes
  };
  const std::string constraint =
      "the writer feature 'checkConstraints' (constraints `delta.constraints.positive`)";
  const std::vector<Case> cases = {
      {"constraint-legacy",
       R"({"minReaderVersion":1,"minWriterVersion":3})",
       {{"delta.constraints.positive", "v >= 0"}},
       {},
       constraint},
      {"constraint-listed",
       R"({"minReaderVersion":1,"minWriterVersion":7,"writerFeatures":["appendOnly","checkConstraints"]})",
       {{"delta.constraints.positive", "v >= 0"}},
       {},
       constraint},
      {"generated",
       R"({"minReaderVersion":1,"minWriterVersion":4})",
       {},
       {{"v", "delta.generationExpression", "length(k)"}},
       "the writer feature 'generatedColumns' (columns `v`)"},
      {"identity",
       R"({"minReaderVersion":1,"minWriterVersion":6})",
       {},
       {{"v", "delta.identity.start", 1}, {"v", "delta.identity.step", 1}},
       "the writer feature 'identityColumns' (columns `v`)"},
      {"invariant",
       R"({"minReaderVersion":1,"minWriterVersion":2})",
       {},
       {{"k", "delta.invariants", R"({"expression":{"expression":"k IS NOT NULL"}})"}},
       "the writer feature 'invariants' (columns `k`)"},
      {"row-tracking",
       R"({"minReaderVersion":1,"minWriterVersion":7,"writerFeatures":["domainMetadata","rowTracking"]})",
       {},
       {},
       "requires the writer feature 'rowTracking', which"},
      {"in-commit-timestamps",
       R"({"minReaderVersion":1,"minWriterVersion":7,"writerFeatures":["inCommitTimestamp"]})",
       {{"delta.enableInCommitTimestamps", "true"}},
       {},
       "the writer feature 'inCommitTimestamp' (enabled by delta.enableInCommitTimestamps)"},
      {"unknown",
       R"({"minReaderVersion":1,"minWriterVersion":7,"writerFeatures":["icebergCompatV2","futureWriterFeature"]})",
       {},
       {},
       "requires the writer feature 'icebergCompatV2' and the writer feature "
       "'futureWriterFeature', which"},
      {"writer-8",
       R"({"minReaderVersion":1,"minWriterVersion":8})",
       {},
       {},
       "requires writer version 8, which"},
      {"legacy-unused",
       R"({"minReaderVersion":1,"minWriterVersion":6})",
       {{"delta.enableChangeDataFeed", "true"}},
       {},
       ""},
      {"features-unused",
       R"({"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["deletionVectors","timestampNtz","v2Checkpoint","vacuumProtocolCheck"],)"
       R"("writerFeatures":["appendOnly","invariants","checkConstraints","changeDataFeed","generatedColumns","identityColumns",)"
       R"("allowColumnDefaults","columnMapping","deletionVectors","timestampNtz","domainMetadata","v2Checkpoint",)"
       R"("vacuumProtocolCheck","clustering","inCommitTimestamp"]})",
       {{"delta.enableChangeDataFeed", "true"},
        {"delta.columnMapping.mode", "none"},
        {"delta.enableDeletionVectors", "true"}},
       {},
       ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string t = path(c.name);
    appendRange(spark, t, 0, 3);
    setProtocol(t, c.protocol, c.configuration, c.columnMetadata);
    if (c.refused.empty()) {
      appendRange(spark, t, 3, 5);
      writeOneRow(spark, t, "overwrite");
      EXPECT_EQ(values(spark.read().format("delta").option("versionAsOf", "1").load(t)),
                range(0, 5));
      EXPECT_EQ(values(spark.read().format("delta").load(t)), (std::vector<int64_t>{9}));
      continue;
    }
    for (const char* mode : {"append", "overwrite"}) {
      expectThrows<UnsupportedOperationError>(
          [&] { writeOneRow(spark, t, mode); },
          "DELTA_UNSUPPORTED_FEATURES",
          {"The Delta table at " + t + " requires ", c.refused,
           ", which Weir does not support yet; write to it with a Delta writer that does (Spark, "
           "delta-rs)."});
    }
    EXPECT_FALSE(fs::exists(commitFile(t, 1)));
    EXPECT_EQ(dataFiles(t), 1u);  // nothing written
    EXPECT_EQ(values(spark.read().format("delta").load(t)), range(0, 3));
  }
}

// delta.appendOnly (supported from writer version 2) lets a table take appends, not an overwrite
// that would remove its files; without the protocol's support the property means nothing.
TEST_F(DeltaWrite, AppendOnlyTablesRefuseOverwrites) {
  for (const std::string writerVersion : {"2", "1"}) {
    const std::string t = path("w" + writerVersion);
    appendRange(spark, t, 0, 3);
    setProtocol(t, R"({"minReaderVersion":1,"minWriterVersion":)" + writerVersion + "}",
                {{"delta.appendOnly", "true"}});
    appendRange(spark, t, 3, 4);
    auto overwrite = [&] { writeOneRow(spark, t, "overwrite"); };
    if (writerVersion == "1") {
      overwrite();
      EXPECT_EQ(values(spark.read().format("delta").load(t)), (std::vector<int64_t>{9}));
      continue;
    }
    expectThrows<UnsupportedOperationError>(
        overwrite, "DELTA_CANNOT_MODIFY_APPEND_ONLY",
        {"The Delta table at " + t + " is append-only (delta.appendOnly = true)"});
    EXPECT_FALSE(fs::exists(commitFile(t, 2)));
    EXPECT_EQ(values(spark.read().format("delta").load(t)), range(0, 4));
  }
}

// A file system on which another writer commits `path` first, just before the query's own
// attempt to.
class RacingFileSystem final : public RecordingFileSystem {
 public:
  RacingFileSystem(std::string path, std::string winner)
      : path_(std::move(path)), winner_(std::move(winner)) {}
  bool writeAtomic(const std::string& p, std::string_view data, bool overwrite) override {
    if (p == path_ && !winner_.empty()) {
      io::localFileSystem()->writeAtomic(p, winner_, false);
      winner_.clear();
    }
    return RecordingFileSystem::writeAtomic(p, data, overwrite);
  }

 private:
  std::string path_, winner_;
};

// The streaming sink checks the features too, and again when another writer committed first: a
// winner that added a CHECK constraint stops the query, and its batch is not committed on top.
TEST_F(DeltaWrite, TheStreamingSinkRechecksTheFeaturesAfterLosingARace) {
  const std::string t = path("t");
  appendRange(spark, t, 0, 3);
  auto metaData = actionsOf(commitFile(t, 0), "metaData").at(0);
  metaData["configuration"]["delta.constraints.positive"] = "v >= 0";
  const std::string winner = R"({"protocol":{"minReaderVersion":1,"minWriterVersion":3}})"
                             "\n" +
                             nlohmann::json({{"metaData", metaData}}).dump() + "\n";
  auto fileSystem = std::make_shared<RacingFileSystem>(commitFile(t, 1), winner);
  auto input = MemoryStream::create(spark, StructType::fromDDL("k STRING, v BIGINT"));
  auto q = input.toDF()
               .writeStream()
               .format("delta")
               .outputMode("append")
               .option("checkpointLocation", path("checkpoint"))
               .checkpointFileSystem(fileSystem)
               .start(t);
  input.addData({Row({Value::string("k"), Value::integer(7)})});
  try {
    q.processAllAvailable();
    ADD_FAILURE() << "the batch was committed";
  } catch (const StreamingQueryException& e) {
    EXPECT_EQ(e.causeErrorClass(), "DELTA_UNSUPPORTED_FEATURES");
    EXPECT_NE(
        std::string(e.what()).find(
            "the writer feature 'checkConstraints' (constraints `delta.constraints.positive`)"),
        std::string::npos)
        << e.what();
  }
  q.stop();
  EXPECT_TRUE(fs::exists(commitFile(t, 1)));
  EXPECT_FALSE(fs::exists(commitFile(t, 2)));
  EXPECT_EQ(values(spark.read().format("delta").load(t)), range(0, 3));
}

TEST_F(DeltaRead, MultiPartCheckpointWithoutTheCommitsItCovers) {
  for (int i = 0; i < 3; ++i) appendRange(spark, path("t"), i * 10, i * 10 + 10, true);
  auto batch = classicCheckpoint(path("t"), 2);
  ASSERT_GE(batch.numRows(), 5u);  // protocol, metaData, 3 partitions x 3 commits of adds
  std::vector<uint32_t> firstHalf, secondHalf;
  for (uint32_t r = 0; r < batch.numRows(); ++r) (r < batch.numRows() / 2 ? firstHalf : secondHalf).push_back(r);
  const std::string part1 = path("t/_delta_log/00000000000000000002.checkpoint.0000000001.0000000002.parquet");
  const std::string part2 = path("t/_delta_log/00000000000000000002.checkpoint.0000000002.0000000002.parquet");
  writeBytes(part1, parquetOf(batch, firstHalf));
  writeBytes(part2, parquetOf(batch, secondHalf));
  writeBytes(path("t/_delta_log/_last_checkpoint"), R"({"version":2,"size":)" + std::to_string(batch.numRows()) + R"(,"parts":2})");
  for (int v = 0; v <= 2; ++v) fs::remove(commitFile(path("t"), v));
  appendRange(spark, path("t"), 100, 102, true);  // version 3, on top of the checkpoint
  EXPECT_EQ(values(spark.read().format("delta").load(path("t"))),
            (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
                                  25, 26, 27, 28, 29, 100, 101}));
  EXPECT_EQ(values(spark.read().format("delta").option("versionAsOf", "2").load(path("t"))), range(0, 30));
  auto k1 = spark.read().format("delta").load(path("t")).filter(functions::col("k") == functions::lit("k1"));
  EXPECT_EQ(values(k1), (std::vector<int64_t>{1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 100}));
  // A missing part, with the commits it covers gone, is corruption naming the part.
  fs::remove(part2);
  expectThrows<CorruptionError>([&] { spark.read().format("delta").load(path("t")).collect(); }, "DELTA_CHECKPOINT_CORRUPT",
                                {"00000000000000000002.checkpoint.0000000002.0000000002.parquet is missing"});
}

TEST_F(DeltaRead, V2CheckpointWithSidecars) {
  for (int i = 0; i < 3; ++i) appendRange(spark, path("t"), i * 10, i * 10 + 10);
  const std::string metaData = [&] {
    std::istringstream lines(readText(commitFile(path("t"), 0)));
    for (std::string line; std::getline(lines, line);) {
      if (line.find("{\"metaData\"") == 0) return line;
    }
    return std::string();
  }();
  ASSERT_FALSE(metaData.empty());
  auto batch = classicCheckpoint(path("t"), 2);
  const auto addColumn = *batch.schema()->fieldIndex("add");
  std::vector<uint32_t> adds;
  for (uint32_t r = 0; r < batch.numRows(); ++r) {
    if (!batch.column(addColumn)->isNull(r)) adds.push_back(r);
  }
  ASSERT_EQ(adds.size(), 3u);
  writeBytes(path("t/_delta_log/_sidecars/one.parquet"), parquetOf(batch, {adds[0], adds[1]}));
  writeBytes(path("t/_delta_log/_sidecars/two.parquet"), parquetOf(batch, {adds[2]}));
  const std::string name = "00000000000000000002.checkpoint.3a0d65cd-4056-49b8-937b-95f9e3ee90e5.json";
  const std::string protocol =
      R"({"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":["v2Checkpoint"],"writerFeatures":["v2Checkpoint"]}})";
  const std::string checkpoint = R"({"checkpointMetadata":{"version":2}})" "\n" + protocol + "\n" + metaData + "\n" +
                                 R"({"sidecar":{"path":"one.parquet","sizeInBytes":1,"modificationTime":0}})" "\n"
                                 R"({"sidecar":{"path":"two.parquet","sizeInBytes":1,"modificationTime":0}})" "\n";
  writeBytes(path("t/_delta_log/" + name), checkpoint);
  writeBytes(path("t/_delta_log/_last_checkpoint"), R"({"version":2,"size":5,"v2Checkpoint":{"path":")" + name + R"("}})");
  for (int v = 0; v <= 2; ++v) fs::remove(commitFile(path("t"), v));
  appendRange(spark, path("t"), 100, 101);  // version 3; the table's v2Checkpoint feature keeps Weir from a V1 checkpoint
  EXPECT_EQ(values(spark.read().format("delta").load(path("t"))),
            (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
                                  25, 26, 27, 28, 29, 100}));
  // A missing sidecar, or a V2 checkpoint without its checkpointMetadata, is corruption.
  fs::rename(path("t/_delta_log/_sidecars/two.parquet"), path("two.parquet"));
  expectThrows<CorruptionError>([&] { spark.read().format("delta").load(path("t")).collect(); }, "DELTA_CHECKPOINT_CORRUPT",
                                {name, "its sidecar " + path("t/_delta_log/_sidecars/two.parquet") + " is missing"});
  fs::rename(path("two.parquet"), path("t/_delta_log/_sidecars/two.parquet"));
  writeBytes(path("t/_delta_log/" + name), checkpoint.substr(checkpoint.find('\n') + 1));
  expectThrows<CorruptionError>([&] { spark.read().format("delta").load(path("t")).collect(); }, "DELTA_CHECKPOINT_CORRUPT",
                                {name, "0 checkpointMetadata actions"});

  // The same checkpoint in Parquet: protocol, metaData, checkpointMetadata and sidecar rows.
  fs::remove(path("t/_delta_log/" + name));
  fs::remove(path("t/_delta_log/_last_checkpoint"));
  const auto& fields = batch.schema()->fields();
  const size_t protocolAt = *batch.schema()->fieldIndex("protocol"), metaDataAt = *batch.schema()->fieldIndex("metaData");
  auto schema = types::DataType::structOf(
      {fields[protocolAt], fields[metaDataAt],
       {"checkpointMetadata", types::DataType::fromDDL("STRUCT<version: BIGINT, tags: MAP<STRING, STRING>>"), true, "{}"},
       {"sidecar", types::DataType::fromDDL("STRUCT<path: STRING, sizeInBytes: BIGINT, modificationTime: BIGINT, tags: MAP<STRING, STRING>>"), true, "{}"}});
  Value metaDataValue;
  for (size_t r = 0; r < batch.numRows(); ++r) {
    if (!batch.column(metaDataAt)->isNull(r)) metaDataValue = batch.column(metaDataAt)->getValue(r);
  }
  auto features = Value::array({Value::string("v2Checkpoint")});
  auto sidecar = [](const std::string& p) {
    return Value::structOf({Value::string(p), Value::integer(1), Value::integer(0), Value::null()});
  };
  const Value null = Value::null();
  std::vector<Row> rows = {
      Row({Value::structOf({Value::integer(3), Value::integer(7), features, features}), null, null, null}),
      Row({null, metaDataValue, null, null}),
      Row({null, null, Value::structOf({Value::integer(2), Value::null()}), null}),
      Row({null, null, null, sidecar("one.parquet")}),
      Row({null, null, null, sidecar("two.parquet")})};
  formats::parquet::FileWriter writer(schema, {});
  writer.write(columnar::ColumnBatch::fromRows(schema, rows));
  const std::string parquetName = "00000000000000000002.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.parquet";
  writeBytes(path("t/_delta_log/" + parquetName), writer.finish());
  EXPECT_EQ(values(spark.read().format("delta").load(path("t"))),
            (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
                                  25, 26, 27, 28, 29, 100}));
  EXPECT_EQ(values(spark.read().format("delta").option("versionAsOf", "2").load(path("t"))), range(0, 30));
  fs::remove(path("t/_delta_log/_sidecars/one.parquet"));
  expectThrows<CorruptionError>([&] { spark.read().format("delta").load(path("t")).collect(); }, "DELTA_CHECKPOINT_CORRUPT",
                                {parquetName, "one.parquet is missing"});
}

TEST_F(DeltaRead, LastCheckpointIsAHintThatMayBeWrong) {
  for (int i = 0; i < 12; ++i) appendRange(spark, path("t"), i, i + 1);
  ASSERT_TRUE(fs::exists(path("t/_delta_log/00000000000000000010.checkpoint.parquet")));
  for (int v = 0; v <= 10; ++v) fs::remove(commitFile(path("t"), v));
  const std::string hint = path("t/_delta_log/_last_checkpoint");
  const auto written = nlohmann::json::parse(readText(hint));
  EXPECT_EQ(written["version"], 10);
  EXPECT_EQ(written["checksum"], formats::delta::lastCheckpointChecksum(written));
  EXPECT_EQ(values(spark.read().format("delta").load(path("t"))), range(0, 12));
  // Damaged, stale or pointing nowhere: the listing finds the checkpoint.
  for (const std::string text : {"{not json", R"({"version":4,"size":3})", R"({"version":99,"size":3})", R"({"size":3})", "",
                                 R"({"version":10,"size":4,"checksum":"00000000000000000000000000000000"})"}) {
    writeBytes(hint, text);
    EXPECT_EQ(values(spark.read().format("delta").load(path("t"))), range(0, 12)) << text;
  }
  fs::remove(hint);
  EXPECT_EQ(values(spark.read().format("delta").load(path("t"))), range(0, 12));
  // Versions before the checkpoint are gone with their commits.
  expectThrows<AnalysisError>([&] { spark.read().format("delta").option("versionAsOf", "9").load(path("t")).collect(); },
                              "DELTA_VERSION_NOT_FOUND", {"00000000000000000000.json is missing"});
}

void setModificationTime(const std::string& file, const std::string& utc) {
  const auto micros = base::parseTimestamp(utc);
  ASSERT_TRUE(micros.has_value()) << utc;
  const std::chrono::system_clock::time_point at{std::chrono::microseconds(*micros)};
  fs::last_write_time(file, std::chrono::file_clock::from_sys(at));
}

TEST_F(DeltaRead, TimestampAsOfUsesCommitFileTimes) {
  for (int i = 0; i < 3; ++i) appendRange(spark, path("t"), i * 10, i * 10 + 10);
  setModificationTime(commitFile(path("t"), 0), "2025-01-01 00:00:00");
  setModificationTime(commitFile(path("t"), 1), "2025-01-01 01:00:00");
  setModificationTime(commitFile(path("t"), 2), "2025-01-01 02:00:00");
  auto at = [&](const std::string& ts) { return values(spark.read().format("delta").option("timestampAsOf", ts).load(path("t"))); };
  EXPECT_EQ(at("2025-01-01 00:00:00"), range(0, 10));
  EXPECT_EQ(at("2025-01-01 00:59:59.999"), range(0, 10));
  EXPECT_EQ(at("2025-01-01T01:00:00Z"), range(0, 20));
  EXPECT_EQ(at("2025-01-01 03:00:00+01:00"), range(0, 30));
  const std::string history = "(versions 0 to 2, committed from 2025-01-01 00:00:00 to 2025-01-01 02:00:00)";
  expectThrows<AnalysisError>([&] { at("2024-12-31 23:59:59"); }, "DELTA_TIMESTAMP_EARLIER_THAN_COMMIT_RETENTION",
                              {"The timestamp 2024-12-31 23:59:59 is before", history, "Use a timestamp at or after 2025-01-01 00:00:00."});
  expectThrows<AnalysisError>([&] { at("2025-01-01 02:00:00.001"); }, "DELTA_TIMESTAMP_GREATER_THAN_COMMIT",
                              {"The timestamp 2025-01-01 02:00:00.001 is after", history, "at or before 2025-01-01 02:00:00."});
  expectThrows<InvalidInputError>(
      [&] { spark.read().format("delta").option("timestampAsOf", "2025-01-01").option("versionAsOf", "1").load(path("t")).collect(); },
      "DELTA_ONEOF_IN_TIMETRAVEL", {"Both versionAsOf and timestampAsOf"});
  expectThrows<InvalidInputError>([&] { at("yesterday"); }, "INVALID_OPTION_VALUE", {"'yesterday'"});
  // Modification times out of order are made increasing: version 2 counts as 1 ms after version 1.
  setModificationTime(commitFile(path("t"), 2), "2025-01-01 00:30:00");
  EXPECT_EQ(at("2025-01-01 01:00:00"), range(0, 20));
  EXPECT_EQ(at("2025-01-01 01:00:00.001"), range(0, 30));
}

TEST_F(DeltaRead, TimestampAsOfUsesInCommitTimestampsFromTheirEnablement) {
  for (int i = 0; i < 3; ++i) appendRange(spark, path("t"), i * 10, i * 10 + 10);
  // Version 1 enables in-commit timestamps: its commit and version 2's carry them, and they
  // disagree with the files' times (which count only before the enablement).
  const int64_t base = *base::parseTimestamp("2025-06-01 00:00:00") / 1000;
  for (int v = 1; v <= 2; ++v) {
    std::istringstream lines(readText(commitFile(path("t"), v)));
    std::string out;
    for (std::string line; std::getline(lines, line);) {
      auto j = nlohmann::ordered_json::parse(line);
      if (j.contains("commitInfo")) {
        j["commitInfo"]["inCommitTimestamp"] = base + v * 600000;  // 00:10 and 00:20
        out += j.dump() + "\n";
        if (v == 1) {
          std::istringstream first(readText(commitFile(path("t"), 0)));
          for (std::string l; std::getline(first, l);) {
            auto m = nlohmann::ordered_json::parse(l);
            if (!m.contains("metaData")) continue;
            m["metaData"]["configuration"] = {{"delta.enableInCommitTimestamps", "true"},
                                              {"delta.inCommitTimestampEnablementVersion", "1"},
                                              {"delta.inCommitTimestampEnablementTimestamp", std::to_string(base + 600000)}};
            out += m.dump() + "\n";
          }
        }
        continue;
      }
      out += line + "\n";
    }
    writeBytes(commitFile(path("t"), v), out);
  }
  setModificationTime(commitFile(path("t"), 0), "2025-06-01 00:00:00");
  setModificationTime(commitFile(path("t"), 1), "2025-06-02 00:00:00");
  setModificationTime(commitFile(path("t"), 2), "2025-06-03 00:00:00");
  auto at = [&](const std::string& ts) { return values(spark.read().format("delta").option("timestampAsOf", ts).load(path("t"))); };
  EXPECT_EQ(at("2025-06-01 00:05:00"), range(0, 10));
  EXPECT_EQ(at("2025-06-01 00:10:00"), range(0, 20));
  EXPECT_EQ(at("2025-06-01 00:20:00"), range(0, 30));
  expectThrows<AnalysisError>([&] { at("2025-06-02 00:00:00"); }, "DELTA_TIMESTAMP_GREATER_THAN_COMMIT",
                              {"committed from 2025-06-01 00:00:00 to 2025-06-01 00:20:00"});
}

}  // namespace
}  // namespace weir
