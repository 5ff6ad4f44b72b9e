// One streaming workload of the benchmark suite (scripts/bench.sh), run and measured inside this
// process. A source (Kafka, a directory of JSON files, or parsed rows in memory), the golden
// event parsed and either passed through or counted per (window, user_id) with a watermark, a sink
// (noop or Delta). At the end it prints one JSON line: events, CPU seconds of the whole process
// (all threads: the engine's pool, librdkafka's, the sink's), wall seconds, batch durations,
// end-to-end latency, state size and the watermark's late-row counter.
//
// End-to-end latency (--latency, Kafka only): a thread polls the topic's high watermarks every
// 2 ms, which gives the time each offset became readable (its append time, late by at most the
// polling interval); a batch's commit time is when its progress is reported (after the sink and
// the commit log). Each event's latency is its batch's commit time minus its append time.
//
// Recovery (--started-ms, the epoch milliseconds at which the caller started this process): the
// first batch committed by this process prints a JSON line with the time from the start to that
// commit, which includes restoring the state and re-running a batch left pending by a kill.
//
// Usage: stream_bench --row ID --source kafka|files|memory [options]; see --help.
#include <librdkafka/rdkafka.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "process_usage.h"
#include "weir/weir.h"

using namespace weir;             // NOLINT
using namespace weir::functions;  // NOLINT

