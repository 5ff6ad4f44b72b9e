#include "weir/formats/delta/delta_table.h"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "weir/base/duration.h"
#include "weir/base/error.h"
#include "weir/base/thread_pool.h"
#include "weir/base/time.h"
#include "weir/expr/cast.h"
#include "weir/formats/delta/delta_log.h"
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

[[noreturn]] void corruptCheckpoint(const std::string& file, const std::string& why) {
  throw CorruptionError("DELTA_CHECKPOINT_CORRUPT",
                        "The Delta checkpoint " + file + " is " + why +
                            ". Restore it from a backup, or delete the checkpoint (and its _last_checkpoint "
                            "entry) if the JSON commits it covers are still in the log.");
}

// JSON text of a log value. Strings from a checkpoint's Parquet columns may hold invalid UTF-8
// (nlohmann's dump would throw): such bytes become U+FFFD.
std::string dumpJson(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

// An integer field of a log object, or `fallback` when it is absent or not an integer (a float
// such as 1e300 would not convert).
int64_t integerOr(const nlohmann::json& object, const char* key, int64_t fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

// A string array of a log object (partition columns, features); another shape is corrupt.
std::vector<std::string> stringsOf(const nlohmann::json& object, const char* key, const std::string& file) {
  std::vector<std::string> out;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return out;
  if (!it->is_array()) corruptLog(file, std::string("its ") + key + " is not an array");
  for (const auto& v : *it) {
    if (!v.is_string()) corruptLog(file, std::string("its ") + key + " holds a value that is not a string");
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::optional<DeletionVectorDescriptor> vectorOf(const nlohmann::json& action, const std::string& file) {
  if (!action.contains("deletionVector") || action["deletionVector"].is_null()) return std::nullopt;
  return DeletionVectorDescriptor::fromJson(action["deletionVector"], file);
}

// The state being reconciled while replaying the log. Files are keyed by (path, deletion vector
// id): a DELETE that adds a vector to a file removes (path, old vector) and adds (path, new one).
struct Replay {
  std::optional<nlohmann::json> metaData, protocol;
  std::string metaDataFile, protocolFile;  // the log files they came from, for errors
  std::map<std::string, AddFile> files;
  std::map<std::string, RemoveFile> tombstones;
  std::map<std::string, int64_t> transactions;
  std::map<std::string, std::string> domains;

  static std::string key(const std::string& path, const std::optional<DeletionVectorDescriptor>& dv) {
    return path + '\n' + (dv ? dv->uniqueId() : std::string());
  }
  void add(AddFile f) {
    std::string k = key(f.path, f.deletionVector);
    tombstones.erase(k);
    files[k] = std::move(f);
  }
  // A remove in a commit takes its file out of the snapshot and leaves a tombstone. A checkpoint
  // is already reconciled: its removes are only tombstones, and one never hides a file the same
  // checkpoint adds, whatever the order of the rows or parts.
  void remove(RemoveFile r, bool inCheckpoint) {
    std::string k = key(r.path, r.deletionVector);
    if (inCheckpoint && files.count(k)) return;
    files.erase(k);
    tombstones[k] = std::move(r);
  }
};

std::optional<int64_t> optionalInteger(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}

// A string map of an action (partitionValues, tags): a JSON null value is kept as absent.
std::map<std::string, std::optional<std::string>> stringMapOf(const nlohmann::json& object) {
  std::map<std::string, std::optional<std::string>> out;
  for (const auto& [k, v] : object.items()) {
    out[k] = v.is_null()
                 ? std::nullopt
                 : std::optional<std::string>(v.is_string() ? v.get<std::string>() : dumpJson(v));
  }
  return out;
}

AddFile addFromJson(const nlohmann::json& a, const std::string& file) {
  if (!a.contains("path") || !a["path"].is_string()) corruptLog(file, "an add action without a path");
  AddFile f;
  f.path = percentDecode(a["path"].get<std::string>());
  if (a.contains("partitionValues") && a["partitionValues"].is_object())
    f.partitionValues = stringMapOf(a["partitionValues"]);
  f.size = integerOr(a, "size", 0);
  f.modificationTime = integerOr(a, "modificationTime", 0);
  if (a.contains("stats") && a["stats"].is_string()) f.stats = a["stats"].get<std::string>();
  f.deletionVector = vectorOf(a, file);
  if (a.contains("tags") && a["tags"].is_object()) f.tags = stringMapOf(a["tags"]);
  f.baseRowId = optionalInteger(a, "baseRowId");
  f.defaultRowCommitVersion = optionalInteger(a, "defaultRowCommitVersion");
  if (a.contains("clusteringProvider") && a["clusteringProvider"].is_string()) {
    f.clusteringProvider = a["clusteringProvider"].get<std::string>();
  }
  return f;
}

RemoveFile removeFromJson(const nlohmann::json& r, const std::string& file) {
  if (!r.is_object() || !r.contains("path") || !r["path"].is_string())
    corruptLog(file, "a remove action without a path");
  RemoveFile f;
  f.path = percentDecode(r["path"].get<std::string>());
  f.deletionVector = vectorOf(r, file);
  f.deletionTimestamp = integerOr(r, "deletionTimestamp", 0);
  f.dataChange =
      !r.contains("dataChange") || !r["dataChange"].is_boolean() || r["dataChange"].get<bool>();
  if (r.contains("extendedFileMetadata") && r["extendedFileMetadata"].is_boolean()) {
    f.extendedFileMetadata = r["extendedFileMetadata"].get<bool>();
  }
  if (r.contains("partitionValues") && r["partitionValues"].is_object())
    f.partitionValues = stringMapOf(r["partitionValues"]);
  f.size = optionalInteger(r, "size");
  f.baseRowId = optionalInteger(r, "baseRowId");
  f.defaultRowCommitVersion = optionalInteger(r, "defaultRowCommitVersion");
  return f;
}

// The newest domainMetadata of a domain wins; a removed one is dropped.
void applyDomain(Replay& replay, const nlohmann::json& d, const std::string& file) {
  if (!d.is_object() || !d.contains("domain") || !d["domain"].is_string()) {
    corruptLog(file, "a domainMetadata action without a domain");
  }
  const std::string domain = d["domain"].get<std::string>();
  if (d.contains("removed") && d["removed"].is_boolean() && d["removed"].get<bool>()) {
    replay.domains.erase(domain);
    return;
  }
  const auto it = d.find("configuration");
  replay.domains[domain] = it == d.end() || it->is_null() ? std::string()
                           : it->is_string()              ? it->get<std::string>()
                                                          : dumpJson(*it);
}

void applyTxn(Replay& replay, const nlohmann::json& t, const std::string& file) {
  if (!t.is_object() || !t.contains("appId") || !t["appId"].is_string() || !t.contains("version") ||
      !t["version"].is_number_integer()) {
    corruptLog(file, "a txn action without appId or version");
  }
  replay.transactions[t["appId"].get<std::string>()] = t["version"].get<int64_t>();
}

// What a V2 checkpoint holds besides the actions it replays.
struct CheckpointParts {
  int checkpointMetadata = 0;
  std::vector<std::string> sidecars;  // paths as the sidecar actions give them
};

// Applies newline-delimited JSON actions: a commit, or a V2 checkpoint in JSON (`parts` set).
void applyJsonActions(Replay& replay, const std::string& file, CheckpointParts* parts) {
  const std::string text = formats::readFile(file);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      if (parts != nullptr) corruptCheckpoint(file, "not valid JSON (a line is not a JSON object)");
      corruptLog(file, "a line is not a JSON object");
    }
    if (j.contains("add")) replay.add(addFromJson(j["add"], file));
    if (j.contains("remove")) replay.remove(removeFromJson(j["remove"], file), parts != nullptr);
    if (j.contains("domainMetadata")) applyDomain(replay, j["domainMetadata"], file);
    if (j.contains("metaData")) {
      replay.metaData = j["metaData"];
      replay.metaDataFile = file;
    }
    if (j.contains("protocol")) {
      replay.protocol = j["protocol"];
      replay.protocolFile = file;
    }
    if (j.contains("txn")) applyTxn(replay, j["txn"], file);
    if (parts != nullptr && j.contains("checkpointMetadata")) ++parts->checkpointMetadata;
    if (parts != nullptr && j.contains("sidecar")) {
      const auto& sc = j["sidecar"];
      if (!sc.is_object() || !sc.contains("path") || !sc["path"].is_string()) corruptCheckpoint(file, "holding a sidecar action without a path");
      parts->sidecars.push_back(sc["path"].get<std::string>());
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
        const Value& key = v.children()[i];
        if (key.isNull()) continue;  // map keys are REQUIRED; a damaged file's NULL one names nothing
        o[t.keyType()->id() == types::TypeId::kString ? key.asString() : key.toString()] =
            toJson(v.children()[i + 1], *t.valueType());
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

// Applies a Parquet checkpoint (a classic one, one part of a multi-part one, a V2 one, or a
// sidecar, which holds only file actions).
void applyParquetCheckpoint(Replay& replay, const std::string& file, CheckpointParts* parts) {
  if (!fs::exists(file)) corruptCheckpoint(file, "missing");
  auto batch = parquet::readFile(formats::readFile(file), file,
                                 {"txn", "add", "remove", "metaData", "protocol", "domainMetadata",
                                  "checkpointMetadata", "sidecar"});
  const auto& fields = batch.schema()->fields();
  for (size_t c = 0; c < fields.size(); ++c) {
    const Vector& column = *batch.column(c);
    const std::string& name = fields[c].name;
    for (size_t r = 0; r < batch.numRows(); ++r) {
      if (column.isNull(r)) continue;
      nlohmann::json j = toJson(column.getValue(r), *fields[c].type);
      if (name == "add") replay.add(addFromJson(j, file));
      if (name == "metaData") {
        replay.metaData = j;
        replay.metaDataFile = file;
      }
      if (name == "protocol") {
        replay.protocol = j;
        replay.protocolFile = file;
      }
      if (name == "txn") applyTxn(replay, j, file);
      if (name == "remove") replay.remove(removeFromJson(j, file), true);
      if (name == "domainMetadata") applyDomain(replay, j, file);
      if (name == "checkpointMetadata" && parts != nullptr) ++parts->checkpointMetadata;
      if (name == "sidecar") {
        if (parts == nullptr) corruptCheckpoint(file, "a sidecar that points to further sidecars");
        if (!j.contains("path") || !j["path"].is_string()) corruptCheckpoint(file, "holding a sidecar action without a path");
        parts->sidecars.push_back(j["path"].get<std::string>());
      }
    }
  }
}

// ----- the log segment: which checkpoint and which commits make a version

// One checkpoint of a version: a classic file, the parts of a multi-part one, or a V2 file named
// with a UUID. `missing` names a part that is not there (the set is incomplete and not used).
struct Checkpoint {
  int64_t version = 0;
  std::vector<std::string> files;
  bool v2Named = false;
  std::string missing;
};

struct LogListing {
  std::set<int64_t> commits;
  std::map<int64_t, std::vector<Checkpoint>> checkpoints;
  int64_t latest() const {
    return std::max(commits.empty() ? -1 : *commits.rbegin(), checkpoints.empty() ? -1 : checkpoints.rbegin()->first);
  }
};

std::string partName(const std::string& dir, int64_t version, int64_t part, int64_t parts) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s.checkpoint.%010lld.%010lld.parquet", versionFileName(version).c_str(),
                static_cast<long long>(part), static_cast<long long>(parts));
  return (fs::path(dir) / buf).string();
}

// The canonical form of a JSON value for the _last_checkpoint checksum: one `path=value` pair
// per leaf, keys and strings percent-encoded inside quotes, array positions as numbers.
void canonicalPairs(const nlohmann::json& j, const std::string& path, bool top,
                    std::vector<std::pair<std::string, std::string>>& out) {
  auto encode = [](const std::string& s) {
    static const char* kHex = "0123456789ABCDEF";
    std::string e = "\"";
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
        e.push_back(static_cast<char>(c));
      } else {
        e += {'%', kHex[c >> 4], kHex[c & 15]};
      }
    }
    return e + "\"";
  };
  auto join = [&](const std::string& segment) { return path.empty() ? segment : path + "+" + segment; };
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      if (top && k == "checksum") continue;
      canonicalPairs(v, join(encode(k)), false, out);
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) canonicalPairs(j[i], join(std::to_string(i)), false, out);
  } else if (j.is_string()) {
    out.emplace_back(path, encode(j.get<std::string>()));
  } else {
    out.emplace_back(path, j.dump());
  }
}

