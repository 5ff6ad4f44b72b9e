// Process memory settings for an engine that allocates and frees similar large buffers on every
// batch (hash tables, columns, state).
#pragma once

#include <cstddef>

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
/// on virtual machines a fault is expensive (about 12 us on the benchmark machine). For buffers
/// that are written once and read in order, such as the file a state rebuild reads (randomly
/// accessed memory, such as a state map, ran 5-20 % slower in huge pages there). Advice only; a
/// no-op for blocks under 4 MiB and where the kernel has huge pages off.
inline constexpr size_t kHugePageBytes = size_t{2} << 20;
void adviseHugePages(void* p, size_t bytes);

}  // namespace weir::base
