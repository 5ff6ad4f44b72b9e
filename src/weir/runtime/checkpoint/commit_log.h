// CommitLog: <checkpoint>/commits/<N>, written after batch N's sink succeeded (Spark's v1 format).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "weir/runtime/checkpoint/batch_log.h"

namespace weir::runtime {

struct CommitMetadata {
  int64_t nextBatchWatermarkMs = 0;
};

/// "v1\n{"nextBatchWatermarkMs":<long>}" with no trailing newline.
std::string serializeCommit(const CommitMetadata& commit);
/// Parses v1 and v2 (whose "stateUniqueIds" are ignored). Throws CorruptionError naming `file`.
CommitMetadata parseCommit(const std::string& bytes, const std::string& file);

class CommitLog {
 public:
  CommitLog(std::shared_ptr<io::FileSystem> fs, const std::string& directory) : log_(std::move(fs), directory) {}
  bool add(int64_t batchId, const CommitMetadata& commit) { return log_.add(batchId, serializeCommit(commit)); }
  std::optional<CommitMetadata> get(int64_t batchId) const;
  std::optional<int64_t> latestId() const { return log_.latestId(); }
  void purgeBefore(int64_t batchId) { log_.purgeBefore(batchId); }

 private:
  BatchLog log_;
};

}  // namespace weir::runtime
