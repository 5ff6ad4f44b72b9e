// Tests of the JSON Lines reader and writer: files written into a fresh temporary directory, read
// back and compared row by row (and byte by byte for the writer) with what Spark 3.5 produces.
#include "weir/formats/json/json_format.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "weir/base/error.h"
#include "weir/formats/compressed_file.h"
#include "weir/formats/file_listing.h"

namespace weir::formats {
namespace {

namespace fs = std::filesystem;
using columnar::ColumnBatch;
using columnar::Row;
using columnar::Value;
using types::DataType;
using types::DataTypePtr;
using types::StructType;

constexpr const char* kGoldenSchema =
    "event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE";
constexpr const char* kGoldenEvent =
    R"({"event_id":"7b6f3c1e-2f4a-4c1b-9d3e-5a6b7c8d9e0f","user_id":"u12345",)"
    R"("event_time":"2025-01-01T00:00:00.000Z","action":"click","value":1.5})";

/// A fresh directory removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("weir_json_test_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

void writeText(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
}

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string gunzip(const std::string& compressed) {
  z_stream zs{};
  EXPECT_EQ(inflateInit2(&zs, 15 + 32), Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.data()));
  zs.avail_in = static_cast<uInt>(compressed.size());
  std::string out;
  char buf[4096];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
  } while (rc == Z_OK);
  inflateEnd(&zs);
  EXPECT_EQ(rc, Z_STREAM_END);
  return out;
}

std::string gzip(const std::string& text) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&zs, text.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

plan::Options opts(std::initializer_list<std::pair<std::string, std::string>> values) {
  plan::Options o;
  for (const auto& [k, v] : values) o.set(k, v);
  return o;
}

DataTypePtr ddl(const std::string& text) { return StructType::fromDDL(text).type(); }

std::vector<std::string> rowTexts(const plan::ScanSource& scan) {
  std::vector<std::string> out;
  for (const auto& partition : scan.read()) {
    for (const auto& batch : partition) {
      EXPECT_TRUE(batch.schema()->equals(*scan.schema()));
      for (const auto& r : batch.rows()) out.push_back(r.toString());
    }
  }
  return out;
}

std::vector<std::string> read(const std::string& path, const std::optional<DataTypePtr>& schema,
                              const plan::Options& options = {}) {
  return rowTexts(*makeJsonScan({path}, schema, options));
}

std::string inferred(const std::string& path, const plan::Options& options = {}) {
  return makeJsonScan({path}, std::nullopt, options)->schema()->toDDL();
}

using Strings = std::vector<std::string>;

}  // namespace

// Splits of a big file: for any split points, every line is read by exactly one split (the one its
// first byte falls in), whole, and the reused buffer is padded with spaces past the text. Lines
// are longer than the read-ahead step after a split's end in places.
TEST(LineRanges, EveryLineInExactlyOneSplitForAnySplitPoints) {
  TempDir dir;
  TextBuffer buffer;  // reused by every split, as a reading thread does
  auto check = [&](const std::string& name, bool longLines, const std::vector<uint64_t>& splitSizes) {
    std::mt19937 rng(7);
    std::string text;
    std::vector<std::string> lines;
    for (int i = 0; i < 300; ++i) {
      const size_t length = longLines && i % 100 == 7 ? (1 << 20) + 3 : rng() % 40;
      std::string line = std::to_string(i) + ":" + std::string(length, static_cast<char>('a' + i % 26));
      lines.push_back(line);
      text += line + "\n";
    }
    text += "last-without-newline";
    lines.push_back("last-without-newline");
    writeText(dir.file(name), text);
    TextBuffer whole;
    readFileInto(dir.file(name), whole, 8);
    EXPECT_EQ(whole.view(), text);
    EXPECT_EQ(std::string(whole.data() + whole.size(), 8), std::string(8, ' '));
    for (uint64_t splitSize : splitSizes) {
      std::vector<std::string> got;
      for (uint64_t start = 0; start < text.size(); start += splitSize) {
        const uint64_t end = std::min<uint64_t>(text.size(), start + splitSize);
        LineSpan span = readLineRangeInto(dir.file(name), start, end, buffer, 16);
        ASSERT_EQ(std::string(buffer.data() + buffer.size(), 16), std::string(16, ' '));
        std::string_view view = buffer.view().substr(span.begin);
        ASSERT_EQ(text.substr(span.fileOffset + span.begin, view.size()), view) << start;
        while (!view.empty()) {
          const size_t nl = view.find('\n');
          got.emplace_back(view.substr(0, nl));
          view = nl == std::string_view::npos ? std::string_view() : view.substr(nl + 1);
        }
      }
      EXPECT_EQ(got, lines) << name << ", split size " << splitSize;
    }
  };
  check("short.json", false, {1, 17, 4096});
  // Lines longer than the read-ahead step past a split's end (1 MiB).
  check("long.json", true, {4096, (1 << 20) - 1, 3 << 20});
  EXPECT_THROW(readFileInto(dir.file("missing.json"), buffer), IoError);
}

