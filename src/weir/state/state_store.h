// StateStore: the versioned key-value state of one stateful operator in one state partition
// (Spark's HDFS-backed provider). The whole map lives in memory; each batch's changes are written
// as <version>.delta, with a <version>.snapshot of the whole map every few versions, so any
// recent version can be rebuilt after a crash. File format: docs/formats/state-store.md.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "weir/base/buffer.h"
#include "weir/io/file_system.h"
#include "weir/state/state_map.h"

namespace weir::state {

/// Which store: <checkpointRoot>/state/<operatorId>/<partitionId>[/<storeName>].
struct StateStoreId {
  std::string checkpointRoot;
  int64_t operatorId = 0;
  int partitionId = 0;
  std::string storeName = "default";
  std::string directory() const;
};

struct StateStoreMetrics {
  int64_t numKeys = 0;
  int64_t numUpdated = 0;  // puts in the current version
  int64_t numRemoved = 0;  // removes in the current version
  int64_t memoryUsedBytes = 0;
  int64_t commitTimeMs = 0;
};

/// The state of one (operator, partition) across versions. One per store, owned by the query's
/// runtime for the whole run; used by one task at a time (not thread-safe).
class StateStoreProvider {
 public:
  StateStoreProvider(std::shared_ptr<io::FileSystem> fs, StateStoreId id);
  /// Waits for this store's maintenance still running in the background.
  ~StateStoreProvider();
  StateStoreProvider(const StateStoreProvider&) = delete;
  StateStoreProvider& operator=(const StateStoreProvider&) = delete;

  /// Positions the store at `version` (0 = empty) for a batch's updates: reuses the map in memory
  /// when it holds that version, else rebuilds it from the newest snapshot <= version and the
  /// deltas after it. Throws CorruptionError when a needed file is missing or corrupt.
  void load(int64_t version);
  int64_t version() const { return version_; }

  /// The value of `key`; views stay valid until the next put or remove.
  std::optional<std::string_view> get(std::string_view key) const { return map_.get(key); }
  std::optional<std::string_view> get(std::string_view key, uint64_t hash) const {
    return map_.get(key, hash);
  }
  void put(std::string_view key, std::string_view value) { put(key, StateMap::hashOf(key), value); }
  /// `hash` is StateMap::hashOf(key).
  void put(std::string_view key, uint64_t hash, std::string_view value);
  /// put() for a store that evicts by time: `time` is what evictUpTo's timeOf gives for this
  /// entry. A store whose new keys all come with their time lets evictUpTo pass over only the
  /// entries that may be due; a new key put without one makes its next eviction visit them all.
  void put(std::string_view key, uint64_t hash, std::string_view value, int64_t time);
  /// The entry id of `key` (StateMap::kNone when absent), to read with value() and replace with
  /// set() without a second lookup.
  uint32_t find(std::string_view key, uint64_t hash) const { return map_.find(key, hash); }
  std::string_view value(uint32_t id) const { return map_.value(id); }
  void set(uint32_t id, std::string_view value);
  /// The map, for prefetching ahead of finds.
  const StateMap& map() const { return map_; }
  /// The value of entry `id` for a change in place; call updated(id) after changing it.
  char* mutableValue(uint32_t id) {
    awaitSnapshotEncoding();
    return map_.mutableValue(id);
  }
  void updated(uint32_t id) {
    ++updated_;
    markDirty(id);
  }
  void remove(std::string_view key);
  /// Removes the live entries `ids` (as forEachEntry names them); `hashes[i]` is
  /// StateMap::hashOf of entry ids[i]'s key. For evicting many keys: no key is looked up or
  /// compared, and the entries' records and index slots are fetched from memory ahead.
  void removeEntries(const std::vector<uint32_t>& ids, const std::vector<uint64_t>& hashes);
  size_t size() const { return map_.size(); }
  /// Calls fn(key, value) for every entry; the store must not change meanwhile.
  template <class F>
  void forEach(F&& fn) const {
    map_.forEach(fn);
  }
  /// Calls fn(id, key, value) for every entry; the store must not change meanwhile.
  template <class F>
  void forEachEntry(F&& fn) const {
    map_.forEachEntry(fn);
  }
  /// Eviction: removes every entry whose time, timeOf(key, value), is at most `threshold`,
  /// calling onEvict(key, value) for each before it goes, with the removals by id
  /// (removeEntries). An entry's time must not change while it lives (it depends on its key, or
  /// its value is never replaced). Returns a bound at or below the smallest time among the entries
  /// left (INT64_MAX when none), under which the next eviction can skip the pass.
  ///
  /// The store keeps the smallest time of each range of kTimeRange entry ids, learnt by a pass
  /// over every entry and kept up by the times given to put(): while it holds, an eviction visits
  /// only the ranges whose smallest time is at most the threshold, the others cannot hold an entry
  /// due. Entries of one time mostly have nearby ids (ids are given out in order and reused
  /// last freed first), so an eviction visits little more than the entries it removes.
  template <class TimeOf, class OnEvict>
  int64_t evictUpTo(int64_t threshold, TimeOf&& timeOf, OnEvict&& onEvict) {
    std::vector<uint32_t> ids;
    std::vector<uint64_t> hashes;
    // The bounds are taken out for the pass (timeOf and onEvict may throw: a pass cut short leaves
    // them unknown) and put back whole.
    std::vector<int64_t> bounds;
    bounds.swap(rangeMin_);
    const bool known = !bounds.empty();
    bounds.resize((static_cast<size_t>(map_.idBound()) + kTimeRange - 1) / kTimeRange, INT64_MAX);
    int64_t remainingMin = INT64_MAX;
    for (size_t r = 0; r < bounds.size(); ++r) {
      if (!known || bounds[r] <= threshold) {
        int64_t left = INT64_MAX;
        const auto begin = static_cast<uint32_t>(r * kTimeRange);
        map_.forEachEntryIn(begin, begin + kTimeRange,
                            [&](uint32_t id, std::string_view key, std::string_view value) {
                              const int64_t t = timeOf(key, value);
                              if (t <= threshold) {
                                ids.push_back(id);
                                hashes.push_back(StateMap::hashOf(key));
                                onEvict(key, value);
                              } else {
                                left = std::min(left, t);
                              }
                            });
        bounds[r] = left;
      }
      remainingMin = std::min(remainingMin, bounds[r]);
    }
    rangeMin_.swap(bounds);
    removeEntries(ids, hashes);
    return remainingMin;
  }

