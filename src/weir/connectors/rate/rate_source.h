// The rate source: rows (timestamp, value) generated at a fixed rate, for tests and load
// (Spark's "rate" format, RateStreamMicroBatchStream).
#pragma once

#include <memory>

#include "weir/connector/source.h"

namespace weir::connectors {

/// Makes the plan leaf of readStream().format("rate"). Options: rowsPerSecond (1), rampUpTime
/// ("0s"), numPartitions (cores). Throws InvalidInputError on bad options.
std::shared_ptr<const connector::SourceProvider> makeRateSource(const plan::Options& options, size_t defaultPartitions);

}  // namespace weir::connectors
