// JSON text from column vectors with the rules of Spark's JacksonGenerator: number and string
// forms as Jackson prints them, timestamps through the timestampFormat pattern.
#include "weir/expr/json_writer.h"

#include <cctype>
#include <charconv>
#include <cmath>

#include "weir/base/error.h"
#include "weir/base/time.h"

namespace weir::expr {

using columnar::Vector;
using columnar::VectorPtr;
using types::DataType;
using types::DataTypePtr;
using types::TypeId;

namespace {

constexpr std::string_view kDefaultTimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

std::string lowerAscii(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void appendInt(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// Jackson writes non-finite floating values as quoted strings (QUOTE_NON_NUMERIC_NUMBERS).
void appendFloating(std::string& out, const std::string& text, bool finite) {
  if (finite) {
    out += text;
  } else {
    out += '"';
    out += text;
    out += '"';
  }
}

inline void twoDigits(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

void appendJsonString(std::string& out, std::string_view text) {
  static const char* const kHex = "0123456789ABCDEF";
  out += '"';
  size_t run = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
        break;
    }
  }
  out.append(text.data() + run, text.size() - run);
  out += '"';
}

void appendBase64(std::string& out, std::string_view bytes) {
  static const char* const kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) |
                 (static_cast<uint8_t>(bytes[i + 1]) << 8) | static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
}

std::string decimalToJavaString(__int128 unscaled, int scale) {
  bool negative = unscaled < 0;
  auto magnitude =
      negative ? static_cast<unsigned __int128>(0) - static_cast<unsigned __int128>(unscaled)
               : static_cast<unsigned __int128>(unscaled);
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(magnitude % 10)));
    magnitude /= 10;
  } while (magnitude != 0);
  std::string out = negative ? "-" : "";
  auto size = static_cast<int64_t>(digits.size());
  int64_t adjusted = size - 1 - scale;
  if (scale == 0) return out + digits;
  if (scale > 0 && adjusted >= -6) {
    if (size > scale) {
      return out + digits.substr(0, static_cast<size_t>(size - scale)) + "." +
             digits.substr(static_cast<size_t>(size - scale));
    }
    return out + "0." + std::string(static_cast<size_t>(scale - size), '0') + digits;
  }
  out += digits[0];
  if (size > 1) out += "." + digits.substr(1);
  return out + "E" + (adjusted >= 0 ? "+" : "") + std::to_string(adjusted);
}

JsonWriteOptions JsonWriteOptions::fromMap(const std::map<std::string, std::string>& options) {
  JsonWriteOptions o;
  for (const auto& [key, value] : options) {
    std::string k = lowerAscii(key);
    if (k == "timestampformat") {
      o.timestampFormat = value;
    } else if (k == "timestampntzformat") {
      o.timestampNtzFormat = value;
    } else if (k == "dateformat") {
      o.dateFormat = value;
    } else if (k == "ignorenullfields") {
      std::string v = lowerAscii(value);
      if (v != "true" && v != "false") {
        throw InvalidInputError(
            "INVALID_OPTION_VALUE",
            "The option ignoreNullFields must be true or false, got '" + value + "'.");
      }
      o.ignoreNullFields = v == "true";
    }
  }
  return o;
}

JsonWriter::JsonWriter(DataTypePtr type, JsonWriteOptions options)
    : type_(std::move(type)),
      options_(std::move(options)),
      defaultTimestampFormat_(options_.timestampFormat == kDefaultTimestampFormat) {}

void JsonWriter::writeTimestamp(int64_t micros, const std::string& pattern,
                                std::string& out) const {
  int32_t days = base::microsToDays(micros);
  if (&pattern == &options_.timestampFormat && defaultTimestampFormat_) {
    base::CivilDate c = base::civilFromDays(days);
    if (c.year >= 0 && c.year <= 9999) {
      int64_t rest = micros - static_cast<int64_t>(days) * base::kMicrosPerDay;
      auto secs = static_cast<unsigned>(rest / base::kMicrosPerSecond);
      auto millis = static_cast<unsigned>(rest % base::kMicrosPerSecond / 1000);
      char buf[32];
      auto year = static_cast<unsigned>(c.year);
      twoDigits(buf + 1, year / 100);
      twoDigits(buf + 3, year % 100);
      buf[0] = '"';
      buf[5] = '-';
      twoDigits(buf + 6, c.month);
      buf[8] = '-';
      twoDigits(buf + 9, c.day);
      buf[11] = 'T';
      twoDigits(buf + 12, secs / 3600);
      buf[14] = ':';
      twoDigits(buf + 15, secs / 60 % 60);
      buf[17] = ':';
      twoDigits(buf + 18, secs % 60);
      buf[20] = '.';
      buf[21] = static_cast<char>('0' + millis / 100);
      twoDigits(buf + 22, millis % 100);
      buf[24] = 'Z';
      buf[25] = '"';
      out.append(buf, 26);
      return;
    }
  }
  appendJsonString(out, base::formatWithPattern(micros, pattern));
}

void JsonWriter::writeFields(const DataType& type, const Vector* const* columns, size_t row,
                             std::string& out) const {
  const auto& fields = type.fields();
  out += '{';
  bool first = true;
  for (size_t i = 0; i < fields.size(); ++i) {
    const Vector& c = *columns[i];
    bool isNull = c.typeId() == TypeId::kNull || c.isNull(row);
    if (isNull && options_.ignoreNullFields) continue;
    if (!first) out += ',';
    first = false;
    appendJsonString(out, fields[i].name);
    out += ':';
    if (isNull) {
      out += "null";
    } else {
      write(*fields[i].type, c, row, out);
    }
  }
  out += '}';
}

