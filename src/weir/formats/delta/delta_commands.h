// The Delta table commands behind `weir delta history|describe|vacuum|optimize`: a table's
// history from its commitInfo actions, its details, VACUUM (delete files no version within the
// retention can need) and OPTIMIZE (bin-packing compaction of small files in one commit). The
// command-line tool only parses arguments and prints what these return.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "weir/formats/delta/delta_table.h"

namespace weir::formats::delta {

/// One commit as DESCRIBE HISTORY shows it.
struct HistoryEntry {
  int64_t version = 0;
  int64_t timestampMs = 0;
  std::string operation;  // empty when the commit has no commitInfo
  nlohmann::json operationParameters = nlohmann::json::object();
  nlohmann::json operationMetrics = nlohmann::json::object();
  std::optional<int64_t> readVersion;
  std::string engineInfo;
};

/// The commits still in the log, newest first, at most `limit` of them (0: all).
std::vector<HistoryEntry> tableHistory(const std::string& tablePath, size_t limit = 0);
/// History as a text table, one line per commit.
std::string formatHistory(const std::vector<HistoryEntry>& history);

/// What DESCRIBE DETAIL shows, plus the schema.
struct TableDetail {
  std::string location, id, name, description;
  int64_t createdTimeMs = 0, lastModifiedMs = 0, version = -1;
  int minReaderVersion = 1, minWriterVersion = 2;
  std::vector<std::string> readerFeatures, writerFeatures, partitionColumns;
  std::map<std::string, std::string> configuration;
  types::DataTypePtr schema;
  int64_t numFiles = 0, sizeInBytes = 0;
};

TableDetail describeTable(const std::string& tablePath);
std::string formatDetail(const TableDetail& detail);

struct VacuumOptions {
  /// Keep what versions of the last this many hours need; the table's
  /// delta.deletedFileRetentionDuration (1 week) when unset.
  std::optional<double> retainHours;
  bool dryRun = false;
  /// Allow a retention shorter than the table's (Delta's retentionDurationCheck off).
  bool force = false;
  /// The time the retention counts back from; now when unset (tests).
  std::optional<int64_t> nowMs;
};

struct VacuumResult {
  std::vector<std::string> files;  // relative to the table root, sorted; deleted (or to delete)
  int64_t bytes = 0;
  int64_t directoriesRemoved = 0;
  double retainHours = 0;
  bool dryRun = false;
};

/// Deletes the files under the table that the latest version does not reference, that no remove
/// within the retention names (time travel may still read them), and that were last modified
/// before the retention; hidden entries (names starting with '.' or '_', `_delta_log` included,
/// partition directories excepted) are never touched. A real run commits `VACUUM START` and
/// `VACUUM END` (commitInfo only), removes emptied directories, and returns what it deleted.
/// Throws InvalidInputError DELTA_VACUUM_RETENTION_PERIOD_TOO_SHORT for a retention below the
/// table's without `force`.
VacuumResult vacuumTable(const std::string& tablePath, const VacuumOptions& options);

struct OptimizeOptions {
  /// Only partitions matching `col = value [AND col2 = value2 ...]` (partition columns only).
  std::string where;
  /// Files smaller than this are compacted, into files of about this size (Delta's maxFileSize).
  int64_t targetSizeBytes = int64_t{1} << 30;
  /// Called after the new files are written, before the commit (tests make concurrent commits).
  std::function<void()> beforeCommit;
};

struct OptimizeResult {
  int64_t version = -1;  // the OPTIMIZE commit; -1 when there was nothing to compact
  int64_t numFilesRemoved = 0, numBytesRemoved = 0, numFilesAdded = 0, numBytesAdded = 0;
  int64_t numBins = 0, partitionsOptimized = 0, totalConsideredFiles = 0;
};

/// Compacts, per partition, the files smaller than the target into files of about the target
/// size (bins of one file are left alone) in one commit of `remove` and `add` actions with
/// dataChange false and commitInfo OPTIMIZE. A concurrent commit that only adds files is fine;
/// one that removes a compacted file or changes the metadata fails with
/// DELTA_CONCURRENT_DELETE_READ / DELTA_METADATA_CHANGED (nothing committed, new files deleted).
OptimizeResult optimizeTable(const std::string& tablePath, const OptimizeOptions& options);

}  // namespace weir::formats::delta
