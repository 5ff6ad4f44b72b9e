// Delta Lake reads against the Delta Acceptance Testing tables (DAT v0.0.3, in the shared
// conformance data; WEIR_TESTDATA overrides where it is): every version each case lists must read
// exactly as its expected Parquet content (rows rendered as text and sorted, as other Delta
// readers compare them), and tables that need reader features Weir lacks must be refused with an
// error naming the feature.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "weir/weir.h"

namespace weir {
namespace {

namespace fs = std::filesystem;

std::string testdata() {
  const char* env = std::getenv("WEIR_TESTDATA");
  return env != nullptr ? env : WEIR_TESTDATA_DEFAULT;
}

std::vector<std::string> rendered(const DataFrame& df) {
  std::vector<std::string> out;
  for (const auto& row : df.collect()) out.push_back(row.toString());
  std::sort(out.begin(), out.end());
  return out;
}

// Cases whose tables need reader features Weir does not read yet, and the feature named.
const std::map<std::string, std::string> kUnsupported = {
    {"deletion_vectors", "deletionVectors"},
    {"check_constraints", "deletionVectors"},
    {"column_mapping", "columnMapping"},
    // Lists columnMapping only as a writer feature although its files use mapped names.
    {"iceberg_compat_v1", "columnMapping"},
};

TEST(DeltaAcceptance, EveryCaseReadsAsExpectedOrIsRefusedByName) {
  const fs::path dat = fs::path(testdata()) / "delta" / "dat";
  ASSERT_TRUE(fs::is_directory(dat)) << "The Delta acceptance tables are not at " << dat
                                     << ": set WEIR_TESTDATA to the shared conformance data directory.";
  auto spark = Session::builder().appName("delta-acceptance").getOrCreate();
  int compared = 0, refused = 0;
  for (const auto& entry : fs::directory_iterator(dat)) {
    const std::string name = entry.path().filename().string();
    const fs::path table = entry.path() / "delta";
    if (!fs::is_directory(table)) continue;
    auto refusedFeature = kUnsupported.find(name);
    for (const auto& expected : fs::directory_iterator(entry.path() / "expected")) {
      const std::string which = expected.path().filename().string();
      auto reader = spark.read().format("delta");
      if (which != "latest") reader.option("versionAsOf", which.substr(1));
      if (refusedFeature != kUnsupported.end()) {
        try {
          reader.load(table.string()).collect();
          ADD_FAILURE() << name << " " << which << " should be refused";
        } catch (const UnsupportedOperationError& e) {
          EXPECT_NE(std::string(e.what()).find(refusedFeature->second), std::string::npos) << name << ": " << e.what();
          ++refused;
        }
        continue;
      }
      auto want = spark.read().parquet((expected.path() / "table_content").string());
      std::vector<Column> columns;
      for (const auto& f : want.schema().type()->fields()) columns.push_back(functions::col(f.name));
      std::vector<std::string> got;
      try {
        got = rendered(reader.load(table.string()).select(columns));
      } catch (const std::exception& e) {
        ADD_FAILURE() << name << " " << which << ": " << e.what();
        continue;
      }
      EXPECT_EQ(got, rendered(want)) << name << " " << which;
      ++compared;
    }
  }
  std::printf("compared %d versions, refused %d\n", compared, refused);
  EXPECT_GE(compared, 20);
  EXPECT_GE(refused, 3);
}

TEST(DeltaAcceptance, MissingTablesAndVersionsAreClearErrors) {
  auto spark = Session::builder().appName("delta-errors").getOrCreate();
  try {
    spark.read().format("delta").load("/nonexistent/table").collect();
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "DELTA_MISSING_DELTA_TABLE");
  }
  const fs::path table = fs::path(testdata()) / "delta" / "dat" / "basic_append" / "delta";
  ASSERT_TRUE(fs::is_directory(table)) << "set WEIR_TESTDATA to the shared conformance data directory";
  try {
    spark.read().format("delta").option("versionAsOf", "99").load(table.string()).collect();
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "DELTA_VERSION_NOT_FOUND");
  }
}

}  // namespace
}  // namespace weir
