#include "weir/api/stream_sinks.h"

#include <iostream>

#include "weir/api/session.h"

namespace weir {

bool MemoryTable::addBatch(int64_t batchId, const plan::Partitions& rows, bool complete) {
  std::lock_guard lock(mutex_);
  if (batchId <= lastBatchId_) return false;
  if (complete) rows_.clear();
  for (const auto& part : rows) {
    for (const auto& b : part) {
      if (b.numRows() > 0) rows_.emplace_back(schema_, b.columns(), b.numRows());
    }
  }
  lastBatchId_ = batchId;
  return true;
}

std::vector<columnar::ColumnBatch> MemoryTable::snapshot() const {
  std::lock_guard lock(mutex_);
  return rows_;
}

void MemorySink::addBatch(int64_t batchId, const connector::BatchOutput& output) {
  lastRows_ = static_cast<int64_t>(output.numRows());
  table_->addBatch(batchId, output.partitions, output.outputMode == "complete");
}

DataFrame frameOf(const std::shared_ptr<SessionState>& session, const types::DataTypePtr& schema,
                  const plan::Partitions& rows) {
  auto p = std::make_shared<plan::LogicalPlan>();
  p->kind = plan::PlanKind::kLocalRelation;
  p->schema = schema;
  for (const auto& part : rows) {
    for (const auto& b : part) {
      if (b.numRows() > 0) p->data.emplace_back(schema, b.columns(), b.numRows());
    }
  }
  return DataFrame(session, p);
}

void ConsoleSink::addBatch(int64_t batchId, const connector::BatchOutput& output) {
  lastRows_ = static_cast<int64_t>(output.numRows());
  auto frame = frameOf(session_, output.schema, output.partitions);
  std::string text = "-------------------------------------------\nBatch: " + std::to_string(batchId) +
                     "\n-------------------------------------------\n" +
                     frame.showString(numRows_, truncate_ ? 20 : 0) + "\n";
  std::cout << text << std::flush;
}

void ForeachBatchSink::addBatch(int64_t batchId, const connector::BatchOutput& output) {
  fn_(frameOf(session_, output.schema, output.partitions), batchId);
}

}  // namespace weir
