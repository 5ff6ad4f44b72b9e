// JSON Lines scan: Spark 3.5's JSON data source over files, directories and globs. Lines are parsed
// in batches by expr::JsonReader; schemas are inferred as JsonInferSchema does (fields sorted by
// name, widest type per field, the corrupt-record column for malformed lines).
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "weir/base/error.h"
#include "weir/base/text.h"
#include "weir/base/thread_pool.h"
#include "weir/base/time.h"
#include "weir/expr/json_reader.h"
#include "weir/formats/compressed_file.h"
#include "weir/formats/file_listing.h"
#include "weir/formats/json/json_format.h"

namespace weir::formats {
namespace {

using columnar::ColumnBatch;
using columnar::VectorPtr;
using expr::JsonFeatures;
using expr::JsonParseMode;
using expr::JsonReadOptions;
using expr::JsonRecordSpan;
using expr::JsonToken;
using expr::JsonTokenizer;
using types::DataType;
using types::DataTypePtr;
using types::Field;
using types::TypeId;

constexpr size_t kBatchLines = columnar::kDefaultBatchRows;

JsonReadOptions parseOptions(const plan::Options& options) {
  JsonReadOptions o = JsonReadOptions::fromMap(options.all());
  std::string encoding = base::asciiLower(
      options.has("encoding") ? options.get("encoding") : options.get("charset", "UTF-8"));
  if (encoding != "utf-8" && encoding != "utf8") {
    throw UnsupportedOperationError(
        "UNSUPPORTED_ENCODING",
        "The JSON reader reads UTF-8 only, got encoding '" + encoding + "'.");
  }
  return o;
}

// ----- reading files

/// A file (or a piece of one) in memory, padded for simdjson: records start in [begin, size).
/// The text is in a buffer of the reading thread, reused by its next task.
struct TaskText {
  std::string_view padded;  // the text followed by expr::jsonPadding() spaces
  size_t size = 0;          // the length of the text
  size_t begin = 0;
  bool carriageReturns = true;  // whether the text holds a '\r' (a possible line end)

  std::string_view text() const { return padded.substr(0, size); }
};

TaskText loadTask(const ScanTask& task) {
  thread_local TextBuffer buffer;
  const size_t padding = expr::jsonPadding();
  TaskText t;
  if (!task.whole) {
    t.begin = readLineRangeInto(task.path, task.start, task.end, buffer, padding).begin;
  } else if (codecFor(task.path, "JSON") != Compression::kNone) {
    const std::string text = inflateAll(readFile(task.path), task.path);
    buffer.resize(text.size() + padding);
    std::memcpy(buffer.data(), text.data(), text.size());
    std::memset(buffer.data() + text.size(), ' ', padding);
    buffer.resize(text.size());
  } else {
    readFileInto(task.path, buffer, padding);
  }
  t.size = buffer.size();
  t.padded = std::string_view(buffer.data(), t.size + padding);
  // Jackson skips a byte order mark at the start of the input.
  if (task.start == 0 && t.text().starts_with("\xEF\xBB\xBF")) t.begin = 3;
  // One pass over the text saves looking for a '\r' in every line.
  t.carriageReturns = std::memchr(t.padded.data(), '\r', t.size) != nullptr;
  return t;
}

/// Splits text into records: lines (ended by \n, \r\n or \r, or by lineSep), or the whole text
/// with multiLine. Stops after `max` records; returns the offset to continue from. Without
/// `carriageReturns` the text holds no '\r' and lines end only at '\n'.
size_t nextRecords(std::string_view text, size_t pos, const JsonReadOptions& o, size_t max,
                   std::vector<JsonRecordSpan>& out, bool carriageReturns = true) {
  out.clear();
  const size_t n = text.size();
  if (o.multiLine) {
    if (pos < n) out.push_back({pos, n});
    return n;
  }
  while (pos < n && out.size() < max) {
    if (!o.lineSep.empty()) {
      size_t at = text.find(o.lineSep, pos);
      size_t end = at == std::string_view::npos ? n : at;
      out.push_back({pos, end});
      pos = at == std::string_view::npos ? n : at + o.lineSep.size();
      continue;
    }
    const void* hit = std::memchr(text.data() + pos, '\n', n - pos);
    size_t nl = hit ? static_cast<size_t>(static_cast<const char*>(hit) - text.data()) : n;
    const void* cr = carriageReturns ? std::memchr(text.data() + pos, '\r', nl - pos) : nullptr;
    if (cr == nullptr) {
      out.push_back({pos, nl});
      pos = nl + 1;
      continue;
    }
    auto at = static_cast<size_t>(static_cast<const char*>(cr) - text.data());
    out.push_back({pos, at});
    pos = at + 1 == nl ? nl + 1 : at + 1;
  }
  return std::min(pos, n);
}

// ----- schema inference (JsonInferSchema)

struct MalformedJson {};

/// Infers the type of JSON values with JsonInferSchema's rules. Thread-compatible.
class TypeInferrer {
 public:
  explicit TypeInferrer(const JsonReadOptions& o) : o_(o) {}

