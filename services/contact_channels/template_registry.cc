#include "services/contact_channels/template_registry.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "services/contact_channels/template_syntax.h"

namespace arrears::contact {

std::string TemplateResourceName(absl::string_view template_id, absl::string_view language) {
  return absl::StrCat("templates/", template_id, "/languages/", language);
}

absl::StatusOr<std::unique_ptr<TemplateRegistry>> TemplateRegistry::Create(
    TemplateScreener* screener, const Clock* clock, TemplateStore* store) {
  if (screener == nullptr) return absl::InvalidArgumentError("screener: must be set");
  if (clock == nullptr) return absl::InvalidArgumentError("clock: must be set");
  return std::unique_ptr<TemplateRegistry>(new TemplateRegistry(screener, clock, store));
}

absl::StatusOr<v1::Template> TemplateRegistry::Register(v1::Template message_template) {
  if (message_template.template_id().empty()) {
    return absl::InvalidArgumentError("message_template.template_id: must be set");
  }
  if (std::find(kSupportedLanguages.begin(), kSupportedLanguages.end(),
                message_template.language()) == kSupportedLanguages.end()) {
    return absl::InvalidArgumentError(absl::StrCat("message_template.language: \"",
                                                   message_template.language(), "\" is not one of ",
                                                   absl::StrJoin(kSupportedLanguages, ", ")));
  }
  if (message_template.channel() == common::v1::CHANNEL_UNSPECIFIED) {
    return absl::InvalidArgumentError("message_template.channel: must be set");
  }
  if (message_template.body().empty()) {
    return absl::InvalidArgumentError("message_template.body: must be set");
  }
  ARREARS_ASSIGN_OR_RETURN(
      std::vector<TemplateSegment> subject,
      ParseTemplateText(message_template.subject(), "message_template.subject"));
  ARREARS_ASSIGN_OR_RETURN(std::vector<TemplateSegment> body,
                           ParseTemplateText(message_template.body(), "message_template.body"));
  subject.insert(subject.end(), body.begin(), body.end());
  const std::vector<std::string> placeholders = PlaceholderNames(subject);
  if (message_template.third_party_readable()) {
    for (const std::string& name : placeholders) {
      if (std::find(kDebtPlaceholders.begin(), kDebtPlaceholders.end(), name) !=
          kDebtPlaceholders.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "message_template.body: placeholder {{", name,
            "}} discloses the debt and is not allowed in a third_party_readable template"));
      }
    }
  }

  ARREARS_ASSIGN_OR_RETURN(ScreeningResult screening, screener_->Screen(message_template));
  if (!screening.passed) {
    return absl::InvalidArgumentError(
        absl::StrCat(screening.field.empty() ? "message_template.body" : screening.field,
                     ": rejected by compliance screening, rules ",
                     absl::StrJoin(screening.matched_rule_ids, ", ")));
  }

  const std::string name =
      TemplateResourceName(message_template.template_id(), message_template.language());
  message_template.set_name(name);
  message_template.clear_placeholders();
  for (const std::string& placeholder : placeholders) {
    message_template.add_placeholders(placeholder);
  }
  message_template.set_screening_id(screening.screening_id);
  *message_template.mutable_create_time() = ToTimestamp(clock_->Now());

  // Serialized so that concurrent registrations of one name get distinct
  // revisions; screening above ran unlocked.
  absl::MutexLock lock(&mu_);
  int64_t previous = 0;
  auto it = templates_.find(name);
  if (it != templates_.end()) previous = it->second.revision();
  if (store_ != nullptr) {
    ARREARS_ASSIGN_OR_RETURN(std::optional<v1::Template> stored, store_->Load(name));
    if (stored.has_value()) previous = std::max(previous, stored->revision());
  }
  message_template.set_revision(previous + 1);
  if (store_ != nullptr) ARREARS_RETURN_IF_ERROR(store_->Save(message_template));
  templates_[name] = message_template;
  expected_.erase(name);
  return message_template;
}

absl::StatusOr<v1::Template> TemplateRegistry::Get(absl::string_view template_id,
                                                   absl::string_view language) const {
  const std::string name = TemplateResourceName(template_id, language);
  absl::MutexLock lock(&mu_);
  auto it = templates_.find(name);
  if (it != templates_.end()) return it->second;
  if (store_ != nullptr) {
    ARREARS_ASSIGN_OR_RETURN(std::optional<v1::Template> stored, store_->Load(name));
    if (stored.has_value()) {
      templates_[name] = *stored;
      return *std::move(stored);
    }
  }
  if (expected_.contains(name)) {
    return absl::UnavailableError(absl::StrCat(name, ": awaiting compliance screening"));
  }
  return absl::NotFoundError(absl::StrCat(name, ": no such template"));
}

void TemplateRegistry::ExpectTemplate(absl::string_view template_id, absl::string_view language) {
  const std::string name = TemplateResourceName(template_id, language);
  absl::MutexLock lock(&mu_);
  if (!templates_.contains(name)) expected_.insert(name);
}

}  // namespace arrears::contact
