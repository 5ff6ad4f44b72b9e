// The weir command: golden events, a local Kafka broker for development (kafka-dev).
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "event_generator.h"
#include "kafka_dev.h"
#include "weir/base/time.h"
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
  generate->add_option("--out", out, "Output file, or - for standard output");
  generate->add_option("--step-us", options.stepMicros, "Event-time advance per event, microseconds (360 = 10 M events per hour)")
      ->check(CLI::PositiveNumber);
  weir::tools::ProduceOptions produce;
  generate->add_option("--bootstrap", produce.bootstrap, "Produce into Kafka at these bootstrap servers instead of writing a file");
  generate->add_option("--topic", produce.topic, "Kafka topic (with --bootstrap)")->default_val("events");
  generate->add_option("--rate", produce.rate, "Events per second into Kafka; 0 is as fast as possible")
      ->default_val(0)->check(CLI::NonNegativeNumber);

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
  kafkaDev->add_option("--jitter-ms", dev.produce.events.jitterMicros, "Out-of-order jitter of event times, ms")
      ->transform([](std::string v) { return std::to_string(std::stoll(v) * 1000); });
  std::string startTime;
  kafkaDev->add_option("--start-time", startTime,
                       "Event time of the first event (e.g. 2025-01-01T00:00:00Z) instead of now: with the seed "
                       "and rate, the same events every run");
  kafkaDev->add_option("--late-fraction", dev.produce.events.lateFraction,
                       "Fraction of events 20 minutes late (behind a 10 minute watermark)")
      ->default_val(0.001)->check(CLI::Range(0.0, 1.0));

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
