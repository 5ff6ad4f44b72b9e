#include "weir/formats/parquet/parquet_reader.h"

#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <deque>

#include "weir/base/error.h"
#include "weir/base/thread_pool.h"
#include "weir/formats/file_listing.h"
#include "weir/formats/parquet/thrift_compact.h"

namespace weir::formats::parquet {

void CompactReader::fail(const std::string& why) const {
  throw CorruptionError("PARQUET_CORRUPT", "The Parquet file " + what_ + " is corrupt (" + why +
                                               "). Rewrite it, or remove it from the input.");
}

namespace {

using columnar::Vector;
using types::DataType;
using types::DataTypePtr;
using types::TypeId;

[[noreturn]] void corrupt(const std::string& path, const std::string& why) {
  throw CorruptionError("PARQUET_CORRUPT",
                        "The Parquet file " + path + " is corrupt (" + why + "). Rewrite it, or remove it from the input.");
}

[[noreturn]] void unsupported(const std::string& path, const std::string& what) {
  throw UnsupportedOperationError("PARQUET_UNSUPPORTED_FEATURE",
                                  "The Parquet file " + path + " uses " + what +
                                      ", which this Weir does not read yet. Rewrite the file with PLAIN or "
                                      "dictionary encodings and data pages V1 or V2 (Spark's defaults).");
}

// ----- footer structures

struct SchemaElement {
  int32_t type = -1;  // -1: a group
  int32_t typeLength = 0;
  int32_t repetition = 0;
  std::string name;
  int32_t numChildren = 0;
  int32_t converted = -1;
  int32_t scale = 0, precision = 0;
  int16_t logical = 0;  // the LogicalType union's field id, 0 when unset
  bool utc = true;
  int timeUnit = 0;  // 1 millis, 2 micros, 3 nanos
  int bitWidth = 0;
  bool isSigned = true;
  std::optional<int32_t> fieldId;
};

struct ColumnMeta {
  int32_t type = 0;
  std::vector<std::string> path;
  int32_t codec = 0;
  int64_t numValues = 0;
  int64_t compressedSize = 0;
  int64_t dataPageOffset = 0;
  int64_t dictionaryPageOffset = -1;
};

struct RowGroup {
  std::vector<ColumnMeta> columns;
  int64_t numRows = 0;
};

struct FileMeta {
  std::vector<SchemaElement> schema;
  int64_t numRows = 0;
  std::vector<RowGroup> rowGroups;
  std::string sparkSchema;
};

SchemaElement readSchemaElement(CompactReader& r) {
  SchemaElement e;
  r.structBegin();
  int16_t id;
  CType t;
  while (r.nextField(id, t)) {
    switch (id) {
      case 1: e.type = r.i32(); break;
      case 2: e.typeLength = r.i32(); break;
      case 3: e.repetition = r.i32(); break;
      case 4: e.name = std::string(r.binary()); break;
      case 5: e.numChildren = r.i32(); break;
      case 6: e.converted = r.i32(); break;
      case 7: e.scale = r.i32(); break;
      case 8: e.precision = r.i32(); break;
      case 9: e.fieldId = r.i32(); break;
      case 10: {
        r.structBegin();
        int16_t lid;
        CType lt;
        while (r.nextField(lid, lt)) {
          e.logical = lid;
          r.structBegin();
          int16_t fid;
          CType ft;
          while (r.nextField(fid, ft)) {
            if (lid == 5 && fid == 1) e.scale = r.i32();
            else if (lid == 5 && fid == 2) e.precision = r.i32();
            else if (lid == 8 && fid == 1) e.utc = r.boolean();
            else if (lid == 8 && fid == 2) {
              r.structBegin();
              int16_t uid;
              CType ut;
              while (r.nextField(uid, ut)) {
                e.timeUnit = uid;
                r.skipValue(ut);
              }
            } else if (lid == 10 && fid == 1) e.bitWidth = r.i8();
            else if (lid == 10 && fid == 2) e.isSigned = r.boolean();
            else r.skipValue(ft);
          }
        }
        break;
      }
      default: r.skipValue(t); break;
    }
  }
  return e;
}

ColumnMeta readColumnMeta(CompactReader& r) {
  ColumnMeta m;
  r.structBegin();
  int16_t id;
  CType t;
  while (r.nextField(id, t)) {
    switch (id) {
      case 1: m.type = r.i32(); break;
      case 3: {
        CType e;
        size_t n;
        r.listHeader(e, n);
        for (size_t i = 0; i < n; ++i) m.path.emplace_back(r.binary());
        break;
      }
      case 4: m.codec = r.i32(); break;
      case 5: m.numValues = r.i64(); break;
      case 7: m.compressedSize = r.i64(); break;
      case 9: m.dataPageOffset = r.i64(); break;
      case 11: m.dictionaryPageOffset = r.i64(); break;
      default: r.skipValue(t); break;
    }
  }
  return m;
}

FileMeta readFooter(const std::string& bytes, const std::string& path) {
  if (bytes.size() < 12 || bytes.compare(0, 4, "PAR1") != 0 || bytes.compare(bytes.size() - 4, 4, "PAR1") != 0) {
    corrupt(path, "no PAR1 magic at its start and end");
  }
  uint32_t length;
  std::memcpy(&length, bytes.data() + bytes.size() - 8, 4);
  if (length > bytes.size() - 12) corrupt(path, "the footer length is larger than the file");
  const char* begin = bytes.data() + bytes.size() - 8 - length;
  CompactReader r(begin, begin + length, path);
  FileMeta meta;
  r.structBegin();
  int16_t id;
  CType t;
  while (r.nextField(id, t)) {
    switch (id) {
      case 2: {
        CType e;
        size_t n;
        r.listHeader(e, n);
        for (size_t i = 0; i < n; ++i) meta.schema.push_back(readSchemaElement(r));
        break;
      }
      case 3: meta.numRows = r.i64(); break;
      case 4: {
        CType e;
        size_t n;
        r.listHeader(e, n);
        for (size_t i = 0; i < n; ++i) {
          RowGroup g;
          r.structBegin();
          int16_t gid;
          CType gt;
          while (r.nextField(gid, gt)) {
            if (gid == 1) {
              CType ce;
              size_t cn;
              r.listHeader(ce, cn);
              for (size_t c = 0; c < cn; ++c) {
                r.structBegin();
                int16_t cid;
                CType ct;
                ColumnMeta m;
                bool has = false;
                while (r.nextField(cid, ct)) {
                  if (cid == 1) unsupported(path, "column chunks in other files");
                  if (cid == 3) {
                    m = readColumnMeta(r);
                    has = true;
                  } else {
                    r.skipValue(ct);
                  }
                }
                if (!has) corrupt(path, "a column chunk without metadata");
                g.columns.push_back(std::move(m));
              }
            } else if (gid == 3) {
              g.numRows = r.i64();
            } else {
              r.skipValue(gt);
            }
          }
          meta.rowGroups.push_back(std::move(g));
        }
        break;
      }
      case 5: {
        CType e;
        size_t n;
        r.listHeader(e, n);
        for (size_t i = 0; i < n; ++i) {
          r.structBegin();
          int16_t kid;
          CType kt;
          std::string key, value;
          while (r.nextField(kid, kt)) {
            if (kid == 1) key = std::string(r.binary());
            else if (kid == 2) value = std::string(r.binary());
            else r.skipValue(kt);
          }
          if (key == "org.apache.spark.sql.parquet.row.metadata") meta.sparkSchema = value;
        }
        break;
      }
      default: r.skipValue(t); break;
    }
  }
  if (meta.schema.empty()) corrupt(path, "an empty schema");
  return meta;
}

// ----- the schema tree

// A field's metadata: its Parquet field id, under Spark's key, when the file has one.
std::string fieldMetadata(const SchemaElement* e) {
  return e != nullptr && e->fieldId ? "{\"parquet.field.id\":" + std::to_string(*e->fieldId) + "}" : "{}";
}

struct RNode {
  enum class Kind : uint8_t { kLeaf, kStruct, kList, kMap } kind = Kind::kLeaf;
  std::string name;
  DataTypePtr type;
  int defLevel = 0;  // definition level when present
  int repLevel = 0;  // lists and maps: the repetition level of their entries
  std::vector<RNode> children;
  int leaf = -1;     // leaves: index into the file's leaf columns
  int firstLeaf = 0, endLeaf = 0;
  const SchemaElement* element = nullptr;
};

DataTypePtr primitiveType(const SchemaElement& e, const std::string& path) {
  const int lg = e.logical, cv = e.converted;
  const bool decimal = lg == 5 || cv == 5;
  if (decimal && (e.precision < 1 || e.precision > 38 || e.scale < 0 || e.scale > e.precision)) {
    corrupt(path, "the column " + e.name + " is a DECIMAL(" + std::to_string(e.precision) + ", " +
                      std::to_string(e.scale) + "), outside what Spark reads (precision 1 to 38)");
  }
  switch (e.type) {
    case 0: return DataType::boolean();
    case 1:
      if (decimal) return DataType::decimal(e.precision, e.scale);
      if (lg == 6 || cv == 6) return DataType::date();
      if ((lg == 10 && e.bitWidth == 8) || cv == 15) return DataType::byte();
      if ((lg == 10 && e.bitWidth == 16) || cv == 16) return DataType::shortType();
      if (lg == 10 && !e.isSigned) return DataType::longType();  // UINT_32 widens
      return DataType::integer();
    case 2:
      if (decimal) return DataType::decimal(e.precision, e.scale);
      if (lg == 8) return e.utc ? DataType::timestamp() : DataType::timestampNtz();
      if (cv == 9 || cv == 10) return DataType::timestamp();
      return DataType::longType();
    case 3: return DataType::timestamp();  // INT96
    case 4: return DataType::floatType();
    case 5: return DataType::doubleType();
    case 6:
      if (decimal) return DataType::decimal(e.precision, e.scale);
      if (lg == 1 || lg == 4 || lg == 12 || cv == 0 || cv == 4 || cv == 19) return DataType::string();
      return DataType::binary();
    case 7:
      if (decimal) return DataType::decimal(e.precision, e.scale);
      return DataType::binary();
    default:
      corrupt(path, "an unknown physical type " + std::to_string(e.type));
  }
}

struct Leaf {
  const SchemaElement* element = nullptr;
  DataTypePtr type;
  int maxDef = 0, maxRep = 0;
  std::string name;
};

class SchemaBuilder {
 public:
  SchemaBuilder(const FileMeta& meta, const std::string& path) : meta_(meta), path_(path) {}

