#include "weir/formats/parquet/parquet_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>

#include "weir/base/error.h"
#include "weir/base/text.h"
#include "weir/base/thread_pool.h"
#include "weir/formats/file_listing.h"
#include "weir/formats/parquet/column_chunk_writer.h"
#include "weir/formats/parquet/thrift_compact.h"

namespace weir::formats::parquet {

namespace {

using columnar::Vector;
using types::DataType;
using types::TypeId;

// Parquet's converted types (parquet.thrift).
enum Converted : int32_t {
  kUtf8 = 0,
  kMap = 1,
  kList = 3,
  kDecimal = 5,
  kDate = 6,
  kTimestampMicros = 10,
  kInt8 = 15,
  kInt16 = 16
};

// Bytes of a FIXED_LEN_BYTE_ARRAY decimal of precision p: the fewest that hold 10^p - 1.
int decimalBytes(int precision) {
  int n = 1;
  while (std::pow(2.0, 8.0 * n - 1) - 1 < std::pow(10.0, precision) - 1) ++n;
  return n;
}

// ----- the schema as Parquet sees it

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
  std::optional<int32_t>
      fieldId;  // from the field's metadata "parquet.field.id", as Spark writes it
};

std::optional<int32_t> fieldIdOf(const types::Field& f) {
  if (f.metadata.find("parquet.field.id") == std::string::npos) return std::nullopt;
  auto meta = nlohmann::json::parse(f.metadata, nullptr, false);
  if (!meta.is_object() || !meta.contains("parquet.field.id") ||
      !meta["parquet.field.id"].is_number_integer()) {
    return std::nullopt;
  }
  return meta["parquet.field.id"].get<int32_t>();
}

}  // namespace

Codec codecOption(const plan::Options& options) {
  std::string name =
      base::asciiLower(options.get("compression", options.get("parquet.compression", "snappy")));
  if (name == "none" || name == "uncompressed") return Codec::kUncompressed;
  if (name == "snappy") return Codec::kSnappy;
  if (name == "gzip") return Codec::kGzip;
  if (name == "zstd") return Codec::kZstd;
  if (name == "lz4" || name == "lz4_raw" || name == "lz4raw") return Codec::kLz4Raw;
  throw InvalidInputError(
      "CODEC_NOT_AVAILABLE",
      "The Parquet compression codec '" + name +
          "' is not available. Use one of: none, uncompressed, snappy, gzip, zstd, lz4.");
}

std::string codecExtension(Codec codec) {
  switch (codec) {
    case Codec::kSnappy:
      return "snappy";
    case Codec::kGzip:
      return "gz";
    case Codec::kZstd:
      return "zstd";
    case Codec::kLz4Raw:
      return "lz4raw";
    default:
      return "";
  }
}

struct FileWriter::Impl {
  types::DataTypePtr schema;
  WriterOptions options;
  std::vector<Node> roots;
  std::vector<LeafSchema> leafSchemas;     // while the schema is built
  std::vector<ColumnChunkWriter> columns;  // one per leaf
  // Per leaf: the child index at each struct below its root (roots without lists or maps).
  std::vector<std::vector<int>> structPaths;
  std::vector<bool> flatRoots;  // roots without lists or maps: levels computed column-wise
  std::string out = "PAR1";
  size_t rowsInGroup = 0;
  int64_t totalRows = 0;
  std::string rowGroups;  // encoded RowGroup structs
  size_t numRowGroups = 0;

  // Scratch, kept between batches: the levels and present rows of a leaf being shredded.
  struct Shredded {
    std::vector<uint8_t> defs, reps;
    std::vector<uint32_t> rows;
    const Vector* values = nullptr;  // the leaf's vector the rows index
  };
  std::vector<Shredded> shredded;
  std::vector<uint8_t> levels;
  std::vector<uint32_t> presentRows;

  Impl(types::DataTypePtr s, WriterOptions o) : schema(std::move(s)), options(o) {
    for (const auto& f : schema->fields()) {
      roots.push_back(buildNode(*f.type, f.name, kOptional, 0, 0, {}));
      roots.back().fieldId = fieldIdOf(f);
      flatRoots.push_back(isFlat(roots.back()));
    }
    columns.reserve(leafSchemas.size());
    for (auto& leaf : leafSchemas) columns.emplace_back(std::move(leaf), options);
    leafSchemas.clear();
    structPaths.resize(columns.size());
    for (const auto& root : roots) {
      if (isFlat(root)) recordStructPaths(root, {});
    }
    shredded.resize(columns.size());
  }

  static bool isFlat(const Node& node) {
    if (node.kind == Node::Kind::kList || node.kind == Node::Kind::kMap) return false;
    return std::all_of(node.children.begin(), node.children.end(), isFlat);
  }

  void recordStructPaths(const Node& node, std::vector<int> path) {
    if (node.kind == Node::Kind::kLeaf) {
      structPaths[static_cast<size_t>(node.leaf)] = std::move(path);
      return;
    }
    for (size_t c = 0; c < node.children.size(); ++c) {
      std::vector<int> child = path;
      child.push_back(static_cast<int>(c));
      recordStructPaths(node.children[c], std::move(child));
    }
  }