// _last_checkpoint, when it parses: the checkpoint it names, whose files are then looked for
// directly (a listing may lag behind on object stores). Anything unreadable is ignored: it is
// only a hint, and the listing still finds every checkpoint.
std::optional<Checkpoint> lastCheckpointHint(const std::string& dir) {
  const fs::path file = fs::path(dir) / "_last_checkpoint";
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(formats::readFile(file.string()), nullptr, false);
  } catch (const Error&) {
    return std::nullopt;
  }
  if (j.is_discarded() || !j.is_object() || !j.contains("version") || !j["version"].is_number_integer()) {
    return std::nullopt;
  }
  if (j.contains("checksum") && (!j["checksum"].is_string() || j["checksum"].get<std::string>() != lastCheckpointChecksum(j))) {
    return std::nullopt;
  }
  Checkpoint cp;
  cp.version = j["version"].get<int64_t>();
  if (cp.version < 0) return std::nullopt;
  if (j.contains("v2Checkpoint") && j["v2Checkpoint"].is_object() && j["v2Checkpoint"].contains("path") &&
      j["v2Checkpoint"]["path"].is_string()) {
    cp.files.push_back((fs::path(dir) / j["v2Checkpoint"]["path"].get<std::string>()).string());
    cp.v2Named = true;
  } else if (j.contains("parts") && j["parts"].is_number_integer() && j["parts"].get<int64_t>() > 1) {
    const int64_t parts = j["parts"].get<int64_t>();
    if (parts > 100000) return std::nullopt;
    for (int64_t p = 1; p <= parts; ++p) cp.files.push_back(partName(dir, cp.version, p, parts));
  } else {
    cp.files.push_back((fs::path(dir) / (versionFileName(cp.version) + ".checkpoint.parquet")).string());
  }
  size_t present = 0;
  for (const auto& f : cp.files) {
    if (fs::exists(f, ec)) ++present;
    else if (cp.missing.empty()) cp.missing = f;
  }
  // A hint none of whose files exist is stale (or the table was recreated): ignore it.
  if (present == 0) return std::nullopt;
  return cp;
}

