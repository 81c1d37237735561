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
//
// Durability: with a TemplateStore, a registered template is saved there
// before Register() returns, and Get() falls back to the store for a
// template this process has not seen (registered before a restart, or by
// another replica). Without one, templates live in memory only.
// Thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_TEMPLATE_REGISTRY_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_TEMPLATE_REGISTRY_H_

#include <array>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "arrears/contact/v1/template.pb.h"
#include "common/time/clock.h"
#include "services/contact_channels/template_screener.h"

namespace arrears::contact {

inline constexpr std::array<absl::string_view, 2> kSupportedLanguages = {"zh-CN", "en"};
// Placeholders that disclose the debt (total_overdue and max_dpd are the
// parameters strategy routing sends with every contact request).
inline constexpr std::array<absl::string_view, 8> kDebtPlaceholders = {
    "amount_due",     "due_date",       "overdue_amount", "days_past_due",
    "loan_reference", "case_reference", "total_overdue",  "max_dpd"};

// Where registered templates are kept. Implementations must be thread-safe.
class TemplateStore {
 public:
  virtual ~TemplateStore() = default;
  // By resource name; nullopt when absent.
  virtual absl::StatusOr<std::optional<v1::Template>> Load(const std::string& name) = 0;
  // Replaces the template of the same name.
  virtual absl::Status Save(const v1::Template& message_template) = 0;
};

class TemplateRegistry {
 public:
  // `screener`, `clock` and `store` (optional) must outlive the registry.
  static absl::StatusOr<std::unique_ptr<TemplateRegistry>> Create(TemplateScreener* screener,
                                                                  const Clock* clock,
                                                                  TemplateStore* store = nullptr);

  absl::StatusOr<v1::Template> Register(v1::Template message_template);

  // Names templates about to be registered (configured defaults waiting for
  // compliance to screen them): until one is, Get() of it is Unavailable
  // rather than NotFound, so a contact that needs it waits instead of
  // failing.
  void ExpectTemplate(absl::string_view template_id, absl::string_view language);

  // NotFound naming "templates/{id}/languages/{language}" when absent.
  absl::StatusOr<v1::Template> Get(absl::string_view template_id, absl::string_view language) const;

 private:
  TemplateRegistry(TemplateScreener* screener, const Clock* clock, TemplateStore* store)
      : screener_(screener), clock_(clock), store_(store) {}

  TemplateScreener* const screener_;
  const Clock* const clock_;
  TemplateStore* const store_;
  mutable absl::Mutex mu_;
  // Keyed by resource name. A cache of the store when there is one (Get()
  // fills it): a revision another replica registers later is seen here only
  // after a restart.
  mutable absl::flat_hash_map<std::string, v1::Template> templates_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_set<std::string> expected_ ABSL_GUARDED_BY(mu_);
};

std::string TemplateResourceName(absl::string_view template_id, absl::string_view language);

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_TEMPLATE_REGISTRY_H_
