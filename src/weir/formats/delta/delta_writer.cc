#include "weir/formats/delta/delta_writer.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include <absl/container/flat_hash_map.h>

#include "weir/base/clock.h"
#include "weir/base/crash_point.h"
#include "weir/base/error.h"
#include "weir/base/log.h"
#include "weir/base/text.h"
#include "weir/base/thread_pool.h"
#include "weir/base/time.h"
#include "weir/expr/cast.h"
#include "weir/formats/delta/delta_table.h"
#include "weir/formats/file_listing.h"
#include "weir/formats/parquet/parquet_writer.h"
#include "weir/io/file_system.h"

namespace weir::formats::delta {

namespace {

namespace fs = std::filesystem;
using columnar::Value;
using columnar::Vector;
using nlohmann::ordered_json;
using types::DataType;
using types::DataTypePtr;
using types::TypeId;

// Hive's escaping of a partition directory name.
std::string escapePartition(const std::string& s) {
  static const std::string kSpecial = "\"#%'*/:=?\\\x7f{[]^";
  std::string out;
  for (unsigned char c : s) {
    if (c < 0x20 || kSpecial.find(static_cast<char>(c)) != std::string::npos) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// Percent-encoding of a relative path for an add action (RFC 3986 unreserved and '/' kept).
std::string uriEncode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/' || c == '=') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// Statistics of one leaf column (a top-level column, or a field inside structs) over the rows
// of a file, as Delta's stats JSON holds them.
struct LeafStats {
  std::vector<std::string> path;  // field names from the top-level column down
  const DataType* type = nullptr;
  bool any = false;
  Value min, max;
  int64_t nulls = 0;
};

// Delta collects statistics for the first 32 leaf columns (dataSkippingNumIndexedCols), struct
// fields counted one by one, arrays and maps as one leaf each.
constexpr size_t kIndexedLeaves = 32;

void collectLeaves(const DataType& type, std::vector<std::string>& path,
                   std::vector<LeafStats>& out) {
  for (const auto& f : type.fields()) {
    path.push_back(f.name);
    if (f.type->id() == TypeId::kStruct) {
      collectLeaves(*f.type, path, out);
    } else if (out.size() < kIndexedLeaves) {
      LeafStats leaf;
      leaf.path = path;
      leaf.type = f.type.get();
      out.push_back(std::move(leaf));
    }
    path.pop_back();
  }
}

bool statsType(const DataType& t) {
  return t.isNumeric() || t.id() == TypeId::kDate || t.id() == TypeId::kTimestamp ||
         t.id() == TypeId::kTimestampNtz || t.id() == TypeId::kString;
}

// Adds the rows of `v` (nullptr: all NULL) of type `t` to the leaves from `next` on, in the
// order collectLeaves made them. A field of a NULL struct is NULL, as Delta counts it.
void addToLeaves(const Vector* v, const DataType& t, const std::vector<uint8_t>& nullAbove,
                 std::vector<LeafStats>& leaves, size_t& next) {
  if (v != nullptr && v->typeId() == TypeId::kNull) v = nullptr;
  const size_t rows = nullAbove.size();
  if (t.id() == TypeId::kStruct) {
    std::vector<uint8_t> nulls = nullAbove;
    for (size_t r = 0; r < rows; ++r) nulls[r] |= v == nullptr || v->isNull(r);
    for (size_t i = 0; i < t.fields().size(); ++i) {
      addToLeaves(v != nullptr ? &v->child(i) : nullptr, *t.fields()[i].type, nulls, leaves, next);
    }
    return;
  }
  if (next >= leaves.size()) return;
  LeafStats& s = leaves[next++];
  for (size_t r = 0; r < rows; ++r) {
    if (nullAbove[r] || v == nullptr || v->isNull(r)) {
      ++s.nulls;
      continue;
    }
    if (!statsType(t)) continue;
    Value value = v->getValue(r);
    const bool floating = t.id() == TypeId::kDouble || t.id() == TypeId::kFloat;
    if (floating && std::isnan(value.asDouble())) continue;
    if (!s.any) {
      s.min = s.max = value;
      s.any = true;
    } else {
      if (value < s.min) s.min = value;
      if (s.max < value) s.max = value;
    }
  }
}

// A statistics value as JSON text. Decimals are written as numbers with all their digits (a
// double would round a wide decimal, and a rounded bound may exclude the real one).
std::string statsValue(const Value& v, const DataType& t) {
  switch (t.id()) {
    case TypeId::kFloat:
    case TypeId::kDouble:
      return nlohmann::json(v.asDouble()).dump();
    case TypeId::kDecimal:
      return v.asDecimal().toString();
    case TypeId::kDate:
      return nlohmann::json(base::formatDate(static_cast<int32_t>(v.asLong()))).dump();
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz: {
      // Millisecond precision, as Spark writes timestamp statistics.
      const int64_t micros = v.asLong();
      return nlohmann::json(base::formatTimestampIso(micros - ((micros % 1000) + 1000) % 1000,
                                                     t.id() == TypeId::kTimestamp))
          .dump();
    }
    case TypeId::kString:
      return nlohmann::json(v.asString()).dump();
    default:
      return std::to_string(v.asLong());
  }
}

// A JSON object built by paths, whose leaves are JSON texts; struct fields nest.
struct JsonTextObject {
  std::vector<std::string> keys;
  std::vector<JsonTextObject> members;
  std::string text;  // a leaf's JSON text; empty for an object

  void set(const std::vector<std::string>& path, size_t at, std::string value) {
    auto it = std::find(keys.begin(), keys.end(), path[at]);
    if (it == keys.end()) {
      keys.push_back(path[at]);
      members.emplace_back();
      it = keys.end() - 1;
    }
    JsonTextObject& member = members[static_cast<size_t>(it - keys.begin())];
    if (at + 1 == path.size()) {
      member.text = std::move(value);
    } else {
      member.set(path, at + 1, std::move(value));
    }
  }
  std::string dump() const {
    if (!text.empty()) return text;
    std::string out = "{";
    for (size_t i = 0; i < keys.size(); ++i) {
      out += (i ? "," : "") + nlohmann::json(keys[i]).dump() + ":" + members[i].dump();
    }
    return out + "}";
  }
};

// Writes the rows `rows` of `batch` (data columns only) as one Parquet file.
DataFile writeFile(io::FileSystem& fileSystem, const std::string& table, const std::string& dir, size_t task,
                  const std::string& uuid, const std::vector<columnar::ColumnBatch>& batches, const DataTypePtr& dataSchema,
                  const parquet::WriterOptions& options) {
  parquet::FileWriter writer(dataSchema, options);
  std::vector<LeafStats> leaves;
  {
    std::vector<std::string> path;
    collectLeaves(*dataSchema, path, leaves);
  }
  int64_t rows = 0;
  for (const auto& b : batches) {
    writer.write(b);
    rows += static_cast<int64_t>(b.numRows());
    const std::vector<uint8_t> noNulls(b.numRows(), 0);
    size_t next = 0;
    for (size_t c = 0; c < dataSchema->fields().size() && next < leaves.size(); ++c) {
      addToLeaves(b.column(c).get(), *dataSchema->fields()[c].type, noNulls, leaves, next);
    }
  }
  const std::string codec = parquet::codecExtension(options.codec);
  char name[64];
  std::snprintf(name, sizeof name, "part-%05zu-", task);
  const std::string file = std::string(name) + uuid + ".c000." + (codec.empty() ? "" : codec + ".") + "parquet";
  DataFile out;
  out.path = dir.empty() ? file : dir + "/" + file;
  const std::string bytes = writer.finish();
  const fs::path full = fs::path(table) / out.path;
  fileSystem.writeAtomic(full.string(), bytes, true);
  out.size = static_cast<int64_t>(bytes.size());
  out.rows = rows;
  JsonTextObject mins, maxs, nulls;
  for (const auto& leaf : leaves) {
    nulls.set(leaf.path, 0, std::to_string(leaf.nulls));
    if (!leaf.any) continue;
    // Long strings are left out rather than truncated.
    const bool isString = leaf.type->id() == TypeId::kString;
    if (isString && (leaf.min.asString().size() > 32 || leaf.max.asString().size() > 32)) continue;
    mins.set(leaf.path, 0, statsValue(leaf.min, *leaf.type));
    maxs.set(leaf.path, 0, statsValue(leaf.max, *leaf.type));
  }
  out.stats = "{\"numRecords\":" + std::to_string(rows) + ",\"minValues\":" + mins.dump() +
              ",\"maxValues\":" + maxs.dump() + ",\"nullCount\":" + nulls.dump() + "}";
  return out;
}

bool containsTimestampNtz(const DataType& t) {
  if (t.id() == TypeId::kTimestampNtz) return true;
  for (const auto& f : t.fields()) {
    if (containsTimestampNtz(*f.type)) return true;
  }
  if (t.id() == TypeId::kArray) return containsTimestampNtz(*t.elementType());
  if (t.id() == TypeId::kMap) {
    return containsTimestampNtz(*t.keyType()) || containsTimestampNtz(*t.valueType());
  }
  return false;
}

bool listed(const std::vector<std::string>& features, const std::string& name) {
  return std::find(features.begin(), features.end(), name) != features.end();
}

// The features a legacy writer version implies (protocol section 8.1).
std::vector<std::string> legacyWriterFeatures(int writerVersion) {
  static const std::vector<std::pair<int, std::string>> kLegacy = {
      {2, "appendOnly"},       {2, "invariants"},    {3, "checkConstraints"}, {4, "changeDataFeed"},
      {4, "generatedColumns"}, {5, "columnMapping"}, {6, "identityColumns"}};
  std::vector<std::string> out;
  for (const auto& [version, feature] : kLegacy) {
    if (writerVersion >= version) out.push_back(feature);
  }
  return out;
}

// The columns (dotted paths, nested fields included) whose field metadata has a key starting
// with `prefix`, in schema order.
void columnsWithMetadata(const DataType& type, const std::string& prefix, const std::string& path,
                         std::vector<std::string>& out) {
  if (type.id() == TypeId::kArray) {
    columnsWithMetadata(*type.elementType(), prefix, path + ".element", out);
    return;
  }
  if (type.id() == TypeId::kMap) {
    columnsWithMetadata(*type.keyType(), prefix, path + ".key", out);
    columnsWithMetadata(*type.valueType(), prefix, path + ".value", out);
    return;
  }
  for (const auto& f : type.fields()) {
    const std::string name = path.empty() ? f.name : path + "." + f.name;
    const auto meta = nlohmann::json::parse(f.metadata, nullptr, false);
    if (meta.is_object()) {
      for (const auto& [key, value] : meta.items()) {
        if (key.rfind(prefix, 0) == 0) {
          out.push_back(name);
          break;
        }
      }
    }
    columnsWithMetadata(*f.type, prefix, name, out);
  }
}

std::string quotedList(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "`" : ", `") + n + "`";
  return out;
}

// delta.appendOnly, when the protocol supports it (writer version 2 or the feature listed),
// forbids removing files with dataChange: an overwrite of a table that has files.
void checkAppendOnly(const Snapshot& s, const std::string& mode) {
  const bool supported =
      s.minWriterVersion >= 7 ? listed(s.writerFeatures, "appendOnly") : s.minWriterVersion >= 2;
  auto it = s.configuration.find("delta.appendOnly");
  if (!supported || it == s.configuration.end() || base::asciiLower(it->second) != "true") return;
  if (mode != "overwrite" || s.files.empty()) return;
  throw UnsupportedOperationError(
      "DELTA_CANNOT_MODIFY_APPEND_ONLY",
      "The Delta table at " + s.tablePath + " is append-only (delta.appendOnly = " + it->second +
          "): an overwrite would remove its files. Append to it, or "
          "set delta.appendOnly to false with a Delta writer that changes table "
          "properties.");
}

// The protocol action a commit of a table with `schema` needs on top of `current` (nullptr: a
// new table), or "" when the current protocol will do. New tables are (1, 2), as Spark makes
// them, unless a TIMESTAMP_NTZ column needs the timestampNtz feature: then (3, 7) with the
// feature in both lists, and a table upgraded to it keeps what its old versions implied.
std::string protocolAction(const Snapshot* current, const DataType& schema) {
  const bool ntz = containsTimestampNtz(schema);
  if (current == nullptr && !ntz) {
    return ordered_json({{"protocol", {{"minReaderVersion", 1}, {"minWriterVersion", 2}}}}).dump();
  }
  if (!ntz || (current != nullptr && current->minReaderVersion >= 3 &&
               current->minWriterVersion >= 7 && listed(current->readerFeatures, "timestampNtz") &&
               listed(current->writerFeatures, "timestampNtz"))) {
    return "";
  }
  std::vector<std::string> readerFeatures, writerFeatures;
  if (current != nullptr) {
    if (current->minReaderVersion >= 3) readerFeatures = current->readerFeatures;
    if (current->minWriterVersion >= 7) {
      writerFeatures = current->writerFeatures;
    } else {
      writerFeatures = legacyWriterFeatures(current->minWriterVersion);
    }
  }
  if (!listed(readerFeatures, "timestampNtz")) readerFeatures.push_back("timestampNtz");
  if (!listed(writerFeatures, "timestampNtz")) writerFeatures.push_back("timestampNtz");
  return ordered_json({{"protocol",
                        {{"minReaderVersion", 3},
                         {"minWriterVersion", 7},
                         {"readerFeatures", readerFeatures},
                         {"writerFeatures", writerFeatures}}}})
      .dump();
}

}  // namespace

bool knownWriterFeature(const std::string& name) {
  static const std::set<std::string> kKnown = {
      "appendOnly",       "invariants",        "checkConstraints",   "changeDataFeed",
      "generatedColumns", "columnMapping",     "identityColumns",    "deletionVectors",
      "timestampNtz",     "domainMetadata",    "v2Checkpoint",       "vacuumProtocolCheck",
      "clustering",       "inCommitTimestamp", "allowColumnDefaults"};
  return kKnown.count(name) > 0;
}

std::vector<std::string> unsupportedWriterFeatures(const Snapshot& s) {
  std::vector<std::string> out;
  if (s.minWriterVersion > 7) {
    out.push_back("writer version " + std::to_string(s.minWriterVersion));
    return out;
  }
  auto feature = [&](const std::string& name, const std::string& why) {
    out.push_back("the writer feature '" + name + "'" + (why.empty() ? "" : " (" + why + ")"));
  };
  auto columns = [&](const std::string& prefix) {
    std::vector<std::string> names;
    columnsWithMetadata(*s.schema, prefix, "", names);
    return names;
  };
  const std::vector<std::string> features =
      s.minWriterVersion >= 7 ? s.writerFeatures : legacyWriterFeatures(s.minWriterVersion);
  bool mappingNamed = false;
  for (const auto& name : features) {
    // Honoured whatever the table holds: appends and whole-file removes need no change data
    // files, deletion vectors are kept or removed with their files, domains are carried into
    // checkpoints (clustering's among them), V2-checkpoint tables get no checkpoint from Weir,
    // and appendOnly is checked by writeTable.
    if (name == "appendOnly" || name == "changeDataFeed" || name == "deletionVectors" ||
        name == "timestampNtz" || name == "domainMetadata" || name == "v2Checkpoint" ||
        name == "vacuumProtocolCheck" || name == "clustering") {
      continue;
    }
    // Honoured while the table holds nothing Weir would have to enforce or compute.
    if (name == "invariants" || name == "generatedColumns" || name == "identityColumns" ||
        name == "allowColumnDefaults") {
      const std::string prefix = name == "invariants"         ? "delta.invariants"
                                 : name == "generatedColumns" ? "delta.generationExpression"
                                 : name == "identityColumns"  ? "delta.identity."
                                                              : "CURRENT_DEFAULT";
      const auto found = columns(prefix);
      if (!found.empty()) feature(name, "columns " + quotedList(found));
      continue;
    }
    if (name == "checkConstraints") {
      std::vector<std::string> constraints;
      for (const auto& [key, value] : s.configuration) {
        if (key.rfind("delta.constraints.", 0) == 0) constraints.push_back(key);
      }
      if (!constraints.empty()) feature(name, "constraints " + quotedList(constraints));
      continue;
    }
    if (name == "columnMapping") {
      auto mode = s.configuration.find("delta.columnMapping.mode");
      if (mode != s.configuration.end() && mode->second != "none") {
        feature(name, "mode " + mode->second);
        mappingNamed = true;
      }
      continue;
    }
    if (name == "inCommitTimestamp") {
      auto enabled = s.configuration.find("delta.enableInCommitTimestamps");
      if (enabled != s.configuration.end() && base::asciiLower(enabled->second) == "true") {
        feature(name, "enabled by delta.enableInCommitTimestamps");
      }
      continue;
    }
    // rowTracking (row ids to assign), icebergCompat*, and whatever Weir does not know.
    feature(name, "");
  }
  // Data files named by physical names, whichever list names the feature (DAT's
  // iceberg_compat_v1 names it among the writer features of a reader version 3 table).
  if (s.columnMappingMode != "none" && !mappingNamed) {
    feature("columnMapping", "mode " + s.columnMappingMode);
  }
  return out;
}

void checkWriterFeatures(const Snapshot& s) {
  const auto missing = unsupportedWriterFeatures(s);
  if (missing.empty()) return;
  std::string list;
  for (size_t i = 0; i < missing.size(); ++i) {
    list += (i == 0 ? "" : i + 1 == missing.size() ? " and " : ", ") + missing[i];
  }
  throw UnsupportedOperationError("DELTA_UNSUPPORTED_FEATURES",
                                  "The Delta table at " + s.tablePath + " requires " + list +
                                      ", which Weir does not support yet; write to it with a Delta "
                                      "writer that does (Spark, delta-rs).");
}

std::vector<DataFile> writeDataFiles(const plan::Partitions& data, const DataTypePtr& schema,
                                     const std::vector<std::string>& partitions, const std::string& table,
                                     const plan::Options& writeOptions,
                                     const std::shared_ptr<io::FileSystem>& fileSystem) {
  const std::shared_ptr<io::FileSystem> fsys = fileSystem ? fileSystem : io::localFileSystem();
  std::vector<size_t> dataIdx, partIdx;
  std::vector<types::Field> dataFields;
  for (size_t i = 0; i < schema->fields().size(); ++i) {
    const auto& f = schema->fields()[i];
    if (std::find(partitions.begin(), partitions.end(), f.name) != partitions.end()) continue;
    dataIdx.push_back(i);
    dataFields.push_back(f);
  }
  for (const auto& p : partitions) {
    auto at = schema->fieldIndex(p);
    if (!at) throw AnalysisError("DELTA_PARTITION_COLUMN_NOT_FOUND", "The partition column `" + p + "` is not in the data.");
    partIdx.push_back(*at);
  }
  const DataTypePtr dataSchema = DataType::structOf(dataFields);
  parquet::WriterOptions options;
  options.codec = parquet::codecOption(writeOptions);
  const std::string uuid = randomUuid();
  std::vector<std::vector<DataFile>> written(data.size());
  base::ThreadPool::global().parallelFor(data.size(), [&](size_t task) {
    // The rendered partition values of each row, and the rows of each distinct tuple.
    std::map<std::vector<std::optional<std::string>>, std::vector<columnar::ColumnBatch>> groups;
    for (const auto& batch : data[task]) {
      if (batch.numRows() == 0) continue;
      // Rows are grouped by the raw bytes of their partition values (a row usually has the values
      // of the row before it), and each group's values are rendered once, from its first row.
      std::vector<const columnar::Vector*> partCols;
      for (size_t p : partIdx) partCols.push_back(batch.column(p).get());
      absl::flat_hash_map<std::string, uint32_t> groupOf;
      std::vector<std::vector<uint32_t>> groupRows;
      std::string raw, previous;
      uint32_t previousGroup = 0;
      for (size_t r = 0; r < batch.numRows(); ++r) {
        raw.clear();
        for (const columnar::Vector* v : partCols) {
          if (v->isNull(r)) {
            raw.push_back('\0');
            continue;
          }
          raw.push_back('\1');
          auto appendSized = [&raw](std::string_view bytes) {
            const auto size = static_cast<uint32_t>(bytes.size());
            raw.append(reinterpret_cast<const char*>(&size), sizeof size);
            raw.append(bytes.data(), bytes.size());
          };
          if (const int width = v->type()->fixedWidth(); width > 0) {
            raw.append(v->values<char>() + r * static_cast<size_t>(width), static_cast<size_t>(width));
          } else if (v->type()->isNested()) {
            appendSized(v->toString(r));  // Delta allows no nested partition value; kept correct anyway
          } else {
            appendSized(v->stringAt(r));  // strings and binary
          }
        }
        if (r == 0 || raw != previous) {
          auto [it, added] = groupOf.try_emplace(raw, static_cast<uint32_t>(groupRows.size()));
          if (added) groupRows.emplace_back();
          previousGroup = it->second;
          previous.swap(raw);
        }
        groupRows[previousGroup].push_back(static_cast<uint32_t>(r));
      }
      std::map<std::vector<std::optional<std::string>>, std::vector<uint32_t>> rows;
      for (auto& idx : groupRows) {
        std::vector<std::optional<std::string>> key;
        for (size_t p : partIdx) {
          // An empty value is NULL, as Spark writes it (a directory `p=` is no Hive partition,
          // and the protocol reads "" as NULL).
          const auto v = expr::castVector(batch.column(p)->gather(idx.data(), 1), DataType::string());
          key.push_back(v->isNull(0) || v->stringAt(0).empty() ? std::nullopt
                                                               : std::optional<std::string>(std::string(v->stringAt(0))));
        }
        auto& into = rows[key];  // values that render alike (NaNs of different bits) share a file
        if (into.empty()) {
          into = std::move(idx);
        } else {
          into.insert(into.end(), idx.begin(), idx.end());
          std::sort(into.begin(), into.end());
        }
      }
      for (auto& [key, idx] : rows) {
        std::vector<columnar::VectorPtr> cols;
        for (size_t c : dataIdx) cols.push_back(batch.column(c)->gather(idx.data(), idx.size()));
        groups[key].push_back(columnar::ColumnBatch(dataSchema, std::move(cols), idx.size()));
      }
    }
    for (auto& [key, batches] : groups) {
      std::string dir;
      std::map<std::string, std::optional<std::string>> values;
      for (size_t i = 0; i < partitions.size(); ++i) {
        dir += (dir.empty() ? "" : "/") + escapePartition(partitions[i]) + "=" +
               (key[i] ? escapePartition(*key[i]) : std::string("__HIVE_DEFAULT_PARTITION__"));
        values[partitions[i]] = key[i];
      }
      DataFile f = writeFile(*fsys, table, dir, task, uuid, batches, dataSchema, options);
      f.partitionValues = std::move(values);
      written[task].push_back(std::move(f));
    }
  });

  std::vector<DataFile> out;
  for (auto& task : written) {
    for (auto& f : task) out.push_back(std::move(f));
  }
  return out;
}

std::string addAction(const DataFile& f, int64_t modificationTime, bool dataChange) {
  ordered_json a;
  a["path"] = uriEncode(f.path);
  ordered_json pv = ordered_json::object();
  for (const auto& [k, v] : f.partitionValues) pv[k] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  a["partitionValues"] = pv;
  a["size"] = f.size;
  a["modificationTime"] = modificationTime;
  a["dataChange"] = dataChange;
  a["stats"] = f.stats;
  return ordered_json({{"add", a}}).dump();
}

std::string removeAction(const AddFile& f, int64_t deletionTimestamp, bool dataChange) {
  ordered_json r;
  r["path"] = uriEncode(f.path);
  r["deletionTimestamp"] = deletionTimestamp;
  r["dataChange"] = dataChange;
  r["extendedFileMetadata"] = true;
  ordered_json pv = ordered_json::object();
  for (const auto& [k, v] : f.partitionValues) pv[k] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  r["partitionValues"] = pv;
  r["size"] = f.size;
  if (f.stats) r["stats"] = *f.stats;
  if (f.deletionVector) r["deletionVector"] = f.deletionVector->toJson();
  return ordered_json({{"remove", r}}).dump();
}

int64_t writeTable(const plan::Partitions& data, const DataTypePtr& schema, const WriteRequest& request) {
  const std::string& table = request.tablePath;
  const std::string mode = base::asciiLower(request.mode);
  if (mode != "error" && mode != "errorifexists" && mode != "append" && mode != "overwrite" && mode != "ignore") {
    throw InvalidInputError("INVALID_SAVE_MODE", "Unknown save mode '" + request.mode +
                                                     "'. Use one of: error, errorifexists, append, overwrite, ignore.");
  }
  const std::shared_ptr<io::FileSystem> fsys = request.fileSystem ? request.fileSystem : io::localFileSystem();
  std::string txnAppId = request.txnAppId;
  int64_t txnVersion = request.txnVersion;
  if (txnAppId.empty() && (request.options.has("txnAppId") || request.options.has("txnVersion"))) {
    if (!request.options.has("txnAppId") || !request.options.has("txnVersion")) {
      throw InvalidInputError("DELTA_INVALID_IDEMPOTENT_WRITE_OPTIONS",
                              "Idempotent Delta writes need both txnAppId and txnVersion.");
    }
    txnAppId = request.options.get("txnAppId");
    try {
      txnVersion = std::stoll(request.options.get("txnVersion"));
    } catch (const std::exception&) {
      throw InvalidInputError("DELTA_INVALID_IDEMPOTENT_WRITE_OPTIONS", "txnVersion must be a number.");
    }
  }
  const bool exists = fs::is_directory(fs::path(table) / "_delta_log") &&
                      !fs::is_empty(fs::path(table) / "_delta_log");
  std::optional<Snapshot> current;
  if (exists) {
    if (mode == "ignore") return -1;
    if (mode == "error" || mode == "errorifexists") {
      throw AnalysisError("DELTA_TABLE_ALREADY_EXISTS",
                          "The Delta table " + table + " already exists. Use mode(\"append\") or mode(\"overwrite\").");
    }
    current = loadSnapshot(table);
    checkWriterFeatures(*current);
    checkAppendOnly(*current, mode);
    if (!txnAppId.empty()) {
      auto it = current->transactions.find(txnAppId);
      if (it != current->transactions.end() && it->second >= txnVersion) return -1;  // already written
    }
  } else if (fs::exists(table) && !fs::is_empty(table) && mode != "overwrite" && mode != "append") {
    throw AnalysisError("DELTA_PATH_NOT_EMPTY", table + " exists and is not a Delta table. Write to an empty path.");
  }
  for (const auto& f : schema->fields()) {
    if (f.type->id() == TypeId::kNull) {
      throw AnalysisError("DELTA_UNSUPPORTED_DATA_TYPE", "The column `" + f.name + "` has the type VOID, which a "
                                                         "Delta table cannot hold. Cast it to a concrete type.");
    }
  }
  // The partition columns: as given, else the table's.
  std::vector<std::string> partitions = request.partitionColumns;
  if (current) {
    if (!partitions.empty() && partitions != current->partitionColumns && mode == "append") {
      throw AnalysisError("DELTA_PARTITION_COLUMNS_MISMATCH",
                          "partitionBy does not match the partition columns of the Delta table " + table +
                              ". Leave partitionBy out when appending, or overwrite with overwriteSchema.");
    }
    if (partitions.empty()) partitions = current->partitionColumns;
  }
  for (const auto& p : partitions) {
    if (!schema->fieldIndex(p)) {
      throw AnalysisError("DELTA_PARTITION_COLUMN_NOT_FOUND", "The partition column `" + p + "` is not in the data.");
    }
  }
  // The table schema after this write.
  DataTypePtr tableSchema = schema;
  bool newMetadata = !current;
  const bool mergeSchema = request.options.getBool("mergeSchema", false);
  const bool overwriteSchema = request.options.getBool("overwriteSchema", false) && mode == "overwrite";
  if (current && !overwriteSchema) {
    if (current->schema->sql() != schema->sql()) {
      if (!mergeSchema) {
        throw AnalysisError("DELTA_SCHEMA_MISMATCH",
                            "The data's schema " + schema->sql() + " differs from the Delta table's " +
                                current->schema->sql() + ". Set option mergeSchema to add new columns, or "
                                "overwriteSchema with mode(\"overwrite\") to replace the schema.");
      }
      std::vector<types::Field> fields = current->schema->fields();
      for (const auto& f : schema->fields()) {
        auto it = std::find_if(fields.begin(), fields.end(), [&](const types::Field& g) { return g.name == f.name; });
        if (it == fields.end()) {
          fields.push_back(f);
        } else if (it->type->sql() != f.type->sql()) {
          throw AnalysisError("DELTA_FAILED_TO_MERGE_FIELDS",
                              "Failed to merge the column `" + f.name + "`: the table has " + it->type->sql() +
                                  ", the data " + f.type->sql() + ". Cast it, or overwrite with overwriteSchema.");
        }
      }
      tableSchema = DataType::structOf(std::move(fields));
      newMetadata = true;
    } else {
      tableSchema = current->schema;
    }
  } else if (current) {
    newMetadata = true;
  }
  if (current && current->partitionColumns != partitions) newMetadata = true;

  const std::vector<DataFile> files = writeDataFiles(data, schema, partitions, table, request.options, fsys);
  base::crashPoint("after-delta-data");

  // The commit, created only if its version does not exist yet.
  int64_t committed = -1;
  for (int attempt = 0;; ++attempt) {
    const int64_t version = current ? current->version + 1 : 0;
    const int64_t now = base::systemClock()->nowMs();
    std::string commit;
    int64_t numFiles = 0, numRows = 0, numBytes = 0;
    for (const auto& f : files) {
      ++numFiles;
      numRows += f.rows;
      numBytes += f.size;
    }
    ordered_json info;
    info["timestamp"] = now;
    info["operation"] = request.operation;
    ordered_json params;
    if (!request.queryId.empty()) {
      info["operation"] = "STREAMING UPDATE";
      std::string outputMode = request.outputMode;
      if (!outputMode.empty()) outputMode[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(outputMode[0])));
      params["outputMode"] = outputMode;
      params["queryId"] = request.queryId;
      params["epochId"] = std::to_string(txnVersion);
    } else {
      params["mode"] = mode == "append" ? "Append" : mode == "overwrite" ? "Overwrite" : "ErrorIfExists";
      params["partitionBy"] = nlohmann::json(partitions).dump();
    }
    info["operationParameters"] = params;
    if (current) info["readVersion"] = current->version;
    info["isolationLevel"] = "Serializable";
    info["isBlindAppend"] = mode == "append";
    info["operationMetrics"] = {{"numFiles", std::to_string(numFiles)}, {"numOutputRows", std::to_string(numRows)},
                                {"numOutputBytes", std::to_string(numBytes)}};
    info["engineInfo"] = request.engineInfo;
    info["txnId"] = randomUuid();
    commit += ordered_json({{"commitInfo", info}}).dump() + "\n";
    if (!txnAppId.empty()) {
      commit += ordered_json({{"txn", {{"appId", txnAppId}, {"version", txnVersion}, {"lastUpdated", now}}}}).dump() + "\n";
    }
    const std::string protocol = protocolAction(current ? &*current : nullptr, *tableSchema);
    if (!protocol.empty()) commit += protocol + "\n";
    if (newMetadata) {
      ordered_json meta;
      meta["id"] = current ? current->tableId : randomUuid();
      meta["format"] = {{"provider", "parquet"}, {"options", nlohmann::json::object()}};
      meta["schemaString"] = tableSchema->json();
      meta["partitionColumns"] = partitions;
      meta["configuration"] = current ? nlohmann::json(current->configuration) : nlohmann::json::object();
      meta["createdTime"] = current ? current->createdTime : now;
      commit += ordered_json({{"metaData", meta}}).dump() + "\n";
    }
    if (current && mode == "overwrite") {
      for (const auto& f : current->files) commit += removeAction(f, now, true) + "\n";
    }
    for (const auto& f : files) commit += addAction(f, now, true) + "\n";
    const std::string commitPath = (fs::path(table) / "_delta_log" / (versionFileName(version) + ".json")).string();
    if (fsys->writeAtomic(commitPath, commit, false)) {
      committed = version;
      break;
    }
    // Another writer committed this version first. An append that changes neither the schema nor
    // the partitioning cannot conflict with other appends: it goes on top of the winners.
    Snapshot winner = loadSnapshot(table);
    const bool compatible = mode == "append" && winner.schema->sql() == tableSchema->sql() &&
                            winner.partitionColumns == partitions &&
                            (!newMetadata || !current) && attempt < 100;
    if (!compatible) {
      throw UnsupportedOperationError("DELTA_CONCURRENT_WRITE",
                                      "Another writer committed version " + std::to_string(version) + " of the Delta "
                                      "table " + table + " first, and this write (" + mode + (newMetadata ? ", with a "
                                      "schema change" : "") + ") cannot be applied on top of it. Retry the write; its "
                                      "data files are left unreferenced.");
    }
    if (!txnAppId.empty()) {
      auto it = winner.transactions.find(txnAppId);
      if (it != winner.transactions.end() && it->second >= txnVersion) return -1;  // the winner was this transaction
    }
    checkWriterFeatures(winner);  // the winners may have changed the protocol or the metadata
    current = std::move(winner);
    newMetadata = false;
  }
  checkpointIfDue(table, committed, current ? current->configuration : std::map<std::string, std::string>{}, fsys);
  return committed;
}

void checkpointIfDue(const std::string& tablePath, int64_t version, const std::map<std::string, std::string>& configuration,
                     const std::shared_ptr<io::FileSystem>& fileSystem) {
  int64_t interval = 10;
  auto it = configuration.find("delta.checkpointInterval");
  if (it != configuration.end()) {
    try {
      interval = std::max<int64_t>(1, std::stoll(it->second));
    } catch (const std::exception&) {
    }
  }
  if (version > 0 && version % interval == 0) writeCheckpoint(tablePath, version, fileSystem);
}

}  // namespace weir::formats::delta

