// HyperLogLog, shared by approx_count_distinct (exec) and the estimate of a streaming query's
// merged sketch (expr): 2^p one-byte registers, linear counting for small cardinalities.
#pragma once

#include <cstddef>
#include <cstdint>

namespace weir::expr {

/// The register count exponent for a relative standard deviation (between 4 and 16).
int hllPrecision(double rsd);
/// Adds a 64-bit hash to the registers (2^p of them).
inline void hllAdd(uint8_t* registers, int p, uint64_t hash) {
  const size_t index = hash >> (64 - p);
  const uint64_t rest = (hash << p) | (uint64_t{1} << (p - 1));
  const auto rank = static_cast<uint8_t>(__builtin_clzll(rest) + 1);
  if (rank > registers[index]) registers[index] = rank;
}
/// The cardinality estimate of `m` registers.
int64_t hllEstimate(const uint8_t* registers, size_t m);

}  // namespace weir::expr
