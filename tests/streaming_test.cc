// Streaming queries end to end through the public API: MemoryStream and rate sources, memory,
// foreachBatch and console sinks, triggers, the checkpoint files, restarts and failures.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "weir/base/time.h"
#include "weir/io/fault_injecting_file_system.h"
#include "test_support.h"
#include "weir/weir.h"

namespace weir {
namespace {

using namespace functions;  // NOLINT
using columnar::Row;
using columnar::Value;

using testing::I;
using testing::readFile;
using testing::S;
using testing::sorted;

class StreamingTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& q : spark.streams().active()) q.stop();
  }
  std::string path(const std::string& name) const { return dir_.path(name); }

  testing::TestDirectory dir_{"weir-streaming-test"};
  Session spark = Session::builder().appName("streaming-test").config("spark.sql.shuffle.partitions", "2").getOrCreate();
};

TEST_F(StreamingTest, StatelessQueryIntoMemorySinkWritesSparksCheckpointFiles) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("name STRING, n BIGINT"));
  auto df = input.toDF().filter(col("n") > lit(1)).select(col("name"), (col("n") * lit(10)).alias("n10"));
  EXPECT_TRUE(df.isStreaming());
  auto query = df.writeStream()
                   .format("memory")
                   .queryName("scaled")
                   .option("checkpointLocation", path("ckpt"))
                   .start();
  EXPECT_TRUE(query.isActive());
  input.addData({Row({S("a"), I(1)}), Row({S("b"), I(2)})});
  query.processAllAvailable();
  input.addData({Row({S("c"), I(3)})});
  query.processAllAvailable();
  EXPECT_EQ(sorted(spark.table("scaled").collect()), (std::vector<Row>{Row({S("b"), I(20)}), Row({S("c"), I(30)})}));
  auto progress = query.lastProgress();
  ASSERT_TRUE(progress.has_value());
  EXPECT_EQ(progress->batchId, 1);
  EXPECT_EQ(progress->numInputRows, 1);
  ASSERT_EQ(progress->sources.size(), 1u);
  EXPECT_EQ(progress->sources[0].startOffset, std::optional<std::string>("0"));
  EXPECT_EQ(progress->sources[0].endOffset, std::optional<std::string>("1"));
  EXPECT_EQ(progress->sink.numOutputRows, 1);
  EXPECT_NE(progress->json().find("\"batchId\":1,"), std::string::npos) << progress->json();
  // Spark's durationMs phases; the whole trigger covers the others.
  std::vector<std::string> phases;
  int64_t parts = 0;
  for (const auto& [name, ms] : progress->durationMs) {
    phases.push_back(name);
    EXPECT_GE(ms, 0) << name;
    if (name != "triggerExecution") parts += ms;
  }
  EXPECT_EQ(phases, (std::vector<std::string>{"addBatch", "commitOffsets", "getBatch", "latestOffset", "queryPlanning",
                                              "triggerExecution", "walCommit"}));
  EXPECT_GE(progress->durationMs.at("triggerExecution"), parts);
  EXPECT_EQ(progress->batchDuration, progress->durationMs.at("triggerExecution"));
  query.stop();
  EXPECT_FALSE(query.isActive());
  // Spark's files: metadata, offsets/N (written before the batch), commits/N (after).
  std::string metadata = readFile(path("ckpt/metadata"));
  EXPECT_EQ(metadata, "{\"id\":\"" + query.id() + "\"}");
  std::string offsets1 = readFile(path("ckpt/offsets/1"));
  EXPECT_EQ(offsets1.rfind("v1\n{\"batchWatermarkMs\":0,\"batchTimestampMs\":", 0), 0u) << offsets1;
  EXPECT_NE(offsets1.find("\"spark.sql.shuffle.partitions\":\"2\""), std::string::npos) << offsets1;
  EXPECT_EQ(offsets1.substr(offsets1.size() - 2), "\n1");
  EXPECT_EQ(readFile(path("ckpt/commits/0")), "v1\n{\"nextBatchWatermarkMs\":0}");
  EXPECT_EQ(readFile(path("ckpt/commits/1")), "v1\n{\"nextBatchWatermarkMs\":0}");
  EXPECT_FALSE(std::filesystem::exists(path("ckpt/offsets/2")));
}

TEST_F(StreamingTest, RestartContinuesAfterTheLastCommittedBatch) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("v BIGINT"));
  std::mutex m;
  std::vector<std::pair<int64_t, std::vector<Row>>> seen;
  auto sinkFn = [&](const DataFrame& batch, int64_t id) {
    std::lock_guard lock(m);
    seen.emplace_back(id, sorted(batch.collect()));
  };
  auto start = [&] {
    return input.toDF().writeStream().foreachBatch(sinkFn).option("checkpointLocation", path("ckpt")).start();
  };
  auto q1 = start();
  input.addData({Row({I(1)}), Row({I(2)})});
  q1.processAllAvailable();
  std::string firstId = q1.id(), firstRun = q1.runId();
  q1.stop();
  input.addData({Row({I(3)})});
  auto q2 = start();
  q2.processAllAvailable();
  EXPECT_EQ(q2.id(), firstId);
  EXPECT_NE(q2.runId(), firstRun);
  q2.stop();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].first, 0);
  EXPECT_EQ(seen[0].second, (std::vector<Row>{Row({I(1)}), Row({I(2)})}));
  EXPECT_EQ(seen[1].first, 1);
  EXPECT_EQ(seen[1].second, (std::vector<Row>{Row({I(3)})}));
}

TEST_F(StreamingTest, FailedBatchIsRerunWithTheSameDataAfterRestart) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("v BIGINT"));
  std::atomic<bool> failOnce{true};
  std::mutex m;
  std::vector<std::pair<int64_t, std::vector<Row>>> seen;
  auto sinkFn = [&](const DataFrame& batch, int64_t id) {
    std::lock_guard lock(m);
    seen.emplace_back(id, sorted(batch.collect()));
    if (id == 1 && failOnce.exchange(false)) throw IoError("IO_ERROR", "the sink's disk is full");
  };
  auto start = [&] {
    return input.toDF().writeStream().foreachBatch(sinkFn).option("checkpointLocation", path("ckpt")).start();
  };
  auto q1 = start();
  input.addData({Row({I(1)})});
  q1.processAllAvailable();
  input.addData({Row({I(2)})});
  try {
    q1.awaitTermination();
    FAIL() << "the query should have failed";
  } catch (const StreamingQueryException& e) {
    EXPECT_EQ(e.errorClass(), "STREAM_FAILED");
    EXPECT_EQ(e.causeErrorClass(), "IO_ERROR");
    EXPECT_NE(std::string(e.what()).find("the sink's disk is full"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(q1.isActive());
  EXPECT_NE(q1.exception(), nullptr);
  // offsets/1 was logged, commits/1 was not: the restart runs batch 1 again with the same rows,
  // before anything added later.
  EXPECT_TRUE(std::filesystem::exists(path("ckpt/offsets/1")));
  EXPECT_FALSE(std::filesystem::exists(path("ckpt/commits/1")));
  input.addData({Row({I(3)})});
  auto q2 = start();
  q2.processAllAvailable();
  q2.stop();
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[1], (std::pair<int64_t, std::vector<Row>>{1, {Row({I(2)})}}));
  EXPECT_EQ(seen[2], (std::pair<int64_t, std::vector<Row>>{1, {Row({I(2)})}}));
  EXPECT_EQ(seen[3], (std::pair<int64_t, std::vector<Row>>{2, {Row({I(3)})}}));
}

TEST_F(StreamingTest, AvailableNowAndOnceStopByThemselves) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("v BIGINT"));
  input.addData({Row({I(1)})});
  input.addData({Row({I(2)})});
  auto q = input.toDF()
               .writeStream()
               .format("memory")
               .queryName("now")
               .trigger(Trigger::AvailableNow())
               .option("checkpointLocation", path("now"))
               .start();
  EXPECT_TRUE(q.awaitTermination(10000));
  EXPECT_EQ(sorted(spark.table("now").collect()), (std::vector<Row>{Row({I(1)}), Row({I(2)})}));
  auto once = input.toDF()
                  .writeStream()
                  .format("memory")
                  .queryName("once")
                  .trigger(Trigger::Once())
                  .option("checkpointLocation", path("once"))
                  .start();
  EXPECT_TRUE(once.awaitTermination(10000));
  EXPECT_EQ(spark.table("once").count(), 2);
  // Nothing new: a second Once run ends without a batch.
  auto again = input.toDF()
                   .writeStream()
                   .format("memory")
                   .queryName("once2")
                   .trigger(Trigger::Once())
                   .option("checkpointLocation", path("once"))
                   .start();
  EXPECT_TRUE(again.awaitTermination(10000));
  EXPECT_FALSE(again.lastProgress().has_value());
  EXPECT_FALSE(std::filesystem::exists(path("once/offsets/1")));
}

