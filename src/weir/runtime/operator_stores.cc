// OperatorStores: see the header.
#include "weir/runtime/operator_stores.h"

#include "weir/base/thread_pool.h"

namespace weir::runtime {

OperatorStores::OperatorStores(std::shared_ptr<io::FileSystem> fs, std::string checkpoint,
                               int64_t operatorId)
    : fs_(std::move(fs)), checkpoint_(std::move(checkpoint)), operatorId_(operatorId) {}

OperatorStores::~OperatorStores() { awaitPreload(); }

void OperatorStores::preload(int64_t version) {
  awaitPreload();
  if (version <= 0) return;  // version 0 is the empty state: nothing to read
  if (stores_.empty()) {
    // After a restart: the partitions the operator has state for are the directories present.
    const std::string dir =
        io::joinPath(io::joinPath(checkpoint_, "state"), std::to_string(operatorId_));
    while (fs_->exists(io::joinPath(dir, std::to_string(stores_.size())))) addStore();
  }
  bool loaded = true;
  for (const auto& s : stores_) loaded = loaded && s->version() == version;
  if (loaded) return;
  preload_ = std::async(std::launch::async, [this, version] {
    base::ThreadPool::global().parallelFor(stores_.size(), [&](size_t p) {
      try {
        stores_[p]->load(version);
      } catch (...) {
        // The store stays unloaded; the batch's own load() rebuilds it again and reports why.
      }
    });
  });
}

void OperatorStores::awaitPreload() {
  if (preload_.valid()) preload_.get();
}

void OperatorStores::ensure(size_t partitions) {
  awaitPreload();
  while (stores_.size() < partitions) addStore();
}

void OperatorStores::addStore() {
  state::StateStoreId id{checkpoint_, operatorId_, static_cast<int>(stores_.size()), "default"};
  stores_.push_back(std::make_unique<state::StateStoreProvider>(fs_, id));
}

}  // namespace weir::runtime
