// Tests of from_json, to_json, get_json_object and json_tuple against Spark 3.5's results,
// including malformed input, parse modes and the iterate_many recovery paths.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "weir/base/error.h"
#include "weir/expr/binder.h"
#include "weir/expr/evaluator.h"
#include "weir/expr/json_reader.h"

namespace weir::expr {
namespace {

using columnar::ColumnBatch;
using columnar::Row;
using columnar::Value;
using types::DataType;
using types::StructType;

constexpr const char* kGoldenSchema =
    "event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE";
constexpr const char* kGoldenEvent =
    R"({"event_id":"7b6f3c1e-2f4a-4c1b-9d3e-5a6b7c8d9e0f","user_id":"u12345",)"
    R"("event_time":"2025-01-01T00:00:00.000Z","action":"click","value":1.5})";

ColumnBatch textBatch(const std::vector<std::optional<std::string>>& values) {
  std::vector<Row> rows;
  for (const auto& v : values) rows.push_back(Row({v ? Value::string(*v) : Value::null()}));
  return ColumnBatch::fromRows(StructType::fromDDL("j STRING").type(), rows);
}

std::vector<std::string> eval(const ExprPtr& e, const ColumnBatch& batch) {
  Binder binder(batch.schema());
  auto bound = binder.bind(e);
  EvalContext ctx;
  auto v = evaluate(*bound, batch, ctx);
  std::vector<std::string> out;
  for (size_t i = 0; i < v->size(); ++i) out.push_back(v->toString(i));
  return out;
}

ExprPtr fromJson(const std::string& type, std::map<std::string, std::string> options = {}) {
  auto t = type.find(':') != std::string::npos || type.find(' ') != std::string::npos
               ? (type.rfind("ARRAY", 0) == 0 || type.rfind("MAP", 0) == 0
                      ? DataType::fromDDL(type)
                      : StructType::fromDDL(type).type())
               : DataType::fromDDL(type);
  return callWithOptions("from_json", {column("j")}, std::move(options), t, "from_json(j)");
}

std::vector<std::string> parse(const std::string& type,
                               const std::vector<std::optional<std::string>>& in,
                               std::map<std::string, std::string> options = {}) {
  return eval(fromJson(type, std::move(options)), textBatch(in));
}

ExprPtr lit(const std::string& s) { return literal(Value::string(s), DataType::string()); }

std::vector<std::string> getJson(const std::vector<std::optional<std::string>>& in,
                                 const std::string& path) {
  return eval(call("get_json_object", {column("j"), lit(path)}), textBatch(in));
}

using Strings = std::vector<std::string>;

}  // namespace

// ----- from_json

TEST(FromJson, GoldenEvent) {
  EXPECT_EQ(
      parse(kGoldenSchema, {kGoldenEvent}),
      Strings{"{7b6f3c1e-2f4a-4c1b-9d3e-5a6b7c8d9e0f, u12345, 2025-01-01 00:00:00, click, 1.5}"});
  // The timestamp is the epoch microsecond value Spark stores.
  Binder binder(textBatch({}).schema());
  auto bound = binder.bind(fromJson(kGoldenSchema));
  EXPECT_EQ(bound->type->sql(),
            "STRUCT<event_id: STRING, user_id: STRING, event_time: TIMESTAMP, action: STRING, "
            "value: DOUBLE>");
  EXPECT_EQ(bound->display, "from_json(j)");
  EvalContext ctx;
  auto v = evaluate(*bound, textBatch({kGoldenEvent}), ctx);
  EXPECT_EQ(v->child(2).valueAt<int64_t>(0), 1735689600LL * 1000000);
}

TEST(FromJson, ManyGoldenEventsAcrossChunks) {
  // Enough rows for several iterate_many chunks, with nulls and blanks mixed in.
  std::vector<std::optional<std::string>> in;
  for (int i = 0; i < 5000; ++i) {
    if (i % 997 == 5) {
      in.push_back(std::nullopt);
    } else if (i % 1009 == 7) {
      in.push_back("   ");
    } else {
      in.push_back(R"({"event_id":"e)" + std::to_string(i) + R"(","user_id":"u)" +
                   std::to_string(i % 7) + R"(","event_time":"2025-01-01T00:00:)" +
                   (i % 60 < 10 ? "0" : "") + std::to_string(i % 60) +
                   R"(.123Z","action":"view","value":)" + std::to_string(i) + ".25}");
    }
  }
  auto out = parse(kGoldenSchema, in);
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (i % 997 == 5 || i % 1009 == 7) {
      EXPECT_EQ(out[i], "null") << i;
      continue;
    }
    std::string sec = (i % 60 < 10 ? "0" : "") + std::to_string(i % 60);
    EXPECT_EQ(out[i], "{e" + std::to_string(i) + ", u" + std::to_string(i % 7) +
                          ", 2025-01-01 00:00:" + sec + ".123, view, " + std::to_string(i) + ".25}")
        << i;
  }
}