  std::vector<RNode> build(std::vector<Leaf>& leaves) {
    leaves_ = &leaves;
    size_t at = 1;
    std::vector<RNode> roots;
    const int n = meta_.schema[0].numChildren;
    for (int i = 0; i < n; ++i) roots.push_back(node(at, 0, 0));
    return roots;
  }

 private:
  const SchemaElement& next(size_t& at) {
    if (at >= meta_.schema.size()) corrupt(path_, "the schema has fewer elements than its groups say");
    return meta_.schema[at++];
  }

  RNode node(size_t& at, int parentDef, int parentRep) {
    // Levels are bytes, and deep recursion would exhaust the stack: Spark's schemas nest far less.
    struct Depth {
      int& d;
      explicit Depth(int& depth) : d(++depth) {}
      ~Depth() { --d; }
    } depth(depth_);
    if (depth_ > 100) corrupt(path_, "the schema nests more than 100 levels deep");
    const SchemaElement& e = next(at);
    RNode n;
    n.name = e.name;
    n.element = &e;
    n.firstLeaf = static_cast<int>(leaves_->size());
    const int def = parentDef + (e.repetition != 0 ? 1 : 0);
    if (e.repetition == 2) {
      // A repeated field outside a LIST group: a list of it (legacy layout).
      n.kind = RNode::Kind::kList;
      n.defLevel = parentDef;  // never null itself
      n.repLevel = parentRep + 1;
      RNode element = single(e, at, def, n.repLevel);
      n.type = DataType::array(element.type, false);
      n.children.push_back(std::move(element));
    } else if (e.type >= 0) {
      n = single(e, at, def, parentRep);
    } else if (e.logical == 3 || e.converted == 3) {
      n.kind = RNode::Kind::kList;
      n.defLevel = def;
      n.repLevel = parentRep + 1;
      if (e.numChildren != 1) corrupt(path_, "the LIST group " + e.name + " does not have one child");
      if (at >= meta_.schema.size()) corrupt(path_, "the LIST group " + e.name + " has no child");
      const SchemaElement& repeated = meta_.schema[at];
      if (repeated.repetition != 2) corrupt(path_, "the LIST group " + e.name + " has no repeated child");
      const bool threeLevel = repeated.type < 0 && repeated.numChildren == 1 && repeated.name != "array" &&
                              repeated.name != e.name + "_tuple";
      if (threeLevel) {
        ++at;
        RNode element = node(at, def + 1, n.repLevel);
        n.type = DataType::array(element.type, true);
        n.children.push_back(std::move(element));
      } else {
        // Two-level: the repeated child is the element.
        const SchemaElement& re = next(at);
        RNode element = single(re, at, def + 1, n.repLevel);
        n.type = DataType::array(element.type, false);
        n.children.push_back(std::move(element));
      }
    } else if (e.logical == 2 || e.converted == 1 || e.converted == 2) {
      n.kind = RNode::Kind::kMap;
      n.defLevel = def;
      n.repLevel = parentRep + 1;
      const SchemaElement& kv = next(at);
      if (kv.repetition != 2 || kv.numChildren < 1 || kv.numChildren > 2) {
        corrupt(path_, "the MAP group " + e.name + " has no repeated key_value group");
      }
      RNode key = node(at, def + 1, n.repLevel);
      RNode value;
      if (kv.numChildren == 2) {
        value = node(at, def + 1, n.repLevel);
      }
      n.type = DataType::map(key.type, kv.numChildren == 2 ? value.type : DataType::null(), true);
      n.children.push_back(std::move(key));
      if (kv.numChildren == 2) n.children.push_back(std::move(value));
    } else {
      n.kind = RNode::Kind::kStruct;
      n.defLevel = def;
      std::vector<types::Field> fields;
      for (int i = 0; i < e.numChildren; ++i) {
        RNode child = node(at, def, parentRep);
        fields.push_back({child.name, child.type, true, fieldMetadata(child.element)});
        n.children.push_back(std::move(child));
      }
      n.type = DataType::structOf(std::move(fields));
    }
    n.endLeaf = static_cast<int>(leaves_->size());
    return n;
  }

