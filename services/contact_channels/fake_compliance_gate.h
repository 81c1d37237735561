// FakeComplianceGate: an in-memory ComplianceGate for tests and the embedded
// default. Answers ALLOW unless a rule says otherwise; records every plan it
// was asked about. A rule is any function of the plan, so tests can express
// quiet hours ("defer until 08:00"), denials for one customer, or an outage
// (return absl::UnavailableError). Thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_FAKE_COMPLIANCE_GATE_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_FAKE_COMPLIANCE_GATE_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "services/contact_channels/compliance_gate.h"

namespace arrears::contact {

class FakeComplianceGate final : public ComplianceGate {
 public:
  using Rule = std::function<absl::StatusOr<GateDecision>(const ContactAttemptPlan&)>;

  // Replaces the rule; an empty rule means ALLOW everything.
  void SetRule(Rule rule) {
    absl::MutexLock lock(&mu_);
    rule_ = std::move(rule);
  }

  absl::StatusOr<GateDecision> CheckContact(const ContactAttemptPlan& plan) override {
    absl::MutexLock lock(&mu_);
    checks_.push_back(plan);
    if (rule_) return rule_(plan);
    return GateDecision::Allow(absl::StrCat("decision-", plan.check_id));
  }

  std::vector<ContactAttemptPlan> checks() const {
    absl::MutexLock lock(&mu_);
    return checks_;
  }

 private:
  mutable absl::Mutex mu_;
  Rule rule_ ABSL_GUARDED_BY(mu_);
  std::vector<ContactAttemptPlan> checks_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_FAKE_COMPLIANCE_GATE_H_
