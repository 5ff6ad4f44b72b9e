#include "weir/formats/parquet/parquet_writer.h"

#include <absl/container/flat_hash_map.h>
#include <lz4.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

#include "weir/base/error.h"
#include "weir/base/text.h"
#include "weir/base/thread_pool.h"
#include "weir/formats/file_listing.h"
#include "weir/formats/parquet/thrift_compact.h"

namespace weir::formats::parquet {

namespace {

using columnar::Vector;
using types::DataType;
using types::TypeId;

// Parquet's enums (parquet.thrift).
enum Physical : int32_t { kBoolean = 0, kInt32 = 1, kInt64 = 2, kFloat = 4, kDouble = 5, kByteArray = 6, kFixed = 7 };
enum Repetition : int32_t { kRequired = 0, kOptional = 1, kRepeated = 2 };
enum Encoding : int32_t { kPlain = 0, kRle = 3, kRleDictionary = 8 };
enum PageType : int32_t { kDataPage = 0, kDictionaryPage = 2 };
enum Converted : int32_t {
  kUtf8 = 0, kMap = 1, kList = 3, kDecimal = 5, kDate = 6, kTimestampMicros = 10, kInt8 = 15, kInt16 = 16
};

// Bytes of a FIXED_LEN_BYTE_ARRAY decimal of precision p: the fewest that hold 10^p - 1.
int decimalBytes(int precision) {
  int n = 1;
  while (std::pow(2.0, 8.0 * n - 1) - 1 < std::pow(10.0, precision) - 1) ++n;
  return n;
}

// ----- RLE / bit-packing hybrid

int bitWidth(uint64_t max) {
  int w = 0;
  while (max > 0) {
    ++w;
    max >>= 1;
  }
  return w;
}

void putVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Appends values [begin, end) as RLE runs (8 or more equal values) and bit-packed groups of 8.
template <class T>
void encodeHybrid(const T* values, size_t n, int width, std::string& out) {
  const size_t valueBytes = static_cast<size_t>((width + 7) / 8);
  std::vector<uint32_t> literals;
  auto flushLiterals = [&](bool final) {
    if (literals.empty()) return;
    if (final) {
      while (literals.size() % 8 != 0) literals.push_back(0);
    }
    const size_t groups = literals.size() / 8;
    putVarint(out, (groups << 1) | 1);
    // Bit-packed LSB first.
    uint64_t buffer = 0;
    int bits = 0;
    for (uint32_t v : literals) {
      buffer |= static_cast<uint64_t>(v) << bits;
      bits += width;
      while (bits >= 8) {
        out.push_back(static_cast<char>(buffer & 0xff));
        buffer >>= 8;
        bits -= 8;
      }
    }
    if (bits > 0) out.push_back(static_cast<char>(buffer & 0xff));
    literals.clear();
  };
  size_t i = 0;
  while (i < n) {
    size_t j = i + 1;
    while (j < n && values[j] == values[i]) ++j;
    size_t run = j - i;
    // Pad the literals to a multiple of 8 from the run, so the run can follow as RLE.
    while (run > 0 && literals.size() % 8 != 0) {
      literals.push_back(static_cast<uint32_t>(values[i]));
      ++i;
      --run;
    }
    if (run >= 8) {
      flushLiterals(false);
      putVarint(out, run << 1);
      const auto v = static_cast<uint32_t>(values[i]);
      for (size_t b = 0; b < valueBytes; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
      i = j;
    } else {
      for (; i < j; ++i) literals.push_back(static_cast<uint32_t>(values[i]));
    }
  }
  flushLiterals(true);
}

// ----- compression

std::string compress(Codec codec, const std::string& in) {
  switch (codec) {
    case Codec::kUncompressed:
      return in;
    case Codec::kSnappy: {
      std::string out;
      snappy::Compress(in.data(), in.size(), &out);
      return out;
    }
    case Codec::kZstd: {
      std::string out(ZSTD_compressBound(in.size()), '\0');
      size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), 1);
      if (ZSTD_isError(n)) throw IoError("PARQUET_COMPRESSION", std::string("zstd failed: ") + ZSTD_getErrorName(n));
      out.resize(n);
      return out;
    }
    case Codec::kLz4Raw: {
      std::string out(static_cast<size_t>(LZ4_compressBound(static_cast<int>(in.size()))), '\0');
      int n = LZ4_compress_default(in.data(), out.data(), static_cast<int>(in.size()), static_cast<int>(out.size()));
      if (n <= 0 && !in.empty()) throw IoError("PARQUET_COMPRESSION", "lz4 failed");
      out.resize(static_cast<size_t>(n));
      return out;
    }
    case Codec::kGzip: {
      z_stream z{};
      if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw IoError("PARQUET_COMPRESSION", "gzip init failed");
      }
      std::string out(deflateBound(&z, static_cast<uLong>(in.size())) + 32, '\0');
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z.avail_in = static_cast<uInt>(in.size());
      z.next_out = reinterpret_cast<Bytef*>(out.data());
      z.avail_out = static_cast<uInt>(out.size());
      int rc = deflate(&z, Z_FINISH);
      deflateEnd(&z);
      if (rc != Z_STREAM_END) throw IoError("PARQUET_COMPRESSION", "gzip failed");
      out.resize(z.total_out);
      return out;
    }
  }
  return in;
}

