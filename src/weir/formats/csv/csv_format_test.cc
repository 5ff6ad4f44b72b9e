// Tests of the CSV reader and writer: files written into a fresh temporary directory, read back and
// compared row by row (and byte by byte for the writer) with what Spark 3.5 produces.
#include "weir/formats/csv/csv_format.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "weir/base/error.h"
#include "weir/base/time.h"

namespace weir::formats {
namespace {

namespace fs = std::filesystem;
using columnar::ColumnBatch;
using columnar::Row;
using columnar::Value;
using types::DataType;
using types::DataTypePtr;
using types::StructType;

/// A fresh directory removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() /
            ("weir_csv_test_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
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

plan::Options opts(std::initializer_list<std::pair<std::string, std::string>> values) {
  plan::Options o;
  for (const auto& [k, v] : values) o.set(k, v);
  return o;
}

DataTypePtr ddl(const std::string& text) { return StructType::fromDDL(text).type(); }

std::vector<Row> readRows(const plan::ScanSource& scan) {
  std::vector<Row> rows;
  for (const auto& partition : scan.read()) {
    for (const auto& batch : partition) {
      for (auto& r : batch.rows()) rows.push_back(std::move(r));
    }
  }
  return rows;
}

std::vector<std::string> rowTexts(const std::vector<Row>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.toString());
  return out;
}

std::vector<std::string> readTexts(const std::shared_ptr<const plan::ScanSource>& scan) {
  return rowTexts(readRows(*scan));
}

std::vector<std::string> dataFiles(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

int64_t micros(const std::string& text) { return *base::parseTimestamp(text); }

TEST(CsvRead, HeaderOnAndOff) {
  TempDir dir;
  writeText(dir.file("people.csv"), "name,age\nalice,30\nbob,25\n");
  auto withHeader = makeCsvScan({dir.file("people.csv")}, std::nullopt, opts({{"header", "true"}}));
  EXPECT_EQ(withHeader->schema()->simpleString(), "struct<name:string,age:string>");
  EXPECT_EQ(readTexts(withHeader), (std::vector<std::string>{"[alice,30]", "[bob,25]"}));

  auto without = makeCsvScan({dir.file("people.csv")}, std::nullopt, opts({}));
  EXPECT_EQ(without->schema()->simpleString(), "struct<_c0:string,_c1:string>");
  EXPECT_EQ(readTexts(without), (std::vector<std::string>{"[name,age]", "[alice,30]", "[bob,25]"}));
  EXPECT_EQ(without->describe(), "CsvScan [" + dir.file("people.csv") + "]");

  // A user schema names the columns; the header line of every file is skipped.
  writeText(dir.file("more.csv"), "name,age\ncarol,41\n");
  auto typed = makeCsvScan({dir.path()}, ddl("who STRING, years INT"), opts({{"header", "true"}}));
  EXPECT_EQ(readTexts(typed), (std::vector<std::string>{"[carol,41]", "[alice,30]", "[bob,25]"}));
  EXPECT_EQ(typed->read().size(), 2u);
}

TEST(CsvRead, HeaderNamesAreMadeSafe) {
  TempDir dir;
  writeText(dir.file("d.csv"), "a,b,A,,c\n1,2,3,4,5\n");
  auto scan = makeCsvScan({dir.file("d.csv")}, std::nullopt, opts({{"header", "true"}}));
  EXPECT_EQ(scan->schema()->simpleString(),
            "struct<a0:string,b:string,A2:string,_c3:string,c:string>");
  EXPECT_EQ(readTexts(scan), (std::vector<std::string>{"[1,2,3,4,5]"}));
}

TEST(CsvRead, QuotedFieldsWithSeparatorsAndEscapedQuotes) {
  TempDir dir;
  writeText(dir.file("q.csv"),
            "a,b,c\n"
            "\"x, y\",\"say \\\"hi\\\"\",\"doubled \"\"q\"\"\"\n"
            "plain\\text,\"back\\\\slash\",\"\"\n"
            "\"stray \"quote here,\"ok\"  ,end\n");
  auto scan = makeCsvScan({dir.file("q.csv")}, std::nullopt, opts({{"header", "true"}}));
  auto rows = readRows(*scan);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], Row({Value::string("x, y"), Value::string("say \"hi\""),
                          Value::string("doubled \"q\"")}));
  // Unquoted backslashes are literal; inside quotes \\ is one backslash; "" is the empty value
  // (null).
  EXPECT_EQ(rows[1],
            Row({Value::string("plain\\text"), Value::string("back\\slash"), Value::null()}));
  // A quote that does not close its value keeps the raw text up to the delimiter.
  EXPECT_EQ(rows[2], Row({Value::string("\"stray \"quote here"), Value::string("ok"),
                          Value::string("end")}));
}

TEST(CsvRead, CustomDelimiterQuoteAndEscape) {
  TempDir dir;
  writeText(dir.file("semi.csv"), "'x;y';'it#'s';z\n");
  auto semi = makeCsvScan({dir.file("semi.csv")}, std::nullopt,
                          opts({{"sep", ";"}, {"quote", "'"}, {"escape", "#"}}));
  EXPECT_EQ(
      readRows(*semi),
      (std::vector<Row>{Row({Value::string("x;y"), Value::string("it's"), Value::string("z")})}));

  writeText(dir.file("tab.tsv"), "a\tb c\t\"d\te\"\n");
  for (const std::string sep : {"\\t", "\t"}) {
    auto tab = makeCsvScan({dir.file("tab.tsv")}, std::nullopt, opts({{"delimiter", sep}}));
    EXPECT_EQ(readTexts(tab), (std::vector<std::string>{"[a,b c,d\te]"})) << sep;
  }

  writeText(dir.file("multi.csv"), "1||two|half||\"3||4\"\n");
  auto multi =
      makeCsvScan({dir.file("multi.csv")}, ddl("a INT, b STRING, c STRING"), opts({{"sep", "||"}}));
  EXPECT_EQ(readTexts(multi), (std::vector<std::string>{"[1,two|half,3||4]"}));

  // With the quote as its own escape, "" inside quotes is a quote.
  writeText(dir.file("rfc.csv"), "\"a\"\"b\",\"c\\d\"\n");
  auto rfc = makeCsvScan({dir.file("rfc.csv")}, std::nullopt, opts({{"escape", "\""}}));
  EXPECT_EQ(readTexts(rfc), (std::vector<std::string>{"[a\"b,c\\d]"}));

  writeText(dir.file("linesep.csv"), "a,b|c,\"d|e\"|");
  auto lineSep = makeCsvScan({dir.file("linesep.csv")}, std::nullopt, opts({{"lineSep", "|"}}));
  EXPECT_EQ(readTexts(lineSep), (std::vector<std::string>{"[a,b]", "[c,d]", "[e\",null]"}));

  writeText(dir.file("latin1.csv"), "caf\xE9,na\xEFve\n");
  auto latin1 =
      makeCsvScan({dir.file("latin1.csv")}, std::nullopt, opts({{"encoding", "ISO-8859-1"}}));
  EXPECT_EQ(readTexts(latin1), (std::vector<std::string>{"[caf\xC3\xA9,na\xC3\xAFve]"}));

  EXPECT_THROW(makeCsvScan({dir.file("rfc.csv")}, std::nullopt, opts({{"sep", ""}})),
               InvalidInputError);
  EXPECT_THROW(makeCsvScan({dir.file("rfc.csv")}, std::nullopt, opts({{"quote", "ab"}})),
               InvalidInputError);
}

TEST(CsvRead, MultiLineQuotedValues) {
  TempDir dir;
  writeText(dir.file("m.csv"), "id,text\n1,\"line1\nline2\"\n2,\"a\r\nb\",\n3,plain\n");
  auto multi = makeCsvScan({dir.file("m.csv")}, ddl("id INT, text STRING"),
                           opts({{"header", "true"}, {"multiLine", "true"}}));
  auto rows = readRows(*multi);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], Row({Value::integer(1), Value::string("line1\nline2")}));
  EXPECT_EQ(rows[1], Row({Value::integer(2), Value::string("a\nb")}));
  EXPECT_EQ(rows[2], Row({Value::integer(3), Value::string("plain")}));

  // Without multiLine every line is a record: the quoted value ends with its line.
  auto lines =
      makeCsvScan({dir.file("m.csv")}, ddl("id STRING, text STRING"), opts({{"header", "true"}}));
  EXPECT_EQ(readTexts(lines), (std::vector<std::string>{"[1,line1]", "[line2\",null]", "[2,a]",
                                                        "[b\",null]", "[3,plain]"}));
}

