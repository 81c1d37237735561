// Renderer: fills a registered template with a person's data, masked.
//
// Placeholders the renderer computes itself, from raw personal data that
// never leaves it unmasked:
//   {{surname}}, {{customer_name}}  MaskName(full name): "张**", "**** Smith"
//   {{masked_phone}}                MaskPhone: "138****1234"
//   {{masked_email}}                MaskEmail
//   {{masked_address}}              MaskAddress
//   {{amount_due}}                  Money, per language: "1,234.56元" (zh-CN,
//                                   CNY), "CNY 1,234.56" (en)
//   {{due_date}}                    "2026年1月5日" (zh-CN), "2026-01-05" (en)
// Any other placeholder takes its value from RenderInput::parameters (non
// personal values from the strategy, e.g. a case reference); a parameter
// never overrides a computed placeholder.
//
// Errors: FailedPrecondition with "TEMPLATE_RENDER" and the placeholder when
// a placeholder has no value; FailedPrecondition when a counterparty other
// than the debtor's side (UNRELATED_THIRD_PARTY) would get a template not
// flagged third_party_readable. Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_RENDERER_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_RENDERER_H_

#include <map>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "arrears/common/v1/contact.pb.h"
#include "arrears/contact/v1/template.pb.h"
#include "common/money/money.h"

namespace arrears::contact {

struct RenderInput {
  // Raw personal data; only its masked forms reach the output.
  std::string full_name;
  std::string phone;
  std::string email;
  std::string address;
  std::optional<money::Money> amount_due;
  std::optional<absl::CivilDay> due_date;
  common::v1::Counterparty counterparty = common::v1::COUNTERPARTY_DEBTOR;
  std::map<std::string, std::string> parameters;
};

struct RenderedText {
  std::string subject;
  std::string body;
};

absl::StatusOr<RenderedText> Render(const v1::Template& message_template, const RenderInput& input);

// "1,234.56元" for zh-CN CNY, "1,234.56 USD" for zh-CN otherwise,
// "CNY 1,234.56" for en.
std::string FormatMoneyForLanguage(const money::Money& amount, absl::string_view language);
std::string FormatDateForLanguage(absl::CivilDay day, absl::string_view language);

// The contact point's masked form by its type (phone, e-mail, address;
// other types are masked as an id). Used for events and logs.
std::string MaskContactPointValue(const common::v1::ContactPoint& contact_point);

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_RENDERER_H_
