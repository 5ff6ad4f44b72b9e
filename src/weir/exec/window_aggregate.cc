// Pane-based window aggregation and the key dictionary it groups by.
#include "weir/exec/window_aggregate.h"

#define XXH_INLINE_ALL  // the hash of short keys is a few instructions; no call
#include <xxhash.h>

#include <algorithm>
#include <numeric>

#include "weir/base/counting_sort.h"
#include "weir/base/error.h"
#include "weir/exec/key_encoder.h"
#include "weir/expr/expr.h"

namespace weir::exec {

using columnar::Vector;
using columnar::VectorPtr;
using types::DataType;
using types::DataTypePtr;
using types::TypeId;

namespace {

int64_t floorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t floorMod(int64_t a, int64_t b) { return a - floorDiv(a, b) * b; }

}  // namespace

KeyDictionary::KeyDictionary(std::vector<DataTypePtr> types) : types_(std::move(types)) {
  singleString_ = types_.size() == 1 && (types_[0]->id() == TypeId::kString || types_[0]->id() == TypeId::kBinary);
  for (const auto& t : types_) columns_.push_back(Vector::make(t));
}

void KeyDictionary::lookup(const std::vector<VectorPtr>& keys, size_t begin, size_t n, uint32_t* ids) {
  if (types_.empty()) {
    std::fill(ids, ids + n, 0);
    return;
  }
  hashes_.resize(n);
  views_.resize(n);
  EncodedKeys encoded;
  if (singleString_ && keys[0]->typeId() != TypeId::kNull) {
    // Raw bytes as the key. NULL is stored as the empty key under a hash no string has, so it
    // never matches "" (the table compares hashes before bytes).
    static const uint64_t kNullHash = XXH3_64bits("", 0) ^ 0x9e3779b97f4a7c15ULL;
    const Vector& v = *keys[0];
    const uint32_t* off = v.offsets();
    const char* data = v.bytes().data();
    for (size_t i = 0; i < n; ++i) {
      views_[i] = std::string_view(data + off[begin + i], off[begin + i + 1] - off[begin + i]);
      hashes_[i] = XXH3_64bits(views_[i].data(), views_[i].size());
    }
    if (v.mayHaveNulls()) {
      for (size_t i = 0; i < n; ++i) {
        if (v.isNull(begin + i)) views_[i] = std::string_view(), hashes_[i] = kNullHash;
      }
    }
  } else if (singleString_) {
    static const uint64_t kNullHash = XXH3_64bits("", 0) ^ 0x9e3779b97f4a7c15ULL;
    std::fill(views_.begin(), views_.end(), std::string_view());
    std::fill(hashes_.begin(), hashes_.end(), kNullHash);
  } else if (begin == 0 && keys[0]->size() == n) {
    encoded = encodeKeys(keys, n);
    for (size_t i = 0; i < n; ++i) views_[i] = encoded.key(i);
    std::copy(encoded.hashes.begin(), encoded.hashes.end(), hashes_.begin());
  } else {
    std::vector<VectorPtr> slices;
    for (const auto& k : keys) slices.push_back(k->slice(begin, n));
    encoded = encodeKeys(slices, n);
    for (size_t i = 0; i < n; ++i) views_[i] = encoded.key(i);
    std::copy(encoded.hashes.begin(), encoded.hashes.end(), hashes_.begin());
  }
  newRows_.clear();
  table_.findOrInsertAll(hashes_.data(), views_.data(), n, ids,
                         [&](size_t i) { newRows_.push_back(static_cast<uint32_t>(begin + i)); });
  if (newRows_.empty()) return;
  for (size_t c = 0; c < types_.size(); ++c) {
    if (keys[c]->typeId() == TypeId::kNull) {
      for (size_t r = 0; r < newRows_.size(); ++r) columns_[c]->appendNull();
    } else {
      columns_[c]->appendSelected(*keys[c], newRows_.data(), newRows_.size());
    }
  }
}

PaneWindowAggregator::PaneWindowAggregator(int64_t windowDuration, int64_t slideDuration,
                                           int64_t startTime, std::vector<DataTypePtr> keyTypes,
                                           std::vector<plan::AggregateCall> partials)
    : PaneWindowAggregator(windowDuration, slideDuration, startTime,
                           std::make_shared<KeyDictionary>(std::move(keyTypes)),
                           std::move(partials)) {}

PaneWindowAggregator::PaneWindowAggregator(int64_t windowDuration, int64_t slideDuration,
                                           int64_t startTime, std::shared_ptr<KeyDictionary> keys,
                                           std::vector<plan::AggregateCall> partials)
    : size_(windowDuration),
      slide_(slideDuration),
      start_(startTime),
      pane_(std::gcd(windowDuration, slideDuration)),
      keys_(std::move(keys)),
      partials_(std::move(partials)) {
  WEIR_CHECK(keys_ != nullptr);
  WEIR_CHECK(size_ > 0 && slide_ > 0);
  for (const auto& call : partials_) accumulators_.push_back(makeAccumulator(call));
  slotPane_.push_back(0);
  slotKey_.push_back(kNone);
  slotNext_.push_back(kNone);
}

uint32_t PaneWindowAggregator::slotOf(int64_t pane, uint32_t key) {
  KeyState& state = keyState_[key];
  // The newest panes of the key first: with time mostly advancing, the pane is near the head.
  constexpr int kWalk = 8;
  uint32_t s = state.newest;
  for (int step = 0; s != kNone && step < kWalk; ++step, s = slotNext_[s]) {
    if (slotPane_[s] == pane) return s;
  }
  if (s != kNone || state.indexed) {
    // A long list: look the pane up in the index (built for this key on first need).
    if (!state.indexed) {
      for (uint32_t t = state.newest; t != kNone; t = slotNext_[t]) index_.emplace(PaneKey{slotPane_[t], key}, t);
      state.indexed = 1;
    }
    auto it = index_.find(PaneKey{pane, key});
    if (it != index_.end()) return it->second;
  }
  auto slot = static_cast<uint32_t>(slotPane_.size());
  slotPane_.push_back(pane);
  slotKey_.push_back(key);
  slotNext_.push_back(state.newest);
  state.newest = slot;
  if (state.indexed) index_.emplace(PaneKey{pane, key}, slot);
  return slot;
}

void PaneWindowAggregator::add(const Vector& times, const std::vector<VectorPtr>& keys,
                               const std::vector<std::vector<VectorPtr>>& args, size_t n) {
  // Chunks small enough that the per-row scratch stays in cache; accumulators update once.
  constexpr size_t kChunk = 4096;
  slotIds_.resize(n);
  for (size_t begin = 0; begin < n; begin += kChunk) addChunk(times, keys, begin, std::min(kChunk, n - begin));
  for (size_t a = 0; a < accumulators_.size(); ++a) {
    accumulators_[a]->resize(slotPane_.size());
    accumulators_[a]->update(args[a], slotIds_.data(), n);
  }
}

void PaneWindowAggregator::addChunk(const Vector& times, const std::vector<VectorPtr>& keys, size_t begin,
                                    size_t n) {
  keyIds_.resize(n);
  keys_->lookup(keys, begin, n, keyIds_.data());
  if (keyState_.size() < keys_->size()) keyState_.resize(keys_->size());
  uint32_t* slots = slotIds_.data() + begin;
  const int64_t* t = times.typeId() == TypeId::kNull ? nullptr : times.values<int64_t>() + begin;
  const bool mayHaveNulls = times.mayHaveNulls();
  constexpr size_t kAhead = 16;
  for (size_t i = 0; i < n; ++i) {
    if (i + kAhead < n) __builtin_prefetch(&keyState_[keyIds_[i + kAhead]]);
    if (!t || (mayHaveNulls && times.isNull(begin + i))) {
      slots[i] = 0;
      continue;
    }
    KeyState& state = keyState_[keyIds_[i]];
    // Same pane as the key's last row: no division, no lookup.
    if (state.lastSlot != kNone && static_cast<uint64_t>(t[i] - state.lastPaneStart) < static_cast<uint64_t>(pane_)) {
      slots[i] = state.lastSlot;
      continue;
    }
    int64_t pane = floorDiv(t[i] - start_, pane_);
    uint32_t s = slotOf(pane, keyIds_[i]);
    state.lastPaneStart = start_ + pane * pane_;
    state.lastSlot = s;
    slots[i] = s;
  }
}

std::vector<VectorPtr> PaneWindowAggregator::finish(const DataTypePtr& windowType, size_t& rows) {
  // One piece holding every key.
  std::vector<VectorPtr> out;
  rows = 0;
  finishInChunks(windowType, std::max<size_t>(keys_->size(), 1),
                 [&](std::vector<VectorPtr> columns, size_t n) {
                   out = std::move(columns);
                   rows = n;
                 });
  return out;
}

void PaneWindowAggregator::byStart(std::vector<int64_t>& windowStart,
                                   std::vector<uint32_t>& windowKey,
                                   std::vector<uint32_t>& rank) const {
  const size_t windows = windowStart.size();
  if (windows == 0) return;
  const auto [lo, hi] = std::minmax_element(windowStart.begin(), windowStart.end());
  const int64_t first = *lo;
  // Starts are a whole number of slides apart. A counting sort when they span few slides (a
  // micro-batch's windows), a stable sort otherwise.
  const auto span = static_cast<uint64_t>(*hi - first) / static_cast<uint64_t>(slide_) + 1;
  std::vector<uint32_t> order;
  if (span <= windows + 1024) {
    std::vector<uint32_t> begin;
    order = base::groupByBucket(
        windows, span,
        [&](size_t w) { return static_cast<uint32_t>((windowStart[w] - first) / slide_); }, begin);
  } else {
    order.resize(windows);
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return windowStart[a] < windowStart[b]; });
  }
  rank.resize(windows);
  std::vector<int64_t> starts(windows);
  std::vector<uint32_t> keys(windows);
  for (size_t i = 0; i < windows; ++i) {
    rank[order[i]] = static_cast<uint32_t>(i);
    starts[i] = windowStart[order[i]];
    keys[i] = windowKey[order[i]];
  }
  windowStart.swap(starts);
  windowKey.swap(keys);
}

