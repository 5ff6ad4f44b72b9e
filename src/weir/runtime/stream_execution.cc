// The micro-batch loop: section 1 of the structured-streaming spec, step by step.
#include "weir/runtime/stream_execution.h"

#include <algorithm>
#include <mutex>
#include <chrono>
#include <functional>

#include "weir/base/crash_point.h"
#include "weir/base/error.h"
#include "weir/exec/executor.h"
#include "weir/runtime/checkpoint/commit_log.h"
#include "weir/runtime/checkpoint/offset_log.h"
#include "weir/runtime/checkpoint/stream_metadata.h"
#include "weir/runtime/stateful_aggregation.h"
#include "weir/runtime/stateful_deduplication.h"
#include "weir/runtime/stateful_limit.h"

namespace weir::runtime {

namespace {

// Configuration keys whose values are fixed at the first batch and written to every offsets file.
const std::vector<std::pair<std::string, std::string>>& pinnedKeys() {
  static const std::vector<std::pair<std::string, std::string>> keys = {
      {"spark.sql.shuffle.partitions", ""},
      {"spark.sql.streaming.multipleWatermarkPolicy", "min"},
      {"spark.sql.streaming.aggregation.stateFormatVersion", "2"},
      {"spark.sql.streaming.stateStore.providerClass", "weir.state.FileStateStoreProvider"},
      {"spark.sql.streaming.stateStore.compression.codec", "none"},
  };
  return keys;
}

void collectLeaves(const plan::LogicalPlan& p, std::vector<const plan::LogicalPlan*>& out) {
  if (p.kind == plan::PlanKind::kStreamingRelation) out.push_back(&p);
  for (const auto& c : p.children) collectLeaves(*c, out);
}

void collectWatermarks(const plan::LogicalPlan& p, std::vector<const plan::LogicalPlan*>& out) {
  if (p.kind == plan::PlanKind::kEventTimeWatermark && p.isStreaming()) out.push_back(&p);
  for (const auto& c : p.children) collectWatermarks(*c, out);
}

// Event-time statistics of the rows passing one watermark node in one batch (milliseconds).
struct EventTimeStats {
  int64_t max = INT64_MIN, min = INT64_MAX, count = 0;
  double sum = 0;
  void add(int64_t ms) {
    max = std::max(max, ms);
    min = std::min(min, ms);
    sum += static_cast<double>(ms);
    ++count;
  }
  void merge(const EventTimeStats& o) {
    max = std::max(max, o.max);
    min = std::min(min, o.min);
    sum += o.sum;
    count += o.count;
  }
};

int64_t floorMs(int64_t micros) { return micros >= 0 ? micros / 1000 : -((-micros + 999) / 1000); }

}  // namespace

struct StreamExecution::SourceState {
  std::unique_ptr<connector::Source> source;
  std::string description;
  std::optional<connector::Offset> committed;  // end of the last batch that ran (start of the next)
  std::optional<connector::Offset> end;        // end of the batch being constructed or run
  std::optional<connector::Offset> availableNowLimit;
  int64_t lastRows = 0;
};

StreamExecution::StreamExecution(StreamQueryConfig config) : config_(std::move(config)) {
  WEIR_CHECK(config_.plan && config_.sink && config_.fileSystem);
  if (!config_.clock) config_.clock = base::systemClock();
  status_.message = "Initializing sources";
}

StreamExecution::~StreamExecution() {
  {
    std::lock_guard lock(mutex_);
    stopRequested_ = true;
  }
  changed_.notify_all();
  if (!thread_.joinable()) return;
  // The query's own thread holds a reference until it ends: when that is the last one, the
  // destructor runs on that thread, which cannot join itself (and is finishing anyway).
  if (thread_.get_id() == std::this_thread::get_id()) {
    thread_.detach();
  } else {
    thread_.join();
  }
}

void StreamExecution::start() {
  // The plan each batch runs: aggregations compute mergeable partials that state completes.
  incremental_ = makeIncrementalPlan(config_.plan, config_.outputMode);
  collectLeaves(*incremental_.plan, leaves_);
  collectWatermarks(*incremental_.plan, watermarkNodes_);
  nodeWatermarksMs_.assign(watermarkNodes_.size(), 0);
  for (const auto& op : incremental_.operators) {
    usesWatermarkInState_ |= (op.eventTimeKey >= 0 && config_.outputMode != "complete") || op.eventTimeColumn >= 0;
  }
  for (const auto& op : incremental_.operators) {
    if (op.isGlobalLimit()) {
      limits_.push_back(std::make_unique<StatefulGlobalLimit>(config_.fileSystem, config_.checkpointLocation, op));
    } else if (op.isDeduplication()) {
      deduplications_.push_back(
          std::make_unique<StatefulDeduplication>(config_.fileSystem, config_.checkpointLocation, op));
    } else {
      aggregations_.push_back(
          std::make_unique<StatefulAggregation>(config_.fileSystem, config_.checkpointLocation, op));
    }
  }
  auto& fs = *config_.fileSystem;
  fs.createDirectories(config_.checkpointLocation);
  lock_ = fs.tryLock(io::joinPath(config_.checkpointLocation, ".weir-lock"));
  if (!lock_) {
    throw UnsupportedOperationError(
        "CONCURRENT_QUERY",
        "Another streaming query is running with the checkpoint " + config_.checkpointLocation +
            ". Two queries must not share a checkpoint: stop the other query, or give this one its own "
            "checkpointLocation.");
  }
  id_ = StreamMetadata::readOrCreate(fs, config_.checkpointLocation);
  runId_ = randomUuid();
  for (size_t i = 0; i < leaves_.size(); ++i) {
    auto provider = std::dynamic_pointer_cast<const connector::SourceProvider>(leaves_[i]->stream);
    WEIR_CHECK(provider != nullptr);
    connector::SourceContext context{config_.fileSystem,
                                     io::joinPath(io::joinPath(config_.checkpointLocation, "sources"),
                                                  std::to_string(i)),
                                     static_cast<int>(i), config_.clock, interrupted_};
    auto state = std::make_unique<SourceState>();
    state->source = provider->createSource(context);
    state->description = state->source->describe();
    sources_.push_back(std::move(state));
  }
  {
    std::lock_guard lock(mutex_);
    started_ = true;
  }
  if (config_.events) config_.events->onStarted(*this);
  thread_ = std::thread([self = shared_from_this()] { self->run(); });
}

void StreamExecution::run() {
  std::string error, errorClass;
  try {
    runLoop();
  } catch (const InterruptedError&) {
    // stop() interrupted a wait of the batch: the query stops as asked; the batch runs again
    // from its logged offsets at the next start.
  } catch (const Error& e) {
    std::lock_guard lock(mutex_);
    failure_ = std::current_exception();
    error = e.what();
    errorClass = e.errorClass();
  } catch (const std::exception& e) {
    std::lock_guard lock(mutex_);
    failure_ = std::current_exception();
    error = e.what();
    errorClass = "INTERNAL_ERROR";
  }
  for (auto& s : sources_) {
    try {
      s->source->stop();
    } catch (...) {
    }
  }
  try {
    config_.sink->stop();
  } catch (...) {
  }
  // The stateful operators' stores wait, as they are destroyed, for the snapshots and cleanup
  // they left to the background maintenance thread: once the query reports itself stopped, no
  // file of its checkpoint changes any more (and a temporary checkpoint can be removed).
  aggregations_.clear();
  deduplications_.clear();
  limits_.clear();
  lock_.reset();
  if (config_.temporaryCheckpoint && error.empty()) {
    try {
      config_.fileSystem->removeAll(config_.checkpointLocation);
    } catch (...) {
    }
  }
  {
    std::lock_guard lock(mutex_);
    terminated_ = true;
    status_.message = error.empty() ? "Stopped" : "Terminated with exception: " + error;
    status_.isTriggerActive = false;
    status_.isDataAvailable = false;
  }
  changed_.notify_all();
  if (config_.events) config_.events->onTerminated(*this, error, errorClass);
}

std::map<std::string, std::string> StreamExecution::pinnedConf() const {
  std::map<std::string, std::string> out;
  for (const auto& [key, fallback] : pinnedKeys()) {
    auto it = config_.conf.find(key);
    if (it != config_.conf.end()) out[key] = it->second;
    else if (!fallback.empty()) out[key] = fallback;
  }
  return out;
}

void StreamExecution::recover() {
  auto& fs = config_.fileSystem;
  OffsetLog offsets(fs, io::joinPath(config_.checkpointLocation, "offsets"));
  CommitLog commits(fs, io::joinPath(config_.checkpointLocation, "commits"));
  auto latest = offsets.latestId();
  if (!latest) {
    currentBatchId_ = 0;
    batchPending_ = false;
    batchWatermarkMs_ = 0;
    return;
  }
  const int64_t last = *latest;
  auto seq = offsets.get(last);
  WEIR_CHECK(seq.has_value());
  if (seq->sourceOffsets.size() != sources_.size()) {
    throw AnalysisError("STREAMING_SOURCES_CHANGED",
                        "The checkpoint " + config_.checkpointLocation + " was written by a query with " +
                            std::to_string(seq->sourceOffsets.size()) + " source(s), but this query has " +
                            std::to_string(sources_.size()) +
                            ". The number and order of sources must not change between restarts; use a new "
                            "checkpointLocation for a changed query.");
  }
  // The values pinned in the checkpoint win over the session's.
  for (const auto& [k, v] : seq->metadata.conf) config_.conf[k] = v;
  batchWatermarkMs_ = seq->metadata.batchWatermarkMs;
  auto committed = commits.latestId();
  if (committed && *committed >= last) {
    // Batch `last` is done: continue after it.
    for (size_t i = 0; i < sources_.size(); ++i) sources_[i]->committed = seq->sourceOffsets[i];
    auto commit = commits.get(last);
    prevBatchWatermarkMs_ = seq->metadata.batchWatermarkMs;
    if (commit) batchWatermarkMs_ = std::max(batchWatermarkMs_, commit->nextBatchWatermarkMs);
    currentBatchId_ = last + 1;
    batchPending_ = false;
    {
      std::lock_guard lock(mutex_);
      committedBatchId_ = last;
    }
    return;
  }
  // Batch `last` was logged but not committed: run it again with exactly its offsets, watermark
  // and timestamp; it starts where batch last-1 ended.
  if (last > 0) {
    auto previous = offsets.get(last - 1);
    if (!previous) {
      throw CorruptionError("CHECKPOINT_INCOMPLETE",
                            "The checkpoint " + config_.checkpointLocation + " has offsets/" + std::to_string(last) +
                                " but not offsets/" + std::to_string(last - 1) +
                                ", which holds where batch " + std::to_string(last) +
                                " starts. Restore the missing file, or delete the checkpoint to start over.");
    }
    for (size_t i = 0; i < sources_.size(); ++i) sources_[i]->committed = previous->sourceOffsets[i];
    prevBatchWatermarkMs_ = previous->metadata.batchWatermarkMs;
    std::lock_guard lock(mutex_);
    committedBatchId_ = last - 1;
  }
  for (size_t i = 0; i < sources_.size(); ++i) sources_[i]->end = seq->sourceOffsets[i];
  batchTimestampMs_ = seq->metadata.batchTimestampMs;
  currentBatchId_ = last;
  batchPending_ = true;
}

void StreamExecution::setStatus(const std::string& message, bool dataAvailable, bool triggerActive) {
  std::lock_guard lock(mutex_);
  status_.message = message;
  status_.isDataAvailable = dataAvailable;
  status_.isTriggerActive = triggerActive;
}

bool StreamExecution::waitUntil(int64_t timeMs) {
  std::unique_lock lock(mutex_);
  while (!stopRequested_) {
    int64_t now = config_.clock->nowMs();
    if (now >= timeMs) return true;
    changed_.wait_for(lock, std::chrono::milliseconds(config_.clock->pollMs(timeMs - now)));
  }
  return false;
}

void StreamExecution::runLoop() {
  recover();
  const Trigger& trigger = config_.trigger;
  const bool finite = trigger.kind() != Trigger::Kind::kProcessingTime;
  if (trigger.kind() == Trigger::Kind::kAvailableNow) {
    for (auto& s : sources_) s->source->prepareForTriggerAvailableNow();
  }
  bool ranOnce = false;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopRequested_) return;
    }
    const int64_t triggerStart = config_.clock->nowMs();
    setStatus("Getting offsets from sources", false, true);
    bool run = batchPending_;
    if (!run) {
      if (trigger.kind() == Trigger::Kind::kOnce && ranOnce) return;
      run = constructBatch(triggerStart, trigger.kind() == Trigger::Kind::kAvailableNow);
    }
    if (run) {
      runBatch(triggerStart);
      ranOnce = true;
      if (trigger.kind() == Trigger::Kind::kOnce) return;
    } else {
      {
        std::lock_guard lock(mutex_);
        ++idleChecks_;
      }
      changed_.notify_all();
      if (finite) return;
      reportIdle(triggerStart);
      setStatus("Waiting for data to arrive", false, false);
    }
    lastTriggerStartMs_ = triggerStart;
    // The next trigger: at once (default), or at the next multiple of the interval.
    int64_t interval = trigger.kind() == Trigger::Kind::kProcessingTime ? trigger.intervalMs() : 0;
    int64_t next;
    if (interval > 0) {
      next = triggerStart / interval * interval + interval;
      if (run) setStatus("Waiting for next trigger", false, false);
    } else {
      next = run ? config_.clock->nowMs() : config_.clock->nowMs() + 10;  // no data: poll every 10 ms
    }
    if (!waitUntil(next)) return;
  }
}