// ----- the schema as Parquet sees it

struct Leaf;

struct Node {
  enum class Kind : uint8_t { kLeaf, kStruct, kList, kMap } kind = Kind::kLeaf;
  const DataType* type = nullptr;
  std::string name;
  int repetition = kOptional;
  int defLevel = 0;  // the definition level when this node is present
  int repLevel = 0;  // lists and maps: the repetition level of their entries after the first
  std::vector<Node> children;  // struct fields; list: element; map: key, value
  int leaf = -1;
  int firstLeaf = 0, endLeaf = 0;
  std::optional<int32_t> fieldId;  // from the field's metadata "parquet.field.id", as Spark writes it
};

std::optional<int32_t> fieldIdOf(const types::Field& f) {
  if (f.metadata.find("parquet.field.id") == std::string::npos) return std::nullopt;
  auto meta = nlohmann::json::parse(f.metadata, nullptr, false);
  if (!meta.is_object() || !meta.contains("parquet.field.id") || !meta["parquet.field.id"].is_number_integer()) {
    return std::nullopt;
  }
  return meta["parquet.field.id"].get<int32_t>();
}

// One leaf column of the current row group: its levels and values as they are shredded.
struct Leaf {
  std::vector<std::string> path;
  const DataType* type = nullptr;
  Physical physical = kInt32;
  int typeLength = 0;
  int maxDef = 0, maxRep = 0;
  std::vector<uint8_t> defs, reps;
  size_t levels = 0;     // level entries (values and nulls)
  size_t values = 0;     // present values
  size_t nulls = 0;
  std::string plain;     // PLAIN-encoded values (booleans: one byte each until the page is cut)
  bool dictionary = false;
  absl::flat_hash_map<std::string_view, uint32_t> dict;  // views into dictValues
  std::deque<std::string> dictValues;
  size_t dictBytes = 0;
  std::vector<uint32_t> indices;
  // Pages cut so far: ends of level entries and of values.
  std::vector<std::pair<size_t, size_t>> pageEnds;
  size_t pageStartLevel = 0, pageStartValue = 0, pageStartBytes = 0;
  // Statistics of the row group.
  bool hasMinMax = false;
  std::string min, max;

  size_t pendingBytes() const { return dictionary ? (indices.size() - pageStartValue) * 2 : plain.size() - pageStartBytes; }
};

// Whether a < b for two PLAIN-encoded values of a leaf (byte arrays without their length).
bool lessThan(const Leaf& leaf, std::string_view a, std::string_view b) {
  auto load = [](std::string_view s, auto tag) {
    typename decltype(tag)::type v;
    std::memcpy(&v, s.data(), sizeof v);
    return v;
  };
  switch (leaf.physical) {
    case kBoolean:
      return a[0] < b[0];
    case kInt32:
      return load(a, std::type_identity<int32_t>{}) < load(b, std::type_identity<int32_t>{});
    case kInt64:
      return load(a, std::type_identity<int64_t>{}) < load(b, std::type_identity<int64_t>{});
    case kFloat:
      return load(a, std::type_identity<float>{}) < load(b, std::type_identity<float>{});
    case kDouble:
      return load(a, std::type_identity<double>{}) < load(b, std::type_identity<double>{});
    case kFixed: {
      // Big-endian two's complement: the sign byte compares signed, the rest unsigned.
      auto sa = static_cast<int8_t>(a[0]), sb = static_cast<int8_t>(b[0]);
      if (sa != sb) return sa < sb;
      return a.substr(1) < b.substr(1);
    }
    default:
      return a < b;  // string_view compares bytes as unsigned
  }
}

void updateStats(Leaf& leaf, std::string_view value) {
  if (leaf.physical == kFloat || leaf.physical == kDouble) {
    double d;
    if (leaf.physical == kFloat) {
      float f;
      std::memcpy(&f, value.data(), 4);
      d = f;
    } else {
      std::memcpy(&d, value.data(), 8);
    }
    if (std::isnan(d)) return;  // NaN is left out of min and max, as parquet-mr does
  }
  if (!leaf.hasMinMax) {
    leaf.min.assign(value);
    leaf.max.assign(value);
    leaf.hasMinMax = true;
    return;
  }
  if (lessThan(leaf, value, leaf.min)) leaf.min.assign(value);
  if (lessThan(leaf, leaf.max, value)) leaf.max.assign(value);
}

}  // namespace

