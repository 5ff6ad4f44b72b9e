// FileSystem: the one door to durable storage. Checkpoints, logs, state files and sink output go
// through it, so tests can swap in an in-memory file system or inject faults and crashes at any
// operation. Paths are plain strings ("/a/b/c"); directories are created on demand.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weir/base/buffer.h"

namespace weir::io {

struct FileInfo {
  std::string name;  // the last path component
  std::string path;  // the full path
  bool isDirectory = false;
  uint64_t size = 0;
  int64_t modificationTimeMs = 0;
};

/// An exclusive lock held by one process (and one holder within it) until destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

/// A file system. Implementations are thread-safe. Errors are weir::IoError (with the path and the
/// system's reason) unless stated.
class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual bool exists(const std::string& path) = 0;
  /// Information about a file or directory, or nullopt when it does not exist.
  virtual std::optional<FileInfo> stat(const std::string& path) = 0;
  /// The entries of a directory (not recursive), sorted by name; empty when it does not exist.
  /// Hidden temporary files of writeAtomic are never listed.
  virtual std::vector<FileInfo> list(const std::string& directory) = 0;
  /// The whole content of a file. Throws IoError with class PATH_NOT_FOUND when it is missing.
  virtual std::string read(const std::string& path) = 0;
  /// The whole content of a file into `into`, replacing what it held and reusing its capacity
  /// (for reading many big files in a row, as a state store's rebuild does). Errors as read().
  virtual void readInto(const std::string& path, base::PodVector<char>& into) {
    const std::string data = read(path);
    into.assign(data.data(), data.data() + data.size());
  }
  /// Creates a directory and its parents; no error when it exists.
  virtual void createDirectories(const std::string& path) = 0;

  /// Writes `data` to `path` atomically and durably: into a hidden temporary file in the same
  /// directory, flushed to stable storage, then moved into place and the directory flushed. With
  /// `overwrite` false, an existing `path` is never replaced: the call returns false and leaves it
  /// as it was (this is how two writers of the same log entry are detected). Creates the parent
  /// directory when missing. Returns true when the file was written.
  virtual bool writeAtomic(const std::string& path, std::string_view data, bool overwrite) = 0;

  /// Deletes a file; no error when it does not exist.
  virtual void remove(const std::string& path) = 0;
  /// Deletes a directory and everything under it; no error when it does not exist.
  virtual void removeAll(const std::string& path) = 0;

  /// Takes an exclusive lock named by `path` (a file created when missing). Returns nullptr when
  /// another holder has it.
  virtual std::unique_ptr<FileLock> tryLock(const std::string& path) = 0;
};

/// The machine's file system (POSIX: open, fsync, link, rename, flock).
std::shared_ptr<FileSystem> localFileSystem();

/// Joins path components with one '/'.
std::string joinPath(std::string_view a, std::string_view b);

}  // namespace weir::io
