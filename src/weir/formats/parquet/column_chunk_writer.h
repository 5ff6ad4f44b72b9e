// ColumnChunkWriter: one leaf column of a Parquet file being written, a batch of values at a time:
// levels and values of the current data page, the pages of the current row group's column chunk,
// the chunk's dictionary and statistics. Layout notes: docs/formats/parquet.md.
#pragma once

#include <absl/container/flat_hash_map.h>
#include <absl/hash/hash.h>
#include <absl/strings/string_view.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "weir/columnar/vector.h"
#include "weir/formats/parquet/fixed_value_index.h"
#include "weir/formats/parquet/hybrid_encoder.h"
#include "weir/formats/parquet/parquet_writer.h"
#include "weir/formats/parquet/thrift_compact.h"

namespace weir::formats::parquet {

// Parquet's enums (parquet.thrift), as far as the writer uses them.
enum Physical : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixed = 7
};
enum Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };
enum Encoding : int32_t { kPlain = 0, kRle = 3, kRleDictionary = 8 };
enum PageType : int32_t { kDataPage = 0, kDictionaryPage = 2 };

/// A leaf column as the file's schema declares it.
struct LeafSchema {
  std::vector<std::string> path;
  // The Weir type of the values (owned by the file's schema).
  const types::DataType* type = nullptr;
  Physical physical = kInt32;
  int typeLength = 0;  // FIXED_LEN_BYTE_ARRAY only
  int maxDef = 0, maxRep = 0;
};

/// Encodes one leaf column of one file: levels and values arrive in bulk (a run or an array of
/// levels, the present values of a row range or of listed rows), data pages are encoded and
/// compressed as they fill, and writeChunk() lays out the row group's column chunk. Values of every
/// type but booleans and FIXED_LEN_BYTE_ARRAY go through a dictionary while it pays (see
/// docs/formats/parquet.md). Owned by a FileWriter; not thread-safe.
class ColumnChunkWriter {
 public:
  ColumnChunkWriter(LeafSchema schema, const WriterOptions& options);
  ColumnChunkWriter(ColumnChunkWriter&&) noexcept;
  ~ColumnChunkWriter();

  const LeafSchema& schema() const { return schema_; }

  /// `n` level entries of definition level `def` (and repetition level 0).
  void putLevelRun(uint8_t def, size_t n);
  /// `n` level entries; `reps` may be null when the column has no repetition levels.
  void putLevels(const uint8_t* defs, const uint8_t* reps, size_t n);
  /// The values of rows [from, from + n) of `v`, all present.
  void putValues(const columnar::Vector& v, size_t from, size_t n);
  /// The values of the listed rows of `v`, all present.
  void putValues(const columnar::Vector& v, const uint32_t* rows, size_t n);
  /// Called at row boundaries: cuts the page once it is full.
  void endRows();
  /// Encoded bytes of the current row group's chunk so far (uncompressed).
  size_t bufferedBytes() const;
  /// Appends the column chunk (dictionary page, data pages) to `file` and its ColumnChunk struct
  /// to `group`, adds its sizes to the row group's totals, and starts the next chunk.
  void writeChunk(std::string& file, CompactWriter& group, size_t& uncompressedTotal,
                  size_t& compressedTotal);

 private:
  template <class Rows>
  void putInPieces(const columnar::Vector& v, const Rows& rows);
  template <class Rows>
  void putValuesOf(const columnar::Vector& v, const Rows& rows);
  template <class T, class Source, class Rows>
  void putFixed(const columnar::Vector& v, const Rows& rows);
  template <class T>
  void encodeFixed(const T* values, size_t n);
  template <class Rows>
  void putStrings(const columnar::Vector& v, const Rows& rows);
  template <class Rows>
  void putOthers(const columnar::Vector& v, const Rows& rows);
  std::string_view storeString(std::string_view s);
  size_t dictionaryEntries() const;
  size_t pageIndices() const { return indices_.size() + repeatCount_; }
  void flushRepeat();
  bool dictionaryPays() const;
  void fallBackToPlain();
  void writePage();
  /// body_ compressed with the file's codec (a view of compressed_, or of body_ itself).
  std::string_view compressedBody();
  void updateStats(std::string_view plainValue);
  void foldDictionaryStats();
  size_t pageBytes() const;
  void startChunk();

  LeafSchema schema_;
  WriterOptions options_;
  // PLAIN bytes of a value of fixed width (booleans: 1 until packed); 0 for byte arrays.
  size_t width_ = 0;
  bool dictionaryAllowed_ = false;

  // The current data page.
  HybridEncoder defs_, reps_;
  size_t pageLevels_ = 0, pageValues_ = 0;
  size_t pagePlainBytes_ = 0;      // what the page's values take PLAIN: the dictionary must beat it
  std::string plain_;              // PLAIN values (booleans one byte each)
  std::vector<uint32_t> indices_;  // dictionary indices, then repeatCount_ times repeatIndex_
  uint32_t repeatIndex_ = 0;
  size_t repeatCount_ = 0;

  // The current column chunk.
  std::string pages_;  // data pages written so far (headers and compressed bodies)
  size_t chunkLevels_ = 0, chunkValues_ = 0, pagesUncompressed_ = 0;
  bool pageWritten_ = false;     // a data page of this chunk is in pages_
  bool dictionaryOn_ = false;    // values go through the dictionary
  bool dictionaryUsed_ = false;  // a data page refers to the dictionary (so the chunk writes it)
  int dictionaryChecks_ = 0;     // early checks of whether the dictionary pays done (of 2)

  // The dictionary: entries in index order, PLAIN (fixed width) or as views into arena_.
  FixedValueIndex fixedIndex_;
  // Abseil's string_view is not std::string_view in every build, and absl::Hash then hashes
  // std::string_view through std::hash; hash through absl::string_view.
  struct StringHash {
    size_t operator()(std::string_view s) const {
      return absl::Hash<absl::string_view>{}(absl::string_view(s.data(), s.size()));
    }
  };
  absl::flat_hash_map<std::string_view, uint32_t, StringHash> stringIndex_;
  std::string fixedEntries_;
  std::vector<std::string_view> stringEntries_;
  std::vector<std::unique_ptr<char[]>> arena_;
  size_t arenaUsed_ = 0, arenaCapacity_ = 0;
  size_t dictionaryBytes_ = 0;  // the dictionary page's PLAIN size
  size_t statsEntries_ = 0;     // entries already in the statistics
  bool haveLast_ = false;       // the last value looked up, to skip the hash map on repeats
  uint64_t lastKey_ = 0;
  std::string_view lastString_;
  uint32_t lastIndex_ = 0;

  // Statistics of the chunk: min and max as PLAIN bytes (byte arrays without their length).
  bool hasMinMax_ = false;
  std::string min_, max_;

  // Scratch buffers kept between pages.
  std::vector<char> gathered_;  // fixed-width values converted or gathered from listed rows
  std::string body_, compressed_;
  HybridEncoder indexEncoder_;

  // The large buffers above outlive the writer: taken from a per-thread free list when it is made
  // and given back when it is destroyed, so that writing many small files (the Delta sink's) does
  // not pay for fresh memory (allocation, page faults, growth by copying) for each.
  void takeBuffers();
  void giveBackBuffers();
};

}  // namespace weir::formats::parquet
