#include "weir/connectors/kafka/kafka_sink.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <mutex>

#include "weir/base/error.h"
#include "weir/base/text.h"
#include "weir/columnar/column_batch.h"
#include "weir/connectors/kafka/rdkafka_conf.h"

namespace weir::connectors::kafka {

namespace {

using types::TypeId;

[[noreturn]] void badWrite(const std::string& message) { throw AnalysisError("KAFKA_INVALID_WRITE", message); }

int fieldIndex(const types::DataTypePtr& schema, const std::string& name) {
  const auto& fields = schema->fields();
  for (size_t i = 0; i < fields.size(); ++i) {
    if (base::asciiLower(fields[i].name) == name) return static_cast<int>(i);
  }
  return -1;
}

struct Columns {
  int value = -1, key = -1, topic = -1, partition = -1, headers = -1;
};

Columns columnsOf(const types::DataTypePtr& schema, const plan::Options& options) {
  Columns c;
  c.value = fieldIndex(schema, "value");
  c.key = fieldIndex(schema, "key");
  c.topic = fieldIndex(schema, "topic");
  c.partition = fieldIndex(schema, "partition");
  c.headers = fieldIndex(schema, "headers");
  const auto& fields = schema->fields();
  auto bytesLike = [](const types::DataTypePtr& t) { return t->id() == TypeId::kString || t->id() == TypeId::kBinary; };
  if (c.value < 0) badWrite("Required attribute 'value' not found: the Kafka sink writes a column named value (string or binary).");
  if (!bytesLike(fields[c.value].type)) {
    badWrite("value attribute type must be a string or binary, but it is " + fields[c.value].type->simpleString() +
             ". Cast it, or serialize with to_json.");
  }
  if (c.key >= 0 && !bytesLike(fields[c.key].type)) {
    badWrite("key attribute type must be a string or binary, but it is " + fields[c.key].type->simpleString() + ".");
  }
  if (!options.has("topic")) {
    if (c.topic < 0) {
      badWrite("topic option required when no 'topic' attribute is present. Use the topic option for setting a topic.");
    }
    if (fields[c.topic].type->id() != TypeId::kString) {
      badWrite("topic attribute type must be a string, but it is " + fields[c.topic].type->simpleString() + ".");
    }
  }
  if (c.partition >= 0 && fields[c.partition].type->id() != TypeId::kInteger) {
    badWrite("partition attribute type must be an int, but it is " + fields[c.partition].type->simpleString() + ".");
  }
  if (c.headers >= 0) {
    const auto& t = fields[c.headers].type;
    bool ok = t->id() == TypeId::kArray && t->elementType()->id() == TypeId::kStruct &&
              t->elementType()->fields().size() == 2 && t->elementType()->fields()[0].type->id() == TypeId::kString &&
              t->elementType()->fields()[1].type->id() == TypeId::kBinary;
    if (!ok) {
      badWrite("headers attribute type must be array<struct<key:string,value:binary>>, but it is " + t->simpleString() + ".");
    }
  }
  if (!options.has("kafka.bootstrap.servers")) {
    badWrite("Option 'kafka.bootstrap.servers' must be specified for configuring the Kafka producer.");
  }
  for (const auto& [key, value] : options.all()) {
    if (key == "kafka.key.serializer" || key == "kafka.value.serializer") {
      badWrite("Kafka option '" + key.substr(6) + "' is not supported: keys and values are written as bytes. Use "
               "DataFrame operations (cast, to_json) to serialize them.");
    }
    if (key == "kafka.enable.idempotence" && base::asciiLower(value) != "true") {
      badWrite("Kafka option 'enable.idempotence' cannot be turned off: Weir's producer is always idempotent so that "
               "broker retries never write a record twice.");
    }
    if (key == "kafka.transactional.id") {
      badWrite("Kafka option 'transactional.id' is not supported: the Kafka sink is at-least-once, as in Spark.");
    }
  }
  return c;
}

// A librdkafka producer; records are copied into librdkafka's queue and acknowledged by delivery
// reports, which flush() waits for.
class Producer {
 public:
  explicit Producer(const plan::Options& options) {
    char errstr[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    setConf(conf, "enable.idempotence", "true", false);
    setConf(conf, "linger.ms", "5", false);
    routeLogs(conf);
    for (const auto& [key, value] : options.all()) {
      if (key.rfind("kafka.", 0) == 0) setConf(conf, key.substr(6), value, true);
    }
    bootstrap_ = options.get("kafka.bootstrap.servers");
    rd_kafka_conf_set_dr_msg_cb(conf, &Producer::onDelivery);
    rd_kafka_conf_set_opaque(conf, this);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (rk_ == nullptr) throw InvalidInputError("KAFKA_CLIENT", std::string("Could not create the Kafka producer: ") + errstr);
  }

  ~Producer() {
    for (auto& [name, topic] : topics_) rd_kafka_topic_destroy(topic);
    rd_kafka_flush(rk_, 0);
    rd_kafka_destroy(rk_);
  }

  void produce(const std::string& topic, int32_t partition, std::optional<std::string_view> key,
               std::optional<std::string_view> value, rd_kafka_headers_t* headers) {
    rd_kafka_topic_t* rkt = topicHandle(topic);
    void* valuePtr = value ? const_cast<char*>(value->data()) : nullptr;
    size_t valueLen = value ? value->size() : 0;
    const void* keyPtr = key ? key->data() : nullptr;
    size_t keyLen = key ? key->size() : 0;
    while (true) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          rk_, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_VALUE(valuePtr, valueLen), RD_KAFKA_V_KEY(keyPtr, keyLen), RD_KAFKA_V_HEADERS(headers),
          RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        rd_kafka_poll(rk_, 50);  // wait for deliveries to make room
        continue;
      }
      if (headers != nullptr) rd_kafka_headers_destroy(headers);
      throw IoError("KAFKA_WRITE_FAILED", "Could not queue a record for Kafka topic '" + topic + "': " + rd_kafka_err2str(err));
    }
    ++queued_;
    rd_kafka_poll(rk_, 0);
  }

