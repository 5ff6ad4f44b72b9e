// The golden query as a stream, one core: JSON strings from a MemoryStream through from_json, a
// 10 minute watermark, count(*) by window(event_time, 10 minutes, 5 minutes) and user_id, append
// mode, into the noop sink. Event time advances 10 M events per hour (360 us per event), 100 k
// users, up to 5 s out of order; each micro-batch holds `perBatch` events (one second of a
// 10 M events/hour stream is about 2.8 k events; larger batches measure throughput).
//
// Usage: streaming_golden_bench [events=2000000] [perBatch=200000] [users=100000]
// Prints events per CPU second of the process while the batches run, events/s over the batches'
// own durations (all of them, and those after the first two, which grow the state from empty),
// events per CPU second after the first two (the sustained rate of a running stream: its no-data
// batches and background snapshots included), batch duration p50/p99 and state size.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "weir/base/time.h"
#include "weir/weir.h"

using namespace weir;             // NOLINT
using namespace weir::functions;  // NOLINT

int main(int argc, char** argv) {
  const size_t events = argc > 1 ? std::stoul(argv[1]) : 2'000'000;
  const size_t perBatch = argc > 2 ? std::stoul(argv[2]) : 200'000;
  const size_t users = argc > 3 ? std::stoul(argv[3]) : 100'000;
  auto spark = Session::builder()
                   .appName("streaming-golden-bench")
                   .config("spark.sql.shuffle.partitions", "1")
                   .getOrCreate();
  const auto checkpoint =
      std::filesystem::temp_directory_path() / ("weir-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(checkpoint);

  // The input, generated before timing.
  std::mt19937_64 rng(11);
  std::vector<std::vector<Row>> batches;
  char buf[256];
  for (size_t i = 0; i < events; ++i) {
    if (i % perBatch == 0) batches.emplace_back();
    int64_t t = int64_t{1735689600} * 1000000 + static_cast<int64_t>(i) * 360 -
                static_cast<int64_t>(rng() % 5000000);
    int len = std::snprintf(
        buf, sizeof buf,
        "{\"event_id\":\"%016llx-0000-4000-8000-000000000000\",\"user_id\":\"u%llu\","
        "\"event_time\":\"%s\",\"action\":\"click\",\"value\":1.5}",
        static_cast<unsigned long long>(rng()), static_cast<unsigned long long>(rng() % users),
        base::formatTimestampIso(t).c_str());
    batches.back().push_back(Row({Value::string(std::string(buf, static_cast<size_t>(len)))}));
  }

  auto input = MemoryStream::create(spark, StructType::fromDDL("value STRING"));
  auto golden = StructType::fromDDL(
      "event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE");
  auto query = input.toDF()
                   .select(from_json(col("value"), golden).alias("data"))
                   .select("data.*")
                   .withWatermark("event_time", "10 minutes")
                   .groupBy(window(col("event_time"), "10 minutes", "5 minutes"), col("user_id"))
                   .agg(count("*").alias("events"))
                   .writeStream()
                   .format("noop")
                   .outputMode("append")
                   .option("checkpointLocation", checkpoint.string())
                   .start();
  // CPU time of the process while the query runs its batches (the main thread waits meanwhile):
  // the per-core rate, which the time a batch waits for fsync does not count in.
  auto cpuSeconds = [] {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  double cpu = 0;
  std::vector<double> cpuPerBatch;  // each data batch with the no-data batch that follows it
  for (const auto& b : batches) {
    input.addData(b);
    const double before = cpuSeconds();
    query.processAllAvailable();
    cpuPerBatch.push_back(cpuSeconds() - before);
    cpu += cpuPerBatch.back();
  }
  auto progress = query.recentProgress();
  if (std::getenv("WEIR_BENCH_PROGRESS")) {
    for (const auto& p : progress) std::printf("%s\n", p.json().c_str());
  }
  query.stop();
  std::filesystem::remove_all(checkpoint);

  std::vector<int64_t> durations;
  int64_t rows = 0, totalMs = 0, stateRows = 0, stateBytes = 0;
  // Also the rate once the state has its steady size: the first two batches grow it from empty
  // (new keys, the map's growth, first touches of fresh memory).
  constexpr size_t kWarmup = 2;
  int64_t steadyRows = 0, steadyMs = 0;
  double steadyCpu = 0;
  for (size_t i = kWarmup; i < cpuPerBatch.size(); ++i) steadyCpu += cpuPerBatch[i];
  for (const auto& p : progress) {
    if (p.numInputRows == 0) continue;  // no-data batches that only emit
    if (durations.size() >= kWarmup) {
      steadyRows += p.numInputRows;
      steadyMs += p.batchDuration;
    }
    durations.push_back(p.batchDuration);
    rows += p.numInputRows;
    totalMs += p.batchDuration;
    if (!p.stateOperators.empty()) {
      stateRows = std::max(stateRows, p.stateOperators[0].numRowsTotal);
      stateBytes = std::max(stateBytes, p.stateOperators[0].memoryUsedBytes);
    }
  }
  std::sort(durations.begin(), durations.end());
  auto pct = [&](double q) {
    return durations.empty() ? 0
                             : durations[std::min(
                                   durations.size() - 1,
                                   static_cast<size_t>(q * static_cast<double>(durations.size())))];
  };
  std::printf(
      "streaming golden query, %zu events in batches of %zu, %zu users, shuffle partitions 1\n",
      events, perBatch, users);
  auto rate = [](int64_t n, int64_t ms) {
    return ms > 0 ? static_cast<double>(n) / (static_cast<double>(ms) / 1000.0) / 1e6 : 0.0;
  };
  std::printf(
      "| events/s per CPU second | events/s (over batch durations) | after the first %zu batches | "
      "per CPU second after them | batches | "
      "batch p50 ms | batch p99 ms | max state rows | state bytes/row |\n",
      kWarmup);
  std::printf(
      "| %.2f M | %.2f M | %.2f M | %.2f M | %zu | %lld | %lld | %lld | %.0f |\n",
      cpu > 0 ? static_cast<double>(rows) / cpu / 1e6 : 0.0, rate(rows, totalMs),
      rate(steadyRows, steadyMs),
      steadyCpu > 0 ? static_cast<double>(steadyRows) / steadyCpu / 1e6 : 0.0, durations.size(),
      static_cast<long long>(pct(0.5)),
      static_cast<long long>(pct(0.99)), static_cast<long long>(stateRows),
      stateRows > 0 ? static_cast<double>(stateBytes) / static_cast<double>(stateRows) : 0.0);
  return 0;
}
