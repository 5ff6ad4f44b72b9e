// Session, its builder and configuration.
#include "weir/base/memory.h"
#include "weir/api/session.h"

#include "weir/api/data_stream_reader.h"
#include "weir/api/functions.h"
#include "weir/api/stream_sinks.h"
#include "weir/api/streaming_query.h"
#include "weir/base/thread_pool.h"
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
    state->streams = std::make_shared<StreamingQueryManager>();
  }
  for (const auto& [k, v] : config_) state->conf.set(k, v);
  if (state->conf.get("weir.memory.retainFreed", "true") != "false") base::retainFreedMemory();
  return Session(state);
}

Session Session::active() { return builder().getOrCreate(); }

DataFrameReader Session::read() const { return DataFrameReader(state_); }

DataStreamReader Session::readStream() const { return DataStreamReader(state_); }

StreamingQueryManager& Session::streams() const { return *state_->streams; }

DataFrame Session::table(const std::string& name) const {
  std::shared_ptr<MemoryTable> table;
  {
    std::lock_guard lock(state_->tablesMutex);
    auto it = state_->memoryTables.find(name);
    if (it != state_->memoryTables.end()) table = it->second;
  }
  if (!table) {
    std::string known;
    {
      std::lock_guard lock(state_->tablesMutex);
      for (const auto& [k, v] : state_->memoryTables) known += (known.empty() ? "`" : ", `") + k + "`";
    }
    throw AnalysisError("TABLE_OR_VIEW_NOT_FOUND",
                        "The table or view `" + name + "` cannot be found." +
                            (known.empty() ? std::string(" No memory sink has written a table in this session.")
                                           : " Tables of memory sinks in this session: " + known + "."));
  }
  auto p = std::make_shared<plan::LogicalPlan>();
  p->kind = plan::PlanKind::kLocalRelation;
  p->schema = table->schema();
  p->data = table->snapshot();
  return DataFrame(state_, p);
}

void Session::registerMemoryTable(const std::string& name, std::shared_ptr<MemoryTable> table) const {
  std::lock_guard lock(state_->tablesMutex);
  state_->memoryTables[name] = std::move(table);
}

size_t Session::defaultShufflePartitions() const {
  std::string v = state_->conf.get("spark.sql.shuffle.partitions");
  if (!v.empty()) {
    try {
      long long n = std::stoll(v);
      if (n > 0) return static_cast<size_t>(n);
    } catch (const std::exception&) {
    }
  }
  return base::ThreadPool::global().size();
}

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
