#include "weir/formats/delta/deletion_vector.h"

#include <roaring/roaring.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>

#include "weir/base/error.h"
#include "weir/formats/delta/delta_log.h"

namespace weir::formats::delta {

namespace {

namespace fs = std::filesystem;

constexpr uint32_t kPortableMagic = 1681511377;
constexpr char kZ85Alphabet[] =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

[[noreturn]] void corruptVector(const std::string& what, const std::string& why) {
  throw CorruptionError(
      "DELTA_DELETION_VECTOR_CORRUPT",
      "The deletion vector " + what + " is corrupt (" + why +
          "). Restore it from a backup; the rows of its data file cannot be read without it.");
}

uint32_t littleEndian32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

uint32_t bigEndian32(const unsigned char* p) {
  return static_cast<uint32_t>(p[3]) | static_cast<uint32_t>(p[2]) << 8 |
         static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[0]) << 24;
}

// The canonical text form of 16 UUID bytes.
std::string uuidText(const std::string& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    const auto b = static_cast<unsigned char>(bytes[i]);
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

// The local file an on-disk vector lives in.
std::string vectorFile(const DeletionVectorDescriptor& dv, const std::string& tablePath) {
  if (dv.storageType == "u") {
    const std::string& text = dv.pathOrInlineDv;
    if (text.size() < 20)
      corruptVector("'" + text + "'", "a relative path shorter than its 20-character UUID");
    const std::string prefix = text.substr(0, text.size() - 20);
    const std::string uuid =
        uuidText(z85Decode(std::string_view(text).substr(text.size() - 20), 16, "'" + text + "'"));
    fs::path p = fs::path(tablePath);
    if (!prefix.empty()) p /= prefix;
    return (p / ("deletion_vector_" + uuid + ".bin")).string();
  }
  std::string uri = dv.pathOrInlineDv;
  if (uri.rfind("file://", 0) == 0)
    uri = uri.substr(7);
  else if (uri.rfind("file:", 0) == 0)
    uri = uri.substr(5);
  else if (uri.find("://") != std::string::npos) {
    throw UnsupportedOperationError(
        "DELTA_UNSUPPORTED_DELETION_VECTOR_PATH",
        "The deletion vector " + dv.pathOrInlineDv +
            " is on a file system Weir cannot "
            "open yet (only local paths are read). Copy the table to a local path.");
  }
  return percentDecode(uri);
}

}  // namespace

std::string DeletionVectorDescriptor::uniqueId() const {
  std::string id = storageType + pathOrInlineDv;
  if (offset) id += "@" + std::to_string(*offset);
  return id;
}

nlohmann::ordered_json DeletionVectorDescriptor::toJson() const {
  nlohmann::ordered_json j;
  j["storageType"] = storageType;
  j["pathOrInlineDv"] = pathOrInlineDv;
  if (offset) j["offset"] = *offset;
  j["sizeInBytes"] = sizeInBytes;
  j["cardinality"] = cardinality;
  if (maxRowIndex) j["maxRowIndex"] = *maxRowIndex;
  return j;
}

DeletionVectorDescriptor DeletionVectorDescriptor::fromJson(const nlohmann::json& j,
                                                            const std::string& file) {
  auto bad = [&](const std::string& why) {
    throw CorruptionError("DELTA_LOG_CORRUPT",
                          "The Delta log file " + file + " is corrupt (a deletion vector " + why +
                              "). Restore it from a backup; the table cannot be read past it.");
  };
  if (!j.is_object()) bad("that is not an object");
  DeletionVectorDescriptor dv;
  if (!j.contains("storageType") || !j["storageType"].is_string()) bad("without a storageType");
  if (!j.contains("pathOrInlineDv") || !j["pathOrInlineDv"].is_string())
    bad("without pathOrInlineDv");
  dv.storageType = j["storageType"].get<std::string>();
  dv.pathOrInlineDv = j["pathOrInlineDv"].get<std::string>();
  if (dv.storageType != "u" && dv.storageType != "i" && dv.storageType != "p") {
    bad("with the unknown storageType '" + dv.storageType + "'");
  }
  if (j.contains("offset") && !j["offset"].is_null()) {
    if (!j["offset"].is_number_integer()) bad("whose offset is not a number");
    dv.offset = j["offset"].get<int32_t>();
  }
  if (!j.contains("sizeInBytes") || !j["sizeInBytes"].is_number_integer())
    bad("without sizeInBytes");
  dv.sizeInBytes = j["sizeInBytes"].get<int32_t>();
  if (!j.contains("cardinality") || !j["cardinality"].is_number_integer())
    bad("without cardinality");
  dv.cardinality = j["cardinality"].get<int64_t>();
  if (j.contains("maxRowIndex") && j["maxRowIndex"].is_number_integer())
    dv.maxRowIndex = j["maxRowIndex"].get<int64_t>();
  if (dv.sizeInBytes < 0 || dv.cardinality < 0 || (dv.offset && *dv.offset < 0))
    bad("with a negative size or offset");
  return dv;
}

std::string z85Decode(std::string_view text, size_t size, const std::string& what) {
  static const std::array<int, 256> kValue = [] {
    std::array<int, 256> v;
    v.fill(-1);
    for (int i = 0; i < 85; ++i) v[static_cast<unsigned char>(kZ85Alphabet[i])] = i;
    return v;
  }();
  if (text.size() % 5 != 0 || text.size() / 5 * 4 < size) {
    corruptVector(what, "its Z85 text has " + std::to_string(text.size()) +
                            " characters, too few for " + std::to_string(size) +
                            " bytes or not a multiple of 5");
  }
  std::string out;
  out.reserve(text.size() / 5 * 4);
  for (size_t i = 0; i < text.size(); i += 5) {
    uint64_t value = 0;
    for (size_t k = 0; k < 5; ++k) {
      const int digit = kValue[static_cast<unsigned char>(text[i + k])];
      if (digit < 0)
        corruptVector(what,
                      "its Z85 text holds the character '" + std::string(1, text[i + k]) + "'");
      value = value * 85 + static_cast<uint64_t>(digit);
    }
    if (value > 0xffffffffULL) corruptVector(what, "its Z85 text holds a group above 2^32");
    for (int shift = 24; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((value >> shift) & 0xff));
  }
  out.resize(size);
  return out;
}

std::string z85Encode(std::string_view bytes) {
  std::string padded(bytes);
  padded.resize((bytes.size() + 3) / 4 * 4, '\0');
  std::string out;
  for (size_t i = 0; i < padded.size(); i += 4) {
    uint32_t value = bigEndian32(reinterpret_cast<const unsigned char*>(padded.data() + i));
    char group[5];
    for (int k = 4; k >= 0; --k) {
      group[k] = kZ85Alphabet[value % 85];
      value /= 85;
    }
    out.append(group, 5);
  }
  return out;
}

std::vector<uint64_t> decodeRoaringBitmapArray(std::string_view bytes, const std::string& what,
                                               uint64_t maxRows) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t left = bytes.size();
  if (left < 12) corruptVector(what, "its bitmap has only " + std::to_string(left) + " bytes");
  const uint32_t magic = littleEndian32(p);
  if (magic != kPortableMagic) {
    corruptVector(what, "its bitmap starts with " + std::to_string(magic) +
                            ", not the magic number " + std::to_string(kPortableMagic) +
                            " of a portable RoaringBitmapArray");
  }
  const uint64_t buckets = static_cast<uint64_t>(littleEndian32(p + 4)) |
                           static_cast<uint64_t>(littleEndian32(p + 8)) << 32;
  p += 12;
  left -= 12;
  std::vector<uint64_t> rows;
  bool sorted = true;
  int64_t lastKey = -1;
  for (uint64_t b = 0; b < buckets; ++b) {
    if (left < 4)
      corruptVector(what, "its bitmap ends inside bucket " + std::to_string(b) + " of " +
                              std::to_string(buckets));
    const uint32_t key = littleEndian32(p);
    p += 4;
    left -= 4;
    const char* at = reinterpret_cast<const char*>(p);
    const size_t size = roaring_bitmap_portable_deserialize_size(at, left);
    std::unique_ptr<roaring_bitmap_t, void (*)(const roaring_bitmap_t*)> bitmap(
        size == 0 ? nullptr : roaring_bitmap_portable_deserialize_safe(at, left),
        roaring_bitmap_free);
    if (!bitmap)
      corruptVector(what,
                    "bucket " + std::to_string(b) + " is not a valid portable Roaring bitmap");
    const uint64_t cardinality = roaring_bitmap_get_cardinality(bitmap.get());
    if (cardinality > maxRows - rows.size()) {
      corruptVector(what, "it holds " + std::to_string(rows.size() + cardinality) + (b + 1 < buckets ? " or more" : "") +
                              " rows, the log says " + std::to_string(maxRows));
    }
    std::vector<uint32_t> low(cardinality);
    roaring_bitmap_to_uint32_array(bitmap.get(), low.data());
    for (uint32_t v : low) rows.push_back(static_cast<uint64_t>(key) << 32 | v);
    if (static_cast<int64_t>(key) <= lastKey) sorted = false;
    lastKey = key;
    p += size;
    left -= size;
  }
  if (!sorted) {
    std::sort(rows.begin(), rows.end());
    rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  }
  return rows;
}

