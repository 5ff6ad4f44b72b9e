#include "weir/formats/parquet/column_chunk_writer.h"

#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <type_traits>

#include "weir/base/error.h"

namespace weir::formats::parquet {

namespace {

using columnar::Vector;
using types::TypeId;

// Before the chunk's first page is written, the dictionary is given up early when it does not pay
// and its first values are all but distinct: not one repeat in the first 1024, fewer than 1 in 256
// in the first 4096. A column of distinct values is then not hashed for a whole page; a column
// whose values do repeat keeps its dictionary until its first page decides (parquet-mr's test).
constexpr size_t kFirstDictionaryCheck = 1024;
constexpr size_t kSecondDictionaryCheck = 4096;
constexpr size_t kHopelessRepeatShare = 256;
constexpr size_t kArenaBlockBytes = size_t{64} << 10;
// Bytes left after the last string of an arena block, so that 8 bytes can be read from any string.
constexpr size_t kArenaSlack = 8;

// Rows of a vector: a range, or listed.
struct RowRange {
  size_t from, n;
  size_t size() const { return n; }
  size_t operator[](size_t i) const { return from + i; }
  RowRange slice(size_t at, size_t count) const { return {from + at, count}; }
};
struct RowList {
  const uint32_t* rows;
  size_t n;
  size_t size() const { return n; }
  size_t operator[](size_t i) const { return rows[i]; }
  RowList slice(size_t at, size_t count) const { return {rows + at, count}; }
};

// Compresses `in` into `out` (grown when too small, never shrunk, so pages reuse it); returns the
// compressed size.
size_t compressInto(Codec codec, std::string_view in, std::string& out) {
  auto room = [&](size_t bound) {
    if (out.size() < bound) out.resize(bound);
  };
  switch (codec) {
    case Codec::kUncompressed:
      room(in.size());
      std::memcpy(out.data(), in.data(), in.size());
      return in.size();
    case Codec::kSnappy: {
      room(snappy::MaxCompressedLength(in.size()));
      size_t n = 0;
      snappy::RawCompress(in.data(), in.size(), out.data(), &n);
      return n;
    }
    case Codec::kZstd: {
      room(ZSTD_compressBound(in.size()));
      const size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 1);
      if (ZSTD_isError(n))
        throw IoError("PARQUET_COMPRESSION", std::string("zstd failed: ") + ZSTD_getErrorName(n));
      return n;
    }
    case Codec::kLz4Raw: {
      room(static_cast<size_t>(LZ4_compressBound(static_cast<int>(in.size()))));
      const int n = LZ4_compress_default(in.data(), out.data(), static_cast<int>(in.size()),
                                         static_cast<int>(out.size()));
      if (n <= 0 && !in.empty()) throw IoError("PARQUET_COMPRESSION", "lz4 failed");
      return static_cast<size_t>(n);
    }
    case Codec::kGzip: {
      z_stream z{};
      if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw IoError("PARQUET_COMPRESSION", "gzip init failed");
      }
      room(deflateBound(&z, static_cast<uLong>(in.size())) + 32);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z.avail_in = static_cast<uInt>(in.size());
      z.next_out = reinterpret_cast<Bytef*>(out.data());
      z.avail_out = static_cast<uInt>(out.size());
      const int rc = deflate(&z, Z_FINISH);
      deflateEnd(&z);
      if (rc != Z_STREAM_END) throw IoError("PARQUET_COMPRESSION", "gzip failed");
      return z.total_out;
    }
  }
  throw InternalError("PARQUET_COMPRESSION", "unknown codec");
}

template <class T>
T load(std::string_view s) {
  T v;
  std::memcpy(&v, s.data(), sizeof v);
  return v;
}

// Whether a < b for two PLAIN-encoded values of a column (byte arrays without their length).
bool lessThan(Physical physical, std::string_view a, std::string_view b) {
  switch (physical) {
    case kBoolean:
      return a[0] < b[0];
    case kInt32:
      return load<int32_t>(a) < load<int32_t>(b);
    case kInt64:
      return load<int64_t>(a) < load<int64_t>(b);
    case kFloat:
      return load<float>(a) < load<float>(b);
    case kDouble:
      return load<double>(a) < load<double>(b);
    case kFixed: {
      // Big-endian two's complement: the sign byte compares signed, the rest unsigned.
      const auto sa = static_cast<int8_t>(a[0]), sb = static_cast<int8_t>(b[0]);
      if (sa != sb) return sa < sb;
      return a.substr(1) < b.substr(1);
    }
    default:
      return a < b;  // string_view compares bytes as unsigned
  }
}

