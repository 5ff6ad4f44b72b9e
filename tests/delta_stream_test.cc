// The Delta Lake streaming source end to end: a table written in several commits by Weir's batch
// writer is read as a stream (snapshot first, then new commits), with exact rows per batch, rate
// limits, restarts from the checkpoint, starting versions and timestamps, and the errors for
// changes a stream of appends cannot follow.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "test_support.h"
#include "weir/base/time.h"
#include "weir/formats/delta/delta_commands.h"
#include "weir/formats/delta/delta_log.h"
#include "weir/formats/delta/delta_table.h"
#include "weir/formats/delta/delta_writer.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using columnar::Row;
using columnar::Value;
using testing::I;
using testing::S;
using testing::sorted;

void setModificationTime(const std::string& file, int64_t seconds) {
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = seconds;
  times[0].tv_nsec = times[1].tv_nsec = 0;
  ASSERT_EQ(::utimensat(AT_FDCWD, file.c_str(), times, 0), 0) << file;
}

void setCommitTime(const std::string& file, const std::string& timestamp) {
  setModificationTime(file, *base::parseTimestamp(timestamp) / 1000000);
}

class DeltaStream : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& q : spark.streams().active()) q.stop();
  }
  std::string path(const std::string& name) const { return dir_.path(name); }

  // Appends rows k = from..to-1 (v = "r<k>") as one commit with one data file.
  void append(int from, int to, const std::string& table = "t",
              const std::string& mode = "append") {
    std::vector<Row> rows;
    for (int k = from; k < to; ++k) rows.push_back(Row({I(k), S("r" + std::to_string(k))}));
    spark.createDataFrame(rows, StructType::fromDDL("k BIGINT, v STRING"))
        .write()
        .format("delta")
        .mode(mode)
        .save(path(table));
    // Files of later commits are newer (the snapshot is read in modification-time order).
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  static std::vector<Row> rowsOf(int from, int to) {
    std::vector<Row> rows;
    for (int k = from; k < to; ++k) rows.push_back(Row({I(k), S("r" + std::to_string(k))}));
    return rows;
  }

  // Streams the table into foreachBatch until nothing is left (Trigger.AvailableNow by default)
  // and returns each batch's rows, sorted, by batch id.
  std::map<int64_t, std::vector<Row>> run(const std::map<std::string, std::string>& options,
                                          const std::string& checkpoint = "ckpt",
                                          Trigger trigger = Trigger::AvailableNow()) {
    std::map<int64_t, std::vector<Row>> batches;
    std::mutex mutex;
    auto reader = spark.readStream().format("delta");
    for (const auto& [k, v] : options) reader.option(k, v);
    auto q = reader.load(path("t"))
                 .writeStream()
                 .trigger(trigger)
                 .option("checkpointLocation", path(checkpoint))
                 .foreachBatch([&](const DataFrame& df, int64_t id) {
                   auto rows = sorted(df.collect());
                   std::lock_guard lock(mutex);
                   batches[id] = rows;
                 })
                 .start();
    EXPECT_TRUE(q.awaitTermination(30000));
    return batches;
  }

  // The Delta source's offset (the last line) of offsets/<batch>.
  nlohmann::json offset(int64_t batch, const std::string& checkpoint = "ckpt") const {
    std::string text = testing::readFile(path(checkpoint + "/offsets/" + std::to_string(batch)));
    return nlohmann::json::parse(text.substr(text.rfind('\n') + 1));
  }
  std::string tableId() const {
    std::string text = testing::readFile(path("t/_delta_log/00000000000000000000.json"));
    auto at = text.find("\"metaData\":{\"id\":\"");
    return text.substr(at + 18, 36);
  }

  testing::TestDirectory dir_{"weir-delta-stream-test"};
  Session spark = Session::builder()
                      .appName("delta-stream-test")
                      .config("spark.sql.shuffle.partitions", "2")
                      .getOrCreate();
};

