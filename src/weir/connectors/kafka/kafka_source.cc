#include "weir/connectors/kafka/kafka_source.h"

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "weir/base/clock.h"
#include "weir/base/duration.h"
#include "weir/base/error.h"
#include "weir/base/log.h"
#include "weir/base/text.h"
#include "weir/columnar/column_batch.h"

namespace weir::connectors::kafka {

namespace {

using columnar::ColumnBatch;
using columnar::MutableVectorPtr;
using columnar::Vector;
using types::DataType;

constexpr int64_t kEarliest = -2;
constexpr int64_t kLatest = -1;

std::string trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

[[noreturn]] void badOption(const std::string& message) { throw InvalidInputError("KAFKA_INVALID_OPTION", message); }

// Where to start or end: earliest, latest, given offsets, or the first record at a timestamp.
struct OffsetSpec {
  enum class Kind { kEarliest, kLatest, kSpecific, kByTimestamp, kGlobalTimestamp };
  Kind kind = Kind::kLatest;
  PartitionOffsets offsets;     // kSpecific (may hold -2 and -1), kByTimestamp (timestamps)
  int64_t timestampMs = 0;      // kGlobalTimestamp
  bool strategyLatest = false;  // startingOffsetsByTimestampStrategy=latest
  std::string describe() const {
    switch (kind) {
      case Kind::kEarliest: return "EarliestOffsetRangeLimit";
      case Kind::kLatest: return "LatestOffsetRangeLimit";
      case Kind::kSpecific: return "SpecificOffsetRangeLimit(" + serializeOffsets(offsets) + ")";
      case Kind::kByTimestamp: return "SpecificTimestampRangeLimit(" + serializeOffsets(offsets) + ")";
      case Kind::kGlobalTimestamp: return "GlobalTimestampRangeLimit(" + std::to_string(timestampMs) + ")";
    }
    return "";
  }
};

struct KafkaOptions {
  Subscription subscription;
  ClientConfig client;
  OffsetSpec starting;
  OffsetSpec ending;
  bool failOnDataLoss = true;
  bool includeHeaders = false;
  int64_t maxOffsetsPerTrigger = 0;  // 0: no limit
  int64_t minOffsetsPerTrigger = 0;
  int64_t maxTriggerDelayMs = 15 * 60 * 1000;
  int64_t minPartitions = 0;
};

int64_t positiveLong(const plan::Options& options, const std::string& key) {
  std::string text = options.get(key);
  try {
    size_t used = 0;
    int64_t v = std::stoll(text, &used);
    if (used == text.size() && v > 0) return v;
  } catch (const std::exception&) {
  }
  badOption("Option '" + key + "' must be a positive integer, got '" + text + "'.");
}

// Spark's time strings ("15m", "30s", "500ms", "2h", "1d"; a bare number is milliseconds), or an
// interval such as "15 minutes".
int64_t parseTimeMs(const std::string& text, const std::string& key) {
  std::string t = trim(base::asciiLower(text));
  size_t digits = 0;
  while (digits < t.size() && std::isdigit(static_cast<unsigned char>(t[digits]))) ++digits;
  if (digits > 0) {
    std::string unit = trim(std::string_view(t).substr(digits));
    static const std::map<std::string, int64_t> units{{"", 1},          {"ms", 1},       {"s", 1000},
                                                      {"m", 60'000},    {"min", 60'000}, {"h", 3'600'000},
                                                      {"d", 86'400'000}};
    auto it = units.find(unit);
    if (it != units.end()) return std::stoll(t.substr(0, digits)) * it->second;
  }
  return base::parseDurationMicros(text, key) / 1000;
}

OffsetSpec parseSpec(const plan::Options& options, bool starting, bool streaming) {
  const std::string prefix = starting ? "starting" : "ending";
  OffsetSpec spec;
  spec.kind = starting && !streaming ? OffsetSpec::Kind::kEarliest : OffsetSpec::Kind::kLatest;
  std::string strategy = base::asciiLower(options.get(prefix + "OffsetsByTimestampStrategy", "error"));
  if (strategy != "error" && strategy != "latest") {
    badOption("Option '" + prefix + "OffsetsByTimestampStrategy' must be 'error' or 'latest', got '" + strategy + "'.");
  }
  spec.strategyLatest = strategy == "latest";
  // startingTimestamp > startingOffsetsByTimestamp > startingOffsets, as in Spark.
  if (options.has(prefix + "Timestamp")) {
    spec.kind = OffsetSpec::Kind::kGlobalTimestamp;
    spec.timestampMs = positiveLong(options, prefix + "Timestamp");
  } else if (options.has(prefix + "OffsetsByTimestamp")) {
    spec.kind = OffsetSpec::Kind::kByTimestamp;
    spec.offsets = parseOffsets(options.get(prefix + "OffsetsByTimestamp"), prefix + "OffsetsByTimestamp");
  } else if (options.has(prefix + "Offsets")) {
    std::string text = trim(options.get(prefix + "Offsets"));
    std::string lower = base::asciiLower(text);
    if (lower == "earliest") {
      spec.kind = OffsetSpec::Kind::kEarliest;
    } else if (lower == "latest") {
      spec.kind = OffsetSpec::Kind::kLatest;
    } else {
      spec.kind = OffsetSpec::Kind::kSpecific;
      spec.offsets = parseOffsets(text, prefix + "Offsets");
    }
  }
  if (!streaming && starting) {
    if (spec.kind == OffsetSpec::Kind::kLatest) {
      badOption("startingOffsets can't be 'latest' for batch queries on Kafka: a batch read needs a start before its "
                "end. Use 'earliest' or specific offsets.");
    }
    for (const auto& [tp, o] : spec.kind == OffsetSpec::Kind::kSpecific ? spec.offsets : PartitionOffsets{}) {
      if (o == kLatest) {
        badOption("startingOffsets for " + tp.toString() + " can't be -1 (latest) for batch queries on Kafka.");
      }
    }
  }
  if (!streaming && !starting) {
    if (spec.kind == OffsetSpec::Kind::kEarliest) {
      badOption("endingOffsets can't be 'earliest' for batch queries on Kafka. Use 'latest' or specific offsets.");
    }
    for (const auto& [tp, o] : spec.kind == OffsetSpec::Kind::kSpecific ? spec.offsets : PartitionOffsets{}) {
      if (o == kEarliest) {
        badOption("endingOffsets for " + tp.toString() + " can't be -2 (earliest) for batch queries on Kafka.");
      }
    }
  }
  return spec;
}

KafkaOptions parseOptions(const plan::Options& options, bool streaming) {
  KafkaOptions out;
  int strategies = 0;
  for (const char* key : {"subscribe", "subscribepattern", "assign"}) strategies += options.has(key) ? 1 : 0;
  if (strategies != 1) {
    badOption(strategies == 0
                  ? "One of the following options must be specified for the Kafka source: subscribe, "
                    "subscribePattern, assign."
                  : "Only one of the following options can be specified for the Kafka source: subscribe, "
                    "subscribePattern, assign.");
  }
  auto& sub = out.subscription;
  if (options.has("subscribe")) {
    sub.kind = Subscription::Kind::kSubscribe;
    std::string list = options.get("subscribe");
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      std::string topic = trim(std::string_view(list).substr(start, comma - start));
      if (!topic.empty()) sub.topics.push_back(topic);
      start = comma + 1;
    }
    if (sub.topics.empty()) badOption("No topics to subscribe to: option 'subscribe' is '" + list + "'.");
  } else if (options.has("subscribepattern")) {
    sub.kind = Subscription::Kind::kSubscribePattern;
    sub.pattern = trim(options.get("subscribePattern"));
    if (sub.pattern.empty()) badOption("Pattern to subscribe is empty: set option 'subscribePattern'.");
  } else {
    sub.kind = Subscription::Kind::kAssign;
    std::string text = options.get("assign");
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(text);
    } catch (const std::exception&) {
      badOption("Option 'assign' must be JSON like {\"topicA\":[0,1],\"topicB\":[2,4]}, got '" + text + "'.");
    }
    if (!j.is_object()) badOption("Option 'assign' must be a JSON object of topics to partition lists, got '" + text + "'.");
    for (const auto& [topic, parts] : j.items()) {
      if (!parts.is_array()) badOption("Option 'assign' must list partitions as an array for topic '" + topic + "'.");
      for (const auto& p : parts) {
        if (!p.is_number_integer()) badOption("Option 'assign' holds a partition that is not an integer: " + p.dump());
        sub.assignment.push_back({topic, p.get<int32_t>()});
      }
    }
    std::sort(sub.assignment.begin(), sub.assignment.end());
    if (sub.assignment.empty()) badOption("Option 'assign' names no partitions.");
  }

