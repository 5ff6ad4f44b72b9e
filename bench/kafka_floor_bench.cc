// The floor of any Kafka reader built on librdkafka's consumer API, without Weir: a hand-written
// consumer assigns every partition of a topic from its start, takes records in batches from the
// consumer queue (rd_kafka_consume_batch_queue, as Weir's source does), copies each value into a
// reused buffer (a columnar reader copies it once into its column) and frees the message. Stops
// after `events` records. Prints one JSON line: events and the CPU seconds of the process (with
// librdkafka's threads) over the read, so that the Kafka rows of the suite (W0, W2) can be read
// against what the client library alone costs per record.
//
// Usage: kafka_floor_bench BOOTSTRAP TOPIC EVENTS [ROW] [PROPERTY=VALUE...]
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "process_usage.h"

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "kafka_floor_bench: %s\n", what.c_str());
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: kafka_floor_bench BOOTSTRAP TOPIC EVENTS [ROW] [PROPERTY=VALUE...]\n");
    return 2;
  }
  const std::string bootstrap = argv[1], topic = argv[2];
  const long long events = std::atoll(argv[3]);
  const std::string row = argc > 4 ? argv[4] : "kafka-floor";
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& key, const std::string& value) {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK)
      fail(err);
  };
  set("bootstrap.servers", bootstrap);
  set("group.id", "weir-kafka-floor-bench");  // assign() needs one; nothing is committed
  set("enable.auto.commit", "false");
  // As Weir's source against the local broker (scripts/bench.sh passes the same to the Kafka rows).
  set("fetch.wait.max.ms", "10");
  for (int i = 5; i < argc; ++i) {
    const std::string kv = argv[i];
    const auto eq = kv.find('=');
    if (eq == std::string::npos) fail("expected PROPERTY=VALUE, got " + kv);
    set(kv.substr(0, eq), kv.substr(eq + 1));
  }
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) fail(err);
  rd_kafka_poll_set_consumer(rk);

  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      md->topic_cnt != 1 || md->topics[0].partition_cnt == 0) {
    fail("no partitions found for topic " + topic);
  }
  const int partitions = md->topics[0].partition_cnt;
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);

  const double cpu0 = weir::bench::processCpuSeconds();
  const auto wall0 = std::chrono::steady_clock::now();
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  }
  if (rd_kafka_assign(rk, list) != RD_KAFKA_RESP_ERR_NO_ERROR) fail("assign failed");
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk);

  std::vector<rd_kafka_message_t*> batch(4096);
  std::vector<char> values(size_t{64} << 20);  // reused: the copy a column reader makes
  size_t at = 0;
  long long taken = 0, bytes = 0;
  unsigned checksum = 0;
  auto lastProgress = std::chrono::steady_clock::now();
  while (taken < events) {
    const ssize_t n = rd_kafka_consume_batch_queue(queue, 100, batch.data(), batch.size());
    for (ssize_t i = 0; i < n; ++i) {
      rd_kafka_message_t* m = batch[static_cast<size_t>(i)];
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && taken < events) {
        ++taken;
        bytes += static_cast<long long>(m->len);
        if (at + m->len > values.size()) at = 0;
        if (m->len > 0) {
          std::memcpy(values.data() + at, m->payload, m->len);
          checksum += static_cast<unsigned char>(values[at + m->len / 2]);
        }
        at += m->len;
        lastProgress = std::chrono::steady_clock::now();
      }
      rd_kafka_message_destroy(m);
    }
    if (std::chrono::steady_clock::now() - lastProgress > std::chrono::seconds(30)) {
      fail("no records for 30 s after " + std::to_string(taken) + " of " + std::to_string(events));
    }
  }
  const double cpu = weir::bench::processCpuSeconds() - cpu0;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
  rd_kafka_queue_destroy(queue);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  std::printf(
      "{\"row\":\"%s\",\"system\":\"kafka-floor\",\"events\":%lld,\"bytes\":%lld,\"cpuSeconds\":%."
      "3f,"
      "\"wallSeconds\":%.3f,\"checksum\":%u}\n",
      row.c_str(), taken, bytes, cpu, wall, checksum);
  return 0;
}
