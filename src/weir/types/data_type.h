// Spark's SQL data types: atomic types, decimal, struct, array and map, with their DDL, simple and
// JSON forms. Types are immutable and shared by `DataTypePtr`.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::types {

enum class TypeId : uint8_t {
  kNull,
  kBoolean,
  kByte,
  kShort,
  kInteger,
  kLong,
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
  kMap,
};

class DataType;
using DataTypePtr = std::shared_ptr<const DataType>;

/// A named member of a struct.
struct Field {
  std::string name;
  DataTypePtr type;
  bool nullable = true;
  /// Spark field metadata as a JSON object text ("{}" when empty); kept for round trips.
  std::string metadata = "{}";
};

/// One SQL data type. Immutable; share it through DataTypePtr. Thread-safe.
class DataType {
 public:
  static constexpr int kMaxDecimalPrecision = 38;

  static DataTypePtr null();
  static DataTypePtr boolean();
  static DataTypePtr byte();
  static DataTypePtr shortType();
  static DataTypePtr integer();
  static DataTypePtr longType();
  static DataTypePtr floatType();
  static DataTypePtr doubleType();
  static DataTypePtr decimal(int precision, int scale);
  static DataTypePtr string();
  static DataTypePtr binary();
  static DataTypePtr date();
  static DataTypePtr timestamp();
  static DataTypePtr timestampNtz();
  static DataTypePtr structOf(std::vector<Field> fields);
  static DataTypePtr array(DataTypePtr element, bool containsNull = true);
  static DataTypePtr map(DataTypePtr key, DataTypePtr value, bool valueContainsNull = true);

  /// Parses a DDL type ("INT", "ARRAY<STRING>", "STRUCT<a: INT>", "DECIMAL(10,2)").
  static DataTypePtr fromDDL(std::string_view ddl);
  /// Parses Spark's JSON form: "integer", {"type":"struct","fields":[...]}, ...
  static DataTypePtr fromJson(std::string_view json);

  TypeId id() const { return id_; }
  int precision() const { return precision_; }
  int scale() const { return scale_; }
  const std::vector<Field>& fields() const { return fields_; }
  const DataTypePtr& elementType() const { return children_[0]; }
  bool containsNull() const { return containsNull_; }
  const DataTypePtr& keyType() const { return children_[0]; }
  const DataTypePtr& valueType() const { return children_[1]; }

  /// Index of a field by exact name, else case-insensitive; nullopt when absent.
  std::optional<size_t> fieldIndex(std::string_view name) const;

  bool isNumeric() const;
  bool isIntegral() const;
  bool isNested() const { return id_ == TypeId::kStruct || id_ == TypeId::kArray || id_ == TypeId::kMap; }
  /// Width in bytes of one value in a fixed-width vector; 0 for variable-width and nested types.
  int fixedWidth() const;

  /// "int", "bigint", "struct<a:int>", as Spark's simpleString.
  std::string simpleString() const;
  /// "INT", "STRUCT<a: INT>", as Spark's sql / toDDL.
  std::string sql() const;
  /// Spark's JSON form (compact).
  std::string json() const;
  /// For a struct: "a INT,b STRING", as StructType.toDDL.
  std::string toDDL() const;
  /// For a struct: the tree printSchema shows ("root\n |-- a: integer (nullable = true)\n").
  std::string treeString() const;

  bool equals(const DataType& other, bool ignoreNullability = false) const;

 private:
  explicit DataType(TypeId id) : id_(id) {}

  TypeId id_;
  int precision_ = 0;
  int scale_ = 0;
  bool containsNull_ = true;
  std::vector<Field> fields_;
  std::vector<DataTypePtr> children_;
};

bool operator==(const DataType& a, const DataType& b);

/// Spark's JSON typeName of an atomic type ("integer", "long", ...).
std::string typeName(const DataType& type);

/// A struct schema, as Spark's StructType: the public way to build and parse schemas.
class StructType {
 public:
  StructType() : type_(DataType::structOf({})) {}
  explicit StructType(DataTypePtr type);
  explicit StructType(std::vector<Field> fields) : type_(DataType::structOf(std::move(fields))) {}

  static StructType fromDDL(std::string_view ddl);
  static StructType fromJson(std::string_view json);

  /// Returns a copy with one more field; `type` is a DDL type string such as "string".
  StructType add(const std::string& name, const std::string& type, bool nullable = true) const;
  StructType add(const std::string& name, DataTypePtr type, bool nullable = true) const;

  const std::vector<Field>& fields() const { return type_->fields(); }
  size_t size() const { return type_->fields().size(); }
  const Field& operator[](size_t i) const { return type_->fields()[i]; }
  std::optional<size_t> fieldIndex(std::string_view name) const { return type_->fieldIndex(name); }
  std::vector<std::string> fieldNames() const;

  const DataTypePtr& type() const { return type_; }
  operator const DataTypePtr&() const { return type_; }

  std::string json() const { return type_->json(); }
  std::string toDDL() const { return type_->toDDL(); }
  std::string simpleString() const { return type_->simpleString(); }
  std::string treeString() const { return type_->treeString(); }

  bool operator==(const StructType& other) const { return *type_ == *other.type_; }

 private:
  DataTypePtr type_;
};

}  // namespace weir::types
