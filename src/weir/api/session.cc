// Session, its builder and configuration.
#include "weir/base/memory.h"
#include "weir/api/session.h"

#include "weir/api/functions.h"
#include "weir/base/error.h"
#include "weir/columnar/column_batch.h"

namespace weir {

namespace {

std::mutex& activeMutex() {
  static std::mutex m;
  return m;
}

std::shared_ptr<SessionState>& activeState() {
  static std::shared_ptr<SessionState> state;
  return state;
}

}  // namespace

void RuntimeConfig::set(const std::string& key, const std::string& value) {
  std::lock_guard lock(mutex_);
  values_[key] = value;
}

std::string RuntimeConfig::get(const std::string& key, const std::string& fallback) const {
  std::lock_guard lock(mutex_);
  auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

bool RuntimeConfig::contains(const std::string& key) const {
  std::lock_guard lock(mutex_);
  return values_.count(key) > 0;
}

void RuntimeConfig::unset(const std::string& key) {
  std::lock_guard lock(mutex_);
  values_.erase(key);
}

std::map<std::string, std::string> RuntimeConfig::getAll() const {
  std::lock_guard lock(mutex_);
  return values_;
}

Session::Builder Session::builder() { return Builder(); }

Session::Builder& Session::Builder::appName(const std::string& name) {
  appName_ = name;
  return *this;
}

Session::Builder& Session::Builder::master(const std::string& master) { return config("spark.master", master); }

Session::Builder& Session::Builder::config(const std::string& key, const std::string& value) {
  config_[key] = value;
  return *this;
}

Session Session::Builder::getOrCreate() {
  std::lock_guard lock(activeMutex());
  auto& state = activeState();
  if (!state) {
    state = std::make_shared<SessionState>();
    state->appName = appName_;
  }
  for (const auto& [k, v] : config_) state->conf.set(k, v);
  if (state->conf.get("weir.memory.retainFreed", "true") != "false") base::retainFreedMemory();
  return Session(state);
}

Session Session::active() { return builder().getOrCreate(); }

DataFrameReader Session::read() const { return DataFrameReader(state_); }

DataFrame Session::createDataFrame(const std::vector<Row>& rows, const StructType& schema) const {
  auto p = std::make_shared<plan::LogicalPlan>();
  p->kind = plan::PlanKind::kLocalRelation;
  p->schema = schema.type();
  p->data.push_back(columnar::ColumnBatch::fromRows(schema.type(), rows));
  return DataFrame(state_, p);
}

DataFrame Session::range(int64_t end) const { return range(0, end, 1); }

DataFrame Session::range(int64_t start, int64_t end, int64_t step) const {
  if (step == 0) throw InvalidInputError("INVALID_PARAMETER_VALUE", "The step of range() must not be 0.");
  auto schema = StructType::fromDDL("id BIGINT NOT NULL");
  auto v = columnar::Vector::make(types::DataType::longType());
  for (int64_t i = start; step > 0 ? i < end : i > end; i += step) v->append<int64_t>(i);
  auto p = std::make_shared<plan::LogicalPlan>();
  p->kind = plan::PlanKind::kLocalRelation;
  p->schema = schema.type();
  p->data.push_back(columnar::ColumnBatch(schema.type(), {v}, v->size()));
  return DataFrame(state_, p);
}

DataFrame Session::emptyDataFrame() const { return createDataFrame({}, StructType()); }

const std::string& Session::version() const {
  static const std::string kVersion = "0.1.0";
  return kVersion;
}

}  // namespace weir
