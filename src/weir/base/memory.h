// Process memory settings for an engine that allocates and frees similar large buffers on every
// batch (hash tables, columns, state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <utility>

namespace weir::base {

/// Makes glibc's malloc keep freed memory for reuse instead of returning it to the kernel after
/// each operator: allocations up to 32 MiB come from the heap (not mmap), and up to 256 MiB of
/// free heap stays mapped. Without this, every batch pays page faults to map and zero the same
/// memory again (a third of the time of a sliding-window count over 100 k keys). Process-wide
/// and idempotent; a no-op with other C libraries. Sessions call it unless the configuration
/// sets `weir.memory.retainFreed` to false.
void retainFreedMemory();

/// Marks the whole 2 MiB pages inside [p, p + bytes) of a fresh block for transparent huge pages,
/// before it is first written, so that filling it takes one page fault per 2 MiB instead of 512:
/// on virtual machines a fault is expensive (about 12 us on the benchmark machine), and a restart
/// that rebuilt 1.3 M state keys spent half its time in faults. Advice only; a no-op for blocks
/// under 4 MiB (which hold no whole huge page worth it) and where the kernel has huge pages off.
inline constexpr size_t kLargeBlockBytes = size_t{2} << 20;
void adviseHugePages(void* p, size_t bytes);

/// Memory for big buffers that are filled right after they are allocated (a state store's index,
/// entries and records): malloc's, marked with adviseHugePages. Uninitialized. Not aligned to
/// 2 MiB on purpose: blocks so aligned made the golden query's state 25 % slower in steady state
/// on the benchmark machine (arrays read side by side share cache sets). Throws std::bad_alloc.
void* allocateLarge(size_t bytes);
/// Frees a block of allocateLarge(bytes).
void freeLarge(void* block, size_t bytes);

/// A std::allocator that takes its memory from allocateLarge, for big vectors.
template <class T>
struct LargeAllocator {
  using value_type = T;
  LargeAllocator() = default;
  template <class U>
  LargeAllocator(const LargeAllocator<U>&) {}  // NOLINT: converting, as allocators are
  T* allocate(size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(allocateLarge(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) { freeLarge(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const LargeAllocator<U>&) const {
    return true;
  }
};

/// An owned, uninitialized block from allocateLarge.
class LargeBlock {
 public:
  LargeBlock() = default;
  explicit LargeBlock(size_t bytes)
      : data_(static_cast<char*>(allocateLarge(bytes))), size_(bytes) {}
  LargeBlock(LargeBlock&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  LargeBlock& operator=(LargeBlock&& o) noexcept {
    if (this != &o) {
      reset();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  LargeBlock(const LargeBlock&) = delete;
  LargeBlock& operator=(const LargeBlock&) = delete;
  ~LargeBlock() { reset(); }

  char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void reset() {
    if (data_ != nullptr) freeLarge(data_, size_);
    data_ = nullptr;
    size_ = 0;
  }
  char* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace weir::base
