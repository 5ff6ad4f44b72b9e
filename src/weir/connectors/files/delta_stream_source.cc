#include "weir/connectors/files/delta_stream_source.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "weir/base/error.h"
#include "weir/base/text.h"
#include "weir/base/time.h"
#include "weir/formats/delta/delta_log.h"
#include "weir/formats/delta/delta_table.h"

namespace weir::connectors {

namespace {

namespace delta = formats::delta;

struct DeltaSourceOptions {
  std::string path;
  int64_t maxFilesPerTrigger = 1000;
  int64_t maxBytesPerTrigger = 0;  // 0: no limit
  enum class Start : uint8_t { kSnapshot, kVersion, kLatest, kTimestamp };
  Start start = Start::kSnapshot;
  int64_t startingVersion = 0;
  int64_t startingTimestampMs = 0;
  std::string startingTimestampText;
  bool skipChangeCommits = false, ignoreDeletes = false, ignoreChanges = false;
};

// Where the source is: every file up to and including `index` of `version` has been read. In the
// starting snapshot (isStartingVersion) the index is the position in the snapshot's files sorted
// by (modificationTime, path), and commits after `version` follow; in a commit it is the position
// of the add action among the commit's actions, as Delta counts. Index -1: none of the version yet
// (a version without data files counts as read once the source is at (version, -1)).
struct Position {
  int64_t version = 0;
  int64_t index = -1;
  bool isStartingVersion = false;
  // Snapshot V lies between commit V and commit V + 1 in the order of a stream.
  auto key() const { return std::make_tuple(version, isStartingVersion ? 1 : 0, index); }
  bool operator==(const Position& o) const { return key() == o.key(); }
  bool operator<=(const Position& o) const { return key() <= o.key(); }
};

int64_t parseByteSize(const std::string& text) {
  std::string s = base::asciiLower(text);
  size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  const std::string unit = s.substr(digits);
  static const std::map<std::string, int64_t> kUnits = {
      {"", 1},           {"b", 1},         {"k", 1LL << 10},  {"kb", 1LL << 10}, {"m", 1LL << 20},
      {"mb", 1LL << 20}, {"g", 1LL << 30}, {"gb", 1LL << 30}, {"t", 1LL << 40},  {"tb", 1LL << 40}};
  auto it = kUnits.find(unit);
  int64_t n = 0;
  if (digits > 0 && digits <= 15 && it != kUnits.end())
    n = std::stoll(s.substr(0, digits)) * it->second;
  if (n <= 0) {
    throw InvalidInputError("INVALID_PARAMETER_VALUE",
                            "Invalid value '" + text +
                                "' for option 'maxBytesPerTrigger': "
                                "must be a positive size such as 1048576, 512m or 1g.");
  }
  return n;
}

class DeltaStreamSource : public connector::Source {
 public:
  DeltaStreamSource(DeltaSourceOptions options, std::shared_ptr<const delta::Snapshot> table,
                    std::string description, const connector::SourceContext& context)
      : options_(std::move(options)),
        table_(std::move(table)),
        description_(std::move(description)),
        context_(context) {}

  std::string describe() const override { return description_; }
  types::DataTypePtr schema() const override { return table_->schema; }

  void prepareForTriggerAvailableNow() override { cap_ = latestVersion(); }

  std::optional<connector::Offset> latestOffset(const std::optional<connector::Offset>& start,
                                                const connector::ReadLimit& limit) override {
    const int64_t latest = latestVersion();
    const int64_t cap = cap_ ? std::min(*cap_, latest) : latest;
    const Position from = start ? parse(*start) : initialPosition(cap);
    const bool limited = limit.kind != connector::ReadLimit::Kind::kAll;
    int64_t files = 0, bytes = 0;
    const Position end = walk(from, cap, [&](const delta::AddFile& f) {
      if (limited && files >= options_.maxFilesPerTrigger) return false;
      // A soft limit: the file that crosses it is still read, and a batch always has one file.
      if (limited && options_.maxBytesPerTrigger > 0 && files > 0 &&
          bytes >= options_.maxBytesPerTrigger)
        return false;
      ++files;
      bytes += f.size;
      return true;
    });
    // What is there beyond this batch (progress: latestOffset, numFilesOutstanding). A change
    // the query would fail on is reported when a batch reaches it, not here.
    outstandingFiles_ = outstandingBytes_ = 0;
    latestAvailable_.reset();
    try {
      latestAvailable_ = serialize(walk(end, latest, [&](const delta::AddFile& f) {
        ++outstandingFiles_;
        outstandingBytes_ += f.size;
        return true;
      }));
    } catch (const Error&) {
    }
    if (!start && end == from) return std::nullopt;
    return serialize(end);
  }

