// Key encodings. Each column appends its bytes to every row's slot, so the work is a tight loop per
// column rather than a dispatch per value.
#include "weir/exec/key_encoder.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>

#define XXH_INLINE_ALL  // the hash of short keys is a few instructions; no call
#include <xxhash.h>

#include "weir/base/error.h"
#include "weir/expr/kernels.h"

namespace weir::exec {

using columnar::Vector;
using columnar::VectorPtr;
using types::TypeId;

namespace {

// Appends the equality encoding of row i of v (recursive for nested types) to out.
void appendValue(const Vector& v, size_t i, std::string& out, bool& anyNull);

template <class T>
void appendRaw(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof(T));
}

void appendValue(const Vector& v, size_t i, std::string& out, bool& anyNull) {
  if (v.typeId() == TypeId::kNull || v.isNull(i)) {
    out.push_back('\0');
    anyNull = true;
    return;
  }
  out.push_back('\1');
  switch (v.typeId()) {
    case TypeId::kString:
    case TypeId::kBinary: {
      auto s = v.stringAt(i);
      appendRaw<uint32_t>(out, static_cast<uint32_t>(s.size()));
      out.append(s.data(), s.size());
      break;
    }
    case TypeId::kFloat: {
      float f = v.valueAt<float>(i);
      if (f == 0) f = 0;
      if (std::isnan(f)) f = std::numeric_limits<float>::quiet_NaN();
      appendRaw(out, f);
      break;
    }
    case TypeId::kDouble: {
      double d = v.valueAt<double>(i);
      if (d == 0) d = 0;
      if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
      appendRaw(out, d);
      break;
    }
    case TypeId::kStruct: {
      bool ignored = false;
      for (size_t c = 0; c < v.numChildren(); ++c) appendValue(v.child(c), i, out, ignored);
      break;
    }
    case TypeId::kArray:
    case TypeId::kMap: {
      bool ignored = false;
      appendRaw<uint32_t>(out, static_cast<uint32_t>(v.listSize(i)));
      for (uint32_t k = v.offsets()[i]; k < v.offsets()[i + 1]; ++k) {
        for (size_t c = 0; c < v.numChildren(); ++c) appendValue(v.child(c), k, out, ignored);
      }
      break;
    }
    default: {
      int width = v.type()->fixedWidth();
      out.append(reinterpret_cast<const char*>(v.values<uint8_t>()) + i * width, width);
      break;
    }
  }
}

// Order-preserving encodings.
template <class U>
void appendBigEndian(std::string& out, U value) {
  for (int b = sizeof(U) - 1; b >= 0; --b) out.push_back(static_cast<char>((value >> (b * 8)) & 0xff));
}

void appendSortable(const Vector& v, size_t i, bool nullsFirst, std::string& out) {
  if (v.typeId() == TypeId::kNull || v.isNull(i)) {
    out.push_back(nullsFirst ? '\0' : '\2');
    return;
  }
  out.push_back('\1');
  switch (v.typeId()) {
    case TypeId::kBoolean:
    case TypeId::kByte:
      out.push_back(static_cast<char>(static_cast<uint8_t>(v.valueAt<int8_t>(i)) ^ (v.typeId() == TypeId::kByte ? 0x80 : 0)));
      break;
    case TypeId::kShort:
      appendBigEndian<uint16_t>(out, static_cast<uint16_t>(v.valueAt<int16_t>(i)) ^ 0x8000);
      break;
    case TypeId::kInteger:
    case TypeId::kDate:
      appendBigEndian<uint32_t>(out, static_cast<uint32_t>(v.valueAt<int32_t>(i)) ^ 0x80000000u);
      break;
    case TypeId::kLong:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz:
      appendBigEndian<uint64_t>(out, static_cast<uint64_t>(v.valueAt<int64_t>(i)) ^ (1ULL << 63));
      break;
    case TypeId::kDecimal: {
      auto u = static_cast<unsigned __int128>(v.valueAt<columnar::int128_t>(i)) ^ (static_cast<unsigned __int128>(1) << 127);
      appendBigEndian<uint64_t>(out, static_cast<uint64_t>(u >> 64));
      appendBigEndian<uint64_t>(out, static_cast<uint64_t>(u));
      break;
    }
    case TypeId::kFloat:
    case TypeId::kDouble: {
      double d = v.typeId() == TypeId::kFloat ? v.valueAt<float>(i) : v.valueAt<double>(i);
      if (d == 0) d = 0;
      if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
      uint64_t bits;
      std::memcpy(&bits, &d, 8);
      bits = (bits >> 63) ? ~bits : bits | (1ULL << 63);
      appendBigEndian<uint64_t>(out, bits);
      break;
    }
    case TypeId::kString:
    case TypeId::kBinary: {
      // Escape 0x00 as 0x00 0xFF and terminate with 0x00 0x00 so prefixes sort first.
      for (char c : v.stringAt(i)) {
        out.push_back(c);
        if (c == '\0') out.push_back('\xff');
      }
      out.push_back('\0');
      out.push_back('\0');
      break;
    }
    case TypeId::kStruct:
      for (size_t c = 0; c < v.numChildren(); ++c) appendSortable(v.child(c), i, true, out);
      break;
    case TypeId::kArray:
    case TypeId::kMap:
      for (uint32_t k = v.offsets()[i]; k < v.offsets()[i + 1]; ++k) {
        out.push_back('\1');
        for (size_t c = 0; c < v.numChildren(); ++c) appendSortable(v.child(c), k, true, out);
      }
      out.push_back('\0');
      break;
    default:
      break;
  }
}

void finishHashes(EncodedKeys& keys) {
  size_t n = keys.size();
  keys.hashes.resize(n);
  for (size_t i = 0; i < n; ++i) {
    auto k = keys.key(i);
    keys.hashes[i] = XXH3_64bits(k.data(), k.size());
  }
}

}  // namespace

