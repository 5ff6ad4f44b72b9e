// Helpers the end-to-end test suites share: a scratch directory per test, row and file helpers.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "weir/columnar/value.h"

namespace weir::testing {

inline columnar::Value I(int64_t v) { return columnar::Value::integer(v); }
inline columnar::Value S(const std::string& v) { return columnar::Value::string(v); }

inline std::vector<columnar::Row> sorted(std::vector<columnar::Row> rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// A scratch directory per test: <tmp>/<prefix>-<pid>-<test name>, empty at the start, removed at
/// the end.
class TestDirectory {
 public:
  explicit TestDirectory(const std::string& prefix)
      : dir_(std::filesystem::temp_directory_path() /
             (prefix + "-" + std::to_string(::getpid()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~TestDirectory() { std::filesystem::remove_all(dir_); }
  TestDirectory(const TestDirectory&) = delete;
  TestDirectory& operator=(const TestDirectory&) = delete;

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  const std::filesystem::path& root() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace weir::testing
