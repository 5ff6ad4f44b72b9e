// DataStreamReader: opens streaming sources, as Spark's spark.readStream.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "weir/api/data_frame.h"
#include "weir/api/option_setters.h"
#include "weir/plan/logical_plan.h"

namespace weir {

/// Builder for a streaming read. Cheap to copy.
class DataStreamReader : public OptionSetters<DataStreamReader> {
 public:
  explicit DataStreamReader(std::shared_ptr<SessionState> session) : session_(std::move(session)) {}

  /// "json" or "csv" (a directory whose new files are read), "rate" (more arrive with their issues:
  /// "kafka", "delta").
  DataStreamReader& format(const std::string& source);
  DataStreamReader& schema(const StructType& schema);
  DataStreamReader& schema(const std::string& ddl);

  DataFrame load() const;
  DataFrame load(const std::string& path) const;

 private:
  std::shared_ptr<SessionState> session_;
  std::string format_;
  std::optional<types::DataTypePtr> schema_;
};

}  // namespace weir
