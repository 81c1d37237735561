// Reading validated configuration from YAML with every problem reported as a
// ConfigError carrying the 1-based line and column of the offending node and
// its field path ("segments[2].steps[0].channel"). Shared by the strategy
// loader and the scorecard loader.
//
// Contract: no yaml-cpp exception escapes these helpers; a problem is
// appended to the reader's error list and the getter returns std::nullopt.
// Not thread-safe (one reader per load).
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_YAML_UTIL_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_YAML_UTIL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "services/strategy_routing/strategy.h"
#include "yaml-cpp/yaml.h"

namespace arrears::strategy {

struct ConfigError {
  // 1-based; 0 when not tied to a line.
  int line = 0;
  // 1-based; 0 when unknown.
  int column = 0;
  std::string field;
  std::string message;

  // "line 12, column 5: segments[2].steps[0].channel: unknown channel 'FAX'".
  std::string ToString() const;
};

// The whole file at `path`; NotFound naming it when unreadable.
absl::StatusOr<std::string> ReadConfigFile(const std::string& path);

// InvalidArgument listing every error (one per line), or OK when empty.
absl::Status ErrorsToStatus(absl::string_view what, absl::Span<const ConfigError> errors);

class YamlReader {
 public:
  explicit YamlReader(std::vector<ConfigError>* errors) : errors_(errors) {}

  // Parses `text`; on a syntax error records it (with its line) and returns
  // std::nullopt.
  std::optional<YAML::Node> Parse(absl::string_view text);

  void Error(const YAML::Node& node, absl::string_view field, absl::string_view message);

  // Records an error for every key of `map` not in `known`.
  void CheckKeys(const YAML::Node& map, const std::string& path,
                 std::initializer_list<absl::string_view> known);

  // Getters: `map[key]`, path for errors is `path.key`. Missing and not
  // required → std::nullopt without error.
  std::optional<std::string> String(const YAML::Node& map, const std::string& path, const char* key,
                                    bool required);
  std::optional<int64_t> Int(const YAML::Node& map, const std::string& path, const char* key,
                             bool required);
  std::optional<double> Double(const YAML::Node& map, const std::string& path, const char* key,
                               bool required);
  std::optional<bool> Bool(const YAML::Node& map, const std::string& path, const char* key);
  // {min: a, max: b}, at least one of them, min <= max.
  std::optional<IntRange> Range(const YAML::Node& map, const std::string& path, const char* key);
  // A scalar or a sequence of scalars.
  std::vector<std::string> StringList(const YAML::Node& map, const std::string& path,
                                      const char* key);

  static std::string Join(const std::string& path, absl::string_view key);
  static std::string Index(const std::string& path, size_t index);

 private:
  std::vector<ConfigError>* errors_;
};

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_YAML_UTIL_H_
