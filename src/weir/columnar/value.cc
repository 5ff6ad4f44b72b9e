// Value and Row: printing and comparison.
#include "weir/columnar/value.h"

#include <charconv>
#include <cmath>

#include "weir/base/time.h"

namespace weir::columnar {
namespace {

std::string int128ToString(int128_t v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  unsigned __int128 u = negative ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string digits;
  while (u > 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (negative) digits.push_back('-');
  return std::string(digits.rbegin(), digits.rend());
}

// Java's Double.toString from the shortest round-trip digits.
std::string javaStyle(const char* sci) {
  // sci looks like "d.ddde+XX" or "de-XX".
  std::string s = sci;
  bool negative = false;
  if (s[0] == '-') negative = true, s.erase(0, 1);
  size_t e = s.find('e');
  int exponent = std::stoi(s.substr(e + 1));
  std::string digits;
  for (size_t i = 0; i < e; ++i) {
    if (s[i] != '.') digits += s[i];
  }
  std::string out;
  if (exponent >= -3 && exponent < 7) {
    if (exponent >= 0) {
      std::string intPart = digits.substr(0, std::min<size_t>(digits.size(), exponent + 1));
      while (static_cast<int>(intPart.size()) < exponent + 1) intPart += '0';
      std::string frac = digits.size() > static_cast<size_t>(exponent + 1) ? digits.substr(exponent + 1) : "0";
      out = intPart + "." + frac;
    } else {
      out = "0." + std::string(-exponent - 1, '0') + digits;
    }
  } else {
    out = digits.substr(0, 1) + "." + (digits.size() > 1 ? digits.substr(1) : "0") + "E" +
          std::to_string(exponent);
  }
  return negative ? "-" + out : out;
}

int kindRank(Value::Kind k) { return static_cast<int>(k); }

}  // namespace

std::string formatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  *res.ptr = '\0';
  return javaStyle(buf);
}

std::string formatFloat(float v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  *res.ptr = '\0';
  return javaStyle(buf);
}

std::string Decimal::toString() const {
  std::string digits = int128ToString(unscaled < 0 ? -unscaled : unscaled);
  if (scale > 0) {
    while (static_cast<int>(digits.size()) <= scale) digits.insert(digits.begin(), '0');
    digits.insert(digits.end() - scale, '.');
  }
  return unscaled < 0 ? "-" + digits : digits;
}

double Decimal::toDouble() const {
  return static_cast<double>(unscaled) / std::pow(10.0, scale);
}

bool Decimal::operator==(const Decimal& o) const {
  if (scale == o.scale) return unscaled == o.unscaled;
  // Compare at the larger scale.
  int128_t a = unscaled, b = o.unscaled;
  for (int s = scale; s < o.scale; ++s) a *= 10;
  for (int s = o.scale; s < scale; ++s) b *= 10;
  return a == b;
}

bool Decimal::parse(std::string_view text, int precision, int scale, int128_t& out) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return false;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') negative = text[0] == '-', text.remove_prefix(1);
  int128_t value = 0;
  int intDigits = 0, fracDigits = 0;
  bool seenPoint = false, any = false, roundUp = false;
  int exponent = 0;
  size_t i = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.') {
      if (seenPoint) return false;
      seenPoint = true;
    } else if (c >= '0' && c <= '9') {
      any = true;
      if (seenPoint) {
        if (fracDigits < scale) {
          value = value * 10 + (c - '0');
          ++fracDigits;
        } else if (fracDigits == scale) {
          roundUp = c >= '5';
          ++fracDigits;
        }
      } else {
        value = value * 10 + (c - '0');
        if (value != 0) ++intDigits;
        if (intDigits > 38) return false;
      }
    } else if (c == 'e' || c == 'E') {
      int parsed = 0;
      auto r = std::from_chars(text.data() + i + 1, text.data() + text.size(), parsed);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return false;
      exponent = parsed;
      break;
    } else {
      return false;
    }
  }
  if (!any) return false;
  if (exponent != 0) {
    // Rare: fall back to long double arithmetic.
    long double d = std::stold(std::string(text));
    long double scaled = std::round(d * std::pow(10.0L, scale));
    if (std::fabs(scaled) >= std::pow(10.0L, precision)) return false;
    out = static_cast<int128_t>(negative ? -scaled : scaled);
    return true;
  }
  for (int s = std::min(fracDigits, scale); s < scale; ++s) value *= 10;
  if (roundUp) value += 1;
  int128_t limit = 1;
  for (int p = 0; p < precision; ++p) limit *= 10;
  if (value >= limit) return false;
  out = negative ? -value : value;
  return true;
}

