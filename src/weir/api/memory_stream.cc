#include "weir/api/memory_stream.h"

#include <algorithm>

#include <atomic>
#include <mutex>

#include "weir/api/session.h"
#include "weir/base/error.h"
#include "weir/connector/source.h"

namespace weir {

/// The rows added so far: per addData() call (one offset), its rows in column batches of
/// kDefaultBatchRows rows. Shared by the handle, the plan leaf and
/// every source reading it.
struct MemoryStreamData {
  int64_t id = 0;
  types::DataTypePtr schema;
  mutable std::mutex mutex;
  std::vector<std::vector<columnar::ColumnBatch>> batches;
};

namespace {

int64_t parseOffset(const connector::Offset& offset) {
  try {
    size_t used = 0;
    int64_t v = std::stoll(offset, &used);
    if (used == offset.size()) return v;
  } catch (const std::exception&) {
  }
  throw CorruptionError("CHECKPOINT_CORRUPT",
                        "A MemoryStream offset must be a number, but the checkpoint holds \"" + offset +
                            "\". The checkpoint belongs to another query; use a new checkpointLocation.");
}

class MemorySource : public connector::Source {
 public:
  MemorySource(std::shared_ptr<MemoryStreamData> data, std::string description)
      : data_(std::move(data)), description_(std::move(description)) {}

  std::string describe() const override { return description_; }
  types::DataTypePtr schema() const override { return data_->schema; }

  std::optional<connector::Offset> latestOffset(const std::optional<connector::Offset>&,
                                                const connector::ReadLimit&) override {
    std::lock_guard lock(data_->mutex);
    if (data_->batches.empty()) return std::nullopt;
    return std::to_string(data_->batches.size() - 1);
  }

  plan::Partitions getBatch(const std::optional<connector::Offset>& start, const connector::Offset& end) override {
    int64_t from = start ? parseOffset(*start) + 1 : 0;
    int64_t to = parseOffset(end);
    std::lock_guard lock(data_->mutex);
    if (to >= static_cast<int64_t>(data_->batches.size())) {
      throw DataLossError("MEMORY_STREAM_DATA_LOST",
                          "The checkpoint asks " + description_ + " for data up to offset " + end +
                              ", but only " + std::to_string(data_->batches.size()) +
                              " batches were added in this process. A MemoryStream keeps no data across "
                              "processes; use a new checkpointLocation.");
    }
    plan::Partition part;
    for (int64_t i = std::max<int64_t>(0, from); i <= to; ++i) {
      for (const auto& b : data_->batches[static_cast<size_t>(i)]) part.push_back(b);
    }
    return {part};
  }

 private:
  std::shared_ptr<MemoryStreamData> data_;
  std::string description_;
};

class MemoryStreamInput : public connector::SourceProvider {
 public:
  explicit MemoryStreamInput(std::shared_ptr<MemoryStreamData> data) : data_(std::move(data)) {}
  types::DataTypePtr schema() const override { return data_->schema; }
  std::string describe() const override {
    std::string cols;
    for (const auto& f : data_->schema->fields()) cols += (cols.empty() ? "" : ",") + f.name;
    return "MemoryStream[" + cols + "]";
  }
  std::unique_ptr<connector::Source> createSource(const connector::SourceContext&) const override {
    return std::make_unique<MemorySource>(data_, describe());
  }

 private:
  std::shared_ptr<MemoryStreamData> data_;
};

}  // namespace

MemoryStream MemoryStream::create(const Session& session, const StructType& schema) {
  static std::atomic<int64_t> nextId{0};
  auto data = std::make_shared<MemoryStreamData>();
  data->id = nextId++;
  data->schema = schema.type();
  return MemoryStream(session.state(), data);
}

int64_t MemoryStream::addData(const std::vector<columnar::Row>& rows) const {
  std::vector<columnar::ColumnBatch> batches;
  for (size_t start = 0; start < rows.size(); start += columnar::kDefaultBatchRows) {
    const size_t end = std::min(rows.size(), start + columnar::kDefaultBatchRows);
    batches.push_back(columnar::ColumnBatch::fromRows(
        data_->schema, std::vector<columnar::Row>(rows.begin() + static_cast<long>(start), rows.begin() + static_cast<long>(end))));
  }
  std::lock_guard lock(data_->mutex);
  data_->batches.push_back(std::move(batches));
  return static_cast<int64_t>(data_->batches.size()) - 1;
}

int64_t MemoryStream::latestOffset() const {
  std::lock_guard lock(data_->mutex);
  return static_cast<int64_t>(data_->batches.size()) - 1;
}

DataFrame MemoryStream::toDF() const {
  auto p = std::make_shared<plan::LogicalPlan>();
  p->kind = plan::PlanKind::kStreamingRelation;
  p->stream = std::make_shared<MemoryStreamInput>(data_);
  p->schema = data_->schema;
  return DataFrame(session_, p);
}

}  // namespace weir
