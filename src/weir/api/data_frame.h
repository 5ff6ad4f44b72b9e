// DataFrame: an immutable, lazily evaluated table, as Spark's Dataset[Row]. Transformations build
// a new resolved plan (analysis errors are raised right away); actions run it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "weir/api/column.h"
#include "weir/columnar/value.h"
#include "weir/plan/logical_plan.h"

namespace weir {

struct SessionState;
class GroupedData;
class DataFrameWriter;
class DataStreamWriter;

/// An immutable table. Cheap to copy. Thread-safe: actions may run concurrently.
class DataFrame {
 public:
  DataFrame(std::shared_ptr<SessionState> session, plan::PlanPtr plan, std::string alias = "");

  // ----- schema
  StructType schema() const;
  std::vector<std::string> columns() const;
  /// (name, simple type string) pairs as Spark's dtypes.
  std::vector<std::pair<std::string, std::string>> dtypes() const;
  void printSchema() const;
  std::string schemaString() const;
  bool isStreaming() const;
  /// A column of this DataFrame by name, also usable to disambiguate join conditions.
  Column col(const std::string& name) const;
  Column operator[](const std::string& name) const { return col(name); }

  // ----- transformations
  DataFrame select(const std::vector<Column>& columns) const;
  template <class... C>
  DataFrame select(const Column& first, const C&... rest) const {
    return select(std::vector<Column>{first, Column(rest)...});
  }
  DataFrame select(const std::vector<std::string>& columnNames) const;
  DataFrame select(const char* first) const { return select(std::vector<std::string>{first}); }
  template <class... S>
  DataFrame select(const char* first, const char* second, const S&... rest) const {
    return select(std::vector<std::string>{first, second, rest...});
  }
  DataFrame filter(const Column& condition) const;
  DataFrame where(const Column& condition) const { return filter(condition); }
  DataFrame withColumn(const std::string& name, const Column& column) const;
  DataFrame withColumns(const std::vector<std::pair<std::string, Column>>& columns) const;
  DataFrame withColumnRenamed(const std::string& existing, const std::string& newName) const;
  DataFrame drop(const std::vector<std::string>& columnNames) const;
  template <class... S>
  DataFrame drop(const std::string& first, const S&... rest) const {
    return drop(std::vector<std::string>{first, std::string(rest)...});
  }
  DataFrame toDF(const std::vector<std::string>& names) const;
  DataFrame alias(const std::string& name) const;
  DataFrame as(const std::string& name) const { return alias(name); }

  GroupedData groupBy(const std::vector<Column>& columns) const;
  template <class... C>
  GroupedData groupBy(const Column& first, const C&... rest) const;
  GroupedData groupBy(const std::vector<std::string>& columnNames) const;
  GroupedData groupBy(const char* first) const;
  template <class... S>
  GroupedData groupBy(const char* first, const char* second, const S&... rest) const;
  /// Aggregates over the whole DataFrame (no grouping).
  DataFrame agg(const std::vector<Column>& aggregates) const;
  template <class... C>
  DataFrame agg(const Column& first, const C&... rest) const {
    return agg(std::vector<Column>{first, Column(rest)...});
  }

  /// Declares `eventTime` (a timestamp column) as event time, with rows up to `delayThreshold`
  /// ("10 minutes") late expected. Streaming aggregations then finish windows and drop state once
  /// the watermark (max event time seen minus the delay) passes them. No effect in batch queries.
  DataFrame withWatermark(const std::string& eventTime, const std::string& delayThreshold) const;

  DataFrame distinct() const;
  DataFrame dropDuplicates() const;
  DataFrame dropDuplicates(const std::vector<std::string>& columnNames) const;
  /// On a stream: drops rows whose key was seen within the watermark delay of its first row (the
  /// state of a key expires when the watermark passes first event time + delay). Needs
  /// withWatermark. In a batch query, the same as dropDuplicates.
  DataFrame dropDuplicatesWithinWatermark() const;
  DataFrame dropDuplicatesWithinWatermark(const std::vector<std::string>& columnNames) const;
  DataFrame orderBy(const std::vector<Column>& columns) const;
  template <class... C>
  DataFrame orderBy(const Column& first, const C&... rest) const {
    return orderBy(std::vector<Column>{first, Column(rest)...});
  }
  DataFrame orderBy(const std::vector<std::string>& columnNames) const;
  DataFrame orderBy(const char* first) const { return orderBy(std::vector<std::string>{first}); }
  DataFrame sort(const std::vector<Column>& columns) const { return orderBy(columns); }
  template <class... C>
  DataFrame sort(const Column& first, const C&... rest) const {
    return orderBy(std::vector<Column>{first, Column(rest)...});
  }
  DataFrame sort(const std::vector<std::string>& columnNames) const { return orderBy(columnNames); }
  DataFrame sort(const char* first) const { return orderBy(std::vector<std::string>{first}); }
  DataFrame limit(int64_t n) const;