namespace weir::formats::delta {

namespace {

// The classic checkpoint layout: the columns and fields Spark writes, in its order (all OPTIONAL).
types::DataTypePtr checkpointSchema() {
  static const std::string kDeletionVector =
      "deletionVector: STRUCT<storageType: STRING, pathOrInlineDv: STRING, offset: INT, "
      "sizeInBytes: INT, cardinality: BIGINT, maxRowIndex: BIGINT>";
  static const std::string kTxn =
      "txn: STRUCT<appId: STRING, version: BIGINT, lastUpdated: BIGINT>";
  static const std::string kAdd =
      "add: STRUCT<path: STRING, partitionValues: MAP<STRING, STRING>, size: BIGINT, "
      "modificationTime: BIGINT, dataChange: BOOLEAN, tags: MAP<STRING, STRING>, " +
      kDeletionVector +
      ", baseRowId: BIGINT, defaultRowCommitVersion: BIGINT, clusteringProvider: STRING, "
      "stats: STRING>";
  static const std::string kRemove =
      "remove: STRUCT<path: STRING, deletionTimestamp: BIGINT, dataChange: BOOLEAN, "
      "extendedFileMetadata: BOOLEAN, partitionValues: MAP<STRING, STRING>, size: BIGINT, " +
      kDeletionVector + ", baseRowId: BIGINT, defaultRowCommitVersion: BIGINT>";
  static const std::string kMetaData =
      "metaData: STRUCT<id: STRING, name: STRING, description: STRING, "
      "format: STRUCT<provider: STRING, options: MAP<STRING, STRING>>, schemaString: STRING, "
      "partitionColumns: ARRAY<STRING>, configuration: MAP<STRING, STRING>, createdTime: BIGINT>";
  static const std::string kProtocol =
      "protocol: STRUCT<minReaderVersion: INT, minWriterVersion: INT, "
      "readerFeatures: ARRAY<STRING>, writerFeatures: ARRAY<STRING>>";
  static const std::string kDomainMetadata =
      "domainMetadata: STRUCT<domain: STRING, configuration: STRING, removed: BOOLEAN>";
  static const auto schema =
      types::DataType::fromDDL("STRUCT<" + kTxn + ", " + kAdd + ", " + kRemove + ", " + kMetaData +
                               ", " + kProtocol + ", " + kDomainMetadata + ">");
  return schema;
}

// The checkpoint's columns, in checkpointSchema's order.
enum class CheckpointColumn : uint8_t {
  kTxn,
  kAdd,
  kRemove,
  kMetaData,
  kProtocol,
  kDomainMetadata,
  kCount
};

columnar::Row checkpointRow(CheckpointColumn column, columnar::Value value) {
  std::vector<columnar::Value> values(static_cast<size_t>(CheckpointColumn::kCount),
                                      columnar::Value::null());
  values[static_cast<size_t>(column)] = std::move(value);
  return columnar::Row(std::move(values));
}

columnar::Value stringOrNull(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return columnar::Value::null();
  return columnar::Value::string(j[key].is_string() ? j[key].get<std::string>() : j[key].dump());
}

columnar::Value integerOrNull(const std::optional<int64_t>& v) {
  return v ? columnar::Value::integer(*v) : columnar::Value::null();
}

columnar::Value stringMap(const std::map<std::string, std::optional<std::string>>& m) {
  std::vector<columnar::Value> entries;
  for (const auto& [k, v] : m) {
    entries.push_back(columnar::Value::string(k));
    entries.push_back(v ? columnar::Value::string(*v) : columnar::Value::null());
  }
  return columnar::Value::map(std::move(entries));
}

columnar::Value deletionVector(const std::optional<DeletionVectorDescriptor>& vector) {
  using columnar::Value;
  if (!vector) return Value::null();
  const auto& dv = *vector;
  return Value::structOf({Value::string(dv.storageType), Value::string(dv.pathOrInlineDv),
                          dv.offset ? Value::integer(*dv.offset) : Value::null(), Value::integer(dv.sizeInBytes),
                          Value::integer(dv.cardinality), dv.maxRowIndex ? Value::integer(*dv.maxRowIndex) : Value::null()});
}

bool propertyIs(const std::map<std::string, std::string>& configuration, const std::string& key,
                const std::string& value) {
  auto it = configuration.find(key);
  return it != configuration.end() && base::asciiLower(it->second) == value;
}

}  // namespace

void writeCheckpoint(const std::string& table, int64_t version, const std::shared_ptr<io::FileSystem>& fileSystem) {
  const Snapshot s = loadSnapshot(table, version);
  // Tables with V2 checkpoints must not get classic (V1) ones, and Weir does not write V2 ones yet.
  if (std::find(s.writerFeatures.begin(), s.writerFeatures.end(), "v2Checkpoint") != s.writerFeatures.end()) return;
  // Nor does it write the typed statistics (stats_parsed) a table asking for them must get.
  if (propertyIs(s.configuration, "delta.checkpoint.writeStatsAsStruct", "true")) return;
  const bool statsAsJson =
      !propertyIs(s.configuration, "delta.checkpoint.writeStatsAsJson", "false");
  using columnar::Value;
  using Column = CheckpointColumn;
  std::vector<columnar::Row> rows;
  const Value null = Value::null();
  auto strings = [](const std::vector<std::string>& v) {
    std::vector<Value> out;
    for (const auto& x : v) out.push_back(Value::string(x));
    return Value::array(out);
  };
  rows.push_back(checkpointRow(
      Column::kProtocol,
      Value::structOf({Value::integer(s.minReaderVersion), Value::integer(s.minWriterVersion),
                       s.minReaderVersion >= 3 ? strings(s.readerFeatures) : null,
                       s.minWriterVersion >= 7 ? strings(s.writerFeatures) : null})));
  const auto meta = nlohmann::json::parse(s.metaDataJson);
  std::vector<Value> configuration, formatOptions;
  for (const auto& [k, v] : s.configuration) {
    configuration.push_back(Value::string(k));
    configuration.push_back(Value::string(v));
  }
  std::string provider = "parquet";
  if (meta.contains("format") && meta["format"].is_object()) {
    provider = meta["format"].value("provider", provider);
    if (meta["format"].contains("options") && meta["format"]["options"].is_object()) {
      for (const auto& [k, v] : meta["format"]["options"].items()) {
        formatOptions.push_back(Value::string(k));
        formatOptions.push_back(Value::string(v.is_string() ? v.get<std::string>() : v.dump()));
      }
    }
  }
  rows.push_back(checkpointRow(
      Column::kMetaData,
      Value::structOf({stringOrNull(meta, "id"), stringOrNull(meta, "name"),
                       stringOrNull(meta, "description"),
                       Value::structOf({Value::string(provider), Value::map(formatOptions)}),
                       stringOrNull(meta, "schemaString"), strings(s.partitionColumns),
                       Value::map(configuration),
                       meta.contains("createdTime") && meta["createdTime"].is_number()
                           ? Value::integer(meta["createdTime"].get<int64_t>())
                           : null})));
  for (const auto& [appId, v] : s.transactions) {
    rows.push_back(checkpointRow(Column::kTxn,
                                 Value::structOf({Value::string(appId), Value::integer(v), null})));
  }
  for (const auto& [domain, config] : s.domainMetadata) {
    rows.push_back(checkpointRow(
        Column::kDomainMetadata,
        Value::structOf({Value::string(domain), Value::string(config), Value::boolean(false)})));
  }
  for (const auto& f : s.files) {
    rows.push_back(checkpointRow(
        Column::kAdd,
        Value::structOf({Value::string(uriEncode(f.path)), stringMap(f.partitionValues),
                         Value::integer(f.size), Value::integer(f.modificationTime),
                         Value::boolean(false), f.tags.empty() ? null : stringMap(f.tags),
                         deletionVector(f.deletionVector), integerOrNull(f.baseRowId),
                         integerOrNull(f.defaultRowCommitVersion),
                         f.clusteringProvider ? Value::string(*f.clusteringProvider) : null,
                         f.stats && statsAsJson ? Value::string(*f.stats) : null})));
  }
  // The tombstones still within the table's retention (deleted after now - retention), as Delta
  // keeps them: dataChange false, no stats or tags. A retention that does not parse expires none.
  std::optional<int64_t> expiredUpTo;
  try {
    expiredUpTo = base::systemClock()->nowMs() - deletedFileRetentionMs(s.configuration);
  } catch (const InvalidInputError& e) {
    base::logWarning("The checkpoint of version " + std::to_string(version) +
                     " of the Delta table " + table + " keeps every tombstone: " + e.message());
  }
  for (const auto& r : s.tombstones) {
    if (expiredUpTo && r.deletionTimestamp <= *expiredUpTo) continue;
    rows.push_back(checkpointRow(
        Column::kRemove,
        Value::structOf({Value::string(uriEncode(r.path)), Value::integer(r.deletionTimestamp),
                         Value::boolean(false),
                         r.extendedFileMetadata ? Value::boolean(*r.extendedFileMetadata) : null,
                         r.partitionValues ? stringMap(*r.partitionValues) : null,
                         integerOrNull(r.size), deletionVector(r.deletionVector),
                         integerOrNull(r.baseRowId), integerOrNull(r.defaultRowCommitVersion)})));
  }
  const auto schema = checkpointSchema();
  parquet::FileWriter writer(schema, {});
  writer.write(columnar::ColumnBatch::fromRows(schema, rows));
  const std::string dir = (fs::path(table) / "_delta_log").string();
  const std::shared_ptr<io::FileSystem> fsys = fileSystem ? fileSystem : io::localFileSystem();
  fsys->writeAtomic((fs::path(dir) / (versionFileName(version) + ".checkpoint.parquet")).string(), writer.finish(), true);
  nlohmann::ordered_json last;
  last["version"] = version;
  last["size"] = rows.size();
  last["checksum"] = lastCheckpointChecksum(last);
  fsys->writeAtomic((fs::path(dir) / "_last_checkpoint").string(), last.dump(), true);
}

}  // namespace weir::formats::delta
