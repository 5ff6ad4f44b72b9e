// CAST with Spark's non-ANSI rules: invalid strings and overflowing decimals become null.
#pragma once

#include "weir/columnar/vector.h"
#include "weir/types/data_type.h"

namespace weir::expr {

/// Whether Spark allows casting `from` to `to`.
bool canCast(const types::DataType& from, const types::DataType& to);
/// Casts a whole vector. Throws AnalysisError when the cast is not allowed.
columnar::VectorPtr castVector(const columnar::VectorPtr& in, const types::DataTypePtr& to);

}  // namespace weir::expr