// The number `width` decimal digits at the start of `text` spell, when they are all digits and it
// fits an int64 (a 20-digit version above 2^63 is no version).
std::optional<int64_t> fixedWidthNumber(std::string_view text, size_t width) {
  if (text.size() < width) return std::nullopt;
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    if (v > (static_cast<uint64_t>(INT64_MAX) - static_cast<uint64_t>(c - '0')) / 10) return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return static_cast<int64_t>(v);
}

bool isUuid(std::string_view s) {
  return s.size() == 36 && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) || c == '-'; });
}

// The kinds of log file names: <v>.json, <v>.checkpoint.parquet, <v>.checkpoint.<part>.<parts>.parquet
// (10 digits each) and <v>.checkpoint.<uuid>.json|parquet, <v> being 20 digits.
struct LogFileName {
  enum class Kind : uint8_t { kCommit, kClassic, kPart, kUuid } kind;
  int64_t version = 0, part = 0, parts = 0;
};

std::optional<LogFileName> parseLogFileName(std::string_view name) {
  auto version = fixedWidthNumber(name, 20);
  if (!version) return std::nullopt;
  std::string_view rest = name.substr(20);
  if (rest == ".json") return LogFileName{LogFileName::Kind::kCommit, *version};
  constexpr std::string_view kCheckpoint = ".checkpoint.";
  if (rest.substr(0, kCheckpoint.size()) != kCheckpoint) return std::nullopt;
  rest.remove_prefix(kCheckpoint.size());
  if (rest == "parquet") return LogFileName{LogFileName::Kind::kClassic, *version};
  if (rest.size() == 10 + 1 + 10 + 8 && rest[10] == '.' && rest.substr(21) == ".parquet") {
    auto part = fixedWidthNumber(rest, 10), parts = fixedWidthNumber(rest.substr(11), 10);
    if (part && parts) return LogFileName{LogFileName::Kind::kPart, *version, *part, *parts};
    return std::nullopt;
  }
  if (rest.size() > 37 && rest[36] == '.' && isUuid(rest.substr(0, 36)) &&
      (rest.substr(37) == "json" || rest.substr(37) == "parquet")) {
    return LogFileName{LogFileName::Kind::kUuid, *version};
  }
  return std::nullopt;
}

