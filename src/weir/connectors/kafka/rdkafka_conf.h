// Building a librdkafka configuration with errors that name the option and the fix.
#pragma once

#include <librdkafka/rdkafka.h>

#include <string>

namespace weir::connectors::kafka {

/// Sets one property. On failure destroys `conf` and throws KAFKA_INVALID_OPTION naming the
/// property as the user wrote it (`kafka.<key>` when `fromUser`).
void setConf(rd_kafka_conf_t* conf, const std::string& key, const std::string& value, bool fromUser);

/// Sends librdkafka's warnings and errors (a broker down, a connection refused) to Weir's log as
/// warnings prefixed "Kafka client:", instead of librdkafka's own lines on standard error. Weir
/// retries and reports failures itself, so they are warnings, not errors.
void routeLogs(rd_kafka_conf_t* conf);

}  // namespace weir::connectors::kafka
