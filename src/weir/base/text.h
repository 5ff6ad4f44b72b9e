// Small text helpers every layer needs: ASCII case folding for option and format names, and
// random identifiers.
#pragma once

#include <string>
#include <string_view>

namespace weir::base {

/// `s` with ASCII letters lower-cased (option keys, format names, modes are ASCII in Spark).
std::string asciiLower(std::string_view s);

/// A random version-4 UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
std::string randomUuid();

}  // namespace weir::base
