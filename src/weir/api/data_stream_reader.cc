// Streaming reads: the format decides the source connector.
#include "weir/api/data_stream_reader.h"

#include <cctype>

#include "weir/api/session.h"
#include "weir/base/error.h"
#include "weir/base/text.h"
#include "weir/connectors/files/delta_stream_source.h"
#include "weir/connectors/files/file_stream_source.h"
#include "weir/connectors/kafka/kafka_source.h"
#include "weir/connectors/rate/rate_source.h"

namespace weir {

namespace {

}  // namespace

DataStreamReader& DataStreamReader::format(const std::string& source) {
  format_ = base::asciiLower(source);
  return *this;
}

DataStreamReader& DataStreamReader::schema(const StructType& schema) {
  schema_ = schema.type();
  return *this;
}

DataStreamReader& DataStreamReader::schema(const std::string& ddl) { return schema(StructType::fromDDL(ddl)); }

DataFrame DataStreamReader::load(const std::string& path) const {
  DataStreamReader copy = *this;
  copy.options_.set("path", path);
  return copy.load();
}

DataFrame DataStreamReader::load() const {
  std::shared_ptr<const plan::StreamingInput> input;
  if (format_ == "rate") {
    if (schema_) {
      throw AnalysisError("USER_SPECIFIED_SCHEMA_UNSUPPORTED",
                          "The rate source does not support a user-specified schema: its columns are always "
                          "(timestamp TIMESTAMP, value BIGINT).");
    }
    input = connectors::makeRateSource(options_, Session(session_).defaultShufflePartitions());
  } else if (format_ == "kafka") {
    input = connectors::kafka::makeKafkaStreamSource(options_, schema_ ? *schema_ : nullptr, options_.has("path"));
  } else if (format_ == "json" || format_ == "csv" || format_ == "parquet") {
    input = connectors::makeFileStreamSource(format_, options_.get("path"), schema_ ? *schema_ : nullptr, options_);
  } else if (format_ == "delta") {
    input = connectors::makeDeltaStreamSource(options_.get("path"), schema_ ? *schema_ : nullptr, options_);
  } else {
    throw AnalysisError("DATA_SOURCE_NOT_FOUND",
                        "Failed to find the streaming source: " + (format_.empty() ? std::string("(none)") : format_) +
                            ". Weir reads streams from \"kafka\", \"delta\" tables, \"json\", \"csv\" and \"parquet\" "
                            "directories, \"rate\" and MemoryStream.");
  }
  auto p = std::make_shared<plan::LogicalPlan>();
  p->kind = plan::PlanKind::kStreamingRelation;
  p->stream = input;
  p->schema = input->schema();
  return DataFrame(session_, p);
}

}  // namespace weir