TEST(CsvRead, NullAndEmptyValues) {
  TempDir dir;
  writeText(dir.file("n.csv"), ",\"\",x\nNA,\"\",NA\n");
  auto byDefault = makeCsvScan({dir.file("n.csv")}, std::nullopt, opts({}));
  auto rows = readRows(*byDefault);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0], Row({Value::null(), Value::null(), Value::string("x")}));
  EXPECT_EQ(rows[1], Row({Value::string("NA"), Value::null(), Value::string("NA")}));

  auto na = makeCsvScan({dir.file("n.csv")}, std::nullopt, opts({{"nullValue", "NA"}}));
  rows = readRows(*na);
  EXPECT_EQ(rows[0], Row({Value::null(), Value::string(""), Value::string("x")}));
  EXPECT_EQ(rows[1], Row({Value::null(), Value::string(""), Value::null()}));

  auto empty = makeCsvScan({dir.file("n.csv")}, std::nullopt, opts({{"emptyValue", "EMPTY"}}));
  rows = readRows(*empty);
  EXPECT_EQ(rows[0], Row({Value::null(), Value::string("EMPTY"), Value::string("x")}));

  // The null value applies to every type, and special doubles have their own spellings.
  writeText(dir.file("typed.csv"), "-,NaN\n7,Inf\n8,-Inf\n9,nan\n");
  auto typed =
      makeCsvScan({dir.file("typed.csv")}, ddl("i INT, d DOUBLE"), opts({{"nullValue", "-"}}));
  rows = readRows(*typed);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_TRUE(rows[0].isNullAt(0));
  EXPECT_TRUE(std::isnan(rows[0].getDouble(1)));
  EXPECT_EQ(rows[1].getDouble(1), INFINITY);
  EXPECT_EQ(rows[2].getDouble(1), -INFINITY);
  EXPECT_TRUE(rows[3].isNullAt(1));  // "nan" is not a Java double
}