TEST(FromJson, FieldsInAnyOrderMissingAndExtra) {
  EXPECT_EQ(parse("a INT, b STRING, c DOUBLE",
                  {R"({"c": 2.5, "a": 1, "b": "x"})", R"({"b":"y"})",
                   R"({"zz": {"deep": [1, {"x": null}]}, "a": 7, "extra": true})", R"({})"}),
            (Strings{"{1, x, 2.5}", "{null, y, null}", "{7, null, null}", "{null, null, null}"}));
}

TEST(FromJson, NamesAreCaseSensitive) {
  EXPECT_EQ(parse("a INT, A INT", {R"({"A": 1, "a": 2})", R"({"A": 3})"}),
            (Strings{"{2, 1}", "{null, 3}"}));
}

TEST(FromJson, RepeatedKeyLastWins) {
  EXPECT_EQ(parse("a INT, b STRING", {R"({"a":1,"b":"x","a":2})"}), Strings{"{2, x}"});
}

TEST(FromJson, EscapedKeysAndStrings) {
  EXPECT_EQ(
      parse("ab STRING, q STRING", {R"({"a\u0062":"x\ny\t\"z\" \u00e9\ud83d\ude00","q":"\/"})"}),
      (Strings{"{x\ny\t\"z\" \xc3\xa9\xf0\x9f\x98\x80, /}"}));
}

TEST(FromJson, NullAndBlankInput) {
  EXPECT_EQ(parse("a INT", {std::nullopt, "", "  \n ", R"({"a":null})"}),
            (Strings{"null", "null", "null", "{null}"}));
}

TEST(FromJson, IntegralConversions) {
  // A float into an int field does not convert: Spark keeps the other fields (partial result).
  EXPECT_EQ(parse("i INT, s STRING", {R"({"i": 1.5, "s": "kept"})"}), Strings{"{null, kept}"});
  EXPECT_EQ(parse("i INT", {R"({"i": 2147483648})", R"({"i": -2147483648})", R"({"i": "1"})"}),
            (Strings{"{null}", "{-2147483648}", "{null}"}));
  EXPECT_EQ(parse("l BIGINT", {R"({"l": 9223372036854775807})", R"({"l": 9223372036854775808})"}),
            (Strings{"{9223372036854775807}", "{null}"}));
  // Jackson reads bytes in [-128, 255] and wraps.
  EXPECT_EQ(
      parse("b TINYINT, s SMALLINT", {R"({"b": 200, "s": -32768})", R"({"b": 256, "s": 32768})"}),
      (Strings{"{-56, -32768}", "{null, null}"}));
}

TEST(FromJson, FloatingConversions) {
  EXPECT_EQ(
      parse("d DOUBLE, f FLOAT", {R"({"d": 1, "f": 0.1})", R"({"d": "NaN", "f": "-Infinity"})",
                                  R"({"d": 1e400})", R"({"d": "1.5"})", R"({"d": ""})"}),
      (Strings{"{1.0, 0.1}", "{NaN, -Infinity}", "{Infinity, null}", "{null, null}",
               "{null, null}"}));
  // Jackson's non-numeric numbers are valid JSON for Spark (allowNonNumericNumbers).
  EXPECT_EQ(parse("d DOUBLE", {R"({"d": NaN})", R"({"d": -Infinity})"}),
            (Strings{"{NaN}", "{-Infinity}"}));
}

TEST(FromJson, BooleanAndDecimal) {
  EXPECT_EQ(parse("b BOOLEAN", {R"({"b": true})", R"({"b": "true"})", R"({"b": 1})"}),
            (Strings{"{true}", "{null}", "{null}"}));
  EXPECT_EQ(parse("x DECIMAL(5,2)", {R"({"x": 1.005})", R"({"x": 123.454})", R"({"x": 1234.5})",
                                     R"({"x": "1,234.5"})", R"({"x": -0.125})", R"({"x": 12e-1})",
                                     R"({"x": "abc"})"}),
            (Strings{"{1.01}", "{123.45}", "{null}", "{null}", "{-0.13}", "{1.20}", "{null}"}));
  EXPECT_EQ(parse("x DECIMAL(10,1)", {R"({"x": "1,234.56"})"}), Strings{"{1234.6}"});
}

