// Mutation fuzzing of the readers of bytes Weir did not just write: Parquet files and the Delta log
// (JSON commits, a checkpoint in Parquet, _last_checkpoint, data files, deletion vectors). Valid
// files (written by Weir, plus a few of the Delta acceptance tables, written by Spark) are damaged
// by bit flips, byte overwrites, truncations, corrupted length fields, insertions, erasures,
// splices and, for JSON, values swapped for ones of other types or out of range. Each damaged
// file is read through the public paths (spark.read().parquet, spark.read().format("delta"), the
// log reader the streaming source uses); the read must succeed or throw a weir::Error that is not
// an InternalError and names the file (or its table). A crash, a hang (a watchdog aborts after
// 60 s), a huge allocation (the address space is capped; under ASan, allocations above 2 GiB
// abort) or a foreign exception fails the test. Deterministic: fixed seeds. WEIR_FUZZ_ITERATIONS
// sets the mutations per seed file (the `slow` ctest variant runs many more), WEIR_FUZZ_SEED the
// base seed; a failing input is saved under <tmp>/weir-fuzz-failures to replay.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

#include "test_support.h"
#include "weir/formats/delta/delta_log.h"
#include "weir/formats/delta/delta_table.h"
#include "weir/formats/parquet/parquet_writer.h"
#include "weir/weir.h"

#if defined(__SANITIZE_ADDRESS__)
// Under ASan an allocation above 2 GiB is reported and aborts the test.
extern "C" const char* __asan_default_options() { return "max_allocation_size_mb=2048"; }
#endif