Codec codecOption(const plan::Options& options) {
  std::string name = base::asciiLower(options.get("compression", options.get("parquet.compression", "snappy")));
  if (name == "none" || name == "uncompressed") return Codec::kUncompressed;
  if (name == "snappy") return Codec::kSnappy;
  if (name == "gzip") return Codec::kGzip;
  if (name == "zstd") return Codec::kZstd;
  if (name == "lz4" || name == "lz4_raw" || name == "lz4raw") return Codec::kLz4Raw;
  throw InvalidInputError("CODEC_NOT_AVAILABLE",
                          "The Parquet compression codec '" + name +
                              "' is not available. Use one of: none, uncompressed, snappy, gzip, zstd, lz4.");
}

std::string codecExtension(Codec codec) {
  switch (codec) {
    case Codec::kSnappy: return "snappy";
    case Codec::kGzip: return "gz";
    case Codec::kZstd: return "zstd";
    case Codec::kLz4Raw: return "lz4raw";
    default: return "";
  }
}

struct FileWriter::Impl {
  types::DataTypePtr schema;
  WriterOptions options;
  std::vector<Node> roots;
  std::vector<Leaf> leaves;
  std::string out = "PAR1";
  size_t rowsInGroup = 0, bufferedBytes = 0;
  int64_t totalRows = 0;
  std::string rowGroups;  // encoded RowGroup structs
  size_t numRowGroups = 0;

  Impl(types::DataTypePtr s, WriterOptions o) : schema(std::move(s)), options(o) {
    for (const auto& f : schema->fields()) {
      roots.push_back(buildNode(*f.type, f.name, kOptional, 0, 0, {}));
      roots.back().fieldId = fieldIdOf(f);
    }
  }

  Node buildNode(const DataType& type, const std::string& name, int repetition, int parentDef, int parentRep,
                 std::vector<std::string> path) {
    Node node;
    node.type = &type;
    node.name = name;
    node.repetition = repetition;
    node.defLevel = parentDef + (repetition == kOptional ? 1 : 0);
    path.push_back(name);
    node.firstLeaf = static_cast<int>(leaves.size());
    switch (type.id()) {
      case TypeId::kStruct:
        node.kind = Node::Kind::kStruct;
        for (const auto& f : type.fields()) {
          node.children.push_back(buildNode(*f.type, f.name, kOptional, node.defLevel, parentRep, path));
          node.children.back().fieldId = fieldIdOf(f);
        }
        break;
      case TypeId::kArray: {
        node.kind = Node::Kind::kList;
        node.repLevel = parentRep + 1;
        path.push_back("list");
        node.children.push_back(
            buildNode(*type.elementType(), "element", kOptional, node.defLevel + 1, node.repLevel, path));
        break;
      }
      case TypeId::kMap: {
        node.kind = Node::Kind::kMap;
        node.repLevel = parentRep + 1;
        path.push_back("key_value");
        node.children.push_back(buildNode(*type.keyType(), "key", kRequired, node.defLevel + 1, node.repLevel, path));
        node.children.push_back(
            buildNode(*type.valueType(), "value", kOptional, node.defLevel + 1, node.repLevel, path));
        break;
      }
      case TypeId::kNull:
        throw AnalysisError("UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE",
                            "The Parquet datasource doesn't support the column `" + name +
                                "` of the type \"VOID\". Cast it to a concrete type first.");
      default: {
        node.kind = Node::Kind::kLeaf;
        Leaf leaf;
        leaf.path = path;
        leaf.type = &type;
        leaf.maxDef = node.defLevel;
        leaf.maxRep = parentRep;
        switch (type.id()) {
          case TypeId::kBoolean: leaf.physical = kBoolean; break;
          case TypeId::kByte:
          case TypeId::kShort:
          case TypeId::kInteger:
          case TypeId::kDate: leaf.physical = kInt32; break;
          case TypeId::kLong:
          case TypeId::kTimestamp:
          case TypeId::kTimestampNtz: leaf.physical = kInt64; break;
          case TypeId::kFloat: leaf.physical = kFloat; break;
          case TypeId::kDouble: leaf.physical = kDouble; break;
          case TypeId::kString:
          case TypeId::kBinary:
            leaf.physical = kByteArray;
            leaf.dictionary = options.dictionary;
            break;
          case TypeId::kDecimal:
            if (type.precision() <= 9) {
              leaf.physical = kInt32;
            } else if (type.precision() <= 18) {
              leaf.physical = kInt64;
            } else {
              leaf.physical = kFixed;
              leaf.typeLength = decimalBytes(type.precision());
            }
            break;
          default:
            throw AnalysisError("UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE",
                                "The Parquet datasource doesn't support the column `" + name + "` of the type \"" +
                                    type.sql() + "\".");
        }
        node.leaf = static_cast<int>(leaves.size());
        leaves.push_back(std::move(leaf));
        break;
      }
    }
    node.endLeaf = static_cast<int>(leaves.size());
    return node;
  }