// The first 8 bytes of `s` (zeros past its end) as a big-endian number: two strings whose keys
// differ compare as their keys do. `overread` says 8 bytes from s.data() may be read.
uint64_t prefixKey(std::string_view s, bool overread) {
  uint64_t word = 0;
  if (overread) {
    std::memcpy(&word, s.data(), 8);
    if (s.size() < 8) word &= (uint64_t{1} << (8 * s.size())) - 1;
  } else if (!s.empty()) {  // an empty string may have no buffer at all
    std::memcpy(&word, s.data(), std::min<size_t>(s.size(), 8));
  }
  return __builtin_bswap64(word);
}

// The bits of a fixed-width value as an unsigned integer (0.0 and -0.0 differ, as they must in a
// dictionary).
template <class T>
uint64_t bitsOf(const T& v) {
  std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t> bits;
  std::memcpy(&bits, &v, sizeof(T));
  return bits;
}

// Whether the n values all have the bits `key`, 8 at a time with an early exit.
template <class T>
bool allBitsEqual(const T* values, size_t n, uint64_t key) {
  size_t k = 0;
  for (; n - k >= 8; k += 8) {
    const T* g = values + k;
    if ((bitsOf(g[0]) ^ key) | (bitsOf(g[1]) ^ key) | (bitsOf(g[2]) ^ key) | (bitsOf(g[3]) ^ key) |
        (bitsOf(g[4]) ^ key) | (bitsOf(g[5]) ^ key) | (bitsOf(g[6]) ^ key) | (bitsOf(g[7]) ^ key)) {
      return false;
    }
  }
  for (; k < n; ++k) {
    if (bitsOf(values[k]) != key) return false;
  }
  return true;
}

// The min and max of strings: by their 8-byte prefix keys, by the whole strings when keys tie.
struct StringRange {
  std::string_view lo, hi;
  uint64_t loKey = 0, hiKey = 0;
  bool any = false;

  void add(std::string_view s, uint64_t key) {
    if (!any) {
      lo = hi = s;
      loKey = hiKey = key;
      any = true;
    } else if (key < loKey || (key == loKey && s < lo)) {
      lo = s;
      loKey = key;
    } else if (key > hiKey || (key == hiKey && hi < s)) {
      hi = s;
      hiKey = key;
    }
  }
};

template <class T>
std::string_view bytesOf(const T& v) {
  return std::string_view(reinterpret_cast<const char*>(&v), sizeof v);
}

void appendU32(std::string& out, size_t v) {
  const auto u = static_cast<uint32_t>(v);
  out.append(reinterpret_cast<const char*>(&u), 4);
}

// Fixed-width values of `rows` as T: a view into the vector when nothing needs converting, else
// converted into `scratch`.
template <class T, class Source, class Rows>
const T* valuesAs(const Vector& v, const Rows& rows, std::vector<char>& scratch) {
  if constexpr (std::is_same_v<T, Source> && std::is_same_v<Rows, RowRange>) {
    return v.values<T>() + rows.from;
  } else {
    scratch.resize(rows.size() * sizeof(T));
    T* out = reinterpret_cast<T*>(scratch.data());
    for (size_t i = 0; i < rows.size(); ++i) out[i] = static_cast<T>(v.valueAt<Source>(rows[i]));
    return out;
  }
}

}  // namespace

ColumnChunkWriter::ColumnChunkWriter(LeafSchema schema, const WriterOptions& options)
    : schema_(std::move(schema)), options_(options) {
  switch (schema_.physical) {
    case kBoolean:
      width_ = 1;
      break;
    case kInt32:
    case kFloat:
      width_ = 4;
      break;
    case kInt64:
    case kDouble:
      width_ = 8;
      break;
    case kFixed:
      width_ = static_cast<size_t>(schema_.typeLength);
      break;
    case kByteArray:
      width_ = 0;
      break;
  }
  dictionaryAllowed_ =
      options_.dictionary && schema_.physical != kBoolean && schema_.physical != kFixed;
  takeBuffers();
  startChunk();
}

