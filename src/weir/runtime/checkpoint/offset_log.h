// OffsetLog: <checkpoint>/offsets/<N>, the write-ahead log of what batch N reads, in Spark's v1
// format (see docs/formats/checkpoint.md).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/runtime/checkpoint/batch_log.h"

namespace weir::runtime {

struct OffsetSeqMetadata {
  int64_t batchWatermarkMs = 0;
  int64_t batchTimestampMs = 0;
  std::map<std::string, std::string> conf;  // pinned configuration
};

/// One offsets/N file: metadata, then one offset (JSON text) per source in plan order; nullopt is
/// a source without an offset yet ("-").
struct OffsetSeq {
  OffsetSeqMetadata metadata;
  std::vector<std::optional<std::string>> sourceOffsets;
};

/// Spark's bytes: "v1\n{metadata}\n<offset 0>\n<offset 1>" with no trailing newline.
std::string serializeOffsetSeq(const OffsetSeq& seq);
/// Parses v1 files (an empty metadata line and a trailing newline are accepted). Throws
/// CorruptionError naming `file` for anything else.
OffsetSeq parseOffsetSeq(const std::string& bytes, const std::string& file);

class OffsetLog {
 public:
  OffsetLog(std::shared_ptr<io::FileSystem> fs, const std::string& directory) : log_(std::move(fs), directory) {}
  /// False when offsets/N already exists (another writer).
  bool add(int64_t batchId, const OffsetSeq& seq) { return log_.add(batchId, serializeOffsetSeq(seq)); }
  std::optional<OffsetSeq> get(int64_t batchId) const;
  std::optional<int64_t> latestId() const { return log_.latestId(); }
  void purgeBefore(int64_t batchId) { log_.purgeBefore(batchId); }

 private:
  BatchLog log_;
};

}  // namespace weir::runtime
