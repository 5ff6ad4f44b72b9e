// DataFrame transformations and actions.
#include "weir/api/data_frame.h"

#include <chrono>
#include <iostream>

#include "weir/api/analyzer.h"
#include "weir/api/data_frame_reader.h"
#include "weir/api/functions.h"
#include "weir/api/session.h"
#include "weir/api/show.h"
#include "weir/base/error.h"
#include "weir/exec/executor.h"
#include "weir/expr/binder.h"

namespace weir {

using columnar::Row;
using expr::ExprPtr;

namespace {

std::vector<ExprPtr> exprsOf(const std::vector<Column>& columns) {
  std::vector<ExprPtr> out;
  out.reserve(columns.size());
  for (const auto& c : columns) out.push_back(c.expr());
  return out;
}

std::vector<Column> columnsOf(const std::vector<std::string>& names) {
  std::vector<Column> out;
  for (const auto& n : names) out.push_back(functions::col(n));
  return out;
}

size_t shufflePartitions(const SessionState& s) {
  std::string v = s.conf.get("spark.sql.shuffle.partitions");
  if (v.empty()) return 0;
  try {
    long long n = std::stoll(v);
    if (n > 0) return static_cast<size_t>(n);
  } catch (const std::exception&) {
  }
  throw InvalidInputError("INVALID_CONF_VALUE", "spark.sql.shuffle.partitions must be a positive integer, got '" +
                                                    v + "'.");
}

}  // namespace

DataFrame::DataFrame(std::shared_ptr<SessionState> session, plan::PlanPtr plan, std::string alias)
    : session_(std::move(session)), plan_(std::move(plan)), alias_(std::move(alias)) {}

StructType DataFrame::schema() const { return StructType(plan_->schema); }

std::vector<std::string> DataFrame::columns() const { return schema().fieldNames(); }

std::vector<std::pair<std::string, std::string>> DataFrame::dtypes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : plan_->schema->fields()) out.emplace_back(f.name, f.type->simpleString());
  return out;
}

std::string DataFrame::schemaString() const { return plan_->schema->treeString(); }
void DataFrame::printSchema() const { std::cout << schemaString() << std::endl; }
bool DataFrame::isStreaming() const { return plan_->isStreaming(); }

Column DataFrame::col(const std::string& name) const {
  if (name == "*") return functions::col("*");
  // Resolve now so a wrong name fails here, and remember which plan the column came from.
  expr::Binder binder(plan_->schema);
  auto resolved = binder.resolveColumn(name);
  if (!resolved) {
    std::vector<std::string> names = columns();
    expr::throwUnresolvedColumn(name, names);
  }
  auto e = std::const_pointer_cast<expr::Expr>(expr::column(name));
  ExprPtr root = resolved;
  while (root->kind == expr::ExprKind::kGetField) root = root->children[0];
  e->options["__plan"] = api::planIdOf(plan_);
  e->options["__ordinal"] = std::to_string(root->ordinal);
  auto dot = name.find('.');
  if (root != resolved && dot != std::string::npos) e->options["__path"] = name.substr(dot + 1);
  return Column(e);
}

DataFrame DataFrame::select(const std::vector<Column>& columns) const {
  return derive(api::analyzeProject(plan_, exprsOf(columns)));
}

DataFrame DataFrame::select(const std::vector<std::string>& columnNames) const {
  return select(columnsOf(columnNames));
}

DataFrame DataFrame::filter(const Column& condition) const {
  return derive(api::analyzeFilter(plan_, condition.expr()));
}

DataFrame DataFrame::withColumn(const std::string& name, const Column& column) const {
  return withColumns({{name, column}});
}

DataFrame DataFrame::withColumns(const std::vector<std::pair<std::string, Column>>& columns) const {
  std::vector<Column> out;
  std::vector<bool> used(columns.size(), false);
  for (const auto& f : plan_->schema->fields()) {
    bool replaced = false;
    for (size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].first == f.name) {
        out.push_back(columns[i].second.alias(f.name));
        used[i] = replaced = true;
        break;
      }
    }
    if (!replaced) out.push_back(Column(expr::column("`" + f.name + "`")).alias(f.name));
  }
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!used[i]) out.push_back(columns[i].second.alias(columns[i].first));
  }
  return select(out);
}