namespace weir {
namespace {

namespace fs = std::filesystem;
using columnar::Row;
using columnar::Value;
using testing::readFile;
using testing::sorted;
using Rng = std::mt19937_64;

int64_t envInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::stoll(v) : fallback;
}

void writeBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Caps the address space outside the sanitizers, so a read that asks for gigabytes because of a
// damaged length fails with std::bad_alloc (reported as a failure) instead of swapping.
void capAddressSpace() {
#if !defined(__SANITIZE_ADDRESS__)
  rlimit limit{};
  limit.rlim_cur = limit.rlim_max = rlim_t{6} << 30;
  setrlimit(RLIMIT_AS, &limit);
#endif
}

// Aborts the process when one read takes longer than a minute (a hang on damaged input).
class Watchdog {
 public:
  Watchdog() : thread_([this] { run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(m_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void arm(const std::string& what) {
    std::lock_guard lock(m_);
    what_ = what;
    since_ = std::chrono::steady_clock::now();
    armed_ = true;
  }
  void disarm() {
    std::lock_guard lock(m_);
    armed_ = false;
  }

 private:
  void run() {
    std::unique_lock lock(m_);
    while (!done_) {
      cv_.wait_for(lock, std::chrono::seconds(1));
      if (armed_ && std::chrono::steady_clock::now() - since_ > std::chrono::seconds(60)) {
        std::fprintf(stderr, "fuzz: a read of %s hangs (over 60 s)\n", what_.c_str());
        std::abort();
      }
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  bool done_ = false, armed_ = false;
  std::string what_;
  std::chrono::steady_clock::time_point since_;
  std::thread thread_;
};

// ----- mutations

size_t pick(Rng& rng, size_t n) { return n == 0 ? 0 : static_cast<size_t>(rng() % n); }

// A position, biased towards the last `tailBytes` (a Parquet footer, where lengths and offsets are).
size_t position(Rng& rng, const std::string& b, size_t tailBytes) {
  if (tailBytes > 0 && rng() % 2 == 0 && b.size() > 0) {
    const size_t tail = std::min(tailBytes, b.size());
    return b.size() - tail + pick(rng, tail);
  }
  return pick(rng, b.size());
}

void mutateBytes(std::string& b, Rng& rng, size_t tailBytes) {
  static const uint32_t kLengths[] = {0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0xffff, 0x10000,
                                      0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff};
  static const char kBytes[] = {0, 1, 0x7f, static_cast<char>(0x80), static_cast<char>(0xff), 0x0f, 0x15, 0x19};
  if (b.empty()) {
    b.push_back(static_cast<char>(rng()));
    return;
  }
  switch (rng() % 8) {
    case 0: {  // bit flip
      const size_t at = position(rng, b, tailBytes);
      b[at] = static_cast<char>(b[at] ^ (1 << (rng() % 8)));
      break;
    }
    case 1: {  // overwrite 1 to 8 bytes
      const size_t at = position(rng, b, tailBytes);
      for (size_t k = 0, n = 1 + pick(rng, 8); k < n && at + k < b.size(); ++k) {
        b[at + k] = rng() % 2 ? static_cast<char>(rng()) : kBytes[pick(rng, sizeof kBytes)];
      }
      break;
    }
    case 2:  // truncation
      b.resize(pick(rng, b.size()));
      break;
    case 3: {  // a 4-byte length (little-endian) or a long varint
      const size_t at = position(rng, b, tailBytes);
      if (rng() % 2) {
        uint32_t v = rng() % 4 == 0 ? static_cast<uint32_t>(b.size() + pick(rng, 3)) : kLengths[pick(rng, std::size(kLengths))];
        for (size_t k = 0; k < 4 && at + k < b.size(); ++k, v >>= 8) b[at + k] = static_cast<char>(v & 0xff);
      } else {
        const size_t n = 1 + pick(rng, 9);
        for (size_t k = 0; k < n && at + k < b.size(); ++k) b[at + k] = static_cast<char>(k + 1 < n ? 0xff : 0x0f);
      }
      break;
    }
    case 4: {  // insertion
      std::string extra(1 + pick(rng, 16), '\0');
      for (auto& c : extra) c = static_cast<char>(rng());
      b.insert(position(rng, b, tailBytes), extra);
      break;
    }
    case 5: {  // erasure
      const size_t at = position(rng, b, tailBytes);
      b.erase(at, 1 + pick(rng, 16));
      break;
    }
    case 6: {  // a splice: bytes from elsewhere in the file
      const size_t from = pick(rng, b.size()), at = position(rng, b, tailBytes);
      const std::string chunk = b.substr(from, 1 + pick(rng, 32));
      b.replace(at, std::min(chunk.size(), b.size() - at), chunk);
      break;
    }
    default: {  // the footer length field of a Parquet file (or the last bytes of any file)
      if (b.size() >= 8) {
        uint32_t v = kLengths[pick(rng, std::size(kLengths))];
        for (size_t k = 0; k < 4; ++k, v >>= 8) b[b.size() - 8 + k] = static_cast<char>(v & 0xff);
      }
      break;
    }
  }
}

// A JSON value of another type or out of range.
nlohmann::json strangeValue(Rng& rng) {
  switch (rng() % 12) {
    case 0: return nullptr;
    case 1: return -1;
    case 2: return 1e300;
    case 3: return INT64_MAX;
    case 4: return UINT64_MAX;
    case 5: return "x";
    case 6: return nlohmann::json::array({1, "a", nullptr});
    case 7: return nlohmann::json::object();
    case 8: return true;
    case 9: return 2147483648LL;
    case 10: return "../../../../etc/passwd";
    default: return "{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":\"decimal(99,2)\"}]}";
  }
}

// Damages one JSON value in one line of newline-delimited JSON: replaced, removed or renamed.
bool mutateJson(std::string& text, Rng& rng) {
  std::vector<std::string> lines;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  if (lines.empty()) return false;
  const size_t which = pick(rng, lines.size());
  auto j = nlohmann::json::parse(lines[which], nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  // Walk down a few levels.
  nlohmann::json* node = &j;
  for (int depth = 0; depth < 4 && (node->is_object() || node->is_array()) && !node->empty(); ++depth) {
    if (rng() % 3 == 0 && depth > 0) break;
    auto it = node->begin();
    std::advance(it, static_cast<std::ptrdiff_t>(pick(rng, node->size())));
    if (node->is_object() && rng() % 5 == 0) {
      const std::string key = it.key();
      nlohmann::json value = *it;
      node->erase(key);
      if (rng() % 2) (*node)[key + "_"] = value;  // renamed
      node = nullptr;
      break;
    }
    node = &*it;
  }
  if (node != nullptr) {
    if (node->is_string() && rng() % 2) {
      // Keep the type, damage the text (a schema string, a path, a number in a string).
      std::string s = node->get<std::string>();
      mutateBytes(s, rng, 0);
      *node = s;
    } else {
      *node = strangeValue(rng);
    }
  }
  lines[which] = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  text.clear();
  for (const auto& l : lines) text += l + "\n";
  return true;
}

std::string mutate(const std::string& original, Rng& rng, bool json, size_t tailBytes) {
  std::string b = original;
  const int n = 1 + static_cast<int>(rng() % 3);
  for (int k = 0; k < n; ++k) {
    if (json && rng() % 2 && mutateJson(b, rng)) continue;
    mutateBytes(b, rng, tailBytes);
  }
  return b;
}

// ----- outcomes

// Counts outcomes by error class and records failures (at most a few reported in full).
class Outcomes {
 public:
  explicit Outcomes(std::string name) : name_(std::move(name)) {}

  // Runs `read`: it must return, or throw a weir::Error other than InternalError whose message
  // names one of `names`. `input` is saved when it does not.
  void check(const std::function<void()>& read, const std::vector<std::string>& names, const std::string& context,
             const std::string& input, const std::string& analysisClass = "") {
    watchdog_.arm(context);
    try {
      read();
      ++counts_["ok"];
    } catch (const InternalError& e) {
      fail(context, input, std::string("an internal error: ") + e.what());
    } catch (const Error& e) {
      ++counts_[e.errorClass()];
      // A query's own analysis error (a damaged file renamed the column it selects) names no file.
      if (!analysisClass.empty() && e.errorClass().rfind(analysisClass, 0) == 0) return watchdog_.disarm();
      const bool named = std::any_of(names.begin(), names.end(),
                                     [&](const std::string& n) { return e.message().find(n) != std::string::npos; });
      if (!named) fail(context, input, std::string("an error that names no file: ") + e.what());
    } catch (const std::exception& e) {
      fail(context, input, std::string("a foreign exception ") + typeid(e).name() + ": " + e.what());
    }
    watchdog_.disarm();
  }

  int64_t count(const std::string& errorClass) const {
    auto it = counts_.find(errorClass);
    return it == counts_.end() ? 0 : it->second;
  }
  int64_t errors() const {
    int64_t n = 0;
    for (const auto& [k, v] : counts_) n += k == "ok" ? 0 : v;
    return n;
  }
  int failures() const { return failures_; }

  void print() const {
    std::string line = name_ + ":";
    for (const auto& [k, v] : counts_) line += " " + k + "=" + std::to_string(v);
    std::printf("%s\n", line.c_str());
  }

 private:
  void fail(const std::string& context, const std::string& input, const std::string& why) {
    ++failures_;
    if (failures_ > 10) return;
    const fs::path dir = fs::temp_directory_path() / "weir-fuzz-failures";
    fs::create_directories(dir);
    std::string file = context;
    for (auto& c : file) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') c = '_';
    }
    writeBytes((dir / file).string(), input);
    ADD_FAILURE() << context << ": " << why << " (input saved as " << (dir / file).string() << ")";
  }

  std::string name_;
  std::map<std::string, int64_t> counts_;
  int failures_ = 0;
  Watchdog watchdog_;
};

class FuzzTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { capAddressSpace(); }
  std::string path(const std::string& name) const { return dir_.path(name); }

  Session spark = Session::builder().appName("fuzz").master("local[2]").getOrCreate();
  testing::TestDirectory dir_{"weir-fuzz"};
  const int64_t seed_ = envInt("WEIR_FUZZ_SEED", 20250101);
};

// ----- Parquet

// Every type Weir writes, NULLs at each nesting level.
StructType allTypes() {
  return StructType::fromDDL(
      "b BOOLEAN, t TINYINT, sm SMALLINT, i INT, l BIGINT, f FLOAT, d DOUBLE, d9 DECIMAL(9,2), d18 DECIMAL(18,3), "
      "d30 DECIMAL(30,5), s STRING, bin BINARY, dt DATE, ts TIMESTAMP, ntz TIMESTAMP_NTZ, "
      "st STRUCT<a: INT, b: STRING, inner: STRUCT<x: BIGINT>>, arr ARRAY<STRING>, nested ARRAY<ARRAY<INT>>, "
      "m MAP<STRING, BIGINT>, sa ARRAY<STRUCT<k: STRING, v: DOUBLE>>");
}

std::vector<Row> allTypesRows(int n) {
  Rng rng(7);
  std::vector<Row> rows;
  auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
  auto maybe = [&](Value v) { return chance(15) ? Value::null() : v; };
  for (int r = 0; r < n; ++r) {
    std::vector<Value> arr, nested, kv, sa;
    for (int k = 0, len = static_cast<int>(rng() % 4); k < len; ++k) arr.push_back(maybe(Value::string("e" + std::to_string(rng() % 9))));
    for (int k = 0, len = static_cast<int>(rng() % 3); k < len; ++k) {
      std::vector<Value> inner;
      for (int j = 0, l2 = static_cast<int>(rng() % 3); j < l2; ++j) inner.push_back(maybe(Value::integer(static_cast<int32_t>(rng() % 1000))));
      nested.push_back(chance(15) ? Value::null() : Value::array(inner));
    }
    for (int k = 0, len = static_cast<int>(rng() % 3); k < len; ++k) {
      kv.push_back(Value::string("k" + std::to_string(k)));
      kv.push_back(maybe(Value::integer(static_cast<int64_t>(rng()))));
    }
    for (int k = 0, len = static_cast<int>(rng() % 3); k < len; ++k) {
      sa.push_back(maybe(Value::structOf({maybe(Value::string("v" + std::to_string(rng() % 5))), maybe(Value::real(r * 0.5))})));
    }
    rows.push_back(Row({maybe(Value::boolean(chance(50))), maybe(Value::integer(static_cast<int8_t>(rng()))),
                        maybe(Value::integer(static_cast<int16_t>(rng()))), maybe(Value::integer(static_cast<int32_t>(rng()))),
                        maybe(Value::integer(static_cast<int64_t>(rng()))), maybe(Value::floating(static_cast<float>(r) / 4)),
                        maybe(Value::real(static_cast<double>(r) / 3)),
                        maybe(Value::decimal(columnar::Decimal{static_cast<int64_t>(rng() % 2000000) - 1000000, 9, 2})),
                        maybe(Value::decimal(columnar::Decimal{static_cast<int64_t>(rng() % 2000000000) - 1000000000, 18, 3})),
                        maybe(Value::decimal(columnar::Decimal{(static_cast<columnar::int128_t>(rng()) << 20) * (chance(50) ? -1 : 1), 30, 5})),
                        maybe(Value::string(chance(60) ? "user-" + std::to_string(rng() % 5) : std::string(1 + rng() % 40, 'x'))),
                        maybe(Value::binary(std::string("\0\1", 2) + std::to_string(r % 4))),
                        maybe(Value::date(static_cast<int32_t>(rng() % 40000) - 10000)),
                        maybe(Value::timestamp(1735689600000000LL + static_cast<int64_t>(rng() % 100000000000))),
                        maybe(Value::timestampNtz(1735689600000000LL + static_cast<int64_t>(rng() % 100000000000))),
                        maybe(Value::structOf({maybe(Value::integer(r % 7)), maybe(Value::string("b" + std::to_string(r % 3))),
                                               maybe(Value::structOf({maybe(Value::integer(-r))}))})),
                        chance(15) ? Value::null() : Value::array(arr), chance(15) ? Value::null() : Value::array(nested),
                        chance(15) ? Value::null() : Value::map(kv), chance(15) ? Value::null() : Value::array(sa)}));
  }
  return rows;
}

struct SeedFile {
  std::string name;
  std::string bytes;
  std::vector<Row> rows;  // what it holds, when Weir wrote it
};

std::vector<SeedFile> parquetSeeds() {
  const StructType schema = allTypes();
  const std::vector<Row> rows = allTypesRows(60);
  std::vector<SeedFile> seeds;
  using formats::parquet::Codec;
  for (Codec codec : {Codec::kUncompressed, Codec::kSnappy, Codec::kGzip, Codec::kZstd, Codec::kLz4Raw}) {
    for (bool dictionary : {true, false}) {
      formats::parquet::WriterOptions options;
      options.codec = codec;
      options.dictionary = dictionary;
      options.pageBytes = 256;  // several pages per column chunk
      options.rowGroupBytes = 4096;  // and several row groups
      formats::parquet::FileWriter writer(schema.type(), options);
      writer.write(columnar::ColumnBatch::fromRows(schema.type(), rows));
      seeds.push_back({"codec" + std::to_string(static_cast<int>(codec)) + (dictionary ? "-dict" : "-plain"),
                       writer.finish(), rows});
    }
  }
  // Files Spark (parquet-mr) wrote: other layouts, statistics and encodings.
  const char* env = std::getenv("WEIR_TESTDATA");
  const fs::path dat = fs::path(env != nullptr ? env : WEIR_TESTDATA_DEFAULT) / "delta" / "dat";
  for (const char* table : {"nested_types", "all_primitive_types"}) {
    const fs::path dir = dat / table / "delta";
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (e.path().extension() == ".parquet") {
        seeds.push_back({std::string("dat-") + table, readFile(e.path().string()), {}});
        break;
      }
    }
  }
  return seeds;
}

TEST_F(FuzzTest, DamagedParquetFilesFailCleanly) {
  const auto seeds = parquetSeeds();
  ASSERT_GE(seeds.size(), 10u);
  const int64_t perSeed = envInt("WEIR_FUZZ_ITERATIONS", 300);
  Outcomes outcomes("parquet");
  const std::string file = path("damaged.parquet");
  for (size_t s = 0; s < seeds.size(); ++s) {
    const SeedFile& seed = seeds[s];
    // The undamaged file reads back exactly.
    writeBytes(file, seed.bytes);
    const auto original = spark.read().parquet(file).collect();
    if (!seed.rows.empty()) {
      ASSERT_EQ(original, seed.rows) << seed.name;
    } else {
      ASSERT_FALSE(original.empty()) << seed.name;
    }
    const std::string lastColumn = spark.read().parquet(file).schema().type()->fields().back().name;
    Rng rng(static_cast<uint64_t>(seed_) + s);
    const size_t footer = std::max<size_t>(64, seed.bytes.size() / 4);
    for (int64_t i = 0; i < perSeed; ++i) {
      const std::string damaged = mutate(seed.bytes, rng, false, footer);
      writeBytes(file, damaged);
      const std::string context = "parquet-" + seed.name + "-" + std::to_string(i);
      outcomes.check([&] { spark.read().parquet(file).collect(); }, {file}, context, damaged);
      // One column alone takes the path that decodes only the columns a query uses.
      if (i % 4 == 0) {
        outcomes.check([&] { spark.read().parquet(file).select(lastColumn.c_str()).collect(); }, {file},
                       context + "-" + lastColumn, damaged, "UNRESOLVED_COLUMN");
      }
    }
  }
  outcomes.print();
  EXPECT_EQ(outcomes.failures(), 0);
  // The mutations reach the decoder, not only the magic bytes.
  EXPECT_GT(outcomes.count("PARQUET_CORRUPT"), perSeed);
  EXPECT_GT(outcomes.count("ok"), 0);
}

// ----- Delta

// A table of 12 commits (a checkpoint at version 10), partitioned, and what it holds.
std::vector<Row> writeDeltaTable(Session& spark, const std::string& table) {
  const StructType schema = StructType::fromDDL("id BIGINT, name STRING, p STRING, st STRUCT<a: INT, tags: ARRAY<STRING>>");
  std::vector<Row> all;
  for (int v = 0; v < 12; ++v) {
    std::vector<Row> rows;
    for (int k = 0; k < 3; ++k) {
      const int64_t id = v * 10 + k;
      rows.push_back(Row({Value::integer(id), Value::string("n" + std::to_string(id)), Value::string(k % 2 ? "a" : "b"),
                          Value::structOf({Value::integer(k), Value::array({Value::string("t" + std::to_string(v))})})}));
    }
    spark.createDataFrame(rows, schema).write().format("delta").mode("append").partitionBy({"p"}).save(table);
    all.insert(all.end(), rows.begin(), rows.end());
  }
  return sorted(all);
}

TEST_F(FuzzTest, DamagedDeltaLogsFailCleanly) {
  const std::string table = path("table");
  const std::vector<Row> expected = writeDeltaTable(spark, table);
  const std::string log = table + "/_delta_log";
  ASSERT_TRUE(fs::exists(log + "/00000000000000000010.checkpoint.parquet"));
  ASSERT_TRUE(fs::exists(log + "/_last_checkpoint"));
  ASSERT_EQ(sorted(spark.read().format("delta").load(table).collect()), expected);
  std::vector<std::string> targets = {log + "/00000000000000000000.json", log + "/00000000000000000005.json",
                                      log + "/00000000000000000010.json", log + "/00000000000000000011.json",
                                      log + "/00000000000000000010.checkpoint.parquet", log + "/_last_checkpoint"};
  for (const auto& e : fs::recursive_directory_iterator(table)) {
    if (e.path().extension() == ".parquet" && e.path().string().find("_delta_log") == std::string::npos) {
      targets.push_back(e.path().string());  // one data file
      break;
    }
  }
  const int64_t perTarget = envInt("WEIR_FUZZ_ITERATIONS", 300);
  Outcomes outcomes("delta");
  for (size_t t = 0; t < targets.size(); ++t) {
    const std::string& target = targets[t];
    const std::string original = readFile(target);
    const bool json = target.find(".json") != std::string::npos || target.find("_last_checkpoint") != std::string::npos;
    const bool commit = target.size() > 5 && target.compare(target.size() - 5, 5, ".json") == 0;
    Rng rng(static_cast<uint64_t>(seed_) + 100 + t);
    for (int64_t i = 0; i < perTarget; ++i) {
      const std::string damaged = mutate(original, rng, json, json ? 0 : std::max<size_t>(64, original.size() / 4));
      writeBytes(target, damaged);
      const std::string context = "delta-" + fs::path(target).filename().string() + "-" + std::to_string(i);
      outcomes.check([&] { spark.read().format("delta").load(table).collect(); }, {table}, context, damaged);
      if (i % 4 == 0) {
        // Time travel to before the checkpoint replays JSON commits only.
        outcomes.check([&] { spark.read().format("delta").option("versionAsOf", "5").load(table).collect(); }, {table},
                       context + "-v5", damaged);
      }
      if (commit) {
        // The commit reader of the streaming source and the table commands.
        const int64_t version = std::stoll(fs::path(target).stem().string());
        outcomes.check([&] { formats::delta::readCommit(table, version); }, {table}, context + "-commit", damaged);
      }
    }
    writeBytes(target, original);
  }
  outcomes.print();
  EXPECT_EQ(outcomes.failures(), 0);
  EXPECT_GT(outcomes.count("DELTA_LOG_CORRUPT"), 0);
  EXPECT_GT(outcomes.count("PARQUET_CORRUPT"), 0);
  EXPECT_GT(outcomes.count("ok"), 0);
  // Restored, the table reads as written.
  EXPECT_EQ(sorted(spark.read().format("delta").load(table).collect()), expected);
}

// The acceptance table with a deletion vector in a file: the vector file and the commit that
// describes it (storage type, offset, size, cardinality) damaged.
TEST_F(FuzzTest, DamagedDeletionVectorsFailCleanly) {
  const char* env = std::getenv("WEIR_TESTDATA");
  const fs::path source = fs::path(env != nullptr ? env : WEIR_TESTDATA_DEFAULT) / "delta" / "dat" / "deletion_vectors" / "delta";
  ASSERT_TRUE(fs::is_directory(source)) << source;
  const std::string table = path("dv");
  fs::copy(source, table, fs::copy_options::recursive);
  const auto expected = sorted(spark.read().format("delta").load(table).collect());
  ASSERT_FALSE(expected.empty());
  std::vector<std::string> targets;
  for (const auto& e : fs::recursive_directory_iterator(table)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("deletion_vector_", 0) == 0 && e.path().extension() == ".bin") targets.push_back(e.path().string());
  }
  for (const auto& e : fs::directory_iterator(table + "/_delta_log")) {
    const std::string name = e.path().filename().string();
    if (name.size() == 25 && name.find("deletionVector") == std::string::npos &&
        readFile(e.path().string()).find("deletionVector") != std::string::npos) {
      targets.push_back(e.path().string());
    }
  }
  ASSERT_GE(targets.size(), 2u);
  const int64_t perTarget = envInt("WEIR_FUZZ_ITERATIONS", 300);
  Outcomes outcomes("deletion vectors");
  for (size_t t = 0; t < targets.size(); ++t) {
    const std::string original = readFile(targets[t]);
    const bool json = targets[t].size() > 5 && targets[t].compare(targets[t].size() - 5, 5, ".json") == 0;
    Rng rng(static_cast<uint64_t>(seed_) + 200 + t);
    for (int64_t i = 0; i < perTarget; ++i) {
      const std::string damaged = mutate(original, rng, json, 0);
      writeBytes(targets[t], damaged);
      outcomes.check([&] { spark.read().format("delta").load(table).collect(); }, {table},
                     "dv-" + fs::path(targets[t]).filename().string() + "-" + std::to_string(i), damaged);
    }
    writeBytes(targets[t], original);
  }
  outcomes.print();
  EXPECT_EQ(outcomes.failures(), 0);
  EXPECT_GT(outcomes.count("DELTA_DELETION_VECTOR_CORRUPT"), 0);
  EXPECT_EQ(sorted(spark.read().format("delta").load(table).collect()), expected);
}

}  // namespace
}  // namespace weir