TEST(JsonScan, GoldenEventsWithSchema) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 3; ++i) text += std::string(kGoldenEvent) + "\n";
  writeText(dir.file("events.json"), text);
  auto scan = makeJsonScan({dir.file("events.json")}, ddl(kGoldenSchema), {});
  EXPECT_EQ(scan->describe(), "JsonScan [" + dir.file("events.json") + "]");
  EXPECT_EQ(
      rowTexts(*scan),
      Strings(3, "[7b6f3c1e-2f4a-4c1b-9d3e-5a6b7c8d9e0f,u12345,2025-01-01 00:00:00,click,1.5]"));
  auto parts = scan->read();
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0][0].column(2)->valueAt<int64_t>(0), 1735689600LL * 1000000);
}

TEST(JsonScan, BatchesOfAboutFourThousandRows) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 10000; ++i) {
    text += R"({"i":)" + std::to_string(i) + R"(,"s":"v)" + std::to_string(i % 10) + "\"}\n";
  }
  writeText(dir.file("many.json"), text);
  auto scan = makeJsonScan({dir.file("many.json")}, std::nullopt, {});
  EXPECT_EQ(scan->schema()->toDDL(), "i BIGINT,s STRING");
  auto parts = scan->read();
  ASSERT_EQ(parts.size(), 1u);
  ASSERT_EQ(parts[0].size(), 3u);
  EXPECT_EQ(parts[0][0].numRows(), 4096u);
  EXPECT_EQ(parts[0][2].numRows(), 10000u - 2 * 4096);
  EXPECT_EQ(parts[0][2].row(parts[0][2].numRows() - 1).toString(), "[9999,v9]");
}

TEST(JsonScan, InferredSchemaSortsAndWidens) {
  TempDir dir;
  writeText(
      dir.file("a.json"),
      R"({"b": 1, "a": "x", "n": null, "d": 1, "mix": 1, "o": {"z": 1, "y": [1, 2]}, "e": {}})"
      "\n"
      R"({"b": 2.5, "a": "y", "d": 9999999999, "mix": true, "o": {"y": [3.5], "w": "q"}, "arr": []})"
      "\n\n"
      R"({"big": 123456789012345678901234567890, "s": ""})"
      "\n");
  EXPECT_EQ(inferred(dir.file("a.json")),
            "a STRING,arr ARRAY<STRING>,b DOUBLE,big DECIMAL(30,0),d BIGINT,mix STRING,n STRING,"
            "o STRUCT<w: STRING, y: ARRAY<DOUBLE>, z: BIGINT>,s STRING");
  EXPECT_EQ(read(dir.file("a.json"), std::nullopt),
            (Strings{"[x,null,1.0,null,1,1,null,{null, [1.0, 2.0], 1},null]",
                     "[y,[],2.5,null,9999999999,true,null,{q, [3.5], null},null]",
                     "[null,null,null,123456789012345678901234567890,null,null,null,null,]"}));
}