  // A node that is not repeated itself (the element of a repeated field counts as not repeated).
  RNode single(const SchemaElement& e, size_t& at, int def, int rep) {
    RNode n;
    n.name = e.name;
    n.element = &e;
    n.firstLeaf = static_cast<int>(leaves_->size());
    n.defLevel = def;
    if (e.type < 0) {
      n.kind = RNode::Kind::kStruct;
      std::vector<types::Field> fields;
      for (int i = 0; i < e.numChildren; ++i) {
        RNode child = node(at, def, rep);
        fields.push_back({child.name, child.type, true, fieldMetadata(child.element)});
        n.children.push_back(std::move(child));
      }
      n.type = DataType::structOf(std::move(fields));
    } else {
      n.kind = RNode::Kind::kLeaf;
      n.type = primitiveType(e, path_);
      n.leaf = static_cast<int>(leaves_->size());
      leaves_->push_back(Leaf{&e, n.type, def, rep, e.name});
    }
    n.endLeaf = static_cast<int>(leaves_->size());
    return n;
  }

  const FileMeta& meta_;
  const std::string& path_;
  std::vector<Leaf>* leaves_ = nullptr;
  int depth_ = 0;
};

// ----- pages

// The most one page may decode to (values whose encoding shares bytes between values).
constexpr size_t kMaxDecodedPageBytes = size_t{1} << 30;

// The most a page of `compressed` bytes can decompress to with `codec`: the codec's own limit
// (LZ4 about 255:1, deflate 1032:1, zstd's RLE blocks about 32768:1, snappy what its header says).
// A page header claiming more is corrupt, so a damaged length never turns into a huge allocation.
uint64_t maxDecompressedSize(int32_t codec, std::string_view in) {
  const uint64_t n = in.size();
  switch (codec) {
    case 0: return n;
    case 1: {
      size_t length = 0;
      return snappy::GetUncompressedLength(in.data(), in.size(), &length) ? length : 0;
    }
    case 2: return n * 1032 + 64;
    case 6: return n * 32768 + 64;
    case 7: return n * 255 + 64;
    default: return 0;
  }
}

std::string decompress(int32_t codec, std::string_view in, size_t size, const std::string& path) {
  if (codec != 0 && codec != 1 && codec != 2 && codec != 6 && codec != 7) {
    unsupported(path, "the compression codec " + std::to_string(codec));
  }
  if (size > maxDecompressedSize(codec, in)) {
    corrupt(path, "a page header says " + std::to_string(size) + " bytes, more than its " + std::to_string(in.size()) +
                      " compressed bytes can hold");
  }
  std::string out(size, '\0');
  switch (codec) {
    case 0:
      if (in.size() != size) corrupt(path, "an uncompressed page of the wrong size");
      std::memcpy(out.data(), in.data(), size);
      return out;
    case 1: {
      size_t n = 0;
      if (!snappy::GetUncompressedLength(in.data(), in.size(), &n) || n != size ||
          !snappy::RawUncompress(in.data(), in.size(), out.data())) {
        corrupt(path, "a snappy page does not decompress");
      }
      return out;
    }
    case 2: {
      z_stream z{};
      if (inflateInit2(&z, 47) != Z_OK) corrupt(path, "gzip init");
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z.avail_in = static_cast<uInt>(in.size());
      z.next_out = reinterpret_cast<Bytef*>(out.data());
      z.avail_out = static_cast<uInt>(size);
      int rc = inflate(&z, Z_FINISH);
      inflateEnd(&z);
      if (rc != Z_STREAM_END || z.total_out != size) corrupt(path, "a gzip page does not decompress");
      return out;
    }
    case 6: {
      size_t n = ZSTD_decompress(out.data(), size, in.data(), in.size());
      if (ZSTD_isError(n) || n != size) corrupt(path, "a zstd page does not decompress");
      return out;
    }
    case 7: {
      int n = LZ4_decompress_safe(in.data(), out.data(), static_cast<int>(in.size()), static_cast<int>(size));
      if (n < 0 || static_cast<size_t>(n) != size) corrupt(path, "an lz4 page does not decompress");
      return out;
    }
    default:
      unsupported(path, "the compression codec " + std::to_string(codec));
  }
}

// Decodes `count` values of the RLE / bit-packed hybrid at `p` (bit width `width`).
template <class T>
const char* decodeHybrid(const char* p, const char* end, int width, size_t count, std::vector<T>& out,
                         const std::string& path) {
  if (width < 0 || width > 32) corrupt(path, "a bit width of " + std::to_string(width) + " (at most 32)");
  const size_t valueBytes = static_cast<size_t>((width + 7) / 8);
  size_t produced = 0;
  while (produced < count) {
    uint64_t header = 0;
    for (int shift = 0;; shift += 7) {
      if (p >= end || shift > 35) corrupt(path, "truncated levels or indices");
      const auto b = static_cast<uint8_t>(*p++);
      header |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) break;
    }
    if ((header & 1) == 0) {
      const size_t run = header >> 1;
      if (static_cast<size_t>(end - p) < valueBytes) corrupt(path, "truncated RLE run");
      uint32_t v = 0;
      for (size_t b = 0; b < valueBytes; ++b) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[b])) << (8 * b);
      p += valueBytes;
      const size_t take = std::min(run, count - produced);
      out.insert(out.end(), take, static_cast<T>(v));
      produced += take;
    } else {
      const size_t values = (header >> 1) * 8;
      const size_t bytes = (values * static_cast<size_t>(width) + 7) / 8;
      if (static_cast<size_t>(end - p) < bytes) corrupt(path, "truncated bit-packed run");
      uint64_t buffer = 0;
      int bits = 0;
      const char* q = p;
      const uint32_t mask = width == 32 ? 0xffffffffu : (1u << width) - 1;
      for (size_t k = 0; k < values; ++k) {
        while (bits < width) {
          buffer |= static_cast<uint64_t>(static_cast<uint8_t>(*q++)) << bits;
          bits += 8;
        }
        if (produced < count) {
          out.push_back(static_cast<T>(buffer & mask));
          ++produced;
        }
        buffer >>= width;
        bits -= width;
      }
      p += bytes;
    }
  }
  return p;
}

