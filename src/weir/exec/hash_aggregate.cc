// Hash aggregation and deduplication: rows are shuffled by key hash into partitions, and each
// partition builds its own hash table of groups on its own thread.
#include <memory>

#include "weir/base/thread_pool.h"
#include "weir/exec/aggregates.h"
#include "weir/exec/executor.h"
#include "weir/exec/group_table.h"
#include "weir/exec/key_encoder.h"
#include "weir/exec/operator_cache.h"
#include "weir/exec/window_aggregate.h"
#include "weir/expr/evaluator.h"

namespace weir::exec {

using columnar::ColumnBatch;
using columnar::MutableVectorPtr;
using columnar::Vector;
using columnar::VectorPtr;
using plan::Partition;
using plan::Partitions;

namespace {

// The key dictionary partition `part` of `node` numbers its keys with: in a stream, the one its
// previous batch returned to the cache (see windowAggregate); otherwise a fresh one.
std::shared_ptr<KeyDictionary> dictionaryFor(const ExecOptions& options,
                                             const plan::LogicalPlan& node, size_t part,
                                             const std::vector<types::DataTypePtr>& keyTypes) {
  std::shared_ptr<KeyDictionary> dictionary;
  if (options.cache) dictionary = options.cache->takeKeyDictionary(&node, part);
  return dictionary ? dictionary : std::make_shared<KeyDictionary>(keyTypes);
}

}  // namespace

Partitions Executor::aggregate(const plan::LogicalPlan& p) {
  const size_t numKeys = p.groupingExprs.size();
  // 1. Evaluate keys and aggregate arguments into one batch per input batch.
  std::vector<expr::ExprPtr> inputs;
  for (const auto& k : p.groupingExprs) inputs.push_back(k);
  std::vector<std::pair<size_t, size_t>> argRanges;  // per aggregate: [first, count) in inputs
  for (const auto& a : p.aggregates) {
    auto args = accumulatorArgs(a);
    argRanges.emplace_back(inputs.size(), args.size());
    for (const auto& e : args) inputs.push_back(e);
  }
  Partitions evaluated = evaluateInputs(inputs, *p.children[0]);
  // 2. Shuffle by key (a global aggregate has one partition).
  Partitions shuffled;
  if (numKeys == 0) {
    Partition all;
    for (auto& part : evaluated) {
      for (auto& b : part) all.push_back(std::move(b));
    }
    shuffled.push_back(std::move(all));
  } else {
    std::vector<expr::ExprPtr> keyRefs;
    for (size_t k = 0; k < numKeys; ++k) keyRefs.push_back(expr::boundColumn(static_cast<int>(k), inputs[k]->type, true, ""));
    expr::EvalContext ctx = options_.evalContext;
    shuffled = shuffleByKeys(evaluated, keyRefs, options_.shufflePartitions, ctx);
  }
  // 3. Aggregate each partition. Groups are numbered by a key dictionary. In a stream it is the
  // partition's dictionary of the batch before (see windowAggregate): the batch's groups come out
  // in the order of their ids, which is the order of the batch before, so the state store visits
  // its entries in the order it laid them out.
  std::vector<types::DataTypePtr> keyTypes;
  for (size_t k = 0; k < numKeys; ++k) keyTypes.push_back(inputs[k]->type);
  Partitions out(shuffled.size());
  base::ThreadPool::global().parallelFor(shuffled.size(), [&](size_t part) {
    std::vector<std::unique_ptr<Accumulator>> accumulators;
    for (const auto& a : p.aggregates) accumulators.push_back(makeAccumulator(a));
    // A kept dictionary holds keys of earlier batches: this batch's groups are renumbered below.
    // Otherwise the dictionary's ids, 0, 1, ... as keys arrive, are the groups'.
    const bool keep = options_.cache && numKeys > 0;
    auto dictionary = keep ? dictionaryFor(options_, p, part, keyTypes)
                           : std::make_shared<KeyDictionary>(keyTypes);
    std::vector<std::vector<uint32_t>> groupIds(shuffled[part].size());
    for (size_t i = 0; i < shuffled[part].size(); ++i) {
      const auto& b = shuffled[part][i];
      std::vector<VectorPtr> keyCols(b.columns().begin(), b.columns().begin() + numKeys);
      groupIds[i].resize(b.numRows());
      dictionary->lookup(keyCols, 0, b.numRows(), groupIds[i].data());
    }
    size_t groups = dictionary->size();  // 1 for a global aggregate, even over no rows
    std::vector<uint32_t> keyRows;       // the dictionary id of each group, when renumbered
    if (keep) {
      // The groups of this batch in the order of their ids.
      constexpr uint32_t kUnused = UINT32_MAX;
      std::vector<uint32_t> local(dictionary->size(), kUnused);
      for (const auto& ids : groupIds) {
        for (uint32_t id : ids) local[id] = 0;
      }
      for (uint32_t id = 0; id < local.size(); ++id) {
        if (local[id] != kUnused) {
          local[id] = static_cast<uint32_t>(keyRows.size());
          keyRows.push_back(id);
        }
      }
      for (auto& ids : groupIds) {
        for (auto& id : ids) id = local[id];
      }
      groups = keyRows.size();
    }
    for (size_t i = 0; i < shuffled[part].size(); ++i) {
      const auto& b = shuffled[part][i];
      for (size_t a = 0; a < accumulators.size(); ++a) {
        accumulators[a]->resize(groups);
        std::vector<VectorPtr> args(b.columns().begin() + argRanges[a].first,
                                    b.columns().begin() + argRanges[a].first + argRanges[a].second);
        accumulators[a]->update(args, groupIds[i].data(), b.numRows());
      }
    }
    if (groups == 0) {
      if (keep) options_.cache->returnKeyDictionary(&p, part, std::move(dictionary), 0);
      return;
    }
    // A kept dictionary goes on growing: the batch takes copies of its keys.
    std::vector<VectorPtr> cols;
    for (size_t k = 0; k < numKeys; ++k) {
      const auto& column = dictionary->column(k);
      cols.push_back(keep ? column->gather(keyRows.data(), keyRows.size()) : column);
    }
    if (keep) options_.cache->returnKeyDictionary(&p, part, std::move(dictionary), groups);
    for (auto& acc : accumulators) {
      acc->resize(groups);
      cols.push_back(acc->finish(groups));
    }
    out[part].push_back(ColumnBatch(p.schema, std::move(cols), groups));
  });
  return out;
}

Partitions Executor::windowAggregate(const plan::LogicalPlan& p) {
  // Columns per batch: event time, other keys, then the arguments of each partial aggregate.
  const size_t numKeys = p.groupingExprs.size();
  std::vector<expr::ExprPtr> inputs{p.exprs[0]};
  for (const auto& k : p.groupingExprs) inputs.push_back(k);
  std::vector<size_t> argStart, argCount;
  for (const auto& a : p.aggregates) {
    auto args = accumulatorArgs(a);
    argStart.push_back(inputs.size());
    argCount.push_back(args.size());
    for (const auto& e : args) inputs.push_back(e);
  }
  std::vector<types::DataTypePtr> keyTypes;
  for (const auto& k : p.groupingExprs) keyTypes.push_back(k->type);
  const auto& windowType = p.schema->fields()[0].type;
  // In a stream, keys keep their dictionary from batch to batch: the windows of a key come out,
  // and the state store visits them, in the order of the batch before, the order in which the
  // store laid out their entries. Visited in that order, the store's memory is read mostly
  // ahead instead of at random: the golden query merges its window rows about twice as fast.
  auto makePanes = [&](size_t part) {
    return std::make_unique<PaneWindowAggregator>(p.windowDuration, p.slideDuration, p.startTime,
                                                  dictionaryFor(options_, p, part, keyTypes),
                                                  p.aggregates);
  };
  auto add = [&](PaneWindowAggregator& panes, const ColumnBatch& b) {
    std::vector<VectorPtr> keys(b.columns().begin() + 1, b.columns().begin() + 1 + numKeys);
    std::vector<std::vector<VectorPtr>> args(p.aggregates.size());
    for (size_t a = 0; a < p.aggregates.size(); ++a) {
      args[a].assign(b.columns().begin() + argStart[a], b.columns().begin() + argStart[a] + argCount[a]);
    }
    panes.add(*b.column(0), keys, args, b.numRows());
  };
  auto finish = [&](size_t part, PaneWindowAggregator& panes, Partition& out) {
    // A batch of windows per 16 Ki keys: the finish works in cache, and its scratch memory is
    // reused from piece to piece.
    constexpr size_t kKeysPerBatch = 16384;
    panes.finishInChunks(windowType, kKeysPerBatch, [&](std::vector<VectorPtr> cols, size_t rows) {
      out.push_back(ColumnBatch(p.schema, std::move(cols), rows));
    });
    if (options_.cache) options_.cache->returnKeyDictionary(&p, part, panes.keys(), panes.keysUsed());
  };
  const size_t targets = numKeys == 0 ? 1 : options_.shufflePartitions;
  if (targets == 1) {
    // One partition of windows: the input need not be shuffled, and when it comes in one
    // partition too, each evaluated batch goes into the panes as it is made (still in cache,
    // and none of them kept until all are).
    Partitions out(1);
    auto panes = makePanes(0);
    const BatchConsumer direct = [&](const ColumnBatch& b) { add(*panes, b); };
    Partitions evaluated = evaluateInputs(inputs, *p.children[0], &direct);
    for (const auto& part : evaluated) {
      for (const auto& b : part) add(*panes, b);
    }
    finish(0, *panes, out[0]);
    return out;
  }
  Partitions evaluated = evaluateInputs(inputs, *p.children[0]);
  std::vector<expr::ExprPtr> keyRefs;
  for (size_t k = 0; k < numKeys; ++k) {
    keyRefs.push_back(expr::boundColumn(static_cast<int>(k + 1), inputs[k + 1]->type, true, ""));
  }
  expr::EvalContext ctx = options_.evalContext;
  Partitions shuffled = shuffleByKeys(evaluated, keyRefs, targets, ctx);
  evaluated.clear();
  Partitions out(shuffled.size());
  base::ThreadPool::global().parallelFor(shuffled.size(), [&](size_t part) {
    auto panes = makePanes(part);
    for (const auto& b : shuffled[part]) add(*panes, b);
    finish(part, *panes, out[part]);
  });
  return out;
}

Partitions Executor::deduplicate(const plan::LogicalPlan& p, Partitions in) {
  std::vector<expr::ExprPtr> keyRefs;
  const auto& fields = p.schema->fields();
  for (int k : p.keyOrdinals) keyRefs.push_back(expr::boundColumn(k, fields[k].type, true, fields[k].name));
  expr::EvalContext ctx = options_.evalContext;
  Partitions shuffled = shuffleByKeys(in, keyRefs, options_.shufflePartitions, ctx);
  Partitions out(shuffled.size());
  base::ThreadPool::global().parallelFor(shuffled.size(), [&](size_t part) {
    GroupTable seen;
    for (const auto& b : shuffled[part]) {
      std::vector<VectorPtr> keyCols;
      for (int k : p.keyOrdinals) keyCols.push_back(b.column(k));
      auto keys = encodeKeys(keyCols, b.numRows());
      std::vector<uint32_t> keep;
      for (size_t i = 0; i < b.numRows(); ++i) {
        bool inserted = false;
        seen.findOrInsert(keys.hashes[i], keys.key(i), inserted);
        if (inserted) keep.push_back(static_cast<uint32_t>(i));
      }
      if (!keep.empty()) out[part].push_back(b.gather(keep.data(), keep.size()));
    }
  });
  return out;
}

}  // namespace weir::exec
