// Starting streaming queries: output mode and sink choice, the streaming checks, the checkpoint
// location, then the runtime.
#include "weir/api/data_stream_writer.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "weir/api/session.h"
#include "weir/api/stream_sinks.h"
#include "weir/base/error.h"
#include "weir/base/log.h"
#include "weir/api/functions.h"
#include "weir/base/text.h"
#include "weir/connectors/files/delta_stream_sink.h"
#include "weir/connectors/files/file_stream_sink.h"
#include "weir/connectors/kafka/kafka_sink.h"
#include "weir/io/file_system.h"
#include "weir/plan/streaming_checks.h"
#include "weir/runtime/checkpoint/stream_metadata.h"

namespace weir {

namespace {

}  // namespace

DataStreamWriter DataFrame::writeStream() const { return DataStreamWriter(*this); }

DataStreamWriter& DataStreamWriter::format(const std::string& sink) {
  format_ = base::asciiLower(sink);
  return *this;
}

DataStreamWriter& DataStreamWriter::outputMode(const std::string& mode) {
  std::string m = base::asciiLower(mode);
  if (m != "append" && m != "update" && m != "complete") {
    throw InvalidInputError("STREAMING_OUTPUT_MODE.INVALID",
                            "Unknown output mode " + mode +
                                ". Accepted output modes are 'append', 'complete', 'update'.");
  }
  outputMode_ = m;
  return *this;
}

DataStreamWriter& DataStreamWriter::queryName(const std::string& name) {
  queryName_ = name;
  return *this;
}

DataStreamWriter& DataStreamWriter::trigger(const Trigger& trigger) {
  trigger_ = trigger;
  return *this;
}

DataStreamWriter& DataStreamWriter::partitionBy(const std::vector<std::string>& columns) {
  partitionColumns_ = columns;
  return *this;
}

DataStreamWriter& DataStreamWriter::foreachBatch(std::function<void(const DataFrame&, int64_t)> fn) {
  foreachBatch_ = std::move(fn);
  format_ = "foreachbatch";
  return *this;
}

DataStreamWriter& DataStreamWriter::checkpointFileSystem(std::shared_ptr<io::FileSystem> fs) {
  fileSystem_ = std::move(fs);
  return *this;
}

DataStreamWriter& DataStreamWriter::clock(std::shared_ptr<base::Clock> clock) {
  clock_ = std::move(clock);
  return *this;
}

StreamingQuery DataStreamWriter::start(const std::string& path) const {
  DataStreamWriter copy = *this;
  copy.options_.set("path", path);
  return copy.start();
}

StreamingQuery DataStreamWriter::start() const {
  const auto& session = frame_.session();
  if (!frame_.isStreaming()) {
    throw AnalysisError("WRITE_STREAM_NOT_ALLOWED",
                        "'writeStream' can be called only on streaming Dataset/DataFrame. Read with "
                        "spark.readStream(), or write a batch DataFrame with write().");
  }
  // A Delta table partitioned by a nested field (the golden query's partitionBy("window.start"),
  // which Spark rejects): the field becomes a top-level column named after its path (window_start)
  // that the table is partitioned by.
  DataFrame frame = frame_;
  std::vector<std::string> partitionColumns = partitionColumns_;
  std::string format = format_.empty() ? "parquet" : format_;
  if (format == "delta") {
    for (auto& column : partitionColumns) {
      if (column.find('.') == std::string::npos) continue;
      std::string flat = column;
      std::replace(flat.begin(), flat.end(), '.', '_');
      for (const auto& f : frame.plan()->schema->fields()) {
        if (base::asciiLower(f.name) == base::asciiLower(flat)) {
          throw AnalysisError("DELTA_NESTED_PARTITION_COLUMN",
                              "partitionBy(\"" + column + "\") would add the partition column " + flat +
                                  ", but the query already has a column of that name. Rename it, or partition by "
                                  "a top-level column.");
        }
      }
      frame = frame.withColumn(flat, functions::col(column));
      base::logInfo("partitionBy(\"" + column + "\"): Delta partitions by top-level columns, so Weir adds the column " +
                    flat + " = " + column + " to the table and partitions by it (Spark would reject a nested "
                    "partition column).");
      column = flat;
    }
  }
  plan::checkStreamingQuery(*frame.plan(), outputMode_);
  // The sink.
  std::shared_ptr<connector::Sink> sink;
  bool temporaryCheckpointAllowed = false;
  if (format == "memory") {
    if (queryName_.empty()) {
      throw AnalysisError("STREAMING_QUERY_NAME_REQUIRED",
                          "queryName must be specified for memory sink: call queryName(\"name\") before start(); "
                          "the results are then readable with spark.table(\"name\").");
    }
    if (outputMode_ == "update") {
      throw AnalysisError("STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE",
                          "Data source memory does not support Update output mode. Use append or complete.");
    }
    auto table = std::make_shared<MemoryTable>(frame.plan()->schema);
    Session(session).registerMemoryTable(queryName_, table);
    sink = std::make_shared<MemorySink>(queryName_, table);
    temporaryCheckpointAllowed = true;
  } else if (format == "console") {
    int numRows = static_cast<int>(options_.getInt("numRows", 20));
    sink = std::make_shared<ConsoleSink>(session, numRows, options_.getBool("truncate", true));
    temporaryCheckpointAllowed = true;
  } else if (format == "noop") {
    sink = std::make_shared<NoopSink>();
    temporaryCheckpointAllowed = true;
  } else if (format == "json" || format == "csv" || format == "parquet") {
    if (outputMode_ != "append") {
      throw AnalysisError("STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE",
                          "Data source " + format + " does not support " + outputMode_ +
                              " output mode. File sinks write append mode only.");
    }
    sink = connectors::makeFileStreamSink(format, options_.get("path"), options_);
  } else if (format == "delta") {
    if (outputMode_ == "update") {
      throw AnalysisError("STREAMING_OUTPUT_MODE.UNSUPPORTED_DATASOURCE",
                          "Data source delta does not support Update output mode. Use append, or complete.");
    }
    sink = connectors::makeDeltaStreamSink(options_.get("path"), partitionColumns, options_,
                                           fileSystem_ ? fileSystem_ : io::localFileSystem());
  } else if (format == "kafka") {
    sink = connectors::kafka::makeKafkaStreamSink(frame.plan()->schema, options_);
  } else if (format == "foreachbatch") {
    sink = std::make_shared<ForeachBatchSink>(session, foreachBatch_);
  } else {
    throw AnalysisError("DATA_SOURCE_NOT_FOUND",
                        "Failed to find the streaming sink: " + format +
                            ". Weir writes streams to \"json\", \"csv\" and \"parquet\" directories, \"delta\" tables, \"memory\", \"console\", "
                            "\"noop\", \"kafka\" and foreachBatch().");
  }
  if (!partitionColumns_.empty() && format != "foreachbatch" && format != "delta") {
    throw UnsupportedOperationError("UNSUPPORTED_FEATURE.PARTITION_BY",
                                    "partitionBy is not supported by the " + format + " sink.");
  }
  // The checkpoint: the option, or <spark.sql.streaming.checkpointLocation>/<name or id>, or a
  // temporary directory for sinks that do not need one.
  auto fs = fileSystem_ ? fileSystem_ : io::localFileSystem();
  runtime::StreamQueryConfig config;
  config.name = queryName_;
  config.checkpointLocation = options_.get("checkpointLocation");
  if (config.checkpointLocation.empty()) {
    std::string root = session->conf.get("spark.sql.streaming.checkpointLocation");
    if (!root.empty()) {
      config.checkpointLocation = io::joinPath(root, queryName_.empty() ? runtime::randomUuid() : queryName_);
    } else if (temporaryCheckpointAllowed) {
      config.checkpointLocation =
          io::joinPath(std::filesystem::temp_directory_path().string(), "weir-checkpoint-" + runtime::randomUuid());
      config.temporaryCheckpoint =
          session->conf.get("spark.sql.streaming.forceDeleteTempCheckpointLocation", "true") != "false";
    } else {
      throw AnalysisError("CHECKPOINT_LOCATION_REQUIRED",
                          "checkpointLocation must be specified either through option(\"checkpointLocation\", ...) "
                          "or SparkSession.conf.set(\"spark.sql.streaming.checkpointLocation\", ...).");
    }
  }
  config.plan = frame.plan();
  config.outputMode = outputMode_;
  config.trigger = trigger_;
  config.sink = sink;
  config.conf = session->conf.getAll();
  if (!config.conf.count("spark.sql.shuffle.partitions")) {
    config.conf["spark.sql.shuffle.partitions"] = std::to_string(Session(session).defaultShufflePartitions());
  }
  config.fileSystem = fs;
  config.clock = clock_;
  bool stopActive = session->conf.get("spark.sql.streaming.stopActiveRunOnRestart", "true") != "false";
  return Session(session).streams().startQuery(std::move(config), stopActive);
}

}  // namespace weir
