// The Kafka source, `format("kafka")`, for streaming and batch reads, with Spark's options, schema
// and offset rules (spec section 8): offsets as {"topic":{"partition":offset}} in the offset log,
// rate limits, new partitions from their earliest offset, data loss reported or skipped.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "weir/connector/source.h"
#include "weir/connectors/kafka/kafka_client.h"
#include "weir/plan/logical_plan.h"

namespace weir::connectors::kafka {

/// The columns Kafka records are read as.
types::DataTypePtr kafkaSchema(bool includeHeaders);

/// Spark's offset JSON: topics and partitions sorted, {"t":{"0":23,"1":5}}.
std::string serializeOffsets(const PartitionOffsets& offsets);
/// Parses offset JSON; `what` names it in errors ("startingOffsets", "the offset log").
PartitionOffsets parseOffsets(std::string_view json, const std::string& what);

/// maxOffsetsPerTrigger: `limit` records split across partitions in proportion to what each has
/// available, each share floored (rounded up below 1 so small partitions are not starved) and
/// capped at the latest offset. `from` holds the start of every partition of `until`.
PartitionOffsets rateLimit(int64_t limit, const PartitionOffsets& from, const PartitionOffsets& until);

/// readStream().format("kafka").load(). `userSchema` (from schema(..)) and a path are refused: the
/// columns are Kafka's, and topics are named by options.
std::shared_ptr<const plan::StreamingInput> makeKafkaStreamSource(const plan::Options& options,
                                                                  const types::DataTypePtr& userSchema, bool hasPath);
/// read().format("kafka").load(), with the same checks.
std::shared_ptr<const plan::ScanSource> makeKafkaScan(const plan::Options& options, const types::DataTypePtr& userSchema,
                                                      bool hasPath);

}  // namespace weir::connectors::kafka