namespace {

// One leaf of the columnar key layout: a top-level column, or a field of a struct key (whose own
// validity is a separate marker item so null structs and structs of nulls stay distinct).
struct KeyItem {
  const Vector* vector;
  bool markerOnly;  // only the validity byte (struct parents)
  bool topLevel;
};

bool flatten(const Vector& v, bool topLevel, std::vector<KeyItem>& items) {
  switch (v.typeId()) {
    case TypeId::kArray:
    case TypeId::kMap:
      return false;
    case TypeId::kStruct:
      items.push_back({&v, true, topLevel});
      for (size_t c = 0; c < v.numChildren(); ++c) {
        if (!flatten(v.child(c), false, items)) return false;
      }
      return true;
    default:
      items.push_back({&v, false, topLevel});
      return true;
  }
}

template <class T>
void writeNormalizedFloat(char* dst, T value) {
  if (value == 0) value = 0;
  if (std::isnan(value)) value = std::numeric_limits<T>::quiet_NaN();
  std::memcpy(dst, &value, sizeof(T));
}

}  // namespace

bool flatKeyLayout(const std::vector<types::DataTypePtr>& types) {
  std::function<bool(const types::DataType&)> flatType = [&](const types::DataType& t) {
    if (t.id() == TypeId::kArray || t.id() == TypeId::kMap) return false;
    if (t.id() == TypeId::kStruct) {
      for (const auto& f : t.fields()) {
        if (!flatType(*f.type)) return false;
      }
    }
    return true;
  };
  for (const auto& t : types) {
    if (!flatType(*t)) return false;
  }
  return true;
}

namespace {

template <class T>
bool readRaw(std::string_view& in, T& v) {
  if (in.size() < sizeof(T)) return false;
  std::memcpy(&v, in.data(), sizeof(T));
  in.remove_prefix(sizeof(T));
  return true;
}

}  // namespace

