// ColumnBatch: a set of equally long column vectors with their schema; the unit operators pass on.
#pragma once

#include <memory>
#include <vector>

#include "weir/columnar/vector.h"
#include "weir/types/data_type.h"

namespace weir::columnar {

/// A batch of rows in columnar form. Immutable once built; share it freely across threads.
class ColumnBatch {
 public:
  ColumnBatch() : schema_(types::DataType::structOf({})) {}
  ColumnBatch(types::DataTypePtr schema, std::vector<VectorPtr> columns, size_t numRows);
  ColumnBatch(types::DataTypePtr schema, std::vector<VectorPtr> columns);

  const types::DataTypePtr& schema() const { return schema_; }
  size_t numRows() const { return numRows_; }
  size_t numColumns() const { return columns_.size(); }
  const VectorPtr& column(size_t i) const { return columns_[i]; }
  const std::vector<VectorPtr>& columns() const { return columns_; }

  Row row(size_t i) const;
  std::vector<Row> rows() const;
  ColumnBatch gather(const uint32_t* rows, size_t count) const;
  ColumnBatch slice(size_t start, size_t count) const;
  static ColumnBatch concat(const types::DataTypePtr& schema, const std::vector<ColumnBatch>& parts);
  static ColumnBatch fromRows(const types::DataTypePtr& schema, const std::vector<Row>& rows);
  size_t memoryBytes() const;

 private:
  types::DataTypePtr schema_;
  std::vector<VectorPtr> columns_;
  size_t numRows_ = 0;
};

/// The preferred number of rows per batch.
constexpr size_t kDefaultBatchRows = 4096;

}  // namespace weir::columnar
