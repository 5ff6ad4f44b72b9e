#include "weir/formats/delta/delta_table.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "weir/base/error.h"
#include "weir/base/thread_pool.h"
#include "weir/expr/cast.h"
#include "weir/formats/file_listing.h"
#include "weir/formats/parquet/parquet_reader.h"

namespace weir::formats::delta {

namespace {

namespace fs = std::filesystem;
using columnar::Value;
using columnar::Vector;
using types::DataType;
using types::DataTypePtr;

std::string logDir(const std::string& table) { return (fs::path(table) / "_delta_log").string(); }

[[noreturn]] void corruptLog(const std::string& file, const std::string& why) {
  throw CorruptionError("DELTA_LOG_CORRUPT", "The Delta log file " + file + " is corrupt (" + why +
                                                 "). Restore it from a backup; the table cannot be read past it.");
}

// Percent-decoding of a path in an add action.
std::string uriDecode(const std::string& s) {
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

// The state being reconciled while replaying the log.
struct Replay {
  std::optional<nlohmann::json> metaData, protocol;
  std::map<std::string, AddFile> files;  // by path
  std::map<std::string, int64_t> transactions;

  void add(AddFile f) {
    std::string key = f.path;
    files[key] = std::move(f);
  }
  void remove(const std::string& path) { files.erase(path); }
};

AddFile addFromJson(const nlohmann::json& a, const std::string& file) {
  if (!a.contains("path") || !a["path"].is_string()) corruptLog(file, "an add action without a path");
  AddFile f;
  f.path = uriDecode(a["path"].get<std::string>());
  if (a.contains("partitionValues") && a["partitionValues"].is_object()) {
    for (const auto& [k, v] : a["partitionValues"].items()) {
      f.partitionValues[k] = v.is_null() ? std::nullopt : std::optional<std::string>(v.get<std::string>());
    }
  }
  f.size = a.contains("size") && a["size"].is_number() ? a["size"].get<int64_t>() : 0;
  f.modificationTime = a.contains("modificationTime") && a["modificationTime"].is_number() ? a["modificationTime"].get<int64_t>() : 0;
  if (a.contains("stats") && a["stats"].is_string()) f.stats = a["stats"].get<std::string>();
  f.deletionVector = a.contains("deletionVector") && !a["deletionVector"].is_null();
  return f;
}

void applyCommit(Replay& replay, const std::string& file) {
  const std::string text = formats::readFile(file);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) corruptLog(file, "a line is not a JSON object");
    if (j.contains("add")) replay.add(addFromJson(j["add"], file));
    if (j.contains("remove")) {
      const auto& r = j["remove"];
      if (!r.contains("path") || !r["path"].is_string()) corruptLog(file, "a remove action without a path");
      replay.remove(uriDecode(r["path"].get<std::string>()));
    }
    if (j.contains("metaData")) replay.metaData = j["metaData"];
    if (j.contains("protocol")) replay.protocol = j["protocol"];
    if (j.contains("txn")) {
      const auto& t = j["txn"];
      if (!t.contains("appId") || !t["appId"].is_string() || !t.contains("version")) corruptLog(file, "a txn action without appId or version");
      replay.transactions[t["appId"].get<std::string>()] = t["version"].get<int64_t>();
    }
  }
}

// A Value of a checkpoint's nested column as JSON (maps as objects of string values).
nlohmann::json toJson(const Value& v, const DataType& t) {
  if (v.isNull()) return nullptr;
  switch (t.id()) {
    case types::TypeId::kStruct: {
      nlohmann::json o = nlohmann::json::object();
      for (size_t i = 0; i < t.fields().size(); ++i) o[t.fields()[i].name] = toJson(v.children()[i], *t.fields()[i].type);
      return o;
    }
    case types::TypeId::kMap: {
      nlohmann::json o = nlohmann::json::object();
      for (size_t i = 0; i + 1 < v.children().size(); i += 2) {
        o[v.children()[i].asString()] = toJson(v.children()[i + 1], *t.valueType());
      }
      return o;
    }
    case types::TypeId::kArray: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& e : v.children()) a.push_back(toJson(e, *t.elementType()));
      return a;
    }
    case types::TypeId::kString: return v.asString();
    case types::TypeId::kBoolean: return v.asBool();
    case types::TypeId::kByte:
    case types::TypeId::kShort:
    case types::TypeId::kInteger:
    case types::TypeId::kLong: return v.asLong();
    default: return v.toString();
  }
}

void applyCheckpoint(Replay& replay, const std::string& file) {
  auto batch = parquet::readFile(formats::readFile(file), file, {"txn", "add", "remove", "metaData", "protocol"});
  const auto& fields = batch.schema()->fields();
  for (size_t c = 0; c < fields.size(); ++c) {
    const Vector& column = *batch.column(c);
    for (size_t r = 0; r < batch.numRows(); ++r) {
      if (column.isNull(r)) continue;
      nlohmann::json j = toJson(column.getValue(r), *fields[c].type);
      if (fields[c].name == "add") replay.add(addFromJson(j, file));
      if (fields[c].name == "metaData") replay.metaData = j;
      if (fields[c].name == "protocol") replay.protocol = j;
      if (fields[c].name == "txn" && j.contains("appId") && j["appId"].is_string() && j.contains("version")) {
        replay.transactions[j["appId"].get<std::string>()] = j["version"].get<int64_t>();
      }
      // Removes in a checkpoint are tombstones of files no add names any more.
    }
  }
}

