// OptionSetters: the option(...)/options(...) methods every reader and writer builder shares
// (Spark's DataFrameReader, DataFrameWriter, DataStreamReader and DataStreamWriter all take them).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "weir/plan/logical_plan.h"

namespace weir {

/// Mixed into a builder `Self`; keeps the options (keys case-insensitive, as in Spark).
template <class Self>
class OptionSetters {
 public:
  Self& option(const std::string& key, const std::string& value) {
    options_.set(key, value);
    return static_cast<Self&>(*this);
  }
  Self& option(const std::string& key, const char* value) { return option(key, std::string(value)); }
  Self& option(const std::string& key, bool value) { return option(key, std::string(value ? "true" : "false")); }
  Self& option(const std::string& key, int64_t value) { return option(key, std::to_string(value)); }
  Self& option(const std::string& key, int value) { return option(key, static_cast<int64_t>(value)); }
  Self& options(const std::map<std::string, std::string>& options) {
    for (const auto& [k, v] : options) options_.set(k, v);
    return static_cast<Self&>(*this);
  }

 protected:
  plan::Options options_;
};

}  // namespace weir