  // Waits until every queued record is acknowledged; fails with the first delivery error.
  void flush() {
    while (rd_kafka_outq_len(rk_) > 0) {
      rd_kafka_flush(rk_, 1000);
      checkFatal();
    }
    checkFatal();
    std::lock_guard lock(mutex_);
    if (failed_ > 0) {
      std::string message = "Could not write " + std::to_string(failed_) + " of " + std::to_string(queued_) +
                            " records to Kafka (" + bootstrap_ + "): " + firstError_ +
                            ". The brokers did not acknowledge them within message.timeout.ms (default 300000); "
                            "check the brokers and topics. A restarted query writes the batch again.";
      failed_ = 0;
      queued_ = 0;
      throw IoError("KAFKA_WRITE_FAILED", message);
    }
    queued_ = 0;
  }

 private:
  static void onDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Producer*>(opaque);
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
    std::lock_guard lock(self->mutex_);
    if (self->failed_++ == 0) {
      self->firstError_ = std::string(rd_kafka_err2str(m->err)) +
                          (m->rkt != nullptr ? std::string(" (topic ") + rd_kafka_topic_name(m->rkt) + ")" : "");
    }
  }

  void checkFatal() {
    char errstr[512];
    rd_kafka_resp_err_t err = rd_kafka_fatal_error(rk_, errstr, sizeof(errstr));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw IoError("KAFKA_WRITE_FAILED", std::string("The Kafka producer failed: ") + errstr);
    }
  }

  rd_kafka_topic_t* topicHandle(const std::string& name) {
    auto it = topics_.find(name);
    if (it != topics_.end()) return it->second;
    rd_kafka_topic_t* t = rd_kafka_topic_new(rk_, name.c_str(), nullptr);
    if (t == nullptr) {
      throw IoError("KAFKA_WRITE_FAILED", "Invalid Kafka topic name '" + name + "': " +
                                              rd_kafka_err2str(rd_kafka_last_error()));
    }
    topics_.emplace(name, t);
    return t;
  }

  rd_kafka_t* rk_ = nullptr;
  std::string bootstrap_;
  std::map<std::string, rd_kafka_topic_t*> topics_;
  std::mutex mutex_;
  int64_t failed_ = 0;
  int64_t queued_ = 0;
  std::string firstError_;
};