bool StreamExecution::constructBatch(int64_t triggerStartMs, bool availableNow) {
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  const auto start = Clock::now();
  bool newData = false;
  for (auto& s : sources_) {
    // Trigger.Once ignores read limits (as Spark does, with a warning there).
    auto limit = config_.trigger.kind() == Trigger::Kind::kOnce ? connector::ReadLimit::all()
                                                                 : connector::ReadLimit::sourceDefault();
    auto end = s->source->latestOffset(s->committed, limit);
    s->end = end;
    if (end && end != s->committed) newData = true;
  }
  // A batch without new data still runs when the watermark moved and state can be emitted or
  // dropped (spark.sql.streaming.noDataMicroBatches.enabled).
  bool noDataBatch = false;
  if (!newData) {
    auto it = config_.conf.find("spark.sql.streaming.noDataMicroBatches.enabled");
    bool enabled = it == config_.conf.end() || it->second != "false";
    if (!(enabled && usesWatermarkInState_ && batchWatermarkMs_ > prevBatchWatermarkMs_)) return false;
    for (auto& s : sources_) s->end = s->committed;
    noDataBatch = true;
  }
  latestOffsetMs_ = ms(Clock::now() - start);
  const auto walStart = Clock::now();
  setStatus("Writing offsets to log", !noDataBatch, true);
  OffsetSeq seq;
  seq.metadata.batchWatermarkMs = batchWatermarkMs_;
  seq.metadata.batchTimestampMs = triggerStartMs;
  seq.metadata.conf = pinnedConf();
  for (auto& s : sources_) seq.sourceOffsets.push_back(s->end);
  OffsetLog offsets(config_.fileSystem, io::joinPath(config_.checkpointLocation, "offsets"));
  if (!offsets.add(currentBatchId_, seq)) {
    throw UnsupportedOperationError(
        "CONCURRENT_STREAM_LOG_UPDATE",
        "offsets/" + std::to_string(currentBatchId_) + " already exists in the checkpoint " +
            config_.checkpointLocation +
            ": another query is writing to the same checkpoint. Give each query its own checkpointLocation.");
  }
  base::crashPoint("after-offsets-log");
  batchTimestampMs_ = triggerStartMs;
  batchPending_ = true;
  // Sources may forget what the previous batch read.
  for (auto& s : sources_) {
    if (s->committed) s->source->commit(*s->committed);
  }
  int64_t retain = 100;
  auto it = config_.conf.find("spark.sql.streaming.minBatchesToRetain");
  if (it != config_.conf.end()) retain = std::max<int64_t>(1, std::stoll(it->second));
  if (currentBatchId_ > retain) {
    offsets.purgeBefore(currentBatchId_ - retain);
    CommitLog(config_.fileSystem, io::joinPath(config_.checkpointLocation, "commits"))
        .purgeBefore(currentBatchId_ - retain);
  }
  walCommitMs_ = ms(Clock::now() - walStart);
  return true;
}

