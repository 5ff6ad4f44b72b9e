// Parquet write speed: golden-shaped rows (event_id, user_id, event_time, action, value) already
// in memory, written to one Parquet file with snappy, one thread. Prints rows/s and MB/s.
//
// Usage: parquet_write_bench [rows=2000000]
#include <chrono>
#include <cstdio>
#include <random>
#include <string>

#include "weir/formats/parquet/parquet_writer.h"
#include "weir/weir.h"

using namespace weir;  // NOLINT

int main(int argc, char** argv) {
  const size_t rows = argc > 1 ? std::stoul(argv[1]) : 2'000'000;
  auto schema = StructType::fromDDL("event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE");
  std::mt19937_64 rng(5);
  std::vector<columnar::ColumnBatch> batches;
  std::vector<Row> chunk;
  char buf[64];
  for (size_t i = 0; i < rows; ++i) {
    std::snprintf(buf, sizeof buf, "%016llx-0000-4000-8000-000000000000", static_cast<unsigned long long>(rng()));
    chunk.push_back(Row({columnar::Value::string(buf), columnar::Value::string("u" + std::to_string(rng() % 100000)),
                         columnar::Value::timestamp(1735689600000000LL + static_cast<int64_t>(i) * 360),
                         columnar::Value::string(i % 3 == 0 ? "view" : "click"), columnar::Value::real(1.5)}));
    if (chunk.size() == 4096 || i + 1 == rows) {
      batches.push_back(columnar::ColumnBatch::fromRows(schema.type(), chunk));
      chunk.clear();
    }
  }
  double best = 0;
  size_t bytes = 0;
  for (int run = 0; run < 5; ++run) {
    auto start = std::chrono::steady_clock::now();
    formats::parquet::FileWriter writer(schema.type(), {});
    for (const auto& b : batches) writer.write(b);
    bytes = writer.finish().size();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(rows) / seconds);
  }
  std::printf("parquet write, %zu golden rows, snappy, 1 thread: best of 5 %.2f M rows/s, file %.1f MB\n", rows,
              best / 1e6, static_cast<double>(bytes) / 1e6);
}
