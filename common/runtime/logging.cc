#include "common/runtime/logging.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/runtime/trace_context.h"
#include "nlohmann/json.hpp"

namespace arrears::runtime {
namespace {

// Configuration snapshot: replaced whole by ConfigureLogging, so a record
// never sees a half-applied configuration.
struct LoggerState {
  std::string service;
  std::shared_ptr<LogSink> sink;
  const Clock* clock;
};

std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};

absl::Mutex& StateMutex() {
  static absl::Mutex mu(absl::kConstInit);
  return mu;
}

std::shared_ptr<const LoggerState>& StateSlot() {
  static auto* slot = new std::shared_ptr<const LoggerState>(std::make_shared<LoggerState>(
      LoggerState{"", std::make_shared<StderrLogSink>(), &SystemClock::Get()}));
  return *slot;
}

std::shared_ptr<const LoggerState> Snapshot() {
  absl::MutexLock lock(&StateMutex());
  return StateSlot();
}

// Serializes sink writes so lines never interleave and sinks need no locks.
absl::Mutex& WriteMutex() {
  static absl::Mutex mu(absl::kConstInit);
  return mu;
}

bool IsReservedKey(absl::string_view key) {
  return key == "ts" || key == "level" || key == "service" || key == "msg" || key == "trace_id" ||
         key == "span_id";
}

void Emit(LogLevel level, absl::string_view message, const LogField* fields, size_t num_fields) {
  std::shared_ptr<const LoggerState> state = Snapshot();
  nlohmann::ordered_json record;
  record["ts"] =
      absl::FormatTime("%Y-%m-%d%ET%H:%M:%E3SZ", state->clock->Now(), absl::UTCTimeZone());
  record["level"] = std::string(LogLevelName(level));
  record["service"] = state->service;
  record["msg"] = std::string(message);
  if (std::optional<TraceContext> trace = CurrentTraceContext(); trace.has_value()) {
    record["trace_id"] = trace->TraceIdHex();
    record["span_id"] = trace->SpanIdHex();
  }
  for (size_t i = 0; i < num_fields; ++i) {
    const LogField& field = fields[i];
    std::string key = IsReservedKey(field.key) ? absl::StrCat("_", field.key) : field.key;
    std::visit([&](const auto& v) { record[key] = v; }, field.value);
  }
  std::string line = record.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  absl::MutexLock lock(&WriteMutex());
  state->sink->Write(line);
}

}  // namespace

absl::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

absl::StatusOr<LogLevel> ParseLogLevel(absl::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warning" || text == "warn") return LogLevel::kWarning;
  if (text == "error") return LogLevel::kError;
  return absl::InvalidArgumentError(
      absl::StrCat("log level \"", text, "\" is not one of debug, info, warning, error"));
}

bool AbslParseFlag(absl::string_view text, LogLevel* level, std::string* error) {
  absl::StatusOr<LogLevel> parsed = ParseLogLevel(text);
  if (!parsed.ok()) {
    *error = std::string(parsed.status().message());
    return false;
  }
  *level = *parsed;
  return true;
}

std::string AbslUnparseFlag(LogLevel level) { return std::string(LogLevelName(level)); }

void StderrLogSink::Write(absl::string_view line) {
  std::string buffer = absl::StrCat(line, "\n");
  absl::string_view rest = buffer;
  while (!rest.empty()) {
    ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // Nowhere left to report a failing stderr.
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

void MemoryLogSink::Write(absl::string_view line) {
  absl::MutexLock lock(&mu_);
  lines_.emplace_back(line);
}

std::vector<std::string> MemoryLogSink::Lines() const {
  absl::MutexLock lock(&mu_);
  return lines_;
}

void ConfigureLogging(LoggingOptions options) {
  auto state = std::make_shared<LoggerState>();
  state->service = std::move(options.service);
  state->sink =
      options.sink != nullptr ? std::move(options.sink) : std::make_shared<StderrLogSink>();
  state->clock = options.clock != nullptr ? options.clock : &SystemClock::Get();
  {
    absl::MutexLock lock(&StateMutex());
    StateSlot() = std::move(state);
  }
  min_level.store(static_cast<int>(options.min_level), std::memory_order_relaxed);
}

bool IsLogEnabled(LogLevel level) {
  return static_cast<int>(level) >= min_level.load(std::memory_order_relaxed);
}

void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields) {
  if (!IsLogEnabled(level)) return;
  Emit(level, message, fields.begin(), fields.size());
}

LogRecord::LogRecord(LogLevel level, absl::string_view message)
    : level_(level), enabled_(IsLogEnabled(level)) {
  if (enabled_) message_ = std::string(message);
}

LogRecord::~LogRecord() {
  if (enabled_) Emit(level_, message_, fields_.data(), fields_.size());
}

namespace logging_internal {

std::string DurationForLog(absl::Duration d) { return absl::FormatDuration(d); }

std::string TimeForLog(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

}  // namespace logging_internal
}  // namespace arrears::runtime