TEST(JsonScan, InferenceOptions) {
  TempDir dir;
  writeText(dir.file("o.json"), R"({"i": 1, "f": 1.25, "t": true, "n": null, "s": "2.50"})"
                                "\n");
  EXPECT_EQ(inferred(dir.file("o.json"), {}), "f DOUBLE,i BIGINT,n STRING,s STRING,t BOOLEAN");
  EXPECT_EQ(inferred(dir.file("o.json"),
                     [] {
                       plan::Options o;
                       o.set("primitivesAsString", "true");
                       return o;
                     }()),
            "f STRING,i STRING,n STRING,s STRING,t STRING");
  EXPECT_EQ(inferred(dir.file("o.json"),
                     [] {
                       plan::Options o;
                       o.set("prefersDecimal", "true");
                       return o;
                     }()),
            "f DECIMAL(3,2),i BIGINT,n STRING,s DECIMAL(3,2),t BOOLEAN");
  EXPECT_EQ(inferred(dir.file("o.json"),
                     [] {
                       plan::Options o;
                       o.set("dropFieldIfAllNull", "true");
                       return o;
                     }()),
            "f DOUBLE,i BIGINT,s STRING,t BOOLEAN");
  writeText(dir.file("ts.json"), R"({"t": "2025-01-01T00:00:00Z", "u": "x"})"
                                 "\n");
  EXPECT_EQ(inferred(dir.file("ts.json"),
                     [] {
                       plan::Options o;
                       o.set("inferTimestamp", "true");
                       return o;
                     }()),
            "t TIMESTAMP,u STRING");
  EXPECT_EQ(inferred(dir.file("ts.json")), "t STRING,u STRING");
}

TEST(JsonScan, TopLevelArraysHoldRows) {
  TempDir dir;
  writeText(dir.file("arr.json"), "[{\"a\": 1}, {\"a\": 2, \"b\": \"x\"}]\n[]\n{\"a\": 3}\n");
  EXPECT_EQ(inferred(dir.file("arr.json")), "a BIGINT,b STRING");
  EXPECT_EQ(read(dir.file("arr.json"), std::nullopt), (Strings{"[1,null]", "[2,x]", "[3,null]"}));
}

