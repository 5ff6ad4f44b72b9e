// Runs a resolved logical plan as a batch job: each operator turns the partitions of its child into
// its own, with independent partitions processed in parallel on the thread pool.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

#include "weir/expr/expr.h"
#include "weir/plan/logical_plan.h"

namespace weir::exec {

struct ExecOptions {
  /// Partitions after a shuffle (aggregation, join, dedup): Spark's spark.sql.shuffle.partitions.
  size_t shufflePartitions = 0;  // 0 = the number of cores
  /// Values fixed for one execution (current_timestamp).
  expr::EvalContext evalContext;
  /// The rows of a streaming leaf for the micro-batch being run (set by the streaming runtime).
  std::function<plan::Partitions(const plan::LogicalPlan&)> streamingInput;
  /// Called with the output of every aggregation and deduplication node (its partitions are the
  /// shuffle partitions); the streaming runtime merges them into the operator's state and returns
  /// what the output mode emits.
  std::function<plan::Partitions(const plan::LogicalPlan&, plan::Partitions)> afterStatefulNode;
  /// Sees the rows passing each event-time watermark node (the runtime tracks event time): every
  /// row once, in one or more calls per node, possibly from several threads at once.
  std::function<void(const plan::LogicalPlan&, const plan::Partitions&)> observeEventTime;
  /// Kept by a streaming query from batch to batch (nullptr elsewhere): what its operators reuse.
  std::shared_ptr<class OperatorCache> cache;
};

/// Executes plans. One per action; not thread-safe, but runs its work on the shared pool.
class Executor {
 public:
  explicit Executor(ExecOptions options);
  plan::Partitions execute(const plan::LogicalPlan& plan);

 private:
  plan::Partitions project(const plan::LogicalPlan& p, plan::Partitions in);
  plan::Partitions filter(const plan::LogicalPlan& p, plan::Partitions in);
  plan::Partitions aggregate(const plan::LogicalPlan& p);
  plan::Partitions join(const plan::LogicalPlan& p, plan::Partitions left, plan::Partitions right);
  plan::Partitions sort(const plan::LogicalPlan& p, plan::Partitions in);
  plan::Partitions limit(const plan::LogicalPlan& p, plan::Partitions in);
  plan::Partitions deduplicate(const plan::LogicalPlan& p, plan::Partitions in);
  plan::Partitions generate(const plan::LogicalPlan& p, plan::Partitions in);
  plan::Partitions timeWindow(const plan::LogicalPlan& p, plan::Partitions in);
  plan::Partitions sessionWindow(const plan::LogicalPlan& p, plan::Partitions in);
  plan::Partitions windowAggregate(const plan::LogicalPlan& p);

  // One batch through one per-batch operator; evaluateBatch computes `exprs` as the columns of
  // `schema`.
  columnar::ColumnBatch evaluateBatch(const std::vector<expr::ExprPtr>& exprs, const types::DataTypePtr& schema,
                                      const columnar::ColumnBatch& b) const;
  columnar::ColumnBatch projectBatch(const plan::LogicalPlan& p, const columnar::ColumnBatch& b) const;
  columnar::ColumnBatch filterBatch(const plan::LogicalPlan& p, const columnar::ColumnBatch& b) const;
  columnar::ColumnBatch watermarkBatch(const plan::LogicalPlan& p, const columnar::ColumnBatch& b) const;

  using BatchConsumer = std::function<void(const columnar::ColumnBatch&)>;
  /// Batches of the values of `exprs` (columns _0, _1, ...) over every row of `child`: the
  /// projections, filters and watermarks at the top of `child` run batch by batch with them.
  /// With `direct` set, when the rows of `child` come in one partition, each batch is instead
  /// passed to `direct` as it is made (in order, on the calling thread), and no partition is
  /// returned.
  plan::Partitions evaluateInputs(const std::vector<expr::ExprPtr>& exprs, const plan::LogicalPlan& child,
                                  const BatchConsumer* direct = nullptr);
  /// Runs fn on every batch of every partition in parallel, keeping the layout.
  plan::Partitions mapBatches(const plan::Partitions& in,
                              const std::function<columnar::ColumnBatch(const columnar::ColumnBatch&)>& fn);

  ExecOptions options_;
};

/// Hash-partitions the rows of `in` into `count` partitions by the encoded values of `keyExprs`
/// (bound against the batches' schema). Rows go to partition hash % count.
plan::Partitions shuffleByKeys(const plan::Partitions& in, const std::vector<expr::ExprPtr>& keyExprs,
                               size_t count, expr::EvalContext& ctx);

/// All rows of all partitions as one batch.
columnar::ColumnBatch concatAll(const types::DataTypePtr& schema, const plan::Partitions& in);

}  // namespace weir::exec