TEST(FromJson, NonStringValuesIntoStringFields) {
  EXPECT_EQ(
      parse("s STRING", {R"({"s": {"x" : 1, "y": [1, 2.50, "a\"b"], "z": null}})", R"({"s": 12})",
                         R"({"s": 1e2})", R"({"s": -0})", R"({"s": true})", R"({"s": [ ]})"}),
      (Strings{R"({{"x":1,"y":[1,2.5,"a\"b"],"z":null}})", "{12}", "{100.0}", "{0}", "{true}",
               "{[]}"}));
}

TEST(FromJson, TimestampsAndDates) {
  EXPECT_EQ(parse("t TIMESTAMP",
                  {R"({"t": "2025-01-01T10:20:30.5+02:00"})", R"({"t": "2025-01-01 10:20:30"})",
                   R"({"t": "2025-01-01"})", R"({"t": 1700000000})", R"({"t": 1.5})",
                   R"({"t": "nope"})", R"({"t": "2024-02-30T00:00:00Z"})"}),
            (Strings{"{2025-01-01 08:20:30.5}", "{2025-01-01 10:20:30}", "{2025-01-01 00:00:00}",
                     "{2023-11-14 22:13:20}", "{null}", "{null}", "{null}"}));
  EXPECT_EQ(
      parse("t TIMESTAMP", {R"({"t": "01/02/2025 03:04"})", R"({"t": "2025-01-02T03:04:00"})"},
            {{"timestampFormat", "dd/MM/yyyy HH:mm"}}),
      (Strings{"{2025-02-01 03:04:00}", "{null}"}));
  // Dates Spark 1.5 wrote as days since the epoch still read.
  EXPECT_EQ(parse("d DATE", {R"({"d": "2025-03-04"})", R"({"d": "2025-3-4T10:00"})",
                             R"({"d": "19"})", R"({"d": 19000})"}),
            (Strings{"{2025-03-04}", "{2025-03-04}", "{1970-01-20}", "{null}"}));
  EXPECT_EQ(parse("d DATE", {R"({"d": "04.03.2025"})"}, {{"dateFormat", "dd.MM.yyyy"}}),
            Strings{"{2025-03-04}"});
}

TEST(FromJson, Binary) {
  EXPECT_EQ(parse("b BINARY", {R"({"b": "aGk="})", R"({"b": "aGk"})"}),
            (Strings{"{[68 69]}", "{null}"}));
}

TEST(FromJson, NestedStructsArraysAndMaps) {
  EXPECT_EQ(
      parse(
          "s STRUCT<x: INT, y: ARRAY<STRING>>, m MAP<STRING, BIGINT>, a ARRAY<STRUCT<k: INT>>",
          {R"({"s": {"y": ["p", null], "x": 3}, "m": {"k1": 1, "k2": null}, "a": [{"k": 1}, {}, null]})",
           R"({"s": null, "m": {}, "a": []})"}),
      (Strings{"{{3, [p, null]}, {k1 -> 1, k2 -> null}, [{1}, {null}, null]}", "{null, {}, []}"}));
}

TEST(FromJson, PartialResultsInsideNestedValues) {
  // A nested struct keeps its other fields; an array element that does not convert fails the
  // array; a map value that does not convert fails the map. Each failure marks the record bad.
  EXPECT_EQ(
      parse("s STRUCT<x: INT, y: STRING>, a ARRAY<INT>, m MAP<STRING, INT>, z INT, "
            "_corrupt_record STRING",
            {R"({"s": {"x": "bad", "y": "ok"}, "a": [1, "x", 3], "m": {"k": 1.5}, "z": 9})"}),
      Strings{
          R"({{null, ok}, null, null, 9, {"s": {"x": "bad", "y": "ok"}, "a": [1, "x", 3], "m": {"k": 1.5}, "z": 9}})"});
}

