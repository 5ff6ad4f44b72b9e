#include "weir/exec/row_codec.h"

#include <cstring>

#include "weir/base/error.h"

namespace weir::exec {

using columnar::Value;
using Kind = Value::Kind;

namespace {

template <class T>
void put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

void encodeValue(const Value& v, std::string& out) {
  out.push_back(static_cast<char>(v.kind()));
  switch (v.kind()) {
    case Kind::kNull: break;
    case Kind::kBoolean: out.push_back(v.asBool() ? 1 : 0); break;
    case Kind::kLong:
    case Kind::kDate:
    case Kind::kTimestamp:
    case Kind::kTimestampNtz: put<int64_t>(out, v.asLong()); break;
    case Kind::kFloat:
    case Kind::kDouble: put<double>(out, v.asDouble()); break;
    case Kind::kDecimal: {
      const auto& d = v.asDecimal();
      put<uint64_t>(out, static_cast<uint64_t>(static_cast<unsigned __int128>(d.unscaled)));
      put<uint64_t>(out, static_cast<uint64_t>(static_cast<unsigned __int128>(d.unscaled) >> 64));
      put<int32_t>(out, d.precision);
      put<int32_t>(out, d.scale);
      break;
    }
    case Kind::kString:
    case Kind::kBinary:
      put<uint32_t>(out, static_cast<uint32_t>(v.asString().size()));
      out.append(v.asString());
      break;
    case Kind::kStruct:
    case Kind::kArray:
    case Kind::kMap:
      put<uint32_t>(out, static_cast<uint32_t>(v.children().size()));
      for (const auto& c : v.children()) encodeValue(c, out);
      break;
  }
}

class Reader {
 public:
  Reader(std::string_view bytes, const std::string& what) : bytes_(bytes), what_(what) {}

  template <class T>
  T get() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return v;
  }

  Value value(int depth) {
    if (depth > 64) corrupt();
    auto kind = static_cast<Kind>(get<uint8_t>());
    switch (kind) {
      case Kind::kNull: return Value::null();
      case Kind::kBoolean: return Value::boolean(get<uint8_t>() != 0);
      case Kind::kLong: return Value::integer(get<int64_t>());
      case Kind::kDate: return Value::date(static_cast<int32_t>(get<int64_t>()));
      case Kind::kTimestamp: return Value::timestamp(get<int64_t>());
      case Kind::kTimestampNtz: return Value::timestampNtz(get<int64_t>());
      case Kind::kFloat: return Value::floating(get<double>());
      case Kind::kDouble: return Value::real(get<double>());
      case Kind::kDecimal: {
        auto lo = get<uint64_t>();
        auto hi = get<uint64_t>();
        columnar::Decimal d;
        d.unscaled = static_cast<columnar::int128_t>((static_cast<unsigned __int128>(hi) << 64) | lo);
        d.precision = get<int32_t>();
        d.scale = get<int32_t>();
        return Value::decimal(d);
      }
      case Kind::kString:
      case Kind::kBinary: {
        auto n = get<uint32_t>();
        need(n);
        std::string s(bytes_.substr(at_, n));
        at_ += n;
        return kind == Kind::kString ? Value::string(std::move(s)) : Value::binary(std::move(s));
      }
      case Kind::kStruct:
      case Kind::kArray:
      case Kind::kMap: {
        auto n = get<uint32_t>();
        if (n > bytes_.size()) corrupt();
        std::vector<Value> children;
        children.reserve(n);
        for (uint32_t i = 0; i < n; ++i) children.push_back(value(depth + 1));
        if (kind == Kind::kStruct) return Value::structOf(std::move(children));
        if (kind == Kind::kArray) return Value::array(std::move(children));
        return Value::map(std::move(children));
      }
    }
    corrupt();
  }

  bool done() const { return at_ == bytes_.size(); }

  [[noreturn]] void corrupt() const {
    throw CorruptionError("STATE_CORRUPT", "A row in " + what_ +
                                               " is not a valid encoding. Restore the checkpoint from a backup, or "
                                               "delete it to start the query over.");
  }

 private:
  void need(size_t n) const {
    if (bytes_.size() - at_ < n) corrupt();
  }
  std::string_view bytes_;
  const std::string& what_;
  size_t at_ = 0;
};

}  // namespace

void encodeRow(const std::vector<Value>& values, std::string& out) {
  put<uint32_t>(out, static_cast<uint32_t>(values.size()));
  for (const auto& v : values) encodeValue(v, out);
}

std::vector<Value> decodeRow(std::string_view bytes, const std::string& what) {
  Reader r(bytes, what);
  auto n = r.get<uint32_t>();
  if (n > bytes.size()) r.corrupt();
  std::vector<Value> values;
  values.reserve(n);
  for (uint32_t i = 0; i < n; ++i) values.push_back(r.value(0));
  if (!r.done()) r.corrupt();
  return values;
}

}  // namespace weir::exec