  std::optional<connector::Offset> reportLatestOffset() override { return latestAvailable_; }

  std::map<std::string, std::string> metrics(const std::optional<connector::Offset>&) override {
    return {{"numBytesOutstanding", std::to_string(outstandingBytes_)},
            {"numFilesOutstanding", std::to_string(outstandingFiles_)}};
  }

  plan::Partitions getBatch(const std::optional<connector::Offset>& start,
                            const connector::Offset& end) override {
    const Position to = parse(end);
    const Position from = start ? parse(*start) : initialPosition(to.version);
    auto batch = std::make_shared<delta::Snapshot>(*table_);
    batch->version = to.version;
    walk(
        from, to.version, [&](const delta::AddFile&) { return true; }, &to, &batch->files);
    if (batch->files.empty()) return {};
    return delta::makeDeltaScan(batch)->read();
  }

  void commit(const connector::Offset& end) override {
    const Position p = parse(end);
    commits_.erase(commits_.begin(), commits_.lower_bound(p.version));
    if (snapshotVersion_ && !p.isStartingVersion) {
      snapshotVersion_.reset();
      snapshotFiles_.clear();
    }
  }

 private:
  // Walks the data files after `from` in stream order, up to version `cap` (and position `stop`),
  // while `admit` accepts them; returns the position of the last file accepted (or of the last
  // version passed that had none). Appends the accepted files to `out`.
  template <typename Admit>
  Position walk(const Position& from, int64_t cap, Admit admit, const Position* stop = nullptr,
                std::vector<delta::AddFile>* out = nullptr) {
    Position at = from;
    auto take = [&](const Position& p, const delta::AddFile& f) {
      if (stop != nullptr && !(p <= *stop)) return false;
      if (!admit(f)) return false;
      at = p;
      if (out != nullptr) out->push_back(f);
      return true;
    };
    int64_t version = from.version, after = from.index;
    if (from.isStartingVersion) {
      const auto& files = snapshotFiles(from.version);
      for (int64_t i = from.index + 1; i < static_cast<int64_t>(files.size()); ++i) {
        if (!take({from.version, i, true}, files[static_cast<size_t>(i)])) return at;
      }
      version = from.version + 1;
      after = -1;
    }
    for (; version <= cap; ++version, after = -1) {
      if (stop != nullptr && stop->key() < Position{version, -1, false}.key()) break;
      bool any = false;
      for (const auto& f : dataFiles(version)) {
        if (f.actionIndex <= after) continue;
        if (!take({version, f.actionIndex, false}, f.file)) return at;
        any = true;
      }
      if (!any && after < 0) at = {version, -1, false};
    }
    return at;
  }

  // The table's latest version. The log is listed once; after that the source only looks for the
  // next commit files (a trigger polls every 10 ms when idle, and logs hold thousands of files).
  int64_t latestVersion() {
    if (!latest_) {
      latest_ = delta::latestVersion(options_.path);
      return *latest_;
    }
    const auto local = io::localFileSystem();  // where the Delta reader reads the table
    auto& fs = *local;
    if (!fs.exists(delta::commitFilePath(options_.path, *latest_ + 1))) {
      // Nothing new, or the table is gone: tell them apart by the log directory.
      if (!fs.exists(delta::logDirectory(options_.path))) delta::latestVersion(options_.path);  // throws
      return *latest_;
    }
    while (fs.exists(delta::commitFilePath(options_.path, *latest_ + 1))) ++*latest_;
    return *latest_;
  }

