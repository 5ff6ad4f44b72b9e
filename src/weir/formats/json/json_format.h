// JSON Lines files: a batch scan source and a writer.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/plan/logical_plan.h"

namespace weir::formats {

/// A scan over JSON Lines files (files, directories, globs). Without a schema, the schema is
/// inferred from the data as Spark does (fields sorted by name, widest type per field).
/// Options: mode (PERMISSIVE, DROPMALFORMED, FAILFAST), columnNameOfCorruptRecord,
/// timestampFormat, dateFormat, primitivesAsString, prefersDecimal, allowComments,
/// allowUnquotedFieldNames, allowSingleQuotes, samplingRatio, multiLine (false), encoding (UTF-8).
std::shared_ptr<const plan::ScanSource> makeJsonScan(const std::vector<std::string>& paths,
                                                     const std::optional<types::DataTypePtr>& schema,
                                                     const plan::Options& options);

/// Writes each partition to one JSON Lines part file in `dir` (which must exist), then _SUCCESS.
/// Options: compression (none, gzip), timestampFormat, dateFormat, ignoreNullFields (true).
void writeJsonFiles(const plan::Partitions& data, const types::DataTypePtr& schema, const std::string& dir,
                    const plan::Options& options);

}  // namespace weir::formats
