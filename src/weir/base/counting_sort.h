// Grouping items by a small integer bucket in linear time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

namespace weir::base {

inline constexpr uint32_t kNoBucket = UINT32_MAX;

/// A stable counting sort of the items 0 .. n-1 by bucket: returns the items in order of bucket,
/// and within a bucket in order of item; bucket b's items are at [begin[b], begin[b + 1]).
/// `bucketOf(i)` returns a bucket below `buckets`, or kNoBucket to leave item i out; it is called
/// twice per item.
template <class BucketOf>
std::vector<uint32_t> groupByBucket(size_t n, size_t buckets, BucketOf&& bucketOf,
                                    std::vector<uint32_t>& begin) {
  begin.assign(buckets + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t b = bucketOf(i);
    if (b != kNoBucket) ++begin[b + 1];
  }
  std::partial_sum(begin.begin(), begin.end(), begin.begin());
  std::vector<uint32_t> items(begin[buckets]);
  std::vector<uint32_t> next(begin.begin(), begin.end() - 1);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t b = bucketOf(i);
    if (b != kNoBucket) items[next[b]++] = static_cast<uint32_t>(i);
  }
  return items;
}

}  // namespace weir::base
