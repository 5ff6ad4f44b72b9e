// Compressed text files shared by the file formats.
#include "weir/formats/compressed_file.h"

#include <algorithm>
#include <cctype>
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
    case Compression::kGzip: return base + ".gz";
    case Compression::kDeflate: return base + ".deflate";
    case Compression::kNone: return base;
  }
  return base;
}

Compression codecFor(const std::string& path, const std::string& format) {
  if (endsWith(path, ".gz")) return Compression::kGzip;
  if (endsWith(path, ".deflate")) return Compression::kDeflate;
  for (std::string_view ext : {".bz2", ".lz4", ".snappy", ".zst"}) {
    if (endsWith(path, ext)) {
      throw UnsupportedOperationError("UNSUPPORTED_COMPRESSION",
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
    bool splittable = !ec && splitLines && codecFor(path, format) == Compression::kNone && size > kSplitBytes;
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

LineRange readLineRange(const std::string& path, uint64_t start, uint64_t end) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw IoError("IO_ERROR", "Cannot open " + path + " for reading");
  LineRange t;
  t.fileOffset = start == 0 ? 0 : start - 1;
  in.seekg(static_cast<std::streamoff>(t.fileOffset));
  t.data.resize(end - t.fileOffset);
  in.read(t.data.data(), static_cast<std::streamsize>(t.data.size()));
  t.data.resize(static_cast<size_t>(in.gcount()));
  size_t searchFrom = static_cast<size_t>(end - 1 - t.fileOffset);
  size_t stop = std::string::npos;
  while (true) {
    size_t nl = searchFrom < t.data.size() ? t.data.find('\n', searchFrom) : std::string::npos;
    if (nl != std::string::npos) {
      stop = nl + 1;
      break;
    }
    if (!in) break;
    size_t old = t.data.size();
    t.data.resize(old + (1 << 20));
    in.read(t.data.data() + old, 1 << 20);
    t.data.resize(old + static_cast<size_t>(in.gcount()));
    if (t.data.size() == old) break;
    searchFrom = old;
  }
  if (in.bad()) throw IoError("IO_ERROR", "Cannot read " + path);
  if (stop != std::string::npos) t.data.resize(stop);
  if (start != 0) {
    size_t nl = t.data.find('\n');
    t.begin = nl == std::string::npos ? t.data.size() : nl + 1;
  }
  return t;
}

}  // namespace weir::formats