TEST_F(DeltaStream, SnapshotFirstThenNewCommitsOneFilePerBatchAndRestart) {
  append(0, 3);
  append(3, 5);
  append(5, 6);
  auto batches = run({{"maxFilesPerTrigger", "1"}});
  EXPECT_EQ(batches, (std::map<int64_t, std::vector<Row>>{
                         {0, rowsOf(0, 3)}, {1, rowsOf(3, 5)}, {2, rowsOf(5, 6)}}));
  // Delta's offsets: positions in the snapshot of version 2, oldest file first.
  EXPECT_EQ(offset(0),
            nlohmann::json::parse(R"({"sourceVersion":1,"reservoirId":")" + tableId() +
                                  R"(","reservoirVersion":2,"index":0,"isStartingVersion":true})"));
  EXPECT_EQ(offset(2).dump(), R"({"index":2,"isStartingVersion":true,"reservoirId":")" + tableId() +
                                  R"(","reservoirVersion":2,"sourceVersion":1})");
  const std::string raw = testing::readFile(path("ckpt/offsets/2"));
  EXPECT_NE(raw.find(R"({"sourceVersion":1,"reservoirId":")" + tableId() +
                     R"(","reservoirVersion":2,"index":2,"isStartingVersion":true})"),
            std::string::npos)
      << raw;
  // Two more commits: the restart reads only them, one batch each.
  append(6, 8);
  append(8, 9);
  batches = run({{"maxFilesPerTrigger", "1"}});
  EXPECT_EQ(batches, (std::map<int64_t, std::vector<Row>>{{3, rowsOf(6, 8)}, {4, rowsOf(8, 9)}}));
  // In a commit the index is the add's position among its actions (commitInfo is 0).
  EXPECT_EQ(offset(3)["reservoirVersion"], 3);
  EXPECT_EQ(offset(3)["index"], 1);
  EXPECT_EQ(offset(3)["isStartingVersion"], false);
  EXPECT_EQ(offset(4)["reservoirVersion"], 4);
  // Nothing new: no batch.
  EXPECT_TRUE(run({{"maxFilesPerTrigger", "1"}}).empty());
  EXPECT_FALSE(fs::exists(path("ckpt/offsets/5")));
  // Batch 2 (the last file of the snapshot) lost its commit record: the restart reads exactly
  // its file again, then the batches after it are not repeated.
  fs::remove(path("ckpt/commits/4"));
  fs::remove(path("ckpt/commits/3"));
  fs::remove(path("ckpt/offsets/4"));
  fs::remove(path("ckpt/offsets/3"));
  fs::remove(path("ckpt/commits/2"));
  batches = run({{"maxFilesPerTrigger", "1"}});
  EXPECT_EQ(batches, (std::map<int64_t, std::vector<Row>>{
                         {2, rowsOf(5, 6)}, {3, rowsOf(6, 8)}, {4, rowsOf(8, 9)}}));
}

TEST_F(DeltaStream, MemorySinkProgressAndRunningQuery) {
  append(0, 2);
  append(2, 3);
  auto q = spark.readStream()
               .format("delta")
               .option("maxFilesPerTrigger", "1")
               .load(path("t"))
               .writeStream()
               .format("memory")
               .queryName("delta_rows")
               .option("checkpointLocation", path("ckpt"))
               .start();
  q.processAllAvailable();
  append(3, 6);
  q.processAllAvailable();
  EXPECT_EQ(sorted(spark.table("delta_rows").collect()), rowsOf(0, 6));
  std::vector<int64_t> rowsPerBatch;
  for (const auto& p : q.recentProgress()) {
    if (p.numInputRows > 0) rowsPerBatch.push_back(p.numInputRows);
  }
  EXPECT_EQ(rowsPerBatch, (std::vector<int64_t>{2, 1, 3}));
  auto last = q.lastProgress();
  ASSERT_TRUE(last.has_value());
  ASSERT_EQ(last->sources.size(), 1u);
  EXPECT_EQ(last->sources[0].description, "DeltaSource[file:" + path("t") + "]");
  EXPECT_EQ(last->sources[0].endOffset, last->sources[0].latestOffset);
  EXPECT_EQ(last->sources[0].metrics.at("numFilesOutstanding"), "0");
  // The table deleted under the running query.
  fs::remove_all(path("t"));
  try {
    q.processAllAvailable();
    q.awaitTermination(10000);
    FAIL() << "the query should fail";
  } catch (const StreamingQueryException& e) {
    EXPECT_EQ(e.causeErrorClass(), "DELTA_MISSING_DELTA_TABLE") << e.what();
  }
}

TEST_F(DeltaStream, RateLimitsAndTriggers) {
  append(0, 1);
  append(1, 2);
  append(2, 3);
  // maxBytesPerTrigger is soft: every batch reads at least one file.
  auto batches = run({{"maxBytesPerTrigger", "1"}}, "bytes");
  EXPECT_EQ(batches, (std::map<int64_t, std::vector<Row>>{
                         {0, rowsOf(0, 1)}, {1, rowsOf(1, 2)}, {2, rowsOf(2, 3)}}));
  batches = run({{"maxFilesPerTrigger", "2"}}, "files");
  EXPECT_EQ(batches, (std::map<int64_t, std::vector<Row>>{{0, rowsOf(0, 2)}, {1, rowsOf(2, 3)}}));
  // Trigger.Once ignores read limits.
  batches = run({{"maxFilesPerTrigger", "1"}}, "once", Trigger::Once());
  EXPECT_EQ(batches, (std::map<int64_t, std::vector<Row>>{{0, rowsOf(0, 3)}}));
  try {
    run({{"maxFilesPerTrigger", "0"}}, "bad");
    FAIL();
  } catch (const InvalidInputError& e) {
    EXPECT_EQ(e.errorClass(), "INVALID_PARAMETER_VALUE");
  }
}

