// Plan analysis for the DataFrame API.
#include "weir/api/analyzer.h"

#include <functional>
#include <set>

#include "weir/base/duration.h"
#include "weir/base/error.h"
#include "weir/exec/aggregates.h"
#include "weir/expr/binder.h"

namespace weir::api {

using expr::Binder;
using expr::ExprKind;
using plan::JoinType;
using plan::LogicalPlan;
using plan::PlanKind;
using types::DataType;
using types::DataTypePtr;
using types::Field;
using types::TypeId;

namespace {

std::shared_ptr<LogicalPlan> node(PlanKind kind, std::vector<PlanPtr> children) {
  auto p = std::make_shared<LogicalPlan>();
  p->kind = kind;
  p->children = std::move(children);
  return p;
}

// The metadata a bound expression keeps from its input: a column passed through (even renamed)
// keeps its field's metadata, which is how the event-time mark of withWatermark travels.
std::string metadataOf(const ExprPtr& bound, const DataTypePtr& input) {
  const ExprPtr* e = &bound;
  while ((*e)->kind == ExprKind::kAlias) e = &(*e)->children[0];
  if ((*e)->kind != ExprKind::kBoundColumn || !input) return "{}";
  const auto& fields = input->fields();
  if ((*e)->ordinal < 0 || static_cast<size_t>((*e)->ordinal) >= fields.size()) return "{}";
  return fields[static_cast<size_t>((*e)->ordinal)].metadata;
}

DataTypePtr schemaOf(const std::vector<ExprPtr>& exprs, const std::vector<std::string>& names,
                     const DataTypePtr& input = nullptr) {
  std::vector<Field> fields;
  for (size_t i = 0; i < exprs.size(); ++i) {
    fields.push_back({names[i], exprs[i]->type, exprs[i]->nullable, metadataOf(exprs[i], input)});
  }
  return DataType::structOf(std::move(fields));
}

const ExprPtr& stripAlias(const ExprPtr& e) { return e->kind == ExprKind::kAlias ? e->children[0] : e; }

bool isGenerator(const ExprPtr& e) {
  const auto& s = stripAlias(e);
  return s->kind == ExprKind::kCall &&
         (s->name == "explode" || s->name == "explode_outer" || s->name == "posexplode");
}

bool containsAggregate(const ExprPtr& e) {
  return expr::anyNode(e, [](const expr::Expr& n) { return n.kind == ExprKind::kAggregate; });
}

// Finds the plan node with id `planId` below `p` through nodes that keep their child's columns,
// returning the ordinal offset of its columns in `p`'s output; -1 when not found.
int offsetOfPlan(const PlanPtr& p, const std::string& planId) {
  if (planIdOf(p) == planId) return 0;
  switch (p->kind) {
    case PlanKind::kFilter:
    case PlanKind::kSort:
    case PlanKind::kLimit:
    case PlanKind::kDeduplicate:
      return offsetOfPlan(p->children[0], planId);
    case PlanKind::kJoin: {
      int left = offsetOfPlan(p->children[0], planId);
      if (left >= 0) return left;
      if (p->joinType == JoinType::kLeftSemi || p->joinType == JoinType::kLeftAnti) return -1;
      int right = offsetOfPlan(p->children[1], planId);
      if (right >= 0) return right + static_cast<int>(p->children[0]->schema->fields().size());
      return -1;
    }
    default:
      return -1;
  }
}

// Resolves columns made by DataFrame::col() against the plan they came from, so that equally
// named columns of a join's two sides stay apart. Other names are left to the binder.
ExprPtr resolvePlanColumns(const PlanPtr& input, const ExprPtr& e) {
  return expr::transform(e, [&](const ExprPtr& n) -> ExprPtr {
    if (n->kind != ExprKind::kColumn) return nullptr;
    auto it = n->options.find("__plan");
    if (it == n->options.end()) return nullptr;
    int offset = offsetOfPlan(input, it->second);
    if (offset < 0) return nullptr;
    auto ordinal = std::stoi(n->options.at("__ordinal"));
    const auto& f = input->schema->fields()[offset + ordinal];
    auto bound = expr::boundColumn(offset + ordinal, f.type, f.nullable, f.name);
    auto rest = n->options.find("__path");
    if (rest == n->options.end()) return bound;
    // A nested path below the column: resolve it on a one-column schema, then re-point.
    Binder binder(DataType::structOf({f}));
    auto nested = binder.resolveColumn(f.name + "." + rest->second);
    if (!nested) return nullptr;
    return expr::transform(nested, [&](const ExprPtr& m) -> ExprPtr {
      if (m->kind != ExprKind::kBoundColumn) return nullptr;
      return bound;
    });
  });
}

ExprPtr bindAgainst(const PlanPtr& input, const ExprPtr& e) {
  Binder binder(input->schema);
  return binder.bind(resolvePlanColumns(input, e));
}

// Extracts at most one window(...) call: adds a TimeWindow node and replaces the call by a reference
// to its output column.
PlanPtr extractTimeWindow(const PlanPtr& child, std::vector<ExprPtr>& exprs) {
  ExprPtr found;
  for (const auto& e : exprs) {
    expr::visit(e, [&](const ExprPtr& n) {
      if (n->kind == ExprKind::kCall && n->name == "window") {
        if (found && (found->display != n->display || found->options != n->options ||
                      found->children[0]->display != n->children[0]->display)) {
          throw AnalysisError("MULTIPLE_TIME_WINDOWS",
                              "Multiple time/session window expressions would result in a cartesian product of "
                              "rows, therefore they are currently not supported.");
        }
        found = n;
      }
    });
  }
  if (!found) return child;
  auto ts = bindAgainst(child, found->children[0]);
  if (ts->type->id() == TypeId::kStruct && ts->type->fields().size() == 2) {
    // window(windowColumn, ...) chains on the previous window's window_time.
    ts = bindAgainst(child, expr::call("window_time", {found->children[0]}));
  }
  if (ts->type->id() == TypeId::kString) ts = expr::castIfNeeded(ts, DataType::timestamp());
  if (ts->type->id() != TypeId::kTimestamp && ts->type->id() != TypeId::kTimestampNtz) {
    throw AnalysisError("DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                        "Cannot resolve \"window\" due to data type mismatch: the time column \"" + ts->display +
                            "\" must be of TIMESTAMP type, but it is " + ts->type->sql() + ".");
  }
  auto p = node(PlanKind::kTimeWindow, {child});
  p->exprs = {ts};
  p->windowDuration = std::stoll(found->options.at("windowDuration"));
  p->slideDuration = std::stoll(found->options.at("slideDuration"));
  p->startTime = std::stoll(found->options.at("startTime"));
  auto fields = child->schema->fields();
  auto windowType = DataType::structOf({{"start", ts->type, true, "{}"}, {"end", ts->type, true, "{}"}});
  // A window over an event-time column is event time too (its end is compared to the watermark).
  fields.push_back({"window", windowType, false, metadataOf(ts, child->schema)});
  p->schema = DataType::structOf(fields);
  auto ref = expr::boundColumn(static_cast<int>(fields.size() - 1), windowType, false, "window");
  for (auto& e : exprs) {
    e = expr::transform(e, [&](const ExprPtr& n) -> ExprPtr {
      if (n->kind == ExprKind::kCall && n->name == "window") return ref;
      return nullptr;
    });
  }
  return p;
}

std::string nameOf(const ExprPtr& unbound) { return expr::outputName(*unbound); }

// Reads only the columns a node needs: when `child` is a scan that can skip columns and `exprs`
// name a strict subset of its columns, returns the narrower scan (binding is by name, so the
// expressions stay valid); otherwise returns `child`.
PlanPtr pruneScan(const PlanPtr& child, const std::vector<ExprPtr>& exprs) {
  if (child->kind != PlanKind::kScan) return child;
  std::set<std::string> needed;
  bool all = false;
  Binder binder(child->schema);
  for (const auto& e : exprs) {
    expr::visit(e, [&](const ExprPtr& n) {
      if (n->kind == ExprKind::kStar) all = true;
      if (n->kind != ExprKind::kColumn) return;
      auto it = n->options.find("__ordinal");
      if (it != n->options.end()) {
        if (offsetOfPlan(child, n->options.at("__plan")) < 0) return;
        needed.insert(child->schema->fields()[std::stoi(it->second)].name);
        return;
      }
      auto bound = binder.resolveColumn(n->name);
      if (!bound) {
        all = true;  // let the binder report it against the full schema
        return;
      }
      while (bound->kind == ExprKind::kGetField) bound = bound->children[0];
      needed.insert(child->schema->fields()[bound->ordinal].name);
    });
  }
  if (all || needed.size() >= child->schema->fields().size()) return child;
  // Row counts need at least one column.
  if (needed.empty()) needed.insert(child->schema->fields()[0].name);
  auto source = child->source->withColumns(std::vector<std::string>(needed.begin(), needed.end()));
  if (!source) return child;
  auto p = node(PlanKind::kScan, {});
  p->source = source;
  p->schema = source->schema();
  return p;
}

}  // namespace

std::string planIdOf(const PlanPtr& plan) { return std::to_string(reinterpret_cast<uintptr_t>(plan.get())); }

PlanPtr analyzeProject(const PlanPtr& childIn, const std::vector<ExprPtr>& exprsIn) {
  for (const auto& e : exprsIn) {
    if (containsAggregate(e)) return analyzeAggregate(childIn, {}, exprsIn);
  }
  std::vector<ExprPtr> exprs = exprsIn;
  PlanPtr child = extractTimeWindow(pruneScan(childIn, exprsIn), exprs);
  // Generators: at most one per select.
  int generatorIndex = -1;
  for (size_t i = 0; i < exprs.size(); ++i) {
    if (isGenerator(exprs[i])) {
      if (generatorIndex >= 0) {
        throw AnalysisError("UNSUPPORTED_GENERATOR.MULTI_GENERATOR",
                            "Only one generator allowed per select clause but found 2: " +
                                exprs[generatorIndex]->display + ", " + exprs[i]->display + ".");
      }
      generatorIndex = static_cast<int>(i);
    }
  }
  std::vector<std::pair<ExprPtr, std::string>> generated;
  if (generatorIndex >= 0) {
    const auto& g = stripAlias(exprs[generatorIndex]);
    auto input = bindAgainst(child, g->children[0]);
    bool isMap = input->type->id() == TypeId::kMap;
    if (input->type->id() != TypeId::kArray && !isMap) {
      throw AnalysisError("DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                          "Cannot resolve \"" + g->display + "\" due to data type mismatch: the input of `" +
                              g->name + "` must be an ARRAY or MAP, but \"" + input->display + "\" is " +
                              input->type->sql() + ".");
    }
    auto gen = node(PlanKind::kGenerate, {child});
    gen->exprs = {input};
    gen->outer = g->name == "explode_outer";
    auto fields = child->schema->fields();
    size_t base = fields.size();
    std::vector<std::string> names;
    if (g->name == "posexplode") {
      fields.push_back({"pos", DataType::integer(), false, "{}"});
      names.push_back("pos");
    }
    if (isMap) {
      fields.push_back({"key", input->type->keyType(), false, "{}"});
      fields.push_back({"value", input->type->valueType(), true, "{}"});
      names.push_back("key");
      names.push_back("value");
    } else {
      fields.push_back({"col", input->type->elementType(), true, "{}"});
      names.push_back("col");
    }
    if (exprs[generatorIndex]->kind == ExprKind::kAlias) names.back() = exprs[generatorIndex]->name;
    gen->schema = DataType::structOf(fields);
    for (size_t k = base; k < fields.size(); ++k) {
      generated.emplace_back(expr::boundColumn(static_cast<int>(k), fields[k].type, fields[k].nullable,
                                               names[k - base]),
                             names[k - base]);
    }
    child = gen;
  }
  Binder binder(child->schema);
  std::vector<ExprPtr> bound;
  std::vector<std::string> names;
  for (size_t i = 0; i < exprs.size(); ++i) {
    if (static_cast<int>(i) == generatorIndex) {
      for (auto& [e, n] : generated) {
        bound.push_back(e);
        names.push_back(n);
      }
      continue;
    }
    const auto& e = exprs[i];
    if (e->kind == ExprKind::kStar) {
      for (auto& b : binder.bindProjection({e})) {
        names.push_back(b->name);
        bound.push_back(b);
      }
      continue;
    }
    auto b = binder.bind(resolvePlanColumns(child, e));
    const auto& inner = stripAlias(e);
    if (inner->kind == ExprKind::kCall && inner->name == "json_tuple" && e->kind != ExprKind::kAlias) {
      for (size_t f = 0; f < b->type->fields().size(); ++f) {
        const auto& field = b->type->fields()[f];
        bound.push_back(expr::getField(b, static_cast<int>(f), field.type, field.name));
        names.push_back(field.name);
      }
      continue;
    }
    names.push_back(nameOf(e));
    bound.push_back(b);
  }
  auto p = node(PlanKind::kProject, {child});
  p->exprs = bound;
  p->schema = schemaOf(bound, names, child->schema);
  return p;
}

PlanPtr analyzeFilter(const PlanPtr& child, const ExprPtr& condition) {
  if (containsAggregate(condition)) {
    throw AnalysisError("INVALID_WHERE_CONDITION",
                        "The WHERE condition " + condition->display +
                            " contains aggregate functions; filter the result of agg() instead.");
  }
  auto bound = bindAgainst(child, condition);
  if (bound->type->id() == TypeId::kNull) bound = expr::castIfNeeded(bound, DataType::boolean());
  if (bound->type->id() != TypeId::kBoolean) {
    throw AnalysisError("DATATYPE_MISMATCH.FILTER_NOT_BOOLEAN",
                        "Cannot resolve \"" + condition->display + "\" due to data type mismatch: filter expression "
                        "\"" + condition->display + "\" of type " + bound->type->sql() + " is not a boolean.");
  }
  auto p = node(PlanKind::kFilter, {child});
  p->condition = bound;
  p->schema = child->schema;
  return p;
}

namespace {

// Sliding-window aggregation by panes: when every aggregate can be merged (count, sum, min, max,
// avg), events are first aggregated per pane of one slide (one hash update per event instead of
// one per window), and the pane results are then merged into each window that contains the pane.
// Results are identical; the work per event drops by the number of windows per event.
PlanPtr tryPaneAggregate(const PlanPtr& child, const std::vector<ExprPtr>& grouping,
                         const std::vector<ExprPtr>& aggregates) {
  int windowIndex = -1;
  for (size_t i = 0; i < grouping.size(); ++i) {
    const auto& g = stripAlias(grouping[i]);
    if (g->kind == ExprKind::kCall && g->name == "session_window") return nullptr;
    if (expr::anyNode(grouping[i], [](const expr::Expr& n) {
          return n.kind == ExprKind::kCall && (n.name == "window" || n.name == "session_window");
        }) &&
        !(g->kind == ExprKind::kCall && g->name == "window")) {
      return nullptr;
    }
    if (g->kind == ExprKind::kCall && g->name == "window") {
      if (windowIndex >= 0) return nullptr;
      windowIndex = static_cast<int>(i);
    }
  }
  if (windowIndex < 0) return nullptr;
  const auto& w = stripAlias(grouping[windowIndex]);
  int64_t size = std::stoll(w->options.at("windowDuration"));
  int64_t slide = std::stoll(w->options.at("slideDuration"));
  int64_t start = std::stoll(w->options.at("startTime"));
  if (size <= 0 || slide <= 0 || slide > size || w->options.count("__panes")) return nullptr;
  // Every output must be built from mergeable aggregates only.
  std::vector<ExprPtr> aggNodes;
  bool ok = true;
  for (const auto& e : aggregates) {
    std::function<void(const ExprPtr&, bool)> check = [&](const ExprPtr& n, bool insideAggregate) {
      if (n->kind == ExprKind::kAggregate) {
        static const std::set<std::string> kMergeable = {"count", "sum", "min", "max", "avg"};
        if (n->distinct || !kMergeable.count(n->name) || insideAggregate) ok = false;
        aggNodes.push_back(n);
        for (const auto& c : n->children) check(c, true);
        return;
      }
      if (!insideAggregate && (n->kind == ExprKind::kColumn || n->kind == ExprKind::kStar)) ok = false;
      if (n->kind == ExprKind::kCall && (n->name == "window" || n->name == "session_window")) ok = false;
      for (const auto& c : n->children) check(c, insideAggregate);
    };
    check(e, false);
  }
  if (!ok || aggNodes.empty()) return nullptr;
  // Decimal sums keep the general path: a pane's partial sum could overflow where the window's
  // total does not.
  Binder binder(child->schema);
  try {
    for (const auto& a : aggNodes) {
      if ((a->name == "avg" || a->name == "sum") && !a->children.empty() &&
          binder.bind(resolvePlanColumns(child, a->children[0]))->type->id() == TypeId::kDecimal) {
        return nullptr;
      }
    }
  } catch (const Error&) {
    return nullptr;
  }
  using expr::aggregate;
  // The per-pane partial aggregates, analyzed as an ordinary aggregate by (window, other keys) so
  // that the event time, keys and arguments are bound and checked as usual; the WindowAggregate
  // node takes them over.
  std::vector<ExprPtr> g1, p1;
  g1.push_back(expr::callWithOptions("window", {w->children[0]},
                                     {{"windowDuration", std::to_string(size)},
                                      {"slideDuration", std::to_string(slide)},
                                      {"startTime", std::to_string(start)},
                                      {"__panes", "1"}},
                                     nullptr, "window"));
  for (size_t i = 0; i < grouping.size(); ++i) {
    if (static_cast<int>(i) != windowIndex) g1.push_back(grouping[i]);
  }
  std::vector<std::pair<std::string, std::vector<size_t>>> merges;  // aggregate identity -> partials
  for (const auto& a : aggNodes) {
    bool seen = false;
    for (const auto& m : merges) seen |= m.first == a->display;
    if (seen) continue;
    if (a->name == "avg") {
      p1.push_back(aggregate("sum", a->children));
      p1.push_back(aggregate("count", a->children));
      merges.push_back({a->display, {p1.size() - 2, p1.size() - 1}});
    } else {
      p1.push_back(withChildren(*a, a->children));
      merges.push_back({a->display, {p1.size() - 1}});
    }
  }
  PlanPtr stage = analyzeAggregate(child, g1, p1);
  if (stage->kind != PlanKind::kProject || stage->children[0]->kind != PlanKind::kAggregate ||
      stage->children[0]->children[0]->kind != PlanKind::kTimeWindow) {
    return nullptr;
  }
  for (size_t i = grouping.size(); i < stage->exprs.size(); ++i) {
    if (stage->exprs[i]->kind != ExprKind::kBoundColumn) return nullptr;
  }
  const auto& agg = stage->children[0];
  const auto& timeWindow = agg->children[0];
  auto wa = node(PlanKind::kWindowAggregate, {timeWindow->children[0]});
  wa->exprs = {timeWindow->exprs[0]};
  wa->windowDuration = size;
  wa->slideDuration = slide;
  wa->startTime = start;
  wa->groupingExprs.assign(agg->groupingExprs.begin() + 1, agg->groupingExprs.end());
  wa->aggregates = agg->aggregates;
  std::vector<Field> fields{{"window", timeWindow->schema->fields().back().type, false,
                             timeWindow->schema->fields().back().metadata}};
  for (size_t k = 1; k < agg->groupingExprs.size(); ++k) fields.push_back(agg->schema->fields()[k]);
  for (const auto& call : agg->aggregates) {
    fields.push_back({"__agg_" + std::to_string(fields.size()), call.resultType, call.function != "count", "{}"});
  }
  wa->schema = DataType::structOf(fields);
  // The output: keys in the user's order, then each expression over the merged values.
  const size_t numKeys = grouping.size();
  auto ref = [&](size_t ordinal) {
    const auto& f = fields[ordinal];
    return expr::boundColumn(static_cast<int>(ordinal), f.type, f.nullable, f.name);
  };
  auto mergedOf = [&](size_t partial) { return ref(static_cast<size_t>(stage->exprs[numKeys + partial]->ordinal)); };
  std::vector<ExprPtr> outExprs;
  std::vector<std::string> outNames;
  for (size_t i = 0, other = 1; i < numKeys; ++i) {
    outExprs.push_back(ref(static_cast<int>(i) == windowIndex ? 0 : other++));
    outNames.push_back(nameOf(grouping[i]));
  }
  Binder outBinder(wa->schema);
  for (const auto& e : aggregates) {
    auto rewritten = expr::transform(e, [&](const ExprPtr& n) -> ExprPtr {
      if (n->kind != ExprKind::kAggregate) return nullptr;
      for (const auto& [id, parts] : merges) {
        if (id != n->display) continue;
        if (parts.size() == 2) return expr::binaryOperator("divide", "/", mergedOf(parts[0]), mergedOf(parts[1]));
        return mergedOf(parts[0]);
      }
      return nullptr;
    });
    outExprs.push_back(stripAlias(outBinder.bind(rewritten)));
    outNames.push_back(nameOf(e));
  }
  auto p = node(PlanKind::kProject, {wa});
  p->exprs = outExprs;
  p->schema = schemaOf(outExprs, outNames, wa->schema);
  return p;
}

}  // namespace

PlanPtr analyzeAggregate(const PlanPtr& childIn, const std::vector<ExprPtr>& groupingIn,
                         const std::vector<ExprPtr>& aggregatesIn) {
  if (auto panes = tryPaneAggregate(childIn, groupingIn, aggregatesIn)) return panes;
  {
    std::vector<ExprPtr> referenced = groupingIn;
    referenced.insert(referenced.end(), aggregatesIn.begin(), aggregatesIn.end());
    PlanPtr pruned = pruneScan(childIn, referenced);
    if (pruned != childIn) return analyzeAggregate(pruned, groupingIn, aggregatesIn);
  }
  std::vector<ExprPtr> all = groupingIn;
  all.insert(all.end(), aggregatesIn.begin(), aggregatesIn.end());
  PlanPtr child = extractTimeWindow(pruneScan(childIn, all), all);
  std::vector<ExprPtr> grouping(all.begin(), all.begin() + groupingIn.size());
  std::vector<ExprPtr> aggregates(all.begin() + groupingIn.size(), all.end());
  // session_window(ts, gap) among the keys: sessions are formed within the other keys.
  for (size_t i = 0; i < grouping.size(); ++i) {
    const auto& g = stripAlias(grouping[i]);
    if (g->kind != ExprKind::kCall || g->name != "session_window") continue;
    std::vector<ExprPtr> others;
    for (size_t k = 0; k < grouping.size(); ++k) {
      if (k != i) others.push_back(bindAgainst(child, grouping[k]));
    }
    auto ts = bindAgainst(child, g->children[0]);
    if (ts->type->id() == TypeId::kString) ts = expr::castIfNeeded(ts, DataType::timestamp());
    if (ts->type->id() != TypeId::kTimestamp && ts->type->id() != TypeId::kTimestampNtz) {
      throw AnalysisError("DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
                          "The time column of session_window must be a TIMESTAMP, but \"" + ts->display + "\" is " +
                              ts->type->sql() + ".");
    }
    ExprPtr gap;
    if (g->children.size() > 1) {
      gap = bindAgainst(child, expr::call("duration_micros", {g->children[1]}));
    } else {
      gap = expr::literal(columnar::Value::integer(std::stoll(g->options.at("gap"))), DataType::longType());
    }
    auto p = node(PlanKind::kSessionWindow, {child});
    p->exprs = {ts, gap};
    p->groupingExprs = others;
    auto fields = child->schema->fields();
    auto windowType = DataType::structOf({{"start", ts->type, true, "{}"}, {"end", ts->type, true, "{}"}});
    fields.push_back({"session_window", windowType, false, metadataOf(ts, child->schema)});
    p->schema = DataType::structOf(fields);
    grouping[i] = expr::boundColumn(static_cast<int>(fields.size() - 1), windowType, false, "session_window");
    child = p;
    break;
  }
  Binder binder(child->schema);
  std::vector<ExprPtr> keys;
  std::vector<std::string> keyNames;
  for (const auto& g : grouping) {
    if (containsAggregate(g)) {
      throw AnalysisError("GROUP_BY_AGGREGATE", "Aggregate functions are not allowed in GROUP BY, but found " +
                                                    g->display + ".");
    }
    keys.push_back(stripAlias(binder.bind(resolvePlanColumns(child, g))));
    keyNames.push_back(nameOf(g));
  }
  // Collect distinct aggregate calls; each output expression is rewritten over the aggregate's
  // output (keys then aggregate values).
  auto aggNode = node(PlanKind::kAggregate, {child});
  aggNode->groupingExprs = keys;
  std::vector<std::string> aggDisplays;
  auto findOrAdd = [&](const ExprPtr& a) -> size_t {
    std::string identity = a->display + (a->distinct ? "#d" : "");
    for (const auto& [k, v] : a->options) identity += "#" + k + "=" + v;
    for (size_t j = 0; j < aggDisplays.size(); ++j) {
      if (aggDisplays[j] == identity) return j;
    }
    plan::AggregateCall call;
    call.function = a->name;
    call.distinct = a->distinct;
    if (!exec::isAggregateFunction(a->name)) {
      throw AnalysisError("UNRESOLVED_ROUTINE", "Cannot resolve aggregate function `" + a->name + "`.");
    }
    std::vector<DataTypePtr> argTypes;
    for (const auto& arg : a->children) {
      if (containsAggregate(arg)) {
        throw AnalysisError("NESTED_AGGREGATE_FUNCTION",
                            "It is not allowed to use an aggregate function in the argument of another aggregate "
                            "function: " + a->display + ".");
      }
      auto b = binder.bind(resolvePlanColumns(child, arg));
      call.args.push_back(b);
      argTypes.push_back(b->type);
    }
    call.resultType = exec::aggregateResultType(a->name, argTypes, a->distinct);
    if ((a->name == "sum" || a->name == "avg") && !call.args.empty() &&
        (call.args[0]->type->id() == TypeId::kString || call.args[0]->type->id() == TypeId::kNull)) {
      call.args[0] = expr::castIfNeeded(call.args[0], DataType::doubleType());
    }
    if (a->name == "first" || a->name == "last") {
      call.params.push_back(columnar::Value::boolean(a->options.count("ignoreNulls") > 0));
    }
    if (a->name == "approx_count_distinct") {
      call.params.push_back(columnar::Value::real(std::stod(a->options.at("rsd"))));
    }
    call.outputName = a->display;
    aggNode->aggregates.push_back(call);
    aggDisplays.push_back(identity);
    return aggDisplays.size() - 1;
  };
  std::vector<ExprPtr> rewritten;
  for (const auto& e : aggregates) {
    rewritten.push_back(expr::transform(e, [&](const ExprPtr& n) -> ExprPtr {
      if (n->kind != ExprKind::kAggregate) return nullptr;
      size_t j = findOrAdd(n);
      return expr::column("__agg_" + std::to_string(j));
    }));
  }
  std::vector<Field> aggFields;
  for (size_t k = 0; k < keys.size(); ++k) {
    aggFields.push_back({keyNames[k], keys[k]->type, keys[k]->nullable, metadataOf(keys[k], child->schema)});
  }
  for (size_t j = 0; j < aggNode->aggregates.size(); ++j) {
    const auto& call = aggNode->aggregates[j];
    bool nullable = !(call.function == "count" || call.function == "approx_count_distinct");
    aggFields.push_back({"__agg_" + std::to_string(j), call.resultType, nullable, "{}"});
  }
  aggNode->schema = DataType::structOf(aggFields);
  // The final projection: keys, then each output expression over the aggregate's columns. A
  // plain column reference must name a grouping key.
  Binder outBinder(aggNode->schema);
  std::vector<ExprPtr> outExprs;
  std::vector<std::string> outNames;
  for (size_t k = 0; k < keys.size(); ++k) {
    if (!groupingIn.empty()) {
      outExprs.push_back(expr::boundColumn(static_cast<int>(k), keys[k]->type, keys[k]->nullable, keyNames[k]));
      outNames.push_back(keyNames[k]);
    }
  }
  for (size_t i = 0; i < rewritten.size(); ++i) {
    auto r = expr::transform(rewritten[i], [&](const ExprPtr& n) -> ExprPtr {
      if (n->kind != ExprKind::kColumn || n->name.rfind("__agg_", 0) == 0) return nullptr;
      for (size_t k = 0; k < keys.size(); ++k) {
        if (keyNames[k] == n->name || grouping[k]->display == n->display) {
          return expr::boundColumn(static_cast<int>(k), keys[k]->type, keys[k]->nullable, keyNames[k]);
        }
      }
      throw AnalysisError("MISSING_AGGREGATION",
                          "The non-aggregating expression \"" + n->display +
                              "\" is based on columns which are not participating in the GROUP BY clause. Add the "
                              "column to groupBy(), or wrap it in first() if you do not care which value you get.");
    });
    auto b = stripAlias(outBinder.bind(r));
    outExprs.push_back(b);
    outNames.push_back(nameOf(aggregates[i]));
  }
  // Display names of aggregates come from the unbound calls ("count(1)", "sum(v)").
  for (size_t i = 0; i < rewritten.size(); ++i) {
    const auto& original = aggregatesIn[i];
    outNames[outNames.size() - rewritten.size() + i] = nameOf(original);
  }
  auto p = node(PlanKind::kProject, {aggNode});
  p->exprs = outExprs;
  p->schema = schemaOf(outExprs, outNames, aggNode->schema);
  return p;
}

namespace {

// Resolves the columns of a join condition: DataFrame::col() columns by plan, qualified names by
// alias, plain names by the side that has them (an error if both do).
ExprPtr resolveJoinColumns(const PlanPtr& left, const std::string& leftAlias, const PlanPtr& right,
                           const std::string& rightAlias, const ExprPtr& condition) {
  const int leftSize = static_cast<int>(left->schema->fields().size());
  Binder lb(left->schema), rb(right->schema);
  auto shift = [&](const ExprPtr& e) {
    return expr::transform(e, [&](const ExprPtr& n) -> ExprPtr {
      if (n->kind != ExprKind::kBoundColumn) return nullptr;
      return expr::boundColumn(n->ordinal + leftSize, n->type, n->nullable, n->name);
    });
  };
  return expr::transform(condition, [&](const ExprPtr& n) -> ExprPtr {
    if (n->kind != ExprKind::kColumn) return nullptr;
    auto it = n->options.find("__plan");
    if (it != n->options.end()) {
      if (offsetOfPlan(left, it->second) >= 0) return resolvePlanColumns(left, n);
      if (offsetOfPlan(right, it->second) >= 0) return shift(resolvePlanColumns(right, n));
    }
    auto dot = n->name.find('.');
    if (dot != std::string::npos) {
      std::string qualifier = n->name.substr(0, dot), rest = n->name.substr(dot + 1);
      if (!leftAlias.empty() && qualifier == leftAlias) {
        if (auto e = lb.resolveColumn(rest)) return e;
      }
      if (!rightAlias.empty() && qualifier == rightAlias) {
        if (auto e = rb.resolveColumn(rest)) return shift(e);
      }
    }
    auto l = lb.resolveColumn(n->name);
    auto r = rb.resolveColumn(n->name);
    if (l && r) {
      throw AnalysisError("AMBIGUOUS_REFERENCE",
                          "Reference `" + n->name +
                              "` is ambiguous: both sides of the join have it. Use left.col(\"" + n->name +
                              "\") / right.col(\"" + n->name + "\"), or alias() the DataFrames and qualify the name.");
    }
    if (l) return l;
    if (r) return shift(r);
    std::vector<std::string> names;
    for (const auto& f : left->schema->fields()) names.push_back(f.name);
    for (const auto& f : right->schema->fields()) names.push_back(f.name);
    expr::throwUnresolvedColumn(n->name, names);
  });
}

void splitConjuncts(const ExprPtr& e, std::vector<ExprPtr>& out) {
  if (e->kind == ExprKind::kCall && e->name == "and") {
    splitConjuncts(e->children[0], out);
    splitConjuncts(e->children[1], out);
  } else {
    out.push_back(e);
  }
}

// -1: no columns, 0: left only, 1: right only, 2: both.
int sideOf(const ExprPtr& e, int leftSize) {
  int side = -1;
  expr::visit(e, [&](const ExprPtr& n) {
    if (n->kind != ExprKind::kBoundColumn) return;
    int s = n->ordinal < leftSize ? 0 : 1;
    side = side == -1 ? s : (side == s ? s : 2);
  });
  return side;
}

DataTypePtr joinedSchema(const PlanPtr& left, const PlanPtr& right, JoinType type) {
  auto fields = left->schema->fields();
  if (type == JoinType::kLeftSemi || type == JoinType::kLeftAnti) return left->schema;
  bool leftNullable = type == JoinType::kRightOuter || type == JoinType::kFullOuter;
  bool rightNullable = type == JoinType::kLeftOuter || type == JoinType::kFullOuter;
  if (leftNullable) {
    for (auto& f : fields) f.nullable = true;
  }
  for (auto f : right->schema->fields()) {
    if (rightNullable) f.nullable = true;
    fields.push_back(f);
  }
  return DataType::structOf(fields);
}

}  // namespace

PlanPtr analyzeJoin(const PlanPtr& left, const std::string& leftAlias, const PlanPtr& right,
                    const std::string& rightAlias, const ExprPtr& condition, JoinType type) {
  auto p = node(PlanKind::kJoin, {left, right});
  p->joinType = type;
  p->schema = joinedSchema(left, right, type);
  if (!condition) return p;
  const int leftSize = static_cast<int>(left->schema->fields().size());
  auto resolved = resolveJoinColumns(left, leftAlias, right, rightAlias, condition);
  std::vector<types::Field> fields = left->schema->fields();
  for (const auto& f : right->schema->fields()) fields.push_back(f);
  Binder binder(DataType::structOf(fields));
  auto bound = binder.bind(resolved);
  if (bound->type->id() != TypeId::kBoolean) {
    throw AnalysisError("DATATYPE_MISMATCH.JOIN_CONDITION_NOT_BOOLEAN",
                        "The join condition " + condition->display + " has type " + bound->type->sql() +
                            " but must be BOOLEAN.");
  }
  std::vector<ExprPtr> conjuncts, residual;
  splitConjuncts(bound, conjuncts);
  for (const auto& c : conjuncts) {
    if (c->kind == ExprKind::kCall && c->name == "equal_to" && type != JoinType::kCross) {
      int a = sideOf(c->children[0], leftSize), b = sideOf(c->children[1], leftSize);
      if ((a == 0 && b == 1) || (a == 1 && b == 0)) {
        ExprPtr l = a == 0 ? c->children[0] : c->children[1];
        ExprPtr r = a == 0 ? c->children[1] : c->children[0];
        r = expr::transform(r, [&](const ExprPtr& n) -> ExprPtr {
          if (n->kind != ExprKind::kBoundColumn) return nullptr;
          return expr::boundColumn(n->ordinal - leftSize, n->type, n->nullable, n->name);
        });
        p->leftKeys.push_back(l);
        p->rightKeys.push_back(r);
        continue;
      }
    }
    residual.push_back(c);
  }
  if (!residual.empty()) {
    ExprPtr cond = residual[0];
    for (size_t i = 1; i < residual.size(); ++i) {
      cond = binder.bind(expr::binaryOperator("and", "AND", cond, residual[i]));
    }
    p->condition = cond;
  }
  return p;
}

PlanPtr analyzeUsingJoin(const PlanPtr& left, const PlanPtr& right, const std::vector<std::string>& columns,
                         JoinType type) {
  Binder lb(left->schema), rb(right->schema);
  auto p = node(PlanKind::kJoin, {left, right});
  p->joinType = type;
  p->schema = joinedSchema(left, right, type);
  std::set<std::string> usingNames(columns.begin(), columns.end());
  std::vector<int> leftOrdinals, rightOrdinals;
  for (const auto& name : columns) {
    auto li = left->schema->fieldIndex(name);
    auto ri = right->schema->fieldIndex(name);
    if (!li || !ri) {
      std::vector<std::string> names;
      for (const auto& f : (li ? right : left)->schema->fields()) names.push_back(f.name);
      throw AnalysisError("UNRESOLVED_USING_COLUMN_FOR_JOIN",
                          "USING column `" + name + "` cannot be resolved on the " + (li ? "right" : "left") +
                              " side of the join. The " + (li ? "right" : "left") + "-side columns: [" +
                              [&] {
                                std::string s;
                                for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + ("`" + names[i] + "`");
                                return s;
                              }() + "].");
    }
    auto l = lb.resolveColumn(left->schema->fields()[*li].name);
    auto r = rb.resolveColumn(right->schema->fields()[*ri].name);
    auto common = expr::widerType(l->type, r->type);
    if (!common) {
      throw AnalysisError("DATATYPE_MISMATCH", "USING column `" + name + "` has incompatible types " +
                                                   l->type->sql() + " and " + r->type->sql() + ".");
    }
    p->leftKeys.push_back(expr::castIfNeeded(l, common));
    p->rightKeys.push_back(expr::castIfNeeded(r, common));
    leftOrdinals.push_back(static_cast<int>(*li));
    rightOrdinals.push_back(static_cast<int>(*ri));
  }
  if (type == JoinType::kLeftSemi || type == JoinType::kLeftAnti) return p;
  // Output: the using columns once, then the other left columns, then the other right columns.
  const int leftSize = static_cast<int>(left->schema->fields().size());
  Binder jb(p->schema);
  std::vector<ExprPtr> exprs;
  std::vector<std::string> names;
  for (size_t k = 0; k < columns.size(); ++k) {
    const auto& lf = p->schema->fields()[leftOrdinals[k]];
    const auto& rf = p->schema->fields()[leftSize + rightOrdinals[k]];
    auto l = expr::boundColumn(leftOrdinals[k], lf.type, lf.nullable, lf.name);
    auto r = expr::boundColumn(leftSize + rightOrdinals[k], rf.type, rf.nullable, rf.name);
    ExprPtr e = l;
    if (type == JoinType::kRightOuter) e = r;
    if (type == JoinType::kFullOuter) e = jb.bind(expr::call("coalesce", {l, r}));
    exprs.push_back(e);
    names.push_back(lf.name);
  }
  for (int i = 0; i < leftSize; ++i) {
    if (std::find(leftOrdinals.begin(), leftOrdinals.end(), i) != leftOrdinals.end()) continue;
    const auto& f = p->schema->fields()[i];
    exprs.push_back(expr::boundColumn(i, f.type, f.nullable, f.name));
    names.push_back(f.name);
  }
  for (int i = 0; i < static_cast<int>(right->schema->fields().size()); ++i) {
    if (std::find(rightOrdinals.begin(), rightOrdinals.end(), i) != rightOrdinals.end()) continue;
    const auto& f = p->schema->fields()[leftSize + i];
    exprs.push_back(expr::boundColumn(leftSize + i, f.type, f.nullable, f.name));
    names.push_back(f.name);
  }
  auto project = node(PlanKind::kProject, {p});
  project->exprs = exprs;
  project->schema = schemaOf(exprs, names);
  return project;
}

PlanPtr analyzeSort(const PlanPtr& child, const std::vector<ExprPtr>& orders) {
  auto p = node(PlanKind::kSort, {child});
  for (const auto& o : orders) {
    ExprPtr order = o->kind == ExprKind::kSortOrder ? o : expr::sortOrder(o, true, true);
    auto inner = bindAgainst(child, order->children[0]);
    p->sortOrders.push_back(expr::sortOrder(inner, order->ascending, order->nullsFirst));
  }
  p->schema = child->schema;
  return p;
}

PlanPtr analyzeLimit(const PlanPtr& child, int64_t n) {
  if (n < 0) {
    throw AnalysisError("INVALID_LIMIT_LIKE_EXPRESSION.IS_NEGATIVE",
                        "The limit expression must be equal to or greater than 0, but got " + std::to_string(n) + ".");
  }
  auto p = node(PlanKind::kLimit, {child});
  p->limit = n;
  p->schema = child->schema;
  return p;
}

PlanPtr analyzeUnion(const PlanPtr& left, const PlanPtr& right) {
  const auto& lf = left->schema->fields();
  const auto& rf = right->schema->fields();
  if (lf.size() != rf.size()) {
    throw AnalysisError("NUM_COLUMNS_MISMATCH",
                        "UNION can only be performed on inputs with the same number of columns, but the first input "
                        "has " + std::to_string(lf.size()) + " columns and the second input has " +
                            std::to_string(rf.size()) + " columns.");
  }
  std::vector<Field> fields;
  std::vector<ExprPtr> leftCasts, rightCasts;
  bool needCast = false;
  for (size_t i = 0; i < lf.size(); ++i) {
    auto common = expr::widerType(lf[i].type, rf[i].type);
    if (!common) {
      throw AnalysisError("INCOMPATIBLE_COLUMN_TYPE",
                          "UNION can only be performed on inputs with compatible column types. The column `" +
                              lf[i].name + "` has type " + lf[i].type->sql() + " in the first input and " +
                              rf[i].type->sql() + " in the second.");
    }
    fields.push_back({lf[i].name, common, lf[i].nullable || rf[i].nullable, "{}"});
    auto l = expr::boundColumn(static_cast<int>(i), lf[i].type, lf[i].nullable, lf[i].name);
    auto r = expr::boundColumn(static_cast<int>(i), rf[i].type, rf[i].nullable, rf[i].name);
    leftCasts.push_back(expr::castIfNeeded(l, common));
    rightCasts.push_back(expr::castIfNeeded(r, common));
    needCast |= !lf[i].type->equals(*common, true) || !rf[i].type->equals(*common, true);
  }
  auto schema = DataType::structOf(fields);
  auto wrap = [&](const PlanPtr& c, const std::vector<ExprPtr>& casts) -> PlanPtr {
    if (!needCast) return c;
    auto p = node(PlanKind::kProject, {c});
    p->exprs = casts;
    std::vector<Field> f2;
    for (size_t i = 0; i < casts.size(); ++i) f2.push_back({c->schema->fields()[i].name, casts[i]->type, true, "{}"});
    p->schema = DataType::structOf(f2);
    return p;
  };
  auto p = node(PlanKind::kUnion, {wrap(left, leftCasts), wrap(right, rightCasts)});
  p->schema = schema;
  return p;
}

PlanPtr analyzeUnionByName(const PlanPtr& left, const PlanPtr& right, bool allowMissing) {
  std::vector<ExprPtr> leftExprs, rightExprs;
  std::vector<std::string> leftNames, rightNames;
  Binder lb(left->schema), rb(right->schema);
  for (const auto& f : left->schema->fields()) {
    leftExprs.push_back(lb.resolveColumn(f.name));
    leftNames.push_back(f.name);
    auto ri = right->schema->fieldIndex(f.name);
    if (ri) {
      rightExprs.push_back(rb.resolveColumn(right->schema->fields()[*ri].name));
    } else if (allowMissing) {
      rightExprs.push_back(expr::literal(columnar::Value::null(), f.type));
    } else {
      throw AnalysisError("NUM_COLUMNS_MISMATCH",
                          "Cannot resolve column name \"" + f.name + "\" among the columns of the second input; set "
                          "allowMissingColumns=true to fill missing columns with nulls.");
    }
    rightNames.push_back(f.name);
  }
  for (const auto& f : right->schema->fields()) {
    if (left->schema->fieldIndex(f.name)) continue;
    if (!allowMissing) {
      throw AnalysisError("NUM_COLUMNS_MISMATCH", "Column \"" + f.name +
                                                      "\" of the second input is missing in the first; set "
                                                      "allowMissingColumns=true to fill it with nulls.");
    }
    leftExprs.push_back(expr::literal(columnar::Value::null(), f.type));
    leftNames.push_back(f.name);
    rightExprs.push_back(rb.resolveColumn(f.name));
    rightNames.push_back(f.name);
  }
  auto project = [&](const PlanPtr& c, std::vector<ExprPtr> exprs, const std::vector<std::string>& names) {
    auto p = node(PlanKind::kProject, {c});
    p->schema = schemaOf(exprs, names);
    p->exprs = std::move(exprs);
    return PlanPtr(p);
  };
  return analyzeUnion(project(left, leftExprs, leftNames), project(right, rightExprs, rightNames));
}

PlanPtr analyzeWatermark(const PlanPtr& child, const std::string& eventTime, const std::string& delay) {
  auto ts = bindAgainst(child, expr::column(eventTime));
  if (ts->kind != ExprKind::kBoundColumn) {
    throw AnalysisError("UNSUPPORTED_WATERMARK_COLUMN",
                        "withWatermark needs a top-level column of the DataFrame, but got " + eventTime +
                            ". Add it with withColumn() first.");
  }
  const auto id = ts->type->id();
  if (id != TypeId::kTimestamp && id != TypeId::kTimestampNtz &&
      !(id == TypeId::kStruct && ts->type->fields().size() == 2 &&
        ts->type->fields()[1].type->id() == TypeId::kTimestamp)) {
    throw AnalysisError("EVENT_TIME_IS_NOT_ON_TIMESTAMP_TYPE",
                        "Event time must be defined on a window or a timestamp, but " + eventTime + " is of type " +
                            ts->type->sql() + ".");
  }
  int64_t micros = base::parseDurationMicros(delay, "delayThreshold");
  if (micros < 0) {
    throw AnalysisError("CANNOT_PARSE_INTERVAL", "The watermark delay \"" + delay + "\" must not be negative.");
  }
  auto p = node(PlanKind::kEventTimeWatermark, {child});
  p->exprs = {ts};
  p->watermarkDelayMs = micros / 1000;
  auto fields = child->schema->fields();
  for (auto& f : fields) {
    if (plan::hasWatermark(f)) f.metadata = "{}";  // the newest withWatermark wins, as in Spark
  }
  fields[static_cast<size_t>(ts->ordinal)].metadata =
      std::string("{\"") + plan::kWatermarkDelayKey + "\":" + std::to_string(p->watermarkDelayMs) + "}";
  p->schema = DataType::structOf(fields);
  return p;
}

PlanPtr analyzeDeduplicate(const PlanPtr& child, const std::vector<std::string>& columns, bool withinWatermark) {
  auto p = node(PlanKind::kDeduplicate, {child});
  p->schema = child->schema;
  p->withinWatermark = withinWatermark;
  if (columns.empty()) {
    for (size_t i = 0; i < child->schema->fields().size(); ++i) p->keyOrdinals.push_back(static_cast<int>(i));
  }
  for (const auto& c : columns) {
    auto idx = child->schema->fieldIndex(c);
    if (!idx) {
      std::vector<std::string> names;
      for (const auto& f : child->schema->fields()) names.push_back(f.name);
      expr::throwUnresolvedColumn(c, names);
    }
    p->keyOrdinals.push_back(static_cast<int>(*idx));
  }
  return p;
}

}  // namespace weir::api