int64_t produceAll(Producer& producer, const Columns& c, const std::string& defaultTopic, const plan::Partitions& data) {
  int64_t rows = 0;
  for (const auto& partition : data) {
    for (const auto& batch : partition) {
      const auto& value = *batch.column(static_cast<size_t>(c.value));
      const columnar::Vector* key = c.key >= 0 ? batch.column(static_cast<size_t>(c.key)).get() : nullptr;
      const columnar::Vector* topic = c.topic >= 0 ? batch.column(static_cast<size_t>(c.topic)).get() : nullptr;
      const columnar::Vector* part = c.partition >= 0 ? batch.column(static_cast<size_t>(c.partition)).get() : nullptr;
      const columnar::Vector* headers = c.headers >= 0 ? batch.column(static_cast<size_t>(c.headers)).get() : nullptr;
      for (size_t r = 0; r < batch.numRows(); ++r) {
        std::string topicName = defaultTopic;
        if (topicName.empty()) {
          if (topic->isNull(r)) {
            throw InvalidInputError("KAFKA_NULL_TOPIC", "null topic present in the data. Use the topic option for "
                                                        "setting a default topic.");
          }
          topicName = std::string(topic->stringAt(r));
        }
        int32_t p = part != nullptr && part->isValid(r) ? part->valueAt<int32_t>(r) : RD_KAFKA_PARTITION_UA;
        std::optional<std::string_view> k;
        if (key != nullptr && key->isValid(r)) k = key->stringAt(r);
        std::optional<std::string_view> v;
        if (value.isValid(r)) v = value.stringAt(r);
        rd_kafka_headers_t* hdrs = nullptr;
        if (headers != nullptr && headers->isValid(r) && headers->listSize(r) > 0) {
          const auto& entries = headers->child(0);
          uint32_t begin = headers->offsets()[r];
          uint32_t end = headers->offsets()[r + 1];
          hdrs = rd_kafka_headers_new(end - begin);
          for (uint32_t e = begin; e < end; ++e) {
            if (entries.isNull(e) || entries.child(0).isNull(e)) continue;
            auto name = entries.child(0).stringAt(e);
            if (entries.child(1).isNull(e)) {
              rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()), nullptr, 0);
            } else {
              auto bytes = entries.child(1).stringAt(e);
              rd_kafka_header_add(hdrs, name.data(), static_cast<ssize_t>(name.size()), bytes.data(),
                                  static_cast<ssize_t>(bytes.size()));
            }
          }
        }
        producer.produce(topicName, p, k, v, hdrs);
        ++rows;
      }
    }
  }
  producer.flush();
  return rows;
}

class KafkaStreamSink : public connector::Sink {
 public:
  KafkaStreamSink(const types::DataTypePtr& schema, plan::Options options)
      : options_(std::move(options)) {
    columnsOf(schema, options_);  // fails at start() when the columns do not fit
  }

  std::string describe() const override { return "KafkaTable[" + options_.get("topic", "<topic column>") + "]"; }

  void addBatch(int64_t, const connector::BatchOutput& output) override {
    Columns c = columnsOf(output.schema, options_);
    if (!producer_) producer_ = std::make_unique<Producer>(options_);
    try {
      rows_ = produceAll(*producer_, c, options_.get("topic"), output.partitions);
    } catch (...) {
      producer_.reset();  // a fresh producer for the retry
      throw;
    }
  }

  int64_t lastOutputRows() const override { return rows_; }
  void stop() override { producer_.reset(); }

 private:
  plan::Options options_;
  std::unique_ptr<Producer> producer_;
  int64_t rows_ = 0;
};

}  // namespace

void validateKafkaWrite(const types::DataTypePtr& schema, const plan::Options& options) { columnsOf(schema, options); }

std::shared_ptr<connector::Sink> makeKafkaStreamSink(const types::DataTypePtr& schema, const plan::Options& options) {
  return std::make_shared<KafkaStreamSink>(schema, options);
}

int64_t writeKafka(const types::DataTypePtr& schema, const plan::Partitions& data, const plan::Options& options) {
  Columns c = columnsOf(schema, options);
  Producer producer(options);
  return produceAll(producer, c, options.get("topic"), data);
}

}  // namespace weir::connectors::kafka