bool decodeKeyValue(std::string_view& in, const types::DataType& type, bool flat, columnar::Value& out) {
  using columnar::Value;
  uint8_t valid;
  if (!readRaw(in, valid) || valid > 1) return false;
  const TypeId id = type.id();
  if (id == TypeId::kStruct && flat) {
    // The fields follow whether or not the struct is null.
    std::vector<Value> fields(type.fields().size());
    for (size_t c = 0; c < fields.size(); ++c) {
      if (!decodeKeyValue(in, *type.fields()[c].type, flat, fields[c])) return false;
    }
    out = valid ? Value::structOf(std::move(fields)) : Value::null();
    return true;
  }
  if (!valid || id == TypeId::kNull) {
    out = Value::null();
    return valid == 0;
  }
  switch (id) {
    case TypeId::kBoolean: {
      uint8_t b;
      if (!readRaw(in, b)) return false;
      out = Value::boolean(b != 0);
      return true;
    }
    case TypeId::kByte: {
      int8_t v;
      if (!readRaw(in, v)) return false;
      out = Value::integer(v);
      return true;
    }
    case TypeId::kShort: {
      int16_t v;
      if (!readRaw(in, v)) return false;
      out = Value::integer(v);
      return true;
    }
    case TypeId::kInteger:
    case TypeId::kDate: {
      int32_t v;
      if (!readRaw(in, v)) return false;
      out = id == TypeId::kDate ? Value::date(v) : Value::integer(v);
      return true;
    }
    case TypeId::kLong:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz: {
      int64_t v;
      if (!readRaw(in, v)) return false;
      out = id == TypeId::kLong ? Value::integer(v) : id == TypeId::kTimestamp ? Value::timestamp(v) : Value::timestampNtz(v);
      return true;
    }
    case TypeId::kFloat: {
      float v;
      if (!readRaw(in, v)) return false;
      out = Value::floating(v);
      return true;
    }
    case TypeId::kDouble: {
      double v;
      if (!readRaw(in, v)) return false;
      out = Value::real(v);
      return true;
    }
    case TypeId::kDecimal: {
      columnar::int128_t v;
      if (!readRaw(in, v)) return false;
      out = Value::decimal(columnar::Decimal{v, type.precision(), type.scale()});
      return true;
    }
    case TypeId::kString:
    case TypeId::kBinary: {
      uint32_t size;
      if (!readRaw(in, size) || in.size() < size) return false;
      std::string bytes(in.substr(0, size));
      in.remove_prefix(size);
      out = id == TypeId::kString ? Value::string(std::move(bytes)) : Value::binary(std::move(bytes));
      return true;
    }
    case TypeId::kStruct: {
      std::vector<Value> fields(type.fields().size());
      for (size_t c = 0; c < fields.size(); ++c) {
        if (!decodeKeyValue(in, *type.fields()[c].type, flat, fields[c])) return false;
      }
      out = Value::structOf(std::move(fields));
      return true;
    }
    case TypeId::kArray:
    case TypeId::kMap: {
      uint32_t count;
      if (!readRaw(in, count) || count > in.size()) return false;
      std::vector<Value> items;
      for (uint32_t k = 0; k < count; ++k) {
        if (id == TypeId::kArray) {
          // Elements carry their own validity byte.
          items.emplace_back();
          if (!decodeKeyValue(in, *type.elementType(), flat, items.back())) return false;
        } else {
          items.emplace_back();
          if (!decodeKeyValue(in, *type.keyType(), flat, items.back())) return false;
          items.emplace_back();
          if (!decodeKeyValue(in, *type.valueType(), flat, items.back())) return false;
        }
      }
      out = id == TypeId::kArray ? Value::array(std::move(items)) : Value::map(std::move(items));
      return true;
    }
    default:
      return false;
  }
}

