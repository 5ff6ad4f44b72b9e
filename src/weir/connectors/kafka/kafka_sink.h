// The Kafka sink, `format("kafka")`, for streaming and batch writes: one record per row from the
// columns value (required), key, topic (or the topic option), partition and headers. The producer is
// always idempotent, so broker retries never duplicate a record; a batch replayed after a failure is
// produced again (at-least-once, as in Spark).
#pragma once

#include <memory>

#include "weir/connector/sink.h"
#include "weir/plan/logical_plan.h"

namespace weir::connectors::kafka {

/// Checks the columns against the options and fails with Spark's messages when they do not fit.
void validateKafkaWrite(const types::DataTypePtr& schema, const plan::Options& options);

/// writeStream().format("kafka")
std::shared_ptr<connector::Sink> makeKafkaStreamSink(const types::DataTypePtr& schema, const plan::Options& options);

/// write().format("kafka").save(): produces every row and waits until the brokers acknowledged all.
/// Returns the number of records written.
int64_t writeKafka(const types::DataTypePtr& schema, const plan::Partitions& data, const plan::Options& options);

}  // namespace weir::connectors::kafka
