// Streaming queries as users see them (Spark's StreamingQuery, StreamingQueryManager and
// StreamingQueryListener), over the runtime's StreamExecution.
#pragma once

#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <condition_variable>
#include <string>
#include <vector>

#include "weir/runtime/progress.h"
#include "weir/runtime/stream_execution.h"
#include "weir/runtime/trigger.h"

namespace weir {

using runtime::StateOperatorProgress;
using runtime::StreamingQueryProgress;
using runtime::StreamingQueryStatus;
using runtime::Trigger;
/// What awaitTermination() and processAllAvailable() throw when the query failed (class
/// STREAM_FAILED; causeErrorClass() names the original error).
using StreamingQueryException = runtime::StreamingQueryError;

/// A handle to a started streaming query. Cheap to copy; thread-safe.
class StreamingQuery {
 public:
  explicit StreamingQuery(std::shared_ptr<runtime::StreamExecution> execution) : execution_(std::move(execution)) {}

  /// Stable across restarts from the same checkpoint.
  const std::string& id() const { return execution_->id(); }
  /// New for every start.
  const std::string& runId() const { return execution_->runId(); }
  const std::string& name() const { return execution_->name(); }
  bool isActive() const { return execution_->isActive(); }
  StreamingQueryStatus status() const { return execution_->status(); }
  std::optional<StreamingQueryProgress> lastProgress() const { return execution_->lastProgress(); }
  std::vector<StreamingQueryProgress> recentProgress() const { return execution_->recentProgress(); }
  /// The failure that stopped the query, or nullptr.
  std::exception_ptr exception() const { return execution_->exception(); }
  /// Waits until the query stops; throws StreamingQueryException if it failed.
  void awaitTermination() const { execution_->awaitTermination(); }
  /// Waits at most timeoutMs; returns whether the query has stopped.
  bool awaitTermination(int64_t timeoutMs) const { return execution_->awaitTermination(timeoutMs); }
  /// Blocks until all data available now has been processed and committed (for tests).
  void processAllAvailable() const { execution_->processAllAvailable(); }
  void stop() const { execution_->stop(); }
  void explain(bool extended = false) const;
  std::string explainString(bool extended = false) const { return execution_->explain(); }

  const std::shared_ptr<runtime::StreamExecution>& execution() const { return execution_; }

 private:
  std::shared_ptr<runtime::StreamExecution> execution_;
};

struct QueryStartedEvent {
  std::string id, runId, name, timestamp;
};
struct QueryProgressEvent {
  StreamingQueryProgress progress;
};
struct QueryIdleEvent {
  std::string id, runId, timestamp;
};
struct QueryTerminatedEvent {
  std::string id, runId;
  std::optional<std::string> exception;
  std::optional<std::string> errorClassOnException;
};

/// Receives the events of every query of a session. Called on the query's own thread (onQueryStarted
/// before start() returns); keep handlers short and thread-safe.
class StreamingQueryListener {
 public:
  virtual ~StreamingQueryListener() = default;
  virtual void onQueryStarted(const QueryStartedEvent& event) = 0;
  virtual void onQueryProgress(const QueryProgressEvent& event) = 0;
  virtual void onQueryIdle(const QueryIdleEvent& event) {}
  virtual void onQueryTerminated(const QueryTerminatedEvent& event) = 0;
};

/// The streaming queries of a session (Spark's spark.streams). Thread-safe.
class StreamingQueryManager : public std::enable_shared_from_this<StreamingQueryManager> {
 public:
  /// Queries that are running.
  std::vector<StreamingQuery> active() const;
  /// The active query with this id, or nullopt.
  std::optional<StreamingQuery> get(const std::string& id) const;
  /// Waits until any query of the session stops (or has stopped since the last resetTerminated());
  /// rethrows its failure.
  void awaitAnyTermination() const;
  bool awaitAnyTermination(int64_t timeoutMs) const;
  /// Forgets queries that stopped, so awaitAnyTermination() waits for a new one.
  void resetTerminated();
  void addListener(std::shared_ptr<StreamingQueryListener> listener);
  void removeListener(const std::shared_ptr<StreamingQueryListener>& listener);

  // ----- used by DataStreamWriter::start()
  /// Checks that no active query has this name or id (stopping an active run of the same id when
  /// `stopActiveRun`), then registers and starts the query.
  StreamingQuery startQuery(runtime::StreamQueryConfig config, bool stopActiveRun);

 private:
  class Events;
  void terminated(const runtime::StreamExecution& query);
  std::vector<std::shared_ptr<StreamingQueryListener>> listeners() const;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<std::shared_ptr<runtime::StreamExecution>> active_;
  std::shared_ptr<runtime::StreamExecution> lastTerminated_;
  std::vector<std::shared_ptr<StreamingQueryListener>> listeners_;
};

}  // namespace weir
