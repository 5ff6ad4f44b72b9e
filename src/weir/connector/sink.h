// The streaming sink contract: addBatch(batchId, rows), which may be called again with the same
// batch id after a failure and must then not duplicate its effect (or say it is at-least-once).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "weir/plan/logical_plan.h"

namespace weir::connector {

/// One micro-batch's output.
struct BatchOutput {
  types::DataTypePtr schema;
  plan::Partitions partitions;
  /// The query's output mode: "append", "update" or "complete".
  std::string outputMode;
  /// The query's id (stable across restarts), for sinks that make replays idempotent.
  std::string queryId;
  size_t numRows() const {
    size_t n = 0;
    for (const auto& p : partitions) {
      for (const auto& b : p) n += b.numRows();
    }
    return n;
  }
};

/// A streaming sink, used from the query's thread only.
class Sink {
 public:
  virtual ~Sink() = default;
  /// The progress report's sink "description".
  virtual std::string describe() const = 0;
  virtual void addBatch(int64_t batchId, const BatchOutput& output) = 0;
  /// Rows written by the last addBatch for the progress report; -1 when unknown.
  virtual int64_t lastOutputRows() const { return -1; }
  virtual void stop() {}
};

}  // namespace weir::connector
