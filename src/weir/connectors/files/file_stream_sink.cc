#include "weir/connectors/files/file_stream_sink.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "weir/base/error.h"
#include "weir/formats/csv/csv_format.h"
#include "weir/formats/file_listing.h"
#include "weir/formats/json/json_format.h"
#include "weir/formats/parquet/parquet_writer.h"

namespace weir::connectors {

namespace {

constexpr int64_t kCompactInterval = 10;

std::set<std::string> dataFiles(const std::string& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (e.is_regular_file() && name[0] != '_' && name[0] != '.') out.insert(e.path().string());
  }
  return out;
}

class FileStreamSink : public connector::Sink {
 public:
  FileStreamSink(std::string format, std::string path, plan::Options options)
      : format_(std::move(format)), path_(std::move(path)), options_(std::move(options)),
        fs_(io::localFileSystem()), log_(io::joinPath(path_, "_spark_metadata")) {}

  std::string describe() const override { return "FileSink[" + path_ + "]"; }

  void addBatch(int64_t batchId, const connector::BatchOutput& output) override {
    lastRows_ = static_cast<int64_t>(output.numRows());
    // A batch already in the log was written by an earlier attempt: nothing to do.
    if (batchId <= latestLogged()) return;
    fs_->createDirectories(path_);
    auto before = dataFiles(path_);
    if (format_ == "json") {
      formats::writeJsonFiles(output.partitions, output.schema, path_, options_);
    } else if (format_ == "parquet") {
      formats::parquet::writeParquetFiles(output.partitions, output.schema, path_, options_);
    } else {
      formats::writeCsvFiles(output.partitions, output.schema, path_, options_);
    }
    fs_->remove(io::joinPath(path_, "_SUCCESS"));
    std::string text = "v1";
    const bool compact = (batchId + 1) % kCompactInterval == 0;
    if (compact) text += previousEntries(batchId);
    for (const auto& file : dataFiles(path_)) {
      if (before.count(file)) continue;
      auto info = fs_->stat(file);
      if (!info) continue;
      text += "\n" + entry(file, *info);
    }
    const std::string name = std::to_string(batchId) + (compact ? ".compact" : "");
    fs_->writeAtomic(io::joinPath(log_, name), text, false);
    if (compact) {
      for (int64_t b = 0; b < batchId; ++b) fs_->remove(io::joinPath(log_, std::to_string(b)));
    }
  }

  int64_t lastOutputRows() const override { return lastRows_; }

 private:
  static std::string entry(const std::string& file, const io::FileInfo& info) {
    nlohmann::ordered_json j;
    j["path"] = "file://" + file;
    j["size"] = info.size;
    j["isDir"] = false;
    j["modificationTime"] = info.modificationTimeMs;
    j["blockReplication"] = 1;
    j["blockSize"] = 33554432;
    j["action"] = "add";
    return j.dump();
  }

  // The newest batch id in the log (plain or compact), -1 when empty.
  int64_t latestLogged() const {
    int64_t latest = -1;
    for (const auto& f : fs_->list(log_)) {
      std::string stem = f.name.substr(0, f.name.find('.'));
      if (stem.empty() || !std::all_of(stem.begin(), stem.end(), ::isdigit)) continue;
      latest = std::max(latest, static_cast<int64_t>(std::stoll(stem)));
    }
    return latest;
  }

  // The entry lines of every batch before `batchId` (for a compact file).
  std::string previousEntries(int64_t batchId) const {
    std::string out;
    for (const auto& file : formats::listSinkLogFiles(path_)) {
      auto info = fs_->stat(file);
      if (info) out += "\n" + entry(file, *info);
    }
    (void)batchId;
    return out;
  }

  std::string format_;
  std::string path_;
  plan::Options options_;
  std::shared_ptr<io::FileSystem> fs_;
  std::string log_;
  int64_t lastRows_ = 0;
};

}  // namespace

std::shared_ptr<connector::Sink> makeFileStreamSink(const std::string& format, const std::string& path,
                                                    const plan::Options& options) {
  if (path.empty()) {
    throw InvalidInputError("INVALID_PARAMETER_VALUE",
                            "The " + format + " sink needs a path: start(\"/dir\") or option(\"path\", \"/dir\").");
  }
  plan::Options writerOptions;
  for (const auto& [k, v] : options.all()) {
    if (k != "path" && k != "checkpointlocation") writerOptions.set(k, v);
  }
  std::string abs = std::filesystem::absolute(path).lexically_normal().string();
  if (abs.size() > 1 && abs.back() == '/') abs.pop_back();
  return std::make_shared<FileStreamSink>(format, abs, writerOptions);
}

}  // namespace weir::connectors
