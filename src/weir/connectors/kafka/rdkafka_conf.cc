#include "weir/connectors/kafka/rdkafka_conf.h"

#include "weir/base/error.h"
#include "weir/base/log.h"

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

void routeLogs(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, [](const rd_kafka_t* rk, int level, const char* facility, const char* message) {
    if (level > 4) return;  // notice, info and debug
    base::logWarning(std::string("Kafka client ") + rd_kafka_name(rk) + ": " + facility + ": " + message);
  });
}

}  // namespace weir::connectors::kafka