TEST_F(StreamingTest, SparksRulesAreCheckedAtStart) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("city STRING"));
  auto stream = input.toDF();
  try {
    stream.collect();
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_NE(std::string(e.what()).find("must be executed with writeStream.start()"), std::string::npos);
  }
  try {
    stream.writeStream().format("memory").queryName("c").outputMode("complete").start();
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_NE(std::string(e.what()).find("Complete output mode not supported when there are no streaming "
                                         "aggregations"),
              std::string::npos)
        << e.what();
  }
  try {
    stream.groupBy("city").count().writeStream().format("memory").queryName("c").outputMode("append").start();
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_NE(std::string(e.what()).find("Append output mode not supported when there are streaming aggregations"),
              std::string::npos)
        << e.what();
  }
  try {
    spark.createDataFrame({}, StructType::fromDDL("a INT")).writeStream().format("memory").queryName("x").start();
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "WRITE_STREAM_NOT_ALLOWED");
  }
  EXPECT_THROW(stream.writeStream().outputMode("sideways"), InvalidInputError);
  try {
    stream.writeStream().foreachBatch([](const DataFrame&, int64_t) {}).start();
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "CHECKPOINT_LOCATION_REQUIRED");
  }
  try {
    stream.writeStream().format("memory").start();
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "STREAMING_QUERY_NAME_REQUIRED");
  }
}

TEST_F(StreamingTest, RateSourceGeneratesSparksRowsAndTimestamps) {
  auto q = spark.readStream()
               .format("rate")
               .option("rowsPerSecond", int64_t{10})
               .option("numPartitions", int64_t{2})
               .load()
               .writeStream()
               .format("memory")
               .queryName("rate")
               .option("checkpointLocation", path("rate"))
               .start();
  // Wait until at least 2 seconds of rows are there.
  for (int i = 0; i < 100 && spark.table("rate").count() < 20; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  q.stop();
  auto rows = spark.table("rate").orderBy("value").collect();
  ASSERT_GE(rows.size(), 20u);
  ASSERT_EQ(rows.size() % 10, 0u);  // whole seconds
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][1], I(static_cast<int64_t>(i)));
    // Ten rows a second, 100 ms apart, from the source's start time.
    EXPECT_EQ(rows[i][0].asLong() - rows[0][0].asLong(), static_cast<int64_t>(i) * 100000);
  }
  EXPECT_EQ(readFile(path("rate/sources/0/0")).rfind("v1\n", 0), 0u);
}

TEST_F(StreamingTest, ListenersSeeStartProgressAndTermination) {
  struct Recorder : StreamingQueryListener {
    std::mutex m;
    std::vector<std::string> events;
    void onQueryStarted(const QueryStartedEvent& e) override {
      std::lock_guard lock(m);
      events.push_back("started " + e.name);
    }
    void onQueryProgress(const QueryProgressEvent& e) override {
      std::lock_guard lock(m);
      events.push_back("progress " + std::to_string(e.progress.batchId) + " rows " +
                       std::to_string(e.progress.numInputRows));
    }
    void onQueryTerminated(const QueryTerminatedEvent& e) override {
      std::lock_guard lock(m);
      events.push_back(std::string("terminated ") + (e.exception ? "with error" : "cleanly"));
    }
  };
  auto recorder = std::make_shared<Recorder>();
  spark.streams().addListener(recorder);
  auto input = MemoryStream::create(spark, StructType::fromDDL("v BIGINT"));
  input.addData({Row({I(1)}), Row({I(2)})});
  auto q = input.toDF().writeStream().format("memory").queryName("listened").start();
  EXPECT_EQ(spark.streams().active().size(), 1u);
  EXPECT_TRUE(spark.streams().get(q.id()).has_value());
  q.processAllAvailable();
  q.stop();
  EXPECT_TRUE(spark.streams().active().empty());
  EXPECT_TRUE(spark.streams().awaitAnyTermination(1000));
  spark.streams().resetTerminated();
  spark.streams().removeListener(recorder);
  std::lock_guard lock(recorder->m);
  EXPECT_EQ(recorder->events,
            (std::vector<std::string>{"started listened", "progress 0 rows 2", "terminated cleanly"}));
}

// Collects what foreachBatch receives, sorted per batch.
struct BatchCollector {
  std::mutex m;
  std::vector<std::pair<int64_t, std::vector<Row>>> batches;
  std::function<void(const DataFrame&, int64_t)> fn() {
    return [this](const DataFrame& df, int64_t id) {
      auto rows = sorted(df.collect());
      std::lock_guard lock(m);
      batches.emplace_back(id, rows);
    };
  }
  std::vector<std::vector<Row>> outputs() {
    std::lock_guard lock(m);
    std::vector<std::vector<Row>> out;
    for (auto& b : batches) out.push_back(b.second);
    return out;
  }
};

// Spark's worked example E13: groupBy(city).count() in update and complete mode.
TEST_F(StreamingTest, AggregationInUpdateAndCompleteModeE13) {
  for (std::string mode : {"update", "complete"}) {
    auto input = MemoryStream::create(spark, StructType::fromDDL("city STRING"));
    BatchCollector out;
    auto q = input.toDF()
                 .groupBy("city")
                 .count()
                 .writeStream()
                 .outputMode(mode)
                 .foreachBatch(out.fn())
                 .option("checkpointLocation", path("e13-" + mode))
                 .start();
    for (auto step : std::vector<std::vector<std::string>>{{"Delhi", "Pune"}, {"Pune"}, {"Mumbai"}}) {
      std::vector<Row> rows;
      for (auto& c : step) rows.push_back(Row({S(c)}));
      input.addData(rows);
      q.processAllAvailable();
    }
    auto progress = q.lastProgress();
    q.stop();
    if (mode == "update") {
      EXPECT_EQ(out.outputs(), (std::vector<std::vector<Row>>{{Row({S("Delhi"), I(1)}), Row({S("Pune"), I(1)})},
                                                             {Row({S("Pune"), I(2)})},
                                                             {Row({S("Mumbai"), I(1)})}}));
    } else {
      EXPECT_EQ(out.outputs(),
                (std::vector<std::vector<Row>>{{Row({S("Delhi"), I(1)}), Row({S("Pune"), I(1)})},
                                               {Row({S("Delhi"), I(1)}), Row({S("Pune"), I(2)})},
                                               {Row({S("Delhi"), I(1)}), Row({S("Mumbai"), I(1)}), Row({S("Pune"), I(2)})}}));
    }
    ASSERT_TRUE(progress.has_value());
    ASSERT_EQ(progress->stateOperators.size(), 1u);
    EXPECT_EQ(progress->stateOperators[0].operatorName, "stateStoreSave");
    EXPECT_EQ(progress->stateOperators[0].numRowsTotal, 3);
    EXPECT_EQ(progress->stateOperators[0].numRowsUpdated, 1);
    EXPECT_EQ(progress->stateOperators[0].numShufflePartitions, 2);
  }
}

// E3 without the (inert) watermark: tumbling windows in complete mode.
TEST_F(StreamingTest, WindowCountsInCompleteModeE3) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("ts TIMESTAMP"));
  BatchCollector out;
  auto q = input.toDF()
               .groupBy(window(col("ts"), "5 minutes"))
               .count()
               .select(col("window.start").cast("string"), col("count"))
               .writeStream()
               .outputMode("complete")
               .foreachBatch(out.fn())
               .option("checkpointLocation", path("e3"))
               .start();
  auto at = [](int h, int m) { return Row({Value::timestamp((int64_t{h} * 60 + m) * 60 * 1000000)}); };
  for (auto step : std::vector<std::vector<Row>>{{at(12, 1), at(12, 2), at(12, 7)},
                                                 {at(12, 3), at(12, 20)},
                                                 {at(12, 4), at(12, 9), at(12, 11)}}) {
    input.addData(step);
    q.processAllAvailable();
  }
  q.stop();
  auto w = [](const std::string& t, int64_t n) { return Row({S("1970-01-01 " + t + ":00"), I(n)}); };
  EXPECT_EQ(out.outputs(), (std::vector<std::vector<Row>>{{w("12:00", 2), w("12:05", 1)},
                                                          {w("12:00", 3), w("12:05", 1), w("12:20", 1)},
                                                          {w("12:00", 4), w("12:05", 2), w("12:10", 1), w("12:20", 1)}}));
}

