// Functions behind time windows: the window and session_window markers (planned as operators,
// never evaluated as scalars) and duration_micros for dynamic session gaps.
#include "weir/base/duration.h"
#include "weir/base/error.h"
#include "weir/expr/binder.h"
#include "weir/expr/function_registry.h"
#include "weir/expr/kernels.h"

namespace weir::expr {

void registerWindowFunctions(FunctionRegistry& r) {
  for (const char* name : {"window", "session_window"}) {
    r.add(name, [name](const Expr& call, std::vector<ExprPtr>) -> ExprPtr {
      throw AnalysisError("UNSUPPORTED_EXPR_FOR_OPERATOR",
                          std::string(name) + "() can only be used in select() or groupBy(), not in \"" +
                              call.display + "\" here.");
    });
  }
  // duration_micros('5 minutes') = 300000000; invalid or non-positive text gives null.
  r.add("duration_micros", [](const Expr& call, std::vector<ExprPtr> args) {
    if (args.size() != 1 || args[0]->type->id() != TypeId::kString) throwTypeMismatch(call, 0, "\"STRING\"");
    return boundCall(call, std::move(args), DataType::longType(),
                     [](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) -> VectorPtr {
                       FixedWriter<int64_t> w(DataType::longType(), n);
                       for (size_t i = 0; i < n; ++i) {
                         if (in[0]->isNull(i)) {
                           w.setNull(i);
                           continue;
                         }
                         try {
                           w.set(i, base::parseDurationMicros(in[0]->stringAt(i)));
                         } catch (const InvalidInputError&) {
                           w.setNull(i);
                         }
                       }
                       return w.finish();
                     });
  });
}

}  // namespace weir::expr