ColumnChunkWriter::ColumnChunkWriter(ColumnChunkWriter&&) noexcept = default;
ColumnChunkWriter::~ColumnChunkWriter() { giveBackBuffers(); }

namespace {

struct RecycledBuffers {
  std::string plain, pages, body, compressed, fixedEntries;
  std::vector<uint32_t> indices;
  std::vector<char> gathered;

  size_t bytes() const {
    return plain.capacity() + pages.capacity() + body.capacity() + compressed.capacity() +
           fixedEntries.capacity() + indices.capacity() * sizeof(uint32_t) + gathered.capacity();
  }
};

// A thread keeps at most this much memory in buffers for writers to come (a buffer larger than
// this is freed at once).
constexpr size_t kMaxRecycledBytes = size_t{64} << 20;

// First in, first out: the columns of the next file of the same schema get the buffers the same
// columns had, sized for them.
struct RecycledPool {
  std::deque<std::unique_ptr<RecycledBuffers>> sets;
  size_t bytes = 0;
};

RecycledPool& recycled() {
  thread_local RecycledPool pool;
  return pool;
}

// Moves `from` into `to` unless it is too large to keep. Scratch buffers keep their size: their
// bytes are overwritten before use, and growing them again would fill them with zeros.
template <class Buffer>
void keep(Buffer& from, Buffer& to, bool clear = true) {
  if (clear) from.clear();
  if (from.capacity() * sizeof(typename Buffer::value_type) <= kMaxRecycledBytes) to.swap(from);
}

}  // namespace

void ColumnChunkWriter::takeBuffers() {
  RecycledPool& pool = recycled();
  if (pool.sets.empty()) return;
  std::unique_ptr<RecycledBuffers> b = std::move(pool.sets.front());
  pool.sets.pop_front();
  pool.bytes -= b->bytes();
  plain_.swap(b->plain);
  pages_.swap(b->pages);
  body_.swap(b->body);
  compressed_.swap(b->compressed);
  fixedEntries_.swap(b->fixedEntries);
  indices_.swap(b->indices);
  gathered_.swap(b->gathered);
}

void ColumnChunkWriter::giveBackBuffers() {
  if (body_.capacity() < 4096) return;  // moved from, or nothing worth keeping
  RecycledPool& pool = recycled();
  auto b = std::make_unique<RecycledBuffers>();
  keep(plain_, b->plain);
  keep(pages_, b->pages);
  keep(body_, b->body);
  keep(compressed_, b->compressed, false);
  keep(fixedEntries_, b->fixedEntries);
  keep(indices_, b->indices);
  keep(gathered_, b->gathered);
  if (pool.bytes + b->bytes() > kMaxRecycledBytes) return;
  pool.bytes += b->bytes();
  pool.sets.push_back(std::move(b));
}

void ColumnChunkWriter::startChunk() {
  defs_.reset(bitWidth(static_cast<uint64_t>(schema_.maxDef)));
  reps_.reset(bitWidth(static_cast<uint64_t>(schema_.maxRep)));
  pageLevels_ = pageValues_ = pagePlainBytes_ = 0;
  plain_.clear();
  indices_.clear();
  repeatCount_ = 0;
  pages_.clear();
  chunkLevels_ = chunkValues_ = pagesUncompressed_ = 0;
  pageWritten_ = dictionaryUsed_ = false;
  dictionaryChecks_ = 0;
  dictionaryOn_ = dictionaryAllowed_;
  fixedIndex_.clear();
  stringIndex_.clear();
  if (dictionaryOn_ && width_ == 0) stringIndex_.reserve(kFirstDictionaryCheck);
  fixedEntries_.clear();
  stringEntries_.clear();
  arena_.clear();
  arenaUsed_ = arenaCapacity_ = 0;
  dictionaryBytes_ = 0;
  statsEntries_ = 0;
  haveLast_ = false;
  hasMinMax_ = false;
  min_.clear();
  max_.clear();
}

