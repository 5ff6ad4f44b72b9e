// Schema-driven JSON parsing into column vectors with Spark 3.5's JacksonParser semantics
// (from_json and the JSON data source), plus a Jackson-like token reader used by
// get_json_object, json_tuple, schema inference and as the lenient fallback for odd records.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weir/columnar/vector.h"
#include "weir/types/data_type.h"

namespace weir::expr {

enum class JsonParseMode : uint8_t { kPermissive, kDropMalformed, kFailFast };

/// The Jackson features Spark's JSON options switch on or off.
struct JsonFeatures {
  bool allowComments = false;
  bool allowUnquotedFieldNames = false;
  bool allowSingleQuotes = true;
  bool allowNumericLeadingZeros = false;
  bool allowNonNumericNumbers = true;
  bool allowBackslashEscapingAnyCharacter = false;
  bool allowUnquotedControlChars = false;
  /// Invalid UTF-8 in strings becomes U+FFFD instead of an error (Spark decodes from_json input
  /// through a java.io.Reader, which replaces it; the file reader decodes bytes and fails).
  bool replaceInvalidUtf8 = false;
};

/// Spark's JSONOptions for reading. Keys of fromMap are case-insensitive as in Spark.
struct JsonReadOptions {
  JsonParseMode mode = JsonParseMode::kPermissive;
  std::string corruptColumn = "_corrupt_record";
  std::optional<std::string> timestampFormat;
  std::optional<std::string> timestampNtzFormat;
  std::optional<std::string> dateFormat;
  JsonFeatures features;
  // Schema inference (the data source only).
  bool primitivesAsString = false;
  bool prefersDecimal = false;
  bool inferTimestamp = false;
  bool dropFieldIfAllNull = false;
  double samplingRatio = 1.0;
  // Files.
  bool multiLine = false;
  std::string lineSep;

  /// Parses Spark's option names; throws InvalidInputError on values that are not valid.
  static JsonReadOptions fromMap(const std::map<std::string, std::string>& options);
};

/// Jackson's token kinds, with kEnd at the end of the input and kError after a syntax error.
enum class JsonToken : uint8_t {
  kEnd,
  kError,
  kStartObject,
  kEndObject,
  kStartArray,
  kEndArray,
  kFieldName,
  kString,
  kInt,
  kFloat,
  kTrue,
  kFalse,
  kNull,
};

/// A pull parser over one JSON text with Jackson's token model and its optional leniencies
/// (single quotes, comments, unquoted names, NaN/Infinity, leading zeros). Errors are sticky:
/// once next() returns kError it keeps returning it. Borrows the text; not thread-safe.
class JsonTokenizer {
 public:
  static constexpr int kMaxDepth = 1000;

  JsonTokenizer(std::string_view text, const JsonFeatures& features);

  JsonToken next();
  JsonToken current() const { return token_; }
  /// The unescaped text of the current field name or string; the text of a number token.
  std::string_view text() const { return text_; }
  /// At a start token, skips to its matching end token. Returns false on a syntax error.
  bool skipChildren();
  /// Offset just past the current token.
  size_t position() const { return pos_; }

 private:
  enum class State : uint8_t { kStart, kAfterName, kAfterValue };
  JsonToken fail();
  bool skipWhitespace();
  JsonToken parseValue();
  JsonToken parseName();
  bool parseString(char quote);
  bool parseUnquotedName();
  JsonToken parseNumber();
  JsonToken parseWord();
  void valueDone();

  std::string_view in_;
  JsonFeatures features_;
  size_t pos_ = 0;
  JsonToken token_ = JsonToken::kEnd;
  std::string_view text_;
  std::string scratch_;
  std::vector<char> stack_;  // '{' or '['
  State state_ = State::kStart;
};

/// Appends the current value of `t` (with its children) as compact JSON the way Jackson's
/// copyCurrentStructure does: strings re-escaped, floating numbers as Java's Double.toString.
/// Returns false on a syntax error.
bool copyJsonStructure(JsonTokenizer& t, std::string& out);

/// Rewrites the first JSON value of `text`, read with Jackson's rules and `features`, as strict
/// JSON (NaN and Infinity become strings). Returns false when the text holds no valid value.
bool normalizeJson(std::string_view text, const JsonFeatures& features, std::string& out);

/// How records map to output rows.
enum class JsonRecordMode : uint8_t {
  /// from_json: one value per input; blank input gives null; an array at the root of a struct
  /// schema is malformed.
  kFunction,
  /// The JSON data source: blank records give no row; an array at the root gives a row per
  /// element; DROPMALFORMED drops bad records.
  kFile,
};

/// A record's byte range [begin, end) in a text.
struct JsonRecordSpan {
  size_t begin = 0;
  size_t end = 0;
};

/// Parses JSON records into vectors of one type, as Spark's JacksonParser with a
/// FailureSafeParser around it: fields by exact name in any order, missing fields null, extra
/// fields ignored, Spark's type conversions, partial results for fields that do not convert, the
/// corrupt-record column, and the PERMISSIVE, DROPMALFORMED and FAILFAST modes.
///
/// Records are parsed with simdjson On-Demand in one `iterate_many` pass over a padded buffer;
/// records that pass cannot split (malformed, several values, lenient syntax) are parsed one by
/// one, so a bad record never affects its neighbours.
///
/// Immutable after construction and thread-safe: every call uses its own builders and a
/// thread-local simdjson parser.
class JsonReader {
 public:
  /// `type` is a struct, or (kFunction only) an array or map. Throws AnalysisError when the type
  /// cannot be read from JSON (map keys other than string, a corrupt-record column that is not a
  /// string).
  JsonReader(types::DataTypePtr type, JsonReadOptions options, JsonRecordMode mode);
  ~JsonReader();
  JsonReader(JsonReader&&) noexcept;
  JsonReader& operator=(JsonReader&&) noexcept;

  const types::DataTypePtr& type() const;
  const JsonReadOptions& options() const;

  /// from_json over a string or binary vector: one value per row, null where the input is null.
  columnar::VectorPtr parseColumn(const columnar::Vector& input) const;

  /// The data source: parses the given records of `text` into rows of the struct type. `text`
  /// must stay readable for simdjson::SIMDJSON_PADDING bytes past its end. Records are given in
  /// order and must not overlap.
  columnar::VectorPtr parseRecords(std::string_view text,
                                   const std::vector<JsonRecordSpan>& records) const;

  /// The compiled schema and options (defined in json_reader.cc).
  struct Plan;

 private:
  std::shared_ptr<const Plan> plan_;
};

/// The number of bytes a buffer handed to JsonReader::parseRecords must extend past its text.
size_t jsonPadding();

}  // namespace weir::expr
