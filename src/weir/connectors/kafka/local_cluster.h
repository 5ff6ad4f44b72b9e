// A local Kafka-protocol broker for development, demos and tests: librdkafka's mock cluster, which
// speaks the real protocol over TCP on loopback (any Kafka client connects to it) and can inject
// faults. It keeps data in memory only, up to about 5 MiB per partition.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace weir::connectors::kafka {

class LocalCluster {
 public:
  /// Starts `brokers` brokers on loopback ports of their own.
  explicit LocalCluster(int brokers = 1);
  ~LocalCluster();
  LocalCluster(const LocalCluster&) = delete;
  LocalCluster& operator=(const LocalCluster&) = delete;

  /// "127.0.0.1:port,..." for kafka.bootstrap.servers.
  std::string bootstrapServers() const;
  void createTopic(const std::string& name, int partitions);
  /// Takes a broker down (its connections are closed and refused) or brings it back; ids from 1.
  void setBrokerDown(int brokerId);
  void setBrokerUp(int brokerId);
  /// The next `errors.size()` requests of the Kafka API `apiKey` (1 Fetch, 2 ListOffsets,
  /// 3 Metadata, 0 Produce, ...) fail with these Kafka error codes.
  void pushRequestErrors(int16_t apiKey, const std::vector<int>& errors);

 private:
  rd_kafka_s* handle_ = nullptr;
  rd_kafka_mock_cluster_s* cluster_ = nullptr;
};

}  // namespace weir::connectors::kafka
