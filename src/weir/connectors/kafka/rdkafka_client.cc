// KafkaClient over librdkafka: one consumer handle per source, assigned (never subscribed) to the
// partitions a batch reads, so Kafka's group management plays no part, as in Spark. The assignment
// and the consumer's prefetched records are kept between batches: a batch that starts where the
// previous one stopped reads on without a seek.
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <deque>
#include <mutex>
#include <set>
#include <thread>

#include <re2/re2.h>

#include "weir/base/error.h"
#include "weir/base/log.h"
#include "weir/connectors/kafka/kafka_client.h"
#include "weir/connectors/kafka/rdkafka_conf.h"

namespace weir::connectors::kafka {

namespace {

using SteadyClock = std::chrono::steady_clock;

int64_t elapsedMs(SteadyClock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - since).count();
}

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* l) const { rd_kafka_topic_partition_list_destroy(l); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// Every message popped from librdkafka must be destroyed, or closing the consumer waits for it.
struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

PartitionList newList(size_t n) { return PartitionList(rd_kafka_topic_partition_list_new(static_cast<int>(n))); }

// Errors worth waiting out: the broker is down, restarting, or electing a leader.
bool retriable(rd_kafka_resp_err_t err) {
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__WAIT_COORD:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_REPLICA_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__NODE_UPDATE:
    case RD_KAFKA_RESP_ERR_FETCH_SESSION_ID_NOT_FOUND:
    case RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_UNKNOWN_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_FENCED_LEADER_EPOCH:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return true;
    default:
      return false;
  }
}

class RdKafkaClient : public KafkaClient {
 public:
  explicit RdKafkaClient(const ClientConfig& config) : config_(config) {
    rk_ = newConsumer(config);
    // Metadata and offset queries go through a handle of their own: on the fetching consumer's
    // connection they would wait behind its long-polling fetch requests.
    meta_ = newConsumer(config);
    rd_kafka_poll_set_consumer(rk_);
    queue_ = rd_kafka_queue_get_consumer(rk_);
    auto it = config.properties.find("bootstrap.servers");
    bootstrap_ = it == config.properties.end() ? "" : it->second;
  }