// ----- levels

void ColumnChunkWriter::putLevelRun(uint8_t def, size_t n) {
  if (schema_.maxDef > 0) defs_.putRun(def, n);
  if (schema_.maxRep > 0) reps_.putRun(0, n);
  pageLevels_ += n;
}

void ColumnChunkWriter::putLevels(const uint8_t* defs, const uint8_t* reps, size_t n) {
  if (schema_.maxDef > 0) defs_.put(defs, n);
  if (schema_.maxRep > 0) reps_.put(reps, n);
  pageLevels_ += n;
}

// ----- values

void ColumnChunkWriter::putValues(const Vector& v, size_t from, size_t n) {
  if (n > 0) putInPieces(v, RowRange{from, n});
}

void ColumnChunkWriter::putValues(const Vector& v, const uint32_t* rows, size_t n) {
  if (n > 0) putInPieces(v, RowList{rows, n});
}

// Values in pieces that end where the dictionary's early checks are due, so that a column of
// distinct values stops going through the dictionary after 1024 values, whatever the batch size.
template <class Rows>
void ColumnChunkWriter::putInPieces(const Vector& v, const Rows& rows) {
  for (size_t done = 0; done < rows.size();) {
    size_t count = rows.size() - done;
    const bool checking = dictionaryOn_ && !pageWritten_ && dictionaryChecks_ < 2;
    const size_t due = dictionaryChecks_ == 0 ? kFirstDictionaryCheck : kSecondDictionaryCheck;
    if (checking && pageValues_ < due) count = std::min(count, due - pageValues_);
    putValuesOf(v, rows.slice(done, count));
    done += count;
    if (checking && pageValues_ >= due) {
      const size_t repeats = pageValues_ - dictionaryEntries();
      const bool hopeless =
          dictionaryChecks_++ == 0 ? repeats == 0 : repeats * kHopelessRepeatShare < pageValues_;
      if (hopeless && !dictionaryPays()) fallBackToPlain();
    }
  }
}

template <class Rows>
void ColumnChunkWriter::putValuesOf(const Vector& v, const Rows& rows) {
  switch (schema_.type->id()) {
    case TypeId::kByte:
      return putFixed<int32_t, int8_t>(v, rows);
    case TypeId::kShort:
      return putFixed<int32_t, int16_t>(v, rows);
    case TypeId::kInteger:
    case TypeId::kDate:
      return putFixed<int32_t, int32_t>(v, rows);
    case TypeId::kLong:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz:
      return putFixed<int64_t, int64_t>(v, rows);
    case TypeId::kFloat:
      return putFixed<float, float>(v, rows);
    case TypeId::kDouble:
      return putFixed<double, double>(v, rows);
    case TypeId::kDecimal:
      if (schema_.physical == kInt32) return putFixed<int32_t, columnar::int128_t>(v, rows);
      if (schema_.physical == kInt64) return putFixed<int64_t, columnar::int128_t>(v, rows);
      return putOthers(v, rows);
    case TypeId::kString:
    case TypeId::kBinary:
      return putStrings(v, rows);
    default:
      return putOthers(v, rows);
  }
}

template <class T, class Source, class Rows>
void ColumnChunkWriter::putFixed(const Vector& v, const Rows& rows) {
  encodeFixed(valuesAs<T, Source>(v, rows, gathered_), rows.size());
}

