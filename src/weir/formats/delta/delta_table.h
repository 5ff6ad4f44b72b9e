// Reading Delta Lake tables: the snapshot of a version from the _delta_log (JSON commits after
// the newest usable checkpoint: classic, multi-part or V2 with sidecars, found through
// _last_checkpoint and the listing; reconciled as the protocol says), time travel by version or
// timestamp, and a scan of the data files with their partition values, column mapping and
// deletion vectors applied. Tables that need a reader feature Weir lacks are refused with an
// error naming it. Protocol notes: ../shared/spec/delta-lake.md; our scope: docs/formats/delta.md.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "weir/formats/delta/deletion_vector.h"
#include "weir/plan/logical_plan.h"

namespace weir::formats::delta {

struct AddFile {
  std::string path;  // relative to the table root, URI-decoded
  // Keyed as the log keys them: by physical column name when column mapping is on.
  std::map<std::string, std::optional<std::string>> partitionValues;
  int64_t size = 0;
  int64_t modificationTime = 0;
  std::optional<std::string> stats;
  std::optional<DeletionVectorDescriptor> deletionVector;
  // Carried as the log gives them, so that a checkpoint keeps them: tags, and the fields of row
  // tracking and clustering.
  std::map<std::string, std::optional<std::string>> tags;
  std::optional<int64_t> baseRowId, defaultRowCommitVersion;
  std::optional<std::string> clusteringProvider;
};

/// A tombstone: a `remove` that is the newest action of its (path, deletion vector), so the file
/// left the table at deletionTimestamp. VACUUM must not delete its file while the retention
/// (delta.deletedFileRetentionDuration) may still need it, and checkpoints carry it until then.
struct RemoveFile {
  std::string path;  // relative to the table root, URI-decoded
  std::optional<DeletionVectorDescriptor> deletionVector;
  int64_t deletionTimestamp = 0;  // ms; an action without one counts as 0 (expired), as in Delta
  bool dataChange = true;
  // The optional fields as the action gives them (extendedFileMetadata promises the next two).
  std::optional<bool> extendedFileMetadata;
  std::optional<std::map<std::string, std::optional<std::string>>> partitionValues;
  std::optional<int64_t> size;
  std::optional<int64_t> baseRowId, defaultRowCommitVersion;
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
  // "none", "name" or "id": how data files name columns (delta.columnMapping.mode, honoured when
  // the protocol has the columnMapping feature).
  std::string columnMappingMode = "none";
  std::vector<AddFile> files;  // in path order
  // Removes of files not added again since (in path order), expired or not: the checkpoint writer
  // keeps those within the retention, VACUUM those within its own.
  std::vector<RemoveFile> tombstones;
  std::map<std::string, int64_t> transactions;  // txn: application id -> latest version
  // domainMetadata: domain -> configuration, of the domains not removed. Writers carry them.
  std::map<std::string, std::string> domainMetadata;
  std::string metaDataJson;  // the metaData action as the log holds it
};

/// How long tombstones are kept, in ms: the table's delta.deletedFileRetentionDuration ("interval
/// 1 week" when unset). Throws InvalidInputError when the property is not a duration.
int64_t deletedFileRetentionMs(const std::map<std::string, std::string>& configuration);

/// The checksum of a _last_checkpoint object (its top-level "checksum" left out) as the protocol
/// defines it: the MD5, in lowercase hex, of its canonical `path=value` form.
std::string lastCheckpointChecksum(const nlohmann::json& lastCheckpoint);

/// The log file stem of a version: 20 zero-padded digits.
std::string versionFileName(int64_t version);
/// The version a log file name starts with (20 digits), or nullopt when it does not start with
/// 20 digits or they do not fit an int64.
std::optional<int64_t> logFileVersion(std::string_view fileName);

/// The table's snapshot at `version` (the latest when unset). Throws AnalysisError when the path
/// holds no Delta table or the version does not exist, UnsupportedOperationError when the table
/// needs reader features Weir lacks, CorruptionError for a damaged log.
Snapshot loadSnapshot(const std::string& tablePath, std::optional<int64_t> version = std::nullopt);

/// The version a timestampAsOf option selects: the latest whose commit timestamp is at or before
/// `timestamp` (commitTimestamps of delta_log.h: in-commit timestamps where commits carry them,
/// else the commit files' modification times, made increasing), among the versions that can be
/// rebuilt. Throws AnalysisError when the timestamp is outside that history.
int64_t versionAtTimestamp(const std::string& tablePath, const std::string& timestamp);

/// A batch scan of a snapshot (options: versionAsOf or timestampAsOf).
std::shared_ptr<const plan::ScanSource> makeDeltaScan(const std::string& tablePath, const plan::Options& options);

/// A scan of `snapshot->files` (any subset of a version's files, e.g. one streaming batch's) with
/// `snapshot->schema`, partition values filled in: the per-file reading the batch scan uses.
std::shared_ptr<const plan::ScanSource> makeDeltaScan(std::shared_ptr<const Snapshot> snapshot);

/// The file of an `add` (or `remove`) action as the snapshot reader reads it (path decoded).
/// `logFile` names the log file in errors: throws CorruptionError when the action has no path.
AddFile parseFileAction(const nlohmann::json& action, const std::string& logFile);

}  // namespace weir::formats::delta