TEST(FromJson, MalformedRecordsInPermissiveMode) {
  const char* schema = "a INT, b STRING, _corrupt_record STRING";
  EXPECT_EQ(parse(schema, {R"({"a": 1, "b": "x")", R"([{"a": 1}])", "123", "null", R"({"a": tru})",
                           R"({"a": 1, "b": "x"})"}),
            (Strings{R"({null, null, {"a": 1, "b": "x"})", R"({null, null, [{"a": 1}]})",
                     "{null, null, 123}", "{null, null, null}", R"({null, null, {"a": tru}})",
                     "{1, x, null}"}));
  // Without the corrupt-record column the fields are null and the struct itself is not.
  EXPECT_EQ(parse("a INT", {"{oops"}), Strings{"{null}"});
  // A renamed corrupt-record column; a JSON key of that name is not read into it.
  EXPECT_EQ(parse("a INT, bad STRING", {R"({"a": "x", "bad": "no"})"},
                  {{"columnNameOfCorruptRecord", "bad"}}),
            Strings{R"({null, {"a": "x", "bad": "no"}})"});
}

TEST(FromJson, BadRecordsDoNotDisturbNeighbours) {
  // Records iterate_many cannot split: unbalanced, several values, stray closers, an unclosed
  // string, invalid UTF-8, a raw newline in a string, Jackson's lenient syntax.
  std::vector<std::optional<std::string>> in = {
      R"({"a":1})",
      R"({"a":)",
      R"({"a":2})",
      R"({"a":3}{"a":4})",
      R"(1}])",
      R"({"a":5})",
      R"("unclosed)",
      R"({"a":6})",
      "{\"a\":7,\"b\":\"\xff\"}",
      "{\"b\":\"line\nbreak\"}",
      R"({'a': 8, 'b': 'q'})",
      R"({"a":9} trailing)",
      R"({"a":10})",
      "7",
      R"(})",
      R"({"a":11})",
  };
  EXPECT_EQ(
      parse("a INT, b STRING, _corrupt_record STRING", in),
      (Strings{"{1, null, null}", R"({null, null, {"a":})", "{2, null, null}", "{3, null, null}",
               "{null, null, 1}]}", "{5, null, null}", R"({null, null, "unclosed})",
               "{6, null, null}", "{7, \xef\xbf\xbd, null}",
               "{null, null, {\"b\":\"line\nbreak\"}}", "{8, q, null}", "{9, null, null}",
               "{10, null, null}", "{null, null, 7}", "{null, null, }}", "{11, null, null}"}));
}

TEST(FromJson, ManyBadRecordsStillParseEveryRecord) {
  std::vector<std::optional<std::string>> in;
  Strings expected;
  for (int i = 0; i < 3000; ++i) {
    if (i % 3 == 0) {
      in.push_back(R"({"a":)" + std::to_string(i));
      expected.push_back("{null}");
    } else {
      in.push_back(R"({"a":)" + std::to_string(i) + "}");
      expected.push_back("{" + std::to_string(i) + "}");
    }
  }
  EXPECT_EQ(parse("a INT", in), expected);
}

TEST(FromJson, FailFastNamesTheRecord) {
  try {
    parse("a INT", {R"({"a":1})", R"({"a": "x"})"}, {{"mode", "FAILFAST"}});
    FAIL() << "expected an error";
  } catch (const InvalidInputError& e) {
    EXPECT_EQ(e.errorClass(), "MALFORMED_RECORD_IN_PARSING");
    EXPECT_NE(std::string(e.what()).find(R"({"a": "x"})"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("FAILFAST"), std::string::npos);
  }
  EXPECT_EQ(parse("a INT", {R"({"a":1})"}, {{"mode", "failfast"}}), Strings{"{1}"});
  EXPECT_THROW(parse("a INT", {"{"}, {{"mode", "FAILFAST"}}), InvalidInputError);
}

TEST(FromJson, ArrayAndMapSchemas) {
  EXPECT_EQ(parse("ARRAY<INT>", {"[1, 2, null]", "[]", R"({"a": 1})", "[1, \"x\"]", "[1,"}),
            (Strings{"[1, 2, null]", "[]", "null", "null", "null"}));
  // An object where an array of structs is expected is an array of one element.
  EXPECT_EQ(parse("ARRAY<STRUCT<i: INT>>", {R"([{"i": 1}, {"i": 2}])", R"({"i": 4})"}),
            (Strings{"[{1}, {2}]", "[{4}]"}));
  EXPECT_EQ(parse("MAP<STRING, DOUBLE>", {R"({"a": 1, "b": 2.5})", "[1]", R"({"a": "x"})"}),
            (Strings{"{a -> 1.0, b -> 2.5}", "null", "null"}));
}

TEST(FromJson, AnalysisErrors) {
  auto batch = textBatch({"{}"});
  Binder binder(batch.schema());
  try {
    binder.bind(fromJson("a INT", {{"mode", "DROPMALFORMED"}}));
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "PARSE_MODE_UNSUPPORTED");
  }
  try {
    binder.bind(fromJson("MAP<INT, STRING>"));
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "DATATYPE_MISMATCH.INVALID_JSON_MAP_KEY_TYPE");
  }
  EXPECT_THROW(binder.bind(fromJson("INT")), AnalysisError);
  EXPECT_THROW(binder.bind(fromJson("a INT, _corrupt_record INT")), AnalysisError);
  auto ints =
      ColumnBatch::fromRows(StructType::fromDDL("j INT").type(), {Row({Value::integer(1)})});
  try {
    Binder(ints.schema()).bind(fromJson("a INT"));
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE");
  }
}