TEST(CsvRead, InferSchemaPicksTheNarrowestType) {
  TempDir dir;
  writeText(dir.file("t.csv"),
            "i,l,d,b,ts,dt,s,dec,mixed,empty,special\n"
            "1,3000000000,1.5,true,2024-01-02 03:04:05,2024-01-02,x,12345678901234567890,1,,NaN\n"
            "-2,-1,2,FALSE,2024-01-03T00:00:00Z,2024-02-29,7,1,2.5,,-Inf\n");
  auto scan = makeCsvScan({dir.file("t.csv")}, std::nullopt,
                          opts({{"header", "true"}, {"inferSchema", "true"}}));
  EXPECT_EQ(
      scan->schema()->simpleString(),
      "struct<i:int,l:bigint,d:double,b:boolean,ts:timestamp,dt:date,s:string,dec:decimal(20,0),"
      "mixed:double,empty:string,special:double>");
  auto rows = readRows(*scan);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(
      rows[0].toString(),
      "[1,3000000000,1.5,true,2024-01-02 03:04:05,2024-01-02,x,12345678901234567890,1.0,null,NaN]");
  EXPECT_EQ(rows[1].toString(),
            "[-2,-1,2.0,false,2024-01-03 00:00:00,2024-02-29,7,1,2.5,null,-Infinity]");
  EXPECT_EQ(rows[0].get(4), Value::timestamp(micros("2024-01-02 03:04:05")));
  EXPECT_EQ(rows[0].get(5), Value::date(*base::parseDate("2024-01-02")));
}

TEST(CsvRead, InferSchemaWidensAndFallsBackToString) {
  TempDir dir;
  writeText(dir.file("w.csv"),
            "int_bool,date_ts,int_long,nulls,custom_ts\n"
            "1,2024-01-01,5,NA,02/01/2024 10:30\n"
            "true,2024-01-01 10:00:00,99999999999,NA,31/12/2023 23:59\n");
  auto scan = makeCsvScan({dir.file("w.csv")}, std::nullopt,
                          opts({{"header", "true"},
                                {"inferSchema", "true"},
                                {"nullValue", "NA"},
                                {"timestampFormat", "dd/MM/yyyy HH:mm"}}));
  EXPECT_EQ(
      scan->schema()->simpleString(),
      "struct<int_bool:string,date_ts:string,int_long:bigint,nulls:string,custom_ts:timestamp>");
  auto rows = readRows(*scan);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].toString(), "[1,2024-01-01,5,null,2024-01-02 10:30:00]");
  EXPECT_EQ(rows[1].get(4), Value::timestamp(micros("2023-12-31 23:59:00")));

  // Types are merged over every file; lines equal to the header are not data.
  writeText(dir.file("x/a.csv"), "n\n1\n");
  writeText(dir.file("x/b.csv"), "n\n2.5\n");
  auto merged = makeCsvScan({dir.file("x")}, std::nullopt,
                            opts({{"header", "true"}, {"inferSchema", "true"}}));
  EXPECT_EQ(merged->schema()->simpleString(), "struct<n:double>");
  EXPECT_EQ(readTexts(merged), (std::vector<std::string>{"[1.0]", "[2.5]"}));
}

