// StateMap: the in-memory map of a state store, byte-string keys to byte-string values, laid out
// compactly: each entry's key and value sit together in large arena chunks, a 16-byte entry
// points at them, and an open-addressing index of 4-byte entry ids finds keys by hash. No
// allocation per entry; values of unchanged size are overwritten in place. Not thread-safe.
#pragma once

#include <absl/container/flat_hash_set.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace weir::state {

class StateMap {
 public:
  StateMap();
  StateMap(const StateMap&) = delete;
  StateMap& operator=(const StateMap&) = delete;

  /// The hash a key is indexed by (XXH3, as exec::encodeKeys computes it).
  static uint64_t hashOf(std::string_view key);

  /// The value of `key`. Views into the map stay valid until the next put or remove.
  std::optional<std::string_view> get(std::string_view key) const { return get(key, hashOf(key)); }
  std::optional<std::string_view> get(std::string_view key, uint64_t hash) const;
  static constexpr uint32_t kNone = UINT32_MAX;
  /// The id of `key`'s entry, or kNone.
  uint32_t find(std::string_view key, uint64_t hash) const {
    auto it = index_.find(Probe{key, hash});
    return it == index_.end() ? kNone : *it;
  }
  /// Replaces the value of live entry `id`.
  void set(uint32_t id, std::string_view value);
  /// Inserts or replaces; returns the entry's id (stable until the entry is removed).
  uint32_t put(std::string_view key, std::string_view value) { return put(key, hashOf(key), value); }
  uint32_t put(std::string_view key, uint64_t hash, std::string_view value);
  /// Removes `key`; false when absent.
  bool remove(std::string_view key);
  void clear();

  size_t size() const { return index_.size(); }
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
  /// Ids are below this bound.
  uint32_t idBound() const { return static_cast<uint32_t>(entries_.size()); }

  /// Calls fn(key, value) for every entry; the map must not change meanwhile.
  template <class F>
  void forEach(F&& fn) const {
    for (uint32_t id = 0; id < entries_.size(); ++id) {
      if (entries_[id] != nullptr) {
        Record r = record(id);
        fn(std::string_view(r.key, r.keySize), std::string_view(r.key + r.keySize, r.valueSize));
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
  struct Probe {
    std::string_view key;
    uint64_t hash;
  };
  struct Hash {
    using is_transparent = void;
    const StateMap* map;
    size_t operator()(uint32_t id) const { return hashOf(map->key(id)); }
    size_t operator()(const Probe& p) const { return p.hash; }
  };
  struct Eq {
    using is_transparent = void;
    const StateMap* map;
    bool operator()(uint32_t a, uint32_t b) const { return a == b; }
    bool operator()(uint32_t a, const Probe& b) const { return map->key(a) == b.key; }
    bool operator()(const Probe& a, uint32_t b) const { return map->key(b) == a.key; }
  };

  const char* store(std::string_view key, std::string_view value);
  void compact();

  std::vector<Entry> entries_;
  std::vector<uint32_t> free_;
  absl::flat_hash_set<uint32_t, Hash, Eq> index_;
  // Freed records by size (8 to kReuseLimit bytes), reused by records of the same size: keys of
  // one operator mostly have one size, so evicted entries make room for new ones. Each list is
  // threaded through the freed records themselves (their first 8 bytes point to the next).
  static constexpr size_t kReuseLimit = 256;
  std::vector<char*> freeBySize_;
  void release(uint32_t id);
  std::vector<std::unique_ptr<char[]>> chunks_;
  std::vector<size_t> chunkSizes_;
  size_t chunkUsed_ = 0;  // bytes used of the last chunk
  int64_t arenaBytes_ = 0, garbageBytes_ = 0;
};

}  // namespace weir::state
