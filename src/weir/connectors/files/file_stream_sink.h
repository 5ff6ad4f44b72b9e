// The file sink: each micro-batch's rows as JSON Lines or CSV part files in a directory, with
// Spark's metadata log (<dir>/_spark_metadata/<batchId>) naming the files of each batch, so that
// readers of the directory see every batch exactly once and never the files of a failed attempt.
#pragma once

#include <memory>
#include <string>

#include "weir/connector/sink.h"
#include "weir/io/file_system.h"

namespace weir::connectors {

/// Append mode only (checked by the caller). Throws InvalidInputError on bad options.
std::shared_ptr<connector::Sink> makeFileStreamSink(const std::string& format, const std::string& path,
                                                    const plan::Options& options);

}  // namespace weir::connectors