  // ----- shredding rows into leaves

  void level(Leaf& leaf, int def, int rep) {
    if (leaf.maxDef > 0) leaf.defs.push_back(static_cast<uint8_t>(def));
    if (leaf.maxRep > 0) leaf.reps.push_back(static_cast<uint8_t>(rep));
    ++leaf.levels;
  }

  void nulls(const Node& node, int def, int rep) {
    for (int l = node.firstLeaf; l < node.endLeaf; ++l) {
      level(leaves[static_cast<size_t>(l)], def, rep);
      ++leaves[static_cast<size_t>(l)].nulls;
    }
  }

  void value(Leaf& leaf, const Vector& v, size_t i) {
    char buf[16];
    std::string_view bytes;
    switch (leaf.type->id()) {
      case TypeId::kBoolean: buf[0] = static_cast<char>(v.valueAt<uint8_t>(i) != 0); bytes = {buf, 1}; break;
      case TypeId::kByte: { int32_t x = v.valueAt<int8_t>(i); std::memcpy(buf, &x, 4); bytes = {buf, 4}; break; }
      case TypeId::kShort: { int32_t x = v.valueAt<int16_t>(i); std::memcpy(buf, &x, 4); bytes = {buf, 4}; break; }
      case TypeId::kInteger:
      case TypeId::kDate:
      case TypeId::kFloat: std::memcpy(buf, v.values<uint8_t>() + i * 4, 4); bytes = {buf, 4}; break;
      case TypeId::kLong:
      case TypeId::kTimestamp:
      case TypeId::kTimestampNtz:
      case TypeId::kDouble: std::memcpy(buf, v.values<uint8_t>() + i * 8, 8); bytes = {buf, 8}; break;
      case TypeId::kDecimal: {
        const auto unscaled = v.valueAt<columnar::int128_t>(i);
        if (leaf.physical == kInt32) {
          auto x = static_cast<int32_t>(unscaled);
          std::memcpy(buf, &x, 4);
          bytes = {buf, 4};
        } else if (leaf.physical == kInt64) {
          auto x = static_cast<int64_t>(unscaled);
          std::memcpy(buf, &x, 8);
          bytes = {buf, 8};
        } else {
          const auto u = static_cast<unsigned __int128>(unscaled);
          for (int b = 0; b < leaf.typeLength; ++b) {
            buf[leaf.typeLength - 1 - b] = static_cast<char>((u >> (8 * b)) & 0xff);
          }
          bytes = {buf, static_cast<size_t>(leaf.typeLength)};
        }
        break;
      }
      default: bytes = v.stringAt(i); break;
    }
    addValue(leaf, bytes);
  }

  // One present value in PLAIN bytes (byte arrays without their length): statistics, then the
  // dictionary or the PLAIN buffer.
  void addValue(Leaf& leaf, std::string_view bytes) {
    updateStats(leaf, bytes);
    ++leaf.values;
    if (leaf.dictionary) {
      dictionaryValue(leaf, bytes);
      return;
    }
    if (leaf.physical == kByteArray) {
      const auto size = static_cast<uint32_t>(bytes.size());
      leaf.plain.append(reinterpret_cast<const char*>(&size), 4);
    }
    leaf.plain.append(bytes);
  }

  void dictionaryValue(Leaf& leaf, std::string_view bytes) {
    auto it = leaf.dict.find(bytes);
    uint32_t index;
    if (it != leaf.dict.end()) {
      index = it->second;
    } else {
      index = static_cast<uint32_t>(leaf.dictValues.size());
      leaf.dictValues.emplace_back(bytes);
      leaf.dict.emplace(leaf.dictValues.back(), index);
      leaf.dictBytes += 4 + bytes.size();
    }
    leaf.indices.push_back(index);
    if (leaf.dictBytes > options.dictionaryBytes) toPlain(leaf);
  }

  // The dictionary grew too large: this row group's values so far become PLAIN.
  void toPlain(Leaf& leaf) {
    leaf.dictionary = false;
    for (uint32_t index : leaf.indices) {
      const std::string& s = leaf.dictValues[index];
      const auto size = static_cast<uint32_t>(s.size());
      leaf.plain.append(reinterpret_cast<const char*>(&size), 4);
      leaf.plain.append(s);
    }
    leaf.indices.clear();
    leaf.dict.clear();
    leaf.dictValues.clear();
    leaf.dictBytes = 0;
    // Pages cut while the dictionary was on are written from PLAIN values now; their value ranges
    // stay valid.
  }

