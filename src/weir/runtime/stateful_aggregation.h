// StatefulAggregation: a streaming aggregation's state across micro-batches. Each batch's partial
// values per key (one shuffle partition = one state partition) are merged into the partition's
// StateStore, and the rows the output mode asks for are emitted (complete: every key; update: the
// keys this batch changed).
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

/// Owned by the query's run; process() is called on the query's thread once per batch and runs
/// partitions in parallel on the thread pool.
class StatefulAggregation {
 public:
  StatefulAggregation(std::shared_ptr<io::FileSystem> fs, std::string checkpoint, StatefulOperator op);

  /// Merges `partials` (the node's output for this batch, one partition per state partition) into
  /// state version `batchId`, commits version batchId + 1, and returns the rows to emit. With an
  /// event-time key (outside complete mode), rows whose event time (a window's end) is at or before
  /// `lateThresholdMs` are dropped as late, and keys at or before `evictionThresholdMs` leave the
  /// state (and are emitted in append mode).
  plan::Partitions process(plan::Partitions partials, int64_t batchId, const std::string& outputMode,
                           int64_t lateThresholdMs, int64_t evictionThresholdMs);

  /// Starts rebuilding the state batch `batchId` reads, when not in memory (after a restart), in
  /// the background; process() waits for it.
  void preload(int64_t batchId) { stores_.preload(batchId); }
  const StatefulOperator& op() const { return op_; }
  /// This batch's metrics.
  StateOperatorProgress progress() const { return progress_; }

 private:
  void checkSchema(size_t partitions);
  // Session windows: the state of a key is its open sessions; new sessions merge with the ones
  // they overlap.
  void mergeSessions(state::StateStoreProvider& store, const plan::Partition& batches, bool append, bool complete,
                     int64_t lateMicros, int64_t evictMicros, std::vector<columnar::Row>& emitted, int64_t& dropped,
                     const std::string& what);

  std::shared_ptr<io::FileSystem> fs_;
  std::string checkpoint_;
  StatefulOperator op_;
  OperatorStores stores_;
  // Per partition: a lower bound of the event time of every key in the state, valid for the state
  // version that batch `minEventTimeBatch_[p]` starts from (-1: unknown). While the watermark stays
  // below it, no key can be evicted and the eviction scan of the whole state is skipped.
  std::vector<int64_t> minEventTime_;
  std::vector<int64_t> minEventTimeBatch_;
  bool schemaChecked_ = false;
  StateOperatorProgress progress_;
};

}  // namespace weir::runtime