  /// The type of one record; nullopt for a record dropped in DROPMALFORMED mode.
  std::optional<DataTypePtr> inferRecord(std::string_view text) const {
    JsonFeatures f = o_.features;
    f.replaceInvalidUtf8 = false;
    JsonTokenizer t(text, f);
    try {
      JsonToken first = t.next();
      if (first == JsonToken::kError) throw MalformedJson{};
      if (first == JsonToken::kEnd) return DataType::null();
      return inferField(t);
    } catch (const MalformedJson&) {
      switch (o_.mode) {
        case JsonParseMode::kPermissive:
          return DataType::structOf({Field{o_.corruptColumn, DataType::string(), true, "{}"}});
        case JsonParseMode::kDropMalformed:
          return std::nullopt;
        case JsonParseMode::kFailFast:
          throw InvalidInputError("MALFORMED_RECORD_IN_SCHEMA_INFERENCE",
                                  "Malformed records are detected in schema inference. Parse Mode: "
                                  "FAILFAST. Record: " +
                                      std::string(text.substr(0, 1000)));
      }
    }
    return std::nullopt;
  }

  DataTypePtr inferField(JsonTokenizer& t) const {
    switch (t.current()) {
      case JsonToken::kNull:
        return DataType::null();
      case JsonToken::kString: {
        std::string_view text = t.text();
        // Empty strings count as nulls until every record is merged.
        if (text.empty()) return DataType::null();
        if (o_.prefersDecimal) {
          std::string plain;
          for (char c : text) {
            if (c != ',') plain += c;
          }
          if (auto d = decimalTypeOf(plain, true)) return *d;
        }
        if (o_.inferTimestamp && timestampParses(text)) return DataType::timestamp();
        return DataType::string();
      }
      case JsonToken::kStartObject: {
        std::vector<Field> fields;
        while (true) {
          JsonToken k = t.next();
          if (k == JsonToken::kEndObject) break;
          if (k != JsonToken::kFieldName) throw MalformedJson{};
          std::string name(t.text());
          if (t.next() == JsonToken::kError) throw MalformedJson{};
          fields.push_back(Field{std::move(name), inferField(t), true, "{}"});
        }
        std::stable_sort(fields.begin(), fields.end(),
                         [](const Field& a, const Field& b) { return a.name < b.name; });
        return DataType::structOf(std::move(fields));
      }
      case JsonToken::kStartArray: {
        DataTypePtr element = DataType::null();
        while (true) {
          JsonToken k = t.next();
          if (k == JsonToken::kEndArray) break;
          if (k == JsonToken::kError || k == JsonToken::kEnd) throw MalformedJson{};
          element = compatibleType(element, inferField(t));
        }
        return DataType::array(element, true);
      }
      case JsonToken::kInt: {
        if (o_.primitivesAsString) return DataType::string();
        std::string_view text = t.text();
        // Jackson's INT and LONG are long; a BigInteger is a decimal when it fits.
        size_t digits = text.size() - (text[0] == '-' ? 1 : 0);
        if (digits < 19 || (digits == 19 && fitsLong(text))) return DataType::longType();
        if (auto d = decimalTypeOf(text, false)) return *d;
        return DataType::doubleType();
      }
      case JsonToken::kFloat: {
        if (o_.primitivesAsString) return DataType::string();
        if (o_.prefersDecimal) {
          if (auto d = decimalTypeOf(t.text(), false)) return *d;
        }
        return DataType::doubleType();
      }
      case JsonToken::kTrue:
      case JsonToken::kFalse:
        return o_.primitivesAsString ? DataType::string() : DataType::boolean();
      default:
        throw MalformedJson{};
    }
  }

