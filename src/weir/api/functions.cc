// Core functions: columns, literals, conditionals, time windows, generators, aggregates, sorting.
#include "weir/api/functions.h"

#include "weir/base/duration.h"
#include "weir/base/error.h"
#include "weir/columnar/value.h"

namespace weir::functions {

using columnar::Value;
using expr::ExprPtr;

namespace {

std::vector<ExprPtr> exprsOf(const std::vector<Column>& columns) {
  std::vector<ExprPtr> out;
  for (const auto& c : columns) out.push_back(c.expr());
  return out;
}

Column aggregateOf(const std::string& name, const Column& c, bool distinct = false) {
  return Column(expr::aggregate(name, {c.expr()}, distinct));
}

Column nameOrStar(const std::string& columnName) {
  if (columnName == "*") return Column(expr::literal(Value::integer(1), DataType::integer()));
  return col(columnName);
}

}  // namespace

Column col(const std::string& name) {
  if (name == "*") return Column(expr::star());
  if (name.size() > 2 && name.compare(name.size() - 2, 2, ".*") == 0) {
    return Column(expr::star(name.substr(0, name.size() - 2)));
  }
  return Column(expr::column(name));
}
Column column(const std::string& name) { return col(name); }
Column lit(const Column& value) { return value; }
Column lit(const char* value) { return Column(value); }
Column lit(const std::string& value) { return Column(value); }
Column typedLit(const Column& value, const DataTypePtr& type) { return value.cast(type); }
Column expr_null(const DataTypePtr& type) { return Column(expr::literal(Value::null(), type)); }

Column when(const Column& condition, const Column& value) {
  return Column(expr::callWithOptions("case_when", {condition.expr(), value.expr()}, {}, nullptr,
                                      "CASE WHEN " + condition.expr()->display + " THEN " +
                                          value.expr()->display + " END"));
}
Column coalesce(const std::vector<Column>& columns) { return Column(expr::call("coalesce", exprsOf(columns))); }
Column isnull(const Column& c) { return c.isNull(); }
Column isnotnull(const Column& c) { return c.isNotNull(); }
Column isnan(const Column& c) { return c.isNaN(); }
Column not_(const Column& c) { return !c; }

// ----- time windows: validated here so bad durations fail where the user wrote them.

Column window(const Column& timeColumn, const std::string& windowDuration) {
  return window(timeColumn, windowDuration, windowDuration, "0 seconds");
}

Column window(const Column& timeColumn, const std::string& windowDuration, const std::string& slideDuration) {
  return window(timeColumn, windowDuration, slideDuration, "0 seconds");
}

Column window(const Column& timeColumn, const std::string& windowDuration, const std::string& slideDuration,
              const std::string& startTime) {
  int64_t size = base::parseDurationMicros(windowDuration, "windowDuration");
  int64_t slide = base::parseDurationMicros(slideDuration, "slideDuration");
  int64_t start = base::parseDurationMicros(startTime, "startTime");
  if (size <= 0) {
    throw InvalidInputError("INVALID_WINDOW", "The window duration (" + windowDuration + ") must be greater than 0.");
  }
  if (slide <= 0) {
    throw InvalidInputError("INVALID_WINDOW", "The slide duration (" + slideDuration + ") must be greater than 0.");
  }
  if (slide > size) {
    throw InvalidInputError("INVALID_WINDOW", "The slide duration (" + slideDuration +
                                                  ") must be less than or equal to the windowDuration (" +
                                                  windowDuration + ").");
  }
  if (start < 0 ? -start >= slide : start >= slide) {
    throw InvalidInputError("INVALID_WINDOW", "The absolute value of start time (" + startTime +
                                                  ") must be less than the slideDuration (" + slideDuration + ").");
  }
  return Column(expr::callWithOptions("window", {timeColumn.expr()},
                                      {{"windowDuration", std::to_string(size)},
                                       {"slideDuration", std::to_string(slide)},
                                       {"startTime", std::to_string(start)}},
                                      nullptr, "window"));
}

Column window_time(const Column& windowColumn) {
  return Column(expr::call("window_time", {windowColumn.expr()}, "window_time(" + windowColumn.expr()->display + ")"));
}

Column session_window(const Column& timeColumn, const std::string& gapDuration) {
  int64_t gap = base::parseDurationMicros(gapDuration, "gapDuration");
  if (gap <= 0) {
    throw InvalidInputError("INVALID_WINDOW", "The gap duration (" + gapDuration + ") must be greater than 0.");
  }
  return Column(expr::callWithOptions("session_window", {timeColumn.expr()}, {{"gap", std::to_string(gap)}},
                                      nullptr, "session_window"));
}

Column session_window(const Column& timeColumn, const Column& gapDuration) {
  return Column(expr::callWithOptions("session_window", {timeColumn.expr(), gapDuration.expr()}, {}, nullptr,
                                      "session_window"));
}

// ----- generators (planned as Generate operators)

Column explode(const Column& c) { return Column(expr::call("explode", {c.expr()})); }
Column explode_outer(const Column& c) { return Column(expr::call("explode_outer", {c.expr()})); }
Column posexplode(const Column& c) { return Column(expr::call("posexplode", {c.expr()})); }

// ----- aggregates

Column count(const Column& c) {
  if (c.expr()->kind == expr::ExprKind::kStar) {
    return Column(expr::aggregate("count", {expr::literal(Value::integer(1), DataType::integer())}));
  }
  return aggregateOf("count", c);
}
Column count(const std::string& columnName) { return count(nameOrStar(columnName)); }
Column countDistinct(const std::vector<Column>& columns) {
  return Column(expr::aggregate("count", exprsOf(columns), true));
}
Column count_distinct(const std::vector<Column>& columns) { return countDistinct(columns); }
Column sum(const Column& c) { return aggregateOf("sum", c); }
Column sum(const std::string& columnName) { return sum(col(columnName)); }
Column avg(const Column& c) { return aggregateOf("avg", c); }
Column avg(const std::string& columnName) { return avg(col(columnName)); }
Column mean(const Column& c) { return aggregateOf("avg", c); }
Column min(const Column& c) { return aggregateOf("min", c); }
Column min(const std::string& columnName) { return min(col(columnName)); }
Column max(const Column& c) { return aggregateOf("max", c); }
Column max(const std::string& columnName) { return max(col(columnName)); }
Column first(const Column& c, bool ignoreNulls) {
  auto e = std::const_pointer_cast<expr::Expr>(expr::aggregate("first", {c.expr()}));
  if (ignoreNulls) e->options["ignoreNulls"] = "true";
  return Column(e);
}
Column last(const Column& c, bool ignoreNulls) {
  auto e = std::const_pointer_cast<expr::Expr>(expr::aggregate("last", {c.expr()}));
  if (ignoreNulls) e->options["ignoreNulls"] = "true";
  return Column(e);
}
Column collect_list(const Column& c) { return aggregateOf("collect_list", c); }
Column collect_set(const Column& c) { return aggregateOf("collect_set", c); }
Column approx_count_distinct(const Column& c, double rsd) {
  auto e = std::const_pointer_cast<expr::Expr>(expr::aggregate("approx_count_distinct", {c.expr()}));
  e->options["rsd"] = std::to_string(rsd);
  return Column(e);
}

// ----- sort orders

Column asc(const std::string& columnName) { return col(columnName).asc(); }
Column desc(const std::string& columnName) { return col(columnName).desc(); }
Column asc_nulls_first(const std::string& columnName) { return col(columnName).asc_nulls_first(); }
Column asc_nulls_last(const std::string& columnName) { return col(columnName).asc_nulls_last(); }
Column desc_nulls_first(const std::string& columnName) { return col(columnName).desc_nulls_first(); }
Column desc_nulls_last(const std::string& columnName) { return col(columnName).desc_nulls_last(); }

}  // namespace weir::functions