double Value::asDouble() const {
  switch (kind_) {
    case Kind::kFloat:
    case Kind::kDouble: return std::get<double>(data_);
    case Kind::kDecimal: return std::get<Decimal>(data_).toDouble();
    case Kind::kBoolean: return std::get<bool>(data_) ? 1 : 0;
    default: return static_cast<double>(std::get<int64_t>(data_));
  }
}

std::string Value::toString() const {
  switch (kind_) {
    case Kind::kNull: return "null";
    case Kind::kBoolean: return asBool() ? "true" : "false";
    case Kind::kLong: return std::to_string(asLong());
    case Kind::kFloat: return formatFloat(static_cast<float>(std::get<double>(data_)));
    case Kind::kDouble: return formatDouble(std::get<double>(data_));
    case Kind::kDecimal: return asDecimal().toString();
    case Kind::kString: return asString();
    case Kind::kBinary: {
      std::string out = "[";
      static const char* kHex = "0123456789ABCDEF";
      const auto& s = asString();
      for (size_t i = 0; i < s.size(); ++i) {
        if (i) out += ' ';
        out += kHex[static_cast<uint8_t>(s[i]) >> 4];
        out += kHex[static_cast<uint8_t>(s[i]) & 15];
      }
      return out + "]";
    }
    case Kind::kDate: return base::formatDate(static_cast<int32_t>(asLong()));
    case Kind::kTimestamp:
    case Kind::kTimestampNtz: return base::formatTimestamp(asLong());
    case Kind::kStruct: {
      std::string out = "{";
      const auto& c = children();
      for (size_t i = 0; i < c.size(); ++i) {
        if (i) out += ", ";
        out += c[i].toString();
      }
      return out + "}";
    }
    case Kind::kArray: {
      std::string out = "[";
      const auto& c = children();
      for (size_t i = 0; i < c.size(); ++i) {
        if (i) out += ", ";
        out += c[i].toString();
      }
      return out + "]";
    }
    case Kind::kMap: {
      std::string out = "{";
      const auto& c = children();
      for (size_t i = 0; i + 1 < c.size(); i += 2) {
        if (i) out += ", ";
        out += c[i].toString() + " -> " + c[i + 1].toString();
      }
      return out + "}";
    }
  }
  return "";
}

bool Value::operator==(const Value& other) const {
  bool numericA = kind_ == Kind::kFloat || kind_ == Kind::kDouble;
  bool numericB = other.kind_ == Kind::kFloat || other.kind_ == Kind::kDouble;
  if (numericA && numericB) {
    double a = asDouble(), b = other.asDouble();
    return a == b || (std::isnan(a) && std::isnan(b));
  }
  if (kind_ != other.kind_) return false;
  return data_ == other.data_;
}

bool Value::operator<(const Value& other) const {
  if (kind_ == Kind::kNull || other.kind_ == Kind::kNull) {
    return kind_ == Kind::kNull && other.kind_ != Kind::kNull;
  }
  if (kind_ != other.kind_) {
    bool numA = kind_ == Kind::kLong || kind_ == Kind::kFloat || kind_ == Kind::kDouble || kind_ == Kind::kDecimal;
    bool numB = other.kind_ == Kind::kLong || other.kind_ == Kind::kFloat || other.kind_ == Kind::kDouble ||
                other.kind_ == Kind::kDecimal;
    if (numA && numB) return asDouble() < other.asDouble();
    return kindRank(kind_) < kindRank(other.kind_);
  }
  switch (kind_) {
    case Kind::kBoolean: return asBool() < other.asBool();
    case Kind::kFloat:
    case Kind::kDouble: return asDouble() < other.asDouble();
    case Kind::kDecimal: return asDecimal().toDouble() < other.asDecimal().toDouble();
    case Kind::kString:
    case Kind::kBinary: return asString() < other.asString();
    case Kind::kStruct:
    case Kind::kArray:
    case Kind::kMap: {
      const auto& a = children();
      const auto& b = other.children();
      for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
        if (a[i] < b[i]) return true;
        if (b[i] < a[i]) return false;
      }
      return a.size() < b.size();
    }
    default: return asLong() < other.asLong();
  }
}

std::string Row::toString() const {
  std::string out = "[";
  for (size_t i = 0; i < values_.size(); ++i) {
    if (i) out += ",";
    out += values_[i].toString();
  }
  return out + "]";
}

bool Row::operator<(const Row& other) const {
  for (size_t i = 0; i < values_.size() && i < other.values_.size(); ++i) {
    if (values_[i] < other.values_[i]) return true;
    if (other.values_[i] < values_[i]) return false;
  }
  return values_.size() < other.values_.size();
}

}  // namespace weir::columnar