  void shred(const Node& node, const Vector& v, size_t i, int rep) {
    if (v.typeId() == TypeId::kNull || v.isNull(i)) {
      if (node.repetition == kRequired) {
        throw InvalidInputError("PARQUET_NULL_IN_REQUIRED",
                                "A map key is NULL in column `" + node.name + "`; Parquet map keys cannot be null.");
      }
      nulls(node, node.defLevel - 1, rep);
      return;
    }
    switch (node.kind) {
      case Node::Kind::kLeaf: {
        Leaf& leaf = leaves[static_cast<size_t>(node.leaf)];
        level(leaf, node.defLevel, rep);
        value(leaf, v, i);
        return;
      }
      case Node::Kind::kStruct:
        for (size_t c = 0; c < node.children.size(); ++c) shred(node.children[c], v.child(c), i, rep);
        return;
      case Node::Kind::kList:
      case Node::Kind::kMap: {
        const uint32_t begin = v.offsets()[i], end = v.offsets()[i + 1];
        if (begin == end) {
          nulls(node, node.defLevel, rep);  // an empty list or map
          return;
        }
        for (uint32_t k = begin; k < end; ++k) {
          const int r = k == begin ? rep : node.repLevel;
          for (size_t c = 0; c < node.children.size(); ++c) shred(node.children[c], v.child(c), k, r);
        }
        return;
      }
    }
  }

  // A top-level primitive column, a batch at a time: levels from the validity, fixed-width values
  // copied in bulk, typed statistics.
  void writeFlat(Leaf& leaf, const Vector& v, size_t from, size_t n) {
    const bool nullable = v.typeId() == TypeId::kNull || v.mayHaveNulls();
    size_t present = n;
    if (nullable) {
      present = 0;
      for (size_t i = from; i < from + n; ++i) {
        const bool null = v.isNull(i);
        leaf.defs.push_back(null ? 0 : 1);
        present += null ? 0 : 1;
      }
    } else {
      leaf.defs.insert(leaf.defs.end(), n, 1);
    }
    leaf.levels += n;
    leaf.nulls += n - present;
    auto fixed = [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T* values = v.values<T>() + from;
      bool any = false;
      T lo{}, hi{};
      const size_t before = leaf.plain.size();
      if (present == n) {
        leaf.plain.append(reinterpret_cast<const char*>(values), n * sizeof(T));
      } else {
        leaf.plain.resize(before + present * sizeof(T));
      }
      char* out = leaf.plain.data() + before;
      for (size_t i = 0; i < n; ++i) {
        if (present != n) {
          if (v.isNull(from + i)) continue;
          std::memcpy(out, &values[i], sizeof(T));
          out += sizeof(T);
        }
        const T x = values[i];
        if constexpr (std::is_floating_point_v<T>) {
          if (std::isnan(x)) continue;
        }
        if (!any) {
          lo = hi = x;
          any = true;
        } else {
          lo = x < lo ? x : lo;
          hi = hi < x ? x : hi;
        }
      }
      leaf.values += present;
      if (any) {
        updateStats(leaf, std::string_view(reinterpret_cast<const char*>(&lo), sizeof(T)));
        updateStats(leaf, std::string_view(reinterpret_cast<const char*>(&hi), sizeof(T)));
      }
    };
    switch (leaf.type->id()) {
      case TypeId::kInteger:
      case TypeId::kDate:
        return fixed(std::type_identity<int32_t>{});
      case TypeId::kLong:
      case TypeId::kTimestamp:
      case TypeId::kTimestampNtz:
        return fixed(std::type_identity<int64_t>{});
      case TypeId::kFloat:
        return fixed(std::type_identity<float>{});
      case TypeId::kDouble:
        return fixed(std::type_identity<double>{});
      case TypeId::kString:
      case TypeId::kBinary:
        for (size_t i = from; i < from + n; ++i) {
          if (!nullable || !v.isNull(i)) addValue(leaf, v.stringAt(i));
        }
        return;
      default:
        for (size_t i = from; i < from + n; ++i) {
          if (!nullable || !v.isNull(i)) value(leaf, v, i);
        }
        return;
    }
  }

  void write(const columnar::ColumnBatch& batch) {
    const size_t n = batch.numRows();
    // Pieces of 4096 rows; pages and row groups end between pieces.
    for (size_t from = 0; from < n; from += 4096) {
      const size_t count = std::min<size_t>(4096, n - from);
      for (size_t c = 0; c < roots.size(); ++c) {
        const Node& root = roots[c];
        const Vector& v = *batch.column(c);
        if (root.kind == Node::Kind::kLeaf && v.typeId() != TypeId::kNull) {
          writeFlat(leaves[static_cast<size_t>(root.leaf)], v, from, count);
        } else {
          for (size_t row = from; row < from + count; ++row) shred(root, v, row, 0);
        }
      }
      rowsInGroup += count;
      for (auto& leaf : leaves) {
        if (leaf.pendingBytes() >= options.pageBytes) cutPage(leaf);
      }
      size_t bytes = 0;
      for (const auto& leaf : leaves) bytes += leaf.plain.size() + leaf.indices.size() * 2 + leaf.levels / 2;
      if (bytes >= options.rowGroupBytes) flushRowGroup();
    }
  }