  if (!options.has("kafka.bootstrap.servers")) {
    badOption("Option 'kafka.bootstrap.servers' must be specified for configuring the Kafka consumer (a comma-separated "
              "list of host:port).");
  }
  for (const auto& [key, value] : options.all()) {
    if (key.rfind("kafka.", 0) != 0) continue;
    std::string name = key.substr(6);
    if (name == "auto.offset.reset") {
      badOption("Kafka option 'auto.offset.reset' is not supported. Instead set the source option 'startingOffsets' to "
                "'earliest' or 'latest' to specify where to start; later, offsets come from the checkpoint.");
    }
    if (name == "key.deserializer" || name == "value.deserializer") {
      badOption("Kafka option '" + name + "' is not supported: records are read as bytes. Use DataFrame operations "
                "(cast, from_json) to deserialize the key and value.");
    }
    if (name == "enable.auto.commit") {
      badOption("Kafka option 'enable.auto.commit' is not supported: the source commits nothing to Kafka; its offsets "
                "are in the checkpoint.");
    }
    if (name == "interceptor.classes") {
      badOption("Kafka option 'interceptor.classes' is not supported, as consumer interceptors may break the Kafka "
                "source.");
    }
    out.client.properties[name] = value;
  }
  if (!out.client.properties.count("group.id")) {
    out.client.properties["group.id"] = options.get("groupIdPrefix", "spark-kafka-source") + "-" + base::randomUuid();
  }
  if (options.has("kafkaconsumer.polltimeoutms")) {
    out.client.pollTimeoutMs = positiveLong(options, "kafkaConsumer.pollTimeoutMs");
  }
  if (options.has("fetchoffset.numretries")) {
    out.client.fetchOffsetRetries = static_cast<int>(positiveLong(options, "fetchOffset.numRetries"));
  }
  if (options.has("fetchoffset.retryintervalms")) {
    out.client.fetchOffsetRetryIntervalMs = positiveLong(options, "fetchOffset.retryIntervalMs");
  }

