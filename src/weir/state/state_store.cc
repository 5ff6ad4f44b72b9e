#include "weir/state/state_store.h"

#include <lz4.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "weir/base/buffer.h"
#include "weir/base/crash_point.h"
#include "weir/base/error.h"
#include "weir/base/log.h"

namespace weir::state {

namespace {

constexpr char kMagic[8] = {'W', 'E', 'I', 'R', 'S', 'T', 'A', 'T'};
constexpr uint32_t kFormatVersion = 1;
constexpr uint8_t kDelta = 1, kSnapshot = 2;
constexpr size_t kHeader = 8 + 4 + 1 + 1 + 2 + 8;
constexpr size_t kFooter = 8 + 4;
// Flags: 1, the records are one LZ4 block; 2, a sequence of LZ4 blocks of whole records, each
// preceded by its uncompressed and compressed sizes (uint32 each). Both put the records'
// uncompressed size (uint64) first. Weir writes 2 and reads 0 (plain records), 1 and 2.
constexpr uint8_t kLz4 = 1, kLz4Blocks = 2;
// Records go into a block until it holds this many bytes: the scratch memory of encoding and
// decoding stays small and in cache whatever the size of the state.
constexpr size_t kBlockBytes = size_t{1} << 20;

template <class Out, class T>
void put(Out& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

template <class T>
T get(std::string_view in, size_t at) {
  T v;
  std::memcpy(&v, in.data() + at, sizeof(T));
  return v;
}

[[noreturn]] void corrupt(const std::string& path, const std::string& what) {
  throw CorruptionError("STATE_STORE_CORRUPT", "The state file " + path + " is corrupt (" + what +
                                                   "). Restore the checkpoint from a backup, or "
                                                   "delete the checkpoint directory to start the "
                                                   "query over.");
}

// Files of a store directory: version -> (has delta, has snapshot).
std::map<int64_t, std::pair<bool, bool>> listVersions(io::FileSystem& fs, const std::string& dir) {
  std::map<int64_t, std::pair<bool, bool>> out;
  for (const auto& f : fs.list(dir)) {
    auto dot = f.name.find('.');
    if (dot == std::string::npos || dot == 0) continue;
    std::string stem = f.name.substr(0, dot), ext = f.name.substr(dot + 1);
    if (!std::all_of(stem.begin(), stem.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        stem.size() > 18) {
      continue;
    }
    int64_t v = std::stoll(stem);
    if (ext == "delta") out[v].first = true;
    if (ext == "snapshot") out[v].second = true;
  }
  return out;
}

// The one background thread of the process that writes state snapshots and deletes old state
// files, in the order the stores ask. It finishes the queued work before the process exits.
class MaintenanceThread {
 public:
  static MaintenanceThread& instance() {
    static MaintenanceThread thread;
    return thread;
  }
  void submit(std::function<void()> task) {
    {
      std::lock_guard lock(mutex_);
      queue_.push_back(std::move(task));
    }
    wake_.notify_one();
  }
  ~MaintenanceThread() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

 private:
  MaintenanceThread() : thread_([this] { run(); }) {}
  void run() {
    std::unique_lock lock(mutex_);
    for (;;) {
      wake_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      auto task = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

struct StateStoreProvider::Background {
  std::mutex mutex;
  std::condition_variable idle;
  int pending = 0;
  bool snapshotFailed = false;
  bool encoding = false;  // a snapshot task still reads the store's map
  std::condition_variable encoded;

  // Runs `task` on the maintenance thread, counted in `pending` until it ends.
  static void schedule(const std::shared_ptr<Background>& self, std::function<void()> task) {
    {
      std::lock_guard lock(self->mutex);
      ++self->pending;
    }
    MaintenanceThread::instance().submit([self, task = std::move(task)] {
      task();
      std::lock_guard lock(self->mutex);
      if (--self->pending == 0) self->idle.notify_all();
    });
  }
};

std::string StateStoreId::directory() const {
  std::string dir =
      io::joinPath(io::joinPath(io::joinPath(checkpointRoot, "state"), std::to_string(operatorId)),
                   std::to_string(partitionId));
  return storeName == "default" ? dir : io::joinPath(dir, storeName);
}

namespace {

// Builds a state file in `out`: the header, then the records gathered into `block` and
// compressed into `out` as each block fills, then the footer.
class FileEncoder {
 public:
  FileEncoder(base::ByteBuffer& out, base::PodVector<char>& block) : out_(out), block_(block) {}

  void begin(bool snapshot, int64_t version) {
    out_.clear();
    put(out_, uint64_t{0});  // room for the magic, written below
    std::memcpy(out_.data(), kMagic, 8);
    put(out_, kFormatVersion);
    put(out_, static_cast<uint8_t>(snapshot ? kSnapshot : kDelta));
    put(out_, kLz4Blocks);
    put(out_, uint16_t{0});
    put(out_, version);
    put(out_, uint64_t{0});  // the records' uncompressed size, written at the end
    block_.clear();
    rawSize_ = 0;
    count_ = 0;
  }

  /// Whether a record fits in one block (LZ4's limit); add() throws STATE_TOO_LARGE otherwise.
  static bool fits(std::string_view key, std::optional<std::string_view> value) {
    return recordSize(key, value) <= static_cast<size_t>(LZ4_MAX_INPUT_SIZE);
  }

  void add(std::string_view key, std::optional<std::string_view> value) {
    const size_t size = recordSize(key, value);
    if (!fits(key, value)) {
      throw UnsupportedOperationError(
          "STATE_TOO_LARGE",
          "A state record would hold " + std::to_string(size) + " bytes, more than the " +
              std::to_string(LZ4_MAX_INPUT_SIZE) +
              " a state file can store in one piece; keep state values smaller.");
    }
    rawSize_ += size;
    ++count_;
    const auto keyLen = static_cast<uint32_t>(key.size());
    const int32_t valueLen = value ? static_cast<int32_t>(value->size()) : -1;
    block_.append(reinterpret_cast<const char*>(&keyLen), 4);
    block_.append(key.data(), key.size());
    block_.append(reinterpret_cast<const char*>(&valueLen), 4);
    if (value) block_.append(value->data(), value->size());
    if (block_.size() >= kBlockBytes) flush();
  }

  void finish() {
    flush();
    std::memcpy(out_.data() + kHeader, &rawSize_, 8);
    put(out_, count_);
    put<base::ByteBuffer, uint32_t>(
        out_, static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(out_.data()),
                                          static_cast<uInt>(out_.size()))));
  }

 private:
  static size_t recordSize(std::string_view key, std::optional<std::string_view> value) {
    return 8 + key.size() + (value ? value->size() : 0);
  }

  void flush() {
    if (block_.empty()) return;
    const size_t at = out_.size();
    const int bound = LZ4_compressBound(static_cast<int>(block_.size()));
    out_.resize(at + 8 + static_cast<size_t>(bound));
    const int compressed = LZ4_compress_default(block_.data(), out_.data() + at + 8,
                                                static_cast<int>(block_.size()), bound);
    WEIR_CHECK(compressed > 0);
    const auto rawLen = static_cast<uint32_t>(block_.size());
    const auto compressedLen = static_cast<uint32_t>(compressed);
    std::memcpy(out_.data() + at, &rawLen, 4);
    std::memcpy(out_.data() + at + 4, &compressedLen, 4);
    out_.resize(at + 8 + static_cast<size_t>(compressed));
    block_.clear();
  }

  base::ByteBuffer& out_;
  base::PodVector<char>& block_;
  uint64_t rawSize_ = 0, count_ = 0;
};

// Encodes the records that forEachRecord(emit) passes to emit(key, value or nullopt).
template <class ForEachRecord>
void encodeRecordsInto(bool snapshot, int64_t version, ForEachRecord&& forEachRecord,
                       base::ByteBuffer& out) {
  // Records are gathered into a block this thread keeps from file to file.
  thread_local base::PodVector<char> block;
  FileEncoder encoder(out, block);
  encoder.begin(snapshot, version);
  forEachRecord([&](std::string_view key, std::optional<std::string_view> value) {
    encoder.add(key, value);
  });
  encoder.finish();
  if (block.capacity() > 4 * kBlockBytes) block = base::PodVector<char>();  // after a huge record
}

// The buffers of a change log, kept per thread between the versions that use them: a store
// holds them only from its first change to its commit, so idle stores hold no memory.
struct LogBuffers {
  base::ByteBuffer file;
  base::PodVector<char> block;
};

std::vector<std::unique_ptr<LogBuffers>>& logBufferPool() {
  thread_local std::vector<std::unique_ptr<LogBuffers>> pool;
  return pool;
}

std::unique_ptr<LogBuffers> takeLogBuffers() {
  auto& pool = logBufferPool();
  if (pool.empty()) return std::make_unique<LogBuffers>();
  auto buffers = std::move(pool.back());
  pool.pop_back();
  return buffers;
}

void returnLogBuffers(std::unique_ptr<LogBuffers> buffers) {
  if (!buffers) return;
  if (buffers->file.capacity() > (size_t{64} << 20)) buffers->file = base::ByteBuffer();
  if (buffers->block.capacity() > 4 * kBlockBytes) buffers->block = base::PodVector<char>();
  auto& pool = logBufferPool();
  if (pool.size() < 4) pool.push_back(std::move(buffers));
}

}  // namespace

struct StateStoreProvider::ChangeLog {
  std::unique_ptr<LogBuffers> buffers;  // from the first change of the version to its commit
  std::optional<FileEncoder> encoder;
  bool valid = true;  // every change of the version so far is in the file, each entry once

  void release() {
    encoder.reset();
    returnLogBuffers(std::move(buffers));
  }
};

void encodeStateFileInto(
    bool snapshot, int64_t version,
    const std::vector<std::pair<std::string_view, std::optional<std::string_view>>>& records,
    base::ByteBuffer& out) {
  encodeRecordsInto(
      snapshot, version,
      [&](auto&& emit) {
        for (const auto& [key, value] : records) emit(key, value);
      },
      out);
}

void applyStateFile(std::string_view bytes, const std::string& path, bool expectSnapshot,
                    int64_t expectVersion, StateMap& map) {
  if (bytes.size() < kHeader + kFooter) corrupt(path, "too short");
  if (std::memcmp(bytes.data(), kMagic, 8) != 0) corrupt(path, "not a Weir state file");
  auto format = get<uint32_t>(bytes, 8);
  if (format != kFormatVersion) {
    throw CorruptionError("STATE_STORE_UNSUPPORTED_VERSION",
                          "The state file " + path + " has format version " +
                              std::to_string(format) + "; this Weir reads version " +
                              std::to_string(kFormatVersion) +
                              ". Run the query with the Weir release that wrote the checkpoint.");
  }
  uint8_t kind = get<uint8_t>(bytes, 12);
  if (kind != (expectSnapshot ? kSnapshot : kDelta)) corrupt(path, "wrong file kind");
  const uint8_t flags = get<uint8_t>(bytes, 13);
  if (flags != 0 && flags != kLz4 && flags != kLz4Blocks) corrupt(path, "unknown flags");
  if (get<int64_t>(bytes, 16) != expectVersion) corrupt(path, "it holds another version");
  const size_t end = bytes.size() - kFooter;
  uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(end + 8)));
  if (crc != get<uint32_t>(bytes, end + 8)) corrupt(path, "checksum mismatch");
  const uint64_t expected = get<uint64_t>(bytes, end);
  // A snapshot holds every key once: the map is sized for them up front. The count is checked
  // against the records below; the bound (a record is at least 8 bytes, LZ4 inflates at most 255
  // times) keeps a damaged count from reserving more than the file can hold.
  if (expectSnapshot && expected <= bytes.size() / 8 * 255) map.reserve(map.size() + expected);
  uint64_t count = 0;
  // Applies whole records. They are applied in groups, the index slots, entries and records of a
  // group's keys fetched from memory together first (a restore into a big map is bound by those
  // misses).
  auto apply = [&](std::string_view records) {
    auto take = [&](auto tag) {
      using T = typename decltype(tag)::type;
      T v;
      std::memcpy(&v, records.data(), sizeof v);
      records.remove_prefix(sizeof v);
      return v;
    };
    struct Parsed {
      std::string_view key, value;
      uint64_t hash;
      bool removed;
    };
    constexpr size_t kGroup = 32;
    Parsed group[kGroup];
    while (!records.empty()) {
      size_t n = 0;
      while (n < kGroup && !records.empty()) {
        if (records.size() < 4) corrupt(path, "truncated record");
        const auto keyLen = take(std::type_identity<uint32_t>{});
        if (records.size() < uint64_t{keyLen} + 4) corrupt(path, "truncated record");
        Parsed& r = group[n++];
        r.key = records.substr(0, keyLen);
        records.remove_prefix(keyLen);
        const auto valueLen = take(std::type_identity<int32_t>{});
        r.removed = valueLen < 0;
        if (r.removed) {
          if (valueLen != -1 || expectSnapshot) corrupt(path, "bad value length");
        } else {
          if (records.size() < static_cast<size_t>(valueLen)) corrupt(path, "truncated value");
          r.value = records.substr(0, static_cast<size_t>(valueLen));
          records.remove_prefix(static_cast<size_t>(valueLen));
        }
        r.hash = StateMap::hashOf(r.key);
        map.prefetchSlot(r.hash);
      }
      for (size_t k = 0; k < n; ++k) map.prefetchEntry(group[k].hash);
      for (size_t k = 0; k < n; ++k) map.prefetchRecord(group[k].hash);
      for (size_t k = 0; k < n; ++k) {
        if (group[k].removed) {
          map.remove(group[k].key, group[k].hash);
        } else {
          map.put(group[k].key, group[k].hash, group[k].value);
        }
      }
      count += n;
    }
  };
  std::string_view body(bytes.data() + kHeader, end - kHeader);
  if (flags == 0) {
    apply(body);
  } else {
    if (body.size() < 8) corrupt(path, "truncated");
    const uint64_t rawSize = get<uint64_t>(bytes, kHeader);
    body.remove_prefix(8);
    // LZ4 inflates at most 255 times (a bound that also stops a damaged size from allocating).
    auto inflate = [&](std::string_view compressed, uint64_t size, base::PodVector<char>& into) {
      if (size > compressed.size() * 255 + 16 || size > static_cast<uint64_t>(LZ4_MAX_INPUT_SIZE)) {
        corrupt(path, "bad uncompressed size");
      }
      into.resize(std::max<size_t>(size, 1));
      const int got =
          LZ4_decompress_safe(compressed.data(), into.data(), static_cast<int>(compressed.size()),
                              static_cast<int>(size));
      if (got < 0 || static_cast<uint64_t>(got) != size) corrupt(path, "bad compressed records");
      return std::string_view(into.data(), size);
    };
    base::PodVector<char> inflated;
    if (flags == kLz4) {
      apply(inflate(body, rawSize, inflated));
    } else {
      uint64_t total = 0;
      while (!body.empty()) {
        if (body.size() < 8) corrupt(path, "truncated block");
        uint32_t rawLen, compressedLen;
        std::memcpy(&rawLen, body.data(), 4);
        std::memcpy(&compressedLen, body.data() + 4, 4);
        body.remove_prefix(8);
        if (body.size() < compressedLen) corrupt(path, "truncated block");
        apply(inflate(body.substr(0, compressedLen), rawLen, inflated));
        body.remove_prefix(compressedLen);
        total += rawLen;
      }
      if (total != rawSize) corrupt(path, "bad uncompressed size");
    }
  }
  if (count != expected) corrupt(path, "record count mismatch");
}

StateStoreProvider::StateStoreProvider(std::shared_ptr<io::FileSystem> fs, StateStoreId id)
    : fs_(std::move(fs)),
      id_(std::move(id)),
      directory_(id_.directory()),
      log_(std::make_unique<ChangeLog>()),
      background_(std::make_shared<Background>()) {}

StateStoreProvider::~StateStoreProvider() { waitForMaintenance(); }

void StateStoreProvider::waitForMaintenance() {
  std::unique_lock lock(background_->mutex);
  background_->idle.wait(lock, [this] { return background_->pending == 0; });
}

std::string StateStoreProvider::fileOf(int64_t version, bool snapshot) const {
  return io::joinPath(directory_, std::to_string(version) + (snapshot ? ".snapshot" : ".delta"));
}

void StateStoreProvider::finishSnapshotEncoding() {
  std::unique_lock lock(background_->mutex);
  background_->encoded.wait(lock, [this] { return !background_->encoding; });
  encodingSnapshot_ = false;
}

void StateStoreProvider::load(int64_t version) {
  awaitSnapshotEncoding();
  clearChanges();
  if (version == version_) return;
  rebuild(version);
}

void StateStoreProvider::clearChanges() {
  for (uint32_t id : dirty_) dirtyBits_[id >> 6] &= ~(uint64_t{1} << (id & 63));
  dirty_.clear();
  removedKeys_.clear();
  removedEnds_.clear();
  updated_ = removed_ = 0;
  log_->release();
  log_->valid = true;
}

void StateStoreProvider::logChange(std::string_view key, std::optional<std::string_view> value) {
  ChangeLog& log = *log_;
  if (!FileEncoder::fits(key, value)) {
    dropLog();  // the commit reports it
    return;
  }
  if (!log.encoder) {
    log.buffers = takeLogBuffers();
    log.encoder.emplace(log.buffers->file, log.buffers->block);
    log.encoder->begin(false, version_ + 1);
  }
  log.encoder->add(key, value);
}

void StateStoreProvider::dropLog() {
  log_->release();
  log_->valid = false;
}

void StateStoreProvider::rebuild(int64_t version) {
  waitForMaintenance();  // no file of this store changes while it is listed and read
  map_.clear();
  rangeMin_.clear();
  version_ = -1;
  if (version > 0) {
    auto files = listVersions(*fs_, directory_);
    snapshots_.emplace();
    for (const auto& [v, kinds] : files) {
      if (kinds.second) snapshots_->insert(v);
    }
    int64_t base = 0;
    for (auto it = files.begin(); it != files.end(); ++it) {
      if (it->first <= version && it->second.second) base = it->first;
    }
    // The files are read into one buffer, kept by this thread from rebuild to rebuild unless big.
    thread_local base::PodVector<char> file;
    auto read = [&](const std::string& path) {
      fs_->readInto(path, file);
      return std::string_view(file.data(), file.size());
    };
    if (base > 0) {
      std::string path = fileOf(base, true);
      applyStateFile(read(path), path, true, base, map_);
    }
    for (int64_t v = base + 1; v <= version; ++v) {
      auto it = files.find(v);
      if (it == files.end() || !it->second.first) {
        throw CorruptionError(
            "STATE_STORE_FILE_MISSING",
            "Cannot rebuild version " + std::to_string(version) + " of the state of operator " +
                std::to_string(id_.operatorId) + ", partition " + std::to_string(id_.partitionId) +
                ": " + fileOf(v, false) +
                " is missing. Restore the checkpoint from a backup, or delete it to start the "
                "query over.");
      }
      std::string path = fileOf(v, false);
      applyStateFile(read(path), path, false, v, map_);
    }
    if (file.capacity() > (size_t{64} << 20)) file = base::PodVector<char>();
  }
  version_ = version;
}

void StateStoreProvider::put(std::string_view key, uint64_t hash, std::string_view value) {
  awaitSnapshotEncoding();
  ++updated_;
  const size_t before = map_.size();
  markDirty(map_.put(key, hash, value));
  if (map_.size() > before) rangeMin_.clear();
}

void StateStoreProvider::put(std::string_view key, uint64_t hash, std::string_view value,
                             int64_t time) {
  awaitSnapshotEncoding();
  ++updated_;
  const uint32_t id = map_.put(key, hash, value);
  markDirty(id);
  if (!rangeMin_.empty()) {
    const size_t range = id / kTimeRange;
    if (range >= rangeMin_.size()) rangeMin_.resize(range + 1, INT64_MAX);
    rangeMin_[range] = std::min(rangeMin_[range], time);
  }
}

void StateStoreProvider::set(uint32_t id, std::string_view value) {
  awaitSnapshotEncoding();
  ++updated_;
  map_.set(id, value);
  markDirty(id);
}

void StateStoreProvider::markDirty(uint32_t id) {
  if (dirtyBits_.size() <= id >> 6) dirtyBits_.resize((id >> 6) + 1 + dirtyBits_.size() / 2, 0);
  uint64_t& word = dirtyBits_[id >> 6];
  const uint64_t bit = uint64_t{1} << (id & 63);
  if ((word & bit) == 0) {
    word |= bit;
    dirty_.push_back(id);
    if (log_->valid) logChange(map_.key(id), map_.value(id));
  } else if (log_->valid) {
    dropLog();  // a second change of one entry: the file would hold it twice
  }
}

void StateStoreProvider::remove(std::string_view key) {
  awaitSnapshotEncoding();
  // The key is copied first: it may be a view into the map.
  const size_t before = removedKeys_.size();
  removedKeys_.append(key);
  if (!map_.remove(std::string_view(removedKeys_).substr(before))) {
    removedKeys_.resize(before);
    return;
  }
  ++removed_;
  removedEnds_.push_back(static_cast<uint32_t>(removedKeys_.size()));
  if (log_->valid) logChange(std::string_view(removedKeys_).substr(before), std::nullopt);
}

void StateStoreProvider::removeEntries(const std::vector<uint32_t>& ids,
                                       const std::vector<uint64_t>& hashes) {
  WEIR_CHECK(ids.size() == hashes.size());
  awaitSnapshotEncoding();
  constexpr size_t kRecordAhead = 8, kSlotAhead = 16;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i + kSlotAhead < ids.size()) map_.prefetchSlot(hashes[i + kSlotAhead]);
    if (i + kRecordAhead < ids.size()) map_.prefetchRecordOf(ids[i + kRecordAhead]);
    const std::string_view key = map_.key(ids[i]);
    removedKeys_.append(key);
    removedEnds_.push_back(static_cast<uint32_t>(removedKeys_.size()));
    if (log_->valid) logChange(key, std::nullopt);
    map_.removeId(ids[i], hashes[i]);
  }
  removed_ += static_cast<int64_t>(ids.size());
}

int64_t StateStoreProvider::commit() {
  WEIR_CHECK(version_ >= 0);
  awaitSnapshotEncoding();
  auto start = std::chrono::steady_clock::now();
  if (log_->valid && log_->encoder) {
    // The file was encoded change by change.
    log_->encoder->finish();
    fs_->writeAtomic(fileOf(version_ + 1, false), std::string_view(log_->buffers->file), true);
  } else {
    writeGatheredDelta();
  }
  base::crashPoint("after-state-delta");
  ++version_;
  clearChanges();
  commitTimeMs_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  return version_;
}

void StateStoreProvider::writeGatheredDelta() {
  // Removals first: a key removed and put again in one version ends up present.
  // The list of changes is kept per thread from commit to commit, like the file's buffers.
  thread_local std::vector<std::pair<std::string_view, std::optional<std::string_view>>> records;
  records.clear();
  records.reserve(removedEnds_.size() + dirty_.size());
  uint32_t from = 0;
  for (uint32_t end : removedEnds_) {
    records.emplace_back(std::string_view(removedKeys_).substr(from, end - from), std::nullopt);
    from = end;
  }
  // The entries changed are in the order of their updates, scattered over the arena: their
  // records are prefetched a few entries ahead.
  constexpr size_t kAhead = 8;
  for (size_t i = 0; i < dirty_.size(); ++i) {
    if (i + kAhead < dirty_.size()) map_.prefetchRecordOf(dirty_[i + kAhead]);
    const uint32_t id = dirty_[i];
    if (map_.live(id)) records.emplace_back(map_.key(id), map_.value(id));
  }
  thread_local base::ByteBuffer file;  // kept from commit to commit: no fresh pages
  encodeStateFileInto(false, version_ + 1, records, file);
  if (records.capacity() > (size_t{4} << 20)) records = {};  // after a huge commit
  fs_->writeAtomic(fileOf(version_ + 1, false), std::string_view(file), true);
  if (file.capacity() > (size_t{64} << 20)) file = base::ByteBuffer();
}

void StateStoreProvider::abort() {
  awaitSnapshotEncoding();
  clearChanges();
  map_.clear();
  rangeMin_.clear();
  version_ = -1;
}

void StateStoreProvider::doMaintenance(int64_t minDeltasForSnapshot, int64_t minVersionsToRetain) {
  if (version_ <= 0) return;
  awaitSnapshotEncoding();
  {
    std::lock_guard lock(background_->mutex);
    if (background_->snapshotFailed) {  // list again: the failed snapshot is not there
      background_->snapshotFailed = false;
      snapshots_.reset();
    }
  }
  if (!snapshots_) {
    waitForMaintenance();
    snapshots_.emplace();
    for (const auto& [v, kinds] : listVersions(*fs_, directory_)) {
      if (kinds.second) snapshots_->insert(v);
    }
  }
  // The newest snapshot at or below `v`, 0 when none.
  auto snapshotAtOrBelow = [this](int64_t v) -> int64_t {
    auto it = snapshots_->upper_bound(v);
    return it == snapshots_->begin() ? 0 : *std::prev(it);
  };
  if (version_ - snapshotAtOrBelow(version_) >= minDeltasForSnapshot) {
    snapshots_->insert(version_);
    {
      std::lock_guard lock(background_->mutex);
      background_->encoding = true;
    }
    encodingSnapshot_ = true;
    // The task reads map_ until it signals `encoded`; until then this store only reads it (the
    // changing calls wait in awaitSnapshotEncoding), and the destructor waits for the task.
    Background::schedule(background_, [this, fs = fs_, bg = background_,
                                       path = fileOf(version_, true), version = version_] {
      // The maintenance thread keeps its buffer from snapshot to snapshot: fresh memory is
      // costly to touch, and a snapshot is as large as the state.
      thread_local base::ByteBuffer bytes;
      try {
        {
          struct Done {  // the store may change again once this scope is left, however
            Background& bg;
            ~Done() {
              std::lock_guard lock(bg.mutex);
              bg.encoding = false;
              bg.encoded.notify_all();
            }
          } done{*bg};
          encodeRecordsInto(
              true, version,
              [this](auto&& emit) {
                map_.forEach([&](std::string_view k, std::string_view v) { emit(k, v); });
              },
              bytes);
        }
        fs->writeAtomic(path, std::string_view(bytes), true);
      } catch (const std::exception& e) {
        base::logWarning("Could not write the state snapshot " + path +
                         " (the deltas keep the state recoverable; " +
                         "the next snapshot is tried at the next maintenance): " + e.what());
        std::lock_guard lock(bg->mutex);
        bg->snapshotFailed = true;
      }
    });
  }
  // Keep what rebuilds versions [version - retain + 1, version]: the newest snapshot at or below
  // the oldest of them, and every file after it.
  const int64_t keepFrom =
      snapshotAtOrBelow(std::max<int64_t>(1, version_ - minVersionsToRetain + 1));
  if (keepFrom > cleanedBefore_) {
    cleanedBefore_ = keepFrom;
    Background::schedule(background_,
                         [fs = fs_, dir = directory_, keepFrom, base = fileOf(keepFrom, true)] {
                           try {
                             if (!fs->exists(base))
                               return;  // its write failed: the older files are still needed
                             for (const auto& [v, kinds] : listVersions(*fs, dir)) {
                               if (v >= keepFrom) break;
                               const std::string stem = io::joinPath(dir, std::to_string(v));
                               if (kinds.first) fs->remove(stem + ".delta");
                               if (kinds.second) fs->remove(stem + ".snapshot");
                             }
                           } catch (const std::exception& e) {
                             base::logWarning("Could not delete old state files in " + dir +
                                              " (they are retried later): " + e.what());
                           }
                         });
  }
}

StateStoreMetrics StateStoreProvider::metrics() const {
  StateStoreMetrics m;
  m.numKeys = static_cast<int64_t>(map_.size());
  m.numUpdated = updated_;
  m.numRemoved = removed_;
  m.memoryUsedBytes =
      map_.memoryBytes() + static_cast<int64_t>(rangeMin_.capacity() * sizeof(int64_t));
  m.commitTimeMs = commitTimeMs_;
  return m;
}

}  // namespace weir::state
