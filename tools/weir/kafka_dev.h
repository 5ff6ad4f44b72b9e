// `weir kafka-dev`: a local Kafka-protocol broker (librdkafka's mock cluster) for development and
// demos, and a producer of golden events into any Kafka.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "event_generator.h"

namespace weir::tools {

struct ProduceOptions {
  std::string bootstrap;
  std::string topic;
  /// Events per second; 0 produces as fast as the broker takes them.
  int64_t rate = 10'000;
  /// Stop after this many events; 0 runs until stopped.
  int64_t count = 0;
  /// Event times follow the wall clock (start now, advance 1/rate s per event) instead of the
  /// generator's fixed timeline, so that watermarks move in real time.
  bool wallClock = true;
  /// With wallClock: the first event's time in microseconds since the epoch instead of now, so
  /// that a seed, a start and a rate give the same events every run.
  std::optional<int64_t> startMicros;
  /// With wallClock: event time advances this many times faster than the wall clock (60: one
  /// minute of event time per second), so that windows close and the watermark moves within
  /// seconds in a demo.
  double eventTimeSpeed = 1.0;
  /// The producer's compression.codec: none, gzip, snappy, lz4 or zstd.
  std::string compression = "zstd";
  EventGeneratorOptions events;
};

/// Produces golden events (key = user id, batches compressed with options.compression) until
/// `count` or `stop`.
/// Returns the number of events acknowledged.
int64_t produceEvents(const ProduceOptions& options, const std::atomic<bool>& stop);

struct KafkaDevOptions {
  std::vector<std::string> topics;  // "name:partitions" or "name" (1 partition)
  int brokers = 1;
  int port = 0;  // also accept clients on this loopback port
  std::string bootstrapFile;
  std::string generateTopic;  // produce golden events into this topic while running
  ProduceOptions produce;
};

/// Runs the broker until SIGINT or SIGTERM. Prints "bootstrap.servers=<list>" first. SIGUSR1
/// takes every broker down, SIGUSR2 brings them back up (outages for tests).
int runKafkaDev(const KafkaDevOptions& options);

}  // namespace weir::tools
