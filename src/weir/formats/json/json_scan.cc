// The JSON Lines scan: files are read whole (gzip-decompressed when they end in .gz), split into
// records at line ends, and parsed in batches by expr::JsonReader; without a user schema the
// schema is inferred from the data as Spark's JsonInferSchema does.
#include <simdjson.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>

#include "weir/base/error.h"
#include "weir/base/thread_pool.h"
#include "weir/expr/json_reader.h"
#include "weir/formats/file_listing.h"
#include "weir/formats/json/json_format.h"

namespace weir::formats {
namespace {

using types::DataType;
using types::DataTypePtr;
using types::TypeId;

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The file's text, decompressed when gzip; padded for simdjson.
std::string readText(const std::string& path) {
  if (!endsWith(path, ".gz")) {
    std::string text = readFile(path);
    text.reserve(text.size() + expr::jsonPadding());
    return text;
  }
  gzFile in = gzopen(path.c_str(), "rb");
  if (!in) throw IoError("IO_ERROR", "Cannot open " + path + " for reading");
  std::string text;
  char buf[1 << 16];
  int n;
  while ((n = gzread(in, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  int err = 0;
  const char* message = gzerror(in, &err);
  bool failed = n < 0 || (err != Z_OK && err != Z_STREAM_END);
  std::string why = failed ? message : "";
  gzclose(in);
  if (failed) {
    throw CorruptionError("CORRUPT_COMPRESSED_FILE", "Cannot decompress " + path + ": " + why +
                                                         ". The file is damaged or not gzip.");
  }
  text.reserve(text.size() + expr::jsonPadding());
  return text;
}

// Record spans: lines (without "\r\n" / "\n"), or the whole text for multiLine.
std::vector<expr::JsonRecordSpan> splitRecords(const std::string& text, bool multiLine) {
  std::vector<expr::JsonRecordSpan> spans;
  if (multiLine) {
    spans.push_back({0, text.size()});
    return spans;
  }
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    size_t stop = end;
    if (stop > start && text[stop - 1] == '\r') --stop;
    spans.push_back({start, stop});
    start = end + 1;
  }
  return spans;
}

// ----- schema inference

DataTypePtr merge(const DataTypePtr& a, const DataTypePtr& b);

DataTypePtr mergeStructs(const DataTypePtr& a, const DataTypePtr& b) {
  std::map<std::string, DataTypePtr> fields;
  for (const auto& f : a->fields()) fields[f.name] = f.type;
  for (const auto& f : b->fields()) {
    auto it = fields.find(f.name);
    fields[f.name] = it == fields.end() ? f.type : merge(it->second, f.type);
  }
  std::vector<types::Field> out;
  for (auto& [name, type] : fields) out.push_back({name, type, true, "{}"});
  return DataType::structOf(std::move(out));
}

// Spark's compatibleType for JSON: null gives way, numbers widen, everything else is a string.
DataTypePtr merge(const DataTypePtr& a, const DataTypePtr& b) {
  if (a->equals(*b, true)) return a;
  if (a->id() == TypeId::kNull) return b;
  if (b->id() == TypeId::kNull) return a;
  auto numeric = [](TypeId id) { return id == TypeId::kLong || id == TypeId::kDouble || id == TypeId::kDecimal; };
  if (numeric(a->id()) && numeric(b->id())) {
    if (a->id() == TypeId::kDouble || b->id() == TypeId::kDouble) return DataType::doubleType();
    if (a->id() == TypeId::kDecimal && b->id() == TypeId::kDecimal) {
      int scale = std::max(a->scale(), b->scale());
      int integral = std::max(a->precision() - a->scale(), b->precision() - b->scale());
      if (integral + scale > 38) return DataType::doubleType();
      return DataType::decimal(integral + scale, scale);
    }
    const auto& dec = a->id() == TypeId::kDecimal ? a : b;
    int integral = std::max(dec->precision() - dec->scale(), 20);
    if (integral + dec->scale() > 38) return DataType::doubleType();
    return DataType::decimal(integral + dec->scale(), dec->scale());
  }
  if (a->id() == TypeId::kStruct && b->id() == TypeId::kStruct) return mergeStructs(a, b);
  if (a->id() == TypeId::kArray && b->id() == TypeId::kArray) {
    return DataType::array(merge(a->elementType(), b->elementType()));
  }
  return DataType::string();
}

DataTypePtr inferElement(simdjson::dom::element e, const expr::JsonReadOptions& options) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::NULL_VALUE: return DataType::null();
    case element_type::BOOL: return options.primitivesAsString ? DataType::string() : DataType::boolean();
    case element_type::INT64:
    case element_type::UINT64: {
      if (options.primitivesAsString) return DataType::string();
      if (e.type() == element_type::UINT64) return DataType::decimal(20, 0);
      return DataType::longType();
    }
    case element_type::DOUBLE: {
      if (options.primitivesAsString) return DataType::string();
      if (options.prefersDecimal) {
        std::string text = simdjson::minify(e);
        auto dot = text.find('.');
        if (text.find_first_of("eE") == std::string::npos && dot != std::string::npos) {
          int scale = static_cast<int>(text.size() - dot - 1);
          int digits = 0;
          for (char c : text) digits += c >= '0' && c <= '9';
          int precision = std::max(digits, scale);
          if (precision <= 38) return DataType::decimal(precision, scale);
        }
      }
      return DataType::doubleType();
    }
    case element_type::STRING: return DataType::string();
    case element_type::ARRAY: {
      DataTypePtr element = DataType::null();
      for (auto child : e.get_array()) element = merge(element, inferElement(child, options));
      return DataType::array(element);
    }
    case element_type::OBJECT: {
      std::map<std::string, DataTypePtr> fields;
      for (auto field : e.get_object()) {
        std::string name(field.key);
        auto type = inferElement(field.value, options);
        auto it = fields.find(name);
        fields[name] = it == fields.end() ? type : merge(it->second, type);
      }
      std::vector<types::Field> out;
      for (auto& [name, type] : fields) out.push_back({name, type, true, "{}"});
      return DataType::structOf(std::move(out));
    }
  }
  return DataType::string();
}

// Null types become strings; structs left empty by that are kept (Spark drops only with
// dropFieldIfAllNull).
DataTypePtr canonicalize(const DataTypePtr& t, bool dropAllNull) {
  switch (t->id()) {
    case TypeId::kNull: return dropAllNull ? nullptr : DataType::string();
    case TypeId::kArray: {
      auto e = canonicalize(t->elementType(), false);
      return DataType::array(e ? e : DataType::string());
    }
    case TypeId::kStruct: {
      std::vector<types::Field> out;
      for (const auto& f : t->fields()) {
        auto c = canonicalize(f.type, dropAllNull);
        if (c) out.push_back({f.name, c, true, "{}"});
      }
      if (out.empty() && dropAllNull) return nullptr;
      return DataType::structOf(std::move(out));
    }
    default: return t;
  }
}

DataTypePtr inferSchema(const std::vector<std::string>& files, const expr::JsonReadOptions& options) {
  DataTypePtr root = DataType::structOf({});
  bool sawMalformed = false;
  std::mutex mutex;
  base::ThreadPool::global().parallelFor(files.size(), [&](size_t f) {
    std::string text = readText(files[f]);
    simdjson::dom::parser parser;
    DataTypePtr local = DataType::structOf({});
    bool malformed = false;
    uint64_t counter = 0;
    for (const auto& span : splitRecords(text, options.multiLine)) {
      std::string_view record(text.data() + span.begin, span.end - span.begin);
      bool blank = std::all_of(record.begin(), record.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
      if (blank) continue;
      if (options.samplingRatio < 1.0) {
        // Deterministic sampling: every k-th record.
        uint64_t every = static_cast<uint64_t>(1.0 / std::max(options.samplingRatio, 1e-9));
        if (counter++ % std::max<uint64_t>(every, 1) != 0) continue;
      }
      simdjson::dom::element doc;
      auto error = parser.parse(record.data(), record.size(), true).get(doc);
      if (error) {
        // Lenient syntax (comments, single quotes, ...) is normalized first, as Jackson reads it.
        std::string normalized;
        if (expr::normalizeJson(record, options.features, normalized) &&
            !parser.parse(normalized).get(doc)) {
          error = simdjson::SUCCESS;
        }
      }
      if (error) {
        if (options.mode == expr::JsonParseMode::kFailFast) {
          throw InvalidInputError("MALFORMED_RECORD_IN_PARSING",
                                  "Malformed records are detected in schema inference. Parse Mode: FAILFAST. "
                                  "File: " + files[f] + ", record: " + std::string(record.substr(0, 200)));
        }
        malformed = true;
        continue;
      }
      DataTypePtr t;
      if (doc.type() == simdjson::dom::element_type::OBJECT) {
        t = inferElement(doc, options);
      } else if (doc.type() == simdjson::dom::element_type::ARRAY) {
        // An array of objects gives one row per element.
        t = DataType::structOf({});
        bool objects = true;
        for (auto element : doc.get_array()) {
          if (element.type() != simdjson::dom::element_type::OBJECT) objects = false;
          else t = merge(t, inferElement(element, options));
        }
        if (!objects) malformed = true;
      } else {
        malformed = true;
        continue;
      }
      local = merge(local, t);
    }
    std::lock_guard lock(mutex);
    root = merge(root, local);
    sawMalformed |= malformed;
  });
  auto schema = canonicalize(root, options.dropFieldIfAllNull);
  if (!schema) schema = DataType::structOf({});
  if (sawMalformed && options.mode == expr::JsonParseMode::kPermissive && !schema->fieldIndex(options.corruptColumn)) {
    auto fields = schema->fields();
    fields.push_back({options.corruptColumn, DataType::string(), true, "{}"});
    std::sort(fields.begin(), fields.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    schema = DataType::structOf(std::move(fields));
  }
  return schema;
}

// Reads a text file (gzip-decompressed when it ends in .gz) in blocks of whole lines.
class BlockReader {
 public:
  static constexpr size_t kBlock = 8 << 20;

  explicit BlockReader(const std::string& path) : path_(path) {
    if (endsWith(path, ".gz")) {
      gz_ = gzopen(path.c_str(), "rb");
      if (!gz_) throw IoError("IO_ERROR", "Cannot open " + path + " for reading");
    } else {
      file_ = std::fopen(path.c_str(), "rb");
      if (!file_) throw IoError("IO_ERROR", "Cannot open " + path + " for reading");
    }
  }
  ~BlockReader() {
    if (gz_) gzclose(gz_);
    if (file_) std::fclose(file_);
  }
  BlockReader(const BlockReader&) = delete;
  BlockReader& operator=(const BlockReader&) = delete;

  /// Fills `block` with the next whole lines (the last line of the file may lack its newline).
  /// `carry` holds a partial line between calls. Returns false at the end of the file.
  bool next(std::string& carry, std::string& block) {
    if (done_ && carry.empty()) return false;
    block.swap(carry);
    carry.clear();
    size_t have = block.size();
    block.resize(have + kBlock + expr::jsonPadding());
    size_t got = 0;
    while (!done_ && got < kBlock) {
      size_t n = readSome(block.data() + have + got, kBlock - got);
      if (n == 0) done_ = true;
      got += n;
    }
    block.resize(have + got);
    if (!done_) {
      size_t lastNewline = block.rfind('\n');
      if (lastNewline == std::string::npos) {
        carry.swap(block);  // a line longer than a block: keep reading
        return next(carry, block);
      }
      carry.assign(block, lastNewline + 1, std::string::npos);
      block.resize(lastNewline + 1);
    }
    block.reserve(block.size() + expr::jsonPadding());
    return !block.empty() || !done_;
  }

 private:
  size_t readSome(char* out, size_t size) {
    if (gz_) {
      int n = gzread(gz_, out, static_cast<unsigned>(std::min<size_t>(size, 1 << 30)));
      if (n < 0) {
        int err = 0;
        throw CorruptionError("CORRUPT_COMPRESSED_FILE", "Cannot decompress " + path_ + ": " + gzerror(gz_, &err) +
                                                             ". The file is damaged or not gzip.");
      }
      return static_cast<size_t>(n);
    }
    size_t n = std::fread(out, 1, size, file_);
    if (n == 0 && std::ferror(file_)) throw IoError("IO_ERROR", "Cannot read " + path_);
    return n;
  }

  std::string path_;
  gzFile gz_ = nullptr;
  std::FILE* file_ = nullptr;
  bool done_ = false;
};

class JsonScan : public plan::ScanSource {
 public:
  JsonScan(std::vector<std::string> paths, std::vector<std::string> files, DataTypePtr schema,
           expr::JsonReadOptions options)
      : paths_(std::move(paths)),
        files_(std::move(files)),
        schema_(std::move(schema)),
        reader_(schema_, options, expr::JsonRecordMode::kFile),
        multiLine_(options.multiLine) {}

  DataTypePtr schema() const override { return schema_; }

  plan::Partitions read() const override {
    plan::Partitions out(files_.size());
    base::ThreadPool::global().parallelFor(files_.size(), [&](size_t f) {
      if (multiLine_) {
        std::string text = readText(files_[f]);
        parseInto(text, splitRecords(text, true), files_[f], out[f]);
        return;
      }
      // Lines are parsed block by block through one reused buffer, so memory stays bounded and
      // pages are not faulted in again for every block.
      BlockReader in(files_[f]);
      std::string buffer;
      std::string carry;
      while (in.next(carry, buffer)) {
        parseInto(buffer, splitRecords(buffer, false), files_[f], out[f]);
      }
    });
    return out;
  }

  std::shared_ptr<const plan::ScanSource> withColumns(const std::vector<std::string>& names) const override {
    std::vector<types::Field> fields;
    for (const auto& f : schema_->fields()) {
      if (std::find(names.begin(), names.end(), f.name) != names.end()) fields.push_back(f);
    }
    return std::make_shared<JsonScan>(paths_, files_, DataType::structOf(std::move(fields)), reader_.options());
  }

  std::string describe() const override {
    std::string out = "json [";
    for (size_t i = 0; i < paths_.size(); ++i) out += (i ? ", " : "") + paths_[i];
    return out + "]";
  }

 private:
  void parseInto(const std::string& text, const std::vector<expr::JsonRecordSpan>& spans, const std::string& file,
                 plan::Partition& out) const {
    for (size_t start = 0; start < spans.size(); start += columnar::kDefaultBatchRows) {
      size_t end = std::min(spans.size(), start + columnar::kDefaultBatchRows);
      std::vector<expr::JsonRecordSpan> chunk(spans.begin() + start, spans.begin() + end);
      columnar::VectorPtr rows;
      try {
        rows = reader_.parseRecords(text, chunk);
      } catch (const InvalidInputError& e) {
        throw InvalidInputError(e.errorClass(), e.message() + " (file " + file + ")");
      }
      if (rows->size() == 0) continue;
      std::vector<columnar::VectorPtr> columns;
      for (size_t c = 0; c < rows->numChildren(); ++c) columns.push_back(rows->childPtr(c));
      out.emplace_back(schema_, std::move(columns), rows->size());
    }
  }

  std::vector<std::string> paths_;
  std::vector<std::string> files_;
  DataTypePtr schema_;
  expr::JsonReader reader_;
  bool multiLine_;
};

}  // namespace

std::shared_ptr<const plan::ScanSource> makeJsonScan(const std::vector<std::string>& paths,
                                                     const std::optional<types::DataTypePtr>& schema,
                                                     const plan::Options& options) {
  auto readOptions = expr::JsonReadOptions::fromMap(options.all());
  auto files = listDataFiles(paths);
  DataTypePtr type = schema ? *schema : inferSchema(files, readOptions);
  if (type->id() != TypeId::kStruct) {
    throw AnalysisError("INVALID_SCHEMA", "The schema of a JSON read must be a struct, got " + type->sql() + ".");
  }
  return std::make_shared<JsonScan>(paths, std::move(files), type, readOptions);
}

}  // namespace weir::formats