int bitWidthOf(int max) {
  int w = 0;
  while (max > 0) {
    ++w;
    max >>= 1;
  }
  return w;
}

// DELTA_BINARY_PACKED: `count` integers (wrapping arithmetic of `bits` 32 or 64) from `p`;
// returns the end of the encoding.
const char* decodeDeltaBinaryPacked(const char* p, const char* end, int bits, std::vector<int64_t>& out,
                                    const std::string& path, size_t maxCount) {
  auto varint = [&]() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p >= end) corrupt(path, "a truncated DELTA_BINARY_PACKED header");
      const auto b = static_cast<uint8_t>(*p++);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    corrupt(path, "a varint is too long");
  };
  auto zigzag = [&]() {
    const uint64_t v = varint();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  };
  const uint64_t blockSize = varint(), miniblocks = varint(), total = varint();
  int64_t value = zigzag();
  // Writers use blocks of 128 values; a million bounds the per-miniblock arithmetic below.
  if (miniblocks == 0 || blockSize == 0 || blockSize > (uint64_t{1} << 20) || blockSize % miniblocks != 0 ||
      (blockSize / miniblocks) % 8 != 0 || total > maxCount) {
    corrupt(path, "a bad DELTA_BINARY_PACKED header");
  }
  const uint64_t perMiniblock = blockSize / miniblocks;
  auto wrap = [bits](int64_t v) { return bits == 32 ? static_cast<int64_t>(static_cast<int32_t>(v)) : v; };
  if (total == 0) return p;
  out.push_back(wrap(value));
  uint64_t produced = 1;
  while (produced < total) {
    const int64_t minDelta = zigzag();
    if (static_cast<uint64_t>(end - p) < miniblocks) corrupt(path, "truncated DELTA_BINARY_PACKED widths");
    const char* widths = p;
    p += miniblocks;
    for (uint64_t m = 0; m < miniblocks && produced < total; ++m) {
      const int width = static_cast<uint8_t>(widths[m]);
      if (width > 64) corrupt(path, "a DELTA_BINARY_PACKED width above 64");
      const size_t bytes = static_cast<size_t>(perMiniblock * static_cast<uint64_t>(width) / 8);
      if (static_cast<size_t>(end - p) < bytes) corrupt(path, "a truncated DELTA_BINARY_PACKED miniblock");
      unsigned __int128 buffer = 0;
      int have = 0;
      const char* q = p;
      for (uint64_t k = 0; k < perMiniblock && produced < total; ++k) {
        while (have < width) {
          buffer |= static_cast<unsigned __int128>(static_cast<uint8_t>(*q++)) << have;
          have += 8;
        }
        const uint64_t delta = width == 64 ? static_cast<uint64_t>(buffer) : static_cast<uint64_t>(buffer) & ((uint64_t{1} << width) - 1);
        buffer >>= width;
        have -= width;
        value = static_cast<int64_t>(static_cast<uint64_t>(value) + static_cast<uint64_t>(minDelta) + delta);
        value = wrap(value);
        out.push_back(value);
        ++produced;
      }
      p += bytes;
    }
  }
  return p;
}

// The decoded levels and values of one leaf column over a row group.
struct ColumnData {
  std::vector<uint8_t> defs, reps;
  std::deque<std::string> buffers;        // decompressed pages and the dictionary, kept for views
  std::vector<std::string_view> strings;  // byte arrays (and FLBA) in order
  std::string fixed;                      // fixed-width values in order (physical width)
  size_t width = 0;
  size_t nextValue = 0, nextLevel = 0;
};

