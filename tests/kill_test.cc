// Exactly-once under kill -9: the query of kill_child.cc runs as its own process and is killed
// with SIGKILL at random moments, then restarted from its checkpoint, until it finishes. Readers of
// the output directory must then see exactly what the batch query over all input gives: every
// closed window once, none lost, none twice. WEIR_KILLS sets the number of kills (default 8; the
// ctest label `slow` runs 40).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "weir/base/time.h"
#include "weir/weir.h"

namespace weir {
namespace {

using namespace weir::functions;  // NOLINT
using columnar::Row;

// Starts kill_child on `dir`; returns its pid.
pid_t startChild(const std::string& dir) {
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl(WEIR_KILL_CHILD, WEIR_KILL_CHILD, dir.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

TEST(KillTest, QueryKilledAtRandomMomentsWritesEveryWindowExactlyOnce) {
  const int kills = std::getenv("WEIR_KILLS") ? std::atoi(std::getenv("WEIR_KILLS")) : 8;
  const auto dir = std::filesystem::temp_directory_path() / ("weir-kill-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "in");
  // 120 files of 300 events: 20 users, event time advancing 1 s per event with up to 20 s of
  // disorder (less than the 1 minute watermark delay, so no event is late).
  std::mt19937_64 rng(17);
  const int64_t base = int64_t{1735689600} * 1000000;
  int64_t maxTs = 0;
  for (int f = 0; f < 120; ++f) {
    std::ofstream out(dir / "in" / ("part-" + std::to_string(1000 + f) + ".json"));
    for (int i = 0; i < 300; ++i) {
      const int64_t t = base + (int64_t{f} * 300 + i) * 1000000 - static_cast<int64_t>(rng() % 20) * 1000000;
      maxTs = std::max(maxTs, t);
      out << "{\"user\":\"u" << rng() % 20 << "\",\"ts\":\"" << base::formatTimestampIso(t) << "\",\"v\":" << rng() % 100
          << "}\n";
    }
  }
  // The oracle: the same aggregation as a batch query; append mode emits the windows that end at or
  // before the final watermark (max event time - 1 minute).
  auto spark = Session::builder().appName("kill-test").getOrCreate();
  const int64_t watermark = maxTs - 60 * 1000000;
  auto expected = spark.read()
                      .format("json")
                      .schema("user STRING, ts TIMESTAMP, v BIGINT")
                      .load((dir / "in").string())
                      .groupBy(window(col("ts"), "2 minutes", "1 minute"), col("user"))
                      .agg(count("*").alias("n"), sum("v").alias("s"))
                      .filter(col("window.end") <= timestamp_seconds(lit(watermark / 1000000)))
                      .select(col("window.start").cast("string").alias("w"), col("user"), col("n"), col("s"))
                      .collect();
  std::sort(expected.begin(), expected.end());
  ASSERT_GT(expected.size(), 1000u);

  int killed = 0;
  bool finished = false;
  for (int attempt = 0; attempt < kills && !finished; ++attempt) {
    pid_t pid = startChild(dir.string());
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(5 + rng() % 60));
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the query failed on restart " << attempt;
      finished = true;
      break;
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status)) {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "the query failed on restart " << attempt;
      finished = true;
    } else {
      ++killed;
    }
  }
  if (!finished) {
    pid_t pid = startChild(dir.string());
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the query failed after " << killed << " kills";
  }
  EXPECT_GT(killed, 0);
  std::printf("killed %d times, %zu windows\n", killed, expected.size());
  auto got = spark.read().format("json").schema("w STRING, user STRING, n BIGINT, s BIGINT").load((dir / "out").string()).collect();
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_EQ(got, expected);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace weir