template <class T>
void ColumnChunkWriter::encodeFixed(const T* values, size_t n) {
  pageValues_ += n;
  chunkValues_ += n;
  pagePlainBytes_ += n * sizeof(T);
  size_t i = 0;
  if (dictionaryOn_) {
    // One value repeated (a window's bounds in a Delta file of one window): one lookup.
    if (haveLast_ && bitsOf(values[0]) == lastKey_ && allBitsEqual(values, n, lastKey_)) {
      // Kept as a count while the page's indices end with this one index.
      if (repeatCount_ > 0 && repeatIndex_ != lastIndex_) flushRepeat();
      repeatIndex_ = lastIndex_;
      repeatCount_ += n;
      return;
    }
    flushRepeat();
    const size_t at = indices_.size();
    indices_.resize(at + n);
    uint32_t* out = indices_.data() + at;
    for (; i < n; ++i) {
      const uint64_t key = bitsOf(values[i]);
      if (haveLast_ && key == lastKey_) {
        out[i] = lastIndex_;
        continue;
      }
      bool inserted;
      const uint32_t index = fixedIndex_.findOrInsert(key, inserted);
      haveLast_ = true;
      lastKey_ = key;
      lastIndex_ = out[i] = index;
      if (!inserted) continue;
      // A new entry (min and max are taken from the entries: foldDictionaryStats).
      fixedEntries_.append(reinterpret_cast<const char*>(values + i), sizeof(T));
      dictionaryBytes_ += sizeof(T);
      if (dictionaryBytes_ > options_.dictionaryBytes) {
        indices_.resize(at + i + 1);
        fallBackToPlain();
        ++i;
        break;
      }
    }
    if (dictionaryOn_) return;
  }
  if (i == n) return;
  // PLAIN from value i on, with min and max in one pass (NaN left out, as parquet-mr does).
  T lo{}, hi{};
  bool any = false;
  if constexpr (std::is_floating_point_v<T>) {
    for (size_t k = i; k < n; ++k) {
      const T x = values[k];
      if (std::isnan(x)) continue;
      if (!any) {
        lo = hi = x;
        any = true;
      }
      lo = x < lo ? x : lo;
      hi = hi < x ? x : hi;
    }
  } else {
    lo = hi = values[i];
    for (size_t k = i + 1; k < n; ++k) {
      lo = std::min(lo, values[k]);
      hi = std::max(hi, values[k]);
    }
    any = true;
  }
  if (any) {
    updateStats(bytesOf(lo));
    updateStats(bytesOf(hi));
  }
  plain_.append(reinterpret_cast<const char*>(values + i), (n - i) * sizeof(T));
}

template <class Rows>
void ColumnChunkWriter::putStrings(const Vector& v, const Rows& rows) {
  const uint32_t* offsets = v.offsets();
  const char* bytes = v.bytes().data();
  const size_t n = rows.size();
  pageValues_ += n;
  chunkValues_ += n;
  size_t i = 0;
  if (dictionaryOn_) {
    flushRepeat();
    const size_t at = indices_.size();
    indices_.resize(at + n);
    uint32_t* out = indices_.data() + at;
    size_t plainBytes = 0;
    for (; i < n; ++i) {
      const size_t r = rows[i];
      const std::string_view s(bytes + offsets[r], offsets[r + 1] - offsets[r]);
      plainBytes += 4 + s.size();
      if (haveLast_ && s == lastString_) {
        out[i] = lastIndex_;
        continue;
      }
      // One probe finds the value or makes its entry, keyed by the dictionary's own copy.
      bool inserted = false;
      const uint32_t index =
          stringIndex_
              .lazy_emplace(s,
                            [&](const auto& make) {
                              inserted = true;
                              stringEntries_.push_back(storeString(s));
                              make(stringEntries_.back(),
                                   static_cast<uint32_t>(stringEntries_.size() - 1));
                            })
              ->second;
      if (inserted) {
        dictionaryBytes_ += 4 + s.size();
        if (dictionaryBytes_ > options_.dictionaryBytes) {
          out[i] = index;
          indices_.resize(at + i + 1);
          fallBackToPlain();
          ++i;
          break;
        }
      }
      haveLast_ = true;
      lastString_ = stringEntries_[index];
      lastIndex_ = out[i] = index;
    }
    if (dictionaryOn_) {
      pagePlainBytes_ += plainBytes;
      return;
    }
  }
  // PLAIN from row i on: lengths and bytes, with the batch's min and max.
  if (i == n) return;
  size_t total = 0;
  for (size_t k = i; k < n; ++k) total += 4 + offsets[rows[k] + 1] - offsets[rows[k]];
  const size_t at = plain_.size();
  // 16 bytes to spare, so that short strings are copied 16 bytes at a time.
  const size_t needed = at + total + 16;
  if (plain_.capacity() < needed) plain_.reserve(std::max(needed, 2 * plain_.capacity()));
  plain_.resize(needed);
  char* p = plain_.data() + at;
  const size_t available = v.bytes().size();
  StringRange range;
  for (size_t k = i; k < n; ++k) {
    const size_t r = rows[k];
    const uint32_t offset = offsets[r];
    const uint32_t size = offsets[r + 1] - offset;
    std::memcpy(p, &size, 4);
    const bool wide = offset + 16 <= available;
    if (wide && size <= 16) {
      std::memcpy(p + 4, bytes + offset, 16);
    } else {
      std::memcpy(p + 4, bytes + offset, size);
    }
    p += 4 + size;
    const std::string_view s(bytes + offset, size);
    range.add(s, prefixKey(s, wide));
  }
  plain_.resize(at + total);
  updateStats(range.lo);
  updateStats(range.hi);
}

