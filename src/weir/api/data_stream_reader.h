// DataStreamReader: opens streaming sources, as Spark's spark.readStream.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "weir/api/data_frame.h"
#include "weir/plan/logical_plan.h"

namespace weir {

/// Builder for a streaming read. Cheap to copy.
class DataStreamReader {
 public:
  explicit DataStreamReader(std::shared_ptr<SessionState> session) : session_(std::move(session)) {}

  /// "json" or "csv" (a directory whose new files are read), "rate" (more arrive with their issues:
  /// "kafka", "delta").
  DataStreamReader& format(const std::string& source);
  DataStreamReader& schema(const StructType& schema);
  DataStreamReader& schema(const std::string& ddl);
  DataStreamReader& option(const std::string& key, const std::string& value);
  DataStreamReader& option(const std::string& key, bool value);
  DataStreamReader& option(const std::string& key, int64_t value);
  DataStreamReader& options(const std::map<std::string, std::string>& options);

  DataFrame load() const;
  DataFrame load(const std::string& path) const;

 private:
  std::shared_ptr<SessionState> session_;
  std::string format_;
  std::optional<types::DataTypePtr> schema_;
  plan::Options options_;
};

}  // namespace weir
