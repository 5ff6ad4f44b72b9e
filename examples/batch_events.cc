// Batch demo: the golden query's computation over a JSON Lines file of events.
//   batch_events EVENTS.json
// Parses the events, counts events per 10-minute window (sliding every 5 minutes) and user, and
// shows the busiest windows and users.
#include <iostream>

#include "weir/weir.h"

using namespace weir;             // NOLINT
using namespace weir::functions;  // NOLINT

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: batch_events EVENTS.json" << std::endl;
    return 2;
  }
  try {
    auto spark = Session::builder().appName("batch_events").getOrCreate();
    auto schema = StructType::fromDDL(
        "event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE");
    auto events = spark.read().schema(schema).json(argv[1]);
    std::cout << "Events: " << events.count() << std::endl;

    auto counts = events.groupBy(window(col("event_time"), "10 minutes", "5 minutes"), col("user_id"))
                      .agg(count("*").alias("events"), sum("value").alias("total_value"));
    std::cout << "Busiest (window, user) pairs:" << std::endl;
    counts.orderBy(col("events").desc(), col("window.start").asc(), col("user_id").asc())
        .select(col("window.start").alias("window_start"), col("window.end").alias("window_end"), col("user_id"),
                col("events"), round(col("total_value"), 1).alias("total_value"))
        .show(10, false);

    std::cout << "Events per action:" << std::endl;
    events.groupBy("action")
        .agg(count("*").alias("events"), approx_count_distinct(col("user_id")).alias("users"))
        .orderBy("action")
        .show();
  } catch (const weir::Error& e) {
    std::cerr << "batch_events failed: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