TEST_F(DeltaStream, StartingVersionAndTimestamp) {
  for (int v = 0; v < 4; ++v) append(v * 10, v * 10 + 2);
  auto all = [](std::map<int64_t, std::vector<Row>> batches) {
    std::vector<Row> rows;
    for (auto& [id, b] : batches) rows.insert(rows.end(), b.begin(), b.end());
    return sorted(rows);
  };
  std::vector<Row> want = rowsOf(20, 22);
  for (const auto& r : rowsOf(30, 32)) want.push_back(r);
  EXPECT_EQ(all(run({{"startingVersion", "2"}}, "v2")), want);
  EXPECT_EQ(offset(0, "v2")["isStartingVersion"], false);
  for (int v = 0; v < 4; ++v) {
    setCommitTime(formats::delta::commitFilePath(path("t"), v),
                  "2024-01-0" + std::to_string(v + 1) + " 00:00:00");
  }
  EXPECT_EQ(all(run({{"startingTimestamp", "2024-01-02 12:00:00"}}, "ts")), want);
  EXPECT_EQ(all(run({{"startingTimestamp", "2024-01-01"}}, "ts0")).size(), 8u);
  // After every commit: only what comes later.
  EXPECT_TRUE(run({{"startingTimestamp", "2030-01-01"}}, "ts-late").empty());
  // latest: only commits after the query starts.
  std::vector<Row> seen;
  std::mutex mutex;
  auto q = spark.readStream()
               .format("delta")
               .option("startingVersion", "latest")
               .load(path("t"))
               .writeStream()
               .option("checkpointLocation", path("latest"))
               .foreachBatch([&](const DataFrame& df, int64_t) {
                 auto rows = df.collect();
                 std::lock_guard lock(mutex);
                 seen.insert(seen.end(), rows.begin(), rows.end());
               })
               .start();
  q.processAllAvailable();
  append(40, 41);
  q.processAllAvailable();
  q.stop();
  EXPECT_EQ(sorted(seen), rowsOf(40, 41));
  try {
    run({{"startingVersion", "9"}}, "v9");
    FAIL();
  } catch (const StreamingQueryException& e) {
    EXPECT_EQ(e.causeErrorClass(), "DELTA_VERSION_NOT_FOUND") << e.what();
  }
  EXPECT_THROW(run({{"startingVersion", "1"}, {"startingTimestamp", "2024-01-01"}}, "both"),
               InvalidInputError);
}

TEST_F(DeltaStream, OverwriteFailsTheQueryUnlessChangeCommitsAreSkipped) {
  append(0, 2);
  append(2, 3);
  EXPECT_EQ(run({}).size(), 1u);
  append(100, 101, "t", "overwrite");  // version 2: removes the files of 0-2
  append(3, 4);                        // version 3
  try {
    run({});
    FAIL() << "the overwrite should fail the query";
  } catch (const StreamingQueryException& e) {
    EXPECT_EQ(e.causeErrorClass(), "DELTA_SOURCE_TABLE_IGNORE_CHANGES");
    EXPECT_NE(std::string(e.what()).find("version 2 (WRITE)"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("skipChangeCommits"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(path("ckpt/offsets/1")));
  // skipChangeCommits: version 2 is skipped entirely (its rows too), version 3 is read.
  EXPECT_EQ(run({{"skipChangeCommits", "true"}}),
            (std::map<int64_t, std::vector<Row>>{{1, rowsOf(3, 4)}}));
}

TEST_F(DeltaStream, PureDeletesNeedIgnoreDeletes) {
  append(0, 2);
  EXPECT_EQ(run({}).size(), 1u);
  // Version 1 deletes the only file (what DELETE without a predicate commits).
  const auto v0 = formats::delta::readCommit(path("t"), 0);
  ASSERT_EQ(v0.adds.size(), 1u);
  ASSERT_TRUE(
      formats::delta::writeCommitFile(path("t"), 1,
                                      R"({"commitInfo":{"timestamp":1,"operation":"DELETE"}})"
                                      "\n"
                                      R"({"remove":{"path":")" +
                                          v0.adds[0].file.path +
                                          R"(","deletionTimestamp":1,"dataChange":true}})"
                                          "\n"));
  append(5, 6);
  try {
    run({});
    FAIL();
  } catch (const StreamingQueryException& e) {
    EXPECT_EQ(e.causeErrorClass(), "DELTA_SOURCE_IGNORE_DELETE");
    EXPECT_NE(std::string(e.what()).find("version 1 (DELETE)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(run({{"ignoreDeletes", "true"}}),
            (std::map<int64_t, std::vector<Row>>{{1, rowsOf(5, 6)}}));
}

TEST_F(DeltaStream, SchemaChangeFailsNamingTheVersion) {
  append(0, 2);
  auto q = spark.readStream()
               .format("delta")
               .load(path("t"))
               .writeStream()
               .format("memory")
               .queryName("before")
               .option("checkpointLocation", path("ckpt"))
               .start();
  q.processAllAvailable();
  spark
      .createDataFrame({Row({I(7), S("r7"), I(1)})},
                       StructType::fromDDL("k BIGINT, v STRING, extra BIGINT"))
      .write()
      .format("delta")
      .mode("append")
      .option("mergeSchema", "true")
      .save(path("t"));
  try {
    q.processAllAvailable();
    FAIL() << "the schema change should stop the query";
  } catch (const StreamingQueryException& e) {
    EXPECT_EQ(e.causeErrorClass(), "DELTA_SCHEMA_CHANGED_WITH_VERSION");
    EXPECT_NE(std::string(e.what()).find("changed in version 1"), std::string::npos) << e.what();
  }
  EXPECT_EQ(sorted(spark.table("before").collect()), rowsOf(0, 2));
  // Restarted, the query reads with the new schema and goes on after what it read.
  EXPECT_EQ(run({}), (std::map<int64_t, std::vector<Row>>{{1, {Row({I(7), S("r7"), I(1)})}}}));
  // From version 0, whose schema is not the table's now: the same error, naming version 0.
  try {
    run({{"startingVersion", "0"}}, "from0");
    FAIL();
  } catch (const StreamingQueryException& e) {
    EXPECT_NE(std::string(e.what()).find("changed in version 0"), std::string::npos) << e.what();
  }
}

TEST_F(DeltaStream, MissingOrReplacedTable) {
  try {
    spark.readStream().format("delta").load(path("nothing"));
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "DELTA_MISSING_DELTA_TABLE");
  }
  append(0, 1);
  // The path as an option, as the other sources take it.
  EXPECT_EQ(
      spark.readStream().format("delta").option("path", path("t")).load().schema().type()->sql(),
      "STRUCT<k: BIGINT, v: STRING>");
  auto df = spark.readStream().format("delta").load(path("t"));
  fs::remove_all(path("t"));
  auto q = df.writeStream()
               .format("memory")
               .queryName("gone")
               .option("checkpointLocation", path("ckpt"))
               .start();
  try {
    q.awaitTermination();
    FAIL();
  } catch (const StreamingQueryException& e) {
    EXPECT_EQ(e.causeErrorClass(), "DELTA_MISSING_DELTA_TABLE") << e.what();
  }
  // Created again (a new table id): a checkpoint of the old table is refused.
  append(0, 1);
  EXPECT_EQ(run({}, "ckpt2").size(), 1u);
  fs::remove_all(path("t"));
  append(5, 6);
  try {
    run({}, "ckpt2");
    FAIL();
  } catch (const StreamingQueryException& e) {
    EXPECT_EQ(e.causeErrorClass(), "DIFFERENT_DELTA_TABLE_READ_BY_STREAMING_SOURCE") << e.what();
  }
}

