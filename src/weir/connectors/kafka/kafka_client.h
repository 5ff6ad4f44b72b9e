// The boundary between the Kafka connector and librdkafka: metadata, offsets and fetching ranges of
// records. The connector's offset logic (rate limits, new partitions, data loss) runs against this
// interface; RdKafkaClient implements it with librdkafka, and tests substitute a fake for what the
// local mock broker cannot do (offsets by timestamp, retention).
#pragma once

#include <atomic>
#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace weir::connectors::kafka {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
  std::string toString() const { return topic + "-" + std::to_string(partition); }
};

/// Offsets per partition; for end offsets the exclusive "next offset to read".
using PartitionOffsets = std::map<TopicPartition, int64_t>;

/// Which topics a query reads: exactly one of the three.
struct Subscription {
  enum class Kind { kSubscribe, kSubscribePattern, kAssign };
  Kind kind = Kind::kSubscribe;
  std::vector<std::string> topics;          // kSubscribe
  std::string pattern;                      // kSubscribePattern (a Java-style regex, RE2 syntax)
  std::vector<TopicPartition> assignment;   // kAssign
  std::string describe() const;
};

struct KafkaHeader {
  std::string_view key;
  std::optional<std::string_view> value;
};

/// One record as fetched; the views are valid only during the callback.
struct KafkaRecord {
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  int64_t offset = 0;
  int64_t timestampMs = 0;
  int32_t timestampType = 0;  // 0 CreateTime, 1 LogAppendTime
  const std::vector<KafkaHeader>* headers = nullptr;
};

/// Records of [fromOffset, untilOffset) of one partition.
struct FetchRange {
  TopicPartition partition;
  int64_t fromOffset = 0;
  int64_t untilOffset = 0;
};

/// What a fetch reports back, per range index.
class FetchConsumer {
 public:
  virtual ~FetchConsumer() = default;
  virtual void record(size_t range, const KafkaRecord& record) = 0;
  /// Whether records need their headers (parsing them costs time per record).
  virtual bool wantsHeaders() const { return true; }
  /// The records from `requested` on are gone; `earliest` is the first one still stored (may be
  /// past the range's end). Return true to go on from `earliest`, or throw.
  virtual bool dataLost(size_t range, int64_t requested, int64_t earliest) = 0;
};

class KafkaClient {
 public:
  virtual ~KafkaClient() = default;
  /// The partitions the subscription names now, sorted. Topics named by kSubscribe that do not exist
  /// yet are left out.
  virtual std::vector<TopicPartition> partitions(const Subscription& subscription) = 0;
  virtual PartitionOffsets earliestOffsets(const std::vector<TopicPartition>& partitions) = 0;
  virtual PartitionOffsets latestOffsets(const std::vector<TopicPartition>& partitions) = 0;
  /// The first offset whose record timestamp is >= the given one, per partition; -1 when there is
  /// none (every record is older).
  virtual PartitionOffsets offsetsForTimes(const std::map<TopicPartition, int64_t>& timestampsMs) = 0;
  /// Delivers the records of every range, in offset order per range.
  virtual void fetch(const std::vector<FetchRange>& ranges, FetchConsumer& consumer) = 0;
};

/// Settings of the librdkafka client: every `kafka.*` source option without its prefix, plus how long
/// to wait for the broker.
struct ClientConfig {
  std::map<std::string, std::string> properties;
  int64_t pollTimeoutMs = 120'000;
  int fetchOffsetRetries = 3;
  int64_t fetchOffsetRetryIntervalMs = 10;
  /// When set, waits for brokers give up with InterruptedError (the query is stopping).
  std::shared_ptr<const std::atomic<bool>> interrupted;
};

/// A librdkafka consumer for one source (not thread-safe; the query's thread uses it).
std::unique_ptr<KafkaClient> makeRdKafkaClient(const ClientConfig& config);

/// Makes the client for a source; tests replace it with setClientFactory.
using ClientFactory = std::function<std::unique_ptr<KafkaClient>(const ClientConfig&)>;
ClientFactory clientFactory();
/// Replaces the factory (nullptr restores librdkafka). For tests of what a real broker cannot be
/// made to do on demand.
void setClientFactory(ClientFactory factory);

}  // namespace weir::connectors::kafka