void readColumn(const std::string& bytes, const ColumnMeta& meta, const Leaf& leaf, const std::string& path,
                ColumnData& out) {
  const int32_t physical = meta.type;
  if (physical != leaf.element->type) corrupt(path, "the column " + leaf.name + " has another type in its chunk than in the schema");
  if (physical == 7 && leaf.element->typeLength <= 0) {
    corrupt(path, "the fixed-length column " + leaf.name + " has the length " + std::to_string(leaf.element->typeLength));
  }
  out.width = physical == 1 || physical == 4 ? 4 : physical == 2 || physical == 5 ? 8 : physical == 3 ? 12
            : physical == 7 ? static_cast<size_t>(leaf.element->typeLength) : physical == 0 ? 1 : 0;
  int64_t start = meta.dictionaryPageOffset >= 0 && meta.dictionaryPageOffset < meta.dataPageOffset
                      ? meta.dictionaryPageOffset : meta.dataPageOffset;
  const auto fileSize = static_cast<int64_t>(bytes.size());
  if (start < 4 || start > fileSize || meta.compressedSize < 0 || meta.compressedSize > fileSize - start) {
    corrupt(path, "a column chunk lies outside the file");
  }
  if (meta.numValues < 0) corrupt(path, "a column chunk with a negative number of values");
  const char* p = bytes.data() + start;
  const char* end = p + meta.compressedSize;
  std::vector<std::string_view> dictStrings;
  std::string dictFixed;
  bool haveDict = false;
  int64_t levelsSeen = 0;
  while (p < end && levelsSeen < meta.numValues) {
    CompactReader r(p, end, path);
    int32_t type = -1, uncompressed = 0, compressed = 0;
    int32_t numValues = 0, encoding = 0, defLen = 0, repLen = 0;
    bool v2 = false, isCompressed = true;
    r.structBegin();
    int16_t id;
    CType t;
    while (r.nextField(id, t)) {
      if (id == 1) type = r.i32();
      else if (id == 2) uncompressed = r.i32();
      else if (id == 3) compressed = r.i32();
      else if (id == 5 || id == 7 || id == 8) {
        v2 = id == 8;
        r.structBegin();
        int16_t hid;
        CType ht;
        while (r.nextField(hid, ht)) {
          if (hid == 1) numValues = r.i32();
          else if (id != 8 && hid == 2) encoding = r.i32();
          else if (id == 8 && hid == 4) encoding = r.i32();
          else if (id == 8 && hid == 5) defLen = r.i32();
          else if (id == 8 && hid == 6) repLen = r.i32();
          else if (id == 8 && hid == 7) isCompressed = r.boolean();
          else r.skipValue(ht);
        }
      } else {
        r.skipValue(t);
      }
    }
    p = r.position();
    if (compressed < 0 || uncompressed < 0 || compressed > end - p) corrupt(path, "a page runs past its column chunk");
    if (numValues < 0) corrupt(path, "a page with a negative number of values");
    std::string_view body(p, static_cast<size_t>(compressed));
    p += compressed;
    if (type == 2) {
      out.buffers.push_back(decompress(meta.codec, body, static_cast<size_t>(uncompressed), path));
      const std::string& d = out.buffers.back();
      if (physical == 6) {
        size_t at = 0;
        for (int32_t k = 0; k < numValues; ++k) {
          if (d.size() - at < 4) corrupt(path, "a truncated dictionary");
          uint32_t n;
          std::memcpy(&n, d.data() + at, 4);
          at += 4;
          if (d.size() - at < n) corrupt(path, "a truncated dictionary");
          dictStrings.emplace_back(d.data() + at, n);
          at += n;
        }
      } else if (physical == 7) {
        if (static_cast<size_t>(numValues) > d.size() / out.width) corrupt(path, "a truncated dictionary");
        for (int32_t k = 0; k < numValues; ++k) dictStrings.emplace_back(d.data() + k * out.width, out.width);
      } else {
        dictFixed = d.substr(0, static_cast<size_t>(numValues) * out.width);
      }
      haveDict = true;
      continue;
    }
    if (type != 0 && type != 3) continue;  // index pages and others carry no values
    if (numValues > meta.numValues - levelsSeen) {
      corrupt(path, "a page of the column " + leaf.name + " holds more values than its column chunk");
    }
    std::string page;
    const char* q;
    const char* qend;
    std::vector<uint8_t> defs, reps;
    if (!v2) {
      page = decompress(meta.codec, body, static_cast<size_t>(uncompressed), path);
      q = page.data();
      qend = q + page.size();
      auto levels = [&](std::vector<uint8_t>& v, int max) {
        if (max == 0) return;
        if (qend - q < 4) corrupt(path, "truncated levels");
        uint32_t n;
        std::memcpy(&n, q, 4);
        q += 4;
        if (n > static_cast<size_t>(qend - q)) corrupt(path, "truncated levels");
        decodeHybrid(q, q + n, bitWidthOf(max), static_cast<size_t>(numValues), v, path);
        q += n;
      };
      levels(reps, leaf.maxRep);
      levels(defs, leaf.maxDef);
    } else {
      if (repLen < 0 || defLen < 0 || repLen + defLen > compressed || repLen + defLen > uncompressed) {
        corrupt(path, "levels larger than the page");
      }
      const char* lv = body.data();
      if (leaf.maxRep > 0) decodeHybrid(lv, lv + repLen, bitWidthOf(leaf.maxRep), static_cast<size_t>(numValues), reps, path);
      if (leaf.maxDef > 0) decodeHybrid(lv + repLen, lv + repLen + defLen, bitWidthOf(leaf.maxDef), static_cast<size_t>(numValues), defs, path);
      std::string_view values = body.substr(static_cast<size_t>(repLen + defLen));
      const size_t valuesSize = static_cast<size_t>(uncompressed - repLen - defLen);
      page = isCompressed ? decompress(meta.codec, values, valuesSize, path) : std::string(values);
      q = page.data();
      qend = q + page.size();
    }
    auto checkLevels = [&](const std::vector<uint8_t>& levels, int max, const char* what) {
      if (!levels.empty() && *std::max_element(levels.begin(), levels.end()) > max) {
        corrupt(path, std::string("a ") + what + " level above the column's maximum " + std::to_string(max));
      }
    };
    checkLevels(defs, leaf.maxDef, "definition");
    checkLevels(reps, leaf.maxRep, "repetition");
    if (!reps.empty() && reps.front() != 0 && out.reps.empty()) corrupt(path, "a column chunk starts inside a list");
    size_t present = static_cast<size_t>(numValues);
    if (leaf.maxDef > 0) {
      present = static_cast<size_t>(std::count(defs.begin(), defs.end(), static_cast<uint8_t>(leaf.maxDef)));
    }
    out.defs.insert(out.defs.end(), defs.begin(), defs.end());
    out.reps.insert(out.reps.end(), reps.begin(), reps.end());
    levelsSeen += numValues;
    if (encoding == 2 || encoding == 8) {
      if (!haveDict) corrupt(path, "dictionary indices without a dictionary page");
      if (q >= qend && present > 0) corrupt(path, "missing dictionary indices");
      std::vector<uint32_t> indices;
      if (present > 0) {
        const int width = static_cast<uint8_t>(*q++);
        decodeHybrid(q, qend, width, present, indices, path);
      }
      for (uint32_t index : indices) {
        if (physical == 6 || physical == 7) {
          if (index >= dictStrings.size()) corrupt(path, "a dictionary index out of range");
          out.strings.push_back(dictStrings[index]);
        } else {
          if ((index + 1) * out.width > dictFixed.size()) corrupt(path, "a dictionary index out of range");
          out.fixed.append(dictFixed, index * out.width, out.width);
        }
      }
    } else if (encoding == 0) {
      if (physical == 6) {
        const auto offset = static_cast<size_t>(q - page.data());
        out.buffers.push_back(std::move(page));
        const std::string& b = out.buffers.back();
        const char* s = b.data() + offset;
        const char* e = b.data() + b.size();
        for (size_t k = 0; k < present; ++k) {
          if (e - s < 4) corrupt(path, "truncated PLAIN byte arrays");
          uint32_t n;
          std::memcpy(&n, s, 4);
          s += 4;
          if (static_cast<size_t>(e - s) < n) corrupt(path, "truncated PLAIN byte arrays");
          out.strings.emplace_back(s, n);
          s += n;
        }
      } else if (physical == 0) {
        if (static_cast<size_t>(qend - q) * 8 < present) corrupt(path, "truncated booleans");
        for (size_t k = 0; k < present; ++k) out.fixed.push_back(static_cast<char>((q[k / 8] >> (k % 8)) & 1));
      } else if (physical == 7) {
        out.buffers.push_back(std::string(q, static_cast<size_t>(qend - q)));
        const std::string& b = out.buffers.back();
        if (b.size() < present * out.width) corrupt(path, "truncated fixed-length values");
        for (size_t k = 0; k < present; ++k) out.strings.emplace_back(b.data() + k * out.width, out.width);
      } else {
        if (static_cast<size_t>(qend - q) < present * out.width) corrupt(path, "truncated PLAIN values");
        out.fixed.append(q, present * out.width);
      }
    } else if (encoding == 5 && (physical == 1 || physical == 2)) {
      std::vector<int64_t> values;
      decodeDeltaBinaryPacked(q, qend, physical == 1 ? 32 : 64, values, path, static_cast<size_t>(numValues));
      if (values.size() < present) corrupt(path, "fewer DELTA_BINARY_PACKED values than present values");
      for (size_t k = 0; k < present; ++k) {
        if (physical == 1) {
          const auto v = static_cast<int32_t>(values[k]);
          out.fixed.append(reinterpret_cast<const char*>(&v), 4);
        } else {
          out.fixed.append(reinterpret_cast<const char*>(&values[k]), 8);
        }
      }
    } else if ((encoding == 6 || encoding == 7) && physical == 6) {
      // DELTA_LENGTH_BYTE_ARRAY: lengths, then the bytes. DELTA_BYTE_ARRAY: prefix lengths, then
      // the suffixes as DELTA_LENGTH_BYTE_ARRAY; each value is the previous one's prefix + suffix.
      std::vector<int64_t> prefixes, lengths;
      const char* at = q;
      if (encoding == 7) at = decodeDeltaBinaryPacked(at, qend, 32, prefixes, path, static_cast<size_t>(numValues));
      at = decodeDeltaBinaryPacked(at, qend, 32, lengths, path, static_cast<size_t>(numValues));
      if (lengths.size() < present || (encoding == 7 && prefixes.size() < present)) corrupt(path, "too few lengths");
      // Each value may reuse at most the previous value's bytes; the whole page decodes to at most
      // kMaxDecodedPageBytes, so damaged prefix lengths cannot ask for unbounded memory.
      size_t total = 0, suffixes = 0, previous = 0;
      for (size_t k = 0; k < present; ++k) {
        if (lengths[k] < 0 || (encoding == 7 && prefixes[k] < 0)) corrupt(path, "a negative length");
        const size_t prefix = encoding == 7 ? static_cast<size_t>(prefixes[k]) : 0;
        if (prefix > previous) corrupt(path, "a prefix longer than the previous value");
        if (static_cast<uint64_t>(lengths[k]) > static_cast<uint64_t>(qend - at)) corrupt(path, "truncated byte arrays");
        suffixes += static_cast<size_t>(lengths[k]);
        previous = prefix + static_cast<size_t>(lengths[k]);
        total += previous;
        if (total > kMaxDecodedPageBytes) corrupt(path, "a DELTA_BYTE_ARRAY page decodes to more than 1 GiB");
      }
      if (static_cast<size_t>(qend - at) < suffixes) corrupt(path, "truncated byte arrays");
      std::string values;
      values.reserve(total);
      size_t previousStart = 0, previousSize = 0;
      for (size_t k = 0; k < present; ++k) {
        const size_t start = values.size();
        if (encoding == 7) {
          const auto prefix = static_cast<size_t>(prefixes[k]);
          if (prefix > previousSize) corrupt(path, "a prefix longer than the previous value");
          values.append(values, previousStart, prefix);
        }
        values.append(at, static_cast<size_t>(lengths[k]));
        at += lengths[k];
        previousStart = start;
        previousSize = values.size() - start;
      }
      out.buffers.push_back(std::move(values));
      const std::string& b = out.buffers.back();
      size_t offset = 0;
      for (size_t k = 0; k < present; ++k) {
        const size_t size = static_cast<size_t>(lengths[k]) + (encoding == 7 ? static_cast<size_t>(prefixes[k]) : 0);
        out.strings.emplace_back(b.data() + offset, size);
        offset += size;
      }
    } else if (encoding == 9 && out.width > 0 && physical != 0) {
      // BYTE_STREAM_SPLIT: byte j of value k is at j * count + k.
      const size_t width = out.width;
      if (static_cast<size_t>(qend - q) < present * width) corrupt(path, "truncated BYTE_STREAM_SPLIT values");
      std::string values(present * width, '\0');
      for (size_t k = 0; k < present; ++k) {
        for (size_t j = 0; j < width; ++j) values[k * width + j] = q[j * present + k];
      }
      if (physical == 7) {
        out.buffers.push_back(std::move(values));
        const std::string& b = out.buffers.back();
        for (size_t k = 0; k < present; ++k) out.strings.emplace_back(b.data() + k * width, width);
      } else {
        out.fixed += values;
      }
    } else {
      static const char* kNames[] = {"PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE", "BIT_PACKED",
                                     "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
                                     "RLE_DICTIONARY", "BYTE_STREAM_SPLIT"};
      unsupported(path, std::string("the encoding ") + (encoding >= 0 && encoding < 10 ? kNames[encoding] : "unknown") +
                            " (column " + leaf.name + ")");
    }
  }
  if (levelsSeen != meta.numValues) corrupt(path, "a column chunk holds fewer values than its metadata says");
}