TEST_F(DeltaStream, DeltaToDeltaPipeline) {
  append(0, 3);
  append(3, 5);
  auto start = [&] {
    return spark.readStream()
        .format("delta")
        .option("maxFilesPerTrigger", "1")
        .load(path("t"))
        .filter(functions::col("k") % 2 == 0)
        .select(functions::col("k"), functions::upper(functions::col("v")).alias("v"))
        .writeStream()
        .format("delta")
        .trigger(Trigger::AvailableNow())
        .option("checkpointLocation", path("ckpt"))
        .start(path("out"));
  };
  EXPECT_TRUE(start().awaitTermination(30000));
  append(5, 9);
  EXPECT_TRUE(start().awaitTermination(30000));
  auto rows = sorted(spark.read().format("delta").load(path("out")).collect());
  EXPECT_EQ(rows,
            (std::vector<Row>{Row({I(0), S("R0")}), Row({I(2), S("R2")}), Row({I(4), S("R4")}),
                              Row({I(6), S("R6")}), Row({I(8), S("R8")})}));
  // One commit per batch, one batch per source file.
  EXPECT_TRUE(fs::exists(formats::delta::commitFilePath(path("out"), 2)));
  EXPECT_FALSE(fs::exists(formats::delta::commitFilePath(path("out"), 3)));
}

// Every Delta acceptance table (deletion vectors, column mapping, checkpoints included) streams
// from its snapshot exactly the rows a batch read gives.
TEST_F(DeltaStream, EveryAcceptanceTableStreamsItsSnapshot) {
  const char* env = std::getenv("WEIR_TESTDATA");
  const fs::path dat = fs::path(env != nullptr ? env : WEIR_TESTDATA_DEFAULT) / "delta" / "dat";
  ASSERT_TRUE(fs::is_directory(dat)) << dat;
  auto render = [](const std::vector<Row>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.toString());
    std::sort(out.begin(), out.end());
    return out;
  };
  int compared = 0;
  for (const auto& entry : fs::directory_iterator(dat)) {
    const std::string table = (entry.path() / "delta").string();
    if (!fs::is_directory(table)) continue;
    const auto want = render(spark.read().format("delta").load(table).collect());
    std::vector<Row> got;
    std::mutex mutex;
    auto q = spark.readStream()
                 .format("delta")
                 .option("maxFilesPerTrigger", "2")
                 .load(table)
                 .writeStream()
                 .trigger(Trigger::AvailableNow())
                 .option("checkpointLocation", path("ckpt-" + entry.path().filename().string()))
                 .foreachBatch([&](const DataFrame& df, int64_t) {
                   auto rows = df.collect();
                   std::lock_guard lock(mutex);
                   got.insert(got.end(), rows.begin(), rows.end());
                 })
                 .start();
    EXPECT_TRUE(q.awaitTermination(30000)) << table;
    EXPECT_EQ(render(got), want) << table;
    ++compared;
  }
  EXPECT_GE(compared, 19);
}

// ----- the table commands (weir delta history|describe|vacuum|optimize)

namespace delta = formats::delta;

delta::OptimizeOptions optimizeOptions(const std::string& where, int64_t target = int64_t{1} << 30,
                                       std::function<void()> beforeCommit = nullptr) {
  delta::OptimizeOptions o;
  o.where = where;
  o.targetSizeBytes = target;
  o.beforeCommit = std::move(beforeCommit);
  return o;
}

delta::VacuumOptions vacuumOptions(bool dryRun, std::optional<double> retainHours = std::nullopt,
                                   std::optional<int64_t> nowMs = std::nullopt,
                                   bool force = false) {
  delta::VacuumOptions o;
  o.force = force;
  o.dryRun = dryRun;
  o.retainHours = retainHours;
  o.nowMs = nowMs;
  return o;
}

