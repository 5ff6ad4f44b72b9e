// The incremental form of a streaming plan: every aggregation is rewritten to compute mergeable
// partial values per micro-batch (count, sum, min, max; avg as sum and count), which the runtime
// merges into the operator's state; a projection on top restores the aggregation's own columns.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "weir/plan/logical_plan.h"

namespace weir::runtime {

/// One stateful operator of a streaming query.
struct StatefulOperator {
  int64_t id = 0;                 // 0, 1, ... from the sink down, as Spark numbers them
  std::string name;               // progress and state metadata name ("stateStoreSave")
  const plan::LogicalPlan* node = nullptr;  // the node in IncrementalPlan::plan
  size_t numKeys = 0;             // output columns [0, numKeys) are the key, the rest partials
  // Per partial column, how a batch's value merges into the state's: "sum", "min", "max",
  // "first", "last", "firstNonNull", "lastNonNull", "concat" (lists), "union" (sets) or
  // "hllUnion" (HyperLogLog registers).
  std::vector<std::string> mergeFunctions;
  int eventTimeKey = -1;          // the key column holding event time (a window or timestamp), or -1
  int sessionKey = -1;            // the session_window key of a session aggregation, or -1
  // Deduplication ("dedupe", "dedupeWithinWatermark"): the key columns of the node's rows, the
  // watermarked column (or -1) and its delay.
  std::vector<int> keyOrdinals;
  int eventTimeColumn = -1;
  int64_t delayMs = 0;
  bool isDeduplication() const { return name == "dedupe" || name == "dedupeWithinWatermark"; }
  bool isGlobalLimit() const { return name == "globalLimit"; }
};

struct IncrementalPlan {
  plan::PlanPtr plan;
  std::vector<StatefulOperator> operators;
};

/// Rewrites `analyzed` for micro-batch execution. Throws AnalysisError for aggregates that cannot
/// be merged across batches yet.
IncrementalPlan makeIncrementalPlan(const plan::PlanPtr& analyzed, const std::string& outputMode);

}  // namespace weir::runtime
