// Rebuilding a state store from its checkpoint files in a fresh process, as a restarted query
// does (W8's restarts wait for it): loads one version of one state partition and prints the time
// it took, the keys and the bytes held.
//
// Usage: state_restore_bench CHECKPOINT [OPERATOR=0] [PARTITION=0] [VERSION=newest]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "weir/base/memory.h"
#include "weir/io/file_system.h"
#include "weir/state/state_store.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: state_restore_bench CHECKPOINT [OPERATOR] [PARTITION] [VERSION]\n");
    return 2;
  }
  weir::state::StateStoreId id{argv[1], argc > 2 ? std::stoll(argv[2]) : 0,
                               argc > 3 ? std::stoi(argv[3]) : 0, "default"};
  int64_t version = argc > 4 ? std::stoll(argv[4]) : 0;
  if (version == 0) {
    for (const auto& f : std::filesystem::directory_iterator(id.directory())) {
      const std::string name = f.path().filename().string();
      if (name.ends_with(".delta") || name.ends_with(".snapshot")) {
        version = std::max<int64_t>(version, std::stoll(name.substr(0, name.find('.'))));
      }
    }
  }
  weir::base::retainFreedMemory();  // as a Session does
  weir::state::StateStoreProvider store(weir::io::localFileSystem(), id);
  const auto start = std::chrono::steady_clock::now();
  store.load(version);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const auto m = store.metrics();
  std::printf(
      "{\"version\":%lld,\"keys\":%lld,\"memoryBytes\":%lld,\"loadMs\":%.1f,\"nsPerKey\":%.0f}\n",
      static_cast<long long>(version), static_cast<long long>(m.numKeys),
      static_cast<long long>(m.memoryUsedBytes), ms,
      m.numKeys > 0 ? ms * 1e6 / static_cast<double>(m.numKeys) : 0.0);
  return 0;
}
