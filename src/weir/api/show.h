// The table text of DataFrame.show(), byte for byte as Spark prints it.
#pragma once

#include <string>
#include <vector>

#include "weir/columnar/value.h"
#include "weir/types/data_type.h"

namespace weir::api {

/// Formats up to `n` of `rows` (which may hold one more to signal that there are more).
std::string formatShow(const types::DataTypePtr& schema, const std::vector<columnar::Row>& rows, int n,
                       int truncate, bool vertical);

}  // namespace weir::api
