// Binding: resolves column names against an input schema, binds function calls through the
// registry and applies Spark's implicit type coercion.
#pragma once

#include <string>
#include <vector>

#include "weir/expr/expr.h"
#include "weir/types/data_type.h"

namespace weir::expr {

/// Binds expressions against one input schema. Stateless apart from the schema; thread-safe.
class Binder {
 public:
  explicit Binder(types::DataTypePtr inputSchema);

  /// Binds a scalar expression. Aggregates and stars are refused here (the planner handles them).
  ExprPtr bind(const ExprPtr& e) const;
  /// Expands "*" and "a.*" and binds the rest; keeps aliases so output names stay.
  std::vector<ExprPtr> bindProjection(const std::vector<ExprPtr>& exprs) const;
  /// Resolves a (possibly dotted) column name; nullptr when absent.
  ExprPtr resolveColumn(const std::string& name) const;

  const types::DataTypePtr& schema() const { return schema_; }

 private:
  types::DataTypePtr schema_;
};

/// Throws Spark's UNRESOLVED_COLUMN error with the closest names from `candidates`.
[[noreturn]] void throwUnresolvedColumn(const std::string& name, const std::vector<std::string>& candidates);
/// The up to five candidate names closest to `name` (by edit distance).
std::vector<std::string> closestNames(const std::string& name, const std::vector<std::string>& candidates);

/// Wraps a bound expression in a cast when its type differs from `to`.
ExprPtr castIfNeeded(const ExprPtr& bound, const types::DataTypePtr& to);
/// The wider of two types for arithmetic and unions (Spark's findWiderTypeForTwo, non-ANSI);
/// nullptr when there is none.
types::DataTypePtr widerType(const types::DataTypePtr& a, const types::DataTypePtr& b);
/// The common type for a binary comparison (string against number casts the string).
types::DataTypePtr comparisonType(const types::DataTypePtr& a, const types::DataTypePtr& b);
/// The result type of decimal arithmetic, as Spark computes it.
types::DataTypePtr decimalOf(const types::DataTypePtr& t);

/// Throws DATATYPE_MISMATCH naming the function and the expected type.
[[noreturn]] void throwTypeMismatch(const Expr& call, size_t argIndex, const std::string& expected);

}  // namespace weir::expr
