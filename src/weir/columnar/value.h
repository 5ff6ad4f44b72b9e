// Value and Row: one SQL value, and a row of them, as results are handed to users. Not used on hot
// paths: operators work on vectors.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "weir/types/data_type.h"

namespace weir::columnar {

using int128_t = __int128;

/// A decimal value: unscaled integer and scale (value = unscaled / 10^scale).
struct Decimal {
  int128_t unscaled = 0;
  int precision = 38;
  int scale = 0;
  std::string toString() const;
  double toDouble() const;
  /// Parses "123.45"; nullopt-like failure is reported by returning false.
  static bool parse(std::string_view text, int precision, int scale, int128_t& out);
  bool operator==(const Decimal& o) const;
};

/// One SQL value of any type. Copyable, immutable once built.
class Value {
 public:
  enum class Kind : uint8_t {
    kNull,
    kBoolean,
    kLong,  // every integral type
    kFloat,
    kDouble,
    kDecimal,
    kString,
    kBinary,
    kDate,
    kTimestamp,
    kTimestampNtz,
    kStruct,
    kArray,
    kMap,  // children: key0, value0, key1, value1, ...
  };

  Value() = default;
  static Value null() { return Value(); }
  static Value boolean(bool v) { return Value(Kind::kBoolean, v); }
  static Value integer(int64_t v) { return Value(Kind::kLong, v); }
  static Value floating(double v) { return Value(Kind::kFloat, v); }
  static Value real(double v) { return Value(Kind::kDouble, v); }
  static Value decimal(Decimal d) { return Value(Kind::kDecimal, d); }
  static Value string(std::string v) { return Value(Kind::kString, std::move(v)); }
  static Value binary(std::string v) { return Value(Kind::kBinary, std::move(v)); }
  static Value date(int32_t days) { return Value(Kind::kDate, static_cast<int64_t>(days)); }
  static Value timestamp(int64_t micros) { return Value(Kind::kTimestamp, micros); }
  static Value timestampNtz(int64_t micros) { return Value(Kind::kTimestampNtz, micros); }
  static Value structOf(std::vector<Value> fields) { return Value(Kind::kStruct, std::move(fields)); }
  static Value array(std::vector<Value> elements) { return Value(Kind::kArray, std::move(elements)); }
  static Value map(std::vector<Value> keysAndValues) { return Value(Kind::kMap, std::move(keysAndValues)); }

  Kind kind() const { return kind_; }
  bool isNull() const { return kind_ == Kind::kNull; }
  bool asBool() const { return std::get<bool>(data_); }
  /// Integral, date and timestamp values.
  int64_t asLong() const { return std::get<int64_t>(data_); }
  /// Any numeric value converted to double.
  double asDouble() const;
  const Decimal& asDecimal() const { return std::get<Decimal>(data_); }
  const std::string& asString() const { return std::get<std::string>(data_); }
  const std::vector<Value>& children() const { return std::get<std::vector<Value>>(data_); }

  /// The text Spark's show() prints for the value (and CAST(... AS STRING) for atomic values).
  std::string toString() const;

  bool operator==(const Value& other) const;
  bool operator!=(const Value& other) const { return !(*this == other); }
  /// Total order used to sort results in tests: nulls first, then by value.
  bool operator<(const Value& other) const;

 private:
  template <class T>
  Value(Kind kind, T value) : kind_(kind), data_(std::move(value)) {}

  Kind kind_ = Kind::kNull;
  std::variant<std::monostate, bool, int64_t, double, Decimal, std::string, std::vector<Value>> data_;
};

/// Java's Double.toString / Float.toString, which Spark uses to print floating values.
std::string formatDouble(double v);
std::string formatFloat(float v);

/// A result row. Copyable.
class Row {
 public:
  Row() = default;
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}

  size_t size() const { return values_.size(); }
  const Value& operator[](size_t i) const { return values_.at(i); }
  const Value& get(size_t i) const { return values_.at(i); }
  bool isNullAt(size_t i) const { return values_.at(i).isNull(); }
  int64_t getLong(size_t i) const { return values_.at(i).asLong(); }
  int32_t getInt(size_t i) const { return static_cast<int32_t>(values_.at(i).asLong()); }
  double getDouble(size_t i) const { return values_.at(i).asDouble(); }
  bool getBoolean(size_t i) const { return values_.at(i).asBool(); }
  const std::string& getString(size_t i) const { return values_.at(i).asString(); }
  const std::vector<Value>& values() const { return values_; }

  /// "[a,1,null]" as Spark's Row.toString.
  std::string toString() const;
  bool operator==(const Row& other) const { return values_ == other.values_; }
  bool operator<(const Row& other) const;

 private:
  std::vector<Value> values_;
};

}  // namespace weir::columnar
