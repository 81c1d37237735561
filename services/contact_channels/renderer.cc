#include "services/contact_channels/renderer.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/runtime/pii.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"
#include "services/contact_channels/template_syntax.h"

namespace arrears::contact {
namespace {

// "1234567.89" -> "1,234,567.89" (a leading '-' is kept).
std::string GroupThousands(absl::string_view amount) {
  std::string sign;
  if (!amount.empty() && amount[0] == '-') {
    sign = "-";
    amount.remove_prefix(1);
  }
  const size_t dot = amount.find('.');
  const absl::string_view whole = amount.substr(0, dot);
  const absl::string_view fraction =
      dot == absl::string_view::npos ? absl::string_view() : amount.substr(dot);
  std::string grouped;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(whole[i]);
  }
  return absl::StrCat(sign, grouped, fraction);
}

std::optional<std::string> ComputedValue(absl::string_view name, const RenderInput& input,
                                         absl::string_view language) {
  auto non_empty = [](std::string s) -> std::optional<std::string> {
    if (s.empty()) return std::nullopt;
    return s;
  };
  if (name == "surname" || name == "customer_name") {
    return non_empty(runtime::MaskName(input.full_name));
  }
  if (name == "masked_phone") return non_empty(runtime::MaskPhone(input.phone));
  if (name == "masked_email") return non_empty(runtime::MaskEmail(input.email));
  if (name == "masked_address") return non_empty(runtime::MaskAddress(input.address));
  if (name == "amount_due") {
    if (!input.amount_due) return std::nullopt;
    return FormatMoneyForLanguage(*input.amount_due, language);
  }
  if (name == "due_date") {
    if (!input.due_date) return std::nullopt;
    return FormatDateForLanguage(*input.due_date, language);
  }
  return std::nullopt;
}

bool IsComputed(absl::string_view name) {
  return name == "surname" || name == "customer_name" || name == "masked_phone" ||
         name == "masked_email" || name == "masked_address" || name == "amount_due" ||
         name == "due_date";
}

absl::StatusOr<std::string> RenderText(absl::string_view text, absl::string_view field,
                                       const RenderInput& input, absl::string_view language) {
  ARREARS_ASSIGN_OR_RETURN(std::vector<TemplateSegment> segments, ParseTemplateText(text, field));
  std::string out;
  for (const TemplateSegment& segment : segments) {
    if (!segment.is_placeholder) {
      out += segment.text;
      continue;
    }
    std::optional<std::string> value = ComputedValue(segment.text, input, language);
    if (!value && !IsComputed(segment.text)) {
      auto it = input.parameters.find(segment.text);
      if (it != input.parameters.end()) value = it->second;
    }
    if (!value) {
      return absl::FailedPreconditionError(absl::StrCat(
          "TEMPLATE_RENDER: ", field, ": placeholder {{", segment.text, "}} has no value"));
    }
    out += *value;
  }
  return out;
}

}  // namespace

std::string FormatMoneyForLanguage(const money::Money& amount, absl::string_view language) {
  const std::string grouped = GroupThousands(amount.AmountString());
  const std::string code(amount.currency().code());
  if (language == "zh-CN") {
    if (code == "CNY") return absl::StrCat(grouped, "元");
    return absl::StrCat(grouped, " ", code);
  }
  return absl::StrCat(code, " ", grouped);
}

std::string FormatDateForLanguage(absl::CivilDay day, absl::string_view language) {
  if (language == "zh-CN") {
    return absl::StrFormat("%d年%d月%d日", day.year(), day.month(), day.day());
  }
  return time::FormatCivilDay(day);
}

std::string MaskContactPointValue(const common::v1::ContactPoint& contact_point) {
  switch (contact_point.type()) {
    case common::v1::CONTACT_POINT_TYPE_PHONE:
      return runtime::MaskPhone(contact_point.value());
    case common::v1::CONTACT_POINT_TYPE_EMAIL:
      return runtime::MaskEmail(contact_point.value());
    case common::v1::CONTACT_POINT_TYPE_POSTAL_ADDRESS:
      return runtime::MaskAddress(contact_point.value());
    case common::v1::CONTACT_POINT_TYPE_ORGANIZATION:
      // An organisation is not personal data.
      return contact_point.value();
    default:
      return runtime::MaskIdNumber(contact_point.value());
  }
}

absl::StatusOr<RenderedText> Render(const v1::Template& message_template,
                                    const RenderInput& input) {
  if (input.counterparty == common::v1::COUNTERPARTY_UNRELATED_THIRD_PARTY &&
      !message_template.third_party_readable()) {
    return absl::FailedPreconditionError(
        absl::StrCat(message_template.name(),
                     ": not third_party_readable, cannot be sent to an unrelated third party"));
  }
  RenderedText rendered;
  ARREARS_ASSIGN_OR_RETURN(rendered.subject,
                           RenderText(message_template.subject(), "message_template.subject", input,
                                      message_template.language()));
  ARREARS_ASSIGN_OR_RETURN(rendered.body,
                           RenderText(message_template.body(), "message_template.body", input,
                                      message_template.language()));
  return rendered;
}

}  // namespace arrears::contact
