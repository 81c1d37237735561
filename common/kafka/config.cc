#include "common/kafka/config.h"

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/kafka/log.h"
#include "common/status/status_macros.h"

namespace arrears::kafka {
namespace {

absl::Status Set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) !=
      RD_KAFKA_CONF_OK) {
    // The value is left out on purpose: it may be a password.
    return absl::InvalidArgumentError(absl::StrCat("kafka property \"", name, "\": ", error));
  }
  return absl::OkStatus();
}

absl::Status SetAll(rd_kafka_conf_t* conf, const Properties& properties) {
  for (const auto& [name, value] : properties) ARREARS_RETURN_IF_ERROR(Set(conf, name, value));
  return absl::OkStatus();
}

void LogFromLibrdkafka(const rd_kafka_t* rk, int level, const char* facility, const char* line) {
  // Syslog levels: 0-3 are errors, 4 warnings.
  LogSeverity severity = level <= 3   ? LogSeverity::kError
                         : level == 4 ? LogSeverity::kWarning
                                      : LogSeverity::kInfo;
  Log(severity, absl::StrCat(rd_kafka_name(rk), " ", facility, ": ", line));
}

void LogClientError(rd_kafka_t* rk, int err, const char* reason, void* /*opaque*/) {
  std::string message =
      absl::StrCat(rd_kafka_name(rk), ": ",
                   rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), ": ", reason);
  if (err == RD_KAFKA_RESP_ERR__FATAL) {
    char fatal[512];
    rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
    absl::StrAppend(&message, " (fatal: ", fatal, ")");
  }
  Log(LogSeverity::kError, message);
}

}  // namespace

absl::StatusOr<Properties> ParseProperties(absl::string_view text) {
  Properties properties;
  if (absl::StripAsciiWhitespace(text).empty()) return properties;
  int index = 0;
  for (absl::string_view entry : absl::StrSplit(text, ',')) {
    ++index;
    std::vector<absl::string_view> parts = absl::StrSplit(entry, absl::MaxSplits('=', 1));
    absl::string_view name = absl::StripAsciiWhitespace(parts[0]);
    if (parts.size() != 2 || name.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("kafka properties: entry ", index, " (\"", entry, "\") is not key=value"));
    }
    auto [it, inserted] =
        properties.emplace(std::string(name), std::string(absl::StripAsciiWhitespace(parts[1])));
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat("kafka properties: \"", name, "\" is set more than once"));
    }
  }
  return properties;
}

absl::StatusOr<std::string> ReadBootstrapFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return absl::NotFoundError(absl::StrCat("bootstrap file \"", path, "\": cannot open"));
  std::stringstream content;
  content << file.rdbuf();
  std::string servers(absl::StripAsciiWhitespace(content.str()));
  if (servers.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("bootstrap file \"", path, "\": empty"));
  }
  return servers;
}

const Properties& ProfileProperties(Profile profile, ClientRole role) {
  static const Properties* const kNone = new Properties();
  static const Properties* const kDevConsumer = new Properties{
      {"fetch.wait.max.ms", "10"},
      {"session.timeout.ms", "6000"},
      {"heartbeat.interval.ms", "1000"},
      {"partition.assignment.strategy", "range,roundrobin"},
  };
  if (profile == Profile::kDev && role == ClientRole::kConsumer) return *kDevConsumer;
  return *kNone;
}

absl::StatusOr<RdConfPtr> BuildRdKafkaConf(const KafkaConfig& config, ClientRole role,
                                           const ClientProperties& client) {
  if (config.bootstrap_servers.empty()) {
    return absl::InvalidArgumentError("kafka bootstrap_servers: empty");
  }
  for (const auto& [name, value] : config.properties) {
    auto required = client.required.find(name);
    if (required != client.required.end() && required->second != value) {
      return absl::InvalidArgumentError(absl::StrCat("kafka property \"", name, "\": fixed to \"",
                                                     required->second,
                                                     "\" by this client and cannot be changed"));
    }
  }
  RdConfPtr conf(rd_kafka_conf_new());
  rd_kafka_conf_set_log_cb(conf.get(), &LogFromLibrdkafka);
  rd_kafka_conf_set_error_cb(conf.get(), &LogClientError);
  ARREARS_RETURN_IF_ERROR(Set(conf.get(), "bootstrap.servers", config.bootstrap_servers));
  if (!config.client_id.empty()) {
    ARREARS_RETURN_IF_ERROR(Set(conf.get(), "client.id", config.client_id));
  }
  ARREARS_RETURN_IF_ERROR(SetAll(conf.get(), ProfileProperties(config.profile, role)));
  ARREARS_RETURN_IF_ERROR(SetAll(conf.get(), client.defaults));
  ARREARS_RETURN_IF_ERROR(SetAll(conf.get(), config.properties));
  ARREARS_RETURN_IF_ERROR(SetAll(conf.get(), client.required));
  return conf;
}

}  // namespace arrears::kafka
