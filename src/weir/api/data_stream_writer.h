// DataStreamWriter: starts a streaming query, as Spark's df.writeStream.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "weir/api/data_frame.h"
#include "weir/api/option_setters.h"
#include "weir/api/streaming_query.h"
#include "weir/base/clock.h"
#include "weir/io/file_system.h"
#include "weir/plan/logical_plan.h"

namespace weir {

/// Builder for a streaming write. Cheap to copy.
class DataStreamWriter : public OptionSetters<DataStreamWriter> {
 public:
  explicit DataStreamWriter(DataFrame frame) : frame_(std::move(frame)) {}

  /// "memory", "console", "noop" (more arrive with their issues: files, "kafka", "delta").
  DataStreamWriter& format(const std::string& sink);
  /// "append" (default), "update" or "complete".
  DataStreamWriter& outputMode(const std::string& mode);
  DataStreamWriter& queryName(const std::string& name);
  DataStreamWriter& trigger(const Trigger& trigger);
  DataStreamWriter& partitionBy(const std::vector<std::string>& columns);
  /// Hands each micro-batch to `fn` as a DataFrame with its batch id. The function may be called
  /// again with the same batch id after a failure: make its effect idempotent by batch id.
  DataStreamWriter& foreachBatch(std::function<void(const DataFrame&, int64_t)> fn);
  /// Where the checkpoint is kept (and the Delta sink's table written): the local file system by
  /// default. For other storage, and for tests that inject failures.
  DataStreamWriter& checkpointFileSystem(std::shared_ptr<io::FileSystem> fs);
  /// The clock triggers and batch timestamps read: the system clock by default. A ManualClock
  /// steps time exactly in tests of trigger timing.
  DataStreamWriter& clock(std::shared_ptr<base::Clock> clock);

  /// Checks the query against Spark's streaming rules and starts it.
  StreamingQuery start() const;
  StreamingQuery start(const std::string& path) const;

 private:
  DataFrame frame_;
  std::string format_;
  std::string outputMode_ = "append";
  std::string queryName_;
  Trigger trigger_ = Trigger::ProcessingTime(0);
  std::vector<std::string> partitionColumns_;
  std::function<void(const DataFrame&, int64_t)> foreachBatch_;
  std::shared_ptr<io::FileSystem> fileSystem_;
  std::shared_ptr<base::Clock> clock_;
};

}  // namespace weir
