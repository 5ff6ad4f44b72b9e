// The POSIX file system: durable atomic writes by temp file + fsync + link (no replace) or rename
// (replace) + directory fsync; locks by flock(2).
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include "weir/base/error.h"
#include "weir/base/memory.h"
#include "weir/io/file_system.h"

namespace weir::io {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
  if (err == ENOENT) throw IoError("PATH_NOT_FOUND", what + " " + path + ": no such file or directory.");
  throw IoError("IO_ERROR", what + " " + path + ": " + std::strerror(err) + ".");
}

std::string parentOf(const std::string& path) {
  auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string nameOf(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool isTemporary(const std::string& name) { return name.rfind(".weir-tmp-", 0) == 0; }

void fsyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) fail("Cannot open directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) fail("Cannot flush directory", dir, err);
}

class LocalLock : public FileLock {
 public:
  explicit LocalLock(int fd) : fd_(fd) {}
  ~LocalLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

class LocalFileSystem : public FileSystem {
 public:
  bool exists(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }

  std::optional<FileInfo> stat(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) {
      if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
      fail("Cannot read the attributes of", path, errno);
    }
    FileInfo info;
    info.name = nameOf(path);
    info.path = path;
    info.isDirectory = S_ISDIR(st.st_mode);
    info.size = static_cast<uint64_t>(st.st_size);
    info.modificationTimeMs =
        static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + static_cast<int64_t>(st.st_mtim.tv_nsec) / 1000000;
    return info;
  }

  std::vector<FileInfo> list(const std::string& directory) override {
    std::vector<FileInfo> out;
    DIR* dir = ::opendir(directory.c_str());
    if (!dir) {
      if (errno == ENOENT) return out;
      fail("Cannot list", directory, errno);
    }
    while (struct dirent* e = ::readdir(dir)) {
      std::string name = e->d_name;
      if (name == "." || name == ".." || isTemporary(name)) continue;
      if (auto info = stat(joinPath(directory, name))) out.push_back(std::move(*info));
    }
    ::closedir(dir);
    std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.name < b.name; });
    return out;
  }

  // Reads the whole file into `data` (a string or a PodVector), sized by size(data, bytes) to the
  // file's size first (state files and logs run to megabytes), then on to the end of the file in
  // case it grew meanwhile.
  template <class Buffer, class Size>
  static void readWhole(const std::string& path, Buffer& data, Size size) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("Cannot open", path, errno);
    struct stat st {};
    size(data, ::fstat(fd, &st) == 0 && st.st_size > 0 ? static_cast<size_t>(st.st_size) : 0);
    size_t used = 0;
    for (;;) {
      if (used == data.size()) data.resize(std::max<size_t>(data.size() * 2, 1 << 16));
      ssize_t n = ::read(fd, data.data() + used, data.size() - used);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        fail("Cannot read", path, err);
      }
      if (n == 0) break;
      used += static_cast<size_t>(n);
    }
    ::close(fd);
    data.resize(used);
  }

  std::string read(const std::string& path) override {
    std::string data;
    readWhole(path, data, [](std::string& d, size_t size) { d.resize(size); });
    return data;
  }

  void readInto(const std::string& path, base::PodVector<char>& into) override {
    readWhole(path, into, [](base::PodVector<char>& d, size_t size) {
      if (size > d.capacity()) {
        // A fresh block, in huge pages where it is big: the read fills it at once.
        d = base::PodVector<char>();
        d.reserve(size);
        base::adviseHugePages(d.data(), d.capacity());
      }
      d.resize(size);
    });
  }

  void createDirectories(const std::string& path) override {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) throw IoError("IO_ERROR", "Cannot create directory " + path + ": " + ec.message() + ".");
  }

  bool writeAtomic(const std::string& path, std::string_view data, bool overwrite) override {
    const std::string dir = parentOf(path);
    if (!overwrite && exists(path)) return false;
    createDirectories(dir);
    static std::atomic<uint64_t> counter{0};
    thread_local std::mt19937_64 rng(std::random_device{}());
    const std::string tmp = joinPath(dir, ".weir-tmp-" + std::to_string(::getpid()) + "-" +
                                              std::to_string(counter++) + "-" + std::to_string(rng() % 1000000));
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) fail("Cannot create", tmp, errno);
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fd, data.data() + done, data.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        int err = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        fail("Cannot write", tmp, err);
      }
      done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail("Cannot flush", tmp, err);
    }
    ::close(fd);
    if (overwrite) {
      if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        fail("Cannot move a new file to", path, err);
      }
    } else {
      // link(2) fails with EEXIST instead of replacing: the create-exclusive step.
      if (::link(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        if (err == EEXIST) return false;
        fail("Cannot link a new file to", path, err);
      }
      ::unlink(tmp.c_str());
    }
    fsyncDirectory(dir);
    return true;
  }

  void remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) fail("Cannot delete", path, errno);
  }

  void removeAll(const std::string& path) override {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
    if (ec) throw IoError("IO_ERROR", "Cannot delete " + path + ": " + ec.message() + ".");
  }

  std::unique_ptr<FileLock> tryLock(const std::string& path) override {
    createDirectories(parentOf(path));
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) fail("Cannot open lock file", path, errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) return nullptr;
      fail("Cannot lock", path, err);
    }
    return std::make_unique<LocalLock>(fd);
  }
};

}  // namespace

std::shared_ptr<FileSystem> localFileSystem() {
  static auto fs = std::make_shared<LocalFileSystem>();
  return fs;
}

std::string joinPath(std::string_view a, std::string_view b) {
  if (a.empty()) return std::string(b);
  std::string out(a);
  if (out.back() != '/') out += '/';
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  out += b;
  return out;
}

}  // namespace weir::io
