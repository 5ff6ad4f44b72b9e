// The chaos suite: the golden query (examples/golden_query) runs as its own process against a
// local Kafka broker (weir kafka-dev) while golden events are produced into it (weir generate, with
// duplicates and events later than the watermark). The query is killed with SIGKILL again and
// again: at random moments, and at the crash points of the batch protocol (after the offset log,
// after a state delta file, after the Delta data files, between the Delta commit and the commit
// log, after the commit log); the brokers are taken down and brought back. After the last kill a
// run with Trigger.AvailableNow finishes the input.
//
// The oracle is independent of the engine: the events are read back from the broker with
// librdkafka, the batches are rebuilt from the offset log (each batch's Kafka offsets and
// watermark), and the rules of spec section 3 are applied by hand: a row is late iff its event
// time is at or before the previous batch's watermark, the first copy of an (event_id,
// event_time) survives, sliding 10/5 minute windows are counted per user, and a window is written
// once the watermark reaches its end. The Delta table must hold exactly those windows and counts;
// every batch's watermark must be the one the rules give; every batch id is committed to the table
// at most once (txn).
//
// WEIR_CHAOS_KILLS sets the number of kills (default 10; the `slow` label runs 24 over more
// events). WEIR_CHAOS_KEEP=1 keeps the working directory.
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "weir/base/time.h"
#include "weir/weir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;
using namespace weir::functions;  // NOLINT
using Clock = std::chrono::steady_clock;

