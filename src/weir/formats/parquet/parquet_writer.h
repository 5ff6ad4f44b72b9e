// Parquet files from column batches: every Weir type (nested structs, lists and maps as Parquet
// groups with Dremel levels), data pages V1 of about 1 MiB, dictionary encoding while it pays
// (every type but booleans and wide decimals), RLE levels, per-column statistics, and the codecs
// none, snappy (default), gzip, zstd and lz4_raw. Layout notes: docs/formats/parquet.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "weir/columnar/column_batch.h"
#include "weir/plan/logical_plan.h"

namespace weir::formats::parquet {

enum class Codec : int32_t { kUncompressed = 0, kSnappy = 1, kGzip = 2, kZstd = 6, kLz4Raw = 7 };

struct WriterOptions {
  Codec codec = Codec::kSnappy;
  size_t pageBytes = size_t{1} << 20;        // a data page is cut after about this many value bytes
  size_t rowGroupBytes = size_t{128} << 20;  // a row group is closed after about this many bytes
  size_t dictionaryBytes = size_t{1} << 20;  // a chunk falls back to PLAIN past this dictionary size
  bool dictionary = true;  // false: every value PLAIN
};

/// The codec named by the `compression` option (Spark's names: none, uncompressed, snappy, gzip,
/// zstd, lz4 (written as LZ4_RAW)); snappy without the option. Throws for others.
Codec codecOption(const plan::Options& options);
/// The file name part for a codec: "snappy", "gz", "zstd", "lz4raw", or empty.
std::string codecExtension(Codec codec);

/// One Parquet file of `schema`, built in memory. Not thread-safe.
class FileWriter {
 public:
  FileWriter(types::DataTypePtr schema, WriterOptions options);
  ~FileWriter();
  FileWriter(const FileWriter&) = delete;
  FileWriter& operator=(const FileWriter&) = delete;

  void write(const columnar::ColumnBatch& batch);
  /// Closes the file and returns its bytes.
  std::string finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Writes each partition to one Parquet part file in `dir` (which must exist), then _SUCCESS.
/// Options: compression.
void writeParquetFiles(const plan::Partitions& data, const types::DataTypePtr& schema, const std::string& dir,
                       const plan::Options& options);

}  // namespace weir::formats::parquet
