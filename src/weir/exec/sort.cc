// Global sort: every row's sort keys are encoded into memcmp-ordered bytes and the row order is
// found by a stable sort of those keys (Spark's sort is not stable, a stable one is a valid order).
#include <algorithm>
#include <numeric>

#include "weir/exec/executor.h"
#include "weir/exec/key_encoder.h"
#include "weir/expr/evaluator.h"

namespace weir::exec {

using columnar::ColumnBatch;
using columnar::VectorPtr;
using plan::Partitions;

Partitions Executor::sort(const plan::LogicalPlan& p, Partitions in) {
  ColumnBatch all = concatAll(p.schema, in);
  size_t n = all.numRows();
  if (n == 0) return {};
  expr::EvalContext ctx = options_.evalContext;
  std::vector<VectorPtr> keys;
  std::vector<SortKey> order;
  for (const auto& s : p.sortOrders) {
    keys.push_back(expr::evaluate(*s->children[0], all, ctx));
    order.push_back(SortKey{s->ascending, s->nullsFirst});
  }
  auto encoded = encodeSortKeys(keys, order, n);
  std::vector<uint32_t> rows(n);
  std::iota(rows.begin(), rows.end(), 0);
  std::stable_sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) { return encoded.key(a) < encoded.key(b); });
  plan::Partition out;
  for (size_t start = 0; start < n; start += columnar::kDefaultBatchRows) {
    size_t count = std::min(columnar::kDefaultBatchRows, n - start);
    out.push_back(all.gather(rows.data() + start, count));
  }
  return {out};
}

}  // namespace weir::exec
