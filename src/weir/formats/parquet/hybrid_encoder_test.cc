// Tests of the RLE / bit-packed hybrid encoder: random and run-heavy sequences, fed as runs, arrays
// and single values, decoded by an independent reading of the format and compared value by value.
#include "weir/formats/parquet/hybrid_encoder.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace weir::formats::parquet {
namespace {

// Decodes `count` values of `width` bits: RLE runs (header even) and bit-packed groups (odd).
std::vector<uint32_t> decode(std::string_view in, int width, size_t count) {
  std::vector<uint32_t> out;
  size_t at = 0;
  auto varint = [&] {
    uint64_t v = 0;
    for (int shift = 0;; shift += 7) {
      const auto b = static_cast<uint8_t>(in.at(at++));
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
  };
  while (out.size() < count) {
    const uint64_t header = varint();
    if ((header & 1) == 0) {
      uint32_t value = 0;
      for (int b = 0; b < (width + 7) / 8; ++b)
        value |= static_cast<uint32_t>(static_cast<uint8_t>(in.at(at++))) << (8 * b);
      out.insert(out.end(), header >> 1, value);
    } else {
      const size_t values = (header >> 1) * 8;
      for (size_t k = 0; k < values; ++k) {
        uint32_t value = 0;
        for (int bit = 0; bit < width; ++bit) {
          const size_t position = k * static_cast<size_t>(width) + static_cast<size_t>(bit);
          const auto byte = static_cast<uint8_t>(in.at(at + position / 8));
          value |= static_cast<uint32_t>((byte >> (position % 8)) & 1) << bit;
        }
        out.push_back(value);
      }
      at += values * static_cast<size_t>(width) / 8;
    }
  }
  EXPECT_EQ(at, in.size());
  out.resize(count);
  return out;
}

TEST(HybridEncoderTest, RandomRunsArraysAndValuesRoundTrip) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 400; ++trial) {
    const int width = static_cast<int>(rng() % 33);
    const uint64_t limit = width == 32 ? 0xffffffffULL : (uint64_t{1} << width) - 1;
    HybridEncoder encoder(width);
    std::vector<uint32_t> expected;
    for (int piece = 0, pieces = static_cast<int>(rng() % 12); piece < pieces; ++piece) {
      const auto value = [&] {
        return static_cast<uint32_t>(rng() % 4 == 0 ? rng() & limit : rng() % 3 & limit);
      };
      switch (rng() % 3) {
        case 0: {
          const uint32_t v = value();
          const size_t count = rng() % 2 == 0 ? rng() % 10 : rng() % 3000;
          encoder.putRun(v, count);
          expected.insert(expected.end(), count, v);
          break;
        }
        case 1: {
          std::vector<uint32_t> values(rng() % 2000);
          for (auto& v : values)
            v = rng() % 5 == 0 ? value() : (expected.empty() ? 0 : expected.back());
          encoder.put(values.data(), values.size());
          expected.insert(expected.end(), values.begin(), values.end());
          break;
        }
        default:
          if (width <= 8) {
            std::vector<uint8_t> values(rng() % 100);
            for (auto& v : values) v = static_cast<uint8_t>(value());
            encoder.put(values.data(), values.size());
            expected.insert(expected.end(), values.begin(), values.end());
          }
      }
    }
    EXPECT_EQ(encoder.size(), expected.size());
    const std::string bytes(encoder.finish());
    const auto got = decode(bytes, width, expected.size());
    for (size_t k = 0; k < expected.size(); ++k) {
      ASSERT_EQ(got[k], expected[k])
          << "trial " << trial << " width " << width << " value " << k << " of " << expected.size();
    }
  }
}

TEST(HybridEncoderTest, LongRunsAreOneRleRun) {
  HybridEncoder encoder(1);
  encoder.putRun(1, 4096);
  encoder.putRun(1, 4096);
  // Header varint(8192 << 1) in two bytes, then the value in one byte.
  EXPECT_EQ(encoder.finish(), std::string("\x80\x80\x01\x01", 4));
  encoder.reset(3);
  const uint32_t values[] = {1, 2, 3, 4, 5, 6, 7};
  encoder.put(values, 7);
  // Seven literals padded to a group of 8: header 3, then 3 bytes.
  EXPECT_EQ(encoder.finish().size(), 4u);
}

}  // namespace
}  // namespace weir::formats::parquet
