#include "weir/state/state_store.h"

#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>

#include "weir/base/error.h"

namespace weir::state {

namespace {

constexpr char kMagic[8] = {'W', 'E', 'I', 'R', 'S', 'T', 'A', 'T'};
constexpr uint32_t kFormatVersion = 1;
constexpr uint8_t kDelta = 1, kSnapshot = 2;
constexpr size_t kHeader = 8 + 4 + 1 + 1 + 2 + 8;
constexpr size_t kFooter = 8 + 4;

template <class T>
void put(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out.append(buf, sizeof(T));
}

template <class T>
T get(const std::string& in, size_t at) {
  T v;
  std::memcpy(&v, in.data() + at, sizeof(T));
  return v;
}

[[noreturn]] void corrupt(const std::string& path, const std::string& what) {
  throw CorruptionError("STATE_STORE_CORRUPT",
                        "The state file " + path + " is corrupt (" + what +
                            "). Restore the checkpoint from a backup, or delete the checkpoint directory to start the "
                            "query over.");
}

// Files of a store directory: version -> (has delta, has snapshot).
std::map<int64_t, std::pair<bool, bool>> listVersions(io::FileSystem& fs, const std::string& dir) {
  std::map<int64_t, std::pair<bool, bool>> out;
  for (const auto& f : fs.list(dir)) {
    auto dot = f.name.find('.');
    if (dot == std::string::npos || dot == 0) continue;
    std::string stem = f.name.substr(0, dot), ext = f.name.substr(dot + 1);
    if (!std::all_of(stem.begin(), stem.end(), [](char c) { return c >= '0' && c <= '9'; }) || stem.size() > 18) {
      continue;
    }
    int64_t v = std::stoll(stem);
    if (ext == "delta") out[v].first = true;
    if (ext == "snapshot") out[v].second = true;
  }
  return out;
}

}  // namespace

std::string StateStoreId::directory() const {
  std::string dir = io::joinPath(io::joinPath(io::joinPath(checkpointRoot, "state"), std::to_string(operatorId)),
                                 std::to_string(partitionId));
  return storeName == "default" ? dir : io::joinPath(dir, storeName);
}

std::string encodeStateFile(bool snapshot, int64_t version,
                            const std::vector<std::pair<std::string_view, const std::string*>>& records) {
  std::string out;
  out.append(kMagic, 8);
  put<uint32_t>(out, kFormatVersion);
  put<uint8_t>(out, snapshot ? kSnapshot : kDelta);
  put<uint8_t>(out, 0);  // flags: no compression
  put<uint16_t>(out, 0);
  put<int64_t>(out, version);
  for (const auto& [key, value] : records) {
    put<uint32_t>(out, static_cast<uint32_t>(key.size()));
    out.append(key);
    if (value) {
      put<int32_t>(out, static_cast<int32_t>(value->size()));
      out.append(*value);
    } else {
      put<int32_t>(out, -1);
    }
  }
  put<uint64_t>(out, records.size());
  put<uint32_t>(out, static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(out.data()),
                                                 static_cast<uInt>(out.size()))));
  return out;
}

void applyStateFile(const std::string& bytes, const std::string& path, bool expectSnapshot, int64_t expectVersion,
                    absl::flat_hash_map<std::string, std::string>& map) {
  if (bytes.size() < kHeader + kFooter) corrupt(path, "too short");
  if (std::memcmp(bytes.data(), kMagic, 8) != 0) corrupt(path, "not a Weir state file");
  auto format = get<uint32_t>(bytes, 8);
  if (format != kFormatVersion) {
    throw CorruptionError("STATE_STORE_UNSUPPORTED_VERSION",
                          "The state file " + path + " has format version " + std::to_string(format) +
                              "; this Weir reads version " + std::to_string(kFormatVersion) +
                              ". Run the query with the Weir release that wrote the checkpoint.");
  }
  uint8_t kind = get<uint8_t>(bytes, 12);
  if (kind != (expectSnapshot ? kSnapshot : kDelta)) corrupt(path, "wrong file kind");
  if (get<uint8_t>(bytes, 13) != 0) corrupt(path, "unknown flags");
  if (get<int64_t>(bytes, 16) != expectVersion) corrupt(path, "it holds another version");
  size_t end = bytes.size() - kFooter;
  uint32_t crc = static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()),
                                             static_cast<uInt>(end + 8)));
  if (crc != get<uint32_t>(bytes, end + 8)) corrupt(path, "checksum mismatch");
  uint64_t expected = get<uint64_t>(bytes, end);
  uint64_t count = 0;
  size_t at = kHeader;
  while (at < end) {
    if (end - at < 4) corrupt(path, "truncated record");
    auto keyLen = get<uint32_t>(bytes, at);
    at += 4;
    if (end - at < keyLen + 4) corrupt(path, "truncated record");
    std::string key = bytes.substr(at, keyLen);
    at += keyLen;
    auto valueLen = get<int32_t>(bytes, at);
    at += 4;
    if (valueLen < 0) {
      if (valueLen != -1 || expectSnapshot) corrupt(path, "bad value length");
      map.erase(key);
    } else {
      if (end - at < static_cast<size_t>(valueLen)) corrupt(path, "truncated value");
      map[std::move(key)] = bytes.substr(at, static_cast<size_t>(valueLen));
      at += static_cast<size_t>(valueLen);
    }
    ++count;
  }
  if (count != expected) corrupt(path, "record count mismatch");
}

