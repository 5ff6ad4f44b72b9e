// DataFrameReader: reads files into a DataFrame, as Spark's spark.read.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weir/api/data_frame.h"
#include "weir/api/option_setters.h"
#include "weir/plan/logical_plan.h"

namespace weir {

/// Builder for a batch read. Cheap to copy.
class DataFrameReader : public OptionSetters<DataFrameReader> {
 public:
  explicit DataFrameReader(std::shared_ptr<SessionState> session) : session_(std::move(session)) {}

  /// "json" or "csv".
  DataFrameReader& format(const std::string& source);
  DataFrameReader& schema(const StructType& schema);
  /// A DDL schema string ("a INT, b STRING").
  DataFrameReader& schema(const std::string& ddl);

  /// For sources without a path (kafka), or with option("path", ..).
  DataFrame load() const;
  DataFrame load(const std::string& path) const;
  DataFrame load(const std::vector<std::string>& paths) const;
  DataFrame json(const std::string& path);
  DataFrame json(const std::vector<std::string>& paths);
  DataFrame csv(const std::string& path);
  DataFrame csv(const std::vector<std::string>& paths);
  /// Parquet files, directories or globs; the schema comes from the first file unless given.
  DataFrame parquet(const std::string& path);
  DataFrame parquet(const std::vector<std::string>& paths);

 private:
  std::shared_ptr<SessionState> session_;
  std::string format_ = "json";
  std::optional<types::DataTypePtr> schema_;
};

/// Builder for a batch write. Cheap to copy.
class DataFrameWriter : public OptionSetters<DataFrameWriter> {
 public:
  explicit DataFrameWriter(DataFrame frame) : frame_(std::move(frame)) {}

  DataFrameWriter& format(const std::string& source);
  /// "error" (default) / "errorifexists", "append", "overwrite", "ignore".
  DataFrameWriter& mode(const std::string& saveMode);
  DataFrameWriter& partitionBy(const std::vector<std::string>& columns);

  void save(const std::string& path) const;
  /// For formats without a path (kafka), or with option("path", ..).
  void save() const;
  void json(const std::string& path);
  void csv(const std::string& path);
  /// Parquet files (option compression: snappy (default), zstd, gzip, lz4, none).
  void parquet(const std::string& path);

 private:
  DataFrame frame_;
  std::string format_ = "json";
  std::string mode_ = "error";
  std::vector<std::string> partitionColumns_;
};

}  // namespace weir