TEST(CsvRead, PermissiveModeKeepsMalformedRowsWithTheCorruptRecord) {
  TempDir dir;
  writeText(dir.file("bad.csv"), "1,a\noops,b\n3\n4,d,extra\n5,e\n");
  auto schema = ddl("id INT, name STRING, _corrupt_record STRING");
  auto scan = makeCsvScan({dir.file("bad.csv")}, schema, opts({}));
  EXPECT_EQ(readTexts(scan),
            (std::vector<std::string>{"[1,a,null]", "[null,b,oops,b]", "[3,null,3]",
                                      "[4,d,4,d,extra]", "[5,e,null]"}));

  // The corrupt record column may sit anywhere and be renamed.
  auto renamed = makeCsvScan({dir.file("bad.csv")}, ddl("bad STRING, id INT, name STRING"),
                             opts({{"columnNameOfCorruptRecord", "bad"}, {"mode", "permissive"}}));
  EXPECT_EQ(readTexts(renamed)[1], "[oops,b,null,b]");

  auto plain = makeCsvScan({dir.file("bad.csv")}, ddl("id INT, name STRING"), opts({}));
  EXPECT_EQ(readTexts(plain),
            (std::vector<std::string>{"[1,a]", "[null,b]", "[3,null]", "[4,d]", "[5,e]"}));

  EXPECT_THROW(makeCsvScan({dir.file("bad.csv")}, ddl("id INT, _corrupt_record INT"), opts({})),
               AnalysisError);
}

TEST(CsvRead, DropMalformedModeDropsBadRows) {
  TempDir dir;
  writeText(dir.file("bad.csv"), "1,a\noops,b\n3\n4,d,extra\n5,e\n");
  auto scan = makeCsvScan({dir.file("bad.csv")}, ddl("id INT, name STRING, _corrupt_record STRING"),
                          opts({{"mode", "DROPMALFORMED"}}));
  EXPECT_EQ(readTexts(scan), (std::vector<std::string>{"[1,a,null]", "[5,e,null]"}));
}

TEST(CsvRead, FailFastModeNamesFileLineAndRecord) {
  TempDir dir;
  writeText(dir.file("bad.csv"), "id,name\n1,a\n\n# note\noops,b\n");
  auto scan = makeCsvScan({dir.file("bad.csv")}, ddl("id INT, name STRING"),
                          opts({{"mode", "FAILFAST"}, {"header", "true"}, {"comment", "#"}}));
  try {
    scan->read();
    FAIL() << "expected a malformed record error";
  } catch (const InvalidInputError& e) {
    EXPECT_EQ(e.errorClass(), "MALFORMED_RECORD_IN_PARSING");
    std::string m = e.message();
    EXPECT_NE(m.find(dir.file("bad.csv")), std::string::npos) << m;
    EXPECT_NE(m.find("line 5"), std::string::npos) << m;
    EXPECT_NE(m.find("oops,b"), std::string::npos) << m;
    EXPECT_NE(m.find("as INT for column `id`"), std::string::npos) << m;
    EXPECT_NE(m.find("FAILFAST"), std::string::npos) << m;
  }

  writeText(dir.file("short.csv"), "1,a\n2\n");
  auto shortRows = makeCsvScan({dir.file("short.csv")}, ddl("id INT, name STRING"),
                               opts({{"mode", "failfast"}}));
  try {
    shortRows->read();
    FAIL() << "expected a malformed record error";
  } catch (const InvalidInputError& e) {
    EXPECT_NE(e.message().find("line 2: 2 (expected 2 fields but found 1)"), std::string::npos)
        << e.message();
  }
}

TEST(CsvRead, ConvertsDecimalsDatesAndTimestampsWithFormats) {
  TempDir dir;
  writeText(dir.file("v.csv"),
            "\"1,234.50\",31/01/2024,2024/01/31 08:15,1.005\n"
            "-0.004,29/02/2024,2024/02/29 23:59,123456789.1\n");
  auto scan =
      makeCsvScan({dir.file("v.csv")}, ddl("a DECIMAL(10,2), d DATE, t TIMESTAMP, r DECIMAL(5,2)"),
                  opts({{"dateFormat", "dd/MM/yyyy"}, {"timestampFormat", "yyyy/MM/dd HH:mm"}}));
  auto rows = readRows(*scan);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].toString(), "[1234.50,2024-01-31,2024-01-31 08:15:00,1.01]");
  // Too many digits for DECIMAL(5,2): null in PERMISSIVE mode.
  EXPECT_EQ(rows[1].toString(), "[0.00,2024-02-29,2024-02-29 23:59:00,null]");
  EXPECT_EQ(rows[0].get(2), Value::timestamp(micros("2024-01-31 08:15:00")));
}

TEST(CsvRead, TimestampFormatWithOptionalSections) {
  TempDir dir;
  writeText(
      dir.file("t.csv"),
      "2024-01-01T10:00:00Z\n2024-01-01T10:00:00.123+02:00\n2024-01-01T10:00:00\n2024-01-01\n");
  auto scan = makeCsvScan({dir.file("t.csv")}, ddl("t TIMESTAMP"),
                          opts({{"timestampFormat", "yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]"}}));
  auto rows = readRows(*scan);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].get(0), Value::timestamp(micros("2024-01-01 10:00:00")));
  EXPECT_EQ(rows[1].get(0), Value::timestamp(micros("2024-01-01 08:00:00.123")));
  EXPECT_EQ(rows[2].get(0), Value::timestamp(micros("2024-01-01 10:00:00")));
  // With a custom format there is no fallback to the cast's lenient parsing.
  EXPECT_TRUE(rows[3].isNullAt(0));
}

