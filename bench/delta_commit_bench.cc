// Delta commit latency: a small append (100 golden-shaped rows, one data file) to a local Delta
// table, timed end to end through df.write().format("delta").mode("append"): reading the
// snapshot, writing and fsyncing the Parquet file, creating the commit, and every 10th commit the
// checkpoint and _last_checkpoint. Prints p50, p99 and max in ms, and the same for the
// checkpointing commits alone.
//
// Usage: delta_commit_bench [commits=200] [rows=100] [dir=<tmp>/weir-delta-commit-bench]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "weir/weir.h"

using namespace weir;  // NOLINT

namespace {

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t at = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5));
  return v[at];
}

}  // namespace

int main(int argc, char** argv) {
  const int commits = argc > 1 ? std::stoi(argv[1]) : 200;
  const int rows = argc > 2 ? std::stoi(argv[2]) : 100;
  const std::filesystem::path dir =
      argc > 3 ? std::filesystem::path(argv[3]) : std::filesystem::temp_directory_path() / "weir-delta-commit-bench";
  std::filesystem::remove_all(dir);
  const std::string table = (dir / "table").string();

  auto spark = Session::builder().appName("delta-commit-bench").master("local[1]").getOrCreate();
  const auto schema = StructType::fromDDL("event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE");
  std::vector<double> all, checkpointing;
  for (int c = 0; c < commits; ++c) {
    std::vector<Row> data;
    for (int r = 0; r < rows; ++r) {
      const int64_t n = int64_t{c} * rows + r;
      data.push_back(Row({columnar::Value::string("e" + std::to_string(n)), columnar::Value::string("u" + std::to_string(n % 977)),
                          columnar::Value::timestamp(1735689600000000LL + n * 1000), columnar::Value::string(n % 3 ? "click" : "view"),
                          columnar::Value::real(static_cast<double>(n % 100) / 4)}));
    }
    auto df = spark.createDataFrame(data, schema);
    const auto start = std::chrono::steady_clock::now();
    df.write().format("delta").mode("append").save(table);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    all.push_back(ms);
    // Version c was written; versions 10, 20, ... also wrote a checkpoint.
    if (c > 0 && c % 10 == 0) checkpointing.push_back(ms);
  }
  const int64_t count = spark.read().format("delta").load(table).count();
  if (count != int64_t{commits} * rows) {
    std::fprintf(stderr, "delta_commit_bench: the table holds %lld rows, expected %lld\n", static_cast<long long>(count),
                 static_cast<long long>(int64_t{commits} * rows));
    return 1;
  }
  std::printf("delta commit latency, %d appends of %d rows (checkpoint every 10 commits): p50 %.2f ms, p99 %.2f ms, "
              "max %.2f ms\n",
              commits, rows, percentile(all, 0.5), percentile(all, 0.99), *std::max_element(all.begin(), all.end()));
  std::printf("  commits that also wrote a checkpoint (%zu): p50 %.2f ms, max %.2f ms\n", checkpointing.size(),
              percentile(checkpointing, 0.5),
              checkpointing.empty() ? 0.0 : *std::max_element(checkpointing.begin(), checkpointing.end()));
  std::filesystem::remove_all(dir);
  return 0;
}