LogListing listLog(const std::string& dir) {
  LogListing listing;
  std::map<std::pair<int64_t, int64_t>, std::set<int64_t>> parts;  // (version, count) -> parts present
  for (const auto& e : fs::directory_iterator(dir)) {
    const auto name = parseLogFileName(e.path().filename().string());
    if (!name) continue;
    const int64_t v = name->version;
    switch (name->kind) {
      case LogFileName::Kind::kCommit: listing.commits.insert(v); break;
      case LogFileName::Kind::kClassic: listing.checkpoints[v].push_back(Checkpoint{v, {e.path().string()}, false, {}}); break;
      case LogFileName::Kind::kPart: parts[{v, name->parts}].insert(name->part); break;
      case LogFileName::Kind::kUuid: listing.checkpoints[v].push_back(Checkpoint{v, {e.path().string()}, true, {}}); break;
    }
  }
  for (const auto& [key, present] : parts) {
    const auto [version, count] = key;
    if (count < 1 || count > 100000) continue;
    Checkpoint cp;
    cp.version = version;
    for (int64_t p = 1; p <= count; ++p) {
      cp.files.push_back(partName(dir, version, p, count));
      if (!present.count(p) && cp.missing.empty()) cp.missing = cp.files.back();
    }
    listing.checkpoints[version].push_back(std::move(cp));
  }
  if (auto hint = lastCheckpointHint(dir)) {
    auto& known = listing.checkpoints[hint->version];
    const bool listed = std::any_of(known.begin(), known.end(), [&](const Checkpoint& c) { return c.files == hint->files; });
    if (!listed) known.push_back(*hint);
  }
  return listing;
}

std::string sidecarPath(const std::string& dir, const std::string& path) {
  if (path.rfind("file://", 0) == 0) return percentDecode(path.substr(7));
  if (path.rfind("file:", 0) == 0) return percentDecode(path.substr(5));
  if (!path.empty() && path[0] == '/') return percentDecode(path);
  return (fs::path(dir) / "_sidecars" / percentDecode(path)).string();
}

void applyCheckpoint(Replay& replay, const Checkpoint& cp, const std::string& dir) {
  CheckpointParts parts;
  for (const auto& file : cp.files) {
    if (file.size() > 5 && file.compare(file.size() - 5, 5, ".json") == 0) {
      if (!fs::exists(file)) corruptCheckpoint(file, "missing");
      applyJsonActions(replay, file, &parts);
    } else {
      applyParquetCheckpoint(replay, file, &parts);
    }
  }
  if (cp.v2Named && parts.checkpointMetadata != 1) {
    corruptCheckpoint(cp.files.front(), "not a valid V2 checkpoint: it holds " + std::to_string(parts.checkpointMetadata) +
                                            " checkpointMetadata actions instead of one");
  }
  for (const auto& sidecar : parts.sidecars) {
    const std::string file = sidecarPath(dir, sidecar);
    if (!fs::exists(file)) {
      corruptCheckpoint(cp.files.front(), "incomplete: its sidecar " + file + " is missing");
    }
    applyParquetCheckpoint(replay, file, nullptr);
  }
}

void checkProtocol(const Snapshot& s) {
  std::vector<std::string> missing;
  if (s.minReaderVersion > 3) missing.push_back("reader version " + std::to_string(s.minReaderVersion));
  static const std::set<std::string> kSupported = {"timestampNtz", "deletionVectors", "columnMapping", "v2Checkpoint",
                                                   "vacuumProtocolCheck"};
  if (s.minReaderVersion == 3) {
    for (const auto& f : s.readerFeatures) {
      if (!kSupported.count(f)) missing.push_back(f);
    }
  }
  if (s.columnMappingMode != "none" && s.columnMappingMode != "name" && s.columnMappingMode != "id") {
    missing.push_back("columnMapping mode '" + s.columnMappingMode + "'");
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

bool listed(const std::vector<std::string>& features, const std::string& name) {
  return std::find(features.begin(), features.end(), name) != features.end();
}

}  // namespace

std::string lastCheckpointChecksum(const nlohmann::json& lastCheckpoint) {
  std::vector<std::pair<std::string, std::string>> pairs;
  canonicalPairs(lastCheckpoint, "", true, pairs);
  std::sort(pairs.begin(), pairs.end());
  std::string canonical;
  for (const auto& [path, value] : pairs) canonical += (canonical.empty() ? "" : ",") + path + "=" + value;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), digest, &size, EVP_md5(), nullptr) != 1) {
    throw InternalError("OPENSSL_FAILED", "MD5 of the _last_checkpoint checksum failed in OpenSSL.");
  }
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) out += {kHex[digest[i] >> 4], kHex[digest[i] & 15]};
  return out;
}

