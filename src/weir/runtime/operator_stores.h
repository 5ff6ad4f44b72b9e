// OperatorStores: the state stores of one stateful operator, one per state partition. A restarted
// query rebuilds each store from its files before its first batch can update it; preload() starts
// that rebuild on a background thread, so that it overlaps the sources reading the batch instead of
// following it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "weir/io/file_system.h"
#include "weir/state/state_store.h"

namespace weir::runtime {

/// Used from the query's thread; the stores are only touched by a preload between preload() and
/// the next call of ensure() (which waits for it).
class OperatorStores {
 public:
  OperatorStores(std::shared_ptr<io::FileSystem> fs, std::string checkpoint, int64_t operatorId);
  /// Waits for a preload still running.
  ~OperatorStores();
  OperatorStores(const OperatorStores&) = delete;
  OperatorStores& operator=(const OperatorStores&) = delete;

  /// Starts rebuilding state version `version` in the background when the stores do not hold it:
  /// after a restart, for each partition whose directory the checkpoint holds. Only a head start:
  /// a failure is left for the batch's own load() to report.
  void preload(int64_t version);
  /// Waits for a preload, then makes sure there are at least `partitions` stores.
  void ensure(size_t partitions);
  state::StateStoreProvider& operator[](size_t p) { return *stores_[p]; }
  size_t size() const { return stores_.size(); }

 private:
  void awaitPreload();
  void addStore();  // the store of the next partition

  std::shared_ptr<io::FileSystem> fs_;
  std::string checkpoint_;
  int64_t operatorId_;
  std::vector<std::unique_ptr<state::StateStoreProvider>> stores_;
  std::future<void> preload_;
};

}  // namespace weir::runtime
