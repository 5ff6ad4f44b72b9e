// Evaluation of bound expressions over a ColumnBatch, one vector per node.
#pragma once

#include <optional>
#include <vector>

#include "weir/columnar/column_batch.h"
#include "weir/expr/expr.h"

namespace weir::expr {

/// Evaluates a bound expression over every row of `batch`.
columnar::VectorPtr evaluate(const Expr& e, const columnar::ColumnBatch& batch, EvalContext& ctx);

/// Rows of `batch` for which the boolean `predicate` is true (null counts as false).
std::vector<uint32_t> selectTrue(const Expr& predicate, const columnar::ColumnBatch& batch, EvalContext& ctx);

/// The value of an expression made only of literals and casts (what Spark folds at analysis, e.g.
/// a pattern argument); nullopt when it reads columns or calls anything else.
std::optional<columnar::Value> constantValue(const ExprPtr& e);

/// Row indices where a boolean vector is true and not null.
std::vector<uint32_t> trueRows(const columnar::Vector& mask);

}  // namespace weir::expr
