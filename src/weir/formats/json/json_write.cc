// JSON Lines writer: one part file per partition as Spark's JSON data source writes it (rows as
// JacksonGenerator renders them, one per line), optionally gzip or deflate compressed, then
// _SUCCESS.
#include <zlib.h>

#include <cstdio>
#include <filesystem>

#include "weir/base/error.h"
#include "weir/base/thread_pool.h"
#include "weir/expr/json_writer.h"
#include "weir/formats/file_listing.h"
#include "weir/formats/json/json_format.h"

namespace weir::formats {
namespace {

enum class Compression { kNone, kGzip, kDeflate };

std::string asciiLower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Compression parseCompression(const plan::Options& o) {
  std::string codec =
      asciiLower(o.has("compression") ? o.get("compression") : o.get("codec", "none"));
  if (codec == "gzip") return Compression::kGzip;
  if (codec == "deflate") return Compression::kDeflate;
  if (codec == "none" || codec == "uncompressed") return Compression::kNone;
  throw InvalidInputError("CODEC_NOT_AVAILABLE",
                          "Codec [" + codec +
                              "] is not available for JSON files. Available codecs are none, "
                              "uncompressed, gzip, deflate.");
}

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

constexpr size_t kFlushBytes = 1 << 20;

void writePartition(const plan::Partition& partition, const expr::JsonWriter& writer,
                    const std::string& lineSep, const std::string& path, Compression compression) {
  PartFileWriter file(path, compression);
  std::string buffer;
  for (const auto& batch : partition) {
    for (size_t row = 0; row < batch.numRows(); ++row) {
      writer.writeRow(batch.columns(), row, buffer);
      buffer += lineSep;
      if (buffer.size() >= kFlushBytes) {
        file.write(buffer);
        buffer.clear();
      }
    }
  }
  file.write(buffer);
  file.close();
}

}  // namespace

void writeJsonFiles(const plan::Partitions& data, const types::DataTypePtr& schema,
                    const std::string& dir, const plan::Options& options) {
  Compression compression = parseCompression(options);
  std::string encoding = asciiLower(options.has("encoding") ? options.get("encoding")
                                                            : options.get("charset", "UTF-8"));
  if (encoding != "utf-8" && encoding != "utf8") {
    throw UnsupportedOperationError(
        "UNSUPPORTED_ENCODING",
        "The JSON writer writes UTF-8 only, got encoding '" + encoding + "'.");
  }
  expr::JsonWriter writer(schema, expr::JsonWriteOptions::fromMap(options.all()));
  std::string lineSep = options.get("lineSep", "\n");
  if (lineSep.empty()) {
    throw InvalidInputError("INVALID_OPTION_VALUE", "The JSON option lineSep cannot be empty.");
  }
  std::string extension = compression == Compression::kGzip      ? "json.gz"
                          : compression == Compression::kDeflate ? "json.deflate"
                                                                 : "json";
  std::string uuid = randomUuid();
  base::ThreadPool::global().parallelFor(data.size(), [&](size_t i) {
    std::string path = (std::filesystem::path(dir) / partFileName(i, uuid, extension)).string();
    writePartition(data[i], writer, lineSep, path, compression);
  });
  writeFileAtomically((std::filesystem::path(dir) / "_SUCCESS").string(), "");
}

}  // namespace weir::formats