TEST(FromJson, LenientOptions) {
  EXPECT_EQ(parse("a INT", {R"({'a': 1})"}, {{"allowSingleQuotes", "false"}}), Strings{"{null}"});
  EXPECT_EQ(parse("a INT", {R"({a: 1})"}, {{"allowUnquotedFieldNames", "true"}}), Strings{"{1}"});
  EXPECT_EQ(parse("a INT", {R"({a: 1})"}), Strings{"{null}"});
  EXPECT_EQ(parse("a INT", {"{/* c */ \"a\": 1 // end\n}"}, {{"allowComments", "true"}}),
            Strings{"{1}"});
  EXPECT_EQ(parse("a INT", {R"({"a": 007})"}, {{"allowNumericLeadingZeros", "true"}}),
            Strings{"{7}"});
  EXPECT_EQ(parse("a INT", {R"({"a": 007})"}), Strings{"{null}"});
  EXPECT_EQ(parse("d DOUBLE", {R"({"d": NaN})"}, {{"allowNonNumericNumbers", "false"}}),
            Strings{"{null}"});
}

TEST(FromJson, BatchParsingMatchesRecordByRecordOnCorruptedInput) {
  // Mutated golden events: every record must parse in a batch exactly as it parses alone, so the
  // iterate_many recovery never shifts, merges or loses records.
  std::mt19937_64 rng(42);
  const std::string alphabet = "{}[]\",:\\ \n\t01a-.e\x80\xff'/";
  std::vector<std::optional<std::string>> in;
  for (int i = 0; i < 2000; ++i) {
    std::string s = kGoldenEvent;
    int edits = static_cast<int>(rng() % 4);
    for (int k = 0; k < edits; ++k) {
      size_t at = rng() % s.size();
      switch (rng() % 3) {
        case 0:
          s[at] = alphabet[rng() % alphabet.size()];
          break;
        case 1:
          s.erase(at, 1 + rng() % 3);
          break;
        default:
          s.insert(at, 1, alphabet[rng() % alphabet.size()]);
          break;
      }
    }
    if (rng() % 10 == 0) s = s.substr(0, rng() % s.size());
    in.push_back(s);
  }
  std::string schema = std::string(kGoldenSchema) + ", _corrupt_record STRING";
  auto batch = parse(schema, in);
  ASSERT_EQ(batch.size(), in.size());
  int good = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    auto alone = parse(schema, {in[i]});
    EXPECT_EQ(batch[i], alone[0]) << "record " << i << ": " << *in[i];
    good += batch[i].find("7b6f3c1e") != std::string::npos;
  }
  EXPECT_GT(good, 200);
}