TEST_F(StreamingTest, StateSurvivesRestartsAndIsCheckedAgainstTheQuery) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("k STRING, v DOUBLE"));
  auto run = [&](const std::vector<Row>& rows, bool changed) {
    BatchCollector out;
    auto grouped = input.toDF().groupBy("k");
    auto df = changed ? grouped.agg(sum("v").alias("total"))
                      : grouped.agg(count("*").alias("n"), sum("v").alias("total"), avg("v").alias("mean"),
                                    min("v").alias("lo"), max("v").alias("hi"));
    auto q = df.writeStream().outputMode("update").foreachBatch(out.fn()).option("checkpointLocation", path("ckpt")).start();
    input.addData(rows);
    try {
      q.processAllAvailable();
    } catch (const StreamingQueryException&) {
    }
    q.stop();
    return std::make_pair(out.outputs(), q.exception());
  };
  auto D = [](double d) { return Value::real(d); };
  auto [first, e1] = run({Row({S("a"), D(1)}), Row({S("a"), D(3)}), Row({S("b"), Value::null()})}, false);
  EXPECT_EQ(e1, nullptr);
  EXPECT_EQ(first, (std::vector<std::vector<Row>>{
                       {Row({S("a"), I(2), D(4), D(2), D(1), D(3)}), Row({S("b"), I(1), Value::null(), Value::null(),
                                                                         Value::null(), Value::null()})}}));
  auto [second, e2] = run({Row({S("a"), D(8)}), Row({S("b"), D(-1)})}, false);
  EXPECT_EQ(e2, nullptr);
  EXPECT_EQ(second, (std::vector<std::vector<Row>>{
                        {Row({S("a"), I(3), D(12), D(4), D(1), D(8)}), Row({S("b"), I(2), D(-1), D(-1), D(-1), D(-1)})}}));
  // The state files: one delta per batch and partition, and the schema.
  EXPECT_TRUE(std::filesystem::exists(path("ckpt/state/0/0/1.delta")));
  EXPECT_TRUE(std::filesystem::exists(path("ckpt/state/0/1/2.delta")));
  EXPECT_NE(readFile(path("ckpt/state/0/_metadata/schema")).find("\"operatorName\":\"stateStoreSave\""), std::string::npos);
  // A changed aggregation cannot reuse the state.
  auto [third, e3] = run({Row({S("a"), D(1)})}, true);
  ASSERT_NE(e3, nullptr);
  try {
    std::rethrow_exception(e3);
  } catch (const Error& e) {
    EXPECT_EQ(e.errorClass(), "STATE_STORE_VALUE_SCHEMA_NOT_COMPATIBLE") << e.what();
  }
}

Row at(int h, int m) { return Row({Value::timestamp((int64_t{h} * 60 + m) * 60 * 1000000)}); }
int64_t ms(int h, int m) { return (int64_t{h} * 60 + m) * 60 * 1000; }

// Spark's worked examples E1 (update) and E2 (append): a tumbling window count with a 10 minute
// watermark, batch by batch, including the no-data batches the watermark triggers.
TEST_F(StreamingTest, WatermarkedWindowCountsE1UpdateAndE2Append) {
  for (std::string mode : {"update", "append"}) {
    auto input = MemoryStream::create(spark, StructType::fromDDL("ts TIMESTAMP"));
    std::mutex m;
    std::vector<std::pair<int64_t, std::vector<Row>>> batches;
    auto q = input.toDF()
                 .withWatermark("ts", "10 minutes")
                 .groupBy(window(col("ts"), "5 minutes"))
                 .count()
                 .select(date_format(col("window.start"), "HH:mm").alias("start"), col("count"))
                 .writeStream()
                 .outputMode(mode)
                 .foreachBatch([&](const DataFrame& df, int64_t id) {
                   auto rows = sorted(df.collect());
                   std::lock_guard lock(m);
                   batches.emplace_back(id, rows);
                 })
                 .option("checkpointLocation", path("e1-" + mode))
                 .start();
    std::vector<StreamingQueryProgress> progress;
    auto step = [&](std::vector<Row> rows) {
      input.addData(rows);
      q.processAllAvailable();
      auto all = q.recentProgress();
      progress.insert(progress.end(), all.begin() + static_cast<long>(progress.size()), all.end());
    };
    step({at(12, 1), at(12, 2), at(12, 7)});
    step({at(12, 3), at(12, 20)});
    step({at(12, 4), at(12, 9), at(12, 11)});
    if (mode == "append") step({at(12, 40)});
    q.stop();
    auto w = [](const std::string& start, int64_t n) { return Row({S(start), I(n)}); };
    using Batches = std::vector<std::pair<int64_t, std::vector<Row>>>;
    if (mode == "update") {
      EXPECT_EQ(batches, (Batches{{0, {w("12:00", 2), w("12:05", 1)}},
                                  {1, {}},
                                  {2, {w("12:00", 3), w("12:20", 1)}},
                                  {3, {}},
                                  {4, {w("12:10", 1)}}}));
    } else {
      EXPECT_EQ(batches, (Batches{{0, {}},
                                  {1, {}},
                                  {2, {}},
                                  {3, {w("12:00", 3), w("12:05", 1)}},
                                  {4, {}},
                                  {5, {}},
                                  {6, {w("12:10", 1), w("12:20", 1)}}}));
    }
    // Watermarks per batch, the two evicted windows of batch 3, the two late rows of batch 4.
    ASSERT_GE(progress.size(), 5u);
    std::vector<std::string> watermarks;
    for (const auto& p : progress) watermarks.push_back(p.eventTime.at("watermark").substr(11, 5));
    std::vector<std::string> expected{"00:00", "11:57", "11:57", "12:10", "12:10"};
    if (mode == "append") expected.insert(expected.end(), {"12:10", "12:30"});
    EXPECT_EQ(watermarks, expected);
    EXPECT_EQ(progress[3].stateOperators.at(0).numRowsRemoved, 2);
    EXPECT_EQ(progress[3].numInputRows, 0);
    EXPECT_EQ(progress[4].stateOperators.at(0).numRowsDroppedByWatermark, 2);
    EXPECT_EQ(progress[0].eventTime.at("max"), "1970-01-01T12:07:00.000Z");
    EXPECT_EQ(progress[0].eventTime.at("min"), "1970-01-01T12:01:00.000Z");
    EXPECT_EQ(readFile(path("e1-" + mode + "/commits/2")), "v1\n{\"nextBatchWatermarkMs\":" + std::to_string(ms(12, 10)) + "}");
  }
}

Row event(const std::string& guid, int h, int m, int sec = 0) {
  return Row({S(guid), Value::timestamp(((int64_t{h} * 60 + m) * 60 + sec) * 1000000)});
}

// dropDuplicates({guid, t}) under a 10 second watermark on t, into `out` (E9's query).
StreamingQuery startDedupByGuidAndTime(MemoryStream& input, BatchCollector& out, const std::string& checkpoint) {
  return input.toDF()
      .withWatermark("t", "10 seconds")
      .dropDuplicates({"guid", "t"})
      .writeStream()
      .foreachBatch(out.fn())
      .option("checkpointLocation", checkpoint)
      .start();
}

// E9: dropDuplicates with event time in the key: state is bounded by the watermark, and a
// duplicate older than the watermark is dropped as late, not re-emitted.
TEST_F(StreamingTest, DropDuplicatesWithWatermarkE9) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("guid STRING, t TIMESTAMP"));
  BatchCollector out;
  auto q = startDedupByGuidAndTime(input, out, path("e9"));
  std::vector<StreamingQueryProgress> progress;
  auto step = [&](std::vector<Row> rows) {
    input.addData(rows);
    q.processAllAvailable();
  };
  step({event("a", 12, 0), event("a", 12, 0), event("b", 12, 0, 5)});
  step({event("a", 12, 0), event("c", 12, 0, 20)});
  step({event("a", 12, 0)});
  progress = q.recentProgress();
  q.stop();
  EXPECT_EQ(out.outputs(), (std::vector<std::vector<Row>>{{event("a", 12, 0), event("b", 12, 0, 5)},
                                                          {},
                                                          {event("c", 12, 0, 20)},
                                                          {},
                                                          {}}));
  ASSERT_EQ(progress.size(), 5u);
  EXPECT_EQ(progress[2].stateOperators.at(0).operatorName, "dedupe");
  EXPECT_EQ(progress[2].stateOperators.at(0).customMetrics.at("numDroppedDuplicateRows"), 1);
  EXPECT_EQ(progress[3].stateOperators.at(0).numRowsRemoved, 2);
  EXPECT_EQ(progress[3].stateOperators.at(0).numRowsTotal, 1);
  EXPECT_EQ(progress[4].stateOperators.at(0).numRowsDroppedByWatermark, 1);
}