void encodeKeyValue(const columnar::Value& v, const types::DataType& type, bool flat, std::string& out) {
  using columnar::Value;
  const TypeId id = type.id();
  if (id == TypeId::kStruct && flat) {
    out.push_back(v.isNull() ? '\0' : '\1');
    for (size_t c = 0; c < type.fields().size(); ++c) {
      encodeKeyValue(v.isNull() ? Value::null() : v.children().at(c), *type.fields()[c].type, flat, out);
    }
    return;
  }
  if (v.isNull() || id == TypeId::kNull) {
    out.push_back('\0');
    return;
  }
  out.push_back('\1');
  switch (id) {
    case TypeId::kBoolean:
      appendRaw<uint8_t>(out, v.asBool() ? 1 : 0);
      break;
    case TypeId::kByte:
      appendRaw<int8_t>(out, static_cast<int8_t>(v.asLong()));
      break;
    case TypeId::kShort:
      appendRaw<int16_t>(out, static_cast<int16_t>(v.asLong()));
      break;
    case TypeId::kInteger:
    case TypeId::kDate:
      appendRaw<int32_t>(out, static_cast<int32_t>(v.asLong()));
      break;
    case TypeId::kLong:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz:
      appendRaw<int64_t>(out, v.asLong());
      break;
    case TypeId::kFloat: {
      auto f = static_cast<float>(v.asDouble());
      if (f == 0) f = 0;
      if (std::isnan(f)) f = std::numeric_limits<float>::quiet_NaN();
      appendRaw(out, f);
      break;
    }
    case TypeId::kDouble: {
      double d = v.asDouble();
      if (d == 0) d = 0;
      if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();
      appendRaw(out, d);
      break;
    }
    case TypeId::kDecimal:
      appendRaw<columnar::int128_t>(out, v.asDecimal().unscaled);
      break;
    case TypeId::kString:
    case TypeId::kBinary:
      appendRaw<uint32_t>(out, static_cast<uint32_t>(v.asString().size()));
      out.append(v.asString());
      break;
    case TypeId::kStruct:
      for (size_t c = 0; c < type.fields().size(); ++c) encodeKeyValue(v.children().at(c), *type.fields()[c].type, flat, out);
      break;
    case TypeId::kArray:
      appendRaw<uint32_t>(out, static_cast<uint32_t>(v.children().size()));
      for (const auto& e : v.children()) encodeKeyValue(e, *type.elementType(), flat, out);
      break;
    case TypeId::kMap:
      appendRaw<uint32_t>(out, static_cast<uint32_t>(v.children().size() / 2));
      for (size_t k = 0; k + 1 < v.children().size(); k += 2) {
        encodeKeyValue(v.children()[k], *type.keyType(), flat, out);
        encodeKeyValue(v.children()[k + 1], *type.valueType(), flat, out);
      }
      break;
    default:
      break;
  }
}

EncodedKeys encodeKeys(const std::vector<VectorPtr>& columns, size_t n) { return encodeKeys(columns, 0, n); }

