#include "weir/formats/parquet/hybrid_encoder.h"

#include <algorithm>
#include <cstring>

namespace weir::formats::parquet {

namespace {

void putVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Appends `n` values (a multiple of 8) bit-packed LSB first: each group of 8 values fills exactly
// `width` bytes.
void pack(const uint32_t* values, size_t n, int width, std::string& out) {
  if (width == 0) return;
  const size_t at = out.size();
  out.resize(at + n / 8 * static_cast<size_t>(width));
  char* p = out.data() + at;
  for (size_t g = 0; g < n; g += 8) {
    uint64_t words[5] = {0, 0, 0, 0, 0};
    for (int k = 0; k < 8; ++k) {
      const uint64_t v = values[g + static_cast<size_t>(k)];
      const int bit = k * width;
      words[bit >> 6] |= v << (bit & 63);
      // The spill into the next word; shifting by 64 is avoided when the value starts a word.
      words[(bit >> 6) + 1] |= (bit & 63) == 0 ? 0 : v >> (64 - (bit & 63));
    }
    std::memcpy(p, words, static_cast<size_t>(width));
    p += width;
  }
}

// The end of the run of `v` that goes on at `from`: 8 values at a time, then one at a time.
template <class T>
size_t runEnd(const T* values, size_t from, size_t n, T v) {
  size_t j = from;
  while (n - j >= 8) {
    const T* g = values + j;
    if (((g[0] ^ v) | (g[1] ^ v) | (g[2] ^ v) | (g[3] ^ v) | (g[4] ^ v) | (g[5] ^ v) | (g[6] ^ v) |
         (g[7] ^ v)) != 0)
      break;
    j += 8;
  }
  while (j < n && values[j] == v) ++j;
  return j;
}

}  // namespace

void HybridEncoder::reset(int bitWidth) {
  width_ = bitWidth;
  size_ = 0;
  out_.clear();
  numLiterals_ = 0;
  runCount_ = 0;
}

void HybridEncoder::putRun(uint32_t value, size_t count) {
  size_ += count;
  addRun(value, count);
}

void HybridEncoder::addRun(uint32_t value, size_t count) {
  while (count > 0) {
    if (runCount_ > 0) {
      if (value == runValue_) {
        runCount_ += count;
        return;
      }
      closeRun();
      continue;
    }
    // Literals end in a partial group: complete it first, so that a run can follow.
    const size_t partial = numLiterals_ % 8;
    if (partial != 0) {
      const size_t k = std::min(count, 8 - partial);
      appendLiterals(value, k);
      count -= k;
      continue;
    }
    runValue_ = value;
    runCount_ = count;
    return;
  }
}

template <class T>
void HybridEncoder::putArray(const T* values, size_t n) {
  size_ += n;
  size_t i = 0;
  while (i < n) {
    if (runCount_ == 0 && numLiterals_ % 8 == 0) {
      // Aligned: take whole groups of 8 as literals until one is 8 equal values.
      while (n - i >= 8) {
        const T* g = values + i;
        const uint32_t differ =
            static_cast<uint32_t>((g[1] ^ g[0]) | (g[2] ^ g[0]) | (g[3] ^ g[0]) | (g[4] ^ g[0]) |
                                  (g[5] ^ g[0]) | (g[6] ^ g[0]) | (g[7] ^ g[0]));
        if (differ == 0) break;
        if (numLiterals_ == kMaxLiterals) flushLiterals();
        for (size_t k = 0; k < 8; ++k) literals_[numLiterals_ + k] = g[k];
        numLiterals_ += 8;
        i += 8;
      }
      if (n - i >= 8) {
        const size_t j = runEnd(values, i + 8, n, values[i]);
        runValue_ = values[i];
        runCount_ = j - i;
        i = j;
        continue;
      }
      if (i == n) break;
    }
    const size_t j = runEnd(values, i + 1, n, values[i]);
    addRun(values[i], j - i);
    i = j;
  }
}

template void HybridEncoder::putArray(const uint8_t*, size_t);
template void HybridEncoder::putArray(const uint32_t*, size_t);

void HybridEncoder::appendLiterals(uint32_t value, size_t count) {
  while (count > 0) {
    if (numLiterals_ == kMaxLiterals) flushLiterals();
    const size_t k = std::min(count, kMaxLiterals - numLiterals_);
    std::fill_n(literals_ + numLiterals_, k, value);
    numLiterals_ += k;
    count -= k;
  }
}

void HybridEncoder::closeRun() {
  if (runCount_ >= 8) {
    flushLiterals();
    putVarint(out_, static_cast<uint64_t>(runCount_) << 1);
    for (int b = 0; b < (width_ + 7) / 8; ++b)
      out_.push_back(static_cast<char>((runValue_ >> (8 * b)) & 0xff));
  } else {
    appendLiterals(runValue_, runCount_);
  }
  runCount_ = 0;
}

void HybridEncoder::flushLiterals() {
  if (numLiterals_ == 0) return;
  putVarint(out_, ((static_cast<uint64_t>(numLiterals_) / 8) << 1) | 1);
  pack(literals_, numLiterals_, width_, out_);
  numLiterals_ = 0;
}

std::string_view HybridEncoder::finish() {
  if (runCount_ > 0) closeRun();
  if (numLiterals_ % 8 != 0) {
    const size_t pad = 8 - numLiterals_ % 8;
    std::fill_n(literals_ + numLiterals_, pad, 0u);
    numLiterals_ += pad;
  }
  flushLiterals();
  return out_;
}

}  // namespace weir::formats::parquet
