// TemplateRegistry: message templates per (template_id, language), each
// for one channel, registered only after validation and compliance
// screening.
//
// Register() rules, in order (errors are InvalidArgument naming the field):
//  - template_id non-empty; language one of kSupportedLanguages; channel set;
//    body non-empty; subject and body parse (template_syntax.h).
//  - A template flagged third_party_readable must not reveal the debt: the
//    debt placeholders (kDebtPlaceholders) are rejected.
//  - The screener is asked; a rejection is InvalidArgument naming the field
//    and the matched rule ids, a screening error is returned as is; in both
//    cases nothing is stored.
// On success the server-set fields (name, placeholders, revision = previous
// + 1, screening_id, create_time) are filled and the stored copy returned.
// Thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_TEMPLATE_REGISTRY_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_TEMPLATE_REGISTRY_H_

#include <array>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "arrears/contact/v1/template.pb.h"
#include "common/time/clock.h"
#include "services/contact_channels/template_screener.h"

namespace arrears::contact {

inline constexpr std::array<absl::string_view, 2> kSupportedLanguages = {"zh-CN", "en"};
// Placeholders that disclose the debt.
inline constexpr std::array<absl::string_view, 6> kDebtPlaceholders = {
    "amount_due",    "due_date",       "overdue_amount",
    "days_past_due", "loan_reference", "case_reference"};

class TemplateRegistry {
 public:
  // `screener` and `clock` must outlive the registry.
  static absl::StatusOr<std::unique_ptr<TemplateRegistry>> Create(TemplateScreener* screener,
                                                                  const Clock* clock);

  absl::StatusOr<v1::Template> Register(v1::Template message_template);
  // NotFound naming "templates/{id}/languages/{language}" when absent.
  absl::StatusOr<v1::Template> Get(absl::string_view template_id, absl::string_view language) const;

 private:
  TemplateRegistry(TemplateScreener* screener, const Clock* clock)
      : screener_(screener), clock_(clock) {}

  TemplateScreener* const screener_;
  const Clock* const clock_;
  mutable absl::Mutex mu_;
  // Keyed by resource name.
  absl::flat_hash_map<std::string, v1::Template> templates_ ABSL_GUARDED_BY(mu_);
};

std::string TemplateResourceName(absl::string_view template_id, absl::string_view language);

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_TEMPLATE_REGISTRY_H_
