// Analysis: turns DataFrame transformations into resolved plan nodes, applying Spark's rules
// (star expansion, generators, time windows, aggregates in select, join key extraction).
#pragma once

#include <string>
#include <vector>

#include "weir/expr/expr.h"
#include "weir/plan/logical_plan.h"

namespace weir::api {

using expr::ExprPtr;
using plan::PlanPtr;

PlanPtr analyzeProject(const PlanPtr& child, const std::vector<ExprPtr>& exprs);
PlanPtr analyzeFilter(const PlanPtr& child, const ExprPtr& condition);
PlanPtr analyzeAggregate(const PlanPtr& child, const std::vector<ExprPtr>& grouping,
                         const std::vector<ExprPtr>& aggregates);
PlanPtr analyzeJoin(const PlanPtr& left, const std::string& leftAlias, const PlanPtr& right,
                    const std::string& rightAlias, const ExprPtr& condition, plan::JoinType type);
PlanPtr analyzeUsingJoin(const PlanPtr& left, const PlanPtr& right, const std::vector<std::string>& columns,
                         plan::JoinType type);
PlanPtr analyzeSort(const PlanPtr& child, const std::vector<ExprPtr>& orders);
PlanPtr analyzeLimit(const PlanPtr& child, int64_t n);
PlanPtr analyzeUnion(const PlanPtr& left, const PlanPtr& right);
PlanPtr analyzeUnionByName(const PlanPtr& left, const PlanPtr& right, bool allowMissing);
PlanPtr analyzeDeduplicate(const PlanPtr& child, const std::vector<std::string>& columns,
                           bool withinWatermark = false);
/// withWatermark(eventTime, delay): marks the column (field metadata spark.watermarkDelayMs).
PlanPtr analyzeWatermark(const PlanPtr& child, const std::string& eventTime, const std::string& delay);

/// The id that DataFrame::col() stamps on a column so joins can tell equally named columns apart.
std::string planIdOf(const PlanPtr& plan);

}  // namespace weir::api