TEST(JsonScan, MalformedLinesAndModes) {
  TempDir dir;
  std::string path = dir.file("bad.json");
  writeText(
      path,
      "{\"a\": 1, \"b\": \"x\"}\n{\"a\": oops}\n42\n{\"a\": \"str\", \"b\": \"y\"}\n{\"a\": 2\n");
  // Inference adds the corrupt-record column for the malformed lines; "str" widens a to string.
  EXPECT_EQ(inferred(path), "_corrupt_record STRING,a STRING,b STRING");
  EXPECT_EQ(read(path, std::nullopt),
            (Strings{"[null,1,x]", "[{\"a\": oops},null,null]", "[42,null,null]", "[null,str,y]",
                     "[{\"a\": 2,null,null]"}));
  // With a schema: PERMISSIVE keeps partial results and the record text.
  EXPECT_EQ(read(path, ddl("a INT, b STRING, _corrupt_record STRING")),
            (Strings{"[1,x,null]", "[null,null,{\"a\": oops}]", "[null,null,42]",
                     "[null,y,{\"a\": \"str\", \"b\": \"y\"}]", "[null,null,{\"a\": 2]"}));
  EXPECT_EQ(read(path, ddl("a INT, b STRING")),
            (Strings{"[1,x]", "[null,null]", "[null,null]", "[null,y]", "[null,null]"}));
  auto drop = opts({{"mode", "DROPMALFORMED"}});
  EXPECT_EQ(inferred(path, drop), "a STRING,b STRING");
  EXPECT_EQ(read(path, ddl("a INT, b STRING"), drop), Strings{"[1,x]"});
  auto failFast = opts({{"mode", "FAILFAST"}});
  try {
    read(path, ddl("a INT, b STRING"), failFast);
    FAIL() << "expected an error";
  } catch (const InvalidInputError& e) {
    EXPECT_EQ(e.errorClass(), "MALFORMED_RECORD_IN_PARSING");
    EXPECT_NE(std::string(e.what()).find("{\"a\": oops}"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  try {
    makeJsonScan({path}, std::nullopt, failFast);
    FAIL() << "expected an error";
  } catch (const InvalidInputError& e) {
    EXPECT_EQ(e.errorClass(), "MALFORMED_RECORD_IN_SCHEMA_INFERENCE");
  }
  // A renamed corrupt-record column.
  EXPECT_EQ(inferred(path, opts({{"columnNameOfCorruptRecord", "bad"}})),
            "a STRING,b STRING,bad STRING");
}

TEST(JsonScan, LineEndingsBlankLinesAndByteOrderMark) {
  TempDir dir;
  writeText(dir.file("crlf.json"), "\xEF\xBB\xBF{\"a\":1}\r\n\r\n  \n{\"a\":2}\r{\"a\":3}");
  EXPECT_EQ(read(dir.file("crlf.json"), ddl("a INT")), (Strings{"[1]", "[2]", "[3]"}));
  writeText(dir.file("sep.json"), "{\"a\":1}|{\"a\":2}|");
  EXPECT_EQ(read(dir.file("sep.json"), ddl("a INT"), opts({{"lineSep", "|"}})),
            (Strings{"[1]", "[2]"}));
}

TEST(JsonScan, LineEndsAnywhereInLongTextWithCarriageReturnsFarIn) {
  // Lines of 17 to 46 bytes (so that line ends fall at every place of the
  // 16-byte blocks the scan compares), ended by \n, then by \r\n and by a lone \r far into the text.
  TempDir dir;
  std::string text;
  Strings want;
  for (int i = 0; i < 300; ++i) {
    const std::string line = "{\"a\":" + std::to_string(i) + ",\"s\":\"" + std::string(static_cast<size_t>(i % 29), 'x') + "\"}";
    text += line;
    text += i < 200 ? "\n" : i % 2 == 0 ? "\r\n" : "\r";
    if (i % 7 == 0) text += "\n";  // a blank line now and then
    want.push_back("[" + std::to_string(i) + "]");
  }
  writeText(dir.file("long.json"), text);
  EXPECT_EQ(read(dir.file("long.json"), ddl("a INT")), want);
}

TEST(JsonScan, MultiLine) {
  TempDir dir;
  writeText(dir.file("pretty.json"), "[\n  {\"a\": 1,\n   \"b\": [1, 2]},\n  {\"a\": 2}\n]\n");
  auto multi = opts({{"multiLine", "true"}});
  EXPECT_EQ(inferred(dir.file("pretty.json"), multi), "a BIGINT,b ARRAY<BIGINT>");
  EXPECT_EQ(read(dir.file("pretty.json"), std::nullopt, multi),
            (Strings{"[1,[1, 2]]", "[2,null]"}));
  // Without multiLine every line is a record and most are malformed.
  EXPECT_EQ(inferred(dir.file("pretty.json")), "_corrupt_record STRING,a BIGINT");
}

TEST(JsonScan, DirectoriesGlobsAndEmptyInput) {
  TempDir dir;
  writeText(dir.file("d/part-1.json"), "{\"a\":1}\n");
  writeText(dir.file("d/part-2.json"), "{\"a\":2,\"b\":true}\n");
  writeText(dir.file("d/_SUCCESS"), "");
  writeText(dir.file("d/.hidden.json"), "{\"zzz\":1}\n");
  EXPECT_EQ(inferred(dir.file("d")), "a BIGINT,b BOOLEAN");
  EXPECT_EQ(read(dir.file("d"), std::nullopt), (Strings{"[1,null]", "[2,true]"}));
  EXPECT_EQ(read(dir.file("d/part-*.json"), ddl("a INT")), (Strings{"[1]", "[2]"}));
  writeText(dir.file("empty/part-0.json"), "");
  auto empty = makeJsonScan({dir.file("empty")}, std::nullopt, {});
  EXPECT_EQ(empty->schema()->fields().size(), 0u);
  EXPECT_TRUE(rowTexts(*empty).empty());
  fs::create_directories(dir.file("nothing"));
  EXPECT_THROW(makeJsonScan({dir.file("nothing")}, std::nullopt, {}), AnalysisError);
  EXPECT_THROW(makeJsonScan({dir.file("missing")}, std::nullopt, {}), AnalysisError);
}

TEST(JsonScan, DuplicateColumnsAndBadOptions) {
  TempDir dir;
  writeText(dir.file("dup.json"), "{\"a\":1,\"A\":2}\n");
  try {
    makeJsonScan({dir.file("dup.json")}, std::nullopt, {});
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "COLUMN_ALREADY_EXISTS");
  }
  EXPECT_THROW(makeJsonScan({dir.file("dup.json")}, ddl("a INT"), opts({{"encoding", "UTF-16"}})),
               UnsupportedOperationError);
  EXPECT_THROW(makeJsonScan({dir.file("dup.json")}, ddl("a INT"), opts({{"multiLine", "maybe"}})),
               InvalidInputError);
}

TEST(JsonScan, GzipInput) {
  TempDir dir;
  std::string text;
  for (int i = 0; i < 5; ++i) text += R"({"i":)" + std::to_string(i) + "}\n";
  writeText(dir.file("in.json.gz"), gzip(text));
  EXPECT_EQ(read(dir.file("in.json.gz"), std::nullopt),
            (Strings{"[0]", "[1]", "[2]", "[3]", "[4]"}));
  writeText(dir.file("broken.json.gz"), gzip(text).substr(0, 10));
  EXPECT_THROW(read(dir.file("broken.json.gz"), ddl("i INT")), CorruptionError);
}

TEST(JsonScan, LargeFilesSplitAtLineBoundaries) {
  TempDir dir;
  std::string path = dir.file("big.json");
  std::ofstream out(path, std::ios::binary);
  const size_t lines = 640000;
  std::string line;
  for (size_t i = 0; i < lines; ++i) {
    line = R"({"event_id":"e)" + std::to_string(i) +
           R"(","user_id":"u1","event_time":"2025-01-01T00:00:00.000Z","action":"click","value":)" +
           std::to_string(i) + "}\n";
    out << line;
  }
  out.close();
  ASSERT_GT(fs::file_size(path), 64ULL << 20);
  auto scan = makeJsonScan({path}, ddl(kGoldenSchema), {});
  auto parts = scan->read();
  ASSERT_EQ(parts.size(), 2u);
  size_t rows = 0;
  double sum = 0;
  for (const auto& p : parts) {
    for (const auto& b : p) {
      rows += b.numRows();
      for (size_t r = 0; r < b.numRows(); ++r) sum += b.column(4)->valueAt<double>(r);
    }
  }
  EXPECT_EQ(rows, lines);
  EXPECT_EQ(sum, static_cast<double>(lines) * (lines - 1) / 2);
  EXPECT_EQ(parts[1].back().row(parts[1].back().numRows() - 1).toString(),
            "[e639999,u1,2025-01-01 00:00:00,click,639999.0]");
}

