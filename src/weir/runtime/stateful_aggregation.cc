#include "weir/runtime/stateful_aggregation.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <nlohmann/json.hpp>

#include "weir/base/error.h"
#include "weir/base/thread_pool.h"
#include "weir/exec/executor.h"
#include "weir/exec/key_encoder.h"
#include "weir/exec/row_codec.h"

namespace weir::runtime {

namespace {

using columnar::Value;

// Merges two partial values of one aggregate ("sum", "min" or "max"); NULL means "no value".
Value mergePartial(const std::string& fn, const Value& a, const Value& b) {
  if (fn == "first") return a;  // the earlier value, even NULL
  if (fn == "last") return b;
  if (fn == "firstNonNull") return a.isNull() ? b : a;
  if (fn == "lastNonNull") return b.isNull() ? a : b;
  if (a.isNull()) return b;
  if (b.isNull()) return a;
  if (fn == "hllUnion") {
    std::string registers = a.asString();
    const std::string& other = b.asString();
    if (other.size() != registers.size()) return a;  // sketches of one aggregate have one size
    for (size_t i = 0; i < registers.size(); ++i) registers[i] = std::max(registers[i], other[i], [](char x, char y) {
      return static_cast<unsigned char>(x) < static_cast<unsigned char>(y);
    });
    return Value::binary(std::move(registers));
  }
  if (fn == "concat" || fn == "union") {
    std::vector<Value> items = a.children();
    for (const auto& v : b.children()) {
      if (fn == "concat" || std::find(items.begin(), items.end(), v) == items.end()) items.push_back(v);
    }
    return Value::array(std::move(items));
  }
  if (fn == "sum") {
    if (a.kind() == Value::Kind::kLong) {
      return Value::integer(static_cast<int64_t>(static_cast<uint64_t>(a.asLong()) + static_cast<uint64_t>(b.asLong())));
    }
    return Value::real(a.asDouble() + b.asDouble());
  }
  if (fn == "min") return b < a ? b : a;
  return a < b ? b : a;
}

// A state value: the row's event time (int64 micros; INT64_MAX without an event-time key), so the
// eviction pass reads 8 bytes per key, then the row (keys and partials) in the row codec.
void encodeStateValue(int64_t eventTime, const std::vector<Value>& row, std::string& out) {
  out.clear();
  out.append(reinterpret_cast<const char*>(&eventTime), sizeof eventTime);
  exec::encodeRow(row, out);
}

int64_t stateEventTime(std::string_view value, const std::string& what) {
  if (value.size() < sizeof(int64_t)) {
    throw CorruptionError("STATE_STORE_CORRUPT", "A row in " + what + " is truncated. Restore the checkpoint, or "
                                                 "delete it to start the query over.");
  }
  int64_t t;
  std::memcpy(&t, value.data(), sizeof t);
  return t;
}

std::vector<Value> stateRow(std::string_view value, const std::string& what) {
  stateEventTime(value, what);
  return exec::decodeRow(value.substr(sizeof(int64_t)), what);
}

// The event time of row r of an event-time key column (a window: its end), in micros.
int64_t eventTimeAt(const columnar::Vector& v, size_t r) {
  if (v.typeId() == types::TypeId::kNull || v.isNull(r)) return INT64_MIN;
  if (v.typeId() == types::TypeId::kStruct) {
    const auto& end = v.child(1);
    return end.isNull(r) ? INT64_MIN : end.valueAt<int64_t>(r);
  }
  return v.valueAt<int64_t>(r);
}

// A streaming aggregation's state entries: the key is the grouping key in exec::encodeKeys's
// encoding, the value the partial aggregates in the same encoding. Merges values without
// building rows for fixed-width numbers; decodes entries to rows for output.
class StateCodec {
 public:
  StateCodec(const types::DataType& schema, size_t numKeys, const std::vector<std::string>& functions,
             int eventTimeKey, const std::string& what)
      : functions_(functions), eventTimeKey_(eventTimeKey), what_(what) {
    for (size_t i = 0; i < schema.fields().size(); ++i) {
      (i < numKeys ? keyTypes_ : valueTypes_).push_back(schema.fields()[i].type);
    }
    keyFlat_ = exec::flatKeyLayout(keyTypes_);
    if (eventTimeKey_ == 0 && keyFlat_ && keyTypes_[0]->id() == types::TypeId::kStruct) {
      const auto& fields = keyTypes_[0]->fields();
      auto isTime = [](const types::DataTypePtr& t) {
        return t->id() == types::TypeId::kTimestamp || t->id() == types::TypeId::kTimestampNtz;
      };
      windowFirst_ = fields.size() == 2 && isTime(fields[0].type) && isTime(fields[1].type);
    }
    valueFlat_ = exec::flatKeyLayout(valueTypes_);
    for (size_t j = 0; j < valueTypes_.size(); ++j) {
      const auto id = valueTypes_[j]->id();
      const std::string& fn = functions_[j];
      const bool sum = fn == "sum", order = fn == "min" || fn == "max";
      FixedOp op = FixedOp::kNone;
      if (sum && (id == types::TypeId::kLong)) op = FixedOp::kSumLong;
      if (sum && id == types::TypeId::kDouble) op = FixedOp::kSumDouble;
      if (order && (id == types::TypeId::kLong || id == types::TypeId::kDouble || id == types::TypeId::kInteger ||
                    id == types::TypeId::kDate || id == types::TypeId::kTimestamp || id == types::TypeId::kTimestampNtz ||
                    id == types::TypeId::kFloat)) {
        op = FixedOp::kOrder;
      }
      ops_.push_back(op);
      widths_.push_back(static_cast<size_t>(std::max(0, valueTypes_[j]->fixedWidth())));
      allFixed_ = allFixed_ && op != FixedOp::kNone;
    }
  }

