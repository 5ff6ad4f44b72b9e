#include "weir/runtime/checkpoint/stream_metadata.h"

#include <nlohmann/json.hpp>
#include <random>

#include "weir/base/error.h"
#include "weir/base/text.h"

namespace weir::runtime {

std::string randomUuid() { return base::randomUuid(); }

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