TEST(FromJson, FastPathMatchesTheGeneralPath) {
  // Flat records take a fast path that reads the text directly; the same record with a nested
  // field of no interest in front takes the general (simdjson) path. Both must give the same row
  // for random records full of edge cases: numbers at the limits of exact conversion, literals,
  // control characters, escapes, bytes >= 0x80 (valid UTF-8 or not), repeated keys, mutations.
  std::mt19937_64 rng(7);
  const std::vector<std::string> keys = {"event_id", "user_id", "event_time", "action", "value", "n", "i", "b", "other"};
  const std::vector<std::string> values = {
      "\"u1\"", "\"\"", "\"caf\xc3\xa9\"", "\"bad\xff\"", "\"a\\\"b\"", "\"tab\there\"", "\"2025-01-01T00:00:00.000Z\"",
      "\"2025-02-30T00:00:00Z\"", "\"2025-01-01 10:11:12\"", "\"2025-01-01T00:00:00.123456Z\"", "1.5", "-0", "0", "-0.0",
      "1e22", "1e23", "9007199254740993", "123456789012345678901", "1.7976931348623157e308", "1e400", "4.9e-324",
      "0.1", "-12.5E-3", "01", "1.", "-", ".5", "2147483648", "-2147483648", "9223372036854775807", "true", "false",
      "null", "nul", "truex", "[1,2]", "{\"x\":1}", "\"x\""};
  std::vector<std::optional<std::string>> fast, general;
  for (int r = 0; r < 3000; ++r) {
    std::string body;
    size_t fields = rng() % 7;
    for (size_t f = 0; f < fields; ++f) {
      if (f > 0) body += rng() % 20 == 0 ? " , " : ",";
      body += "\"" + keys[rng() % keys.size()] + "\"" + (rng() % 10 == 0 ? " : " : ":") + values[rng() % values.size()];
    }
    std::string record = "{" + body + "}";
    if (rng() % 4 == 0) {
      size_t at = rng() % record.size();
      const std::string alphabet = "{}[]\",:\\ \n01a-.e\x80\xff";
      record[at] = alphabet[rng() % alphabet.size()];
    }
    std::string forced = "{\"zz_nested\":[{}]" + std::string(body.empty() ? "" : ",") + record.substr(1);
    if (record.empty() || record[0] != '{') continue;
    fast.push_back(record);
    general.push_back(forced);
  }
  const std::string schema = std::string(kGoldenSchema) + ", n LONG, i INT, b BOOLEAN";
  auto a = parse(schema, fast);
  auto b = parse(schema, general);
  ASSERT_EQ(a.size(), b.size());
  int parsed = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i], b[i]) << "record " << i << ": " << *fast[i];
    parsed += a[i] != "{null, null, null, null, null, null, null, null}";
  }
  EXPECT_GT(parsed, 500);
}

TEST(FromJson, DeepNestingIsMalformedNotACrash) {
  std::string deep = R"({"s": )" + std::string(5000, '[') + std::string(5000, ']') + R"(, "a": 1})";
  std::string deepObject = R"({"a": 2, "x": )";
  for (int i = 0; i < 3000; ++i) deepObject += R"({"y": )";
  deepObject += "1" + std::string(3000, '}') + "}";
  EXPECT_EQ(parse("s STRING, a INT, _corrupt_record STRING", {deep, deepObject}),
            (Strings{"{null, null, " + deep + "}", "{null, null, " + deepObject + "}"}));
  EXPECT_EQ(getJson({deep}, "$.a"), Strings{"null"});
}

// ----- to_json

TEST(ToJson, StructsArraysMapsAndTypes) {
  auto schema = StructType::fromDDL(
      "s STRUCT<i: INT, n: STRING, d: DOUBLE, f: FLOAT, t: TIMESTAMP, dt: DATE, b: BINARY, "
      "x: DECIMAL(10,3), q: STRING, a: ARRAY<INT>, m: MAP<STRING, BOOLEAN>, tiny: DECIMAL(10,8)>");
  Value s = Value::structOf(
      {Value::integer(1), Value::null(), Value::real(1e20), Value::floating(0.1f),
       Value::timestamp(1735689600LL * 1000000 + 123456), Value::date(20000), Value::binary("hi"),
       Value::decimal({12345, 10, 3}), Value::string("a\"b\\c\n\x01/é"),
       Value::array({Value::integer(1), Value::null()}),
       Value::map({Value::string("k"), Value::boolean(true), Value::string("z"), Value::null()}),
       Value::decimal({1, 10, 8})});
  auto batch = ColumnBatch::fromRows(schema.type(), {Row({s}), Row({Value::null()})});
  EXPECT_EQ(
      eval(call("to_json", {column("s")}), batch),
      (Strings{
          R"({"i":1,"d":1.0E20,"f":0.1,"t":"2025-01-01T00:00:00.123Z","dt":"2024-10-04","b":"aGk=","x":12.345,"q":"a\"b\\c\n\u0001/é","a":[1,null],"m":{"k":true,"z":null},"tiny":1E-8})",
          "null"}));
  EXPECT_EQ(
      eval(callWithOptions("to_json", {column("s")},
                           {{"ignoreNullFields", "false"},
                            {"timestampFormat", "yyyy/MM/dd HH:mm"},
                            {"dateFormat", "dd.MM.yyyy"}},
                           nullptr),
           batch),
      (Strings{
          R"({"i":1,"n":null,"d":1.0E20,"f":0.1,"t":"2025/01/01 00:00","dt":"04.10.2024","b":"aGk=","x":12.345,"q":"a\"b\\c\n\u0001/é","a":[1,null],"m":{"k":true,"z":null},"tiny":1E-8})",
          "null"}));
  EXPECT_EQ(eval(call("to_json", {column("s.a")}), batch), (Strings{"[1,null]", "null"}));
}

