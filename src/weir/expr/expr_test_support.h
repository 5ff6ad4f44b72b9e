// Helpers shared by the expression tests: bind an expression against a batch, evaluate it, and
// read the result as the strings Spark would show.
#pragma once

#include <string>
#include <vector>

#include "weir/columnar/column_batch.h"
#include "weir/expr/binder.h"
#include "weir/expr/evaluator.h"

namespace weir::expr::testing {

using Strings = std::vector<std::string>;

inline ExprPtr str(const std::string& s) {
  return literal(columnar::Value::string(s), types::DataType::string());
}

/// A batch of one row and no columns, for expressions over literals.
inline columnar::ColumnBatch oneRow() { return columnar::ColumnBatch(types::DataType::structOf({}), {}, 1); }

inline types::DataTypePtr typeOf(const ExprPtr& e) { return Binder(oneRow().schema()).bind(e)->type; }

/// Each row's value as Spark shows it ("null" for nulls). `nowMicros` is current_timestamp().
inline Strings eval(const ExprPtr& e, const columnar::ColumnBatch& batch, int64_t nowMicros = 0) {
  auto bound = Binder(batch.schema()).bind(e);
  EvalContext ctx;
  ctx.currentTimestampMicros = nowMicros;
  auto v = evaluate(*bound, batch, ctx);
  Strings out;
  for (size_t i = 0; i < v->size(); ++i) out.push_back(v->toString(i));
  return out;
}

inline std::string evalOne(const ExprPtr& e, int64_t nowMicros = 0) { return eval(e, oneRow(), nowMicros).at(0); }

}  // namespace weir::expr::testing