  // JsonInferSchema.compatibleType over findTightestCommonType.
  static DataTypePtr compatibleType(const DataTypePtr& a, const DataTypePtr& b) {
    if (a->equals(*b)) return a;
    if (a->id() == TypeId::kNull) return b;
    if (b->id() == TypeId::kNull) return a;
    TypeId x = a->id(), y = b->id();
    auto isIntegral = [](TypeId id) {
      return id == TypeId::kByte || id == TypeId::kShort || id == TypeId::kInteger ||
             id == TypeId::kLong;
    };
    auto isPlainNumeric = [&](TypeId id) {
      return isIntegral(id) || id == TypeId::kFloat || id == TypeId::kDouble;
    };
    if (isPlainNumeric(x) && isPlainNumeric(y)) {
      static constexpr TypeId kPrecedence[] = {TypeId::kByte, TypeId::kShort, TypeId::kInteger,
                                               TypeId::kLong, TypeId::kFloat, TypeId::kDouble};
      size_t rank = 0;
      for (size_t i = 0; i < 6; ++i) {
        if (kPrecedence[i] == x || kPrecedence[i] == y) rank = i;
      }
      return rank == 5   ? DataType::doubleType()
             : rank == 4 ? DataType::floatType()
             : rank == 3 ? DataType::longType()
                         : (rank == 2   ? DataType::integer()
                            : rank == 1 ? DataType::shortType()
                                        : DataType::byte());
    }
    if ((x == TypeId::kDouble && y == TypeId::kDecimal) ||
        (x == TypeId::kDecimal && y == TypeId::kDouble)) {
      return DataType::doubleType();
    }
    if (isIntegral(x) && y == TypeId::kDecimal) return compatibleType(decimalFor(x), b);
    if (x == TypeId::kDecimal && isIntegral(y)) return compatibleType(a, decimalFor(y));
    if (x == TypeId::kDecimal && y == TypeId::kDecimal) {
      int scale = std::max(a->scale(), b->scale());
      int range = std::max(a->precision() - a->scale(), b->precision() - b->scale());
      if (range + scale > DataType::kMaxDecimalPrecision) return DataType::doubleType();
      return DataType::decimal(range + scale, scale);
    }
    if (x == TypeId::kStruct && y == TypeId::kStruct) {
      // Both are sorted by name: merge them.
      const auto& f1 = a->fields();
      const auto& f2 = b->fields();
      std::vector<Field> merged;
      size_t i = 0, j = 0;
      while (i < f1.size() && j < f2.size()) {
        int c = f1[i].name.compare(f2[j].name);
        if (c == 0) {
          merged.push_back(Field{f1[i].name, compatibleType(f1[i].type, f2[j].type), true, "{}"});
          ++i, ++j;
        } else if (c < 0) {
          merged.push_back(f1[i++]);
        } else {
          merged.push_back(f2[j++]);
        }
      }
      while (i < f1.size()) merged.push_back(f1[i++]);
      while (j < f2.size()) merged.push_back(f2[j++]);
      return DataType::structOf(std::move(merged));
    }
    if (x == TypeId::kArray && y == TypeId::kArray) {
      return DataType::array(compatibleType(a->elementType(), b->elementType()),
                             a->containsNull() || b->containsNull());
    }
    if ((x == TypeId::kTimestamp && y == TypeId::kTimestampNtz) ||
        (x == TypeId::kTimestampNtz && y == TypeId::kTimestamp)) {
      return DataType::timestamp();
    }
    return DataType::string();
  }

