// The streaming source contract the runtime reads through (Spark's MicroBatchStream): offsets as
// JSON text, a latest offset under a read limit, and deterministic batches between two offsets.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "weir/base/clock.h"
#include "weir/io/file_system.h"
#include "weir/plan/logical_plan.h"

namespace weir::connector {

/// An offset in Spark's serialized form: the JSON text written to the offset log (a bare long
/// for memory and rate sources, {"logOffset":7} for files, {"t":{"0":23}} for Kafka). Offsets are
/// compared by equality of this text.
using Offset = std::string;

/// How much a source may hand to one batch (Spark's ReadLimit).
struct ReadLimit {
  /// kSourceDefault: the limits of the source's own options (maxFilesPerTrigger, ...); kAll: none
  /// (Trigger.Once ignores read limits).
  enum class Kind : uint8_t { kSourceDefault, kAll, kMaxRows, kMaxFiles, kMinRows };
  Kind kind = Kind::kSourceDefault;
  int64_t value = 0;
  int64_t maxTriggerDelayMs = 0;  // kMinRows: fire anyway after this long
  static ReadLimit all() { return {Kind::kAll, 0, 0}; }
  static ReadLimit sourceDefault() { return {}; }
};

/// A streaming source for one query run. Created by the runtime at start and used from the query's
/// thread only; getBatch may be called again for the same offsets after a restart (replay) and must
/// return the same rows.
class Source {
 public:
  virtual ~Source() = default;
  /// The progress report's "description".
  virtual std::string describe() const = 0;
  virtual types::DataTypePtr schema() const = 0;
  /// What the next batch should read up to, starting after `start` (nullopt: nothing read yet),
  /// within `limit`. nullopt when the source has no data at all yet.
  virtual std::optional<Offset> latestOffset(const std::optional<Offset>& start, const ReadLimit& limit) = 0;
  /// The newest offset available regardless of limits (progress "latestOffset"); nullopt if unknown.
  virtual std::optional<Offset> reportLatestOffset() { return std::nullopt; }
  /// The rows after `start` up to and including `end`, split into partitions.
  virtual plan::Partitions getBatch(const std::optional<Offset>& start, const Offset& end) = 0;
  /// Everything up to `end` is committed: the source may forget it.
  virtual void commit(const Offset& end) {}
  /// Trigger.AvailableNow: fix what "available" means now.
  virtual void prepareForTriggerAvailableNow() {}
  /// Source-specific metrics for the progress report.
  virtual std::map<std::string, std::string> metrics(const std::optional<Offset>& latestConsumed) { return {}; }
  virtual void stop() {}
};

/// Where a source keeps private files (`<checkpoint>/sources/<i>`) and how to reach storage.
struct SourceContext {
  std::shared_ptr<io::FileSystem> fileSystem;
  std::string metadataPath;
  int sourceIndex = 0;
  /// The query's clock (trigger delays); the system clock when null.
  std::shared_ptr<base::Clock> clock;
  /// Set when the query is being stopped: a source waiting long (for a broker that is down)
  /// checks it and gives up with InterruptedError. Null when nothing can interrupt.
  std::shared_ptr<const std::atomic<bool>> interrupted;
};

/// A streaming input that can open a Source: connectors subclass this for their plan leaves.
class SourceProvider : public plan::StreamingInput {
 public:
  virtual std::unique_ptr<Source> createSource(const SourceContext& context) const = 0;
};

}  // namespace weir::connector
