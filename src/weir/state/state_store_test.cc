// The versioned state store: deltas, snapshots, reloads, retention and corrupt files.
#include "weir/state/state_store.h"

#include <gtest/gtest.h>
#include <lz4.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "weir/base/error.h"
#include "weir/base/log.h"
#include "weir/io/fault_injecting_file_system.h"
#include "weir/state/state_map.h"

namespace weir::state {
namespace {

TEST(StateMap, MatchesAModelThroughInsertsUpdatesRemovesAndCompaction) {
  // Random operations against std::map, with values that keep or change their size, keys long
  // enough for multi-byte lengths, and enough churn (> 4 MiB of garbage) to compact the arena.
  std::mt19937_64 rng(5);
  StateMap map;
  std::map<std::string, std::string> model;
  auto keyOf = [&](uint64_t k) {
    return "key-" + std::to_string(k) + std::string(k % 3 == 0 ? 200 : 0, 'k');
  };
  for (int op = 0; op < 200000; ++op) {
    if (op == 100000) map.reserve(50000);  // regrows the index under live keys and tombstones
    const std::string key = keyOf(rng() % 5000);
    switch (rng() % 4) {
      case 0:
      case 1: {
        std::string value(rng() % 4 == 0 ? 300 : 8, static_cast<char>('a' + op % 26));
        map.put(key, value);
        model[key] = value;
        break;
      }
      case 2: {
        const uint32_t id = map.find(key, StateMap::hashOf(key));
        auto it = model.find(key);
        ASSERT_EQ(id == StateMap::kNone, it == model.end()) << key;
        if (id != StateMap::kNone) {
          std::string value = std::string(map.value(id)) + "+";
          if (rng() % 2 == 0) value = value.substr(1);  // same size: replaced in place
          map.set(id, value);
          it->second = value;
        }
        break;
      }
      default:
        if (rng() % 2 == 0) {
          EXPECT_EQ(map.remove(key), model.erase(key) == 1) << key;
        } else if (const uint32_t id = map.find(key, StateMap::hashOf(key));
                   id != StateMap::kNone) {
          map.removeId(id, StateMap::hashOf(key));  // by entry id, as eviction removes
          model.erase(key);
        }
        break;
    }
  }
  ASSERT_EQ(map.size(), model.size());
  for (const auto& [k, v] : model) {
    auto got = map.get(k);
    ASSERT_TRUE(got.has_value()) << k;
    EXPECT_EQ(*got, v);
  }
  std::map<std::string, std::string> seen;
  map.forEach(
      [&](std::string_view k, std::string_view v) { seen[std::string(k)] = std::string(v); });
  EXPECT_EQ(seen, model);
  EXPECT_GT(map.memoryBytes(), 0);
  // Compaction keeps the arena near the live bytes: about 4 MiB here, 11 MiB without it.
  EXPECT_LT(map.memoryBytes(), int64_t{7} << 20);
  // Removing every key leaves nothing findable (stale index slots would show here).
  for (const auto& [k, v] : model) EXPECT_TRUE(map.remove(k)) << k;
  EXPECT_EQ(map.size(), 0u);
  for (uint64_t k = 0; k < 5000; ++k) EXPECT_FALSE(map.get(keyOf(k)).has_value()) << k;
  for (uint64_t k = 0; k < 3000; ++k) map.put(keyOf(k), "v" + std::to_string(k));
  for (uint64_t k = 0; k < 3000; k += 2) map.remove(keyOf(k));
  EXPECT_EQ(map.size(), 1500u);
  for (uint64_t k = 0; k < 3000; ++k) EXPECT_EQ(map.get(keyOf(k)).has_value(), k % 2 == 1) << k;
  map.clear();
  EXPECT_EQ(map.size(), 0u);
  EXPECT_FALSE(map.get("key-1").has_value());
}

class StateStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (std::filesystem::temp_directory_path() /
             ("weir-state-test-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
    std::filesystem::remove_all(root_);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  StateStoreId id() const { return StateStoreId{root_, 0, 3, "default"}; }
  std::vector<std::string> files() const {
    std::vector<std::string> out;
    for (const auto& f : fs->list(id().directory())) out.push_back(f.name);
    return out;
  }
  std::map<std::string, std::string> contents(StateStoreProvider& p) const {
    std::map<std::string, std::string> out;
    p.forEach(
        [&](std::string_view k, std::string_view v) { out[std::string(k)] = std::string(v); });
    return out;
  }
  std::shared_ptr<io::FileSystem> fs = io::localFileSystem();
  std::string root_;
};

TEST_F(StateStoreTest, EntriesRemovedByIdAreRemovedInTheDeltaToo) {
  // Eviction's path: entries named by id (from forEachEntry) and their keys' hashes; some keys
  // come back in the same version. A fresh provider rebuilding from the files must agree.
  StateStoreProvider p(fs, id());
  p.load(0);
  std::map<std::string, std::string> model;
  for (int k = 0; k < 5000; ++k) {
    const std::string key = "k" + std::to_string(k);
    p.put(key, "v" + std::to_string(k));
    model[key] = "v" + std::to_string(k);
  }
  p.commit();
  p.load(1);
  p.put("k1", "changed");  // changed, then removed in the same version
  std::vector<uint32_t> ids;
  std::vector<uint64_t> hashes;
  p.forEachEntry([&](uint32_t entry, std::string_view key, std::string_view) {
    if (std::stoi(std::string(key.substr(1))) % 3 != 0) {
      ids.push_back(entry);
      hashes.push_back(StateMap::hashOf(key));
      model.erase(std::string(key));
    }
  });
  p.removeEntries(ids, hashes);
  EXPECT_EQ(p.metrics().numRemoved, static_cast<int64_t>(ids.size()));
  EXPECT_EQ(p.metrics().numKeys, static_cast<int64_t>(model.size()));
  p.put("k2", "back");  // removed, then put again: present
  model["k2"] = "back";
  EXPECT_FALSE(p.get("k1").has_value());
  EXPECT_EQ(p.commit(), 2);
  EXPECT_EQ(contents(p), model);
  StateStoreProvider q(fs, id());
  q.load(2);
  EXPECT_EQ(contents(q), model);
  EXPECT_EQ(q.size(), 1668u);  // k0, k3, ..., k4998 and k2
}

TEST_F(StateStoreTest, DeltasHoldEveryVersionsChangesWhetherEntriesChangeOnceOrMoreOften) {
  // A delta is encoded change by change while each entry changes at most once in its version,
  // and gathered from the changed entries at commit otherwise. Random versions of both kinds
  // (puts, in-place changes, removals by key and by id, keys removed and put back, ids reused)
  // against a model: a fresh provider rebuilding each version from the files must agree.
  std::mt19937_64 rng(17);
  StateStoreProvider p(fs, id());
  std::map<std::string, std::string> model;
  std::vector<std::map<std::string, std::string>> versions{model};
  for (int v = 0; v < 24; ++v) {
    p.load(v);
    const bool repeat = v % 3 == 2;  // entries may change twice: the gathered path
    std::set<std::string> changed;
    for (int op = 0; op < 400; ++op) {
      const std::string key = "key-" + std::to_string(rng() % 300);
      if (!repeat && changed.count(key)) continue;
      changed.insert(key);
      switch (rng() % 5) {
        case 0:
        case 1: {
          const std::string value(1 + rng() % 12, static_cast<char>('a' + rng() % 26));
          p.put(key, value);
          model[key] = value;
          break;
        }
        case 2: {
          const uint32_t entry = p.find(key, StateMap::hashOf(key));
          if (entry == StateMap::kNone) break;
          char* value = p.mutableValue(entry);  // a change in place, as merges of counts do
          value[0] = static_cast<char>(value[0] == 'z' ? 'a' : value[0] + 1);
          p.updated(entry);
          model[key][0] = value[0];
          break;
        }
        case 3:
          p.remove(key);
          model.erase(key);
          break;
        default:
          if (const uint32_t entry = p.find(key, StateMap::hashOf(key)); entry != StateMap::kNone) {
            p.removeEntries({entry}, {StateMap::hashOf(key)});
            model.erase(key);
          }
          break;
      }
    }
    ASSERT_EQ(p.commit(), v + 1);
    ASSERT_EQ(contents(p), model) << "version " << v + 1;
    versions.push_back(model);
  }
  StateStoreProvider q(fs, id());
  for (int v = 24; v >= 0; v -= 5) {
    q.load(v);
    EXPECT_EQ(contents(q), versions[static_cast<size_t>(v)]) << "version " << v;
  }
}

TEST_F(StateStoreTest, VersionsAreDeltasAndReloadFromFiles) {
  StateStoreProvider p(fs, id());
  p.load(0);
  p.put("a", "1");
  p.put("b", "2");
  EXPECT_EQ(p.commit(), 1);
  p.load(1);
  p.put("a", "10");
  p.remove("b");
  p.remove("missing");
  EXPECT_EQ(p.metrics().numUpdated, 1);
  EXPECT_EQ(p.metrics().numRemoved, 1);
  EXPECT_EQ(p.commit(), 2);
  EXPECT_EQ(id().directory(), root_ + "/state/0/3");
  EXPECT_EQ(files(), (std::vector<std::string>{"1.delta", "2.delta"}));
  // A fresh provider rebuilds any version from the files.
  StateStoreProvider q(fs, id());
  q.load(2);
  EXPECT_EQ(contents(q), (std::map<std::string, std::string>{{"a", "10"}}));
  q.load(1);
  EXPECT_EQ(contents(q), (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
  q.load(0);
  EXPECT_TRUE(contents(q).empty());
}

TEST_F(StateStoreTest, AbortForgetsUncommittedChanges) {
  StateStoreProvider p(fs, id());
  p.load(0);
  p.put("a", "1");
  p.commit();
  p.load(1);
  p.put("a", "2");
  p.abort();
  p.load(1);
  EXPECT_EQ(*p.get("a"), "1");
}

TEST_F(StateStoreTest, SnapshotsAndRetention) {
  StateStoreProvider p(fs, id());
  for (int v = 0; v < 12; ++v) {
    p.load(v);
    p.put("k" + std::to_string(v % 3), std::to_string(v));
    p.commit();
    p.doMaintenance(/*minDeltasForSnapshot=*/5, /*minVersionsToRetain=*/3);
  }
  p.waitForMaintenance();  // snapshots are written and old files deleted in the background
  // Snapshots at 5 and 10; versions 10..12 need the snapshot 10 and the deltas 11, 12.
  EXPECT_EQ(files(), (std::vector<std::string>{"10.delta", "10.snapshot", "11.delta", "12.delta"}));
  StateStoreProvider q(fs, id());
  q.load(12);
  EXPECT_EQ(contents(q),
            (std::map<std::string, std::string>{{"k0", "9"}, {"k1", "10"}, {"k2", "11"}}));
  q.load(10);
  EXPECT_EQ(contents(q),
            (std::map<std::string, std::string>{{"k0", "9"}, {"k1", "7"}, {"k2", "8"}}));
  try {
    q.load(4);
    FAIL();
  } catch (const CorruptionError& e) {
    EXPECT_EQ(e.errorClass(), "STATE_STORE_FILE_MISSING");
    EXPECT_NE(std::string(e.what()).find("/1.delta"), std::string::npos) << e.what();
  }
}

TEST_F(StateStoreTest, ASnapshotEncodedInTheBackgroundHoldsItsVersionWhileTheStoreMovesOn) {
  // The snapshot of version 2 is encoded on the maintenance thread while the next version changes,
  // removes and adds keys at once: it must hold version 2 exactly.
  StateStoreProvider p(fs, id());
  std::map<std::string, std::string> atTwo;
  for (int v = 0; v < 2; ++v) {
    p.load(v);
    for (int k = 0; k < 100000; ++k) {
      const std::string key = "key-" + std::to_string(k * 2 + v);
      const std::string value = "value-" + std::to_string(k) + "-" + std::to_string(v);
      p.put(key, value);
      atTwo[key] = value;
    }
    p.commit();
  }
  p.doMaintenance(/*minDeltasForSnapshot=*/2, /*minVersionsToRetain=*/100);
  // No load(2) first (the store holds version 2 already): each change waits for the encoding.
  for (int k = 0; k < 100000; k += 2) {
    const std::string key = "key-" + std::to_string(k);
    if (k % 4 == 0) {
      p.remove(key);
    } else {
      p.put(key, "changed");
    }
    p.put("new-" + std::to_string(k), "added");
  }
  std::map<std::string, std::string> atThree = contents(p);
  p.commit();
  p.waitForMaintenance();
  // Version 2 can only come from the snapshot once the deltas before it are gone.
  fs->remove(id().directory() + "/1.delta");
  fs->remove(id().directory() + "/2.delta");
  StateStoreProvider q(fs, id());
  q.load(2);
  EXPECT_EQ(contents(q), atTwo);
  q.load(3);
  EXPECT_EQ(contents(q), atThree);
}

TEST_F(StateStoreTest, AFailedBackgroundSnapshotKeepsTheDeltasAndIsRetried) {
  auto faulty = std::make_shared<io::FaultInjectingFileSystem>(fs);
  std::vector<std::string> warnings;
  base::setLogHandler([&](base::LogLevel level, const std::string& message) {
    if (level == base::LogLevel::kWarning) warnings.push_back(message);
  });
  {
    StateStoreProvider p(faulty, id());
    for (int v = 0; v < 12; ++v) {
      p.load(v);
      p.put("k" + std::to_string(v % 3), std::to_string(v));
      // Writes 0..3 are the deltas 1..4, write 4 the delta 5 and write 5 its snapshot, which fails.
      if (v == 0) faulty->failWrite(5, /*afterWrite=*/false);
      p.commit();
      p.doMaintenance(/*minDeltasForSnapshot=*/5, /*minVersionsToRetain=*/3);
      p.waitForMaintenance();
    }
  }
  base::setLogHandler(nullptr);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("5.snapshot"), std::string::npos) << warnings[0];
  // The failed snapshot is tried again at the next version (6); the files before it then go.
  EXPECT_EQ(files(),
            (std::vector<std::string>{"10.delta", "11.delta", "11.snapshot", "12.delta", "6.delta",
                                      "6.snapshot", "7.delta", "8.delta", "9.delta"}));
  StateStoreProvider q(fs, id());
  q.load(12);
  EXPECT_EQ(contents(q),
            (std::map<std::string, std::string>{{"k0", "9"}, {"k1", "10"}, {"k2", "11"}}));
  q.load(7);
  EXPECT_EQ(contents(q),
            (std::map<std::string, std::string>{{"k0", "6"}, {"k1", "4"}, {"k2", "5"}}));
}

// Files are written with their records as one LZ4 block (flags 1, the uncompressed size first);
// files of the uncompressed layout (flags 0) are read as well. A compressed block that is damaged
// but carries a valid checksum is still a clear corruption error.
TEST_F(StateStoreTest, RecordsAreCompressedAndUncompressedFilesStillRead) {
  StateStoreProvider p(fs, id());
  p.load(0);
  std::map<std::string, std::string> want;
  size_t rawSize = 0;
  for (int i = 0; i < 2000; ++i) {
    std::string key = "user-" + std::to_string(i),
                value = "count=" + std::to_string(i % 7) + std::string(20, 'x');
    p.put(key, value);
    want[key] = value;
    rawSize += 8 + key.size() + value.size();
  }
  p.commit();
  const std::string file = id().directory() + "/1.delta";
  const std::string bytes = fs->read(file);
  auto u8 = [&](size_t at) { return static_cast<uint8_t>(bytes[at]); };
  EXPECT_EQ(u8(13), 2);  // flags: LZ4 blocks
  uint64_t storedRaw;
  std::memcpy(&storedRaw, bytes.data() + 24, 8);
  EXPECT_EQ(storedRaw, rawSize);
  uint32_t blockRaw, blockCompressed;  // one block: the records are under 1 MiB
  std::memcpy(&blockRaw, bytes.data() + 32, 4);
  std::memcpy(&blockCompressed, bytes.data() + 36, 4);
  EXPECT_EQ(blockRaw, rawSize);
  EXPECT_EQ(40 + blockCompressed + 12, bytes.size());
  EXPECT_LT(bytes.size(), rawSize / 3) << "the records did not shrink";
  // The same version in the uncompressed layout, written by hand: header with flags 0, records,
  // count, CRC-32.
  std::string plain = bytes.substr(0, 24);
  plain[13] = 0;
  for (const auto& [k, v] : want) {
    const auto kl = static_cast<uint32_t>(k.size());
    const auto vl = static_cast<int32_t>(v.size());
    plain.append(reinterpret_cast<const char*>(&kl), 4)
        .append(k)
        .append(reinterpret_cast<const char*>(&vl), 4)
        .append(v);
  }
  const uint64_t count = want.size();
  plain.append(reinterpret_cast<const char*>(&count), 8);
  auto withCrc = [](std::string body) {
    const auto crc = static_cast<uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
    return body.append(reinterpret_cast<const char*>(&crc), 4);
  };
  fs->writeAtomic(file, withCrc(plain), true);
  {
    StateStoreProvider q(fs, id());
    q.load(1);
    EXPECT_EQ(contents(q), want);
  }
  // And as one LZ4 block (flags 1, the layout before blocks): header, raw size, the block.
  {
    const std::string records = plain.substr(24, plain.size() - 24 - 8);
    std::string block(static_cast<size_t>(LZ4_compressBound(static_cast<int>(records.size()))), '\0');
    const int n = LZ4_compress_default(records.data(), block.data(), static_cast<int>(records.size()),
                                       static_cast<int>(block.size()));
    ASSERT_GT(n, 0);
    std::string single = bytes.substr(0, 24);
    single[13] = 1;
    const uint64_t raw = records.size();
    single.append(reinterpret_cast<const char*>(&raw), 8).append(block.data(), static_cast<size_t>(n));
    single.append(reinterpret_cast<const char*>(&count), 8);
    fs->writeAtomic(file, withCrc(single), true);
    StateStoreProvider q(fs, id());
    q.load(1);
    EXPECT_EQ(contents(q), want);
  }
  // A damaged block under a recomputed checksum.
  std::string damaged = bytes.substr(0, bytes.size() - 4);
  for (size_t at = 40; at < 60; ++at) damaged[at] = static_cast<char>(0xff);
  fs->writeAtomic(file, withCrc(damaged), true);
  StateStoreProvider r(fs, id());
  try {
    r.load(1);
    FAIL() << "loaded a damaged block";
  } catch (const CorruptionError& e) {
    EXPECT_EQ(e.errorClass(), "STATE_STORE_CORRUPT");
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
}

TEST_F(StateStoreTest, LargeStateFilesAreWrittenInBlocksAndReadBack) {
  StateStoreProvider p(fs, id());
  p.load(0);
  std::map<std::string, std::string> want;
  for (int i = 0; i < 60000; ++i) {
    std::string key = "key-" + std::to_string(i * 7919), value = std::to_string(i) + std::string(i % 31, 'v');
    p.put(key, value);
    want[key] = value;
  }
  p.commit();
  for (int i = 0; i < 60000; i += 3) {  // version 2: removals and updates
    std::string key = "key-" + std::to_string(i * 7919);
    if (i % 2 == 0) {
      p.remove(key);
      want.erase(key);
    } else {
      p.put(key, "updated");
      want[key] = "updated";
    }
  }
  p.commit();
  const std::string bytes = fs->read(id().directory() + "/1.delta");
  // Walk the blocks: each holds whole records, at least 1 MiB but the last.
  uint64_t rawSize;
  std::memcpy(&rawSize, bytes.data() + 24, 8);
  size_t at = 32, blocks = 0;
  uint64_t total = 0;
  while (at < bytes.size() - 12) {
    uint32_t raw, compressed;
    std::memcpy(&raw, bytes.data() + at, 4);
    std::memcpy(&compressed, bytes.data() + at + 4, 4);
    at += 8 + compressed;
    total += raw;
    if (at < bytes.size() - 12) {
      EXPECT_GE(raw, 1u << 20);
    }
    ++blocks;
  }
  EXPECT_EQ(at, bytes.size() - 12);
  EXPECT_EQ(total, rawSize);
  EXPECT_GE(blocks, 2u);
  StateStoreProvider q(fs, id());
  q.load(2);
  EXPECT_EQ(contents(q), want);
}

TEST_F(StateStoreTest, CorruptFilesAreReportedWithTheirPath) {
  StateStoreProvider p(fs, id());
  p.load(0);
  p.put("key", "value");
  p.commit();
  const std::string file = id().directory() + "/1.delta";
  std::string bytes = fs->read(file);
  auto expectCorrupt = [&](std::string damaged, const std::string& errorClass) {
    fs->writeAtomic(file, damaged, true);
    StateStoreProvider q(fs, id());
    try {
      q.load(1);
      FAIL() << "loaded a damaged file";
    } catch (const CorruptionError& e) {
      EXPECT_EQ(e.errorClass(), errorClass);
      EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
    }
  };
  std::string flipped = bytes;
  flipped[30] ^= 1;
  expectCorrupt(flipped, "STATE_STORE_CORRUPT");
  expectCorrupt(bytes.substr(0, bytes.size() - 3), "STATE_STORE_CORRUPT");
  expectCorrupt("not a state file at all, clearly", "STATE_STORE_CORRUPT");
  std::string future = bytes;
  future[8] = 9;
  expectCorrupt(future, "STATE_STORE_UNSUPPORTED_VERSION");
  fs->writeAtomic(file, bytes, true);
  StateStoreProvider ok(fs, id());
  ok.load(1);
  EXPECT_EQ(*ok.get("key"), "value");
}

// The time of a test key "k<n>@<time>".
int64_t timeOfKey(std::string_view key) {
  return std::stoll(std::string(key.substr(key.find('@') + 1)));
}

// Eviction in a model of the store: removes the keys due at `threshold` from `model` into `due`;
// returns the smallest time left (INT64_MAX when none).
int64_t evictFromModel(std::map<std::string, std::string>& model, int64_t threshold,
                       std::set<std::string>& due) {
  int64_t smallest = INT64_MAX;
  for (auto it = model.begin(); it != model.end();) {
    const int64_t t = timeOfKey(it->first);
    if (t <= threshold) {
      due.insert(it->first);
      it = model.erase(it);
    } else {
      smallest = std::min(smallest, t);
      ++it;
    }
  }
  return smallest;
}

TEST_F(StateStoreTest, EvictionVisitsOnlyTheRangesOfEntriesThatMayBeDue) {
  // Keys put with their times in order of time: after a first pass over every entry, an eviction
  // reads only the entries of the ranges of ids that hold a due time. A key put without its time,
  // and a rebuild from the files, make the next eviction read every entry again.
  StateStoreProvider p(fs, id());
  p.load(0);
  std::map<std::string, std::string> model;
  auto put = [&](int64_t n, int64_t time, bool timed) {
    const std::string key = "k" + std::to_string(n) + "@" + std::to_string(time);
    if (timed) {
      p.put(key, StateMap::hashOf(key), "v", time);
    } else {
      p.put(key, "v");
    }
    model[key] = "v";
  };
  for (int64_t n = 0; n < 10 * 1024; ++n) put(n, n / 1024, true);
  int64_t read = 0;
  std::set<std::string> evicted;
  auto evict = [&](int64_t threshold) {
    read = 0;
    evicted.clear();
    const int64_t bound = p.evictUpTo(
        threshold,
        [&](std::string_view key, std::string_view) {
          ++read;
          return timeOfKey(key);
        },
        [&](std::string_view key, std::string_view) { evicted.insert(std::string(key)); });
    std::set<std::string> due;
    const int64_t smallest = evictFromModel(model, threshold, due);
    EXPECT_EQ(evicted, due) << threshold;
    EXPECT_EQ(contents(p), model) << threshold;
    return std::make_pair(bound, smallest);
  };
  // The first eviction learns the times: it reads all 10 Ki entries.
  EXPECT_EQ(evict(0), std::make_pair(int64_t{1}, int64_t{1}));
  EXPECT_EQ(read, 10 * 1024);
  EXPECT_EQ(evicted.size(), 1024u);
  EXPECT_EQ(p.commit(), 1);
  p.load(1);
  EXPECT_EQ(evict(1), std::make_pair(int64_t{2}, int64_t{2}));
  EXPECT_EQ(read, 1024);  // the range of time 1
  // New keys take the freed ids, last freed first: those of time 3 the range of time 1, those of
  // time 50 the range of time 0.
  for (int64_t n = 20000; n < 20000 + 1024; ++n) put(n, 3, true);
  for (int64_t n = 30000; n < 30000 + 1024; ++n) put(n, 50, true);
  EXPECT_EQ(evict(3), std::make_pair(int64_t{4}, int64_t{4}));
  EXPECT_EQ(read, 3 * 1024);  // the ranges of times 1 (now 3), 2 and 3
  EXPECT_EQ(evicted.size(), 3 * 1024u);
  EXPECT_EQ(evict(3), std::make_pair(int64_t{4}, int64_t{4}));
  EXPECT_EQ(read, 0);
  // Changed values and removed keys keep what is known.
  p.put("k5000@4", "w");
  model["k5000@4"] = "w";
  p.remove("k6000@5");
  model.erase("k6000@5");
  EXPECT_EQ(evict(4), std::make_pair(int64_t{5}, int64_t{5}));
  EXPECT_EQ(read, 1024);
  EXPECT_EQ(p.commit(), 2);
  // A new key without its time: the next eviction reads every entry.
  p.load(2);
  put(40000, 6, false);
  const auto live = static_cast<int64_t>(model.size());
  EXPECT_EQ(evict(5), std::make_pair(int64_t{6}, int64_t{6}));
  EXPECT_EQ(read, live);
  EXPECT_EQ(evict(6), std::make_pair(int64_t{7}, int64_t{7}));
  EXPECT_EQ(read, 1024 + 1);
  EXPECT_EQ(p.commit(), 3);
  // Rebuilt from the files (an older version), the times are learnt again.
  p.load(2);
  model.clear();
  p.forEach(
      [&](std::string_view k, std::string_view v) { model[std::string(k)] = std::string(v); });
  EXPECT_EQ(evict(5), std::make_pair(int64_t{6}, int64_t{6}));
  EXPECT_EQ(read, static_cast<int64_t>(model.size() + evicted.size()));
}

TEST_F(StateStoreTest, EvictionMatchesAModelThroughRandomChangesAndReloads) {
  // Random versions of timed and untimed puts, changed values, removals by key, evictions at
  // random thresholds, commits, aborts and reloads of older versions: every eviction removes
  // exactly the due keys, and its bound is at or below the smallest time left.
  std::mt19937_64 rng(23);
  StateStoreProvider p(fs, id());
  std::vector<std::map<std::string, std::string>> versions{{}};
  std::map<std::string, std::string> model;
  p.load(0);
  int64_t next = 0;
  for (int step = 0; step < 150; ++step) {
    const int64_t base = step * 10;
    for (int op = 0; op < 1500; ++op) {
      const uint64_t kind = rng() % 20;
      if (kind < 12 || model.empty()) {
        // Now and then a key without its time.
        const bool timed = step % 10 != 5 || op != 700;
        const int64_t time = base + static_cast<int64_t>(rng() % 40) - 20;
        const std::string key = "k" + std::to_string(next++) + "@" + std::to_string(time);
        if (timed) {
          p.put(key, StateMap::hashOf(key), "t", time);
        } else {
          p.put(key, "u");
        }
        model[key] = timed ? "t" : "u";
      } else {
        auto it = model.begin();
        std::advance(it, static_cast<long>(rng() % model.size()));
        if (kind < 17) {
          const std::string value(1 + rng() % 3, 'c');
          p.put(it->first, value);
          it->second = value;
        } else {
          p.remove(it->first);
          model.erase(it);
        }
      }
    }
    const int64_t threshold = base - 30 + static_cast<int64_t>(rng() % 20);
    std::set<std::string> evicted, due;
    const int64_t bound = p.evictUpTo(
        threshold, [&](std::string_view key, std::string_view) { return timeOfKey(key); },
        [&](std::string_view key, std::string_view) { evicted.insert(std::string(key)); });
    const int64_t smallest = evictFromModel(model, threshold, due);
    ASSERT_EQ(evicted, due) << "step " << step;
    EXPECT_LE(bound, smallest) << "step " << step;
    const uint64_t end = rng() % 10;
    if (end == 0) {
      p.abort();
      model = versions.back();
    } else {
      EXPECT_EQ(p.commit(), static_cast<int64_t>(versions.size()));
      versions.push_back(model);
    }
    auto version = static_cast<int64_t>(versions.size()) - 1;
    if (rng() % 8 == 0 && version > 0)
      version -= static_cast<int64_t>(rng() % std::min<int64_t>(version, 5));
    p.load(version);
    versions.resize(static_cast<size_t>(version) + 1);
    model = versions.back();
    ASSERT_EQ(contents(p), model) << "step " << step;
  }
}

}  // namespace
}  // namespace weir::state