  /// Join on a condition. how: inner, left, right, full, left_semi, left_anti, cross (and Spark's
  /// other spellings).
  DataFrame join(const DataFrame& right, const Column& condition, const std::string& how = "inner") const;
  /// Join on equally named columns, which appear once in the output.
  DataFrame join(const DataFrame& right, const std::vector<std::string>& usingColumns,
                 const std::string& how = "inner") const;
  DataFrame join(const DataFrame& right, const std::string& usingColumn, const std::string& how = "inner") const {
    return join(right, std::vector<std::string>{usingColumn}, how);
  }
  DataFrame join(const DataFrame& right, const char* usingColumn, const std::string& how = "inner") const {
    return join(right, std::vector<std::string>{usingColumn}, how);
  }
  DataFrame crossJoin(const DataFrame& right) const;
  /// Union by position (Spark's union and unionAll keep duplicates).
  DataFrame unionAll(const DataFrame& other) const;
  DataFrame union_(const DataFrame& other) const { return unionAll(other); }
  DataFrame unionByName(const DataFrame& other, bool allowMissingColumns = false) const;

  // ----- actions
  std::vector<columnar::Row> collect() const;
  std::vector<columnar::Row> take(int64_t n) const;
  std::vector<columnar::Row> head(int64_t n) const { return take(n); }
  columnar::Row first() const;
  int64_t count() const;
  bool isEmpty() const;
  /// Prints the first n rows as Spark's show; truncate cells to 20 characters when truncate.
  void show(int n = 20, bool truncate = true) const;
  void show(int n, int truncate, bool vertical = false) const;
  /// The text show() prints.
  std::string showString(int n = 20, int truncate = 20, bool vertical = false) const;
  void explain(bool extended = false) const;
  std::string explainString(bool extended = false) const;
  DataFrameWriter write() const;
  /// Starts building a streaming query over this streaming DataFrame.
  DataStreamWriter writeStream() const;

  // ----- internals used by the library
  const plan::PlanPtr& plan() const { return plan_; }
  const std::shared_ptr<SessionState>& session() const { return session_; }
  const std::string& aliasName() const { return alias_; }
  /// Runs the plan and returns its partitions.
  plan::Partitions execute() const;

 private:
  DataFrame derive(plan::PlanPtr plan) const { return DataFrame(session_, std::move(plan)); }

  std::shared_ptr<SessionState> session_;
  plan::PlanPtr plan_;
  std::string alias_;
};

/// The result of groupBy: aggregate it with agg() or a shortcut. Cheap to copy.
class GroupedData {
 public:
  GroupedData(DataFrame frame, std::vector<Column> groupingColumns)
      : frame_(std::move(frame)), grouping_(std::move(groupingColumns)) {}

  DataFrame agg(const std::vector<Column>& aggregates) const;
  template <class... C>
  DataFrame agg(const Column& first, const C&... rest) const {
    return agg(std::vector<Column>{first, Column(rest)...});
  }
  DataFrame count() const;
  DataFrame sum(const std::vector<std::string>& columnNames) const;
  DataFrame avg(const std::vector<std::string>& columnNames) const;
  DataFrame mean(const std::vector<std::string>& columnNames) const { return avg(columnNames); }
  DataFrame min(const std::vector<std::string>& columnNames) const;
  DataFrame max(const std::vector<std::string>& columnNames) const;

 private:
  DataFrame frame_;
  std::vector<Column> grouping_;
};

template <class... C>
GroupedData DataFrame::groupBy(const Column& first, const C&... rest) const {
  return groupBy(std::vector<Column>{first, Column(rest)...});
}

template <class... S>
GroupedData DataFrame::groupBy(const char* first, const char* second, const S&... rest) const {
  return groupBy(std::vector<std::string>{first, second, rest...});
}

}  // namespace weir
