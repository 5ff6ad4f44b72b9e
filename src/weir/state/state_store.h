// StateStore: the versioned key-value state of one stateful operator in one state partition
// (Spark's HDFS-backed provider). The whole map lives in memory; each batch's changes are written
// as <version>.delta, with a <version>.snapshot of the whole map every few versions, so any
// recent version can be rebuilt after a crash. File format: docs/formats/state-store.md.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weir/io/file_system.h"

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
  int64_t numUpdated = 0;   // puts in the current version
  int64_t numRemoved = 0;   // removes in the current version
  int64_t memoryUsedBytes = 0;
  int64_t commitTimeMs = 0;
};

/// The state of one (operator, partition) across versions. One per store, owned by the query's
/// runtime for the whole run; used by one task at a time (not thread-safe).
class StateStoreProvider {
 public:
  StateStoreProvider(std::shared_ptr<io::FileSystem> fs, StateStoreId id);

  /// Positions the store at `version` (0 = empty) for a batch's updates: reuses the map in memory
  /// when it holds that version, else rebuilds it from the newest snapshot <= version and the
  /// deltas after it. Throws CorruptionError when a needed file is missing or corrupt.
  void load(int64_t version);
  int64_t version() const { return version_; }

  const std::string* get(std::string_view key) const;
  void put(std::string key, std::string value);
  void remove(std::string_view key);
  size_t size() const { return map_.size(); }
  /// Calls fn(key, value) for every entry.
  template <class F>
  void forEach(F&& fn) const {
    for (const auto& [k, v] : map_) fn(k, v);
  }

  /// Writes this version's changes as <version + 1>.delta and moves to version + 1.
  int64_t commit();
  /// Drops this version's changes (the map is rebuilt from files on the next load).
  void abort();

  /// Writes <version>.snapshot when at least minDeltasForSnapshot deltas follow the last snapshot,
  /// and deletes files not needed to rebuild the last minVersionsToRetain versions.
  void doMaintenance(int64_t minDeltasForSnapshot = 10, int64_t minVersionsToRetain = 100);

  StateStoreMetrics metrics() const;
  const StateStoreId& id() const { return id_; }

 private:
  void rebuild(int64_t version);
  std::string fileOf(int64_t version, bool snapshot) const;

  std::shared_ptr<io::FileSystem> fs_;
  StateStoreId id_;
  std::string directory_;
  absl::flat_hash_map<std::string, std::string> map_;
  int64_t version_ = -1;  // -1: nothing loaded
  // Changes of the version being built: key -> new value (nullopt = removed).
  absl::flat_hash_map<std::string, std::optional<std::string>> changes_;
  int64_t updated_ = 0, removed_ = 0, commitTimeMs_ = 0;
  int64_t bytes_ = 0;
};

/// Encodes a delta (changes, a nullopt value deleting the key) or a snapshot file.
std::string encodeStateFile(bool snapshot, int64_t version,
                            const std::vector<std::pair<std::string_view, const std::string*>>& records);

/// Applies a state file to `map`. Throws CorruptionError naming `path` when it is damaged.
void applyStateFile(const std::string& bytes, const std::string& path, bool expectSnapshot, int64_t expectVersion,
                    absl::flat_hash_map<std::string, std::string>& map);

}  // namespace weir::state