TEST(ToJson, NonFiniteNumbersAreQuoted) {
  auto batch = ColumnBatch::fromRows(StructType::fromDDL("s STRUCT<d: DOUBLE>").type(),
                                     {Row({Value::structOf({Value::real(std::nan(""))})})});
  EXPECT_EQ(eval(call("to_json", {column("s")}), batch), Strings{R"({"d":"NaN"})"});
}

TEST(ToJson, RoundTripsThroughFromJson) {
  auto out = parse(kGoldenSchema, {kGoldenEvent});
  auto batch = textBatch({kGoldenEvent});
  auto e = call("to_json", {fromJson(kGoldenSchema)});
  EXPECT_EQ(eval(e, batch), Strings{kGoldenEvent});
}

TEST(ToJson, RejectsAtomicInput) {
  auto batch = textBatch({"x"});
  EXPECT_THROW(Binder(batch.schema()).bind(call("to_json", {column("j")})), AnalysisError);
}

// ----- get_json_object

TEST(GetJsonObject, Paths) {
  std::string doc = R"({"a":"b","o":{"x":1,"y":[1,2.50]},"arr":[{"b":1},{"b":2},{"c":3}],)"
                    R"("n":null,"nested":[[1,2],[3]],"k.e y":"dot","one":[{"b":"s"}]})";
  auto one = [&](const std::string& path) { return getJson({doc}, path)[0]; };
  EXPECT_EQ(one("$.a"), "b");
  EXPECT_EQ(
      one("$"),
      R"({"a":"b","o":{"x":1,"y":[1,2.5]},"arr":[{"b":1},{"b":2},{"c":3}],"n":null,"nested":[[1,2],[3]],"k.e y":"dot","one":[{"b":"s"}]})");
  EXPECT_EQ(one("$.o"), R"({"x":1,"y":[1,2.5]})");
  EXPECT_EQ(one("$.o.y[1]"), "2.5");
  EXPECT_EQ(one("$['a']"), "b");
  EXPECT_EQ(one("$['k.e y']"), "dot");
  EXPECT_EQ(one("$.arr[*].b"), "[1,2]");
  // A single wildcard match loses its brackets but keeps its quotes (Hive's rule).
  EXPECT_EQ(one("$.one[*].b"), "\"s\"");
  EXPECT_EQ(one("$.arr[0]"), R"({"b":1})");
  EXPECT_EQ(one("$.arr[*]"), R"([{"b":1},{"b":2},{"c":3}])");
  EXPECT_EQ(one("$.nested[*][*]"), "[1,2,3]");
  EXPECT_EQ(one("$.arr[5]"), "null");
  EXPECT_EQ(one("$.n"), "null");
  EXPECT_EQ(one("$.missing"), "null");
  EXPECT_EQ(one("$.a.b"), "null");
  EXPECT_EQ(one("a"), "null");
  EXPECT_EQ(one("$.a["), "null");
  EXPECT_EQ(one("$.*"), "null");
}

TEST(GetJsonObject, InputEdgeCases) {
  EXPECT_EQ(getJson({std::nullopt, R"({"a":"b")", "[1,2,3]", R"({'a':'single'})",
                     "{\"a\":\"tab\there\"}", R"([])", R"({"a": 1} trailing)"},
                    "$.a"),
            (Strings{"null", "null", "null", "single", "tab\there", "null", "1"}));
  EXPECT_EQ(getJson({"[1,2,3]", "[]"}, "$[0]"), (Strings{"1", "null"}));
  auto batch = textBatch({R"({"a":1,"b":2})"});
  auto dynamicPath = call("get_json_object", {column("j"), call("concat", {lit("$."), lit("b")})});
  EXPECT_EQ(eval(dynamicPath, batch), Strings{"2"});
}

// ----- json_tuple

