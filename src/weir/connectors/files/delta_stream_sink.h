// The Delta Lake streaming sink: each micro-batch is one table commit carrying a txn action
// (application id = the query's id, version = the batch id), so a batch replayed after a crash
// finds its txn in the table and is not written twice. Append mode appends; complete mode
// replaces the table's content every batch.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "weir/connector/sink.h"
#include "weir/io/file_system.h"
#include "weir/plan/logical_plan.h"

namespace weir::connectors {

/// Data files, commits and checkpoints are written through `fileSystem` (the query's, so that
/// crash tests reach them; the local file system when null).
std::shared_ptr<connector::Sink> makeDeltaStreamSink(const std::string& path, std::vector<std::string> partitionColumns,
                                                     const plan::Options& options,
                                                     std::shared_ptr<io::FileSystem> fileSystem = nullptr);

}  // namespace weir::connectors
