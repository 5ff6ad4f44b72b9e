#include "weir/connectors/files/delta_stream_sink.h"

#include "weir/base/error.h"
#include "weir/formats/delta/delta_writer.h"

namespace weir::connectors {

namespace {

class DeltaStreamSink final : public connector::Sink {
 public:
  DeltaStreamSink(std::string path, std::vector<std::string> partitionColumns, plan::Options options,
                  std::shared_ptr<io::FileSystem> fileSystem)
      : path_(std::move(path)),
        partitionColumns_(std::move(partitionColumns)),
        options_(std::move(options)),
        fileSystem_(std::move(fileSystem)) {}

  std::string describe() const override { return "DeltaSink[" + path_ + "]"; }

  void addBatch(int64_t batchId, const connector::BatchOutput& output) override {
    formats::delta::WriteRequest request;
    request.tablePath = path_;
    request.mode = output.outputMode == "complete" ? "overwrite" : "append";
    request.partitionColumns = partitionColumns_;
    request.options = options_;
    request.operation = "STREAMING UPDATE";
    request.engineInfo = "Weir/" WEIR_VERSION;
    request.txnAppId = output.queryId;
    request.txnVersion = batchId;
    request.outputMode = output.outputMode;
    request.queryId = output.queryId;
    request.fileSystem = fileSystem_;
    lastRows_ = static_cast<int64_t>(output.numRows());
    formats::delta::writeTable(output.partitions, output.schema, request);
  }

  int64_t lastOutputRows() const override { return lastRows_; }

 private:
  std::string path_;
  std::vector<std::string> partitionColumns_;
  plan::Options options_;
  std::shared_ptr<io::FileSystem> fileSystem_;
  int64_t lastRows_ = -1;
};

}  // namespace

std::shared_ptr<connector::Sink> makeDeltaStreamSink(const std::string& path, std::vector<std::string> partitionColumns,
                                                     const plan::Options& options,
                                                     std::shared_ptr<io::FileSystem> fileSystem) {
  if (path.empty()) {
    throw AnalysisError("DELTA_SINK_PATH_REQUIRED", "The Delta sink needs a table path: start(path) or option(\"path\", ...).");
  }
  return std::make_shared<DeltaStreamSink>(path, std::move(partitionColumns), options, std::move(fileSystem));
}

}  // namespace weir::connectors
