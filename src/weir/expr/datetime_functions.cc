// PLACEHOLDER being written by a helper.
#include "weir/expr/function_registry.h"

namespace weir::expr {
void registerDatetimeFunctions(FunctionRegistry&) {}
}  // namespace weir::expr