// Booleans and FIXED_LEN_BYTE_ARRAY decimals: a value at a time, always PLAIN.
template <class Rows>
void ColumnChunkWriter::putOthers(const Vector& v, const Rows& rows) {
  const size_t n = rows.size();
  pageValues_ += n;
  chunkValues_ += n;
  if (schema_.physical == kBoolean) {
    const uint8_t* values = v.values<uint8_t>();
    char lo = 1, hi = 0;
    for (size_t i = 0; i < n; ++i) {
      const char b = values[rows[i]] != 0 ? 1 : 0;
      plain_.push_back(b);
      lo = std::min(lo, b);
      hi = std::max(hi, b);
    }
    updateStats(std::string_view(&lo, 1));
    updateStats(std::string_view(&hi, 1));
    return;
  }
  // Decimals of more than 18 digits: big-endian two's complement of typeLength bytes.
  char buf[16];
  const auto length = static_cast<size_t>(schema_.typeLength);
  for (size_t i = 0; i < n; ++i) {
    const auto u = static_cast<unsigned __int128>(v.valueAt<columnar::int128_t>(rows[i]));
    for (size_t b = 0; b < length; ++b)
      buf[length - 1 - b] = static_cast<char>((u >> (8 * b)) & 0xff);
    plain_.append(buf, length);
    updateStats(std::string_view(buf, length));
  }
}

std::string_view ColumnChunkWriter::storeString(std::string_view s) {
  if (s.empty()) return {};
  if (arenaCapacity_ - arenaUsed_ < s.size() + kArenaSlack) {
    arenaCapacity_ = std::max(kArenaBlockBytes, s.size() + kArenaSlack);
    arena_.push_back(std::make_unique_for_overwrite<char[]>(arenaCapacity_));
    arenaUsed_ = 0;
  }
  char* p = arena_.back().get() + arenaUsed_;
  std::memcpy(p, s.data(), s.size());
  arenaUsed_ += s.size();
  return std::string_view(p, s.size());
}

// Min and max of the dictionary entries made since the last call: the statistics of a dictionary
// column cost a comparison per distinct value, outside the loop over values.
void ColumnChunkWriter::foldDictionaryStats() {
  if (width_ > 0) {
    for (size_t at = statsEntries_ * width_; at < fixedEntries_.size(); at += width_) {
      updateStats(std::string_view(fixedEntries_).substr(at, width_));
    }
    statsEntries_ = fixedEntries_.size() / width_;
    return;
  }
  StringRange range;
  for (size_t k = statsEntries_; k < stringEntries_.size(); ++k) {
    range.add(stringEntries_[k], prefixKey(stringEntries_[k], !stringEntries_[k].empty()));
  }
  statsEntries_ = stringEntries_.size();
  if (range.any) {
    updateStats(range.lo);
    updateStats(range.hi);
  }
}

void ColumnChunkWriter::updateStats(std::string_view value) {
  if (schema_.physical == kFloat || schema_.physical == kDouble) {
    const double d =
        schema_.physical == kFloat ? static_cast<double>(load<float>(value)) : load<double>(value);
    if (std::isnan(d)) return;
  }
  if (!hasMinMax_) {
    min_.assign(value);
    max_.assign(value);
    hasMinMax_ = true;
    return;
  }
  if (lessThan(schema_.physical, value, min_)) min_.assign(value);
  if (lessThan(schema_.physical, max_, value)) max_.assign(value);
}

