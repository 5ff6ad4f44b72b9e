// Aggregate functions as accumulators over group ids: each keeps columnar state indexed by group
// and is updated one batch at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "weir/columnar/vector.h"
#include "weir/plan/logical_plan.h"
#include "weir/types/data_type.h"

namespace weir::exec {

/// The state of one aggregate for every group of one partition. Not thread-safe: one per task.
class Accumulator {
 public:
  virtual ~Accumulator() = default;
  /// Makes room for groups [0, groups).
  virtual void resize(size_t groups) = 0;
  /// Adds rows: row i belongs to group groupIds[i]; args are the evaluated arguments.
  virtual void update(const std::vector<columnar::VectorPtr>& args, const uint32_t* groupIds, size_t n) = 0;
  /// The final values of groups [0, groups).
  virtual columnar::VectorPtr finish(size_t groups) = 0;
};

/// Checks the argument types of an aggregate and returns its result type, as Spark types it
/// (count -> bigint, sum of integers -> bigint, avg -> double, ...). Throws AnalysisError.
types::DataTypePtr aggregateResultType(const std::string& function, const std::vector<types::DataTypePtr>& argTypes,
                                       bool distinct);
/// Whether the function name is an aggregate Weir knows.
bool isAggregateFunction(const std::string& function);

std::unique_ptr<Accumulator> makeAccumulator(const plan::AggregateCall& call);

/// The arguments to evaluate for an accumulator: those of the call, except that count drops
/// non-null literals (count(1) and count(*) count rows; nothing needs evaluating).
std::vector<expr::ExprPtr> accumulatorArgs(const plan::AggregateCall& call);

}  // namespace weir::exec
