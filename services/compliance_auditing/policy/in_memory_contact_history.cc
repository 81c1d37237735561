#include "services/compliance_auditing/policy/in_memory_contact_history.h"

#include <algorithm>
#include <utility>

namespace arrears::compliance::policy {

InMemoryContactHistory::Customer& InMemoryContactHistory::Mutable(absl::string_view customer_id) {
  auto it = customers_.find(customer_id);
  if (it == customers_.end()) it = customers_.emplace(std::string(customer_id), Customer()).first;
  return it->second;
}

const InMemoryContactHistory::Customer* InMemoryContactHistory::Find(
    absl::string_view customer_id) const {
  auto it = customers_.find(customer_id);
  return it == customers_.end() ? nullptr : &it->second;
}

void InMemoryContactHistory::AddJurisdiction(absl::string_view customer_id,
                                             absl::string_view jurisdiction) {
  absl::MutexLock lock(&mu_);
  Mutable(customer_id).jurisdictions.emplace_back(jurisdiction);
}

void InMemoryContactHistory::AddTimeZone(absl::string_view customer_id,
                                         absl::string_view iana_zone) {
  absl::MutexLock lock(&mu_);
  Mutable(customer_id).time_zones.emplace_back(iana_zone);
}

void InMemoryContactHistory::AddCall(absl::string_view customer_id, CallRecord call) {
  absl::MutexLock lock(&mu_);
  auto& calls = Mutable(customer_id).calls;
  auto pos = std::upper_bound(calls.begin(), calls.end(), call.time,
                              [](absl::Time t, const CallRecord& c) { return t < c.time; });
  calls.insert(pos, std::move(call));
}

void InMemoryContactHistory::AddFieldVisit(absl::string_view customer_id, absl::Time time) {
  absl::MutexLock lock(&mu_);
  auto& visits = Mutable(customer_id).field_visits;
  visits.insert(std::upper_bound(visits.begin(), visits.end(), time), time);
}

void InMemoryContactHistory::AddAgreedContactTime(absl::string_view customer_id,
                                                  AgreedContactTime agreed) {
  absl::MutexLock lock(&mu_);
  Mutable(customer_id).agreed_times.push_back(std::move(agreed));
}

void InMemoryContactHistory::AddOptOut(absl::string_view customer_id, OptOut opt_out) {
  absl::MutexLock lock(&mu_);
  Mutable(customer_id).opt_outs.push_back(std::move(opt_out));
}

void InMemoryContactHistory::AddPriorConsent(absl::string_view customer_id, PriorConsent consent) {
  absl::MutexLock lock(&mu_);
  Mutable(customer_id).prior_consents.push_back(std::move(consent));
}

void InMemoryContactHistory::SetCease(absl::string_view customer_id, CeaseRequest cease) {
  absl::MutexLock lock(&mu_);
  Mutable(customer_id).cease = std::move(cease);
}

void InMemoryContactHistory::SetAttorney(absl::string_view customer_id, bool represented) {
  absl::MutexLock lock(&mu_);
  Mutable(customer_id).attorney = represented;
}

void InMemoryContactHistory::SetDispute(absl::string_view customer_id, absl::string_view debt_id,
                                        OpenDispute dispute, bool open) {
  absl::MutexLock lock(&mu_);
  auto& disputes = Mutable(customer_id).open_disputes;
  if (open) {
    disputes.insert_or_assign(std::string(debt_id), std::move(dispute));
  } else {
    disputes.erase(debt_id);
  }
}

void InMemoryContactHistory::SetOpenComplaintCount(absl::string_view customer_id, int count) {
  absl::MutexLock lock(&mu_);
  Mutable(customer_id).open_complaints = count;
}

void InMemoryContactHistory::SetLostContact(absl::string_view customer_id, bool lost) {
  absl::MutexLock lock(&mu_);
  Mutable(customer_id).lost_contact = lost;
}

void InMemoryContactHistory::AddThirdPartyRefusal(absl::string_view customer_id,
                                                  absl::string_view related_contact_id) {
  absl::MutexLock lock(&mu_);
  Mutable(customer_id).refused_third_parties.emplace(related_contact_id);
}

void InMemoryContactHistory::AddThirdPartyContact(absl::string_view customer_id,
                                                  absl::string_view related_contact_id) {
  absl::MutexLock lock(&mu_);
  ++Mutable(customer_id).third_party_contacts[related_contact_id];
}

void InMemoryContactHistory::SetDebtAge(absl::string_view debt_id, DebtAge age) {
  absl::MutexLock lock(&mu_);
  debt_ages_[debt_id] = std::move(age);
}

void InMemoryContactHistory::SetTimeBarred(absl::string_view debt_id, bool time_barred) {
  DebtAge age;
  age.known = true;
  if (time_barred) age.oldest_overdue_due_date = absl::CivilDay(1900, 1, 1);
  SetDebtAge(debt_id, std::move(age));
}

void InMemoryContactHistory::SetDeceased(absl::string_view customer_id, bool deceased) {
  absl::MutexLock lock(&mu_);
  Mutable(customer_id).deceased = deceased;
}

void InMemoryContactHistory::SetBankruptcy(absl::string_view customer_id, BankruptcyState state) {
  absl::MutexLock lock(&mu_);
  Mutable(customer_id).bankruptcy = state;
}

void InMemoryContactHistory::SetResidence(absl::string_view customer_id,
                                          absl::string_view residence) {
  absl::MutexLock lock(&mu_);
  Mutable(customer_id).residence = std::string(residence);
}

void InMemoryContactHistory::AddEmployerProvidedEmail(absl::string_view customer_id,
                                                      absl::string_view contact_point_id) {
  absl::MutexLock lock(&mu_);
  Mutable(customer_id).employer_emails.emplace(contact_point_id);
}

void InMemoryContactHistory::ForEachJurisdiction(
    absl::string_view customer_id, absl::FunctionRef<void(absl::string_view)> visit) const {
  absl::ReaderMutexLock lock(&mu_);
  if (const Customer* c = Find(customer_id)) {
    for (const auto& j : c->jurisdictions) visit(j);
  }
}

void InMemoryContactHistory::ForEachTimeZone(
    absl::string_view customer_id, absl::FunctionRef<void(absl::string_view)> visit) const {
  absl::ReaderMutexLock lock(&mu_);
  if (const Customer* c = Find(customer_id)) {
    for (const auto& z : c->time_zones) visit(z);
  }
}

void InMemoryContactHistory::ForEachCall(absl::string_view customer_id, absl::Time from,
                                         absl::Time to,
                                         absl::FunctionRef<void(const CallRecord&)> visit) const {
  absl::ReaderMutexLock lock(&mu_);
  const Customer* c = Find(customer_id);
  if (c == nullptr) return;
  auto it = std::lower_bound(c->calls.begin(), c->calls.end(), from,
                             [](const CallRecord& call, absl::Time t) { return call.time < t; });
  for (; it != c->calls.end() && it->time < to; ++it) visit(*it);
}

int InMemoryContactHistory::CountFieldVisits(absl::string_view customer_id, absl::Time from,
                                             absl::Time to) const {
  absl::ReaderMutexLock lock(&mu_);
  const Customer* c = Find(customer_id);
  if (c == nullptr) return 0;
  return static_cast<int>(std::lower_bound(c->field_visits.begin(), c->field_visits.end(), to) -
                          std::lower_bound(c->field_visits.begin(), c->field_visits.end(), from));
}

void InMemoryContactHistory::ForEachAgreedContactTime(
    absl::string_view customer_id, absl::FunctionRef<void(const AgreedContactTime&)> visit) const {
  absl::ReaderMutexLock lock(&mu_);
  if (const Customer* c = Find(customer_id)) {
    for (const auto& a : c->agreed_times) visit(a);
  }
}

namespace {

// The id of the first of `records` (OptOut or PriorConsent) in force at `at`
// for (channel, contact point).
template <typename Record>
std::optional<std::string> FirstCovering(const std::vector<Record>& records,
                                         common::v1::Channel channel,
                                         absl::string_view contact_point_id, absl::Time at) {
  for (const Record& r : records) {
    if (at < r.start_time || at >= r.end_time) continue;
    if (r.channel != common::v1::CHANNEL_UNSPECIFIED && r.channel != channel) continue;
    if (!r.contact_point_id.empty() && r.contact_point_id != contact_point_id) continue;
    return r.preference_id;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> InMemoryContactHistory::FindOptOut(absl::string_view customer_id,
                                                              common::v1::Channel channel,
                                                              absl::string_view contact_point_id,
                                                              absl::Time at) const {
  absl::ReaderMutexLock lock(&mu_);
  const Customer* c = Find(customer_id);
  if (c == nullptr) return std::nullopt;
  return FirstCovering(c->opt_outs, channel, contact_point_id, at);
}

std::optional<std::string> InMemoryContactHistory::FindPriorConsent(
    absl::string_view customer_id, common::v1::Channel channel, absl::string_view contact_point_id,
    absl::Time at) const {
  absl::ReaderMutexLock lock(&mu_);
  const Customer* c = Find(customer_id);
  if (c == nullptr) return std::nullopt;
  return FirstCovering(c->prior_consents, channel, contact_point_id, at);
}

std::optional<CeaseRequest> InMemoryContactHistory::FindCease(absl::string_view customer_id) const {
  absl::ReaderMutexLock lock(&mu_);
  const Customer* c = Find(customer_id);
  return c == nullptr ? std::nullopt : c->cease;
}

bool InMemoryContactHistory::HasAttorney(absl::string_view customer_id) const {
  absl::ReaderMutexLock lock(&mu_);
  const Customer* c = Find(customer_id);
  return c != nullptr && c->attorney;
}

std::optional<OpenDispute> InMemoryContactHistory::FindOpenDispute(
    absl::string_view customer_id, absl::string_view debt_id) const {
  absl::ReaderMutexLock lock(&mu_);
  const Customer* c = Find(customer_id);
  if (c == nullptr) return std::nullopt;
  auto it = c->open_disputes.find(debt_id);
  if (it == c->open_disputes.end()) return std::nullopt;
  return it->second;
}

int InMemoryContactHistory::OpenComplaintCount(absl::string_view customer_id) const {
  absl::ReaderMutexLock lock(&mu_);
  const Customer* c = Find(customer_id);
  return c == nullptr ? 0 : c->open_complaints;
}

bool InMemoryContactHistory::IsLostContact(absl::string_view customer_id) const {
  absl::ReaderMutexLock lock(&mu_);
  const Customer* c = Find(customer_id);
  return c != nullptr && c->lost_contact;
}

bool InMemoryContactHistory::ThirdPartyRefused(absl::string_view customer_id,
                                               absl::string_view related_contact_id) const {
  absl::ReaderMutexLock lock(&mu_);
  const Customer* c = Find(customer_id);
  return c != nullptr && c->refused_third_parties.contains(related_contact_id);
}

int InMemoryContactHistory::ThirdPartyContactCount(absl::string_view customer_id,
                                                   absl::string_view related_contact_id) const {
  absl::ReaderMutexLock lock(&mu_);
  const Customer* c = Find(customer_id);
  if (c == nullptr) return 0;
  auto it = c->third_party_contacts.find(related_contact_id);
  return it == c->third_party_contacts.end() ? 0 : it->second;
}

bool InMemoryContactHistory::IsDeceased(absl::string_view customer_id) const {
  absl::ReaderMutexLock lock(&mu_);
  const Customer* c = Find(customer_id);
  return c != nullptr && c->deceased;
}

BankruptcyState InMemoryContactHistory::Bankruptcy(absl::string_view customer_id) const {
  absl::ReaderMutexLock lock(&mu_);
  const Customer* c = Find(customer_id);
  return c != nullptr ? c->bankruptcy : BankruptcyState::kNone;
}

std::string InMemoryContactHistory::Residence(absl::string_view customer_id) const {
  absl::ReaderMutexLock lock(&mu_);
  const Customer* c = Find(customer_id);
  return c != nullptr ? c->residence : std::string();
}

DebtAge InMemoryContactHistory::AgeOfDebt(absl::string_view debt_id) const {
  absl::ReaderMutexLock lock(&mu_);
  const auto it = debt_ages_.find(debt_id);
  if (it != debt_ages_.end()) return it->second;
  DebtAge never_set;
  never_set.known = true;
  return never_set;
}

bool InMemoryContactHistory::IsEmployerProvidedEmail(absl::string_view customer_id,
                                                     absl::string_view contact_point_id) const {
  absl::ReaderMutexLock lock(&mu_);
  const Customer* c = Find(customer_id);
  return c != nullptr && c->employer_emails.contains(contact_point_id);
}

}  // namespace arrears::compliance::policy