// Dedup skips its eviction scan while the watermark is below every key's time. The bound must
// follow the keys a batch adds (c is older than the bound when it arrives) and be rebuilt after
// a restart; each key leaves the state exactly when the watermark passes it.
TEST_F(StreamingTest, DedupEvictsEachKeyWhenTheWatermarkPassesItAcrossSkippedScansAndRestarts) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("guid STRING, t TIMESTAMP"));
  BatchCollector out;
  auto start = [&] { return startDedupByGuidAndTime(input, out, path("dedup-bound")); };
  auto q = start();
  auto stateAfter = [&](StreamingQuery& query, std::vector<Row> rows) {
    input.addData(rows);
    query.processAllAvailable();
    return query.lastProgress()->stateOperators.at(0).numRowsTotal;
  };
  // Watermark 12:00:50 after this batch: a leaves, b (12:01:00) stays and becomes the bound.
  EXPECT_EQ(stateAfter(q, {event("a", 12, 0), event("b", 12, 1)}), 1);
  // c (12:00:52) is not late (watermark 12:00:50) but older than the bound; the watermark then
  // moves to 12:00:55 and must evict c, not skip the scan.
  EXPECT_EQ(stateAfter(q, {event("c", 12, 0, 52), event("f", 12, 1, 5)}), 2);
  // Watermark 12:01:02: b leaves, f (12:01:05) stays.
  EXPECT_EQ(stateAfter(q, {event("d", 12, 1, 12)}), 2);
  q.stop();
  auto restarted = start();
  // Watermark 12:01:20 after a restart (no bound known yet): f and d leave.
  EXPECT_EQ(stateAfter(restarted, {event("e", 12, 1, 30)}), 1);
  restarted.stop();
  std::vector<Row> emitted;
  for (const auto& b : out.outputs()) emitted.insert(emitted.end(), b.begin(), b.end());
  EXPECT_EQ(sorted(emitted), sorted({event("a", 12, 0), event("b", 12, 1), event("c", 12, 0, 52), event("f", 12, 1, 5),
                                     event("d", 12, 1, 12), event("e", 12, 1, 30)}));
}

// E10: dropDuplicatesWithinWatermark keeps a key for delay after its first event; plain
// dropDuplicates on the same input keeps every key forever.
TEST_F(StreamingTest, DropDuplicatesWithinWatermarkE10) {
  for (bool within : {true, false}) {
    auto input = MemoryStream::create(spark, StructType::fromDDL("guid STRING, t TIMESTAMP"));
    BatchCollector out;
    auto marked = input.toDF().withWatermark("t", "10 minutes");
    auto deduped = within ? marked.dropDuplicatesWithinWatermark({"guid"}) : marked.dropDuplicates({"guid"});
    auto q = deduped.writeStream()
                 .foreachBatch(out.fn())
                 .option("checkpointLocation", path(within ? "e10w" : "e10"))
                 .start();
    for (auto rows : std::vector<std::vector<Row>>{{event("a", 12, 0), event("b", 12, 1)},
                                                   {event("a", 12, 3), event("c", 12, 30)},
                                                   {event("a", 12, 31)}}) {
      input.addData(rows);
      q.processAllAvailable();
    }
    auto progress = q.recentProgress();
    q.stop();
    std::vector<std::vector<Row>> nonEmpty;
    for (auto& b : out.outputs()) {
      if (!b.empty()) nonEmpty.push_back(b);
    }
    if (within) {
      EXPECT_EQ(nonEmpty, (std::vector<std::vector<Row>>{{event("a", 12, 0), event("b", 12, 1)},
                                                         {event("c", 12, 30)},
                                                         {event("a", 12, 31)}}));
      EXPECT_EQ(progress.back().stateOperators.at(0).operatorName, "dedupeWithinWatermark");
      EXPECT_EQ(progress.back().stateOperators.at(0).numRowsTotal, 2);  // c and the new a
    } else {
      EXPECT_EQ(nonEmpty, (std::vector<std::vector<Row>>{{event("a", 12, 0), event("b", 12, 1)}, {event("c", 12, 30)}}));
      EXPECT_EQ(progress.back().stateOperators.at(0).numRowsTotal, 3);
    }
  }
  // Without a watermark the query is refused at start.
  auto input = MemoryStream::create(spark, StructType::fromDDL("guid STRING, t TIMESTAMP"));
  try {
    input.toDF().dropDuplicatesWithinWatermark({"guid"}).writeStream().format("noop").start();
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_NE(std::string(e.what()).find("without watermark"), std::string::npos) << e.what();
  }
}

// E12: with two watermarked inputs the global watermark is the min (default) or max of theirs;
// an input that has not seen data counts as 0 under min.
TEST_F(StreamingTest, MultipleWatermarksUseTheMinOrMaxPolicyE12) {
  for (std::string policy : {"min", "max"}) {
    spark.conf().set("spark.sql.streaming.multipleWatermarkPolicy", policy);
    auto s1 = MemoryStream::create(spark, StructType::fromDDL("ts TIMESTAMP"));
    auto s2 = MemoryStream::create(spark, StructType::fromDDL("ts TIMESTAMP"));
    auto q = s1.toDF()
                 .withWatermark("ts", "10 minutes")
                 .unionAll(s2.toDF().withWatermark("ts", "5 minutes"))
                 .writeStream()
                 .format("noop")
                 .option("checkpointLocation", path("e12-" + policy))
                 .start();
    s1.addData({at(12, 30)});
    q.processAllAvailable();
    s2.addData({at(12, 10)});
    q.processAllAvailable();
    q.stop();
    spark.conf().unset("spark.sql.streaming.multipleWatermarkPolicy");
    auto commit = [&](int n) { return readFile(path("e12-" + policy + "/commits/" + std::to_string(n))); };
    auto wm = [](int64_t v) { return "v1\n{\"nextBatchWatermarkMs\":" + std::to_string(v) + "}"; };
    if (policy == "min") {
      EXPECT_EQ(commit(0), wm(0));
      EXPECT_EQ(commit(1), wm(ms(12, 5)));
    } else {
      EXPECT_EQ(commit(0), wm(ms(12, 20)));
      EXPECT_EQ(commit(1), wm(ms(12, 20)));
    }
    EXPECT_NE(readFile(path("e12-" + policy + "/offsets/1")).find("\"spark.sql.streaming.multipleWatermarkPolicy\":\"" + policy + "\""), std::string::npos);
  }
}

// The golden query's shape in append mode: sliding windows by user with a watermark. Input comes
// in random batches, out of order by less than the delay; once a far later event moves the
// watermark past every window, what was emitted must equal the batch query over the same input.
TEST_F(StreamingTest, AppendModeEmitsEachWindowOnceWithTheBatchResult) {
  std::mt19937_64 rng(7);
  auto schema = StructType::fromDDL("event_time TIMESTAMP, user_id STRING");
  std::vector<Row> all;
  for (int i = 0; i < 2000; ++i) {
    int64_t t = int64_t{1735689600} * 1000000 + int64_t{i} * 1500000 - static_cast<int64_t>(rng() % 60) * 1000000;
    all.push_back(Row({Value::timestamp(t), S("u" + std::to_string(rng() % 25))}));
  }
  auto counts = [](const DataFrame& df) {
    return df.groupBy(window(col("event_time"), "10 minutes", "5 minutes"), col("user_id"))
        .agg(count("*").alias("events"))
        .select(col("window.start").cast("string").alias("start"), col("user_id"), col("events"));
  };
  auto expected = sorted(counts(spark.createDataFrame(all, schema)).collect());
  auto input = MemoryStream::create(spark, schema);
  auto q = counts(input.toDF().withWatermark("event_time", "2 minutes"))
               .writeStream()
               .format("memory")
               .queryName("golden_append")
               .outputMode("append")
               .option("checkpointLocation", path("golden"))
               .start();
  size_t at = 0;
  while (at < all.size()) {
    size_t n = std::min<size_t>(all.size() - at, 1 + rng() % 200);
    input.addData(std::vector<Row>(all.begin() + static_cast<long>(at), all.begin() + static_cast<long>(at + n)));
    at += n;
    if (rng() % 2 == 0) q.processAllAvailable();
  }
  q.processAllAvailable();
  input.addData({Row({Value::timestamp(int64_t{1735689600 + 100000} * 1000000), S("flush")})});
  q.processAllAvailable();
  q.stop();
  auto emitted = sorted(spark.table("golden_append").collect());
  ASSERT_EQ(emitted.size(), expected.size());
  EXPECT_EQ(emitted, expected);
  auto progress = q.recentProgress();
  int64_t dropped = 0;
  for (const auto& p : progress) dropped += p.stateOperators.at(0).numRowsDroppedByWatermark;
  EXPECT_EQ(dropped, 0);
  EXPECT_EQ(progress.back().stateOperators.at(0).numRowsTotal, 2);  // only the flush event's windows
}

