// Name resolution and implicit coercion.
#include "weir/expr/binder.h"

#include <algorithm>
#include <cctype>

#include "weir/base/error.h"
#include "weir/expr/function_registry.h"

namespace weir::expr {

using types::DataType;
using types::DataTypePtr;
using types::TypeId;

namespace {

size_t editDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                            std::tolower(static_cast<unsigned char>(b[j - 1]))
                        ? 0
                        : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// Splits "a.b.`c.d`" into parts, honouring back-quotes.
std::vector<std::string> splitName(const std::string& name) {
  std::vector<std::string> parts;
  std::string current;
  bool quoted = false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '`') {
      if (quoted && i + 1 < name.size() && name[i + 1] == '`') {
        current += '`';
        ++i;
      } else {
        quoted = !quoted;
      }
    } else if (c == '.' && !quoted) {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(current);
  return parts;
}

void collectNames(const DataTypePtr& type, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& f : type->fields()) {
    out.push_back(prefix + f.name);
  }
}

int numericRank(TypeId id) {
  switch (id) {
    case TypeId::kByte: return 1;
    case TypeId::kShort: return 2;
    case TypeId::kInteger: return 3;
    case TypeId::kLong: return 4;
    case TypeId::kFloat: return 6;
    case TypeId::kDouble: return 7;
    default: return 0;
  }
}

}  // namespace

Binder::Binder(types::DataTypePtr inputSchema) : schema_(std::move(inputSchema)) {}

std::vector<std::string> closestNames(const std::string& name, const std::vector<std::string>& candidates) {
  std::vector<std::pair<size_t, std::string>> scored;
  for (const auto& c : candidates) scored.emplace_back(editDistance(name, c), c);
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (size_t i = 0; i < scored.size() && i < 5; ++i) out.push_back(scored[i].second);
  return out;
}

void throwUnresolvedColumn(const std::string& name, const std::vector<std::string>& candidates) {
  auto closest = closestNames(name, candidates);
  if (closest.empty()) {
    throw AnalysisError("UNRESOLVED_COLUMN.WITHOUT_SUGGESTION",
                        "A column or function parameter with name `" + name + "` cannot be resolved.");
  }
  std::string list;
  for (size_t i = 0; i < closest.size(); ++i) {
    if (i) list += ", ";
    list += "`" + closest[i] + "`";
  }
  throw AnalysisError("UNRESOLVED_COLUMN.WITH_SUGGESTION",
                      "A column or function parameter with name `" + name +
                          "` cannot be resolved. Did you mean one of the following? [" + list + "].");
}

void throwTypeMismatch(const Expr& call, size_t argIndex, const std::string& expected) {
  const auto& arg = call.children.at(argIndex);
  std::string actual = arg->type ? arg->type->sql() : "?";
  throw AnalysisError("DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                      "Cannot resolve \"" + call.display + "\" due to data type mismatch: parameter " +
                          std::to_string(argIndex + 1) + " requires " + expected + " type, however \"" +
                          arg->display + "\" is of " + actual + " type.");
}

ExprPtr Binder::resolveColumn(const std::string& name) const {
  // An exact top-level name wins, even if it contains dots.
  if (auto idx = schema_->fieldIndex(name); idx && schema_->fields()[*idx].name == name) {
    const auto& f = schema_->fields()[*idx];
    return boundColumn(static_cast<int>(*idx), f.type, f.nullable, f.name);
  }
  auto parts = splitName(name);
  auto idx = schema_->fieldIndex(parts[0]);
  if (!idx) return nullptr;
  const auto& f = schema_->fields()[*idx];
  ExprPtr current = boundColumn(static_cast<int>(*idx), f.type, f.nullable, f.name);
  for (size_t i = 1; i < parts.size(); ++i) {
    const auto& type = current->type;
    if (type->id() != TypeId::kStruct) return nullptr;
    auto fi = type->fieldIndex(parts[i]);
    if (!fi) return nullptr;
    const auto& field = type->fields()[*fi];
    auto next = std::const_pointer_cast<Expr>(getField(current, static_cast<int>(*fi), field.type, field.name));
    next->nullable = current->nullable || field.nullable;
    current = next;
  }
  return current;
}

ExprPtr Binder::bind(const ExprPtr& e) const {
  switch (e->kind) {
    case ExprKind::kBoundColumn:
    case ExprKind::kGetField:
    case ExprKind::kLiteral:
      return e;
    case ExprKind::kColumn: {
      if (auto bound = resolveColumn(e->name)) return bound;
      std::vector<std::string> names;
      collectNames(schema_, "", names);
      throwUnresolvedColumn(e->name, names);
    }
    case ExprKind::kStar:
      throw AnalysisError("INVALID_USAGE_OF_STAR_OR_REGEX",
                          "Invalid usage of '" + e->display + "' here; use it directly in select().");
    case ExprKind::kAlias: {
      auto child = bind(e->children[0]);
      return alias(child, e->name);
    }
    case ExprKind::kSortOrder: {
      auto child = bind(e->children[0]);
      return sortOrder(child, e->ascending, e->nullsFirst);
    }
    case ExprKind::kAggregate:
      throw AnalysisError("UNSUPPORTED_EXPR_FOR_OPERATOR",
                          "Aggregate function " + e->display +
                              " is only allowed in groupBy(..).agg(..) or select() over a whole table.");
    case ExprKind::kCall: {
      std::vector<ExprPtr> args;
      args.reserve(e->children.size());
      for (const auto& c : e->children) args.push_back(bind(c));
      const BindFunction* fn = FunctionRegistry::instance().find(e->name);
      if (!fn) {
        throw AnalysisError("UNRESOLVED_ROUTINE", "Cannot resolve function `" + e->name +
                                                      "`. Verify the spelling and that it is one of Weir's "
                                                      "functions in weir::functions.");
      }
      return (*fn)(*e, std::move(args));
    }
  }
  throw InternalError("INTERNAL_ERROR", "unknown expression kind");
}

