// Progress of a streaming query, as Spark reports it: one StreamingQueryProgress per trigger that
// ran a batch (or an idle trigger), serialized to JSON with Spark's field names and order.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace weir::runtime {

struct SourceProgress {
  std::string description;
  std::optional<std::string> startOffset;   // offset JSON text
  std::optional<std::string> endOffset;
  std::optional<std::string> latestOffset;
  int64_t numInputRows = 0;
  double inputRowsPerSecond = 0;
  double processedRowsPerSecond = 0;
  std::map<std::string, std::string> metrics;
};

struct SinkProgress {
  std::string description;
  int64_t numOutputRows = -1;
  std::map<std::string, std::string> metrics;
};

struct StateOperatorProgress {
  std::string operatorName;
  int64_t numRowsTotal = 0;
  int64_t numRowsUpdated = 0;
  int64_t allUpdatesTimeMs = 0;
  int64_t numRowsRemoved = 0;
  int64_t allRemovalsTimeMs = 0;
  int64_t commitTimeMs = 0;
  int64_t memoryUsedBytes = 0;
  int64_t numRowsDroppedByWatermark = 0;
  int64_t numShufflePartitions = 0;
  int64_t numStateStoreInstances = 0;
  std::map<std::string, int64_t> customMetrics;
};

/// What happened in one trigger. Immutable once reported.
struct StreamingQueryProgress {
  std::string id;
  std::string runId;
  std::string name;             // empty: null in JSON
  int64_t timestampMs = 0;      // trigger start
  int64_t batchId = 0;
  int64_t batchDuration = 0;
  int64_t numInputRows = 0;
  double inputRowsPerSecond = 0;
  double processedRowsPerSecond = 0;
  std::map<std::string, int64_t> durationMs;
  /// avg, max, min (ISO timestamps, present when the batch had event-time rows) and watermark.
  std::map<std::string, std::string> eventTime;
  std::vector<StateOperatorProgress> stateOperators;
  std::vector<SourceProgress> sources;
  SinkProgress sink;

  /// Spark's JSON: fields in Spark's order, empty maps and NaN/infinite rates left out, rates
  /// rounded to one decimal, timestamps as yyyy-MM-dd'T'HH:mm:ss.SSS'Z'.
  std::string json() const;
  std::string prettyJson() const;
};

/// What the query is doing now (Spark's StreamingQueryStatus).
struct StreamingQueryStatus {
  std::string message;
  bool isDataAvailable = false;
  bool isTriggerActive = false;
  std::string json() const;
};

/// Milliseconds since the epoch as Spark prints progress timestamps: 2025-01-01T00:00:00.000Z.
std::string formatProgressTimestamp(int64_t ms);

}  // namespace weir::runtime