// The golden query end to end on a stream of JSON strings, with replayed (duplicate) events:
// from_json, current_timestamp, watermark, dropDuplicates on (event_id, event_time), sliding
// windows by user, append. The emitted windows must equal the batch query's.
TEST_F(StreamingTest, GoldenQueryOnJsonStringsEqualsTheBatchQuery) {
  std::mt19937_64 rng(3);
  std::vector<Row> all;
  for (int i = 0; i < 3000; ++i) {
    int64_t t = int64_t{1735689600} * 1000000 + int64_t{i} * 1000000 - static_cast<int64_t>(rng() % 5) * 1000000;
    auto json = "{\"event_id\":\"e" + std::to_string(i) + "\",\"user_id\":\"u" + std::to_string(rng() % 40) +
                "\",\"event_time\":\"" + base::formatTimestampIso(t) + "\",\"action\":\"click\",\"value\":1.5}";
    all.push_back(Row({S(json)}));
    if (rng() % 10 == 0) all.push_back(Row({S(json)}));  // delivered twice
  }
  auto golden = StructType::fromDDL("event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE");
  auto query = [&](const DataFrame& raw, bool streaming) {
    auto events = raw.select(from_json(col("value"), golden).alias("data"))
                      .select("data.*")
                      .withColumn("processing_time", current_timestamp());
    if (streaming) events = events.withWatermark("event_time", "10 minutes");
    return events.dropDuplicates({"event_id", "event_time"})
        .groupBy(window(col("event_time"), "10 minutes", "5 minutes"), col("user_id"))
        .agg(count("*").alias("events"))
        .select(col("window.start").cast("string").alias("start"), col("user_id"), col("events"));
  };
  auto schema = StructType::fromDDL("value STRING");
  auto expected = sorted(query(spark.createDataFrame(all, schema), false).collect());
  auto input = MemoryStream::create(spark, schema);
  auto q = query(input.toDF(), true)
               .writeStream()
               .format("memory")
               .queryName("golden_stream")
               .outputMode("append")
               .option("checkpointLocation", path("golden"))
               .start();
  size_t at = 0;
  while (at < all.size()) {
    size_t n = std::min<size_t>(all.size() - at, 1 + rng() % 400);
    input.addData(std::vector<Row>(all.begin() + static_cast<long>(at), all.begin() + static_cast<long>(at + n)));
    at += n;
    q.processAllAvailable();
  }
  // A late-enough event closes every window.
  input.addData({Row({S("{\"event_id\":\"last\",\"user_id\":\"x\",\"event_time\":\"2025-01-03T00:00:00.000Z\"}")})});
  q.processAllAvailable();
  auto progress = q.lastProgress();
  q.stop();
  EXPECT_EQ(sorted(spark.table("golden_stream").collect()), expected);
  ASSERT_TRUE(progress.has_value());
  ASSERT_EQ(progress->stateOperators.size(), 2u);
  EXPECT_EQ(progress->stateOperators[0].operatorName, "stateStoreSave");
  EXPECT_EQ(progress->stateOperators[1].operatorName, "dedupe");
}

// Stream-static joins: each batch joins its rows with the static side; the stream must be on the
// left of a left outer join.
TEST_F(StreamingTest, StreamStaticJoins) {
  auto users = spark.createDataFrame({Row({S("u1"), S("NL")}), Row({S("u2"), S("DE")})},
                                     StructType::fromDDL("user STRING, country STRING"));
  auto input = MemoryStream::create(spark, StructType::fromDDL("user STRING, n BIGINT"));
  auto q = input.toDF()
               .join(users, "user", "left")
               .writeStream()
               .format("memory")
               .queryName("joined")
               .start();
  input.addData({Row({S("u1"), I(1)}), Row({S("u3"), I(2)})});
  q.processAllAvailable();
  input.addData({Row({S("u2"), I(3)})});
  q.processAllAvailable();
  q.stop();
  EXPECT_EQ(sorted(spark.table("joined").collect()),
            (std::vector<Row>{Row({S("u1"), I(1), S("NL")}), Row({S("u2"), I(3), S("DE")}),
                              Row({S("u3"), I(2), Value::null()})}));
  try {
    users.join(input.toDF(), "user", "left").writeStream().format("noop").start();
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_NE(std::string(e.what()).find("streaming DataFrame/Dataset on the right"), std::string::npos) << e.what();
  }
}

TEST_F(StreamingTest, ConsoleSinkPrintsSparksBatchBanner) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("word STRING, n BIGINT"));
  input.addData({Row({S("hello"), I(1)})});
  ::testing::internal::CaptureStdout();
  auto q = input.toDF().writeStream().format("console").trigger(Trigger::AvailableNow()).start();
  q.awaitTermination();
  std::string printed = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(printed,
            "-------------------------------------------\n"
            "Batch: 0\n"
            "-------------------------------------------\n"
            "+-----+---+\n"
            "| word|  n|\n"
            "+-----+---+\n"
            "|hello|  1|\n"
            "+-----+---+\n\n");
}

// E14: a restart needs offsets/L-1 to know where an uncommitted batch L starts.
TEST_F(StreamingTest, RecoveryFailsClearlyWhenTheOffsetLogHasAHoleE14) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("v BIGINT"));
  std::atomic<bool> fail{true};
  auto start = [&] {
    return input.toDF()
        .writeStream()
        .foreachBatch([&](const DataFrame&, int64_t id) {
          if (id == 2 && fail) throw IoError("IO_ERROR", "boom");
        })
        .option("checkpointLocation", path("ckpt"))
        .start();
  };
  auto q = start();
  for (int i = 0; i < 3; ++i) {
    input.addData({Row({I(i)})});
    try {
      q.processAllAvailable();
    } catch (const StreamingQueryException&) {
    }
  }
  EXPECT_FALSE(q.isActive());
  // offsets/0..2 and commits/0..1: batch 2 is to be re-run, starting at the end of batch 1.
  std::filesystem::remove(path("ckpt/offsets/1"));
  fail = false;
  auto again = start();
  try {
    again.awaitTermination();
    FAIL();
  } catch (const StreamingQueryException& e) {
    EXPECT_EQ(e.causeErrorClass(), "CHECKPOINT_INCOMPLETE");
    EXPECT_NE(std::string(e.what()).find("offsets/1"), std::string::npos) << e.what();
  }
}