  void cutPage(Leaf& leaf) {
    const size_t valueEnd = leaf.dictionary ? leaf.indices.size() : leaf.values;
    if (leaf.levels == leaf.pageStartLevel) return;
    leaf.pageEnds.emplace_back(leaf.levels, leaf.values);
    leaf.pageStartLevel = leaf.levels;
    leaf.pageStartValue = valueEnd;
    leaf.pageStartBytes = leaf.plain.size();
  }

  // ----- encoding a row group

  void pageHeader(CompactWriter& w, PageType type, size_t uncompressed, size_t compressed) {
    w.begin();
    w.i32(1, type);
    w.i32(2, static_cast<int32_t>(uncompressed));
    w.i32(3, static_cast<int32_t>(compressed));
  }

  // The PLAIN bytes of values [from, to) of a leaf (byte offsets found by walking for byte arrays).
  std::string_view plainRange(const Leaf& leaf, size_t from, size_t to, std::vector<size_t>& byteOffsets) {
    if (leaf.physical == kByteArray) {
      if (byteOffsets.empty()) {
        byteOffsets.reserve(leaf.values + 1);
        size_t at = 0;
        byteOffsets.push_back(0);
        while (at < leaf.plain.size()) {
          uint32_t size;
          std::memcpy(&size, leaf.plain.data() + at, 4);
          at += 4 + size;
          byteOffsets.push_back(at);
        }
      }
      return std::string_view(leaf.plain).substr(byteOffsets[from], byteOffsets[to] - byteOffsets[from]);
    }
    const size_t width = leaf.physical == kBoolean ? 1 : leaf.physical == kFixed ? static_cast<size_t>(leaf.typeLength)
                                                         : (leaf.physical == kInt32 || leaf.physical == kFloat) ? 4 : 8;
    return std::string_view(leaf.plain).substr(from * width, (to - from) * width);
  }

  void writeChunk(Leaf& leaf, CompactWriter& group) {
    cutPage(leaf);
    const size_t chunkStart = out.size();
    size_t uncompressedTotal = 0;
    int64_t dictionaryOffset = -1;
    const Codec codec = options.codec;
    auto emitPage = [&](PageType type, const std::string& body, const std::function<void(CompactWriter&)>& fill) {
      std::string compressed = compress(codec, body);
      CompactWriter h;
      pageHeader(h, type, body.size(), compressed.size());
      fill(h);
      h.end();
      uncompressedTotal += h.bytes().size() + body.size();
      out += h.bytes();
      out += compressed;
    };
    if (leaf.dictionary) {
      dictionaryOffset = static_cast<int64_t>(out.size());
      std::string body;
      for (const auto& s : leaf.dictValues) {
        const auto size = static_cast<uint32_t>(s.size());
        body.append(reinterpret_cast<const char*>(&size), 4);
        body += s;
      }
      emitPage(kDictionaryPage, body, [&](CompactWriter& h) {
        h.structBegin(7);
        h.i32(1, static_cast<int32_t>(leaf.dictValues.size()));
        h.i32(2, kPlain);
        h.structEnd();
      });
    }
    const int64_t dataOffset = static_cast<int64_t>(out.size());
    const int dictWidth = bitWidth(leaf.dictValues.empty() ? 0 : leaf.dictValues.size() - 1);
    std::vector<size_t> byteOffsets;
    size_t levelFrom = 0, valueFrom = 0;
    for (const auto& [levelTo, valueTo] : leaf.pageEnds) {
      std::string body;
      auto levels = [&](const std::vector<uint8_t>& v, int max) {
        if (max == 0) return;
        std::string encoded;
        encodeHybrid(v.data() + levelFrom, levelTo - levelFrom, bitWidth(static_cast<uint64_t>(max)), encoded);
        const auto size = static_cast<uint32_t>(encoded.size());
        body.append(reinterpret_cast<const char*>(&size), 4);
        body += encoded;
      };
      levels(leaf.reps, leaf.maxRep);
      levels(leaf.defs, leaf.maxDef);
      if (leaf.dictionary) {
        body.push_back(static_cast<char>(dictWidth));
        encodeHybrid(leaf.indices.data() + valueFrom, valueTo - valueFrom, dictWidth, body);
      } else if (leaf.physical == kBoolean) {
        std::string_view bits = plainRange(leaf, valueFrom, valueTo, byteOffsets);
        std::string packed((bits.size() + 7) / 8, '\0');
        for (size_t k = 0; k < bits.size(); ++k) {
          if (bits[k] != 0) packed[k / 8] = static_cast<char>(packed[k / 8] | (1 << (k % 8)));
        }
        body += packed;
      } else {
        body += plainRange(leaf, valueFrom, valueTo, byteOffsets);
      }
      emitPage(kDataPage, body, [&](CompactWriter& h) {
        h.structBegin(5);
        h.i32(1, static_cast<int32_t>(levelTo - levelFrom));
        h.i32(2, leaf.dictionary ? kRleDictionary : kPlain);
        h.i32(3, kRle);
        h.i32(4, kRle);
        h.structEnd();
      });
      levelFrom = levelTo;
      valueFrom = valueTo;
    }
    const size_t compressedTotal = out.size() - chunkStart;
    // The ColumnChunk and its ColumnMetaData.
    group.elementStructBegin();
    group.i64(2, static_cast<int64_t>(chunkStart));
    group.structBegin(3);
    group.i32(1, leaf.physical);
    std::vector<int32_t> encodings = {kPlain, kRle};
    if (leaf.dictionary) encodings.push_back(kRleDictionary);
    group.listBegin(2, CType::kI32, encodings.size());
    for (auto e : encodings) group.elementI32(e);
    group.listBegin(3, CType::kBinary, leaf.path.size());
    for (const auto& p : leaf.path) group.elementBinary(p);
    group.i32(4, static_cast<int32_t>(codec));
    group.i64(5, static_cast<int64_t>(leaf.levels));
    group.i64(6, static_cast<int64_t>(uncompressedTotal));
    group.i64(7, static_cast<int64_t>(compressedTotal));
    group.i64(9, dataOffset);
    if (dictionaryOffset >= 0) group.i64(11, dictionaryOffset);
    group.structBegin(12);
    group.i64(3, static_cast<int64_t>(leaf.nulls));
    if (leaf.hasMinMax) {
      group.binary(5, leaf.max);
      group.binary(6, leaf.min);
    }
    group.structEnd();
    group.structEnd();
    group.elementStructEnd();
    rowGroupUncompressed += uncompressedTotal;
    rowGroupCompressed += compressedTotal;
  }