TEST(CsvRead, CommentsBlankLinesAndWhitespace) {
  TempDir dir;
  writeText(dir.file("c.csv"), "# comment\na,b\n   \n\n x , \"y\" \r\nlast,row");
  auto kept = makeCsvScan({dir.file("c.csv")}, std::nullopt, opts({{"comment", "#"}}));
  EXPECT_EQ(readTexts(kept), (std::vector<std::string>{"[a,b]", "[ x , \"y\" ]", "[last,row]"}));
  auto trimmed = makeCsvScan({dir.file("c.csv")}, std::nullopt,
                             opts({{"comment", "#"},
                                   {"ignoreLeadingWhiteSpace", "true"},
                                   {"ignoreTrailingWhiteSpace", "true"}}));
  EXPECT_EQ(readTexts(trimmed), (std::vector<std::string>{"[a,b]", "[x,y]", "[last,row]"}));
  // Without the comment option '#' is data.
  auto noComment = makeCsvScan({dir.file("c.csv")}, std::nullopt, opts({}));
  EXPECT_EQ(readTexts(noComment)[0], "[# comment]");
}

TEST(CsvRead, EnforceSchemaFalseChecksTheHeader) {
  TempDir dir;
  writeText(dir.file("h.csv"), "ID,Name\n1,a\n");
  auto ok = makeCsvScan({dir.file("h.csv")}, ddl("id INT, name STRING"),
                        opts({{"header", "true"}, {"enforceSchema", "false"}}));
  EXPECT_EQ(readTexts(ok), (std::vector<std::string>{"[1,a]"}));
  auto bad = makeCsvScan({dir.file("h.csv")}, ddl("id INT, label STRING"),
                         opts({{"header", "true"}, {"enforceSchema", "false"}}));
  try {
    bad->read();
    FAIL() << "expected a header mismatch";
  } catch (const InvalidInputError& e) {
    EXPECT_NE(e.message().find("Expected: label but found: Name"), std::string::npos)
        << e.message();
    EXPECT_NE(e.message().find(dir.file("h.csv")), std::string::npos);
  }
  auto enforced =
      makeCsvScan({dir.file("h.csv")}, ddl("id INT, label STRING"), opts({{"header", "true"}}));
  EXPECT_EQ(readTexts(enforced), (std::vector<std::string>{"[1,a]"}));
}

TEST(CsvRead, EmptyFilesAndMissingOrUnreadablePaths) {
  TempDir dir;
  writeText(dir.file("empty.csv"), "");
  auto typed = makeCsvScan({dir.file("empty.csv")}, ddl("a INT"), opts({}));
  EXPECT_TRUE(readRows(*typed).empty());
  auto inferred =
      makeCsvScan({dir.file("empty.csv")}, std::nullopt, opts({{"inferSchema", "true"}}));
  EXPECT_EQ(inferred->schema()->simpleString(), "struct<>");
  EXPECT_TRUE(readRows(*inferred).empty());

  writeText(dir.file("header_only.csv"), "a,b\n");
  auto headerOnly =
      makeCsvScan({dir.file("header_only.csv")}, std::nullopt, opts({{"header", "true"}}));
  EXPECT_EQ(headerOnly->schema()->simpleString(), "struct<a:string,b:string>");
  EXPECT_TRUE(readRows(*headerOnly).empty());

  try {
    makeCsvScan({dir.file("nope.csv")}, std::nullopt, opts({}));
    FAIL() << "expected PATH_NOT_FOUND";
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "PATH_NOT_FOUND");
  }

  writeText(dir.file("gone.csv"), "1\n");
  auto gone = makeCsvScan({dir.file("gone.csv")}, ddl("a INT"), opts({}));
  fs::remove(dir.file("gone.csv"));
  try {
    gone->read();
    FAIL() << "expected an IoError";
  } catch (const IoError& e) {
    EXPECT_NE(e.message().find(dir.file("gone.csv")), std::string::npos) << e.message();
  }

  fs::create_directories(dir.file("hidden_only"));
  writeText(dir.file("hidden_only/_SUCCESS"), "");
  EXPECT_THROW(makeCsvScan({dir.file("hidden_only")}, std::nullopt, opts({})), AnalysisError);
  EXPECT_THROW(makeCsvScan({dir.file("empty.csv")}, ddl("a ARRAY<INT>"), opts({})), AnalysisError);
}

