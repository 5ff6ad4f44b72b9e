// Compressed text files shared by the file formats.
#include "weir/formats/compressed_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "weir/base/error.h"

namespace weir::formats {
namespace {

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

Compression parseCompression(const plan::Options& o, const std::string& format) {
  std::string codec = o.has("compression") ? o.get("compression") : o.get("codec", "none");
  for (auto& c : codec) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (codec == "gzip") return Compression::kGzip;
  if (codec == "deflate") return Compression::kDeflate;
  if (codec == "none" || codec == "uncompressed") return Compression::kNone;
  throw InvalidInputError("CODEC_NOT_AVAILABLE",
                          "Codec [" + codec + "] is not available for " + format +
                              " files. Available codecs are none, uncompressed, gzip, deflate.");
}

std::string compressedExtension(const std::string& base, Compression compression) {
  switch (compression) {
    case Compression::kGzip:
      return base + ".gz";
    case Compression::kDeflate:
      return base + ".deflate";
    case Compression::kNone:
      return base;
  }
  return base;
}

Compression codecFor(const std::string& path, const std::string& format) {
  if (endsWith(path, ".gz")) return Compression::kGzip;
  if (endsWith(path, ".deflate")) return Compression::kDeflate;
  for (std::string_view ext : {".bz2", ".lz4", ".snappy", ".zst"}) {
    if (endsWith(path, ext)) {
      throw UnsupportedOperationError(
          "UNSUPPORTED_COMPRESSION",
          "Cannot read " + path + ": the " + format +
              " reader decompresses gzip (.gz) and deflate (.deflate) files only.");
    }
  }
  return Compression::kNone;
}

std::string inflateAll(const std::string& compressed, const std::string& path) {
  std::string out;
  if (compressed.empty()) return out;
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK)
    throw InternalError("INTERNAL_ERROR", "inflateInit2 failed");
  const auto* in = reinterpret_cast<const Bytef*>(compressed.data());
  size_t remaining = compressed.size();
  std::string buffer(1 << 16, '\0');
  auto fail = [&](const std::string& why) {
    inflateEnd(&zs);
    throw CorruptionError("FAILED_READ_FILE",
                          "Cannot decompress " + path + ": " + why +
                              ". The file is truncated or not compressed as its extension says.");
  };
  while (true) {
    if (zs.avail_in == 0 && remaining > 0) {
      auto chunk = static_cast<uInt>(std::min<size_t>(remaining, 1u << 30));
      zs.next_in = const_cast<Bytef*>(in);
      zs.avail_in = chunk;
      in += chunk;
      remaining -= chunk;
    }
    zs.next_out = reinterpret_cast<Bytef*>(buffer.data());
    zs.avail_out = static_cast<uInt>(buffer.size());
    int rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buffer.data(), buffer.size() - zs.avail_out);
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0 && remaining == 0) break;
      inflateReset(&zs);
      continue;
    }
    if (rc == Z_BUF_ERROR && zs.avail_in == 0 && remaining == 0) fail("unexpected end of data");
    if (rc != Z_OK && rc != Z_BUF_ERROR) fail(zs.msg ? zs.msg : "invalid compressed data");
  }
  inflateEnd(&zs);
  return out;
}

/// One unit of work: a whole file, or a byte range of a large uncompressed file.
std::vector<ScanTask> planScanTasks(const std::vector<std::string>& files, bool splitLines,
                                    const std::string& format) {
  std::vector<ScanTask> tasks;
  for (const auto& path : files) {
    std::error_code ec;
    uint64_t size = std::filesystem::file_size(path, ec);
    bool splittable =
        !ec && splitLines && codecFor(path, format) == Compression::kNone && size > kSplitBytes;
    if (!splittable) {
      tasks.push_back({path, 0, 0, true});
      continue;
    }
    for (uint64_t start = 0; start < size; start += kSplitBytes) {
      tasks.push_back({path, start, std::min(size, start + kSplitBytes), false});
    }
  }
  return tasks;
}

void TextBuffer::reserve(size_t n) {
  if (n <= capacity_) return;
  // Room to grow by a quarter, so that reading a little past a split's end does not copy again.
  const size_t capacity = std::max(n, capacity_ + capacity_ / 4);
  std::unique_ptr<char[]> bigger(new char[capacity]);
  if (size_ > 0) std::memcpy(bigger.get(), bytes_.get(), size_);
  bytes_ = std::move(bigger);
  capacity_ = capacity;
}