void PaneWindowAggregator::finishInChunks(const DataTypePtr& windowType, size_t keysPerChunk,
                                          const ChunkFn& emit) {
  WEIR_CHECK(keysPerChunk > 0);
  const size_t slots = slotPane_.size();
  std::vector<VectorPtr> partialValues;
  for (auto& acc : accumulators_) {
    acc->resize(slots);
    partialValues.push_back(acc->finish(slots));
  }
  // Slots ordered by (key, pane): a counting sort by key keeps the order of arrival, which is
  // mostly by time already; an insertion sort finishes each key's run.
  const size_t numKeys = keys_->size();
  std::vector<uint32_t> begin;
  std::vector<uint32_t> order = base::groupByBucket(
      slots, numKeys, [&](size_t s) { return s == 0 ? base::kNoBucket : slotKey_[s]; }, begin);
  keysUsed_ = 0;
  // The windows of `keysPerChunk` keys at a time: all that a chunk needs besides the sorted
  // slots is about the size of its output, so it stays in cache, and its memory is reused by the
  // next chunk.
  const size_t maxCover = static_cast<size_t>(size_ / slide_ + 1);
  std::vector<uint32_t> ids;
  std::vector<int64_t> windowStart;
  std::vector<uint32_t> windowKey;
  std::vector<int64_t> covering;
  std::vector<uint32_t> rank;
  for (size_t k0 = 0; k0 < numKeys; k0 += keysPerChunk) {
    const size_t k1 = std::min(numKeys, k0 + keysPerChunk);
    const size_t first = begin[k0], m = begin[k1] - first;  // the chunk's slots: order[first, +m)
    if (m == 0) continue;
    // Window ids: windows of one key are numbered in order of start. The slot at order[first + i]
    // belongs to windows ids[j * m + i] for j < the number of windows covering it (at most
    // size/pane).
    ids.assign(maxCover * m, kNone);
    windowStart.clear();
    windowKey.clear();
    for (size_t k = k0; k < k1; ++k) {
      auto from = order.begin() + begin[k], to = order.begin() + begin[k + 1];
      if (from == to) continue;
      ++keysUsed_;
      for (auto it = from + 1; it < to; ++it) {
        uint32_t s = *it;
        auto j = it;
        while (j > from && slotPane_[*(j - 1)] > slotPane_[s]) {
          *j = *(j - 1);
          --j;
        }
        *j = s;
      }
      const size_t keyFirst = windowStart.size();
      for (auto it = from; it < to; ++it) {
        const size_t local = static_cast<size_t>(it - order.begin()) - first;
        int64_t paneStart = start_ + slotPane_[*it] * pane_;
        // Windows [ws, ws + size) with ws aligned to the slide that contain [paneStart, paneStart + pane).
        int64_t latest = paneStart - floorMod(paneStart - start_, slide_);
        covering.clear();
        for (int64_t ws = latest; ws + size_ >= paneStart + pane_; ws -= slide_) covering.push_back(ws);
        std::reverse(covering.begin(), covering.end());
        for (size_t j = 0; j < covering.size(); ++j) {
          int64_t ws = covering[j];
          uint32_t id;
          if (windowStart.size() > keyFirst && windowStart.back() >= ws) {
            // Already opened by an earlier pane of this key (panes come in order of time).
            size_t w = windowStart.size() - 1;
            while (windowStart[w] > ws) --w;
            WEIR_CHECK(windowStart[w] == ws);
            id = static_cast<uint32_t>(w);
          } else {
            id = static_cast<uint32_t>(windowStart.size());
            windowStart.push_back(ws);
            windowKey.push_back(static_cast<uint32_t>(k));
          }
          ids[j * m + local] = id;
        }
      }
    }
    const size_t windows = windowStart.size();
    // The piece's windows go out in order of start, each start's keys in order of key: a state
    // store gives new keys consecutive entry ids, and the keys of one window leave the state
    // together, so its eviction finds them in few ranges of ids.
    byStart(windowStart, windowKey, rank);
    const auto trash = static_cast<uint32_t>(windows);
    for (auto& id : ids) id = id == kNone ? trash : rank[id];
    std::vector<VectorPtr> out;
    {
      auto window = Vector::make(windowType);
      auto startVec = Vector::make(windowType->fields()[0].type);
      auto endVec = Vector::make(windowType->fields()[1].type);
      startVec->resize(windows);
      endVec->resize(windows);
      for (size_t w = 0; w < windows; ++w) {
        startVec->mutableValues<int64_t>()[w] = windowStart[w];
        endVec->mutableValues<int64_t>()[w] = windowStart[w] + size_;
      }
      window->setChild(0, startVec);
      window->setChild(1, endVec);
      window->resize(windows);
      out.push_back(window);
    }
    for (size_t c = 0; c < keys_->types().size(); ++c)
      out.push_back(keys_->column(c)->gather(windowKey.data(), windows));
    // Merge the panes of each window: counts are summed; sum, min and max merge as themselves.
    for (size_t a = 0; a < partials_.size(); ++a) {
      plan::AggregateCall merge;
      merge.function = partials_[a].function == "count" ? "sum" : partials_[a].function;
      merge.args = {expr::boundColumn(0, partials_[a].resultType, true, "")};
      merge.resultType = partials_[a].resultType;
      auto acc = makeAccumulator(merge);
      acc->resize(windows + 1);
      const std::vector<VectorPtr> values{partialValues[a]->gather(order.data() + first, m)};
      for (size_t j = 0; j < maxCover; ++j) acc->update(values, ids.data() + j * m, m);
      out.push_back(acc->finish(windows));
    }
    emit(std::move(out), windows);
  }
}

}  // namespace weir::exec
