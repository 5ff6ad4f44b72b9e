// GroupTable: maps encoded keys to dense group ids with open addressing over precomputed hashes.
// Used by aggregation and deduplication; keys live in an arena owned by the table.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>
#include <vector>

namespace weir::exec {

/// Not thread-safe: one per task.
class GroupTable {
 public:
  static constexpr uint32_t kEmpty = UINT32_MAX;

  GroupTable() { rehash(1024); }

  /// The group of `key` (whose hash is `hash`), inserting a new group when absent.
  uint32_t findOrInsert(uint64_t hash, std::string_view key, bool& inserted) {
    size_t slot = hash & mask_;
    for (;;) {
      Entry& e = entries_[slot];
      if (e.group == kEmpty) {
        if ((keys_.size() + 1) * 2 > entries_.size()) {
          rehash(entries_.size() * 2);
          return findOrInsert(hash, key, inserted);
        }
        e.hash = hash;
        e.group = static_cast<uint32_t>(keys_.size());
        keys_.push_back(store(key));
        inserted = true;
        return e.group;
      }
      if (e.hash == hash && keys_[e.group] == key) {
        inserted = false;
        return e.group;
      }
      slot = (slot + 1) & mask_;
    }
  }

  /// Groups of n encoded keys at once, inserting new ones; `onInsert(i)` is called for each row
  /// that created a group. Probing is split into passes so that memory loads of different rows
  /// overlap: slots by hash first (prefetched ahead), then key bytes (prefetched ahead).
  template <class OnInsert>
  void findOrInsertAll(const uint64_t* hashes, const std::string_view* keys, size_t n, uint32_t* groups,
                       OnInsert onInsert) {
    constexpr size_t kAhead = 16;
    candidates_.resize(n);
    for (size_t i = 0; i < n; ++i) {
      if (i + kAhead < n) prefetch(hashes[i + kAhead]);
      size_t slot = hashes[i] & mask_;
      uint32_t found = kEmpty;
      for (;;) {
        const Entry& e = entries_[slot];
        if (e.group == kEmpty) break;
        if (e.hash == hashes[i]) {
          found = e.group;
          break;
        }
        slot = (slot + 1) & mask_;
      }
      candidates_[i] = found;
    }
    for (size_t i = 0; i < n; ++i) {
      if (i + kAhead < n && candidates_[i + kAhead] != kEmpty) {
        __builtin_prefetch(keys_[candidates_[i + kAhead]].data());
      }
      uint32_t c = candidates_[i];
      if (c != kEmpty && keys_[c] == keys[i]) {
        groups[i] = c;
        continue;
      }
      bool inserted = false;
      groups[i] = findOrInsert(hashes[i], keys[i], inserted);
      if (inserted) onInsert(i);
    }
  }

  /// Prefetches the slot a hash maps to (call a few rows ahead of findOrInsert).
  void prefetch(uint64_t hash) const { __builtin_prefetch(&entries_[hash & mask_]); }

  size_t size() const { return keys_.size(); }
  std::string_view key(uint32_t group) const { return keys_[group]; }

 private:
  struct Entry {
    uint64_t hash = 0;
    uint32_t group = kEmpty;
  };

  std::string_view store(std::string_view key) {
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
  std::vector<uint32_t> candidates_;
  std::vector<std::string_view> keys_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* cursor_ = nullptr;
  size_t remaining_ = 0;
};

}  // namespace weir::exec
