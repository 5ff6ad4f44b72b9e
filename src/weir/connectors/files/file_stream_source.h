// The file source: a directory of JSON Lines or CSV files read as a stream (Spark's
// FileStreamSource). Each batch reads files that appeared since the last one, oldest first; the
// files of every batch are kept in the checkpoint (sources/<i>/<N>) so a restart neither loses
// nor repeats any.
#pragma once

#include <memory>
#include <string>

#include "weir/connector/source.h"

namespace weir::connectors {

/// The plan leaf of readStream().format("json" | "csv").schema(..).load(dir). Options:
/// maxFilesPerTrigger, latestFirst (false), maxFileAge ("7d"), plus the format's reader options.
/// Throws AnalysisError when the schema is missing and InvalidInputError on bad options.
std::shared_ptr<const connector::SourceProvider> makeFileStreamSource(const std::string& format,
                                                                      const std::string& path,
                                                                      types::DataTypePtr schema,
                                                                      const plan::Options& options);

}  // namespace weir::connectors