TEST(CsvRead, GzipFilesAreDecompressed) {
  TempDir dir;
  std::string text = "a,b\n1,x\n2,y\n";
  std::string path = dir.file("data.csv.gz");
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
  gzclose(gz);
  auto scan =
      makeCsvScan({path}, std::nullopt, opts({{"header", "true"}, {"inferSchema", "true"}}));
  EXPECT_EQ(scan->schema()->simpleString(), "struct<a:int,b:string>");
  EXPECT_EQ(readTexts(scan), (std::vector<std::string>{"[1,x]", "[2,y]"}));

  writeText(dir.file("broken.csv.gz"), "not gzip at all");
  auto broken = makeCsvScan({dir.file("broken.csv.gz")}, ddl("a STRING"), opts({}));
  EXPECT_THROW(broken->read(), CorruptionError);
}

TEST(CsvRead, LargeFilesAreSplitAtLineBoundaries) {
  TempDir dir;
  std::string text = "id,payload\n";
  const std::string padding(90, 'p');
  int64_t expectedSum = 0, rows = 0;
  while (text.size() < (66u << 20)) {
    text += std::to_string(rows) + "," + padding + "\n";
    expectedSum += rows++;
  }
  writeText(dir.file("big.csv"), text);
  auto scan = makeCsvScan({dir.file("big.csv")}, ddl("id BIGINT, payload STRING"),
                          opts({{"header", "true"}, {"mode", "FAILFAST"}}));
  auto partitions = scan->read();
  ASSERT_EQ(partitions.size(), 2u);
  int64_t sum = 0, count = 0;
  for (const auto& partition : partitions) {
    for (const auto& batch : partition) {
      EXPECT_LE(batch.numRows(), columnar::kDefaultBatchRows);
      const auto& ids = *batch.column(0);
      for (size_t i = 0; i < batch.numRows(); ++i) sum += ids.valueAt<int64_t>(i);
      count += static_cast<int64_t>(batch.numRows());
    }
  }
  EXPECT_EQ(count, rows);
  EXPECT_EQ(sum, expectedSum);
}

// ----- writer

ColumnBatch batchOf(const DataTypePtr& schema, std::vector<Row> rows) {
  return ColumnBatch::fromRows(schema, rows);
}

std::string onlyPartFile(const std::string& dir) {
  std::string found;
  for (const auto& name : dataFiles(dir)) {
    if (name.rfind("part-", 0) == 0) {
      EXPECT_TRUE(found.empty()) << "several part files";
      found = (fs::path(dir) / name).string();
    }
  }
  return found;
}

TEST(CsvWrite, QuotesAndEscapesAsSpark) {
  TempDir dir;
  auto schema = ddl("s STRING, i INT, d DOUBLE, ts TIMESTAMP, dt DATE");
  int64_t ts = micros("2024-01-02 03:04:05.678");
  int32_t dt = *base::parseDate("2024-01-02");
  auto batch = batchOf(
      schema,
      {
          Row({Value::string("plain"), Value::integer(1), Value::real(1.0), Value::timestamp(ts),
               Value::date(dt)}),
          Row({Value::string("a,b"), Value::null(), Value::real(1e20), Value::null(),
               Value::null()}),
          Row({Value::string("say \"hi\""), Value::integer(-5), Value::real(NAN), Value::null(),
               Value::null()}),
          Row({Value::string(""), Value::integer(0), Value::real(0.5), Value::null(),
               Value::null()}),
          Row({Value::string("  padded  "), Value::integer(2), Value::null(), Value::null(),
               Value::null()}),
          Row({Value::string("#hash"), Value::integer(3), Value::null(), Value::null(),
               Value::null()}),
          Row({Value::null(), Value::integer(4), Value::null(), Value::null(), Value::null()}),
          Row({Value::string("two\nlines"), Value::integer(5), Value::null(), Value::null(),
               Value::null()}),
          Row({Value::string("back\\slash, comma"), Value::integer(6), Value::null(), Value::null(),
               Value::null()}),
      });
  writeCsvFiles({{batch}}, schema, dir.path(), opts({{"header", "true"}}));
  EXPECT_EQ(readText(onlyPartFile(dir.path())),
            "s,i,d,ts,dt\n"
            "plain,1,1.0,2024-01-02T03:04:05.678Z,2024-01-02\n"
            "\"a,b\",,1.0E20,,\n"
            "\"say \\\"hi\\\"\",-5,NaN,,\n"
            "\"\",0,0.5,,\n"
            "padded,2,,,\n"
            "\"#hash\",3,,,\n"
            ",4,,,\n"
            "\"two\nlines\",5,,,\n"
            "\"back\\\\slash, comma\",6,,,\n");
  EXPECT_TRUE(fs::exists(dir.file("_SUCCESS")));
  EXPECT_EQ(fs::file_size(dir.file("_SUCCESS")), 0u);
}