class DeltaCommands : public DeltaStream {
 protected:
  // Two appends, then an overwrite (version 2) that removes their files: the data files of
  // versions 0 and 1, and the live one.
  struct Overwritten {
    std::string v0, v1, live;
  };
  Overwritten appendTwiceThenOverwrite() {
    append(0, 2);
    append(2, 4);
    append(10, 11, "t", "overwrite");
    return {delta::readCommit(path("t"), 0).adds.at(0).file.path,
            delta::readCommit(path("t"), 1).adds.at(0).file.path,
            delta::loadSnapshot(path("t")).files.at(0).path};
  }
  static int64_t nowSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // Appends one file per partition: rows (p, k) for k in [from, to), p = "a" for even k, else "b".
  void appendPartitioned(int from, int to) {
    std::vector<Row> rows;
    for (int k = from; k < to; ++k) rows.push_back(Row({S(k % 2 ? "b" : "a"), I(k)}));
    spark.createDataFrame(rows, StructType::fromDDL("p STRING, k BIGINT"))
        .write()
        .format("delta")
        .mode("append")
        .partitionBy({"p"})
        .save(path("t"));
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
  }
  std::vector<Row> tableRows() {
    return sorted(spark.read().format("delta").load(path("t")).collect());
  }
  static std::vector<Row> partitionedRows(int from, int to) {
    std::vector<Row> rows;
    for (int k = from; k < to; ++k) rows.push_back(Row({S(k % 2 ? "b" : "a"), I(k)}));
    return sorted(rows);
  }
  std::vector<std::string> commitLines(int64_t version) {
    std::vector<std::string> out;
    std::istringstream in(testing::readFile(delta::commitFilePath(path("t"), version)));
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
};

TEST_F(DeltaCommands, OptimizeCompactsEachPartitionKeepingTheRows) {
  for (int i = 0; i < 4; ++i) appendPartitioned(i * 10, i * 10 + 4);
  ASSERT_EQ(delta::loadSnapshot(path("t")).files.size(), 8u);
  // A stream read everything before the compaction.
  std::vector<Row> streamed;
  for (auto& [id, rows] : run({}, "ckpt"))
    streamed.insert(streamed.end(), rows.begin(), rows.end());
  const auto before = tableRows();
  EXPECT_EQ(sorted(streamed), before);

  auto result = delta::optimizeTable(path("t"), {});
  EXPECT_EQ(result.version, 4);
  EXPECT_EQ(result.numFilesRemoved, 8);
  EXPECT_EQ(result.numFilesAdded, 2);
  EXPECT_EQ(result.partitionsOptimized, 2);
  EXPECT_EQ(tableRows(), before);
  const auto snapshot = delta::loadSnapshot(path("t"));
  ASSERT_EQ(snapshot.files.size(), 2u);
  int64_t added = 0;
  for (const auto& f : snapshot.files) added += f.size;
  EXPECT_EQ(added, result.numBytesAdded);
  // The commit: commitInfo OPTIMIZE, 8 removes and 2 adds, all dataChange=false.
  const auto lines = commitLines(4);
  ASSERT_EQ(lines.size(), 11u);
  auto info = nlohmann::json::parse(lines[0])["commitInfo"];
  EXPECT_EQ(info["operation"], "OPTIMIZE");
  EXPECT_EQ(info["operationMetrics"]["numRemovedFiles"], "8");
  EXPECT_EQ(info["operationMetrics"]["numAddedFiles"], "2");
  for (size_t i = 1; i < lines.size(); ++i) {
    auto a = nlohmann::json::parse(lines[i]);
    const auto& action = i <= 8 ? a["remove"] : a["add"];
    EXPECT_EQ(action["dataChange"], false) << lines[i];
  }
  // The stream passes over the compaction: no error, no row twice; then reads the next append.
  std::vector<Row> after;
  for (auto& [id, rows] : run({}, "ckpt")) after.insert(after.end(), rows.begin(), rows.end());
  EXPECT_TRUE(after.empty());
  appendPartitioned(100, 102);
  after.clear();
  for (auto& [id, rows] : run({}, "ckpt")) after.insert(after.end(), rows.begin(), rows.end());
  EXPECT_EQ(sorted(after), partitionedRows(100, 102));

  // Only partition a: its compacted file and the two new ones become one file; b keeps its 2+1.
  appendPartitioned(200, 202);
  result = delta::optimizeTable(path("t"), optimizeOptions("p = 'a'"));
  EXPECT_EQ(result.numFilesRemoved, 3);
  EXPECT_EQ(result.numFilesAdded, 1);
  size_t filesOfB = 0;
  for (const auto& f : delta::loadSnapshot(path("t")).files) {
    if (f.partitionValues.at("p") == std::optional<std::string>("b")) ++filesOfB;
  }
  EXPECT_EQ(filesOfB, 3u);
  EXPECT_EQ(delta::loadSnapshot(path("t")).files.size(), 4u);
  std::vector<Row> want = before;
  for (const auto& r : partitionedRows(100, 102)) want.push_back(r);
  for (const auto& r : partitionedRows(200, 202)) want.push_back(r);
  EXPECT_EQ(tableRows(), sorted(want));
  // Files at or above the target are left alone; nothing to do commits nothing.
  EXPECT_EQ(delta::optimizeTable(path("t"), optimizeOptions("", 1)).version, -1);
  try {
    delta::optimizeTable(path("t"), optimizeOptions("k = 1"));
    FAIL();
  } catch (const InvalidInputError& e) {
    EXPECT_EQ(e.errorClass(), "DELTA_OPTIMIZE_NON_PARTITION_FILTER");
  }
}

TEST_F(DeltaCommands, OptimizeBinPacksUpToTheTargetSize) {
  for (int i = 0; i < 5; ++i) append(i * 10, i * 10 + 1);
  int64_t smallest = INT64_MAX, largest = 0;
  for (const auto& f : delta::loadSnapshot(path("t")).files) {
    smallest = std::min(smallest, f.size);
    largest = std::max(largest, f.size);
  }
  ASSERT_GT(3 * smallest, 2 * largest + 1);  // two files fit in a bin, three do not
  // Oldest first: bins {0, 1}, {2, 3}, and {4} alone, which stays as it is.
  auto result = delta::optimizeTable(path("t"), optimizeOptions("", 2 * largest + 1));
  EXPECT_EQ(result.numBins, 2);
  EXPECT_EQ(result.numFilesRemoved, 4);
  EXPECT_EQ(result.numFilesAdded, 2);
  const auto snapshot = delta::loadSnapshot(path("t"));
  EXPECT_EQ(snapshot.files.size(), 3u);
  const auto v4 = delta::readCommit(path("t"), 4).adds.at(0).file.path;
  EXPECT_TRUE(std::any_of(snapshot.files.begin(), snapshot.files.end(),
                          [&](const auto& f) { return f.path == v4; }));
  std::vector<Row> want;
  for (int i = 0; i < 5; ++i) want.push_back(Row({I(i * 10), S("r" + std::to_string(i * 10))}));
  EXPECT_EQ(sorted(spark.read().format("delta").load(path("t")).collect()), sorted(want));
}

TEST_F(DeltaCommands, OptimizeUnderConcurrentCommits) {
  append(0, 2);
  append(2, 4);
  append(4, 6);
  // An append committed while OPTIMIZE runs: both land.
  auto result =
      delta::optimizeTable(path("t"), optimizeOptions("", int64_t{1} << 30, [&] { append(6, 7); }));
  EXPECT_EQ(result.version, 4);
  EXPECT_EQ(sorted(spark.read().format("delta").load(path("t")).collect()), rowsOf(0, 7));
  EXPECT_EQ(delta::loadSnapshot(path("t")).files.size(), 2u);
  // An overwrite removing the files OPTIMIZE compacts: OPTIMIZE fails and commits nothing.
  append(7, 8);
  size_t parquetFiles = 0;
  auto countParquet = [&] {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(path("t"))) n += e.path().extension() == ".parquet";
    return n;
  };
  try {
    delta::optimizeTable(path("t"), optimizeOptions("", int64_t{1} << 30, [&] {
                           append(100, 101, "t", "overwrite");
                           parquetFiles = countParquet();
                         }));
    FAIL();
  } catch (const UnsupportedOperationError& e) {
    EXPECT_EQ(e.errorClass(), "DELTA_CONCURRENT_DELETE_READ");
    EXPECT_NE(std::string(e.what()).find("version 6"), std::string::npos) << e.what();
  }
  EXPECT_EQ(countParquet(), parquetFiles - 1);  // its new file deleted
  EXPECT_FALSE(fs::exists(delta::commitFilePath(path("t"), 7)));
  EXPECT_EQ(sorted(spark.read().format("delta").load(path("t")).collect()), rowsOf(100, 101));
}

