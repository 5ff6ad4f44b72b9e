// Error hierarchy implementation.
#include "weir/base/error.h"

namespace weir {

Error::Error(std::string errorClass, const std::string& message)
    : std::runtime_error("[" + errorClass + "] " + message),
      errorClass_(std::move(errorClass)),
      message_(message) {}

void throwInternal(const char* file, int line, const std::string& condition) {
  throw InternalError("INTERNAL_ERROR", "Invariant violated at " + std::string(file) + ":" +
                                            std::to_string(line) + ": " + condition +
                                            ". This is a bug in Weir; please report it.");
}

}  // namespace weir
