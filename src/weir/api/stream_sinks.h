// The sinks that live with the API because they hand rows back to the program: memory (a table
// readable with Session::table), console, foreachBatch, and noop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "weir/api/data_frame.h"
#include "weir/connector/sink.h"

namespace weir {

/// The rows of a memory sink, readable while the query runs. Thread-safe.
class MemoryTable {
 public:
  explicit MemoryTable(types::DataTypePtr schema) : schema_(std::move(schema)) {}
  /// Adds (append, update) or replaces (complete) the rows of batch `batchId`; a batch id not newer
  /// than the last one added is skipped, so a replayed batch is not added twice.
  bool addBatch(int64_t batchId, const plan::Partitions& rows, bool complete);
  std::vector<columnar::ColumnBatch> snapshot() const;
  const types::DataTypePtr& schema() const { return schema_; }

 private:
  types::DataTypePtr schema_;
  mutable std::mutex mutex_;
  int64_t lastBatchId_ = -1;
  std::vector<columnar::ColumnBatch> rows_;
};

/// Writes each batch into a MemoryTable.
class MemorySink : public connector::Sink {
 public:
  MemorySink(std::string name, std::shared_ptr<MemoryTable> table) : name_(std::move(name)), table_(std::move(table)) {}
  std::string describe() const override { return "MemorySink"; }
  void addBatch(int64_t batchId, const connector::BatchOutput& output) override;
  int64_t lastOutputRows() const override { return lastRows_; }

 private:
  std::string name_;
  std::shared_ptr<MemoryTable> table_;
  int64_t lastRows_ = 0;
};

/// Prints each batch as Spark's console sink: a "Batch: N" banner, then show(numRows, truncate).
class ConsoleSink : public connector::Sink {
 public:
  ConsoleSink(std::shared_ptr<SessionState> session, int numRows, bool truncate)
      : session_(std::move(session)), numRows_(numRows), truncate_(truncate) {}
  std::string describe() const override {
    return "org.apache.spark.sql.execution.streaming.ConsoleTable$@weir";
  }
  void addBatch(int64_t batchId, const connector::BatchOutput& output) override;
  int64_t lastOutputRows() const override { return lastRows_; }

 private:
  std::shared_ptr<SessionState> session_;
  int numRows_;
  bool truncate_;
  int64_t lastRows_ = 0;
};

/// Calls the user's function with each batch as a DataFrame and its batch id (at-least-once: a
/// replayed batch calls it again with the same id).
class ForeachBatchSink : public connector::Sink {
 public:
  using Function = std::function<void(const DataFrame&, int64_t)>;
  ForeachBatchSink(std::shared_ptr<SessionState> session, Function fn) : session_(std::move(session)), fn_(std::move(fn)) {}
  std::string describe() const override { return "ForeachBatchSink"; }
  void addBatch(int64_t batchId, const connector::BatchOutput& output) override;

 private:
  std::shared_ptr<SessionState> session_;
  Function fn_;
};

/// Discards every batch (for benchmarks).
class NoopSink : public connector::Sink {
 public:
  std::string describe() const override { return "org.apache.spark.sql.execution.datasources.noop.NoopTable$@weir"; }
  void addBatch(int64_t, const connector::BatchOutput& output) override {
    lastRows_ = static_cast<int64_t>(output.numRows());
  }
  int64_t lastOutputRows() const override { return lastRows_; }

 private:
  int64_t lastRows_ = 0;
};

/// A DataFrame over rows already computed (one batch's output).
DataFrame frameOf(const std::shared_ptr<SessionState>& session, const types::DataTypePtr& schema,
                  const plan::Partitions& rows);

}  // namespace weir