  // Output columns for emitted rows, one per key and value column.
  std::vector<columnar::MutableVectorPtr> makeColumns() const {
    std::vector<columnar::MutableVectorPtr> out;
    for (const auto& t : keyTypes_) out.push_back(columnar::Vector::make(t));
    for (const auto& t : valueTypes_) out.push_back(columnar::Vector::make(t));
    return out;
  }

  // Decodes a key and value as one more row of `columns`.
  void appendRow(std::string_view key, std::string_view value, std::vector<columnar::MutableVectorPtr>& columns) const {
    for (size_t i = 0; i < keyTypes_.size(); ++i) append(key, keyFlat_, *columns[i]);
    for (size_t i = 0; i < valueTypes_.size(); ++i) append(value, valueFlat_, *columns[keyTypes_.size() + i]);
    if (!key.empty() || !value.empty()) corrupt();
  }

  // The event time of a state key (a window key: its end), in micros; INT64_MIN for NULL.
  int64_t eventTime(std::string_view key) const {
    if (windowFirst_ && key.size() >= 19 && key[0] == 1 && key[1] == 1 && key[10] == 1) {
      // The usual window key: valid, its start and end valid, at fixed places.
      int64_t end;
      std::memcpy(&end, key.data() + 11, sizeof end);
      return end;
    }
    for (int i = 0; i < eventTimeKey_; ++i) skipValue(key, *keyTypes_[static_cast<size_t>(i)], keyFlat_);
    const auto& type = *keyTypes_[static_cast<size_t>(eventTimeKey_)];
    if (type.id() == types::TypeId::kStruct) {
      // A window: validity, then start and end, each a validity byte and 8 bytes when valid.
      uint8_t valid = take<uint8_t>(key);
      if (!valid && !keyFlat_) return INT64_MIN;
      int64_t t = INT64_MIN;
      for (int field = 0; field < 2; ++field) {
        if (take<uint8_t>(key)) {
          t = take<int64_t>(key);
        } else {
          t = INT64_MIN;
        }
      }
      return valid ? t : INT64_MIN;
    }
    if (!take<uint8_t>(key)) return INT64_MIN;
    return take<int64_t>(key);
  }

