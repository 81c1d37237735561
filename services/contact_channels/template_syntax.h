// Template text syntax, shared by registration (which validates and lists
// placeholders) and rendering (which substitutes them).
//
// Text is literal UTF-8 with placeholders written {{name}}, where name is
// [a-z][a-z0-9_]*. "{{" that does not open a well-formed placeholder is an
// error (so a typo never reaches a debtor as raw braces). Pure functions.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_TEMPLATE_SYNTAX_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_TEMPLATE_SYNTAX_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::contact {

struct TemplateSegment {
  // Literal text, or the placeholder name when is_placeholder.
  std::string text;
  bool is_placeholder = false;
};

// Splits `text` into literal and placeholder segments. `field` names the
// input in errors, e.g. "message_template.body".
absl::StatusOr<std::vector<TemplateSegment>> ParseTemplateText(absl::string_view text,
                                                               absl::string_view field);

// Placeholder names of `segments`, in order of first use, without repeats.
std::vector<std::string> PlaceholderNames(const std::vector<TemplateSegment>& segments);

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_TEMPLATE_SYNTAX_H_