// ----- writing

TEST(JsonWrite, PartFilesAndSuccess) {
  TempDir dir;
  auto schema =
      ddl("a INT, s STRING, t TIMESTAMP, d DATE, x DOUBLE, n STRUCT<p: BIGINT, q: ARRAY<STRING>>");
  auto batch = ColumnBatch::fromRows(
      schema, {Row({Value::integer(1), Value::string("he said \"hi\"\n"),
                    Value::timestamp(1735689600LL * 1000000), Value::date(20089), Value::real(0.1),
                    Value::structOf(
                        {Value::integer(7), Value::array({Value::string("a"), Value::null()})})}),
               Row({Value::null(), Value::null(), Value::null(), Value::null(), Value::null(),
                    Value::null()})});
  std::string out = dir.file("out");
  fs::create_directories(out);
  writeJsonFiles({{batch}, {}}, schema, out, {});
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(out)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0], "_SUCCESS");
  EXPECT_EQ(readText(out + "/_SUCCESS"), "");
  names.erase(names.begin());
  EXPECT_EQ(names[0].substr(0, 11), "part-00000-");
  EXPECT_EQ(names[0].substr(names[0].size() - 10), "-c000.json");
  EXPECT_EQ(names[1].substr(0, 11), "part-00001-");
  EXPECT_EQ(readText(out + "/" + names[0]),
            "{\"a\":1,\"s\":\"he said \\\"hi\\\"\\n\",\"t\":\"2025-01-01T00:00:00.000Z\","
            "\"d\":\"2025-01-01\",\"x\":0.1,\"n\":{\"p\":7,\"q\":[\"a\",null]}}\n{}\n");
  EXPECT_EQ(readText(out + "/" + names[1]), "");
  // Read back with the same schema: the same rows.
  EXPECT_EQ(read(out, schema),
            (Strings{"[1,he said \"hi\"\n,2025-01-01 00:00:00,2025-01-01,0.1,{7, [a, null]}]",
                     "[null,null,null,null,null,null]"}));
}

