// StreamMetadata: <checkpoint>/metadata = {"id":"<uuid>"}, the query's stable identity.
#pragma once

#include <string>

#include "weir/io/file_system.h"

namespace weir::runtime {

class StreamMetadata {
 public:
  /// The id stored in <checkpoint>/metadata, written with a new random id the first time.
  /// Throws CorruptionError when the file is not Spark's {"id":"..."}.
  static std::string readOrCreate(io::FileSystem& fs, const std::string& checkpoint);
};

/// A random version-4 UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string randomUuid();

}  // namespace weir::runtime
