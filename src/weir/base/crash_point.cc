#include "weir/base/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace weir::base {
namespace {

struct CrashPointSetting {
  std::string name;
  long hitsLeft = 0;
};

// Parsed once; null when WEIR_CRASH_POINT is unset or empty.
CrashPointSetting* setting() {
  static CrashPointSetting* parsed = []() -> CrashPointSetting* {
    const char* env = std::getenv("WEIR_CRASH_POINT");
    if (env == nullptr || *env == '\0') return nullptr;
    auto* s = new CrashPointSetting;  // lives as long as the process
    std::string value = env;
    auto colon = value.find(':');
    s->name = value.substr(0, colon);
    s->hitsLeft = colon == std::string::npos
                      ? 1
                      : std::max(1L, std::strtol(value.c_str() + colon + 1, nullptr, 10));
    return s;
  }();
  return parsed;
}

std::mutex gMutex;

}  // namespace

void crashPoint(const char* name) {
  CrashPointSetting* s = setting();
  if (s == nullptr || s->name != name) return;
  std::lock_guard lock(gMutex);
  if (--s->hitsLeft == 0) {
    static const char message[] = "weir: WEIR_CRASH_POINT reached, killing the process\n";
    (void)!::write(2, message, sizeof message - 1);
    ::kill(::getpid(), SIGKILL);
    ::pause();
  }
}

}  // namespace weir::base