int64_t deletedFileRetentionMs(const std::map<std::string, std::string>& configuration) {
  auto it = configuration.find("delta.deletedFileRetentionDuration");
  if (it == configuration.end()) return 7LL * 24 * 3600 * 1000;
  return base::parseDurationMicros(it->second, "delta.deletedFileRetentionDuration") / 1000;
}

std::optional<int64_t> logFileVersion(std::string_view fileName) { return fixedWidthNumber(fileName, 20); }

std::string versionFileName(int64_t version) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%020lld", static_cast<long long>(version));
  return buf;
}

namespace {

LogListing listTable(const std::string& tablePath) {
  const std::string dir = logDir(tablePath);
  if (!fs::is_directory(dir)) {
    throw AnalysisError("DELTA_MISSING_DELTA_TABLE", tablePath + " is not a Delta table: it has no _delta_log "
                                                                 "directory. Check the path, or write the table first.");
  }
  LogListing listing = listLog(dir);
  if (listing.commits.empty() && listing.checkpoints.empty()) {
    throw AnalysisError("DELTA_MISSING_DELTA_TABLE", tablePath + " is not a Delta table: its _delta_log is empty.");
  }
  return listing;
}

// The newest complete checkpoint at or below `target`.
const Checkpoint* checkpointFor(const LogListing& listing, int64_t target) {
  for (auto it = listing.checkpoints.upper_bound(target); it != listing.checkpoints.begin();) {
    --it;
    for (const auto& cp : it->second) {
      if (cp.missing.empty()) return &cp;
    }
  }
  return nullptr;
}

Snapshot loadFromListing(const std::string& tablePath, const LogListing& listing, std::optional<int64_t> version) {
  const std::string dir = logDir(tablePath);
  const int64_t latest = listing.latest();
  const int64_t target = version.value_or(latest);
  if (target > latest || target < 0) {
    throw AnalysisError("DELTA_VERSION_NOT_FOUND", "Cannot time travel the Delta table " + tablePath + " to version " +
                                                       std::to_string(target) + ": the latest version is " +
                                                       std::to_string(latest) + ".");
  }
  Replay replay;
  int64_t from = 0;
  if (const Checkpoint* cp = checkpointFor(listing, target)) {
    applyCheckpoint(replay, *cp, dir);
    from = cp->version + 1;
  }
  for (int64_t v = from; v <= target; ++v) {
    if (!listing.commits.count(v)) {
      // An incomplete checkpoint that would have covered the gap is what is broken.
      for (auto it = listing.checkpoints.lower_bound(v); it != listing.checkpoints.end() && it->first <= target; ++it) {
        for (const auto& cp : it->second) {
          if (!cp.missing.empty()) {
            corruptCheckpoint("of version " + std::to_string(cp.version) + " (" + fs::path(cp.files.front()).filename().string() +
                                  ", ...)",
                              "incomplete: its part " + cp.missing + " is missing, and the JSON commits before it are gone");
          }
        }
      }
      throw AnalysisError("DELTA_VERSION_NOT_FOUND",
                          "Cannot read version " + std::to_string(target) + " of the Delta table " + tablePath +
                              ": the commit " + versionFileName(v) + ".json is missing (expired by log cleanup?) and no "
                              "checkpoint covers it.");
    }
    applyJsonActions(replay, (fs::path(dir) / (versionFileName(v) + ".json")).string(), nullptr);
  }
  if (!replay.metaData || !replay.protocol) corruptLog(dir, "no metaData or protocol action up to this version");
  Snapshot s;
  s.tablePath = tablePath;
  s.version = target;
  const auto& meta = *replay.metaData;
  if (!meta.is_object()) corruptLog(replay.metaDataFile, "its metaData action is not an object");
  s.metaDataJson = dumpJson(meta);
  if (!meta.contains("schemaString") || !meta["schemaString"].is_string()) {
    corruptLog(replay.metaDataFile, "its metaData action has no schemaString");
  }
  try {
    s.schema = DataType::fromJson(meta["schemaString"].get<std::string>());
  } catch (const InvalidInputError& e) {
    corruptLog(replay.metaDataFile, "the schemaString of its metaData is not a schema: " + e.message());
  }
  if (s.schema->id() != types::TypeId::kStruct) corruptLog(replay.metaDataFile, "the schemaString of its metaData is not a struct");
  s.tableId = meta.contains("id") && meta["id"].is_string() ? meta["id"].get<std::string>() : std::string();
  s.createdTime = integerOr(meta, "createdTime", 0);
  s.partitionColumns = stringsOf(meta, "partitionColumns", replay.metaDataFile);
  if (meta.contains("configuration") && meta["configuration"].is_object()) {
    for (const auto& [k, v] : meta["configuration"].items()) s.configuration[k] = v.is_string() ? v.get<std::string>() : dumpJson(v);
  }
  const auto& protocol = *replay.protocol;
  if (!protocol.is_object()) corruptLog(replay.protocolFile, "its protocol action is not an object");
  auto protocolVersion = [&](const char* key, int fallback) {
    const int64_t v = integerOr(protocol, key, fallback);
    if (v < 0 || v > 1000) corruptLog(replay.protocolFile, std::string("its protocol has ") + key + " " + std::to_string(v));
    return static_cast<int>(v);
  };
  s.minReaderVersion = protocolVersion("minReaderVersion", 1);
  s.minWriterVersion = protocolVersion("minWriterVersion", 2);
  s.readerFeatures = stringsOf(protocol, "readerFeatures", replay.protocolFile);
  s.writerFeatures = stringsOf(protocol, "writerFeatures", replay.protocolFile);
  // Column mapping counts when the protocol has the feature: reader version 2, or the feature
  // listed. DAT's iceberg_compat_v1 lists it among the writer features only (reader version 3
  // with no reader features), yet its files use physical names, so either list counts.
  auto mode = s.configuration.find("delta.columnMapping.mode");
  const bool mappingSupported = s.minReaderVersion == 2 || listed(s.readerFeatures, "columnMapping") ||
                                listed(s.writerFeatures, "columnMapping");
  if (mode != s.configuration.end() && mappingSupported) s.columnMappingMode = mode->second;
  checkProtocol(s);
  s.transactions = replay.transactions;
  s.domainMetadata = replay.domains;
  for (auto& [key, f] : replay.files) s.files.push_back(std::move(f));
  for (auto& [key, r] : replay.tombstones) s.tombstones.push_back(std::move(r));
  return s;
}

// The oldest version that can be rebuilt: 0 with its commit, else the oldest complete checkpoint.
int64_t earliestVersion(const LogListing& listing) {
  if (listing.commits.count(0)) return 0;
  for (const auto& [v, cps] : listing.checkpoints) {
    if (std::any_of(cps.begin(), cps.end(), [](const Checkpoint& c) { return c.missing.empty(); })) return v;
  }
  return listing.latest();
}

}  // namespace

