// StatefulDeduplication: dropDuplicates and dropDuplicatesWithinWatermark on a stream. The state
// holds every key seen (per state partition); a row passes only if its key is new. With event time
// in the key (dropDuplicates) or a watermark (WithinWatermark), keys leave the state once the
// watermark passes their event time (or first event time + delay).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "weir/io/file_system.h"
#include "weir/plan/logical_plan.h"
#include "weir/runtime/operator_stores.h"
#include "weir/runtime/incremental_plan.h"
#include "weir/runtime/progress.h"
#include "weir/state/state_store.h"

namespace weir::runtime {

/// Owned by the query's run; process() is called once per batch on the query's thread.
class StatefulDeduplication {
 public:
  StatefulDeduplication(std::shared_ptr<io::FileSystem> fs, std::string checkpoint, StatefulOperator op);

  /// Filters the batch's rows (already deduplicated within the batch, one partition per state
  /// partition) against state version `batchId`, commits version batchId + 1.
  plan::Partitions process(plan::Partitions rows, int64_t batchId, int64_t lateThresholdMs,
                           int64_t evictionThresholdMs);

  /// Starts rebuilding the state batch `batchId` reads, when not in memory (after a restart), in
  /// the background; process() waits for it.
  void preload(int64_t batchId) { stores_.preload(batchId); }
  const StatefulOperator& op() const { return op_; }
  StateOperatorProgress progress() const { return progress_; }

 private:
  std::shared_ptr<io::FileSystem> fs_;
  std::string checkpoint_;
  StatefulOperator op_;
  OperatorStores stores_;
  // Per partition: a lower bound of the eviction time of every key in the state, valid for the
  // state version that batch `minTimeBatch_[p]` starts from (-1: unknown). While the watermark
  // stays below it, the eviction scan of the whole state is skipped.
  std::vector<int64_t> minTime_;
  std::vector<int64_t> minTimeBatch_;
  StateOperatorProgress progress_;
};

}  // namespace weir::runtime