void StreamExecution::runBatch(int64_t triggerStartMs) {
  using Clock = std::chrono::steady_clock;
  auto ms = [](Clock::duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  const auto t0 = Clock::now();
  setStatus("Processing new data", true, true);
  // After a restart, the state is rebuilt from its files while the sources read the batch.
  for (auto& agg : aggregations_) agg->preload(currentBatchId_);
  for (auto& dedup : deduplications_) dedup->preload(currentBatchId_);
  // Each source's rows of this batch (none when its offset did not move).
  std::map<const plan::LogicalPlan*, plan::Partitions> inputs;
  std::vector<int64_t> rowsPerSource(sources_.size(), 0);
  for (size_t i = 0; i < sources_.size(); ++i) {
    auto& s = *sources_[i];
    plan::Partitions data;
    if (s.end && s.end != s.committed) data = s.source->getBatch(s.committed, *s.end);
    for (const auto& part : data) {
      for (const auto& b : part) rowsPerSource[i] += static_cast<int64_t>(b.numRows());
    }
    inputs[leaves_[i]] = std::move(data);
  }
  const auto t1 = Clock::now();
  exec::ExecOptions options;
  auto partitions = config_.conf.find("spark.sql.shuffle.partitions");
  options.shufflePartitions =
      partitions != config_.conf.end() ? static_cast<size_t>(std::max<int64_t>(1, std::stoll(partitions->second))) : 0;
  options.evalContext.currentTimestampMicros = batchTimestampMs_ * 1000;
  options.cache = operatorCache_;
  options.streamingInput = [&](const plan::LogicalPlan& leaf) {
    auto it = inputs.find(&leaf);
    return it == inputs.end() ? plan::Partitions{} : it->second;
  };
  options.afterStatefulNode = [&](const plan::LogicalPlan& node, plan::Partitions partials) {
    for (auto& agg : aggregations_) {
      if (agg->op().node == &node) {
        return agg->process(std::move(partials), currentBatchId_, config_.outputMode, prevBatchWatermarkMs_,
                            batchWatermarkMs_);
      }
    }
    for (auto& limit : limits_) {
      if (limit->op().node == &node) return limit->process(std::move(partials), currentBatchId_);
    }
    for (auto& dedup : deduplications_) {
      if (dedup->op().node == &node) {
        return dedup->process(std::move(partials), currentBatchId_, prevBatchWatermarkMs_, batchWatermarkMs_);
      }
    }
    return partials;
  };
  std::vector<EventTimeStats> eventTimes(watermarkNodes_.size());
  std::mutex eventTimesMutex;  // the executor observes batches from several threads
  options.observeEventTime = [&](const plan::LogicalPlan& node, const plan::Partitions& rows) {
    auto it = std::find(watermarkNodes_.begin(), watermarkNodes_.end(), &node);
    if (it == watermarkNodes_.end()) return;
    EventTimeStats stats;
    const int ordinal = node.exprs[0]->ordinal;
    for (const auto& part : rows) {
      for (const auto& b : part) {
        const auto& col = *b.column(static_cast<size_t>(ordinal));
        const columnar::Vector* times = &col;
        if (col.typeId() == types::TypeId::kStruct) times = &col.child(1);  // a window: its end
        if (times->typeId() == types::TypeId::kNull) continue;
        const int64_t* t = times->values<int64_t>();
        for (size_t i = 0; i < b.numRows(); ++i) {
          if (!times->isNull(i) && !col.isNull(i)) stats.add(floorMs(t[i]));
        }
      }
    }
    std::lock_guard lock(eventTimesMutex);
    eventTimes[static_cast<size_t>(it - watermarkNodes_.begin())].merge(stats);
  };
  exec::Executor executor(options);
  connector::BatchOutput output;
  output.schema = incremental_.plan->schema;
  output.outputMode = config_.outputMode;
  output.queryId = id_;
  const auto planned = Clock::now();
  output.partitions = executor.execute(*incremental_.plan);
  config_.sink->addBatch(currentBatchId_, output);
  base::crashPoint("after-sink");
  const auto t3 = Clock::now();
  // The watermark for the next batch: per node the max event time seen minus its delay, then the
  // global policy (min by default) over the nodes; it never goes back.
  for (size_t i = 0; i < watermarkNodes_.size(); ++i) {
    if (eventTimes[i].count > 0) {
      nodeWatermarksMs_[i] =
          std::max(nodeWatermarksMs_[i], eventTimes[i].max - watermarkNodes_[i]->watermarkDelayMs);
    }
  }
  int64_t nextWatermarkMs = batchWatermarkMs_;
  if (!nodeWatermarksMs_.empty()) {
    auto policy = config_.conf.find("spark.sql.streaming.multipleWatermarkPolicy");
    bool useMax = policy != config_.conf.end() && (policy->second == "max" || policy->second == "MAX");
    int64_t global = useMax ? *std::max_element(nodeWatermarksMs_.begin(), nodeWatermarksMs_.end())
                            : *std::min_element(nodeWatermarksMs_.begin(), nodeWatermarksMs_.end());
    nextWatermarkMs = std::max(nextWatermarkMs, global);
  }
  CommitLog commits(config_.fileSystem, io::joinPath(config_.checkpointLocation, "commits"));
  if (!commits.add(currentBatchId_, CommitMetadata{nextWatermarkMs})) {
    throw UnsupportedOperationError(
        "CONCURRENT_STREAM_LOG_UPDATE",
        "commits/" + std::to_string(currentBatchId_) + " already exists in the checkpoint " +
            config_.checkpointLocation +
            ": another query is writing to the same checkpoint. Give each query its own checkpointLocation.");
  }
  base::crashPoint("after-commit-log");
  const auto t4 = Clock::now();
  // Progress.
  StreamingQueryProgress p;
  p.id = id_;
  p.runId = runId_;
  p.name = config_.name;
  p.timestampMs = triggerStartMs;
  p.batchId = currentBatchId_;
  // A batch re-run from the offset log after a restart did not look for offsets or write them.
  const int64_t total = std::max<int64_t>(0, ms(t4 - t0)) + latestOffsetMs_ + walCommitMs_;
  p.batchDuration = total;
  for (auto r : rowsPerSource) p.numInputRows += r;
  const double sinceLast =
      lastTriggerStartMs_ < 0 ? 0.0 : static_cast<double>(triggerStartMs - lastTriggerStartMs_) / 1000.0;
  p.inputRowsPerSecond = sinceLast > 0 ? static_cast<double>(p.numInputRows) / sinceLast : 0.0;
  p.processedRowsPerSecond =
      static_cast<double>(p.numInputRows) / (static_cast<double>(std::max<int64_t>(1, total)) / 1000.0);
  p.durationMs = {{"addBatch", ms(t3 - planned)},
                  {"commitOffsets", ms(t4 - t3)},
                  {"getBatch", ms(t1 - t0)},
                  {"latestOffset", latestOffsetMs_},
                  {"queryPlanning", ms(planned - t1)},
                  {"triggerExecution", total},
                  {"walCommit", walCommitMs_}};
  latestOffsetMs_ = walCommitMs_ = 0;
  for (size_t i = 0; i < sources_.size(); ++i) {
    auto& s = *sources_[i];
    SourceProgress sp;
    sp.description = s.description;
    sp.startOffset = s.committed;
    sp.endOffset = s.end;
    sp.latestOffset = s.source->reportLatestOffset();
    if (!sp.latestOffset) sp.latestOffset = s.end;
    sp.numInputRows = rowsPerSource[i];
    sp.inputRowsPerSecond = sinceLast > 0 ? static_cast<double>(rowsPerSource[i]) / sinceLast : 0.0;
    sp.processedRowsPerSecond =
        static_cast<double>(rowsPerSource[i]) / (static_cast<double>(std::max<int64_t>(1, total)) / 1000.0);
    sp.metrics = s.source->metrics(s.end);
    p.sources.push_back(std::move(sp));
    s.committed = s.end;
  }
  // In operator id order (from the sink down).
  for (const auto& op : incremental_.operators) {
    for (const auto& agg : aggregations_) {
      if (agg->op().id == op.id) p.stateOperators.push_back(agg->progress());
    }
    for (const auto& dedup : deduplications_) {
      if (dedup->op().id == op.id) p.stateOperators.push_back(dedup->progress());
    }
    for (const auto& limit : limits_) {
      if (limit->op().id == op.id) p.stateOperators.push_back(limit->progress());
    }
  }
  if (!watermarkNodes_.empty()) {
    EventTimeStats all;
    double sum = 0;
    for (const auto& e : eventTimes) {
      if (e.count == 0) continue;
      all.max = std::max(all.max, e.max);
      all.min = std::min(all.min, e.min);
      all.count += e.count;
      sum += e.sum;
    }
    if (all.count > 0) {
      p.eventTime["avg"] = formatProgressTimestamp(static_cast<int64_t>(sum / static_cast<double>(all.count)));
      p.eventTime["max"] = formatProgressTimestamp(all.max);
      p.eventTime["min"] = formatProgressTimestamp(all.min);
    }
    p.eventTime["watermark"] = formatProgressTimestamp(batchWatermarkMs_);
  }
  p.sink.description = config_.sink->describe();
  p.sink.numOutputRows = config_.sink->lastOutputRows();
  {
    std::lock_guard lock(mutex_);
    committedBatchId_ = currentBatchId_;
    progress_.push_back(p);
    int64_t keep = 100;
    auto it = config_.conf.find("spark.sql.streaming.numRecentProgressUpdates");
    if (it != config_.conf.end()) keep = std::max<int64_t>(1, std::stoll(it->second));
    while (static_cast<int64_t>(progress_.size()) > keep) progress_.pop_front();
    ++batchesRun_;
  }
  changed_.notify_all();
  batchPending_ = false;
  ++currentBatchId_;
  prevBatchWatermarkMs_ = batchWatermarkMs_;
  batchWatermarkMs_ = nextWatermarkMs;
  if (config_.events) config_.events->onProgress(*this, p);
}

void StreamExecution::reportIdle(int64_t triggerStartMs) {
  // An idle trigger reports at most every noDataProgressEventInterval (10 s).
  int64_t interval = 10000;
  auto it = config_.conf.find("spark.sql.streaming.noDataProgressEventInterval");
  if (it != config_.conf.end()) interval = std::stoll(it->second);
  if (triggerStartMs - lastIdleProgressMs_ < interval) return;
  lastIdleProgressMs_ = triggerStartMs;
  if (config_.events) config_.events->onIdle(*this, triggerStartMs);
}

bool StreamExecution::isActive() const {
  std::lock_guard lock(mutex_);
  return started_ && !terminated_;
}

StreamingQueryStatus StreamExecution::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

std::optional<StreamingQueryProgress> StreamExecution::lastProgress() const {
  std::lock_guard lock(mutex_);
  if (progress_.empty()) return std::nullopt;
  return progress_.back();
}

std::vector<StreamingQueryProgress> StreamExecution::recentProgress() const {
  std::lock_guard lock(mutex_);
  return {progress_.begin(), progress_.end()};
}

std::exception_ptr StreamExecution::exception() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

int64_t StreamExecution::lastCommittedBatchId() const {
  std::lock_guard lock(mutex_);
  return committedBatchId_;
}

void StreamExecution::rethrowFailure() const {
  std::exception_ptr failure;
  {
    std::lock_guard lock(mutex_);
    failure = failure_;
  }
  if (!failure) return;
  std::string message, causeClass = "INTERNAL_ERROR";
  try {
    std::rethrow_exception(failure);
  } catch (const Error& e) {
    message = e.what();
    causeClass = e.errorClass();
  } catch (const std::exception& e) {
    message = e.what();
  }
  throw StreamingQueryError("Query " + (config_.name.empty() ? std::string() : "[" + config_.name + "] ") +
                                "[id = " + id_ + ", runId = " + runId_ + "] terminated with exception: " + message,
                            causeClass);
}

void StreamExecution::awaitTermination() {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return terminated_; });
  }
  rethrowFailure();
}

bool StreamExecution::awaitTermination(int64_t timeoutMs) {
  bool done;
  {
    std::unique_lock lock(mutex_);
    done = changed_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return terminated_; });
  }
  if (done) rethrowFailure();
  return done;
}

void StreamExecution::processAllAvailable() {
  // Done when a trigger that started after this call found no new data (everything before it
  // has then been committed), or the query ended.
  uint64_t target;
  {
    std::lock_guard lock(mutex_);
    target = idleChecks_ + 1;
  }
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return terminated_ || idleChecks_ > target; });
  }
  rethrowFailure();
}

void StreamExecution::stop() {
  {
    std::lock_guard lock(mutex_);
    stopRequested_ = true;
  }
  *interrupted_ = true;
  changed_.notify_all();
  if (thread_.joinable() && std::this_thread::get_id() != thread_.get_id()) thread_.join();
}

std::string StreamExecution::explain() const {
  const auto& plan = incremental_.plan ? incremental_.plan : config_.plan;
  return "== Physical Plan ==\nWriteToMicroBatchDataSource " + config_.sink->describe() + ", " + id_ +
         ", OutputMode " + config_.outputMode + "\n" + plan->treeString();
}

}  // namespace weir::runtime