// The crash matrix: the query fails at every durable write of the batch protocol (offsets, state
// deltas and schema, commits; before or after the write), is restarted, and must produce exactly
// what an uninterrupted run produces, batch by batch, through a sink that is idempotent by batch
// id (the foreachBatch pattern for exactly-once).
TEST_F(StreamingTest, CrashAtEveryWriteThenRestartGivesTheUninterruptedResult) {
  using Output = std::map<int64_t, std::vector<Row>>;
  auto steps = std::vector<std::vector<Row>>{{at(12, 1), at(12, 2), at(12, 7)},
                                             {at(12, 3), at(12, 20)},
                                             {at(12, 4), at(12, 9), at(12, 11)},
                                             {at(12, 40)}};
  auto run = [&](const std::string& name, int64_t failAt, bool afterWrite, int& restarts) {
    auto input = MemoryStream::create(spark, StructType::fromDDL("ts TIMESTAMP"));
    auto fs = std::make_shared<io::FaultInjectingFileSystem>(io::localFileSystem());
    if (failAt >= 0) fs->failWrite(failAt, afterWrite);
    std::mutex m;
    Output out;
    auto startOnce = [&] {
      return input.toDF()
          .withWatermark("ts", "10 minutes")
          .dropDuplicates({"ts"})
          .groupBy(window(col("ts"), "5 minutes"))
          .count()
          .select(date_format(col("window.start"), "HH:mm").alias("start"), col("count"))
          .writeStream()
          .outputMode("update")
          .foreachBatch([&](const DataFrame& df, int64_t id) {
            auto rows = sorted(df.collect());
            std::lock_guard lock(m);
            out[id] = rows;  // a replayed batch replaces its earlier attempt
          })
          .option("checkpointLocation", path(name))
          .checkpointFileSystem(fs)
          .start();
    };
    // A failure while opening the checkpoint fails start() itself.
    auto start = [&] {
      for (;;) {
        try {
          return startOnce();
        } catch (const IoError& e) {
          EXPECT_EQ(e.errorClass(), "INJECTED_FAULT") << e.what();
          ++restarts;
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
          EXPECT_EQ(e.causeErrorClass(), "INJECTED_FAULT") << e.what();
          ++restarts;
          q = start();
        }
      }
    }
    q.stop();
    return std::make_pair(out, fs->writes());
  };
  int none = 0;
  auto [expected, writes] = run("clean", -1, false, none);
  ASSERT_GE(expected.size(), 6u);
  ASSERT_GT(writes, 20);
  int crashes = 0;
  for (int64_t i = 0; i < writes; ++i) {
    for (bool after : {false, true}) {
      int restarts = 0;
      auto [got, w] = run("crash-" + std::to_string(i) + (after ? "-after" : "-before"), i, after, restarts);
      EXPECT_EQ(restarts, 1) << "write " << i;
      EXPECT_EQ(got, expected) << "failure at write " << i << (after ? " after" : " before") << " writing";
      crashes += restarts;
    }
  }
  EXPECT_EQ(crashes, 2 * writes);
}

void writeText(const std::string& file, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(file).parent_path());
  std::ofstream(file) << text;
}

// E17: AvailableNow reads what is there at start in batches of maxFilesPerTrigger, then stops;
// Once reads it all in one batch.
TEST_F(StreamingTest, FileSourceAvailableNowAndOnceE17) {
  for (int i = 0; i < 25; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "in/part-%02d.json", i);
    writeText(path(name), "{\"n\":" + std::to_string(i) + "}\n");
  }
  auto read = [&] {
    return spark.readStream().format("json").schema("n BIGINT").option("maxFilesPerTrigger", int64_t{10}).load(path("in"));
  };
  BatchCollector now;
  auto q = read().writeStream().foreachBatch(now.fn()).trigger(Trigger::AvailableNow()).option("checkpointLocation", path("now")).start();
  EXPECT_TRUE(q.awaitTermination(20000));
  std::vector<size_t> sizes;
  std::vector<Row> all;
  for (auto& b : now.outputs()) {
    sizes.push_back(b.size());
    all.insert(all.end(), b.begin(), b.end());
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{10, 10, 5}));
  EXPECT_EQ(sorted(all).front(), Row({I(0)}));
  EXPECT_EQ(sorted(all).back(), Row({I(24)}));
  // Oldest first: the first batch holds files 0..9.
  EXPECT_EQ(now.outputs()[0].back(), Row({I(9)}));
  // The log of batch 0 names its files as Spark does.
  std::string log0 = readFile(path("now/sources/0/0"));
  EXPECT_EQ(log0.rfind("v1\n{\"path\":\"file://" + path("in/part-00.json") + "\",\"timestamp\":", 0), 0u) << log0;
  EXPECT_EQ(readFile(path("now/offsets/2")).substr(readFile(path("now/offsets/2")).rfind('\n') + 1), "{\"logOffset\":2}");
  BatchCollector once;
  auto q2 = read().writeStream().foreachBatch(once.fn()).trigger(Trigger::Once()).option("checkpointLocation", path("once")).start();
  EXPECT_TRUE(q2.awaitTermination(20000));
  ASSERT_EQ(once.outputs().size(), 1u);
  EXPECT_EQ(once.outputs()[0].size(), 25u);
}

TEST_F(StreamingTest, FileSourceReadsNewFilesOnceAcrossRestarts) {
  writeText(path("in/a.csv"), "x,1\ny,2\n");
  auto start = [&](BatchCollector& out) {
    return spark.readStream()
        .format("csv")
        .schema("k STRING, v INT")
        .option("maxFilesPerTrigger", int64_t{1})
        .load(path("in"))
        .writeStream()
        .foreachBatch(out.fn())
        .option("checkpointLocation", path("ckpt"))
        .start();
  };
  BatchCollector first;
  auto q = start(first);
  q.processAllAvailable();
  writeText(path("in/b.csv"), "z,3\n");
  q.processAllAvailable();
  q.stop();
  EXPECT_EQ(first.outputs(), (std::vector<std::vector<Row>>{{Row({S("x"), Value::integer(1)}), Row({S("y"), Value::integer(2)})},
                                                            {Row({S("z"), Value::integer(3)})}}));
  // After a restart only files not read before are read; a dozen small batches compact the log.
  BatchCollector second;
  for (int i = 0; i < 10; ++i) writeText(path("in/c" + std::to_string(i) + ".csv"), "c,"+ std::to_string(i) + "\n");
  auto q2 = start(second);
  q2.processAllAvailable();
  q2.stop();
  ASSERT_EQ(second.outputs().size(), 10u);
  EXPECT_EQ(second.outputs()[0], (std::vector<Row>{Row({S("c"), Value::integer(0)})}));
  EXPECT_TRUE(std::filesystem::exists(path("ckpt/sources/0/9.compact")));
  EXPECT_FALSE(std::filesystem::exists(path("ckpt/sources/0/0")));
  EXPECT_TRUE(std::filesystem::exists(path("ckpt/sources/0/11")));
  // And a restart after compaction still knows every file.
  BatchCollector third;
  auto q3 = start(third);
  q3.processAllAvailable();
  q3.stop();
  EXPECT_TRUE(third.outputs().empty());
  try {
    spark.readStream().format("json").load(path("in"));
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "STREAMING_FILE_SOURCE_SCHEMA_REQUIRED");
  }
}

// The file sink: part files plus Spark's _spark_metadata log; readers of the directory see each
// batch once, and not the files of a failed attempt.
TEST_F(StreamingTest, FileSinkWritesEachBatchOnceForReaders) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("k STRING, v BIGINT"));
  auto start = [&] {
    return input.toDF()
        .writeStream()
        .format("json")
        .option("checkpointLocation", path("ckpt"))
        .start(path("out"));
  };
  auto q = start();
  input.addData({Row({S("a"), I(1)}), Row({S("b"), I(2)})});
  q.processAllAvailable();
  q.stop();
  // A failed attempt left a file that no log entry names.
  writeText(path("out/part-99999-orphan.json"), "{\"k\":\"orphan\",\"v\":0}\n");
  input.addData({Row({S("c"), I(3)})});
  auto q2 = start();
  q2.processAllAvailable();
  q2.stop();
  auto rows = sorted(spark.read().format("json").schema("k STRING, v BIGINT").load(path("out")).collect());
  EXPECT_EQ(rows, (std::vector<Row>{Row({S("a"), I(1)}), Row({S("b"), I(2)}), Row({S("c"), I(3)})}));
  std::string log1 = readFile(path("out/_spark_metadata/1"));
  EXPECT_EQ(log1.rfind("v1\n{\"path\":\"file://" + path("out/part-"), 0), 0u) << log1;
  EXPECT_NE(log1.find("\"isDir\":false,\"modificationTime\":"), std::string::npos) << log1;
  EXPECT_NE(log1.find("\"action\":\"add\"}"), std::string::npos) << log1;
  try {
    input.toDF().writeStream().format("csv").outputMode("update").option("checkpointLocation", path("x")).start(path("o2"));
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_NE(std::string(e.what()).find("does not support update output mode"), std::string::npos) << e.what();
  }
}

