// Writing Delta Lake tables: Parquet data files (Hive-style partition directories), per-file
// statistics, and one commit per write in the _delta_log, created only if that version does not
// exist yet (so two writers never both commit a version). New tables use protocol (1, 2).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/formats/delta/delta_table.h"
#include "weir/io/file_system.h"
#include "weir/plan/logical_plan.h"

namespace weir::formats::delta {

struct WriteRequest {
  std::string tablePath;
  std::string mode = "error";  // error / errorifexists, append, overwrite, ignore
  std::vector<std::string> partitionColumns;
  plan::Options options;       // mergeSchema, overwriteSchema, compression
  std::string operation = "WRITE";
  std::string engineInfo = "Weir";
  // An idempotent write (options txnAppId and txnVersion, or a streaming batch): skipped when the
  // table already holds a txn of this application at this version or later; otherwise committed
  // with a txn action.
  std::string txnAppId;
  int64_t txnVersion = -1;
  // A streaming batch: commitInfo says STREAMING UPDATE with these.
  std::string outputMode, queryId;
  // Where data files, the commit and checkpoints are written (the local file system when null):
  // a streaming query passes its own, so crash tests can fail any of those writes.
  std::shared_ptr<io::FileSystem> fileSystem;
};

/// Writes `data` (of `schema`) as a new table version. Returns the version written, or -1 when
/// mode "ignore" left an existing table alone or the transaction was already committed. Throws
/// UnsupportedOperationError DELTA_UNSUPPORTED_FEATURES for a table with writer features Weir
/// does not honour (checkWriterFeatures), DELTA_CANNOT_MODIFY_APPEND_ONLY for an overwrite of an
/// append-only table that has files.
int64_t writeTable(const plan::Partitions& data, const types::DataTypePtr& schema, const WriteRequest& request);

/// The writer features of the table's protocol (listed, or implied by its legacy writer version)
/// that Weir's writes do not honour, each as "the writer feature 'name' (what in the table needs
/// it)", or "writer version N" above 7. Weir honours appendOnly, changeDataFeed, deletionVectors,
/// timestampNtz, domainMetadata, v2Checkpoint, vacuumProtocolCheck and clustering; invariants,
/// checkConstraints, generatedColumns, identityColumns and allowColumnDefaults while no column or
/// constraint uses them; columnMapping with mode none; inCommitTimestamp while not enabled. Any
/// other feature (rowTracking, icebergCompatV1, ..., unknown ones) is not honoured.
std::vector<std::string> unsupportedWriterFeatures(const Snapshot& snapshot);

/// Throws UnsupportedOperationError DELTA_UNSUPPORTED_FEATURES naming unsupportedWriterFeatures,
/// when there are any. writeTable calls it before writing anything.
void checkWriterFeatures(const Snapshot& snapshot);

/// Whether Weir knows what the writer feature `name` asks of writers (those of
/// unsupportedWriterFeatures it may honour); commands refuse tables listing unknown ones.
bool knownWriterFeature(const std::string& name);

/// A data file written for a commit (not yet in the log).
struct DataFile {
  std::string path;  // relative to the table root, as on disk (partition directories escaped)
  std::map<std::string, std::optional<std::string>> partitionValues;
  int64_t size = 0;
  int64_t rows = 0;
  std::string stats;  // add.stats JSON
};

/// Writes `data` (of `schema`, partition columns included) as Parquet files under the table: one
/// file per task (input partition) and partition value, with statistics. Options: compression.
/// Nothing is committed; a caller that does not commit leaves the files unreferenced. Each file is
/// written durably (fsync) through `fileSystem` (the local one when null) before the call returns.
std::vector<DataFile> writeDataFiles(const plan::Partitions& data, const types::DataTypePtr& schema,
                                     const std::vector<std::string>& partitionColumns, const std::string& tablePath,
                                     const plan::Options& options,
                                     const std::shared_ptr<io::FileSystem>& fileSystem = nullptr);

/// The log line of an `add` action for `file`.
std::string addAction(const DataFile& file, int64_t modificationTime, bool dataChange);
/// The log line of a `remove` action for `file` (extendedFileMetadata: partition values and size).
std::string removeAction(const AddFile& file, int64_t deletionTimestamp, bool dataChange);

/// Writes the classic checkpoint of `version` (protocol, metaData, txn, domainMetadata and add
/// rows, deletion vectors included, and a remove row per tombstone deleted within the table's
/// delta.deletedFileRetentionDuration) and _last_checkpoint. Nothing for a table with the
/// v2Checkpoint feature or delta.checkpoint.writeStatsAsStruct true (Weir writes neither V2
/// checkpoints nor stats_parsed); no add.stats with delta.checkpoint.writeStatsAsJson false.
/// writeTable calls it after every commit whose version is a multiple of the table's
/// delta.checkpointInterval (10 by default).
void writeCheckpoint(const std::string& tablePath, int64_t version,
                     const std::shared_ptr<io::FileSystem>& fileSystem = nullptr);

/// Writes the checkpoint of `version` when it is a multiple of the table's
/// delta.checkpointInterval (in `configuration`; 10 by default). Every committer calls it.
void checkpointIfDue(const std::string& tablePath, int64_t version, const std::map<std::string, std::string>& configuration,
                     const std::shared_ptr<io::FileSystem>& fileSystem = nullptr);

}  // namespace weir::formats::delta