  out.starting = parseSpec(options, true, streaming);
  if (streaming) {
    for (const char* key : {"endingoffsets", "endingtimestamp", "endingoffsetsbytimestamp"}) {
      if (options.has(key)) {
        badOption(std::string("Option '") + key + "' is for batch reads only: a streaming query reads on as data arrives. "
                  "Use read() for a bounded read, or Trigger::AvailableNow() to stop at what is there now.");
      }
    }
  } else {
    out.ending = parseSpec(options, false, false);
    for (const char* key : {"maxoffsetspertrigger", "minoffsetspertrigger", "maxtriggerdelay"}) {
      if (options.has(key)) {
        base::logWarning(std::string("Kafka option '") + key + "' is for streaming queries; a batch read ignores it.");
      }
    }
  }
  out.failOnDataLoss = options.getBool("failOnDataLoss", true);
  out.includeHeaders = options.getBool("includeHeaders", false);
  if (options.has("maxoffsetspertrigger")) out.maxOffsetsPerTrigger = positiveLong(options, "maxOffsetsPerTrigger");
  if (options.has("minoffsetspertrigger")) out.minOffsetsPerTrigger = positiveLong(options, "minOffsetsPerTrigger");
  if (options.has("maxtriggerdelay")) {
    out.maxTriggerDelayMs = parseTimeMs(options.get("maxTriggerDelay"), "maxTriggerDelay");
  }
  if (options.has("minpartitions")) out.minPartitions = positiveLong(options, "minPartitions");
  return out;
}

// The data-loss rule: an error naming what is gone, or a warning when failOnDataLoss is false.
void reportDataLoss(bool failOnDataLoss, const std::string& what) {
  if (failOnDataLoss) {
    throw DataLossError("KAFKA_DATA_LOSS",
                        what + ". Some data may have been lost because it is not in Kafka any more: it aged out "
                               "(retention) or the topic was deleted or recreated before it was processed. If you "
                               "want the query to go on from the data that is there, set the source option "
                               "failOnDataLoss to false.");
  }
  base::logWarning(what + ". Some data may have been lost (failOnDataLoss is false: going on).");
}