EncodedKeys encodeKeys(const std::vector<VectorPtr>& columns, size_t begin, size_t n) {
  EncodedKeys keys;
  keys.offsets.assign(n + 1, 0);
  keys.hasNull.assign(n, 0);
  std::vector<KeyItem> items;
  bool flat = true;
  for (const auto& c : columns) flat = flat && flatten(*c, true, items);
  if (!flat) {
    // Arrays and maps among the keys: encode row by row.
    keys.bytes.reserve(n * 16);
    for (size_t i = 0; i < n; ++i) {
      keys.offsets[i] = static_cast<uint32_t>(keys.bytes.size());
      bool anyNull = false;
      for (const auto& c : columns) {
        bool columnNull = false;
        appendValue(*c, begin + i, keys.bytes, columnNull);
        anyNull |= c->typeId() == TypeId::kNull || c->isNull(begin + i);
      }
      keys.hasNull[i] = anyNull;
    }
    keys.offsets[n] = static_cast<uint32_t>(keys.bytes.size());
    finishHashes(keys);
    return keys;
  }
  // Pass 1: the size of every row's key. Null values carry only their validity byte.
  std::vector<uint32_t> sizes(n, 0);
  for (const auto& item : items) {
    const Vector& v = *item.vector;
    bool allNull = v.typeId() == TypeId::kNull;
    int width = item.markerOnly || allNull ? 0 : v.type()->fixedWidth();
    bool isString = !item.markerOnly && (v.typeId() == TypeId::kString || v.typeId() == TypeId::kBinary);
    if (isString) {
      const uint32_t* off = v.offsets() + begin;
      for (size_t i = 0; i < n; ++i) sizes[i] += v.isNull(begin + i) ? 1 : 5 + (off[i + 1] - off[i]);
    } else if (!v.mayHaveNulls() || allNull) {
      uint32_t add = allNull ? 1 : 1 + width;
      for (size_t i = 0; i < n; ++i) sizes[i] += add;
    } else {
      for (size_t i = 0; i < n; ++i) sizes[i] += v.isNull(begin + i) ? 1 : 1 + width;
    }
  }
  uint32_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    keys.offsets[i] = total;
    total += sizes[i];
  }
  keys.offsets[n] = total;
  keys.bytes.resize(total);
  // Pass 2: each column writes into every row's slot at that row's cursor, with the type
  // decided once per column.
  std::vector<uint32_t> cursor(keys.offsets.begin(), keys.offsets.end() - 1);
  char* out = keys.bytes.data();
  for (const auto& item : items) {
    const Vector& v = *item.vector;
    TypeId id = v.typeId();
    if (id == TypeId::kNull) {
      for (size_t i = 0; i < n; ++i) {
        out[cursor[i]++] = '\0';
        if (item.topLevel) keys.hasNull[i] = 1;
      }
      continue;
    }
    const bool nullable = v.mayHaveNulls();
    auto writeNull = [&](size_t i) {
      out[cursor[i]++] = '\0';
      if (item.topLevel) keys.hasNull[i] = 1;
    };
    if (item.markerOnly) {
      for (size_t i = 0; i < n; ++i) {
        if (nullable && v.isNull(begin + i)) writeNull(i);
        else out[cursor[i]++] = '\1';
      }
      continue;
    }
    auto fixed = [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* values = v.values<T>() + begin;
      for (size_t i = 0; i < n; ++i) {
        if (nullable && v.isNull(begin + i)) {
          writeNull(i);
          continue;
        }
        char* dst = out + cursor[i];
        dst[0] = '\1';
        T value = values[i];
        if constexpr (std::is_floating_point_v<T>) {
          if (value == 0) value = 0;
          if (std::isnan(value)) value = std::numeric_limits<T>::quiet_NaN();
        }
        std::memcpy(dst + 1, &value, sizeof(T));
        cursor[i] += 1 + sizeof(T);
      }
    };
    switch (id) {
      case TypeId::kString:
      case TypeId::kBinary: {
        const uint32_t* off = v.offsets() + begin;
        const char* bytes = v.bytes().data();
        for (size_t i = 0; i < n; ++i) {
          if (nullable && v.isNull(begin + i)) {
            writeNull(i);
            continue;
          }
          char* dst = out + cursor[i];
          uint32_t len = off[i + 1] - off[i];
          dst[0] = '\1';
          std::memcpy(dst + 1, &len, 4);
          std::memcpy(dst + 5, bytes + off[i], len);
          cursor[i] += 5 + len;
        }
        break;
      }
      case TypeId::kBoolean:
      case TypeId::kByte: fixed(expr::TypeTag<uint8_t>{}); break;
      case TypeId::kShort: fixed(expr::TypeTag<int16_t>{}); break;
      case TypeId::kInteger:
      case TypeId::kDate: fixed(expr::TypeTag<int32_t>{}); break;
      case TypeId::kLong:
      case TypeId::kTimestamp:
      case TypeId::kTimestampNtz: fixed(expr::TypeTag<int64_t>{}); break;
      case TypeId::kFloat: fixed(expr::TypeTag<float>{}); break;
      case TypeId::kDouble: fixed(expr::TypeTag<double>{}); break;
      case TypeId::kDecimal: fixed(expr::TypeTag<columnar::int128_t>{}); break;
      default: break;
    }
  }
  finishHashes(keys);
  return keys;
}

EncodedKeys encodeSortKeys(const std::vector<VectorPtr>& columns, const std::vector<SortKey>& order, size_t n) {
  EncodedKeys keys;
  keys.offsets.resize(n + 1);
  keys.hasNull.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    keys.offsets[i] = static_cast<uint32_t>(keys.bytes.size());
    for (size_t c = 0; c < columns.size(); ++c) {
      size_t start = keys.bytes.size();
      bool asc = order[c].ascending;
      // For descending keys the bytes are inverted, so nulls-first must be encoded inverted too.
      appendSortable(*columns[c], i, asc ? order[c].nullsFirst : !order[c].nullsFirst, keys.bytes);
      if (!asc) {
        for (size_t b = start; b < keys.bytes.size(); ++b) keys.bytes[b] = static_cast<char>(~keys.bytes[b]);
        // Terminator so a shorter inverted key does not compare as a prefix.
        keys.bytes.push_back('\xff');
      }
    }
  }
  keys.offsets[n] = static_cast<uint32_t>(keys.bytes.size());
  return keys;
}

}  // namespace weir::exec