TEST(JsonWrite, Options) {
  TempDir dir;
  auto schema = ddl("a INT, t TIMESTAMP");
  auto batch = ColumnBatch::fromRows(
      schema, {Row({Value::null(), Value::timestamp(1735689600LL * 1000000)})});
  std::string out = dir.file("out");
  fs::create_directories(out);
  writeJsonFiles({{batch}}, schema, out,
                 opts({{"ignoreNullFields", "false"}, {"timestampFormat", "yyyy-MM-dd HH:mm"}}));
  for (const auto& e : fs::directory_iterator(out)) {
    if (e.path().filename() == "_SUCCESS") continue;
    EXPECT_EQ(readText(e.path().string()), "{\"a\":null,\"t\":\"2025-01-01 00:00\"}\n");
  }
  EXPECT_THROW(writeJsonFiles({{batch}}, schema, out, opts({{"compression", "zstd"}})),
               InvalidInputError);
}

TEST(JsonWrite, GzipRoundTrip) {
  TempDir dir;
  auto schema = ddl(kGoldenSchema);
  std::vector<Row> rows;
  for (int i = 0; i < 1000; ++i) {
    rows.push_back(
        Row({Value::string("e" + std::to_string(i)), Value::string("u" + std::to_string(i % 10)),
             Value::timestamp(1735689600LL * 1000000 + i * 1000LL), Value::string("click"),
             Value::real(i * 0.5)}));
  }
  auto batch = ColumnBatch::fromRows(schema, rows);
  std::string out = dir.file("gz");
  fs::create_directories(out);
  writeJsonFiles({{batch}}, schema, out, opts({{"compression", "gzip"}}));
  std::string part;
  for (const auto& e : fs::directory_iterator(out)) {
    if (e.path().filename() != "_SUCCESS") part = e.path().string();
  }
  ASSERT_EQ(part.substr(part.size() - 8), ".json.gz");
  std::string compressed = readText(part);
  ASSERT_GE(compressed.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(compressed[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(compressed[1]), 0x8b);
  std::string text = gunzip(compressed);
  EXPECT_EQ(
      text.substr(0, text.find('\n')),
      R"({"event_id":"e0","user_id":"u0","event_time":"2025-01-01T00:00:00.000Z","action":"click","value":0.0})");
  auto back = read(out, schema);
  ASSERT_EQ(back.size(), 1000u);
  EXPECT_EQ(back[999], "[e999,u9,2025-01-01 00:00:00.999,click,499.5]");
  EXPECT_EQ(inferred(out),
            "action STRING,event_id STRING,event_time STRING,user_id STRING,value DOUBLE");
}

}  // namespace weir::formats
