#include "weir/base/clock.h"
#include "weir/api/streaming_query.h"

#include <algorithm>
#include <chrono>
#include <iostream>

#include "weir/base/error.h"

namespace weir {

void StreamingQuery::explain(bool extended) const { std::cout << explainString(extended); }

// Forwards a query's events to the session's listeners and tells the manager when it ends.
class StreamingQueryManager::Events : public runtime::QueryEvents {
 public:
  explicit Events(std::weak_ptr<StreamingQueryManager> manager) : manager_(std::move(manager)) {}

  void onStarted(const runtime::StreamExecution& q) override {
    auto m = manager_.lock();
    if (!m) return;
    QueryStartedEvent e{q.id(), q.runId(), q.name(), runtime::formatProgressTimestamp(nowMs())};
    for (const auto& l : m->listeners()) l->onQueryStarted(e);
  }
  void onProgress(const runtime::StreamExecution&, const StreamingQueryProgress& p) override {
    auto m = manager_.lock();
    if (!m) return;
    QueryProgressEvent e{p};
    for (const auto& l : m->listeners()) l->onQueryProgress(e);
  }
  void onIdle(const runtime::StreamExecution& q, int64_t timestampMs) override {
    auto m = manager_.lock();
    if (!m) return;
    QueryIdleEvent e{q.id(), q.runId(), runtime::formatProgressTimestamp(timestampMs)};
    for (const auto& l : m->listeners()) l->onQueryIdle(e);
  }
  void onTerminated(const runtime::StreamExecution& q, const std::string& error,
                    const std::string& errorClass) override {
    auto m = manager_.lock();
    if (!m) return;
    m->terminated(q);
    QueryTerminatedEvent e{q.id(), q.runId(), std::nullopt, std::nullopt};
    if (!error.empty()) {
      e.exception = error;
      e.errorClassOnException = errorClass;
    }
    for (const auto& l : m->listeners()) l->onQueryTerminated(e);
  }

 private:
  static int64_t nowMs() { return base::systemClock()->nowMs(); }
  std::weak_ptr<StreamingQueryManager> manager_;
};

std::vector<StreamingQuery> StreamingQueryManager::active() const {
  std::lock_guard lock(mutex_);
  std::vector<StreamingQuery> out;
  for (const auto& q : active_) out.emplace_back(q);
  return out;
}

std::optional<StreamingQuery> StreamingQueryManager::get(const std::string& id) const {
  std::lock_guard lock(mutex_);
  for (const auto& q : active_) {
    if (q->id() == id) return StreamingQuery(q);
  }
  return std::nullopt;
}

void StreamingQueryManager::awaitAnyTermination() const {
  std::shared_ptr<runtime::StreamExecution> done;
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return lastTerminated_ != nullptr; });
    done = lastTerminated_;
  }
  done->awaitTermination();
}

bool StreamingQueryManager::awaitAnyTermination(int64_t timeoutMs) const {
  std::shared_ptr<runtime::StreamExecution> done;
  {
    std::unique_lock lock(mutex_);
    if (!changed_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return lastTerminated_ != nullptr; })) {
      return false;
    }
    done = lastTerminated_;
  }
  done->awaitTermination();
  return true;
}

void StreamingQueryManager::resetTerminated() {
  std::lock_guard lock(mutex_);
  lastTerminated_.reset();
}

void StreamingQueryManager::addListener(std::shared_ptr<StreamingQueryListener> listener) {
  std::lock_guard lock(mutex_);
  listeners_.push_back(std::move(listener));
}

void StreamingQueryManager::removeListener(const std::shared_ptr<StreamingQueryListener>& listener) {
  std::lock_guard lock(mutex_);
  listeners_.erase(std::remove(listeners_.begin(), listeners_.end(), listener), listeners_.end());
}

std::vector<std::shared_ptr<StreamingQueryListener>> StreamingQueryManager::listeners() const {
  std::lock_guard lock(mutex_);
  return listeners_;
}

void StreamingQueryManager::terminated(const runtime::StreamExecution& query) {
  {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(active_.begin(), active_.end(), [&](const auto& q) { return q.get() == &query; });
    if (it != active_.end()) {
      lastTerminated_ = *it;
      active_.erase(it);
    }
  }
  changed_.notify_all();
}

StreamingQuery StreamingQueryManager::startQuery(runtime::StreamQueryConfig config, bool stopActiveRun) {
  std::shared_ptr<runtime::StreamExecution> sameCheckpoint;
  {
    std::lock_guard lock(mutex_);
    for (const auto& q : active_) {
      if (!config.name.empty() && q->name() == config.name) {
        throw InvalidInputError("DUPLICATE_QUERY_NAME",
                                "Cannot start query with name " + config.name +
                                    " as a query with that name is already active in this session. Stop it "
                                    "first, or choose another queryName.");
      }
      if (q->checkpointLocation() == config.checkpointLocation) sameCheckpoint = q;
    }
  }
  if (sameCheckpoint) {
    // The same checkpoint means the same query id: Spark stops the active run first
    // (spark.sql.streaming.stopActiveRunOnRestart, default true).
    if (!stopActiveRun) {
      throw InvalidInputError("CONCURRENT_QUERY",
                              "Cannot start query with id " + sameCheckpoint->id() +
                                  " as another query with the same id is already active. Stop it first, or set "
                                  "spark.sql.streaming.stopActiveRunOnRestart to true.");
    }
    sameCheckpoint->stop();
  }
  config.events = std::make_shared<Events>(weak_from_this());
  auto execution = std::make_shared<runtime::StreamExecution>(std::move(config));
  {
    std::lock_guard lock(mutex_);
    active_.push_back(execution);
  }
  try {
    execution->start();
  } catch (...) {
    std::lock_guard lock(mutex_);
    active_.erase(std::remove(active_.begin(), active_.end(), execution), active_.end());
    throw;
  }
  return StreamingQuery(execution);
}

}  // namespace weir