  // Where a new query starts, fixed in sources/<i>/0 the first time so a replayed first batch
  // reads the same files.
  Position initialPosition(int64_t cap) {
    if (initial_) return *initial_;
    auto& fs = *context_.fileSystem;
    const std::string file = io::joinPath(context_.metadataPath, "0");
    if (!fs.exists(file)) {
      Position p;
      switch (options_.start) {
        case DeltaSourceOptions::Start::kSnapshot:
          p = {cap, -1, true};
          break;
        case DeltaSourceOptions::Start::kLatest:
          p = {latestVersion() + 1, -1, false};
          break;
        case DeltaSourceOptions::Start::kVersion: {
          const int64_t latest = latestVersion();
          if (options_.startingVersion > latest) {
            throw AnalysisError("DELTA_VERSION_NOT_FOUND",
                                "startingVersion " + std::to_string(options_.startingVersion) +
                                    " is past the latest "
                                    "version " +
                                    std::to_string(latest) + " of the Delta table " +
                                    options_.path +
                                    ". Use a version from the table's history, or \"latest\".");
          }
          p = {options_.startingVersion, -1, false};
          break;
        }
        case DeltaSourceOptions::Start::kTimestamp: {
          p = {latestVersion() + 1, -1, false};
          for (const auto& [version, ts] : delta::commitTimestamps(options_.path)) {
            if (ts >= options_.startingTimestampMs) {
              p.version = version;
              break;
            }
          }
          break;
        }
      }
      fs.writeAtomic(file, "v1\n" + serialize(p), false);
    }
    const std::string text = fs.read(file);
    if (text.rfind("v1\n", 0) != 0) {
      throw CorruptionError("CHECKPOINT_CORRUPT",
                            "The Delta source's start file " + file +
                                " is corrupt or of a newer version. Restore it, or use a new "
                                "checkpointLocation.");
    }
    initial_ = parse(text.substr(3));
    return *initial_;
  }

  // The snapshot's files in the order the stream reads them.
  const std::vector<delta::AddFile>& snapshotFiles(int64_t version) {
    if (snapshotVersion_ != version) {
      auto snapshot = delta::loadSnapshot(options_.path, version);
      snapshotFiles_ = std::move(snapshot.files);
      std::stable_sort(
          snapshotFiles_.begin(), snapshotFiles_.end(), [](const auto& a, const auto& b) {
            return std::tie(a.modificationTime, a.path) < std::tie(b.modificationTime, b.path);
          });
      snapshotVersion_ = version;
    }
    return snapshotFiles_;
  }

  // The adds of a commit the stream reads: those with dataChange; none for a commit that only
  // rearranges files (OPTIMIZE) or that is skipped by the options. Throws on what a stream of
  // appends cannot follow: data removed or rewritten, a new schema.
  const std::vector<delta::FileAction>& dataFiles(int64_t version) {
    auto cached = commits_.find(version);
    if (cached != commits_.end()) return cached->second;
    const delta::Commit c = delta::readCommit(options_.path, version);
    if (c.metaData) {
      const std::string schemaString = c.metaData->value("schemaString", std::string("{}"));
      const auto schema = types::DataType::fromJson(schemaString);
      if (schema->sql() != table_->schema->sql()) {
        throw UnsupportedOperationError(
            "DELTA_SCHEMA_CHANGED_WITH_VERSION",
            "The schema of the Delta table " + options_.path + " changed in version " +
                std::to_string(version) + " from " + table_->schema->sql() + " to " +
                schema->sql() +
                ", which the streaming query read "
                "with the first. Restart the query to read with the new schema (from version " +
                std::to_string(version) +
                " on, with startingVersion and a new checkpoint if the old one cannot "
                "go on).");
      }
    }
    std::vector<delta::FileAction> adds;
    for (const auto& a : c.adds) {
      if (a.dataChange) adds.push_back(a);
    }
    const bool removesData =
        std::any_of(c.removes.begin(), c.removes.end(), [](const auto& r) { return r.dataChange; });
    if (removesData && !options_.skipChangeCommits) {
      if (adds.empty() && (options_.ignoreDeletes || options_.ignoreChanges)) {
        adds.clear();
      } else if (!options_.ignoreChanges) {
        const std::string operation =
            c.commitInfo && c.commitInfo->contains("operation") &&
                    (*c.commitInfo)["operation"].is_string()
                ? " (" + (*c.commitInfo)["operation"].get<std::string>() + ")"
                : "";
        if (adds.empty()) {
          throw UnsupportedOperationError(
              "DELTA_SOURCE_IGNORE_DELETE",
              "Detected deleted data in version " + std::to_string(version) + operation +
                  " of the Delta table " + options_.path +
                  ", which a stream of appends cannot follow. To skip commits that delete or "
                  "rewrite data, set the option skipChangeCommits to true (or ignoreDeletes for "
                  "commits that only "
                  "delete whole files).");
        }
        throw UnsupportedOperationError(
            "DELTA_SOURCE_TABLE_IGNORE_CHANGES",
            "Detected a data update (an update, delete, merge or overwrite) in version " +
                std::to_string(version) + operation + " of the Delta table " + options_.path +
                ", which a stream of appends cannot follow. "
                "To skip such commits, set the option skipChangeCommits to true; to read the table "
                "as it is now, "
                "restart the query with a new checkpoint.");
      }
    } else if (removesData) {
      adds.clear();  // skipChangeCommits: the whole commit
    }
    return commits_.emplace(version, std::move(adds)).first->second;
  }

