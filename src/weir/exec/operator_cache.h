// OperatorCache: what the operators of a streaming query keep from one micro-batch to the next
// to run the next one faster. It holds no result: a batch that finds nothing in it computes the
// same rows, only slower.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

namespace weir::exec {

class KeyDictionary;

/// Owned by one run of a streaming query and shared by the executors of its batches.
/// Thread-safe: the partitions of an operator take and return their entries in parallel.
class OperatorCache {
 public:
  /// A dictionary holding more than this many keys beyond twice those its batch used is dropped.
  static constexpr size_t kSpareKeys = size_t{1} << 16;

  /// The key dictionary that partition `partition` of operator `node` returned after its last
  /// batch, or nullptr. It leaves the cache: a batch that fails midway never returns it, and the
  /// next batch starts from a fresh one.
  std::shared_ptr<KeyDictionary> takeKeyDictionary(const void* node, size_t partition);

  /// Keeps `keys` for the next batch of the partition, in which it numbered `used` distinct keys.
  /// Keys seen before keep their ids, so the operator emits them, and the state store visits
  /// them, in the same order batch after batch. A dictionary holding more than 2 * used +
  /// kSpareKeys keys is dropped instead, so that keys that stopped arriving do not pile up (a
  /// batch that used none, having no rows, keeps it).
  void returnKeyDictionary(const void* node, size_t partition, std::shared_ptr<KeyDictionary> keys,
                           size_t used);

 private:
  std::mutex mutex_;
  std::map<std::pair<const void*, size_t>, std::shared_ptr<KeyDictionary>> dictionaries_;
};

}  // namespace weir::exec
