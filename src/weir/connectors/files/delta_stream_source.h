// The Delta Lake streaming source (Delta's DeltaSource): the table's current files as the first
// batches, then the files each later commit adds, in version order. Offsets are Delta's
// {"sourceVersion":1,"reservoirId":..,"reservoirVersion":V,"index":I,"isStartingVersion":b}
// (docs/formats/checkpoint.md), so a restart neither loses nor repeats a file.
#pragma once

#include <memory>
#include <string>

#include "weir/connector/source.h"

namespace weir::connectors {

/// The plan leaf of readStream().format("delta").load(table). Options: startingVersion (a version
/// or "latest"), startingTimestamp, maxFilesPerTrigger (1000), maxBytesPerTrigger,
/// skipChangeCommits, ignoreDeletes, ignoreChanges. The schema is the table's when the query is
/// defined. Throws AnalysisError DELTA_MISSING_DELTA_TABLE when the path holds no Delta table and
/// InvalidInputError on bad options.
std::shared_ptr<const connector::SourceProvider> makeDeltaStreamSource(
    const std::string& path, types::DataTypePtr userSchema, const plan::Options& options);

}  // namespace weir::connectors