  // Merges `incoming` into `state` in place when every partial is a valid fixed-width number
  // whose merge is a sum, min or max (a count, say): the sizes cannot change. False (with
  // `state` untouched) otherwise.
  bool mergeInPlace(char* state, std::string_view incoming) const {
    if (!allFixed_) return false;
    // Check first, so a NULL anywhere leaves the state as it was.
    size_t at = 0;
    for (size_t j = 0; j < valueTypes_.size(); ++j) {
      if (state[at] != 1 || at >= incoming.size() || incoming[at] != 1) return false;
      at += 1 + widths_[j];
    }
    if (at != incoming.size()) corrupt();
    at = 0;
    for (size_t j = 0; j < valueTypes_.size(); ++j) {
      char* x = state + at + 1;
      const char* y = incoming.data() + at + 1;
      switch (ops_[j]) {
        case FixedOp::kSumLong: {
          uint64_t a, b;
          std::memcpy(&a, x, 8);
          std::memcpy(&b, y, 8);
          a += b;
          std::memcpy(x, &a, 8);
          break;
        }
        case FixedOp::kSumDouble: {
          double a, b;
          std::memcpy(&a, x, 8);
          std::memcpy(&b, y, 8);
          a += b;
          std::memcpy(x, &a, 8);
          break;
        }
        default: {
          std::string merged;
          if (!mergeFixed(functions_[j], *valueTypes_[j], std::string_view(x - 1, 1 + widths_[j]),
                          std::string_view(y - 1, 1 + widths_[j]), merged)) {
            corrupt();
          }
          std::memcpy(x - 1, merged.data(), merged.size());
          break;
        }
      }
      at += 1 + widths_[j];
    }
    return true;
  }

  // out = the merge of two encoded values.
  void merge(std::string_view a, std::string_view b, std::string& out) const {
    out.clear();
    for (size_t j = 0; j < valueTypes_.size(); ++j) {
      const auto& type = *valueTypes_[j];
      std::string_view x = item(a, type), y = item(b, type);
      const std::string& fn = functions_[j];
      if (fn == "first" || fn == "last" || fn == "firstNonNull" || fn == "lastNonNull") {
        const bool keepOld = fn == "first" || (fn == "firstNonNull" && x[0] != 0) || (fn == "lastNonNull" && y[0] == 0);
        out.append(keepOld ? x : y);
        continue;
      }
      if (x[0] == 0) {
        out.append(y);
        continue;
      }
      if (y[0] == 0) {
        out.append(x);
        continue;
      }
      if (!mergeFixed(functions_[j], type, x, y, out)) {
        Value u, v;
        if (!exec::decodeKeyValue(x, type, valueFlat_, u) || !exec::decodeKeyValue(y, type, valueFlat_, v)) corrupt();
        exec::encodeKeyValue(mergeValues(functions_[j], type, u, v), type, valueFlat_, out);
      }
    }
    if (!a.empty() || !b.empty()) corrupt();
  }

 private:
  [[noreturn]] void corrupt() const {
    throw CorruptionError("STATE_STORE_CORRUPT", "An entry in " + what_ +
                                                     " is not a valid state row. Restore the checkpoint, or delete it "
                                                     "to start the query over.");
  }

  template <class T>
  T take(std::string_view& in) const {
    if (in.size() < sizeof(T)) corrupt();
    T v;
    std::memcpy(&v, in.data(), sizeof(T));
    in.remove_prefix(sizeof(T));
    return v;
  }