void checkProtocol(const Snapshot& s) {
  std::vector<std::string> missing;
  if (s.minReaderVersion > 3) missing.push_back("reader version " + std::to_string(s.minReaderVersion));
  static const std::set<std::string> kSupported = {"timestampNtz"};
  if (s.minReaderVersion == 3) {
    for (const auto& f : s.readerFeatures) {
      if (!kSupported.count(f)) missing.push_back(f);
    }
  }
  auto mode = s.configuration.find("delta.columnMapping.mode");
  if (s.minReaderVersion >= 2 && mode != s.configuration.end() && mode->second != "none") {
    missing.push_back("columnMapping");
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw UnsupportedOperationError("DELTA_UNSUPPORTED_FEATURES",
                                    "The Delta table at " + s.tablePath + " requires reader features Weir does not "
                                    "support yet: " + list + ". Read it with another Delta reader, or rewrite it "
                                    "without those features.");
  }
}

}  // namespace

std::string versionFileName(int64_t version) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(version));
  return buf;
}

Snapshot loadSnapshot(const std::string& tablePath, std::optional<int64_t> version) {
  const std::string dir = logDir(tablePath);
  if (!fs::is_directory(dir)) {
    throw AnalysisError("DELTA_MISSING_DELTA_TABLE", tablePath + " is not a Delta table: it has no _delta_log "
                                                                 "directory. Check the path, or write the table first.");
  }
  static const std::regex kCommit(R"((\d{20})\.json)"), kCheckpoint(R"((\d{20})\.checkpoint\.parquet)");
  std::set<int64_t> commits, checkpoints;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    std::smatch m;
    if (std::regex_match(name, m, kCommit)) commits.insert(std::stoll(m[1]));
    else if (std::regex_match(name, m, kCheckpoint)) checkpoints.insert(std::stoll(m[1]));
  }
  if (commits.empty() && checkpoints.empty()) {
    throw AnalysisError("DELTA_MISSING_DELTA_TABLE", tablePath + " is not a Delta table: its _delta_log is empty.");
  }
  const int64_t latest = std::max(commits.empty() ? -1 : *commits.rbegin(), checkpoints.empty() ? -1 : *checkpoints.rbegin());
  const int64_t target = version.value_or(latest);
  if (target > latest || target < 0) {
    throw AnalysisError("DELTA_VERSION_NOT_FOUND", "Cannot time travel the Delta table " + tablePath + " to version " +
                                                       std::to_string(target) + ": the latest version is " +
                                                       std::to_string(latest) + ".");
  }
  Replay replay;
  int64_t from = 0;
  auto cp = checkpoints.upper_bound(target);
  if (cp != checkpoints.begin()) {
    --cp;
    applyCheckpoint(replay, (fs::path(dir) / (versionFileName(*cp) + ".checkpoint.parquet")).string());
    from = *cp + 1;
  }
  for (int64_t v = from; v <= target; ++v) {
    if (!commits.count(v)) {
      throw AnalysisError("DELTA_VERSION_NOT_FOUND",
                          "Cannot read version " + std::to_string(target) + " of the Delta table " + tablePath +
                              ": the commit " + versionFileName(v) + ".json is missing (expired by log cleanup?) and no "
                              "checkpoint covers it.");
    }
    applyCommit(replay, (fs::path(dir) / (versionFileName(v) + ".json")).string());
  }
  if (!replay.metaData || !replay.protocol) corruptLog(dir, "no metaData or protocol action up to this version");
  Snapshot s;
  s.tablePath = tablePath;
  s.version = target;
  const auto& meta = *replay.metaData;
  s.metaDataJson = meta.dump();
  s.schema = DataType::fromJson(meta.value("schemaString", std::string("{}")));
  s.tableId = meta.value("id", std::string());
  s.createdTime = meta.contains("createdTime") && meta["createdTime"].is_number() ? meta["createdTime"].get<int64_t>() : 0;
  if (meta.contains("partitionColumns") && meta["partitionColumns"].is_array()) {
    for (const auto& c : meta["partitionColumns"]) s.partitionColumns.push_back(c.get<std::string>());
  }
  if (meta.contains("configuration") && meta["configuration"].is_object()) {
    for (const auto& [k, v] : meta["configuration"].items()) s.configuration[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  const auto& protocol = *replay.protocol;
  s.minReaderVersion = protocol.value("minReaderVersion", 1);
  s.minWriterVersion = protocol.value("minWriterVersion", 2);
  if (protocol.contains("readerFeatures") && protocol["readerFeatures"].is_array()) {
    for (const auto& f : protocol["readerFeatures"]) s.readerFeatures.push_back(f.get<std::string>());
  }
  if (protocol.contains("writerFeatures") && protocol["writerFeatures"].is_array()) {
    for (const auto& f : protocol["writerFeatures"]) s.writerFeatures.push_back(f.get<std::string>());
  }
  checkProtocol(s);
  s.transactions = replay.transactions;
  for (auto& [path, f] : replay.files) {
    if (f.deletionVector) {
      throw UnsupportedOperationError("DELTA_UNSUPPORTED_FEATURES",
                                      "The Delta table at " + tablePath + " has files with deletion vectors (reader "
                                      "feature deletionVectors), which Weir does not read yet. Read it with another "
                                      "Delta reader, or purge the deletion vectors (REORG TABLE ... APPLY (PURGE)).");
    }
    s.files.push_back(std::move(f));
  }
  return s;
}

namespace {

class DeltaScan final : public plan::ScanSource {
 public:
  DeltaScan(std::shared_ptr<const Snapshot> snapshot, DataTypePtr schema)
      : snapshot_(std::move(snapshot)), schema_(std::move(schema)) {}

  DataTypePtr schema() const override { return schema_; }

  plan::Partitions read() const override {
    const auto& files = snapshot_->files;
    plan::Partitions out(files.size());
    const auto& parts = snapshot_->partitionColumns;
    base::ThreadPool::global().parallelFor(files.size(), [&](size_t i) {
      const AddFile& f = files[i];
      const std::string path = (fs::path(snapshot_->tablePath) / f.path).string();
      std::vector<std::string> dataColumns;
      for (const auto& field : schema_->fields()) {
        if (std::find(parts.begin(), parts.end(), field.name) == parts.end()) dataColumns.push_back(field.name);
      }
      auto batch = parquet::readFile(formats::readFile(path), path, dataColumns);
      const size_t rows = batch.numRows();
      std::vector<columnar::VectorPtr> columns;
      for (const auto& field : schema_->fields()) {
        if (std::find(parts.begin(), parts.end(), field.name) != parts.end()) {
          // A partition value: the same for every row, cast from its string form.
          auto it = f.partitionValues.find(field.name);
          auto text = Vector::make(DataType::string());
          for (size_t r = 0; r < rows; ++r) {
            if (it == f.partitionValues.end() || !it->second) text->appendNull();
            else text->appendString(*it->second);
          }
          columns.push_back(expr::castVector(text, field.type));
          continue;
        }
        const auto& got = batch.schema()->fields();
        auto at = std::find_if(got.begin(), got.end(), [&](const types::Field& g) { return g.name == field.name; });
        if (at == got.end()) {
          // A column added after this file was written.
          auto v = Vector::make(field.type);
          for (size_t r = 0; r < rows; ++r) v->appendNull();
          columns.push_back(v);
        } else {
          columns.push_back(batch.column(static_cast<size_t>(at - got.begin())));
        }
      }
      if (rows > 0) out[i].push_back(columnar::ColumnBatch(schema_, std::move(columns), rows));
    });
    return out;
  }

  std::shared_ptr<const plan::ScanSource> withColumns(const std::vector<std::string>& names) const override {
    std::vector<types::Field> fields;
    for (const auto& f : schema_->fields()) {
      if (std::find(names.begin(), names.end(), f.name) != names.end()) fields.push_back(f);
    }
    return std::make_shared<DeltaScan>(snapshot_, DataType::structOf(std::move(fields)));
  }

  std::string describe() const override {
    return "DeltaScan [" + snapshot_->tablePath + ", version " + std::to_string(snapshot_->version) + "]";
  }

 private:
  std::shared_ptr<const Snapshot> snapshot_;
  DataTypePtr schema_;
};

}  // namespace

std::shared_ptr<const plan::ScanSource> makeDeltaScan(const std::string& tablePath, const plan::Options& options) {
  std::optional<int64_t> version;
  if (options.has("versionAsOf")) {
    try {
      version = std::stoll(options.get("versionAsOf"));
    } catch (const std::exception&) {
      throw InvalidInputError("INVALID_OPTION_VALUE",
                              "versionAsOf must be a version number, got '" + options.get("versionAsOf") + "'.");
    }
  }
  if (options.has("timestampAsOf")) {
    throw UnsupportedOperationError("DELTA_UNSUPPORTED_OPTION",
                                    "timestampAsOf is not supported yet; use versionAsOf with a version from the "
                                    "table's history.");
  }
  auto snapshot = std::make_shared<const Snapshot>(loadSnapshot(tablePath, version));
  return std::make_shared<DeltaScan>(snapshot, snapshot->schema);
}

std::shared_ptr<const plan::ScanSource> makeDeltaScan(std::shared_ptr<const Snapshot> snapshot) {
  auto schema = snapshot->schema;
  return std::make_shared<DeltaScan>(std::move(snapshot), std::move(schema));
}

AddFile parseFileAction(const nlohmann::json& action, const std::string& logFile) {
  return addFromJson(action, logFile);
}

}  // namespace weir::formats::delta
