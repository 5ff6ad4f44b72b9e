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

/// Sort direction of one key column.
struct SortKey {
  bool ascending = true;
  bool nullsFirst = true;
};

/// Encodes rows so that memcmp order equals the SQL order of the keys (Spark's: NaN largest).
EncodedKeys encodeSortKeys(const std::vector<columnar::VectorPtr>& columns, const std::vector<SortKey>& order,
                           size_t n);

}  // namespace weir::exec