  std::string serialize(const Position& p) const {
    nlohmann::ordered_json j;
    j["sourceVersion"] = 1;
    j["reservoirId"] = table_->tableId;
    j["reservoirVersion"] = p.version;
    j["index"] = p.index;
    j["isStartingVersion"] = p.isStartingVersion;
    return j.dump();
  }

  Position parse(const connector::Offset& offset) const {
    auto j = nlohmann::json::parse(offset, nullptr, false);
    if (!j.is_object() || !j.contains("reservoirVersion") ||
        !j["reservoirVersion"].is_number_integer() || !j.contains("index") ||
        !j["index"].is_number_integer() || !j.contains("sourceVersion") ||
        !j["sourceVersion"].is_number_integer()) {
      throw CorruptionError("CHECKPOINT_CORRUPT",
                            "A Delta source offset must be {\"sourceVersion\":1,\"reservoirId\":"
                            "..,\"reservoirVersion\":V,\"index\":I,\"isStartingVersion\":b}, but "
                            "the checkpoint holds " +
                                offset + ". Use a new checkpointLocation.");
    }
    if (j["sourceVersion"].get<int64_t>() != 1) {
      throw CorruptionError(
          "CHECKPOINT_UNSUPPORTED_VERSION",
          "The Delta source offset " + offset + " has sourceVersion " + j["sourceVersion"].dump() +
              "; this Weir reads version 1. Upgrade Weir, or use a new checkpointLocation.");
    }
    const std::string id = j.value("reservoirId", std::string());
    if (id != table_->tableId) {
      throw AnalysisError("DIFFERENT_DELTA_TABLE_READ_BY_STREAMING_SOURCE",
                          "The streaming query was reading the Delta table with id " + id +
                              ", but the table at " + options_.path + " now has id " +
                              table_->tableId +
                              " (deleted and created again?). "
                              "Use a new checkpointLocation to read the new table from its start.");
    }
    Position p;
    p.version = j["reservoirVersion"].get<int64_t>();
    p.index = j["index"].get<int64_t>();
    p.isStartingVersion = j.value("isStartingVersion", false);
    return p;
  }

  DeltaSourceOptions options_;
  std::shared_ptr<const delta::Snapshot>
      table_;  // the table when the query was defined, without its files
  std::string description_;
  connector::SourceContext context_;
  std::optional<int64_t> cap_;  // Trigger.AvailableNow: the last version to read
  std::optional<int64_t> latest_;
  std::optional<Position> initial_;
  std::optional<int64_t> snapshotVersion_;
  std::vector<delta::AddFile> snapshotFiles_;
  std::map<int64_t, std::vector<delta::FileAction>> commits_;
  std::optional<connector::Offset> latestAvailable_;
  int64_t outstandingFiles_ = 0, outstandingBytes_ = 0;
};

class DeltaStreamInput : public connector::SourceProvider {
 public:
  DeltaStreamInput(DeltaSourceOptions options, std::shared_ptr<const delta::Snapshot> table)
      : options_(std::move(options)), table_(std::move(table)) {}
  types::DataTypePtr schema() const override { return table_->schema; }
  std::string describe() const override { return "DeltaSource[file:" + options_.path + "]"; }
  std::unique_ptr<connector::Source> createSource(
      const connector::SourceContext& context) const override {
    return std::make_unique<DeltaStreamSource>(options_, table_, describe(), context);
  }