  // JsonInferSchema.compatibleRootType: arrays at the root hold rows; nulls are blank records;
  // a non-struct beside a struct is a malformed record.
  DataTypePtr compatibleRootType(const DataTypePtr& a, const DataTypePtr& b) const {
    if (a->id() == TypeId::kArray) return compatibleRootType(a->elementType(), b);
    if (b->id() == TypeId::kArray) return compatibleRootType(a, b->elementType());
    if (a->id() == TypeId::kStruct && b->id() == TypeId::kNull) return a;
    if (a->id() == TypeId::kNull && b->id() == TypeId::kStruct) return b;
    if (a->id() == TypeId::kStruct && b->id() != TypeId::kStruct) return withCorruptField(a, b);
    if (b->id() == TypeId::kStruct && a->id() != TypeId::kStruct) return withCorruptField(b, a);
    return compatibleType(a, b);
  }

 private:
  static DataTypePtr decimalFor(TypeId integral) {
    switch (integral) {
      case TypeId::kByte:
        return DataType::decimal(3, 0);
      case TypeId::kShort:
        return DataType::decimal(5, 0);
      case TypeId::kInteger:
        return DataType::decimal(10, 0);
      default:
        return DataType::decimal(20, 0);
    }
  }

  static bool fitsLong(std::string_view text) {
    std::string_view digits = text[0] == '-' ? text.substr(1) : text;
    std::string_view limit = text[0] == '-' ? "9223372036854775808" : "9223372036854775807";
    return digits.size() < limit.size() || (digits.size() == limit.size() && digits <= limit);
  }

  // The DecimalType of java.math.BigDecimal(text) as JsonInferSchema builds it, or nullopt when
  // the text is not a number or needs more than 38 digits. Numbers take
  // DecimalType(max(precision, scale), scale); strings (prefersDecimal) take
  // DecimalType(precision, scale), which fails when the scale is larger.
  static std::optional<DataTypePtr> decimalTypeOf(std::string_view s, bool fromString) {
    size_t i = 0;
    if (i < s.size() && (s[i] == '-' || (fromString && s[i] == '+'))) ++i;
    std::string digits;
    int64_t fraction = 0;
    bool point = false;
    for (; i < s.size(); ++i) {
      char c = s[i];
      if (c >= '0' && c <= '9') {
        digits += c;
        if (point) ++fraction;
      } else if (c == '.' && !point) {
        point = true;
      } else {
        break;
      }
    }
    if (digits.empty()) return std::nullopt;
    int64_t exponent = 0;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
      ++i;
      bool negative = false;
      if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
      if (i >= s.size()) return std::nullopt;
      for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
        if (exponent < 100000) exponent = exponent * 10 + (s[i] - '0');
      }
      if (negative) exponent = -exponent;
    }
    if (i != s.size()) return std::nullopt;
    size_t first = digits.find_first_not_of('0');
    auto precision = static_cast<int64_t>(first == std::string::npos ? 1 : digits.size() - first);
    int64_t scale = fraction - exponent;
    if (scale < 0) {
      // Weir has no negative scales: the digits move left of the point.
      precision -= scale;
      scale = 0;
    }
    if (fromString) {
      if (scale > precision) return std::nullopt;
    } else {
      precision = std::max(precision, scale);
    }
    if (precision > DataType::kMaxDecimalPrecision) return std::nullopt;
    return DataType::decimal(static_cast<int>(precision), static_cast<int>(scale));
  }

  bool timestampParses(std::string_view text) const {
    if (o_.timestampFormat) return base::parseWithPattern(text, *o_.timestampFormat).has_value();
    return base::parseTimestamp(text).has_value();
  }