// Resolves a start or end spec to concrete offsets for the given partitions.
PartitionOffsets resolve(KafkaClient& client, const OffsetSpec& spec, const std::vector<TopicPartition>& partitions,
                         const std::string& what) {
  PartitionOffsets out;
  switch (spec.kind) {
    case OffsetSpec::Kind::kEarliest:
      return client.earliestOffsets(partitions);
    case OffsetSpec::Kind::kLatest:
      return client.latestOffsets(partitions);
    case OffsetSpec::Kind::kSpecific: {
      std::vector<TopicPartition> missing;
      for (const auto& tp : partitions) {
        if (!spec.offsets.count(tp)) missing.push_back(tp);
      }
      if (!missing.empty() || spec.offsets.size() != partitions.size()) {
        std::string have;
        for (const auto& tp : partitions) have += (have.empty() ? "" : ", ") + tp.toString();
        badOption("If " + what + " contains specific offsets, it must name every topic partition the query reads. "
                  "The query reads [" + have + "] but " + what + " is " + serializeOffsets(spec.offsets) + ".");
      }
      std::vector<TopicPartition> earliest;
      std::vector<TopicPartition> latest;
      for (const auto& [tp, o] : spec.offsets) {
        if (o == kEarliest) {
          earliest.push_back(tp);
        } else if (o == kLatest) {
          latest.push_back(tp);
        } else if (o < 0) {
          badOption(what + " holds offset " + std::to_string(o) + " for " + tp.toString() +
                    ": use -2 for earliest, -1 for latest, or an offset >= 0.");
        } else {
          out[tp] = o;
        }
      }
      for (const auto& [tp, o] : client.earliestOffsets(earliest)) out[tp] = o;
      for (const auto& [tp, o] : client.latestOffsets(latest)) out[tp] = o;
      return out;
    }
    case OffsetSpec::Kind::kByTimestamp:
    case OffsetSpec::Kind::kGlobalTimestamp: {
      std::map<TopicPartition, int64_t> timestamps;
      for (const auto& tp : partitions) {
        if (spec.kind == OffsetSpec::Kind::kGlobalTimestamp) {
          timestamps[tp] = spec.timestampMs;
        } else {
          auto it = spec.offsets.find(tp);
          if (it == spec.offsets.end()) {
            badOption(what + " must give a timestamp for every topic partition the query reads; " + tp.toString() +
                      " is missing.");
          }
          timestamps[tp] = it->second;
        }
      }
      auto found = client.offsetsForTimes(timestamps);
      std::vector<TopicPartition> none;
      for (const auto& tp : partitions) {
        auto it = found.find(tp);
        if (it != found.end() && it->second >= 0) {
          out[tp] = it->second;
        } else if (spec.strategyLatest) {
          none.push_back(tp);
        } else {
          badOption("No offset matched the timestamp " + std::to_string(timestamps[tp]) + " in " + tp.toString() +
                    " (" + what + "): every record there is older. Use an earlier timestamp, or set "
                    "startingOffsetsByTimestampStrategy to 'latest' to start such partitions at their latest offset.");
        }
      }
      for (const auto& [tp, o] : client.latestOffsets(none)) out[tp] = o;
      return out;
    }
  }
  return out;
}

// Builds the Kafka columns of one output partition from fetched records.
class PartitionBuilder {
 public:
  /// `expectedRows`: how many records the range holds (at most), to size the buffers.
  PartitionBuilder(types::DataTypePtr schema, bool headers, int64_t expectedRows)
      : schema_(std::move(schema)), headers_(headers), remaining_(static_cast<size_t>(std::max<int64_t>(0, expectedRows))) {
    reset();
  }

  void add(const TopicPartition& tp, const KafkaRecord& r) {
    if (r.key) {
      key_->appendString(*r.key);
    } else {
      key_->appendNull();
    }
    if (r.value) {
      value_->appendString(*r.value);
    } else {
      value_->appendNull();
    }
    topic_->appendString(tp.topic);
    partition_->append<int32_t>(tp.partition);
    offset_->append<int64_t>(r.offset);
    timestamp_->append<int64_t>(r.timestampMs * 1000);
    timestampType_->append<int32_t>(r.timestampType);
    if (headers_) {
      if (r.headers == nullptr || r.headers->empty()) {
        headerList_->appendNull();
      } else {
        auto& entry = headerList_->mutableChild(0);
        for (const auto& h : *r.headers) {
          entry.mutableChild(0).appendString(h.key);
          if (h.value) {
            entry.mutableChild(1).appendString(*h.value);
          } else {
            entry.mutableChild(1).appendNull();
          }
          entry.appendStructRow();
        }
        headerList_->appendListEnd();
      }
    }
    if (offset_->size() >= kRowsPerBatch) flush();
  }

  void flush() {
    size_t n = offset_->size();
    if (n == 0) return;
    remaining_ -= std::min(remaining_, n);
    keyBytesPerRow_ = key_->bytes().size() / n + 1;
    valueBytesPerRow_ = value_->bytes().size() / n + 1;
    std::vector<columnar::VectorPtr> cols{key_, value_, topic_, partition_, offset_, timestamp_, timestampType_};
    if (headers_) cols.push_back(headerList_);
    batches_.push_back(ColumnBatch(schema_, std::move(cols), n));
    reset();
  }

  plan::Partition take() {
    flush();
    return std::move(batches_);
  }

 private:
  // Larger than the engine's default: from_json parses a batch's values in one pass.
  static constexpr size_t kRowsPerBatch = 16384;

  void reset() {
    const auto& fields = schema_->fields();
    key_ = Vector::make(fields[0].type);
    value_ = Vector::make(fields[1].type);
    topic_ = Vector::make(fields[2].type);
    partition_ = Vector::make(fields[3].type);
    offset_ = Vector::make(fields[4].type);
    timestamp_ = Vector::make(fields[5].type);
    timestampType_ = Vector::make(fields[6].type);
    if (headers_) headerList_ = Vector::make(fields[7].type);
    // Sized for a full batch up front (from the sizes seen so far): growing by doubling would copy
    // the values several times over.
    const size_t rows = std::min(kRowsPerBatch, remaining_);
    for (auto* v : {&key_, &value_, &topic_, &partition_, &offset_, &timestamp_, &timestampType_}) (*v)->reserve(rows);
    key_->mutableBytes().reserve(rows * keyBytesPerRow_);
    value_->mutableBytes().reserve(rows * valueBytesPerRow_ + 64);
    topic_->mutableBytes().reserve(rows * 16);
  }

