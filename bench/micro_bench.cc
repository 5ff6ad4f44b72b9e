// Micro benchmarks of the engine's hot paths, one core: from_json of golden events, and the
// sliding-window count by user on already parsed columns. Reported as events per second.
#include <benchmark/benchmark.h>

#include <random>

#include "weir/base/time.h"
#include "weir/exec/executor.h"
#include "weir/expr/binder.h"
#include "weir/expr/evaluator.h"
#include "weir/weir.h"

namespace {

using namespace weir;             // NOLINT
using namespace weir::functions;  // NOLINT
using columnar::ColumnBatch;
using columnar::Vector;

constexpr size_t kBatch = 4096;

columnar::VectorPtr goldenValues(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto v = Vector::make(DataType::string());
  char buf[256];
  for (size_t i = 0; i < n; ++i) {
    int64_t t = 1735689600LL * 1000000 + static_cast<int64_t>(i) * 360000;
    int len = std::snprintf(buf, sizeof buf,
                            "{\"event_id\":\"%016llx-0000-4000-8000-000000000000\",\"user_id\":\"u%llu\","
                            "\"event_time\":\"%s\",\"action\":\"click\",\"value\":1.5}",
                            static_cast<unsigned long long>(rng()), static_cast<unsigned long long>(rng() % 100000),
                            base::formatTimestampIso(t).c_str());
    v->appendString(std::string_view(buf, len));
  }
  return v;
}

void BM_FromJson(benchmark::State& state) {
  auto values = goldenValues(kBatch, 1);
  auto schemaIn = StructType::fromDDL("value STRING");
  ColumnBatch batch(schemaIn.type(), {values}, kBatch);
  auto golden = StructType::fromDDL("event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE");
  expr::Binder binder(batch.schema());
  auto bound = binder.bind(from_json(col("value"), golden).expr());
  expr::EvalContext ctx;
  for (auto _ : state) {
    auto out = expr::evaluate(*bound, batch, ctx);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_FromJson);

// The same over 256 batches (a micro-batch of a million events, about 160 MB of text) taken in
// turn, so that the text comes from memory as a stream's input does, not from the cache.
void BM_FromJsonFromMemory(benchmark::State& state) {
  constexpr size_t kBatches = 256;
  auto schemaIn = StructType::fromDDL("value STRING");
  std::vector<ColumnBatch> batches;
  for (size_t b = 0; b < kBatches; ++b) {
    batches.emplace_back(schemaIn.type(),
                         std::vector<columnar::VectorPtr>{goldenValues(kBatch, b + 1)}, kBatch);
  }
  auto golden = StructType::fromDDL(
      "event_id STRING, user_id STRING, event_time TIMESTAMP, action STRING, value DOUBLE");
  expr::Binder binder(batches[0].schema());
  auto bound = binder.bind(from_json(col("value"), golden).expr());
  expr::EvalContext ctx;
  size_t next = 0;
  for (auto _ : state) {
    auto out = expr::evaluate(*bound, batches[next], ctx);
    benchmark::DoNotOptimize(out);
    next = (next + 1) % kBatches;
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_FromJsonFromMemory);

void BM_WindowCountByUser(benchmark::State& state) {
  const size_t n = 1'000'000;
  std::mt19937_64 rng(2);
  auto ts = Vector::make(DataType::timestamp());
  auto user = Vector::make(DataType::string());
  for (size_t i = 0; i < n; ++i) {
    ts->append<int64_t>(1735689600LL * 1000000 + static_cast<int64_t>(i) * 360 - static_cast<int64_t>(rng() % 5000000));
    user->appendString("u" + std::to_string(rng() % 100000));
  }
  auto schema = StructType::fromDDL("event_time TIMESTAMP, user_id STRING");
  auto spark = Session::builder().config("spark.sql.shuffle.partitions", "1").getOrCreate();
  auto plan = std::make_shared<plan::LogicalPlan>();
  plan->kind = plan::PlanKind::kLocalRelation;
  plan->schema = schema.type();
  // Batches of the size operators pass along.
  ColumnBatch all(schema.type(), {ts, user}, n);
  for (size_t start = 0; start < n; start += columnar::kDefaultBatchRows) {
    plan->data.push_back(all.slice(start, std::min(columnar::kDefaultBatchRows, n - start)));
  }
  DataFrame events(spark.state(), plan);
  auto counts = events.groupBy(window(col("event_time"), "10 minutes", "5 minutes"), col("user_id")).agg(count("*"));
  for (auto _ : state) {
    auto parts = counts.execute();
    benchmark::DoNotOptimize(parts);
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_WindowCountByUser)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