Snapshot loadSnapshot(const std::string& tablePath, std::optional<int64_t> version) {
  return loadFromListing(tablePath, listTable(tablePath), version);
}

int64_t versionAtTimestamp(const std::string& tablePath, const std::string& timestamp) {
  auto micros = base::parseTimestamp(timestamp);
  if (!micros) {
    throw InvalidInputError("INVALID_OPTION_VALUE", "timestampAsOf must be a timestamp such as '2025-01-01 10:00:00' "
                                                    "(UTC unless it names a zone), got '" + timestamp + "'.");
  }
  // The commits' times (in-commit timestamps where commits carry them, else the files' times,
  // made increasing), of the versions that can be rebuilt.
  const int64_t earliest = earliestVersion(listTable(tablePath));
  auto commits = commitTimestamps(tablePath);
  commits.erase(std::remove_if(commits.begin(), commits.end(), [&](const auto& c) { return c.first < earliest; }),
                commits.end());
  if (commits.empty()) {
    throw AnalysisError("DELTA_VERSION_NOT_FOUND", "The Delta table " + tablePath + " has no commit to time travel to.");
  }
  auto text = [](int64_t ms) { return base::formatTimestamp(ms * 1000); };
  const auto& [firstVersion, firstTs] = commits.front();
  const auto& [lastVersion, lastTs] = commits.back();
  const std::string range = " (versions " + std::to_string(firstVersion) + " to " + std::to_string(lastVersion) +
                            ", committed from " + text(firstTs) + " to " + text(lastTs) + ")";
  if (*micros < firstTs * 1000) {
    throw AnalysisError("DELTA_TIMESTAMP_EARLIER_THAN_COMMIT_RETENTION",
                        "The timestamp " + base::formatTimestamp(*micros) + " is before the earliest version of the "
                        "Delta table " + tablePath + " that can be read" + range + ". Use a timestamp at or after " +
                            text(firstTs) + ".");
  }
  if (*micros > lastTs * 1000) {
    throw AnalysisError("DELTA_TIMESTAMP_GREATER_THAN_COMMIT",
                        "The timestamp " + base::formatTimestamp(*micros) + " is after the latest version of the "
                        "Delta table " + tablePath + range + ". Use a timestamp at or before " + text(lastTs) + ".");
  }
  int64_t version = firstVersion;
  for (const auto& [v, ts] : commits) {
    if (ts * 1000 <= *micros) version = v;
  }
  return version;
}