  types::DataTypePtr schema_;
  bool headers_;
  size_t remaining_;
  size_t keyBytesPerRow_ = 16;
  size_t valueBytesPerRow_ = 192;
  MutableVectorPtr key_, value_, topic_, partition_, offset_, timestamp_, timestampType_, headerList_;
  std::vector<ColumnBatch> batches_;
};

// Fetches [from, until) of every partition into output partitions: one per Kafka partition, or
// more when minPartitions asks for them (large ranges split into equal offset slices).
class RangeReader : public FetchConsumer {
 public:
  RangeReader(const std::vector<FetchRange>& ranges, types::DataTypePtr schema, bool headers, bool failOnDataLoss,
              int64_t minPartitions)
      : ranges_(ranges), failOnDataLoss_(failOnDataLoss), headers_(headers) {
    int64_t total = 0;
    for (const auto& r : ranges) total += std::max<int64_t>(0, r.untilOffset - r.fromOffset);
    for (const auto& r : ranges) {
      int64_t size = std::max<int64_t>(0, r.untilOffset - r.fromOffset);
      int64_t parts = 1;
      if (minPartitions > static_cast<int64_t>(ranges.size()) && total > 0) {
        parts = std::max<int64_t>(1, static_cast<int64_t>(std::llround(static_cast<double>(size) / total * minPartitions)));
      }
      std::vector<int64_t> bounds;  // starts of slices after the first
      for (int64_t k = 1; k < parts; ++k) bounds.push_back(r.fromOffset + size * k / parts);
      bounds_.push_back(bounds);
      firstOutput_.push_back(outputs_.size());
      for (int64_t k = 0; k < parts; ++k) outputs_.emplace_back(schema, headers, (size + parts - 1) / parts);
    }
    slice_.assign(ranges.size(), 0);
  }

  void record(size_t range, const KafkaRecord& r) override {
    auto& slice = slice_[range];
    const auto& bounds = bounds_[range];
    while (slice < bounds.size() && r.offset >= bounds[slice]) ++slice;
    outputs_[firstOutput_[range] + slice].add(ranges_[range].partition, r);
  }

  bool wantsHeaders() const override { return headers_; }

  bool dataLost(size_t range, int64_t requested, int64_t earliest) override {
    const auto& r = ranges_[range];
    reportDataLoss(failOnDataLoss_, "Cannot fetch offset " + std::to_string(requested) + " of " +
                                        r.partition.toString() + " (reading up to " + std::to_string(r.untilOffset) +
                                        "): the earliest offset still there is " + std::to_string(earliest));
    return true;
  }

  plan::Partitions take() {
    plan::Partitions out;
    for (auto& o : outputs_) out.push_back(o.take());
    return out;
  }

 private:
  const std::vector<FetchRange>& ranges_;
  bool failOnDataLoss_;
  bool headers_;
  std::vector<std::vector<int64_t>> bounds_;
  std::vector<size_t> firstOutput_;
  std::vector<size_t> slice_;
  std::vector<PartitionBuilder> outputs_;
};

// The ranges between two offset maps, with Spark's checks: new partitions start at their earliest
// offset (data loss if that is not 0), vanished partitions and offsets that went back are data loss.
std::vector<FetchRange> planRanges(KafkaClient& client, PartitionOffsets from, const PartitionOffsets& until,
                                   bool failOnDataLoss) {
  std::vector<TopicPartition> added;
  for (const auto& [tp, o] : until) {
    if (!from.count(tp)) added.push_back(tp);
  }
  if (!added.empty()) {
    for (const auto& [tp, earliest] : client.earliestOffsets(added)) {
      if (earliest != 0) {
        reportDataLoss(failOnDataLoss, "Added partition " + tp.toString() + " starts from " + std::to_string(earliest) +
                                           " instead of 0");
      }
      from[tp] = earliest;
    }
  }
  std::string gone;
  for (const auto& [tp, o] : from) {
    if (!until.count(tp)) gone += (gone.empty() ? "" : ", ") + tp.toString();
  }
  if (!gone.empty()) reportDataLoss(failOnDataLoss, "Partitions [" + gone + "] are gone");
  std::vector<FetchRange> ranges;
  for (const auto& [tp, end] : until) {
    int64_t start = from[tp];
    if (end < start) {
      reportDataLoss(failOnDataLoss, "Partition " + tp.toString() + "'s offset was changed from " +
                                         std::to_string(start) + " to " + std::to_string(end));
      start = end;
    }
    ranges.push_back({tp, start, end});
  }
  return ranges;
}

