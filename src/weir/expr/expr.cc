// Expression node factories and tree utilities.
#include "weir/expr/expr.h"

#include "weir/base/error.h"

namespace weir::expr {
namespace {

std::string joinDisplays(const std::vector<ExprPtr>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i) out += ", ";
    out += args[i]->display;
  }
  return out;
}

std::shared_ptr<Expr> node(ExprKind kind) {
  auto e = std::make_shared<Expr>();
  e->kind = kind;
  return e;
}

}  // namespace

ExprPtr column(const std::string& name) {
  auto e = node(ExprKind::kColumn);
  e->name = name;
  e->display = name;
  return e;
}

ExprPtr star(const std::string& qualifier) {
  auto e = node(ExprKind::kStar);
  e->name = qualifier;
  e->display = qualifier.empty() ? "*" : qualifier + ".*";
  return e;
}

ExprPtr literal(columnar::Value value, types::DataTypePtr type) {
  auto e = node(ExprKind::kLiteral);
  e->nullable = value.isNull();
  e->display = value.isNull() ? "NULL" : value.toString();
  e->value = std::move(value);
  e->type = std::move(type);
  return e;
}

ExprPtr alias(ExprPtr child, const std::string& name) {
  auto e = node(ExprKind::kAlias);
  e->name = name;
  e->display = name;
  if (child->isBound()) {
    e->type = child->type;
    e->nullable = child->nullable;
  }
  e->children = {std::move(child)};
  return e;
}

ExprPtr call(const std::string& name, std::vector<ExprPtr> args, std::string display) {
  auto e = node(ExprKind::kCall);
  e->name = name;
  e->display = display.empty() ? name + "(" + joinDisplays(args) + ")" : std::move(display);
  e->children = std::move(args);
  return e;
}

ExprPtr callWithOptions(const std::string& name, std::vector<ExprPtr> args,
                        std::map<std::string, std::string> options, types::DataTypePtr schemaArg,
                        std::string display) {
  auto e = node(ExprKind::kCall);
  e->name = name;
  e->display = display.empty() ? name + "(" + joinDisplays(args) + ")" : std::move(display);
  e->children = std::move(args);
  e->options = std::move(options);
  e->schemaArg = std::move(schemaArg);
  return e;
}

ExprPtr aggregate(const std::string& name, std::vector<ExprPtr> args, bool distinct, std::string display) {
  auto e = node(ExprKind::kAggregate);
  e->name = name;
  e->distinct = distinct;
  e->display = display.empty()
                   ? name + "(" + (distinct ? std::string("DISTINCT ") : std::string()) + joinDisplays(args) + ")"
                   : std::move(display);
  e->children = std::move(args);
  return e;
}

ExprPtr sortOrder(ExprPtr child, bool ascending, bool nullsFirst) {
  auto e = node(ExprKind::kSortOrder);
  e->display = child->display + (ascending ? " ASC" : " DESC") + (nullsFirst ? " NULLS FIRST" : " NULLS LAST");
  e->ascending = ascending;
  e->nullsFirst = nullsFirst;
  if (child->isBound()) e->type = child->type;
  e->children = {std::move(child)};
  return e;
}

ExprPtr binaryOperator(const std::string& function, const std::string& symbol, ExprPtr left, ExprPtr right) {
  std::string display = "(" + left->display + " " + symbol + " " + right->display + ")";
  return call(function, {std::move(left), std::move(right)}, std::move(display));
}

ExprPtr boundColumn(int ordinal, types::DataTypePtr type, bool nullable, const std::string& name) {
  auto e = node(ExprKind::kBoundColumn);
  e->ordinal = ordinal;
  e->type = std::move(type);
  e->nullable = nullable;
  e->name = name;
  e->display = name;
  return e;
}

ExprPtr getField(ExprPtr structChild, int ordinal, const types::DataTypePtr& fieldType,
                 const std::string& fieldName) {
  auto e = node(ExprKind::kGetField);
  e->ordinal = ordinal;
  e->type = fieldType;
  e->name = fieldName;
  e->display = structChild->display + "." + fieldName;
  e->children = {std::move(structChild)};
  return e;
}

ExprPtr boundCall(const Expr& unbound, std::vector<ExprPtr> boundArgs, types::DataTypePtr type,
                  Kernel kernel, bool nullable) {
  auto e = std::make_shared<Expr>(unbound);
  e->children = std::move(boundArgs);
  e->type = std::move(type);
  e->kernel = std::move(kernel);
  e->nullable = nullable;
  return e;
}

std::string outputName(const Expr& e) {
  switch (e.kind) {
    case ExprKind::kAlias:
      return e.name;
    case ExprKind::kColumn: {
      auto dot = e.name.rfind('.');
      return dot == std::string::npos ? e.name : e.name.substr(dot + 1);
    }
    case ExprKind::kBoundColumn:
    case ExprKind::kGetField:
      return e.name;
    default:
      return e.display;
  }
}

void visit(const ExprPtr& e, const std::function<void(const ExprPtr&)>& fn) {
  fn(e);
  for (const auto& c : e->children) visit(c, fn);
}

bool anyNode(const ExprPtr& e, const std::function<bool(const Expr&)>& pred) {
  if (pred(*e)) return true;
  for (const auto& c : e->children) {
    if (anyNode(c, pred)) return true;
  }
  return false;
}

ExprPtr withChildren(const Expr& e, std::vector<ExprPtr> children) {
  auto copy = std::make_shared<Expr>(e);
  copy->children = std::move(children);
  return copy;
}

ExprPtr transform(const ExprPtr& e, const std::function<ExprPtr(const ExprPtr&)>& fn) {
  std::vector<ExprPtr> children;
  bool changed = false;
  for (const auto& c : e->children) {
    auto nc = transform(c, fn);
    changed |= nc != c;
    children.push_back(std::move(nc));
  }
  ExprPtr current = changed ? withChildren(*e, std::move(children)) : e;
  ExprPtr replaced = fn(current);
  return replaced ? replaced : current;
}

}  // namespace weir::expr
