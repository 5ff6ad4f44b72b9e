// The Thrift compact protocol, as much as Parquet's footer and page headers need: a writer that
// appends structs, lists, integers, binaries and booleans, and a reader that walks them and skips
// fields it does not know. Field ids and layouts are Parquet's (docs/formats/parquet.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weir::formats::parquet {

enum class CType : uint8_t {
  kStop = 0,
  kTrue = 1,
  kFalse = 2,
  kByte = 3,
  kI16 = 4,
  kI32 = 5,
  kI64 = 6,
  kDouble = 7,
  kBinary = 8,
  kList = 9,
  kSet = 10,
  kMap = 11,
  kStruct = 12,
};

class CompactWriter {
 public:
  /// Field writers: a field header for `id` then the value.
  void i32(int16_t id, int32_t v) {
    field(id, CType::kI32);
    varint(zigzag(v));
  }
  void i64(int16_t id, int64_t v) {
    field(id, CType::kI64);
    varint(zigzag(v));
  }
  void i8(int16_t id, int8_t v) {
    field(id, CType::kByte);
    out_.push_back(static_cast<char>(v));
  }
  void boolean(int16_t id, bool v) { field(id, v ? CType::kTrue : CType::kFalse); }
  void binary(int16_t id, std::string_view v) {
    field(id, CType::kBinary);
    bytes(v);
  }
  /// A struct field: call structEnd() after its fields.
  void structBegin(int16_t id) {
    field(id, CType::kStruct);
    lastIds_.push_back(0);
  }
  void structEnd() {
    out_.push_back(0);
    lastIds_.pop_back();
  }
  /// A list field of `size` elements of `type`; then write the elements with the element writers.
  void listBegin(int16_t id, CType type, size_t size) {
    field(id, CType::kList);
    listHeader(type, size);
  }
  /// List elements.
  void elementI32(int32_t v) { varint(zigzag(v)); }
  void elementI64(int64_t v) { varint(zigzag(v)); }
  void elementBinary(std::string_view v) { bytes(v); }
  void elementStructBegin() { lastIds_.push_back(0); }
  void elementStructEnd() { structEnd(); }
  /// Bytes of list elements encoded by another writer.
  void raw(std::string_view encoded) { out_.append(encoded); }
  /// The top-level struct (a FileMetaData, a PageHeader): fields, then end().
  void begin() { lastIds_.push_back(0); }
  void end() { structEnd(); }

  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  static uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void bytes(std::string_view v) {
    varint(v.size());
    out_.append(v);
  }
  void field(int16_t id, CType type) {
    int16_t& last = lastIds_.back();
    const int delta = id - last;
    if (delta > 0 && delta <= 15) {
      out_.push_back(static_cast<char>((delta << 4) | static_cast<int>(type)));
    } else {
      out_.push_back(static_cast<char>(type));
      varint(zigzag(id));
    }
    last = id;
  }
  void listHeader(CType type, size_t size) {
    if (size < 15) {
      out_.push_back(static_cast<char>((size << 4) | static_cast<size_t>(type)));
    } else {
      out_.push_back(static_cast<char>(0xf0 | static_cast<int>(type)));
      varint(size);
    }
  }

  std::string out_;
  std::vector<int16_t> lastIds_;
};

}  // namespace weir::formats::parquet
