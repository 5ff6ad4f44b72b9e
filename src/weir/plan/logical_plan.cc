// Plan utilities: options, join type names, explain output.
#include "weir/plan/logical_plan.h"

#include <cctype>

#include "weir/base/error.h"
#include "weir/base/text.h"

namespace weir::plan {
namespace {

std::string joinDisplays(const std::vector<expr::ExprPtr>& exprs) {
  std::string out;
  for (size_t i = 0; i < exprs.size(); ++i) {
    if (i) out += ", ";
    out += exprs[i]->display;
  }
  return out;
}

std::string aggregateNames(const LogicalPlan& p) {
  std::string aggs;
  for (size_t i = 0; i < p.aggregates.size(); ++i) {
    if (i) aggs += ", ";
    aggs += p.aggregates[i].outputName;
  }
  return aggs;
}

void appendTree(const LogicalPlan& p, int depth, std::string& out) {
  std::string line(depth * 3, ' ');
  if (depth > 0) line.replace(line.size() - 3, 3, "+- ");
  switch (p.kind) {
    case PlanKind::kScan: line += "Scan " + p.source->describe(); break;
    case PlanKind::kLocalRelation: line += "LocalRelation " + p.schema->simpleString(); break;
    case PlanKind::kStreamingRelation: line += "StreamingRelation " + p.stream->describe(); break;
    case PlanKind::kProject: line += "Project [" + joinDisplays(p.exprs) + "]"; break;
    case PlanKind::kFilter: line += "Filter " + p.condition->display; break;
    case PlanKind::kAggregate:
      line += "Aggregate [" + joinDisplays(p.groupingExprs) + "], [" + aggregateNames(p) + "]";
      break;
    case PlanKind::kWindowAggregate:
      line += "WindowAggregate window(" + p.exprs[0]->display + ", " + std::to_string(p.windowDuration) + " us, " +
              std::to_string(p.slideDuration) + " us, " + std::to_string(p.startTime) + " us) by panes, [" +
              joinDisplays(p.groupingExprs) + "], [" + aggregateNames(p) + "]";
      break;
    case PlanKind::kJoin:
      line += "Join " + joinTypeName(p.joinType);
      if (!p.leftKeys.empty()) line += ", [" + joinDisplays(p.leftKeys) + "] = [" + joinDisplays(p.rightKeys) + "]";
      if (p.condition) line += ", " + p.condition->display;
      break;
    case PlanKind::kSort: line += "Sort [" + joinDisplays(p.sortOrders) + "]"; break;
    case PlanKind::kLimit: line += "Limit " + std::to_string(p.limit); break;
    case PlanKind::kUnion: line += "Union"; break;
    case PlanKind::kDeduplicate: line += "Deduplicate"; break;
    case PlanKind::kGenerate: line += std::string(p.outer ? "Generate outer " : "Generate ") + p.exprs[0]->display; break;
    case PlanKind::kTimeWindow: line += "TimeWindow " + p.exprs[0]->display; break;
    case PlanKind::kSessionWindow: line += "SessionWindow " + p.exprs[0]->display; break;
    case PlanKind::kEventTimeWatermark:
      line += "EventTimeWatermark " + p.exprs[0]->display + ", " + std::to_string(p.watermarkDelayMs) + " ms";
      break;
  }
  out += line + "\n";
  for (const auto& c : p.children) appendTree(*c, depth + 1, out);
}

}  // namespace

void Options::set(const std::string& key, const std::string& value) { values_[base::asciiLower(key)] = value; }

bool Options::has(const std::string& key) const { return values_.count(base::asciiLower(key)) > 0; }

std::string Options::get(const std::string& key, const std::string& fallback) const {
  auto it = values_.find(base::asciiLower(key));
  return it == values_.end() ? fallback : it->second;
}

bool Options::getBool(const std::string& key, bool fallback) const {
  auto it = values_.find(base::asciiLower(key));
  if (it == values_.end()) return fallback;
  std::string v = base::asciiLower(it->second);
  if (v == "true") return true;
  if (v == "false") return false;
  throw InvalidInputError("INVALID_OPTION", "Option '" + key + "' must be true or false, got '" + it->second + "'.");
}

int64_t Options::getInt(const std::string& key, int64_t fallback) const {
  auto it = values_.find(base::asciiLower(key));
  if (it == values_.end()) return fallback;
  try {
    size_t used = 0;
    int64_t v = std::stoll(it->second, &used);
    if (used == it->second.size()) return v;
  } catch (const std::exception&) {
  }
  throw InvalidInputError("INVALID_OPTION", "Option '" + key + "' must be an integer, got '" + it->second + "'.");
}

char Options::getChar(const std::string& key, char fallback) const {
  auto it = values_.find(base::asciiLower(key));
  if (it == values_.end()) return fallback;
  const std::string& v = it->second;
  if (v.size() == 1) return v[0];
  if (v == "\\t") return '\t';
  if (v.empty()) return '\0';
  throw InvalidInputError("INVALID_OPTION",
                          "Option '" + key + "' must be a single character, got '" + v + "'.");
}

JoinType parseJoinType(const std::string& name) {
  std::string n;
  for (char c : base::asciiLower(name)) {
    if (c != '_') n += c;
  }
  if (n == "inner") return JoinType::kInner;
  if (n == "left" || n == "leftouter") return JoinType::kLeftOuter;
  if (n == "right" || n == "rightouter") return JoinType::kRightOuter;
  if (n == "full" || n == "outer" || n == "fullouter") return JoinType::kFullOuter;
  if (n == "leftsemi" || n == "semi") return JoinType::kLeftSemi;
  if (n == "leftanti" || n == "anti") return JoinType::kLeftAnti;
  if (n == "cross") return JoinType::kCross;
  throw InvalidInputError("UNSUPPORTED_JOIN_TYPE",
                          "Unsupported join type '" + name +
                              "'. Supported join types include: 'inner', 'outer', 'full', 'fullouter', "
                              "'full_outer', 'left', 'leftouter', 'left_outer', 'right', 'rightouter', "
                              "'right_outer', 'leftsemi', 'left_semi', 'semi', 'leftanti', 'left_anti', "
                              "'anti', 'cross'.");
}

std::string joinTypeName(JoinType type) {
  switch (type) {
    case JoinType::kInner: return "Inner";
    case JoinType::kLeftOuter: return "LeftOuter";
    case JoinType::kRightOuter: return "RightOuter";
    case JoinType::kFullOuter: return "FullOuter";
    case JoinType::kLeftSemi: return "LeftSemi";
    case JoinType::kLeftAnti: return "LeftAnti";
    case JoinType::kCross: return "Cross";
  }
  return "?";
}

std::string LogicalPlan::treeString() const {
  std::string out;
  appendTree(*this, 0, out);
  return out;
}

bool hasWatermark(const types::Field& field) {
  return field.metadata.find(std::string("\"") + kWatermarkDelayKey + "\"") != std::string::npos;
}

bool LogicalPlan::isStreaming() const {
  if (kind == PlanKind::kStreamingRelation) return true;
  for (const auto& c : children) {
    if (c->isStreaming()) return true;
  }
  return false;
}

}  // namespace weir::plan
