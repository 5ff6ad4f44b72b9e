// Math and hash functions of weir::functions (abs .. least, hash .. crc32): each builds the call
// expression with the column name Spark shows for it, e.g. "round(x, 2)", "POWER(x, 2)", "ln(x)".
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

// Spark shows some math functions under an upper-case name: "SQRT(x)", "FLOOR(x)".
Column callShown(const std::string& name, const std::string& shown, std::vector<ExprPtr> args) {
  std::string display = shown + "(";
  for (size_t i = 0; i < args.size(); ++i) display += (i ? ", " : "") + args[i]->display;
  return Column(expr::call(name, std::move(args), display + ")"));
}

}  // namespace

// ----- math

Column abs(const Column& c) { return callOf("abs", {c.expr()}); }
Column round(const Column& c, int scale) {
  return callOf("round", {c.expr(), Column(scale).expr()});
}
Column bround(const Column& c, int scale) {
  return callOf("bround", {c.expr(), Column(scale).expr()});
}
Column floor(const Column& c) { return callShown("floor", "FLOOR", {c.expr()}); }
Column ceil(const Column& c) { return callShown("ceil", "CEIL", {c.expr()}); }
Column sqrt(const Column& c) { return callShown("sqrt", "SQRT", {c.expr()}); }
Column pow(const Column& base, const Column& exponent) {
  return callShown("power", "POWER", {base.expr(), exponent.expr()});
}
Column exp(const Column& c) { return callShown("exp", "EXP", {c.expr()}); }
Column log(const Column& c) { return callOf("ln", {c.expr()}); }
Column pmod(const Column& a, const Column& b) { return callOf("pmod", {a.expr(), b.expr()}); }
Column greatest(const std::vector<Column>& columns) { return callOf("greatest", exprsOf(columns)); }
Column least(const std::vector<Column>& columns) { return callOf("least", exprsOf(columns)); }

// ----- hashing

Column hash(const std::vector<Column>& columns) { return callOf("hash", exprsOf(columns)); }
Column xxhash64(const std::vector<Column>& columns) { return callOf("xxhash64", exprsOf(columns)); }
Column md5(const Column& c) { return callOf("md5", {c.expr()}); }
Column sha1(const Column& c) { return callOf("sha1", {c.expr()}); }
Column sha2(const Column& c, int numBits) {
  return callOf("sha2", {c.expr(), Column(numBits).expr()});
}
Column crc32(const Column& c) { return callOf("crc32", {c.expr()}); }

}  // namespace weir::functions
