// Spark-compatible Murmur3 and XXH64.
#include "weir/base/hashing.h"

#include <xxhash.h>

#include <cstring>

namespace weir::base {
namespace {

constexpr uint32_t kC1 = 0xcc9e2d51, kC2 = 0x1b873593;

inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
inline uint32_t mixK1(uint32_t k1) { return rotl(k1 * kC1, 15) * kC2; }
inline uint32_t mixH1(uint32_t h1, uint32_t k1) { return rotl(h1 ^ k1, 13) * 5 + 0xe6546b64; }
inline uint32_t fmix(uint32_t h1, uint32_t length) {
  h1 ^= length;
  h1 ^= h1 >> 16;
  h1 *= 0x85ebca6b;
  h1 ^= h1 >> 13;
  h1 *= 0xc2b2ae35;
  h1 ^= h1 >> 16;
  return h1;
}

}  // namespace

uint32_t murmur3Int(int32_t value, uint32_t seed) {
  return fmix(mixH1(seed, mixK1(static_cast<uint32_t>(value))), 4);
}

uint32_t murmur3Long(int64_t value, uint32_t seed) {
  uint64_t v = static_cast<uint64_t>(value);
  uint32_t h1 = mixH1(seed, mixK1(static_cast<uint32_t>(v)));
  h1 = mixH1(h1, mixK1(static_cast<uint32_t>(v >> 32)));
  return fmix(h1, 8);
}

uint32_t murmur3Bytes(std::string_view bytes, uint32_t seed) {
  size_t aligned = bytes.size() - bytes.size() % 4;
  uint32_t h1 = seed;
  for (size_t i = 0; i < aligned; i += 4) {
    uint32_t word;
    std::memcpy(&word, bytes.data() + i, 4);
    h1 = mixH1(h1, mixK1(word));
  }
  for (size_t i = aligned; i < bytes.size(); ++i) {
    int32_t byte = static_cast<int8_t>(bytes[i]);
    h1 = mixH1(h1, mixK1(static_cast<uint32_t>(byte)));
  }
  return fmix(h1, static_cast<uint32_t>(bytes.size()));
}

uint64_t xxhash64Int(int32_t value, uint64_t seed) { return XXH64(&value, 4, seed); }
uint64_t xxhash64Long(int64_t value, uint64_t seed) { return XXH64(&value, 8, seed); }
uint64_t xxhash64Bytes(std::string_view bytes, uint64_t seed) {
  return XXH64(bytes.data(), bytes.size(), seed);
}

}  // namespace weir::base
