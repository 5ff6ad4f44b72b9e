// CAST kernels, one tight loop per (from, to) pair family.
#include "weir/expr/cast.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "weir/base/time.h"
#include "weir/expr/binder.h"
#include "weir/expr/function_registry.h"
#include "weir/expr/kernels.h"

namespace weir::expr {
namespace {

using columnar::Decimal;

std::string_view trimSpaces(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  return s;
}

// Spark's UTF8String.toLong: optional sign, digits, optional '.' followed by digits (truncated).
bool parseIntegral(std::string_view s, int64_t minValue, int64_t maxValue, int64_t& out) {
  s = trimSpaces(s);
  if (s.empty()) return false;
  bool negative = false;
  size_t i = 0;
  if (s[0] == '-' || s[0] == '+') negative = s[0] == '-', ++i;
  if (i >= s.size()) return false;
  __int128 value = 0;
  size_t digits = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) {
    value = value * 10 + (s[i] - '0');
    if (value > static_cast<__int128>(maxValue) + 1) return false;
  }
  if (i < s.size()) {
    if (s[i] != '.') return false;
    ++i;
    for (; i < s.size(); ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
    }
  }
  if (digits == 0) return false;
  if (negative) value = -value;
  if (value < minValue || value > maxValue) return false;
  out = static_cast<int64_t>(value);
  return true;
}

bool parseDouble(std::string_view s, double& out) {
  s = trimSpaces(s);
  if (s.empty()) return false;
  if (s.back() == 'd' || s.back() == 'D' || s.back() == 'f' || s.back() == 'F') s.remove_suffix(1);
  std::string_view body = s;
  if (!body.empty() && body[0] == '+') body.remove_prefix(1);
  auto lowerEq = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
    }
    return true;
  };
  std::string_view unsignedBody = body;
  bool negative = false;
  if (!unsignedBody.empty() && unsignedBody[0] == '-') negative = true, unsignedBody.remove_prefix(1);
  if (lowerEq(unsignedBody, "infinity") || lowerEq(unsignedBody, "inf")) {
    out = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (lowerEq(unsignedBody, "nan")) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  auto r = std::from_chars(body.data(), body.data() + body.size(), out);
  return r.ec == std::errc() && r.ptr == body.data() + body.size();
}

