// Writing Delta Lake tables: Parquet data files (Hive-style partition directories), per-file
// statistics, and one commit per write in the _delta_log, created only if that version does not
// exist yet (so two writers never both commit a version). New tables use protocol (1, 2).
#pragma once

#include <string>
#include <vector>

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
};

/// Writes `data` (of `schema`) as a new table version. Returns the version written, or -1 when
/// mode "ignore" left an existing table alone or the transaction was already committed.
int64_t writeTable(const plan::Partitions& data, const types::DataTypePtr& schema, const WriteRequest& request);

/// Writes the classic checkpoint of `version` (protocol, metaData, txn and add rows) and
/// _last_checkpoint. writeTable calls it after every commit whose version is a multiple of the
/// table's delta.checkpointInterval (10 by default).
void writeCheckpoint(const std::string& tablePath, int64_t version);

}  // namespace weir::formats::delta
