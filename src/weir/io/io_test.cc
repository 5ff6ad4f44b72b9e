// The local file system's reads.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "weir/base/error.h"
#include "weir/io/file_system.h"

namespace weir::io {
namespace {

TEST(LocalFileSystem, ReadIntoReusesItsBufferAndReadsEveryByte) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("weir-io-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& data) {
    std::ofstream(dir / name, std::ios::binary) << data;
    return (dir / name).string();
  };
  std::string big(5'000'000, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 31) % 256);
  const std::string bigPath = write("big", big), smallPath = write("small", "abc"),
                    emptyPath = write("empty", "");
  auto fs = localFileSystem();
  base::PodVector<char> buffer;
  fs->readInto(smallPath, buffer);
  EXPECT_EQ(std::string(buffer.data(), buffer.size()), "abc");
  fs->readInto(bigPath, buffer);
  EXPECT_EQ(std::string(buffer.data(), buffer.size()), big);
  const char* const block = buffer.data();
  fs->readInto(smallPath, buffer);  // fits: the same block, holding only the small file
  EXPECT_EQ(buffer.data(), block);
  EXPECT_EQ(std::string(buffer.data(), buffer.size()), "abc");
  fs->readInto(emptyPath, buffer);
  EXPECT_EQ(buffer.size(), 0u);
  EXPECT_EQ(fs->read(bigPath), big);
  try {
    fs->readInto((dir / "missing").string(), buffer);
    ADD_FAILURE() << "no error for a missing file";
  } catch (const IoError& e) {
    EXPECT_EQ(e.errorClass(), "PATH_NOT_FOUND");
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace weir::io