TEST_F(DeltaCommands, VacuumDeletesOnlyUnneededOldFiles) {
  const auto [v0, v1, live] = appendTwiceThenOverwrite();
  const int64_t now = nowSeconds();
  const int64_t tenDaysAgo = now - 10 * 86400;
  for (const auto& f : {v0, v1, live}) setModificationTime(path("t/" + f), tenDaysAgo);
  fs::create_directories(path("t/old=1"));
  fs::create_directories(path("t/_tmp"));
  for (const auto& f : {"stray.parquet", "old=1/stray2.parquet", "fresh.parquet", "_tmp/x.parquet",
                        ".hidden.parquet"}) {
    std::ofstream(path("t/") + f) << "x";
    if (std::string(f) != "fresh.parquet") setModificationTime(path("t/") + f, tenDaysAgo);
  }
  // Within the 7-day retention of the removes, their files stay; untracked old files go.
  auto result = delta::vacuumTable(path("t"), vacuumOptions(true));
  EXPECT_EQ(result.files, (std::vector<std::string>{"old=1/stray2.parquet", "stray.parquet"}));
  EXPECT_EQ(result.bytes, 2);
  EXPECT_TRUE(fs::exists(path("t/stray.parquet")));
  try {
    delta::vacuumTable(path("t"), vacuumOptions(false, 1));
    FAIL();
  } catch (const InvalidInputError& e) {
    EXPECT_EQ(e.errorClass(), "DELTA_VACUUM_RETENTION_PERIOD_TOO_SHORT");
  }
  // Eight days later the removes have expired too.
  const int64_t later = (now + 8 * 86400) * 1000;
  result = delta::vacuumTable(path("t"), vacuumOptions(true, std::nullopt, later));
  std::vector<std::string> want = {v0, v1, "fresh.parquet", "old=1/stray2.parquet",
                                   "stray.parquet"};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(result.files, want);
  result = delta::vacuumTable(path("t"), vacuumOptions(false, 168, later));
  EXPECT_EQ(result.files, want);
  EXPECT_EQ(result.directoriesRemoved, 1);  // old=1
  for (const auto& f : want) EXPECT_FALSE(fs::exists(path("t/" + f))) << f;
  EXPECT_TRUE(fs::exists(path("t/" + live)));
  EXPECT_TRUE(fs::exists(path("t/_tmp/x.parquet")));
  EXPECT_TRUE(fs::exists(path("t/.hidden.parquet")));
  EXPECT_EQ(sorted(spark.read().format("delta").load(path("t")).collect()), rowsOf(10, 11));
  // Logged as Delta logs it, and the history shows it.
  std::vector<std::string> operations;
  for (const auto& e : delta::tableHistory(path("t"))) operations.push_back(e.operation);
  EXPECT_EQ(operations,
            (std::vector<std::string>{"VACUUM END", "VACUUM START", "WRITE", "WRITE", "WRITE"}));
  const auto start = delta::tableHistory(path("t"), 2).back();
  EXPECT_EQ(start.operationMetrics["numFilesToDelete"], "5");
  EXPECT_EQ(start.operationParameters["specifiedRetentionMillis"], 168 * 3600 * 1000);
  // A stream over the table passes the VACUUM commits.
  for (const auto& [id, rows] : run({{"startingVersion", "3"}}, "vacuum-stream"))
    EXPECT_TRUE(rows.empty()) << id;
}

