// RowCodec: rows of Values to bytes and back, for state stores. Self-describing (a kind tag per
// value), little-endian; the layout is documented in docs/formats/state-store.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "weir/columnar/value.h"

namespace weir::exec {

/// Appends the encoding of `values` to `out`.
void encodeRow(const std::vector<columnar::Value>& values, std::string& out);

/// Decodes a row written by encodeRow. Throws CorruptionError naming `what` when the bytes are
/// not a valid encoding.
std::vector<columnar::Value> decodeRow(std::string_view bytes, const std::string& what);

}  // namespace weir::exec
