// Reading Delta Lake tables: the snapshot of a version from the _delta_log (JSON commits and
// classic Parquet checkpoints, reconciled as the protocol says), and a scan of its data files
// with their partition values. Tables that need a reader feature Weir lacks are refused with an
// error naming it. Protocol notes: ../shared/spec/delta-lake.md; our scope: docs/formats/delta.md.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "weir/plan/logical_plan.h"

namespace weir::formats::delta {

struct AddFile {
  std::string path;  // relative to the table root, URI-decoded
  std::map<std::string, std::optional<std::string>> partitionValues;
  int64_t size = 0;
  int64_t modificationTime = 0;
  std::optional<std::string> stats;
  bool deletionVector = false;
};

struct Snapshot {
  std::string tablePath;
  int64_t version = -1;
  std::string tableId;
  int64_t createdTime = 0;
  types::DataTypePtr schema;
  std::vector<std::string> partitionColumns;
  std::map<std::string, std::string> configuration;
  int minReaderVersion = 1, minWriterVersion = 2;
  std::vector<std::string> readerFeatures, writerFeatures;
  std::vector<AddFile> files;  // in path order
  std::map<std::string, int64_t> transactions;  // txn: application id -> latest version
  std::string metaDataJson;  // the metaData action as the log holds it
};

/// The log file stem of a version: 20 zero-padded digits.
std::string versionFileName(int64_t version);

/// The table's snapshot at `version` (the latest when unset). Throws AnalysisError when the path
/// holds no Delta table or the version does not exist, UnsupportedOperationError when the table
/// needs reader features Weir lacks, CorruptionError for a damaged log.
Snapshot loadSnapshot(const std::string& tablePath, std::optional<int64_t> version = std::nullopt);

/// A batch scan of a snapshot (options: versionAsOf).
std::shared_ptr<const plan::ScanSource> makeDeltaScan(const std::string& tablePath, const plan::Options& options);

/// A scan of `snapshot->files` (any subset of a version's files, e.g. one streaming batch's) with
/// `snapshot->schema`, partition values filled in: the per-file reading the batch scan uses.
std::shared_ptr<const plan::ScanSource> makeDeltaScan(std::shared_ptr<const Snapshot> snapshot);

/// The file of an `add` (or `remove`) action as the snapshot reader reads it (path decoded).
/// `logFile` names the log file in errors: throws CorruptionError when the action has no path.
AddFile parseFileAction(const nlohmann::json& action, const std::string& logFile);

}  // namespace weir::formats::delta
