// Vector construction, appends, gathers and conversion to values.
#include "weir/columnar/vector.h"

#include "weir/base/error.h"
#include "weir/base/time.h"

namespace weir::columnar {

using types::DataType;
using types::TypeId;

Vector::Vector(types::DataTypePtr type) : type_(std::move(type)) {
  switch (type_->id()) {
    case TypeId::kString:
    case TypeId::kBinary:
      offsets_.push_back(0);
      break;
    case TypeId::kArray:
      offsets_.push_back(0);
      children_.push_back(std::make_shared<Vector>(type_->elementType()));
      break;
    case TypeId::kMap:
      offsets_.push_back(0);
      children_.push_back(std::make_shared<Vector>(type_->keyType()));
      children_.push_back(std::make_shared<Vector>(type_->valueType()));
      break;
    case TypeId::kStruct:
      for (const auto& f : type_->fields()) children_.push_back(std::make_shared<Vector>(f.type));
      break;
    default:
      break;
  }
}

MutableVectorPtr Vector::make(types::DataTypePtr type, size_t reserve) {
  auto v = std::make_shared<Vector>(std::move(type));
  if (reserve) v->reserve(reserve);
  return v;
}

VectorPtr Vector::nulls(types::DataTypePtr type, size_t size) {
  auto v = make(std::move(type), size);
  for (size_t i = 0; i < size; ++i) v->appendNull();
  return v;
}

VectorPtr Vector::constant(types::DataTypePtr type, const Value& value, size_t size) {
  auto v = make(type, size);
  if (value.isNull()) {
    for (size_t i = 0; i < size; ++i) v->appendNull();
    return v;
  }
  if (size == 0) return v;
  v->appendValue(value);
  int width = type->fixedWidth();
  if (width > 0 && type->id() != TypeId::kNull) {
    v->values_.resize(size * width);
    for (size_t i = 1; i < size; ++i) std::memcpy(v->values_.data() + i * width, v->values_.data(), width);
    v->size_ = size;
    return v;
  }
  auto one = make(type, 1);
  one->appendValue(value);
  std::vector<uint32_t> zeros(size - 1, 0);
  v->appendSelected(*one, zeros.data(), zeros.size());
  return v;
}

VectorPtr Vector::fromValues(types::DataTypePtr type, const std::vector<Value>& values) {
  auto v = make(std::move(type), values.size());
  for (const auto& value : values) v->appendValue(value);
  return v;
}

size_t Vector::nullCount() const {
  if (type_->id() == TypeId::kNull) return size_;
  if (validity_.empty()) return 0;
  size_t valid = 0;
  size_t fullWords = size_ / 64;
  for (size_t w = 0; w < fullWords; ++w) valid += __builtin_popcountll(validity_[w]);
  for (size_t i = fullWords * 64; i < size_; ++i) valid += (validity_[i >> 6] >> (i & 63)) & 1;
  return size_ - valid;
}

void Vector::materializeValidity() {
  if (!validity_.empty()) return;
  validity_.assign((size_ + 64) / 64 + 1, ~0ULL);
}

void Vector::growValidity(bool valid) {
  // Called after size_ was incremented: row size_-1 is the new one.
  size_t i = size_ - 1;
  if ((i >> 6) >= validity_.size()) validity_.resize((i >> 6) + 1, ~0ULL);
  if (valid) validity_[i >> 6] |= (1ULL << (i & 63));
  else validity_[i >> 6] &= ~(1ULL << (i & 63));
}

void Vector::setNull(size_t i) {
  materializeValidity();
  if ((i >> 6) >= validity_.size()) validity_.resize((i >> 6) + 1, ~0ULL);
  validity_[i >> 6] &= ~(1ULL << (i & 63));
}

void Vector::setValid(size_t i) {
  if (validity_.empty()) return;
  validity_[i >> 6] |= (1ULL << (i & 63));
}

void Vector::setNullMask(const uint8_t* nullMask, size_t n) {
  bool any = false;
  for (size_t i = 0; i < n; ++i) any |= nullMask[i] != 0;
  if (!any) {
    validity_.clear();
    return;
  }
  validity_.assign((n + 63) / 64 + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    validity_[i >> 6] |= static_cast<uint64_t>(nullMask[i] == 0) << (i & 63);
  }
}

void Vector::setValidityFrom(std::initializer_list<const Vector*> sources) {
  validity_.clear();
  for (const Vector* source : sources) {
    if (source == nullptr) continue;
    if (source->typeId() == TypeId::kNull) {
      validity_.assign((size_ + 63) / 64 + 1, 0);
      return;
    }
    if (source->validity_.empty()) continue;
    if (validity_.empty()) {
      validity_ = source->validity_;
      validity_.resize((size_ + 63) / 64 + 1, ~0ULL);
    } else {
      size_t words = std::min(validity_.size(), source->validity_.size());
      for (size_t w = 0; w < words; ++w) validity_[w] &= source->validity_[w];
    }
  }
}

void Vector::reserve(size_t n) {
  int width = type_->fixedWidth();
  if (width > 0) values_.reserve(n * width);
  if (!offsets_.empty()) offsets_.reserve(n + 1);
  if (type_->id() == TypeId::kStruct) {
    for (auto& c : children_) c->reserve(n);
  }
}

void Vector::resize(size_t n) {
  int width = type_->fixedWidth();
  if (width > 0) values_.resize(n * width, 0);
  if (!validity_.empty()) {
    validity_.resize((n + 63) / 64 + 1, ~0ULL);
    for (size_t i = size_; i < n; ++i) validity_[i >> 6] |= (1ULL << (i & 63));
  }
  size_ = n;
}

void Vector::appendNull() {
  switch (type_->id()) {
    case TypeId::kString:
    case TypeId::kBinary:
    case TypeId::kArray:
    case TypeId::kMap:
      offsets_.push_back(offsets_.back());
      break;
    case TypeId::kStruct:
      for (auto& c : children_) c->appendNull();
      break;
    default:
      values_.resize(values_.size() + type_->fixedWidth(), 0);
      break;
  }
  ++size_;
  materializeValidity();
  growValidity(false);
}

void Vector::appendString(std::string_view value) {
  bytes_.append(value.data(), value.size());
  offsets_.push_back(static_cast<uint32_t>(bytes_.size()));
  ++size_;
  if (!validity_.empty()) growValidity(true);
}

void Vector::appendListEnd() {
  offsets_.push_back(static_cast<uint32_t>(children_[0]->size()));
  ++size_;
  if (!validity_.empty()) growValidity(true);
}

void Vector::appendStructRow() {
  ++size_;
  if (!validity_.empty()) growValidity(true);
}

void Vector::appendValue(const Value& value) {
  if (value.isNull()) {
    appendNull();
    return;
  }
  switch (type_->id()) {
    case TypeId::kNull: appendNull(); break;
    case TypeId::kBoolean: append<uint8_t>(value.asBool() ? 1 : 0); break;
    case TypeId::kByte: append<int8_t>(static_cast<int8_t>(value.asLong())); break;
    case TypeId::kShort: append<int16_t>(static_cast<int16_t>(value.asLong())); break;
    case TypeId::kInteger: append<int32_t>(static_cast<int32_t>(value.asLong())); break;
    case TypeId::kLong: append<int64_t>(value.asLong()); break;
    case TypeId::kFloat: append<float>(static_cast<float>(value.asDouble())); break;
    case TypeId::kDouble: append<double>(value.asDouble()); break;
    case TypeId::kDecimal: {
      int128_t v = 0;
      if (value.kind() == Value::Kind::kDecimal) {
        Decimal d = value.asDecimal();
        v = d.unscaled;
        for (int s = d.scale; s < type_->scale(); ++s) v *= 10;
        for (int s = type_->scale(); s < d.scale; ++s) v /= 10;
      } else if (value.kind() == Value::Kind::kLong) {
        v = value.asLong();
        for (int s = 0; s < type_->scale(); ++s) v *= 10;
      } else {
        long double scaled = value.asDouble();
        for (int s = 0; s < type_->scale(); ++s) scaled *= 10;
        v = static_cast<int128_t>(scaled < 0 ? scaled - 0.5L : scaled + 0.5L);
      }
      append<int128_t>(v);
      break;
    }
    case TypeId::kString:
    case TypeId::kBinary: appendString(value.asString()); break;
    case TypeId::kDate: append<int32_t>(static_cast<int32_t>(value.asLong())); break;
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz: append<int64_t>(value.asLong()); break;
    case TypeId::kStruct: {
      const auto& fields = value.children();
      WEIR_CHECK(fields.size() == children_.size());
      for (size_t i = 0; i < fields.size(); ++i) children_[i]->appendValue(fields[i]);
      appendStructRow();
      break;
    }
    case TypeId::kArray:
      for (const auto& e : value.children()) children_[0]->appendValue(e);
      appendListEnd();
      break;
    case TypeId::kMap: {
      const auto& kv = value.children();
      for (size_t i = 0; i + 1 < kv.size(); i += 2) {
        children_[0]->appendValue(kv[i]);
        children_[1]->appendValue(kv[i + 1]);
      }
      appendListEnd();
      break;
    }
  }
}

void Vector::appendFrom(const Vector& source, size_t row) {
  uint32_t rows[1] = {static_cast<uint32_t>(row)};
  appendSelected(source, rows, 1);
}

void Vector::appendRange(const Vector& source, size_t start, size_t count) {
  if (count == 0) return;
  size_t oldSize = size_;
  switch (type_->id()) {
    case TypeId::kNull:
      break;
    case TypeId::kString:
    case TypeId::kBinary: {
      uint32_t base = source.offsets_[start];
      uint32_t shift = static_cast<uint32_t>(bytes_.size()) - base;
      bytes_.append(source.bytes_.data() + base, source.offsets_[start + count] - base);
      for (size_t i = 1; i <= count; ++i) offsets_.push_back(source.offsets_[start + i] + shift);
      break;
    }
    case TypeId::kStruct:
      for (size_t c = 0; c < children_.size(); ++c) children_[c]->appendRange(*source.children_[c], start, count);
      break;
    case TypeId::kArray:
    case TypeId::kMap: {
      uint32_t base = source.offsets_[start];
      uint32_t end = source.offsets_[start + count];
      uint32_t shift = static_cast<uint32_t>(children_[0]->size()) - base;
      for (size_t c = 0; c < children_.size(); ++c) children_[c]->appendRange(*source.children_[c], base, end - base);
      for (size_t i = 1; i <= count; ++i) offsets_.push_back(source.offsets_[start + i] + shift);
      break;
    }
    default: {
      int width = type_->fixedWidth();
      values_.insert(values_.end(), source.values_.begin() + start * width,
                     source.values_.begin() + (start + count) * width);
      break;
    }
  }
  size_ += count;
  if (source.validity_.empty() && type_->id() != TypeId::kNull) {
    if (!validity_.empty()) {
      validity_.resize((size_ + 63) / 64 + 1, ~0ULL);
      for (size_t i = oldSize; i < size_; ++i) validity_[i >> 6] |= (1ULL << (i & 63));
    }
    return;
  }
  materializeValidity();
  validity_.resize((size_ + 63) / 64 + 1, ~0ULL);
  for (size_t i = 0; i < count; ++i) {
    size_t at = oldSize + i;
    if (source.isNull(start + i) || type_->id() == TypeId::kNull) validity_[at >> 6] &= ~(1ULL << (at & 63));
    else validity_[at >> 6] |= (1ULL << (at & 63));
  }
}

void Vector::appendSelected(const Vector& source, const uint32_t* rows, size_t count) {
  if (count == 0) return;
  size_t oldSize = size_;
  switch (type_->id()) {
    case TypeId::kNull:
      break;
    case TypeId::kString:
    case TypeId::kBinary: {
      const uint32_t* so = source.offsets_.data();
      size_t total = 0;
      for (size_t i = 0; i < count; ++i) total += so[rows[i] + 1] - so[rows[i]];
      size_t at = bytes_.size();
      bytes_.resize(at + total);
      char* out = bytes_.data();
      for (size_t i = 0; i < count; ++i) {
        uint32_t b = so[rows[i]], e = so[rows[i] + 1];
        std::memcpy(out + at, source.bytes_.data() + b, e - b);
        at += e - b;
        offsets_.push_back(static_cast<uint32_t>(at));
      }
      break;
    }
    case TypeId::kStruct:
      for (size_t c = 0; c < children_.size(); ++c) children_[c]->appendSelected(*source.children_[c], rows, count);
      break;
    case TypeId::kArray:
    case TypeId::kMap: {
      std::vector<uint32_t> childRows;
      for (size_t i = 0; i < count; ++i) {
        for (uint32_t k = source.offsets_[rows[i]]; k < source.offsets_[rows[i] + 1]; ++k) childRows.push_back(k);
        offsets_.push_back(offsets_.back() + source.offsets_[rows[i] + 1] - source.offsets_[rows[i]]);
      }
      for (size_t c = 0; c < children_.size(); ++c) {
        children_[c]->appendSelected(*source.children_[c], childRows.data(), childRows.size());
      }
      break;
    }
    default: {
      int width = type_->fixedWidth();
      size_t at = values_.size();
      values_.resize(at + count * width);
      uint8_t* out = values_.data() + at;
      const uint8_t* in = source.values_.data();
      switch (width) {
        case 1:
          for (size_t i = 0; i < count; ++i) out[i] = in[rows[i]];
          break;
        case 2:
          for (size_t i = 0; i < count; ++i) std::memcpy(out + i * 2, in + rows[i] * 2, 2);
          break;
        case 4:
          for (size_t i = 0; i < count; ++i) std::memcpy(out + i * 4, in + rows[i] * 4, 4);
          break;
        case 8:
          for (size_t i = 0; i < count; ++i) std::memcpy(out + i * 8, in + static_cast<size_t>(rows[i]) * 8, 8);
          break;
        default:
          for (size_t i = 0; i < count; ++i) std::memcpy(out + i * width, in + static_cast<size_t>(rows[i]) * width, width);
          break;
      }
      break;
    }
  }
  size_ += count;
  if (source.validity_.empty() && type_->id() != TypeId::kNull) {
    if (!validity_.empty()) {
      validity_.resize((size_ + 63) / 64 + 1, ~0ULL);
      for (size_t i = oldSize; i < size_; ++i) validity_[i >> 6] |= (1ULL << (i & 63));
    }
    return;
  }
  materializeValidity();
  validity_.resize((size_ + 63) / 64 + 1, ~0ULL);
  for (size_t i = 0; i < count; ++i) {
    size_t at = oldSize + i;
    if (type_->id() == TypeId::kNull || source.isNull(rows[i])) validity_[at >> 6] &= ~(1ULL << (at & 63));
    else validity_[at >> 6] |= (1ULL << (at & 63));
  }
}

Value Vector::getValue(size_t i) const {
  if (isNull(i) || type_->id() == TypeId::kNull) return Value::null();
  switch (type_->id()) {
    case TypeId::kBoolean: return Value::boolean(valueAt<uint8_t>(i) != 0);
    case TypeId::kByte: return Value::integer(valueAt<int8_t>(i));
    case TypeId::kShort: return Value::integer(valueAt<int16_t>(i));
    case TypeId::kInteger: return Value::integer(valueAt<int32_t>(i));
    case TypeId::kLong: return Value::integer(valueAt<int64_t>(i));
    case TypeId::kFloat: return Value::floating(valueAt<float>(i));
    case TypeId::kDouble: return Value::real(valueAt<double>(i));
    case TypeId::kDecimal:
      return Value::decimal(Decimal{valueAt<int128_t>(i), type_->precision(), type_->scale()});
    case TypeId::kString: return Value::string(std::string(stringAt(i)));
    case TypeId::kBinary: return Value::binary(std::string(stringAt(i)));
    case TypeId::kDate: return Value::date(valueAt<int32_t>(i));
    case TypeId::kTimestamp: return Value::timestamp(valueAt<int64_t>(i));
    case TypeId::kTimestampNtz: return Value::timestampNtz(valueAt<int64_t>(i));
    case TypeId::kStruct: {
      std::vector<Value> fields;
      fields.reserve(children_.size());
      for (const auto& c : children_) fields.push_back(c->getValue(i));
      return Value::structOf(std::move(fields));
    }
    case TypeId::kArray: {
      std::vector<Value> elements;
      for (uint32_t k = offsets_[i]; k < offsets_[i + 1]; ++k) elements.push_back(children_[0]->getValue(k));
      return Value::array(std::move(elements));
    }
    case TypeId::kMap: {
      std::vector<Value> kv;
      for (uint32_t k = offsets_[i]; k < offsets_[i + 1]; ++k) {
        kv.push_back(children_[0]->getValue(k));
        kv.push_back(children_[1]->getValue(k));
      }
      return Value::map(std::move(kv));
    }
    default: break;
  }
  return Value::null();
}

std::string Vector::toString(size_t i) const { return getValue(i).toString(); }

VectorPtr Vector::gather(const uint32_t* rows, size_t count) const {
  auto v = make(type_);
  v->appendSelected(*this, rows, count);
  return v;
}

VectorPtr Vector::slice(size_t start, size_t count) const {
  auto v = make(type_);
  v->appendRange(*this, start, count);
  return v;
}

VectorPtr Vector::concat(const std::vector<VectorPtr>& parts) {
  WEIR_CHECK(!parts.empty());
  if (parts.size() == 1) return parts[0];
  size_t total = 0;
  for (const auto& p : parts) total += p->size();
  auto v = make(parts[0]->type(), total);
  for (const auto& p : parts) v->appendRange(*p, 0, p->size());
  return v;
}

}  // namespace weir::columnar