// The removes of a checkpoint count as those of the commits: once log cleanup took the commit of
// an overwrite, the checkpoint's tombstones still keep the removed files while the retention
// covers them.
TEST_F(DeltaCommands, VacuumKeepsTheFilesOfACheckpointsTombstones) {
  const auto [v0, v1, live] = appendTwiceThenOverwrite();
  delta::writeCheckpoint(path("t"), 2);
  for (int64_t v = 0; v <= 2; ++v) fs::remove(delta::commitFilePath(path("t"), v));
  const int64_t now = nowSeconds();
  for (const auto& f : {v0, v1, live}) setModificationTime(path("t/" + f), now - 10 * 86400);
  EXPECT_TRUE(delta::vacuumTable(path("t"), vacuumOptions(true)).files.empty());
  // Eight days later they have expired.
  auto result =
      delta::vacuumTable(path("t"), vacuumOptions(false, std::nullopt, (now + 8 * 86400) * 1000));
  std::vector<std::string> want = {v0, v1};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(result.files, want);
  EXPECT_EQ(sorted(spark.read().format("delta").load(path("t")).collect()), rowsOf(10, 11));
}

TEST_F(DeltaCommands, HistoryAndDescribe) {
  appendPartitioned(0, 3);
  appendPartitioned(3, 6);
  delta::optimizeTable(path("t"), {});
  auto history = delta::tableHistory(path("t"));
  ASSERT_EQ(history.size(), 3u);
  EXPECT_EQ(history[0].version, 2);
  EXPECT_EQ(history[0].operation, "OPTIMIZE");
  EXPECT_EQ(history[0].readVersion, std::optional<int64_t>(1));
  EXPECT_EQ(history[1].operation, "WRITE");
  EXPECT_EQ(history[1].operationParameters["mode"], "Append");
  EXPECT_EQ(history[1].operationMetrics["numOutputRows"], "3");
  EXPECT_EQ(history[1].operationMetrics["numFiles"], "2");
  EXPECT_EQ(history[2].version, 0);
  EXPECT_EQ(delta::tableHistory(path("t"), 1).size(), 1u);
  const std::string text = delta::formatHistory(history);
  EXPECT_EQ(text.substr(0, text.find('\n')).substr(0, 18), "version  timestamp");
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
  EXPECT_NE(text.find("OPTIMIZE"), std::string::npos);

  auto detail = delta::describeTable(path("t"));
  EXPECT_EQ(detail.location, path("t"));
  EXPECT_EQ(detail.id, tableId());
  EXPECT_EQ(detail.version, 2);
  EXPECT_EQ(detail.numFiles, 2);
  int64_t size = 0;
  for (const auto& f : delta::loadSnapshot(path("t")).files) size += f.size;
  EXPECT_EQ(detail.sizeInBytes, size);
  EXPECT_EQ(detail.partitionColumns, std::vector<std::string>{"p"});
  const std::string shown = delta::formatDetail(detail);
  EXPECT_NE(shown.find("partitionColumns:  [p]\n"), std::string::npos) << shown;
  EXPECT_NE(shown.find("protocol:          minReaderVersion 1, minWriterVersion 2\n"),
            std::string::npos)
      << shown;
  EXPECT_NE(
      shown.find(
          "schema:\nroot\n |-- p: string (nullable = true)\n |-- k: long (nullable = true)\n"),
      std::string::npos)
      << shown;
}

