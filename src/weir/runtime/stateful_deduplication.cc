#include "weir/runtime/stateful_deduplication.h"

#include <algorithm>
#include <cstring>

#include "weir/base/error.h"
#include "weir/base/thread_pool.h"
#include "weir/exec/key_encoder.h"

namespace weir::runtime {

namespace {

std::string encodeMicros(int64_t v) {
  std::string out(sizeof v, '\0');
  std::memcpy(out.data(), &v, sizeof v);
  return out;
}

int64_t decodeMicros(std::string_view bytes, const std::string& what) {
  if (bytes.size() != sizeof(int64_t)) {
    throw CorruptionError("STATE_STORE_CORRUPT", "A value in " + what +
                                                     " is not an event time. Restore the checkpoint, or delete it "
                                                     "to start the query over.");
  }
  int64_t v;
  std::memcpy(&v, bytes.data(), sizeof v);
  return v;
}

}  // namespace

StatefulDeduplication::StatefulDeduplication(std::shared_ptr<io::FileSystem> fs, std::string checkpoint,
                                             StatefulOperator op)
    : fs_(std::move(fs)), checkpoint_(std::move(checkpoint)), op_(std::move(op)), stores_(fs_, checkpoint_, op_.id) {}

plan::Partitions StatefulDeduplication::process(plan::Partitions rows, int64_t batchId, int64_t lateThresholdMs,
                                                int64_t evictionThresholdMs) {
  const size_t partitions = rows.size();
  stores_.ensure(partitions);
  minTime_.resize(partitions, 0);
  minTimeBatch_.resize(partitions, -1);
  const bool within = op_.name == "dedupeWithinWatermark";
  const bool evicts = op_.eventTimeColumn >= 0;
  const int64_t lateMicros = lateThresholdMs * 1000, evictMicros = evictionThresholdMs * 1000;
  const int64_t delayMicros = op_.delayMs * 1000;
  plan::Partitions out(partitions);
  std::vector<state::StateStoreMetrics> metrics(partitions);
  std::vector<int64_t> late(partitions, 0), duplicates(partitions, 0);
  base::ThreadPool::global().parallelFor(partitions, [&](size_t p) {
    auto& store = stores_[p];
    store.load(batchId);
    const std::string what = "the state of operator " + std::to_string(op_.id) + ", partition " + std::to_string(p);
    bool minKnown = minTimeBatch_[p] == batchId;
    int64_t minTime = minKnown ? minTime_[p] : INT64_MIN;
    for (const auto& b : rows[p]) {
      std::vector<columnar::VectorPtr> keyCols;
      for (int k : op_.keyOrdinals) keyCols.push_back(b.column(static_cast<size_t>(k)));
      auto keys = exec::encodeKeys(keyCols, b.numRows());
      const columnar::Vector* times = evicts ? b.column(static_cast<size_t>(op_.eventTimeColumn)).get() : nullptr;
      std::vector<uint32_t> keep;
      for (size_t r = 0; r < b.numRows(); ++r) {
        int64_t t = 0;
        if (times) {
          if (times->typeId() == types::TypeId::kNull || times->isNull(r)) {
            t = INT64_MIN;
          } else if (times->typeId() == types::TypeId::kStruct) {
            t = times->child(1).valueAt<int64_t>(r);  // a window: its end
          } else {
            t = times->valueAt<int64_t>(r);
          }
          if (t <= lateMicros) {
            ++late[p];
            continue;
          }
        }
        const std::string_view key = keys.key(r);
        if (store.get(key, keys.hashes[r])) {
          ++duplicates[p];
          continue;
        }
        const int64_t expires = within ? t + delayMicros : t;
        store.put(key, keys.hashes[r], encodeMicros(expires), expires);
        minTime = std::min(minTime, expires);
        keep.push_back(static_cast<uint32_t>(r));
      }
      if (!keep.empty()) out[p].push_back(b.gather(keep.data(), keep.size()));
    }
    if (evicts && (!minKnown || minTime <= evictMicros)) {
      minTime = store.evictUpTo(
          evictMicros, [&](std::string_view, std::string_view value) { return decodeMicros(value, what); },
          [](std::string_view, std::string_view) {});
      minKnown = true;
    }
    metrics[p] = store.metrics();
    store.commit();
    metrics[p].commitTimeMs = store.metrics().commitTimeMs;
    store.doMaintenance();
    // The bound holds for the state the next batch starts from (a replay of this batch reloads
    // the older version and scans again).
    minTime_[p] = minTime;
    minTimeBatch_[p] = minKnown && evicts ? batchId + 1 : -1;
  });
  progress_ = StateOperatorProgress{};
  progress_.operatorName = op_.name;
  progress_.numShufflePartitions = static_cast<int64_t>(partitions);
  progress_.numStateStoreInstances = static_cast<int64_t>(partitions);
  int64_t dropped = 0;
  for (size_t p = 0; p < partitions; ++p) {
    progress_.numRowsTotal += metrics[p].numKeys;
    progress_.numRowsUpdated += metrics[p].numUpdated;
    progress_.numRowsRemoved += metrics[p].numRemoved;
    progress_.memoryUsedBytes += metrics[p].memoryUsedBytes;
    progress_.commitTimeMs += metrics[p].commitTimeMs;
    progress_.numRowsDroppedByWatermark += late[p];
    dropped += duplicates[p];
  }
  progress_.customMetrics["numDroppedDuplicateRows"] = dropped;
  return out;
}

}  // namespace weir::runtime
