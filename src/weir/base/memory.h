// Process memory settings for an engine that allocates and frees similar large buffers on every
// batch (hash tables, columns, state).
#pragma once

namespace weir::base {

/// Makes glibc's malloc keep freed memory for reuse instead of returning it to the kernel after
/// each operator: allocations up to 32 MiB come from the heap (not mmap), and up to 256 MiB of
/// free heap stays mapped. Without this, every batch pays page faults to map and zero the same
/// memory again (a third of the time of a sliding-window count over 100 k keys). Process-wide
/// and idempotent; a no-op with other C libraries. Sessions call it unless the configuration
/// sets `weir.memory.retainFreed` to false.
void retainFreedMemory();

}  // namespace weir::base