// ----- assembly

class Assembler {
 public:
  Assembler(std::vector<ColumnData>& data, const std::vector<Leaf>& leaves, const std::string& path)
      : data_(data), leaves_(leaves), path_(path) {}

  int peekDef(const RNode& node) const {
    const auto& d = data_[static_cast<size_t>(node.firstLeaf)];
    const Leaf& leaf = leaves_[static_cast<size_t>(node.firstLeaf)];
    if (leaf.maxDef == 0) return 0;
    if (d.nextLevel >= d.defs.size()) corrupt(path_, "fewer levels than rows");
    return d.defs[d.nextLevel];
  }
  int peekRep(const RNode& node) const {
    const auto& d = data_[static_cast<size_t>(node.firstLeaf)];
    const Leaf& leaf = leaves_[static_cast<size_t>(node.firstLeaf)];
    if (leaf.maxRep == 0 || d.nextLevel >= d.reps.size()) return 0;
    return d.reps[d.nextLevel];
  }
  void skipAll(const RNode& node) {
    for (int l = node.firstLeaf; l < node.endLeaf; ++l) ++data_[static_cast<size_t>(l)].nextLevel;
  }

  void assemble(const RNode& node, Vector& out) {
    if (node.firstLeaf == node.endLeaf) {  // a group without leaves
      out.appendNull();
      return;
    }
    const int def = peekDef(node);
    if (def < node.defLevel) {
      out.appendNull();
      skipAll(node);
      return;
    }
    switch (node.kind) {
      case RNode::Kind::kLeaf:
        value(node, out);
        ++data_[static_cast<size_t>(node.leaf)].nextLevel;
        return;
      case RNode::Kind::kStruct:
        for (size_t c = 0; c < node.children.size(); ++c) assemble(node.children[c], out.mutableChild(c));
        out.appendStructRow();
        return;
      case RNode::Kind::kList:
      case RNode::Kind::kMap: {
        if (def == node.defLevel) {
          skipAll(node);  // present and empty: no entries
          out.appendListEnd();
          return;
        }
        do {
          for (size_t c = 0; c < node.children.size(); ++c) assemble(node.children[c], out.mutableChild(c));
          if (node.kind == RNode::Kind::kMap && node.children.size() == 1) out.mutableChild(1).appendNull();
        } while (more(node) && peekRep(node) == node.repLevel);
        out.appendListEnd();
        return;
      }
    }
  }

