#include "common/kafka/log.h"

#include "common/runtime/logging.h"

namespace arrears::kafka {

void Log(LogSeverity severity, absl::string_view message) {
  const runtime::LogLevel level = severity == LogSeverity::kError     ? runtime::LogLevel::kError
                                  : severity == LogSeverity::kWarning ? runtime::LogLevel::kWarning
                                                                      : runtime::LogLevel::kInfo;
  runtime::Log(level, message, {{"component", "kafka"}});
}

}  // namespace arrears::kafka
