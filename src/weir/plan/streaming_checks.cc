#include "weir/plan/streaming_checks.h"

#include "weir/base/error.h"

namespace weir::plan {

namespace {

[[noreturn]] void unsupported(const std::string& message) {
  throw AnalysisError("UNSUPPORTED_STREAMING_OPERATION", message);
}

struct Facts {
  int aggregations = 0;
  int aggregationsWithoutWatermark = 0;
  bool distinctAggregate = false;
  bool sessionWindow = false;
};

void collect(const LogicalPlan& p, Facts& facts) {
  if (!p.isStreaming()) return;
  if (p.kind == PlanKind::kAggregate || p.kind == PlanKind::kWindowAggregate) {
    ++facts.aggregations;
    for (const auto& a : p.aggregates) facts.distinctAggregate |= a.distinct;
    size_t keys = p.groupingExprs.size() + (p.kind == PlanKind::kWindowAggregate ? 1 : 0);
    bool watermarked = false;
    for (size_t k = 0; k < keys; ++k) watermarked |= hasWatermark(p.schema->fields()[k]);
    if (!watermarked) ++facts.aggregationsWithoutWatermark;
  }
  if (p.kind == PlanKind::kSessionWindow) {
    facts.sessionWindow = true;
    if (p.groupingExprs.empty()) {
      unsupported("A session window on a stream needs at least one other grouping key, e.g. "
                  "groupBy(session_window(ts, \"5 minutes\"), col(\"user_id\")).");
    }
  }
  if (p.kind == PlanKind::kDeduplicate && p.withinWatermark) {
    bool watermarked = false;
    for (const auto& f : p.schema->fields()) watermarked |= hasWatermark(f);
    if (!watermarked) {
      unsupported("dropDuplicatesWithinWatermark is not supported in streaming DataFrames/DataSets without "
                  "watermark. Call withWatermark() on the event-time column first.");
    }
  }
  for (const auto& c : p.children) collect(*c, facts);
}

void checkNode(const LogicalPlan& p, const std::string& mode, bool aboveAggregation) {
  if (!p.isStreaming()) return;
  switch (p.kind) {
    case PlanKind::kSort:
      if (!(aboveAggregation && mode == "complete")) {
        // The sort must sit on an aggregation's result in complete mode.
        bool overAggregation = false;
        for (const LogicalPlan* n = p.children[0].get(); n; n = n->children.empty() ? nullptr : n->children[0].get()) {
          if (n->kind == PlanKind::kAggregate || n->kind == PlanKind::kWindowAggregate) overAggregation = true;
        }
        if (!(overAggregation && mode == "complete")) {
          unsupported(
              "Sorting is not supported on streaming DataFrames/Datasets, unless it is on aggregated "
              "DataFrame/Dataset in Complete output mode.");
        }
      }
      break;
    case PlanKind::kLimit:
      if (mode == "update") unsupported("Limits are not supported on streaming DataFrames/Datasets in Update output mode.");
      break;
    case PlanKind::kUnion: {
      bool anyBatch = false;
      for (const auto& c : p.children) anyBatch |= !c->isStreaming();
      if (anyBatch) unsupported("Union between streaming and batch DataFrames/Datasets is not supported.");
      break;
    }
    case PlanKind::kJoin: {
      bool left = p.children[0]->isStreaming(), right = p.children[1]->isStreaming();
      if (left && right) {
        unsupported("Join between two streaming DataFrames/Datasets is not supported yet in Weir; join a stream "
                    "with a static DataFrame.");
      }
      const std::string streamSide = left ? "left" : "right";
      switch (p.joinType) {
        case JoinType::kInner:
        case JoinType::kCross: break;
        case JoinType::kLeftOuter:
        case JoinType::kLeftSemi:
        case JoinType::kLeftAnti:
          if (!left) {
            unsupported(std::string(p.joinType == JoinType::kLeftOuter ? "Left outer" : "Left semi/anti") +
                        " joins with a streaming DataFrame/Dataset on the right and a static DataFrame/Dataset on "
                        "the left are not supported.");
          }
          break;
        case JoinType::kRightOuter:
          if (left) {
            unsupported("Right outer join with a streaming DataFrame/Dataset on the left and a static "
                        "DataFrame/DataSet on the right not supported.");
          }
          break;
        case JoinType::kFullOuter:
          unsupported("Full outer joins with streaming DataFrames/Datasets are not supported.");
      }
      break;
    }
    default: break;
  }
  bool agg = aboveAggregation || p.kind == PlanKind::kAggregate || p.kind == PlanKind::kWindowAggregate;
  for (const auto& c : p.children) checkNode(*c, mode, agg);
}

}  // namespace

bool isStatefulStreamingNode(const LogicalPlan& node) {
  if (!node.isStreaming()) return false;
  switch (node.kind) {
    case PlanKind::kAggregate:
    case PlanKind::kWindowAggregate:
    case PlanKind::kDeduplicate:
    case PlanKind::kSessionWindow:
    case PlanKind::kLimit:
    case PlanKind::kSort:
      return true;
    default:
      return false;
  }
}

bool hasStatefulStreamingNode(const LogicalPlan& plan) {
  if (isStatefulStreamingNode(plan)) return true;
  for (const auto& c : plan.children) {
    if (hasStatefulStreamingNode(*c)) return true;
  }
  return false;
}

void checkStreamingQuery(const LogicalPlan& plan, const std::string& mode) {
  Facts facts;
  collect(plan, facts);
  if (facts.distinctAggregate) {
    unsupported(
        "Distinct aggregations are not supported on streaming DataFrames/Datasets. Consider using "
        "approx_count_distinct() instead.");
  }
  if (mode == "complete" && facts.aggregations == 0) {
    unsupported("Complete output mode not supported when there are no streaming aggregations on streaming "
                "DataFrames/Datasets.");
  }
  if (mode == "append" && facts.aggregationsWithoutWatermark > 0) {
    unsupported("Append output mode not supported when there are streaming aggregations on streaming "
                "DataFrames/DataSets without watermark.");
  }
  if (mode == "update" && facts.sessionWindow) {
    unsupported("Update output mode not supported for session window on streaming DataFrames/Datasets.");
  }
  checkNode(plan, mode, false);
}

}  // namespace weir::plan
