// Function registry.
#include "weir/expr/function_registry.h"

#include <algorithm>

namespace weir::expr {

const FunctionRegistry& FunctionRegistry::instance() {
  static const FunctionRegistry registry = [] {
    FunctionRegistry r;
    registerCast(r);
    registerOperators(r);
    registerConditionals(r);
    registerStringFunctions(r);
    registerMathFunctions(r);
    registerDatetimeFunctions(r);
    registerHashFunctions(r);
    registerCollectionFunctions(r);
    registerJsonFunctions(r);
    registerWindowFunctions(r);
    return r;
  }();
  return registry;
}

void FunctionRegistry::add(const std::string& name, BindFunction bind) { functions_[name] = std::move(bind); }

const BindFunction* FunctionRegistry::find(const std::string& name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

std::vector<std::string> FunctionRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, fn] : functions_) out.push_back(name);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace weir::expr