DataFrame DataFrame::withColumnRenamed(const std::string& existing, const std::string& newName) const {
  std::vector<Column> out;
  bool found = false;
  for (const auto& f : plan_->schema->fields()) {
    Column c(expr::column("`" + f.name + "`"));
    if (f.name == existing) {
      out.push_back(c.alias(newName));
      found = true;
    } else {
      out.push_back(c.alias(f.name));
    }
  }
  // Spark ignores a rename of a missing column.
  return found ? select(out) : *this;
}

DataFrame DataFrame::drop(const std::vector<std::string>& columnNames) const {
  std::vector<Column> out;
  for (const auto& f : plan_->schema->fields()) {
    bool dropped = false;
    for (const auto& n : columnNames) dropped |= n == f.name;
    if (!dropped) out.push_back(Column(expr::column("`" + f.name + "`")).alias(f.name));
  }
  return select(out);
}

DataFrame DataFrame::toDF(const std::vector<std::string>& names) const {
  const auto& fields = plan_->schema->fields();
  if (names.size() != fields.size()) {
    throw AnalysisError("NUM_COLUMNS_MISMATCH", "toDF needs " + std::to_string(fields.size()) +
                                                    " column names but got " + std::to_string(names.size()) + ".");
  }
  std::vector<Column> out;
  for (size_t i = 0; i < fields.size(); ++i) {
    out.push_back(Column(expr::column("`" + fields[i].name + "`")).alias(names[i]));
  }
  return select(out);
}

DataFrame DataFrame::alias(const std::string& name) const { return DataFrame(session_, plan_, name); }

GroupedData DataFrame::groupBy(const std::vector<Column>& columns) const { return GroupedData(*this, columns); }
GroupedData DataFrame::groupBy(const std::vector<std::string>& columnNames) const {
  return GroupedData(*this, columnsOf(columnNames));
}
GroupedData DataFrame::groupBy(const char* first) const { return groupBy(std::vector<std::string>{first}); }

DataFrame DataFrame::agg(const std::vector<Column>& aggregates) const {
  return derive(api::analyzeAggregate(plan_, {}, exprsOf(aggregates)));
}

DataFrame DataFrame::distinct() const { return dropDuplicates(); }
DataFrame DataFrame::withWatermark(const std::string& eventTime, const std::string& delayThreshold) const {
  return derive(api::analyzeWatermark(plan_, eventTime, delayThreshold));
}

DataFrame DataFrame::dropDuplicates() const { return derive(api::analyzeDeduplicate(plan_, {})); }
DataFrame DataFrame::dropDuplicates(const std::vector<std::string>& columnNames) const {
  return derive(api::analyzeDeduplicate(plan_, columnNames));
}

DataFrame DataFrame::dropDuplicatesWithinWatermark() const {
  return derive(api::analyzeDeduplicate(plan_, {}, isStreaming()));
}

DataFrame DataFrame::dropDuplicatesWithinWatermark(const std::vector<std::string>& columnNames) const {
  return derive(api::analyzeDeduplicate(plan_, columnNames, isStreaming()));
}

DataFrame DataFrame::orderBy(const std::vector<Column>& columns) const {
  return derive(api::analyzeSort(plan_, exprsOf(columns)));
}
DataFrame DataFrame::orderBy(const std::vector<std::string>& columnNames) const {
  return orderBy(columnsOf(columnNames));
}

DataFrame DataFrame::limit(int64_t n) const { return derive(api::analyzeLimit(plan_, n)); }

DataFrame DataFrame::join(const DataFrame& right, const Column& condition, const std::string& how) const {
  return derive(api::analyzeJoin(plan_, alias_, right.plan_, right.alias_, condition.expr(), plan::parseJoinType(how)));
}

DataFrame DataFrame::join(const DataFrame& right, const std::vector<std::string>& usingColumns,
                          const std::string& how) const {
  return derive(api::analyzeUsingJoin(plan_, right.plan_, usingColumns, plan::parseJoinType(how)));
}

DataFrame DataFrame::crossJoin(const DataFrame& right) const {
  return derive(api::analyzeJoin(plan_, alias_, right.plan_, right.alias_, nullptr, plan::JoinType::kCross));
}

