// The batch DataFrame API end to end: transformations, aggregations, joins, show() and errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "weir/weir.h"

namespace weir {
namespace {

using namespace functions;  // NOLINT
using columnar::Row;
using columnar::Value;

Value I(int64_t v) { return Value::integer(v); }
Value S(const std::string& v) { return Value::string(v); }
Value D(double v) { return Value::real(v); }
Value N() { return Value::null(); }

std::vector<Row> sorted(std::vector<Row> rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

class DataFrameTest : public ::testing::Test {
 protected:
  Session spark = Session::builder().appName("test").config("spark.sql.shuffle.partitions", "3").getOrCreate();
  DataFrame people() {
    return spark.createDataFrame({Row({S("alice"), I(30), S("NL")}), Row({S("bob"), I(25), S("DE")}),
                                  Row({S("carol"), N(), S("NL")}), Row({S("dave"), I(41), S("FR")})},
                                 StructType::fromDDL("name STRING, age INT, country STRING"));
  }
};

TEST_F(DataFrameTest, SelectFilterWithColumn) {
  auto df = people().filter(col("age") > 26).withColumn("next", col("age") + 1).select("name", "next");
  EXPECT_EQ(df.columns(), (std::vector<std::string>{"name", "next"}));
  EXPECT_EQ(sorted(df.collect()), (std::vector<Row>{Row({S("alice"), I(31)}), Row({S("dave"), I(42)})}));
  EXPECT_EQ(df.count(), 2);
}

TEST_F(DataFrameTest, GroupByAggregates) {
  auto df = people().groupBy("country").agg(count("*").alias("n"), sum("age"), avg(col("age")), max("name"));
  EXPECT_EQ(df.columns(), (std::vector<std::string>{"country", "n", "sum(age)", "avg(age)", "max(name)"}));
  EXPECT_EQ(sorted(df.collect()), (std::vector<Row>{Row({S("DE"), I(1), I(25), D(25), S("bob")}),
                                                    Row({S("FR"), I(1), I(41), D(41), S("dave")}),
                                                    Row({S("NL"), I(2), I(30), D(30), S("carol")})}));
}

TEST_F(DataFrameTest, GlobalAggregateOnEmptyInputGivesOneRow) {
  auto df = people().filter(col("age") > 100).agg(count("*"), sum("age"));
  EXPECT_EQ(df.collect(), (std::vector<Row>{Row({I(0), N()})}));
  EXPECT_EQ(people().select(count("*")).collect(), (std::vector<Row>{Row({I(4)})}));
}

TEST_F(DataFrameTest, ExpressionsOverAggregates) {
  auto df = people().groupBy("country").agg((sum("age") / count("age")).alias("mean"), countDistinct(col("name")));
  EXPECT_EQ(sorted(df.collect()), (std::vector<Row>{Row({S("DE"), D(25), I(1)}), Row({S("FR"), D(41), I(1)}),
                                                    Row({S("NL"), D(30), I(2)})}));
}

TEST_F(DataFrameTest, Joins) {
  auto countries = spark.createDataFrame({Row({S("NL"), S("Netherlands")}), Row({S("DE"), S("Germany")}),
                                          Row({S("BE"), S("Belgium")})},
                                         StructType::fromDDL("country STRING, label STRING"));
  auto inner = people().join(countries, "country").select("name", "label");
  EXPECT_EQ(sorted(inner.collect()), (std::vector<Row>{Row({S("alice"), S("Netherlands")}), Row({S("bob"), S("Germany")}),
                                                       Row({S("carol"), S("Netherlands")})}));
  auto full = people().join(countries, std::vector<std::string>{"country"}, "full").select("country", "name");
  EXPECT_EQ(sorted(full.collect()),
            (std::vector<Row>{Row({S("BE"), N()}), Row({S("DE"), S("bob")}), Row({S("FR"), S("dave")}),
                              Row({S("NL"), S("alice")}), Row({S("NL"), S("carol")})}));
  auto p = people();
  auto left = p.join(countries, p.col("country") == countries.col("country") && p.col("age") > 26, "left")
                  .select(p.col("name"), col("label"));
  EXPECT_EQ(sorted(left.collect()), (std::vector<Row>{Row({S("alice"), S("Netherlands")}), Row({S("bob"), N()}),
                                                      Row({S("carol"), N()}), Row({S("dave"), N()})}));
  auto anti = p.join(countries, p.col("country") == countries.col("country"), "left_anti");
  EXPECT_EQ(anti.collect(), (std::vector<Row>{Row({S("dave"), I(41), S("FR")})}));
  auto semi = p.join(countries, p.col("country") == countries.col("country"), "left_semi").select("name");
  EXPECT_EQ(sorted(semi.collect()), (std::vector<Row>{Row({S("alice")}), Row({S("bob")}), Row({S("carol")})}));
  EXPECT_EQ(p.crossJoin(countries).count(), 12);
}

TEST_F(DataFrameTest, AmbiguousJoinColumnIsAnError) {
  auto countries = spark.createDataFrame({}, StructType::fromDDL("country STRING, label STRING"));
  try {
    people().join(countries, col("country") == col("country"));
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "AMBIGUOUS_REFERENCE");
  }
}

TEST_F(DataFrameTest, SortLimitDistinctUnion) {
  auto sortedDf = people().orderBy(col("age").desc_nulls_last()).select("name");
  EXPECT_EQ(sortedDf.collect(),
            (std::vector<Row>{Row({S("dave")}), Row({S("alice")}), Row({S("bob")}), Row({S("carol")})}));
  EXPECT_EQ(people().orderBy(col("age").asc()).limit(2).select("name").collect(),
            (std::vector<Row>{Row({S("carol")}), Row({S("bob")})}));
  EXPECT_EQ(people().select("country").distinct().count(), 3);
  auto u = people().select("name").unionAll(people().select("country"));
  EXPECT_EQ(u.count(), 8);
  auto byName = people().select("name", "age").unionByName(people().select("age", "name"));
  EXPECT_EQ(byName.filter(col("name") == "bob").count(), 2);
}

TEST_F(DataFrameTest, ShowMatchesSpark) {
  auto df = people().orderBy("name").select(col("name"), col("age"));
  EXPECT_EQ(df.showString(2),
            "+-----+---+\n"
            "| name|age|\n"
            "+-----+---+\n"
            "|alice| 30|\n"
            "|  bob| 25|\n"
            "+-----+---+\n"
            "only showing top 2 rows\n");
  EXPECT_EQ(people().select(lit("a very long string value that goes on").alias("s")).limit(1).showString(20, 20),
            "+--------------------+\n"
            "|                   s|\n"
            "+--------------------+\n"
            "|a very long strin...|\n"
            "+--------------------+\n");
  EXPECT_EQ(people().schemaString(),
            "root\n |-- name: string (nullable = true)\n |-- age: integer (nullable = true)\n"
            " |-- country: string (nullable = true)\n");
}

TEST_F(DataFrameTest, UnresolvedColumnSuggestsNames) {
  try {
    people().select(col("nmae"));
    FAIL();
  } catch (const AnalysisError& e) {
    EXPECT_EQ(e.errorClass(), "UNRESOLVED_COLUMN.WITH_SUGGESTION");
    EXPECT_NE(std::string(e.what()).find("Did you mean one of the following? [`name`"), std::string::npos);
  }
}

TEST_F(DataFrameTest, TumblingAndSlidingWindows) {
  auto events = spark.createDataFrame(
      {Row({Value::timestamp(1000000LL * 60 * 3), S("u1")}), Row({Value::timestamp(1000000LL * 60 * 7), S("u1")}),
       Row({Value::timestamp(1000000LL * 60 * 12), S("u2")}), Row({Value::null(), S("u3")})},
      StructType::fromDDL("ts TIMESTAMP, user STRING"));
  auto tumbling = events.groupBy(window(col("ts"), "10 minutes"), col("user")).agg(count("*").alias("n"));
  EXPECT_EQ(tumbling.columns(), (std::vector<std::string>{"window", "user", "n"}));
  auto rows = sorted(tumbling.select(col("window.start").cast("string"), col("user"), col("n")).collect());
  EXPECT_EQ(rows, (std::vector<Row>{Row({S("1970-01-01 00:00:00"), S("u1"), I(2)}),
                                    Row({S("1970-01-01 00:10:00"), S("u2"), I(1)})}));
  auto sliding = events.groupBy(window(col("ts"), "10 minutes", "5 minutes")).agg(count("*").alias("n"));
  auto srows = sorted(sliding.select(col("window.start").cast("string"), col("window.end").cast("string"), col("n"))
                          .collect());
  EXPECT_EQ(srows, (std::vector<Row>{Row({S("1969-12-31 23:55:00"), S("1970-01-01 00:05:00"), I(1)}),
                                     Row({S("1970-01-01 00:00:00"), S("1970-01-01 00:10:00"), I(2)}),
                                     Row({S("1970-01-01 00:05:00"), S("1970-01-01 00:15:00"), I(2)}),
                                     Row({S("1970-01-01 00:10:00"), S("1970-01-01 00:20:00"), I(1)})}));
}

TEST_F(DataFrameTest, SlidingWindowsByPanesEqualTheGeneralPath) {
  // Rows out of time order (a key sees many panes in random order), NULL times, keys and values,
  // times before the epoch; windows tumbling, sliding by a divisor, sliding by a non-divisor,
  // and with a start offset; grouped by no key, a string key, and two keys.
  std::vector<Row> rows;
  for (int j = 0; j < 3000; ++j) {
    int i = (j * 7919) % 3000;
    Value v = i % 13 == 0 ? N() : D((i * 7919) % 1000 / 10.0);
    Value k = i % 17 == 0 ? N() : S("k" + std::to_string(i % 5));
    rows.push_back(Row({Value::timestamp(1000000LL * 7 * i - 1000000LL * 3600), k, I(i % 3), v}));
  }
  rows.push_back(Row({N(), S("k1"), I(0), D(1)}));
  auto df = spark.createDataFrame(rows, StructType::fromDDL("ts TIMESTAMP, k STRING, g BIGINT, v DOUBLE"));
  struct Shape {
    std::string size, slide, start;
  };
  std::vector<Shape> shapes{{"10 minutes", "5 minutes", "0 seconds"}, {"1 hour", "1 minute", "0 seconds"},
                            {"6 minutes", "2 minutes", "0 seconds"},  {"10 minutes", "3 minutes", "0 seconds"},
                            {"10 minutes", "10 minutes", "0 seconds"}, {"10 minutes", "4 minutes", "90 seconds"}};
  std::vector<std::vector<Column>> keyings{{}, {col("k")}, {col("k"), col("g")}};
  for (const auto& shape : shapes) {
    for (const auto& keys : keyings) {
      std::vector<Column> by{window(col("ts"), shape.size, shape.slide, shape.start)};
      by.insert(by.end(), keys.begin(), keys.end());
      auto grouped = df.groupBy(by);
      // collect_list cannot be merged from panes, so it forces the per-window path.
      auto general =
          grouped.agg(count("*"), count("v"), sum("v"), avg("v"), min("v"), max("v"), sum("g"), collect_list(col("v")))
              .drop("collect_list(v)");
      auto panes = grouped.agg(count("*"), count("v"), sum("v"), avg("v"), min("v"), max("v"), sum("g"));
      ASSERT_NE(panes.explainString().find("WindowAggregate"), std::string::npos) << panes.explainString();
      ASSERT_EQ(general.explainString().find("WindowAggregate"), std::string::npos);
      EXPECT_EQ(panes.columns(), general.columns());
      auto a = sorted(panes.collect()), b = sorted(general.collect());
      ASSERT_EQ(a.size(), b.size()) << shape.size << " / " << shape.slide << ", keys " << keys.size();
      ASSERT_GT(a.size(), 10u);
      for (size_t i = 0; i < a.size(); ++i) {
        for (size_t c = 0; c < a[i].size(); ++c) {
          if (a[i][c].kind() == Value::Kind::kDouble && !a[i][c].isNull() && !b[i][c].isNull()) {
            EXPECT_NEAR(a[i][c].asDouble(), b[i][c].asDouble(), 1e-9) << a[i].toString();
          } else {
            EXPECT_EQ(a[i][c], b[i][c]) << a[i].toString() << " vs " << b[i].toString();
          }
        }
      }
    }
  }
}

TEST_F(DataFrameTest, SessionWindowsInBatch) {
  auto minute = [](int m) { return Value::timestamp(1000000LL * 60 * m); };
  auto events = spark.createDataFrame({Row({minute(0), S("a")}), Row({minute(4), S("a")}), Row({minute(20), S("a")}),
                                       Row({minute(1), S("b")})},
                                      StructType::fromDDL("ts TIMESTAMP, user STRING"));
  auto sessions = events.groupBy(session_window(col("ts"), "5 minutes"), col("user")).agg(count("*").alias("n"));
  auto rows = sorted(sessions
                         .select(col("user"), col("session_window.start").cast("string"),
                                 col("session_window.end").cast("string"), col("n"))
                         .collect());
  EXPECT_EQ(rows, (std::vector<Row>{Row({S("a"), S("1970-01-01 00:00:00"), S("1970-01-01 00:09:00"), I(2)}),
                                    Row({S("a"), S("1970-01-01 00:20:00"), S("1970-01-01 00:25:00"), I(1)}),
                                    Row({S("b"), S("1970-01-01 00:01:00"), S("1970-01-01 00:06:00"), I(1)})}));
}

TEST_F(DataFrameTest, ExplodeAndNested) {
  auto df = spark.createDataFrame(
      {Row({I(1), Value::array({S("x"), S("y")}), Value::structOf({I(7), S("p")})}),
       Row({I(2), Value::array({}), Value::structOf({I(8), S("q")})}), Row({I(3), N(), N()})},
      StructType::fromDDL("id INT, tags ARRAY<STRING>, data STRUCT<a: INT, b: STRING>"));
  EXPECT_EQ(df.select(col("id"), explode(col("tags")).alias("tag")).collect(),
            (std::vector<Row>{Row({I(1), S("x")}), Row({I(1), S("y")})}));
  EXPECT_EQ(df.select(col("id"), explode_outer(col("tags"))).collect(),
            (std::vector<Row>{Row({I(1), S("x")}), Row({I(1), S("y")}), Row({I(2), N()}), Row({I(3), N()})}));
  auto flat = df.select(col("data.*"));
  EXPECT_EQ(flat.columns(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(flat.collect(), (std::vector<Row>{Row({I(7), S("p")}), Row({I(8), S("q")}), Row({N(), N()})}));
  EXPECT_EQ(df.select(col("data.b")).columns(), (std::vector<std::string>{"b"}));
}

TEST_F(DataFrameTest, WhenOtherwiseAndCasts) {
  auto df = people().select(col("name"), when(col("age") >= 30, "senior").when(col("age") < 30, "junior")
                                             .otherwise("unknown")
                                             .alias("band"));
  EXPECT_EQ(sorted(df.collect()), (std::vector<Row>{Row({S("alice"), S("senior")}), Row({S("bob"), S("junior")}),
                                                    Row({S("carol"), S("unknown")}), Row({S("dave"), S("senior")})}));
  auto c = people().select(col("age").cast("string").alias("s")).filter(col("s").isNotNull());
  EXPECT_EQ(c.count(), 3);
}

TEST_F(DataFrameTest, DropRenameAndDedup) {
  auto df = people().drop("country").withColumnRenamed("name", "who");
  EXPECT_EQ(df.columns(), (std::vector<std::string>{"who", "age"}));
  EXPECT_EQ(people().dropDuplicates({"country"}).count(), 3);
}

TEST_F(DataFrameTest, ActionsOnMissingDataFailClearly) {
  EXPECT_THROW(spark.read().json("/nonexistent/weir/path"), AnalysisError);
  EXPECT_THROW(spark.read().format("avro").load("/tmp"), AnalysisError);
  EXPECT_THROW(people().limit(-1), AnalysisError);
}

// A string literal option value is a string (not converted to the boolean overload).
TEST_F(DataFrameTest, LiteralOptionValuesAreStrings) {
  auto dir = std::filesystem::temp_directory_path() / ("weir-literal-options-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "x.csv") << "a;b\n1;2\n";
  auto df = spark.read().format("csv").option("header", "true").option("sep", ";").option("inferSchema", true).load(
      (dir / "x.csv").string());
  EXPECT_EQ(df.columns(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(df.collect(), (std::vector<Row>{Row({Value::integer(1), Value::integer(2)})}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace weir
