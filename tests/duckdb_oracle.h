// DuckDB as the tests' independent oracle: runs one SQL statement through
// tests/oracle/duckdb_query.mjs (npm @duckdb/node-api) and returns its rows as JSON.
#pragma once

#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "weir/base/time.h"
#include "weir/columnar/value.h"
#include "weir/types/data_type.h"

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

/// A value as DuckDB's JSON rows show it: BIGINT and DECIMAL as strings, TIMESTAMP (and
/// TIMESTAMP_NTZ) as the string of epoch_us(t), DATE as t::VARCHAR, BINARY as hex(b), maps as lists
/// of {key, value}.
inline nlohmann::json expected(const columnar::Value& v, const types::DataType& t) {
  using types::TypeId;
  if (v.isNull()) return nullptr;
  switch (t.id()) {
    case TypeId::kBoolean:
      return v.asBool();
    case TypeId::kByte:
    case TypeId::kShort:
    case TypeId::kInteger:
      return v.asLong();
    case TypeId::kLong:
    case TypeId::kTimestamp:
    case TypeId::kTimestampNtz:
      return std::to_string(v.asLong());
    case TypeId::kFloat:
    case TypeId::kDouble:
      return v.asDouble();
    case TypeId::kString:
      return v.asString();
    case TypeId::kDate:
      return base::formatDate(static_cast<int32_t>(v.asLong()));
    case TypeId::kDecimal:
      return v.asDecimal().toString();
    case TypeId::kBinary: {
      std::string hex;
      for (unsigned char c : v.asString()) {
        hex.push_back("0123456789ABCDEF"[c >> 4]);
        hex.push_back("0123456789ABCDEF"[c & 15]);
      }
      return hex;
    }
    case TypeId::kStruct: {
      nlohmann::json o = nlohmann::json::object();
      for (size_t i = 0; i < t.fields().size(); ++i)
        o[t.fields()[i].name] = expected(v.children()[i], *t.fields()[i].type);
      return o;
    }
    case TypeId::kArray: {
      nlohmann::json a = nlohmann::json::array();
      for (const auto& e : v.children()) a.push_back(expected(e, *t.elementType()));
      return a;
    }
    case TypeId::kMap: {
      nlohmann::json a = nlohmann::json::array();
      for (size_t i = 0; i + 1 < v.children().size(); i += 2) {
        a.push_back({{"key", expected(v.children()[i], *t.keyType())},
                     {"value", expected(v.children()[i + 1], *t.valueType())}});
      }
      return a;
    }
    default:
      return "?";
  }
}

}  // namespace weir::testing
