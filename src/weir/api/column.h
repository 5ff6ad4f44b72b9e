// Column: the expression handle users build queries with, as Spark's Column. Operators build new
// expressions; nothing is evaluated until an action runs.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "weir/expr/expr.h"
#include "weir/types/data_type.h"

namespace weir {

using types::DataType;
using types::DataTypePtr;
using types::StructType;

/// An unevaluated column expression. Cheap to copy; immutable; thread-safe.
class Column {
 public:
  explicit Column(expr::ExprPtr expr) : expr_(std::move(expr)) {}
  /// Numeric literals convert implicitly, so `col("a") + 1` works as in Spark.
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Column(T value) : expr_(literalOf(value)) {}  // NOLINT(google-explicit-constructor)
  /// String literals, so `col("a") == "x"` compares with the text "x".
  Column(const char* text);         // NOLINT(google-explicit-constructor)
  Column(const std::string& text);  // NOLINT(google-explicit-constructor)

  const expr::ExprPtr& expr() const { return expr_; }
  std::string toString() const { return expr_->display; }

  Column alias(const std::string& name) const;
  Column as(const std::string& name) const { return alias(name); }
  Column name(const std::string& name) const { return alias(name); }
  /// CAST to a DDL type ("int", "string", "timestamp", "decimal(10,2)") or a DataType.
  Column cast(const std::string& type) const;
  Column cast(const DataTypePtr& type) const;

  Column isNull() const;
  Column isNotNull() const;
  Column isNaN() const;
  Column isin(const std::vector<Column>& values) const;
  template <class... T>
  Column isin(const T&... values) const {
    return isin(std::vector<Column>{Column(values)...});
  }
  Column between(const Column& lower, const Column& upper) const;
  Column like(const std::string& pattern) const;
  Column rlike(const std::string& pattern) const;
  Column contains(const Column& other) const;
  Column startsWith(const Column& other) const;
  Column endsWith(const Column& other) const;
  Column substr(const Column& pos, const Column& len) const;
  Column getField(const std::string& field) const;
  Column getItem(const Column& key) const;

  Column equalTo(const Column& other) const;
  Column notEqual(const Column& other) const;
  Column eqNullSafe(const Column& other) const;

  /// CASE WHEN chaining: `when(cond, a).when(cond2, b).otherwise(c)`.
  Column when(const Column& condition, const Column& value) const;
  Column otherwise(const Column& value) const;

  Column asc() const;
  Column desc() const;
  Column asc_nulls_first() const;
  Column asc_nulls_last() const;
  Column desc_nulls_first() const;
  Column desc_nulls_last() const;

 private:
  static expr::ExprPtr literalOf(bool v);
  static expr::ExprPtr literalOf(int v);
  static expr::ExprPtr literalOf(long v);
  static expr::ExprPtr literalOf(long long v);
  static expr::ExprPtr literalOf(double v);
  static expr::ExprPtr literalOf(float v);
  template <class T>
  static expr::ExprPtr literalOf(T v) {
    if constexpr (std::is_floating_point_v<T>) {
      return literalOf(static_cast<double>(v));
    } else if constexpr (sizeof(T) <= 4 && !std::is_same_v<T, uint32_t>) {
      return literalOf(static_cast<int>(v));
    } else {
      return literalOf(static_cast<long long>(v));
    }
  }

  expr::ExprPtr expr_;
};

Column operator+(const Column& a, const Column& b);
Column operator-(const Column& a, const Column& b);
Column operator*(const Column& a, const Column& b);
Column operator/(const Column& a, const Column& b);
Column operator%(const Column& a, const Column& b);
Column operator-(const Column& a);
/// SQL comparisons: they return Columns, not bool.
Column operator==(const Column& a, const Column& b);
Column operator!=(const Column& a, const Column& b);
Column operator<(const Column& a, const Column& b);
Column operator<=(const Column& a, const Column& b);
Column operator>(const Column& a, const Column& b);
Column operator>=(const Column& a, const Column& b);
Column operator&&(const Column& a, const Column& b);
Column operator||(const Column& a, const Column& b);
Column operator!(const Column& a);

}  // namespace weir
