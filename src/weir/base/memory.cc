#include "weir/base/memory.h"

#include <sys/mman.h>

#include <cstdint>
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

void adviseHugePages(void* p, size_t bytes) {
  if (p == nullptr || bytes < 2 * kHugePageBytes) return;
  const auto start = reinterpret_cast<uintptr_t>(p);
  const uintptr_t from = (start + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
  const uintptr_t to = (start + bytes) & ~(uintptr_t{kHugePageBytes} - 1);
#ifdef MADV_HUGEPAGE
  if (to > from) ::madvise(reinterpret_cast<void*>(from), to - from, MADV_HUGEPAGE);
#endif
}

}  // namespace weir::base
