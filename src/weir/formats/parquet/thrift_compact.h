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

namespace weir::formats::parquet {

/// Reads what CompactWriter writes (and what other Parquet writers write): fields in order,
/// unknown ones skipped. Throws CorruptionError("PARQUET_CORRUPT") naming `what` on bad input.
class CompactReader {
 public:
  CompactReader(const char* p, const char* end, std::string what) : p_(p), end_(end), what_(std::move(what)) {}

  /// Enters a struct; then nextField() until it returns false (the stop byte).
  void structBegin() { lastIds_.push_back(0); }
  bool nextField(int16_t& id, CType& type) {
    const uint8_t b = byte();
    if (b == 0) {
      lastIds_.pop_back();
      return false;
    }
    type = static_cast<CType>(b & 0x0f);
    const int delta = b >> 4;
    id = delta != 0 ? static_cast<int16_t>(lastIds_.back() + delta) : static_cast<int16_t>(unzigzag(varint()));
    lastIds_.back() = id;
    fieldType_ = type;
    return true;
  }
  int32_t i32() { return static_cast<int32_t>(unzigzag(varint())); }
  int64_t i64() { return unzigzag(varint()); }
  int8_t i8() { return static_cast<int8_t>(byte()); }
  /// A bool field's value is in its type.
  bool boolean() const { return fieldType_ == CType::kTrue; }
  std::string_view binary() {
    const uint64_t n = varint();
    if (n > static_cast<uint64_t>(end_ - p_)) fail("a string runs past the end");
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }
  void listHeader(CType& element, size_t& size) {
    const uint8_t b = byte();
    element = static_cast<CType>(b & 0x0f);
    size = b >> 4;
    if (size == 15) size = varint();
    if (size > static_cast<size_t>(end_ - p_) + 1) fail("a list is longer than the data");
  }
  /// Skips a value of `type` (a field's or a list element's).
  void skipValue(CType type, int depth = 0) {
    if (depth > 64) fail("nesting too deep");
    switch (type) {
      case CType::kTrue:
      case CType::kFalse:
        return;
      case CType::kByte:
        byte();
        return;
      case CType::kI16:
      case CType::kI32:
      case CType::kI64:
        varint();
        return;
      case CType::kDouble:
        need(8);
        p_ += 8;
        return;
      case CType::kBinary:
        binary();
        return;
      case CType::kList:
      case CType::kSet: {
        CType e;
        size_t n;
        listHeader(e, n);
        for (size_t i = 0; i < n; ++i) {
          if (e == CType::kTrue || e == CType::kFalse) {
            byte();  // bools in lists take a byte
          } else {
            skipValue(e, depth + 1);
          }
        }
        return;
      }
      case CType::kMap: {
        const uint64_t n = varint();
        if (n == 0) return;
        const uint8_t kinds = byte();
        for (uint64_t i = 0; i < n; ++i) {
          skipValue(static_cast<CType>(kinds >> 4), depth + 1);
          skipValue(static_cast<CType>(kinds & 0x0f), depth + 1);
        }
        return;
      }
      case CType::kStruct: {
        structBegin();
        int16_t id;
        CType t;
        while (nextField(id, t)) skipValue(t, depth + 1);
        return;
      }
      default:
        fail("unknown field type");
    }
  }
  const char* position() const { return p_; }
  [[noreturn]] void fail(const std::string& why) const;

 private:
  void need(size_t n) const {
    if (static_cast<size_t>(end_ - p_) < n) fail("truncated");
  }
  uint8_t byte() {
    need(1);
    return static_cast<uint8_t>(*p_++);
  }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      const uint8_t b = byte();
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    fail("a varint is too long");
  }
  static int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

  const char* p_;
  const char* end_;
  std::string what_;
  std::vector<int16_t> lastIds_;
  CType fieldType_ = CType::kStop;
};

}  // namespace weir::formats::parquet
