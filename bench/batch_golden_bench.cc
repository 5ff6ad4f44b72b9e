// The golden aggregation as a batch job over JSON-lines files (spark.read().json), the measurement
// of target T9: count(*) by window(event_time, 10 minutes, 5 minutes) and user_id. Prints one JSON
// line: events, CPU seconds of the process during the job, result rows.
//
// Usage: batch_golden_bench --row ID PATH...
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "process_usage.h"
#include "weir/weir.h"

using namespace weir;             // NOLINT
using namespace weir::functions;  // NOLINT

int main(int argc, char** argv) {
  std::string row = "batch";
  std::vector<std::string> paths;
  CLI::App app{"The golden aggregation as a Weir batch job; prints one JSON line"};
  app.add_option("--row", row, "Row id of the results table");
  app.add_option("paths", paths, "JSON-lines files or directories")->required();
  CLI11_PARSE(app, argc, argv);
  try {
    auto spark = Session::builder()
                     .appName("batch-golden-bench")
                     .config("spark.sql.shuffle.partitions", "1")
                     .getOrCreate();
    auto schema = StructType::fromDDL(
        "event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE");
    const double cpu0 = weir::bench::processCpuSeconds();
    const int64_t wall0 = weir::bench::monotonicMicros();
    auto input = spark.read().schema(schema).json(paths);
    const int64_t groups =
        input.groupBy(window(col("event_time"), "10 minutes", "5 minutes"), col("user_id"))
            .agg(count("*").alias("events"))
            .count();
    const double cpu = weir::bench::processCpuSeconds() - cpu0;
    const double wall = static_cast<double>(weir::bench::monotonicMicros() - wall0) / 1e6;
    const int64_t events = input.count();
    std::printf("%s\n", nlohmann::json{{"row", row},
                                       {"system", "weir"},
                                       {"events", events},
                                       {"cpuSeconds", cpu},
                                       {"wallSeconds", wall},
                                       {"outputRows", groups}}
                            .dump()
                            .c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "batch_golden_bench failed: %s\n", e.what());
    return 1;
  }
  return 0;
}