// E21: the checkpoint after one batch of an aggregation: metadata, offsets/0 with the pinned
// configuration, commits/0, and a delta for every state partition (also the empty one) plus the
// state schema.
TEST_F(StreamingTest, CheckpointFilesAfterOneAggregationBatchE21) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("k STRING"));
  auto q = input.toDF()
               .groupBy("k")
               .count()
               .writeStream()
               .format("noop")
               .outputMode("update")
               .option("checkpointLocation", path("e21"))
               .start();
  input.addData({Row({S("only-one-key")})});
  q.processAllAvailable();
  q.stop();
  std::string offsets = readFile(path("e21/offsets/0"));
  EXPECT_EQ(offsets.rfind("v1\n{\"batchWatermarkMs\":0,\"batchTimestampMs\":", 0), 0u);
  EXPECT_NE(offsets.find("\"conf\":{\"spark.sql.shuffle.partitions\":\"2\""), std::string::npos) << offsets;
  EXPECT_EQ(offsets.substr(offsets.rfind('\n') + 1), "0");
  EXPECT_EQ(readFile(path("e21/commits/0")), "v1\n{\"nextBatchWatermarkMs\":0}");
  for (int p = 0; p < 2; ++p) {
    EXPECT_TRUE(std::filesystem::exists(path("e21/state/0/" + std::to_string(p) + "/1.delta"))) << p;
  }
  EXPECT_EQ(readFile(path("e21/state/0/_metadata/schema")),
            "{\"version\":2,\"operatorName\":\"stateStoreSave\",\"numPartitions\":2,\"keySchema\":\"(string)\","
            "\"valueSchema\":\"(bigint)\"}");
}

// The state stores' snapshots are written in the background; stop() returns only once they are
// durable, so that nothing in the checkpoint changes after the query reports itself stopped (a
// user may copy or delete the checkpoint then). Snapshot writes are slowed down to make a late
// write visible.
TEST_F(StreamingTest, StopWaitsForTheStateSnapshotsWrittenInTheBackground) {
  class SlowSnapshots : public io::FaultInjectingFileSystem {
   public:
    SlowSnapshots() : FaultInjectingFileSystem(io::localFileSystem()) {}
    bool writeAtomic(const std::string& p, std::string_view data, bool overwrite) override {
      if (p.ends_with(".snapshot")) std::this_thread::sleep_for(std::chrono::milliseconds(300));
      return FaultInjectingFileSystem::writeAtomic(p, data, overwrite);
    }
  };
  auto input = MemoryStream::create(spark, StructType::fromDDL("k STRING"));
  auto q = input.toDF()
               .groupBy("k")
               .count()
               .writeStream()
               .format("noop")
               .outputMode("update")
               .option("checkpointLocation", path("snap"))
               .checkpointFileSystem(std::make_shared<SlowSnapshots>())
               .start();
  // The stores snapshot after ten deltas: batch 9 commits version 10.
  for (int batch = 0; batch < 10; ++batch) {
    input.addData({Row({S("k" + std::to_string(batch))}), Row({S("other")})});
    q.processAllAvailable();
  }
  q.stop();
  auto listing = [&] {
    std::vector<std::string> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(path("snap/state"))) {
      files.push_back(e.path().lexically_relative(path("snap/state")).string());
    }
    std::sort(files.begin(), files.end());
    return files;
  };
  const auto atStop = listing();
  for (int p = 0; p < 2; ++p) {
    const std::string snapshot = "0/" + std::to_string(p) + "/10.snapshot";
    EXPECT_TRUE(std::find(atStop.begin(), atStop.end(), snapshot) != atStop.end()) << snapshot << " missing at stop()";
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  EXPECT_EQ(listing(), atStop);
}

// E8: session windows on a stream, append mode with a 10 minute watermark: a session is emitted
// once the watermark passes its end. Complete mode shows the sessions as they grow.
TEST_F(StreamingTest, SessionWindowsOnAStreamE8) {
  auto userAt = [](const std::string& u, int h, int m) {
    return Row({S(u), Value::timestamp((int64_t{h} * 60 + m) * 60 * 1000000)});
  };
  for (std::string mode : {"append", "complete"}) {
    auto input = MemoryStream::create(spark, StructType::fromDDL("user STRING, ts TIMESTAMP"));
    BatchCollector out;
    auto q = input.toDF()
                 .withWatermark("ts", "10 minutes")
                 .groupBy(session_window(col("ts"), "5 minutes"), col("user"))
                 .count()
                 .select(col("user"), date_format(col("session_window.start"), "HH:mm").alias("start"),
                         date_format(col("session_window.end"), "HH:mm").alias("end"), col("count"))
                 .writeStream()
                 .outputMode(mode)
                 .foreachBatch(out.fn())
                 .option("checkpointLocation", path("e8-" + mode))
                 .start();
    input.addData({userAt("u1", 12, 0), userAt("u1", 12, 3), userAt("u1", 12, 8), userAt("u1", 12, 20)});
    q.processAllAvailable();
    input.addData({userAt("u1", 12, 31), userAt("u2", 12, 24)});
    q.processAllAvailable();
    q.stop();
    auto sess = [](const std::string& u, const std::string& a, const std::string& b, int64_t n) {
      return Row({S(u), S(a), S(b), I(n)});
    };
    if (mode == "append") {
      EXPECT_EQ(out.outputs(), (std::vector<std::vector<Row>>{{}, {}, {}, {sess("u1", "12:00", "12:13", 3)}}));
    } else {
      EXPECT_EQ(out.outputs(),
                (std::vector<std::vector<Row>>{{sess("u1", "12:00", "12:13", 3), sess("u1", "12:20", "12:25", 1)},
                                               {sess("u1", "12:00", "12:13", 3), sess("u1", "12:20", "12:25", 1),
                                                sess("u1", "12:31", "12:36", 1), sess("u2", "12:24", "12:29", 1)}}));
    }
  }
  // Update mode and a session window without another key are refused.
  auto input = MemoryStream::create(spark, StructType::fromDDL("user STRING, ts TIMESTAMP"));
  auto marked = input.toDF().withWatermark("ts", "10 minutes");
  EXPECT_THROW(marked.groupBy(session_window(col("ts"), "5 minutes"), col("user")).count().writeStream().format("noop").outputMode("update").start(),
               AnalysisError);
  EXPECT_THROW(marked.groupBy(session_window(col("ts"), "5 minutes")).count().writeStream().format("noop").outputMode("complete").start(),
               AnalysisError);
}

// Sessions that grow across batches must end as the batch query's sessions.
TEST_F(StreamingTest, SessionWindowsInCompleteModeEqualTheBatchQuery) {
  std::mt19937_64 rng(5);
  auto schema = StructType::fromDDL("user STRING, ts TIMESTAMP, v BIGINT");
  std::vector<Row> all;
  for (int i = 0; i < 800; ++i) {
    all.push_back(Row({S("u" + std::to_string(rng() % 6)), Value::timestamp(static_cast<int64_t>(rng() % 20000) * 1000000),
                       I(static_cast<int64_t>(rng() % 50))}));
  }
  auto query = [](const DataFrame& df) {
    return df.groupBy(session_window(col("ts"), "2 minutes"), col("user"))
        .agg(count("*").alias("n"), sum("v").alias("s"), max("v").alias("hi"))
        .select(col("user"), col("session_window.start").cast("string").alias("a"),
                col("session_window.end").cast("string").alias("b"), col("n"), col("s"), col("hi"));
  };
  auto expected = sorted(query(spark.createDataFrame(all, schema)).collect());
  auto input = MemoryStream::create(spark, schema);
  auto q = query(input.toDF()).writeStream().format("memory").queryName("sessions").outputMode("complete").start();
  size_t at = 0;
  while (at < all.size()) {
    size_t n = std::min<size_t>(all.size() - at, 1 + rng() % 80);
    input.addData(std::vector<Row>(all.begin() + static_cast<long>(at), all.begin() + static_cast<long>(at + n)));
    at += n;
    q.processAllAvailable();
  }
  q.stop();
  auto got = sorted(spark.table("sessions").collect());
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i], expected[i]) << got[i].toString() << " vs " << expected[i].toString();
  }
}

