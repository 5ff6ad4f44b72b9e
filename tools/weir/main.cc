// The weir command: version and help now; local Kafka broker, checkpoint and Delta tools later.
#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>

#include "event_generator.h"
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

  CLI11_PARSE(app, argc, argv);

  try {
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
