// The hand-written baseline as a program of the benchmark suite: golden JSON-lines files to counts
// per (window, user_id) with simdjson and absl hash maps (window_count_baseline.h), one thread.
// Prints one JSON line: events, CPU seconds, result rows.
//
// Usage: baseline_bench --row ID [--window-us N] [--slide-us N] FILE...
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "process_usage.h"
#include "window_count_baseline.h"

int main(int argc, char** argv) {
  std::string row = "baseline";
  weir::bench::WindowShape shape;
  std::vector<std::string> files;
  CLI::App app{"Hand-written baseline: golden JSON lines to window counts per user"};
  app.add_option("--row", row, "Row id of the results table");
  app.add_option("--window-us", shape.sizeMicros, "Window duration, microseconds")
      ->check(CLI::PositiveNumber);
  app.add_option("--slide-us", shape.slideMicros, "Slide, microseconds (divides the window)")
      ->check(CLI::PositiveNumber);
  app.add_option("files", files, "JSON-lines files")->required();
  CLI11_PARSE(app, argc, argv);
  if (shape.sizeMicros % shape.slideMicros != 0) {
    std::fprintf(stderr, "baseline_bench: the slide must divide the window\n");
    return 2;
  }
  const double cpu0 = weir::bench::processCpuSeconds();
  const int64_t wall0 = weir::bench::monotonicMicros();
  weir::bench::WindowCountBaseline baseline(shape);
  for (const auto& f : files) baseline.addFile(f);
  const auto counts = baseline.finish();
  const double cpu = weir::bench::processCpuSeconds() - cpu0;
  const double wall = static_cast<double>(weir::bench::monotonicMicros() - wall0) / 1e6;
  std::printf("%s\n", nlohmann::json{{"row", row},
                                     {"system", "baseline"},
                                     {"events", counts.events},
                                     {"cpuSeconds", cpu},
                                     {"wallSeconds", wall},
                                     {"outputRows", counts.windows},
                                     {"windowCountTotal", counts.total}}
                          .dump()
                          .c_str());
  return counts.events > 0 ? 0 : 1;
}