std::vector<ExprPtr> Binder::bindProjection(const std::vector<ExprPtr>& exprs) const {
  std::vector<ExprPtr> out;
  for (const auto& e : exprs) {
    if (e->kind == ExprKind::kStar) {
      if (e->name.empty()) {
        for (size_t i = 0; i < schema_->fields().size(); ++i) {
          const auto& f = schema_->fields()[i];
          out.push_back(boundColumn(static_cast<int>(i), f.type, f.nullable, f.name));
        }
        continue;
      }
      auto parent = resolveColumn(e->name);
      if (!parent) {
        std::vector<std::string> names;
        collectNames(schema_, "", names);
        throwUnresolvedColumn(e->name, names);
      }
      if (parent->type->id() != TypeId::kStruct) {
        throw AnalysisError("INVALID_USAGE_OF_STAR_OR_REGEX",
                            "Can only star expand struct data types. Column `" + e->name + "` is of type " +
                                parent->type->sql() + ".");
      }
      for (size_t i = 0; i < parent->type->fields().size(); ++i) {
        const auto& f = parent->type->fields()[i];
        auto field = std::const_pointer_cast<Expr>(getField(parent, static_cast<int>(i), f.type, f.name));
        field->nullable = parent->nullable || f.nullable;
        out.push_back(field);
      }
      continue;
    }
    out.push_back(bind(e));
  }
  return out;
}

ExprPtr castIfNeeded(const ExprPtr& bound, const DataTypePtr& to) {
  if (bound->type->equals(*to, true)) return bound;
  auto c = callWithOptions("cast", {bound}, {}, to, "CAST(" + bound->display + " AS " + to->sql() + ")");
  const BindFunction* fn = FunctionRegistry::instance().find("cast");
  return (*fn)(*c, {bound});
}

DataTypePtr decimalOf(const DataTypePtr& t) {
  switch (t->id()) {
    case TypeId::kByte: return DataType::decimal(3, 0);
    case TypeId::kShort: return DataType::decimal(5, 0);
    case TypeId::kInteger: return DataType::decimal(10, 0);
    case TypeId::kLong: return DataType::decimal(20, 0);
    case TypeId::kDecimal: return t;
    default: return nullptr;
  }
}

DataTypePtr widerType(const DataTypePtr& a, const DataTypePtr& b) {
  if (a->equals(*b, true)) return a;
  if (a->id() == TypeId::kNull) return b;
  if (b->id() == TypeId::kNull) return a;
  int ra = numericRank(a->id()), rb = numericRank(b->id());
  if (ra && rb) return ra >= rb ? a : b;
  bool decA = a->id() == TypeId::kDecimal, decB = b->id() == TypeId::kDecimal;
  if ((decA || decB) && (a->isNumeric() && b->isNumeric())) {
    if (a->id() == TypeId::kFloat || a->id() == TypeId::kDouble || b->id() == TypeId::kFloat ||
        b->id() == TypeId::kDouble) {
      return DataType::doubleType();
    }
    auto da = decimalOf(a), db = decimalOf(b);
    int scale = std::max(da->scale(), db->scale());
    int intDigits = std::max(da->precision() - da->scale(), db->precision() - db->scale());
    return DataType::decimal(std::min(38, intDigits + scale), std::min(scale, 38));
  }
  if (a->id() == TypeId::kDate && (b->id() == TypeId::kTimestamp)) return b;
  if (b->id() == TypeId::kDate && (a->id() == TypeId::kTimestamp)) return a;
  if (a->id() == TypeId::kTimestampNtz && b->id() == TypeId::kTimestamp) return b;
  if (b->id() == TypeId::kTimestampNtz && a->id() == TypeId::kTimestamp) return a;
  // Non-ANSI: a string against an atomic type widens to string.
  if (a->id() == TypeId::kString && !b->isNested()) return a;
  if (b->id() == TypeId::kString && !a->isNested()) return b;
  if (a->id() == TypeId::kArray && b->id() == TypeId::kArray) {
    auto e = widerType(a->elementType(), b->elementType());
    return e ? DataType::array(e, a->containsNull() || b->containsNull()) : nullptr;
  }
  if (a->id() == TypeId::kStruct && b->id() == TypeId::kStruct && a->fields().size() == b->fields().size()) {
    std::vector<types::Field> fields;
    for (size_t i = 0; i < a->fields().size(); ++i) {
      auto w = widerType(a->fields()[i].type, b->fields()[i].type);
      if (!w) return nullptr;
      fields.push_back({a->fields()[i].name, w, a->fields()[i].nullable || b->fields()[i].nullable, "{}"});
    }
    return DataType::structOf(std::move(fields));
  }
  return nullptr;
}

DataTypePtr comparisonType(const DataTypePtr& a, const DataTypePtr& b) {
  if (a->equals(*b, true)) return a;
  if (a->id() == TypeId::kNull) return b;
  if (b->id() == TypeId::kNull) return a;
  auto stringVs = [](const DataTypePtr& other) -> DataTypePtr {
    switch (other->id()) {
      case TypeId::kDecimal: return DataType::doubleType();
      case TypeId::kDate:
      case TypeId::kTimestamp:
      case TypeId::kTimestampNtz:
      case TypeId::kBoolean:
      case TypeId::kBinary:
        return other;
      default:
        return other->isNumeric() ? other : nullptr;
    }
  };
  if (a->id() == TypeId::kString) return stringVs(b);
  if (b->id() == TypeId::kString) return stringVs(a);
  return widerType(a, b);
}

}  // namespace weir::expr
