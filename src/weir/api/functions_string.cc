// String functions of weir::functions (lower .. endswith): each builds the call expression with the
// column name Spark shows for it, e.g. "substring(s, 1, 3)" or "concat_ws(-, a, b)".
#include "weir/api/functions.h"

namespace weir::functions {

using expr::ExprPtr;

namespace {

std::vector<ExprPtr> exprsOf(const std::vector<Column>& columns) {
  std::vector<ExprPtr> out;
  out.reserve(columns.size());
  for (const auto& c : columns) out.push_back(c.expr());
  return out;
}

Column callOf(const std::string& name, std::vector<ExprPtr> args) {
  return Column(expr::call(name, std::move(args)));
}

}  // namespace

Column lower(const Column& c) { return callOf("lower", {c.expr()}); }
Column upper(const Column& c) { return callOf("upper", {c.expr()}); }
Column trim(const Column& c) { return callOf("trim", {c.expr()}); }
Column ltrim(const Column& c) { return callOf("ltrim", {c.expr()}); }
Column rtrim(const Column& c) { return callOf("rtrim", {c.expr()}); }
Column length(const Column& c) { return callOf("length", {c.expr()}); }

Column substring(const Column& c, int pos, int len) {
  return callOf("substring", {c.expr(), Column(pos).expr(), Column(len).expr()});
}

Column concat(const std::vector<Column>& columns) { return callOf("concat", exprsOf(columns)); }

Column concat_ws(const std::string& separator, const std::vector<Column>& columns) {
  std::vector<ExprPtr> args{lit(separator).expr()};
  for (const auto& c : columns) args.push_back(c.expr());
  return callOf("concat_ws", std::move(args));
}

Column split(const Column& c, const std::string& pattern, int limit) {
  return callOf("split", {c.expr(), lit(pattern).expr(), Column(limit).expr()});
}

Column regexp_extract(const Column& c, const std::string& pattern, int group) {
  return callOf("regexp_extract", {c.expr(), lit(pattern).expr(), Column(group).expr()});
}

Column regexp_replace(const Column& c, const std::string& pattern, const std::string& replacement) {
  // Spark adds the default position 1, which shows in the column name.
  return callOf("regexp_replace",
                {c.expr(), lit(pattern).expr(), lit(replacement).expr(), Column(1).expr()});
}

Column like(const Column& c, const std::string& pattern) { return c.like(pattern); }
Column rlike(const Column& c, const std::string& pattern) { return c.rlike(pattern); }
Column contains(const Column& c, const Column& other) { return c.contains(other); }
Column startswith(const Column& c, const Column& other) { return c.startsWith(other); }
Column endswith(const Column& c, const Column& other) { return c.endsWith(other); }

}  // namespace weir::functions