DataFrame DataFrame::unionAll(const DataFrame& other) const { return derive(api::analyzeUnion(plan_, other.plan_)); }

DataFrame DataFrame::unionByName(const DataFrame& other, bool allowMissingColumns) const {
  return derive(api::analyzeUnionByName(plan_, other.plan_, allowMissingColumns));
}

plan::Partitions DataFrame::execute() const {
  if (isStreaming()) {
    throw AnalysisError("UNSUPPORTED_OPERATION",
                        "Queries with streaming sources must be executed with writeStream.start().");
  }
  exec::ExecOptions options;
  options.shufflePartitions = shufflePartitions(*session_);
  options.evalContext.currentTimestampMicros =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  exec::Executor executor(options);
  return executor.execute(*plan_);
}

std::vector<Row> DataFrame::collect() const {
  std::vector<Row> rows;
  for (const auto& part : execute()) {
    for (const auto& b : part) {
      for (size_t i = 0; i < b.numRows(); ++i) rows.push_back(b.row(i));
    }
  }
  return rows;
}

std::vector<Row> DataFrame::take(int64_t n) const { return limit(n).collect(); }

Row DataFrame::first() const {
  auto rows = take(1);
  if (rows.empty()) {
    throw InvalidInputError("NO_SUCH_ELEMENT", "first() was called on an empty DataFrame.");
  }
  return rows[0];
}

int64_t DataFrame::count() const {
  if (isStreaming()) execute();
  int64_t total = 0;
  for (const auto& part : execute()) {
    for (const auto& b : part) total += static_cast<int64_t>(b.numRows());
  }
  return total;
}

bool DataFrame::isEmpty() const { return take(1).empty(); }

std::string DataFrame::showString(int n, int truncate, bool vertical) const {
  auto rows = take(static_cast<int64_t>(n) + 1);
  return api::formatShow(plan_->schema, rows, n, truncate, vertical);
}

void DataFrame::show(int n, bool truncate) const { std::cout << showString(n, truncate ? 20 : 0) << std::flush; }

void DataFrame::show(int n, int truncate, bool vertical) const {
  std::cout << showString(n, truncate, vertical) << std::flush;
}

std::string DataFrame::explainString(bool extended) const {
  std::string out = "== Physical Plan ==\n" + plan_->treeString();
  if (extended) out = "== Analyzed Logical Plan ==\n" + plan_->schema->simpleString() + "\n" + out;
  return out;
}

void DataFrame::explain(bool extended) const { std::cout << explainString(extended) << std::endl; }

DataFrameWriter DataFrame::write() const { return DataFrameWriter(*this); }

DataFrame GroupedData::agg(const std::vector<Column>& aggregates) const {
  return DataFrame(frame_.session(), api::analyzeAggregate(frame_.plan(), exprsOf(grouping_), exprsOf(aggregates)));
}

DataFrame GroupedData::count() const { return agg({functions::count("*").alias("count")}); }

namespace {

std::vector<Column> aggregateEach(const DataFrame& frame, const std::vector<std::string>& names,
                                  Column (*fn)(const Column&), bool numericOnly) {
  std::vector<std::string> targets = names;
  if (targets.empty()) {
    for (const auto& f : frame.plan()->schema->fields()) {
      if (!numericOnly || f.type->isNumeric()) targets.push_back(f.name);
    }
  }
  std::vector<Column> out;
  for (const auto& n : targets) out.push_back(fn(functions::col(n)));
  return out;
}

}  // namespace

DataFrame GroupedData::sum(const std::vector<std::string>& names) const {
  return agg(aggregateEach(frame_, names, [](const Column& c) { return functions::sum(c); }, true));
}
DataFrame GroupedData::avg(const std::vector<std::string>& names) const {
  return agg(aggregateEach(frame_, names, [](const Column& c) { return functions::avg(c); }, true));
}
DataFrame GroupedData::min(const std::vector<std::string>& names) const {
  return agg(aggregateEach(frame_, names, [](const Column& c) { return functions::min(c); }, true));
}
DataFrame GroupedData::max(const std::vector<std::string>& names) const {
  return agg(aggregateEach(frame_, names, [](const Column& c) { return functions::max(c); }, true));
}

}  // namespace weir
