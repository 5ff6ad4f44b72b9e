// The Kafka source and sink through the public API: against the local Kafka-protocol broker
// (librdkafka's mock cluster, on loopback TCP), with kcat as an independent client, and against a fake
// at the librdkafka boundary for what the mock cannot do (timestamps, retention, new partitions).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "weir/base/log.h"
#include "weir/connectors/kafka/kafka_client.h"
#include "weir/connectors/kafka/kafka_source.h"
#include "weir/connectors/kafka/local_cluster.h"
#include "test_support.h"
#include "weir/weir.h"

namespace weir {
namespace {

using namespace functions;  // NOLINT
using columnar::Row;
using columnar::Value;
using connectors::kafka::FetchConsumer;
using connectors::kafka::FetchRange;
using connectors::kafka::KafkaRecord;
using connectors::kafka::LocalCluster;
using connectors::kafka::PartitionOffsets;
using connectors::kafka::TopicPartition;

using testing::I;
using testing::readFile;
using testing::S;
using testing::sorted;

// Runs a shell command; returns its standard output, failing the test on a non-zero exit.
std::string run(const std::string& command, const std::string& input = "") {
  std::string tmp = std::filesystem::temp_directory_path() / ("weir-kafka-in-" + std::to_string(::getpid()));
  std::ofstream(tmp, std::ios::binary) << input;
  FILE* pipe = ::popen((command + " < " + tmp + " 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof(buf), pipe)) > 0) out.append(buf, n);
  int rc = ::pclose(pipe);
  std::filesystem::remove(tmp);
  EXPECT_EQ(rc, 0) << command << " failed: " << out;
  return out;
}

bool haveKcat() { return std::system("command -v kcat > /dev/null 2>&1") == 0; }

class KafkaTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (auto& q : spark.streams().active()) q.stop();
    base::setLogHandler(nullptr);
  }
  std::string path(const std::string& name) const { return dir_.path(name); }

  // Produces "key:value" lines to one partition with kcat.
  void kcatProduce(const std::string& topic, int partition, const std::vector<std::string>& lines) {
    std::string input;
    for (const auto& l : lines) input += l + "\n";
    run("kcat -P -b " + cluster_->bootstrapServers() + " -t " + topic + " -p " + std::to_string(partition) + " -K:",
        input);
  }

  // A stream of `topic` from its earliest offsets; more options may be added before load().
  DataStreamReader kafkaReader(const std::string& topic) {
    return std::move(spark.readStream()
                         .format("kafka")
                         .option("kafka.bootstrap.servers", cluster_->bootstrapServers())
                         .option("subscribe", topic)
                         .option("startingOffsets", "earliest"));
  }
  DataFrame kafkaStream(const std::string& topic) { return kafkaReader(topic).load(); }

  // Writes `rows` (a `value` column, maybe `partition`, `key`...) to `topic` with the batch sink.
  void produce(const std::vector<Row>& rows, const std::string& schema, const std::string& topic) {
    spark.createDataFrame(rows, StructType::fromDDL(schema))
        .write()
        .format("kafka")
        .option("kafka.bootstrap.servers", cluster_->bootstrapServers())
        .option("topic", topic)
        .save();
  }

  testing::TestDirectory dir_{"weir-kafka-test"};
  Session spark = Session::builder().appName("kafka-test").config("spark.sql.shuffle.partitions", "2").getOrCreate();
  std::unique_ptr<LocalCluster> cluster_ = std::make_unique<LocalCluster>(1);
};

// ---------------------------------------------------------------------------------------------
// Offsets

TEST(KafkaOffsets, SerializeSortsTopicsAndPartitionsNumerically) {
  PartitionOffsets o{{{"b", 10}, 5}, {{"b", 2}, 7}, {{"a", 0}, -2}};
  EXPECT_EQ(connectors::kafka::serializeOffsets(o), R"({"a":{"0":-2},"b":{"2":7,"10":5}})");
  EXPECT_EQ(connectors::kafka::parseOffsets(R"({"b":{"10":5,"2":7},"a":{"0":-2}})", "test"), o);
  EXPECT_EQ(connectors::kafka::serializeOffsets({}), "{}");
  EXPECT_THROW(connectors::kafka::parseOffsets(R"({"a":{"x":1}})", "test"), InvalidInputError);
  EXPECT_THROW(connectors::kafka::parseOffsets(R"({"a":[1]})", "test"), InvalidInputError);
}

// E18: maxOffsetsPerTrigger=10 over p0 (30 available) and p1 (10).
TEST(KafkaOffsets, RateLimitSplitsByAvailableSizeE18) {
  using connectors::kafka::rateLimit;
  TopicPartition p0{"t", 0}, p1{"t", 1}, p2{"t", 2};
  PartitionOffsets latest{{p0, 30}, {p1, 10}};
  auto first = rateLimit(10, {{p0, 0}, {p1, 0}}, latest);
  EXPECT_EQ(first, (PartitionOffsets{{p0, 7}, {p1, 2}}));
  auto second = rateLimit(10, first, latest);
  EXPECT_EQ(second, (PartitionOffsets{{p0, 14}, {p1, 4}}));
  // A small partition gets ceil of its share: 10 * 1/31 rounds up to 1.
  // A third partition with 1 record available gets ceil(10 * 1/41) = ceil(0.24) = 1.
  auto third = rateLimit(10, {{p0, 0}, {p1, 0}, {p2, 0}}, {{p0, 30}, {p1, 10}, {p2, 1}});
  EXPECT_EQ(third, (PartitionOffsets{{p0, 7}, {p1, 2}, {p2, 1}}));
  // Less available than the limit: everything.
  EXPECT_EQ(rateLimit(100, {{p0, 28}}, {{p0, 30}}), (PartitionOffsets{{p0, 30}}));
}

// ---------------------------------------------------------------------------------------------
// A fake broker at the librdkafka boundary.

struct FakeBroker {
  struct Log {
    int64_t earliest = 0;  // offset of values[0]
    std::vector<std::string> values;
    int64_t latest() const { return earliest + static_cast<int64_t>(values.size()); }
  };
  std::mutex mutex;
  std::map<TopicPartition, Log> logs;
  std::map<TopicPartition, int64_t> timestampOffsets;  // what offsetsForTimes answers

