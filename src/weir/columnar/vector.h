// Vector: one column of values in columnar layout, with a validity bitmap. Fixed-width values sit
// in one buffer; strings and binary in an offsets array plus one byte buffer; struct, array and map
// hold child vectors (array and map with offsets into them).
#pragma once

#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "weir/base/buffer.h"
#include "weir/columnar/value.h"
#include "weir/types/data_type.h"

namespace weir::columnar {

using base::ByteBuffer;
using base::PodVector;

class Vector;
/// Vectors are shared read-only once built.
using VectorPtr = std::shared_ptr<const Vector>;
using MutableVectorPtr = std::shared_ptr<Vector>;

/// A column of `size()` values of one DataType. Built through the append and resize methods by one
/// thread, then shared immutably (VectorPtr) and safe to read from many threads.
///
/// Layout by type:
/// - boolean: one byte per value (0 or 1); integral, float, double, date (int32 days),
///   timestamp (int64 micros), decimal (int128 unscaled): `values<T>()`.
/// - string, binary: `offsets()` (size()+1 entries) into `bytes()`.
/// - struct: `child(i)` per field, each of size() rows.
/// - array: `offsets()` into `child(0)`; map: `offsets()` into `child(0)` keys and `child(1)` values.
/// - null type: only the validity (every value null).
/// Validity: bit i set means row i is valid; an empty bitmap means every row is valid.
class Vector {
 public:
  explicit Vector(types::DataTypePtr type);
  static MutableVectorPtr make(types::DataTypePtr type, size_t reserve = 0);
  /// A vector of `size` nulls.
  static VectorPtr nulls(types::DataTypePtr type, size_t size);
  /// A vector repeating one value.
  static VectorPtr constant(types::DataTypePtr type, const Value& value, size_t size);
  static VectorPtr fromValues(types::DataTypePtr type, const std::vector<Value>& values);

  const types::DataTypePtr& type() const { return type_; }
  types::TypeId typeId() const { return type_->id(); }
  size_t size() const { return size_; }

  // ----- validity
  bool mayHaveNulls() const { return !validity_.empty(); }
  bool isNull(size_t i) const {
    return !validity_.empty() && !((validity_[i >> 6] >> (i & 63)) & 1);
  }
  bool isValid(size_t i) const { return !isNull(i); }
  size_t nullCount() const;
  const uint64_t* validityWords() const { return validity_.empty() ? nullptr : validity_.data(); }
  void setNull(size_t i);
  void setValid(size_t i);

  // ----- fixed width
  template <class T>
  const T* values() const {
    return reinterpret_cast<const T*>(values_.data());
  }
  template <class T>
  T* mutableValues() {
    return reinterpret_cast<T*>(values_.data());
  }
  template <class T>
  T valueAt(size_t i) const {
    T v;
    std::memcpy(&v, values_.data() + i * sizeof(T), sizeof(T));
    return v;
  }

  // ----- strings, binary, arrays, maps
  const uint32_t* offsets() const { return offsets_.data(); }
  uint32_t* mutableOffsets() { return offsets_.data(); }
  std::string_view stringAt(size_t i) const {
    return std::string_view(bytes_.data() + offsets_[i], offsets_[i + 1] - offsets_[i]);
  }
  const ByteBuffer& bytes() const { return bytes_; }
  ByteBuffer& mutableBytes() { return bytes_; }
  size_t listSize(size_t i) const { return offsets_[i + 1] - offsets_[i]; }

  // ----- nested
  size_t numChildren() const { return children_.size(); }
  const Vector& child(size_t i) const { return *children_[i]; }
  VectorPtr childPtr(size_t i) const { return children_[i]; }
  Vector& mutableChild(size_t i) { return *children_[i]; }
  void setChild(size_t i, MutableVectorPtr child) { children_[i] = std::move(child); }

  // ----- building (single thread, before sharing)
  void reserve(size_t n);
  /// Sets the size of a fixed-width vector (new values zeroed, valid). Also valid for struct
  /// vectors whose children are sized separately, and for null-type vectors.
  void resize(size_t n);
  void appendNull();
  template <class T>
  void append(T value) {
    size_t at = values_.size();
    values_.resize(at + sizeof(T));
    std::memcpy(values_.data() + at, &value, sizeof(T));
    ++size_;
    if (!validity_.empty()) growValidity(true);
  }
  void appendString(std::string_view value);
  /// Closes one array or map row whose elements were appended to the children.
  void appendListEnd();
  /// Counts one struct row whose fields were appended to the children.
  void appendStructRow();
  void appendValue(const Value& value);
  /// Appends row `row` of `source` (same type).
  void appendFrom(const Vector& source, size_t row);
  /// Appends `count` rows of `source` from `start`.
  void appendRange(const Vector& source, size_t start, size_t count);
  /// Appends the listed rows of `source` (the gather of filter, sort, join and shuffle).
  void appendSelected(const Vector& source, const uint32_t* rows, size_t count);
  /// Sets the validity from a null mask (1 = null), replacing what was there.
  void setNullMask(const uint8_t* nullMask, size_t n);
  /// Sets the validity to the AND of the validity of the given vectors (each of this size; null
  /// pointers are ignored). Used by kernels that propagate nulls.
  void setValidityFrom(std::initializer_list<const Vector*> sources);
  /// Replaces the validity words (empty = all valid).
  void setValidityWords(std::vector<uint64_t> words) { validity_ = std::move(words); }
  /// Sets the number of rows of a string, array or map vector built by writing offsets directly.
  void setSizeUnchecked(size_t n) { size_ = n; }
  PodVector<uint32_t>& offsetsVector() { return offsets_; }
  PodVector<uint8_t>& valuesVector() { return values_; }

  Value getValue(size_t i) const;
  /// The value as Spark casts it to a string (used by show and to_json for atomic types).
  std::string toString(size_t i) const;

  /// A new vector with the listed rows.
  VectorPtr gather(const uint32_t* rows, size_t count) const;
  VectorPtr slice(size_t start, size_t count) const;
  static VectorPtr concat(const std::vector<VectorPtr>& parts);

 private:
  void growValidity(bool valid);
  void materializeValidity();

  types::DataTypePtr type_;
  size_t size_ = 0;
  std::vector<uint64_t> validity_;
  PodVector<uint8_t> values_;
  PodVector<uint32_t> offsets_;
  ByteBuffer bytes_;
  std::vector<MutableVectorPtr> children_;
};

}  // namespace weir::columnar