 private:
  bool more(const RNode& node) const {
    const auto& d = data_[static_cast<size_t>(node.firstLeaf)];
    return d.nextLevel < std::max(d.defs.size(), d.reps.size());
  }

  void value(const RNode& node, Vector& out) {
    auto& d = data_[static_cast<size_t>(node.leaf)];
    const Leaf& leaf = leaves_[static_cast<size_t>(node.leaf)];
    const SchemaElement& e = *leaf.element;
    const size_t k = d.nextValue++;
    auto fixedAt = [&](auto tag) {
      typename decltype(tag)::type v;
      if ((k + 1) * sizeof v > d.fixed.size()) corrupt(path_, "fewer values than levels");
      std::memcpy(&v, d.fixed.data() + k * sizeof v, sizeof v);
      return v;
    };
    auto stringAt = [&]() {
      if (k >= d.strings.size()) corrupt(path_, "fewer values than levels");
      return d.strings[k];
    };
    auto bigEndian = [&](std::string_view s) {
      columnar::int128_t v = (!s.empty() && static_cast<int8_t>(s[0]) < 0) ? -1 : 0;
      for (unsigned char ch : s) v = static_cast<columnar::int128_t>((static_cast<unsigned __int128>(v) << 8) | ch);
      return v;
    };
    switch (leaf.type->id()) {
      case TypeId::kBoolean: out.append<uint8_t>(static_cast<uint8_t>(fixedAt(std::type_identity<uint8_t>{}) != 0)); return;
      case TypeId::kByte: out.append<int8_t>(static_cast<int8_t>(fixedAt(std::type_identity<int32_t>{}))); return;
      case TypeId::kShort: out.append<int16_t>(static_cast<int16_t>(fixedAt(std::type_identity<int32_t>{}))); return;
      case TypeId::kInteger:
      case TypeId::kDate: out.append<int32_t>(fixedAt(std::type_identity<int32_t>{})); return;
      case TypeId::kLong:
        if (e.type == 1) out.append<int64_t>(static_cast<uint32_t>(fixedAt(std::type_identity<int32_t>{})));
        else out.append<int64_t>(fixedAt(std::type_identity<int64_t>{}));
        return;
      case TypeId::kFloat: out.append<float>(fixedAt(std::type_identity<float>{})); return;
      case TypeId::kDouble: out.append<double>(fixedAt(std::type_identity<double>{})); return;
      case TypeId::kTimestamp:
      case TypeId::kTimestampNtz: {
        if (e.type == 3) {
          // INT96: nanoseconds of the day, then the Julian day.
          if ((k + 1) * 12 > d.fixed.size()) corrupt(path_, "fewer values than levels");
          int64_t nanos;
          int32_t julian;
          std::memcpy(&nanos, d.fixed.data() + k * 12, 8);
          std::memcpy(&julian, d.fixed.data() + k * 12 + 8, 4);
          int64_t micros;
          if (__builtin_mul_overflow(static_cast<int64_t>(julian) - 2440588, int64_t{86400000000}, &micros) ||
              __builtin_add_overflow(micros, nanos / 1000, &micros)) {
            corrupt(path_, "an INT96 timestamp out of range");
          }
          out.append<int64_t>(micros);
          return;
        }
        int64_t v = fixedAt(std::type_identity<int64_t>{});
        const int unit = e.logical == 8 ? e.timeUnit : (e.converted == 9 ? 1 : 2);
        if (unit == 1 && __builtin_mul_overflow(v, int64_t{1000}, &v)) corrupt(path_, "a millisecond timestamp out of range");
        if (unit == 3) v /= 1000;
        out.append<int64_t>(v);
        return;
      }
      case TypeId::kDecimal: {
        columnar::int128_t v;
        if (e.type == 1) v = fixedAt(std::type_identity<int32_t>{});
        else if (e.type == 2) v = fixedAt(std::type_identity<int64_t>{});
        else v = bigEndian(stringAt());
        out.append<columnar::int128_t>(v);
        return;
      }
      default:
        out.appendString(stringAt());
        return;
    }
  }

  std::vector<ColumnData>& data_;
  const std::vector<Leaf>& leaves_;
  const std::string& path_;
};

struct ParsedFile {
  FileMeta meta;
  std::vector<Leaf> leaves;
  std::vector<RNode> roots;
};

ParsedFile parse(const std::string& bytes, const std::string& path) {
  ParsedFile f;
  f.meta = readFooter(bytes, path);
  f.leaves.reserve(f.meta.schema.size());
  f.roots = SchemaBuilder(f.meta, path).build(f.leaves);
  return f;
}

DataTypePtr schemaOf(const ParsedFile& f) {
  std::vector<types::Field> fields;
  for (const auto& r : f.roots) fields.push_back({r.name, r.type, true, fieldMetadata(r.element)});
  DataTypePtr fileSchema = DataType::structOf(std::move(fields));
  // Field ids (Delta's column mapping "id" mode matches columns by them) are only in the file's
  // own schema, so a file that has them keeps it.
  const bool fieldIds = std::any_of(f.meta.schema.begin(), f.meta.schema.end(),
                                    [](const SchemaElement& e) { return e.fieldId.has_value(); });
  if (!f.meta.sparkSchema.empty() && !fieldIds) {
    try {
      auto spark = DataType::fromJson(f.meta.sparkSchema);
      // Trust the Spark schema only where it agrees with the file's columns.
      if (spark->fields().size() == fileSchema->fields().size()) {
        bool same = true;
        for (size_t i = 0; i < spark->fields().size(); ++i) {
          same = same && spark->fields()[i].name == fileSchema->fields()[i].name &&
                 spark->fields()[i].type->sql() == fileSchema->fields()[i].type->sql();
        }
        if (same) return spark;
      }
    } catch (const Error&) {
    }
  }
  return fileSchema;
}

}  // namespace

