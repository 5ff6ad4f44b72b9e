// The golden query: Kafka JSON events, parsed, watermarked and deduplicated, counted per user in
// sliding 10-minute windows, appended exactly once to a Delta table partitioned by window start.
// It mirrors the Spark program of DEVELOPERS.md line for line.
//
//   golden_query [--bootstrap localhost:9092] [--topic events] [--checkpoint DIR] [--table DIR]
//                [--trigger "2 minutes" | available-now | once] [--conf KEY=VALUE ...]
//
// Build against an installed Weir:  g++ -std=c++20 golden_query.cc $(pkg-config --cflags --libs
// weir) Ctrl-C stops the query cleanly; running it again resumes from the checkpoint.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <string>

#include "weir/weir.h"

using namespace weir;             // NOLINT
using namespace weir::functions;  // NOLINT

namespace {

std::atomic<bool> stopRequested{false};

// The newest version in a Delta table's log, or -1.
long long deltaVersion(const std::string& table) {
  long long version = -1;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(table + "/_delta_log", ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() == 25 && name.substr(20) == ".json")
      version = std::max(version, std::stoll(name.substr(0, 20)));
  }
  return version;
}

// One line per batch: what came in, how fast, how far behind Kafka, the watermark, the state, what
// was written.
class LiveView : public StreamingQueryListener {
 public:
  explicit LiveView(std::string table) : table_(std::move(table)) {}
  void onQueryStarted(const QueryStartedEvent& e) override {
    std::printf("query %s started (run %s)\n", e.id.c_str(), e.runId.c_str());
  }
  void onQueryProgress(const QueryProgressEvent& e) override {
    const auto& p = e.progress;
    std::string lag = "-";
    if (!p.sources.empty()) {
      auto it = p.sources[0].metrics.find("maxOffsetsBehindLatest");
      if (it != p.sources[0].metrics.end()) lag = it->second;
    }
    long long stateRows = 0, stateBytes = 0, late = 0;
    for (const auto& op : p.stateOperators) {
      stateRows += op.numRowsTotal;
      stateBytes += op.memoryUsedBytes;
      late += op.numRowsDroppedByWatermark;
    }
    auto wm = p.eventTime.find("watermark");
    std::printf(
        "batch %-5lld in %8lld  %9.0f/s in  %9.0f/s processed  lag %-8s watermark %s  state %lld "
        "rows %.1f MB"
        "  late %lld  written %lld  delta v%lld\n",
        static_cast<long long>(p.batchId), static_cast<long long>(p.numInputRows),
        p.inputRowsPerSecond, p.processedRowsPerSecond, lag.c_str(),
        wm == p.eventTime.end() ? "-" : wm->second.c_str(), stateRows,
        static_cast<double>(stateBytes) / 1e6, late, static_cast<long long>(p.sink.numOutputRows),
        deltaVersion(table_));
    std::fflush(stdout);
  }
  void onQueryTerminated(const QueryTerminatedEvent&) override {}

 private:
  std::string table_;
};

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags{{"--bootstrap", "localhost:9092"},
                                           {"--topic", "events"},
                                           {"--checkpoint", "demo-data/checkpoints/events_agg"},
                                           {"--table", "demo-data/events_agg"},
                                           {"--trigger", "2 minutes"}};
  std::map<std::string, std::string> conf;  // --conf KEY=VALUE, as spark-submit takes them
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    const bool isConf =
        flag == "--conf" && i + 1 < argc && std::string(argv[i + 1]).find('=') != std::string::npos;
    if ((!flags.count(flag) && !isConf) || i + 1 >= argc) {
      std::cerr << "usage: golden_query [--bootstrap HOST:PORT] [--topic T] [--checkpoint DIR] "
                   "[--table DIR] "
                   "[--trigger \"2 minutes\"|available-now|once] [--conf KEY=VALUE ...]"
                << std::endl;
      return 2;
    }
    std::string value = argv[++i];
    if (isConf) {
      conf[value.substr(0, value.find('='))] = value.substr(value.find('=') + 1);
    } else {
      flags[flag] = value;
    }
  }
  const std::string trigger = flags["--trigger"];
  try {
    // State partitions: one per core is plenty for one machine (Spark's default of 200 suits
    // clusters); fixed in the checkpoint at the first batch.
    auto builder =
        Session::builder().appName("golden_query").config("spark.sql.shuffle.partitions", "4");
    for (const auto& [key, value] : conf) builder.config(key, value);
    auto spark = builder.getOrCreate();
    auto schema = StructType::fromDDL(
        "event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE");

    // The query keeps the lines of the Spark program.
    // clang-format off
    auto events = spark.readStream().format("kafka")
        .option("kafka.bootstrap.servers", flags["--bootstrap"]).option("subscribe", flags["--topic"])
        .option("startingOffsets", "earliest").load()
        .select(from_json(col("value").cast("string"), schema).alias("data")).select("data.*")
        .withColumn("processing_time", current_timestamp())
        .withWatermark("event_time", "10 minutes")
        .dropDuplicates({"event_id", "event_time"});
    auto counts = events.groupBy(window(col("event_time"), "10 minutes", "5 minutes"), col("user_id"))
        .agg(count("*").alias("events"));
    spark.streams().addListener(std::make_shared<LiveView>(flags["--table"]));
    auto query = counts.writeStream().format("delta")
        .option("checkpointLocation", flags["--checkpoint"]).partitionBy({"window.start"})
        .outputMode("append")
        .trigger(trigger == "available-now" ? Trigger::AvailableNow()
                 : trigger == "once"        ? Trigger::Once()
                                            : Trigger::ProcessingTime(trigger))
        .start(flags["--table"]);
    // clang-format on

    std::signal(SIGINT, [](int) { stopRequested = true; });
    std::signal(SIGTERM, [](int) { stopRequested = true; });
    while (!stopRequested && !query.awaitTermination(200)) {
    }
    if (query.isActive()) {
      std::printf("stopping...\n");
      query.stop();
    }
    query.awaitTermination();  // rethrows a failure
    std::printf(
        "\nThe table is at %s (Delta version %lld). Query it with Weir:\n"
        "  spark.read().format(\"delta\").load(\"%s\").orderBy(\"window\").show();\n"
        "or with DuckDB over its Parquet files:\n"
        "  duckdb -c \"SELECT window_start, user_id, events FROM read_parquet('%s/**/*.parquet', "
        "hive_partitioning=true) ORDER BY events DESC LIMIT 10\"\n",
        flags["--table"].c_str(), deltaVersion(flags["--table"]), flags["--table"].c_str(),
        flags["--table"].c_str());
  } catch (const weir::Error& e) {
    std::cerr << "golden_query failed: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