  DataTypePtr withCorruptField(const DataTypePtr& s, const DataTypePtr& other) const {
    switch (o_.mode) {
      case JsonParseMode::kPermissive: {
        for (const auto& f : s->fields()) {
          if (f.name == o_.corruptColumn) return s;
        }
        std::vector<Field> fields = s->fields();
        fields.push_back(Field{o_.corruptColumn, DataType::string(), true, "{}"});
        std::stable_sort(fields.begin(), fields.end(),
                         [](const Field& a, const Field& b) { return a.name < b.name; });
        return DataType::structOf(std::move(fields));
      }
      case JsonParseMode::kDropMalformed:
        return s;
      case JsonParseMode::kFailFast:
        throw InvalidInputError("MALFORMED_RECORD_IN_SCHEMA_INFERENCE",
                                "Malformed records are detected in schema inference. Parse Mode: "
                                "FAILFAST. A record of type " +
                                    other->sql() + " is not a JSON object.");
    }
    return s;
  }

  const JsonReadOptions& o_;
};

// JsonInferSchema.canonicalizeType: nulls become strings (or are dropped with
// dropFieldIfAllNull), empty structs and unnamed fields are dropped.
std::optional<DataTypePtr> canonicalize(const DataTypePtr& t, const JsonReadOptions& o) {
  switch (t->id()) {
    case TypeId::kArray: {
      auto element = canonicalize(t->elementType(), o);
      if (!element) return std::nullopt;
      return DataType::array(*element, t->containsNull());
    }
    case TypeId::kStruct: {
      std::vector<Field> fields;
      for (const auto& f : t->fields()) {
        if (f.name.empty()) continue;
        if (auto c = canonicalize(f.type, o))
          fields.push_back(Field{f.name, *c, f.nullable, f.metadata});
      }
      if (fields.empty()) return std::nullopt;
      return DataType::structOf(std::move(fields));
    }
    case TypeId::kNull:
      if (o.dropFieldIfAllNull) return std::nullopt;
      return DataType::string();
    default:
      return t;
  }
}

// Spark rejects data schemas whose column names repeat (case-insensitively by default).
void checkDuplicateColumns(const DataType& schema, const std::string& prefix = "") {
  std::map<std::string, std::string> seen;
  for (const auto& f : schema.fields()) {
    std::string key = base::asciiLower(f.name);
    if (seen.count(key)) {
      throw AnalysisError("COLUMN_ALREADY_EXISTS",
                          "The column `" + prefix + f.name +
                              "` already exists. Consider to choose another name or rename the "
                              "existing column.");
    }
    seen[key] = f.name;
    if (f.type->id() == TypeId::kStruct) checkDuplicateColumns(*f.type, prefix + f.name + ".");
  }
}

// A deterministic stand-in for Spark's sampling of records (RDD.sample with seed 1).
bool sampled(uint64_t file, uint64_t record, double ratio) {
  if (ratio >= 1.0) return true;
  uint64_t z = (file << 40) ^ record ^ 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53 < ratio;
}

DataTypePtr inferSchema(const std::vector<std::string>& files, const JsonReadOptions& o) {
  TypeInferrer inferrer(o);
  std::vector<std::optional<DataTypePtr>> perFile(files.size());
  base::ThreadPool::global().parallelFor(files.size(), [&](size_t i) {
    TaskText text = loadTask({files[i], 0, 0, true});
    std::vector<JsonRecordSpan> records;
    std::optional<DataTypePtr> merged;
    size_t pos = text.begin;
    uint64_t index = 0;
    while (pos < text.size) {
      pos = nextRecords(text.text(), pos, o, kBatchLines, records);
      for (const auto& r : records) {
        if (!sampled(i, index++, o.samplingRatio)) continue;
        auto t = inferrer.inferRecord(text.text().substr(r.begin, r.end - r.begin));
        if (!t) continue;
        merged = merged ? inferrer.compatibleRootType(*merged, *t) : *t;
      }
      if (records.empty()) break;
    }
    perFile[i] = std::move(merged);
  });
  DataTypePtr root = DataType::structOf({});
  for (const auto& t : perFile) {
    if (t) root = inferrer.compatibleRootType(root, *t);
  }
  auto canonical = canonicalize(root, o);
  if (canonical && (*canonical)->id() == TypeId::kStruct) return *canonical;
  return DataType::structOf({});
}

