// The oracle check of the benchmark suite: the windowed counts a query appended to a Delta table,
// against DuckDB's computation of the same counts over the same JSON-lines input. Prints one JSON
// line: rows on each side, rows missing from or extra in the table, and the late rows the oracle
// expects the watermark to drop.
//
// Append mode emits a window once the watermark passes its end, so the oracle keeps the windows
// that end at or before the watermark of the query's last batch (from its offset log). With
// --batch-per-file, input file i (in name order) is micro-batch i, and the oracle applies the
// watermark rules batch by batch: batch b's watermark is the largest event time of the batches
// before it minus the delay; rows of a window that ends at or before the previous batch's
// watermark are late and dropped (counted once per window and user in each batch, as Weir's
// numRowsDroppedByWatermark counts the partial aggregates it drops).
//
// Usage: oracle_diff --row ID --table DIR --checkpoint DIR --input GLOB [--window-us N]
//                    [--slide-us N] [--delay-us N] [--batch-per-file]
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "duckdb_oracle.h"
#include "weir/weir.h"

using namespace weir;             // NOLINT
using namespace weir::functions;  // NOLINT

namespace {

// The watermark (ms) the last batch in the checkpoint's offset log ran with.
int64_t lastBatchWatermarkMs(const std::string& checkpoint) {
  int64_t last = -1;
  for (const auto& e : std::filesystem::directory_iterator(checkpoint + "/offsets")) {
    const std::string name = e.path().filename().string();
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos)
      last = std::max<int64_t>(last, std::stoll(name));
  }
  if (last < 0) throw std::runtime_error("no offsets in " + checkpoint);
  std::ifstream in(checkpoint + "/offsets/" + std::to_string(last));
  std::string version, metadata;
  std::getline(in, version);
  std::getline(in, metadata);
  return nlohmann::json::parse(metadata).at("batchWatermarkMs").get<int64_t>();
}

}  // namespace

int main(int argc, char** argv) {
  std::string row = "oracle", table, checkpoint, input;
  int64_t size = 600'000'000, slide = 300'000'000, delay = 600'000'000;
  bool batchPerFile = false;
  CLI::App app{"Compare a windowed-count Delta table with DuckDB's counts over the input"};
  app.add_option("--row", row, "Row id of the results table");
  app.add_option("--table", table, "The Delta table the query appended to")->required();
  app.add_option("--checkpoint", checkpoint, "The query's checkpoint")->required();
  app.add_option("--input", input, "The input's JSON-lines files (a DuckDB glob)")->required();
  app.add_option("--window-us", size, "Window duration, microseconds");
  app.add_option("--slide-us", slide, "Slide, microseconds");
  app.add_option("--delay-us", delay, "Watermark delay, microseconds");
  app.add_flag("--batch-per-file", batchPerFile,
               "Input file i was micro-batch i: apply the late-row rule");
  CLI11_PARSE(app, argc, argv);
  try {
    const int64_t finalWatermarkUs = lastBatchWatermarkMs(checkpoint) * 1000;
    // The table as Weir reads it (only files its log references), to CSV for DuckDB.
    auto spark = Session::builder().appName("oracle-diff").getOrCreate();
    auto rows =
        spark.read()
            .format("delta")
            .load(table)
            .select(col("window.start").cast("long").alias("w"), col("user_id"), col("events"))
            .collect();
    const auto csv = std::filesystem::temp_directory_path() /
                     ("weir-oracle-diff-" + std::to_string(::getpid()) + ".csv");
    {
      std::ofstream out(csv);
      for (const auto& r : rows)
        out << r.getLong(0) << ',' << r.getString(1) << ',' << r.getLong(2) << '\n';
    }
    const std::string n = std::to_string(size / slide), s = std::to_string(slide),
                      z = std::to_string(size);
    const std::string events =
        "SELECT user_id, epoch_us(event_time) AS t, filename AS f FROM read_json('" + input +
        "', filename=true, columns={event_id: 'VARCHAR', user_id: 'VARCHAR', event_time: "
        "'TIMESTAMP', action: "
        "'VARCHAR', value: 'DOUBLE'})";
    // Per batch (file): its late-row threshold L, the previous batch's watermark.
    const std::string batches =
        batchPerFile ? "SELECT f, coalesce(lag(wm) OVER (ORDER BY f), 0) AS l FROM (SELECT f, "
                       "coalesce(max(mx) OVER "
                       "(ORDER BY f ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) - " +
                           std::to_string(delay) +
                           ", 0) AS wm FROM (SELECT f, max(t) AS mx FROM e GROUP BY f))"
                     : "SELECT DISTINCT f, 0 AS l FROM e";
    const std::string sql = "WITH e AS (" + events + "), b AS (" + batches +
                            "), ew AS (SELECT user_id, f, l, t - ((t % " + s + " + " + s + ") % " +
                            s + ") - k * " + s + " AS w FROM e JOIN b USING (f), range(" + n +
                            ") r(k)), oracle AS (SELECT w // 1000000 AS ws, user_id AS u, count(*) "
                            "AS n FROM ew WHERE w + " +
                            z + " > l AND w + " + z + " <= " + std::to_string(finalWatermarkUs) +
                            " GROUP BY ALL" + "), weir AS (SELECT * FROM read_csv('" +
                            csv.string() +
                            "', header=false, columns={'w': 'BIGINT', 'u': 'VARCHAR', 'n': "
                            "'BIGINT'})) SELECT (SELECT count(*) FROM "
                            "weir), (SELECT count(*) FROM oracle), (SELECT count(*) FROM (SELECT * "
                            "FROM oracle EXCEPT ALL SELECT * FROM "
                            "weir)), (SELECT count(*) FROM (SELECT * FROM weir EXCEPT ALL SELECT * "
                            "FROM oracle)), (SELECT count(*) FROM "
                            "(SELECT DISTINCT f, w, user_id FROM ew WHERE w + " +
                            z + " <= l)), (SELECT count(*) FROM e)";
    auto result = weir::testing::duckdb(sql);
    std::filesystem::remove(csv);
    const auto& r = result.at(0);
    auto num = [&](size_t i) {
      return r.at(i).is_string() ? std::stoll(r.at(i).get<std::string>()) : r.at(i).get<int64_t>();
    };
    std::printf("%s\n", nlohmann::json{{"row", row},
                                       {"system", "oracle"},
                                       {"tableRows", num(0)},
                                       {"oracleRows", num(1)},
                                       {"missingRows", num(2)},
                                       {"extraRows", num(3)},
                                       {"oracleDroppedRows", num(4)},
                                       {"inputEvents", num(5)},
                                       {"finalWatermarkMs", finalWatermarkUs / 1000}}
                            .dump()
                            .c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "oracle_diff %s failed: %s\n", row.c_str(), e.what());
    return 1;
  }
  return 0;
}
