#include "weir/formats/delta/delta_commands.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>

#include "weir/base/clock.h"
#include "weir/base/duration.h"
#include "weir/base/error.h"
#include "weir/base/text.h"
#include "weir/base/time.h"
#include "weir/formats/delta/deletion_vector.h"
#include "weir/formats/delta/delta_log.h"
#include "weir/formats/delta/delta_writer.h"
#include "weir/formats/file_listing.h"
#include "weir/io/file_system.h"

namespace weir::formats::delta {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

std::string timestampText(int64_t ms) { return base::formatTimestamp(ms * 1000); }

// A commitInfo-only commit at the first free version after `after` (they never conflict).
int64_t commitInfoOnly(const std::string& tablePath, int64_t after, const ordered_json& info) {
  const std::string line = ordered_json({{"commitInfo", info}}).dump() + "\n";
  for (int64_t version = after + 1;; ++version) {
    if (writeCommitFile(tablePath, version, line)) return version;
    if (version > after + 1000) {
      throw IoError("DELTA_COMMIT_FAILED",
                    "Could not commit to the Delta table " + tablePath +
                        ": a thousand versions were taken by other writers meanwhile. Retry.");
    }
  }
}

// A path from the log relative to the table root ("" when it lies outside the table).
std::string relativeToTable(const std::string& tableRoot, std::string path) {
  if (path.rfind("file://", 0) == 0)
    path = path.substr(7);
  else if (path.rfind("file:", 0) == 0)
    path = path.substr(5);
  if (path.empty() || path[0] != '/') return fs::path(path).lexically_normal().string();
  const std::string prefix = tableRoot + "/";
  if (path.rfind(prefix, 0) != 0) return "";
  return fs::path(path.substr(prefix.size())).lexically_normal().string();
}

std::string absoluteTable(const std::string& tablePath) {
  std::string root = fs::absolute(tablePath).lexically_normal().string();
  if (root.size() > 1 && root.back() == '/') root.pop_back();
  return root;
}

// Hidden names, which vacuum leaves alone: '.' or '_' first, unless a partition directory.
bool hidden(const std::string& name) {
  return (name[0] == '.' || name[0] == '_') && name.find('=') == std::string::npos;
}

std::string renderMap(const std::map<std::string, std::string>& m) {
  std::string out = "{";
  for (const auto& [k, v] : m) out += (out.size() > 1 ? ", " : "") + k + "=" + v;
  return out + "}";
}

std::string renderList(const std::vector<std::string>& v) {
  std::string out = "[";
  for (const auto& s : v) out += (out.size() > 1 ? ", " : "") + s;
  return out + "]";
}

// VACUUM and OPTIMIZE know plain tables and deletion vectors (vacuum keeps the vector files of the
// files it keeps; optimize reads through the vectors and writes files without). A rewrite would
// have to carry physical column names, row ids or in-commit timestamps, and checkpoints would
// have to be V2: tables using those, or writer features Weir does not know, are refused rather
// than damaged. Constraints, invariants, generated and identity columns need no check: VACUUM
// changes no rows, and OPTIMIZE writes the rows it reads unchanged.
void checkCommandSupported(const Snapshot& s, const std::string& command) {
  static const std::vector<std::string> kUnsupported = {
      "columnMapping", "rowTracking",     "inCommitTimestamp", "v2Checkpoint",
      "clustering",    "icebergCompatV1", "icebergCompatV2"};
  std::vector<std::string> found;
  for (const auto& f : kUnsupported) {
    const bool reader =
        std::find(s.readerFeatures.begin(), s.readerFeatures.end(), f) != s.readerFeatures.end();
    const bool writer =
        std::find(s.writerFeatures.begin(), s.writerFeatures.end(), f) != s.writerFeatures.end();
    if (reader || writer) found.push_back(f);
  }
  auto mode = s.configuration.find("delta.columnMapping.mode");
  if (mode != s.configuration.end() && mode->second != "none" &&
      std::find(found.begin(), found.end(), "columnMapping") == found.end()) {
    found.push_back("columnMapping");
  }
  // Features Weir knows nothing about may ask anything of a commit.
  for (const auto& f : s.writerFeatures) {
    if (!knownWriterFeature(f) && std::find(found.begin(), found.end(), f) == found.end()) {
      found.push_back(f);
    }
  }
  if (s.minWriterVersion > 7)
    found.push_back("writer version " + std::to_string(s.minWriterVersion));
  if (!found.empty()) {
    throw UnsupportedOperationError("DELTA_UNSUPPORTED_FEATURES",
                                    command + " of the Delta table " + s.tablePath +
                                        " is not supported: it uses " + renderList(found) +
                                        ", which Weir's " + command + " does not handle yet. Run " +
                                        command + " with another Delta engine.");
  }
}

}  // namespace