// A user schema: every column of a file source is nullable; the corrupt record column must be a
// string.
DataTypePtr prepareUserSchema(const DataTypePtr& schema, const JsonReadOptions& o) {
  if (schema->id() != TypeId::kStruct) {
    throw AnalysisError("INVALID_SCHEMA",
                        "The JSON schema must be a struct, got " + schema->sql() + ".");
  }
  std::vector<Field> fields;
  for (const auto& f : schema->fields()) {
    Field copy = f;
    copy.nullable = true;
    fields.push_back(std::move(copy));
  }
  return DataType::structOf(std::move(fields));
}

// ----- the scan

/// A scan over JSON Lines files with a fixed schema. Immutable; read() may run on any thread and
/// reads the files anew each time, one task per file or file split, in parallel.
class JsonScan final : public plan::ScanSource {
 public:
  JsonScan(std::vector<std::string> paths, std::vector<std::string> files, DataTypePtr schema,
           const JsonReadOptions& options)
      : paths_(std::move(paths)),
        files_(std::move(files)),
        schema_(std::move(schema)),
        options_(options),
        reader_(schema_, options, expr::JsonRecordMode::kFile) {}

  DataTypePtr schema() const override { return schema_; }

  plan::Partitions read() const override {
    std::vector<ScanTask> tasks = planTasks();
    plan::Partitions out(tasks.size());
    base::ThreadPool::global().parallelFor(tasks.size(),
                                           [&](size_t i) { out[i] = readTask(tasks[i]); });
    return out;
  }

  std::shared_ptr<const plan::ScanSource> withColumns(
      const std::vector<std::string>& names) const override {
    std::vector<Field> fields;
    for (const auto& f : schema_->fields()) {
      if (std::find(names.begin(), names.end(), f.name) != names.end()) fields.push_back(f);
    }
    return std::make_shared<JsonScan>(paths_, files_, DataType::structOf(std::move(fields)),
                                      options_);
  }

  std::string describe() const override {
    std::string out = "JsonScan [";
    for (size_t i = 0; i < paths_.size(); ++i) out += (i ? ", " : "") + paths_[i];
    return out + "]";
  }

 private:
  std::vector<ScanTask> planTasks() const {
    return planScanTasks(files_, !options_.multiLine && options_.lineSep.empty(), "JSON");
  }

  plan::Partition readTask(const ScanTask& task) const {
    TaskText text = loadTask(task);
    plan::Partition out;
    std::vector<JsonRecordSpan> records;
    size_t pos = text.begin;
    try {
      while (pos < text.size) {
        pos = nextRecords(text.text(), pos, options_, kBatchLines, records, text.carriageReturns);
        if (records.empty()) break;
        VectorPtr rows = reader_.parseRecords(text.text(), records);
        if (rows->size() == 0) continue;
        std::vector<VectorPtr> columns;
        for (size_t c = 0; c < rows->numChildren(); ++c) columns.push_back(rows->childPtr(c));
        out.emplace_back(schema_, std::move(columns), rows->size());
      }
    } catch (const InvalidInputError& e) {
      if (e.errorClass() != "MALFORMED_RECORD_IN_PARSING") throw;
      throw InvalidInputError(e.errorClass(), e.message() + " File: " + task.path + ".");
    }
    return out;
  }

  std::vector<std::string> paths_;
  std::vector<std::string> files_;
  DataTypePtr schema_;
  JsonReadOptions options_;
  expr::JsonReader reader_;
};

}  // namespace

std::shared_ptr<const plan::ScanSource> makeJsonScan(
    const std::vector<std::string>& paths, const std::optional<types::DataTypePtr>& schema,
    const plan::Options& options) {
  JsonReadOptions o = parseOptions(options);
  std::vector<std::string> files = listDataFiles(paths);
  DataTypePtr resolved;
  if (schema) {
    resolved = prepareUserSchema(*schema, o);
  } else {
    if (files.empty()) {
      throw AnalysisError("UNABLE_TO_INFER_SCHEMA",
                          "Unable to infer schema for JSON. It must be specified manually.");
    }
    resolved = inferSchema(files, o);
  }
  checkDuplicateColumns(*resolved);
  return std::make_shared<JsonScan>(paths, std::move(files), std::move(resolved), o);
}

}  // namespace weir::formats