  size_t rowGroupUncompressed = 0, rowGroupCompressed = 0;

  void flushRowGroup() {
    if (rowsInGroup == 0) return;
    const size_t groupStart = out.size();
    rowGroupUncompressed = rowGroupCompressed = 0;
    CompactWriter group;
    group.elementStructBegin();
    group.listBegin(1, CType::kStruct, leaves.size());
    for (auto& leaf : leaves) writeChunk(leaf, group);
    group.i64(2, static_cast<int64_t>(rowGroupUncompressed));
    group.i64(3, static_cast<int64_t>(rowsInGroup));
    group.i64(5, static_cast<int64_t>(groupStart));
    group.i64(6, static_cast<int64_t>(rowGroupCompressed));
    group.elementStructEnd();
    rowGroups += group.bytes();
    ++numRowGroups;
    totalRows += static_cast<int64_t>(rowsInGroup);
    rowsInGroup = 0;
    for (auto& leaf : leaves) {
      Leaf fresh;
      fresh.path = std::move(leaf.path);
      fresh.type = leaf.type;
      fresh.physical = leaf.physical;
      fresh.typeLength = leaf.typeLength;
      fresh.maxDef = leaf.maxDef;
      fresh.maxRep = leaf.maxRep;
      fresh.dictionary = leaf.physical == kByteArray && options.dictionary;
      leaf = std::move(fresh);
    }
  }

  // ----- the footer

