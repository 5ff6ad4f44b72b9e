// Parquet write speed, one thread: column batches already in memory encoded to Parquet bytes by
// FileWriter with its defaults (snappy, dictionaries, statistics), the path the Delta sink takes.
// Three workloads, each reported as the median of the runs, rows per CPU second of this thread:
// - delta: the golden query's Delta data files: `window STRUCT<start, end>, user_id STRING,
//   events BIGINT`. The sink writes the partition column window_start into the path, not the file,
//   and writes one file per window, so a file holds one window and each user at most once.
// - with window_start: the same rows with the partition column as a fourth column (what a Parquet
//   sink without partitioning writes).
// - events: golden input rows (event_id UUID, user_id, event_time, action, value), one file.
//
// Usage: parquet_write_bench [rows=2000000] [rows_per_file=100000] [runs=5] [users=100000]
// [workload] (workload: delta, window_start or events; all three without it)
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <numeric>
#include <random>
#include <string>

#include "weir/formats/parquet/parquet_writer.h"
#include "weir/weir.h"

using namespace weir;  // NOLINT

namespace {

using columnar::ColumnBatch;
using columnar::Vector;

double threadSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Files of batches of at most 4096 rows.
using Files = std::vector<std::vector<ColumnBatch>>;

// The golden query's output: one file per window, users in hash-table (random) order.
Files goldenOutput(size_t rows, size_t rowsPerFile, size_t users, bool withWindowStart) {
  const std::string ddl =
      std::string(
          "window STRUCT<start: TIMESTAMP, end: TIMESTAMP>, user_id STRING, events BIGINT") +
      (withWindowStart ? ", window_start TIMESTAMP" : "");
  const auto schema = StructType::fromDDL(ddl).type();
  std::mt19937_64 rng(5);
  std::vector<uint32_t> order(users);
  std::iota(order.begin(), order.end(), 0);
  Files files;
  for (size_t done = 0, window = 0; done < rows; ++window) {
    const size_t fileRows = std::min({rowsPerFile, rows - done, users});
    std::shuffle(order.begin(), order.end(), rng);
    const int64_t start = 1735689600000000LL + static_cast<int64_t>(window) * 300'000'000;
    std::vector<ColumnBatch> batches;
    for (size_t from = 0; from < fileRows; from += columnar::kDefaultBatchRows) {
      const size_t n = std::min(columnar::kDefaultBatchRows, fileRows - from);
      auto win = Vector::make(schema->fields()[0].type, n);
      auto user = Vector::make(DataType::string(), n);
      auto events = Vector::make(DataType::longType(), n);
      auto windowStart = Vector::make(DataType::timestamp(), n);
      for (size_t i = 0; i < n; ++i) {
        win->mutableChild(0).append<int64_t>(start);
        win->mutableChild(1).append<int64_t>(start + 600'000'000);
        win->appendStructRow();
        user->appendString("u" + std::to_string(order[from + i]));
        events->append<int64_t>(1 + static_cast<int64_t>(rng() % 3 == 0 ? rng() % 60 : rng() % 6));
        windowStart->append<int64_t>(start);
      }
      std::vector<columnar::VectorPtr> columns = {win, user, events};
      if (withWindowStart) columns.push_back(windowStart);
      batches.emplace_back(schema, std::move(columns), n);
    }
    files.push_back(std::move(batches));
    done += fileRows;
  }
  return files;
}

// Golden input events, one file.
Files goldenInput(size_t rows, size_t users) {
  const auto schema =
      StructType::fromDDL(
          "event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE")
          .type();
  std::mt19937_64 rng(5);
  std::vector<ColumnBatch> batches;
  char buf[64];
  for (size_t from = 0; from < rows; from += columnar::kDefaultBatchRows) {
    const size_t n = std::min(columnar::kDefaultBatchRows, rows - from);
    auto id = Vector::make(DataType::string(), n);
    auto user = Vector::make(DataType::string(), n);
    auto time = Vector::make(DataType::timestamp(), n);
    auto action = Vector::make(DataType::string(), n);
    auto value = Vector::make(DataType::doubleType(), n);
    for (size_t i = from; i < from + n; ++i) {
      std::snprintf(buf, sizeof buf, "%016llx-0000-4000-8000-000000000000",
                    static_cast<unsigned long long>(rng()));
      id->appendString(buf);
      user->appendString("u" + std::to_string(rng() % users));
      time->append<int64_t>(1735689600000000LL + static_cast<int64_t>(i) * 360);
      action->appendString(i % 3 == 0 ? "view" : "click");
      value->append<double>(1.5);
    }
    batches.emplace_back(schema, std::vector<columnar::VectorPtr>{id, user, time, action, value},
                         n);
  }
  return Files{std::move(batches)};
}

void measure(const char* name, const Files& files, int runs) {
  size_t rows = 0;
  for (const auto& f : files) {
    for (const auto& b : f) rows += b.numRows();
  }
  std::vector<double> perCpu, perWall;
  size_t bytes = 0;
  for (int run = 0; run < runs; ++run) {
    const auto wall = std::chrono::steady_clock::now();
    const double cpu = threadSeconds();
    bytes = 0;
    for (const auto& f : files) {
      formats::parquet::FileWriter writer(f.front().schema(), {});
      for (const auto& b : f) writer.write(b);
      bytes += writer.finish().size();
    }
    perCpu.push_back(static_cast<double>(rows) / (threadSeconds() - cpu));
    perWall.push_back(
        static_cast<double>(rows) /
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall).count());
  }
  std::sort(perCpu.begin(), perCpu.end());
  std::sort(perWall.begin(), perWall.end());
  std::printf(
      "%-18s %9zu rows in %4zu files: %6.2f M rows/s per core (wall %6.2f), %6.1f MB, %.2f "
      "bytes/row\n",
      name, rows, files.size(), perCpu[perCpu.size() / 2] / 1e6, perWall[perWall.size() / 2] / 1e6,
      static_cast<double>(bytes) / 1e6, static_cast<double>(bytes) / static_cast<double>(rows));
}

}  // namespace

int main(int argc, char** argv) {
  const size_t rows = argc > 1 ? std::stoul(argv[1]) : 2'000'000;
  const size_t rowsPerFile = argc > 2 ? std::stoul(argv[2]) : 100'000;
  const int runs = argc > 3 ? std::stoi(argv[3]) : 5;
  const size_t users = argc > 4 ? std::stoul(argv[4]) : 100'000;
  const std::string only = argc > 5 ? argv[5] : "";
  std::printf("parquet write, snappy, 1 thread, median of %d runs\n", runs);
  if (only.empty() || only == "delta")
    measure("delta", goldenOutput(rows, rowsPerFile, users, false), runs);
  if (only.empty() || only == "window_start")
    measure("with window_start", goldenOutput(rows, rowsPerFile, users, true), runs);
  if (only.empty() || only == "events") measure("events", goldenInput(rows, users), runs);
}
