// The expression tree: unresolved as users build it (names, function calls), bound after analysis
// (column ordinals, result types, the kernel that evaluates a call over a whole vector).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "weir/columnar/column_batch.h"
#include "weir/columnar/value.h"
#include "weir/types/data_type.h"

namespace weir::expr {

class Expr;
using ExprPtr = std::shared_ptr<const Expr>;

enum class ExprKind : uint8_t {
  kColumn,       // unresolved column name; `name` may be a dotted path ("data.user_id")
  kStar,         // "*" or "qualifier.*"; `name` is the qualifier path (empty for "*")
  kLiteral,      // `value` of `type`
  kAlias,        // child 0 named `name`
  kCall,         // scalar function `name` over children; bound calls carry `kernel`
  kAggregate,    // aggregate function `name` over children (`distinct` for count(DISTINCT ..))
  kBoundColumn,  // input column `ordinal`
  kGetField,     // field `ordinal` (named `name`) of the struct child 0
  kSortOrder,    // child 0 with `ascending` and `nullsFirst`
};

/// Per-evaluation context: values fixed for one query execution (or one micro-batch).
struct EvalContext {
  int64_t currentTimestampMicros = 0;
};

/// Evaluates a bound call over its evaluated arguments. Called once per batch, never per row.
using Kernel = std::function<columnar::VectorPtr(const std::vector<columnar::VectorPtr>& args,
                                                 const Expr& self, EvalContext& ctx, size_t numRows)>;

/// One node of an expression tree. Immutable once built; shared freely. Build nodes through the
/// factory functions below.
class Expr {
 public:
  ExprKind kind = ExprKind::kLiteral;
  std::string name;
  std::vector<ExprPtr> children;
  columnar::Value value;
  /// Result type; set on literals and on every bound node.
  types::DataTypePtr type;
  bool nullable = true;
  int ordinal = -1;
  bool distinct = false;
  bool ascending = true;
  bool nullsFirst = true;
  /// Options of functions like from_json; `schemaArg` is the target type of from_json and cast.
  std::map<std::string, std::string> options;
  types::DataTypePtr schemaArg;
  /// The text Spark shows as the column name for this expression ("(a + 1)", "count(1)").
  std::string display;
  Kernel kernel;

  bool isBound() const { return type != nullptr; }
  const ExprPtr& child(size_t i) const { return children[i]; }
  std::string toString() const { return display; }
};

// ----- factories (unresolved)
ExprPtr column(const std::string& name);
ExprPtr star(const std::string& qualifier = "");
ExprPtr literal(columnar::Value value, types::DataTypePtr type);
ExprPtr alias(ExprPtr child, const std::string& name);
/// A scalar function call; `display` defaults to "name(arg1, arg2)".
ExprPtr call(const std::string& name, std::vector<ExprPtr> args, std::string display = "");
ExprPtr callWithOptions(const std::string& name, std::vector<ExprPtr> args,
                        std::map<std::string, std::string> options, types::DataTypePtr schemaArg,
                        std::string display = "");
ExprPtr aggregate(const std::string& name, std::vector<ExprPtr> args, bool distinct = false,
                  std::string display = "");
ExprPtr sortOrder(ExprPtr child, bool ascending, bool nullsFirst);
/// A binary operator call with Spark's display "(a op b)".
ExprPtr binaryOperator(const std::string& function, const std::string& symbol, ExprPtr left,
                       ExprPtr right);

// ----- factories (bound)
ExprPtr boundColumn(int ordinal, types::DataTypePtr type, bool nullable, const std::string& name);
ExprPtr getField(ExprPtr structChild, int ordinal, const types::DataTypePtr& fieldType,
                 const std::string& fieldName);
/// A bound call of a registered kernel.
ExprPtr boundCall(const Expr& unbound, std::vector<ExprPtr> boundArgs, types::DataTypePtr type,
                  Kernel kernel, bool nullable = true);

/// The name an expression gives its output column: the alias, the column's last name part, or
/// Spark's display text.
std::string outputName(const Expr& e);

/// Visits every node (pre-order).
void visit(const ExprPtr& e, const std::function<void(const ExprPtr&)>& fn);
/// Whether any node satisfies pred.
bool anyNode(const ExprPtr& e, const std::function<bool(const Expr&)>& pred);
/// Rebuilds the tree bottom-up, replacing nodes for which fn returns non-null.
ExprPtr transform(const ExprPtr& e, const std::function<ExprPtr(const ExprPtr&)>& fn);
/// A copy of `e` with new children.
ExprPtr withChildren(const Expr& e, std::vector<ExprPtr> children);

}  // namespace weir::expr
