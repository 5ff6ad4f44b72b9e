// The error hierarchy every layer throws: one base class carrying a stable Spark-style error class
// name, and a few subclasses the streaming executor uses to decide between retry and failure.
#pragma once

#include <stdexcept>
#include <string>

namespace weir {

/// Base of every error Weir throws. `errorClass()` is a stable name such as `UNRESOLVED_COLUMN`;
/// `what()` reads "[ERROR_CLASS] message". Immutable and thread-safe.
class Error : public std::runtime_error {
 public:
  Error(std::string errorClass, const std::string& message);
  const std::string& errorClass() const { return errorClass_; }
  /// The message without the "[ERROR_CLASS] " prefix.
  const std::string& message() const { return message_; }

 private:
  std::string errorClass_;
  std::string message_;
};

/// A query that cannot be analyzed: unknown column, wrong types, unsupported plan shape.
class AnalysisError : public Error {
 public:
  using Error::Error;
};

/// Bad user input: an unknown option, a malformed value, a malformed record in FAILFAST mode.
class InvalidInputError : public Error {
 public:
  using Error::Error;
};

/// An operation Weir (or Spark's rules) does not allow.
class UnsupportedOperationError : public Error {
 public:
  using Error::Error;
};

/// An I/O failure that may succeed when retried.
class IoError : public Error {
 public:
  using Error::Error;
};

/// Data that should exist is gone (retention, deleted files).
class DataLossError : public Error {
 public:
  using Error::Error;
};

/// A checkpoint, log or data file is corrupt or unreadable.
class CorruptionError : public Error {
 public:
  using Error::Error;
};

/// A wait given up because the query is being stopped (StreamingQuery::stop during a broker
/// outage, for instance). Not a failure of the query.
class InterruptedError : public Error {
 public:
  using Error::Error;
};

/// A broken invariant: a bug in Weir, never caused by user input.
class InternalError : public Error {
 public:
  using Error::Error;
};

[[noreturn]] void throwInternal(const char* file, int line, const std::string& condition);

}  // namespace weir

/// Checks an invariant of Weir itself. Never use for anything user input can trigger.
#define WEIR_CHECK(cond)                                         \
  do {                                                           \
    if (!(cond)) ::weir::throwInternal(__FILE__, __LINE__, #cond); \
  } while (0)
