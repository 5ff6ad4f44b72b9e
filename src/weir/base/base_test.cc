#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <vector>

#include "weir/base/counting_sort.h"
#include "weir/base/duration.h"
#include "weir/base/error.h"
#include "weir/base/hashing.h"
#include "weir/base/memory.h"
#include "weir/base/thread_pool.h"
#include "weir/base/time.h"

namespace weir::base {

TEST(Memory, HugePageAdviceTouchesNothingOutsideTheBlock) {
  // An unaligned span: only the whole 2 MiB pages inside it are advised; every byte keeps its value.
  std::vector<char> block(5 * kHugePageBytes, 'g');
  adviseHugePages(block.data() + 1, block.size() - 2);
  adviseHugePages(block.data(), 100);  // too small: nothing to advise
  adviseHugePages(nullptr, block.size());
  EXPECT_EQ(std::count(block.begin(), block.end(), 'g'), static_cast<std::ptrdiff_t>(block.size()));
  for (size_t i = 0; i < block.size(); i += 4096) block[i] = 'w';
  EXPECT_EQ(std::count(block.begin(), block.end(), 'w'), static_cast<std::ptrdiff_t>(block.size() / 4096));
}

TEST(CountingSort, GroupsItemsByBucketInOrderAndLeavesOutTheRest) {
  // Buckets of 0..9: i % 4, except 3 and 7, left out; bucket 3 stays empty.
  const std::vector<uint32_t> bucket{0, 1, 2, kNoBucket, 0, 1, 2, kNoBucket, 0, 1};
  std::vector<uint32_t> begin;
  auto items = groupByBucket(bucket.size(), 4, [&](size_t i) { return bucket[i]; }, begin);
  EXPECT_EQ(items, (std::vector<uint32_t>{0, 4, 8, 1, 5, 9, 2, 6}));
  EXPECT_EQ(begin, (std::vector<uint32_t>{0, 3, 6, 8, 8}));
  EXPECT_TRUE(groupByBucket(0, 2, [](size_t) { return 0u; }, begin).empty());
  EXPECT_EQ(begin, (std::vector<uint32_t>{0, 0, 0}));
}

TEST(Duration, ParsesSparkIntervals) {
  EXPECT_EQ(parseDurationMicros("10 minutes"), 600'000'000);
  EXPECT_EQ(parseDurationMicros("1 hour 30 minutes"), 5'400'000'000);
  EXPECT_EQ(parseDurationMicros("2 seconds"), 2'000'000);
  EXPECT_EQ(parseDurationMicros("interval 1 day"), 86'400'000'000);
  EXPECT_EQ(parseDurationMicros("500 milliseconds"), 500'000);
  EXPECT_EQ(parseDurationMicros("1 week"), 7 * 86'400'000'000LL);
  EXPECT_THROW(parseDurationMicros("10 parsecs"), InvalidInputError);
  EXPECT_THROW(parseDurationMicros("ten minutes"), InvalidInputError);
  EXPECT_THROW(parseDurationMicros("1 month"), InvalidInputError);
  EXPECT_THROW(parseDurationMicros(""), InvalidInputError);
  EXPECT_EQ(formatDurationMicros(5'400'000'000), "1 hours 30 minutes");
}

TEST(Time, ParsesAndFormatsTimestamps) {
  EXPECT_EQ(parseTimestamp("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parseTimestamp("2025-01-01T00:00:00.000Z"), 1735689600LL * 1'000'000);
  EXPECT_EQ(parseTimestamp("2025-01-01 01:00:00+01:00"), 1735689600LL * 1'000'000);
  EXPECT_EQ(parseTimestamp("2025-01-01"), 1735689600LL * 1'000'000);
  EXPECT_EQ(parseTimestamp("2025-01-01T00:00:00.123456"), 1735689600LL * 1'000'000 + 123456);
  EXPECT_FALSE(parseTimestamp("2025-13-01").has_value());
  EXPECT_FALSE(parseTimestamp("garbage").has_value());
  EXPECT_EQ(formatTimestamp(1735689600LL * 1'000'000 + 500'000), "2025-01-01 00:00:00.5");
  EXPECT_EQ(formatTimestamp(-1), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(formatDate(0), "1970-01-01");
  EXPECT_EQ(parseDate("2024-02-29"), 19782);
  EXPECT_FALSE(parseDate("2023-02-29").has_value());
}

TEST(Time, JavaPatterns) {
  int64_t t = *parseTimestamp("2025-03-04 05:06:07.089");
  EXPECT_EQ(formatWithPattern(t, "yyyy-MM-dd HH:mm:ss.SSS"), "2025-03-04 05:06:07.089");
  EXPECT_EQ(formatWithPattern(t, "dd/MM/yy EEE MMM"), "04/03/25 Tue Mar");
  EXPECT_EQ(parseWithPattern("04/03/2025 05:06", "dd/MM/yyyy HH:mm"), *parseTimestamp("2025-03-04 05:06:00"));
  EXPECT_FALSE(parseWithPattern("2025-03-04", "dd/MM/yyyy").has_value());
}

TEST(Hashing, MatchesSpark) {
  // Values from Spark: SELECT hash(1), hash(1L), hash('abc'), xxhash64(1), xxhash64('abc').
  EXPECT_EQ(static_cast<int32_t>(murmur3Int(1, kSparkHashSeed)), -559580957);
  EXPECT_EQ(static_cast<int32_t>(murmur3Long(1, kSparkHashSeed)), -1712319331);
  EXPECT_EQ(static_cast<int32_t>(murmur3Bytes("abc", kSparkHashSeed)), 1322437556);
  EXPECT_EQ(static_cast<int64_t>(xxhash64Int(1, kSparkHashSeed)), -6698625589789238999LL);
}

TEST(ThreadPool, RunsEveryIndexAndPropagatesErrors) {
  ThreadPool pool(2);
  std::atomic<int> sum{0};
  pool.parallelFor(100, [&](size_t i) { sum += static_cast<int>(i); });
  EXPECT_EQ(sum.load(), 4950);
  EXPECT_THROW(pool.parallelFor(10, [](size_t i) { if (i == 7) throw InvalidInputError("X", "boom"); }),
               InvalidInputError);
}

TEST(Error, CarriesClassAndMessage) {
  AnalysisError e("UNRESOLVED_COLUMN", "bad");
  EXPECT_EQ(e.errorClass(), "UNRESOLVED_COLUMN");
  EXPECT_STREQ(e.what(), "[UNRESOLVED_COLUMN] bad");
}

}  // namespace weir::base
