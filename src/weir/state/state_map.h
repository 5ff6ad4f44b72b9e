// StateMap: the in-memory map of a state store, byte-string keys to byte-string values, laid out
// compactly: each entry's key and value sit together in large arena chunks, an 8-byte entry
// points at them, and an open-addressing index of 4-byte entry ids finds keys by hash. No
// allocation per entry; values of unchanged size are overwritten in place. Lookups of many keys
// can prefetch their slots, entries and records ahead. Not thread-safe.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace weir::state {

class StateMap {
 public:
  StateMap() = default;
  StateMap(const StateMap&) = delete;
  StateMap& operator=(const StateMap&) = delete;

  /// The hash a key is indexed by (XXH3, as exec::encodeKeys computes it).
  static uint64_t hashOf(std::string_view key);

  /// The value of `key`. Views into the map stay valid until the next put or remove.
  std::optional<std::string_view> get(std::string_view key) const { return get(key, hashOf(key)); }
  std::optional<std::string_view> get(std::string_view key, uint64_t hash) const;
  static constexpr uint32_t kNone = UINT32_MAX;
  /// The most entries one map holds (entry ids share their index slot with a hash tag).
  static constexpr uint32_t kMaxEntries = (1u << 26) - 2;
  /// The id of `key`'s entry, or kNone.
  uint32_t find(std::string_view key, uint64_t hash) const {
    if (slots_.empty()) return kNone;
    const uint32_t tag = tagOf(hash);
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const uint32_t slot = slots_[i];
      if (slot == kEmpty) return kNone;
      // Only a slot whose tag matches is worth reading its key for (1 in 64 of the others).
      if (slot != kTomb && (slot & ~kIdMask) == tag && this->key(slot & kIdMask) == key)
        return slot & kIdMask;
    }
  }
  /// Prefetches for a coming find(key, hash), in three steps issued a few keys apart: the index
  /// slot, then the entry it names, then the record.
  void prefetchSlot(uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & mask_]);
  }
  void prefetchEntry(uint64_t hash) const {
    if (slots_.empty()) return;
    const uint32_t slot = slots_[hash & mask_];
    if (slot < kTomb) __builtin_prefetch(&entries_[slot & kIdMask]);
  }
  void prefetchRecord(uint64_t hash) const {
    if (slots_.empty()) return;
    const uint32_t slot = slots_[hash & mask_];
    if (slot < kTomb && entries_[slot & kIdMask] != nullptr)
      __builtin_prefetch(entries_[slot & kIdMask]);
  }
  /// Prefetches the record of entry `id` (live or not).
  void prefetchRecordOf(uint32_t id) const {
    if (id < entries_.size()) __builtin_prefetch(entries_[id]);
  }
  /// Replaces the value of live entry `id`.
  void set(uint32_t id, std::string_view value);
  /// Inserts or replaces; returns the entry's id (stable until the entry is removed).
  uint32_t put(std::string_view key, std::string_view value) {
    return put(key, hashOf(key), value);
  }
  uint32_t put(std::string_view key, uint64_t hash, std::string_view value);
  /// Removes `key`; false when absent.
  bool remove(std::string_view key) { return remove(key, hashOf(key)); }
  /// `hash` is hashOf(key).
  bool remove(std::string_view key, uint64_t hash);
  /// Removes live entry `id`, whose key's hash is `hash`: no key is compared.
  void removeId(uint32_t id, uint64_t hash);
  void clear();
  /// Sizes the index and the entry table for `keys` live keys, so that loading a snapshot of
  /// that many does not rehash on the way.
  void reserve(size_t keys);

  size_t size() const { return live_; }
  /// Bytes held: arena chunks, entries and index slots.
  int64_t memoryBytes() const;

  /// Whether entry `id` holds a key, and its key and value.
  bool live(uint32_t id) const { return id < entries_.size() && entries_[id] != nullptr; }
  std::string_view key(uint32_t id) const {
    Record r = record(id);
    return {r.key, r.keySize};
  }
  std::string_view value(uint32_t id) const {
    Record r = record(id);
    return {r.key + r.keySize, r.valueSize};
  }
  /// The value bytes of live entry `id`, to change in place (same size).
  char* mutableValue(uint32_t id) {
    Record r = record(id);
    return const_cast<char*>(r.key) + r.keySize;
  }

  /// Calls fn(key, value) for every entry; the map must not change meanwhile.
  template <class F>
  void forEach(F&& fn) const {
    forEachEntry([&](uint32_t, std::string_view key, std::string_view value) { fn(key, value); });
  }
  /// Calls fn(id, key, value) for every entry, in id order; the map must not change meanwhile.
  template <class F>
  void forEachEntry(F&& fn) const {
    forEachEntryIn(0, idBound(), fn);
  }
  /// Every id of an entry is below this.
  uint32_t idBound() const { return static_cast<uint32_t>(entries_.size()); }
  /// forEachEntry for the entries with ids in [begin, end).
  template <class F>
  void forEachEntryIn(uint32_t begin, uint32_t end, F&& fn) const {
    // The records are scattered over the arena (ids are reused): each is fetched a few ids ahead.
    constexpr uint32_t kAhead = 8;
    const uint32_t count = std::min(end, idBound());
    for (uint32_t id = begin; id < count; ++id) {
      if (id + kAhead < count && entries_[id + kAhead] != nullptr)
        __builtin_prefetch(entries_[id + kAhead]);
      if (entries_[id] != nullptr) {
        Record r = record(id);
        fn(id, std::string_view(r.key, r.keySize),
           std::string_view(r.key + r.keySize, r.valueSize));
      }
    }
  }

 private:
  // An entry is a pointer to its record in the arena: the key's and the value's sizes as
  // LEB128 varints, the key, the value. nullptr marks a free id.
  using Entry = const char*;
  struct Record {
    const char* key;
    uint32_t keySize;
    uint32_t valueSize;
  };
  static const char* readSize(const char* p, uint32_t& size) {
    uint32_t v = 0;
    int shift = 0;
    while (static_cast<unsigned char>(*p) >= 0x80) {
      v |= static_cast<uint32_t>(static_cast<unsigned char>(*p++) & 0x7f) << shift;
      shift += 7;
    }
    size = v | static_cast<uint32_t>(static_cast<unsigned char>(*p++)) << shift;
    return p;
  }
  Record record(uint32_t id) const {
    Record r;
    r.key = readSize(readSize(entries_[id], r.keySize), r.valueSize);
    return r;
  }
  const char* store(std::string_view key, std::string_view value);
  void compact();

  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
  // The index: linear probing over a power-of-two number of slots, each an entry id in the low 26
  // bits under a 6-bit tag from the key's hash (its top bits; the slot comes from the low ones),
  // or kEmpty or kTomb (a removed entry's slot); at most 80 % of the slots are taken. Ids stay
  // below kMaxEntries, so that no tagged id equals kEmpty or kTomb.
  static constexpr uint32_t kEmpty = UINT32_MAX, kTomb = UINT32_MAX - 1;
  static constexpr uint32_t kIdMask = (1u << 26) - 1;
  static constexpr uint32_t tagOf(uint64_t hash) { return static_cast<uint32_t>(hash >> 58) << 26; }
  std::vector<uint32_t> slots_;
  size_t mask_ = 0;
  size_t live_ = 0, tombs_ = 0;
  void insertSlot(uint32_t id, uint64_t hash);
  void rehash(size_t capacity);
  // Freed records by size (8 to kReuseLimit bytes), reused by records of the same size: keys of
  // one operator mostly have one size, so evicted entries make room for new ones. Each list is
  // threaded through the freed records themselves (their first 8 bytes point to the next).
  static constexpr size_t kReuseLimit = 256;
  std::vector<char*> freeBySize_;
  void release(uint32_t id);
  // Empties index slot `slot` and frees the entry it names.
  void eraseSlot(size_t slot);
  // Arena chunks, uninitialized (no page is written before a record is). Huge pages for the
  // map's memory made a state's rebuild about 40 % faster on the benchmark machine but its batches
  // 5-20 % slower afterwards (the golden query; W9 at 20 M events), so the map does without them.
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::vector<size_t> chunkSizes_;
  size_t chunkUsed_ = 0;  // bytes used of the last chunk
  int64_t arenaBytes_ = 0, garbageBytes_ = 0;
};

}  // namespace weir::state
