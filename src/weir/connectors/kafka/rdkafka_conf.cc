#include "weir/connectors/kafka/rdkafka_conf.h"

#include "weir/base/error.h"

namespace weir::connectors::kafka {

void setConf(rd_kafka_conf_t* conf, const std::string& key, const std::string& value, bool fromUser) {
  char errstr[512];
  if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), errstr, sizeof(errstr)) == RD_KAFKA_CONF_OK) return;
  rd_kafka_conf_destroy(conf);
  throw InvalidInputError("KAFKA_INVALID_OPTION",
                          std::string("The Kafka client rejected ") + (fromUser ? "option 'kafka." : "setting '") + key +
                              "' = '" + value + "': " + errstr +
                              ". Weir passes every kafka.* option to librdkafka; see its CONFIGURATION.md for the "
                              "names it knows.");
}

}  // namespace weir::connectors::kafka
