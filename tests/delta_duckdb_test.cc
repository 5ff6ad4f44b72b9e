// Delta tables Weir writes, read back by an independent reader: the test replays the log itself
// (_last_checkpoint, the checkpoint read by DuckDB, then the JSON commits after it, paths
// percent-decoded), has DuckDB (tests/oracle/duckdb_query.mjs) read every live data file, attaches
// the partition values the log gives, and compares every value with the rows written, computed
// here from the inputs. Every type the writer supports, partition values with NULLs, empty
// strings and characters Hive escapes, an overwrite, a checkpoint, an OPTIMIZE that removes files
// the checkpoint holds, and the per-file statistics against DuckDB's aggregates over each file.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "duckdb_oracle.h"
#include "weir/formats/delta/delta_commands.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using columnar::Value;
using nlohmann::json;
using testing::duckdb;
using testing::expected;

std::string readText(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string logFile(const std::string& table, int64_t version, const std::string& suffix) {
  char name[32];
  std::snprintf(name, sizeof name, "%020lld", static_cast<long long>(version));
  return table + "/_delta_log/" + name + suffix;
}

// The protocol's reading of add.path / remove.path: percent-decoded. Written here rather than
// taken from delta_log.h on purpose: this replay checks Weir's log without Weir's log code.
std::string percentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// Hive's escaping of a partition directory name, as the protocol lists it (section 4.2): the
// control characters, DEL and "#%'*/:=?\{[]^ as %XX; space and non-ASCII kept.
std::string hiveEscape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f ||
        std::string_view("\"#%'*/:=?\\{[]^").find(static_cast<char>(c)) != std::string_view::npos) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// A statistics value as written: numbers keep their text (a 30-digit decimal would not survive
// a trip through a double), strings their value.
struct StatsLeaf {
  bool number = false;
  bool null = false;
  std::string text;
};

