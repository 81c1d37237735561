#include "services/contact_channels/template_syntax.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace arrears::contact {
namespace {

bool IsValidName(absl::string_view name) {
  if (name.empty() || !absl::ascii_islower(name[0])) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return absl::ascii_islower(c) || absl::ascii_isdigit(c) || c == '_';
  });
}

}  // namespace

absl::StatusOr<std::vector<TemplateSegment>> ParseTemplateText(absl::string_view text,
                                                               absl::string_view field) {
  std::vector<TemplateSegment> segments;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("{{", pos);
    if (open == absl::string_view::npos) {
      segments.push_back({std::string(text.substr(pos)), false});
      break;
    }
    if (open > pos) segments.push_back({std::string(text.substr(pos, open - pos)), false});
    const size_t close = text.find("}}", open + 2);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": unterminated placeholder at byte ", open));
    }
    const absl::string_view name = text.substr(open + 2, close - open - 2);
    if (!IsValidName(name)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ": invalid placeholder name \"", name, "\" at byte ", open));
    }
    segments.push_back({std::string(name), true});
    pos = close + 2;
  }
  return segments;
}

std::vector<std::string> PlaceholderNames(const std::vector<TemplateSegment>& segments) {
  std::vector<std::string> names;
  for (const TemplateSegment& segment : segments) {
    if (segment.is_placeholder &&
        std::find(names.begin(), names.end(), segment.text) == names.end()) {
      names.push_back(segment.text);
    }
  }
  return names;
}

}  // namespace arrears::contact