  /// Writes this version's changes as <version + 1>.delta and moves to version + 1.
  int64_t commit();
  /// Drops this version's changes (the map is rebuilt from files on the next load).
  void abort();

  /// Writes <version>.snapshot when at least minDeltasForSnapshot deltas follow the last snapshot,
  /// and deletes files not needed to rebuild the last minVersionsToRetain versions. Encoding the
  /// snapshot, writing it durably and deleting old files run on a background thread shared by all
  /// stores (as Spark's maintenance task), so a batch does not wait for them: the encoding reads
  /// the map, so the next change to the store (or load) waits until it is done, reads do not. A
  /// failed background write is logged and retried at the next snapshot; the deltas keep every
  /// version recoverable meanwhile.
  void doMaintenance(int64_t minDeltasForSnapshot = 10, int64_t minVersionsToRetain = 100);
  /// Waits until the background maintenance this store scheduled is done.
  void waitForMaintenance();

  StateStoreMetrics metrics() const;
  const StateStoreId& id() const { return id_; }

 private:
  void rebuild(int64_t version);
  // Waits until a snapshot being encoded in the background has read the map.
  void awaitSnapshotEncoding() {
    if (encodingSnapshot_) finishSnapshotEncoding();
  }
  void finishSnapshotEncoding();
  void clearChanges();
  void markDirty(uint32_t id);
  std::string fileOf(int64_t version, bool snapshot) const;

  std::shared_ptr<io::FileSystem> fs_;
  StateStoreId id_;
  std::string directory_;
  StateMap map_;
  int64_t version_ = -1;  // -1: nothing loaded
  // evictUpTo's bound on the times of the entries of each range of kTimeRange ids; empty when
  // unknown (cleared by a rebuild and by a new key put without its time).
  static constexpr uint32_t kTimeRange = 1024;
  std::vector<int64_t> rangeMin_;
  // Changes of the version being built: entries put (one bit per entry id, and the ids in
  // order), and the keys removed, which are written before the puts.
  std::vector<uint64_t> dirtyBits_;
  std::vector<uint32_t> dirty_;
  std::string removedKeys_;
  std::vector<uint32_t> removedEnds_;
  // The version's delta file, encoded change by change while each record is in the cache, in
  // the order of the changes. Given up for the version (commit then gathers the changed entries
  // as above) when an entry changes twice.
  struct ChangeLog;
  std::unique_ptr<ChangeLog> log_;
  // Adds a change to the log; callers check log_->valid first (and skip reading the entry).
  void logChange(std::string_view key, std::optional<std::string_view> value);
  void dropLog();
  void writeGatheredDelta();
  int64_t updated_ = 0, removed_ = 0, commitTimeMs_ = 0;
  struct Background;  // the state shared with the maintenance thread

  std::shared_ptr<Background> background_;
  bool encodingSnapshot_ = false;  // a snapshot of the map is being encoded in the background
  // Snapshot versions known to exist or being written (listed once, then kept up to date), and
  // the version before which files were last deleted.
  std::optional<std::set<int64_t>> snapshots_;
  int64_t cleanedBefore_ = 0;
};

/// Encodes a delta (changes, a nullopt value deleting the key) or a snapshot file into `out` (its
/// contents replaced), whose capacity the caller can reuse.
void encodeStateFileInto(
    bool snapshot, int64_t version,
    const std::vector<std::pair<std::string_view, std::optional<std::string_view>>>& records,
    base::ByteBuffer& out);

/// Applies a state file to `map`. Throws CorruptionError naming `path` when it is damaged.
void applyStateFile(std::string_view bytes, const std::string& path, bool expectSnapshot,
                    int64_t expectVersion, StateMap& map);

}  // namespace weir::state
