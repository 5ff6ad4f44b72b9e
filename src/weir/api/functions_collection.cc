// Struct, array and map functions of weir::functions: each builds a call of the expression
// registered in expr/collection_functions.cc, displayed under the column name Spark gives it.
#include "weir/api/functions.h"

namespace weir::functions {
namespace {

Column callOf(const std::string& name, std::vector<expr::ExprPtr> args) {
  return Column(expr::call(name, std::move(args)));
}

std::vector<expr::ExprPtr> exprsOf(const std::vector<Column>& columns) {
  std::vector<expr::ExprPtr> out;
  out.reserve(columns.size());
  for (const auto& c : columns) out.push_back(c.expr());
  return out;
}

}  // namespace

// Displayed as Spark shows it: "struct(a, b AS x)".
Column struct_(const std::vector<Column>& columns) {
  std::string display = "struct(";
  for (size_t i = 0; i < columns.size(); ++i) {
    const expr::Expr& e = *columns[i].expr();
    if (i) display += ", ";
    if (e.kind == expr::ExprKind::kAlias)
      display += e.child(0)->display + " AS " + e.name;
    else
      display += e.display;
  }
  display += ")";
  return Column(expr::call("struct", exprsOf(columns), display));
}

Column named_struct(const std::vector<std::pair<std::string, Column>>& fields) {
  std::vector<expr::ExprPtr> args;
  args.reserve(fields.size() * 2);
  for (const auto& [name, value] : fields) {
    args.push_back(Column(name).expr());
    args.push_back(value.expr());
  }
  return callOf("named_struct", std::move(args));
}

Column array(const std::vector<Column>& columns) { return callOf("array", exprsOf(columns)); }
Column size(const Column& c) { return callOf("size", {c.expr()}); }
Column array_contains(const Column& c, const Column& value) {
  return callOf("array_contains", {c.expr(), value.expr()});
}
Column element_at(const Column& c, const Column& key) {
  return callOf("element_at", {c.expr(), key.expr()});
}

}  // namespace weir::functions
