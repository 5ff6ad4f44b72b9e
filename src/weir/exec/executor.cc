// Plan dispatch and the stateless operators: project, filter, limit, union, generate, windows.
#include "weir/exec/executor.h"

#include <algorithm>

#include "weir/base/error.h"
#include "weir/base/thread_pool.h"
#include "weir/exec/key_encoder.h"
#include "weir/expr/evaluator.h"

namespace weir::exec {

using columnar::ColumnBatch;
using columnar::Vector;
using columnar::VectorPtr;
using plan::Partition;
using plan::Partitions;
using plan::PlanKind;
using types::TypeId;

Executor::Executor(ExecOptions options) : options_(std::move(options)) {
  if (options_.shufflePartitions == 0) options_.shufflePartitions = base::ThreadPool::global().size();
}

Partitions Executor::mapBatches(const Partitions& in, const std::function<ColumnBatch(const ColumnBatch&)>& fn) {
  Partitions out(in.size());
  base::ThreadPool::global().parallelFor(in.size(), [&](size_t p) {
    out[p].reserve(in[p].size());
    for (const auto& b : in[p]) {
      auto r = fn(b);
      if (r.numRows() > 0) out[p].push_back(std::move(r));
    }
  });
  return out;
}

Partitions Executor::execute(const plan::LogicalPlan& p) {
  switch (p.kind) {
    case PlanKind::kScan:
      return p.source->read();
    case PlanKind::kStreamingRelation:
      if (!options_.streamingInput) {
        throw AnalysisError("UNSUPPORTED_OPERATION",
                            "Queries with streaming sources must be executed with writeStream.start().");
      }
      return options_.streamingInput(p);
    case PlanKind::kLocalRelation: {
      Partition part;
      for (const auto& b : p.data) {
        for (size_t start = 0; start < b.numRows(); start += columnar::kDefaultBatchRows) {
          part.push_back(b.slice(start, std::min(columnar::kDefaultBatchRows, b.numRows() - start)));
        }
      }
      return {part};
    }
    case PlanKind::kProject: return project(p, execute(*p.children[0]));
    case PlanKind::kFilter: return filter(p, execute(*p.children[0]));
    case PlanKind::kAggregate: {
      Partitions out = aggregate(p);
      return options_.afterStatefulNode ? options_.afterStatefulNode(p, std::move(out)) : out;
    }
    case PlanKind::kJoin: {
      Partitions left = execute(*p.children[0]);
      Partitions right = execute(*p.children[1]);
      return join(p, std::move(left), std::move(right));
    }
    case PlanKind::kSort: return sort(p, execute(*p.children[0]));
    case PlanKind::kLimit: {
      Partitions out = limit(p, execute(*p.children[0]));
      return options_.afterStatefulNode ? options_.afterStatefulNode(p, std::move(out)) : out;
    }
    case PlanKind::kUnion: {
      Partitions out;
      for (const auto& c : p.children) {
        for (auto& part : execute(*c)) {
          // Re-label batches with the union's schema (names come from the first child).
          Partition relabeled;
          for (auto& b : part) relabeled.emplace_back(p.schema, b.columns(), b.numRows());
          out.push_back(std::move(relabeled));
        }
      }
      return out;
    }
    case PlanKind::kDeduplicate: {
      Partitions out = deduplicate(p, execute(*p.children[0]));
      return options_.afterStatefulNode ? options_.afterStatefulNode(p, std::move(out)) : out;
    }
    case PlanKind::kGenerate: return generate(p, execute(*p.children[0]));
    case PlanKind::kTimeWindow: return timeWindow(p, execute(*p.children[0]));
    case PlanKind::kSessionWindow: return sessionWindow(p, execute(*p.children[0]));
    case PlanKind::kEventTimeWatermark:
      return mapBatches(execute(*p.children[0]), [&](const ColumnBatch& b) { return watermarkBatch(p, b); });
    case PlanKind::kWindowAggregate: {
      Partitions out = windowAggregate(p);
      return options_.afterStatefulNode ? options_.afterStatefulNode(p, std::move(out)) : out;
    }
  }
  throw InternalError("INTERNAL_ERROR", "unknown plan node");
}

ColumnBatch Executor::evaluateBatch(const std::vector<expr::ExprPtr>& exprs, const types::DataTypePtr& schema,
                                    const ColumnBatch& b) const {
  expr::EvalContext ctx = options_.evalContext;
  std::vector<VectorPtr> cols;
  cols.reserve(exprs.size());
  for (const auto& e : exprs) cols.push_back(expr::evaluate(*e, b, ctx));
  return ColumnBatch(schema, std::move(cols), b.numRows());
}

ColumnBatch Executor::projectBatch(const plan::LogicalPlan& p, const ColumnBatch& b) const {
  return evaluateBatch(p.exprs, p.schema, b);
}

ColumnBatch Executor::filterBatch(const plan::LogicalPlan& p, const ColumnBatch& b) const {
  expr::EvalContext ctx = options_.evalContext;
  auto rows = expr::selectTrue(*p.condition, b, ctx);
  if (rows.size() == b.numRows()) return b;
  auto out = b.gather(rows.data(), rows.size());
  return ColumnBatch(p.schema, out.columns(), out.numRows());
}

ColumnBatch Executor::watermarkBatch(const plan::LogicalPlan& p, const ColumnBatch& b) const {
  if (options_.observeEventTime) options_.observeEventTime(p, Partitions{Partition{b}});
  // Same columns; the batch takes this node's schema (its metadata marks the column).
  return ColumnBatch(p.schema, b.columns(), b.numRows());
}

Partitions Executor::project(const plan::LogicalPlan& p, Partitions in) {
  return mapBatches(in, [&](const ColumnBatch& b) { return projectBatch(p, b); });
}

Partitions Executor::filter(const plan::LogicalPlan& p, Partitions in) {
  return mapBatches(in, [&](const ColumnBatch& b) { return filterBatch(p, b); });
}

Partitions Executor::evaluateInputs(const std::vector<expr::ExprPtr>& exprs, const plan::LogicalPlan& child,
                                    const BatchConsumer* direct) {
  // The per-batch operators right under the consumer (projections, filters, watermarks) run batch
  // by batch together with the evaluation of its inputs: of each batch only the consumer's columns
  // outlive it, so a parsed record's other fields are freed while still in cache, and the memory
  // of one batch is reused by the next.
  std::vector<const plan::LogicalPlan*> chain;
  const plan::LogicalPlan* node = &child;
  while (node->kind == PlanKind::kProject || node->kind == PlanKind::kFilter ||
         node->kind == PlanKind::kEventTimeWatermark) {
    chain.push_back(node);
    node = node->children[0].get();
  }
  std::vector<types::Field> fields;
  for (size_t i = 0; i < exprs.size(); ++i) fields.push_back({"_" + std::to_string(i), exprs[i]->type, true, "{}"});
  auto schema = types::DataType::structOf(fields);
  auto evaluate = [&](const ColumnBatch& input) {
    ColumnBatch b = input;
    for (auto it = chain.rbegin(); it != chain.rend() && b.numRows() > 0; ++it) {
      switch ((*it)->kind) {
        case PlanKind::kProject: b = projectBatch(**it, b); break;
        case PlanKind::kFilter: b = filterBatch(**it, b); break;
        default: b = watermarkBatch(**it, b); break;
      }
    }
    if (b.numRows() == 0) return ColumnBatch();  // dropped
    return evaluateBatch(exprs, schema, b);
  };
  Partitions in = execute(*node);
  if (direct && in.size() == 1) {
    // One partition: nothing to run in parallel, so each batch goes to the consumer as soon as it
    // is made, while its columns are still in cache, and none is kept.
    for (const auto& input : in[0]) {
      auto b = evaluate(input);
      if (b.numRows() > 0) (*direct)(b);
    }
    return {};
  }
  return mapBatches(in, evaluate);
}

Partitions Executor::limit(const plan::LogicalPlan& p, Partitions in) {
  Partition out;
  int64_t remaining = p.limit;
  for (auto& part : in) {
    for (auto& b : part) {
      if (remaining <= 0) break;
      size_t take = std::min<size_t>(b.numRows(), static_cast<size_t>(remaining));
      out.push_back(b.slice(0, take));
      remaining -= static_cast<int64_t>(take);
    }
  }
  return {out};
}

Partitions Executor::generate(const plan::LogicalPlan& p, Partitions in) {
  bool withPosition = p.schema->fields().size() - p.children[0]->schema->fields().size() ==
                      (p.exprs[0]->type->id() == TypeId::kMap ? 3u : 2u);
  return mapBatches(in, [&](const ColumnBatch& b) {
    expr::EvalContext ctx = options_.evalContext;
    VectorPtr input = expr::evaluate(*p.exprs[0], b, ctx);
    std::vector<uint32_t> inputRows, elementRows;
    std::vector<int32_t> positions;
    std::vector<uint8_t> elementNull;
    for (size_t i = 0; i < b.numRows(); ++i) {
      size_t count = (input->typeId() == TypeId::kNull || input->isNull(i)) ? 0 : input->listSize(i);
      if (count == 0) {
        if (p.outer) {
          inputRows.push_back(static_cast<uint32_t>(i));
          elementRows.push_back(0);
          positions.push_back(0);
          elementNull.push_back(1);
        }
        continue;
      }
      uint32_t start = input->offsets()[i];
      for (size_t k = 0; k < count; ++k) {
        inputRows.push_back(static_cast<uint32_t>(i));
        elementRows.push_back(static_cast<uint32_t>(start + k));
        positions.push_back(static_cast<int32_t>(k));
        elementNull.push_back(0);
      }
    }
    std::vector<VectorPtr> cols;
    for (const auto& c : b.columns()) cols.push_back(c->gather(inputRows.data(), inputRows.size()));
    if (withPosition) {
      auto pos = Vector::make(types::DataType::integer());
      pos->resize(positions.size());
      std::copy(positions.begin(), positions.end(), pos->mutableValues<int32_t>());
      pos->setNullMask(elementNull.data(), elementNull.size());
      cols.push_back(pos);
    }
    for (size_t c = 0; c < (input->typeId() == TypeId::kNull ? 0 : input->numChildren()); ++c) {
      auto element = Vector::make(input->child(c).type(), elementRows.size());
      for (size_t r = 0; r < elementRows.size(); ++r) {
        if (elementNull[r]) element->appendNull();
        else element->appendFrom(input->child(c), elementRows[r]);
      }
      cols.push_back(element);
    }
    while (cols.size() < p.schema->fields().size()) cols.push_back(Vector::nulls(p.schema->fields()[cols.size()].type, inputRows.size()));
    return ColumnBatch(p.schema, std::move(cols), inputRows.size());
  });
}

Partitions Executor::timeWindow(const plan::LogicalPlan& p, Partitions in) {
  const int64_t size = p.windowDuration, slide = p.slideDuration, offset = p.startTime;
  const int64_t maxWindows = (size + slide - 1) / slide;
  const auto& windowType = p.schema->fields().back().type;
  return mapBatches(in, [&](const ColumnBatch& b) {
    expr::EvalContext ctx = options_.evalContext;
    VectorPtr ts = expr::evaluate(*p.exprs[0], b, ctx);
    std::vector<uint32_t> rows;
    std::vector<int64_t> starts;
    rows.reserve(b.numRows() * maxWindows);
    starts.reserve(b.numRows() * maxWindows);
    const int64_t* t = ts->typeId() == TypeId::kNull ? nullptr : ts->values<int64_t>();
    for (size_t i = 0; i < b.numRows(); ++i) {
      if (!t || ts->isNull(i)) continue;
      int64_t r = (t[i] - offset) % slide;
      if (r < 0) r += slide;
      int64_t lastStart = t[i] - r;
      // Oldest window first, as Spark emits them.
      for (int64_t k = maxWindows - 1; k >= 0; --k) {
        int64_t start = lastStart - k * slide;
        if (start <= t[i] && t[i] < start + size) {
          rows.push_back(static_cast<uint32_t>(i));
          starts.push_back(start);
        }
      }
    }
    std::vector<VectorPtr> cols;
    if (rows.size() == b.numRows()) {
      // Tumbling windows over rows without null times: every row stays once, in place.
      cols = b.columns();
    } else {
      for (const auto& c : b.columns()) cols.push_back(c->gather(rows.data(), rows.size()));
    }
    auto window = Vector::make(windowType);
    auto startVec = Vector::make(types::DataType::timestamp());
    auto endVec = Vector::make(types::DataType::timestamp());
    startVec->resize(rows.size());
    endVec->resize(rows.size());
    for (size_t k = 0; k < rows.size(); ++k) {
      startVec->mutableValues<int64_t>()[k] = starts[k];
      endVec->mutableValues<int64_t>()[k] = starts[k] + size;
    }
    window->setChild(0, startVec);
    window->setChild(1, endVec);
    window->resize(rows.size());
    cols.push_back(window);
    return ColumnBatch(p.schema, std::move(cols), rows.size());
  });
}

Partitions Executor::sessionWindow(const plan::LogicalPlan& p, Partitions in) {
  // Sessions are formed per value of the other grouping keys: shuffle by them, then per partition
  // sort by (keys, start) and merge overlapping [ts, ts + gap) intervals.
  expr::EvalContext ctx = options_.evalContext;
  Partitions shuffled = p.groupingExprs.empty()
                            ? Partitions{Partition{concatAll(p.children[0]->schema, in)}}
                            : shuffleByKeys(in, p.groupingExprs, options_.shufflePartitions, ctx);
  const auto& childSchema = p.children[0]->schema;
  const auto& windowType = p.schema->fields().back().type;
  Partitions out(shuffled.size());
  base::ThreadPool::global().parallelFor(shuffled.size(), [&](size_t part) {
    expr::EvalContext local = options_.evalContext;
    ColumnBatch all = concatAll(childSchema, {shuffled[part]});
    size_t n = all.numRows();
    if (n == 0) return;
    VectorPtr ts = expr::evaluate(*p.exprs[0], all, local);
    VectorPtr gap = expr::evaluate(*p.exprs[1], all, local);
    std::vector<VectorPtr> keyCols;
    for (const auto& k : p.groupingExprs) keyCols.push_back(expr::evaluate(*k, all, local));
    std::vector<uint32_t> rows;
    for (size_t i = 0; i < n; ++i) {
      if (ts->typeId() == TypeId::kNull || ts->isNull(i)) continue;
      if (gap->typeId() == TypeId::kNull || gap->isNull(i) || gap->valueAt<int64_t>(i) <= 0) continue;
      rows.push_back(static_cast<uint32_t>(i));
    }
    auto keys = encodeKeys(keyCols, n);
    std::sort(rows.begin(), rows.end(), [&](uint32_t a, uint32_t b) {
      auto ka = keys.key(a), kb = keys.key(b);
      if (ka != kb) return ka < kb;
      return ts->valueAt<int64_t>(a) < ts->valueAt<int64_t>(b);
    });
    std::vector<int64_t> sessionStart(rows.size()), sessionEnd(rows.size());
    size_t begin = 0;
    while (begin < rows.size()) {
      size_t end = begin;
      int64_t start = ts->valueAt<int64_t>(rows[begin]);
      int64_t stop = start + gap->valueAt<int64_t>(rows[begin]);
      ++end;
      while (end < rows.size() && keys.key(rows[end]) == keys.key(rows[begin]) &&
             ts->valueAt<int64_t>(rows[end]) <= stop) {
        stop = std::max(stop, ts->valueAt<int64_t>(rows[end]) + gap->valueAt<int64_t>(rows[end]));
        ++end;
      }
      for (size_t k = begin; k < end; ++k) sessionStart[k] = start, sessionEnd[k] = stop;
      begin = end;
    }
    std::vector<VectorPtr> cols;
    for (const auto& c : all.columns()) cols.push_back(c->gather(rows.data(), rows.size()));
    auto window = Vector::make(windowType);
    auto s = Vector::make(types::DataType::timestamp());
    auto e = Vector::make(types::DataType::timestamp());
    s->resize(rows.size());
    e->resize(rows.size());
    std::copy(sessionStart.begin(), sessionStart.end(), s->mutableValues<int64_t>());
    std::copy(sessionEnd.begin(), sessionEnd.end(), e->mutableValues<int64_t>());
    window->setChild(0, s);
    window->setChild(1, e);
    window->resize(rows.size());
    cols.push_back(window);
    out[part].push_back(ColumnBatch(p.schema, std::move(cols), rows.size()));
  });
  return out;
}

ColumnBatch concatAll(const types::DataTypePtr& schema, const Partitions& in) {
  std::vector<ColumnBatch> all;
  for (const auto& part : in) {
    for (const auto& b : part) all.emplace_back(schema, b.columns(), b.numRows());
  }
  return ColumnBatch::concat(schema, all);
}

Partitions shuffleByKeys(const Partitions& in, const std::vector<expr::ExprPtr>& keyExprs, size_t count,
                         expr::EvalContext& ctx) {
  if (count == 1) {
    Partition all;
    for (const auto& part : in) all.insert(all.end(), part.begin(), part.end());
    return {all};
  }
  // Each input partition scatters into `count` buckets; buckets are then joined per target.
  std::vector<std::vector<Partition>> buckets(in.size(), std::vector<Partition>(count));
  base::ThreadPool::global().parallelFor(in.size(), [&](size_t p) {
    expr::EvalContext local = ctx;
    for (const auto& b : in[p]) {
      if (b.numRows() == 0) continue;
      std::vector<VectorPtr> keyCols;
      for (const auto& k : keyExprs) keyCols.push_back(expr::evaluate(*k, b, local));
      auto keys = encodeKeys(keyCols, b.numRows());
      std::vector<std::vector<uint32_t>> rows(count);
      for (size_t i = 0; i < b.numRows(); ++i) rows[keys.hashes[i] % count].push_back(static_cast<uint32_t>(i));
      for (size_t t = 0; t < count; ++t) {
        if (rows[t].empty()) continue;
        if (rows[t].size() == b.numRows()) buckets[p][t].push_back(b);
        else buckets[p][t].push_back(b.gather(rows[t].data(), rows[t].size()));
      }
    }
  });
  Partitions out(count);
  for (size_t t = 0; t < count; ++t) {
    for (size_t p = 0; p < in.size(); ++p) {
      for (auto& b : buckets[p][t]) out[t].push_back(std::move(b));
    }
  }
  return out;
}

}  // namespace weir::exec
