#include "weir/runtime/checkpoint/commit_log.h"

#include <nlohmann/json.hpp>

#include "weir/base/error.h"

namespace weir::runtime {

std::string serializeCommit(const CommitMetadata& commit) {
  return "v1\n{\"nextBatchWatermarkMs\":" + std::to_string(commit.nextBatchWatermarkMs) + "}";
}

CommitMetadata parseCommit(const std::string& bytes, const std::string& file) {
  auto corrupt = [&](const std::string& what) {
    return CorruptionError("CHECKPOINT_CORRUPT", "The commit log file " + file + " is corrupt: " + what +
                                                     ". Restore it from a backup, or delete the checkpoint "
                                                     "directory to start the query from scratch.");
  };
  size_t nl = bytes.find('\n');
  std::string version = bytes.substr(0, nl);
  if (version != "v1" && version != "v2") {
    if (version.size() > 1 && version[0] == 'v') {
      throw CorruptionError("CHECKPOINT_UNSUPPORTED_VERSION",
                            "The commit log file " + file + " has version " + version +
                                ", written by a newer engine; this version of Weir reads v1 and v2.");
    }
    throw corrupt("it does not start with a version line");
  }
  CommitMetadata out;
  if (nl == std::string::npos) return out;
  std::string body = bytes.substr(nl + 1);
  while (!body.empty() && body.back() == '\n') body.pop_back();
  if (body.empty()) return out;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw corrupt("the metadata line is not a JSON object");
  try {
    if (j.contains("nextBatchWatermarkMs")) out.nextBatchWatermarkMs = j.at("nextBatchWatermarkMs").get<int64_t>();
  } catch (const nlohmann::json::exception&) {
    throw corrupt("nextBatchWatermarkMs is not a number");
  }
  return out;
}

std::optional<CommitMetadata> CommitLog::get(int64_t batchId) const {
  auto bytes = log_.get(batchId);
  if (!bytes) return std::nullopt;
  return parseCommit(*bytes, log_.pathOf(batchId));
}

}  // namespace weir::runtime