namespace {

std::atomic<bool> gStop{false};

const char* const kGoldenSchema =
    "event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE";

struct BenchOptions {
  std::string row = "stream";
  std::string source = "kafka";
  std::string bootstrap, topic = "events";
  int64_t maxOffsets = 0;
  std::string path;
  int64_t maxFiles = 1;
  int64_t count = 1'000'000, users = 100'000, stepMicros = 360, perBatch = 100'000;
  std::string query = "window";
  std::string windowSize = "10 minutes", windowSlide = "5 minutes", watermark = "10 minutes";
  std::string sink = "noop", table, checkpoint;
  std::string trigger = "available-now";
  int partitions = 1;
  int64_t stopAfterEvents = 0;
  double timeoutSeconds = 600;
  bool latency = false;
  int64_t startedMs = 0;
  std::string progressFile, readyFile;
  std::vector<std::string> sourceOptions;  // KEY=VALUE, passed to the source
};

// The time each Kafka offset became readable, from high watermarks polled every 2 ms.
class AppendTimes {
 public:
  AppendTimes(const std::string& bootstrap, const std::string& topic) : topic_(topic) {
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
    handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (handle_ == nullptr) throw std::runtime_error(std::string("librdkafka: ") + err);
    rd_kafka_topic_t* t = rd_kafka_topic_new(handle_, topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    if (rd_kafka_metadata(handle_, 0, t, &md, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        md->topic_cnt == 1) {
      partitions_ = md->topics[0].partition_cnt;
    }
    if (md) rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(t);
    if (partitions_ <= 0) throw std::runtime_error("no partitions found for topic " + topic);
    steps_.resize(static_cast<size_t>(partitions_));
    thread_ = std::thread([this] { poll(); });
  }
  ~AppendTimes() {
    stop();
    rd_kafka_destroy(handle_);
  }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  /// Adds the latency (commitMicros minus append time, in ms) of offsets [from, to) of `partition`
  /// to `out` as (latency, events) pairs.
  void latencies(int partition, int64_t from, int64_t to, int64_t commitMicros,
                 std::vector<std::pair<double, int64_t>>& out) const {
    std::lock_guard lock(mutex_);
    if (partition < 0 || partition >= partitions_) return;
    int64_t previous = -1;
    for (const auto& s : steps_[static_cast<size_t>(partition)]) {
      // Offsets [previous, s.highWatermark) were first seen readable at s.micros (the first poll's
      // offsets at the first poll).
      const int64_t lo = std::max(from, previous < 0 ? from : previous),
                    hi = std::min(to, s.highWatermark);
      if (hi > lo)
        out.emplace_back(
            static_cast<double>(std::max<int64_t>(0, commitMicros - s.micros)) / 1000.0, hi - lo);
      previous = s.highWatermark;
      if (previous >= to) break;
    }
  }

 private:
  struct Step {
    int64_t highWatermark;
    int64_t micros;
  };
  void poll() {
    while (!stopping_) {
      for (int p = 0; p < partitions_; ++p) {
        int64_t low = 0, high = 0;
        if (rd_kafka_query_watermark_offsets(handle_, topic_.c_str(), p, &low, &high, 1000) !=
            RD_KAFKA_RESP_ERR_NO_ERROR) {
          continue;
        }
        const int64_t now = weir::bench::monotonicMicros();
        std::lock_guard lock(mutex_);
        auto& s = steps_[static_cast<size_t>(p)];
        if (s.empty() || high > s.back().highWatermark) s.push_back({high, now});
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }

  std::string topic_;
  rd_kafka_t* handle_ = nullptr;
  int partitions_ = 0;
  mutable std::mutex mutex_;
  std::vector<std::vector<Step>> steps_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

struct Commit {
  StreamingQueryProgress progress;
  int64_t micros;  // monotonic, when the progress was reported
};

// Collects every batch's progress with the time it was reported. Thread-safe.
class Recorder : public StreamingQueryListener {
 public:
  explicit Recorder(const BenchOptions& options) : options_(options) {}
  void onQueryStarted(const QueryStartedEvent&) override {}
  void onQueryTerminated(const QueryTerminatedEvent&) override {}
  void onQueryProgress(const QueryProgressEvent& e) override {
    const int64_t now = weir::bench::monotonicMicros();
    const auto& p = e.progress;
    int64_t stateRows = 0, stateBytes = 0;
    for (const auto& op : p.stateOperators) {
      stateRows += op.numRowsTotal;
      stateBytes += op.memoryUsedBytes;
    }
    {
      std::lock_guard lock(mutex_);
      commits_.push_back({p, now});
      events_ += p.numInputRows;
    }
    if (!options_.progressFile.empty()) {
      std::ofstream(options_.progressFile, std::ios::app)
          << nlohmann::json{{"batchId", p.batchId},
                            {"rows", p.numInputRows},
                            {"durationMs", p.batchDuration},
                            {"stages", p.durationMs},
                            {"stateRows", stateRows},
                            {"stateBytes", stateBytes},
                            {"cpuSeconds", weir::bench::processCpuSeconds()}}
                 .dump()
          << std::endl;
    }
    if (options_.startedMs > 0 && !reportedRecovery_.exchange(true)) {
      std::printf("%s\n",
                  nlohmann::json{{"row", options_.row},
                                 {"system", "weir"},
                                 {"recoveryMs", weir::bench::epochMillis() - options_.startedMs},
                                 {"batchId", p.batchId},
                                 {"batchRows", p.numInputRows},
                                 {"batchMs", p.batchDuration},
                                 {"stateRows", stateRows},
                                 {"stateBytes", stateBytes}}
                      .dump()
                      .c_str());
      std::fflush(stdout);
    }
  }
  int64_t events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::vector<Commit> commits() const {
    std::lock_guard lock(mutex_);
    return commits_;
  }

 private:
  const BenchOptions& options_;
  mutable std::mutex mutex_;
  std::vector<Commit> commits_;
  int64_t events_ = 0;
  std::atomic<bool> reportedRecovery_{false};
};

// Nearest-rank percentile of weighted samples (sorted here).
double percentile(std::vector<std::pair<double, int64_t>> samples, double q) {
  if (samples.empty()) return -1;
  std::sort(samples.begin(), samples.end());
  int64_t total = 0;
  for (const auto& s : samples) total += s.second;
  const double rank = q * static_cast<double>(total);
  int64_t seen = 0;
  for (const auto& s : samples) {
    seen += s.second;
    if (static_cast<double>(seen) >= rank) return s.first;
  }
  return samples.back().first;
}

// {"topic":{"0":12,"1":40}} to partition -> offset.
std::map<int, int64_t> partitionOffsets(const std::optional<std::string>& text) {
  std::map<int, int64_t> out;
  if (!text || text->empty()) return out;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [topic, parts] : j.items()) {
    if (!parts.is_object()) continue;
    for (const auto& [p, o] : parts.items()) out[std::stoi(p)] = o.get<int64_t>();
  }
  return out;
}

// Parsed golden rows (event_time, user_id) as the generator lays them out: time advancing
// stepMicros per event with up to 5 s of disorder, uniform users.
std::vector<std::vector<Row>> parsedRows(const BenchOptions& o) {
  std::mt19937_64 rng(11);
  std::vector<std::vector<Row>> batches;
  const int64_t start = int64_t{1'735'689'600} * 1'000'000;
  for (int64_t i = 0; i < o.count; ++i) {
    if (i % o.perBatch == 0) batches.emplace_back();
    const int64_t t =
        start + i * o.stepMicros - static_cast<int64_t>(rng() % 5'000'000) / 1000 * 1000;
    batches.back().push_back(
        Row({Value::timestamp(t),
             Value::string("u" + std::to_string(rng() % static_cast<uint64_t>(o.users)))}));
  }
  return batches;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions o;
  CLI::App app{
      "One streaming workload of the benchmark suite; prints one JSON line of measurements"};
  app.add_option("--row", o.row, "Row id of the results table");
  app.add_option("--source", o.source,
                 "kafka, files (a directory of JSON lines) or memory (parsed rows)")
      ->check(CLI::IsMember({"kafka", "files", "memory"}));
  app.add_option("--bootstrap", o.bootstrap, "Kafka bootstrap servers");
  app.add_option("--topic", o.topic, "Kafka topic");
  app.add_option("--max-offsets", o.maxOffsets, "maxOffsetsPerTrigger (0: none)");
  app.add_option("--path", o.path, "Directory of JSON-lines files (files source)");
  app.add_option("--max-files", o.maxFiles, "maxFilesPerTrigger (files source)");
  app.add_option("--count", o.count, "Events (memory source)");
  app.add_option("--users", o.users, "Distinct users (memory source)");
  app.add_option("--step-us", o.stepMicros, "Event-time advance per event (memory source)");
  app.add_option("--per-batch", o.perBatch, "Events per micro-batch (memory source)");
  app.add_option("--query", o.query, "passthrough or window")
      ->check(CLI::IsMember({"passthrough", "window"}));
  app.add_option("--window", o.windowSize, "Window duration");
  app.add_option("--slide", o.windowSlide, "Slide duration");
  app.add_option("--watermark", o.watermark, "Watermark delay");
  app.add_option("--sink", o.sink, "noop or delta")->check(CLI::IsMember({"noop", "delta"}));
  app.add_option("--table", o.table, "Delta table directory");
  app.add_option("--checkpoint", o.checkpoint,
                 "Checkpoint directory (default: a fresh temporary one)");
  app.add_option("--trigger", o.trigger,
                 "available-now or an interval such as \"100 milliseconds\"");
  app.add_option("--partitions", o.partitions, "spark.sql.shuffle.partitions");
  app.add_option("--stop-after-events", o.stopAfterEvents,
                 "Stop once this many events are committed");
  app.add_option("--timeout", o.timeoutSeconds, "Stop after this many seconds in any case");
  app.add_flag("--latency", o.latency, "Measure end-to-end latency from Kafka high watermarks");
  app.add_option("--started-ms", o.startedMs,
                 "Epoch ms at which this process was started: report recovery time");
  app.add_option("--progress-file", o.progressFile, "Append one JSON line per batch to this file");
  app.add_option("--source-option", o.sourceOptions, "A Kafka source option KEY=VALUE (repeatable)");
  app.add_option("--ready-file", o.readyFile, "Create this file once the query has started");
  CLI11_PARSE(app, argc, argv);

  std::signal(SIGINT, [](int) { gStop = true; });
  std::signal(SIGTERM, [](int) { gStop = true; });
  const bool temporaryCheckpoint = o.checkpoint.empty();
  if (temporaryCheckpoint) {
    o.checkpoint = (std::filesystem::temp_directory_path() /
                    ("weir-stream-bench-" + std::to_string(::getpid())))
                       .string();
    std::filesystem::remove_all(o.checkpoint);
  }
  try {
    auto spark = Session::builder()
                     .appName("stream-bench")
                     .config("spark.sql.shuffle.partitions", std::to_string(o.partitions))
                     .config("spark.sql.streaming.numRecentProgressUpdates", "1000")
                     .getOrCreate();
    auto recorder = std::make_shared<Recorder>(o);
    spark.streams().addListener(recorder);

    std::optional<MemoryStream> memory;
    std::vector<std::vector<Row>> memoryBatches;
    DataFrame events = [&] {
      if (o.source == "kafka") {
        auto reader = spark.readStream()
                          .format("kafka")
                          .option("kafka.bootstrap.servers", o.bootstrap)
                          .option("subscribe", o.topic)
                          .option("startingOffsets", "earliest");
        if (o.maxOffsets > 0) reader.option("maxOffsetsPerTrigger", std::to_string(o.maxOffsets));
        for (const auto& kv : o.sourceOptions) {
          const auto eq = kv.find('=');
          if (eq == std::string::npos) throw std::invalid_argument("--source-option takes KEY=VALUE, not " + kv);
          reader.option(kv.substr(0, eq), kv.substr(eq + 1));
        }
        return reader.load()
            .select(from_json(col("value").cast("string"), StructType::fromDDL(kGoldenSchema))
                        .alias("data"))
            .select("data.*");
      }
      if (o.source == "files") {
        return spark.readStream()
            .format("json")
            .schema(kGoldenSchema)
            .option("maxFilesPerTrigger", std::to_string(o.maxFiles))
            .load(o.path);
      }
      memoryBatches = parsedRows(o);
      memory =
          MemoryStream::create(spark, StructType::fromDDL("event_time TIMESTAMP, user_id STRING"));
      return memory->toDF();
    }();
    DataFrame result =
        o.query == "passthrough"
            ? events
            : events.withWatermark("event_time", o.watermark)
                  .groupBy(window(col("event_time"), o.windowSize, o.windowSlide), col("user_id"))
                  .agg(count("*").alias("events"));
    auto writer = result.writeStream()
                      .format(o.sink)
                      .outputMode("append")
                      .option("checkpointLocation", o.checkpoint)
                      .trigger(o.source == "memory"           ? Trigger::ProcessingTime(0)
                               : o.trigger == "available-now" ? Trigger::AvailableNow()
                                                              : Trigger::ProcessingTime(o.trigger));
    if (o.sink == "delta" && o.query == "window") writer.partitionBy({"window.start"});

    std::unique_ptr<AppendTimes> appendTimes;
    if (o.latency) appendTimes = std::make_unique<AppendTimes>(o.bootstrap, o.topic);
    const double cpu0 = weir::bench::processCpuSeconds();
    const int64_t wall0 = weir::bench::monotonicMicros();
    double memoryCpu = 0;
    int64_t memoryMicros = 0;
    auto query = o.sink == "delta" ? writer.start(o.table) : writer.start();
    if (!o.readyFile.empty()) std::ofstream(o.readyFile) << "started\n";
    if (memory) {
      // Rows are converted to column batches by addData: only the query's work is timed.
      memoryCpu = weir::bench::processCpuSeconds() - cpu0;
      for (const auto& b : memoryBatches) {
        memory->addData(b);
        const double c0 = weir::bench::processCpuSeconds();
        const int64_t w0 = weir::bench::monotonicMicros();
        query.processAllAvailable();
        memoryCpu += weir::bench::processCpuSeconds() - c0;
        memoryMicros += weir::bench::monotonicMicros() - w0;
      }
      query.stop();
    } else if (o.trigger == "available-now" && o.stopAfterEvents == 0) {
      while (!gStop && !query.awaitTermination(100)) {
      }
    } else {
      while (!gStop && query.isActive() &&
             (o.stopAfterEvents == 0 || recorder->events() < o.stopAfterEvents) &&
             static_cast<double>(weir::bench::monotonicMicros() - wall0) / 1e6 < o.timeoutSeconds) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
    if (query.isActive()) query.stop();
    query.awaitTermination();
    const double wall =
        static_cast<double>(memory ? memoryMicros : weir::bench::monotonicMicros() - wall0) / 1e6;
    const double cpu = memory ? memoryCpu : weir::bench::processCpuSeconds() - cpu0;
    if (appendTimes) appendTimes->stop();

    // Measurements from the batches' progress.
    std::vector<std::pair<double, int64_t>> durations, latencies;
    int64_t rows = 0, stateRows = 0, stateBytes = 0, dropped = 0, output = 0, batches = 0;
    for (const auto& c : recorder->commits()) {
      const auto& p = c.progress;
      for (const auto& op : p.stateOperators) dropped += op.numRowsDroppedByWatermark;
      if (p.sink.numOutputRows > 0) output += p.sink.numOutputRows;
      int64_t batchState = 0, batchBytes = 0;
      for (const auto& op : p.stateOperators) {
        batchState += op.numRowsTotal;
        batchBytes += op.memoryUsedBytes;
      }
      if (batchState > stateRows) {
        stateRows = batchState;
        stateBytes = batchBytes;
      }
      if (p.numInputRows == 0) continue;  // no-data batches that only emit or evict
      ++batches;
      rows += p.numInputRows;
      durations.emplace_back(static_cast<double>(p.batchDuration), 1);
      if (appendTimes && !p.sources.empty()) {
        auto from = partitionOffsets(p.sources[0].startOffset);
        for (const auto& [partition, to] : partitionOffsets(p.sources[0].endOffset)) {
          auto f = from.find(partition);
          appendTimes->latencies(partition, f == from.end() ? 0 : f->second, to, c.micros,
                                 latencies);
        }
      }
    }
    const char* threads = std::getenv("WEIR_NUM_THREADS");
    nlohmann::json out{{"row", o.row},
                       {"system", "weir"},
                       {"events", rows},
                       {"cpuSeconds", cpu},
                       {"wallSeconds", wall},
                       {"threads", threads ? std::atoi(threads)
                                           : static_cast<int>(std::thread::hardware_concurrency())},
                       {"batches", batches},
                       {"batchP50Ms", percentile(durations, 0.5)},
                       {"batchP99Ms", percentile(durations, 0.99)},
                       {"stateRows", stateRows},
                       {"stateBytes", stateBytes},
                       {"droppedByWatermark", dropped},
                       {"outputRows", output}};
    if (appendTimes) {
      out["e2eP50Ms"] = percentile(latencies, 0.5);
      out["e2eP99Ms"] = percentile(latencies, 0.99);
      out["e2eMaxMs"] = percentile(latencies, 1.0);
    }
    std::printf("%s\n", out.dump().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "stream_bench %s failed: %s\n", o.row.c_str(), e.what());
    return 1;
  }
  if (temporaryCheckpoint) std::filesystem::remove_all(o.checkpoint);
  return 0;
}
