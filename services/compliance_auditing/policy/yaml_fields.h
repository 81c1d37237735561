// Small helpers for reading validated fields from yaml-cpp nodes, shared by
// the pack and screening-rule loaders. Every error names the field path
// ("quiet_hours.start: expected HH:MM"). Never throws: yaml-cpp exceptions are
// caught here.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_YAML_FIELDS_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_YAML_FIELDS_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "yaml-cpp/yaml.h"

namespace arrears::compliance::policy::yaml {

// Parses a whole document; the error names `source`.
absl::StatusOr<YAML::Node> Parse(absl::string_view text, absl::string_view source);
// Reads a file into a string; NotFound names the path.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// A required non-empty scalar string.
absl::StatusOr<std::string> RequiredString(const YAML::Node& parent, absl::string_view key,
                                           absl::string_view path);
// An optional string; `fallback` when absent.
absl::StatusOr<std::string> OptionalString(const YAML::Node& parent, absl::string_view key,
                                           absl::string_view path, absl::string_view fallback);
absl::StatusOr<bool> OptionalBool(const YAML::Node& parent, absl::string_view key,
                                  absl::string_view path, bool fallback);
// An optional integer in [min, max]; `fallback` when absent.
absl::StatusOr<int> OptionalInt(const YAML::Node& parent, absl::string_view key,
                                absl::string_view path, int fallback, int min, int max);
// A list of non-empty strings; empty when absent unless `required`.
absl::StatusOr<std::vector<std::string>> StringList(const YAML::Node& parent, absl::string_view key,
                                                    absl::string_view path, bool required);
// The mapping at `key` (an empty node when absent); InvalidArgument when it
// is present but not a mapping, or has a key outside `allowed` (catches
// typos that would silently switch a rule off).
absl::StatusOr<YAML::Node> Section(const YAML::Node& parent, absl::string_view key,
                                   absl::string_view path,
                                   std::initializer_list<absl::string_view> allowed);
// As Section() for the root document.
absl::Status CheckKeys(const YAML::Node& map, absl::string_view path,
                       std::initializer_list<absl::string_view> allowed);
// "a.b" (or "b" when `path` is empty).
std::string Join(absl::string_view path, absl::string_view key);

}  // namespace arrears::compliance::policy::yaml

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_YAML_FIELDS_H_
