// The checkpoint logs: Spark's exact bytes, no-replace writes, recovery reads and clear errors.
#include <gtest/gtest.h>

#include <filesystem>

#include "weir/base/error.h"
#include "weir/runtime/checkpoint/commit_log.h"
#include "weir/runtime/checkpoint/offset_log.h"
#include "weir/runtime/checkpoint/stream_metadata.h"

namespace weir::runtime {
namespace {

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = (std::filesystem::temp_directory_path() /
            ("weir-checkpoint-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name()))
               .string();
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::shared_ptr<io::FileSystem> fs = io::localFileSystem();
  std::string dir_;
};

TEST_F(CheckpointTest, OffsetLogWritesSparksV1Bytes) {
  OffsetLog log(fs, dir_ + "/offsets");
  OffsetSeq seq;
  seq.metadata.batchWatermarkMs = 0;
  seq.metadata.batchTimestampMs = 1700000000123;
  seq.metadata.conf = {{"spark.sql.shuffle.partitions", "200"},
                       {"spark.sql.streaming.multipleWatermarkPolicy", "min"}};
  seq.sourceOffsets = {std::string("{\"t\":{\"0\":5}}"), std::nullopt};
  ASSERT_TRUE(log.add(0, seq));
  EXPECT_EQ(fs->read(dir_ + "/offsets/0"),
            "v1\n{\"batchWatermarkMs\":0,\"batchTimestampMs\":1700000000123,\"conf\":{\"spark.sql.shuffle.partitions\":"
            "\"200\",\"spark.sql.streaming.multipleWatermarkPolicy\":\"min\"}}\n{\"t\":{\"0\":5}}\n-");
  // Never replaced: a second writer of the same batch is detected.
  seq.metadata.batchTimestampMs = 1;
  EXPECT_FALSE(log.add(0, seq));
  auto back = log.get(0);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->metadata.batchTimestampMs, 1700000000123);
  EXPECT_EQ(back->metadata.conf.at("spark.sql.shuffle.partitions"), "200");
  ASSERT_EQ(back->sourceOffsets.size(), 2u);
  EXPECT_EQ(back->sourceOffsets[0], std::optional<std::string>("{\"t\":{\"0\":5}}"));
  EXPECT_EQ(back->sourceOffsets[1], std::nullopt);
}

TEST_F(CheckpointTest, LogsIgnoreForeignNamesAndPurge) {
  OffsetLog log(fs, dir_ + "/offsets");
  OffsetSeq seq;
  seq.sourceOffsets = {std::string("3")};
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(log.add(i, seq));
  fs->writeAtomic(dir_ + "/offsets/.1.crc", "x", true);
  fs->writeAtomic(dir_ + "/offsets/notes", "x", true);
  EXPECT_EQ(log.latestId(), std::optional<int64_t>(4));
  log.purgeBefore(3);
  EXPECT_FALSE(log.get(2).has_value());
  EXPECT_TRUE(log.get(3).has_value());
  std::vector<std::string> names;
  for (const auto& f : fs->list(dir_ + "/offsets")) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{".1.crc", "3", "4", "notes"}));
}

TEST_F(CheckpointTest, ReadsOldAndRejectsCorruptOrNewerFiles) {
  // An empty metadata line (very old logs) and a trailing newline are accepted.
  auto old = parseOffsetSeq("v1\n\n7\n", "offsets/0");
  EXPECT_EQ(old.metadata.batchWatermarkMs, 0);
  EXPECT_EQ(old.sourceOffsets, (std::vector<std::optional<std::string>>{std::string("7")}));
  try {
    parseOffsetSeq("v3\n{}\n1", "/ck/offsets/9");
    FAIL();
  } catch (const CorruptionError& e) {
    EXPECT_EQ(e.errorClass(), "CHECKPOINT_UNSUPPORTED_VERSION");
    EXPECT_NE(std::string(e.what()).find("/ck/offsets/9"), std::string::npos);
  }
  EXPECT_THROW(parseOffsetSeq("v1\n{\"batchWatermarkMs\":\"x\"}\n1", "f"), CorruptionError);
  EXPECT_THROW(parseOffsetSeq("v1\n{\"batchWatermarkMs\":0\n1", "f"), CorruptionError);
  EXPECT_THROW(parseOffsetSeq("garbage", "f"), CorruptionError);
  EXPECT_THROW(parseOffsetSeq("v1\n{}\n{not json", "f"), CorruptionError);
  try {
    parseOffsetSeq("", "/ck/offsets/3");
    FAIL();
  } catch (const CorruptionError& e) {
    EXPECT_NE(std::string(e.what()).find("delete the checkpoint directory"), std::string::npos) << e.what();
  }
}

TEST_F(CheckpointTest, CommitLogBytesAndVersions) {
  CommitLog log(fs, dir_ + "/commits");
  ASSERT_TRUE(log.add(0, CommitMetadata{0}));
  ASSERT_TRUE(log.add(1, CommitMetadata{1700000000000}));
  EXPECT_FALSE(log.add(1, CommitMetadata{5}));
  EXPECT_EQ(fs->read(dir_ + "/commits/0"), "v1\n{\"nextBatchWatermarkMs\":0}");
  EXPECT_EQ(log.get(1)->nextBatchWatermarkMs, 1700000000000);
  EXPECT_EQ(parseCommit("v2\n{\"nextBatchWatermarkMs\":5,\"stateUniqueIds\":{\"0\":[[\"a\"]]}}", "f").nextBatchWatermarkMs,
            5);
  EXPECT_THROW(parseCommit("v9\n{}", "f"), CorruptionError);
  EXPECT_THROW(parseCommit("v1\n{\"nextBatchWatermarkMs\":[]}", "f"), CorruptionError);
}

TEST_F(CheckpointTest, MetadataKeepsTheQueryId) {
  std::string id = StreamMetadata::readOrCreate(*fs, dir_);
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');
  EXPECT_EQ(fs->read(dir_ + "/metadata"), "{\"id\":\"" + id + "\"}");
  EXPECT_EQ(StreamMetadata::readOrCreate(*fs, dir_), id);
  EXPECT_NE(randomUuid(), randomUuid());
  fs->writeAtomic(dir_ + "/metadata", "{\"name\":1}", true);
  EXPECT_THROW(StreamMetadata::readOrCreate(*fs, dir_), CorruptionError);
}

}  // namespace
}  // namespace weir::runtime
