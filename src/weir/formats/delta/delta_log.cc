#include "weir/formats/delta/delta_log.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "weir/base/error.h"
#include "weir/formats/file_listing.h"
#include "weir/io/file_system.h"

namespace weir::formats::delta {

namespace {

namespace fs = std::filesystem;

[[noreturn]] void corrupt(const std::string& file, const std::string& why) {
  throw CorruptionError("DELTA_LOG_CORRUPT", "The Delta log file " + file + " is corrupt (" + why +
                                                 "). Restore it from a backup; the table cannot be read past it.");
}

int64_t modificationTimeMs(const fs::path& p) {
  auto info = io::localFileSystem()->stat(p.string());
  return info ? info->modificationTimeMs : 0;
}

// Versions of the commit files and of the checkpoints in the log.
void listLog(const std::string& tablePath, std::vector<int64_t>* commits, int64_t* latest) {
  const std::string dir = logDirectory(tablePath);
  if (!fs::is_directory(dir)) {
    throw AnalysisError("DELTA_MISSING_DELTA_TABLE", tablePath + " is not a Delta table: it has no _delta_log "
                                                                 "directory. Check the path, or write the table first.");
  }
  int64_t newest = -1;
  for (const auto& e : fs::directory_iterator(dir)) {
    // <20 digits>.json, or a checkpoint <20 digits>.checkpoint[.<part or uuid>].parquet.
    const std::string name = e.path().filename().string();
    const auto version = logFileVersion(name);
    if (!version || name.size() < 25 || name[20] != '.') continue;
    const std::string_view rest = std::string_view(name).substr(20);
    const bool commit = rest == ".json";
    const bool checkpoint = rest.rfind(".checkpoint", 0) == 0 && rest.size() >= 19 &&
                            rest.substr(rest.size() - 8) == ".parquet";
    if (!commit && !checkpoint) continue;
    const int64_t v = *version;
    if (commit && commits != nullptr) commits->push_back(v);
    newest = std::max(newest, v);
  }
  if (newest < 0) {
    throw AnalysisError("DELTA_MISSING_DELTA_TABLE", tablePath + " is not a Delta table: its _delta_log is empty.");
  }
  if (commits != nullptr) std::sort(commits->begin(), commits->end());
  if (latest != nullptr) *latest = newest;
}

}  // namespace

std::string percentDecode(const std::string& s) {
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

std::string logDirectory(const std::string& tablePath) { return (fs::path(tablePath) / "_delta_log").string(); }

std::string commitFilePath(const std::string& tablePath, int64_t version) {
  return (fs::path(logDirectory(tablePath)) / (versionFileName(version) + ".json")).string();
}

std::vector<int64_t> listCommitVersions(const std::string& tablePath) {
  std::vector<int64_t> out;
  listLog(tablePath, &out, nullptr);
  return out;
}

int64_t latestVersion(const std::string& tablePath) {
  int64_t latest = -1;
  listLog(tablePath, nullptr, &latest);
  return latest;
}

Commit readCommit(const std::string& tablePath, int64_t version) {
  const std::string file = commitFilePath(tablePath, version);
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    if (!fs::is_directory(logDirectory(tablePath))) {
      throw AnalysisError("DELTA_MISSING_DELTA_TABLE", tablePath + " is not a Delta table (any more): it has no "
                                                                   "_delta_log directory. Check the path.");
    }
    throw AnalysisError("DELTA_VERSION_NOT_FOUND", "Version " + std::to_string(version) + " of the Delta table " +
                                                       tablePath + " has no commit file " + versionFileName(version) +
                                                       ".json (not written yet, or removed by log cleanup).");
  }
  Commit c;
  c.version = version;
  c.timestampMs = modificationTimeMs(file);
  const std::string text = formats::readFile(file);
  size_t start = 0;
  int64_t index = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) corrupt(file, "a line is not a JSON object");
    const int64_t at = index++;
    auto fileAction = [&](const nlohmann::json& a) {
      if (!a.is_object()) corrupt(file, "an add or remove action is not an object");
      FileAction f;
      f.file = parseFileAction(a, file);
      f.dataChange = !a.contains("dataChange") || !a["dataChange"].is_boolean() || a["dataChange"].get<bool>();
      if (a.contains("deletionTimestamp") && a["deletionTimestamp"].is_number_integer()) {
        f.deletionTimestamp = a["deletionTimestamp"].get<int64_t>();
      }
      f.actionIndex = at;
      return f;
    };
    if (j.contains("add")) c.adds.push_back(fileAction(j["add"]));
    if (j.contains("remove")) c.removes.push_back(fileAction(j["remove"]));
    if (j.contains("metaData")) c.metaData = j["metaData"];
    if (j.contains("protocol")) c.protocol = j["protocol"];
    if (j.contains("commitInfo") && j["commitInfo"].is_object()) {
      c.commitInfo = j["commitInfo"];
      const auto& info = *c.commitInfo;
      if (info.contains("inCommitTimestamp") && info["inCommitTimestamp"].is_number_integer()) {
        c.timestampMs = info["inCommitTimestamp"].get<int64_t>();
      }
    }
  }
  return c;
}

std::vector<std::pair<int64_t, int64_t>> commitTimestamps(const std::string& tablePath) {
  std::vector<std::pair<int64_t, int64_t>> out;
  int64_t previous = INT64_MIN;
  for (int64_t v : listCommitVersions(tablePath)) {
    const fs::path file = commitFilePath(tablePath, v);
    int64_t ts = modificationTimeMs(file);
    // In-commit timestamps sit in the first line (commitInfo) when the table writes them.
    const std::string text = formats::readFile(file.string());
    const auto first = text.substr(0, text.find('\n'));
    if (first.find("inCommitTimestamp") != std::string::npos) {
      auto j = nlohmann::json::parse(first, nullptr, false);
      if (j.is_object() && j.contains("commitInfo") && j["commitInfo"].contains("inCommitTimestamp") &&
          j["commitInfo"]["inCommitTimestamp"].is_number_integer()) {
        ts = j["commitInfo"]["inCommitTimestamp"].get<int64_t>();
      }
    }
    if (previous != INT64_MIN && ts <= previous) ts = previous + 1;
    previous = ts;
    out.emplace_back(v, ts);
  }
  return out;
}

bool writeCommitFile(const std::string& tablePath, int64_t version, const std::string& actions) {
  return io::localFileSystem()->writeAtomic(commitFilePath(tablePath, version), actions, false);
}

}  // namespace weir::formats::delta
