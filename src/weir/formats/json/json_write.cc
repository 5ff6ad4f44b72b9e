// The JSON Lines writer: one part file per partition (gzip when asked), then _SUCCESS.
#include <zlib.h>

#include <cctype>

#include "weir/base/error.h"
#include "weir/base/thread_pool.h"
#include "weir/expr/json_writer.h"
#include "weir/formats/file_listing.h"
#include "weir/formats/json/json_format.h"

namespace weir::formats {

void writeJsonFiles(const plan::Partitions& data, const types::DataTypePtr& schema, const std::string& dir,
                    const plan::Options& options) {
  std::string compression = options.get("compression", "none");
  for (auto& c : compression) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool gzip = compression == "gzip";
  if (!gzip && compression != "none" && compression != "uncompressed") {
    throw InvalidInputError("CODEC_NOT_AVAILABLE", "Codec [" + compression +
                                                       "] is not available for JSON files. Known codecs are none, "
                                                       "uncompressed and gzip.");
  }
  expr::JsonWriter writer(schema, expr::JsonWriteOptions::fromMap(options.all()));
  std::string uuid = randomUuid();
  base::ThreadPool::global().parallelFor(data.size(), [&](size_t p) {
    std::string text;
    for (const auto& batch : data[p]) {
      for (size_t r = 0; r < batch.numRows(); ++r) {
        writer.writeRow(batch.columns(), r, text);
        text.push_back('\n');
      }
    }
    std::string name = partFileName(p, uuid, gzip ? "json.gz" : "json");
    std::string path = dir + "/" + name;
    if (!gzip) {
      writeFileAtomically(path, text);
      return;
    }
    std::string tmp = dir + "/." + name + ".tmp";
    gzFile out = gzopen(tmp.c_str(), "wb");
    if (!out) throw IoError("IO_ERROR", "Cannot open " + tmp + " for writing");
    bool ok = text.empty() || gzwrite(out, text.data(), static_cast<unsigned>(text.size())) > 0;
    ok = gzclose(out) == Z_OK && ok;
    if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
      throw IoError("IO_ERROR", "Cannot write " + path);
    }
  });
  writeFileAtomically(dir + "/_SUCCESS", "");
}

}  // namespace weir::formats
