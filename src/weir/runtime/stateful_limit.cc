#include "weir/runtime/stateful_limit.h"

#include <cstring>

#include "weir/base/error.h"

namespace weir::runtime {

StatefulGlobalLimit::StatefulGlobalLimit(std::shared_ptr<io::FileSystem> fs, std::string checkpoint,
                                         StatefulOperator op)
    : op_(std::move(op)), store_(std::move(fs), state::StateStoreId{std::move(checkpoint), op_.id, 0, "default"}) {}

plan::Partitions StatefulGlobalLimit::process(plan::Partitions rows, int64_t batchId) {
  store_.load(batchId);
  int64_t emitted = 0;
  if (auto v = store_.get("")) {
    if (v->size() != sizeof emitted) {
      throw CorruptionError("STATE_STORE_CORRUPT", "The state of limit operator " + std::to_string(op_.id) +
                                                       " is corrupt. Restore the checkpoint, or delete it.");
    }
    std::memcpy(&emitted, v->data(), sizeof emitted);
  }
  int64_t remaining = std::max<int64_t>(0, op_.node->limit - emitted);
  plan::Partition out;
  for (auto& part : rows) {
    for (auto& b : part) {
      if (remaining <= 0) break;
      size_t take = std::min<size_t>(b.numRows(), static_cast<size_t>(remaining));
      out.push_back(b.slice(0, take));
      remaining -= static_cast<int64_t>(take);
      emitted += static_cast<int64_t>(take);
    }
  }
  std::string value(sizeof emitted, '\0');
  std::memcpy(value.data(), &emitted, sizeof emitted);
  store_.put("", value);
  auto metrics = store_.metrics();
  store_.commit();
  store_.doMaintenance();
  progress_ = StateOperatorProgress{};
  progress_.operatorName = "globalLimit";
  progress_.numRowsTotal = metrics.numKeys;
  progress_.numRowsUpdated = metrics.numUpdated;
  progress_.memoryUsedBytes = metrics.memoryUsedBytes;
  progress_.commitTimeMs = store_.metrics().commitTimeMs;
  progress_.numShufflePartitions = 1;
  progress_.numStateStoreInstances = 1;
  return {out};
}

}  // namespace weir::runtime
