// InMemoryContactHistory: a ContactHistory held in maps, for tests and as the
// in-process cache the service fills from its store and consumed events.
//
// Per customer, calls and visits are kept sorted by time, so a range lookup is
// a hash lookup plus a binary search (O(log n)) and a scan of the range.
// Thread-safe: one mutex guards everything; visitors run under it and must not
// call back into this object.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_IN_MEMORY_CONTACT_HISTORY_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_IN_MEMORY_CONTACT_HISTORY_H_

#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "services/compliance_auditing/policy/contact_history.h"

namespace arrears::compliance::policy {

// A do-not-contact preference.
struct OptOut {
  std::string preference_id;
  // UNSPECIFIED = every channel.
  common::v1::Channel channel = common::v1::CHANNEL_UNSPECIFIED;
  // Empty = every contact point of the channel.
  std::string contact_point_id;
  absl::Time start_time = absl::InfinitePast();
  absl::Time end_time = absl::InfiniteFuture();
};

class InMemoryContactHistory final : public ContactHistory {
 public:
  // Writers (the service's event consumers and APIs, or tests).
  void AddJurisdiction(absl::string_view customer_id, absl::string_view jurisdiction);
  void AddTimeZone(absl::string_view customer_id, absl::string_view iana_zone);
  void AddCall(absl::string_view customer_id, CallRecord call);
  void AddFieldVisit(absl::string_view customer_id, absl::Time time);
  void AddAgreedContactTime(absl::string_view customer_id, AgreedContactTime agreed);
  void AddOptOut(absl::string_view customer_id, OptOut opt_out);
  void AddPriorConsent(absl::string_view customer_id, PriorConsent consent);
  void SetCease(absl::string_view customer_id, CeaseRequest cease);
  void SetAttorney(absl::string_view customer_id, bool represented);
  // Opens (or, with `open` false, closes) a dispute of `debt_id`.
  void SetDispute(absl::string_view customer_id, absl::string_view debt_id, OpenDispute dispute,
                  bool open = true);
  void SetOpenComplaintCount(absl::string_view customer_id, int count);
  void SetLostContact(absl::string_view customer_id, bool lost);
  void AddThirdPartyRefusal(absl::string_view customer_id, absl::string_view related_contact_id);
  void AddThirdPartyContact(absl::string_view customer_id, absl::string_view related_contact_id);
  // A debt whose age was never set is known and not overdue (never
  // time-barred). SetTimeBarred is a shorthand: overdue since long ago
  // (barred under any limitation period), or not overdue.
  void SetDebtAge(absl::string_view debt_id, DebtAge age);
  void SetTimeBarred(absl::string_view debt_id, bool time_barred);
  void SetDeceased(absl::string_view customer_id, bool deceased);
  void SetBankruptcy(absl::string_view customer_id, BankruptcyState state);
  void SetResidence(absl::string_view customer_id, absl::string_view residence);
  void AddEmployerProvidedEmail(absl::string_view customer_id, absl::string_view contact_point_id);

  // ContactHistory.
  void ForEachJurisdiction(absl::string_view customer_id,
                           absl::FunctionRef<void(absl::string_view)> visit) const override;
  void ForEachTimeZone(absl::string_view customer_id,
                       absl::FunctionRef<void(absl::string_view)> visit) const override;
  void ForEachCall(absl::string_view customer_id, absl::Time from, absl::Time to,
                   absl::FunctionRef<void(const CallRecord&)> visit) const override;
  int CountFieldVisits(absl::string_view customer_id, absl::Time from,
                       absl::Time to) const override;
  void ForEachAgreedContactTime(
      absl::string_view customer_id,
      absl::FunctionRef<void(const AgreedContactTime&)> visit) const override;
  std::optional<std::string> FindOptOut(absl::string_view customer_id, common::v1::Channel channel,
                                        absl::string_view contact_point_id,
                                        absl::Time at) const override;
  std::optional<std::string> FindPriorConsent(absl::string_view customer_id,
                                              common::v1::Channel channel,
                                              absl::string_view contact_point_id,
                                              absl::Time at) const override;
  std::optional<CeaseRequest> FindCease(absl::string_view customer_id) const override;
  bool HasAttorney(absl::string_view customer_id) const override;
  std::optional<OpenDispute> FindOpenDispute(absl::string_view customer_id,
                                             absl::string_view debt_id) const override;
  int OpenComplaintCount(absl::string_view customer_id) const override;
  bool IsLostContact(absl::string_view customer_id) const override;
  bool ThirdPartyRefused(absl::string_view customer_id,
                         absl::string_view related_contact_id) const override;
  int ThirdPartyContactCount(absl::string_view customer_id,
                             absl::string_view related_contact_id) const override;
  bool IsDeceased(absl::string_view customer_id) const override;
  BankruptcyState Bankruptcy(absl::string_view customer_id) const override;
  std::string Residence(absl::string_view customer_id) const override;
  DebtAge AgeOfDebt(absl::string_view debt_id) const override;
  bool IsEmployerProvidedEmail(absl::string_view customer_id,
                               absl::string_view contact_point_id) const override;

 private:
  struct Customer {
    std::vector<std::string> jurisdictions;
    std::vector<std::string> time_zones;
    std::vector<CallRecord> calls;         // sorted by time
    std::vector<absl::Time> field_visits;  // sorted
    std::vector<AgreedContactTime> agreed_times;
    std::vector<OptOut> opt_outs;
    std::vector<PriorConsent> prior_consents;
    std::optional<CeaseRequest> cease;
    bool attorney = false;
    bool deceased = false;
    BankruptcyState bankruptcy = BankruptcyState::kNone;
    std::string residence;
    absl::flat_hash_map<std::string, OpenDispute> open_disputes;  // by debt id
    int open_complaints = 0;
    bool lost_contact = false;
    absl::flat_hash_set<std::string> refused_third_parties;
    absl::flat_hash_map<std::string, int> third_party_contacts;
    absl::flat_hash_set<std::string> employer_emails;
  };

  Customer& Mutable(absl::string_view customer_id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const Customer* Find(absl::string_view customer_id) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Customer> customers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, DebtAge> debt_ages_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::compliance::policy

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_IN_MEMORY_CONTACT_HISTORY_H_
