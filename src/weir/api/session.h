// Session: the entry point, as Spark's SparkSession. Creates DataFrames from files and rows, and
// holds the configuration that queries run with.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "weir/api/data_frame.h"
#include "weir/api/data_frame_reader.h"
#include "weir/columnar/value.h"

namespace weir {

using columnar::Row;
using columnar::Value;

/// Key/value configuration of a session, with Spark's keys. Thread-safe.
class RuntimeConfig {
 public:
  void set(const std::string& key, const std::string& value);
  std::string get(const std::string& key, const std::string& fallback = "") const;
  bool contains(const std::string& key) const;
  void unset(const std::string& key);
  std::map<std::string, std::string> getAll() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> values_;
};

class StreamingQueryManager;
class MemoryTable;
class DataStreamReader;

/// State shared by a session and the DataFrames it creates.
struct SessionState {
  std::string appName;
  RuntimeConfig conf;
  std::shared_ptr<StreamingQueryManager> streams;
  std::mutex tablesMutex;
  std::map<std::string, std::shared_ptr<MemoryTable>> memoryTables;  // memory sinks by query name
};

/// A handle to a session. Cheap to copy; all copies share state. Thread-safe.
class Session {
 public:
  class Builder {
   public:
    Builder& appName(const std::string& name);
    Builder& master(const std::string& master);
    Builder& config(const std::string& key, const std::string& value);
    /// Returns the active session (updating its configuration), or creates one.
    Session getOrCreate();

   private:
    std::string appName_ = "weir";
    std::map<std::string, std::string> config_;
  };

  static Builder builder();
  /// The session made by the last getOrCreate(), or a new default one.
  static Session active();

  DataFrameReader read() const;
  /// Opens streaming sources (Spark's spark.readStream).
  DataStreamReader readStream() const;
  /// The session's streaming queries (Spark's spark.streams).
  StreamingQueryManager& streams() const;
  /// The table a memory sink writes (named by its queryName).
  DataFrame table(const std::string& name) const;
  /// A DataFrame from rows and a schema (values must match the schema's types).
  DataFrame createDataFrame(const std::vector<Row>& rows, const StructType& schema) const;
  /// Rows 0 .. end-1 in a column `id` of type bigint.
  DataFrame range(int64_t end) const;
  DataFrame range(int64_t start, int64_t end, int64_t step = 1) const;
  DataFrame emptyDataFrame() const;

  RuntimeConfig& conf() const { return state_->conf; }
  const std::string& appName() const { return state_->appName; }
  const std::string& version() const;
  void stop() const {}

  const std::shared_ptr<SessionState>& state() const { return state_; }
  explicit Session(std::shared_ptr<SessionState> state) : state_(std::move(state)) {}

  // ----- used by the library
  void registerMemoryTable(const std::string& name, std::shared_ptr<MemoryTable> table) const;
  /// spark.sql.shuffle.partitions, or the number of cores when unset.
  size_t defaultShufflePartitions() const;

 private:
  std::shared_ptr<SessionState> state_;
};

}  // namespace weir