  void schemaElement(CompactWriter& w, const Node& node) {
    w.elementStructBegin();
    const DataType& t = *node.type;
    if (node.kind == Node::Kind::kLeaf) {
      const Leaf& leaf = leaves[static_cast<size_t>(node.leaf)];
      w.i32(1, leaf.physical);
      if (leaf.physical == kFixed) w.i32(2, leaf.typeLength);
    }
    w.i32(3, node.repetition);
    w.binary(4, node.name);
    if (node.kind == Node::Kind::kStruct) w.i32(5, static_cast<int32_t>(node.children.size()));
    if (node.kind == Node::Kind::kList || node.kind == Node::Kind::kMap) w.i32(5, 1);
    // Legacy converted type, then the logical type (a union: one field set).
    auto logical = [&](int16_t id, const std::function<void()>& fields) {
      w.structBegin(10);
      w.structBegin(id);
      fields();
      w.structEnd();
      w.structEnd();
    };
    switch (t.id()) {
      case TypeId::kString:
        w.i32(6, kUtf8);
        logical(1, [] {});
        break;
      case TypeId::kByte:
      case TypeId::kShort:
        w.i32(6, t.id() == TypeId::kByte ? kInt8 : kInt16);
        logical(10, [&] {
          w.i8(1, t.id() == TypeId::kByte ? 8 : 16);
          w.boolean(2, true);
        });
        break;
      case TypeId::kDate:
        w.i32(6, kDate);
        logical(6, [] {});
        break;
      case TypeId::kTimestamp:
      case TypeId::kTimestampNtz: {
        const bool utc = t.id() == TypeId::kTimestamp;
        if (utc) w.i32(6, kTimestampMicros);
        logical(8, [&] {
          w.boolean(1, utc);
          w.structBegin(2);
          w.structBegin(2);  // MICROS
          w.structEnd();
          w.structEnd();
        });
        break;
      }
      case TypeId::kDecimal:
        w.i32(6, kDecimal);
        w.i32(7, t.scale());
        w.i32(8, t.precision());
        logical(5, [&] {
          w.i32(1, t.scale());
          w.i32(2, t.precision());
        });
        break;
      case TypeId::kArray:
        w.i32(6, kList);
        logical(3, [] {});
        break;
      case TypeId::kMap:
        w.i32(6, kMap);
        logical(2, [] {});
        break;
      default:
        break;
    }
    if (node.fieldId) w.i32(9, *node.fieldId);
    w.elementStructEnd();
    // The groups under lists and maps, then the children.
    if (node.kind == Node::Kind::kList || node.kind == Node::Kind::kMap) {
      w.elementStructBegin();
      w.i32(3, kRepeated);
      w.binary(4, node.kind == Node::Kind::kList ? "list" : "key_value");
      w.i32(5, static_cast<int32_t>(node.children.size()));
      w.elementStructEnd();
    }
    for (const auto& child : node.children) schemaElement(w, child);
  }

  static size_t countElements(const Node& node) {
    size_t n = 1 + (node.kind == Node::Kind::kList || node.kind == Node::Kind::kMap ? 1 : 0);
    for (const auto& c : node.children) n += countElements(c);
    return n;
  }

  std::string finish() {
    flushRowGroup();
    CompactWriter meta;
    meta.begin();
    meta.i32(1, 1);
    size_t elements = 1;
    for (const auto& r : roots) elements += countElements(r);
    meta.listBegin(2, CType::kStruct, elements);
    meta.elementStructBegin();
    meta.binary(4, "spark_schema");
    meta.i32(5, static_cast<int32_t>(roots.size()));
    meta.elementStructEnd();
    for (const auto& r : roots) schemaElement(meta, r);
    meta.i64(3, totalRows);
    meta.listBegin(4, CType::kStruct, numRowGroups);
    meta.raw(rowGroups);
    meta.listBegin(5, CType::kStruct, 1);
    meta.elementStructBegin();
    meta.binary(1, "org.apache.spark.sql.parquet.row.metadata");
    meta.binary(2, schema->json());
    meta.elementStructEnd();
    meta.binary(6, "weir version " WEIR_VERSION);
    meta.listBegin(7, CType::kStruct, leaves.size());
    for (size_t i = 0; i < leaves.size(); ++i) {
      meta.elementStructBegin();
      meta.structBegin(1);  // TYPE_ORDER
      meta.structEnd();
      meta.elementStructEnd();
    }
    meta.end();
    const std::string footer = meta.take();
    out += footer;
    const auto length = static_cast<uint32_t>(footer.size());
    out.append(reinterpret_cast<const char*>(&length), 4);
    out += "PAR1";
    return std::move(out);
  }
};

FileWriter::FileWriter(types::DataTypePtr schema, WriterOptions options)
    : impl_(std::make_unique<Impl>(std::move(schema), options)) {}
FileWriter::~FileWriter() = default;
void FileWriter::write(const columnar::ColumnBatch& batch) { impl_->write(batch); }
std::string FileWriter::finish() { return impl_->finish(); }

void writeParquetFiles(const plan::Partitions& data, const types::DataTypePtr& schema, const std::string& dir,
                       const plan::Options& options) {
  WriterOptions writerOptions;
  writerOptions.codec = codecOption(options);
  // Checked before anything is written: an unsupported column type fails here.
  FileWriter check(schema, writerOptions);
  const std::string codec = codecExtension(writerOptions.codec);
  const std::string extension = codec.empty() ? "parquet" : codec + ".parquet";
  const std::string uuid = randomUuid();
  base::ThreadPool::global().parallelFor(data.size(), [&](size_t i) {
    FileWriter writer(schema, writerOptions);
    for (const auto& batch : data[i]) writer.write(batch);
    writeFileAtomically((std::filesystem::path(dir) / partFileName(i, uuid, extension)).string(), writer.finish());
  });
  writeFileAtomically((std::filesystem::path(dir) / "_SUCCESS").string(), "");
}

}  // namespace weir::formats::parquet
