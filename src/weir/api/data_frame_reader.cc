// Batch readers and writers of files.
#include "weir/api/data_frame_reader.h"

#include <cctype>

#include "weir/api/session.h"
#include "weir/connectors/kafka/kafka_sink.h"
#include "weir/connectors/kafka/kafka_source.h"
#include "weir/base/error.h"
#include "weir/base/text.h"
#include "weir/formats/csv/csv_format.h"
#include "weir/formats/file_listing.h"
#include "weir/formats/delta/delta_table.h"
#include "weir/formats/delta/delta_writer.h"
#include "weir/formats/json/json_format.h"
#include "weir/formats/parquet/parquet_reader.h"
#include "weir/formats/parquet/parquet_writer.h"

namespace weir {

namespace {

[[noreturn]] void unknownFormat(const std::string& format) {
  throw AnalysisError("DATA_SOURCE_NOT_FOUND",
                      "Failed to find the data source: " + format + ". Weir reads and writes \"json\", \"csv\", \"parquet\", \"delta\" and \"kafka\".");
}

}  // namespace

DataFrameReader& DataFrameReader::format(const std::string& source) {
  format_ = base::asciiLower(source);
  return *this;
}

DataFrameReader& DataFrameReader::schema(const StructType& schema) {
  schema_ = schema.type();
  return *this;
}

DataFrameReader& DataFrameReader::schema(const std::string& ddl) { return schema(StructType::fromDDL(ddl)); }

DataFrame DataFrameReader::load() const { return load(std::vector<std::string>{}); }

DataFrame DataFrameReader::load(const std::string& path) const { return load(std::vector<std::string>{path}); }

DataFrame DataFrameReader::load(const std::vector<std::string>& paths) const {
  if (format_ == "kafka") {
    auto source = connectors::kafka::makeKafkaScan(options_, schema_ ? *schema_ : nullptr, !paths.empty());
    auto p = std::make_shared<plan::LogicalPlan>();
    p->kind = plan::PlanKind::kScan;
    p->source = source;
    p->schema = source->schema();
    return DataFrame(session_, p);
  }
  if (paths.empty() && options_.has("path")) return load(options_.get("path"));
  std::shared_ptr<const plan::ScanSource> source;
  if (format_ == "json") {
    source = formats::makeJsonScan(paths, schema_, options_);
  } else if (format_ == "csv") {
    source = formats::makeCsvScan(paths, schema_, options_);
  } else if (format_ == "parquet") {
    source = formats::parquet::makeParquetScan(paths, schema_, options_);
  } else if (format_ == "delta") {
    if (paths.size() != 1) {
      throw AnalysisError("DELTA_ONE_TABLE", "A Delta read takes one table path, got " + std::to_string(paths.size()) + ".");
    }
    if (schema_) {
      throw AnalysisError("DELTA_SCHEMA_NOT_ALLOWED",
                          "A Delta table has its own schema; do not pass schema() when reading format(\"delta\").");
    }
    source = formats::delta::makeDeltaScan(paths[0], options_);
  } else {
    unknownFormat(format_);
  }
  auto p = std::make_shared<plan::LogicalPlan>();
  p->kind = plan::PlanKind::kScan;
  p->source = source;
  p->schema = source->schema();
  return DataFrame(session_, p);
}

DataFrame DataFrameReader::json(const std::string& path) { return format("json").load(path); }
DataFrame DataFrameReader::json(const std::vector<std::string>& paths) { return format("json").load(paths); }
DataFrame DataFrameReader::csv(const std::string& path) { return format("csv").load(path); }
DataFrame DataFrameReader::csv(const std::vector<std::string>& paths) { return format("csv").load(paths); }
DataFrame DataFrameReader::parquet(const std::string& path) { return format("parquet").load(path); }
DataFrame DataFrameReader::parquet(const std::vector<std::string>& paths) { return format("parquet").load(paths); }

DataFrameWriter& DataFrameWriter::format(const std::string& source) {
  format_ = base::asciiLower(source);
  return *this;
}

DataFrameWriter& DataFrameWriter::mode(const std::string& saveMode) {
  formats::parseSaveMode(saveMode);
  mode_ = saveMode;
  return *this;
}

DataFrameWriter& DataFrameWriter::partitionBy(const std::vector<std::string>& columns) {
  partitionColumns_ = columns;
  return *this;
}

void DataFrameWriter::save() const {
  if (format_ == "kafka") {
    std::string mode = base::asciiLower(mode_);
    if (mode != "append" && mode != "error" && mode != "errorifexists" && mode != "default") {
      throw AnalysisError("KAFKA_SAVE_MODE", "Save mode " + mode_ + " not allowed for Kafka. Allowed save modes are "
                                             "append and errorifexists (the default); both append records.");
    }
    auto schema = frame_.plan()->schema;
    connectors::kafka::validateKafkaWrite(schema, options_);
    connectors::kafka::writeKafka(schema, frame_.execute(), options_);
    return;
  }
  if (!options_.has("path")) {
    throw AnalysisError("PATH_REQUIRED", "save() needs a path for format " + format_ + ": call save(path).");
  }
  save(options_.get("path"));
}

void DataFrameWriter::save(const std::string& path) const {
  if (format_ == "kafka") {
    throw AnalysisError("KAFKA_NO_PATH", "The Kafka sink takes no path: name the topic with option(\"topic\", ..) or a "
                                         "topic column, and call save().");
  }
  if (format_ == "delta") {
    formats::delta::WriteRequest request;
    request.tablePath = path;
    request.mode = mode_;
    request.partitionColumns = partitionColumns_;
    request.options = options_;
    request.engineInfo = "Weir/" WEIR_VERSION;
    request.operation = "WRITE";
    auto schema = frame_.plan()->schema;
    formats::delta::writeTable(frame_.execute(), schema, request);
    return;
  }
  if (format_ != "json" && format_ != "csv" && format_ != "parquet") unknownFormat(format_);
  if (!partitionColumns_.empty()) {
    throw UnsupportedOperationError("UNSUPPORTED_FEATURE.PARTITION_BY_FOR_FILES",
                                    "partitionBy is not supported for " + format_ +
                                        " files in Weir; write one directory per partition value with filter(), or "
                                        "use the Delta format.");
  }
  auto schema = frame_.plan()->schema;
  auto saveMode = formats::parseSaveMode(mode_);
  if (format_ == "csv") {
    // Checked before anything runs or is removed, so mode("overwrite") never loses the old output.
    for (const auto& f : schema->fields()) {
      if (f.type->isNested()) {
        throw AnalysisError("UNSUPPORTED_DATA_TYPE_FOR_DATASOURCE",
                            "The CSV datasource doesn't support the column `" + f.name + "` of the type \"" +
                                f.type->sql() + "\". Use to_json() to write it as text, or the JSON format.");
      }
    }
  }
  // Run the query before touching the output, so a failing query leaves existing data alone.
  if (format_ == "parquet") formats::parquet::FileWriter check(schema, {});  // unsupported types fail first
  auto data = frame_.execute();
  if (!formats::prepareOutputDirectory(path, saveMode)) return;
  if (format_ == "json") {
    formats::writeJsonFiles(data, schema, path, options_);
  } else if (format_ == "parquet") {
    formats::parquet::writeParquetFiles(data, schema, path, options_);
  } else {
    formats::writeCsvFiles(data, schema, path, options_);
  }
}

void DataFrameWriter::json(const std::string& path) {
  format("json");
  save(path);
}

void DataFrameWriter::csv(const std::string& path) {
  format("csv");
  save(path);
}

void DataFrameWriter::parquet(const std::string& path) {
  format("parquet");
  save(path);
}

}  // namespace weir