  Node buildNode(const DataType& type, const std::string& name, int repetition, int parentDef,
                 int parentRep, std::vector<std::string> path) {
    Node node;
    node.type = &type;
    node.name = name;
    node.repetition = repetition;
    node.defLevel = parentDef + (repetition == kOptional ? 1 : 0);
    path.push_back(name);
    node.firstLeaf = static_cast<int>(leafSchemas.size());
    switch (type.id()) {
      case TypeId::kStruct:
        node.kind = Node::Kind::kStruct;
        for (const auto& f : type.fields()) {
          node.children.push_back(
              buildNode(*f.type, f.name, kOptional, node.defLevel, parentRep, path));
          node.children.back().fieldId = fieldIdOf(f);
        }
        break;
      case TypeId::kArray: {
        node.kind = Node::Kind::kList;
        node.repLevel = parentRep + 1;
        path.push_back("list");
        node.children.push_back(buildNode(*type.elementType(), "element", kOptional,
                                          node.defLevel + 1, node.repLevel, path));
        break;
      }
      case TypeId::kMap: {
        node.kind = Node::Kind::kMap;
        node.repLevel = parentRep + 1;
        path.push_back("key_value");
        node.children.push_back(
            buildNode(*type.keyType(), "key", kRequired, node.defLevel + 1, node.repLevel, path));
        node.children.push_back(buildNode(*type.valueType(), "value", kOptional, node.defLevel + 1,
                                          node.repLevel, path));
        break;
      }
      case TypeId::kNull:
        throw AnalysisError("UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE",
                            "The Parquet datasource doesn't support the column `" + name +
                                "` of the type \"VOID\". Cast it to a concrete type first.");
      default: {
        node.kind = Node::Kind::kLeaf;
        LeafSchema leaf;
        leaf.path = path;
        leaf.type = &type;
        leaf.maxDef = node.defLevel;
        leaf.maxRep = parentRep;
        switch (type.id()) {
          case TypeId::kBoolean:
            leaf.physical = kBoolean;
            break;
          case TypeId::kByte:
          case TypeId::kShort:
          case TypeId::kInteger:
          case TypeId::kDate:
            leaf.physical = kInt32;
            break;
          case TypeId::kLong:
          case TypeId::kTimestamp:
          case TypeId::kTimestampNtz:
            leaf.physical = kInt64;
            break;
          case TypeId::kFloat:
            leaf.physical = kFloat;
            break;
          case TypeId::kDouble:
            leaf.physical = kDouble;
            break;
          case TypeId::kString:
          case TypeId::kBinary:
            leaf.physical = kByteArray;
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
                                "The Parquet datasource doesn't support the column `" + name +
                                    "` of the type \"" + type.sql() + "\".");
        }
        node.leaf = static_cast<int>(leafSchemas.size());
        leafSchemas.push_back(std::move(leaf));
        break;
      }
    }
    node.endLeaf = static_cast<int>(leafSchemas.size());
    return node;
  }

  // ----- shredding batches into leaves

  void write(const columnar::ColumnBatch& batch) {
    const size_t n = batch.numRows();
    // Pieces of 4096 rows; pages and row groups end between pieces.
    for (size_t from = 0; from < n; from += 4096) {
      const size_t count = std::min<size_t>(4096, n - from);
      for (size_t c = 0; c < roots.size(); ++c) {
        const Node& root = roots[c];
        const Vector& v = *batch.column(c);
        if (flatRoots[c]) {
          for (int l = root.firstLeaf; l < root.endLeaf; ++l)
            writeFlatLeaf(static_cast<size_t>(l), root, v, from, count);
        } else {
          for (size_t row = from; row < from + count; ++row) shred(root, v, row, 0);
          for (int l = root.firstLeaf; l < root.endLeaf; ++l) flushShredded(static_cast<size_t>(l));
        }
      }
      rowsInGroup += count;
      size_t bytes = 0;
      for (auto& column : columns) {
        column.endRows();
        bytes += column.bufferedBytes();
      }
      if (bytes >= options.rowGroupBytes) flushRowGroup();
    }
  }

  // A leaf under structs only: definition levels from the validity of each vector on its path,
  // a whole batch at a time; one run when nothing on the path has nulls.
  void writeFlatLeaf(size_t leaf, const Node& root, const Vector& rootVector, size_t from,
                     size_t n) {
    ColumnChunkWriter& column = columns[leaf];
    const std::vector<int>& path = structPaths[leaf];
    const Node* node = &root;
    const Vector* v = &rootVector;
    bool nulls = false;
    for (size_t depth = 0;; ++depth) {
      if (v->typeId() == TypeId::kNull || v->mayHaveNulls()) nulls = true;
      if (depth == path.size() || v->typeId() == TypeId::kNull) break;
      node = &node->children[static_cast<size_t>(path[depth])];
      v = &v->child(static_cast<size_t>(path[depth]));
    }
    const auto maxDef = static_cast<uint8_t>(column.schema().maxDef);
    if (!nulls) {
      column.putLevelRun(maxDef, n);
      column.putValues(*v, from, n);
      return;
    }
    // Top down: a null at a node leaves the level below that node's, unless a node above was null.
    levels.assign(n, maxDef);
    node = &root;
    v = &rootVector;
    for (size_t depth = 0;; ++depth) {
      const auto present = static_cast<uint8_t>(node->defLevel);
      const auto absent = static_cast<uint8_t>(node->defLevel - 1);
      if (v->typeId() == TypeId::kNull) {
        for (size_t i = 0; i < n; ++i) levels[i] = std::min(levels[i], absent);
        break;
      }
      if (v->mayHaveNulls()) {
        for (size_t i = 0; i < n; ++i) {
          if (levels[i] >= present && v->isNull(from + i)) levels[i] = absent;
        }
      }
      if (depth == path.size()) break;
      node = &node->children[static_cast<size_t>(path[depth])];
      v = &v->child(static_cast<size_t>(path[depth]));
    }
    presentRows.clear();
    for (size_t i = 0; i < n; ++i) {
      if (levels[i] == maxDef) presentRows.push_back(static_cast<uint32_t>(from + i));
    }
    column.putLevels(levels.data(), nullptr, n);
    if (!presentRows.empty()) column.putValues(*v, presentRows.data(), presentRows.size());
  }

  void nulls(const Node& node, int def, int rep) {
    for (int l = node.firstLeaf; l < node.endLeaf; ++l) {
      Shredded& s = shredded[static_cast<size_t>(l)];
      s.defs.push_back(static_cast<uint8_t>(def));
      s.reps.push_back(static_cast<uint8_t>(rep));
    }
  }

  // One row of a column with lists or maps, in Dremel's way: levels and present rows collected per
  // leaf, handed to the leaf's writer by flushShredded.
  void shred(const Node& node, const Vector& v, size_t i, int rep) {
    if (v.typeId() == TypeId::kNull || v.isNull(i)) {
      if (node.repetition == kRequired) {
        throw InvalidInputError(
            "PARQUET_NULL_IN_REQUIRED",
            "A map key is NULL in column `" + node.name + "`; Parquet map keys cannot be null.");
      }
      nulls(node, node.defLevel - 1, rep);
      return;
    }
    switch (node.kind) {
      case Node::Kind::kLeaf: {
        Shredded& s = shredded[static_cast<size_t>(node.leaf)];
        s.defs.push_back(static_cast<uint8_t>(node.defLevel));
        s.reps.push_back(static_cast<uint8_t>(rep));
        s.rows.push_back(static_cast<uint32_t>(i));
        s.values = &v;
        return;
      }
      case Node::Kind::kStruct:
        for (size_t c = 0; c < node.children.size(); ++c)
          shred(node.children[c], v.child(c), i, rep);
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
          for (size_t c = 0; c < node.children.size(); ++c)
            shred(node.children[c], v.child(c), k, r);
        }
        return;
      }
    }
  }

  void flushShredded(size_t leaf) {
    Shredded& s = shredded[leaf];
    columns[leaf].putLevels(s.defs.data(), s.reps.data(), s.defs.size());
    if (!s.rows.empty()) columns[leaf].putValues(*s.values, s.rows.data(), s.rows.size());
    s.defs.clear();
    s.reps.clear();
    s.rows.clear();
    s.values = nullptr;
  }

  // ----- row groups

  void flushRowGroup() {
    if (rowsInGroup == 0) return;
    const size_t groupStart = out.size();
    size_t buffered = 0;
    for (const auto& column : columns) buffered += column.bufferedBytes();
    out.reserve(out.size() + buffered + (buffered >> 3) + 4096);
    size_t uncompressed = 0, compressed = 0;
    CompactWriter group;
    group.elementStructBegin();
    group.listBegin(1, CType::kStruct, columns.size());
    for (auto& column : columns) column.writeChunk(out, group, uncompressed, compressed);
    group.i64(2, static_cast<int64_t>(uncompressed));
    group.i64(3, static_cast<int64_t>(rowsInGroup));
    group.i64(5, static_cast<int64_t>(groupStart));
    group.i64(6, static_cast<int64_t>(compressed));
    group.elementStructEnd();
    rowGroups += group.bytes();
    ++numRowGroups;
    totalRows += static_cast<int64_t>(rowsInGroup);
    rowsInGroup = 0;
  }

  // ----- the footer

  void schemaElement(CompactWriter& w, const Node& node) {
    w.elementStructBegin();
    const DataType& t = *node.type;
    if (node.kind == Node::Kind::kLeaf) {
      const LeafSchema& leaf = columns[static_cast<size_t>(node.leaf)].schema();
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
    meta.listBegin(7, CType::kStruct, columns.size());
    for (size_t i = 0; i < columns.size(); ++i) {
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

void writeParquetFiles(const plan::Partitions& data, const types::DataTypePtr& schema,
                       const std::string& dir, const plan::Options& options) {
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
    writeFileAtomically((std::filesystem::path(dir) / partFileName(i, uuid, extension)).string(),
                        writer.finish());
  });
  writeFileAtomically((std::filesystem::path(dir) / "_SUCCESS").string(), "");
}

}  // namespace weir::formats::parquet
