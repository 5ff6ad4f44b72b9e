#include "weir/runtime/checkpoint/stream_metadata.h"

#include <nlohmann/json.hpp>
#include <random>

#include "weir/base/error.h"

namespace weir::runtime {

std::string randomUuid() {
  thread_local std::mt19937_64 rng(std::random_device{}() ^ (static_cast<uint64_t>(std::random_device{}()) << 32));
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xffff), static_cast<unsigned>(hi & 0xffff),
                static_cast<unsigned>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string StreamMetadata::readOrCreate(io::FileSystem& fs, const std::string& checkpoint) {
  const std::string file = io::joinPath(checkpoint, "metadata");
  if (!fs.exists(file)) {
    nlohmann::ordered_json j;
    j["id"] = randomUuid();
    fs.writeAtomic(file, j.dump(), false);  // a concurrent creator wins; read back below
  }
  std::string bytes = fs.read(file);
  auto j = nlohmann::json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("id") || !j.at("id").is_string()) {
    throw CorruptionError("CHECKPOINT_CORRUPT",
                          "The checkpoint metadata file " + file +
                              " is corrupt: it must be {\"id\":\"<uuid>\"}. Restore it from a backup, or delete the "
                              "checkpoint directory to start the query from scratch.");
  }
  return j.at("id").get<std::string>();
}

}  // namespace weir::runtime
