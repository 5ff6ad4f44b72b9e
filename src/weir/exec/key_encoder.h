// Row keys as bytes: an equality encoding for hash tables (group by, join, dedup) and an
// order-preserving encoding for sorting, both built column by column.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "weir/columnar/vector.h"

namespace weir::exec {

/// The keys of `n` rows, each a byte string in one buffer. Equal keys have equal bytes (NULLs are
/// equal to each other here; callers that need SQL semantics check `hasNull`).
struct EncodedKeys {
  std::string bytes;
  std::vector<uint32_t> offsets;  // n + 1
  std::vector<uint8_t> hasNull;   // 1 when any key column of the row is null
  std::vector<uint64_t> hashes;

  size_t size() const { return offsets.empty() ? 0 : offsets.size() - 1; }
  std::string_view key(size_t i) const {
    return std::string_view(bytes.data() + offsets[i], offsets[i + 1] - offsets[i]);
  }
};

/// Encodes rows [0, n) of `columns` for equality: floats normalized (-0.0 = 0.0, one NaN).
EncodedKeys encodeKeys(const std::vector<columnar::VectorPtr>& columns, size_t n);
/// Encodes rows [begin, begin + n) of `columns` the same way (key i of the result is row begin + i).
EncodedKeys encodeKeys(const std::vector<columnar::VectorPtr>& columns, size_t begin, size_t n);

/// Whether encodeKeys lays out keys of these column types column by column (no arrays or maps,
/// at any depth): it then writes a struct as a validity byte followed by its fields, null or not.
bool flatKeyLayout(const std::vector<types::DataTypePtr>& types);

/// Decodes one value of `type` from the front of `bytes` (an encodeKeys encoding; `flat` as
/// flatKeyLayout says for the key's columns) and advances `bytes`. False when the bytes are not
/// such an encoding.
bool decodeKeyValue(std::string_view& bytes, const types::DataType& type, bool flat, columnar::Value& out);

/// Appends the encoding of `v`, a value of `type`, that decodeKeyValue reads back.
void encodeKeyValue(const columnar::Value& v, const types::DataType& type, bool flat, std::string& out);

/// Sort direction of one key column.
struct SortKey {
  bool ascending = true;
  bool nullsFirst = true;
};

/// Encodes rows so that memcmp order equals the SQL order of the keys (Spark's: NaN largest).
EncodedKeys encodeSortKeys(const std::vector<columnar::VectorPtr>& columns, const std::vector<SortKey>& order,
                           size_t n);

}  // namespace weir::exec
