// Conditional expressions: CASE WHEN, coalesce, isnull/isnotnull, nanvl.
#include <cmath>

#include "weir/expr/binder.h"
#include "weir/expr/function_registry.h"
#include "weir/expr/kernels.h"

namespace weir::expr {
namespace {

// Builds the output by choosing, per row, the vector named in `choice` (-1 = null).
VectorPtr pick(const DataTypePtr& type, const std::vector<VectorPtr>& sources, const std::vector<int>& choice) {
  size_t n = choice.size();
  int width = type->fixedWidth();
  if (width > 0 && type->id() != TypeId::kNull) {
    auto out = Vector::make(type);
    out->resize(n);
    std::vector<uint8_t> nulls(n, 0);
    uint8_t* dst = out->valuesVector().data();
    for (size_t i = 0; i < n; ++i) {
      int c = choice[i];
      if (c < 0 || sources[c]->isNull(i)) {
        nulls[i] = 1;
        continue;
      }
      std::memcpy(dst + i * width, sources[c]->values<uint8_t>() + i * width, width);
    }
    out->setNullMask(nulls.data(), n);
    return out;
  }
  auto out = Vector::make(type, n);
  for (size_t i = 0; i < n; ++i) {
    if (choice[i] < 0) out->appendNull();
    else out->appendFrom(*sources[choice[i]], i);
  }
  return out;
}

DataTypePtr commonType(const Expr& call, const std::vector<ExprPtr>& values) {
  DataTypePtr common = values[0]->type;
  for (size_t i = 1; i < values.size(); ++i) {
    auto w = widerType(common, values[i]->type);
    if (!w) {
      throw AnalysisError("DATATYPE_MISMATCH.DATA_DIFF_TYPES",
                          "Cannot resolve \"" + call.display + "\" due to data type mismatch: input to `" +
                              call.name + "` should all be the same type, but it's [" + common->sql() + ", " +
                              values[i]->type->sql() + "].");
    }
    common = w;
  }
  return common;
}

}  // namespace

void registerConditionals(FunctionRegistry& r) {
  // case_when(cond1, value1, cond2, value2, ..., [else]); options["else"] = "1" when an else is given.
  r.add("case_when", [](const Expr& call, std::vector<ExprPtr> args) {
    bool hasElse = call.options.count("else") > 0;
    size_t branches = (args.size() - (hasElse ? 1 : 0)) / 2;
    std::vector<ExprPtr> values;
    for (size_t b = 0; b < branches; ++b) {
      auto& cond = args[2 * b];
      if (cond->type->id() == TypeId::kNull) cond = castIfNeeded(cond, DataType::boolean());
      if (cond->type->id() != TypeId::kBoolean) throwTypeMismatch(call, 2 * b, "\"BOOLEAN\"");
      values.push_back(args[2 * b + 1]);
    }
    if (hasElse) values.push_back(args.back());
    DataTypePtr type = commonType(call, values);
    for (size_t b = 0; b < branches; ++b) args[2 * b + 1] = castIfNeeded(args[2 * b + 1], type);
    if (hasElse) args.back() = castIfNeeded(args.back(), type);
    return boundCall(call, std::move(args), type,
                     [hasElse](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&, size_t n) {
                       size_t branches = (in.size() - (hasElse ? 1 : 0)) / 2;
                       std::vector<int> choice(n, hasElse ? static_cast<int>(in.size() - 1) : -1);
                       std::vector<uint8_t> decided(n, 0);
                       for (size_t b = 0; b < branches; ++b) {
                         const Vector& cond = *in[2 * b];
                         for (size_t i = 0; i < n; ++i) {
                           if (!decided[i] && cond.isValid(i) && cond.valueAt<uint8_t>(i)) {
                             choice[i] = static_cast<int>(2 * b + 1);
                             decided[i] = 1;
                           }
                         }
                       }
                       return pick(self.type, in, choice);
                     });
  });

  r.add("coalesce", [](const Expr& call, std::vector<ExprPtr> args) {
    if (args.empty()) throw AnalysisError("WRONG_NUM_ARGS", "coalesce needs at least one argument");
    DataTypePtr type = commonType(call, args);
    bool nullable = true;
    for (auto& a : args) {
      a = castIfNeeded(a, type);
      if (!a->nullable) nullable = false;
    }
    return boundCall(call, std::move(args), type,
                     [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&, size_t n) {
                       std::vector<int> choice(n, -1);
                       for (size_t i = 0; i < n; ++i) {
                         for (size_t k = 0; k < in.size(); ++k) {
                           if (in[k]->typeId() != TypeId::kNull && in[k]->isValid(i)) {
                             choice[i] = static_cast<int>(k);
                             break;
                           }
                         }
                       }
                       return pick(self.type, in, choice);
                     },
                     nullable);
  });

  for (bool wantNull : {true, false}) {
    r.add(wantNull ? "isnull" : "isnotnull", [wantNull](const Expr& call, std::vector<ExprPtr> args) {
      return boundCall(call, std::move(args), DataType::boolean(),
                       [wantNull](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) -> VectorPtr {
                         auto out = Vector::make(DataType::boolean());
                         out->resize(n);
                         uint8_t* dst = out->mutableValues<uint8_t>();
                         bool allNull = in[0]->typeId() == TypeId::kNull;
                         for (size_t i = 0; i < n; ++i) {
                           bool isNull = allNull || in[0]->isNull(i);
                           dst[i] = wantNull ? isNull : !isNull;
                         }
                         return out;
                       },
                       false);
    });
  }

  r.add("isnan", [](const Expr& call, std::vector<ExprPtr> args) {
    auto a = castIfNeeded(args[0], DataType::doubleType());
    return boundCall(call, {a}, DataType::boolean(),
                     [](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) -> VectorPtr {
                       FixedWriter<uint8_t> w(DataType::boolean(), n);
                       for (size_t i = 0; i < n; ++i) {
                         w.set(i, in[0]->isValid(i) && std::isnan(in[0]->valueAt<double>(i)));
                       }
                       return w.finish();
                     },
                     false);
  });
}

}  // namespace weir::expr
