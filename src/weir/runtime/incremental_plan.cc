#include "weir/runtime/incremental_plan.h"

#include <algorithm>

#include "weir/base/error.h"
#include "weir/exec/aggregates.h"
#include "weir/expr/binder.h"

namespace weir::runtime {

namespace {

using plan::LogicalPlan;
using plan::PlanKind;
using plan::PlanPtr;
using types::DataType;
using types::Field;
using types::TypeId;

[[noreturn]] void notMergeable(const plan::AggregateCall& call) {
  if (call.distinct) {
    throw AnalysisError("UNSUPPORTED_STREAMING_OPERATION",
                        "Distinct aggregations are not supported on streaming DataFrames/Datasets. Consider using "
                        "approx_count_distinct() instead.");
  }
  throw AnalysisError("UNSUPPORTED_STREAMING_AGGREGATE",
                      "The aggregate " + call.outputName +
                          " is not supported in streaming queries yet: Weir keeps streaming aggregates as "
                          "mergeable partial values. Use count, sum or avg (not over decimals), min, max, first, "
                          "last, collect_list or collect_set.");
}

struct Rewriter {
  std::vector<StatefulOperator> operators;
  // Nodes are numbered from the sink down; the pointers are filled in once nodes are built.
  std::vector<std::pair<size_t, std::shared_ptr<LogicalPlan>>> pending;

  bool underAggregate = false;
  std::string outputMode;

  PlanPtr rewrite(const PlanPtr& node) {
    if (!node->isStreaming()) return node;
    const bool parentIsAggregate = underAggregate;
    underAggregate = false;
    if (parentIsAggregate && node->kind == PlanKind::kSessionWindow) {
      auto copy = std::make_shared<LogicalPlan>(*node);
      for (auto& c : copy->children) c = rewrite(c);
      return copy;
    }
    if (node->kind == PlanKind::kAggregate) return aggregate(node);
    if (node->kind == PlanKind::kWindowAggregate) return windowAggregate(node);
    if (node->kind == PlanKind::kDeduplicate) return deduplicate(node);
    if (node->kind == PlanKind::kSessionWindow && !underAggregate) {
      throw AnalysisError("UNSUPPORTED_STREAMING_OPERATION",
                          "session_window on a stream is supported as a grouping key of an aggregation only.");
    }
    if ((node->kind == PlanKind::kLimit || node->kind == PlanKind::kSort) && !node->children.empty() &&
        node->children[0]->isStreaming()) {
      // Sorting is only allowed on a complete-mode aggregation's result, which is whole each batch.
      if (node->kind == PlanKind::kLimit && outputMode == "append") {
        // A global limit across batches: the number of rows emitted so far is state.
        size_t index = reserveOperator("globalLimit");
        auto copy = std::make_shared<LogicalPlan>(*node);
        copy->children[0] = rewrite(node->children[0]);
        operators[index].node = copy.get();
        return copy;
      }
    }
    auto copy = std::make_shared<LogicalPlan>(*node);
    for (auto& c : copy->children) c = rewrite(c);
    return copy;
  }

  size_t reserveOperator(const std::string& name) {
    StatefulOperator op;
    op.id = static_cast<int64_t>(operators.size());
    op.name = name;
    operators.push_back(op);
    return operators.size() - 1;
  }

