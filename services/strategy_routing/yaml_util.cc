#include "services/strategy_routing/yaml_util.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace arrears::strategy {
namespace {

// yaml-cpp marks are 0-based, -1 when unknown (e.g. a missing node).
int OneBased(int mark) { return mark >= 0 ? mark + 1 : 0; }

}  // namespace

std::string ConfigError::ToString() const {
  return absl::StrCat("line ", line, ", column ", column, ": ", field, field.empty() ? "" : ": ",
                      message);
}

absl::StatusOr<std::string> ReadConfigFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read '", path, "'"));
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::Status ErrorsToStatus(absl::string_view what, absl::Span<const ConfigError> errors) {
  if (errors.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      what, ": ", absl::StrJoin(errors, "; ", [](std::string* out, const ConfigError& e) {
        out->append(e.ToString());
      })));
}

std::optional<YAML::Node> YamlReader::Parse(absl::string_view text) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsMap()) {
      errors_->push_back({1, 1, "", "document must be a mapping"});
      return std::nullopt;
    }
    return root;
  } catch (const YAML::Exception& e) {
    errors_->push_back({OneBased(e.mark.line), OneBased(e.mark.column), "", e.msg});
    return std::nullopt;
  }
}

void YamlReader::Error(const YAML::Node& node, absl::string_view field, absl::string_view message) {
  const YAML::Mark mark = node.Mark();
  errors_->push_back(
      {OneBased(mark.line), OneBased(mark.column), std::string(field), std::string(message)});
}

void YamlReader::CheckKeys(const YAML::Node& map, const std::string& path,
                           std::initializer_list<absl::string_view> known) {
  if (!map.IsMap()) {
    Error(map, path, "must be a mapping");
    return;
  }
  for (const auto& entry : map) {
    const std::string key = entry.first.Scalar();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      Error(entry.first, Join(path, key), "unknown field");
    }
  }
}

std::optional<std::string> YamlReader::String(const YAML::Node& map, const std::string& path,
                                              const char* key, bool required) {
  const YAML::Node node = map[key];
  if (!node.IsDefined() || node.IsNull()) {
    if (required) Error(map, Join(path, key), "required");
    return std::nullopt;
  }
  if (!node.IsScalar()) {
    Error(node, Join(path, key), "must be a scalar");
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<int64_t> YamlReader::Int(const YAML::Node& map, const std::string& path,
                                       const char* key, bool required) {
  std::optional<std::string> text = String(map, path, key, required);
  if (!text) return std::nullopt;
  int64_t value;
  if (!absl::SimpleAtoi(*text, &value)) {
    Error(map[key], Join(path, key), absl::StrCat("'", *text, "' is not an integer"));
    return std::nullopt;
  }
  return value;
}

std::optional<double> YamlReader::Double(const YAML::Node& map, const std::string& path,
                                         const char* key, bool required) {
  std::optional<std::string> text = String(map, path, key, required);
  if (!text) return std::nullopt;
  double value;
  if (!absl::SimpleAtod(*text, &value)) {
    Error(map[key], Join(path, key), absl::StrCat("'", *text, "' is not a number"));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> YamlReader::Bool(const YAML::Node& map, const std::string& path,
                                     const char* key) {
  std::optional<std::string> text = String(map, path, key, false);
  if (!text) return std::nullopt;
  if (*text == "true") return true;
  if (*text == "false") return false;
  Error(map[key], Join(path, key), absl::StrCat("'", *text, "' is not true or false"));
  return std::nullopt;
}

std::optional<IntRange> YamlReader::Range(const YAML::Node& map, const std::string& path,
                                          const char* key) {
  const YAML::Node node = map[key];
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  const std::string field = Join(path, key);
  if (!node.IsMap()) {
    Error(node, field, "must be a mapping {min, max}");
    return std::nullopt;
  }
  CheckKeys(node, field, {"min", "max"});
  IntRange range;
  range.min = Int(node, field, "min", false);
  range.max = Int(node, field, "max", false);
  if (!range.min && !range.max) {
    Error(node, field, "needs min or max");
    return std::nullopt;
  }
  if (range.min && range.max && *range.min > *range.max) {
    Error(node, field, absl::StrCat("min ", *range.min, " > max ", *range.max));
    return std::nullopt;
  }
  return range;
}

std::vector<std::string> YamlReader::StringList(const YAML::Node& map, const std::string& path,
                                                const char* key) {
  std::vector<std::string> out;
  const YAML::Node node = map[key];
  if (!node.IsDefined() || node.IsNull()) return out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
  } else if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar()) {
        Error(node[i], Index(Join(path, key), i), "must be a scalar");
        continue;
      }
      out.push_back(node[i].Scalar());
    }
  } else {
    Error(node, Join(path, key), "must be a scalar or a list");
  }
  return out;
}

std::string YamlReader::Join(const std::string& path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

std::string YamlReader::Index(const std::string& path, size_t index) {
  return absl::StrCat(path, "[", index, "]");
}

}  // namespace arrears::strategy