  void append(std::string_view& in, bool flat, columnar::Vector& out) const {
    const auto& type = *out.type();
    const auto id = type.id();
    auto fixed = [&](auto tag) {
      using T = typename decltype(tag)::type;
      if (take<uint8_t>(in)) {
        out.append<T>(take<T>(in));
      } else {
        out.appendNull();
      }
    };
    switch (id) {
      case types::TypeId::kLong:
      case types::TypeId::kTimestamp:
      case types::TypeId::kTimestampNtz:
        return fixed(std::type_identity<int64_t>{});
      case types::TypeId::kDouble:
        return fixed(std::type_identity<double>{});
      case types::TypeId::kInteger:
      case types::TypeId::kDate:
        return fixed(std::type_identity<int32_t>{});
      case types::TypeId::kString:
      case types::TypeId::kBinary:
        if (take<uint8_t>(in)) {
          const uint32_t size = take<uint32_t>(in);
          if (in.size() < size) corrupt();
          out.appendString(in.substr(0, size));
          in.remove_prefix(size);
        } else {
          out.appendNull();
        }
        return;
      case types::TypeId::kStruct:
        if (flat && !in.empty() && in[0] == 1) {
          in.remove_prefix(1);
          for (size_t c = 0; c < type.fields().size(); ++c) append(in, flat, out.mutableChild(c));
          out.appendStructRow();
          return;
        }
        break;
      default:
        break;
    }
    Value v;
    if (!exec::decodeKeyValue(in, type, flat, v)) corrupt();
    out.appendValue(v);
  }

  void skipValue(std::string_view& in, const types::DataType& type, bool flat) const {
    const int width = type.fixedWidth();
    if (width > 0 && type.id() != types::TypeId::kNull) {
      const size_t size = take<uint8_t>(in) ? 1 + static_cast<size_t>(width) : 1;
      in.remove_prefix(size - 1);
      return;
    }
    Value ignored;
    if (!exec::decodeKeyValue(in, type, flat, ignored)) corrupt();
  }

  // The next value's bytes (validity byte included) cut from the front of `in`.
  std::string_view item(std::string_view& in, const types::DataType& type) const {
    const std::string_view before = in;
    if (in.empty()) corrupt();
    if (type.id() == types::TypeId::kString || type.id() == types::TypeId::kBinary) {
      if (take<uint8_t>(in)) {
        const uint32_t size = take<uint32_t>(in);
        if (in.size() < size) corrupt();
        in.remove_prefix(size);
      }
    } else {
      skipValue(in, type, valueFlat_);
    }
    return before.substr(0, before.size() - in.size());
  }

  // Merges two valid fixed-width numbers in place of a row; false for other types.
  static bool mergeFixed(const std::string& fn, const types::DataType& type, std::string_view x, std::string_view y,
                         std::string& out) {
    auto pick = [&](auto a, auto b) {
      using T = decltype(a);
      T r;
      if (fn == "sum") {
        if constexpr (std::is_integral_v<T>) {
          r = static_cast<T>(static_cast<std::make_unsigned_t<T>>(a) + static_cast<std::make_unsigned_t<T>>(b));
        } else {
          r = a + b;
        }
      } else if (fn == "min") {
        r = lessThan(b, a) ? b : a;
      } else {
        r = lessThan(a, b) ? b : a;
      }
      out.push_back('\1');
      out.append(reinterpret_cast<const char*>(&r), sizeof r);
    };
    auto as = [&](auto tag) {
      using T = typename decltype(tag)::type;
      T a, b;
      std::memcpy(&a, x.data() + 1, sizeof a);
      std::memcpy(&b, y.data() + 1, sizeof b);
      pick(a, b);
      return true;
    };
    switch (type.id()) {
      case types::TypeId::kLong:
      case types::TypeId::kTimestamp:
      case types::TypeId::kTimestampNtz:
        return as(std::type_identity<int64_t>{});
      case types::TypeId::kDouble:
        return as(std::type_identity<double>{});
      case types::TypeId::kInteger:
      case types::TypeId::kDate:
        return fn != "sum" && as(std::type_identity<int32_t>{});
      case types::TypeId::kFloat:
        return fn != "sum" && as(std::type_identity<float>{});
      default:
        return false;
    }
  }

  // Spark's ordering of floating values: NaN above everything.
  template <class T>
  static bool lessThan(T a, T b) {
    if constexpr (std::is_floating_point_v<T>) {
      if (std::isnan(a)) return false;
      if (std::isnan(b)) return true;
    }
    return a < b;
  }