  PlanPtr aggregate(const PlanPtr& node) {
    size_t index = reserveOperator("stateStoreSave");
    const size_t numKeys = node->groupingExprs.size();
    auto partial = std::make_shared<LogicalPlan>(*node);
    underAggregate = true;
    partial->children[0] = rewrite(node->children[0]);
    underAggregate = false;
    if (node->children[0]->kind == PlanKind::kSessionWindow) {
      const int sessionOrdinal = static_cast<int>(node->children[0]->schema->fields().size()) - 1;
      for (size_t k = 0; k < numKeys; ++k) {
        const auto& g = node->groupingExprs[k];
        if (g->kind == expr::ExprKind::kBoundColumn && g->ordinal == sessionOrdinal) {
          operators[index].sessionKey = static_cast<int>(k);
        }
      }
    }
    partial->aggregates.clear();
    std::vector<Field> fields(node->schema->fields().begin(), node->schema->fields().begin() + numKeys);
    operators[index].numKeys = numKeys;
    auto add = [&](plan::AggregateCall call, const std::string& merge) {
      fields.push_back({"__partial" + std::to_string(partial->aggregates.size()), call.resultType, true, "{}"});
      partial->aggregates.push_back(std::move(call));
      operators[index].mergeFunctions.push_back(merge);
      return numKeys + partial->aggregates.size() - 1;
    };
    // The finishing projection: keys, then each original aggregate from its partials.
    // Per original aggregate: (partial, partial of avg's count or kEstimate for a sketch).
    constexpr size_t kEstimate = SIZE_MAX - 1;
    std::vector<std::pair<size_t, size_t>> sources;
    for (const auto& call : node->aggregates) {
      if (call.distinct) notMergeable(call);
      const std::string& f = call.function;
      if (f == "count") {
        sources.emplace_back(add(call, "sum"), SIZE_MAX);
      } else if (f == "sum") {
        if (!call.args.empty() && call.args[0]->type->id() == TypeId::kDecimal) notMergeable(call);
        sources.emplace_back(add(call, "sum"), SIZE_MAX);
      } else if (f == "min" || f == "max") {
        sources.emplace_back(add(call, f), SIZE_MAX);
      } else if (f == "first" || f == "last") {
        // The state holds the value so far: first keeps it, last replaces it (with ignoreNulls,
        // only by a value that is not NULL).
        const bool ignoreNulls = !call.params.empty() && call.params[0].asBool();
        sources.emplace_back(add(call, ignoreNulls ? f + "NonNull" : f), SIZE_MAX);
      } else if (f == "approx_count_distinct") {
        // A HyperLogLog sketch per key in state (registers, merged by their maximum); the
        // finishing projection estimates the count from it.
        plan::AggregateCall sketch = call;
        sketch.function = "weir_hll_sketch";
        sketch.resultType = DataType::binary();
        sources.emplace_back(add(sketch, "hllUnion"), kEstimate);
      } else if (f == "collect_list") {
        sources.emplace_back(add(call, "concat"), SIZE_MAX);
      } else if (f == "collect_set") {
        sources.emplace_back(add(call, "union"), SIZE_MAX);
      } else if (f == "avg") {
        if (call.args.empty() || call.args[0]->type->id() == TypeId::kDecimal) notMergeable(call);
        plan::AggregateCall sum = call;
        sum.function = "sum";
        sum.resultType = exec::aggregateResultType("sum", {call.args[0]->type}, false);
        plan::AggregateCall count = call;
        count.function = "count";
        count.resultType = DataType::longType();
        size_t s = add(sum, "sum");
        size_t c = add(count, "sum");
        sources.emplace_back(s, c);
      } else {
        notMergeable(call);
      }
    }
    partial->schema = DataType::structOf(fields);
    for (size_t k = 0; k < numKeys && operators[index].eventTimeKey < 0; ++k) {
      if (plan::hasWatermark(fields[k])) operators[index].eventTimeKey = static_cast<int>(k);
    }
    operators[index].node = partial.get();
    auto finish = std::make_shared<LogicalPlan>();
    finish->kind = PlanKind::kProject;
    finish->children = {partial};
    finish->schema = node->schema;
    expr::Binder binder(partial->schema);
    auto ref = [&](size_t ordinal) {
      const auto& f = fields[ordinal];
      return expr::boundColumn(static_cast<int>(ordinal), f.type, f.nullable, f.name);
    };
    for (size_t k = 0; k < numKeys; ++k) finish->exprs.push_back(ref(k));
    for (size_t j = 0; j < sources.size(); ++j) {
      auto [s, c] = sources[j];
      expr::ExprPtr e = ref(s);
      if (c == kEstimate) {
        e = binder.bind(expr::call("weir_hll_estimate", {ref(s)}));
      } else if (c != SIZE_MAX) {
        e = binder.bind(expr::binaryOperator("divide", "/", ref(s), ref(c)));
      }
      finish->exprs.push_back(expr::castIfNeeded(e, node->schema->fields()[numKeys + j].type));
    }
    return finish;
  }

  PlanPtr deduplicate(const PlanPtr& node) {
    size_t index = reserveOperator(node->withinWatermark ? "dedupeWithinWatermark" : "dedupe");
    auto copy = std::make_shared<LogicalPlan>(*node);
    copy->children[0] = rewrite(node->children[0]);
    StatefulOperator& op = operators[index];
    op.keyOrdinals = node->keyOrdinals;
    op.numKeys = node->keyOrdinals.size();
    const auto& fields = node->schema->fields();
    for (size_t c = 0; c < fields.size() && op.eventTimeColumn < 0; ++c) {
      if (!plan::hasWatermark(fields[c])) continue;
      bool inKey = std::find(op.keyOrdinals.begin(), op.keyOrdinals.end(), static_cast<int>(c)) != op.keyOrdinals.end();
      // dropDuplicates bounds its state only when event time is part of the key.
      if (!node->withinWatermark && !inKey) continue;
      op.eventTimeColumn = static_cast<int>(c);
      const auto& meta = fields[c].metadata;
      auto at = meta.find(':');
      op.delayMs = at == std::string::npos ? 0 : std::stoll(meta.substr(at + 1));
    }
    op.node = copy.get();
    return copy;
  }

  PlanPtr windowAggregate(const PlanPtr& node) {
    size_t index = reserveOperator("stateStoreSave");
    auto copy = std::make_shared<LogicalPlan>(*node);
    copy->children[0] = rewrite(node->children[0]);
    StatefulOperator& op = operators[index];
    op.numKeys = 1 + node->groupingExprs.size();
    for (const auto& call : node->aggregates) {
      op.mergeFunctions.push_back(call.function == "count" ? "sum" : call.function);
    }
    for (size_t k = 0; k < op.numKeys && op.eventTimeKey < 0; ++k) {
      if (plan::hasWatermark(node->schema->fields()[k])) op.eventTimeKey = static_cast<int>(k);
    }
    op.node = copy.get();
    return copy;
  }
};

}  // namespace

IncrementalPlan makeIncrementalPlan(const PlanPtr& analyzed, const std::string& outputMode) {
  Rewriter r;
  r.outputMode = outputMode;
  IncrementalPlan out;
  out.plan = r.rewrite(analyzed);
  out.operators = std::move(r.operators);
  return out;
}

}  // namespace weir::runtime