// ----- the dictionary

void ColumnChunkWriter::flushRepeat() {
  indices_.insert(indices_.end(), repeatCount_, repeatIndex_);
  repeatCount_ = 0;
}

// Whether the dictionary and the indices are smaller than the same values PLAIN (parquet-mr's
// test at its first page).
size_t ColumnChunkWriter::dictionaryEntries() const {
  return width_ > 0 ? fixedEntries_.size() / width_ : stringEntries_.size();
}

bool ColumnChunkWriter::dictionaryPays() const {
  const size_t entries = dictionaryEntries();
  const size_t indexBytes =
      (pageIndices() * static_cast<size_t>(bitWidth(entries > 0 ? entries - 1 : 0)) + 7) / 8;
  return dictionaryBytes_ + indexBytes < pagePlainBytes_;
}

// The dictionary grew too large or does not pay: the current page's values become PLAIN, and so do
// the chunk's values from here on. Pages already written keep the dictionary.
void ColumnChunkWriter::fallBackToPlain() {
  foldDictionaryStats();
  flushRepeat();
  dictionaryOn_ = false;
  haveLast_ = false;
  if (width_ > 0) {
    plain_.reserve(plain_.size() + indices_.size() * width_);
    for (uint32_t index : indices_) plain_.append(fixedEntries_, index * width_, width_);
  } else {
    for (uint32_t index : indices_) {
      appendU32(plain_, stringEntries_[index].size());
      plain_.append(stringEntries_[index]);
    }
  }
  indices_.clear();
  fixedIndex_.clear();
  stringIndex_ = {};
  if (!dictionaryUsed_) {
    fixedEntries_.clear();
    stringEntries_.clear();
    arena_.clear();
    arenaUsed_ = arenaCapacity_ = 0;
    dictionaryBytes_ = 0;
    statsEntries_ = 0;
  }
}

// ----- pages and the chunk

size_t ColumnChunkWriter::pageBytes() const {
  return (dictionaryOn_ ? pageIndices() * 2 : plain_.size()) + pageLevels_ / 8;
}

size_t ColumnChunkWriter::bufferedBytes() const {
  return pagesUncompressed_ + pageBytes() + dictionaryBytes_;
}

void ColumnChunkWriter::endRows() {
  if (pageBytes() >= options_.pageBytes) writePage();
}

namespace {

// A page: its header, then its body as compressed.
void appendPage(std::string& out, const std::string& header, std::string_view body) {
  out += header;
  out.append(body);
}

}  // namespace

std::string_view ColumnChunkWriter::compressedBody() {
  if (options_.codec == Codec::kUncompressed) return body_;
  const size_t size = compressInto(options_.codec, body_, compressed_);
  return std::string_view(compressed_.data(), size);
}

void ColumnChunkWriter::writePage() {
  if (pageLevels_ == 0) return;
  if (dictionaryOn_ && !pageWritten_ && !dictionaryPays()) fallBackToPlain();
  body_.clear();
  auto levels = [&](HybridEncoder& encoder, int max) {
    if (max == 0) return;
    const std::string_view encoded = encoder.finish();
    appendU32(body_, encoded.size());
    body_.append(encoded);
  };
  levels(reps_, schema_.maxRep);
  levels(defs_, schema_.maxDef);
  if (dictionaryOn_) {
    const size_t entries = dictionaryEntries();
    const int width = bitWidth(entries > 0 ? entries - 1 : 0);
    body_.push_back(static_cast<char>(width));
    indexEncoder_.reset(width);
    indexEncoder_.put(indices_.data(), indices_.size());
    indexEncoder_.putRun(repeatIndex_, repeatCount_);
    body_.append(indexEncoder_.finish());
    dictionaryUsed_ = true;
  } else if (schema_.physical == kBoolean) {
    const size_t at = body_.size();
    body_.resize(at + (plain_.size() + 7) / 8);
    char* packed = body_.data() + at;
    for (size_t k = 0; k < plain_.size(); ++k) {
      if (plain_[k] != 0) packed[k / 8] = static_cast<char>(packed[k / 8] | (1 << (k % 8)));
    }
  } else {
    body_.append(plain_);
  }
  const std::string_view stored = compressedBody();
  CompactWriter h;
  h.begin();
  h.i32(1, kDataPage);
  h.i32(2, static_cast<int32_t>(body_.size()));
  h.i32(3, static_cast<int32_t>(stored.size()));
  h.structBegin(5);
  h.i32(1, static_cast<int32_t>(pageLevels_));
  h.i32(2, dictionaryOn_ ? kRleDictionary : kPlain);
  h.i32(3, kRle);
  h.i32(4, kRle);
  h.structEnd();
  h.end();
  appendPage(pages_, h.bytes(), stored);
  pagesUncompressed_ += h.bytes().size() + body_.size();
  chunkLevels_ += pageLevels_;
  pageWritten_ = true;
  defs_.reset(bitWidth(static_cast<uint64_t>(schema_.maxDef)));
  reps_.reset(bitWidth(static_cast<uint64_t>(schema_.maxRep)));
  plain_.clear();
  indices_.clear();
  repeatCount_ = 0;
  pageLevels_ = pageValues_ = pagePlainBytes_ = 0;
}

