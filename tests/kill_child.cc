// The query of kill_test, as its own process: JSON files in <dir>/in, one file per batch, a
// watermarked sliding-window aggregation in append mode, the JSON file sink in <dir>/out, the
// checkpoint in <dir>/ckpt. Trigger.AvailableNow: it exits 0 once every file is processed.
#include <cstdio>
#include <string>

#include "weir/weir.h"

using namespace weir;             // NOLINT
using namespace weir::functions;  // NOLINT

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: kill_child <dir>\n");
    return 2;
  }
  const std::string dir = argv[1];
  auto spark = Session::builder().appName("kill-child").config("spark.sql.shuffle.partitions", "2").getOrCreate();
  auto query = spark.readStream()
                   .format("json")
                   .schema("user STRING, ts TIMESTAMP, v BIGINT")
                   .option("maxFilesPerTrigger", int64_t{1})
                   .load(dir + "/in")
                   .withWatermark("ts", "1 minute")
                   .groupBy(window(col("ts"), "2 minutes", "1 minute"), col("user"))
                   .agg(count("*").alias("n"), sum("v").alias("s"))
                   .select(col("window.start").cast("string").alias("w"), col("user"), col("n"), col("s"))
                   .writeStream()
                   .format("json")
                   .outputMode("append")
                   .option("checkpointLocation", dir + "/ckpt")
                   .trigger(Trigger::AvailableNow())
                   .start(dir + "/out");
  query.awaitTermination();
  return 0;
}
