// The registry of scalar functions: each name maps to a binder that checks argument types, inserts
// implicit casts, and returns a bound call with its result type and kernel.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "weir/expr/expr.h"

namespace weir::expr {

/// Binds a call whose arguments are already bound. Throws AnalysisError on bad argument types.
using BindFunction = std::function<ExprPtr(const Expr& call, std::vector<ExprPtr> args)>;

/// Name to binder. Filled once at first use; read-only and thread-safe afterwards.
class FunctionRegistry {
 public:
  static const FunctionRegistry& instance();
  void add(const std::string& name, BindFunction bind);
  const BindFunction* find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::unordered_map<std::string, BindFunction> functions_;
};

// Each function family registers itself through one of these (defined in its own file).
void registerCast(FunctionRegistry& registry);
void registerOperators(FunctionRegistry& registry);
void registerConditionals(FunctionRegistry& registry);
void registerStringFunctions(FunctionRegistry& registry);
void registerMathFunctions(FunctionRegistry& registry);
void registerDatetimeFunctions(FunctionRegistry& registry);
void registerHashFunctions(FunctionRegistry& registry);
void registerCollectionFunctions(FunctionRegistry& registry);
void registerJsonFunctions(FunctionRegistry& registry);
void registerWindowFunctions(FunctionRegistry& registry);

}  // namespace weir::expr