// The leaves of a stats JSON string by dotted path ("minValues.st.inner.x"), read with SAX so that
// number texts are kept.
class StatsLeaves : public nlohmann::json_sax<json> {
 public:
  static std::map<std::string, StatsLeaf> parse(const std::string& stats) {
    StatsLeaves sax;
    EXPECT_TRUE(json::sax_parse(stats, &sax)) << stats;
    return sax.leaves_;
  }
  bool null() override { return leaf({false, true, ""}); }
  bool boolean(bool v) override { return leaf({false, false, v ? "true" : "false"}); }
  bool number_integer(number_integer_t v) override {
    return leaf({true, false, std::to_string(v)});
  }
  bool number_unsigned(number_unsigned_t v) override {
    return leaf({true, false, std::to_string(v)});
  }
  bool number_float(number_float_t, const string_t& text) override {
    return leaf({true, false, text});
  }
  bool string(string_t& v) override { return leaf({false, false, v}); }
  bool binary(binary_t&) override { return false; }
  bool start_object(std::size_t) override {
    path_.push_back("");
    return true;
  }
  bool key(string_t& k) override {
    path_.back() = k;
    return true;
  }
  bool end_object() override {
    path_.pop_back();
    return true;
  }
  bool start_array(std::size_t) override { return false; }  // stats hold no arrays
  bool end_array() override { return false; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool leaf(StatsLeaf l) {
    std::string p;
    for (const auto& k : path_) p += (p.empty() ? "" : ".") + k;
    leaves_[p] = std::move(l);
    return true;
  }
  std::vector<std::string> path_;
  std::map<std::string, StatsLeaf> leaves_;
};

// A decimal number's text without trailing fractional zeros, so that 10.0 and 10.000 compare equal.
std::string canonicalNumber(std::string s) {
  if (s.find('.') != std::string::npos && s.find_first_of("eE") == std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

// One live data file as the log describes it.
struct LiveFile {
  std::string rawPath;  // as in the log (URI-encoded)
  json partitionValues = json::object();
  int64_t size = 0;
  std::string stats;
};

using LiveFiles = std::map<std::string, LiveFile>;  // by percent-decoded path

// The removes whose files were not added again, by percent-decoded path: the tombstones, each
// as a checkpoint must hold it (path, deletionTimestamp, dataChange false, extendedFileMetadata,
// partitionValues, size).
using Tombstones = std::map<std::string, json>;

// Applies the add and remove actions of one JSON commit; returns how many actions it applied.
int applyCommit(const std::string& file, LiveFiles& live, Tombstones* tombstones = nullptr) {
  std::istringstream lines(readText(file));
  int applied = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const auto action = json::parse(line);
    if (action.contains("add")) {
      const auto& a = action["add"];
      const std::string rawPath = a["path"].get<std::string>();
      live[percentDecode(rawPath)] = {rawPath, a["partitionValues"], a["size"].get<int64_t>(),
                                      a.value("stats", "")};
      if (tombstones != nullptr) tombstones->erase(percentDecode(rawPath));
      ++applied;
    } else if (action.contains("remove")) {
      const auto& r = action["remove"];
      const std::string p = percentDecode(r["path"].get<std::string>());
      EXPECT_EQ(live.erase(p), 1u) << file << " removes " << p << ", which is not live";
      if (tombstones != nullptr) {
        (*tombstones)[p] = {r["path"],
                            r["deletionTimestamp"],
                            false,
                            r["extendedFileMetadata"],
                            r["partitionValues"],
                            r["size"]};
      }
      ++applied;
    }
  }
  return applied;
}

std::string sqlList(const std::vector<std::string>& files) {
  std::string out = "[";
  for (const auto& f : files) {
    std::string quoted;
    for (char c : f) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    out += (out.size() > 1 ? ", '" : "'") + quoted + "'";
  }
  return out + "]";
}

int32_t daysOf(int year, unsigned month, unsigned day) {
  const std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{month},
                                        std::chrono::day{day}};
  return static_cast<int32_t>(std::chrono::sys_days(ymd).time_since_epoch().count());
}

class DeltaDuckDb : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("weir-delta-duckdb-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  Session spark = Session::builder().appName("delta-duckdb-test").getOrCreate();
};

TEST_F(DeltaDuckDb, DuckDbReadsWhatWeirWrites) {
  // The partition columns p and day sit among the data columns, as a user's may.
  auto schema = StructType::fromDDL(
      "id BIGINT, p STRING, s STRING, n BIGINT, i INT, small SMALLINT, tiny TINYINT, d DOUBLE, "
      "f FLOAT, b BOOLEAN, t TIMESTAMP, ntz TIMESTAMP_NTZ, dt DATE, dec DECIMAL(10,2), big "
      "DECIMAL(30,3), day DATE, "
      "bin BINARY, st STRUCT<a: INT, b: STRING, inner: STRUCT<x: BIGINT>>, arr ARRAY<STRING>, "
      "nested ARRAY<ARRAY<INT>>, m MAP<STRING, BIGINT>");
  const auto& fields = schema.type()->fields();
  const size_t pAt = 1, dayAt = 15;
  ASSERT_EQ(fields[pAt].name, "p");
  ASSERT_EQ(fields[dayAt].name, "day");
  // Partition values: NULL, the empty string (NULL to Delta, as in Spark), and characters Hive
  // escapes or keeps. Days as the log must spell them, computed without Weir.
  const std::vector<std::optional<std::string>> parts = {
      std::nullopt, "",     "plain",       "with space",      "a/b",           "k=v",      "100%",
      "12:30",      "#tag", "caf\xc3\xa9", "%20 not a space", "q'\"*?\\[]^{}", "tab\there"};
  const std::vector<std::pair<std::optional<std::string>, Value>> days = {
      {"2024-02-29", Value::date(daysOf(2024, 2, 29))},
      {"1969-07-20", Value::date(daysOf(1969, 7, 20))},
      {std::nullopt, Value::null()}};

  std::mt19937_64 rng(5);
  auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
  auto batchOf = [&](int k) {
    std::vector<Row> rows;
    for (int r = 0; r < 40; ++r) {
      auto maybe = [&](Value v) { return chance(10) ? Value::null() : v; };
      const auto& part = parts[rng() % parts.size()];
      std::string s = chance(80) ? "s-" + std::to_string(rng() % 30)
                                 : std::string(20 + rng() % 30, 'L') + std::to_string(r);
      if (chance(10)) s = "caf\xc3\xa9 \xe2\x82\xac";
      std::vector<Value> arr, nested, kv;
      for (int j = 0, len = static_cast<int>(rng() % 4); j < len; ++j) {
        arr.push_back(maybe(Value::string("e" + std::to_string(rng() % 9))));
      }
      for (int j = 0, len = static_cast<int>(rng() % 3); j < len; ++j) {
        std::vector<Value> inner;
        for (int q = 0, l2 = static_cast<int>(rng() % 3); q < l2; ++q) {
          inner.push_back(maybe(Value::integer(static_cast<int32_t>(rng() % 1000))));
        }
        nested.push_back(maybe(Value::array(inner)));
      }
      for (int j = 0, len = static_cast<int>(rng() % 3); j < len; ++j) {
        kv.push_back(Value::string("k" + std::to_string(j)));
        kv.push_back(maybe(Value::integer(static_cast<int64_t>(rng()))));
      }
      rows.push_back(Row(
          {Value::integer(k * 1000 + r),
           part ? Value::string(*part) : Value::null(),
           maybe(Value::string(s)),
           maybe(Value::integer(static_cast<int64_t>(rng()))),
           maybe(Value::integer(static_cast<int32_t>(rng()))),
           maybe(Value::integer(static_cast<int16_t>(rng()))),
           maybe(Value::integer(static_cast<int8_t>(rng()))),
           maybe(Value::real(static_cast<double>(static_cast<int64_t>(rng() % 2000000) - 1000000) /
                             64)),
           maybe(Value::floating(static_cast<float>(static_cast<int>(rng() % 1000) - 500) / 8)),
           maybe(Value::boolean(chance(50))),
           maybe(Value::timestamp(1735689600000000LL + static_cast<int64_t>(rng() % 100000000000))),
           maybe(Value::timestampNtz(static_cast<int64_t>(rng() % 4000000000000000ULL) -
                                     1000000000000000LL)),
           maybe(Value::date(static_cast<int32_t>(rng() % 40000) - 10000)),
           maybe(Value::decimal(
               columnar::Decimal{static_cast<int64_t>(rng() % 2000000000) - 1000000000, 10, 2})),
           maybe(Value::decimal(columnar::Decimal{
               (static_cast<columnar::int128_t>(rng()) << 20) * (chance(50) ? -1 : 1), 30, 3})),
           days[rng() % days.size()].second,
           maybe(Value::binary(std::string("\0\x01\xff", 3) + std::to_string(r % 10))),
           maybe(Value::structOf({maybe(Value::integer(static_cast<int32_t>(rng() % 100) - 50)),
                                  maybe(Value::string("b" + std::to_string(r % 3))),
                                  maybe(Value::structOf({maybe(Value::integer(-r))}))})),
           maybe(Value::array(arr)),
           maybe(Value::array(nested)),
           maybe(Value::map(kv))}));
    }
    return rows;
  };

  // Versions 0 (create) to 4, 5 (overwrite), 6 to 11 (appends; 10 is checkpointed), 12 (OPTIMIZE
  // of the "plain" partitions, removing files the checkpoint holds), 13 to 16 (appends).
  const std::string table = (dir_ / "t").string();
  std::vector<Row> want;
  int64_t version = -1;
  for (int k = 0; k < 16; ++k) {
    const auto rows = batchOf(k);
    auto writer = spark.createDataFrame(rows, schema).write().format("delta");
    if (k == 0) {
      writer.partitionBy({"p", "day"}).save(table);
    } else {
      writer.mode(k == 5 ? "overwrite" : "append").save(table);
    }
    ++version;
    if (k == 5) want.clear();
    want.insert(want.end(), rows.begin(), rows.end());
    if (k == 11) {
      formats::delta::OptimizeOptions options;
      options.where = "p = 'plain'";
      const auto optimized = formats::delta::optimizeTable(table, options);
      ASSERT_GT(optimized.numFilesRemoved, optimized.numFilesAdded);
      ASSERT_EQ(optimized.version, ++version);
    }
  }
  ASSERT_EQ(version, 16);
  // What Delta readers make of the rows: an empty partition string is NULL.
  for (auto& row : want) {
    if (row[pAt].isNull() || !row[pAt].asString().empty()) continue;
    std::vector<Value> values = row.values();
    values[pAt] = Value::null();
    row = Row(std::move(values));
  }
  // The partition values as the log must give them (days spelled as above, not by Weir).
  auto partText = [](const Value& v) { return v.isNull() ? json(nullptr) : json(v.asString()); };
  auto dayText = [&](const Value& v) {
    json text = "not one of the days written";
    for (const auto& [spelled, value] : days) {
      if (value == v) text = spelled ? json(*spelled) : json(nullptr);
    }
    return text;
  };
  std::sort(want.begin(), want.end(),
            [](const Row& a, const Row& b) { return a[0].asLong() < b[0].asLong(); });

  // The log replayed without Weir: _last_checkpoint, the checkpoint through DuckDB, later commits.
  const auto last = json::parse(readText(table + "/_delta_log/_last_checkpoint"));
  const int64_t checkpointVersion = last["version"];
  ASSERT_EQ(checkpointVersion, 10);  // delta.checkpointInterval is 10 by default
  const std::string checkpoint = logFile(table, checkpointVersion, ".checkpoint.parquet");
  const auto checkpointRows = duckdb(
      "SELECT \"add\".path, \"add\".partitionValues, \"add\".size, \"add\".stats, \"remove\".path, "
      "metaData.partitionColumns, protocol FROM read_parquet('" +
      checkpoint + "')");
  EXPECT_EQ(checkpointRows.size(), last["size"].get<size_t>());
  LiveFiles live;
  std::set<std::string> tombstonePaths;  // a checkpoint's removes take no file out of it
  int metaData = 0;
  for (const auto& row : checkpointRows) {
    if (!row[0].is_null()) {
      LiveFile f{row[0].get<std::string>(), json::object(), std::stoll(row[2].get<std::string>()),
                 row[3].is_null() ? "" : row[3].get<std::string>()};
      for (const auto& kv : row[1]) f.partitionValues[kv["key"].get<std::string>()] = kv["value"];
      live[percentDecode(f.rawPath)] = f;
    }
    if (!row[4].is_null()) tombstonePaths.insert(percentDecode(row[4].get<std::string>()));
    if (!row[5].is_null()) {
      EXPECT_EQ(row[5], json::parse(R"(["p","day"])"));
      ++metaData;
    }
  }
  EXPECT_EQ(metaData, 1);
  for (const auto& p : tombstonePaths)
    EXPECT_FALSE(live.count(p)) << p << " is live and a tombstone";
  // The checkpoint's tombstones are the removes of commits 0 to 10 (the overwrite's, all within
  // the week of retention) whose files were not added again, with what the protocol keeps of them.
  Tombstones wantTombstones;
  {
    LiveFiles upToCheckpoint;
    for (int64_t v = 0; v <= checkpointVersion; ++v) {
      applyCommit(logFile(table, v, ".json"), upToCheckpoint, &wantTombstones);
    }
  }
  ASSERT_FALSE(wantTombstones.empty());
  Tombstones gotTombstones;
  for (const auto& row : duckdb("SELECT \"remove\".path, \"remove\".deletionTimestamp, "
                                "\"remove\".dataChange, \"remove\".extendedFileMetadata, "
                                "\"remove\".partitionValues, \"remove\".size FROM read_parquet('" +
                                checkpoint + "') WHERE \"remove\" IS NOT NULL")) {
    json partitionValues = json::object();
    for (const auto& kv : row[4]) partitionValues[kv["key"].get<std::string>()] = kv["value"];
    gotTombstones[percentDecode(row[0].get<std::string>())] = {
        row[0],          std::stoll(row[1].get<std::string>()), row[2], row[3],
        partitionValues, std::stoll(row[5].get<std::string>())};
  }
  EXPECT_EQ(gotTombstones, wantTombstones);
  // A TIMESTAMP_NTZ column needs the timestampNtz feature, in both lists (protocol section 8).
  const auto protocol = std::find_if(checkpointRows.begin(), checkpointRows.end(),
                                     [](const json& row) { return !row[6].is_null(); });
  ASSERT_NE(protocol, checkpointRows.end());
  EXPECT_EQ((*protocol)[6]["minReaderVersion"], 3) << (*protocol)[6].dump();
  EXPECT_EQ((*protocol)[6]["minWriterVersion"], 7) << (*protocol)[6].dump();
  for (const char* list : {"readerFeatures", "writerFeatures"}) {
    const json& features = (*protocol)[6][list];
    EXPECT_TRUE(features.is_array() &&
                std::count(features.begin(), features.end(), "timestampNtz") == 1)
        << (*protocol)[6].dump();
  }
  const LiveFiles checkpointFiles = live;
  int64_t latest = checkpointVersion;
  for (int64_t v = checkpointVersion + 1; fs::exists(logFile(table, v, ".json")); ++v) {
    applyCommit(logFile(table, v, ".json"), live);
    latest = v;
  }
  EXPECT_EQ(latest, 16);
  // All the commits from version 0 give the same files and partition values.
  LiveFiles replayed;
  for (int64_t v = 0; v <= latest; ++v) applyCommit(logFile(table, v, ".json"), replayed);
  ASSERT_EQ(replayed.size(), live.size());
  for (const auto& [p, f] : replayed) {
    ASSERT_TRUE(live.count(p)) << p << " is live by the commits, not by the checkpoint";
    EXPECT_EQ(live[p].partitionValues, f.partitionValues) << p;
    EXPECT_EQ(live[p].stats, f.stats) << p;
    EXPECT_EQ(live[p].rawPath, f.rawPath) << p;
  }

  // Each live file is where its partition values say, with the protocol's escapes: Hive's in the
  // directory names, URI encoding on top in the log's paths.
  std::set<std::string> partitionsSeen;
  std::vector<std::string> files;
  std::map<std::string, const LiveFile*> byFile;
  int64_t numRecords = 0;
  for (const auto& [p, f] : live) {
    ASSERT_TRUE(f.partitionValues.is_object() && f.partitionValues.size() == 2)
        << f.partitionValues.dump();
    const json& pv = f.partitionValues.at("p");
    const json& day = f.partitionValues.at("day");
    EXPECT_TRUE(pv.is_null() || !pv.get<std::string>().empty())
        << p << ": an empty partition string is NULL";
    const std::string dir =
        "p=" + (pv.is_null() ? "__HIVE_DEFAULT_PARTITION__" : hiveEscape(pv.get<std::string>())) +
        "/day=" +
        (day.is_null() ? "__HIVE_DEFAULT_PARTITION__" : hiveEscape(day.get<std::string>())) + "/";
    EXPECT_EQ(p.substr(0, dir.size()), dir);
    EXPECT_EQ(p.find('/', dir.size()), std::string::npos) << p;
    const std::string file = table + "/" + p;
    ASSERT_TRUE(fs::exists(file)) << file;
    EXPECT_EQ(static_cast<int64_t>(fs::file_size(file)), f.size) << file;
    for (char c : f.rawPath) EXPECT_TRUE(c != ' ' && c != '\t') << "unencoded in " << f.rawPath;
    if (pv == "with space") {
      EXPECT_EQ(f.rawPath.rfind("p=with%20space/", 0), 0u) << f.rawPath;
    }
    if (pv == "a/b") {
      EXPECT_EQ(f.rawPath.rfind("p=a%252Fb/", 0), 0u) << f.rawPath;
    }
    if (pv == "12:30") {
      EXPECT_EQ(f.rawPath.rfind("p=12%253A30/", 0), 0u) << f.rawPath;
    }
    partitionsSeen.insert(pv.dump() + " " + day.dump());
    const auto stats = json::parse(f.stats);
    numRecords += stats["numRecords"].get<int64_t>();
    files.push_back(file);
    byFile[file] = &f;
  }
  std::set<std::string> partitionsWritten;
  for (const auto& row : want) {
    partitionsWritten.insert(partText(row[pAt]).dump() + " " + dayText(row[dayAt]).dump());
  }
  EXPECT_EQ(partitionsSeen, partitionsWritten);
  EXPECT_TRUE(fs::is_directory(table + "/p=with space"));
  EXPECT_TRUE(fs::is_directory(table + "/p=a%2Fb"));
  EXPECT_TRUE(
      fs::is_directory(table + "/p=__HIVE_DEFAULT_PARTITION__/day=__HIVE_DEFAULT_PARTITION__"));
  EXPECT_TRUE(fs::is_directory(table + "/p=caf\xc3\xa9"));
  EXPECT_FALSE(fs::exists(table + "/p="));
  // Files of the checkpoint are live, and so are files the commits after it added; OPTIMIZE
  // removed some of the checkpoint's.
  const auto fromCheckpoint = std::count_if(live.begin(), live.end(), [&](const auto& entry) {
    return checkpointFiles.count(entry.first) > 0;
  });
  EXPECT_GT(fromCheckpoint, 0);
  EXPECT_LT(static_cast<size_t>(fromCheckpoint), checkpointFiles.size());
  EXPECT_LT(static_cast<size_t>(fromCheckpoint), live.size());
  ASSERT_LT(sqlList(files).size(), size_t{100000}) << "the file list would not fit in one argument";

  // The data files hold the data columns only.
  std::set<std::string> columns;
  for (const auto& c : duckdb("SELECT name FROM parquet_schema('" + files.front() + "')")) {
    columns.insert(c[0].get<std::string>());
  }
  EXPECT_FALSE(columns.count("p"));
  EXPECT_FALSE(columns.count("day"));
  EXPECT_TRUE(columns.count("big"));

  // Every value, as DuckDB reads the live files, with the partition values of the log.
  const auto got = duckdb(
      "SELECT filename, id, s, n, i, small, tiny, d, f, b, epoch_us(t), epoch_us(ntz), "
      "dt::VARCHAR, dec::VARCHAR, big::VARCHAR, hex(bin), st, arr, nested, m FROM read_parquet(" +
      sqlList(files) + ", filename = true, hive_partitioning = false) ORDER BY id");
  ASSERT_EQ(got.size(), want.size());
  EXPECT_EQ(numRecords, static_cast<int64_t>(got.size()));
  for (size_t r = 0; r < want.size(); ++r) {
    const LiveFile& file = *byFile.at(got[r][0].get<std::string>());
    size_t column = 1;
    for (size_t c = 0; c < fields.size(); ++c) {
      const Value& v = want[r][c];
      if (c == pAt) {
        ASSERT_EQ(file.partitionValues.at("p"), partText(v)) << "row " << r;
      } else if (c == dayAt) {
        ASSERT_EQ(file.partitionValues.at("day"), dayText(v)) << "row " << r;
      } else {
        ASSERT_EQ(got[r][column++], expected(v, *fields[c].type))
            << "row " << r << " column " << fields[c].name;
      }
    }
  }
  // Weir reads the same rows.
  auto back = spark.read().format("delta").load(table).collect();
  std::sort(back.begin(), back.end(),
            [](const Row& a, const Row& b) { return a[0].asLong() < b[0].asLong(); });
  ASSERT_EQ(back.size(), want.size());
  for (size_t r = 0; r < want.size(); ++r) ASSERT_EQ(back[r], want[r]) << "row " << r;

  // The statistics of each file against DuckDB's aggregates over it. Numbers compare by their
  // text (decimals at full precision), doubles as doubles, timestamps truncated to milliseconds.
  enum class Kind { kExact, kReal, kText, kCountOnly };
  struct Stat {
    std::string key, sql;
    Kind kind;
  };
  const std::vector<Stat> statColumns = {
      {"id", "id", Kind::kExact},       {"s", "s", Kind::kText},
      {"n", "n", Kind::kExact},         {"i", "i", Kind::kExact},
      {"small", "small", Kind::kExact}, {"tiny", "tiny", Kind::kExact},
      {"d", "d", Kind::kReal},          {"f", "f", Kind::kReal},
      {"b", "b", Kind::kCountOnly},     {"t", "t", Kind::kText},
      {"ntz", "ntz", Kind::kText},      {"dt", "dt", Kind::kText},
      {"dec", "dec", Kind::kExact},     {"big", "big", Kind::kExact},
      {"bin", "bin", Kind::kCountOnly}, {"st.a", "st.a", Kind::kExact},
      {"st.b", "st.b", Kind::kText},    {"st.inner.x", "st.inner.x", Kind::kExact},
      {"arr", "arr", Kind::kCountOnly}, {"nested", "nested", Kind::kCountOnly},
      {"m", "m", Kind::kCountOnly}};
  std::string select = "SELECT filename, count(*)";
  for (const auto& c : statColumns) {
    select += ", count(" + c.sql + ")";
    if (c.kind == Kind::kCountOnly) continue;
    for (const char* agg : {"min", "max"}) {
      const std::string value = std::string(agg) + "(" + c.sql + ")";
      if (c.key == "t" || c.key == "ntz") {
        // Truncated to milliseconds (floored before 1970 too); UTC instants end with Z.
        const std::string micros = "epoch_us(" + value + ")";
        select += ", strftime(make_timestamp(" + micros + " - ((" + micros +
                  " % 1000) + 1000) % 1000), '%Y-%m-%dT%H:%M:%S.%g" + (c.key == "t" ? "Z" : "") +
                  "')";
      } else if (c.kind == Kind::kExact || c.key == "dt") {
        select += ", " + value + "::VARCHAR";
      } else {
        select += ", " + value;
      }
    }
    if (c.key == "s" || c.key == "st.b") select += ", max(length(" + c.sql + "))";
  }
  const auto aggregates = duckdb(select + " FROM read_parquet(" + sqlList(files) +
                                 ", filename = true, hive_partitioning = false) GROUP BY filename");
  ASSERT_EQ(aggregates.size(), files.size());
  int boundsCompared = 0;
  for (const auto& a : aggregates) {
    const std::string file = a[0].get<std::string>();
    const auto leaves = StatsLeaves::parse(byFile.at(file)->stats);
    const int64_t rows = std::stoll(a[1].get<std::string>());
    ASSERT_TRUE(leaves.count("numRecords")) << file;
    EXPECT_EQ(leaves.at("numRecords").text, std::to_string(rows)) << file;
    size_t at = 2;
    for (const auto& c : statColumns) {
      const int64_t nonNull = std::stoll(a[at++].get<std::string>());
      const auto nulls = leaves.find("nullCount." + c.key);
      ASSERT_TRUE(nulls != leaves.end())
          << file << ": no nullCount." << c.key << " in " << byFile.at(file)->stats;
      EXPECT_EQ(nulls->second.text, std::to_string(rows - nonNull))
          << file << " nullCount." << c.key;
      const auto min = leaves.find("minValues." + c.key), max = leaves.find("maxValues." + c.key);
      if (c.kind == Kind::kCountOnly) {
        EXPECT_TRUE(min == leaves.end() && max == leaves.end())
            << file << ": " << c.key << " has no min/max in Delta";
        continue;
      }
      const json& lo = a[at++];
      const json& hi = a[at++];
      if (nonNull == 0) {
        EXPECT_TRUE((min == leaves.end() || min->second.null) &&
                    (max == leaves.end() || max->second.null))
            << file << " " << c.key;
        if (c.kind == Kind::kText && (c.key == "s" || c.key == "st.b")) ++at;
        continue;
      }
      if (c.kind == Kind::kText && (c.key == "s" || c.key == "st.b")) {
        // Strings longer than the 32-character prefix may be left out; if given they must bound.
        const int64_t longest = std::stoll(a[at++].get<std::string>());
        if (longest > 32) {
          if (min != leaves.end()) {
            EXPECT_LE(min->second.text, lo.get<std::string>()) << file << " " << c.key;
          }
          if (max != leaves.end()) {
            EXPECT_GE(max->second.text, hi.get<std::string>()) << file << " " << c.key;
          }
          continue;
        }
      }
      ASSERT_TRUE(min != leaves.end() && max != leaves.end())
          << file << ": no min/max for " << c.key << " in " << byFile.at(file)->stats;
      EXPECT_EQ(min->second.number, c.kind != Kind::kText) << file << " " << c.key;
      switch (c.kind) {
        case Kind::kExact:
          EXPECT_EQ(canonicalNumber(min->second.text), canonicalNumber(lo.get<std::string>()))
              << file << " minValues." << c.key;
          EXPECT_EQ(canonicalNumber(max->second.text), canonicalNumber(hi.get<std::string>()))
              << file << " maxValues." << c.key;
          break;
        case Kind::kReal:
          EXPECT_EQ(std::stod(min->second.text), lo.get<double>())
              << file << " minValues." << c.key;
          EXPECT_EQ(std::stod(max->second.text), hi.get<double>())
              << file << " maxValues." << c.key;
          break;
        default:
          EXPECT_EQ(min->second.text, lo.get<std::string>()) << file << " minValues." << c.key;
          EXPECT_EQ(max->second.text, hi.get<std::string>()) << file << " maxValues." << c.key;
      }
      ++boundsCompared;
    }
  }
  std::printf("%zu live files (%zu of the checkpoint's %zu), %zu rows, %d min/max pairs compared\n",
              live.size(), static_cast<size_t>(fromCheckpoint), checkpointFiles.size(), got.size(),
              boundsCompared);
}

}  // namespace
}  // namespace weir
