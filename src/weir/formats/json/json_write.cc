// JSON Lines writer: one part file per partition as Spark's JSON data source writes it (rows as
// JacksonGenerator renders them, one per line), optionally gzip or deflate compressed, then
// _SUCCESS.
#include <zlib.h>

#include <cstdio>
#include <filesystem>

#include "weir/base/error.h"
#include "weir/base/text.h"
#include "weir/base/thread_pool.h"
#include "weir/expr/json_writer.h"
#include "weir/formats/compressed_file.h"
#include "weir/formats/file_listing.h"
#include "weir/formats/json/json_format.h"

namespace weir::formats {
namespace {

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
  Compression compression = parseCompression(options, "JSON");
  std::string encoding = base::asciiLower(options.has("encoding") ? options.get("encoding")
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
  std::string extension = compressedExtension("json", compression);
  std::string uuid = randomUuid();
  base::ThreadPool::global().parallelFor(data.size(), [&](size_t i) {
    std::string path = (std::filesystem::path(dir) / partFileName(i, uuid, extension)).string();
    writePartition(data[i], writer, lineSep, path, compression);
  });
  writeFileAtomically((std::filesystem::path(dir) / "_SUCCESS").string(), "");
}

}  // namespace weir::formats
