// Batch golden aggregation over an NDJSON file: Weir against the hand-written baseline and DuckDB
// on the same file, one thread each, in the same run. Prints medians of N runs.
//   batch_golden_bench FILE [RUNS] [SOURCE_DIR]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "baseline_golden.h"
#include "weir/weir.h"

using namespace weir;             // NOLINT
using namespace weir::functions;  // NOLINT

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Stats {
  double median, min, max;
};

Stats stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2], v.front(), v.back()};
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  char buf[4096];
  size_t n;
  while (pipe && (n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  if (pipe) pclose(pipe);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: batch_golden_bench FILE [RUNS] [SOURCE_DIR]" << std::endl;
    return 2;
  }
  std::string file = argv[1];
  int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  std::string sourceDir = argc > 3 ? argv[3] : ".";
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  int64_t events = std::count(text.begin(), text.end(), '\n');

  std::vector<double> baseline, weirTimes, duck;
  int64_t baselineGroups = 0, weirGroups = 0, duckGroups = 0;
  auto spark = Session::builder().appName("bench").config("spark.sql.shuffle.partitions", "1").getOrCreate();
  auto schema = StructType::fromDDL("event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE");
  for (int r = 0; r < runs; ++r) {
    double t0 = now();
    auto b = weir::bench::runBaseline(text);
    baseline.push_back(now() - t0);
    baselineGroups = b.groups;

    t0 = now();
    auto counts = spark.read().schema(schema).json(file)
                      .groupBy(window(col("event_time"), "10 minutes", "5 minutes"), col("user_id"))
                      .agg(count("*").alias("events"));
    weirGroups = counts.count();
    weirTimes.push_back(now() - t0);

    std::string sql =
        "SELECT w, user_id, count(*) FROM (SELECT user_id, unnest([time_bucket(INTERVAL '5 minutes', event_time, "
        "TIMESTAMP '1970-01-01') - INTERVAL '5 minutes', time_bucket(INTERVAL '5 minutes', event_time, "
        "TIMESTAMP '1970-01-01')]) AS w FROM read_json('" + file +
        "', columns={event_id: 'VARCHAR', user_id: 'VARCHAR', event_time: 'TIMESTAMP', action: 'VARCHAR', value: "
        "'DOUBLE'})) GROUP BY w, user_id";
    auto out = run("node '" + sourceDir + "/tests/oracle/duckdb_query.mjs' --threads 1 --time \"" + sql + "\"");
    try {
      auto j = nlohmann::json::parse(out);
      duck.push_back(j["seconds"].get<double>());
      duckGroups = j["rows"].get<int64_t>();
    } catch (const std::exception&) {
      std::cerr << "DuckDB run failed: " << out << std::endl;
    }
  }
  auto row = [&](const char* name, const std::vector<double>& times, int64_t groups, double reference) {
    if (times.empty()) return;
    auto s = stats(times);
    std::printf("| %-22s | %10.2f | %7.3f | %7.3f | %7.3f | %9lld | %6.2fx |\n", name, events / s.median / 1e6, s.median,
                s.min, s.max, static_cast<long long>(groups), s.median / reference);
  };
  std::printf("Batch golden aggregation, %lld events, 1 thread each, %d runs\n", static_cast<long long>(events), runs);
  std::printf("| %-22s | %10s | %7s | %7s | %7s | %9s | %7s |\n", "system", "M events/s", "median", "min", "max",
              "groups", "t/t_weir");
  double weirMedian = stats(weirTimes).median;
  row("weir", weirTimes, weirGroups, weirMedian);
  row("hand-written baseline", baseline, baselineGroups, weirMedian);
  row("duckdb", duck, duckGroups, weirMedian);
  return 0;
}