// limit on a stream: in append mode at most n rows over the query's life (state counts them); in
// complete mode over each batch's whole result (e.g. a top-k); not in update mode.
TEST_F(StreamingTest, LimitOnStreams) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("city STRING"));
  BatchCollector appended;
  auto q = input.toDF().limit(3).writeStream().foreachBatch(appended.fn()).option("checkpointLocation", path("limit")).start();
  for (auto step : std::vector<std::vector<std::string>>{{"a", "b"}, {"c", "d"}, {"e"}}) {
    std::vector<Row> rows;
    for (auto& c : step) rows.push_back(Row({S(c)}));
    input.addData(rows);
    q.processAllAvailable();
  }
  q.stop();
  std::vector<size_t> sizes;
  for (auto& b : appended.outputs()) sizes.push_back(b.size());
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 1, 0}));
  // Top 2 cities by count, recomputed over the complete result every batch.
  BatchCollector top;
  auto q2 = input.toDF()
                .groupBy("city")
                .count()
                .orderBy(col("count").desc(), col("city").asc())
                .limit(2)
                .writeStream()
                .outputMode("complete")
                .foreachBatch(top.fn())
                .option("checkpointLocation", path("top"))
                .start();
  q2.processAllAvailable();
  input.addData({Row({S("e")}), Row({S("c")})});
  q2.processAllAvailable();
  q2.stop();
  EXPECT_EQ(top.outputs(), (std::vector<std::vector<Row>>{{Row({S("a"), I(1)}), Row({S("b"), I(1)})},
                                                          {Row({S("c"), I(2)}), Row({S("e"), I(2)})}}));
  EXPECT_THROW(input.toDF().groupBy("city").count().limit(1).writeStream().format("noop").outputMode("update").start(),
               AnalysisError);
}

// E16: ProcessingTime(10 s) with a manual clock. B0 starts at 00:00:03.5 and takes 2 s; the next
// trigger is the boundary 10.0. B1 takes 14 s (overrun): B2 starts at once, at 24.0, and the next
// boundary after it is 30.0.
TEST_F(StreamingTest, ProcessingTimeTriggersAlignToTheIntervalE16) {
  auto clock = std::make_shared<ManualClock>(3500);
  auto input = MemoryStream::create(spark, StructType::fromDDL("v BIGINT"));
  input.addData({Row({I(0)})});
  auto q = input.toDF()
               .writeStream()
               .trigger(Trigger::ProcessingTime("10 seconds"))
               .option("checkpointLocation", path("e16"))
               .clock(clock)
               .foreachBatch([&](const DataFrame&, int64_t batchId) {
                 // The batch's work takes simulated time.
                 if (batchId == 0) clock->advance(2000);
                 if (batchId == 1) {
                   input.addData({Row({I(2)})});
                   clock->advance(14000);
                 }
               })
               .start();
  // Waits (in real time, bounded) until batch `id` has finished and the query waits for a trigger.
  auto waitForBatch = [&](int64_t id) {
    for (int i = 0; i < 5000; ++i) {
      auto p = q.lastProgress();
      if (p && p->batchId == id && q.status().message == "Waiting for next trigger") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return false;
  };
  ASSERT_TRUE(waitForBatch(0));
  input.addData({Row({I(1)})});
  clock->setTime(9999);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(q.lastProgress()->batchId, 0);  // nothing runs before the boundary
  clock->setTime(10000);
  ASSERT_TRUE(waitForBatch(2));
  input.addData({Row({I(3)})});
  clock->setTime(29999);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(q.lastProgress()->batchId, 2);
  clock->setTime(30000);
  ASSERT_TRUE(waitForBatch(3));
  q.stop();
  std::vector<int64_t> starts;
  for (const auto& p : q.recentProgress()) starts.push_back(p.timestampMs);
  EXPECT_EQ(starts, (std::vector<int64_t>{3500, 10000, 24000, 30000}));
  // The batch timestamps (current_timestamp() within the batch) are the trigger times.
  EXPECT_NE(readFile(path("e16/offsets/2")).find("\"batchTimestampMs\":24000"), std::string::npos);
}

// first, last (with and without ignoreNulls), collect_list and collect_set on a stream: the state
// keeps the value or list so far, across batches and a restart.
TEST_F(StreamingTest, FirstLastAndCollectAggregatesKeepStateAcrossBatches) {
  auto input = MemoryStream::create(spark, StructType::fromDDL("k STRING, v BIGINT"));
  BatchCollector out;
  auto start = [&] {
    return input.toDF()
        .groupBy("k")
        .agg(first(col("v")).alias("f"), first(col("v"), true).alias("fi"), last(col("v")).alias("l"),
             last(col("v"), true).alias("li"), collect_list(col("v")).alias("list"), collect_set(col("v")).alias("set"))
        .writeStream()
        .outputMode("update")
        .option("checkpointLocation", path("firstlast"))
        .foreachBatch(out.fn())
        .start();
  };
  auto q = start();
  input.addData({Row({S("a"), Value::null()}), Row({S("a"), I(1)}), Row({S("b"), I(5)})});
  q.processAllAvailable();
  q.stop();
  auto q2 = start();
  input.addData({Row({S("a"), I(3)}), Row({S("b"), Value::null()}), Row({S("a"), I(1)})});
  q2.processAllAvailable();
  q2.stop();
  // Lists compared in sorted order: the order of rows within a batch is not part of the contract.
  auto sortedLists = [](std::vector<Row> rows) {
    for (auto& r : rows) {
      std::vector<Value> values = r.values();
      for (size_t c = 5; c < 7; ++c) {
        auto items = values[c].children();
        std::sort(items.begin(), items.end());
        values[c] = Value::array(items);
      }
      r = Row(values);
    }
    return rows;
  };
  auto list = [](std::vector<int64_t> xs) {
    std::vector<Value> v;
    for (auto x : xs) v.push_back(I(x));
    return Value::array(v);
  };
  const Value null = Value::null();
  auto outputs = out.outputs();
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(sortedLists(outputs[0]),
            (std::vector<Row>{Row({S("a"), null, I(1), I(1), I(1), list({1}), list({1})}),
                              Row({S("b"), I(5), I(5), I(5), I(5), list({5}), list({5})})}));
  EXPECT_EQ(sortedLists(outputs[1]),
            (std::vector<Row>{Row({S("a"), null, I(1), I(1), I(1), list({1, 1, 3}), list({1, 3})}),
                              Row({S("b"), I(5), I(5), null, I(5), list({5}), list({5})})}));
  try {
    input.toDF().groupBy("k").agg(countDistinct(col("v"))).writeStream().outputMode("update").format("noop").start();
    FAIL() << "distinct aggregates are not supported on streams";
  } catch (const AnalysisError& e) {
    EXPECT_NE(std::string(e.what()).find("Distinct aggregations are not supported"), std::string::npos) << e.what();
  }
}

// Random input in random micro-batches must end where the batch query over all input ends.
TEST_F(StreamingTest, CompleteModeEqualsTheBatchQueryForAnyBatchSplit) {
  std::mt19937_64 rng(42);
  auto schema = StructType::fromDDL("ts TIMESTAMP, k STRING, v BIGINT, d DOUBLE, t STRING");
  std::vector<Row> all;
  for (int i = 0; i < 600; ++i) {
    Value v = rng() % 7 == 0 ? Value::null() : I(static_cast<int64_t>(rng() % 100) - 20);
    Value d = rng() % 9 == 0 ? Value::null() : Value::real(rng() % 10 == 0 ? -0.0 : static_cast<double>(rng() % 64) / 4);
    Value t = rng() % 8 == 0 ? Value::null() : S(std::string(1 + rng() % 3, static_cast<char>('a' + rng() % 26)));
    all.push_back(Row({Value::timestamp(static_cast<int64_t>(rng() % 7200) * 1000000), S("k" + std::to_string(rng() % 9)),
                       v, d, t}));
  }
  auto query = [&](const DataFrame& df) {
    return df.groupBy(window(col("ts"), "10 minutes", "5 minutes"), col("k"))
        .agg(count("*").alias("n"), sum("v").alias("s"), min("v").alias("lo"), max("v").alias("hi"),
             sum("d").alias("sd"), avg("d").alias("ad"), min("d").alias("mind"), max("t").alias("maxt"),
             min("t").alias("mint"), approx_count_distinct(col("t")).alias("dt"))
        .select(col("window.start").cast("string").alias("w"), col("k"), col("n"), col("s"), col("lo"), col("hi"),
                col("sd"), col("ad"), col("mind"), col("maxt"), col("mint"), col("dt"));
  };
  auto expected = sorted(query(spark.createDataFrame(all, schema)).collect());
  auto input = MemoryStream::create(spark, schema);
  auto q = query(input.toDF()).writeStream().format("memory").queryName("diff").outputMode("complete").start();
  size_t at = 0;
  while (at < all.size()) {
    size_t n = std::min<size_t>(all.size() - at, 1 + rng() % 60);
    input.addData(std::vector<Row>(all.begin() + static_cast<long>(at), all.begin() + static_cast<long>(at + n)));
    at += n;
    if (rng() % 3 == 0) q.processAllAvailable();
  }
  q.processAllAvailable();
  q.stop();
  EXPECT_EQ(sorted(spark.table("diff").collect()), expected);
}

}  // namespace
}  // namespace weir