void TextBuffer::resize(size_t n) {
  reserve(n);
  size_ = n;
}

namespace {

// A file opened for pread, closed on scope exit.
class ReadableFile {
 public:
  explicit ReadableFile(const std::string& path)
      : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) fail("Cannot open " + path_ + " for reading");
  }
  ~ReadableFile() { ::close(fd_); }
  ReadableFile(const ReadableFile&) = delete;
  ReadableFile& operator=(const ReadableFile&) = delete;

  uint64_t size() const {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) fail("Cannot read " + path_);
    return static_cast<uint64_t>(st.st_size);
  }

  // Reads up to n bytes at `offset`; fewer only at the end of the file.
  size_t read(char* to, size_t n, uint64_t offset) const {
    size_t done = 0;
    while (done < n) {
      ssize_t got = ::pread(fd_, to + done, n - done, static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) fail("Cannot read " + path_);
      if (got == 0) break;
      done += static_cast<size_t>(got);
    }
    return done;
  }

 private:
  [[noreturn]] static void fail(const std::string& what) {
    throw IoError("IO_ERROR", what + ": " + std::strerror(errno));
  }
  std::string path_;
  int fd_;
};

void appendPadding(TextBuffer& out, size_t padding) {
  const size_t size = out.size();
  out.resize(size + padding);
  std::memset(out.data() + size, ' ', padding);
  out.resize(size);
}

}  // namespace

void readFileInto(const std::string& path, TextBuffer& out, size_t padding) {
  ReadableFile file(path);
  // The size may change while the file is read (a file still being written): read on to the end.
  size_t size = static_cast<size_t>(file.size());
  out.clear();  // nothing to keep when growing
  out.reserve(size + 1 + padding);
  out.resize(size + 1);
  size_t got = file.read(out.data(), size + 1, 0);
  while (got == out.size()) {
    out.resize(got + std::max<size_t>(got / 2, 1 << 20));
    got += file.read(out.data() + got, out.size() - got, got);
  }
  out.resize(got);
  appendPadding(out, padding);
}

LineSpan readLineRangeInto(const std::string& path, uint64_t start, uint64_t end, TextBuffer& out,
                           size_t padding) {
  ReadableFile file(path);
  LineSpan span;
  span.fileOffset = start == 0 ? 0 : start - 1;
  constexpr size_t kStep = 1 << 20;
  // Room for the usual read past the end (to the end of the last line) and the padding.
  out.clear();
  out.reserve(static_cast<size_t>(end - span.fileOffset) + kStep + padding);
  out.resize(static_cast<size_t>(end - span.fileOffset));
  size_t got = file.read(out.data(), out.size(), span.fileOffset);
  out.resize(got);
  // The split reads on to the first '\n' at or after end - 1.
  size_t searchFrom = static_cast<size_t>(end - 1 - span.fileOffset);
  size_t stop = std::string::npos;
  while (true) {
    const void* nl = searchFrom < out.size()
                         ? std::memchr(out.data() + searchFrom, '\n', out.size() - searchFrom)
                         : nullptr;
    if (nl != nullptr) {
      stop = static_cast<size_t>(static_cast<const char*>(nl) - out.data()) + 1;
      break;
    }
    const size_t old = out.size();
    out.resize(old + kStep);
    const size_t more = file.read(out.data() + old, kStep, span.fileOffset + old);
    out.resize(old + more);
    if (more == 0) break;
    searchFrom = old;
  }
  if (stop != std::string::npos) out.resize(stop);
  if (start != 0) {
    const void* nl = std::memchr(out.data(), '\n', out.size());
    span.begin = nl == nullptr ? out.size()
                               : static_cast<size_t>(static_cast<const char*>(nl) - out.data()) + 1;
  }
  appendPadding(out, padding);
  return span;
}

LineRange readLineRange(const std::string& path, uint64_t start, uint64_t end) {
  TextBuffer buffer;
  LineSpan span = readLineRangeInto(path, start, end, buffer);
  LineRange t;
  t.data.assign(buffer.view());
  t.begin = span.begin;
  t.fileOffset = span.fileOffset;
  return t;
}

}  // namespace weir::formats
