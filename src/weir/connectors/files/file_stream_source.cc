#include "weir/connectors/files/file_stream_source.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

#include "weir/base/duration.h"
#include "weir/base/error.h"
#include "weir/formats/csv/csv_format.h"
#include "weir/formats/file_listing.h"
#include "weir/formats/json/json_format.h"
#include "weir/formats/parquet/parquet_reader.h"

namespace weir::connectors {

namespace {

constexpr int64_t kCompactInterval = 10;

struct FileEntry {
  std::string path;
  int64_t timestampMs = 0;
  int64_t batchId = 0;
};

struct FileSourceOptions {
  std::string format;
  std::string path;
  types::DataTypePtr schema;
  plan::Options readerOptions;
  int64_t maxFilesPerTrigger = 0;  // 0: no limit
  bool latestFirst = false;
  int64_t maxFileAgeMs = 7LL * 24 * 3600 * 1000;
};

std::string toUri(const std::string& path) { return "file://" + path; }
std::string fromUri(const std::string& uri) { return uri.rfind("file://", 0) == 0 ? uri.substr(7) : uri; }

int64_t parseLogOffset(const connector::Offset& offset) {
  auto j = nlohmann::json::parse(offset, nullptr, false);
  if (j.is_object() && j.contains("logOffset") && j["logOffset"].is_number_integer()) {
    return j["logOffset"].get<int64_t>();
  }
  throw CorruptionError("CHECKPOINT_CORRUPT", "A file source offset must be {\"logOffset\":N}, but the checkpoint "
                                              "holds " + offset + ". Use a new checkpointLocation.");
}

std::string logOffset(int64_t id) { return "{\"logOffset\":" + std::to_string(id) + "}"; }

// The source's log in sources/<i>: N holds the files of batch N; every 10th entry is written as
// N.compact holding all files so far, after which the earlier entries are not needed.
class FileSourceLog {
 public:
  FileSourceLog(std::shared_ptr<io::FileSystem> fs, std::string dir) : fs_(std::move(fs)), dir_(std::move(dir)) {}

  /// Every entry, by batch id.
  std::map<int64_t, std::vector<FileEntry>> readAll() const {
    std::map<int64_t, std::vector<FileEntry>> out;
    int64_t compact = -1;
    std::map<int64_t, std::string> plain;
    for (const auto& f : fs_->list(dir_)) {
      std::string name = f.name;
      bool isCompact = name.size() > 8 && name.substr(name.size() - 8) == ".compact";
      std::string stem = isCompact ? name.substr(0, name.size() - 8) : name;
      if (stem.empty() || !std::all_of(stem.begin(), stem.end(), ::isdigit)) continue;
      int64_t id = std::stoll(stem);
      if (isCompact) compact = std::max(compact, id);
      else plain[id] = f.path;
    }
    if (compact >= 0) {
      for (auto& e : parse(io::joinPath(dir_, std::to_string(compact) + ".compact"))) out[e.batchId].push_back(e);
    }
    for (const auto& [id, path] : plain) {
      if (id <= compact) continue;
      for (auto& e : parse(path)) out[id].push_back(e);
      if (out.find(id) == out.end()) out[id] = {};
    }
    return out;
  }

  void add(int64_t id, const std::vector<FileEntry>& files, const std::map<int64_t, std::vector<FileEntry>>& before) {
    std::string text = "v1";
    auto line = [&](const FileEntry& e) {
      nlohmann::ordered_json j;
      j["path"] = toUri(e.path);
      j["timestamp"] = e.timestampMs;
      j["batchId"] = e.batchId;
      text += "\n" + j.dump();
    };
    bool compact = (id + 1) % kCompactInterval == 0;
    if (compact) {
      for (const auto& [b, entries] : before) {
        if (b < id) {
          for (const auto& e : entries) line(e);
        }
      }
    }
    for (const auto& e : files) line(e);
    const std::string name = std::to_string(id) + (compact ? ".compact" : "");
    if (!fs_->writeAtomic(io::joinPath(dir_, name), text, false)) {
      throw UnsupportedOperationError("CONCURRENT_STREAM_LOG_UPDATE",
                                      "The file source log entry " + io::joinPath(dir_, name) +
                                          " already exists: another query is using this checkpoint.");
    }
    if (compact) {
      for (const auto& [b, entries] : before) {
        if (b < id) fs_->remove(io::joinPath(dir_, std::to_string(b)));
      }
    }
  }

