// StatefulGlobalLimit: limit(n) on a stream in append mode (Spark's StreamingGlobalLimitExec): the
// number of rows emitted so far is state, so the query emits at most n rows over its whole life.
#pragma once

#include <memory>
#include <string>

#include "weir/io/file_system.h"
#include "weir/plan/logical_plan.h"
#include "weir/runtime/incremental_plan.h"
#include "weir/runtime/progress.h"
#include "weir/state/state_store.h"

namespace weir::runtime {

/// Owned by the query's run; process() is called once per batch on the query's thread.
class StatefulGlobalLimit {
 public:
  StatefulGlobalLimit(std::shared_ptr<io::FileSystem> fs, std::string checkpoint, StatefulOperator op);
  /// Keeps the first rows of the batch up to the limit minus what earlier batches emitted.
  plan::Partitions process(plan::Partitions rows, int64_t batchId);
  const StatefulOperator& op() const { return op_; }
  StateOperatorProgress progress() const { return progress_; }

 private:
  StatefulOperator op_;
  state::StateStoreProvider store_;
  StateOperatorProgress progress_;
};

}  // namespace weir::runtime
