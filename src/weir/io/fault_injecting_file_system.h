// FaultInjectingFileSystem: wraps a file system and makes chosen writes fail, to test that every
// step of a protocol (the micro-batch loop, state commits) survives a failure or crash there.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "weir/io/file_system.h"

namespace weir::io {

/// Delegates to `base`; thread-safe.
class FaultInjectingFileSystem : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(std::shared_ptr<FileSystem> base) : base_(std::move(base)) {}

  /// The write with index `n` (counting every writeAtomic from 0, see writes()) fails with an
  /// IoError. With `afterWrite` the file is written first (a crash right after a durable write);
  /// otherwise nothing is written (a crash before it).
  void failWrite(int64_t n, bool afterWrite);
  /// writeAtomic calls so far.
  int64_t writes() const { return writes_; }
  /// Whether the armed failure has happened.
  bool failed() const { return failed_; }

  bool exists(const std::string& path) override { return base_->exists(path); }
  std::optional<FileInfo> stat(const std::string& path) override { return base_->stat(path); }
  std::vector<FileInfo> list(const std::string& directory) override { return base_->list(directory); }
  std::string read(const std::string& path) override { return base_->read(path); }
  void createDirectories(const std::string& path) override { base_->createDirectories(path); }
  bool writeAtomic(const std::string& path, std::string_view data, bool overwrite) override;
  void remove(const std::string& path) override { base_->remove(path); }
  void removeAll(const std::string& path) override { base_->removeAll(path); }
  std::unique_ptr<FileLock> tryLock(const std::string& path) override { return base_->tryLock(path); }

 private:
  std::shared_ptr<FileSystem> base_;
  std::mutex mutex_;
  std::atomic<int64_t> writes_{0};
  int64_t failAt_ = -1;
  bool afterWrite_ = false;
  std::atomic<bool> failed_{false};
};

}  // namespace weir::io