  void append(const TopicPartition& tp, int n, const std::string& prefix) {
    std::lock_guard lock(mutex);
    auto& log = logs[tp];
    for (int i = 0; i < n; ++i) log.values.push_back(prefix + std::to_string(log.latest()));
  }
  void truncateTo(const TopicPartition& tp, int64_t earliest) {
    std::lock_guard lock(mutex);
    auto& log = logs[tp];
    while (log.earliest < earliest && !log.values.empty()) {
      log.values.erase(log.values.begin());
      ++log.earliest;
    }
    log.earliest = std::max(log.earliest, earliest);
  }
};

class FakeClient : public connectors::kafka::KafkaClient {
 public:
  explicit FakeClient(std::shared_ptr<FakeBroker> broker) : broker_(std::move(broker)) {}
  std::vector<TopicPartition> partitions(const connectors::kafka::Subscription& s) override {
    std::lock_guard lock(broker_->mutex);
    std::vector<TopicPartition> out;
    for (const auto& [tp, log] : broker_->logs) {
      if (std::find(s.topics.begin(), s.topics.end(), tp.topic) != s.topics.end()) out.push_back(tp);
    }
    return out;
  }
  PartitionOffsets earliestOffsets(const std::vector<TopicPartition>& tps) override {
    std::lock_guard lock(broker_->mutex);
    PartitionOffsets out;
    for (const auto& tp : tps) out[tp] = broker_->logs.at(tp).earliest;
    return out;
  }
  PartitionOffsets latestOffsets(const std::vector<TopicPartition>& tps) override {
    std::lock_guard lock(broker_->mutex);
    PartitionOffsets out;
    for (const auto& tp : tps) out[tp] = broker_->logs.at(tp).latest();
    return out;
  }
  PartitionOffsets offsetsForTimes(const std::map<TopicPartition, int64_t>& ts) override {
    std::lock_guard lock(broker_->mutex);
    PartitionOffsets out;
    for (const auto& [tp, t] : ts) {
      auto it = broker_->timestampOffsets.find(tp);
      out[tp] = it == broker_->timestampOffsets.end() ? -1 : it->second;
    }
    return out;
  }
  void fetch(const std::vector<FetchRange>& ranges, FetchConsumer& consumer) override {
    std::lock_guard lock(broker_->mutex);
    for (size_t i = 0; i < ranges.size(); ++i) {
      const auto& r = ranges[i];
      const auto& log = broker_->logs.at(r.partition);
      int64_t at = r.fromOffset;
      if (at < log.earliest && at < r.untilOffset) {
        if (!consumer.dataLost(i, at, log.earliest)) continue;
        at = log.earliest;
      }
      for (; at < r.untilOffset; ++at) {
        KafkaRecord rec;
        rec.offset = at;
        rec.value = log.values[static_cast<size_t>(at - log.earliest)];
        rec.timestampMs = 1000 + at;
        consumer.record(i, rec);
      }
    }
  }

 private:
  std::shared_ptr<FakeBroker> broker_;
};

class KafkaFakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    broker_ = std::make_shared<FakeBroker>();
    auto broker = broker_;
    connectors::kafka::setClientFactory(
        [broker](const connectors::kafka::ClientConfig&) { return std::make_unique<FakeClient>(broker); });
    base::setLogHandler([this](base::LogLevel level, const std::string& m) {
      std::lock_guard lock(logMutex_);
      if (level == base::LogLevel::kWarning) warnings_.push_back(m);
    });
  }
  void TearDown() override {
    for (auto& q : spark.streams().active()) q.stop();
    connectors::kafka::setClientFactory(nullptr);
    base::setLogHandler(nullptr);
  }
  std::string path(const std::string& name) const { return dir_.path(name); }
  std::vector<std::string> warnings() {
    std::lock_guard lock(logMutex_);
    return warnings_;
  }
  DataStreamReader reader() {
    return std::move(spark.readStream().format("kafka").option("kafka.bootstrap.servers", "fake:9092").option("subscribe", "t"));
  }
  // The (partition, offset, value) rows of a memory table.
  std::vector<Row> rows(const std::string& table) { return sorted(spark.table(table).collect()); }
  static std::vector<Row> expected(int partition, int64_t from, int64_t until, const std::string& prefix) {
    std::vector<Row> out;
    for (int64_t o = from; o < until; ++o) out.push_back(Row({I(partition), I(o), S(prefix + std::to_string(o))}));
    return out;
  }
  static std::vector<Row> concat(std::vector<Row> a, const std::vector<Row>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return sorted(a);
  }

