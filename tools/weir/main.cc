// The weir command: golden events, a local Kafka broker for development (kafka-dev), Delta table
// commands (delta history|describe|vacuum|optimize; their logic is in formats/delta/delta_commands).
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "event_generator.h"
#include "kafka_dev.h"
#include "weir/base/time.h"
#include "weir/formats/delta/delta_commands.h"
#include "weir/weir.h"

int main(int argc, char** argv) {
  CLI::App app{"weir: Spark Structured Streaming semantics, natively. See the README for the library API."};
  app.set_version_flag("--version", std::string("weir ") + weir::versionString());
  app.require_subcommand(0, 1);

  auto* generate = app.add_subcommand("generate", "Write golden events as JSON lines (see spec/benchmarks.md)");
  int64_t count = 100'000;
  weir::tools::EventGeneratorOptions options;
  std::string out = "-";
  generate->add_option("--count", count, "Number of events")->check(CLI::PositiveNumber);
  generate->add_option("--users", options.users, "Number of distinct users")->check(CLI::PositiveNumber);
  generate->add_option("--seed", options.seed, "Random seed (same seed, same events)");
  generate->add_option("--late-fraction", options.lateFraction, "Fraction of events 20 minutes late")
      ->check(CLI::Range(0.0, 1.0));
  generate->add_option("--duplicate-fraction", options.duplicateFraction,
                       "Fraction of events that repeat one of the last 256 (same event_id and event_time)")
      ->check(CLI::Range(0.0, 1.0));
  generate->add_option("--jitter-ms", options.jitterMicros, "Out-of-order jitter of event times, ms (default 5000)")
      ->transform([](std::string v) { return std::to_string(std::stoll(v) * 1000); });
  generate->add_option("--out", out, "Output file, or - for standard output");
  generate->add_option("--step-us", options.stepMicros, "Event-time advance per event, microseconds (360 = 10 M events per hour)")
      ->check(CLI::PositiveNumber);
  weir::tools::ProduceOptions produce;
  generate->add_option("--bootstrap", produce.bootstrap, "Produce into Kafka at these bootstrap servers instead of writing a file");
  generate->add_option("--topic", produce.topic, "Kafka topic (with --bootstrap)")->default_val("events");
  generate->add_option("--rate", produce.rate, "Events per second into Kafka; 0 is as fast as possible")
      ->default_val(0)->check(CLI::NonNegativeNumber);
  const auto codecs = CLI::IsMember({"none", "gzip", "snappy", "lz4", "zstd"});
  generate->add_option("--compression", produce.compression, "Compression of the produced batches")
      ->default_val(produce.compression)
      ->check(codecs);

  auto* kafkaDev = app.add_subcommand(
      "kafka-dev", "Run a local Kafka-protocol broker (librdkafka's mock cluster, data in memory) until Ctrl-C");
  weir::tools::KafkaDevOptions dev;
  kafkaDev->add_option("--topic", dev.topics, "Topic to create, NAME:PARTITIONS (repeatable)");
  kafkaDev->add_option("--brokers", dev.brokers, "Number of brokers")->default_val(1)->check(CLI::Range(1, 16));
  kafkaDev->add_option("--port", dev.port, "Also accept clients at 127.0.0.1:PORT (e.g. 9092)")->check(CLI::Range(1, 65535));
  kafkaDev->add_option("--bootstrap-file", dev.bootstrapFile, "Write the bootstrap servers to this file");
  kafkaDev->add_option("--generate", dev.generateTopic, "Produce golden events into this topic while running");
  kafkaDev->add_option("--rate", dev.produce.rate, "Events per second for --generate; 0 is as fast as possible")
      ->default_val(10000)->check(CLI::NonNegativeNumber);
  kafkaDev->add_option("--users", dev.produce.events.users, "Distinct users for --generate")
      ->default_val(100000)->check(CLI::PositiveNumber);
  kafkaDev->add_option("--seed", dev.produce.events.seed, "Random seed for --generate");
  kafkaDev
      ->add_option("--compression", dev.produce.compression,
                   "Compression of the batches --generate produces")
      ->default_val(dev.produce.compression)
      ->check(codecs);
  kafkaDev->add_option("--jitter-ms", dev.produce.events.jitterMicros, "Out-of-order jitter of event times, ms")
      ->transform([](std::string v) { return std::to_string(std::stoll(v) * 1000); });
  kafkaDev->add_option("--event-time-speed", dev.produce.eventTimeSpeed,
                       "Event time advances this many times faster than the wall clock (60: a minute per second)")
      ->default_val(1.0)->check(CLI::Range(0.001, 1e6));
  std::string startTime;
  kafkaDev->add_option("--start-time", startTime,
                       "Event time of the first event (e.g. 2025-01-01T00:00:00Z) instead of now: with the seed "
                       "and rate, the same events every run");
  kafkaDev->add_option("--late-fraction", dev.produce.events.lateFraction,
                       "Fraction of events 20 minutes late (behind a 10 minute watermark)")
      ->default_val(0.001)->check(CLI::Range(0.0, 1.0));

  auto* delta = app.add_subcommand("delta", "Delta table commands: history, describe, vacuum, optimize");
  delta->require_subcommand(1);
  std::string table;
  auto* history = delta->add_subcommand("history", "The table's commits, newest first");
  size_t historyLimit = 0;
  history->add_option("PATH", table, "The table's directory")->required();
  history->add_option("--limit", historyLimit, "Show at most N commits");
  auto* describe = delta->add_subcommand("describe", "Location, id, protocol, schema, partitioning, files and size");
  describe->add_option("PATH", table, "The table's directory")->required();
  auto* vacuum = delta->add_subcommand(
      "vacuum", "Delete files the table no longer references and no version within the retention needs");
  vacuum->add_option("PATH", table, "The table's directory")->required();
  double retainHours = -1;
  weir::formats::delta::VacuumOptions vacuumOptions;
  vacuum->add_option("--retain-hours", retainHours,
                     "Keep what versions of the last H hours need (default: the table's "
                     "delta.deletedFileRetentionDuration, 168)")
      ->check(CLI::NonNegativeNumber);
  vacuum->add_flag("--dry-run", vacuumOptions.dryRun, "List the files that would be deleted, delete nothing");
  vacuum->add_flag("--force", vacuumOptions.force, "Allow a retention below the table's (retentionDurationCheck off)");
  auto* optimize = delta->add_subcommand("optimize", "Compact small files per partition (bin-packing) in one commit");
  optimize->add_option("PATH", table, "The table's directory")->required();
  weir::formats::delta::OptimizeOptions optimizeOptions;
  optimize->add_option("--where", optimizeOptions.where, "Only partitions matching 'col=value [AND col2=value2]'");
  optimize->add_option("--target-size", optimizeOptions.targetSizeBytes,
                       "Compact files smaller than BYTES into files of about BYTES (default 1 GiB)")
      ->check(CLI::PositiveNumber);

  CLI11_PARSE(app, argc, argv);

  try {
    if (*kafkaDev) {
      if (!startTime.empty()) {
        auto micros = weir::base::parseTimestamp(startTime);
        if (!micros) {
          std::cerr << "weir kafka-dev: --start-time takes a timestamp such as 2025-01-01T00:00:00Z, got '" << startTime
                    << "'" << std::endl;
          return 2;
        }
        dev.produce.startMicros = *micros;
      }
      return weir::tools::runKafkaDev(dev);
    }
    if (*history) {
      std::cout << weir::formats::delta::formatHistory(weir::formats::delta::tableHistory(table, historyLimit));
      return 0;
    }
    if (*describe) {
      std::cout << weir::formats::delta::formatDetail(weir::formats::delta::describeTable(table));
      return 0;
    }
    if (*vacuum) {
      if (retainHours >= 0) vacuumOptions.retainHours = retainHours;
      auto result = weir::formats::delta::vacuumTable(table, vacuumOptions);
      for (const auto& f : result.files) std::cout << f << "\n";
      std::cout << (result.dryRun ? "Found " : "Deleted ") << result.files.size() << " files (" << result.bytes
                << " bytes)" << (result.dryRun ? " to delete" : "") << " older than " << result.retainHours
                << " hours and not needed by the table";
      if (!result.dryRun) std::cout << "; removed " << result.directoriesRemoved << " empty directories";
      std::cout << std::endl;
      return 0;
    }
    if (*optimize) {
      auto result = weir::formats::delta::optimizeTable(table, optimizeOptions);
      if (result.version < 0) {
        std::cout << "Nothing to compact: no partition has two files smaller than " << optimizeOptions.targetSizeBytes
                  << " bytes" << std::endl;
      } else {
        std::cout << "Committed version " << result.version << ": removed " << result.numFilesRemoved << " files ("
                  << result.numBytesRemoved << " bytes), added " << result.numFilesAdded << " files ("
                  << result.numBytesAdded << " bytes) in " << result.partitionsOptimized << " partitions" << std::endl;
      }
      return 0;
    }
    if (*generate && !produce.bootstrap.empty()) {
      produce.count = count;
      produce.wallClock = false;
      produce.events = options;
      std::atomic<bool> stop{false};
      int64_t acked = weir::tools::produceEvents(produce, stop);
      std::cerr << "weir generate: " << acked << " of " << count << " events acknowledged by " << produce.topic << std::endl;
      return acked == count ? 0 : 1;
    }
    if (*generate) {
      std::ofstream file;
      std::ostream* stream = &std::cout;
      if (out != "-") {
        file.open(out, std::ios::binary | std::ios::trunc);
        if (!file) {
          std::cerr << "weir generate: cannot write " << out << std::endl;
          return 1;
        }
        stream = &file;
      }
      weir::tools::EventGenerator gen(options);
      std::string buffer;
      for (int64_t i = 0; i < count; ++i) {
        gen.next(buffer);
        buffer.push_back('\n');
        if (buffer.size() > (1 << 20)) {
          stream->write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
          buffer.clear();
        }
      }
      stream->write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      return stream->good() ? 0 : 1;
    }
    std::cout << app.help();
  } catch (const weir::Error& e) {
    std::cerr << "weir: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
