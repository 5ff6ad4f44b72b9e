// Aggregation of tumbling and sliding time windows by panes. A pane is a tumbling window of
// gcd(windowDuration, slideDuration); each row updates one (pane, key) group, and each window is
// the merge of the panes it covers. A row is touched once however many windows contain it.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "weir/columnar/vector.h"
#include "weir/exec/aggregates.h"
#include "weir/exec/group_table.h"
#include "weir/plan/logical_plan.h"

namespace weir::exec {

/// Dense ids [0, size()) for the distinct tuples of some key columns, keeping each tuple's values.
/// NULL is a value like any other here. One string column (a user id, say) is hashed in place.
/// Not thread-safe: one per task.
class KeyDictionary {
 public:
  explicit KeyDictionary(std::vector<types::DataTypePtr> types);
  /// ids[i] = the id of the key tuple of row begin + i, for n rows; tuples not seen before get the
  /// next ids.
  void lookup(const std::vector<columnar::VectorPtr>& keys, size_t begin, size_t n, uint32_t* ids);
  size_t size() const { return types_.empty() ? 1 : table_.size(); }
  const std::vector<types::DataTypePtr>& types() const { return types_; }
  /// The values of key column c for ids [0, size()).
  columnar::VectorPtr column(size_t c) const { return columns_[c]; }

 private:
  std::vector<types::DataTypePtr> types_;
  bool singleString_ = false;
  GroupTable table_;
  std::vector<columnar::MutableVectorPtr> columns_;
  std::vector<uint64_t> hashes_;
  std::vector<std::string_view> views_;
  std::vector<uint32_t> newRows_;
};

/// Window aggregates over panes. The aggregates must be mergeable: count, sum, min and max
/// (avg is sum and count, divided afterwards). Not thread-safe: one per task.
class PaneWindowAggregator {
 public:
  /// `partials` are the aggregates per pane; window values merge them (counts are summed).
  PaneWindowAggregator(int64_t windowDuration, int64_t slideDuration, int64_t startTime,
                       std::vector<types::DataTypePtr> keyTypes, std::vector<plan::AggregateCall> partials);
  /// The same, numbering keys with `keys`, which may hold keys already (those of an earlier batch
  /// of a stream).
  PaneWindowAggregator(int64_t windowDuration, int64_t slideDuration, int64_t startTime,
                       std::shared_ptr<KeyDictionary> keys,
                       std::vector<plan::AggregateCall> partials);

  /// Adds n rows: event times in micros (rows with a NULL time belong to no window, as in Spark),
  /// the key columns, and the argument columns of each partial aggregate.
  void add(const columnar::Vector& times, const std::vector<columnar::VectorPtr>& keys,
           const std::vector<std::vector<columnar::VectorPtr>>& args, size_t n);

  /// Every window that holds rows, as columns: the window struct {start, end} (of `windowType`),
  /// the key columns, then one merged value per partial aggregate; in order of window start, and
  /// for one start in the order of the keys' ids. Sets `rows` (when 0, no columns are returned).
  std::vector<columnar::VectorPtr> finish(const types::DataTypePtr& windowType, size_t& rows);
  /// The same windows in pieces: emit(columns, rows) for the windows of each run of
  /// `keysPerChunk` key ids that has any (in finish()'s order within the piece), so that the work
  /// and memory of the finish are bounded by the piece rather than by all windows.
  using ChunkFn = std::function<void(std::vector<columnar::VectorPtr>, size_t)>;
  void finishInChunks(const types::DataTypePtr& windowType, size_t keysPerChunk, const ChunkFn& emit);

  /// Groups of (pane, key) held.
  size_t paneGroups() const { return slotPane_.size() - 1; }
  /// The dictionary keys are numbered with.
  const std::shared_ptr<KeyDictionary>& keys() const { return keys_; }
  /// The distinct keys of the windows finish() emitted.
  size_t keysUsed() const { return keysUsed_; }

 private:
  struct PaneKey {
    int64_t pane;
    uint32_t key;
    bool operator==(const PaneKey& o) const { return pane == o.pane && key == o.key; }
    template <class H>
    friend H AbslHashValue(H h, const PaneKey& k) {
      return H::combine(std::move(h), k.pane, k.key);
    }
  };
  static constexpr uint32_t kNone = UINT32_MAX;

  uint32_t slotOf(int64_t pane, uint32_t key);
  // Orders a piece's windows by start (stable): permutes the starts and keys, and sets rank[w] to
  // the new place of window w.
  void byStart(std::vector<int64_t>& windowStart, std::vector<uint32_t>& windowKey,
               std::vector<uint32_t>& rank) const;
  void addChunk(const columnar::Vector& times, const std::vector<columnar::VectorPtr>& keys, size_t begin, size_t n);

  int64_t size_, slide_, start_, pane_;
  std::shared_ptr<KeyDictionary> keys_;
  size_t keysUsed_ = 0;
  std::vector<plan::AggregateCall> partials_;
  std::vector<std::unique_ptr<Accumulator>> accumulators_;
  // Slot 0 collects rows without a window; slots 1.. are (pane, key) groups. The slots of a key
  // form a list, newest first; a key whose list grows long is also indexed in `index_`.
  std::vector<int64_t> slotPane_;
  std::vector<uint32_t> slotKey_;
  std::vector<uint32_t> slotNext_;
  struct KeyState {
    int64_t lastPaneStart = 0;  // the pane of the last row of this key (its start, in micros)
    uint32_t lastSlot = kNone;  // and its slot: event time mostly advances, so most rows hit
    uint32_t newest = kNone;  // head of the key's slot list
    uint32_t indexed = 0;     // whether the key's slots are in index_
  };
  std::vector<KeyState> keyState_;
  absl::flat_hash_map<PaneKey, uint32_t> index_;
  std::vector<uint32_t> keyIds_, slotIds_;
};

}  // namespace weir::exec
