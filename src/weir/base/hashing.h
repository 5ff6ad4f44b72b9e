// Hash functions with Spark's exact results: Murmur3 x86 32-bit as Spark's `hash` applies it, and
// XXH64 as `xxhash64` does, both with seed 42 by default.
#pragma once

#include <cstdint>
#include <string_view>

namespace weir::base {

constexpr uint32_t kSparkHashSeed = 42;

uint32_t murmur3Int(int32_t value, uint32_t seed);
uint32_t murmur3Long(int64_t value, uint32_t seed);
/// Spark's hashUnsafeBytes: whole 4-byte words, then each tail byte mixed as its own word.
uint32_t murmur3Bytes(std::string_view bytes, uint32_t seed);

uint64_t xxhash64Int(int32_t value, uint64_t seed);
uint64_t xxhash64Long(int64_t value, uint64_t seed);
uint64_t xxhash64Bytes(std::string_view bytes, uint64_t seed);

/// A fast 64-bit mix for hash tables (not Spark-compatible).
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

}  // namespace weir::base