plan::Partitions readRanges(KafkaClient& client, const std::vector<FetchRange>& ranges, const types::DataTypePtr& schema,
                            const KafkaOptions& options) {
  RangeReader reader(ranges, schema, options.includeHeaders, options.failOnDataLoss, options.minPartitions);
  // The reader indexes ranges by position: fetch all of them (empty ones finish at once).
  if (std::any_of(ranges.begin(), ranges.end(), [](const FetchRange& r) { return r.untilOffset > r.fromOffset; })) {
    client.fetch(ranges, reader);
  }
  return reader.take();
}

class KafkaStreamSource : public connector::Source {
 public:
  KafkaStreamSource(KafkaOptions options, types::DataTypePtr schema, std::string description,
                    const connector::SourceContext& context)
      : options_(std::move(options)),
        schema_(std::move(schema)),
        description_(std::move(description)),
        context_(context),
        clock_(context.clock ? context.clock : base::systemClock()) {
    options_.client.interrupted = context.interrupted;
    client_ = clientFactory()(options_.client);
  }

  std::string describe() const override { return description_; }
  types::DataTypePtr schema() const override { return schema_; }

  std::optional<connector::Offset> latestOffset(const std::optional<connector::Offset>& start,
                                                const connector::ReadLimit& limit) override {
    PartitionOffsets from = start ? parseOffsets(*start, "the offset log") : initialOffsets();
    auto partitions = client_->partitions(options_.subscription);
    PartitionOffsets latest = client_->latestOffsets(partitions);
    latest_ = latest;
    if (availableNow_) {
      // Trigger.AvailableNow: only what was there when the query started.
      PartitionOffsets capped;
      for (const auto& [tp, o] : *availableNow_) {
        auto it = latest.find(tp);
        capped[tp] = it == latest.end() ? o : std::min(o, it->second);
      }
      latest = std::move(capped);
    }
    if (latest.empty() && from.empty()) return start;
    if (limit.kind == connector::ReadLimit::Kind::kAll) return serializeOffsets(latest);

    // New partitions count from their earliest offset.
    PartitionOffsets fromAll = from;
    std::vector<TopicPartition> added;
    for (const auto& [tp, o] : latest) {
      if (!from.count(tp)) added.push_back(tp);
    }
    for (const auto& [tp, o] : client_->earliestOffsets(added)) fromAll[tp] = o;

    if (options_.minOffsetsPerTrigger > 0 && start) {
      const int64_t now = clock_->nowMs();
      if (now - lastTriggerMs_ >= options_.maxTriggerDelayMs) {
        lastTriggerMs_ = now;
      } else {
        int64_t available = 0;
        for (const auto& [tp, o] : latest) {
          auto it = from.find(tp);
          available += o - (it == from.end() ? 0 : it->second);
        }
        if (available < options_.minOffsetsPerTrigger) return start;  // wait for more
        lastTriggerMs_ = now;
      }
    } else if (options_.minOffsetsPerTrigger > 0) {
      lastTriggerMs_ = clock_->nowMs();
    }
    if (options_.maxOffsetsPerTrigger > 0) {
      PartitionOffsets until;
      for (const auto& [tp, o] : latest) until[tp] = o;
      return serializeOffsets(rateLimit(options_.maxOffsetsPerTrigger, fromAll, until));
    }
    return serializeOffsets(latest);
  }

  std::optional<connector::Offset> reportLatestOffset() override {
    if (latest_.empty()) return std::nullopt;
    return serializeOffsets(latest_);
  }

  plan::Partitions getBatch(const std::optional<connector::Offset>& start, const connector::Offset& end) override {
    PartitionOffsets from = start ? parseOffsets(*start, "the offset log") : initialOffsets();
    PartitionOffsets until = parseOffsets(end, "the offset log");
    auto ranges = planRanges(*client_, from, until, options_.failOnDataLoss);
    return readRanges(*client_, ranges, schema_, options_);
  }

  void prepareForTriggerAvailableNow() override {
    availableNow_ = client_->latestOffsets(client_->partitions(options_.subscription));
  }