 private:
  std::vector<FileEntry> parse(const std::string& path) const {
    std::string text = fs_->read(path);
    std::vector<FileEntry> out;
    size_t start = 0;
    bool first = true;
    while (start <= text.size()) {
      size_t nl = text.find('\n', start);
      std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
      start = nl == std::string::npos ? text.size() + 1 : nl + 1;
      if (first) {
        if (line != "v1") {
          throw CorruptionError("CHECKPOINT_CORRUPT", "The file source log " + path +
                                                          " does not start with v1. Restore it, or use a new "
                                                          "checkpointLocation.");
        }
        first = false;
        continue;
      }
      if (line.empty()) continue;
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_object() || !j.contains("path") || !j["path"].is_string()) {
        throw CorruptionError("CHECKPOINT_CORRUPT", "The file source log " + path +
                                                        " has a malformed line. Restore it, or use a new "
                                                        "checkpointLocation.");
      }
      out.push_back({fromUri(j["path"].get<std::string>()), j.value("timestamp", int64_t{0}),
                     j.value("batchId", int64_t{0})});
    }
    return out;
  }

  std::shared_ptr<io::FileSystem> fs_;
  std::string dir_;
};

class FileStreamSource : public connector::Source {
 public:
  FileStreamSource(FileSourceOptions options, std::string description, const connector::SourceContext& context)
      : options_(std::move(options)), description_(std::move(description)), fs_(context.fileSystem),
        log_(context.fileSystem, context.metadataPath) {
    entries_ = log_.readAll();
    for (const auto& [id, files] : entries_) {
      for (const auto& f : files) {
        seen_[f.path] = f.timestampMs;
        latestTimestampMs_ = std::max(latestTimestampMs_, f.timestampMs);
      }
      lastLogId_ = std::max(lastLogId_, id);
    }
  }

  std::string describe() const override { return description_; }
  types::DataTypePtr schema() const override { return options_.schema; }

  void prepareForTriggerAvailableNow() override {
    availableNow_ = true;
    for (const auto& f : newFiles()) snapshot_.insert(f.path);
  }

  std::optional<connector::Offset> latestOffset(const std::optional<connector::Offset>&,
                                                const connector::ReadLimit& limit) override {
    auto files = newFiles();
    if (availableNow_) {
      files.erase(std::remove_if(files.begin(), files.end(), [&](const FileEntry& f) { return !snapshot_.count(f.path); }),
                  files.end());
    }
    if (limit.kind != connector::ReadLimit::Kind::kAll && options_.maxFilesPerTrigger > 0 &&
        static_cast<int64_t>(files.size()) > options_.maxFilesPerTrigger) {
      files.resize(static_cast<size_t>(options_.maxFilesPerTrigger));
    }
    if (!files.empty()) {
      int64_t id = lastLogId_ + 1;
      for (auto& f : files) f.batchId = id;
      log_.add(id, files, entries_);
      entries_[id] = files;
      lastLogId_ = id;
      for (const auto& f : files) {
        seen_[f.path] = f.timestampMs;
        latestTimestampMs_ = std::max(latestTimestampMs_, f.timestampMs);
      }
    }
    if (lastLogId_ < 0) return std::nullopt;
    return logOffset(lastLogId_);
  }

  plan::Partitions getBatch(const std::optional<connector::Offset>& start, const connector::Offset& end) override {
    int64_t from = start ? parseLogOffset(*start) + 1 : 0;
    int64_t to = parseLogOffset(end);
    std::vector<std::string> paths;
    for (int64_t id = from; id <= to; ++id) {
      auto it = entries_.find(id);
      if (it == entries_.end()) {
        throw DataLossError("FILE_SOURCE_LOG_MISSING",
                            "The file source log has no entry for batch " + std::to_string(id) +
                                " although the offset log refers to it. Restore the checkpoint, or use a new one.");
      }
      for (const auto& f : it->second) paths.push_back(f.path);
    }
    if (paths.empty()) return {};
    std::shared_ptr<const plan::ScanSource> scan;
    if (options_.format == "json") {
      scan = formats::makeJsonScan(paths, options_.schema, options_.readerOptions);
    } else if (options_.format == "parquet") {
      scan = formats::parquet::makeParquetScan(paths, options_.schema, options_.readerOptions);
    } else {
      scan = formats::makeCsvScan(paths, options_.schema, options_.readerOptions);
    }
    return scan->read();
  }

