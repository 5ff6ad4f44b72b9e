// Arithmetic, comparison and boolean operators with Spark's coercion and SQL null semantics.
#include <cmath>
#include <limits>

#include "weir/expr/binder.h"
#include "weir/expr/function_registry.h"
#include "weir/expr/kernels.h"

namespace weir::expr {
namespace {

enum class Arith { kAdd, kSubtract, kMultiply, kDivide, kRemainder, kPmod };
enum class Compare { kEq, kNe, kLt, kLe, kGt, kGe };

int128_t pow10(int n) {
  int128_t v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

// Spark orders NaN above every other value and equal to itself; -0.0 equals 0.0.
template <class T>
int compareValues(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    bool na = std::isnan(a), nb = std::isnan(b);
    if (na || nb) return na == nb ? 0 : (na ? 1 : -1);
  }
  return a < b ? -1 : (b < a ? 1 : 0);
}

bool test(Compare op, int c) {
  switch (op) {
    case Compare::kEq: return c == 0;
    case Compare::kNe: return c != 0;
    case Compare::kLt: return c < 0;
    case Compare::kLe: return c <= 0;
    case Compare::kGt: return c > 0;
    case Compare::kGe: return c >= 0;
  }
  return false;
}

template <class T, Compare op>
void compareLoop(const Vector& a, const Vector& b, uint8_t* out, size_t n) {
  const T* x = a.values<T>();
  const T* y = b.values<T>();
  for (size_t i = 0; i < n; ++i) out[i] = test(op, compareValues<T>(x[i], y[i]));
}

template <Compare op>
void compareDispatch(const Vector& a, const Vector& b, uint8_t* out, size_t n) {
  TypeId id = a.typeId();
  switch (id) {
    case TypeId::kString:
    case TypeId::kBinary:
      for (size_t i = 0; i < n; ++i) {
        int c = a.stringAt(i).compare(b.stringAt(i));
        out[i] = test(op, c);
      }
      return;
    case TypeId::kStruct:
    case TypeId::kArray:
    case TypeId::kMap:
      for (size_t i = 0; i < n; ++i) {
        auto va = a.getValue(i), vb = b.getValue(i);
        out[i] = test(op, va == vb ? 0 : (va < vb ? -1 : 1));
      }
      return;
    default:
      dispatchFixed(id, [&](auto tag) {
        using T = typename decltype(tag)::type;
        compareLoop<T, op>(a, b, out, n);
      });
  }
}

VectorPtr compareKernel(Compare op, const Vector& a, const Vector& b, size_t n) {
  auto out = Vector::make(DataType::boolean());
  out->resize(n);
  uint8_t* dst = out->mutableValues<uint8_t>();
  switch (op) {
    case Compare::kEq: compareDispatch<Compare::kEq>(a, b, dst, n); break;
    case Compare::kNe: compareDispatch<Compare::kNe>(a, b, dst, n); break;
    case Compare::kLt: compareDispatch<Compare::kLt>(a, b, dst, n); break;
    case Compare::kLe: compareDispatch<Compare::kLe>(a, b, dst, n); break;
    case Compare::kGt: compareDispatch<Compare::kGt>(a, b, dst, n); break;
    case Compare::kGe: compareDispatch<Compare::kGe>(a, b, dst, n); break;
  }
  out->setValidityFrom({&a, &b});
  return out;
}

std::pair<ExprPtr, ExprPtr> coerceForComparison(const Expr& call, ExprPtr a, ExprPtr b) {
  auto common = comparisonType(a->type, b->type);
  if (!common) {
    throw AnalysisError("DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES",
                        "Cannot resolve \"" + call.display + "\" due to data type mismatch: the left and right "
                        "operands of the binary operator have incompatible types (\"" +
                            a->type->sql() + "\" and \"" + b->type->sql() + "\").");
  }
  if (common->id() == TypeId::kNull) common = DataType::boolean();
  return {castIfNeeded(a, common), castIfNeeded(b, common)};
}

void registerComparison(FunctionRegistry& r, const std::string& name, Compare op) {
  r.add(name, [op](const Expr& call, std::vector<ExprPtr> args) {
    auto [a, b] = coerceForComparison(call, args[0], args[1]);
    bool nullable = a->nullable || b->nullable;
    return boundCall(call, {a, b}, DataType::boolean(),
                     [op](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) {
                       return compareKernel(op, *in[0], *in[1], n);
                     },
                     nullable);
  });
}

// ----- arithmetic

DataTypePtr decimalResult(Arith op, const DataTypePtr& a, const DataTypePtr& b) {
  int p1 = a->precision(), s1 = a->scale(), p2 = b->precision(), s2 = b->scale();
  int precision = 0, scale = 0;
  switch (op) {
    case Arith::kAdd:
    case Arith::kSubtract:
      scale = std::max(s1, s2);
      precision = std::max(p1 - s1, p2 - s2) + scale + 1;
      break;
    case Arith::kMultiply:
      precision = p1 + p2 + 1;
      scale = s1 + s2;
      break;
    case Arith::kDivide:
      scale = std::max(6, s1 + p2 + 1);
      precision = p1 - s1 + s2 + scale;
      break;
    case Arith::kRemainder:
    case Arith::kPmod:
      scale = std::max(s1, s2);
      precision = std::min(p1 - s1, p2 - s2) + scale;
      break;
  }
  // Spark's adjustPrecisionScale (allowPrecisionLoss = true).
  if (precision > 38) {
    int intDigits = precision - scale;
    int minScale = std::min(scale, 6);
    scale = std::max(38 - intDigits, minScale);
    precision = 38;
  }
  return DataType::decimal(precision, scale);
}

int128_t rescale(int128_t v, int from, int to) {
  if (to >= from) return v * pow10(to - from);
  int128_t div = pow10(from - to);
  int128_t q = v / div, r = v % div;
  if (r * 2 >= div) ++q;
  else if (-r * 2 >= div) --q;
  return q;
}

VectorPtr decimalArithmetic(Arith op, const Vector& a, const Vector& b, const DataTypePtr& out, size_t n) {
  FixedWriter<int128_t> w(out, n);
  int s1 = a.type()->scale(), s2 = b.type()->scale(), rs = out->scale();
  int128_t limit = pow10(out->precision());
  for (size_t i = 0; i < n; ++i) {
    if (a.isNull(i) || b.isNull(i)) {
      w.setNull(i);
      continue;
    }
    int128_t x = a.valueAt<int128_t>(i), y = b.valueAt<int128_t>(i), r = 0;
    bool ok = true;
    switch (op) {
      case Arith::kAdd:
      case Arith::kSubtract: {
        int s = std::max(s1, s2);
        int128_t xs = rescale(x, s1, s), ys = rescale(y, s2, s);
        r = rescale(op == Arith::kAdd ? xs + ys : xs - ys, s, rs);
        break;
      }
      case Arith::kMultiply: {
        int128_t prod;
        if (__builtin_mul_overflow(x, y, &prod)) ok = false;
        else r = rescale(prod, s1 + s2, rs);
        break;
      }
      case Arith::kDivide: {
        if (y == 0) {
          ok = false;
          break;
        }
        // x/10^s1 / (y/10^s2) * 10^rs = x * 10^(rs - s1 + s2) / y, rounded half up.
        int shift = rs - s1 + s2;
        int128_t num;
        if (shift >= 0) {
          if (__builtin_mul_overflow(x, pow10(shift), &num)) {
            long double q = static_cast<long double>(x) / static_cast<long double>(y) *
                            std::pow(10.0L, shift);
            r = static_cast<int128_t>(std::round(q));
            break;
          }
        } else {
          num = x / pow10(-shift);
        }
        int128_t q = num / y, rem = num % y;
        if ((rem < 0 ? -rem : rem) * 2 >= (y < 0 ? -y : y)) q += ((num < 0) != (y < 0)) ? -1 : 1;
        r = q;
        break;
      }
      case Arith::kRemainder:
      case Arith::kPmod: {
        if (y == 0) {
          ok = false;
          break;
        }
        int s = std::max(s1, s2);
        int128_t xs = rescale(x, s1, s), ys = rescale(y, s2, s);
        int128_t m = xs % ys;
        if (op == Arith::kPmod && m < 0) m = (m + ys) % ys;
        r = rescale(m, s, rs);
        break;
      }
    }
    if (!ok || r >= limit || r <= -limit) w.setNull(i);
    else w.set(i, r);
  }
  return w.finish();
}

template <class T>
VectorPtr numericArithmetic(Arith op, const Vector& a, const Vector& b, const DataTypePtr& outType, size_t n) {
  using U = std::make_unsigned_t<std::conditional_t<std::is_integral_v<T>, T, int>>;
  switch (op) {
    case Arith::kAdd:
      if constexpr (std::is_integral_v<T>) {
        return mapBinary<T, T, T>(a, b, outType, [](T x, T y) { return static_cast<T>(static_cast<U>(x) + static_cast<U>(y)); });
      } else {
        return mapBinary<T, T, T>(a, b, outType, [](T x, T y) { return x + y; });
      }
    case Arith::kSubtract:
      if constexpr (std::is_integral_v<T>) {
        return mapBinary<T, T, T>(a, b, outType, [](T x, T y) { return static_cast<T>(static_cast<U>(x) - static_cast<U>(y)); });
      } else {
        return mapBinary<T, T, T>(a, b, outType, [](T x, T y) { return x - y; });
      }
    case Arith::kMultiply:
      if constexpr (std::is_integral_v<T>) {
        return mapBinary<T, T, T>(a, b, outType, [](T x, T y) { return static_cast<T>(static_cast<U>(x) * static_cast<U>(y)); });
      } else {
        return mapBinary<T, T, T>(a, b, outType, [](T x, T y) { return x * y; });
      }
    case Arith::kDivide: {
      // Always on doubles (the binder casts); division by zero is null.
      FixedWriter<T> w(outType, n);
      const T* x = a.values<T>();
      const T* y = b.values<T>();
      for (size_t i = 0; i < n; ++i) {
        if (a.isNull(i) || b.isNull(i) || y[i] == 0) w.setNull(i);
        else w.set(i, x[i] / y[i]);
      }
      return w.finish();
    }
    case Arith::kRemainder:
    case Arith::kPmod: {
      FixedWriter<T> w(outType, n);
      const T* x = a.values<T>();
      const T* y = b.values<T>();
      for (size_t i = 0; i < n; ++i) {
        if (a.isNull(i) || b.isNull(i) || y[i] == 0) {
          w.setNull(i);
          continue;
        }
        T m;
        if constexpr (std::is_integral_v<T>) {
          m = (y[i] == -1) ? 0 : static_cast<T>(x[i] % y[i]);
          if (op == Arith::kPmod && m < 0) m = static_cast<T>((m + y[i]) % y[i]);
        } else {
          m = std::fmod(x[i], y[i]);
          if (op == Arith::kPmod && m < 0) m = std::fmod(m + y[i], y[i]);
        }
        w.set(i, m);
      }
      return w.finish();
    }
  }
  throw InternalError("INTERNAL_ERROR", "unknown arithmetic operator");
}

void registerArithmetic(FunctionRegistry& r, const std::string& name, Arith op) {
  r.add(name, [op, name](const Expr& call, std::vector<ExprPtr> args) {
    auto a = args[0], b = args[1];
    auto numericOrString = [&](const ExprPtr& e) {
      // Non-ANSI: strings in arithmetic are cast to double.
      if (e->type->id() == TypeId::kString) return castIfNeeded(e, DataType::doubleType());
      if (e->type->id() == TypeId::kNull) return castIfNeeded(e, DataType::integer());
      return e;
    };
    a = numericOrString(a);
    b = numericOrString(b);
    if (!a->type->isNumeric()) throwTypeMismatch(call, 0, "\"NUMERIC\"");
    if (!b->type->isNumeric()) throwTypeMismatch(call, 1, "\"NUMERIC\"");
    DataTypePtr common = widerType(a->type, b->type);
    bool decimal = common->id() == TypeId::kDecimal;
    DataTypePtr outType;
    if (decimal) {
      auto da = decimalOf(a->type), db = decimalOf(b->type);
      a = castIfNeeded(a, da);
      b = castIfNeeded(b, db);
      outType = decimalResult(op, da, db);
    } else {
      if (op == Arith::kDivide) common = DataType::doubleType();
      a = castIfNeeded(a, common);
      b = castIfNeeded(b, common);
      outType = common;
    }
    bool nullable = true;
    if (op == Arith::kAdd || op == Arith::kSubtract || op == Arith::kMultiply) {
      nullable = a->nullable || b->nullable || decimal;
    }
    return boundCall(call, {a, b}, outType,
                     [op](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&, size_t n) -> VectorPtr {
                       if (self.type->id() == TypeId::kDecimal) {
                         return decimalArithmetic(op, *in[0], *in[1], self.type, n);
                       }
                       return dispatchNumeric(self.type->id(), [&](auto tag) -> VectorPtr {
                         using T = typename decltype(tag)::type;
                         return numericArithmetic<T>(op, *in[0], *in[1], self.type, n);
                       });
                     },
                     nullable);
  });
}

// ----- boolean logic (three-valued)

VectorPtr andOr(bool isAnd, const Vector& a, const Vector& b, size_t n) {
  FixedWriter<uint8_t> w(DataType::boolean(), n);
  const uint8_t* x = a.values<uint8_t>();
  const uint8_t* y = b.values<uint8_t>();
  bool aNullType = a.typeId() == TypeId::kNull, bNullType = b.typeId() == TypeId::kNull;
  for (size_t i = 0; i < n; ++i) {
    bool an = aNullType || a.isNull(i), bn = bNullType || b.isNull(i);
    bool av = !an && x[i], bv = !bn && y[i];
    if (isAnd) {
      if ((!an && !av) || (!bn && !bv)) w.set(i, 0);
      else if (an || bn) w.setNull(i);
      else w.set(i, 1);
    } else {
      if (av || bv) w.set(i, 1);
      else if (an || bn) w.setNull(i);
      else w.set(i, 0);
    }
  }
  return w.finish();
}

ExprPtr requireBoolean(const Expr& call, const ExprPtr& e, size_t index) {
  if (e->type->id() == TypeId::kNull) return castIfNeeded(e, DataType::boolean());
  if (e->type->id() != TypeId::kBoolean) throwTypeMismatch(call, index, "\"BOOLEAN\"");
  return e;
}

}  // namespace

void registerOperators(FunctionRegistry& r) {
  registerArithmetic(r, "add", Arith::kAdd);
  registerArithmetic(r, "subtract", Arith::kSubtract);
  registerArithmetic(r, "multiply", Arith::kMultiply);
  registerArithmetic(r, "divide", Arith::kDivide);
  registerArithmetic(r, "remainder", Arith::kRemainder);
  registerArithmetic(r, "pmod", Arith::kPmod);
  registerComparison(r, "equal_to", Compare::kEq);
  registerComparison(r, "not_equal_to", Compare::kNe);
  registerComparison(r, "less_than", Compare::kLt);
  registerComparison(r, "less_than_or_equal", Compare::kLe);
  registerComparison(r, "greater_than", Compare::kGt);
  registerComparison(r, "greater_than_or_equal", Compare::kGe);

  r.add("eq_null_safe", [](const Expr& call, std::vector<ExprPtr> args) {
    auto [a, b] = coerceForComparison(call, args[0], args[1]);
    return boundCall(call, {a, b}, DataType::boolean(),
                     [](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) -> VectorPtr {
                       auto eq = compareKernel(Compare::kEq, *in[0], *in[1], n);
                       FixedWriter<uint8_t> w(DataType::boolean(), n);
                       for (size_t i = 0; i < n; ++i) {
                         bool an = in[0]->isNull(i) || in[0]->typeId() == TypeId::kNull;
                         bool bn = in[1]->isNull(i) || in[1]->typeId() == TypeId::kNull;
                         if (an || bn) w.set(i, an && bn);
                         else w.set(i, eq->valueAt<uint8_t>(i));
                       }
                       return w.finish();
                     },
                     false);
  });

  for (bool isAnd : {true, false}) {
    r.add(isAnd ? "and" : "or", [isAnd](const Expr& call, std::vector<ExprPtr> args) {
      auto a = requireBoolean(call, args[0], 0), b = requireBoolean(call, args[1], 1);
      bool nullable = a->nullable || b->nullable;
      return boundCall(call, {a, b}, DataType::boolean(),
                       [isAnd](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) {
                         return andOr(isAnd, *in[0], *in[1], n);
                       },
                       nullable);
    });
  }

  r.add("not", [](const Expr& call, std::vector<ExprPtr> args) {
    auto a = requireBoolean(call, args[0], 0);
    bool nullable = a->nullable;
    return boundCall(call, {a}, DataType::boolean(),
                     [](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t) -> VectorPtr {
                       return mapUnary<uint8_t, uint8_t>(*in[0], DataType::boolean(),
                                                         [](uint8_t v) -> uint8_t { return !v; });
                     },
                     nullable);
  });

  r.add("negative", [](const Expr& call, std::vector<ExprPtr> args) {
    auto a = args[0];
    if (a->type->id() == TypeId::kString) a = castIfNeeded(a, DataType::doubleType());
    if (!a->type->isNumeric()) throwTypeMismatch(call, 0, "\"NUMERIC\"");
    bool nullable = a->nullable;
    return boundCall(call, {a}, a->type,
                     [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&, size_t) -> VectorPtr {
                       if (self.type->id() == TypeId::kDecimal) {
                         return mapUnary<int128_t, int128_t>(*in[0], self.type, [](int128_t v) { return -v; });
                       }
                       return dispatchNumeric(self.type->id(), [&](auto tag) -> VectorPtr {
                         using T = typename decltype(tag)::type;
                         return mapUnary<T, T>(*in[0], self.type, [](T v) {
                           if constexpr (std::is_integral_v<T>) {
                             return static_cast<T>(-static_cast<std::make_unsigned_t<T>>(v));
                           } else {
                             return -v;
                           }
                         });
                       });
                     },
                     nullable);
  });

  // in(value, list...): true if equal to any; null if no match and any side is null.
  r.add("in", [](const Expr& call, std::vector<ExprPtr> args) {
    DataTypePtr common = args[0]->type;
    for (size_t i = 1; i < args.size(); ++i) {
      auto c = comparisonType(common, args[i]->type);
      if (!c) {
        throw AnalysisError("DATATYPE_MISMATCH.DATA_DIFF_TYPES",
                            "Cannot resolve \"" + call.display + "\" due to data type mismatch: input to `in` "
                            "should all be the same type, but it's [" + args[0]->type->sql() + ", " +
                                args[i]->type->sql() + "].");
      }
      common = c;
    }
    if (common->id() == TypeId::kNull) common = DataType::string();
    for (auto& a : args) a = castIfNeeded(a, common);
    return boundCall(call, std::move(args), DataType::boolean(),
                     [](const std::vector<VectorPtr>& in, const Expr&, EvalContext&, size_t n) -> VectorPtr {
                       std::vector<uint8_t> found(n, 0), sawNull(n, 0);
                       for (size_t k = 1; k < in.size(); ++k) {
                         auto eq = compareKernel(Compare::kEq, *in[0], *in[k], n);
                         for (size_t i = 0; i < n; ++i) {
                           if (eq->isNull(i)) sawNull[i] = 1;
                           else if (eq->valueAt<uint8_t>(i)) found[i] = 1;
                         }
                       }
                       FixedWriter<uint8_t> w(DataType::boolean(), n);
                       for (size_t i = 0; i < n; ++i) {
                         if (in[0]->isNull(i)) w.setNull(i);
                         else if (found[i]) w.set(i, 1);
                         else if (sawNull[i]) w.setNull(i);
                         else w.set(i, 0);
                       }
                       return w.finish();
                     });
  });
}

}  // namespace weir::expr