  std::map<std::string, std::string> metrics(const std::optional<connector::Offset>& consumed) override {
    if (!consumed || latest_.empty()) return {};
    PartitionOffsets done = parseOffsets(*consumed, "the offset log");
    int64_t minBehind = INT64_MAX;
    int64_t maxBehind = 0;
    int64_t sum = 0;
    for (const auto& [tp, latest] : latest_) {
      auto it = done.find(tp);
      int64_t behind = std::max<int64_t>(0, latest - (it == done.end() ? 0 : it->second));
      minBehind = std::min(minBehind, behind);
      maxBehind = std::max(maxBehind, behind);
      sum += behind;
    }
    double avg = static_cast<double>(sum) / static_cast<double>(latest_.size());
    std::string avgText = std::to_string(avg);
    // Spark prints a double: 0.0, 12.5.
    while (avgText.size() > 1 && avgText.back() == '0' && avgText[avgText.size() - 2] != '.') avgText.pop_back();
    return {{"avgOffsetsBehindLatest", avgText},
            {"maxOffsetsBehindLatest", std::to_string(maxBehind)},
            {"minOffsetsBehindLatest", std::to_string(minBehind)}};
  }

  void stop() override { client_.reset(); }

 private:
  // The offsets a new query starts from, fixed in sources/<i>/0 at the first batch (Spark's
  // initial offset file: a zero byte, "v1", a newline and the offsets) so restarts agree.
  PartitionOffsets initialOffsets() {
    if (initial_) return *initial_;
    auto& fs = *context_.fileSystem;
    const std::string file = io::joinPath(context_.metadataPath, "0");
    if (!fs.exists(file)) {
      auto partitions = client_->partitions(options_.subscription);
      auto offsets = resolve(*client_, options_.starting, partitions, "startingOffsets");
      fs.writeAtomic(file, std::string(1, '\0') + "v1\n" + serializeOffsets(offsets), false);
    }
    std::string text = fs.read(file);
    if (!text.empty() && text[0] == '\0') text.erase(0, 1);
    auto newline = text.find('\n');
    if (text.rfind("v", 0) != 0 || newline == std::string::npos) {
      throw CorruptionError("CHECKPOINT_CORRUPT", "The Kafka source's initial offsets file " + file +
                                                      " is corrupt. Restore it, or use a new checkpointLocation.");
    }
    if (text.substr(0, newline) != "v1") {
      throw CorruptionError("CHECKPOINT_UNSUPPORTED_VERSION",
                            "The Kafka source's initial offsets file " + file + " has version " +
                                text.substr(1, newline - 1) + "; this Weir reads version 1. Upgrade Weir.");
    }
    initial_ = parseOffsets(std::string_view(text).substr(newline + 1), file);
    return *initial_;
  }

  KafkaOptions options_;
  types::DataTypePtr schema_;
  std::string description_;
  connector::SourceContext context_;
  std::shared_ptr<base::Clock> clock_;
  std::unique_ptr<KafkaClient> client_;
  std::optional<PartitionOffsets> initial_;
  std::optional<PartitionOffsets> availableNow_;
  PartitionOffsets latest_;
  int64_t lastTriggerMs_ = 0;
};

class KafkaStreamInput : public connector::SourceProvider {
 public:
  explicit KafkaStreamInput(KafkaOptions options) : options_(std::move(options)), schema_(kafkaSchema(options_.includeHeaders)) {}
  types::DataTypePtr schema() const override { return schema_; }
  std::string describe() const override { return "KafkaV2[" + options_.subscription.describe() + "]"; }
  std::unique_ptr<connector::Source> createSource(const connector::SourceContext& context) const override {
    return std::make_unique<KafkaStreamSource>(options_, schema_, describe(), context);
  }

 private:
  KafkaOptions options_;
  types::DataTypePtr schema_;
};

class KafkaScan : public plan::ScanSource {
 public:
  explicit KafkaScan(KafkaOptions options) : options_(std::move(options)), schema_(kafkaSchema(options_.includeHeaders)) {}
  types::DataTypePtr schema() const override { return schema_; }
  std::string describe() const override {
    return "KafkaRelation(strategy=" + options_.subscription.describe() + ", start=" + options_.starting.describe() +
           ", end=" + options_.ending.describe() + ")";
  }
  plan::Partitions read() const override {
    auto client = clientFactory()(options_.client);
    auto partitions = client->partitions(options_.subscription);
    auto from = resolve(*client, options_.starting, partitions, "startingOffsets");
    auto until = resolve(*client, options_.ending, partitions, "endingOffsets");
    std::vector<FetchRange> ranges;
    for (const auto& [tp, end] : until) {
      auto it = from.find(tp);
      int64_t start = it == from.end() ? 0 : it->second;
      if (end < start) {
        badOption("The ending offset " + std::to_string(end) + " of " + tp.toString() + " is before its starting offset " +
                  std::to_string(start) + ".");
      }
      ranges.push_back({tp, start, end});
    }
    return readRanges(*client, ranges, schema_, options_);
  }

 private:
  KafkaOptions options_;
  types::DataTypePtr schema_;
};

}  // namespace

