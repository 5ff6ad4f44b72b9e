// OperatorStores: the state a restarted query preloads is the state its batch would load.
#include "weir/runtime/operator_stores.h"

#include <gtest/gtest.h>

#include <map>

#include "test_support.h"
#include "weir/base/error.h"

namespace weir::runtime {
namespace {

class OperatorStoresTest : public ::testing::Test {
 protected:
  // Three partitions of operator 2, versions 1 to 3: partition p holds key "k<v>" = "<p>:<v>"
  // for each version v, and version 3 removes "k1".
  void writeState() {
    for (int p = 0; p < 3; ++p) {
      state::StateStoreProvider store(fs, state::StateStoreId{root_, 2, p, "default"});
      for (int v = 0; v < 3; ++v) {
        store.load(v);
        store.put("k" + std::to_string(v + 1), std::to_string(p) + ":" + std::to_string(v + 1));
        if (v == 2) store.remove("k1");
        store.commit();
      }
    }
  }
  static std::map<std::string, std::string> contents(state::StateStoreProvider& store) {
    std::map<std::string, std::string> out;
    store.forEach(
        [&](std::string_view k, std::string_view v) { out[std::string(k)] = std::string(v); });
    return out;
  }

  testing::TestDirectory dir_{"weir-operator-stores-test"};
  const std::string root_ = dir_.root().string();
  std::shared_ptr<io::FileSystem> fs = io::localFileSystem();
};

TEST_F(OperatorStoresTest, PreloadRebuildsEveryPartitionOnDiskAtTheBatchVersion) {
  writeState();
  OperatorStores stores(fs, root_, 2);
  stores.preload(2);
  stores.ensure(3);
  ASSERT_EQ(stores.size(), 3u);
  for (size_t p = 0; p < 3; ++p) {
    EXPECT_EQ(stores[p].version(), 2);
    const std::string ps = std::to_string(p);
    EXPECT_EQ(contents(stores[p]),
              (std::map<std::string, std::string>{{"k1", ps + ":1"}, {"k2", ps + ":2"}}));
  }
  // A later version: the stores move to it (from their files) before the batch asks.
  stores.preload(3);
  stores.ensure(3);
  for (size_t p = 0; p < 3; ++p) {
    EXPECT_EQ(stores[p].version(), 3);
    const std::string ps = std::to_string(p);
    EXPECT_EQ(contents(stores[p]),
              (std::map<std::string, std::string>{{"k2", ps + ":2"}, {"k3", ps + ":3"}}));
  }
}

TEST_F(OperatorStoresTest, NothingIsReadForVersionZeroOrAnOperatorWithoutState) {
  OperatorStores fresh(fs, root_, 2);
  fresh.preload(0);
  fresh.preload(5);  // no directory for operator 2: nothing to preload
  EXPECT_EQ(fresh.size(), 0u);
  fresh.ensure(2);
  EXPECT_EQ(fresh.size(), 2u);
  EXPECT_EQ(fresh[1].version(), -1);
}

TEST_F(OperatorStoresTest, AFailedPreloadIsLeftForTheBatchToReport) {
  writeState();
  const std::string broken = state::StateStoreId{root_, 2, 1, "default"}.directory() + "/2.delta";
  fs->writeAtomic(broken, "not a state file", true);
  OperatorStores stores(fs, root_, 2);
  stores.preload(3);
  stores.ensure(3);  // does not throw: the preload only gives a head start
  EXPECT_EQ(stores[0].version(), 3);
  EXPECT_EQ(stores[1].version(), -1);
  EXPECT_EQ(stores[2].version(), 3);
  try {
    stores[1].load(3);
    FAIL() << "loaded a damaged file";
  } catch (const CorruptionError& e) {
    EXPECT_NE(std::string(e.what()).find(broken), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace weir::runtime