  static Value mergeValues(const std::string& fn, const types::DataType& type, const Value& a, const Value& b) {
    if (fn == "sum" && type.id() == types::TypeId::kDecimal) {
      // Spark's non-ANSI decimal sum: NULL once the result no longer fits the precision.
      const auto sum = a.asDecimal().unscaled + b.asDecimal().unscaled;
      columnar::int128_t limit = 1;
      for (int i = 0; i < type.precision(); ++i) limit *= 10;
      if (sum >= limit || sum <= -limit) return Value::null();
      return Value::decimal(columnar::Decimal{sum, type.precision(), type.scale()});
    }
    return mergePartial(fn, a, b);
  }

  enum class FixedOp : uint8_t { kNone, kSumLong, kSumDouble, kOrder };
  std::vector<types::DataTypePtr> keyTypes_, valueTypes_;
  bool keyFlat_ = true, valueFlat_ = true;
  // The event-time key is a window and the first key: a valid window's end is at bytes 11-18.
  bool windowFirst_ = false;
  std::vector<FixedOp> ops_;
  std::vector<size_t> widths_;
  bool allFixed_ = true;
  const std::vector<std::string>& functions_;
  int eventTimeKey_;
  const std::string& what_;
};

std::string typesOf(const types::DataTypePtr& schema, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) out += (out.empty() ? "" : ", ") + schema->fields()[i].type->simpleString();
  return "(" + out + ")";
}

}  // namespace

StatefulAggregation::StatefulAggregation(std::shared_ptr<io::FileSystem> fs, std::string checkpoint,
                                         StatefulOperator op)
    : fs_(std::move(fs)), checkpoint_(std::move(checkpoint)), op_(std::move(op)), stores_(fs_, checkpoint_, op_.id) {}

void StatefulAggregation::checkSchema(size_t partitions) {
  // state/<op>/_metadata/schema records what the state holds; a restarted query must match it.
  const auto& schema = op_.node->schema;
  const size_t n = schema->fields().size();
  nlohmann::ordered_json j;
  j["version"] = 2;  // 2: keys and values in exec::encodeKeys's encoding
  j["operatorName"] = op_.name;
  j["numPartitions"] = partitions;
  j["keySchema"] = typesOf(schema, 0, op_.numKeys);
  j["valueSchema"] = typesOf(schema, op_.numKeys, n);
  const std::string path = io::joinPath(
      io::joinPath(io::joinPath(io::joinPath(checkpoint_, "state"), std::to_string(op_.id)), "_metadata"), "schema");
  if (!fs_->exists(path)) {
    fs_->writeAtomic(path, j.dump(), false);
    return;
  }
  auto stored = nlohmann::json::parse(fs_->read(path), nullptr, false);
  if (stored.is_discarded() || !stored.is_object() || !stored.contains("keySchema")) {
    throw CorruptionError("STATE_STORE_CORRUPT", "The state schema file " + path +
                                                     " is corrupt. Restore it, or delete the checkpoint to start over.");
  }
  auto text = [&](const char* key) { return stored.value(key, nlohmann::json()).dump(); };
  auto fail = [&](const std::string& errorClass, const std::string& what, const std::string& was,
                  const std::string& now) {
    throw AnalysisError(errorClass, "The query's stateful operator " + std::to_string(op_.id) + " (" + op_.name +
                                        ") changed incompatibly since the checkpoint " + checkpoint_ + " was written: " +
                                        what + " was " + was + ", now " + now +
                                        ". Restore the query as it was, or start it with a new checkpointLocation.");
  };
  if (stored.value("version", 0) != 2) {
    throw CorruptionError("STATE_STORE_UNSUPPORTED_VERSION",
                          "The state of operator " + std::to_string(op_.id) + " in " + checkpoint_ +
                              " was written in state layout version " + text("version") +
                              "; this Weir reads version 2. Run the query with the Weir release that wrote the "
                              "checkpoint, or start it with a new checkpointLocation.");
  }
  if (stored.value("operatorName", "") != op_.name) {
    fail("STREAMING_STATEFUL_OPERATOR_NOT_MATCH_IN_STATE_METADATA", "the operator", text("operatorName"),
         j["operatorName"].dump());
  }
  if (stored["keySchema"] != j["keySchema"]) {
    fail("STATE_STORE_KEY_SCHEMA_NOT_COMPATIBLE", "the key schema", text("keySchema"), j["keySchema"].dump());
  }
  if (stored["valueSchema"] != j["valueSchema"]) {
    fail("STATE_STORE_VALUE_SCHEMA_NOT_COMPATIBLE", "the value schema", text("valueSchema"), j["valueSchema"].dump());
  }
  if (stored.value("numPartitions", partitions) != partitions) {
    fail("STATE_STORE_PARTITIONS_CHANGED", "the number of state partitions", text("numPartitions"),
         std::to_string(partitions));
  }
}

