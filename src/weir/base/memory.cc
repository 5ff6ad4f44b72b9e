#include "weir/base/memory.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <mutex>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace weir::base {

void retainFreedMemory() {
  static std::once_flag once;
  std::call_once(once, [] {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
  });
}

namespace {
size_t mappedSize(size_t bytes) { return (bytes + kLargeBlockBytes - 1) & ~(kLargeBlockBytes - 1); }
}  // namespace

void* allocateLarge(size_t bytes) {
  if (bytes < kLargeBlockBytes) {
    void* p = std::malloc(bytes == 0 ? 1 : bytes);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  if (bytes > SIZE_MAX - 2 * kLargeBlockBytes) throw std::bad_alloc();
  // Map 2 MiB more than needed and unmap the ends around an aligned block: huge pages need
  // 2 MiB alignment.
  const size_t size = mappedSize(bytes);
  void* raw = ::mmap(nullptr, size + kLargeBlockBytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kLargeBlockBytes - 1) & ~(uintptr_t{kLargeBlockBytes} - 1);
  if (aligned > start) ::munmap(raw, aligned - start);
  const uintptr_t end = start + size + kLargeBlockBytes;
  if (end > aligned + size)
    ::munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
    // Advice only: where the kernel has huge pages off, the block works with small pages.
#ifdef MADV_HUGEPAGE
  ::madvise(reinterpret_cast<void*>(aligned), size, MADV_HUGEPAGE);
#endif
  return reinterpret_cast<void*>(aligned);
}

void adviseHugePages(void* p, size_t bytes) {
  if (p == nullptr || bytes < 2 * kLargeBlockBytes) return;
  const auto start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t from = (start + kLargeBlockBytes - 1) & ~(uintptr_t{kLargeBlockBytes} - 1);
  const uintptr_t to = (start + bytes) & ~(uintptr_t{kLargeBlockBytes} - 1);
#ifdef MADV_HUGEPAGE
  if (to > from) ::madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
#endif
}

void freeLarge(void* block, size_t bytes) {
  if (block == nullptr) return;
  if (bytes < kLargeBlockBytes) {
    std::free(block);
    return;
  }
  ::munmap(block, mappedSize(bytes));
}

}  // namespace weir::base