// A table with a deletion vector (DAT deletion_vectors, plus a file Weir appends): vacuum keeps
// the vector file while its data file is live; optimize reads through the vector.
TEST_F(DeltaCommands, DeletionVectorTables) {
  const char* env = std::getenv("WEIR_TESTDATA");
  const fs::path source = fs::path(env != nullptr ? env : WEIR_TESTDATA_DEFAULT) / "delta" / "dat" /
                          "deletion_vectors" / "delta";
  fs::copy(source, path("t"), fs::copy_options::recursive);
  spark
      .createDataFrame({Row({S("z"), I(99), Value::date(19000)})},
                       StructType::fromDDL("letter STRING, int BIGINT, date DATE"))
      .write()
      .format("delta")
      .mode("append")
      .save(path("t"));
  const auto before = sorted(spark.read().format("delta").load(path("t")).collect());
  ASSERT_EQ(before.size(), 2u);  // the row of 5 the vector leaves, and Weir's
  const int64_t now = nowSeconds();
  std::vector<std::string> dataFiles;
  for (const auto& e : fs::directory_iterator(path("t"))) {
    if (!e.is_regular_file()) continue;
    setModificationTime(e.path().string(), now - 10 * 86400);
    // Spark's hidden .crc files are not vacuum's business.
    if (e.path().filename().string()[0] != '.') dataFiles.push_back(e.path().filename().string());
  }
  std::sort(dataFiles.begin(), dataFiles.end());
  ASSERT_EQ(dataFiles.size(), 3u);
  ASSERT_EQ(dataFiles[0].rfind("deletion_vector_", 0), 0u);
  EXPECT_TRUE(
      delta::vacuumTable(path("t"), vacuumOptions(true, 0, std::nullopt, true)).files.empty());

  auto result = delta::optimizeTable(path("t"), {});
  EXPECT_EQ(result.numFilesRemoved, 2);
  EXPECT_EQ(result.numFilesAdded, 1);
  EXPECT_EQ(sorted(spark.read().format("delta").load(path("t")).collect()), before);
  const auto snapshot = delta::loadSnapshot(path("t"));
  ASSERT_EQ(snapshot.files.size(), 1u);
  EXPECT_FALSE(snapshot.files[0].deletionVector.has_value());
  // The remove of the compacted file names its vector, as the add did.
  EXPECT_NE(testing::readFile(delta::commitFilePath(path("t"), 4))
                .find("\"remove\":{\"path\":\"part-00000-2a439866"),
            std::string::npos);
  // Once the removes expire, the old files and the vector go.
  EXPECT_EQ(
      delta::vacuumTable(path("t"), vacuumOptions(false, 0, (now + 86400) * 1000, true)).files,
      dataFiles);
  EXPECT_EQ(sorted(spark.read().format("delta").load(path("t")).collect()), before);
}

TEST_F(DeltaCommands, TablesWithFeaturesTheCommandsDoNotHandleAreRefused) {
  append(0, 1);
  append(1, 2);
  ASSERT_TRUE(delta::writeCommitFile(
      path("t"), 2,
      R"({"protocol":{"minReaderVersion":1,"minWriterVersion":7,"writerFeatures":["domainMetadata","rowTracking"]}})"
      "\n"));
  for (int i = 0; i < 2; ++i) {
    try {
      if (i == 0)
        delta::optimizeTable(path("t"), {});
      else
        delta::vacuumTable(path("t"), vacuumOptions(false));
      FAIL();
    } catch (const UnsupportedOperationError& e) {
      EXPECT_EQ(e.errorClass(), "DELTA_UNSUPPORTED_FEATURES");
      EXPECT_NE(std::string(e.what()).find("[rowTracking]"), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(fs::exists(delta::commitFilePath(path("t"), 3)));
  // Nor do they commit to a table with a writer feature Weir does not know, or a later writer
  // version; constraints they need not check (they change no rows).
  append(0, 1, "u");
  append(1, 2, "u");
  for (
      const std::string protocol :
      {R"({"minReaderVersion":1,"minWriterVersion":7,"writerFeatures":["checkConstraints","futureWriterFeature"]})",
       R"({"minReaderVersion":1,"minWriterVersion":8})"}) {
    const std::string name = protocol.find("future") != std::string::npos ? "[futureWriterFeature]"
                                                                          : "[writer version 8]";
    const int64_t version = delta::latestVersion(path("u")) + 1;
    ASSERT_TRUE(delta::writeCommitFile(path("u"), version, R"({"protocol":)" + protocol + "}\n"));
    for (int i = 0; i < 2; ++i) {
      try {
        if (i == 0)
          delta::optimizeTable(path("u"), {});
        else
          delta::vacuumTable(path("u"), vacuumOptions(false));
        ADD_FAILURE() << name;
      } catch (const UnsupportedOperationError& e) {
        EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
      }
    }
    EXPECT_FALSE(fs::exists(delta::commitFilePath(path("u"), version + 1)));
  }
  ASSERT_TRUE(delta::writeCommitFile(path("u"), 4,
                                     R"({"protocol":{"minReaderVersion":1,"minWriterVersion":3}})"
                                     "\n"));
  EXPECT_EQ(delta::optimizeTable(path("u"), {}).version, 5);
}

}  // namespace
}  // namespace weir