void StatefulAggregation::mergeSessions(state::StateStoreProvider& store, const plan::Partition& batches,
                                        bool append, bool complete, int64_t lateMicros, int64_t evictMicros,
                                        std::vector<columnar::Row>& emitted, int64_t& dropped,
                                        const std::string& what) {
  const size_t width = op_.node->schema->fields().size();
  const auto s = static_cast<size_t>(op_.sessionKey);
  using Session = std::vector<Value>;
  auto start = [&](const Session& r) { return r[s].children().at(0).asLong(); };
  auto end = [&](const Session& r) { return r[s].children().at(1).asLong(); };
  auto decode = [&](std::string_view value) {
    std::vector<Session> out;
    for (auto& v : stateRow(value, what)) out.push_back(v.children());
    return out;
  };
  auto encode = [&](const std::vector<Session>& sessions, std::string& out) {
    int64_t minEnd = INT64_MAX;
    std::vector<Value> list;
    for (const auto& r : sessions) {
      minEnd = std::min(minEnd, end(r));
      list.push_back(Value::structOf(r));
    }
    encodeStateValue(minEnd, list, out);
  };
  // The batch's sessions by the other keys.
  std::map<std::string, std::vector<Session>> touched;
  for (const auto& b : batches) {
    std::vector<columnar::VectorPtr> keyCols;
    for (size_t k = 0; k < op_.numKeys; ++k) {
      if (k != s) keyCols.push_back(b.column(k));
    }
    auto keys = exec::encodeKeys(keyCols, b.numRows());
    for (size_t r = 0; r < b.numRows(); ++r) {
      columnar::Row row = b.row(r);
      Session values;
      for (size_t c = 0; c < width; ++c) values.push_back(row[c]);
      if (values[s].isNull()) continue;
      if (end(values) <= lateMicros) {
        ++dropped;
        continue;
      }
      touched[std::string(keys.key(r))].push_back(std::move(values));
    }
  }
  std::string encoded;
  for (auto& [key, sessions] : touched) {
    if (auto old = store.get(key)) {
      for (auto& r : decode(*old)) sessions.push_back(std::move(r));
    }
    std::sort(sessions.begin(), sessions.end(), [&](const Session& a, const Session& b) { return start(a) < start(b); });
    std::vector<Session> merged;
    for (auto& r : sessions) {
      if (!merged.empty() && start(r) <= end(merged.back())) {
        Session& cur = merged.back();
        int64_t newEnd = std::max(end(cur), end(r));
        for (size_t j = op_.numKeys; j < width; ++j) cur[j] = mergePartial(op_.mergeFunctions[j - op_.numKeys], cur[j], r[j]);
        const auto& bounds = cur[s].children();
        cur[s] = Value::structOf({bounds.at(0), Value::timestamp(newEnd)});
      } else {
        merged.push_back(std::move(r));
      }
    }
    encode(merged, encoded);
    store.put(key, encoded);
  }
  // Sessions the watermark has passed are final: append emits them; they leave the state.
  if (!complete && evictMicros != INT64_MIN) {
    std::vector<std::pair<std::string, std::vector<Session>>> changed;
    store.forEach([&](std::string_view key, std::string_view value) {
      if (stateEventTime(value, what) <= evictMicros) changed.emplace_back(std::string(key), decode(value));
    });
    for (auto& [key, sessions] : changed) {
      std::vector<Session> open;
      for (auto& r : sessions) {
        if (end(r) <= evictMicros) {
          if (append) emitted.emplace_back(std::move(r));
        } else {
          open.push_back(std::move(r));
        }
      }
      if (open.empty()) {
        store.remove(key);
      } else {
        encode(open, encoded);
        store.put(key, encoded);
      }
    }
  }
  if (complete) {
    store.forEach([&](std::string_view, std::string_view value) {
      for (auto& r : decode(value)) emitted.emplace_back(std::move(r));
    });
  }
}

