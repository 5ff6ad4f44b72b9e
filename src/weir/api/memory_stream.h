// MemoryStream: a streaming source fed from the program, for tests and examples (Spark's
// MemoryStream). Each addData() call is one offset; a query reads what was added since its last
// batch.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "weir/api/data_frame.h"
#include "weir/columnar/value.h"
#include "weir/types/data_type.h"

namespace weir {

class Session;
struct MemoryStreamData;

/// A handle to an in-memory stream. Cheap to copy; thread-safe: data may be added while queries
/// read it.
class MemoryStream {
 public:
  static MemoryStream create(const Session& session, const StructType& schema);
  /// Appends rows (values must match the schema) and returns their offset: 0 for the first call,
  /// then 1, 2, ...
  int64_t addData(const std::vector<columnar::Row>& rows) const;
  /// A streaming DataFrame over the stream.
  DataFrame toDF() const;
  /// The offset of the last addData(), -1 before the first.
  int64_t latestOffset() const;

 private:
  MemoryStream(std::shared_ptr<SessionState> session, std::shared_ptr<MemoryStreamData> data)
      : session_(std::move(session)), data_(std::move(data)) {}
  std::shared_ptr<SessionState> session_;
  std::shared_ptr<MemoryStreamData> data_;
};

}  // namespace weir
