// Structured logs: one JSON object per line, for collectors (Fluent Bit,
// Loki, Cloud Logging) to parse without regexes.
//
//   {"ts":"2026-01-01T00:00:00.000Z","level":"info","service":"overdue-detection",
//    "msg":"consumer rebalanced","trace_id":"4bf9...","span_id":"00f0...",
//    "partitions":12,"group":"overdue"}
//
// `ts` is RFC 3339 UTC with milliseconds; trace_id/span_id appear only while a
// trace context is current on the logging thread (trace_context.h); then come
// the record's fields in the order given. A field whose key collides with one
// of those reserved keys is written with a leading underscore ("_msg") rather
// than overwrite it. Invalid UTF-8 in strings is replaced (U+FFFD), never
// thrown. Never log raw personal data: mask it first (pii.h).
//
// Two equivalent ways to log:
//
//   Log(LogLevel::kInfo, "consumer rebalanced", {{"partitions", 12}, {"group", g}});
//   LogInfo("consumer rebalanced").With("partitions", 12).With("group", g);
//
// The builder emits when the temporary dies at the end of the full expression.
// When the level is disabled it costs one relaxed atomic load plus the
// evaluation of the arguments; guard expensive arguments with IsLogEnabled().
//
// Field values: bool, any integer, float/double, anything convertible to a
// string_view (std::string, const char*, absl::string_view), absl::Duration
// (as "1.5s"), absl::Time (RFC 3339 UTC) and absl::Status (its ToString()).
//
// Thread-safety: everything here may be called from any thread. Lines are
// written whole and one at a time, so a LogSink need not be thread-safe; a
// sink must not log itself (that deadlocks). ConfigureLogging may race with
// logging; each record sees either the old or the new configuration.
#ifndef ARREARS_COMMON_RUNTIME_LOGGING_H_
#define ARREARS_COMMON_RUNTIME_LOGGING_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"

namespace arrears::runtime {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// "debug", "info", "warning", "error".
absl::string_view LogLevelName(LogLevel level);
// Inverse of LogLevelName; also accepts "warn". Case-sensitive.
absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text);

// So LogLevel can be an Abseil flag type (--log_level=debug).
bool AbslParseFlag(absl::string_view text, LogLevel* level, std::string* error);
std::string AbslUnparseFlag(LogLevel level);

// Receives finished lines (no trailing newline), one call at a time.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(absl::string_view line) = 0;
};

// The production sink: each line goes to fd 2 in one write(2) where the
// kernel allows, so lines from concurrent processes sharing a pipe do not mix.
class StderrLogSink final : public LogSink {
 public:
  void Write(absl::string_view line) override;
};

// Keeps lines in memory, for tests that assert on logs. Thread-safe.
class MemoryLogSink final : public LogSink {
 public:
  void Write(absl::string_view line) override;
  std::vector<std::string> Lines() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
};

struct LoggingOptions {
  // Written as "service" on every record.
  std::string service = "";
  // Records below this level are dropped.
  LogLevel min_level = LogLevel::kInfo;
  // Null means a StderrLogSink.
  std::shared_ptr<LogSink> sink = nullptr;
  // Source of `ts`. Null means SystemClock. Not owned; must outlive every
  // record logged while it is configured.
  const Clock* clock = nullptr;
};

// Replaces the process-wide logging configuration. Until the first call,
// records at info and above go to stderr with an empty service name.
void ConfigureLogging(LoggingOptions options);

// Whether a record at `level` would be written.
bool IsLogEnabled(LogLevel level);

using LogValue = std::variant<std::string, int64_t, uint64_t, double, bool>;

namespace logging_internal {
std::string DurationForLog(absl::Duration d);
std::string TimeForLog(absl::Time t);

template <typename T>
inline constexpr bool kAlwaysFalse = false;

template <typename T>
LogValue ToLogValue(const T& value) {
  if constexpr (std::is_same_v<T, bool>) {
    return value;
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    return static_cast<int64_t>(value);
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<uint64_t>(value);
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<double>(value);
  } else if constexpr (std::is_convertible_v<const T&, absl::string_view>) {
    return std::string(absl::string_view(value));
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    return std::string(std::string_view(value));
  } else if constexpr (std::is_same_v<T, absl::Duration>) {
    return DurationForLog(value);
  } else if constexpr (std::is_same_v<T, absl::Time>) {
    return TimeForLog(value);
  } else if constexpr (std::is_same_v<T, absl::Status>) {
    return value.ToString();
  } else {
    static_assert(kAlwaysFalse<T>, "unsupported log field type: convert it to a string");
  }
}
}  // namespace logging_internal

struct LogField {
  template <typename T>
  LogField(absl::string_view k, const T& v) : key(k), value(logging_internal::ToLogValue(v)) {}

  std::string key;
  LogValue value;
};

// Writes one record if `level` is enabled.
void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields = {});

// Builder form; see the file comment. Usually the temporary returned by
// LogDebug()/LogInfo()/LogWarning()/LogError(); a named LogRecord (for fields
// added conditionally) emits when it goes out of scope. Not copyable or
// movable. The message is copied only when the level is enabled.
class LogRecord {
 public:
  LogRecord(LogLevel level, absl::string_view message);
  ~LogRecord();

  LogRecord(const LogRecord&) = delete;
  LogRecord& operator=(const LogRecord&) = delete;

  template <typename T>
  LogRecord& With(absl::string_view key, const T& value) {
    if (enabled_) fields_.emplace_back(key, value);
    return *this;
  }

 private:
  const LogLevel level_;
  const bool enabled_;
  std::string message_;
  std::vector<LogField> fields_;
};

inline LogRecord LogDebug(absl::string_view message) { return {LogLevel::kDebug, message}; }
inline LogRecord LogInfo(absl::string_view message) { return {LogLevel::kInfo, message}; }
inline LogRecord LogWarning(absl::string_view message) { return {LogLevel::kWarning, message}; }
inline LogRecord LogError(absl::string_view message) { return {LogLevel::kError, message}; }

}  // namespace arrears::runtime

#endif  // ARREARS_COMMON_RUNTIME_LOGGING_H_
