#include "weir/runtime/trigger.h"

#include "weir/base/duration.h"
#include "weir/base/error.h"

namespace weir::runtime {

Trigger Trigger::ProcessingTime(const std::string& interval) {
  int64_t micros = base::parseDurationMicros(interval, "trigger interval");
  if (micros < 0) {
    throw InvalidInputError("INVALID_PARAMETER_VALUE",
                            "The trigger interval must not be negative, but it is \"" + interval + "\".");
  }
  return ProcessingTime(micros / 1000);
}

Trigger Trigger::ProcessingTime(int64_t intervalMs) {
  if (intervalMs < 0) {
    throw InvalidInputError("INVALID_PARAMETER_VALUE",
                            "The trigger interval must not be negative, but it is " + std::to_string(intervalMs) +
                                " ms.");
  }
  return Trigger(Kind::kProcessingTime, intervalMs);
}

Trigger Trigger::Once() { return Trigger(Kind::kOnce, 0); }

Trigger Trigger::AvailableNow() { return Trigger(Kind::kAvailableNow, 0); }

std::string Trigger::toString() const {
  switch (kind_) {
    case Kind::kOnce: return "OneTimeTrigger";
    case Kind::kAvailableNow: return "AvailableNowTrigger";
    case Kind::kProcessingTime: return "ProcessingTimeTrigger(" + std::to_string(intervalMs_) + ")";
  }
  return "";
}

}  // namespace weir::runtime
