#include "weir/runtime/progress.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "weir/base/time.h"

namespace weir::runtime {

namespace {

using Json = nlohmann::ordered_json;

// Offsets are JSON text: embedded as JSON values (a bare long stays a number).
Json offsetJson(const std::optional<std::string>& offset) {
  if (!offset) return nullptr;
  Json parsed = Json::parse(*offset, nullptr, false);
  return parsed.is_discarded() ? Json(*offset) : parsed;
}

// Rates rounded to one decimal; NaN and infinities are left out (returns false).
bool rate(double value, Json& out) {
  if (!std::isfinite(value)) return false;
  out = std::round(value * 10.0) / 10.0;
  return true;
}

Json toJson(const StreamingQueryProgress& p) {
  Json j;
  j["id"] = p.id;
  j["runId"] = p.runId;
  j["name"] = p.name.empty() ? Json(nullptr) : Json(p.name);
  j["timestamp"] = formatProgressTimestamp(p.timestampMs);
  j["batchId"] = p.batchId;
  j["batchDuration"] = p.batchDuration;
  j["numInputRows"] = p.numInputRows;
  Json r;
  if (rate(p.inputRowsPerSecond, r)) j["inputRowsPerSecond"] = r;
  if (rate(p.processedRowsPerSecond, r)) j["processedRowsPerSecond"] = r;
  if (!p.durationMs.empty()) {
    Json d;
    for (const auto& [k, v] : p.durationMs) d[k] = v;
    j["durationMs"] = d;
  }
  if (!p.eventTime.empty()) {
    Json e;
    for (const auto& [k, v] : p.eventTime) e[k] = v;
    j["eventTime"] = e;
  }
  Json ops = Json::array();
  for (const auto& s : p.stateOperators) {
    Json o;
    o["operatorName"] = s.operatorName;
    o["numRowsTotal"] = s.numRowsTotal;
    o["numRowsUpdated"] = s.numRowsUpdated;
    o["allUpdatesTimeMs"] = s.allUpdatesTimeMs;
    o["numRowsRemoved"] = s.numRowsRemoved;
    o["allRemovalsTimeMs"] = s.allRemovalsTimeMs;
    o["commitTimeMs"] = s.commitTimeMs;
    o["memoryUsedBytes"] = s.memoryUsedBytes;
    o["numRowsDroppedByWatermark"] = s.numRowsDroppedByWatermark;
    o["numShufflePartitions"] = s.numShufflePartitions;
    o["numStateStoreInstances"] = s.numStateStoreInstances;
    if (!s.customMetrics.empty()) {
      Json c;
      for (const auto& [k, v] : s.customMetrics) c[k] = v;
      o["customMetrics"] = c;
    }
    ops.push_back(o);
  }
  j["stateOperators"] = ops;
  Json sources = Json::array();
  for (const auto& s : p.sources) {
    Json o;
    o["description"] = s.description;
    o["startOffset"] = offsetJson(s.startOffset);
    o["endOffset"] = offsetJson(s.endOffset);
    o["latestOffset"] = offsetJson(s.latestOffset);
    o["numInputRows"] = s.numInputRows;
    if (rate(s.inputRowsPerSecond, r)) o["inputRowsPerSecond"] = r;
    if (rate(s.processedRowsPerSecond, r)) o["processedRowsPerSecond"] = r;
    if (!s.metrics.empty()) {
      Json m;
      for (const auto& [k, v] : s.metrics) m[k] = v;
      o["metrics"] = m;
    }
    sources.push_back(o);
  }
  j["sources"] = sources;
  Json sink;
  sink["description"] = p.sink.description;
  sink["numOutputRows"] = p.sink.numOutputRows;
  if (!p.sink.metrics.empty()) {
    Json m;
    for (const auto& [k, v] : p.sink.metrics) m[k] = v;
    sink["metrics"] = m;
  }
  j["sink"] = sink;
  return j;
}

}  // namespace

std::string StreamingQueryProgress::json() const { return toJson(*this).dump(); }

std::string StreamingQueryProgress::prettyJson() const { return toJson(*this).dump(2); }

std::string StreamingQueryStatus::json() const {
  Json j;
  j["message"] = message;
  j["isDataAvailable"] = isDataAvailable;
  j["isTriggerActive"] = isTriggerActive;
  return j.dump();
}

std::string formatProgressTimestamp(int64_t ms) {
  // yyyy-MM-dd'T'HH:mm:ss.SSS'Z' in UTC.
  std::string iso = base::formatTimestampIso(ms * 1000);  // 2025-01-01T00:00:00.000Z or with micros
  return iso;
}

}  // namespace weir::runtime
