#include "weir/runtime/stateful_aggregation.h"

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
Value merge(const std::string& fn, const Value& a, const Value& b) {
  if (a.isNull()) return b;
  if (b.isNull()) return a;
  if (fn == "sum") {
    if (a.kind() == Value::Kind::kLong) {
      return Value::integer(static_cast<int64_t>(static_cast<uint64_t>(a.asLong()) + static_cast<uint64_t>(b.asLong())));
    }
    return Value::real(a.asDouble() + b.asDouble());
  }
  if (fn == "min") return b < a ? b : a;
  return a < b ? b : a;
}

// The event time of a state row: its event-time key, or the end of a window key, in micros.
int64_t eventTimeOf(const Value& key) {
  if (key.kind() == Value::Kind::kStruct) {
    const auto& end = key.children().at(1);
    return end.isNull() ? INT64_MIN : end.asLong();
  }
  return key.isNull() ? INT64_MIN : key.asLong();
}

// A state value: the row's event time (int64 micros; INT64_MAX without an event-time key), so the
// eviction pass reads 8 bytes per key, then the row (keys and partials) in the row codec.
void encodeStateValue(int64_t eventTime, const std::vector<Value>& row, std::string& out) {
  out.clear();
  out.append(reinterpret_cast<const char*>(&eventTime), sizeof eventTime);
  exec::encodeRow(row, out);
}

int64_t stateEventTime(const std::string& value, const std::string& what) {
  if (value.size() < sizeof(int64_t)) {
    throw CorruptionError("STATE_STORE_CORRUPT", "A row in " + what + " is truncated. Restore the checkpoint, or "
                                                 "delete it to start the query over.");
  }
  int64_t t;
  std::memcpy(&t, value.data(), sizeof t);
  return t;
}

std::vector<Value> stateRow(const std::string& value, const std::string& what) {
  stateEventTime(value, what);
  return exec::decodeRow(std::string_view(value).substr(sizeof(int64_t)), what);
}

std::string typesOf(const types::DataTypePtr& schema, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) out += (out.empty() ? "" : ", ") + schema->fields()[i].type->simpleString();
  return "(" + out + ")";
}

}  // namespace

StatefulAggregation::StatefulAggregation(std::shared_ptr<io::FileSystem> fs, std::string checkpoint,
                                         StatefulOperator op)
    : fs_(std::move(fs)), checkpoint_(std::move(checkpoint)), op_(std::move(op)) {}

void StatefulAggregation::checkSchema(size_t partitions) {
  // state/<op>/_metadata/schema records what the state holds; a restarted query must match it.
  const auto& schema = op_.node->schema;
  const size_t n = schema->fields().size();
  nlohmann::ordered_json j;
  j["version"] = 1;
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
  auto decode = [&](const std::string& value) {
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
    if (const std::string* old = store.get(key)) {
      for (auto& r : decode(*old)) sessions.push_back(std::move(r));
    }
    std::sort(sessions.begin(), sessions.end(), [&](const Session& a, const Session& b) { return start(a) < start(b); });
    std::vector<Session> merged;
    for (auto& r : sessions) {
      if (!merged.empty() && start(r) <= end(merged.back())) {
        Session& cur = merged.back();
        int64_t newEnd = std::max(end(cur), end(r));
        for (size_t j = op_.numKeys; j < width; ++j) cur[j] = merge(op_.mergeFunctions[j - op_.numKeys], cur[j], r[j]);
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
    store.forEach([&](const std::string& key, const std::string& value) {
      if (stateEventTime(value, what) <= evictMicros) changed.emplace_back(key, decode(value));
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
    store.forEach([&](const std::string&, const std::string& value) {
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
  while (stores_.size() < partitions) {
    state::StateStoreId id{checkpoint_, op_.id, static_cast<int>(stores_.size()), "default"};
    stores_.push_back(std::make_unique<state::StateStoreProvider>(fs_, id));
  }
  const auto& schema = op_.node->schema;
  const size_t width = schema->fields().size();
  const bool complete = outputMode == "complete";
  const bool append = outputMode == "append";
  // Complete mode ignores the watermark: nothing is late, nothing leaves the state.
  const bool watermarked = op_.eventTimeKey >= 0 && !complete;
  const int64_t lateMicros = lateThresholdMs * 1000, evictMicros = evictionThresholdMs * 1000;
  plan::Partitions out(partitions);
  std::vector<state::StateStoreMetrics> metrics(partitions);
  std::vector<int64_t> dropped(partitions, 0);
  base::ThreadPool::global().parallelFor(partitions, [&](size_t p) {
    auto& store = *stores_[p];
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
    std::string encoded;
    for (const auto& b : partials[p]) {
      std::vector<columnar::VectorPtr> keyCols(b.columns().begin(), b.columns().begin() + op_.numKeys);
      auto keys = exec::encodeKeys(keyCols, b.numRows());
      for (size_t r = 0; r < b.numRows(); ++r) {
        columnar::Row row = b.row(r);
        std::vector<Value> values;
        values.reserve(width);
        for (size_t c = 0; c < width; ++c) values.push_back(row[c]);
        if (watermarked && eventTimeOf(values[static_cast<size_t>(op_.eventTimeKey)]) <= lateMicros) {
          ++dropped[p];
          continue;
        }
        std::string key(keys.key(r));
        if (const std::string* old = store.get(key)) {
          auto previous = stateRow(*old, what);
          if (previous.size() != width) throw CorruptionError("STATE_STORE_CORRUPT", "A row in " + what + " has the wrong width.");
          for (size_t j = op_.numKeys; j < width; ++j) {
            values[j] = merge(op_.mergeFunctions[j - op_.numKeys], previous[j], values[j]);
          }
        }
        encodeStateValue(op_.eventTimeKey >= 0 ? eventTimeOf(values[static_cast<size_t>(op_.eventTimeKey)]) : INT64_MAX,
                         values, encoded);
        store.put(std::move(key), encoded);
        if (!complete && !append) emitted.emplace_back(std::move(values));
      }
    }
    if (watermarked) {
      // Keys the watermark has passed are final: append emits them; both modes drop them.
      std::vector<std::string> evicted;
      store.forEach([&](const std::string& key, const std::string& value) {
        if (stateEventTime(value, what) <= evictMicros) {
          evicted.push_back(key);
          if (append) emitted.emplace_back(stateRow(value, what));
        }
      });
      for (const auto& key : evicted) store.remove(key);
    }
    if (complete) {
      store.forEach([&](const std::string&, const std::string& value) { emitted.emplace_back(stateRow(value, what)); });
    }
    metrics[p] = store.metrics();
    store.commit();
    metrics[p].commitTimeMs = store.metrics().commitTimeMs;
    store.doMaintenance();
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