void JsonWriter::write(const DataType& type, const Vector& v, size_t row, std::string& out) const {
  if (v.typeId() == TypeId::kNull || v.isNull(row)) {
    out += "null";
    return;
  }
  switch (type.id()) {
    case TypeId::kNull:
      out += "null";
      return;
    case TypeId::kBoolean:
      out += v.valueAt<uint8_t>(row) ? "true" : "false";
      return;
    case TypeId::kByte:
      appendInt(out, v.valueAt<int8_t>(row));
      return;
    case TypeId::kShort:
      appendInt(out, v.valueAt<int16_t>(row));
      return;
    case TypeId::kInteger:
      appendInt(out, v.valueAt<int32_t>(row));
      return;
    case TypeId::kLong:
      appendInt(out, v.valueAt<int64_t>(row));
      return;
    case TypeId::kFloat: {
      float f = v.valueAt<float>(row);
      appendFloating(out, columnar::formatFloat(f), std::isfinite(f));
      return;
    }
    case TypeId::kDouble: {
      double d = v.valueAt<double>(row);
      appendFloating(out, columnar::formatDouble(d), std::isfinite(d));
      return;
    }
    case TypeId::kDecimal:
      out += decimalToJavaString(v.valueAt<columnar::int128_t>(row), type.scale());
      return;
    case TypeId::kString:
      appendJsonString(out, v.stringAt(row));
      return;
    case TypeId::kBinary:
      out += '"';
      appendBase64(out, v.stringAt(row));
      out += '"';
      return;
    case TypeId::kDate:
      appendJsonString(out, base::formatWithPattern(
                                static_cast<int64_t>(v.valueAt<int32_t>(row)) * base::kMicrosPerDay,
                                options_.dateFormat));
      return;
    case TypeId::kTimestamp:
      writeTimestamp(v.valueAt<int64_t>(row), options_.timestampFormat, out);
      return;
    case TypeId::kTimestampNtz:
      writeTimestamp(v.valueAt<int64_t>(row), options_.timestampNtzFormat, out);
      return;
    case TypeId::kStruct: {
      size_t n = v.numChildren();
      const Vector* small[32];
      std::vector<const Vector*> many;
      const Vector** columns = small;
      if (n > 32) {
        many.resize(n);
        columns = many.data();
      }
      for (size_t i = 0; i < n; ++i) columns[i] = &v.child(i);
      writeFields(type, columns, row, out);
      return;
    }
    case TypeId::kArray: {
      out += '[';
      const Vector& elements = v.child(0);
      const DataType& elementType = *type.elementType();
      for (uint32_t k = v.offsets()[row]; k < v.offsets()[row + 1]; ++k) {
        if (k != v.offsets()[row]) out += ',';
        write(elementType, elements, k, out);
      }
      out += ']';
      return;
    }
    case TypeId::kMap: {
      out += '{';
      const Vector& keys = v.child(0);
      const Vector& values = v.child(1);
      const DataType& valueType = *type.valueType();
      for (uint32_t k = v.offsets()[row]; k < v.offsets()[row + 1]; ++k) {
        if (k != v.offsets()[row]) out += ',';
        // Spark writes a key through the toString of its internal value.
        switch (keys.typeId()) {
          case TypeId::kString:
            appendJsonString(out, keys.stringAt(k));
            break;
          case TypeId::kDate:
            appendJsonString(out, std::to_string(keys.valueAt<int32_t>(k)));
            break;
          case TypeId::kTimestamp:
          case TypeId::kTimestampNtz:
            appendJsonString(out, std::to_string(keys.valueAt<int64_t>(k)));
            break;
          default:
            appendJsonString(out, keys.toString(k));
            break;
        }
        out += ':';
        write(valueType, values, k, out);
      }
      out += '}';
      return;
    }
  }
  throw InternalError("INTERNAL_ERROR", "to_json of unsupported type " + type.sql());
}

void JsonWriter::writeValue(const Vector& v, size_t row, std::string& out) const {
  write(*type_, v, row, out);
}

void JsonWriter::writeRow(const std::vector<VectorPtr>& columns, size_t row,
                          std::string& out) const {
  const Vector* small[64];
  std::vector<const Vector*> many;
  const Vector** ptr = small;
  if (columns.size() > 64) {
    many.resize(columns.size());
    ptr = many.data();
  }
  for (size_t i = 0; i < columns.size(); ++i) ptr[i] = columns[i].get();
  writeFields(*type_, ptr, row, out);
}

VectorPtr JsonWriter::toJson(const Vector& v) const {
  size_t n = v.size();
  auto out = Vector::make(DataType::string());
  auto& offsets = out->offsetsVector();
  std::string bytes;  // the writer appends to a std::string; copied into the column once
  offsets.reserve(n + 1);
  std::vector<uint8_t> nulls(n, 0);
  bool anyNull = false;
  bool allNull = v.typeId() == TypeId::kNull;
  for (size_t i = 0; i < n; ++i) {
    if (allNull || v.isNull(i)) {
      nulls[i] = 1;
      anyNull = true;
    } else {
      write(*type_, v, i, bytes);
    }
    offsets.push_back(static_cast<uint32_t>(bytes.size()));
  }
  out->mutableBytes().assign(bytes);
  out->setSizeUnchecked(n);
  if (anyNull) out->setNullMask(nulls.data(), n);
  return out;
}

}  // namespace weir::expr
