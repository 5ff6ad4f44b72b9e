// DuckDB as the tests' independent oracle: runs one SQL statement through
// tests/oracle/duckdb_query.mjs (npm @duckdb/node-api) and returns its rows as JSON.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace weir::testing {

inline std::string runCommand(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  int rc = pclose(pipe);
  if (rc != 0) throw std::runtime_error("command failed (" + std::to_string(rc) + "): " + command + "\n" + out);
  return out;
}

inline std::string shellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

/// The rows of `sql` as DuckDB returns them (a JSON array of arrays).
inline nlohmann::json duckdb(const std::string& sql) {
  const std::string script = std::string(WEIR_SOURCE_DIR) + "/tests/oracle/duckdb_query.mjs";
  return nlohmann::json::parse(runCommand("node " + shellQuote(script) + " " + shellQuote(sql)));
}

}  // namespace weir::testing
