// ColumnBatch helpers.
#include "weir/columnar/column_batch.h"

#include "weir/base/error.h"

namespace weir::columnar {

ColumnBatch::ColumnBatch(types::DataTypePtr schema, std::vector<VectorPtr> columns, size_t numRows)
    : schema_(std::move(schema)), columns_(std::move(columns)), numRows_(numRows) {
  WEIR_CHECK(schema_->fields().size() == columns_.size());
  for (const auto& c : columns_) WEIR_CHECK(c->size() == numRows_);
}

ColumnBatch::ColumnBatch(types::DataTypePtr schema, std::vector<VectorPtr> columns)
    : ColumnBatch(schema, columns, columns.empty() ? 0 : columns[0]->size()) {}

Row ColumnBatch::row(size_t i) const {
  std::vector<Value> values;
  values.reserve(columns_.size());
  for (const auto& c : columns_) values.push_back(c->getValue(i));
  return Row(std::move(values));
}

std::vector<Row> ColumnBatch::rows() const {
  std::vector<Row> out;
  out.reserve(numRows_);
  for (size_t i = 0; i < numRows_; ++i) out.push_back(row(i));
  return out;
}

ColumnBatch ColumnBatch::gather(const uint32_t* rows, size_t count) const {
  std::vector<VectorPtr> cols;
  cols.reserve(columns_.size());
  for (const auto& c : columns_) cols.push_back(c->gather(rows, count));
  return ColumnBatch(schema_, std::move(cols), count);
}

ColumnBatch ColumnBatch::slice(size_t start, size_t count) const {
  if (start == 0 && count == numRows_) return *this;
  std::vector<VectorPtr> cols;
  for (const auto& c : columns_) cols.push_back(c->slice(start, count));
  return ColumnBatch(schema_, std::move(cols), count);
}

ColumnBatch ColumnBatch::concat(const types::DataTypePtr& schema, const std::vector<ColumnBatch>& parts) {
  std::vector<ColumnBatch> nonEmpty;
  for (const auto& p : parts) {
    if (p.numRows() > 0) nonEmpty.push_back(p);
  }
  if (nonEmpty.empty()) {
    std::vector<VectorPtr> cols;
    for (const auto& f : schema->fields()) cols.push_back(Vector::make(f.type));
    return ColumnBatch(schema, std::move(cols), 0);
  }
  if (nonEmpty.size() == 1) return ColumnBatch(schema, nonEmpty[0].columns(), nonEmpty[0].numRows());
  std::vector<VectorPtr> cols;
  size_t rows = 0;
  for (const auto& p : nonEmpty) rows += p.numRows();
  for (size_t c = 0; c < schema->fields().size(); ++c) {
    std::vector<VectorPtr> pieces;
    for (const auto& p : nonEmpty) pieces.push_back(p.column(c));
    cols.push_back(Vector::concat(pieces));
  }
  return ColumnBatch(schema, std::move(cols), rows);
}

ColumnBatch ColumnBatch::fromRows(const types::DataTypePtr& schema, const std::vector<Row>& rows) {
  std::vector<VectorPtr> cols;
  for (size_t c = 0; c < schema->fields().size(); ++c) {
    auto v = Vector::make(schema->fields()[c].type, rows.size());
    for (const auto& r : rows) {
      if (r.size() != schema->fields().size()) {
        throw InvalidInputError("INVALID_ROW", "Row " + r.toString() + " has " + std::to_string(r.size()) +
                                                   " values but the schema has " +
                                                   std::to_string(schema->fields().size()) + " fields");
      }
      v->appendValue(r[c]);
    }
    cols.push_back(v);
  }
  return ColumnBatch(schema, std::move(cols), rows.size());
}

size_t ColumnBatch::memoryBytes() const {
  size_t total = 0;
  for (const auto& c : columns_) {
    total += c->size() * std::max(1, c->type()->fixedWidth()) + c->bytes().size();
  }
  return total;
}

}  // namespace weir::columnar
