// The Delta log read commit by commit rather than reconciled into a snapshot: which versions
// exist, the actions of one commit, commit timestamps, and creating a new commit file. The
// streaming source tails the log with these; the table commands (history, vacuum, optimize)
// read and write it with them.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "weir/formats/delta/delta_table.h"

namespace weir::formats::delta {

/// An `add` or `remove` action of a commit.
struct FileAction {
  AddFile file;
  bool dataChange = true;
  int64_t deletionTimestamp = 0;  // a remove's; 0 when absent
  int64_t actionIndex = 0;        // the position of the action among the commit's actions
};

/// One commit file `N.json`, its actions in file order by kind.
struct Commit {
  int64_t version = -1;
  /// The commit's time in ms: commitInfo.inCommitTimestamp when the table writes those, else the
  /// commit file's modification time (as Delta's time travel takes it).
  int64_t timestampMs = 0;
  std::optional<nlohmann::json> commitInfo, metaData, protocol;
  std::vector<FileAction> adds, removes;
};

/// The table's `_delta_log` directory.
/// A path as the log holds it (a URI: add.path, remove.path, a deletion vector's), percent-decoded.
std::string percentDecode(const std::string& s);

std::string logDirectory(const std::string& tablePath);
/// The path of version `version`'s commit file.
std::string commitFilePath(const std::string& tablePath, int64_t version);

/// The versions of the JSON commits present in the log, ascending. Throws AnalysisError
/// DELTA_MISSING_DELTA_TABLE when the path has no (or an empty) `_delta_log`.
std::vector<int64_t> listCommitVersions(const std::string& tablePath);

/// The latest version of the table (its newest commit or checkpoint). Throws like
/// listCommitVersions.
int64_t latestVersion(const std::string& tablePath);

/// The actions of version `version`. Throws AnalysisError DELTA_VERSION_NOT_FOUND when its commit
/// file is missing (not written yet, or removed by log cleanup) and CorruptionError
/// DELTA_LOG_CORRUPT when a line is not an action.
Commit readCommit(const std::string& tablePath, int64_t version);

/// The timestamps of the commits present (version, ms), ascending, made strictly increasing as
/// Delta does (a commit not later than the one before counts as 1 ms after it).
std::vector<std::pair<int64_t, int64_t>> commitTimestamps(const std::string& tablePath);

/// Creates version `version`'s commit file with `actions` (JSON lines) only if it does not exist
/// yet (put-if-absent). False when another writer created it first.
bool writeCommitFile(const std::string& tablePath, int64_t version, const std::string& actions);

}  // namespace weir::formats::delta
