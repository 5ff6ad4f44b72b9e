#include "weir/connectors/kafka/local_cluster.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "weir/base/error.h"

namespace weir::connectors::kafka {

namespace {
void check(rd_kafka_resp_err_t err, const std::string& what) {
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw IoError("KAFKA_LOCAL_BROKER", "The local Kafka broker could not " + what + ": " + rd_kafka_err2str(err));
  }
}
}  // namespace

LocalCluster::LocalCluster(int brokers) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The mock cluster lives inside a client handle; a producer with nothing to send is the lightest.
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
  handle_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (handle_ == nullptr) throw IoError("KAFKA_LOCAL_BROKER", std::string("Could not start the local Kafka broker: ") + errstr);
  cluster_ = rd_kafka_mock_cluster_new(handle_, brokers);
  if (cluster_ == nullptr) {
    rd_kafka_destroy(handle_);
    throw IoError("KAFKA_LOCAL_BROKER", "Could not start the local Kafka broker (no free loopback port?).");
  }
}

LocalCluster::~LocalCluster() {
  rd_kafka_mock_cluster_destroy(cluster_);
  rd_kafka_destroy(handle_);
}

std::string LocalCluster::bootstrapServers() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }

void LocalCluster::createTopic(const std::string& name, int partitions) {
  check(rd_kafka_mock_topic_create(cluster_, name.c_str(), partitions, 1), "create topic " + name);
}

void LocalCluster::setBrokerDown(int brokerId) { check(rd_kafka_mock_broker_set_down(cluster_, brokerId), "stop a broker"); }

void LocalCluster::setBrokerUp(int brokerId) { check(rd_kafka_mock_broker_set_up(cluster_, brokerId), "start a broker"); }

void LocalCluster::pushRequestErrors(int16_t apiKey, const std::vector<int>& errors) {
  std::vector<rd_kafka_resp_err_t> codes;
  for (int e : errors) codes.push_back(static_cast<rd_kafka_resp_err_t>(e));
  rd_kafka_mock_push_request_errors_array(cluster_, apiKey, codes.size(), codes.data());
}

}  // namespace weir::connectors::kafka
