#include "services/compliance_auditing/policy/yaml_fields.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace arrears::compliance::policy::yaml {
namespace {

absl::StatusOr<YAML::Node> Child(const YAML::Node& parent, absl::string_view key) {
  try {
    return parent[std::string(key)];
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(key, ": ", e.what()));
  }
}

}  // namespace

std::string Join(absl::string_view path, absl::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(path, ".", key);
}

absl::StatusOr<YAML::Node> Parse(absl::string_view text, absl::string_view source) {
  try {
    YAML::Node root = YAML::Load(std::string(text));
    if (!root.IsMap()) {
      return absl::InvalidArgumentError(absl::StrCat(source, ": top level must be a mapping"));
    }
    return root;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(source, ": ", e.what()));
  }
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Status CheckKeys(const YAML::Node& map, absl::string_view path,
                       std::initializer_list<absl::string_view> allowed) {
  for (const auto& entry : map) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "?";
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return absl::InvalidArgumentError(absl::StrCat(Join(path, key), ": unknown field"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<YAML::Node> Section(const YAML::Node& parent, absl::string_view key,
                                   absl::string_view path,
                                   std::initializer_list<absl::string_view> allowed) {
  auto node = Child(parent, key);
  if (!node.ok()) return node.status();
  if (!node->IsDefined() || node->IsNull()) return YAML::Node(YAML::NodeType::Map);
  if (!node->IsMap()) {
    return absl::InvalidArgumentError(absl::StrCat(Join(path, key), ": expected a mapping"));
  }
  absl::Status keys = CheckKeys(*node, Join(path, key), allowed);
  if (!keys.ok()) return keys;
  return *node;
}

absl::StatusOr<std::string> OptionalString(const YAML::Node& parent, absl::string_view key,
                                           absl::string_view path, absl::string_view fallback) {
  auto node = Child(parent, key);
  if (!node.ok()) return node.status();
  if (!node->IsDefined() || node->IsNull()) return std::string(fallback);
  if (!node->IsScalar()) {
    return absl::InvalidArgumentError(absl::StrCat(Join(path, key), ": expected a string"));
  }
  return node->Scalar();
}

absl::StatusOr<std::string> RequiredString(const YAML::Node& parent, absl::string_view key,
                                           absl::string_view path) {
  auto value = OptionalString(parent, key, path, "");
  if (value.ok() && value->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(Join(path, key), ": required"));
  }
  return value;
}

absl::StatusOr<bool> OptionalBool(const YAML::Node& parent, absl::string_view key,
                                  absl::string_view path, bool fallback) {
  auto node = Child(parent, key);
  if (!node.ok()) return node.status();
  if (!node->IsDefined() || node->IsNull()) return fallback;
  bool value = false;
  if (!node->IsScalar() || !YAML::convert<bool>::decode(*node, value)) {
    return absl::InvalidArgumentError(absl::StrCat(Join(path, key), ": expected true or false"));
  }
  return value;
}

absl::StatusOr<int> OptionalInt(const YAML::Node& parent, absl::string_view key,
                                absl::string_view path, int fallback, int min, int max) {
  auto node = Child(parent, key);
  if (!node.ok()) return node.status();
  if (!node->IsDefined() || node->IsNull()) return fallback;
  int value = 0;
  if (!node->IsScalar() || !YAML::convert<int>::decode(*node, value)) {
    return absl::InvalidArgumentError(absl::StrCat(Join(path, key), ": expected an integer"));
  }
  if (value < min || value > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(Join(path, key), ": ", value, " is outside [", min, ", ", max, "]"));
  }
  return value;
}

absl::StatusOr<std::vector<std::string>> StringList(const YAML::Node& parent, absl::string_view key,
                                                    absl::string_view path, bool required) {
  auto node = Child(parent, key);
  if (!node.ok()) return node.status();
  const std::string where = Join(path, key);
  std::vector<std::string> out;
  if (!node->IsDefined() || node->IsNull()) {
    if (required) return absl::InvalidArgumentError(absl::StrCat(where, ": required"));
    return out;
  }
  if (!node->IsSequence()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": expected a list"));
  }
  for (size_t i = 0; i < node->size(); ++i) {
    const YAML::Node item = (*node)[i];
    if (!item.IsScalar() || item.Scalar().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, "[", i, "]: expected a non-empty string"));
    }
    out.push_back(item.Scalar());
  }
  if (required && out.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": must be a non-empty list"));
  }
  return out;
}

}  // namespace arrears::compliance::policy::yaml