constexpr int kPartitions = 4;
constexpr int64_t kDelayMs = 10 * 60 * 1000;
constexpr int64_t kWindowUs = 10LL * 60 * 1'000'000;
constexpr int64_t kSlideUs = 5LL * 60 * 1'000'000;

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Starts `args` as a child process with extra environment variables, output appended to `log`.
pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& env,
            const fs::path& log) {
  pid_t pid = ::fork();
  if (pid == 0) {
    FILE* out = std::fopen(log.c_str(), "a");
    if (out != nullptr) {
      ::dup2(::fileno(out), 1);
      ::dup2(::fileno(out), 2);
    }
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for `pid` up to `timeout`; the wait status, or nullopt if it is still running.
std::optional<int> waitFor(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return status;
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

int killAndWait(pid_t pid) {
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

struct Message {
  int64_t offset;
  std::string value;
};

// Every message of `topic`, per partition in offset order, read with librdkafka directly.
std::vector<std::vector<Message>> readTopic(const std::string& bootstrap,
                                            const std::string& topic) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "weir-chaos-oracle", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == nullptr) throw std::runtime_error(err);
  std::vector<std::vector<Message>> out(kPartitions);
  std::vector<int64_t> high(kPartitions, 0);
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(kPartitions);
  for (int p = 0; p < kPartitions; ++p) {
    int64_t low = 0;
    if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &low, &high[p], 10'000) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error("cannot read the end offsets of " + topic);
    }
    if (low != 0)
      throw std::runtime_error("the broker dropped the start of partition " + std::to_string(p));
    rd_kafka_topic_partition_list_add(parts, topic.c_str(), p)->offset = 0;
  }
  rd_kafka_assign(rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  size_t remaining = 0;
  for (int p = 0; p < kPartitions; ++p) remaining += static_cast<size_t>(high[p]);
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (remaining > 0 && Clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->partition >= 0 && m->partition < kPartitions &&
        m->offset < high[m->partition]) {
      out[m->partition].push_back(
          {m->offset, std::string(static_cast<const char*>(m->payload), m->len)});
      --remaining;
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  if (remaining > 0) throw std::runtime_error("could not read the whole topic back");
  for (int p = 0; p < kPartitions; ++p) {
    for (size_t i = 0; i < out[p].size(); ++i) {
      if (out[p][i].offset != static_cast<int64_t>(i))
        throw std::runtime_error("offsets with gaps in the topic");
    }
  }
  return out;
}

struct LoggedBatch {
  int64_t watermarkMs = 0;
  std::vector<int64_t> endOffsets;  // per partition
};

struct ChaosSettings {
  int kills;
  int64_t events;
  int64_t rate;
};

void runChaos(const ChaosSettings& settings) {
  const fs::path dir = fs::temp_directory_path() / ("weir-chaos-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string weirCli = WEIR_CLI;
  const std::string golden = WEIR_GOLDEN_QUERY;
  const fs::path checkpoint = dir / "checkpoint";
  const fs::path table = dir / "table";
  std::mt19937_64 rng(20261203);

  // The broker.
  pid_t broker = spawn({weirCli, "kafka-dev", "--topic", "events:" + std::to_string(kPartitions),
                        "--bootstrap-file", (dir / "bootstrap").string()},
                       {}, dir / "kafka-dev.log");
  ASSERT_GT(broker, 0);
  for (int i = 0; i < 200; ++i) {
    std::error_code ec;
    if (fs::exists(dir / "bootstrap", ec) && fs::file_size(dir / "bootstrap", ec) > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string bootstrap = slurp(dir / "bootstrap");
  while (!bootstrap.empty() && (bootstrap.back() == '\n' || bootstrap.back() == ' '))
    bootstrap.pop_back();
  ASSERT_FALSE(bootstrap.empty()) << slurp(dir / "kafka-dev.log");
  struct BrokerGuard {
    pid_t pid;
    ~BrokerGuard() { killAndWait(pid); }
  } brokerGuard{broker};

  // The producer: event time advances 100 ms per event (at 4000 events/s, about 7 minutes of event
  // time per second), up to 20 s out of order, 1 % of events 20 minutes late, 2 % duplicates.
  pid_t producer = spawn({weirCli,
                          "generate",
                          "--bootstrap",
                          bootstrap,
                          "--topic",
                          "events",
                          "--count",
                          std::to_string(settings.events),
                          "--rate",
                          std::to_string(settings.rate),
                          "--users",
                          "500",
                          "--seed",
                          "11",
                          "--step-us",
                          "100000",
                          "--jitter-ms",
                          "20000",
                          "--late-fraction",
                          "0.01",
                          "--duplicate-fraction",
                          "0.02"},
                         {}, dir / "producer.log");
  ASSERT_GT(producer, 0);

  // Kills.
  const std::vector<std::string> crashPoints = {"after-offsets-log", "after-state-delta",
                                                "after-delta-data", "after-sink",
                                                "after-commit-log"};
  const std::vector<std::string> queryArgs = {golden,
                                              "--bootstrap",
                                              bootstrap,
                                              "--topic",
                                              "events",
                                              "--checkpoint",
                                              checkpoint.string(),
                                              "--table",
                                              table.string(),
                                              "--conf",
                                              "spark.sql.streaming.minBatchesToRetain=1000000"};
  int killed = 0, crashed = 0, outages = 0, failedRuns = 0;
  std::vector<std::string> failures;
  for (int round = 0; round < settings.kills; ++round) {
    std::vector<std::string> env;
    std::string point;
    if (round % 2 == 1) {
      point = crashPoints[static_cast<size_t>(round / 2) % crashPoints.size()];
      // The state and Delta points are passed several times per batch: crash at a later one too.
      env.push_back("WEIR_CRASH_POINT=" + point + ":" + std::to_string(1 + rng() % 3));
    }
    const bool outage = round % 4 == 2;
    std::vector<std::string> args = queryArgs;
    args.push_back("--trigger");
    args.push_back("200 milliseconds");
    std::ofstream(dir / "query.log", std::ios::app)
        << "=== round " << round << (point.empty() ? "" : " crash point ") << point
        << (outage ? " with a broker outage" : "") << "\n";
    pid_t query = spawn(args, env, dir / "query.log");
    ASSERT_GT(query, 0);
    std::optional<int> status;
    if (outage) {
      std::this_thread::sleep_for(std::chrono::milliseconds(300 + rng() % 500));
      ::kill(broker, SIGUSR1);
      std::this_thread::sleep_for(std::chrono::milliseconds(1000 + rng() % 1500));
      ::kill(broker, SIGUSR2);
      ++outages;
    }
    if (point.empty()) {
      // One random kill in three comes early, while the query starts or recovers.
      const auto wait = round % 3 == 0 ? 5 + rng() % 300 : 400 + rng() % 2000;
      status = waitFor(query, std::chrono::milliseconds(wait));
    } else {
      status = waitFor(query, std::chrono::seconds(15));
    }
    if (!status) status = killAndWait(query);
    if (WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) {
      (point.empty() ? killed : crashed)++;
    } else {
      ++failedRuns;
      failures.push_back("round " + std::to_string(round) + (outage ? " (outage)" : "") +
                         " exited with status " + std::to_string(*status));
    }
  }
  // The producer finishes; then a last run reads everything to the end and stops.
  auto produced = waitFor(producer, std::chrono::seconds(180));
  if (!produced) killAndWait(producer);
  ASSERT_TRUE(produced && WIFEXITED(*produced) && WEXITSTATUS(*produced) == 0)
      << "the producer did not deliver every event:\n"
      << slurp(dir / "producer.log");
  {
    std::vector<std::string> args = queryArgs;
    args.push_back("--trigger");
    args.push_back("available-now");
    std::ofstream(dir / "query.log", std::ios::app) << "=== final run, available-now\n";
    pid_t query = spawn(args, {}, dir / "query.log");
    auto status = waitFor(query, std::chrono::seconds(300));
    if (!status) status = killAndWait(query);
    ASSERT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "the final run failed:\n"
                                                                 << slurp(dir / "query.log");
  }
  std::printf(
      "chaos: %d random kills, %d crash points, %d broker outages, %d runs ended otherwise\n",
      killed, crashed, outages, failedRuns);
  for (const auto& f : failures) std::printf("  %s\n", f.c_str());
  // A run may fail during an outage (the source gives up after its retries); no other run may fail.
  for (const auto& f : failures)
    EXPECT_NE(f.find("(outage)"), std::string::npos) << f << "\n" << slurp(dir / "query.log");
  EXPECT_GE(killed + crashed, settings.kills - outages);

  // The oracle. Every event, read back from the broker.
  const auto topic = readTopic(bootstrap, "events");
  size_t total = 0;
  for (const auto& p : topic) total += p.size();
  ASSERT_GE(total, static_cast<size_t>(settings.events));

  // The batches, from the offset log (kept whole by minBatchesToRetain).
  std::map<int64_t, LoggedBatch> batches;
  for (const auto& e : fs::directory_iterator(checkpoint / "offsets")) {
    const std::string name = e.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::istringstream in(slurp(e.path()));
    std::string version, meta, source;
    std::getline(in, version);
    std::getline(in, meta);
    std::getline(in, source);
    ASSERT_EQ(version, "v1");
    LoggedBatch b;
    b.watermarkMs = nlohmann::json::parse(meta).at("batchWatermarkMs").get<int64_t>();
    auto offsets = nlohmann::json::parse(source).at("events");
    b.endOffsets.assign(kPartitions, 0);
    for (int p = 0; p < kPartitions; ++p)
      b.endOffsets[p] = offsets.value(std::to_string(p), int64_t{0});
    batches[std::stoll(name)] = b;
  }
  ASSERT_FALSE(batches.empty());
  const int64_t lastBatch = batches.rbegin()->first;
  ASSERT_EQ(static_cast<int64_t>(batches.size()), lastBatch + 1)
      << "offset log entries are missing";
  ASSERT_TRUE(fs::exists(checkpoint / "commits" / std::to_string(lastBatch)))
      << "the last batch is not committed";

  // Replay the batches by the rules.
  std::vector<int64_t> start(kPartitions, 0);
  int64_t previousWatermarkMs = 0;  // W(N-1): the late-row threshold; 0 for batch 0
  int64_t expectedWatermarkMs = 0;  // W(N) as the rules compute it
  std::set<std::pair<std::string, int64_t>> seen;
  std::map<std::pair<int64_t, std::string>, int64_t> counts;  // (window start, user) -> events
  int64_t late = 0, duplicates = 0, maxEventMs = 0;
  for (const auto& [id, batch] : batches) {
    EXPECT_EQ(batch.watermarkMs, expectedWatermarkMs) << "batch " << id << "'s watermark";
    bool hadRows = false;
    int64_t batchMaxMs = INT64_MIN;
    for (int p = 0; p < kPartitions; ++p) {
      ASSERT_GE(batch.endOffsets[p], start[p]) << "batch " << id << " goes back on partition " << p;
      ASSERT_LE(batch.endOffsets[p], static_cast<int64_t>(topic[p].size()));
      for (int64_t o = start[p]; o < batch.endOffsets[p]; ++o) {
        auto event = nlohmann::json::parse(topic[p][o].value);
        auto micros = base::parseTimestamp(event.at("event_time").get<std::string>());
        ASSERT_TRUE(micros.has_value());
        const int64_t t = *micros;
        hadRows = true;
        batchMaxMs = std::max(batchMaxMs, t / 1000);
        if (t <= previousWatermarkMs * 1000) {
          ++late;
          continue;
        }
        const std::string eventId = event.at("event_id").get<std::string>();
        if (!seen.insert({eventId, t}).second) {
          ++duplicates;
          continue;
        }
        const std::string user = event.at("user_id").get<std::string>();
        const int64_t lastStart = t - (((t % kSlideUs) + kSlideUs) % kSlideUs);
        for (int64_t s = lastStart; s > t - kWindowUs; s -= kSlideUs) ++counts[{s, user}];
      }
      start[p] = batch.endOffsets[p];
    }
    if (hadRows) maxEventMs = std::max(maxEventMs, batchMaxMs);
    previousWatermarkMs = batch.watermarkMs;
    expectedWatermarkMs =
        hadRows ? std::max(batch.watermarkMs, batchMaxMs - kDelayMs) : batch.watermarkMs;
  }
  for (int p = 0; p < kPartitions; ++p) {
    EXPECT_EQ(start[p], static_cast<int64_t>(topic[p].size()))
        << "partition " << p << " was not read to its end";
  }
  const int64_t finalWatermarkMs = batches.rbegin()->second.watermarkMs;
  // Trigger.AvailableNow ends with the batch that brings the watermark to the end of the input.
  EXPECT_EQ(finalWatermarkMs, maxEventMs - kDelayMs);
  std::map<std::pair<int64_t, std::string>, int64_t> expected;
  for (const auto& [key, n] : counts) {
    if (key.first + kWindowUs <= finalWatermarkMs * 1000) expected[key] = n;
  }
  std::printf(
      "oracle: %zu events in %lld batches, %lld late, %lld duplicates, %zu windows written\n",
      total, static_cast<long long>(lastBatch + 1), static_cast<long long>(late),
      static_cast<long long>(duplicates), expected.size());
  EXPECT_GT(late, 0);
  EXPECT_GT(duplicates, 0);
  ASSERT_GT(expected.size(), 1000u);

  // The table, read with Weir.
  auto spark = Session::builder().appName("chaos-test").getOrCreate();
  auto rows = spark.read()
                  .format("delta")
                  .load(table.string())
                  .select(col("window.start"), col("window.end"), col("window_start"),
                          col("user_id"), col("events"))
                  .collect();
  std::map<std::pair<int64_t, std::string>, int64_t> got;
  size_t doubled = 0, badShape = 0;
  for (const auto& r : rows) {
    const int64_t s = r.getLong(0);  // timestamps are microseconds
    if (r.getLong(1) != s + kWindowUs || r.getLong(2) != s) ++badShape;
    if (!got.emplace(std::make_pair(s, r.getString(3)), r.getLong(4)).second) ++doubled;
  }
  EXPECT_EQ(doubled, 0u) << "windows written twice";
  EXPECT_EQ(badShape, 0u) << "rows whose window end or window_start partition is wrong";
  size_t missing = 0, extra = 0, wrong = 0;
  std::string examples;
  for (const auto& [key, n] : expected) {
    auto it = got.find(key);
    if (it == got.end()) {
      if (++missing <= 5)
        examples += "missing " + base::formatTimestampIso(key.first) + " " + key.second + "\n";
    } else if (it->second != n) {
      if (++wrong <= 5) {
        examples += "wrong " + base::formatTimestampIso(key.first) + " " + key.second + ": " +
                    std::to_string(it->second) + " instead of " + std::to_string(n) + "\n";
      }
    }
  }
  for (const auto& [key, n] : got) {
    if (!expected.count(key) && ++extra <= 5) {
      examples += "extra " + base::formatTimestampIso(key.first) + " " + key.second + "\n";
    }
  }
  EXPECT_EQ(missing + extra + wrong, 0u)
      << missing << " missing, " << extra << " extra, " << wrong << " wrong counts:\n"
      << examples;
  EXPECT_EQ(got.size(), expected.size());

  // Each batch id in at most one Delta commit, under the query's id.
  const auto metadata = nlohmann::json::parse(slurp(checkpoint / "metadata"));
  const std::string queryId = metadata.at("id").get<std::string>();
  std::map<int64_t, int> txnVersions;
  for (const auto& e : fs::directory_iterator(table / "_delta_log")) {
    if (e.path().extension() != ".json") continue;
    std::istringstream in(slurp(e.path()));
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      auto action = nlohmann::json::parse(line);
      if (action.contains("txn")) {
        EXPECT_EQ(action["txn"].at("appId").get<std::string>(), queryId);
        ++txnVersions[action["txn"].at("version").get<int64_t>()];
      }
    }
  }
  ASSERT_FALSE(txnVersions.empty());
  for (const auto& [version, n] : txnVersions) {
    EXPECT_EQ(n, 1) << "batch " << version << " committed to the table " << n << " times";
    EXPECT_LE(version, lastBatch);
  }
  if (::testing::Test::HasFailure() || std::getenv("WEIR_CHAOS_KEEP") != nullptr) {
    std::printf("working directory kept: %s\n", dir.c_str());
  } else {
    fs::remove_all(dir);
  }
}

TEST(ChaosTest, GoldenQueryUnderKillsCrashPointsAndOutagesEqualsTheOracle) {
  const char* kills = std::getenv("WEIR_CHAOS_KILLS");
  // Every crash point at least once by default (ten rounds); the events last about as long as the
  // rounds.
  ChaosSettings settings{kills != nullptr ? std::atoi(kills) : 10, 60'000, 4'000};
  if (settings.kills >= 20) settings.events = 200'000, settings.rate = 5'000;
  runChaos(settings);
}

}  // namespace
}  // namespace weir