bool parseBoolean(std::string_view s, uint8_t& out) {
  s = trimSpaces(s);
  std::string l(s);
  for (auto& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (l == "t" || l == "true" || l == "y" || l == "yes" || l == "1") return out = 1, true;
  if (l == "f" || l == "false" || l == "n" || l == "no" || l == "0") return out = 0, true;
  return false;
}

int128_t pow10(int n) {
  int128_t v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

// Java's narrowing of a floating value to an integral type: NaN is 0, out of range saturates.
template <class T>
T saturate(double v) {
  if (std::isnan(v)) return 0;
  if (v >= static_cast<double>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  if (v <= static_cast<double>(std::numeric_limits<T>::min())) return std::numeric_limits<T>::min();
  return static_cast<T>(v);
}

template <class T>
T narrowIntegral(double v) {
  // Java: double -> int/long saturates; -> byte/short goes through int then wraps.
  if constexpr (sizeof(T) < 4) {
    return static_cast<T>(saturate<int32_t>(v));
  } else {
    return saturate<T>(v);
  }
}

VectorPtr fromString(const Vector& in, const DataTypePtr& to) {
  size_t n = in.size();
  switch (to->id()) {
    case TypeId::kBinary: {
      auto out = Vector::make(to);
      out->appendRange(in, 0, n);
      return out;
    }
    case TypeId::kBoolean: {
      FixedWriter<uint8_t> w(to, n);
      for (size_t i = 0; i < n; ++i) {
        uint8_t b;
        if (in.isNull(i) || !parseBoolean(in.stringAt(i), b)) w.setNull(i);
        else w.set(i, b);
      }
      return w.finish();
    }
    case TypeId::kByte:
    case TypeId::kShort:
    case TypeId::kInteger:
    case TypeId::kLong:
      return dispatchNumeric(to->id(), [&](auto tag) -> VectorPtr {
        using T = typename decltype(tag)::type;
        FixedWriter<T> w(to, n);
        if constexpr (std::is_integral_v<T>) {
          for (size_t i = 0; i < n; ++i) {
            int64_t v;
            if (in.isNull(i) ||
                !parseIntegral(in.stringAt(i), std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), v)) {
              w.setNull(i);
            } else {
              w.set(i, static_cast<T>(v));
            }
          }
        }
        return w.finish();
      });
    case TypeId::kFloat:
    case TypeId::kDouble:
      return dispatchNumeric(to->id(), [&](auto tag) -> VectorPtr {
        using T = typename decltype(tag)::type;
        FixedWriter<T> w(to, n);
        for (size_t i = 0; i < n; ++i) {
          double v;
          if (in.isNull(i) || !parseDouble(in.stringAt(i), v)) w.setNull(i);
          else w.set(i, static_cast<T>(v));
        }
        return w.finish();
      });
    case TypeId::kDecimal: {
      FixedWriter<int128_t> w(to, n);
      for (size_t i = 0; i < n; ++i) {
        int128_t v;
        if (in.isNull(i) || !Decimal::parse(in.stringAt(i), to->precision(), to->scale(), v)) w.setNull(i);
        else w.set(i, v);
      }
      return w.finish();
    }
    case TypeId::kDate: {
      FixedWriter<int32_t> w(to, n);
      for (size_t i = 0; i < n; ++i) {
        auto d = in.isNull(i) ? std::nullopt : base::parseDate(in.stringAt(i));
        if (!d) w.setNull(i);
        else w.set(i, *d);
      }
      return w.finish();
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz: {
      bool ntz = to->id() == TypeId::kTimestampNtz;
      FixedWriter<int64_t> w(to, n);
      for (size_t i = 0; i < n; ++i) {
        auto t = in.isNull(i) ? std::nullopt : base::parseTimestamp(in.stringAt(i), ntz);
        if (!t) w.setNull(i);
        else w.set(i, *t);
      }
      return w.finish();
    }
    default:
      break;
  }
  throw AnalysisError("DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION",
                      "Cannot cast STRING to " + to->sql() + ".");
}

VectorPtr toStringVector(const Vector& in, const DataTypePtr& to) {
  size_t n = in.size();
  StringWriter w(to, n);
  char buf[64];
  auto appendIntegral = [&](int64_t v) {
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    w.append(std::string_view(buf, r.ptr - buf));
  };
  for (size_t i = 0; i < n; ++i) {
    if (in.isNull(i)) {
      w.appendNull();
      continue;
    }
    switch (in.typeId()) {
      case TypeId::kByte: appendIntegral(in.valueAt<int8_t>(i)); break;
      case TypeId::kShort: appendIntegral(in.valueAt<int16_t>(i)); break;
      case TypeId::kInteger: appendIntegral(in.valueAt<int32_t>(i)); break;
      case TypeId::kLong: appendIntegral(in.valueAt<int64_t>(i)); break;
      case TypeId::kBinary: w.append(in.stringAt(i)); break;
      case TypeId::kDate: w.append(base::formatDate(in.valueAt<int32_t>(i))); break;
      case TypeId::kTimestamp:
      case TypeId::kTimestampNtz: w.append(base::formatTimestamp(in.valueAt<int64_t>(i))); break;
      default: w.append(in.toString(i)); break;
    }
  }
  return w.finish();
}

// Numeric, boolean, decimal, date and timestamp conversions among fixed-width types.
VectorPtr fixedToFixed(const Vector& in, const DataTypePtr& to) {
  TypeId from = in.typeId();
  size_t n = in.size();
  // Read any fixed-width source as double, int64 or int128 depending on the pair.
  auto readDouble = [&](size_t i) -> double {
    switch (from) {
      case TypeId::kBoolean: return in.valueAt<uint8_t>(i);
      case TypeId::kByte: return in.valueAt<int8_t>(i);
      case TypeId::kShort: return in.valueAt<int16_t>(i);
      case TypeId::kInteger: return in.valueAt<int32_t>(i);
      case TypeId::kLong: return static_cast<double>(in.valueAt<int64_t>(i));
      case TypeId::kFloat: return in.valueAt<float>(i);
      case TypeId::kDouble: return in.valueAt<double>(i);
      case TypeId::kDecimal:
        return static_cast<double>(in.valueAt<int128_t>(i)) / std::pow(10.0, in.type()->scale());
      case TypeId::kTimestamp:
      case TypeId::kTimestampNtz: return static_cast<double>(in.valueAt<int64_t>(i)) / 1e6;
      default: return 0;
    }
  };
  auto readLong = [&](size_t i) -> int64_t {
    switch (from) {
      case TypeId::kBoolean: return in.valueAt<uint8_t>(i);
      case TypeId::kByte: return in.valueAt<int8_t>(i);
      case TypeId::kShort: return in.valueAt<int16_t>(i);
      case TypeId::kInteger: return in.valueAt<int32_t>(i);
      case TypeId::kLong: return in.valueAt<int64_t>(i);
      case TypeId::kDecimal: return static_cast<int64_t>(in.valueAt<int128_t>(i) / pow10(in.type()->scale()));
      case TypeId::kTimestamp:
      case TypeId::kTimestampNtz: {
        int64_t micros = in.valueAt<int64_t>(i);
        int64_t secs = micros / 1'000'000;
        if (micros % 1'000'000 < 0) --secs;
        return secs;
      }
      default: return static_cast<int64_t>(readDouble(i));
    }
  };
  bool fromFloating = from == TypeId::kFloat || from == TypeId::kDouble;
  switch (to->id()) {
    case TypeId::kBoolean: {
      FixedWriter<uint8_t> w(to, n);
      for (size_t i = 0; i < n; ++i) {
        if (in.isNull(i)) w.setNull(i);
        else if (from == TypeId::kDecimal) w.set(i, in.valueAt<int128_t>(i) != 0);
        else w.set(i, fromFloating ? readDouble(i) != 0 : readLong(i) != 0);
      }
      return w.finish();
    }
    case TypeId::kByte:
    case TypeId::kShort:
    case TypeId::kInteger:
    case TypeId::kLong:
      return dispatchNumeric(to->id(), [&](auto tag) -> VectorPtr {
        using T = typename decltype(tag)::type;
        FixedWriter<T> w(to, n);
        for (size_t i = 0; i < n; ++i) {
          if (in.isNull(i)) {
            w.setNull(i);
          } else if (fromFloating) {
            w.set(i, narrowIntegral<T>(readDouble(i)));
          } else if (from == TypeId::kDecimal) {
            int128_t v = in.valueAt<int128_t>(i) / pow10(in.type()->scale());
            if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) w.setNull(i);
            else w.set(i, static_cast<T>(v));
          } else {
            w.set(i, static_cast<T>(readLong(i)));
          }
        }
        return w.finish();
      });
    case TypeId::kFloat:
    case TypeId::kDouble:
      return dispatchNumeric(to->id(), [&](auto tag) -> VectorPtr {
        using T = typename decltype(tag)::type;
        FixedWriter<T> w(to, n);
        for (size_t i = 0; i < n; ++i) {
          if (in.isNull(i)) w.setNull(i);
          else if (from == TypeId::kLong) w.set(i, static_cast<T>(in.valueAt<int64_t>(i)));
          else w.set(i, static_cast<T>(readDouble(i)));
        }
        return w.finish();
      });
    case TypeId::kDecimal: {
      FixedWriter<int128_t> w(to, n);
      int128_t limit = pow10(to->precision());
      for (size_t i = 0; i < n; ++i) {
        if (in.isNull(i)) {
          w.setNull(i);
          continue;
        }
        int128_t v;
        if (from == TypeId::kDecimal) {
          v = in.valueAt<int128_t>(i);
          int fromScale = in.type()->scale();
          if (to->scale() >= fromScale) {
            v *= pow10(to->scale() - fromScale);
          } else {
            int128_t div = pow10(fromScale - to->scale());
            int128_t q = v / div, r = v % div;
            if (r * 2 >= div) ++q;
            else if (-r * 2 >= div) --q;
            v = q;
          }
        } else if (fromFloating) {
          double d = readDouble(i);
          if (std::isnan(d) || std::isinf(d)) {
            w.setNull(i);
            continue;
          }
          long double scaled = std::round(static_cast<long double>(d) * std::pow(10.0L, to->scale()));
          if (std::fabs(scaled) >= 1e38L) {
            w.setNull(i);
            continue;
          }
          v = static_cast<int128_t>(scaled);
        } else {
          v = static_cast<int128_t>(readLong(i)) * pow10(to->scale());
        }
        if (v >= limit || v <= -limit) w.setNull(i);
        else w.set(i, v);
      }
      return w.finish();
    }
    case TypeId::kDate: {
      FixedWriter<int32_t> w(to, n);
      for (size_t i = 0; i < n; ++i) {
        if (in.isNull(i)) w.setNull(i);
        else w.set(i, base::microsToDays(in.valueAt<int64_t>(i)));
      }
      return w.finish();
    }
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz: {
      FixedWriter<int64_t> w(to, n);
      for (size_t i = 0; i < n; ++i) {
        if (in.isNull(i)) {
          w.setNull(i);
        } else if (from == TypeId::kDate) {
          w.set(i, static_cast<int64_t>(in.valueAt<int32_t>(i)) * base::kMicrosPerDay);
        } else if (from == TypeId::kTimestamp || from == TypeId::kTimestampNtz) {
          w.set(i, in.valueAt<int64_t>(i));
        } else if (fromFloating) {
          double d = readDouble(i);
          if (std::isnan(d) || std::isinf(d)) w.setNull(i);
          else w.set(i, static_cast<int64_t>(d * 1e6));
        } else {
          w.set(i, readLong(i) * 1'000'000);
        }
      }
      return w.finish();
    }
    default:
      break;
  }
  throw AnalysisError("DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION",
                      "Cannot cast " + in.type()->sql() + " to " + to->sql() + ".");
}

}  // namespace

bool canCast(const DataType& from, const DataType& to) {
  if (from.equals(to, true) || from.id() == TypeId::kNull) return true;
  TypeId f = from.id(), t = to.id();
  if (t == TypeId::kString) return true;
  if (f == TypeId::kString) return !to.isNested();
  auto numericish = [](TypeId id) {
    return id == TypeId::kBoolean || id == TypeId::kByte || id == TypeId::kShort || id == TypeId::kInteger ||
           id == TypeId::kLong || id == TypeId::kFloat || id == TypeId::kDouble || id == TypeId::kDecimal;
  };
  bool fromTime = f == TypeId::kTimestamp || f == TypeId::kTimestampNtz;
  bool toTime = t == TypeId::kTimestamp || t == TypeId::kTimestampNtz;
  if (numericish(f) && numericish(t)) return true;
  if (fromTime && (numericish(t) || t == TypeId::kDate || toTime)) return true;
  if (toTime && (numericish(f) || f == TypeId::kDate)) return true;
  if (f == TypeId::kDate && t == TypeId::kDate) return true;
  if (f == TypeId::kStruct && t == TypeId::kStruct && from.fields().size() == to.fields().size()) {
    for (size_t i = 0; i < from.fields().size(); ++i) {
      if (!canCast(*from.fields()[i].type, *to.fields()[i].type)) return false;
    }
    return true;
  }
  if (f == TypeId::kArray && t == TypeId::kArray) return canCast(*from.elementType(), *to.elementType());
  if (f == TypeId::kMap && t == TypeId::kMap) {
    return canCast(*from.keyType(), *to.keyType()) && canCast(*from.valueType(), *to.valueType());
  }
  return false;
}

VectorPtr castVector(const VectorPtr& in, const DataTypePtr& to) {
  const DataType& from = *in->type();
  if (from.equals(*to, true)) {
    if (from.equals(*to)) return in;
    auto out = Vector::make(to);
    out->appendRange(*in, 0, in->size());
    return out;
  }
  if (!canCast(from, *to)) {
    throw AnalysisError("DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION",
                        "Cannot cast " + from.sql() + " to " + to->sql() + ".");
  }
  size_t n = in->size();
  if (from.id() == TypeId::kNull) return Vector::nulls(to, n);
  if (to->id() == TypeId::kString) return toStringVector(*in, to);
  if (from.id() == TypeId::kString) return fromString(*in, to);
  if (to->id() == TypeId::kStruct) {
    auto out = Vector::make(to);
    for (size_t c = 0; c < to->fields().size(); ++c) {
      auto child = castVector(in->childPtr(c), to->fields()[c].type);
      out->mutableChild(c).appendRange(*child, 0, n);
    }
    out->resize(n);
    out->setValidityFrom({in.get()});
    return out;
  }
  if (to->id() == TypeId::kArray || to->id() == TypeId::kMap) {
    auto out = Vector::make(to);
    for (size_t c = 0; c < in->numChildren(); ++c) {
      auto childType = to->id() == TypeId::kArray ? to->elementType() : (c == 0 ? to->keyType() : to->valueType());
      auto child = castVector(in->childPtr(c), childType);
      out->mutableChild(c).appendRange(*child, 0, child->size());
    }
    auto& offsets = out->offsetsVector();
    offsets.assign(in->offsets(), in->offsets() + n + 1);
    out->setSizeUnchecked(n);
    out->setValidityFrom({in.get()});
    return out;
  }
  return fixedToFixed(*in, to);
}

void registerCast(FunctionRegistry& registry) {
  registry.add("cast", [](const Expr& call, std::vector<ExprPtr> args) {
    if (args.size() != 1 || !call.schemaArg) {
      throw AnalysisError("WRONG_NUM_ARGS", "cast takes one argument and a target type");
    }
    const auto& to = call.schemaArg;
    if (!canCast(*args[0]->type, *to)) {
      throw AnalysisError("DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION",
                          "Cannot resolve \"" + call.display + "\" due to data type mismatch: cannot cast " +
                              args[0]->type->sql() + " to " + to->sql() + ".");
    }
    auto display = "CAST(" + args[0]->display + " AS " + to->sql() + ")";
    auto bound = std::const_pointer_cast<Expr>(boundCall(
        call, std::move(args), to,
        [](const std::vector<VectorPtr>& in, const Expr& self, EvalContext&, size_t) {
          return castVector(in[0], self.type);
        }));
    bound->display = display;
    return bound;
  });
}

}  // namespace weir::expr
