// Text files shared by the file formats: the codec a file name implies, inflating gzip and zlib
// data, line-aligned splits of big files, and part files written through zlib with an atomic
// rename at the end.
#pragma once

#include <zlib.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "weir/base/error.h"
#include "weir/plan/logical_plan.h"

namespace weir::formats {

enum class Compression { kNone, kGzip, kDeflate };

/// The writer's codec from the options "compression" (or "codec"): none, uncompressed, gzip,
/// deflate. `format` names the format in the error ("CSV", "JSON").
Compression parseCompression(const plan::Options& options, const std::string& format);
/// The part file extension for a base extension: "json" -> "json.gz" for gzip.
std::string compressedExtension(const std::string& base, Compression compression);
/// The codec a file's extension implies, as Hadoop picks it (.gz, .deflate); other compressed
/// extensions are refused with a clear error naming `format`.
Compression codecFor(const std::string& path, const std::string& format);
/// Inflates gzip (possibly several concatenated members) or zlib data; `path` names the file in
/// errors.
std::string inflateAll(const std::string& compressed, const std::string& path);

/// Bytes read from a file, in memory that grows without being zero-filled and is kept for the
/// next read: a reader that keeps one per thread maps and faults in its pages once, not once per
/// file (on this engine's machines page faults cost more than reading the bytes).
class TextBuffer {
 public:
  const char* data() const { return bytes_.get(); }
  char* data() { return bytes_.get(); }
  size_t size() const { return size_; }
  std::string_view view() const { return std::string_view(bytes_.get(), size_); }
  /// Sets the size; bytes past the old size are unspecified. Keeps the first min(old, n) bytes.
  void resize(size_t n);
  void clear() { size_ = 0; }
  /// Makes room for n bytes without changing the size.
  void reserve(size_t n);

 private:
  std::unique_ptr<char[]> bytes_;
  size_t size_ = 0, capacity_ = 0;
};

/// Reads a whole file into `out` (replacing its content), followed by `padding` spaces that are
/// not counted in its size. Throws IoError naming the path.
void readFileInto(const std::string& path, TextBuffer& out, size_t padding = 0);

/// Where one split's lines are in the buffer readLineRangeInto filled.
struct LineSpan {
  /// Offset in the buffer of the first line that belongs to this split.
  size_t begin = 0;
  /// File offset of the buffer's first byte.
  uint64_t fileOffset = 0;
};

/// readLineRange into a reused buffer, followed by `padding` spaces not counted in its size.
LineSpan readLineRangeInto(const std::string& path, uint64_t start, uint64_t end, TextBuffer& out,
                           size_t padding = 0);

/// The text of one split of an uncompressed file, for parallel reading of big files.
struct LineRange {
  std::string data;
  /// Offset in `data` of the first line that belongs to this split.
  size_t begin = 0;
  /// File offset of data[0].
  uint64_t fileOffset = 0;
};

/// One unit of reading work: a whole file, or a byte range of a large uncompressed file.
struct ScanTask {
  std::string path;
  uint64_t start = 0;
  uint64_t end = 0;
  bool whole = true;
};

/// Uncompressed files larger than this are read as several line-aligned splits.
constexpr uint64_t kSplitBytes = 64ULL << 20;

/// The tasks that read `files`: one per file, or kSplitBytes ranges of uncompressed files when
/// `splitLines` (records are single lines). `format` names the format in errors.
std::vector<ScanTask> planScanTasks(const std::vector<std::string>& files, bool splitLines,
                                    const std::string& format);

/// Reads the lines whose first byte lies in [start, end), as Hadoop's LineRecordReader does: a
/// split after the first begins after the first '\n' at or after start - 1, and every split reads
/// on to the first '\n' at or after end - 1. Throws IoError naming the path.
LineRange readLineRange(const std::string& path, uint64_t start, uint64_t end);

/// Streams text into one part file, through zlib when compressing. Writes to a hidden temporary
/// name and renames it into place on close(), so readers never see a partial part file. One per
/// task; not thread-safe.
class PartFileWriter {
 public:
  PartFileWriter(std::string path, Compression compression)
      : path_(std::move(path)), compression_(compression) {
    std::filesystem::path p(path_);
    tmpPath_ = (p.parent_path() / ("." + p.filename().string() + ".tmp")).string();
    file_ = std::fopen(tmpPath_.c_str(), "wb");
    if (!file_) throw IoError("IO_ERROR", "Cannot open " + tmpPath_ + " for writing");
    if (compression_ != Compression::kNone) {
      int windowBits = compression_ == Compression::kGzip ? 15 + 16 : 15;
      if (deflateInit2(&zs_, Z_DEFAULT_COMPRESSION, Z_DEFLATED, windowBits, 8,
                       Z_DEFAULT_STRATEGY) != Z_OK) {
        std::fclose(file_);
        file_ = nullptr;
        throw InternalError("INTERNAL_ERROR", "deflateInit2 failed");
      }
      zlibActive_ = true;
    }
  }

  ~PartFileWriter() {
    if (zlibActive_) deflateEnd(&zs_);
    if (file_) {
      std::fclose(file_);
      std::error_code ec;
      std::filesystem::remove(tmpPath_, ec);
    }
  }

  PartFileWriter(const PartFileWriter&) = delete;
  PartFileWriter& operator=(const PartFileWriter&) = delete;

  void write(std::string_view data) {
    if (compression_ == Compression::kNone) {
      writeRaw(data.data(), data.size());
    } else {
      deflateChunk(data, Z_NO_FLUSH);
    }
  }

  void close() {
    if (compression_ != Compression::kNone) deflateChunk({}, Z_FINISH);
    bool ok = std::fflush(file_) == 0;
    ok = std::fclose(file_) == 0 && ok;
    file_ = nullptr;
    if (!ok) throw IoError("IO_ERROR", "Cannot write " + tmpPath_);
    std::error_code ec;
    std::filesystem::rename(tmpPath_, path_, ec);
    if (ec)
      throw IoError("IO_ERROR", "Cannot rename " + tmpPath_ + " to " + path_ + ": " + ec.message());
  }

 private:
  void writeRaw(const char* data, size_t size) {
    if (size > 0 && std::fwrite(data, 1, size, file_) != size) {
      throw IoError("IO_ERROR", "Cannot write " + tmpPath_);
    }
  }

  void deflateChunk(std::string_view data, int flush) {
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs_.avail_in = static_cast<uInt>(data.size());
    char buffer[1 << 16];
    int rc;
    do {
      zs_.next_out = reinterpret_cast<Bytef*>(buffer);
      zs_.avail_out = sizeof buffer;
      rc = deflate(&zs_, flush);
      if (rc == Z_STREAM_ERROR) throw InternalError("INTERNAL_ERROR", "deflate failed");
      writeRaw(buffer, sizeof buffer - zs_.avail_out);
    } while (zs_.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
  }

  std::string path_;
  std::string tmpPath_;
  Compression compression_;
  std::FILE* file_ = nullptr;
  z_stream zs_{};
  bool zlibActive_ = false;
};

}  // namespace weir::formats
