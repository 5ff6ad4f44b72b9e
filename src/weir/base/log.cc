#include "weir/base/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace weir::base {

namespace {

std::mutex& handlerMutex() {
  static std::mutex m;
  return m;
}

std::function<void(LogLevel, const std::string&)>& handler() {
  static std::function<void(LogLevel, const std::string&)> h;
  return h;
}

spdlog::logger& logger() {
  static std::shared_ptr<spdlog::logger> l = [] {
    auto created = spdlog::stderr_color_mt("weir");
    created->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ weir: %v");
    return created;
  }();
  return *l;
}

void emit(LogLevel level, const std::string& message) {
  {
    std::lock_guard lock(handlerMutex());
    if (handler()) {
      handler()(level, message);
      return;
    }
  }
  if (level == LogLevel::kWarning) {
    logger().warn("{}", message);
  } else {
    logger().info("{}", message);
  }
}

}  // namespace

void setLogHandler(std::function<void(LogLevel, const std::string&)> h) {
  std::lock_guard lock(handlerMutex());
  handler() = std::move(h);
}

void logInfo(const std::string& message) { emit(LogLevel::kInfo, message); }
void logWarning(const std::string& message) { emit(LogLevel::kWarning, message); }

}  // namespace weir::base