  static rd_kafka_t* newConsumer(const ClientConfig& config) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto set = [&](const std::string& key, const std::string& value, bool user) { setConf(conf, key, value, user); };
    // A fetcher that paused because the local queue was full (the query reads in batches, so the
    // queue fills between them) looks again after this long, not librdkafka's default 500 ms.
    set("fetch.error.backoff.ms", "20", false);
    routeLogs(conf);
    for (const auto& [k, v] : config.properties) set(k, v, true);
    // Offsets come from the checkpoint, never from the group: nothing is committed to Kafka, and
    // an offset that is gone must surface as an error (data loss), not a silent reset.
    set("enable.auto.commit", "false", false);
    set("enable.auto.offset.store", "false", false);
    set("auto.offset.reset", "error", false);
    set("enable.partition.eof", "true", false);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    if (rk == nullptr) {
      throw InvalidInputError("KAFKA_CLIENT", std::string("Could not create the Kafka consumer: ") + errstr);
    }
    return rk;
  }

  ~RdKafkaClient() override {
    clearStash();
    if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
    rd_kafka_destroy(meta_);
  }

  std::vector<TopicPartition> partitions(const Subscription& subscription) override {
    if (subscription.kind == Subscription::Kind::kAssign) {
      auto out = subscription.assignment;
      std::sort(out.begin(), out.end());
      return out;
    }
    std::unique_ptr<RE2> pattern;
    if (subscription.kind == Subscription::Kind::kSubscribePattern) {
      pattern = std::make_unique<RE2>(subscription.pattern);
    }
    std::vector<TopicPartition> out;
    withRetries("read the topic metadata", [&](int timeoutMs) {
      const rd_kafka_metadata_t* md = nullptr;
      rd_kafka_resp_err_t err = rd_kafka_metadata(meta_, 1, nullptr, &md, timeoutMs);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return err;
      out.clear();
      for (int t = 0; t < md->topic_cnt; ++t) {
        const auto& topic = md->topics[t];
        std::string name = topic.topic;
        bool wanted = pattern ? RE2::FullMatch(name, *pattern)
                              : std::find(subscription.topics.begin(), subscription.topics.end(), name) !=
                                    subscription.topics.end();
        if (!wanted || topic.err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
        for (int p = 0; p < topic.partition_cnt; ++p) out.push_back({name, topic.partitions[p].id});
      }
      rd_kafka_metadata_destroy(md);
      return RD_KAFKA_RESP_ERR_NO_ERROR;
    });
    std::sort(out.begin(), out.end());
    return out;
  }

  PartitionOffsets earliestOffsets(const std::vector<TopicPartition>& partitions) override {
    return watermarks(partitions, true);
  }
  PartitionOffsets latestOffsets(const std::vector<TopicPartition>& partitions) override {
    return watermarks(partitions, false);
  }

  PartitionOffsets offsetsForTimes(const std::map<TopicPartition, int64_t>& timestamps) override {
    PartitionOffsets out;
    if (timestamps.empty()) return out;
    withRetries("look up offsets by timestamp", [&](int timeoutMs) {
      auto list = newList(timestamps.size());
      for (const auto& [tp, ts] : timestamps) {
        rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = ts;
      }
      rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(meta_, list.get(), timeoutMs);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) return err;
      for (int i = 0; i < list->cnt; ++i) {
        const auto& e = list->elems[i];
        if (e.err != RD_KAFKA_RESP_ERR_NO_ERROR) return e.err;
        out[{e.topic, e.partition}] = e.offset < 0 ? -1 : e.offset;
      }
      return RD_KAFKA_RESP_ERR_NO_ERROR;
    });
    return out;
  }

  void fetch(const std::vector<FetchRange>& ranges, FetchConsumer& consumer) override {
    resumeHeld();
    // Where each partition stands: keep the assignment when every range starts where the consumer
    // will deliver next, else assign afresh at the ranges' starts.
    std::map<TopicPartition, size_t> index;
    for (size_t i = 0; i < ranges.size(); ++i) index[ranges[i].partition] = i;
    bool keep = index.size() == ranges.size() && assigned_.size() == index.size();
    if (keep) {
      for (const auto& r : ranges) {
        auto it = assigned_.find(r.partition);
        if (it == assigned_.end() || deliveryPosition(it->first, it->second) != r.fromOffset) {
          keep = false;
          break;
        }
      }
    }
    if (!keep) assign(ranges);
    // Each range's entry of assigned_ (map nodes stay put until the next assign()), so that the
    // position is advanced per record without a lookup.
    std::vector<int64_t*> positions(ranges.size());
    auto bindPositions = [&] {
      for (size_t i = 0; i < ranges.size(); ++i) positions[i] = &assigned_[ranges[i].partition];
    };
    bindPositions();

    std::vector<bool> done(ranges.size(), false);
    std::vector<int64_t> next(ranges.size());
    size_t remaining = 0;
    for (size_t i = 0; i < ranges.size(); ++i) {
      next[i] = ranges[i].fromOffset;
      if (ranges[i].fromOffset >= ranges[i].untilOffset) {
        done[i] = true;
      } else {
        ++remaining;
      }
    }
    // Right after an assignment nothing is prefetched yet, and librdkafka would go on fetching
    // and decoding the partitions whose range is done while the others are still awaited (a
    // restarted query's first batch took about twice as long). So in that batch a partition is
    // paused once its range is done, and stays paused until the next fetch: prefetching the next
    // batch would take the CPU that a restart's first batch needs to commit (its state is being
    // rebuilt meanwhile). Fetching then goes on from the last record taken (the stash holds the
    // ones past the range).
    const bool fresh = !keep;
    auto pausedList = newList(0);
    struct Hold {
      PartitionList& from;
      PartitionList& into;
      ~Hold() { into = std::move(from); }  // also when the batch fails: the next fetch resumes them
    } hold{pausedList, held_};
    auto finish = [&](size_t i) {
      if (!done[i]) {
        done[i] = true;
        --remaining;
        if (fresh && remaining > 0) {
          auto one = newList(1);
          rd_kafka_topic_partition_list_add(one.get(), ranges[i].partition.topic.c_str(), ranges[i].partition.partition);
          rd_kafka_pause_partitions(rk_, one.get());
          rd_kafka_topic_partition_list_add(pausedList.get(), ranges[i].partition.topic.c_str(),
                                            ranges[i].partition.partition);
        }
      }
    };
    // A data record of range i: deliver, stash (past the end) or drop (before the start).
    // Returns true when the record went to the stash.
    auto take = [&](size_t i, MessagePtr& m) {
      if (done[i]) {
        stash_[ranges[i].partition].push_back(std::move(m));
        return true;
      }
      if (m->offset < next[i]) return false;  // stale, from before a seek
      if (m->offset >= ranges[i].untilOffset) {
        stash_[ranges[i].partition].push_back(std::move(m));
        finish(i);
        return true;
      }
      if (m->offset > next[i]) {
        // A gap at the position we asked for: the records were deleted (retention or compaction).
        if (!consumer.dataLost(i, next[i], m->offset)) {
          finish(i);
          return false;
        }
      }
      deliver(i, m.get(), consumer);
      next[i] = m->offset + 1;
      if (next[i] >= ranges[i].untilOffset) finish(i);
      return false;
    };

    // Records popped earlier but past that batch's end come first.
    for (size_t i = 0; i < ranges.size() && remaining > 0; ++i) {
      auto it = stash_.find(ranges[i].partition);
      if (it == stash_.end()) continue;
      auto& queue = it->second;
      while (!queue.empty() && !done[i]) {
        MessagePtr m = std::move(queue.front());
        queue.pop_front();
        if (take(i, m)) {
          // take() put it at the back; it belongs at the front.
          queue.push_front(std::move(queue.back()));
          queue.pop_back();
          break;
        }
      }
    }

    auto lastProgress = SteadyClock::now();
    std::string lastError;
    std::vector<rd_kafka_message_t*> popped(4096);
    std::vector<MessagePtr> batch;  // owns what was popped, also when an error is thrown
    // Records come in runs of one partition: the range of the last one is looked up once.
    const rd_kafka_topic_t* lastTopic = nullptr;
    int32_t lastPartition = -1;
    size_t lastRange = ranges.size();
    while (remaining > 0) {
      // Wait for one record (or event), then take what else is queued without waiting: a batch
      // call with a timeout would wait for a full batch.
      batch.clear();
      rd_kafka_message_t* first = rd_kafka_consume_queue(queue_, 20);
      if (first == nullptr) {
        wakeFetchers(ranges, done);
        first = rd_kafka_consume_queue(queue_, 80);
      }
      if (first != nullptr) {
        batch.emplace_back(first);
        ssize_t more = rd_kafka_consume_batch_queue(queue_, 0, popped.data(), popped.size());
        for (ssize_t k = 0; k < more; ++k) batch.emplace_back(popped[static_cast<size_t>(k)]);
      }
      bool progressed = false;
      for (auto& m : batch) {
        size_t i = ranges.size();
        if (m->rkt != nullptr && m->rkt == lastTopic && m->partition == lastPartition) {
          i = lastRange;
        } else if (m->rkt != nullptr) {
          auto it = index.find({rd_kafka_topic_name(m->rkt), m->partition});
          if (it != index.end()) i = it->second;
          lastTopic = m->rkt;
          lastPartition = m->partition;
          lastRange = i;
        }
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          if (i < ranges.size()) {
            int64_t& position = *positions[i];
            position = std::max(position, m->offset + 1);
            take(i, m);
            progressed = true;
          }
        } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          // The partition's end: nothing more to read, even if the range's last offsets were
          // transaction markers rather than records.
          if (i < ranges.size() && !done[i] && m->offset >= ranges[i].untilOffset) finish(i);
        } else if ((m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE || m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) &&
                   i < ranges.size() && !done[i]) {
          int64_t earliest = watermarks({ranges[i].partition}, true).begin()->second;
          if (earliest <= next[i]) {
            // Out of range at the top (the log was truncated below us or recreated): the records
            // we were promised are not there.
            earliest = ranges[i].untilOffset;
          }
          if (consumer.dataLost(i, next[i], earliest) && earliest < ranges[i].untilOffset) {
            next[i] = earliest;
            // A partition stopped by an out-of-range error is restarted by assigning afresh (a
            // seek does not resume it); the others continue where they are.
            std::vector<FetchRange> restart = ranges;
            for (size_t j = 0; j < ranges.size(); ++j) restart[j].fromOffset = done[j] ? ranges[j].untilOffset : next[j];
            assign(restart);
            bindPositions();
          } else {
            finish(i);
          }
          progressed = true;
        } else {
          lastError = rd_kafka_message_errstr(m.get());
          if (!retriable(m->err) && m->err != RD_KAFKA_RESP_ERR__FATAL && i < ranges.size()) {
            throw IoError("KAFKA_FETCH_FAILED", "Reading " + ranges[i].partition.toString() + " from Kafka failed: " + lastError);
          }
        }
      }
      if (progressed) {
        lastProgress = SteadyClock::now();
      } else if (interrupted()) {
        throw InterruptedError("QUERY_INTERRUPTED", "Stopped while waiting for records from Kafka (" + bootstrap_ + ").");
      } else if (elapsedMs(lastProgress) > config_.pollTimeoutMs) {
        std::string waiting;
        for (size_t i = 0; i < ranges.size(); ++i) {
          if (!done[i]) {
            waiting += (waiting.empty() ? "" : ", ") + ranges[i].partition.toString() + " at offset " +
                       std::to_string(next[i]) + " (until " + std::to_string(ranges[i].untilOffset) + ")";
          }
        }
        throw IoError("KAFKA_FETCH_TIMEOUT",
                      "No records arrived from Kafka (" + bootstrap_ + ") for " + std::to_string(config_.pollTimeoutMs) +
                          " ms while reading " + waiting + (lastError.empty() ? "" : "; last error: " + lastError) +
                          ". Check that the brokers are up and reachable, or raise the source option "
                          "kafkaConsumer.pollTimeoutMs.");
      }
    }
  }

 private:
  // The offset the consumer hands out next for a partition: the first stashed record, else the
  // tracked position.
  int64_t deliveryPosition(const TopicPartition& tp, int64_t position) {
    auto it = stash_.find(tp);
    if (it != stash_.end() && !it->second.empty()) return it->second.front()->offset;
    return position;
  }

  void clearStash() {
    stash_.clear();
  }

  void assign(const std::vector<FetchRange>& ranges) {
    clearStash();
    primeTopics(ranges);
    auto list = newList(ranges.size());
    assigned_.clear();
    for (const auto& r : ranges) {
      rd_kafka_topic_partition_list_add(list.get(), r.partition.topic.c_str(), r.partition.partition)->offset =
          r.fromOffset;
      assigned_[r.partition] = r.fromOffset;
    }
    rd_kafka_resp_err_t err = rd_kafka_assign(rk_, list.get());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw IoError("KAFKA_FETCH_FAILED", std::string("Assigning Kafka partitions failed: ") + rd_kafka_err2str(err));
    }
  }

  void deliver(size_t range, rd_kafka_message_t* m, FetchConsumer& consumer) {
    KafkaRecord record;
    record.offset = m->offset;
    if (m->key != nullptr) record.key = std::string_view(static_cast<const char*>(m->key), m->key_len);
    if (m->payload != nullptr) {
      record.value = std::string_view(static_cast<const char*>(m->payload), m->len);
    }
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    record.timestampMs = rd_kafka_message_timestamp(m, &type);
    record.timestampType = type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME ? 1 : 0;
    headers_.clear();
    rd_kafka_headers_t* hdrs = nullptr;
    if (consumer.wantsHeaders() && rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR && hdrs != nullptr) {
      const char* name = nullptr;
      const void* value = nullptr;
      size_t size = 0;
      for (size_t h = 0; rd_kafka_header_get_all(hdrs, h, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++h) {
        KafkaHeader header{name, std::nullopt};
        if (value != nullptr) header.value = std::string_view(static_cast<const char*>(value), size);
        headers_.push_back(header);
      }
    }
    record.headers = &headers_;
    consumer.record(range, record);
  }

  PartitionOffsets watermarks(const std::vector<TopicPartition>& partitions, bool earliest) {
    PartitionOffsets out;
    for (const auto& tp : partitions) {
      withRetries(std::string("read the ") + (earliest ? "earliest" : "latest") + " offset of " + tp.toString(),
                  [&](int timeoutMs) {
                    int64_t lo = 0;
                    int64_t hi = 0;
                    rd_kafka_resp_err_t err =
                        rd_kafka_query_watermark_offsets(meta_, tp.topic.c_str(), tp.partition, &lo, &hi, timeoutMs);
                    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) out[tp] = earliest ? lo : hi;
                    return err;
                  });
    }
    return out;
  }

  // Runs a broker request until it succeeds, retrying what a broker outage causes until
  // pollTimeoutMs has passed; other errors fail at once (after fetchOffset.numRetries tries).
  template <class F>
  void withRetries(const std::string& what, F&& request) {
    auto start = SteadyClock::now();
    int attempts = 0;
    while (true) {
      int64_t left = config_.pollTimeoutMs - elapsedMs(start);
      int timeoutMs = static_cast<int>(std::clamp<int64_t>(left, 100, 2'000));  // short, to notice stop()
      rd_kafka_resp_err_t err = request(timeoutMs);
      rd_kafka_poll(meta_, 0);  // serve (drop) the handle's error and log events
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
      ++attempts;
      if (interrupted()) {
        throw InterruptedError("QUERY_INTERRUPTED", "Stopped while trying to " + what + " from Kafka (" + bootstrap_ + ").");
      }
      bool again = retriable(err) ? elapsedMs(start) < config_.pollTimeoutMs : attempts <= config_.fetchOffsetRetries;
      if (!again) {
        throw IoError("KAFKA_UNAVAILABLE",
                      "Could not " + what + " from Kafka (" + bootstrap_ + ") after " + std::to_string(attempts) +
                          " attempts over " + std::to_string(elapsedMs(start)) + " ms: " + rd_kafka_err2str(err) +
                          ". Check kafka.bootstrap.servers and that the brokers are up; the source option "
                          "kafkaConsumer.pollTimeoutMs sets how long Weir waits for them.");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(
          retriable(err) ? std::min<int64_t>(200 * attempts, 1000) : config_.fetchOffsetRetryIntervalMs));
    }
  }

  // librdkafka (2.0) stops fetching while its local queue holds queued.min.messages records, and
  // its broker thread looks again only when something wakes it, up to a second later: a batch that
  // drained the queue waited that long for its next records. A request to the brokers of the
  // partitions still being read (their latest offsets) wakes their threads. The call does not
  // wait for the answer: on the fetching connection it would queue behind a long-polling fetch.
  void wakeFetchers(const std::vector<FetchRange>& ranges, const std::vector<bool>& done) {
    auto list = newList(ranges.size());
    for (size_t i = 0; i < ranges.size(); ++i) {
      if (!done[i]) {
        rd_kafka_topic_partition_list_add(list.get(), ranges[i].partition.topic.c_str(), ranges[i].partition.partition)
            ->offset = RD_KAFKA_OFFSET_END;
      }
    }
    if (list->cnt > 0) rd_kafka_offsets_for_times(rk_, list.get(), 0);
  }

  // A fresh handle learns the leaders of the topics it is assigned only at its next periodic scan
  // of unknown topics, up to a second later, and fetches nothing until then (seen as a restarted
  // query waiting a second for its first records). Asking for the topics' metadata on the fetching
  // handle before its first assignment fills its cache at once. Best effort: on failure the scan
  // still finds them, and a broker that is down surfaces through the fetch's own timeout.
  void primeTopics(const std::vector<FetchRange>& ranges) {
    for (const auto& r : ranges) {
      const std::string& topic = r.partition.topic;
      if (!primedTopics_.insert(topic).second) continue;
      rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
      if (rkt == nullptr) continue;
      const rd_kafka_metadata_t* md = nullptr;
      rd_kafka_resp_err_t err =
          rd_kafka_metadata(rk_, 0, rkt, &md, static_cast<int>(std::min<int64_t>(config_.pollTimeoutMs, 5000)));
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_metadata_destroy(md);
      rd_kafka_topic_destroy(rkt);
    }
  }

  bool interrupted() const { return config_.interrupted && config_.interrupted->load(); }

  ClientConfig config_;
  std::string bootstrap_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_t* meta_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  std::set<std::string> primedTopics_;          // topics whose metadata rk_ has asked for
  // Partitions a fresh batch paused once their range was done; the next fetch resumes them.
  PartitionList held_;
  void resumeHeld() {
    if (held_ && held_->cnt > 0) rd_kafka_resume_partitions(rk_, held_.get());
    held_.reset();
  }
  std::map<TopicPartition, int64_t> assigned_;  // partition -> next offset the consumer delivers
  std::map<TopicPartition, std::deque<MessagePtr>> stash_;
  std::vector<KafkaHeader> headers_;
};

std::mutex& factoryMutex() {
  static std::mutex m;
  return m;
}
ClientFactory& factorySlot() {
  static ClientFactory f;
  return f;
}

}  // namespace

std::string Subscription::describe() const {
  std::string out;
  switch (kind) {
    case Kind::kSubscribe:
      out = "Subscribe[";
      for (size_t i = 0; i < topics.size(); ++i) out += (i ? "," : "") + topics[i];
      return out + "]";
    case Kind::kSubscribePattern:
      return "SubscribePattern[" + pattern + "]";
    case Kind::kAssign:
      out = "Assign[";
      for (size_t i = 0; i < assignment.size(); ++i) out += (i ? ", " : "") + assignment[i].toString();
      return out + "]";
  }
  return out;
}

std::unique_ptr<KafkaClient> makeRdKafkaClient(const ClientConfig& config) {
  return std::make_unique<RdKafkaClient>(config);
}

ClientFactory clientFactory() {
  std::lock_guard lock(factoryMutex());
  if (factorySlot()) return factorySlot();
  return [](const ClientConfig& config) { return makeRdKafkaClient(config); };
}

void setClientFactory(ClientFactory factory) {
  std::lock_guard lock(factoryMutex());
  factorySlot() = std::move(factory);
}

}  // namespace weir::connectors::kafka