TEST(CsvWrite, WriterOptions) {
  auto schema = ddl("s STRING, n INT, dt DATE");
  auto batch = batchOf(schema, {Row({Value::string("say \"hi\""), Value::null(), Value::date(0)}),
                                Row({Value::string(""), Value::integer(1), Value::null()})});
  {
    TempDir dir;
    writeCsvFiles({{batch}}, schema, dir.path(), opts({{"quoteAll", "true"}}));
    EXPECT_EQ(readText(onlyPartFile(dir.path())),
              "\"say \\\"hi\\\"\",\"\",\"1970-01-01\"\n\"\",\"1\",\"\"\n");
  }
  {
    TempDir dir;
    writeCsvFiles({{batch}}, schema, dir.path(),
                  opts({{"escapeQuotes", "false"},
                        {"nullValue", "NULL"},
                        {"emptyValue", "EMPTY"},
                        {"sep", ";"},
                        {"dateFormat", "dd/MM/yyyy"}}));
    EXPECT_EQ(readText(onlyPartFile(dir.path())), "say \"hi\";NULL;01/01/1970\nEMPTY;1;NULL\n");
  }
  {
    TempDir dir;
    writeCsvFiles({{batch}}, schema, dir.path(),
                  opts({{"quote", "'"}, {"escape", "'"}, {"sep", "\\t"}}));
    EXPECT_EQ(readText(onlyPartFile(dir.path())), "say \"hi\"\t\t1970-01-01\n\"\"\t1\t\n");
  }
  {
    // Spark trims values by default; with trimming off, spaces are kept and do not cause quoting.
    TempDir dir;
    auto padded =
        batchOf(ddl("s STRING"), {Row({Value::string("  a b  ")}), Row({Value::string("   ")})});
    writeCsvFiles(
        {{padded}}, ddl("s STRING"), dir.path(),
        opts({{"ignoreLeadingWhiteSpace", "false"}, {"ignoreTrailingWhiteSpace", "false"}}));
    EXPECT_EQ(readText(onlyPartFile(dir.path())), "  a b  \n   \n");
  }
  {
    TempDir dir;
    EXPECT_THROW(writeCsvFiles({{batch}}, schema, dir.path(), opts({{"compression", "lzma"}})),
                 InvalidInputError);
  }
}

TEST(CsvWrite, NestedTypesAreRejected) {
  TempDir dir;
  auto schema = ddl("id INT, tags ARRAY<STRING>");
  try {
    writeCsvFiles({}, schema, dir.path(), opts({}));
    FAIL() << "expected UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE";
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE");
    EXPECT_NE(e.message().find("`tags`"), std::string::npos) << e.message();
  }
  EXPECT_TRUE(dataFiles(dir.path()).empty());
}

TEST(CsvWrite, RoundTripThroughTheReader) {
  auto schema = ddl(
      "b BOOLEAN, i INT, l BIGINT, d DOUBLE, dec DECIMAL(10,2), s STRING, dt DATE, ts TIMESTAMP");
  auto decimal = [](int64_t unscaled) {
    return Value::decimal(columnar::Decimal{unscaled, 10, 2});
  };
  std::vector<Row> first = {
      Row({Value::boolean(true), Value::integer(1), Value::integer(10000000000), Value::real(1.25),
           decimal(1234), Value::string("a,b \"quoted\" back\\slash"), Value::date(19000),
           Value::timestamp(micros("2024-05-06 07:08:09.123"))}),
      Row({Value::null(), Value::null(), Value::null(), Value::null(), Value::null(), Value::null(),
           Value::null(), Value::null()}),
  };
  std::vector<Row> second = {
      Row({Value::boolean(false), Value::integer(-7), Value::integer(-1), Value::real(-0.001),
           decimal(-5), Value::string("multi\nline"), Value::date(-1), Value::timestamp(0)}),
      Row({Value::boolean(true), Value::integer(0), Value::integer(0), Value::real(1e300),
           decimal(0), Value::string("plain"), Value::date(0), Value::timestamp(1000)}),
  };
  // The default timestampFormat keeps milliseconds, so the timestamps above have no microseconds.
  plan::Partitions data = {{batchOf(schema, first)}, {batchOf(schema, second)}};
  for (const std::string codec : {"none", "gzip"}) {
    TempDir dir;
    writeCsvFiles(data, schema, dir.path(), opts({{"header", "true"}, {"compression", codec}}));
    auto names = dataFiles(dir.path());
    ASSERT_EQ(names.size(), 3u);
    EXPECT_EQ(names[0], "_SUCCESS");
    std::string ext = codec == "gzip" ? ".csv.gz" : ".csv";
    for (size_t i = 0; i < 2; ++i) {
      const std::string& name = names[i + 1];
      EXPECT_EQ(name.rfind("part-0000" + std::to_string(i) + "-", 0), 0u) << name;
      EXPECT_EQ(name.substr(name.size() - ext.size()), ext) << name;
    }
    auto scan =
        makeCsvScan({dir.path()}, schema, opts({{"header", "true"}, {"multiLine", "true"}}));
    std::vector<Row> expected = first;
    expected.insert(expected.end(), second.begin(), second.end());
    auto back = readRows(*scan);
    EXPECT_EQ(rowTexts(back), rowTexts(expected)) << codec;
    EXPECT_EQ(back, expected) << codec;

    auto inferred =
        makeCsvScan({dir.path()}, std::nullopt,
                    opts({{"header", "true"}, {"multiLine", "true"}, {"inferSchema", "true"}}));
    EXPECT_EQ(inferred->schema()->simpleString(),
              "struct<b:boolean,i:int,l:bigint,d:double,dec:double,s:string,dt:date,ts:timestamp>");
    auto rows = readRows(*inferred);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0].toString(),
              "[true,1,10000000000,1.25,12.34,a,b \"quoted\" back\\slash,2022-01-08,2024-05-06 "
              "07:08:09.123]");
  }
}