std::vector<uint64_t> readDeletedRows(const DeletionVectorDescriptor& dv,
                                      const std::string& tablePath) {
  std::string bitmap, what;
  if (dv.storageType == "i") {
    what = "inline '" + dv.pathOrInlineDv + "'";
    bitmap = z85Decode(dv.pathOrInlineDv, static_cast<size_t>(dv.sizeInBytes), what);
  } else {
    const std::string file = vectorFile(dv, tablePath);
    const int64_t offset = dv.offset.value_or(0);
    what = "file " + file + " (at offset " + std::to_string(offset) + ")";
    std::ifstream in(file, std::ios::binary);
    if (!in) corruptVector(what, "the file is missing or cannot be opened");
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    const auto* b = reinterpret_cast<const unsigned char*>(bytes.data());
    if (bytes.empty() || b[0] != 1) {
      corruptVector(what, bytes.empty()
                              ? "the file is empty"
                              : "the file's format version is " + std::to_string(b[0]) + ", not 1");
    }
    const uint64_t need =
        static_cast<uint64_t>(offset) + 4 + static_cast<uint64_t>(dv.sizeInBytes) + 4;
    if (bytes.size() < need) {
      corruptVector(what, "the file has " + std::to_string(bytes.size()) +
                              " bytes but the vector needs " + std::to_string(need) +
                              ": it is truncated");
    }
    const uint32_t size = bigEndian32(b + offset);
    if (size != static_cast<uint32_t>(dv.sizeInBytes)) {
      corruptVector(what, "the file says the vector has " + std::to_string(size) +
                              " bytes, the log says " + std::to_string(dv.sizeInBytes));
    }
    bitmap = bytes.substr(static_cast<size_t>(offset) + 4, size);
    const uint32_t stored = bigEndian32(b + offset + 4 + size);
    const auto computed = static_cast<uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(bitmap.data()), static_cast<uInt>(bitmap.size())));
    if (stored != computed) {
      corruptVector(what, "its CRC-32 checksum does not match: stored " + std::to_string(stored) +
                              ", computed " + std::to_string(computed));
    }
  }
  auto rows = decodeRoaringBitmapArray(bitmap, what, static_cast<uint64_t>(dv.cardinality));
  if (static_cast<int64_t>(rows.size()) != dv.cardinality) {
    corruptVector(what, "it holds " + std::to_string(rows.size()) + " rows, the log says " +
                            std::to_string(dv.cardinality));
  }
  return rows;
}

std::optional<std::string> deletionVectorFile(const DeletionVectorDescriptor& dv,
                                              const std::string& tablePath) {
  if (dv.storageType == "i") return std::nullopt;
  return vectorFile(dv, tablePath);
}

}  // namespace weir::formats::delta
