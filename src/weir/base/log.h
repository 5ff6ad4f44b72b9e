// Messages for the operator of a running query (a partition that lost data, a setting Weir
// adjusted), written through spdlog to standard error. Tests and embedding programs can take
// them instead with setLogHandler.
#pragma once

#include <functional>
#include <string>

namespace weir::base {

enum class LogLevel { kInfo, kWarning };

/// Receives every message instead of standard error; nullptr restores the default. Thread-safe.
void setLogHandler(std::function<void(LogLevel, const std::string&)> handler);

void logInfo(const std::string& message);
void logWarning(const std::string& message);

}  // namespace weir::base
