// Checks of request and event fields shared by the compliance service's gRPC
// handlers and event appliers, so "which input is bad" reads the same
// everywhere: InvalidArgument "<field>: <what is wrong>".
//
// Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_FIELD_CHECKS_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_FIELD_CHECKS_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/repeated_ptr_field.h"

namespace arrears::compliance::service {

// Longest id accepted (ids end up in keys, audit records and exports).
inline constexpr size_t kMaxIdBytes = 256;

// An id-like value: at most kMaxIdBytes, no control characters; empty is an
// error only when `required`.
inline absl::Status CheckId(absl::string_view field, absl::string_view value,
                            bool required = true) {
  if (value.empty()) {
    return required ? absl::InvalidArgumentError(absl::StrCat(field, ": required"))
                    : absl::OkStatus();
  }
  if (value.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": longer than ", kMaxIdBytes, " bytes"));
  }
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return absl::InvalidArgumentError(absl::StrCat(field, ": contains a control character"));
    }
  }
  return absl::OkStatus();
}

// Every element with CheckId (required), named "<field>[i]".
inline absl::Status CheckIds(absl::string_view field,
                             const google::protobuf::RepeatedPtrField<std::string>& values) {
  for (int i = 0; i < values.size(); ++i) {
    absl::Status status = CheckId(absl::StrCat(field, "[", i, "]"), values[i]);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

// "<prefix>/<id>" -> id, checked; InvalidArgument naming `field` otherwise.
inline absl::Status ParseResourceName(absl::string_view field, absl::string_view name,
                                      absl::string_view prefix, std::string& id) {
  if (name.size() <= prefix.size() + 1 || name.substr(0, prefix.size()) != prefix ||
      name[prefix.size()] != '/') {
    return absl::InvalidArgumentError(absl::StrCat(field, ": expected \"", prefix, "/{id}\""));
  }
  id = std::string(name.substr(prefix.size() + 1));
  return CheckId(field, id);
}

}  // namespace arrears::compliance::service

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_FIELD_CHECKS_H_