// ----- history

std::vector<HistoryEntry> tableHistory(const std::string& tablePath, size_t limit) {
  auto versions = listCommitVersions(tablePath);
  std::vector<HistoryEntry> out;
  for (auto it = versions.rbegin(); it != versions.rend() && (limit == 0 || out.size() < limit);
       ++it) {
    const Commit c = readCommit(tablePath, *it);
    HistoryEntry e;
    e.version = c.version;
    e.timestampMs = c.timestampMs;
    if (c.commitInfo) {
      const auto& info = *c.commitInfo;
      if (info.contains("operation") && info["operation"].is_string())
        e.operation = info["operation"];
      if (info.contains("operationParameters") && info["operationParameters"].is_object()) {
        e.operationParameters = info["operationParameters"];
      }
      if (info.contains("operationMetrics") && info["operationMetrics"].is_object()) {
        e.operationMetrics = info["operationMetrics"];
      }
      if (info.contains("readVersion") && info["readVersion"].is_number_integer())
        e.readVersion = info["readVersion"].get<int64_t>();
      if (info.contains("engineInfo") && info["engineInfo"].is_string())
        e.engineInfo = info["engineInfo"];
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::string formatHistory(const std::vector<HistoryEntry>& history) {
  std::vector<std::vector<std::string>> rows = {
      {"version", "timestamp", "operation", "operationParameters", "operationMetrics"}};
  for (const auto& e : history) {
    rows.push_back({std::to_string(e.version), timestampText(e.timestampMs),
                    e.operation.empty() ? "-" : e.operation, e.operationParameters.dump(),
                    e.operationMetrics.dump()});
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) widths[i] = std::max(widths[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(widths[i] - r[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

// ----- describe

TableDetail describeTable(const std::string& tablePath) {
  const Snapshot s = loadSnapshot(tablePath);
  TableDetail d;
  d.location = absoluteTable(tablePath);
  d.id = s.tableId;
  auto meta = nlohmann::json::parse(s.metaDataJson, nullptr, false);
  if (meta.is_object()) {
    if (meta.contains("name") && meta["name"].is_string()) d.name = meta["name"];
    if (meta.contains("description") && meta["description"].is_string())
      d.description = meta["description"];
  }
  d.createdTimeMs = s.createdTime;
  d.version = s.version;
  d.minReaderVersion = s.minReaderVersion;
  d.minWriterVersion = s.minWriterVersion;
  d.readerFeatures = s.readerFeatures;
  d.writerFeatures = s.writerFeatures;
  d.partitionColumns = s.partitionColumns;
  d.configuration = s.configuration;
  d.schema = s.schema;
  d.numFiles = static_cast<int64_t>(s.files.size());
  for (const auto& f : s.files) d.sizeInBytes += f.size;
  try {
    d.lastModifiedMs = readCommit(tablePath, s.version).timestampMs;
  } catch (const AnalysisError&) {
    // Only a checkpoint holds the latest version.
  }
  return d;
}

std::string formatDetail(const TableDetail& d) {
  std::ostringstream out;
  auto line = [&](const std::string& key, const std::string& value) {
    out << key << ":" << std::string(key.size() < 18 ? 18 - key.size() : 1, ' ') << value << "\n";
  };
  line("location", d.location);
  line("id", d.id);
  if (!d.name.empty()) line("name", d.name);
  if (!d.description.empty()) line("description", d.description);
  line("createdAt", timestampText(d.createdTimeMs));
  if (d.lastModifiedMs > 0) line("lastModified", timestampText(d.lastModifiedMs));
  line("version", std::to_string(d.version));
  std::string protocol = "minReaderVersion " + std::to_string(d.minReaderVersion) +
                         ", minWriterVersion " + std::to_string(d.minWriterVersion);
  if (!d.readerFeatures.empty()) protocol += ", readerFeatures " + renderList(d.readerFeatures);
  if (!d.writerFeatures.empty()) protocol += ", writerFeatures " + renderList(d.writerFeatures);
  line("protocol", protocol);
  line("partitionColumns", renderList(d.partitionColumns));
  line("numFiles", std::to_string(d.numFiles));
  line("sizeInBytes", std::to_string(d.sizeInBytes));
  line("configuration", renderMap(d.configuration));
  out << "schema:\n" << d.schema->treeString();
  std::string text = out.str();
  if (text.back() != '\n') text += "\n";
  return text;
}

// ----- vacuum

VacuumResult vacuumTable(const std::string& tablePath, const VacuumOptions& options) {
  const Snapshot s = loadSnapshot(tablePath);
  checkCommandSupported(s, "VACUUM");
  const std::string root = absoluteTable(tablePath);
  const int64_t tableRetentionMs = deletedFileRetentionMs(s.configuration);
  if (options.retainHours && (*options.retainHours < 0 || !std::isfinite(*options.retainHours))) {
    throw InvalidInputError("INVALID_PARAMETER_VALUE",
                            "The retention of VACUUM must be a number of hours >= 0.");
  }
  const int64_t retainMs =
      options.retainHours ? static_cast<int64_t>(std::llround(*options.retainHours * 3600 * 1000))
                          : tableRetentionMs;
  if (retainMs < tableRetentionMs && !options.force) {
    throw InvalidInputError(
        "DELTA_VACUUM_RETENTION_PERIOD_TOO_SHORT",
        "VACUUM with a retention of " + base::formatDurationMicros(retainMs * 1000) +
            " is below the table's " + base::formatDurationMicros(tableRetentionMs * 1000) +
            " (delta.deletedFileRetentionDuration): it could "
            "delete files that running readers, streams or time travel still need. Keep the "
            "retention, or force it "
            "(weir delta vacuum --force; Delta's retentionDurationCheck off) if nothing reads "
            "older versions.");
  }
  const int64_t now = options.nowMs ? *options.nowMs : base::systemClock()->nowMs();
  const int64_t cutoff = now - retainMs;
  // What must stay: the latest version's files and the files removed within the retention.
  // Deletion vector files go with their data files.
  std::set<std::string> keep;
  auto keepFile = [&](const std::string& path,
                      const std::optional<DeletionVectorDescriptor>& vector) {
    keep.insert(relativeToTable(root, path));
    if (vector) {
      if (auto dv = deletionVectorFile(*vector, root)) keep.insert(relativeToTable(root, *dv));
    }
  };
  for (const auto& f : s.files) keepFile(f.path, f.deletionVector);
  // The snapshot's tombstones (its checkpoint's and those of the commits after it), as Delta
  // reads them; and, for a checkpoint written without tombstones (by Weir before it kept them),
  // the removes of every commit still in the log.
  for (const auto& r : s.tombstones) {
    if (r.deletionTimestamp >= cutoff) keepFile(r.path, r.deletionVector);
  }
  for (int64_t v : listCommitVersions(tablePath)) {
    for (const auto& r : readCommit(tablePath, v).removes) {
      if (r.deletionTimestamp >= cutoff) keepFile(r.file.path, r.file.deletionVector);
    }
  }
  VacuumResult result;
  result.dryRun = options.dryRun;
  result.retainHours = static_cast<double>(retainMs) / 3600000.0;
  auto fsys = io::localFileSystem();
  std::vector<fs::path> directories;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = it->path().filename().string();
    if (hidden(name)) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory()) {
      directories.push_back(it->path());
      continue;
    }
    if (!it->is_regular_file()) continue;
    const std::string relative = fs::path(it->path()).lexically_relative(root).string();
    if (keep.count(relative)) continue;
    auto info = fsys->stat(it->path().string());
    if (!info || info->modificationTimeMs >= cutoff) continue;
    result.files.push_back(relative);
    result.bytes += info->size;
  }
  std::sort(result.files.begin(), result.files.end());
  if (options.dryRun) return result;

  auto parameters = [&] {
    ordered_json p;
    p["retentionCheckEnabled"] = !options.force;
    p["defaultRetentionMillis"] = tableRetentionMs;
    p["specifiedRetentionMillis"] = retainMs;
    return p;
  };
  ordered_json start;
  start["timestamp"] = base::systemClock()->nowMs();
  start["operation"] = "VACUUM START";
  start["operationParameters"] = parameters();
  start["readVersion"] = s.version;
  start["operationMetrics"] = {{"numFilesToDelete", std::to_string(result.files.size())},
                               {"sizeOfDataToDelete", std::to_string(result.bytes)}};
  start["engineInfo"] = "Weir";
  const int64_t startVersion = commitInfoOnly(tablePath, s.version, start);
  checkpointIfDue(tablePath, startVersion, s.configuration);
  for (const auto& f : result.files) fsys->remove((fs::path(root) / f).string());
  // Emptied directories, deepest first.
  std::sort(directories.begin(), directories.end(), [](const fs::path& a, const fs::path& b) {
    return a.string().size() > b.string().size();
  });
  for (const auto& d : directories) {
    std::error_code ec;
    if (fs::is_empty(d, ec) && !ec && fs::remove(d, ec)) ++result.directoriesRemoved;
  }
  ordered_json end;
  end["timestamp"] = base::systemClock()->nowMs();
  end["operation"] = "VACUUM END";
  end["operationParameters"] = {{"status", "COMPLETED"}};
  end["readVersion"] = startVersion;
  end["operationMetrics"] = {{"numDeletedFiles", std::to_string(result.files.size())},
                             {"numVacuumedDirectories", std::to_string(result.directoriesRemoved)}};
  end["engineInfo"] = "Weir";
  checkpointIfDue(tablePath, commitInfoOnly(tablePath, startVersion, end), s.configuration);
  return result;
}

// ----- optimize

namespace {

// `col = value [AND ...]` over partition columns, as (column, value) pairs.
std::vector<std::pair<std::string, std::string>> parsePartitionFilter(
    const std::string& where, const std::vector<std::string>& partitions) {
  std::vector<std::pair<std::string, std::string>> out;
  if (where.find_first_not_of(" \t") == std::string::npos) return out;
  const std::string lower = base::asciiLower(where);
  size_t start = 0;
  while (start <= where.size()) {
    size_t at = lower.find(" and ", start);
    const std::string term =
        where.substr(start, at == std::string::npos ? std::string::npos : at - start);
    start = at == std::string::npos ? where.size() + 1 : at + 5;
    auto eq = term.find('=');
    auto trim = [](std::string t) {
      t.erase(0, t.find_first_not_of(" \t"));
      t.erase(t.find_last_not_of(" \t") + 1);
      return t;
    };
    if (eq == std::string::npos) {
      throw InvalidInputError(
          "DELTA_OPTIMIZE_INVALID_FILTER",
          "OPTIMIZE's filter takes `column = value` terms joined by AND, got '" + term + "'.");
    }
    std::string column = trim(term.substr(0, eq)), value = trim(term.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '\'' || value.front() == '"') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    if (std::find(partitions.begin(), partitions.end(), column) == partitions.end()) {
      throw InvalidInputError(
          "DELTA_OPTIMIZE_NON_PARTITION_FILTER",
          "OPTIMIZE can only filter on partition columns " + renderList(partitions) + "; `" +
              column + "` is not one. Leave the filter out, or filter on a partition column.");
    }
    out.emplace_back(column, value);
  }
  return out;
}

}  // namespace

OptimizeResult optimizeTable(const std::string& tablePath, const OptimizeOptions& options) {
  if (options.targetSizeBytes <= 0) {
    throw InvalidInputError("INVALID_PARAMETER_VALUE",
                            "OPTIMIZE's target file size must be positive.");
  }
  auto snapshot = std::make_shared<Snapshot>(loadSnapshot(tablePath));
  checkCommandSupported(*snapshot, "OPTIMIZE");
  const auto filter = parsePartitionFilter(options.where, snapshot->partitionColumns);
  // Small files by partition, oldest first.
  std::map<std::map<std::string, std::optional<std::string>>, std::vector<AddFile>> byPartition;
  OptimizeResult result;
  for (const auto& f : snapshot->files) {
    bool match = true;
    for (const auto& [column, value] : filter) {
      auto it = f.partitionValues.find(column);
      if (it == f.partitionValues.end() || !it->second || *it->second != value) match = false;
    }
    if (!match) continue;
    ++result.totalConsideredFiles;
    if (f.size < options.targetSizeBytes) byPartition[f.partitionValues].push_back(f);
  }
  std::vector<std::vector<AddFile>> bins;
  for (auto& [values, files] : byPartition) {
    std::stable_sort(files.begin(), files.end(), [](const AddFile& a, const AddFile& b) {
      return std::tie(a.modificationTime, a.path) < std::tie(b.modificationTime, b.path);
    });
    std::vector<std::vector<AddFile>> partitionBins(1);
    int64_t size = 0;
    for (const auto& f : files) {
      if (!partitionBins.back().empty() && size + f.size > options.targetSizeBytes) {
        partitionBins.emplace_back();
        size = 0;
      }
      partitionBins.back().push_back(f);
      size += f.size;
    }
    bool any = false;
    for (auto& bin : partitionBins) {
      if (bin.size() < 2) continue;  // nothing to gain
      bins.push_back(std::move(bin));
      any = true;
    }
    if (any) ++result.partitionsOptimized;
  }
  if (bins.empty()) return result;

  // Each bin read with the table scan and written as one file, one bin at a time so that memory
  // holds at most one bin (about the target size) however large the table.
  std::set<std::string> removed;
  std::vector<DataFile> written;
  auto discard = [&] {
    std::error_code ec;
    for (const auto& f : written) fs::remove(fs::path(tablePath) / f.path, ec);
  };
  try {
    for (const auto& bin : bins) {
      auto part = std::make_shared<Snapshot>(*snapshot);
      part->files = bin;
      plan::Partitions data(1);
      for (auto& p : makeDeltaScan(part)->read()) {
        for (auto& b : p) data[0].push_back(std::move(b));
      }
      for (auto& f : writeDataFiles(data, snapshot->schema, snapshot->partitionColumns, tablePath,
                                    plan::Options())) {
        written.push_back(std::move(f));
      }
      for (const auto& f : bin) {
        removed.insert(f.path);
        ++result.numFilesRemoved;
        result.numBytesRemoved += f.size;
      }
    }
  } catch (...) {
    discard();
    throw;
  }
  result.numBins = static_cast<int64_t>(bins.size());
  for (const auto& f : written) {
    ++result.numFilesAdded;
    result.numBytesAdded += f.size;
  }
  if (options.beforeCommit) options.beforeCommit();

  const int64_t now = base::systemClock()->nowMs();
  ordered_json info;
  info["timestamp"] = now;
  info["operation"] = "OPTIMIZE";
  ordered_json predicate = ordered_json::array();
  if (!options.where.empty()) predicate.push_back(options.where);
  info["operationParameters"] = {{"predicate", predicate.dump()}, {"zOrderBy", "[]"}};
  info["readVersion"] = snapshot->version;
  info["isolationLevel"] = "SnapshotIsolation";
  info["isBlindAppend"] = false;
  info["operationMetrics"] = {
      {"numRemovedFiles", std::to_string(result.numFilesRemoved)},
      {"numRemovedBytes", std::to_string(result.numBytesRemoved)},
      {"numAddedFiles", std::to_string(result.numFilesAdded)},
      {"numAddedBytes", std::to_string(result.numBytesAdded)},
      {"numBatches", std::to_string(result.numBins)},
      {"partitionsOptimized", std::to_string(result.partitionsOptimized)},
      {"totalConsideredFiles", std::to_string(result.totalConsideredFiles)}};
  info["engineInfo"] = "Weir";
  std::string commit = ordered_json({{"commitInfo", info}}).dump() + "\n";
  for (const auto& bin : bins) {
    for (const auto& f : bin) commit += removeAction(f, now, false) + "\n";
  }
  for (const auto& f : written) commit += addAction(f, now, false) + "\n";

  int64_t version = snapshot->version + 1;
  for (;; ++version) {
    if (writeCommitFile(tablePath, version, commit)) break;
    // Another writer committed this version: appends are fine; removing a file this OPTIMIZE
    // rewrote, or changing the schema or protocol, is not.
    Commit winner;
    try {
      winner = readCommit(tablePath, version);
    } catch (const Error&) {
      discard();
      throw;
    }
    if (winner.metaData || winner.protocol) {
      discard();
      throw UnsupportedOperationError(
          "DELTA_METADATA_CHANGED", "OPTIMIZE of the Delta table " + tablePath + " read version " +
                                        std::to_string(snapshot->version) + ", and version " +
                                        std::to_string(version) +
                                        " changed the table's metadata or protocol meanwhile. "
                                        "Nothing was committed; run OPTIMIZE again.");
    }
    for (const auto& r : winner.removes) {
      if (removed.count(r.file.path)) {
        discard();
        throw UnsupportedOperationError(
            "DELTA_CONCURRENT_DELETE_READ",
            "OPTIMIZE of the Delta table " + tablePath + " compacted the file " + r.file.path +
                ", which version " + std::to_string(version) +
                " removed meanwhile (a delete, update or overwrite). Nothing was "
                "committed; run OPTIMIZE again.");
      }
    }
    if (version > snapshot->version + 1000) {
      discard();
      throw IoError("DELTA_COMMIT_FAILED",
                    "OPTIMIZE could not commit to the Delta table " + tablePath +
                        ": a thousand versions were taken by other writers meanwhile. Retry.");
    }
  }
  result.version = version;
  checkpointIfDue(tablePath, version, snapshot->configuration);
  return result;
}

}  // namespace weir::formats::delta