  testing::TestDirectory dir_{"weir-kafka-fake"};
  Session spark = Session::builder().appName("kafka-fake").config("spark.sql.shuffle.partitions", "2").getOrCreate();
  std::shared_ptr<FakeBroker> broker_;
  std::mutex logMutex_;
  std::vector<std::string> warnings_;
};

StreamingQuery startToMemory(DataFrame df, const std::string& name, const std::string& checkpoint,
                             std::shared_ptr<ManualClock> clock = nullptr) {
  auto writer = df.select(col("partition"), col("offset"), col("value").cast("string").alias("value"))
                    .writeStream()
                    .format("memory")
                    .queryName(name)
                    .option("checkpointLocation", checkpoint);
  if (clock) writer.clock(clock);
  return writer.start();
}

// E18 through a query: each batch takes at most 10 records, split 7/2 then 7/2.
TEST_F(KafkaFakeTest, MaxOffsetsPerTriggerLimitsEachBatchE18) {
  broker_->append({"t", 0}, 30, "a");
  broker_->append({"t", 1}, 10, "b");
  auto q = startToMemory(reader().option("startingOffsets", "earliest").option("maxOffsetsPerTrigger", "10").load(),
                         "e18", path("ckpt"));
  q.processAllAvailable();
  auto progress = q.recentProgress();
  ASSERT_GE(progress.size(), 2u);
  EXPECT_EQ(progress[0].sources[0].endOffset, std::optional<std::string>(R"({"t":{"0":7,"1":2}})"));
  EXPECT_EQ(progress[0].numInputRows, 9);
  EXPECT_EQ(progress[1].sources[0].startOffset, std::optional<std::string>(R"({"t":{"0":7,"1":2}})"));
  EXPECT_EQ(progress[1].sources[0].endOffset, std::optional<std::string>(R"({"t":{"0":14,"1":4}})"));
  // Lag after the first batch: p0 is 23 behind, p1 8.
  EXPECT_EQ(progress[0].sources[0].latestOffset, std::optional<std::string>(R"({"t":{"0":30,"1":10}})"));
  EXPECT_EQ(progress[0].sources[0].metrics.at("maxOffsetsBehindLatest"), "23");
  EXPECT_EQ(progress[0].sources[0].metrics.at("minOffsetsBehindLatest"), "8");
  EXPECT_EQ(progress[0].sources[0].metrics.at("avgOffsetsBehindLatest"), "15.5");
  EXPECT_EQ(rows("e18"), concat(expected(0, 0, 30, "a"), expected(1, 0, 10, "b")));
  EXPECT_EQ(q.lastProgress()->sources[0].metrics.at("maxOffsetsBehindLatest"), "0");
}

