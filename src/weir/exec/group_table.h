// GroupTable: maps encoded keys to dense group ids with open addressing over precomputed hashes.
// Used by aggregation and deduplication; keys live in an arena owned by the table.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace weir::exec {

/// Not thread-safe: one per task. A slot is 16 bytes: 32 bits of the hash, the group, and a word
/// that holds keys of up to 7 bytes whole (so probing for them reads one slot and follows no
/// pointer); longer keys are compared with the copy kept in the arena.
class GroupTable {
 public:
  static constexpr uint32_t kEmpty = UINT32_MAX;

  GroupTable() { rehash(1024); }

  /// The group of `key` (whose hash is `hash`), inserting a new group when absent.
  uint32_t findOrInsert(uint64_t hash, std::string_view key, bool& inserted) {
    return findOrInsert(Probe(hash, key), inserted);
  }

  /// Groups of n encoded keys at once, inserting new ones; `onInsert(i)` is called for each row
  /// that created a group. The slots of rows a little ahead are prefetched so that their memory
  /// loads overlap.
  template <class OnInsert>
  void findOrInsertAll(const uint64_t* hashes, const std::string_view* keys, size_t n, uint32_t* groups,
                       OnInsert onInsert) {
    constexpr size_t kAhead = 32;
    for (size_t i = 0; i < n; ++i) {
      if (i + kAhead < n) prefetch(hashes[i + kAhead]);
      bool inserted = false;
      groups[i] = findOrInsert(Probe(hashes[i], keys[i]), inserted);
      if (inserted) onInsert(i);
    }
  }

  /// Prefetches the slot a hash maps to (call a few rows ahead of findOrInsert).
  void prefetch(uint64_t hash) const { __builtin_prefetch(&entries_[fold(hash) & mask_]); }

  size_t size() const { return keys_.size(); }
  std::string_view key(uint32_t group) const { return keys_[group]; }

 private:
  static constexpr size_t kInline = 7;
  static constexpr uint64_t kLongKey = 0xffULL << 56;

  struct Entry {
    uint32_t hash = 0;
    uint32_t group = kEmpty;
    uint64_t word = 0;  // inline keys: the bytes, and the size in the top byte; else kLongKey
  };

  static uint32_t fold(uint64_t hash) { return static_cast<uint32_t>(hash >> 32) ^ static_cast<uint32_t>(hash); }

  // A key to look up, with its slot word computed once.
  struct Probe {
    Probe(uint64_t h, std::string_view k) : hash(fold(h)), key(k), word(pack(k)) {}
    uint32_t hash;
    std::string_view key;
    uint64_t word;
  };

  // Keys of up to 7 bytes as one word (a few overlapping loads, no memcpy call), size on top.
  static uint64_t pack(std::string_view k) {
    const char* p = k.data();
    size_t n = k.size();
    if (n > kInline) return kLongKey;
    uint64_t v = 0;
    if (n >= 4) {
      uint32_t lo, hi;
      std::memcpy(&lo, p, 4);
      std::memcpy(&hi, p + n - 4, 4);
      v = lo | ((static_cast<uint64_t>(hi) >> ((8 - n) * 8)) << 32);
    } else if (n > 0) {
      v = static_cast<uint8_t>(p[0]);
      if (n > 1) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[1])) << 8;
      if (n > 2) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[2])) << 16;
    }
    return v | (static_cast<uint64_t>(n) << 56);
  }

  bool matches(const Entry& e, const Probe& probe) const {
    if (e.hash != probe.hash || e.word != probe.word) return false;
    return probe.word != kLongKey || keys_[e.group] == probe.key;
  }

  uint32_t findOrInsert(const Probe& probe, bool& inserted) {
    size_t slot = probe.hash & mask_;
    for (;;) {
      Entry& e = entries_[slot];
      if (e.group == kEmpty) {
        if ((keys_.size() + 1) * 2 > entries_.size()) {
          rehash(entries_.size() * 2);
          return findOrInsert(probe, inserted);
        }
        e.hash = probe.hash;
        e.group = static_cast<uint32_t>(keys_.size());
        e.word = probe.word;
        keys_.push_back(store(probe.key));
        inserted = true;
        return e.group;
      }
      if (matches(e, probe)) {
        inserted = false;
        return e.group;
      }
      slot = (slot + 1) & mask_;
    }
  }

  std::string_view store(std::string_view key) {
    if (key.empty()) return {};
    if (key.size() > remaining_) {
      size_t size = std::max<size_t>(kBlock, key.size());
      blocks_.push_back(std::make_unique<char[]>(size));
      cursor_ = blocks_.back().get();
      remaining_ = size;
    }
    std::memcpy(cursor_, key.data(), key.size());
    std::string_view stored(cursor_, key.size());
    cursor_ += key.size();
    remaining_ -= key.size();
    return stored;
  }

  void rehash(size_t capacity) {
    std::vector<Entry> old = std::move(entries_);
    entries_.assign(capacity, Entry{});
    mask_ = capacity - 1;
    for (const Entry& e : old) {
      if (e.group == kEmpty) continue;
      size_t slot = e.hash & mask_;
      while (entries_[slot].group != kEmpty) slot = (slot + 1) & mask_;
      entries_[slot] = e;
    }
  }

  static constexpr size_t kBlock = 256 * 1024;
  std::vector<Entry> entries_;
  size_t mask_ = 0;
  std::vector<std::string_view> keys_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* cursor_ = nullptr;
  size_t remaining_ = 0;
};

}  // namespace weir::exec
