// ContactHistory: the facts about a debtor that the contact rules read.
//
// The policy engine never owns state: everything it needs to know about past
// contacts, preferences, disputes and the debtor's status comes through this
// seam. The service backs it with its store (fed from contact and customer
// events and its own APIs); tests use InMemoryContactHistory.
//
// Contract for implementations:
//  - Lookups are cheap: O(1) or O(log n) to find a customer's data, then a
//    scan over the matching time range only (the rules ask for one local day
//    or seven). Visitors are called in ascending time order.
//  - "Calls" include the bank's own and every agency's calls: rules that count
//    per debtor aggregate across agencies, so an implementation must not
//    partition by agency.
//  - Thread-safe: the engine calls these from many request threads. Visitor
//    callbacks must not call back into the history.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_CONTACT_HISTORY_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_CONTACT_HISTORY_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "arrears/common/v1/contact.pb.h"

namespace arrears::compliance::policy {

// How far a telephone call got. Ordered: each level implies the previous.
enum class CallOutcome {
  // Never reached the number (busy, not in service, network failure).
  // Regulation F does not count these; CN counts them as unanswered dials.
  kNotConnected,
  // Rang but nobody answered (or voicemail).
  kUnanswered,
  // Someone answered.
  kConnected,
  // An effective conversation with the person about the debt.
  kConversation,
};

// One telephone call (placed by the bank or any agency).
struct CallRecord {
  absl::Time time;
  std::string contact_point_id;
  // Debts the call was about; empty = not about a particular debt.
  std::vector<std::string> debt_ids;
  common::v1::Counterparty counterparty = common::v1::COUNTERPARTY_DEBTOR;
  // Empty for the bank itself.
  std::string agency_id;
  CallOutcome outcome = CallOutcome::kUnanswered;
  // Placed with the debtor's direct prior consent (Regulation F excludes it
  // from the 7-in-7 count).
  bool with_prior_consent = false;
};

// A daily window the debtor agreed to be contacted in (a consent record).
struct AgreedContactTime {
  std::string consent_record_id;
  // IANA name of the zone the window is in.
  std::string time_zone;
  // Seconds after local midnight, [start, end); end may be 86400.
  int start_second = 0;
  int end_second = 0;
  // Bit (1 << ISO weekday 1..7); 0 = every day.
  unsigned weekday_mask = 0;
  // Channel covered; UNSPECIFIED = every channel.
  common::v1::Channel channel = common::v1::CHANNEL_UNSPECIFIED;
  // In force [start_time, end_time).
  absl::Time start_time = absl::InfinitePast();
  absl::Time end_time = absl::InfiniteFuture();
};

// The debtor's direct prior consent to be called in [start_time, end_time)
// (Regulation F: calls made with it are outside the 7-in-7 limits).
struct PriorConsent {
  std::string preference_id;
  // Channel covered; UNSPECIFIED = every channel.
  common::v1::Channel channel = common::v1::CHANNEL_UNSPECIFIED;
  // Empty = every contact point.
  std::string contact_point_id;
  absl::Time start_time = absl::InfinitePast();
  absl::Time end_time = absl::InfiniteFuture();
};

// An open dispute of one or more debts.
struct OpenDispute {
  std::string dispute_id;
  // Received within the Regulation F validation period.
  bool within_validation_period = false;
};

// Whether the debtor is in bankruptcy proceedings.
enum class BankruptcyState {
  kNone,
  // A petition is filed and not discharged or dismissed (a stay / hold).
  kFiled,
  // The bank was told of proceedings without their stage: fail closed.
  kUnknown,
};

// How old a debt is, for the time-bar (limitation) rule.
struct DebtAge {
  // Whether a delinquency status is known for the debt; an unknown debt
  // counts as time-barred (fail closed: it only forbids threatening suit).
  bool known = false;
  // The oldest overdue due date; unset when nothing is overdue.
  std::optional<absl::CivilDay> oldest_overdue_due_date;
};

// A written request to cease communication.
struct CeaseRequest {
  std::string preference_id;
  // Purposes still allowed (e.g. LEGAL_NOTICE).
  std::vector<common::v1::ContactPurpose> allowed_purposes;
};

class ContactHistory {
 public:
  virtual ~ContactHistory() = default;

  // Jurisdictions whose packs apply to the customer (residence, lender
  // licence), e.g. "CN", "US". None → the engine fails closed.
  virtual void ForEachJurisdiction(absl::string_view customer_id,
                                   absl::FunctionRef<void(absl::string_view)> visit) const = 0;
  // IANA zones known from customer data (used when a request names none).
  virtual void ForEachTimeZone(absl::string_view customer_id,
                               absl::FunctionRef<void(absl::string_view)> visit) const = 0;

  // Calls about the customer (to any counterparty) in [from, to), by time.
  virtual void ForEachCall(absl::string_view customer_id, absl::Time from, absl::Time to,
                           absl::FunctionRef<void(const CallRecord&)> visit) const = 0;
  // Field visits to the customer in [from, to).
  virtual int CountFieldVisits(absl::string_view customer_id, absl::Time from,
                               absl::Time to) const = 0;
  // Agreed contact windows of the customer.
  virtual void ForEachAgreedContactTime(
      absl::string_view customer_id,
      absl::FunctionRef<void(const AgreedContactTime&)> visit) const = 0;

  // The do-not-contact preference id covering (channel, contact point) at
  // `at`, if any. A preference with channel UNSPECIFIED covers every channel,
  // one without a contact point every point of its channel.
  virtual std::optional<std::string> FindOptOut(absl::string_view customer_id,
                                                common::v1::Channel channel,
                                                absl::string_view contact_point_id,
                                                absl::Time at) const = 0;
  // The prior-consent preference id covering a call on (channel, contact
  // point) at `at`, if any (same matching as FindOptOut).
  virtual std::optional<std::string> FindPriorConsent(absl::string_view customer_id,
                                                      common::v1::Channel channel,
                                                      absl::string_view contact_point_id,
                                                      absl::Time at) const = 0;
  virtual std::optional<CeaseRequest> FindCease(absl::string_view customer_id) const = 0;
  virtual bool HasAttorney(absl::string_view customer_id) const = 0;
  virtual std::optional<OpenDispute> FindOpenDispute(absl::string_view customer_id,
                                                     absl::string_view debt_id) const = 0;
  virtual int OpenComplaintCount(absl::string_view customer_id) const = 0;
  virtual bool IsLostContact(absl::string_view customer_id) const = 0;
  virtual bool ThirdPartyRefused(absl::string_view customer_id,
                                 absl::string_view related_contact_id) const = 0;
  // Location contacts already made with this third party.
  virtual int ThirdPartyContactCount(absl::string_view customer_id,
                                     absl::string_view related_contact_id) const = 0;
  virtual bool IsDeceased(absl::string_view customer_id) const = 0;
  virtual BankruptcyState Bankruptcy(absl::string_view customer_id) const = 0;
  // The residence as stored ("US-NY", "CN"); empty when unknown. Selects a
  // pack's per-jurisdiction limitation period.
  virtual std::string Residence(absl::string_view customer_id) const = 0;
  // Whether a debt is time-barred depends on the pack's limitation period:
  // the engine decides from the debt's age.
  virtual DebtAge AgeOfDebt(absl::string_view debt_id) const = 0;
  virtual bool IsEmployerProvidedEmail(absl::string_view customer_id,
                                       absl::string_view contact_point_id) const = 0;
};

}  // namespace arrears::compliance::policy

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_POLICY_CONTACT_HISTORY_H_