// E19: minOffsetsPerTrigger=100 with maxTriggerDelay 15 minutes.
TEST_F(KafkaFakeTest, MinOffsetsPerTriggerWaitsForEnoughRecordsOrTheDelayE19) {
  auto clock = std::make_shared<ManualClock>(1'700'000'000'000);
  // The idle query polls every 10 ms of its clock: keep the clock ticking, far slower than the
  // minutes the test steps by hand.
  std::atomic<bool> ticking{true};
  std::thread ticker([&] {
    while (ticking) {
      clock->advance(10);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  struct Join {
    std::atomic<bool>& flag;
    std::thread& t;
    ~Join() {
      flag = false;
      t.join();
    }
  } join{ticking, ticker};
  broker_->append({"t", 0}, 40, "a");
  auto q = startToMemory(reader()
                             .option("startingOffsets", "earliest")
                             .option("minOffsetsPerTrigger", "100")
                             .option("maxTriggerDelay", "15m")
                             .load(),
                         "e19", path("ckpt"), clock);
  q.processAllAvailable();  // the first trigger after start always runs
  EXPECT_EQ(rows("e19").size(), 40u);
  broker_->append({"t", 0}, 40, "a");
  clock->advance(60'000);
  q.processAllAvailable();
  EXPECT_EQ(rows("e19").size(), 40u);  // 40 new < 100: no batch
  broker_->append({"t", 0}, 60, "a");
  q.processAllAvailable();
  EXPECT_EQ(rows("e19").size(), 140u);  // 100 new: a batch
  broker_->append({"t", 0}, 5, "a");
  clock->advance(14 * 60'000);
  q.processAllAvailable();
  EXPECT_EQ(rows("e19").size(), 140u);
  clock->advance(60'000);  // 15 minutes since the last batch
  q.processAllAvailable();
  EXPECT_EQ(rows("e19"), expected(0, 0, 145, "a"));
  EXPECT_EQ(q.lastProgress()->batchId, 2);
  q.stop();
}

// E20: a partition added while the query runs is read from offset 0.
TEST_F(KafkaFakeTest, NewPartitionIsReadFromItsStartE20) {
  broker_->append({"t", 0}, 3, "a");
  auto q = startToMemory(reader().option("startingOffsets", "earliest").load(), "e20", path("ckpt"));
  q.processAllAvailable();
  broker_->append({"t", 2}, 4, "c");
  q.processAllAvailable();
  EXPECT_EQ(rows("e20"), concat(expected(0, 0, 3, "a"), expected(2, 0, 4, "c")));
  EXPECT_EQ(q.lastProgress()->sources[0].endOffset, std::optional<std::string>(R"({"t":{"0":3,"2":4}})"));
  EXPECT_TRUE(warnings().empty());
}

// E20: a new partition whose earliest offset is already 50 lost data: an error by default...
TEST_F(KafkaFakeTest, NewPartitionThatLostDataFailsTheQueryE20) {
  broker_->append({"t", 0}, 3, "a");
  auto q = startToMemory(reader().option("startingOffsets", "earliest").load(), "e20f", path("ckpt"));
  q.processAllAvailable();
  broker_->append({"t", 1}, 60, "b");
  broker_->truncateTo({"t", 1}, 50);
  try {
    q.processAllAvailable();
    q.awaitTermination();
    FAIL() << "expected data loss";
  } catch (const StreamingQueryException& e) {
    EXPECT_EQ(e.causeErrorClass(), "KAFKA_DATA_LOSS");
    EXPECT_NE(std::string(e.what()).find("Added partition t-1 starts from 50 instead of 0"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("failOnDataLoss"), std::string::npos);
  }
}

// ...and a warning, reading from 50, with failOnDataLoss=false.
TEST_F(KafkaFakeTest, NewPartitionThatLostDataIsReadFromEarliestWithoutFailOnDataLossE20) {
  broker_->append({"t", 0}, 3, "a");
  auto q = startToMemory(reader().option("startingOffsets", "earliest").option("failOnDataLoss", "false").load(),
                         "e20w", path("ckpt"));
  q.processAllAvailable();
  broker_->append({"t", 1}, 60, "b");
  broker_->truncateTo({"t", 1}, 50);
  q.processAllAvailable();
  EXPECT_EQ(rows("e20w"), concat(expected(0, 0, 3, "a"), expected(1, 50, 60, "b")));
  auto w = warnings();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("Added partition t-1 starts from 50 instead of 0"), std::string::npos) << w[0];
}

// Records the checkpoint promises that retention deleted before the batch read them.
TEST_F(KafkaFakeTest, OffsetsAgedOutBeforeTheReadAreDataLoss) {
  broker_->append({"t", 0}, 10, "a");
  auto q = startToMemory(reader().option("startingOffsets", "earliest").option("failOnDataLoss", "false").load(),
                         "aged", path("ckpt"));
  q.processAllAvailable();
  q.stop();
  broker_->append({"t", 0}, 10, "a");
  broker_->truncateTo({"t", 0}, 15);
  auto q2 = startToMemory(reader().option("startingOffsets", "earliest").option("failOnDataLoss", "false").load(),
                          "aged2", path("ckpt"));
  q2.processAllAvailable();
  EXPECT_EQ(rows("aged2"), expected(0, 15, 20, "a"));
  auto w = warnings();
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("Cannot fetch offset 10 of t-0"), std::string::npos) << w[0];
  EXPECT_NE(w[0].find("earliest offset still there is 15"), std::string::npos) << w[0];
}

TEST_F(KafkaFakeTest, StartingOffsetsByTimestamp) {
  broker_->append({"t", 0}, 10, "a");
  broker_->append({"t", 1}, 10, "b");
  broker_->timestampOffsets[{"t", 0}] = 4;
  broker_->timestampOffsets[{"t", 1}] = 8;
  auto q = startToMemory(reader().option("startingOffsetsByTimestamp", R"({"t":{"0":1000,"1":1000}})").load(), "ts",
                         path("ckpt"));
  q.processAllAvailable();
  EXPECT_EQ(rows("ts"), concat(expected(0, 4, 10, "a"), expected(1, 8, 10, "b")));
  // The resolved start is kept in Spark's initial-offset file.
  EXPECT_EQ(readFile(path("ckpt/sources/0/0")), std::string("\0v1\n", 4) + R"({"t":{"0":4,"1":8}})");
}

TEST_F(KafkaFakeTest, StartingTimestampWithNoLaterRecordFailsOrStartsAtLatest) {
  broker_->append({"t", 0}, 10, "a");
  broker_->timestampOffsets[{"t", 0}] = -1;
  auto q = startToMemory(reader().option("startingTimestamp", "99999999").load(), "ts1", path("c1"));
  try {
    q.awaitTermination();
    FAIL() << "expected an error";
  } catch (const StreamingQueryException& e) {
    EXPECT_NE(std::string(e.what()).find("No offset matched the timestamp 99999999 in t-0"), std::string::npos) << e.what();
  }
  auto q2 = startToMemory(
      reader().option("startingTimestamp", "99999999").option("startingOffsetsByTimestampStrategy", "latest").load(),
      "ts2", path("c2"));
  q2.processAllAvailable();
  broker_->append({"t", 0}, 2, "a");
  q2.processAllAvailable();
  EXPECT_EQ(rows("ts2"), expected(0, 10, 12, "a"));
}

TEST_F(KafkaFakeTest, AvailableNowReadsWhatWasThereAtStartAndStops) {
  broker_->append({"t", 0}, 25, "a");
  auto q = reader()
               .option("startingOffsets", "earliest")
               .option("maxOffsetsPerTrigger", "10")
               .load()
               .select(col("partition"), col("offset"), col("value").cast("string").alias("value"))
               .writeStream()
               .format("memory")
               .queryName("an")
               .option("checkpointLocation", path("ckpt"))
               .trigger(Trigger::AvailableNow())
               .start();
  q.awaitTermination();
  EXPECT_EQ(rows("an"), expected(0, 0, 25, "a"));
  EXPECT_EQ(q.recentProgress().size(), 3u);  // 10 + 10 + 5
}

// ---------------------------------------------------------------------------------------------
// Options

TEST_F(KafkaTest, OptionErrorsNameTheProblemAndTheFix) {
  auto expectError = [&](const std::function<void()>& f, const std::string& text) {
    try {
      f();
      FAIL() << "expected an error mentioning " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  auto bs = cluster_->bootstrapServers();
  struct Case {
    bool streaming;
    std::map<std::string, std::string> options;
    std::string error;
  };
  const std::vector<Case> cases{
      {true, {{"kafka.bootstrap.servers", bs}}, "subscribe, subscribePattern, assign"},
      {true, {{"kafka.bootstrap.servers", bs}, {"subscribe", "a"}, {"assign", "{}"}}, "Only one of"},
      {true, {{"subscribe", "a"}}, "kafka.bootstrap.servers"},
      {true, {{"kafka.bootstrap.servers", bs}, {"subscribe", "a"}, {"kafka.auto.offset.reset", "earliest"}}, "startingOffsets"},
      {true, {{"kafka.bootstrap.servers", bs}, {"subscribe", "a"}, {"endingOffsets", "latest"}}, "batch reads only"},
      {false, {{"kafka.bootstrap.servers", bs}, {"subscribe", "a"}, {"startingOffsets", "latest"}}, "can't be 'latest' for batch"},
      {true, {{"kafka.bootstrap.servers", bs}, {"subscribe", "a"}, {"startingOffsets", "{bad"}}, "startingOffsets"},
      {true, {{"kafka.bootstrap.servers", bs}, {"subscribe", "a"}, {"maxTriggerDelay", "soon"}}, "maxTriggerDelay"},
  };
  for (const auto& c : cases) {
    expectError([&] {
      if (c.streaming) {
        spark.readStream().format("kafka").options(c.options).load();
      } else {
        spark.read().format("kafka").options(c.options).load();
      }
    }, c.error);
  }
  // An option librdkafka does not know fails when the query starts, naming it.
  expectError([&] {
    spark.readStream().format("kafka").option("kafka.bootstrap.servers", bs).option("subscribe", "a")
        .option("kafka.no.such.setting", "1").load()
        .writeStream().format("memory").queryName("bad").start();
  }, "kafka.no.such.setting");
  // The sink's columns.
  auto input = MemoryStream::create(spark, StructType::fromDDL("n BIGINT"));
  expectError([&] {
    input.toDF().writeStream().format("kafka").option("kafka.bootstrap.servers", bs).option("topic", "a")
        .option("checkpointLocation", path("c")).start();
  }, "Required attribute 'value' not found");
  expectError([&] {
    input.toDF().select(col("n").cast("string").alias("value")).writeStream().format("kafka")
        .option("kafka.bootstrap.servers", bs).option("checkpointLocation", path("c")).start();
  }, "topic option required");
  expectError([&] {
    input.toDF().select(col("n").alias("value")).writeStream().format("kafka")
        .option("kafka.bootstrap.servers", bs).option("topic", "a").option("checkpointLocation", path("c")).start();
  }, "value attribute type must be a string or binary");
}

// ---------------------------------------------------------------------------------------------
// Against the local broker

TEST_F(KafkaTest, StreamsWhatKcatProducedIntoAMemorySink) {
  ASSERT_TRUE(haveKcat()) << "kcat is missing: run scripts/install-deps.sh (Debian package kcat)";
  cluster_->createTopic("events", 2);
  kcatProduce("events", 0, {"k1:v1", "k2:v2", "k3:v3"});
  kcatProduce("events", 1, {"k4:v4"});
  auto q = kafkaStream("events")
               .select(col("key").cast("string").alias("k"), col("value").cast("string").alias("v"), col("topic"),
                       col("partition"), col("offset"), col("timestampType"))
               .writeStream()
               .format("memory")
               .queryName("kcat_rows")
               .option("checkpointLocation", path("ckpt"))
               .start();
  q.processAllAvailable();
  EXPECT_EQ(sorted(spark.table("kcat_rows").collect()),
            (std::vector<Row>{Row({S("k1"), S("v1"), S("events"), I(0), I(0), I(0)}),
                              Row({S("k2"), S("v2"), S("events"), I(0), I(1), I(0)}),
                              Row({S("k3"), S("v3"), S("events"), I(0), I(2), I(0)}),
                              Row({S("k4"), S("v4"), S("events"), I(1), I(0), I(0)})}));
  kcatProduce("events", 1, {"k5:v5"});
  q.processAllAvailable();
  EXPECT_EQ(spark.table("kcat_rows").count(), 5);
  // Spark's files: the offsets in the offset log and the initial offsets of the source.
  std::string offsets1 = readFile(path("ckpt/offsets/1"));
  EXPECT_EQ(offsets1.substr(offsets1.rfind('\n') + 1), R"({"events":{"0":3,"1":2}})");
  EXPECT_EQ(readFile(path("ckpt/sources/0/0")), std::string("\0v1\n", 4) + R"({"events":{"0":0,"1":0}})");
  auto p = q.lastProgress();
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->sources[0].description, "KafkaV2[Subscribe[events]]");
  EXPECT_EQ(p->sources[0].metrics.at("maxOffsetsBehindLatest"), "0");
}

TEST_F(KafkaTest, RestartResumesAtTheRecordedOffsets) {
  cluster_->createTopic("r", 1);
  auto write = [&](int from, int to) {
    std::vector<Row> rows;
    for (int i = from; i < to; ++i) rows.push_back(Row({S("v" + std::to_string(i))}));
    produce(rows, "value STRING", "r");
  };
  write(0, 5);
  auto startQuery = [&] {
    return kafkaStream("r")
        .select(col("offset"), col("value").cast("string").alias("v"))
        .writeStream()
        .format("json")
        .option("checkpointLocation", path("ckpt"))
        .start(path("out"));
  };
  auto q = startQuery();
  q.processAllAvailable();
  q.stop();
  write(5, 8);
  auto q2 = startQuery();
  q2.processAllAvailable();
  q2.stop();
  auto all = spark.read().schema("offset BIGINT, v STRING").json(path("out")).orderBy(col("offset")).collect();
  ASSERT_EQ(all.size(), 8u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(all[i], Row({I(i), S("v" + std::to_string(i))}));
  std::string offsets1 = readFile(path("ckpt/offsets/1"));
  EXPECT_EQ(offsets1.substr(offsets1.rfind('\n') + 1), R"({"r":{"0":8}})");
}

TEST_F(KafkaTest, EveryRecordOnceWhenPartitionsOfUnequalSizeFinishAtDifferentTimes) {
  // A fresh consumer's first batch pauses the partitions it has finished while others are still
  // read, and the next batch's fetch resumes them: partition p holds 150 * (p + 1) records, each batch takes 250,
  // and the query is stopped and restarted (a fresh consumer again) halfway.
  cluster_->createTopic("u", 4);
  std::vector<Row> rows;
  for (int p = 0; p < 4; ++p) {
    for (int i = 0; i < 150 * (p + 1); ++i) rows.push_back(Row({I(p), S(std::to_string(p) + ":" + std::to_string(i))}));
  }
  produce(rows, "partition INT, value STRING", "u");
  auto startQuery = [&] {
    return kafkaReader("u")
        .option("maxOffsetsPerTrigger", "250")
        .load()
        .select(col("partition"), col("offset"), col("value").cast("string").alias("v"))
        .writeStream()
        .format("json")
        .option("checkpointLocation", path("ckpt"))
        .trigger(Trigger::AvailableNow())
        .start(path("out"));
  };
  auto q = startQuery();
  // Two batches, then a restart for the rest.
  for (int tries = 0; tries < 600 && (!q.lastProgress() || q.lastProgress()->batchId < 1); ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  q.stop();
  auto q2 = startQuery();
  q2.awaitTermination();
  auto all = spark.read()
                 .schema("partition BIGINT, offset BIGINT, v STRING")
                 .json(path("out"))
                 .orderBy(col("partition"), col("offset"))
                 .collect();
  ASSERT_EQ(all.size(), 1500u);
  size_t at = 0;
  for (int p = 0; p < 4; ++p) {
    for (int i = 0; i < 150 * (p + 1); ++i, ++at) {
      EXPECT_EQ(all[at], Row({I(p), I(i), S(std::to_string(p) + ":" + std::to_string(i))})) << at;
    }
  }
}

TEST_F(KafkaTest, SinkOutputReadBackByKcatAndByTheBatchReader) {
  ASSERT_TRUE(haveKcat()) << "kcat is missing: run scripts/install-deps.sh (Debian package kcat)";
  cluster_->createTopic("out", 1);
  auto input = MemoryStream::create(spark, StructType::fromDDL("k STRING, n BIGINT"));
  auto q = input.toDF()
               .select(col("k").alias("key"), to_json(struct_({col("k"), col("n")})).alias("value"))
               .writeStream()
               .format("kafka")
               .option("kafka.bootstrap.servers", cluster_->bootstrapServers())
               .option("topic", "out")
               .option("checkpointLocation", path("ckpt"))
               .start();
  input.addData({Row({S("a"), I(1)}), Row({S("b"), I(2)})});
  q.processAllAvailable();
  input.addData({Row({S("c"), I(3)})});
  q.processAllAvailable();
  EXPECT_EQ(q.lastProgress()->sink.numOutputRows, 1);
  std::string consumed = run("kcat -C -q -b " + cluster_->bootstrapServers() + " -t out -p 0 -o beginning -e -f '%k=%s\\n'");
  EXPECT_EQ(consumed, "a={\"k\":\"a\",\"n\":1}\nb={\"k\":\"b\",\"n\":2}\nc={\"k\":\"c\",\"n\":3}\n");
  auto back = spark.read()
                  .format("kafka")
                  .option("kafka.bootstrap.servers", cluster_->bootstrapServers())
                  .option("subscribe", "out")
                  .option("endingOffsets", R"({"out":{"0":2}})")
                  .load()
                  .select(col("key").cast("string"), col("value").cast("string"), col("offset"))
                  .collect();
  EXPECT_EQ(back, (std::vector<Row>{Row({S("a"), S("{\"k\":\"a\",\"n\":1}"), I(0)}),
                                    Row({S("b"), S("{\"k\":\"b\",\"n\":2}"), I(1)})}));
}

TEST_F(KafkaTest, TopicColumnPartitionColumnAndHeadersRoundTrip) {
  cluster_->createTopic("h1", 2);
  cluster_->createTopic("h2", 1);
  std::vector<Row> rows{Row({S("h1"), I(1), S("x"), Value::array({Value::structOf({S("trace"), Value::binary("t1")})})}),
                        Row({S("h2"), I(0), S("y"), Value::null()})};
  spark.createDataFrame(rows, StructType::fromDDL("topic STRING, partition INT, value STRING, "
                                                  "headers ARRAY<STRUCT<key: STRING, value: BINARY>>"))
      .write()
      .format("kafka")
      .option("kafka.bootstrap.servers", cluster_->bootstrapServers())
      .save();
  auto back = spark.read()
                  .format("kafka")
                  .option("kafka.bootstrap.servers", cluster_->bootstrapServers())
                  .option("subscribePattern", "h[0-9]")
                  .option("includeHeaders", "true")
                  .load()
                  .select(col("topic"), col("partition"), col("value").cast("string"), col("headers"))
                  .collect();
  EXPECT_EQ(sorted(back), sorted(rows));
}

// The broker goes down in the middle of a query and comes back: nothing lost, nothing twice.
TEST_F(KafkaTest, QueryRidesThroughABrokerOutage) {
  cluster_->createTopic("o", 2);
  auto produceRange = [&](int from, int to) {
    std::vector<Row> rows;
    for (int i = from; i < to; ++i) rows.push_back(Row({S(std::to_string(i))}));
    produce(rows, "value STRING", "o");
  };
  produceRange(0, 100);
  auto q = kafkaStream("o")
               .select(col("value").cast("string").cast("int").alias("n"))
               .writeStream()
               .format("memory")
               .queryName("outage")
               .option("checkpointLocation", path("ckpt"))
               .start();
  q.processAllAvailable();
  cluster_->setBrokerDown(1);
  std::thread back([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    cluster_->setBrokerUp(1);
  });
  // Written while the broker is down: the idempotent producer retries until it is back.
  produceRange(100, 200);
  back.join();
  // Fetch and offset requests that fail once more are retried too.
  cluster_->pushRequestErrors(1, {6, 6});   // Fetch: NOT_LEADER_FOR_PARTITION
  cluster_->pushRequestErrors(2, {7});      // ListOffsets: REQUEST_TIMED_OUT
  produceRange(200, 250);
  q.processAllAvailable();
  auto rows = sorted(spark.table("outage").collect());
  ASSERT_EQ(rows.size(), 250u);
  for (int i = 0; i < 250; ++i) EXPECT_EQ(rows[static_cast<size_t>(i)], Row({I(i)}));
  EXPECT_TRUE(q.isActive());
}

// A broker that stays away fails the query with an error that says so.
TEST_F(KafkaTest, BrokerThatStaysDownFailsTheQueryClearly) {
  cluster_->createTopic("down", 1);
  auto q = spark.readStream()
               .format("kafka")
               .option("kafka.bootstrap.servers", cluster_->bootstrapServers())
               .option("subscribe", "down")
               .option("kafkaConsumer.pollTimeoutMs", "1500")
               .load()
               .writeStream()
               .format("memory")
               .queryName("down")
               .option("checkpointLocation", path("ckpt"))
               .start();
  q.processAllAvailable();
  cluster_->setBrokerDown(1);
  try {
    q.awaitTermination();
    FAIL() << "expected the query to fail";
  } catch (const StreamingQueryException& e) {
    EXPECT_EQ(e.causeErrorClass(), "KAFKA_UNAVAILABLE");
    EXPECT_NE(std::string(e.what()).find(cluster_->bootstrapServers()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("kafkaConsumer.pollTimeoutMs"), std::string::npos) << e.what();
  }
}

// Stopping a query while its source waits for a broker that is down stops it at once, cleanly (no
// failure), and the batch it was building runs again from its logged offsets at the next start.
TEST_F(KafkaTest, StopDuringABrokerOutageStopsAtOnceWithoutFailing) {
  cluster_->createTopic("stop", 1);
  auto start = [&] {
    return kafkaStream("stop")
        .select(col("value").cast("string").alias("v"))
        .writeStream()
        .format("memory")
        .queryName("stopped")
        .option("checkpointLocation", path("ckpt"))
        .start();
  };
  auto q = start();
  q.processAllAvailable();
  cluster_->setBrokerDown(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the next trigger is now waiting
  const auto before = std::chrono::steady_clock::now();
  q.stop();
  const auto stopMs =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - before).count();
  EXPECT_LT(stopMs, 5000) << "stop() waited for the broker (pollTimeoutMs is 120 s)";
  EXPECT_FALSE(q.isActive());
  EXPECT_NO_THROW(q.awaitTermination());
  EXPECT_EQ(q.exception(), nullptr);
  cluster_->setBrokerUp(1);
  produce({Row({S("a")}), Row({S("b")})}, "value STRING", "stop");
  auto again = start();
  again.processAllAvailable();
  EXPECT_EQ(sorted(spark.table("stopped").collect()), (std::vector<Row>{Row({S("a")}), Row({S("b")})}));
  again.stop();
}

// The local broker keeps about 5 MiB per partition: records before that are gone, and a query that
// asks for them meets librdkafka's offset-out-of-range, which is data loss.
TEST_F(KafkaTest, OffsetsDeletedByRetentionAreDataLossOnTheRealClient) {
  cluster_->createTopic("ret", 1);
  std::vector<Row> rows;
  for (int i = 0; i < 60000; ++i) rows.push_back(Row({S(std::to_string(i) + std::string(140, 'x'))}));
  produce(rows, "value STRING", "ret");
  auto firstOffset = spark.read()
                         .format("kafka")
                         .option("kafka.bootstrap.servers", cluster_->bootstrapServers())
                         .option("subscribe", "ret")
                         .load()
                         .agg(min(col("offset")), count("*"))
                         .collect();
  ASSERT_EQ(firstOffset.size(), 1u);
  const int64_t earliest = firstOffset[0].get(0).asLong();
  ASSERT_GT(earliest, 0) << "the local broker kept every record; this test needs its retention";
  EXPECT_EQ(firstOffset[0].get(1).asLong(), 60000 - earliest);
  auto start = [&](const std::string& name, bool failOnDataLoss) {
    return spark.readStream()
        .format("kafka")
        .option("kafka.bootstrap.servers", cluster_->bootstrapServers())
        .option("subscribe", "ret")
        .option("startingOffsets", R"({"ret":{"0":0}})")
        .option("failOnDataLoss", failOnDataLoss ? "true" : "false")
        .load()
        .select(col("offset"))
        .writeStream()
        .format("memory")
        .queryName(name)
        .option("checkpointLocation", path(name))
        .start();
  };
  auto failing = start("ret_fail", true);
  try {
    failing.awaitTermination();
    FAIL() << "expected data loss";
  } catch (const StreamingQueryException& e) {
    EXPECT_EQ(e.causeErrorClass(), "KAFKA_DATA_LOSS") << e.what();
    EXPECT_NE(std::string(e.what()).find("Cannot fetch offset 0 of ret-0"), std::string::npos) << e.what();
  }
  base::setLogHandler([](base::LogLevel, const std::string&) {});
  auto skipping = start("ret_skip", false);
  skipping.processAllAvailable();
  auto got = spark.table("ret_skip").agg(min(col("offset")), max(col("offset")), count("*")).collect();
  EXPECT_EQ(got[0], Row({I(earliest), I(59999), I(60000 - earliest)}));
}

TEST_F(KafkaTest, SinkFailsTheQueryWhenTheBrokerNeverAcknowledges) {
  cluster_->createTopic("lost", 1);
  auto input = MemoryStream::create(spark, StructType::fromDDL("value STRING"));
  auto q = input.toDF()
               .writeStream()
               .format("kafka")
               .option("kafka.bootstrap.servers", cluster_->bootstrapServers())
               .option("topic", "lost")
               .option("kafka.message.timeout.ms", "1500")
               .option("checkpointLocation", path("ckpt"))
               .start();
  input.addData({Row({S("a")})});
  q.processAllAvailable();
  cluster_->setBrokerDown(1);
  input.addData({Row({S("b")})});
  try {
    q.awaitTermination();
    FAIL() << "expected the query to fail";
  } catch (const StreamingQueryException& e) {
    EXPECT_EQ(e.causeErrorClass(), "KAFKA_WRITE_FAILED") << e.what();
    EXPECT_NE(std::string(e.what()).find("Could not write 1 of 1 records to Kafka"), std::string::npos) << e.what();
  }
  // Nothing of the failed batch is committed: the restarted query writes it again.
  EXPECT_FALSE(std::filesystem::exists(path("ckpt/commits/1")));
  EXPECT_TRUE(std::filesystem::exists(path("ckpt/offsets/1")));
}

TEST_F(KafkaTest, BatchReadWithAssignAndMinPartitions) {
  cluster_->createTopic("as", 2);
  std::vector<Row> rows;
  for (int i = 0; i < 50; ++i) rows.push_back(Row({I(i % 2), S("r" + std::to_string(i))}));
  spark.createDataFrame(rows, StructType::fromDDL("partition INT, value STRING"))
      .write()
      .format("kafka")
      .option("kafka.bootstrap.servers", cluster_->bootstrapServers())
      .option("topic", "as")
      .save();
  auto df = spark.read()
                .format("kafka")
                .option("kafka.bootstrap.servers", cluster_->bootstrapServers())
                .option("assign", R"({"as":[1]})")
                .option("startingOffsets", R"({"as":{"1":5}})")
                .option("endingOffsets", R"({"as":{"1":15}})")
                .option("minPartitions", "4")
                .load()
                .select(col("partition"), col("offset"), col("value").cast("string"));
  std::vector<Row> want;
  for (int o = 5; o < 15; ++o) want.push_back(Row({I(1), I(o), S("r" + std::to_string(2 * o + 1))}));
  EXPECT_EQ(sorted(df.collect()), want);
}

}  // namespace
}  // namespace weir
