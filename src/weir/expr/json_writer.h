// JSON text from column vectors as Spark's JacksonGenerator writes it (to_json and the JSON file
// writer): null struct fields omitted by default, timestamps and dates formatted by pattern.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "weir/columnar/vector.h"
#include "weir/types/data_type.h"

namespace weir::expr {

/// Appends `text` as a quoted JSON string with Jackson's escapes: '"', '\\' and control
/// characters; everything else (including non-ASCII UTF-8) is copied as is.
void appendJsonString(std::string& out, std::string_view text);
/// Appends `bytes` in base64 with padding and without line feeds (Jackson's default variant).
void appendBase64(std::string& out, std::string_view bytes);
/// java.math.BigDecimal.toString of unscaled * 10^-scale (scientific when the exponent is small).
std::string decimalToJavaString(__int128 unscaled, int scale);

/// Spark's JSON options for writing (keys case-insensitive in fromMap).
struct JsonWriteOptions {
  std::string timestampFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";
  std::string timestampNtzFormat = "yyyy-MM-dd'T'HH:mm:ss[.SSS]";
  std::string dateFormat = "yyyy-MM-dd";
  bool ignoreNullFields = true;

  static JsonWriteOptions fromMap(const std::map<std::string, std::string>& options);
};

/// Writes values of one data type as JSON text. Immutable after construction; thread-safe.
class JsonWriter {
 public:
  explicit JsonWriter(types::DataTypePtr type, JsonWriteOptions options = {});

  /// Appends the JSON text of row `row` of `v` (of this writer's type); a null value is "null".
  void writeValue(const columnar::Vector& v, size_t row, std::string& out) const;
  /// Appends one struct row given as its columns (a ColumnBatch's columns for a struct type).
  void writeRow(const std::vector<columnar::VectorPtr>& columns, size_t row,
                std::string& out) const;
  /// to_json over a whole vector: one JSON text per row, null where the input is null.
  columnar::VectorPtr toJson(const columnar::Vector& v) const;

 private:
  void write(const types::DataType& type, const columnar::Vector& v, size_t row,
             std::string& out) const;
  void writeFields(const types::DataType& type, const columnar::Vector* const* columns, size_t row,
                   std::string& out) const;
  void writeTimestamp(int64_t micros, const std::string& pattern, std::string& out) const;

  types::DataTypePtr type_;
  JsonWriteOptions options_;
  bool defaultTimestampFormat_ = false;
};

}  // namespace weir::expr