namespace {

// Where a table column is found in data files under column mapping: by physical name ("name"
// mode) or Parquet field id ("id" mode), at every nesting level.
struct FieldMapping {
  std::string physicalName;
  std::optional<int64_t> id;
  std::vector<FieldMapping> children;  // struct: fields; array: the element; map: key and value
};

FieldMapping mappingOfType(const DataType& t);

FieldMapping mappingOf(const types::Field& f) {
  FieldMapping m = mappingOfType(*f.type);
  m.physicalName = f.name;
  auto meta = nlohmann::json::parse(f.metadata, nullptr, false);
  if (meta.is_object()) {
    if (meta.contains("delta.columnMapping.physicalName") && meta["delta.columnMapping.physicalName"].is_string()) {
      m.physicalName = meta["delta.columnMapping.physicalName"].get<std::string>();
    }
    if (meta.contains("delta.columnMapping.id") && meta["delta.columnMapping.id"].is_number_integer()) {
      m.id = meta["delta.columnMapping.id"].get<int64_t>();
    }
  }
  return m;
}

FieldMapping mappingOfType(const DataType& t) {
  FieldMapping m;
  switch (t.id()) {
    case types::TypeId::kStruct:
      for (const auto& f : t.fields()) m.children.push_back(mappingOf(f));
      break;
    case types::TypeId::kArray: m.children.push_back(mappingOfType(*t.elementType())); break;
    case types::TypeId::kMap:
      m.children.push_back(mappingOfType(*t.keyType()));
      m.children.push_back(mappingOfType(*t.valueType()));
      break;
    default: break;
  }
  return m;
}

std::optional<int64_t> parquetFieldId(const types::Field& f) {
  auto meta = nlohmann::json::parse(f.metadata, nullptr, false);
  if (meta.is_object() && meta.contains("parquet.field.id") && meta["parquet.field.id"].is_number_integer()) {
    return meta["parquet.field.id"].get<int64_t>();
  }
  return std::nullopt;
}

// The index of the file field a table field maps to, if the file has it. In "id" mode a file
// without field ids is matched by physical name.
std::optional<size_t> findField(const std::vector<types::Field>& fileFields, const FieldMapping& m, const std::string& mode) {
  if (mode == "id" && m.id) {
    bool anyIds = false;
    for (size_t i = 0; i < fileFields.size(); ++i) {
      auto id = parquetFieldId(fileFields[i]);
      anyIds = anyIds || id.has_value();
      if (id && *id == *m.id) return i;
    }
    if (anyIds) return std::nullopt;
  }
  for (size_t i = 0; i < fileFields.size(); ++i) {
    if (fileFields[i].name == m.physicalName) return i;
  }
  return std::nullopt;
}

// How to rebuild a nested value read with the file's names in the table's shape: for a struct,
// the file field of each table field (-1: absent, null).
struct Projection {
  std::vector<int> from;
  std::vector<Projection> children;
};

Projection project(const DataType& table, const FieldMapping& m, const DataType& file, const std::string& mode,
                   const std::string& path) {
  Projection p;
  if (table.id() != file.id()) {
    throw CorruptionError("DELTA_DATA_FILE_SCHEMA_MISMATCH",
                          "The data file " + path + " holds " + file.sql() + " where the Delta table's schema says " +
                              table.sql() + ". Restore the file, or rewrite the table.");
  }
  switch (table.id()) {
    case types::TypeId::kStruct:
      for (size_t i = 0; i < table.fields().size(); ++i) {
        auto at = findField(file.fields(), m.children[i], mode);
        p.from.push_back(at ? static_cast<int>(*at) : -1);
        p.children.push_back(at ? project(*table.fields()[i].type, m.children[i], *file.fields()[*at].type, mode, path)
                                : Projection{});
      }
      break;
    case types::TypeId::kArray:
      p.children.push_back(project(*table.elementType(), m.children[0], *file.elementType(), mode, path));
      break;
    case types::TypeId::kMap:
      p.children.push_back(project(*table.keyType(), m.children[0], *file.keyType(), mode, path));
      p.children.push_back(project(*table.valueType(), m.children[1], *file.valueType(), mode, path));
      break;
    default: break;
  }
  return p;
}

Value reshape(const Value& v, const DataType& table, const Projection& p) {
  if (v.isNull()) return v;
  switch (table.id()) {
    case types::TypeId::kStruct: {
      std::vector<Value> fields;
      for (size_t i = 0; i < table.fields().size(); ++i) {
        fields.push_back(p.from[i] < 0 ? Value::null()
                                       : reshape(v.children()[static_cast<size_t>(p.from[i])], *table.fields()[i].type, p.children[i]));
      }
      return Value::structOf(std::move(fields));
    }
    case types::TypeId::kArray: {
      std::vector<Value> elements;
      for (const auto& e : v.children()) elements.push_back(reshape(e, *table.elementType(), p.children[0]));
      return Value::array(std::move(elements));
    }
    case types::TypeId::kMap: {
      std::vector<Value> entries;
      for (size_t i = 0; i + 1 < v.children().size(); i += 2) {
        entries.push_back(reshape(v.children()[i], *table.keyType(), p.children[0]));
        entries.push_back(reshape(v.children()[i + 1], *table.valueType(), p.children[1]));
      }
      return Value::map(std::move(entries));
    }
    default: return v;
  }
}

class DeltaScan final : public plan::ScanSource {
 public:
  DeltaScan(std::shared_ptr<const Snapshot> snapshot, DataTypePtr schema)
      : snapshot_(std::move(snapshot)), schema_(std::move(schema)) {
    for (const auto& f : schema_->fields()) {
      mappings_.push_back(snapshot_->columnMappingMode == "none" ? FieldMapping{f.name, std::nullopt, {}} : mappingOf(f));
    }
  }

  DataTypePtr schema() const override { return schema_; }