 private:
  DeltaSourceOptions options_;
  std::shared_ptr<const delta::Snapshot> table_;
};

bool boolOption(const std::string& key, const std::string& value) {
  const std::string v = base::asciiLower(value);
  if (v == "true") return true;
  if (v == "false") return false;
  throw InvalidInputError("INVALID_PARAMETER_VALUE", "Invalid value '" + value + "' for option '" +
                                                         key + "': must be true or false.");
}

}  // namespace

std::shared_ptr<const connector::SourceProvider> makeDeltaStreamSource(
    const std::string& path, types::DataTypePtr userSchema, const plan::Options& options) {
  if (path.empty()) {
    throw InvalidInputError("INVALID_PARAMETER_VALUE",
                            "The Delta source needs the table's path: load(\"/table\").");
  }
  DeltaSourceOptions o;
  o.path = std::filesystem::absolute(path).lexically_normal().string();
  if (o.path.size() > 1 && o.path.back() == '/') o.path.pop_back();
  bool version = false, timestamp = false;
  for (const auto& [k, v] : options.all()) {
    if (k == "maxfilespertrigger") {
      int64_t n = 0;
      try {
        n = std::stoll(v);
      } catch (const std::exception&) {
      }
      if (n <= 0) {
        throw InvalidInputError(
            "INVALID_PARAMETER_VALUE",
            "Invalid value '" + v +
                "' for option 'maxFilesPerTrigger': must be a positive integer.");
      }
      o.maxFilesPerTrigger = n;
    } else if (k == "maxbytespertrigger") {
      o.maxBytesPerTrigger = parseByteSize(v);
    } else if (k == "startingversion") {
      version = true;
      if (base::asciiLower(v) == "latest") {
        o.start = DeltaSourceOptions::Start::kLatest;
      } else {
        int64_t n = -1;
        try {
          size_t used = 0;
          n = std::stoll(v, &used);
          if (used != v.size()) n = -1;
        } catch (const std::exception&) {
        }
        if (n < 0) {
          throw InvalidInputError("INVALID_PARAMETER_VALUE",
                                  "Invalid value '" + v +
                                      "' for option 'startingVersion': "
                                      "must be a table version (0, 1, ...) or \"latest\".");
        }
        o.start = DeltaSourceOptions::Start::kVersion;
        o.startingVersion = n;
      }
    } else if (k == "startingtimestamp") {
      timestamp = true;
      auto micros = base::parseTimestamp(v);
      if (!micros) {
        throw InvalidInputError("INVALID_PARAMETER_VALUE",
                                "Invalid value '" + v +
                                    "' for option 'startingTimestamp': "
                                    "must be a timestamp such as 2025-01-01 or "
                                    "2025-01-01T10:00:00Z.");
      }
      o.start = DeltaSourceOptions::Start::kTimestamp;
      o.startingTimestampMs = *micros / 1000;
      o.startingTimestampText = v;
    } else if (k == "skipchangecommits") {
      o.skipChangeCommits = boolOption("skipChangeCommits", v);
    } else if (k == "ignoredeletes") {
      o.ignoreDeletes = boolOption("ignoreDeletes", v);
    } else if (k == "ignorechanges") {
      o.ignoreChanges = boolOption("ignoreChanges", v);
    }
  }
  if (version && timestamp) {
    throw InvalidInputError(
        "DELTA_STARTING_VERSION_AND_TIMESTAMP_BOTH_SET",
        "Set either startingVersion or startingTimestamp for the Delta source, not both.");
  }
  auto snapshot = delta::loadSnapshot(o.path);
  if (userSchema && userSchema->sql() != snapshot.schema->sql()) {
    throw AnalysisError("DELTA_SCHEMA_MISMATCH",
                        "The schema given to readStream " + userSchema->sql() +
                            " differs from the Delta table's " + snapshot.schema->sql() +
                            ". Leave .schema(...) out: the Delta source reads the table's.");
  }
  snapshot.files.clear();
  snapshot.files.shrink_to_fit();
  return std::make_shared<DeltaStreamInput>(
      o, std::make_shared<const delta::Snapshot>(std::move(snapshot)));
}

}  // namespace weir::connectors
