#include "weir/exec/operator_cache.h"

#include "weir/exec/window_aggregate.h"

namespace weir::exec {

std::shared_ptr<KeyDictionary> OperatorCache::takeKeyDictionary(const void* node,
                                                                size_t partition) {
  std::lock_guard lock(mutex_);
  auto it = dictionaries_.find({node, partition});
  if (it == dictionaries_.end()) return nullptr;
  auto keys = std::move(it->second);
  dictionaries_.erase(it);
  return keys;
}

void OperatorCache::returnKeyDictionary(const void* node, size_t partition,
                                        std::shared_ptr<KeyDictionary> keys, size_t used) {
  // A batch without rows (a no-data batch) says nothing about which keys still arrive.
  if (!keys || (used > 0 && keys->size() > 2 * used + kSpareKeys)) return;
  std::lock_guard lock(mutex_);
  dictionaries_[{node, partition}] = std::move(keys);
}

}  // namespace weir::exec
