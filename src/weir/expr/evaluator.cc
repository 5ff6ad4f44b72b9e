// Recursive evaluation: children first, then the node's kernel over whole vectors.
#include "weir/expr/evaluator.h"

#include "weir/base/error.h"

namespace weir::expr {

using columnar::Vector;
using columnar::VectorPtr;

VectorPtr evaluate(const Expr& e, const columnar::ColumnBatch& batch, EvalContext& ctx) {
  size_t rows = batch.numRows();
  switch (e.kind) {
    case ExprKind::kBoundColumn:
      return batch.column(e.ordinal);
    case ExprKind::kLiteral:
      return Vector::constant(e.type, e.value, rows);
    case ExprKind::kAlias:
    case ExprKind::kSortOrder:
      return evaluate(*e.children[0], batch, ctx);
    case ExprKind::kGetField: {
      VectorPtr parent = evaluate(*e.children[0], batch, ctx);
      VectorPtr field = parent->childPtr(e.ordinal);
      if (!parent->mayHaveNulls()) return field;
      auto out = Vector::make(field->type());
      out->appendRange(*field, 0, field->size());
      for (size_t i = 0; i < rows; ++i) {
        if (parent->isNull(i)) out->setNull(i);
      }
      return out;
    }
    case ExprKind::kCall: {
      WEIR_CHECK(e.kernel != nullptr);
      std::vector<VectorPtr> args;
      args.reserve(e.children.size());
      for (const auto& c : e.children) args.push_back(evaluate(*c, batch, ctx));
      VectorPtr out = e.kernel(args, e, ctx, rows);
      WEIR_CHECK(out->size() == rows);
      return out;
    }
    default:
      throw InternalError("INTERNAL_ERROR", "cannot evaluate unbound expression " + e.display);
  }
}

std::vector<uint32_t> trueRows(const Vector& mask) {
  std::vector<uint32_t> out;
  size_t n = mask.size();
  out.reserve(n);
  const uint8_t* v = mask.values<uint8_t>();
  if (!mask.mayHaveNulls()) {
    for (size_t i = 0; i < n; ++i) {
      if (v[i]) out.push_back(static_cast<uint32_t>(i));
    }
  } else {
    for (size_t i = 0; i < n; ++i) {
      if (v[i] && mask.isValid(i)) out.push_back(static_cast<uint32_t>(i));
    }
  }
  return out;
}

std::vector<uint32_t> selectTrue(const Expr& predicate, const columnar::ColumnBatch& batch, EvalContext& ctx) {
  VectorPtr mask = evaluate(predicate, batch, ctx);
  if (mask->typeId() == types::TypeId::kNull) return {};
  return trueRows(*mask);
}

std::optional<columnar::Value> constantValue(const ExprPtr& e) {
  if (e->kind == ExprKind::kLiteral) return e->value;
  bool foldable = !anyNode(e, [](const Expr& node) {
    return !(node.kind == ExprKind::kLiteral || (node.kind == ExprKind::kCall && node.name == "cast"));
  });
  if (!foldable) return std::nullopt;
  columnar::ColumnBatch oneRow(types::DataType::structOf({}), {}, 1);
  EvalContext ctx;
  return evaluate(*e, oneRow, ctx)->getValue(0);
}

}  // namespace weir::expr