plan::Partitions StatefulAggregation::process(plan::Partitions partials, int64_t batchId,
                                              const std::string& outputMode, int64_t lateThresholdMs,
                                              int64_t evictionThresholdMs) {
  const size_t partitions = partials.size();
  if (op_.sessionKey >= 0 && partitions > 1) {
    // The aggregation partitioned rows by all its keys, the session window included; sessions of
    // one key must meet in one state partition, so partition by the other keys.
    std::vector<expr::ExprPtr> others;
    const auto& fields = op_.node->schema->fields();
    for (size_t k = 0; k < op_.numKeys; ++k) {
      if (static_cast<int>(k) != op_.sessionKey) {
        others.push_back(expr::boundColumn(static_cast<int>(k), fields[k].type, true, fields[k].name));
      }
    }
    expr::EvalContext ctx;
    partials = exec::shuffleByKeys(partials, others, partitions, ctx);
  }
  if (!schemaChecked_) {
    checkSchema(partitions);
    schemaChecked_ = true;
  }
  stores_.ensure(partitions);
  while (minEventTime_.size() < partitions) {
    minEventTime_.push_back(0);
    minEventTimeBatch_.push_back(-1);
  }
  const auto& schema = op_.node->schema;
  const bool complete = outputMode == "complete";
  const bool append = outputMode == "append";
  // Complete mode ignores the watermark: nothing is late, nothing leaves the state.
  const bool watermarked = op_.eventTimeKey >= 0 && !complete;
  const int64_t lateMicros = lateThresholdMs * 1000, evictMicros = evictionThresholdMs * 1000;
  plan::Partitions out(partitions);
  std::vector<state::StateStoreMetrics> metrics(partitions);
  std::vector<int64_t> dropped(partitions, 0);
  base::ThreadPool::global().parallelFor(partitions, [&](size_t p) {
    auto& store = stores_[p];
    store.load(batchId);
    const std::string what = "the state of operator " + std::to_string(op_.id) + ", partition " + std::to_string(p);
    std::vector<columnar::Row> emitted;
    if (op_.sessionKey >= 0) {
      mergeSessions(store, partials[p], append, complete, watermarked ? lateMicros : INT64_MIN,
                    watermarked ? evictMicros : INT64_MIN, emitted, dropped[p], what);
      metrics[p] = store.metrics();
      store.commit();
      metrics[p].commitTimeMs = store.metrics().commitTimeMs;
      store.doMaintenance();
      if (!emitted.empty()) out[p].push_back(columnar::ColumnBatch::fromRows(schema, emitted));
      return;
    }
    StateCodec codec(*op_.node->schema, op_.numKeys, op_.mergeFunctions, op_.eventTimeKey, what);
    bool minKnown = minEventTimeBatch_[p] == batchId;
    int64_t minTime = minKnown ? minEventTime_[p] : INT64_MIN;
    std::string merged;
    auto columns = codec.makeColumns();
    for (const auto& b : partials[p]) {
      const size_t n = b.numRows();
      std::vector<columnar::VectorPtr> keyCols(b.columns().begin(),
                                               b.columns().begin() + op_.numKeys);
      std::vector<columnar::VectorPtr> valueCols(b.columns().begin() + op_.numKeys,
                                                 b.columns().end());
      const columnar::Vector* times =
          watermarked ? b.column(static_cast<size_t>(op_.eventTimeKey)).get() : nullptr;
      const auto& map = store.map();
      // Rows are encoded a chunk at a time: the encodings are read while still in cache, and
      // their memory is reused from chunk to chunk instead of growing with the batch.
      constexpr size_t kChunk = 16384;
      for (size_t begin = 0; begin < n; begin += kChunk) {
        const size_t m = std::min(kChunk, n - begin);
        auto keys = exec::encodeKeys(keyCols, begin, m);
        auto values = exec::encodeKeys(valueCols, begin, m);
        for (size_t r = 0; r < m; ++r) {
          // Random reads of the index, the entries and the records, issued ahead.
          if (r + 12 < m) map.prefetchSlot(keys.hashes[r + 12]);
          if (r + 6 < m) map.prefetchEntry(keys.hashes[r + 6]);
          if (r + 3 < m) map.prefetchRecord(keys.hashes[r + 3]);
          if (times != nullptr && eventTimeAt(*times, begin + r) <= lateMicros) {
            ++dropped[p];
            continue;
          }
          const std::string_view key = keys.key(r);
          std::string_view value = values.key(r);
          const uint32_t id = store.find(key, keys.hashes[r]);
          if (id != state::StateMap::kNone) {
            char* inPlace = store.mutableValue(id);
            if (codec.mergeInPlace(inPlace, value)) {
              store.updated(id);
              value = store.value(id);
            } else {
              codec.merge(store.value(id), value, merged);
              value = merged;
              store.set(id, value);
            }
          } else {
            if (watermarked) {
              const int64_t t = codec.eventTime(key);
              store.put(key, keys.hashes[r], value, t);
              minTime = std::min(minTime, t);
            } else {
              store.put(key, keys.hashes[r], value);
            }
          }
          if (!complete && !append) codec.appendRow(key, value, columns);
        }
      }
    }
    if (watermarked && (!minKnown || minTime <= evictMicros)) {
      // Keys the watermark has passed are final: append emits them; both modes drop them.
      minTime = store.evictUpTo(
          evictMicros, [&](std::string_view key, std::string_view) { return codec.eventTime(key); },
          [&](std::string_view key, std::string_view value) {
            if (append) codec.appendRow(key, value, columns);
          });
      minKnown = true;
    }
    if (complete) {
      store.forEach([&](std::string_view key, std::string_view value) { codec.appendRow(key, value, columns); });
    }
    if (!columns.empty() && columns[0]->size() > 0) {
      out[p].push_back(columnar::ColumnBatch(schema, std::vector<columnar::VectorPtr>(columns.begin(), columns.end())));
    }
    metrics[p] = store.metrics();
    store.commit();
    metrics[p].commitTimeMs = store.metrics().commitTimeMs;
    store.doMaintenance();
    // The bound holds for the state the next batch starts from (a replay of this batch reloads
    // the older version and scans again).
    minEventTime_[p] = minTime;
    minEventTimeBatch_[p] = minKnown && watermarked ? batchId + 1 : -1;
    if (!emitted.empty()) out[p].push_back(columnar::ColumnBatch::fromRows(schema, emitted));
  });
  progress_ = StateOperatorProgress{};
  progress_.operatorName = op_.name;
  progress_.numShufflePartitions = static_cast<int64_t>(partitions);
  progress_.numStateStoreInstances = static_cast<int64_t>(partitions);
  for (auto d : dropped) progress_.numRowsDroppedByWatermark += d;
  for (const auto& m : metrics) {
    progress_.numRowsTotal += m.numKeys;
    progress_.numRowsUpdated += m.numUpdated;
    progress_.numRowsRemoved += m.numRemoved;
    progress_.memoryUsedBytes += m.memoryUsedBytes;
    progress_.commitTimeMs += m.commitTimeMs;
  }
  return out;
}

}  // namespace weir::runtime