TEST(CsvWrite, RandomStringsRoundTrip) {
  // Whatever the writer quotes and escapes, the reader must give back (with multiLine, no trimming
  // and a null value that cannot occur). Inside quotes the reader turns \r\n into \n. The default
  // emptyValue is "" whatever the quote, as in Spark, so it is set to match the quote.
  std::mt19937 rng(7);
  const std::string alphabet = "ab ,\"\\\n\r#\t;'x";
  auto schema = ddl("id INT, s STRING, t STRING");
  std::vector<Row> rows;
  for (int i = 0; i < 400; ++i) {
    std::vector<Value> values = {Value::integer(i)};
    for (int c = 0; c < 2; ++c) {
      if (rng() % 10 == 0) {
        values.push_back(Value::null());
        continue;
      }
      std::string text;
      for (size_t n = rng() % 8; n > 0; --n) text += alphabet[rng() % alphabet.size()];
      values.push_back(Value::string(text));
    }
    rows.emplace_back(std::move(values));
  }
  for (const std::string quote : {"\"", "'"}) {
    TempDir dir;
    auto writeOptions = opts({{"ignoreLeadingWhiteSpace", "false"},
                              {"ignoreTrailingWhiteSpace", "false"},
                              {"nullValue", "NULL"},
                              {"quote", quote},
                              {"emptyValue", quote + quote}});
    writeCsvFiles({{batchOf(schema, rows)}}, schema, dir.path(), writeOptions);
    auto scan = makeCsvScan({dir.path()}, schema,
                            opts({{"multiLine", "true"},
                                  {"nullValue", "NULL"},
                                  {"quote", quote},
                                  {"mode", "FAILFAST"}}));
    auto back = readRows(*scan);
    ASSERT_EQ(back.size(), rows.size()) << quote;
    for (size_t i = 0; i < rows.size(); ++i) {
      for (size_t c = 1; c < 3; ++c) {
        const Value& v = rows[i][c];
        if (v.isNull()) {
          EXPECT_TRUE(back[i].isNullAt(c)) << i;
          continue;
        }
        std::string expected = v.asString();
        for (size_t p; (p = expected.find("\r\n")) != std::string::npos;)
          expected.replace(p, 2, "\n");
        ASSERT_FALSE(back[i].isNullAt(c)) << i;
        EXPECT_EQ(back[i].getString(c), expected) << "row " << i << " quote " << quote;
      }
    }
  }
}

TEST(CsvRead, ArbitraryBytesNeverCrash) {
  std::mt19937 rng(11);
  const std::string alphabet = "1a,\"\\\n\r #;\t\xC3";
  TempDir dir;
  for (int round = 0; round < 200; ++round) {
    std::string text;
    for (size_t n = rng() % 200; n > 0; --n) text += alphabet[rng() % alphabet.size()];
    writeText(dir.file("f.csv"), text);
    for (bool multiLine : {false, true}) {
      auto options = opts({{"multiLine", multiLine ? "true" : "false"},
                           {"header", round % 2 ? "true" : "false"},
                           {"comment", "#"},
                           {"inferSchema", "true"}});
      auto inferred = makeCsvScan({dir.file("f.csv")}, std::nullopt, options);
      size_t rows = readRows(*inferred).size();
      auto typed =
          makeCsvScan({dir.file("f.csv")}, ddl("a INT, b STRING, _corrupt_record STRING"), options);
      auto typedRows = readRows(*typed);
      for (const auto& r : typedRows) EXPECT_EQ(r.size(), 3u);
      // Without multiLine a record never spans a line break.
      auto lineBreaks =
          std::count(text.begin(), text.end(), '\n') + std::count(text.begin(), text.end(), '\r');
      EXPECT_LE(typedRows.size(), static_cast<size_t>(lineBreaks) + 1);
      if (!multiLine) {
        EXPECT_LE(rows, static_cast<size_t>(lineBreaks) + 1);
      }
    }
  }
}

}  // namespace
}  // namespace weir::formats