 private:
  // Files not seen yet and not older than maxFileAge before the newest seen, oldest first (or
  // newest first with latestFirst).
  std::vector<FileEntry> newFiles() const {
    std::vector<std::string> listed;
    try {
      listed = formats::listDataFiles({options_.path});
    } catch (const AnalysisError&) {
      return {};  // no files yet
    }
    std::vector<FileEntry> out;
    const int64_t oldest = latestTimestampMs_ - options_.maxFileAgeMs;
    for (const auto& path : listed) {
      if (seen_.count(path)) continue;
      auto info = fs_->stat(path);
      if (!info || info->isDirectory) continue;
      if (!options_.latestFirst && latestTimestampMs_ > 0 && info->modificationTimeMs < oldest) continue;
      out.push_back({path, info->modificationTimeMs, 0});
    }
    std::sort(out.begin(), out.end(), [&](const FileEntry& a, const FileEntry& b) {
      if (a.timestampMs != b.timestampMs) {
        return options_.latestFirst ? a.timestampMs > b.timestampMs : a.timestampMs < b.timestampMs;
      }
      return a.path < b.path;
    });
    return out;
  }

  FileSourceOptions options_;
  std::string description_;
  std::shared_ptr<io::FileSystem> fs_;
  FileSourceLog log_;
  std::map<int64_t, std::vector<FileEntry>> entries_;
  std::map<std::string, int64_t> seen_;
  int64_t latestTimestampMs_ = 0;
  int64_t lastLogId_ = -1;
  bool availableNow_ = false;
  std::set<std::string> snapshot_;
};

class FileStreamInput : public connector::SourceProvider {
 public:
  explicit FileStreamInput(FileSourceOptions options) : options_(std::move(options)) {}
  types::DataTypePtr schema() const override { return options_.schema; }
  std::string describe() const override { return "FileStreamSource[file:" + options_.path + "]"; }
  std::unique_ptr<connector::Source> createSource(const connector::SourceContext& context) const override {
    return std::make_unique<FileStreamSource>(options_, describe(), context);
  }

 private:
  FileSourceOptions options_;
};

}  // namespace

std::shared_ptr<const connector::SourceProvider> makeFileStreamSource(const std::string& format,
                                                                      const std::string& path,
                                                                      types::DataTypePtr schema,
                                                                      const plan::Options& options) {
  if (!schema) {
    throw AnalysisError("STREAMING_FILE_SOURCE_SCHEMA_REQUIRED",
                        "Schema must be specified when creating a streaming source DataFrame: call .schema(...) "
                        "before load(). If files already exist in " + path +
                            ", spark.read().format(\"" + format + "\").load(path).schema() infers one.");
  }
  if (path.empty()) {
    throw InvalidInputError("INVALID_PARAMETER_VALUE", "The file source needs a path: load(\"/dir\").");
  }
  FileSourceOptions o;
  o.format = format;
  o.path = std::filesystem::absolute(path).lexically_normal().string();
  if (o.path.size() > 1 && o.path.back() == '/') o.path.pop_back();
  o.schema = std::move(schema);
  for (const auto& [k, v] : options.all()) {
    if (k == "maxfilespertrigger") {
      int64_t n = 0;
      try {
        n = std::stoll(v);
      } catch (const std::exception&) {
      }
      if (n <= 0) {
        throw InvalidInputError("INVALID_PARAMETER_VALUE",
                                "Invalid value '" + v + "' for option 'maxFilesPerTrigger': must be a positive integer.");
      }
      o.maxFilesPerTrigger = n;
    } else if (k == "latestfirst") {
      o.latestFirst = options.getBool(k, false);
    } else if (k == "maxfileage") {
      o.maxFileAgeMs = base::parseDurationMicros(v, "maxFileAge") / 1000;
    } else if (k != "path") {
      o.readerOptions.set(k, v);
    }
  }
  return std::make_shared<FileStreamInput>(o);
}

}  // namespace weir::connectors
