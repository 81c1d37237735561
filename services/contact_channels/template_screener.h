// TemplateScreener: the hook template registration calls so that compliance
// screens a template's wording (threats, impersonation, third-party
// disclosure...) before it is stored. Production wires the compliance
// service; tests use FakeTemplateScreener.
//
// Contract: OK with passed=false means the wording was rejected (the
// matched rule ids say why); an error means screening could not be done, and
// the template is not registered either. Implementations must be thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_TEMPLATE_SCREENER_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_TEMPLATE_SCREENER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "arrears/contact/v1/template.pb.h"

namespace arrears::contact {

struct ScreeningResult {
  bool passed = false;
  std::string screening_id;
  // Rule ids that matched, e.g. "cn.threat.1"; empty when passed.
  std::vector<std::string> matched_rule_ids;
  // "message_template.body" or "message_template.subject" for a rejection.
  std::string field;
};

class TemplateScreener {
 public:
  virtual ~TemplateScreener() = default;
  virtual absl::StatusOr<ScreeningResult> Screen(const v1::Template& message_template) = 0;
};

// Rejects a template whose subject or body contains a banned phrase.
// Thread-safe.
class FakeTemplateScreener final : public TemplateScreener {
 public:
  // Adds a banned phrase with its rule id.
  void Ban(std::string phrase, std::string rule_id) {
    absl::MutexLock lock(&mu_);
    banned_.emplace_back(std::move(phrase), std::move(rule_id));
  }

  absl::StatusOr<ScreeningResult> Screen(const v1::Template& message_template) override {
    absl::MutexLock lock(&mu_);
    ScreeningResult result;
    result.screening_id = absl::StrCat("screening-", ++screenings_);
    for (const auto& [phrase, rule_id] : banned_) {
      const bool in_subject = absl::StrContains(message_template.subject(), phrase);
      if (in_subject || absl::StrContains(message_template.body(), phrase)) {
        result.matched_rule_ids.push_back(rule_id);
        if (result.field.empty()) {
          result.field = in_subject ? "message_template.subject" : "message_template.body";
        }
      }
    }
    result.passed = result.matched_rule_ids.empty();
    return result;
  }

 private:
  absl::Mutex mu_;
  std::vector<std::pair<std::string, std::string>> banned_ ABSL_GUARDED_BY(mu_);
  int screenings_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_TEMPLATE_SCREENER_H_
