// Kafka to from_json to the noop sink: golden events already in a topic of a broker running in
// another process (`weir kafka-dev`), read once with Trigger.AvailableNow. Reports events/s per
// core of this process (events over its own CPU time), wall-clock rate, and, given the broker's
// pid, the broker's CPU time over the same interval, separately.
//
// Usage: kafka_bench BOOTSTRAP TOPIC [BROKER_PID] [maxOffsetsPerTrigger=0] [OPTION=VALUE...]

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "process_usage.h"
#include "weir/weir.h"

using namespace weir;             // NOLINT
using namespace weir::functions;  // NOLINT

namespace {

// utime + stime of another process, seconds (0 when unknown).
double processCpuSeconds(const std::string& pid) {
  if (pid.empty()) return 0;
  std::ifstream in("/proc/" + pid + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string f;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> f; ++i) {
    if (i == 14) utime = std::stol(f);
    if (i == 15) stime = std::stol(f);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: kafka_bench BOOTSTRAP TOPIC [BROKER_PID] [maxOffsetsPerTrigger]\n");
    return 2;
  }
  std::string bootstrap = argv[1];
  std::string topic = argv[2];
  std::string brokerPid = argc > 3 ? argv[3] : "";
  std::string maxOffsets = argc > 4 ? argv[4] : "0";
  auto spark = Session::builder().appName("kafka-bench").config("spark.sql.shuffle.partitions", "1").getOrCreate();
  const auto checkpoint = std::filesystem::temp_directory_path() / ("weir-kafka-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(checkpoint);
  auto golden = StructType::fromDDL("event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE");
  auto reader = spark.readStream()
                    .format("kafka")
                    .option("kafka.bootstrap.servers", bootstrap)
                    .option("subscribe", topic)
                    .option("startingOffsets", "earliest");
  if (maxOffsets != "0") reader.option("maxOffsetsPerTrigger", maxOffsets);
  // Further source options as KEY=VALUE arguments (for example kafka.fetch.wait.max.ms=10).
  for (int i = 5; i < argc; ++i) {
    const std::string kv = argv[i];
    const auto eq = kv.find('=');
    if (eq != std::string::npos) reader.option(kv.substr(0, eq), kv.substr(eq + 1));
  }
  const double cpu0 = weir::bench::processCpuSeconds();
  const double broker0 = processCpuSeconds(brokerPid);
  const auto wall0 = std::chrono::steady_clock::now();
  // WEIR_BENCH_NO_PARSE=1: the source alone (value bytes to the noop sink).
  auto input = reader.load();
  auto parsed = std::getenv("WEIR_BENCH_NO_PARSE") ? input.select(col("value"))
                                                   : input.select(from_json(col("value").cast("string"), golden).alias("data"))
                                                         .select("data.*");
  auto query = parsed
                   .writeStream()
                   .format("noop")
                   .trigger(Trigger::AvailableNow())
                   .option("checkpointLocation", checkpoint.string())
                   .start();
  query.awaitTermination();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  const double cpu = weir::bench::processCpuSeconds() - cpu0;
  const double broker = processCpuSeconds(brokerPid) - broker0;
  int64_t events = 0;
  for (const auto& p : query.recentProgress()) events += p.numInputRows;
  std::filesystem::remove_all(checkpoint);
  std::printf("{\"events\":%lld,\"batches\":%zu,\"wallSeconds\":%.3f,\"cpuSeconds\":%.3f,\"eventsPerSecondPerCore\":%.0f,"
              "\"eventsPerSecondWall\":%.0f,\"brokerCpuSeconds\":%.3f}\n",
              static_cast<long long>(events), query.recentProgress().size(), wall, cpu,
              cpu > 0 ? static_cast<double>(events) / cpu : 0.0, static_cast<double>(events) / wall, broker);
  return events > 0 ? 0 : 1;
}
