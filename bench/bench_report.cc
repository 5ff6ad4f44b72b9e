// The results table of the benchmark suite: reads the JSON lines the suite's programs printed
// (scripts/bench.sh collects them), takes medians over runs, divides by the baseline's and
// DuckDB's rates of the same row, checks targets T1-T9 of spec/benchmarks.md, and prints one
// Markdown table (also written to a file for docs/benchmarks.md and the README).
//
// Each input line is an object with "row" (the table row it belongs to) and "system": "weir",
// "baseline" or "duckdb" (a run: events and cpuSeconds, maybe batch and latency percentiles and
// state), "kafka-floor" (librdkafka's consumer alone on the row's topic, a note), "oracle" (an
// oracle comparison), "info" (a label and notes for the row) or "error".
// A "weir" line with "recoveryMs" is one restart after kill -9.
//
// Usage: bench_report RESULTS.jsonl [OUTPUT.md] [HEADER TEXT]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

using nlohmann::json;

namespace {

struct Stats {
  double median = NAN, min = NAN, max = NAN;
  bool valid() const { return !std::isnan(median); }
};

Stats stats(std::vector<double> v) {
  Stats s;
  if (v.empty()) return s;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  s.min = v.front();
  s.max = v.back();
  return s;
}

// The measurements of one row.
struct Row {
  std::vector<json> weir, baseline, duckdb, oracle, recovery, kafkaFloor;
  json info = json::object();
  std::vector<std::string> errors;
};

double number(const json& j, const char* key, double fallback = NAN) {
  auto it = j.find(key);
  return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

// Per core: events over the CPU seconds of the process.
Stats perCore(const std::vector<json>& runs) {
  std::vector<double> v;
  for (const auto& r : runs) {
    const double cpu = number(r, "cpuSeconds"), events = number(r, "events");
    if (cpu > 0 && events > 0) v.push_back(events / cpu);
  }
  return stats(v);
}

Stats field(const std::vector<json>& runs, const char* key) {
  std::vector<double> v;
  for (const auto& r : runs) {
    const double x = number(r, key);
    if (!std::isnan(x) && x >= 0) v.push_back(x);
  }
  return stats(v);
}

Stats wallRate(const std::vector<json>& runs) {
  std::vector<double> v;
  for (const auto& r : runs) {
    const double wall = number(r, "wallSeconds"), events = number(r, "events");
    if (wall > 0 && events > 0) v.push_back(events / wall);
  }
  return stats(v);
}

std::string format(const char* fmt, double x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, x);
  return buf;
}

std::string millions(double x) {
  return format(x >= 10e6 ? "%.1f M" : x >= 1e6 ? "%.2f M" : "%.3f M", x / 1e6);
}

// A count of things: 3.81 M, 402 k, 950.
std::string countText(double x) {
  return x >= 1e6   ? format(x >= 10e6 ? "%.1f M" : "%.2f M", x / 1e6)
         : x >= 1e3 ? format("%.0f k", x / 1e3)
                    : format("%.0f", x);
}

std::string rateCell(const Stats& s) {
  if (!s.valid()) return "-";
  return millions(s.median) + " (" + format("%.2f", s.min / 1e6) + "-" +
         format("%.2f", s.max / 1e6) + ")";
}

std::string ratio(double a, double b) {
  return a > 0 && b > 0 ? format(a / b >= 10 ? "%.1fx" : "%.2fx", a / b) : "-";
}

std::string ms(double x) {
  return std::isnan(x) || x < 0 ? "-" : format(x >= 100 ? "%.0f" : "%.1f", x);
}

struct Verdict {
  std::string target = "-";
  std::string met = "-";
};

std::string metText(bool met) { return met ? "met" : "not met"; }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_report RESULTS.jsonl [OUTPUT.md] [HEADER]" << std::endl;
    return 2;
  }
  std::map<std::string, Row> rows;
  std::vector<std::string> order;
  std::ifstream in(argv[1]);
  std::string line;
  int bad = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '{') continue;
    json j = json::parse(line, nullptr, false);
    if (!j.is_object() || !j.contains("row") || !j.contains("system")) {
      ++bad;
      continue;
    }
    const std::string id = j["row"].get<std::string>(), system = j["system"].get<std::string>();
    if (!rows.count(id)) order.push_back(id);
    auto& r = rows[id];
    if (system == "weir")
      (j.contains("recoveryMs") ? r.recovery : r.weir).push_back(j);
    else if (system == "baseline")
      r.baseline.push_back(j);
    else if (system == "duckdb")
      r.duckdb.push_back(j);
    else if (system == "kafka-floor")
      r.kafkaFloor.push_back(j);
    else if (system == "oracle")
      r.oracle.push_back(j);
    else if (system == "info")
      r.info.update(j);
    else if (system == "error")
      r.errors.push_back(j.value("message", std::string("failed")));
  }

  auto rowRate = [&](const std::string& id) {
    return rows.count(id) ? perCore(rows[id].weir) : Stats{};
  };
  std::ostringstream out;
  if (argc > 3) out << argv[3] << "\n\n";
  out << "| workload | events | events/s per core (median, min-max) | vs baseline | vs DuckDB | "
         "batch p50 / p99 ms | "
         "e2e p99 ms | state B/key | recovery ms (p50 / max) | target | met | notes |\n";
  out << "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& id : order) {
    const Row& r = rows[id];
    if (r.weir.empty() && r.recovery.empty() && r.oracle.empty() && r.errors.empty()) continue;
    const std::string label = r.info.value("label", id);
    std::vector<std::string> notes;
    if (r.info.contains("notes")) notes.push_back(r.info["notes"].get<std::string>());
    for (const auto& e : r.errors) notes.push_back("FAILED: " + e);
    const Stats rate = perCore(r.weir), base = perCore(r.baseline), duck = perCore(r.duckdb);
    const Stats events = field(r.weir, "events");
    const Stats p50 = field(r.weir, "batchP50Ms"), p99 = field(r.weir, "batchP99Ms"),
                e2e = field(r.weir, "e2eP99Ms");
    // State: bytes per live key at the largest state of the run.
    std::vector<double> perKey;
    double liveKeys = 0;
    for (const auto& w : r.weir) {
      const double keys = number(w, "stateRows", 0), bytes = number(w, "stateBytes", 0);
      if (keys > 0 && bytes > 0) perKey.push_back(bytes / keys);
      liveKeys = std::max(liveKeys, keys);
    }
    const Stats keyBytes = stats(perKey);
    const Stats recovery = field(r.recovery, "recoveryMs");
    for (const auto& rec : r.recovery) liveKeys = std::max(liveKeys, number(rec, "stateRows", 0));

    std::string eventsCell = "-";
    if (events.valid()) eventsCell = countText(events.median);
    std::string batches = p50.valid() ? ms(p50.median) + " / " + ms(p99.median) : "-";
    std::string recoveryCell =
        recovery.valid() ? ms(recovery.median) + " / " + ms(recovery.max) : "-";
    if (recovery.valid()) notes.push_back(std::to_string(r.recovery.size()) + " restarts");
    if (liveKeys > 0) notes.push_back(countText(liveKeys) + " live keys");
    if (r.info.contains("checkpointBytes")) {
      notes.push_back("checkpoint " +
                      format("%.0f MB", r.info["checkpointBytes"].get<double>() / 1e6));
    }
    // Live runs are paced by their producer: their wall-clock rate says nothing.
    const Stats wall = wallRate(r.weir);
    if (wall.valid() && !e2e.valid()) notes.push_back(millions(wall.median) + "/s wall");
    // What librdkafka's consumer alone costs on the same topic: the most a reader built on it gets.
    const Stats floor = perCore(r.kafkaFloor);
    if (floor.valid())
      notes.push_back("librdkafka's consumer alone " + millions(floor.median) + "/core");
    const Stats cost =
        rate.valid() ? Stats{1e9 / rate.median, 1e9 / rate.max, 1e9 / rate.min} : Stats{};
    const Stats dropped = field(r.weir, "droppedByWatermark");

    Verdict v;
    const std::string kind = r.info.value("target", "");
    if (kind == "T1") {
      v.target = "T1: >= 5.5 M/core";
      v.met = rate.valid()
                  ? metText(rate.median >= 5.5e6) + format(" (%.0f%%)", 100 * rate.median / 5.5e6)
                  : "-";
    } else if (kind == "T1-2") {
      const Stats one =
          wallRate(rows.count(r.info.value("oneCore", "")) ? rows[r.info.value("oneCore", "")].weir
                                                           : std::vector<json>{});
      const double speedup = wall.valid() && one.valid() ? wall.median / one.median : NAN;
      v.target = "T1: >= 12 M/s on 2 cores; T8: >= 1.8x one core";
      v.met = wall.valid() ? "T1 " + metText(wall.median >= 12e6) +
                                 format(" (%.0f%%)", 100 * wall.median / 12e6)
                           : "-";
      if (!std::isnan(speedup))
        v.met += "; T8 " + metText(speedup >= 1.8) + format(" (%.2fx)", speedup);
    } else if (kind == "T2") {
      v.target = "T2: >= 7.5 M/core";
      v.met = rate.valid()
                  ? metText(rate.median >= 7.5e6) + format(" (%.0f%%)", 100 * rate.median / 7.5e6)
                  : "-";
    } else if (kind == "T3") {
      v.target = "T3: >= 25 M/core at 100 k keys";
      v.met = rate.valid()
                  ? metText(rate.median >= 25e6) + format(" (%.0f%%)", 100 * rate.median / 25e6)
                  : "-";
    } else if (kind == "T5") {
      v.target = "T5: batch p99 <= 150 ms, e2e p99 <= 300 ms";
      v.met = p99.valid() && e2e.valid() ? metText(p99.median <= 150 && e2e.median <= 300) : "-";
    } else if (kind == "T3-T4-T6") {
      v.target = "T3: >= 5 M/core at 10 M keys; T4: <= 64 B/key; T6: first commit <= 1 s";
      std::vector<std::string> parts;
      if (rate.valid())
        parts.push_back("T3 " + metText(rate.median >= 5e6) +
                        (liveKeys < 10e6 ? " (fewer keys)" : ""));
      if (keyBytes.valid()) parts.push_back("T4 " + metText(keyBytes.median <= 64));
      if (recovery.valid()) parts.push_back("T6 " + metText(recovery.max <= 1000));
      v.met.clear();
      for (const auto& p : parts) v.met += (v.met.empty() ? "" : "; ") + p;
      if (v.met.empty()) v.met = "-";
    } else if (kind == "T6") {
      v.target = "T6: first commit <= 1 s; output = oracle";
      bool exact = !r.oracle.empty();
      for (const auto& o : r.oracle)
        exact = exact && number(o, "missingRows") == 0 && number(o, "extraRows") == 0;
      v.met = recovery.valid() ? "T6 " + metText(recovery.max <= 1000 && exact) : "-";
    } else if (kind == "oracle") {
      v.target = "late drops and output = oracle";
      bool exact = !r.oracle.empty();
      for (const auto& o : r.oracle) {
        exact = exact && number(o, "missingRows") == 0 && number(o, "extraRows") == 0 &&
                (!dropped.valid() || dropped.median == number(o, "oracleDroppedRows"));
      }
      v.met = metText(exact);
    } else if (kind == "T7") {
      const Stats small = rowRate(r.info.value("reference", ""));
      v.target = "T7: cost/event grows <= 25%";
      if (small.valid() && rate.valid()) {
        const double growth = small.median / rate.median - 1;
        v.met = metText(growth <= 0.25) + format(" (%+.0f%%)", 100 * growth);
      }
    } else if (kind == "T9") {
      v.target = "T9: >= 2x DuckDB";
      v.met = rate.valid() && duck.valid() ? metText(rate.median >= 2 * duck.median) : "-";
    }
    if (cost.valid() && kind == "T7") notes.push_back(format("%.0f ns/event", cost.median));
    if (dropped.valid() && dropped.median > 0)
      notes.push_back(format("dropped late %.0f", dropped.median));
    for (const auto& o : r.oracle) {
      notes.push_back(format("oracle: %.0f rows", number(o, "oracleRows")) +
                      format(", %.0f missing", number(o, "missingRows")) +
                      format(", %.0f extra", number(o, "extraRows")) +
                      (kind == "oracle"
                           ? format(", late rows expected %.0f", number(o, "oracleDroppedRows"))
                           : ""));
    }
    std::string noteText;
    for (const auto& n : notes) noteText += (noteText.empty() ? "" : "; ") + n;
    out << "| " << label << " | " << eventsCell << " | " << rateCell(rate) << " | "
        << (base.valid() ? ratio(rate.median, base.median) : "-") << " | "
        << (duck.valid() ? ratio(rate.median, duck.median) : "-") << " | " << batches << " | "
        << (e2e.valid() ? ms(e2e.median) : "-") << " | "
        << (keyBytes.valid() ? format("%.0f", keyBytes.median) : "-") << " | " << recoveryCell
        << " | " << v.target << " | " << v.met << " | " << (noteText.empty() ? "-" : noteText)
        << " |\n";
  }
  if (bad > 0) out << "\n(" << bad << " unreadable result lines skipped)\n";
  std::cout << out.str();
  if (argc > 2) std::ofstream(argv[2]) << out.str();
  return 0;
}