StateStoreProvider::StateStoreProvider(std::shared_ptr<io::FileSystem> fs, StateStoreId id)
    : fs_(std::move(fs)), id_(std::move(id)), directory_(id_.directory()) {}

std::string StateStoreProvider::fileOf(int64_t version, bool snapshot) const {
  return io::joinPath(directory_, std::to_string(version) + (snapshot ? ".snapshot" : ".delta"));
}

void StateStoreProvider::load(int64_t version) {
  changes_.clear();
  updated_ = removed_ = 0;
  if (version == version_) return;
  rebuild(version);
}

void StateStoreProvider::rebuild(int64_t version) {
  map_.clear();
  version_ = -1;
  if (version > 0) {
    auto files = listVersions(*fs_, directory_);
    int64_t base = 0;
    for (auto it = files.begin(); it != files.end(); ++it) {
      if (it->first <= version && it->second.second) base = it->first;
    }
    if (base > 0) {
      std::string path = fileOf(base, true);
      applyStateFile(fs_->read(path), path, true, base, map_);
    }
    for (int64_t v = base + 1; v <= version; ++v) {
      auto it = files.find(v);
      if (it == files.end() || !it->second.first) {
        throw CorruptionError("STATE_STORE_FILE_MISSING",
                              "Cannot rebuild version " + std::to_string(version) + " of the state of operator " +
                                  std::to_string(id_.operatorId) + ", partition " + std::to_string(id_.partitionId) +
                                  ": " + fileOf(v, false) +
                                  " is missing. Restore the checkpoint from a backup, or delete it to start the "
                                  "query over.");
      }
      std::string path = fileOf(v, false);
      applyStateFile(fs_->read(path), path, false, v, map_);
    }
  }
  bytes_ = 0;
  for (const auto& [k, v] : map_) bytes_ += static_cast<int64_t>(k.size() + v.size());
  version_ = version;
}

const std::string* StateStoreProvider::get(std::string_view key) const {
  auto it = map_.find(absl::string_view(key.data(), key.size()));
  return it == map_.end() ? nullptr : &it->second;
}

void StateStoreProvider::put(std::string key, std::string value) {
  ++updated_;
  auto it = map_.find(key);
  if (it != map_.end()) {
    bytes_ += static_cast<int64_t>(value.size()) - static_cast<int64_t>(it->second.size());
    it->second = value;
  } else {
    bytes_ += static_cast<int64_t>(key.size() + value.size());
    map_.emplace(key, value);
  }
  changes_[std::move(key)] = std::move(value);
}

void StateStoreProvider::remove(std::string_view key) {
  auto it = map_.find(absl::string_view(key.data(), key.size()));
  if (it == map_.end()) return;
  ++removed_;
  bytes_ -= static_cast<int64_t>(it->first.size() + it->second.size());
  map_.erase(it);
  changes_[std::string(key)] = std::nullopt;
}

int64_t StateStoreProvider::commit() {
  WEIR_CHECK(version_ >= 0);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::pair<std::string_view, const std::string*>> records;
  records.reserve(changes_.size());
  for (const auto& [k, v] : changes_) records.emplace_back(k, v ? &*v : nullptr);
  fs_->writeAtomic(fileOf(version_ + 1, false), encodeStateFile(false, version_ + 1, records), true);
  ++version_;
  changes_.clear();
  commitTimeMs_ = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  return version_;
}

void StateStoreProvider::abort() {
  changes_.clear();
  map_.clear();
  version_ = -1;
}

void StateStoreProvider::doMaintenance(int64_t minDeltasForSnapshot, int64_t minVersionsToRetain) {
  if (version_ <= 0) return;
  auto files = listVersions(*fs_, directory_);
  int64_t lastSnapshot = 0;
  for (const auto& [v, kinds] : files) {
    if (kinds.second && v <= version_) lastSnapshot = v;
  }
  if (version_ - lastSnapshot >= minDeltasForSnapshot) {
    std::vector<std::pair<std::string_view, const std::string*>> records;
    records.reserve(map_.size());
    for (const auto& [k, v] : map_) records.emplace_back(k, &v);
    fs_->writeAtomic(fileOf(version_, true), encodeStateFile(true, version_, records), true);
    files[version_].second = true;
  }
  // Keep what rebuilds versions [version - retain + 1, version]: the newest snapshot at or below
  // the oldest of them, and every file after it.
  int64_t oldest = std::max<int64_t>(1, version_ - minVersionsToRetain + 1);
  int64_t keepFrom = 0;
  for (const auto& [v, kinds] : files) {
    if (kinds.second && v <= oldest) keepFrom = v;
  }
  for (const auto& [v, kinds] : files) {
    if (v >= keepFrom) continue;
    if (kinds.first) fs_->remove(fileOf(v, false));
    if (kinds.second) fs_->remove(fileOf(v, true));
  }
}

StateStoreMetrics StateStoreProvider::metrics() const {
  StateStoreMetrics m;
  m.numKeys = static_cast<int64_t>(map_.size());
  m.numUpdated = updated_;
  m.numRemoved = removed_;
  // Entries plus the hash table's slots (key and value strings, about 64 bytes per slot).
  m.memoryUsedBytes = bytes_ + static_cast<int64_t>(map_.capacity()) * 64;
  m.commitTimeMs = commitTimeMs_;
  return m;
}

}  // namespace weir::state
