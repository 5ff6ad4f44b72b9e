// Reading Parquet files into column batches: the footer (Thrift compact), the schema mapped to
// Weir types (Spark's rules, legacy list layouts included), data pages V1 and V2 with PLAIN and
// dictionary values and RLE / bit-packed levels, the codecs Weir writes (snappy, gzip, zstd,
// lz4_raw, none), and Dremel assembly of structs, lists and maps. Other encodings are refused
// with an error naming them.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/columnar/column_batch.h"
#include "weir/plan/logical_plan.h"

namespace weir::formats::parquet {

/// The schema of a Parquet file as Weir types (the Spark schema in its metadata when present).
/// Fields carry their Parquet field id, when the file has one, in their metadata as Spark does
/// ({"parquet.field.id": N}).
types::DataTypePtr readSchema(const std::string& path);
/// The same for a file already in memory (`path` names it in errors).
types::DataTypePtr readSchemaOf(const std::string& bytes, const std::string& path);

/// Reads the named top-level columns (all when empty) of a file. `path` names the file in errors.
columnar::ColumnBatch readFile(const std::string& bytes, const std::string& path,
                               const std::vector<std::string>& columns = {});

/// A scan over Parquet files (files, directories, globs). Without a schema, the first file's.
/// With one, columns are matched by name; columns a file lacks read as NULL.
std::shared_ptr<const plan::ScanSource> makeParquetScan(const std::vector<std::string>& paths,
                                                        const std::optional<types::DataTypePtr>& schema,
                                                        const plan::Options& options);

}  // namespace weir::formats::parquet
