// BatchLog: a directory of files named by batch id (Spark's HDFSMetadataLog): each entry is written
// once, atomically and durably, and never replaced.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/io/file_system.h"

namespace weir::runtime {

/// Entries <directory>/<batchId>. Names that are not non-negative decimal numbers are ignored
/// (e.g. ".crc" side files). Thread-compatible: one writer (the query's thread).
class BatchLog {
 public:
  BatchLog(std::shared_ptr<io::FileSystem> fs, std::string directory);
  /// Writes the entry; false (and nothing written) when it already exists.
  bool add(int64_t batchId, const std::string& bytes);
  std::optional<std::string> get(int64_t batchId) const;
  std::optional<int64_t> latestId() const;
  std::vector<int64_t> ids() const;
  /// Deletes the entries with id < batchId.
  void purgeBefore(int64_t batchId);
  std::string pathOf(int64_t batchId) const;
  const std::string& directory() const { return directory_; }

 private:
  std::shared_ptr<io::FileSystem> fs_;
  std::string directory_;
};

/// Parses a batch file name: the id, or -1 when the name is not a batch id.
int64_t parseBatchId(const std::string& name);

}  // namespace weir::runtime
