#include "weir/state/state_map.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <string>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "weir/base/counting_sort.h"
#include "weir/base/error.h"

namespace weir::state {

namespace {
constexpr size_t kChunk = size_t{1} << 20;
constexpr int64_t kCompactAbove = int64_t{4} << 20;
}

uint64_t StateMap::hashOf(std::string_view key) { return XXH3_64bits(key.data(), key.size()); }

std::optional<std::string_view> StateMap::get(std::string_view key, uint64_t hash) const {
  const uint32_t id = find(key, hash);
  if (id == kNone) return std::nullopt;
  return value(id);
}

void StateMap::insertSlot(uint32_t id, uint64_t hash) {
  if ((live_ + tombs_ + 1) * 5 > slots_.size() * 4) {
    // At 80 % full: double while live entries fill more than half, else only clear tombstones.
    size_t capacity = std::max<size_t>(16, slots_.size());
    while ((live_ + 1) * 2 > capacity) capacity *= 2;
    rehash(capacity);
  }
  size_t i = hash & mask_;
  while (slots_[i] < kTomb) i = (i + 1) & mask_;
  if (slots_[i] == kTomb) --tombs_;
  slots_[i] = id | tagOf(hash);
  ++live_;
}

void StateMap::reserve(size_t keys) {
  // The capacity insertSlot would have grown to by the time `keys` are live.
  size_t capacity = std::max<size_t>(16, slots_.size());
  while ((keys + 1) * 2 > capacity) capacity *= 2;
  if (capacity > slots_.size()) rehash(capacity);
  if (keys > entries_.capacity()) entries_.reserve(keys);
}

void StateMap::rehash(size_t capacity) {
  slots_.assign(capacity, kEmpty);
  mask_ = capacity - 1;
  tombs_ = 0;
  for (uint32_t id = 0; id < entries_.size(); ++id) {
    if (entries_[id] == nullptr) continue;
    const uint64_t hash = hashOf(key(id));
    size_t i = hash & mask_;
    while (slots_[i] != kEmpty) i = (i + 1) & mask_;
    slots_[i] = id | tagOf(hash);
  }
}

namespace {
char* writeSize(char* p, size_t size) {
  while (size >= 0x80) {
    *p++ = static_cast<char>((size & 0x7f) | 0x80);
    size >>= 7;
  }
  *p++ = static_cast<char>(size);
  return p;
}
size_t sizeOfSize(size_t size) {
  size_t n = 1;
  while (size >= 0x80) {
    size >>= 7;
    ++n;
  }
  return n;
}
}  // namespace

void StateMap::release(uint32_t id) {
  const Record r = record(id);
  const auto size = static_cast<size_t>(r.key + r.keySize + r.valueSize - entries_[id]);
  garbageBytes_ += static_cast<int64_t>(size);
  if (size >= sizeof(char*) && size <= kReuseLimit) {
    if (freeBySize_.empty()) freeBySize_.assign(kReuseLimit + 1, nullptr);
    char* record = const_cast<char*>(entries_[id]);
    std::memcpy(record, &freeBySize_[size], sizeof(char*));
    freeBySize_[size] = record;
  }
}

const char* StateMap::store(std::string_view key, std::string_view value) {
  const size_t n = sizeOfSize(key.size()) + sizeOfSize(value.size()) + key.size() + value.size();
  if (n < freeBySize_.size() && freeBySize_[n] != nullptr) {
    char* const start = freeBySize_[n];
    std::memcpy(&freeBySize_[n], start, sizeof(char*));
    garbageBytes_ -= static_cast<int64_t>(n);
    char* at = writeSize(writeSize(start, key.size()), value.size());
    if (!key.empty()) std::memmove(at, key.data(), key.size());
    if (!value.empty()) std::memcpy(at + key.size(), value.data(), value.size());
    return start;
  }
  if (chunks_.empty() || chunkUsed_ + n > chunkSizes_.back()) {
    // Chunks grow from 4 KiB to 1 MiB, so the many small stores of a query stay small.
    const size_t size =
        std::max(n, std::min(kChunk, std::max<size_t>(4096, static_cast<size_t>(arenaBytes_))));
    chunks_.push_back(std::unique_ptr<char[]>(new char[size]));  // not zero-filled
    chunkSizes_.push_back(size);
    arenaBytes_ += static_cast<int64_t>(size);
    chunkUsed_ = 0;
  }
  char* const start = chunks_.back().get() + chunkUsed_;
  char* at = writeSize(writeSize(start, key.size()), value.size());
  if (!key.empty()) std::memcpy(at, key.data(), key.size());
  if (!value.empty()) std::memcpy(at + key.size(), value.data(), value.size());
  chunkUsed_ += n;
  return start;
}

void StateMap::set(uint32_t id, std::string_view value) {
  const Record r = record(id);
  if (r.valueSize == value.size()) {
    if (!value.empty())
      std::memcpy(const_cast<char*>(r.key) + r.keySize, value.data(), value.size());
    return;
  }
  // The new record is stored before the old one is released: the key is read from it.
  const char* replaced = store(std::string_view(r.key, r.keySize), value);
  release(id);
  entries_[id] = replaced;
  if (garbageBytes_ > arenaBytes_ / 4 && arenaBytes_ > kCompactAbove) compact();
}

uint32_t StateMap::put(std::string_view key, uint64_t hash, std::string_view value) {
  const uint32_t existing = find(key, hash);
  if (existing != kNone) {
    set(existing, value);
    return existing;
  }
  uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else {
    id = static_cast<uint32_t>(entries_.size());
    if (id >= kMaxEntries) {
      throw UnsupportedOperationError(
          "STATE_PARTITION_TOO_LARGE",
          "A state partition would hold more than " + std::to_string(kMaxEntries) +
              " keys, the most one state store partition holds. Start the query with a new "
              "checkpoint and a "
              "larger spark.sql.shuffle.partitions, or bound the state with a watermark.");
    }
    // Grow by a quarter rather than double: entries are a third of the map's bytes.
    if (entries_.size() == entries_.capacity())
      entries_.reserve(std::max<size_t>(64, entries_.size() + entries_.size() / 4));
    entries_.push_back(nullptr);
  }
  // Indexed first: a rehash on the way indexes the entries already stored, not this one.
  insertSlot(id, hash);
  entries_[id] = store(key, value);
  return id;
}

bool StateMap::remove(std::string_view key, uint64_t hash) {
  if (slots_.empty()) return false;
  const uint32_t tag = tagOf(hash);
  size_t i = hash & mask_;
  for (;; i = (i + 1) & mask_) {
    const uint32_t at = slots_[i];
    if (at == kEmpty) return false;
    if (at != kTomb && (at & ~kIdMask) == tag && this->key(at & kIdMask) == key) break;
  }
  eraseSlot(i);
  return true;
}

void StateMap::removeId(uint32_t id, uint64_t hash) {
  WEIR_CHECK(live(id));
  const uint32_t wanted = id | tagOf(hash);
  size_t i = hash & mask_;
  for (; slots_[i] != wanted; i = (i + 1) & mask_) WEIR_CHECK(slots_[i] != kEmpty);
  eraseSlot(i);
}

void StateMap::eraseSlot(size_t slot) {
  const uint32_t id = slots_[slot] & kIdMask;
  slots_[slot] = kTomb;
  ++tombs_;
  --live_;
  release(id);
  entries_[id] = nullptr;
  free_.push_back(id);
  if (garbageBytes_ > arenaBytes_ / 4 && arenaBytes_ > kCompactAbove) compact();
}

void StateMap::compact() {
  // Copies the live entries into fresh chunks; ids and the index stay as they are. The old chunks
  // are emptied one at a time, each freed as soon as its entries have moved, so the map holds
  // little more than its live bytes meanwhile: the chunks it takes next are mostly the ones it
  // just freed. (Copying the whole arena before freeing any of it doubled the map's memory for a
  // moment, in pages the process had not touched before: on the benchmark machine those page
  // faults cost more than the copy.)
  std::vector<std::unique_ptr<char[]>> old;
  old.swap(chunks_);
  std::vector<size_t> oldSizes;
  oldSizes.swap(chunkSizes_);
  freeBySize_.clear();
  chunkUsed_ = 0;
  arenaBytes_ = 0;
  garbageBytes_ = 0;
  // The live ids of each old chunk (chunks found by address).
  std::vector<uint32_t> byAddress(old.size());
  std::iota(byAddress.begin(), byAddress.end(), 0u);
  std::sort(byAddress.begin(), byAddress.end(),
            [&](uint32_t a, uint32_t b) { return old[a].get() < old[b].get(); });
  std::vector<const char*> starts(old.size());
  for (size_t i = 0; i < old.size(); ++i) starts[i] = old[byAddress[i]].get();
  auto chunkOf = [&](size_t id) {
    if (entries_[id] == nullptr) return base::kNoBucket;
    const auto at = static_cast<size_t>(
        std::upper_bound(starts.begin(), starts.end(), entries_[id]) - starts.begin());
    WEIR_CHECK(at > 0 && entries_[id] < starts[at - 1] + oldSizes[byAddress[at - 1]]);
    return byAddress[at - 1];
  };
  std::vector<uint32_t> begin;
  const std::vector<uint32_t> ids = base::groupByBucket(entries_.size(), old.size(), chunkOf, begin);
  for (size_t c = 0; c < old.size(); ++c) {
    for (uint32_t k = begin[c]; k < begin[c + 1]; ++k) {
      const uint32_t id = ids[k];
      const Record r = record(id);
      entries_[id] =
          store(std::string_view(r.key, r.keySize), std::string_view(r.key + r.keySize, r.valueSize));
    }
    old[c].reset();
  }
}

void StateMap::clear() {
  slots_.clear();
  mask_ = 0;
  live_ = tombs_ = 0;
  entries_.clear();
  free_.clear();
  chunks_.clear();
  chunkSizes_.clear();
  freeBySize_.clear();
  chunkUsed_ = 0;
  arenaBytes_ = garbageBytes_ = 0;
}

int64_t StateMap::memoryBytes() const {
  return arenaBytes_ +
         static_cast<int64_t>(entries_.capacity() * sizeof(Entry) + free_.capacity() * 4 +
                              freeBySize_.capacity() * sizeof(char*) +
                              slots_.capacity() * sizeof(uint32_t));
}

}  // namespace weir::state
