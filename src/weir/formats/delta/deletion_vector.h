// Delta deletion vectors: the descriptor an add action carries, where its bytes live (inline,
// a file named from a UUID under the table, or an absolute path), and the RoaringBitmapArray
// they hold (the row positions deleted from a data file). Protocol: ../shared/spec/delta-lake.md
// section 12; the bitmaps are decoded with CRoaring.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::formats::delta {

/// The `deletionVector` object of an add or remove action. A value; not thread-hostile.
struct DeletionVectorDescriptor {
  std::string storageType;     // "u" (relative, UUID-named), "i" (inline), "p" (absolute path)
  std::string pathOrInlineDv;  // Z85 text for "u" (optional prefix + 20 characters) and "i"
  std::optional<int32_t> offset;
  int32_t sizeInBytes = 0;
  int64_t cardinality = 0;
  std::optional<int64_t> maxRowIndex;

  /// The id that, with the path, keys a file in the log: storageType + pathOrInlineDv [+ "@"
  /// offset].
  std::string uniqueId() const;
  /// The descriptor as the log holds it.
  nlohmann::ordered_json toJson() const;
  /// Parses one; `file` names the log file in errors (CorruptionError).
  static DeletionVectorDescriptor fromJson(const nlohmann::json& j, const std::string& file);
};

/// The positions (0-based row indexes in the data file) the vector deletes, ascending. Reads the
/// DV file for "u" and "p" (checking its size and CRC-32) and decodes the bitmap. Throws
/// CorruptionError naming the file for a missing, short or damaged vector, and
/// UnsupportedOperationError for an absolute path on a file system Weir cannot open.
std::vector<uint64_t> readDeletedRows(const DeletionVectorDescriptor& dv,
                                      const std::string& tablePath);

/// The local file an on-disk vector ("u", "p") is stored in; nullopt for an inline one. Throws
/// like readDeletedRows for a malformed descriptor or a path Weir cannot open.
std::optional<std::string> deletionVectorFile(const DeletionVectorDescriptor& dv,
                                              const std::string& tablePath);

/// Decodes a RoaringBitmapArray (magic, then 64-bit portable Roaring buckets) into ascending
/// positions. `what` names the source in errors. A bitmap of more than `maxRows` positions is
/// corrupt (checked before they are materialized: a few bytes of run containers can hold 2^32).
std::vector<uint64_t> decodeRoaringBitmapArray(std::string_view bytes, const std::string& what,
                                               uint64_t maxRows = UINT64_MAX);

/// Z85 (ZeroMQ base 85) as Delta uses it: 5 characters per 4 bytes; decode gives `size` bytes
/// (the input padded to a multiple of 4 when encoded). Throws CorruptionError on bad text.
std::string z85Decode(std::string_view text, size_t size, const std::string& what);
std::string z85Encode(std::string_view bytes);

}  // namespace weir::formats::delta
