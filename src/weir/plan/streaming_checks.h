// Spark's rules for streaming queries (UnsupportedOperationChecker), checked when a query starts:
// which operators each output mode allows, and which operators streams support at all.
#pragma once

#include <string>

#include "weir/plan/logical_plan.h"

namespace weir::plan {

/// Throws AnalysisError with Spark's message when the streaming plan cannot run in `outputMode`
/// ("append", "update" or "complete").
void checkStreamingQuery(const LogicalPlan& plan, const std::string& outputMode);

/// Whether the node keeps state across micro-batches (aggregation, deduplication, ...).
bool isStatefulStreamingNode(const LogicalPlan& node);
/// Whether any node of the plan is stateful.
bool hasStatefulStreamingNode(const LogicalPlan& plan);

}  // namespace weir::plan