types::DataTypePtr kafkaSchema(bool includeHeaders) {
  std::vector<types::Field> fields{{"key", DataType::binary(), true, "{}"},
                                   {"value", DataType::binary(), true, "{}"},
                                   {"topic", DataType::string(), true, "{}"},
                                   {"partition", DataType::integer(), true, "{}"},
                                   {"offset", DataType::longType(), true, "{}"},
                                   {"timestamp", DataType::timestamp(), true, "{}"},
                                   {"timestampType", DataType::integer(), true, "{}"}};
  if (includeHeaders) {
    auto header = DataType::structOf({{"key", DataType::string(), true, "{}"}, {"value", DataType::binary(), true, "{}"}});
    fields.push_back({"headers", DataType::array(header, true), true, "{}"});
  }
  return DataType::structOf(std::move(fields));
}

std::string serializeOffsets(const PartitionOffsets& offsets) {
  std::string out = "{";
  std::string topic;
  bool first = true;
  for (const auto& [tp, o] : offsets) {
    if (first || tp.topic != topic) {
      if (!first) out += "},";
      out += nlohmann::json(tp.topic).dump() + ":{";
      topic = tp.topic;
      first = false;
    } else {
      out += ",";
    }
    out += "\"" + std::to_string(tp.partition) + "\":" + std::to_string(o);
  }
  if (!first) out += "}";
  return out + "}";
}

PartitionOffsets parseOffsets(std::string_view json, const std::string& what) {
  auto fail = [&]() -> PartitionOffsets {
    throw InvalidInputError("KAFKA_INVALID_OFFSETS",
                            "Expected e.g. {\"topicA\":{\"0\":23,\"1\":-1},\"topicB\":{\"0\":-2}} in " + what + ", got " +
                                std::string(json) + ".");
  };
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(json);
  } catch (const std::exception&) {
    return fail();
  }
  if (!j.is_object()) return fail();
  PartitionOffsets out;
  for (const auto& [topic, parts] : j.items()) {
    if (!parts.is_object()) return fail();
    for (const auto& [p, o] : parts.items()) {
      if (!o.is_number_integer()) return fail();
      int32_t partition = 0;
      try {
        size_t used = 0;
        partition = std::stoi(p, &used);
        if (used != p.size() || partition < 0) return fail();
      } catch (const std::exception&) {
        return fail();
      }
      out[{topic, partition}] = o.get<int64_t>();
    }
  }
  return out;
}

PartitionOffsets rateLimit(int64_t limit, const PartitionOffsets& from, const PartitionOffsets& until) {
  std::map<TopicPartition, int64_t> sizes;
  double total = 0;
  for (const auto& [tp, end] : until) {
    auto it = from.find(tp);
    if (it == from.end()) continue;
    int64_t size = end - it->second;
    if (size > 0) {
      sizes[tp] = size;
      total += static_cast<double>(size);
    }
  }
  if (total < 1) return until;
  PartitionOffsets out;
  for (const auto& [tp, end] : until) {
    auto it = sizes.find(tp);
    if (it == sizes.end()) {
      out[tp] = end;
      continue;
    }
    int64_t begin = from.at(tp);
    double prorate = static_cast<double>(limit) * (static_cast<double>(it->second) / total);
    auto share = static_cast<int64_t>(prorate < 1 ? std::ceil(prorate) : std::floor(prorate));
    int64_t off = share > end - begin ? end : begin + share;
    out[tp] = std::min(end, off);
  }
  return out;
}

namespace {
void rejectSchemaAndPath(const types::DataTypePtr& userSchema, bool hasPath) {
  if (userSchema) {
    throw AnalysisError("USER_SPECIFIED_SCHEMA_UNSUPPORTED",
                        "The Kafka source does not support a user-specified schema: its columns are always key, "
                        "value, topic, partition, offset, timestamp and timestampType (and headers). Parse the "
                        "value with from_json.");
  }
  if (hasPath) {
    throw AnalysisError("KAFKA_NO_PATH", "The Kafka source takes no path: name topics with option(\"subscribe\", ..).");
  }
}
}  // namespace

std::shared_ptr<const plan::StreamingInput> makeKafkaStreamSource(const plan::Options& options,
                                                                  const types::DataTypePtr& userSchema, bool hasPath) {
  rejectSchemaAndPath(userSchema, hasPath);
  return std::make_shared<KafkaStreamInput>(parseOptions(options, true));
}

std::shared_ptr<const plan::ScanSource> makeKafkaScan(const plan::Options& options, const types::DataTypePtr& userSchema,
                                                      bool hasPath) {
  rejectSchemaAndPath(userSchema, hasPath);
  return std::make_shared<KafkaScan>(parseOptions(options, false));
}

}  // namespace weir::connectors::kafka
