// HybridEncoder: Parquet's RLE / bit-packed hybrid encoding of levels and dictionary indices,
// fed incrementally with runs or arrays of values. Layout notes: docs/formats/parquet.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace weir::formats::parquet {

/// Encodes a stream of small unsigned values of a fixed bit width as the hybrid: runs of 8 or more
/// equal values as RLE runs, the rest bit-packed (LSB first) in groups of 8. Values are taken a
/// run or an array at a time, so a column without nulls costs one call per batch. Owned by one
/// column writer; not thread-safe. Buffers are kept across reset() to spare allocations.
class HybridEncoder {
 public:
  explicit HybridEncoder(int bitWidth = 0) { reset(bitWidth); }

  /// Starts a new stream of values of `bitWidth` bits (0 to 32).
  void reset(int bitWidth);
  /// Appends `count` copies of `value`.
  void putRun(uint32_t value, size_t count);
  /// Appends `n` values.
  void put(const uint8_t* values, size_t n) { putArray(values, n); }
  void put(const uint32_t* values, size_t n) { putArray(values, n); }
  /// Ends the stream (the last bit-packed group padded with zeros) and returns its bytes, valid
  /// until the next reset().
  std::string_view finish();
  /// Values appended since reset().
  size_t size() const { return size_; }

 private:
  static constexpr size_t kMaxLiterals = 512;  // a multiple of 8: pending literals before packing

  template <class T>
  void putArray(const T* values, size_t n);
  void addRun(uint32_t value, size_t count);
  void appendLiterals(uint32_t value, size_t count);
  void closeRun();
  void flushLiterals();

  int width_ = 0;
  size_t size_ = 0;
  std::string out_;
  // Literals not yet written; a pending run (only when the literals fill whole groups of 8).
  uint32_t literals_[kMaxLiterals];
  size_t numLiterals_ = 0;
  uint32_t runValue_ = 0;
  size_t runCount_ = 0;
};

/// Bits needed for values up to `max`.
inline int bitWidth(uint64_t max) { return max == 0 ? 0 : 64 - __builtin_clzll(max); }

}  // namespace weir::formats::parquet