DataTypePtr readSchema(const std::string& path) { return schemaOf(parse(formats::readFile(path), path)); }

DataTypePtr readSchemaOf(const std::string& bytes, const std::string& path) { return schemaOf(parse(bytes, path)); }

columnar::ColumnBatch readFile(const std::string& bytes, const std::string& path, const std::vector<std::string>& columns) {
  ParsedFile f = parse(bytes, path);
  DataTypePtr schema = schemaOf(f);
  std::vector<size_t> wanted;
  std::vector<types::Field> fields;
  for (size_t i = 0; i < f.roots.size(); ++i) {
    if (columns.empty() || std::find(columns.begin(), columns.end(), f.roots[i].name) != columns.end()) {
      wanted.push_back(i);
      fields.push_back(schema->fields()[i]);
    }
  }
  std::vector<columnar::MutableVectorPtr> out;
  for (size_t i : wanted) out.push_back(Vector::make(schema->fields()[i].type));
  for (const auto& group : f.meta.rowGroups) {
    if (group.columns.size() != f.leaves.size()) corrupt(path, "a row group's columns do not match the schema");
    if (group.numRows < 0) corrupt(path, "a row group with a negative number of rows");
    std::vector<ColumnData> data(f.leaves.size());
    std::vector<size_t> read;
    for (size_t i : wanted) {
      for (int l = f.roots[i].firstLeaf; l < f.roots[i].endLeaf; ++l) read.push_back(static_cast<size_t>(l));
    }
    // The row count is checked against a column even when only leafless groups are wanted.
    if (read.empty() && group.numRows > 0) {
      if (f.leaves.empty()) corrupt(path, "a row group has rows but the file has no columns");
      read.push_back(0);
    }
    for (size_t l : read) {
      readColumn(bytes, group.columns[l], f.leaves[l], path, data[l]);
      // Each column must hold exactly the group's rows, so a damaged row count can neither run the
      // assembly past the levels nor make it emit rows that no column holds.
      const ColumnData& d = data[l];
      const Leaf& leaf = f.leaves[l];
      const size_t records = leaf.maxRep > 0 ? static_cast<size_t>(std::count(d.reps.begin(), d.reps.end(), 0))
                             : leaf.maxDef > 0 ? d.defs.size()
                             : d.width == 0 || leaf.element->type == 6 || leaf.element->type == 7 ? d.strings.size()
                                                                                                   : d.fixed.size() / d.width;
      if (records != static_cast<uint64_t>(group.numRows)) {
        corrupt(path, "the column " + leaf.name + " holds " + std::to_string(records) + " rows where its row group has " +
                          std::to_string(group.numRows));
      }
    }
    Assembler assembler(data, f.leaves, path);
    for (int64_t row = 0; row < group.numRows; ++row) {
      for (size_t w = 0; w < wanted.size(); ++w) assembler.assemble(f.roots[wanted[w]], *out[w]);
    }
  }
  return columnar::ColumnBatch(DataType::structOf(std::move(fields)),
                               std::vector<columnar::VectorPtr>(out.begin(), out.end()));
}

namespace {

class ParquetScan final : public plan::ScanSource {
 public:
  ParquetScan(std::vector<std::string> paths, std::vector<std::string> files, DataTypePtr schema)
      : paths_(std::move(paths)), files_(std::move(files)), schema_(std::move(schema)) {}

  DataTypePtr schema() const override { return schema_; }

  plan::Partitions read() const override {
    plan::Partitions out(files_.size());
    base::ThreadPool::global().parallelFor(files_.size(), [&](size_t i) {
      std::vector<std::string> names;
      for (const auto& f : schema_->fields()) names.push_back(f.name);
      auto batch = readFile(formats::readFile(files_[i]), files_[i], names);
      // Columns in the scan's order; those the file lacks are NULL; types must agree.
      std::vector<columnar::VectorPtr> columns;
      for (const auto& f : schema_->fields()) {
        const auto& got = batch.schema()->fields();
        auto it = std::find_if(got.begin(), got.end(), [&](const types::Field& g) { return g.name == f.name; });
        if (it == got.end()) {
          auto v = Vector::make(f.type);
          for (size_t r = 0; r < batch.numRows(); ++r) v->appendNull();
          columns.push_back(v);
          continue;
        }
        if (it->type->sql() != f.type->sql()) {
          throw AnalysisError("PARQUET_COLUMN_TYPE_MISMATCH",
                              "The column `" + f.name + "` is " + it->type->sql() + " in " + files_[i] + ", but " +
                                  f.type->sql() + " was asked for. Read it with its own type and cast().");
        }
        columns.push_back(batch.column(static_cast<size_t>(it - got.begin())));
      }
      if (batch.numRows() > 0) out[i].push_back(columnar::ColumnBatch(schema_, std::move(columns), batch.numRows()));
    });
    return out;
  }

  std::shared_ptr<const plan::ScanSource> withColumns(const std::vector<std::string>& names) const override {
    std::vector<types::Field> fields;
    for (const auto& f : schema_->fields()) {
      if (std::find(names.begin(), names.end(), f.name) != names.end()) fields.push_back(f);
    }
    return std::make_shared<ParquetScan>(paths_, files_, DataType::structOf(std::move(fields)));
  }

  std::string describe() const override {
    std::string out = "ParquetScan [";
    for (size_t i = 0; i < paths_.size(); ++i) out += (i ? ", " : "") + paths_[i];
    return out + "]";
  }

 private:
  std::vector<std::string> paths_, files_;
  DataTypePtr schema_;
};

}  // namespace

std::shared_ptr<const plan::ScanSource> makeParquetScan(const std::vector<std::string>& paths,
                                                        const std::optional<types::DataTypePtr>& schema,
                                                        const plan::Options&) {
  std::vector<std::string> files = listDataFiles(paths);
  DataTypePtr resolved;
  if (schema) {
    resolved = *schema;
  } else {
    if (files.empty()) {
      throw AnalysisError("UNABLE_TO_INFER_SCHEMA",
                          "Unable to infer schema for Parquet: no files at the given paths. Give a schema, or check "
                          "the path.");
    }
    resolved = readSchema(files.front());
  }
  return std::make_shared<ParquetScan>(paths, std::move(files), std::move(resolved));
}

}  // namespace weir::formats::parquet