TEST(JsonTuple, Fields) {
  auto batch = textBatch({R"({"a":1,"b":"x","c":{"d":[1,2.0]},"n":null})", "[1]", std::nullopt,
                          R"({"a":1,"a":2})", R"({"a":1,"b":)"});
  auto e = call("json_tuple", {column("j"), lit("a"), lit("b"), lit("c"), lit("n"), lit("a")});
  EXPECT_EQ(eval(e, batch),
            (Strings{R"({1, x, {"d":[1,2.0]}, null, 1})", "{null, null, null, null, null}",
                     "{null, null, null, null, null}", "{2, null, null, null, 2}",
                     "{null, null, null, null, null}"}));
  Binder binder(batch.schema());
  auto bound = binder.bind(e);
  EXPECT_EQ(bound->type->sql(),
            "STRUCT<c0: STRING, c1: STRING, c2: STRING, c3: STRING, c4: STRING>");
  EXPECT_THROW(binder.bind(call("json_tuple", {column("j")})), AnalysisError);
}

// ----- the tokenizer and the reader directly

TEST(JsonTokenizer, TokensAndLeniency) {
  JsonFeatures strict;
  strict.allowSingleQuotes = false;
  strict.allowNonNumericNumbers = false;
  JsonTokenizer t(R"({"a":[1,-2.5e3,"s\u0041",true,null]})", strict);
  std::vector<JsonToken> tokens;
  for (JsonToken k = t.next(); k != JsonToken::kEnd && k != JsonToken::kError; k = t.next()) {
    tokens.push_back(k);
  }
  EXPECT_EQ(tokens, (std::vector<JsonToken>{
                        JsonToken::kStartObject, JsonToken::kFieldName, JsonToken::kStartArray,
                        JsonToken::kInt, JsonToken::kFloat, JsonToken::kString, JsonToken::kTrue,
                        JsonToken::kNull, JsonToken::kEndArray, JsonToken::kEndObject}));
  for (const char* bad : {"[1,]", "{\"a\" 1}", "[01]", "[1.]", "{'a':1}", "[tru]", "[\"\x01\"]"}) {
    JsonTokenizer b(bad, strict);
    JsonToken k;
    do {
      k = b.next();
    } while (k != JsonToken::kEnd && k != JsonToken::kError);
    EXPECT_EQ(k, JsonToken::kError) << bad;
  }
  std::string out;
  JsonFeatures lenient;
  lenient.allowNumericLeadingZeros = true;
  EXPECT_TRUE(normalizeJson("{'a': [NaN, 007, 'x\\'y'], b: 1}", lenient, out) == false);
  out.clear();
  lenient.allowUnquotedFieldNames = true;
  EXPECT_TRUE(normalizeJson("{'a': [NaN, 007, 'x\\'y'], b: 1} tail", lenient, out));
  EXPECT_EQ(out, R"({"a":["NaN",7,"x'y"],"b":1})");
}

TEST(JsonReader, FileModeRowsFromArraysAndDropMalformed) {
  auto schema = StructType::fromDDL("a INT, _corrupt_record STRING").type();
  std::string text = "{\"a\":1}\n[{\"a\":2},{\"a\":3}]\n\n[]\n{bad\n{\"a\":\"x\"}\n";
  text.append(jsonPadding(), ' ');
  std::vector<JsonRecordSpan> spans;
  size_t start = 0;
  std::string_view body(text.data(), text.size() - jsonPadding());
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\n') {
      spans.push_back({start, i});
      start = i + 1;
    }
  }
  JsonReadOptions permissive;
  JsonReader reader(schema, permissive, JsonRecordMode::kFile);
  auto v = reader.parseRecords(body, spans);
  Strings rows;
  for (size_t i = 0; i < v->size(); ++i) rows.push_back(v->toString(i));
  EXPECT_EQ(rows, (Strings{"{1, null}", "{2, null}", "{3, null}", "{null, {bad}",
                           R"({null, {"a":"x"}})"}));
  JsonReadOptions drop;
  drop.mode = JsonParseMode::kDropMalformed;
  JsonReader dropping(schema, drop, JsonRecordMode::kFile);
  v = dropping.parseRecords(body, spans);
  rows.clear();
  for (size_t i = 0; i < v->size(); ++i) rows.push_back(v->toString(i));
  EXPECT_EQ(rows, (Strings{"{1, null}", "{2, null}", "{3, null}"}));
}

}  // namespace weir::expr
