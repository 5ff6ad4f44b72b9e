// FixedValueIndex: a dictionary's map from fixed-width values (their bits) to dictionary indices,
// built for the writer's hot loop: open addressing with linear probing, keys and indices in one
// array, at most half full.
#pragma once

#include <cstdint>
#include <vector>

namespace weir::formats::parquet {

/// Maps 64-bit keys (the bits of an INT32, INT64, FLOAT or DOUBLE value) to the dense indices
/// 0, 1, 2, ... in insertion order. Owned by one column writer; not thread-safe.
class FixedValueIndex {
 public:
  FixedValueIndex() { clear(); }

  /// The index of `key`, inserting it with the next index when absent (then `inserted` is true).
  uint32_t findOrInsert(uint64_t key, bool& inserted) {
    for (size_t slot = slotOf(key);; slot = (slot + 1) & mask_) {
      Slot& s = slots_[slot];
      if (s.index == kEmpty) {
        inserted = true;
        s.key = key;
        s.index = static_cast<uint32_t>(size_++);
        const uint32_t index = s.index;
        if (size_ * 2 > slots_.size()) grow();
        return index;
      }
      if (s.key == key) {
        inserted = false;
        return s.index;
      }
    }
  }

  size_t size() const { return size_; }

  /// Empties the map and gives back its memory but for a small table.
  void clear() {
    slots_.assign(kInitialSlots, Slot{});
    mask_ = kInitialSlots - 1;
    shift_ = 64 - kInitialBits;
    size_ = 0;
  }

 private:
  static constexpr uint32_t kEmpty = 0xffffffffu;
  static constexpr int kInitialBits = 6;
  static constexpr size_t kInitialSlots = size_t{1} << kInitialBits;

  struct Slot {
    uint64_t key = 0;
    uint32_t index = kEmpty;
  };

  // Fibonacci hashing: the top bits of the key times 2^64 / golden ratio.
  size_t slotOf(uint64_t key) const {
    return static_cast<size_t>((key * 0x9e3779b97f4a7c15ULL) >> shift_);
  }

  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    mask_ = slots_.size() - 1;
    --shift_;
    for (const Slot& s : old) {
      if (s.index == kEmpty) continue;
      size_t slot = slotOf(s.key);
      while (slots_[slot].index != kEmpty) slot = (slot + 1) & mask_;
      slots_[slot] = s;
    }
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  int shift_ = 64;
  size_t size_ = 0;
};

}  // namespace weir::formats::parquet
