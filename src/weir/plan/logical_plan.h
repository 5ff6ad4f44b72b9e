// The logical plan: an immutable tree of resolved operators that DataFrames build. Every node knows
// its output schema; expressions in it are bound against its child's schema.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "weir/columnar/column_batch.h"
#include "weir/expr/expr.h"
#include "weir/types/data_type.h"

namespace weir::plan {

/// A partition of data: the batches one task reads or produces, in order.
using Partition = std::vector<columnar::ColumnBatch>;
using Partitions = std::vector<Partition>;

/// Options given to a reader or writer: Spark's string key/value pairs (keys case-insensitive).
class Options {
 public:
  Options() = default;
  void set(const std::string& key, const std::string& value);
  bool has(const std::string& key) const;
  std::string get(const std::string& key, const std::string& fallback = "") const;
  bool getBool(const std::string& key, bool fallback) const;
  int64_t getInt(const std::string& key, int64_t fallback) const;
  char getChar(const std::string& key, char fallback) const;
  const std::map<std::string, std::string>& all() const { return values_; }

 private:
  std::map<std::string, std::string> values_;  // keys lower-cased
};

/// A finite input that a batch scan reads: files of a format, a table. Implementations live in
/// formats/ and connectors/. Thread-safe: read() may be called from any thread.
class ScanSource {
 public:
  virtual ~ScanSource() = default;
  virtual types::DataTypePtr schema() const = 0;
  /// Reads every row, split into independent partitions (files or file ranges).
  virtual Partitions read() const = 0;
  /// One line for explain(): "JsonScan [path]".
  virtual std::string describe() const = 0;
  /// The same scan reading only the named columns (in schema order), or nullptr when the source
  /// cannot skip columns. Used to read only what a query needs.
  virtual std::shared_ptr<const ScanSource> withColumns(const std::vector<std::string>& names) const {
    return nullptr;
  }
};

/// A streaming input: what readStream().load() or MemoryStream::toDF() made. Connectors subclass
/// it (the runtime asks the subclass for a source to read from); the plan only needs its schema and
/// a description. Immutable and thread-safe.
class StreamingInput {
 public:
  virtual ~StreamingInput() = default;
  virtual types::DataTypePtr schema() const = 0;
  /// One line for explain() and progress reports: "MemoryStream[value#1]", "KafkaV2[Subscribe[t]]".
  virtual std::string describe() const = 0;
};

enum class PlanKind : uint8_t {
  kScan,
  kStreamingRelation,
  kLocalRelation,
  kProject,
  kFilter,
  kAggregate,
  kJoin,
  kSort,
  kLimit,
  kUnion,
  kDeduplicate,
  kGenerate,
  kTimeWindow,
  kSessionWindow,
  kWindowAggregate,
  kEventTimeWatermark,
};

enum class JoinType : uint8_t { kInner, kLeftOuter, kRightOuter, kFullOuter, kLeftSemi, kLeftAnti, kCross };

/// Parses Spark's join type names ("inner", "left", "left_outer", "leftsemi", "full", ...).
JoinType parseJoinType(const std::string& name);
std::string joinTypeName(JoinType type);

class LogicalPlan;
using PlanPtr = std::shared_ptr<const LogicalPlan>;

/// One aggregate of an Aggregate node: function name, bound arguments, distinct flag.
struct AggregateCall {
  std::string function;
  std::vector<expr::ExprPtr> args;
  bool distinct = false;
  types::DataTypePtr resultType;
  std::string outputName;
  /// Extra arguments (e.g. ignoreNulls of first/last, relativeSD of approx_count_distinct).
  std::vector<columnar::Value> params;
};

/// The field metadata key that marks an event-time column (and windows over it), as in Spark.
inline constexpr const char* kWatermarkDelayKey = "spark.watermarkDelayMs";
/// Whether the field's metadata marks it as an event-time column with a watermark.
bool hasWatermark(const types::Field& field);

/// A resolved plan node. Immutable; built by the factory functions below.
class LogicalPlan {
 public:
  PlanKind kind;
  std::vector<PlanPtr> children;
  types::DataTypePtr schema;

  // kScan
  std::shared_ptr<const ScanSource> source;
  // kStreamingRelation (a leaf; isStreaming() is true for every plan above it)
  std::shared_ptr<const StreamingInput> stream;
  // kLocalRelation
  std::vector<columnar::ColumnBatch> data;
  // kProject: output expressions; kGenerate: the generator's input expression at exprs[0]
  std::vector<expr::ExprPtr> exprs;
  // kFilter condition; kJoin extra condition (bound against left ++ right)
  expr::ExprPtr condition;
  // kAggregate: grouping expressions (bound) then aggregates; output = keys ++ aggregates
  std::vector<expr::ExprPtr> groupingExprs;
  std::vector<AggregateCall> aggregates;
  // kJoin
  JoinType joinType = JoinType::kInner;
  std::vector<expr::ExprPtr> leftKeys;
  std::vector<expr::ExprPtr> rightKeys;
  // kSort
  std::vector<expr::ExprPtr> sortOrders;
  // kLimit
  int64_t limit = 0;
  // kDeduplicate: key column ordinals; withinWatermark for dropDuplicatesWithinWatermark
  std::vector<int> keyOrdinals;
  bool withinWatermark = false;
  // kGenerate: outer (explode_outer), and whether the generator is posexplode
  bool outer = false;
  // kTimeWindow: input timestamp expression at exprs[0]; window parameters in micros
  int64_t windowDuration = 0;
  int64_t slideDuration = 0;
  int64_t startTime = 0;
  // kWindowAggregate: aggregates of time windows computed by panes. exprs[0] the event time,
  // window parameters above, groupingExprs the other keys, aggregates the per-pane partials
  // (count, sum, min, max). Output: window struct, other keys, one merged value per partial.
  // kEventTimeWatermark: passes rows through; exprs[0] is the event-time column (bound) whose
  // maximum per batch advances the watermark, delayed by watermarkDelayMs.
  int64_t watermarkDelayMs = 0;
  // kSessionWindow: exprs[0] the timestamp, exprs[1] the gap (micros, bigint; may be dynamic);
  // groupingExprs the other grouping keys that sessions are formed within.

  /// Spark-like indented tree for explain().
  std::string treeString() const;
  bool isStreaming() const;
};

}  // namespace weir::plan
