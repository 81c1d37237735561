#include "common/ids/strong_id.h"

namespace arrears::ids {
namespace {

bool IsIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

}  // namespace

absl::Status ValidateId(absl::string_view field_name, absl::string_view value) {
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(field_name, ": missing"));
  if (value.size() > kMaxIdBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(field_name, ": ", value.size(), " bytes, longer than ", kMaxIdBytes));
  }
  for (size_t i = 0; i < value.size(); ++i) {
    if (!IsIdChar(value[i])) {
      // The offending byte is shown escaped: ids end up in logs and the
      // input may hold control characters.
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: byte %d (0x%02x) is not allowed in an id (allowed: A-Z a-z 0-9 . _ : -)", field_name,
          i, static_cast<unsigned char>(value[i])));
    }
  }
  return absl::OkStatus();
}

}  // namespace arrears::ids
