// StreamExecution: one run of a streaming query, the micro-batch loop of Spark's
// MicroBatchExecution. It owns the query's thread, its sources and sink, and the checkpoint: offsets
// are logged before a batch runs, the commit after the sink took it, and a restart re-runs an
// uncommitted batch with exactly its logged offsets, watermark and timestamp.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "weir/base/clock.h"
#include "weir/base/error.h"
#include "weir/connector/sink.h"
#include "weir/connector/source.h"
#include "weir/exec/operator_cache.h"
#include "weir/io/file_system.h"
#include "weir/plan/logical_plan.h"
#include "weir/runtime/incremental_plan.h"
#include "weir/runtime/progress.h"
#include "weir/runtime/trigger.h"

namespace weir::runtime {

class StreamExecution;

/// Receives a query's lifecycle events (the session's listener bus). Called on the query's thread,
/// except onStarted, which is called by start() before it returns.
class QueryEvents {
 public:
  virtual ~QueryEvents() = default;
  virtual void onStarted(const StreamExecution& query) = 0;
  virtual void onProgress(const StreamExecution& query, const StreamingQueryProgress& progress) = 0;
  virtual void onIdle(const StreamExecution& query, int64_t timestampMs) = 0;
  /// `error` is empty when the query stopped normally.
  virtual void onTerminated(const StreamExecution& query, const std::string& error,
                            const std::string& errorClass) = 0;
};

/// What a query runs: made by DataStreamWriter::start().
struct StreamQueryConfig {
  std::string name;                      // empty when not named
  std::string checkpointLocation;        // resolved by the caller
  bool temporaryCheckpoint = false;      // delete it when the query stops without failure
  plan::PlanPtr plan;                    // analyzed; streaming leaves are connector::SourceProviders
  std::string outputMode = "append";
  Trigger trigger = Trigger::ProcessingTime(0);
  std::shared_ptr<connector::Sink> sink;
  std::map<std::string, std::string> conf;  // the session's configuration at start
  std::shared_ptr<io::FileSystem> fileSystem;
  std::shared_ptr<QueryEvents> events;
  std::shared_ptr<base::Clock> clock;  // triggers and batch timestamps; the system clock when null
};

/// A running (or finished) query. Thread-safe: the accessors may be called from any thread.
class StreamExecution : public std::enable_shared_from_this<StreamExecution> {
 public:
  explicit StreamExecution(StreamQueryConfig config);
  ~StreamExecution();

  /// Opens the checkpoint (reading or creating its id), checks that no other query uses it, and
  /// starts the query's thread. Throws when the checkpoint cannot be used.
  void start();

  const std::string& id() const { return id_; }
  const std::string& runId() const { return runId_; }
  const std::string& name() const { return config_.name; }
  const std::string& checkpointLocation() const { return config_.checkpointLocation; }
  bool isActive() const;
  StreamingQueryStatus status() const;
  std::optional<StreamingQueryProgress> lastProgress() const;
  std::vector<StreamingQueryProgress> recentProgress() const;
  /// The failure that ended the query, or nullptr.
  std::exception_ptr exception() const;
  /// Waits until the query ends; rethrows its failure (wrapped as STREAM_FAILED).
  void awaitTermination();
  /// Waits at most timeoutMs; true when the query has ended. Rethrows its failure.
  bool awaitTermination(int64_t timeoutMs);
  /// Blocks until everything available in the sources when called has been processed and
  /// committed (or the query ends; its failure is rethrown). For tests.
  void processAllAvailable();
  /// Stops the query and waits for its thread.
  void stop();
  std::string explain() const;
  /// The last batch id committed, -1 if none.
  int64_t lastCommittedBatchId() const;

 private:
  struct SourceState;

  void run();
  void runLoop();
  void recover();
  bool constructBatch(int64_t triggerStartMs, bool availableNowSnapshot);
  void runBatch(int64_t triggerStartMs);
  void reportIdle(int64_t triggerStartMs);
  void setStatus(const std::string& message, bool dataAvailable, bool triggerActive);
  bool waitUntil(int64_t timeMs);
  std::map<std::string, std::string> pinnedConf() const;
  void rethrowFailure() const;

  StreamQueryConfig config_;
  std::string id_;
  std::string runId_;
  std::unique_ptr<io::FileLock> lock_;
  std::vector<std::unique_ptr<SourceState>> sources_;
  std::vector<const plan::LogicalPlan*> leaves_;
  IncrementalPlan incremental_;
  std::vector<const plan::LogicalPlan*> watermarkNodes_;
  std::vector<int64_t> nodeWatermarksMs_;  // per watermark node; 0 until it sees data
  bool usesWatermarkInState_ = false;      // a stateful operator evicts by event time
  std::vector<std::unique_ptr<class StatefulAggregation>> aggregations_;
  std::vector<std::unique_ptr<class StatefulDeduplication>> deduplications_;
  std::vector<std::unique_ptr<class StatefulGlobalLimit>> limits_;
  // What the operators keep from batch to batch of this run (the executor's cache).
  std::shared_ptr<exec::OperatorCache> operatorCache_ = std::make_shared<exec::OperatorCache>();

  // Batch state (query thread only).
  int64_t currentBatchId_ = 0;
  bool batchPending_ = false;   // offsets of currentBatchId_ are logged but not yet committed
  int64_t batchWatermarkMs_ = 0;       // W(N) of the batch being built or run
  int64_t prevBatchWatermarkMs_ = 0;   // W(N-1): the late-row threshold
  int64_t batchTimestampMs_ = 0;
  int64_t latestOffsetMs_ = 0, walCommitMs_ = 0;  // of the batch constructBatch() logged
  int64_t lastTriggerStartMs_ = -1;
  int64_t lastIdleProgressMs_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::thread thread_;
  bool started_ = false;
  bool stopRequested_ = false;
  // Set by stop() for sources blocked in long waits (SourceContext::interrupted).
  std::shared_ptr<std::atomic<bool>> interrupted_ = std::make_shared<std::atomic<bool>>(false);
  bool terminated_ = false;
  std::exception_ptr failure_;
  StreamingQueryStatus status_;
  std::deque<StreamingQueryProgress> progress_;
  int64_t committedBatchId_ = -1;
  uint64_t idleChecks_ = 0;        // triggers that found no new data
  uint64_t batchesRun_ = 0;
};

/// The error a failed query reports: class STREAM_FAILED, with the query's identity and cause.
class StreamingQueryError : public Error {
 public:
  StreamingQueryError(const std::string& message, std::string causeClass)
      : Error("STREAM_FAILED", message), causeClass_(std::move(causeClass)) {}
  /// The error class of the failure that stopped the query.
  const std::string& causeErrorClass() const { return causeClass_; }

 private:
  std::string causeClass_;
};

}  // namespace weir::runtime
