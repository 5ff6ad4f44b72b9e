// Differential tests: random data, the same aggregations and joins run by Weir and by DuckDB (an
// independent engine, through tests/oracle/duckdb_query.mjs), results compared row for row.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>

#include "duckdb_oracle.h"
#include "weir/base/time.h"
#include "weir/weir.h"

namespace weir {
namespace {

using namespace functions;  // NOLINT
namespace fs = std::filesystem;

using testing::runCommand;
using testing::shellQuote;

// Numbers are compared at 9 significant digits; everything else as text.
std::string normalize(const std::string& text) {
  if (text == "null") return text;
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  if (!text.empty() && end == text.c_str() + text.size()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", d == 0 ? 0.0 : d);
    return buf;
  }
  return text;
}

using Table = std::vector<std::vector<std::string>>;

Table sortedTable(Table t) {
  std::sort(t.begin(), t.end());
  return t;
}

Table fromWeir(const DataFrame& df) {
  Table t;
  for (const auto& row : df.collect()) {
    std::vector<std::string> cells;
    for (const auto& v : row.values()) cells.push_back(normalize(v.toString()));
    t.push_back(cells);
  }
  return sortedTable(t);
}

Table fromDuckDb(const std::string& sql) {
  std::string dir = std::string(WEIR_SOURCE_DIR) + "/tests/oracle";
  std::string out = runCommand("node " + shellQuote(dir + "/duckdb_query.mjs") + " " + shellQuote(sql));
  auto json = nlohmann::json::parse(out);
  Table t;
  for (const auto& row : json) {
    std::vector<std::string> cells;
    for (const auto& v : row) {
      if (v.is_null()) cells.push_back("null");
      else if (v.is_string()) cells.push_back(normalize(v.get<std::string>()));
      else if (v.is_boolean()) cells.push_back(v.get<bool>() ? "true" : "false");
      else cells.push_back(normalize(v.dump()));
    }
    t.push_back(cells);
  }
  return sortedTable(t);
}

class Differential : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("weir_diff_" + std::to_string(::getpid()) + "_" + std::to_string(GetParam()));
    fs::create_directories(dir_);
    std::mt19937_64 rng(GetParam());
    double nullRate = 0.05 * (GetParam() % 4);
    auto maybeNull = [&](const std::string& v) {
      return std::uniform_real_distribution<double>(0, 1)(rng) < nullRate ? std::string() : v;
    };
    int keys = 3 + static_cast<int>(rng() % 30);
    std::ofstream a(dir_ / "a.csv");
    a << "id,k,g,v,ts\n";
    size_t rows = 2000 + rng() % 3000;
    for (size_t i = 0; i < rows; ++i) {
      char v[32];
      std::snprintf(v, sizeof v, "%.3f", static_cast<double>(rng() % 100000) / 1000.0 - 20.0);
      int64_t ts = 1735689600LL * 1000000 + static_cast<int64_t>(rng() % (3LL * 3600 * 1000000));
      ts -= ts % 1000;
      a << i << "," << maybeNull("k" + std::to_string(rng() % keys)) << "," << maybeNull(std::to_string(rng() % 20))
        << "," << maybeNull(v) << "," << maybeNull(base::formatTimestamp(ts)) << "\n";
    }
    std::ofstream b(dir_ / "b.csv");
    b << "k,w,label\n";
    for (int i = 0; i < keys + 5; ++i) {
      b << maybeNull("k" + std::to_string(rng() % (keys + 3))) << "," << maybeNull(std::to_string(rng() % 20))
        << ",L" << i << "\n";
    }
    a.close();
    b.close();
    spark_ = Session::builder().config("spark.sql.shuffle.partitions", std::to_string(1 + GetParam() % 4)).getOrCreate();
    a_ = spark_.read().option("header", "true").schema("id BIGINT, k STRING, g INT, v DOUBLE, ts TIMESTAMP")
             .csv((dir_ / "a.csv").string());
    b_ = spark_.read().option("header", "true").schema("k STRING, w INT, label STRING").csv((dir_ / "b.csv").string());
    duckA_ = "read_csv('" + (dir_ / "a.csv").string() +
             "', header=true, columns={'id':'BIGINT','k':'VARCHAR','g':'INTEGER','v':'DOUBLE','ts':'TIMESTAMP'})";
    duckB_ = "read_csv('" + (dir_ / "b.csv").string() +
             "', header=true, columns={'k':'VARCHAR','w':'INTEGER','label':'VARCHAR'})";
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  Session spark_ = Session::active();
  DataFrame a_ = spark_.emptyDataFrame();
  DataFrame b_ = spark_.emptyDataFrame();
  std::string duckA_, duckB_;
};

TEST_P(Differential, GroupedAggregates) {
  auto weir = a_.groupBy("k").agg(count("*"), count("v"), sum("v"), min("v"), max("v"), avg("g"),
                                  countDistinct(col("g")), min("ts"), max("k"));
  auto duck = "SELECT k, count(*), count(v), sum(v), min(v), max(v), avg(g), count(DISTINCT g), "
              "strftime(min(ts), '%Y-%m-%d %H:%M:%S'), max(k) FROM " + duckA_ + " GROUP BY k";
  auto w = fromWeir(weir.withColumn("min(ts)", date_format(col("min(ts)"), "yyyy-MM-dd HH:mm:ss")));
  EXPECT_EQ(w, fromDuckDb(duck));
}

TEST_P(Differential, MultiKeyAndGlobalAggregates) {
  EXPECT_EQ(fromWeir(a_.groupBy("k", "g").agg(sum("id"), count("ts"))),
            fromDuckDb("SELECT k, g, sum(id), count(ts) FROM " + duckA_ + " GROUP BY k, g"));
  EXPECT_EQ(fromWeir(a_.agg(count("*"), sum("g"), max("v"))),
            fromDuckDb("SELECT count(*), sum(g), max(v) FROM " + duckA_));
}

TEST_P(Differential, FiltersWithNulls) {
  auto weir = a_.filter((col("g") > 5 || col("v") < 0.5) && col("k").isNotNull() && !(col("g") == 7))
                  .select("id", "k");
  EXPECT_EQ(fromWeir(weir), fromDuckDb("SELECT id, k FROM " + duckA_ +
                                       " WHERE (g > 5 OR v < 0.5) AND k IS NOT NULL AND NOT (g = 7)"));
}

TEST_P(Differential, Joins) {
  for (std::string how : {"inner", "left", "right", "full"}) {
    auto weir = a_.join(b_, a_.col("k") == b_.col("k") && a_.col("g") >= b_.col("w"), how)
                    .select(a_.col("id"), b_.col("label"));
    std::string sqlHow = how == "inner" ? "INNER" : how == "left" ? "LEFT" : how == "right" ? "RIGHT" : "FULL";
    auto duck = "SELECT a.id, b.label FROM " + duckA_ + " a " + sqlHow + " JOIN " + duckB_ +
                " b ON a.k = b.k AND a.g >= b.w";
    EXPECT_EQ(fromWeir(weir), fromDuckDb(duck)) << how;
  }
  EXPECT_EQ(fromWeir(a_.join(b_, a_.col("k") == b_.col("k"), "left_semi").select("id")),
            fromDuckDb("SELECT id FROM " + duckA_ + " a WHERE EXISTS (SELECT 1 FROM " + duckB_ + " b WHERE a.k = b.k)"));
  EXPECT_EQ(fromWeir(a_.join(b_, a_.col("k") == b_.col("k"), "left_anti").select("id")),
            fromDuckDb("SELECT id FROM " + duckA_ +
                       " a WHERE NOT EXISTS (SELECT 1 FROM " + duckB_ + " b WHERE a.k = b.k)"));
}

TEST_P(Differential, TumblingWindowCounts) {
  auto weir = a_.groupBy(window(col("ts"), "10 minutes"), col("k"))
                  .agg(count("*").alias("n"), sum("v").alias("s"))
                  .select(date_format(col("window.start"), "yyyy-MM-dd HH:mm:ss"), col("k"), col("n"), col("s"));
  auto duck = "SELECT strftime(time_bucket(INTERVAL '10 minutes', ts, TIMESTAMP '1970-01-01'), '%Y-%m-%d %H:%M:%S'), "
              "k, count(*), sum(v) FROM " + duckA_ + " WHERE ts IS NOT NULL GROUP BY 1, k";
  EXPECT_EQ(fromWeir(weir), fromDuckDb(duck));
}

INSTANTIATE_TEST_SUITE_P(Seeds, Differential, ::testing::Values(1, 2, 3, 4, 5, 6));

// The golden query in batch: golden events (with late and out-of-order ones) from `weir generate`,
// counted per sliding window and user by Weir and by DuckDB.
TEST(GoldenQuery, BatchWindowCountsEqualDuckDb) {
  auto dir = fs::temp_directory_path() / ("weir_golden_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto file = (dir / "events.json").string();
  std::string weirBinary = std::string(WEIR_BINARY_DIR) + "/tools/weir/weir";
  runCommand(weirBinary + " generate --count 50000 --users 300 --seed 11 --late-fraction 0.01 --out " + file);
  auto spark = Session::builder().getOrCreate();
  auto schema = StructType::fromDDL("event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE");
  auto counts = spark.read().schema(schema).json(file)
                    .groupBy(window(col("event_time"), "10 minutes", "5 minutes"), col("user_id"))
                    .agg(count("*").alias("events"), sum("value").alias("total"))
                    .select(date_format(col("window.start"), "yyyy-MM-dd HH:mm:ss"),
                            date_format(col("window.end"), "yyyy-MM-dd HH:mm:ss"), col("user_id"), col("events"),
                            col("total"));
  auto duck = fromDuckDb(
      "SELECT strftime(w, '%Y-%m-%d %H:%M:%S'), strftime(w + INTERVAL '10 minutes', '%Y-%m-%d %H:%M:%S'), user_id, "
      "count(*), sum(value) FROM (SELECT user_id, value, unnest([time_bucket(INTERVAL '5 minutes', event_time, "
      "TIMESTAMP '1970-01-01') - INTERVAL '5 minutes', time_bucket(INTERVAL '5 minutes', event_time, "
      "TIMESTAMP '1970-01-01')]) AS w FROM read_json('" + file +
      "', columns={event_id: 'VARCHAR', user_id: 'VARCHAR', event_time: 'TIMESTAMP', action: 'VARCHAR', "
      "value: 'DOUBLE'})) GROUP BY w, user_id");
  auto ours = fromWeir(counts);
  EXPECT_GT(ours.size(), 1000u);
  EXPECT_EQ(ours, duck);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace weir
