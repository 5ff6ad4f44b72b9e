// CSV files: a batch scan source and a writer.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/plan/logical_plan.h"

namespace weir::formats {

/// A scan over CSV files (files, directories, globs). Options as Spark's: header, sep/delimiter,
/// quote, escape, comment, nullValue, emptyValue, nanValue, inferSchema, mode (PERMISSIVE,
/// DROPMALFORMED, FAILFAST), columnNameOfCorruptRecord, timestampFormat, dateFormat,
/// ignoreLeadingWhiteSpace, ignoreTrailingWhiteSpace, multiLine, enforceSchema, encoding (UTF-8).
/// Without a schema and inferSchema=false every column is a string named from the header (or
/// _c0, _c1, ...).
std::shared_ptr<const plan::ScanSource> makeCsvScan(const std::vector<std::string>& paths,
                                                    const std::optional<types::DataTypePtr>& schema,
                                                    const plan::Options& options);

/// Writes each partition to one CSV part file in `dir` (which must exist), then _SUCCESS.
/// Options: header (false), sep, quote, escape, nullValue, quoteAll, timestampFormat, dateFormat,
/// compression (none, gzip).
void writeCsvFiles(const plan::Partitions& data, const types::DataTypePtr& schema, const std::string& dir,
                   const plan::Options& options);

}  // namespace weir::formats
