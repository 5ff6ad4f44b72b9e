// Date and time functions of weir::functions: each builds a call of the expression registered in
// expr/datetime_functions.cc, displayed under the column name Spark gives it.
#include "weir/api/functions.h"

namespace weir::functions {
namespace {

// Spark's TimestampFormatter.defaultPattern, which unix_timestamp shows in its column name.
constexpr const char* kDefaultPattern = "yyyy-MM-dd HH:mm:ss";

Column callOf(const std::string& name, std::vector<expr::ExprPtr> args) {
  return Column(expr::call(name, std::move(args)));
}

}  // namespace

Column to_timestamp(const Column& c) { return callOf("to_timestamp", {c.expr()}); }
Column to_timestamp(const Column& c, const std::string& format) {
  return callOf("to_timestamp", {c.expr(), Column(format).expr()});
}
Column to_date(const Column& c) { return callOf("to_date", {c.expr()}); }
Column to_date(const Column& c, const std::string& format) {
  return callOf("to_date", {c.expr(), Column(format).expr()});
}
Column date_format(const Column& c, const std::string& format) {
  return callOf("date_format", {c.expr(), Column(format).expr()});
}
Column date_trunc(const std::string& unit, const Column& c) {
  return callOf("date_trunc", {Column(unit).expr(), c.expr()});
}
Column year(const Column& c) { return callOf("year", {c.expr()}); }
Column quarter(const Column& c) { return callOf("quarter", {c.expr()}); }
Column month(const Column& c) { return callOf("month", {c.expr()}); }
Column dayofmonth(const Column& c) { return callOf("dayofmonth", {c.expr()}); }
Column dayofweek(const Column& c) { return callOf("dayofweek", {c.expr()}); }
Column dayofyear(const Column& c) { return callOf("dayofyear", {c.expr()}); }
Column hour(const Column& c) { return callOf("hour", {c.expr()}); }
Column minute(const Column& c) { return callOf("minute", {c.expr()}); }
Column second(const Column& c) { return callOf("second", {c.expr()}); }

// Spark spells the defaults out: unix_timestamp() is unix_timestamp(current_timestamp(), pattern).
Column unix_timestamp() { return unix_timestamp(current_timestamp(), kDefaultPattern); }
Column unix_timestamp(const Column& c) { return unix_timestamp(c, kDefaultPattern); }
Column unix_timestamp(const Column& c, const std::string& format) {
  return callOf("unix_timestamp", {c.expr(), Column(format).expr()});
}
Column from_unixtime(const Column& c, const std::string& format) {
  return callOf("from_unixtime", {c.expr(), Column(format).expr()});
}
Column timestamp_seconds(const Column& c) { return callOf("timestamp_seconds", {c.expr()}); }
Column current_timestamp() { return callOf("current_timestamp", {}); }
Column current_date() { return callOf("current_date", {}); }
Column date_add(const Column& c, int days) {
  return callOf("date_add", {c.expr(), Column(days).expr()});
}
Column date_sub(const Column& c, int days) {
  return callOf("date_sub", {c.expr(), Column(days).expr()});
}
Column datediff(const Column& end, const Column& start) {
  return callOf("datediff", {end.expr(), start.expr()});
}

}  // namespace weir::functions
