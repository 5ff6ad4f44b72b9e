// Building blocks for vectorized kernels: type dispatch done once per batch, and tight loops over
// whole vectors with null propagation. Function families use these instead of per-row dispatch.
#pragma once

#include <string>
#include <string_view>
#include <type_traits>

#include "weir/base/error.h"
#include "weir/columnar/vector.h"
#include "weir/types/data_type.h"

namespace weir::expr {

using columnar::int128_t;
using columnar::MutableVectorPtr;
using columnar::Vector;
using columnar::VectorPtr;
using types::DataType;
using types::DataTypePtr;
using types::TypeId;

template <class T>
struct TypeTag {
  using type = T;
};

/// Calls fn(TypeTag<T>{}) with the C++ type holding values of a fixed-width type id.
template <class F>
decltype(auto) dispatchFixed(TypeId id, F&& fn) {
  switch (id) {
    case TypeId::kBoolean: return fn(TypeTag<uint8_t>{});
    case TypeId::kByte: return fn(TypeTag<int8_t>{});
    case TypeId::kShort: return fn(TypeTag<int16_t>{});
    case TypeId::kInteger:
    case TypeId::kDate: return fn(TypeTag<int32_t>{});
    case TypeId::kLong:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz: return fn(TypeTag<int64_t>{});
    case TypeId::kFloat: return fn(TypeTag<float>{});
    case TypeId::kDouble: return fn(TypeTag<double>{});
    case TypeId::kDecimal: return fn(TypeTag<int128_t>{});
    default:
      throw InternalError("INTERNAL_ERROR", "dispatchFixed on a variable-width type");
  }
}

/// Same for the numeric types only (byte, short, int, long, float, double).
template <class F>
decltype(auto) dispatchNumeric(TypeId id, F&& fn) {
  switch (id) {
    case TypeId::kByte: return fn(TypeTag<int8_t>{});
    case TypeId::kShort: return fn(TypeTag<int16_t>{});
    case TypeId::kInteger: return fn(TypeTag<int32_t>{});
    case TypeId::kLong: return fn(TypeTag<int64_t>{});
    case TypeId::kFloat: return fn(TypeTag<float>{});
    case TypeId::kDouble: return fn(TypeTag<double>{});
    default:
      throw InternalError("INTERNAL_ERROR", "dispatchNumeric on a non-numeric type");
  }
}

/// out[i] = fn(in[i]) for a fixed-width input and output; nulls propagate.
template <class In, class Out, class F>
MutableVectorPtr mapUnary(const Vector& in, DataTypePtr outType, F fn) {
  auto out = Vector::make(std::move(outType));
  size_t n = in.size();
  out->resize(n);
  const In* src = in.values<In>();
  Out* dst = out->mutableValues<Out>();
  for (size_t i = 0; i < n; ++i) dst[i] = fn(src[i]);
  out->setValidityFrom({&in});
  return out;
}

/// out[i] = fn(a[i], b[i]); nulls propagate.
template <class A, class B, class Out, class F>
MutableVectorPtr mapBinary(const Vector& a, const Vector& b, DataTypePtr outType, F fn) {
  auto out = Vector::make(std::move(outType));
  size_t n = a.size();
  out->resize(n);
  const A* x = a.values<A>();
  const B* y = b.values<B>();
  Out* dst = out->mutableValues<Out>();
  for (size_t i = 0; i < n; ++i) dst[i] = fn(x[i], y[i]);
  out->setValidityFrom({&a, &b});
  return out;
}

/// Like mapUnary but fn(value, out&) returns false to make the result null.
template <class In, class Out, class F>
MutableVectorPtr mapUnaryNullable(const Vector& in, DataTypePtr outType, F fn) {
  auto out = Vector::make(std::move(outType));
  size_t n = in.size();
  out->resize(n);
  const In* src = in.values<In>();
  Out* dst = out->mutableValues<Out>();
  std::vector<uint8_t> nulls(n, 0);
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    if (in.isNull(i)) {
      nulls[i] = 1, any = true;
      continue;
    }
    if (!fn(src[i], dst[i])) nulls[i] = 1, any = true;
  }
  if (any) out->setNullMask(nulls.data(), n);
  return out;
}

/// Builds a string or binary vector row by row; append or appendNull once per row.
class StringWriter {
 public:
  StringWriter(DataTypePtr type, size_t rows) : out_(Vector::make(std::move(type))) {
    out_->offsetsVector().reserve(rows + 1);
    nulls_.reserve(rows);
  }
  void append(std::string_view s) {
    out_->mutableBytes().append(s.data(), s.size());
    out_->offsetsVector().push_back(static_cast<uint32_t>(out_->mutableBytes().size()));
    nulls_.push_back(0);
  }
  /// Appends the bytes written into buffer() since the previous row.
  columnar::ByteBuffer& buffer() { return out_->mutableBytes(); }
  void finishRow() {
    out_->offsetsVector().push_back(static_cast<uint32_t>(out_->mutableBytes().size()));
    nulls_.push_back(0);
  }
  void appendNull() {
    out_->offsetsVector().push_back(static_cast<uint32_t>(out_->mutableBytes().size()));
    nulls_.push_back(1);
    anyNull_ = true;
  }
  MutableVectorPtr finish() {
    out_->setSizeUnchecked(nulls_.size());
    if (anyNull_) out_->setNullMask(nulls_.data(), nulls_.size());
    return out_;
  }

 private:
  MutableVectorPtr out_;
  std::vector<uint8_t> nulls_;
  bool anyNull_ = false;
};

/// Builds a fixed-width vector row by row with explicit nulls.
template <class T>
class FixedWriter {
 public:
  FixedWriter(DataTypePtr type, size_t rows) : out_(Vector::make(std::move(type))), nulls_(rows, 0) {
    out_->resize(rows);
    data_ = out_->mutableValues<T>();
  }
  void set(size_t i, T v) { data_[i] = v; }
  void setNull(size_t i) {
    nulls_[i] = 1;
    anyNull_ = true;
  }
  MutableVectorPtr finish() {
    if (anyNull_) out_->setNullMask(nulls_.data(), nulls_.size());
    return out_;
  }

 private:
  MutableVectorPtr out_;
  T* data_;
  std::vector<uint8_t> nulls_;
  bool anyNull_ = false;
};

/// Returns an all-null vector when any argument is of the null type (SQL: f(NULL) is NULL).
inline bool anyNullTyped(const std::vector<VectorPtr>& args) {
  for (const auto& a : args) {
    if (a->typeId() == TypeId::kNull) return true;
  }
  return false;
}

}  // namespace weir::expr
