// Joins. Equi-joins shuffle both sides by key hash and build a hash table of the right side per
// partition; joins without equality keys compare every pair in bounded chunks. Extra conditions
// are evaluated on the candidate pairs, then outer, semi and anti semantics are applied.
#include <absl/container/flat_hash_map.h>

#include "weir/base/thread_pool.h"
#include "weir/exec/executor.h"
#include "weir/exec/key_encoder.h"
#include "weir/expr/evaluator.h"

namespace weir::exec {

using columnar::ColumnBatch;
using columnar::Vector;
using columnar::VectorPtr;
using plan::JoinType;
using plan::Partition;
using plan::Partitions;

namespace {

struct JoinContext {
  const plan::LogicalPlan& plan;
  const types::DataTypePtr& leftSchema;
  const types::DataTypePtr& rightSchema;
  expr::EvalContext eval;
};

bool keepsLeftOnly(JoinType t) { return t == JoinType::kLeftSemi || t == JoinType::kLeftAnti; }

// The joined rows for pairs (left[i], right[j]); a row index of UINT32_MAX means null padding.
ColumnBatch combine(const JoinContext& jc, const ColumnBatch& left, const ColumnBatch& right,
                    const std::vector<uint32_t>& lrows, const std::vector<uint32_t>& rrows) {
  std::vector<VectorPtr> cols;
  auto side = [&](const ColumnBatch& b, const types::DataTypePtr& schema, const std::vector<uint32_t>& rows) {
    bool padded = !rows.empty() && rows[0] == UINT32_MAX;
    for (size_t c = 0; c < schema->fields().size(); ++c) {
      if (padded) cols.push_back(Vector::nulls(schema->fields()[c].type, rows.size()));
      else cols.push_back(b.column(c)->gather(rows.data(), rows.size()));
    }
  };
  side(left, jc.leftSchema, lrows);
  side(right, jc.rightSchema, rrows);
  std::vector<types::Field> fields = jc.leftSchema->fields();
  for (const auto& f : jc.rightSchema->fields()) fields.push_back(f);
  return ColumnBatch(types::DataType::structOf(fields), std::move(cols), lrows.size());
}

// Filters candidate pairs by the extra condition.
void applyCondition(JoinContext& jc, const ColumnBatch& left, const ColumnBatch& right, std::vector<uint32_t>& lrows,
                    std::vector<uint32_t>& rrows) {
  if (!jc.plan.condition || lrows.empty()) return;
  ColumnBatch joined = combine(jc, left, right, lrows, rrows);
  auto keep = expr::selectTrue(*jc.plan.condition, joined, jc.eval);
  std::vector<uint32_t> l2, r2;
  l2.reserve(keep.size());
  r2.reserve(keep.size());
  for (uint32_t k : keep) {
    l2.push_back(lrows[k]);
    r2.push_back(rrows[k]);
  }
  lrows.swap(l2);
  rrows.swap(r2);
}

// Emits the output of one left batch given its matching pairs.
void emit(JoinContext& jc, const ColumnBatch& left, const ColumnBatch& right, const std::vector<uint32_t>& lrows,
          const std::vector<uint32_t>& rrows, Partition& out) {
  JoinType type = jc.plan.joinType;
  const auto& schema = jc.plan.schema;
  auto push = [&](ColumnBatch b) {
    if (b.numRows() > 0) out.push_back(ColumnBatch(schema, b.columns(), b.numRows()));
  };
  std::vector<uint8_t> matched(left.numRows(), 0);
  for (uint32_t l : lrows) matched[l] = 1;
  if (type == JoinType::kLeftSemi || type == JoinType::kLeftAnti) {
    std::vector<uint32_t> rows;
    for (size_t i = 0; i < left.numRows(); ++i) {
      if (matched[i] == (type == JoinType::kLeftSemi ? 1 : 0)) rows.push_back(static_cast<uint32_t>(i));
    }
    push(left.gather(rows.data(), rows.size()));
    return;
  }
  push(combine(jc, left, right, lrows, rrows));
  if (type == JoinType::kLeftOuter || type == JoinType::kFullOuter) {
    std::vector<uint32_t> rows;
    for (size_t i = 0; i < left.numRows(); ++i) {
      if (!matched[i]) rows.push_back(static_cast<uint32_t>(i));
    }
    if (!rows.empty()) push(combine(jc, left, right, rows, std::vector<uint32_t>(rows.size(), UINT32_MAX)));
  }
}

void emitUnmatchedRight(JoinContext& jc, const ColumnBatch& right, const std::vector<uint8_t>& rightMatched,
                        Partition& out) {
  JoinType type = jc.plan.joinType;
  if (type != JoinType::kRightOuter && type != JoinType::kFullOuter) return;
  std::vector<uint32_t> rows;
  for (size_t j = 0; j < right.numRows(); ++j) {
    if (!rightMatched[j]) rows.push_back(static_cast<uint32_t>(j));
  }
  if (rows.empty()) return;
  ColumnBatch empty;
  auto b = combine(jc, empty, right, std::vector<uint32_t>(rows.size(), UINT32_MAX), rows);
  out.push_back(ColumnBatch(jc.plan.schema, b.columns(), b.numRows()));
}

}  // namespace

Partitions Executor::join(const plan::LogicalPlan& p, Partitions left, Partitions right) {
  const auto& leftSchema = p.children[0]->schema;
  const auto& rightSchema = p.children[1]->schema;
  const bool equi = !p.leftKeys.empty();
  size_t parts = equi ? options_.shufflePartitions : 1;
  Partitions ls, rs;
  if (equi) {
    expr::EvalContext ctx = options_.evalContext;
    ls = shuffleByKeys(left, p.leftKeys, parts, ctx);
    rs = shuffleByKeys(right, p.rightKeys, parts, ctx);
  } else {
    rs = {Partition{concatAll(rightSchema, right)}};
    // Keep the left side's partitions for parallelism; each meets the whole right side.
    ls = std::move(left);
    parts = ls.size();
  }
  Partitions out(parts);
  std::vector<std::vector<uint8_t>> rightMatchedPerPart(parts);
  base::ThreadPool::global().parallelFor(parts, [&](size_t part) {
    JoinContext jc{p, leftSchema, rightSchema, options_.evalContext};
    ColumnBatch rightAll = concatAll(rightSchema, equi ? Partitions{rs[part]} : rs);
    std::vector<uint8_t> rightMatched(rightAll.numRows(), 0);
    // Build: key -> chain of right rows.
    absl::flat_hash_map<std::string_view, uint32_t> heads;
    std::vector<uint32_t> next(rightAll.numRows(), UINT32_MAX);
    EncodedKeys rkeys;
    if (equi) {
      std::vector<VectorPtr> cols;
      for (const auto& k : p.rightKeys) cols.push_back(expr::evaluate(*k, rightAll, jc.eval));
      rkeys = encodeKeys(cols, rightAll.numRows());
      for (size_t j = rightAll.numRows(); j-- > 0;) {
        if (rkeys.hasNull[j]) continue;
        auto [it, inserted] = heads.try_emplace(rkeys.key(j), static_cast<uint32_t>(j));
        if (!inserted) {
          next[j] = it->second;
          it->second = static_cast<uint32_t>(j);
        }
      }
    }
    for (const auto& lb : ls[part]) {
      size_t n = lb.numRows();
      if (n == 0) continue;
      std::vector<uint32_t> lrows, rrows;
      if (equi) {
        std::vector<VectorPtr> cols;
        for (const auto& k : p.leftKeys) cols.push_back(expr::evaluate(*k, lb, jc.eval));
        auto lkeys = encodeKeys(cols, n);
        for (size_t i = 0; i < n; ++i) {
          if (lkeys.hasNull[i]) continue;
          auto it = heads.find(lkeys.key(i));
          if (it == heads.end()) continue;
          for (uint32_t j = it->second; j != UINT32_MAX; j = next[j]) {
            lrows.push_back(static_cast<uint32_t>(i));
            rrows.push_back(j);
          }
        }
        applyCondition(jc, lb, rightAll, lrows, rrows);
      } else {
        // All pairs, in chunks of left rows so the candidate batch stays bounded.
        size_t rn = rightAll.numRows();
        size_t chunk = rn == 0 ? n : std::max<size_t>(1, 65536 / rn);
        for (size_t start = 0; start < n; start += chunk) {
          std::vector<uint32_t> cl, cr;
          for (size_t i = start; i < std::min(n, start + chunk); ++i) {
            for (size_t j = 0; j < rn; ++j) {
              cl.push_back(static_cast<uint32_t>(i));
              cr.push_back(static_cast<uint32_t>(j));
            }
          }
          applyCondition(jc, lb, rightAll, cl, cr);
          lrows.insert(lrows.end(), cl.begin(), cl.end());
          rrows.insert(rrows.end(), cr.begin(), cr.end());
        }
      }
      for (uint32_t j : rrows) rightMatched[j] = 1;
      emit(jc, lb, rightAll, lrows, rrows, out[part]);
    }
    if (equi) {
      emitUnmatchedRight(jc, rightAll, rightMatched, out[part]);
    } else {
      rightMatchedPerPart[part] = std::move(rightMatched);
    }
  });
  if (!equi && (p.joinType == JoinType::kRightOuter || p.joinType == JoinType::kFullOuter)) {
    // A right row is unmatched only if no left partition matched it.
    ColumnBatch rightAll = concatAll(rightSchema, rs);
    std::vector<uint8_t> matched(rightAll.numRows(), 0);
    for (const auto& m : rightMatchedPerPart) {
      for (size_t j = 0; j < m.size(); ++j) matched[j] |= m[j];
    }
    JoinContext jc{p, leftSchema, rightSchema, options_.evalContext};
    Partition extra;
    emitUnmatchedRight(jc, rightAll, matched, extra);
    out.push_back(std::move(extra));
  }
  (void)keepsLeftOnly;
  return out;
}

}  // namespace weir::exec