void ColumnChunkWriter::writeChunk(std::string& file, CompactWriter& group,
                                   size_t& uncompressedTotal, size_t& compressedTotal) {
  writePage();
  foldDictionaryStats();
  const size_t chunkStart = file.size();
  size_t uncompressed = pagesUncompressed_;
  int64_t dictionaryOffset = -1;
  if (dictionaryUsed_) {
    body_.clear();
    size_t entries;
    if (width_ > 0) {
      body_.append(fixedEntries_);
      entries = fixedEntries_.size() / width_;
    } else {
      body_.reserve(dictionaryBytes_);
      for (const auto& s : stringEntries_) {
        appendU32(body_, s.size());
        body_.append(s);
      }
      entries = stringEntries_.size();
    }
    const std::string_view stored = compressedBody();
    CompactWriter h;
    h.begin();
    h.i32(1, kDictionaryPage);
    h.i32(2, static_cast<int32_t>(body_.size()));
    h.i32(3, static_cast<int32_t>(stored.size()));
    h.structBegin(7);
    h.i32(1, static_cast<int32_t>(entries));
    h.i32(2, kPlain);
    h.structEnd();
    h.end();
    dictionaryOffset = static_cast<int64_t>(file.size());
    appendPage(file, h.bytes(), stored);
    uncompressed += h.bytes().size() + body_.size();
  }
  const auto dataOffset = static_cast<int64_t>(file.size());
  file += pages_;
  const size_t compressed = file.size() - chunkStart;
  // The ColumnChunk and its ColumnMetaData.
  group.elementStructBegin();
  group.i64(2, static_cast<int64_t>(chunkStart));
  group.structBegin(3);
  group.i32(1, schema_.physical);
  std::vector<int32_t> encodings = {kPlain, kRle};
  if (dictionaryUsed_) encodings.push_back(kRleDictionary);
  group.listBegin(2, CType::kI32, encodings.size());
  for (auto e : encodings) group.elementI32(e);
  group.listBegin(3, CType::kBinary, schema_.path.size());
  for (const auto& p : schema_.path) group.elementBinary(p);
  group.i32(4, static_cast<int32_t>(options_.codec));
  group.i64(5, static_cast<int64_t>(chunkLevels_));
  group.i64(6, static_cast<int64_t>(uncompressed));
  group.i64(7, static_cast<int64_t>(compressed));
  group.i64(9, dataOffset);
  if (dictionaryOffset >= 0) group.i64(11, dictionaryOffset);
  group.structBegin(12);
  group.i64(3, static_cast<int64_t>(chunkLevels_ - chunkValues_));
  if (hasMinMax_) {
    group.binary(5, max_);
    group.binary(6, min_);
  }
  group.structEnd();
  group.structEnd();
  group.elementStructEnd();
  uncompressedTotal += uncompressed;
  compressedTotal += compressed;
  startChunk();
}

}  // namespace weir::formats::parquet