  plan::Partitions read() const override {
    const auto& files = snapshot_->files;
    plan::Partitions out(files.size());
    base::ThreadPool::global().parallelFor(files.size(), [&](size_t i) {
      auto batch = readDataFile(files[i]);
      if (batch.numRows() > 0) out[i].push_back(std::move(batch));
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
  // The rows a file's deletion vector deletes; errors name the data file as well as the vector
  // (an inline vector has no file of its own).
  std::vector<uint64_t> deletedRows(const DeletionVectorDescriptor& dv, const std::string& dataFile) const {
    const std::string where = " (the deletion vector of " + dataFile + ")";
    try {
      return readDeletedRows(dv, snapshot_->tablePath);
    } catch (const CorruptionError& e) {
      throw CorruptionError(e.errorClass(), e.message() + where);
    } catch (const UnsupportedOperationError& e) {
      throw UnsupportedOperationError(e.errorClass(), e.message() + where);
    }
  }

  bool isPartition(const std::string& name) const {
    const auto& parts = snapshot_->partitionColumns;
    return std::find(parts.begin(), parts.end(), name) != parts.end();
  }

  columnar::ColumnBatch readDataFile(const AddFile& f) const {
    const std::string& mode = snapshot_->columnMappingMode;
    const std::string path = (fs::path(snapshot_->tablePath) / f.path).string();
    const std::string bytes = formats::readFile(path);
    // The file's columns that hold the table's data columns.
    const DataTypePtr fileSchema = parquet::readSchemaOf(bytes, path);
    std::vector<std::optional<size_t>> at(schema_->fields().size());
    std::vector<std::string> names;
    for (size_t c = 0; c < schema_->fields().size(); ++c) {
      if (isPartition(schema_->fields()[c].name)) continue;
      at[c] = findField(fileSchema->fields(), mappings_[c], mode);
      if (at[c]) names.push_back(fileSchema->fields()[*at[c]].name);
    }
    auto batch = parquet::readFile(bytes, path, names);
    const size_t rows = batch.numRows();
    // The rows the deletion vector keeps.
    std::optional<std::vector<uint32_t>> kept;
    if (f.deletionVector) {
      if (static_cast<uint64_t>(f.deletionVector->cardinality) > rows) {
        throw CorruptionError("DELTA_DELETION_VECTOR_CORRUPT",
                              "The deletion vector of " + path + " deletes " + std::to_string(f.deletionVector->cardinality) +
                                  " rows but the file has " + std::to_string(rows) + ". Restore the table's deletion "
                                  "vectors and data files from a backup.");
      }
      const auto deleted = deletedRows(*f.deletionVector, path);
      if (!deleted.empty() && deleted.back() >= rows) {
        throw CorruptionError("DELTA_DELETION_VECTOR_CORRUPT",
                              "The deletion vector of " + path + " deletes row " + std::to_string(deleted.back()) +
                                  " but the file has " + std::to_string(rows) + " rows. Restore the table's deletion "
                                  "vectors and data files from a backup.");
      }
      kept.emplace();
      size_t d = 0;
      for (size_t r = 0; r < rows; ++r) {
        if (d < deleted.size() && deleted[d] == r) {
          ++d;
          continue;
        }
        kept->push_back(static_cast<uint32_t>(r));
      }
    }
    const size_t outRows = kept ? kept->size() : rows;
    std::vector<columnar::VectorPtr> columns;
    for (size_t c = 0; c < schema_->fields().size(); ++c) {
      const auto& field = schema_->fields()[c];
      if (isPartition(field.name)) {
        // A partition value: the same for every row, cast from its string form. The protocol
        // reads an empty value as NULL (Spark writes NULL for "").
        auto it = f.partitionValues.find(mappings_[c].physicalName);
        auto text = Vector::make(DataType::string());
        for (size_t r = 0; r < outRows; ++r) {
          if (it == f.partitionValues.end() || !it->second || it->second->empty()) {
            text->appendNull();
          } else {
            text->appendString(*it->second);
          }
        }
        columns.push_back(expr::castVector(text, field.type));
        continue;
      }
      if (!at[c]) {
        // A column added after this file was written.
        columns.push_back(Vector::nulls(field.type, outRows));
        continue;
      }
      const auto& got = batch.schema()->fields();
      const std::string& fileName = fileSchema->fields()[*at[c]].name;
      auto in = std::find_if(got.begin(), got.end(), [&](const types::Field& g) { return g.name == fileName; });
      columnar::VectorPtr column = batch.column(static_cast<size_t>(in - got.begin()));
      if (kept) column = column->gather(kept->data(), kept->size());
      if (mode != "none" && field.type->isNested()) {
        // Nested fields carry physical names (or ids) in the file: rebuild in the table's shape.
        const Projection p = project(*field.type, mappings_[c], *in->type, mode, path);
        std::vector<Value> values;
        values.reserve(column->size());
        for (size_t r = 0; r < column->size(); ++r) values.push_back(reshape(column->getValue(r), *field.type, p));
        column = Vector::fromValues(field.type, values);
      }
      columns.push_back(std::move(column));
    }
    return columnar::ColumnBatch(schema_, std::move(columns), outRows);
  }

  std::shared_ptr<const Snapshot> snapshot_;
  DataTypePtr schema_;
  std::vector<FieldMapping> mappings_;  // per column of schema_
};

}  // namespace

std::shared_ptr<const plan::ScanSource> makeDeltaScan(const std::string& tablePath, const plan::Options& options) {
  std::optional<int64_t> version;
  if (options.has("versionAsOf") && options.has("timestampAsOf")) {
    throw InvalidInputError("DELTA_ONEOF_IN_TIMETRAVEL",
                            "Both versionAsOf and timestampAsOf were given to read the Delta table " + tablePath +
                                ". Time travel by one of them only.");
  }
  if (options.has("versionAsOf")) {
    try {
      version = std::stoll(options.get("versionAsOf"));
    } catch (const std::exception&) {
      throw InvalidInputError("INVALID_OPTION_VALUE",
                              "versionAsOf must be a version number, got '" + options.get("versionAsOf") + "'.");
    }
  }
  if (options.has("timestampAsOf")) version = versionAtTimestamp(tablePath, options.get("timestampAsOf"));
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
