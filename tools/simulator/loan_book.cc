#include "tools/simulator/loan_book.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/proto_convert/proto_convert.h"
#include "common/time/time_zone.h"
#include "tools/simulator/entity_random.h"
#include "tools/simulator/loan.h"

namespace arrears::simulator {
namespace {

std::string KindOf(const google::protobuf::Message& message, const char* oneof) {
  const google::protobuf::OneofDescriptor* descriptor =
      message.GetDescriptor()->FindOneofByName(oneof);
  const google::protobuf::FieldDescriptor* field =
      message.GetReflection()->GetOneofFieldDescriptor(message, descriptor);
  return field == nullptr ? "unset" : field->name();
}

}  // namespace

absl::StatusOr<std::unique_ptr<LoanBook>> LoanBook::Create(const BookOptions& options) {
  if (options.loans < 1) return absl::InvalidArgumentError("loans: must be >= 1");
  if (options.days < 1) return absl::InvalidArgumentError("days: must be >= 1");
  absl::StatusOr<absl::TimeZone> zone = time::LoadTimeZone(kLoanTimeZone);
  if (!zone.ok()) return zone.status();
  std::unique_ptr<LoanBook> book(new LoanBook(options, *zone));

  const CustomerGeneration generation{
      .seed = options.seed, .mix = options.mix, .simulated_days = options.days};
  int64_t loan_index = 0;
  for (int64_t customer_index = 0; loan_index < options.loans; ++customer_index) {
    book->customers_.push_back(GenerateCustomer(generation, customer_index));
    const Customer& customer = book->customers_.back();
    EntityRandom random(options.seed, "loans-per-customer", static_cast<uint64_t>(customer_index));
    const int64_t count =
        std::min<int64_t>(1 + random.Weighted({78, 17, 5}), options.loans - loan_index);
    std::vector<size_t> owned;
    absl::CivilDay onboarded = options.start;
    for (int64_t k = 0; k < count; ++k, ++loan_index) {
      Loan loan = GenerateLoan(options.seed, loan_index, customer, options.start);
      onboarded = std::min(onboarded, loan.disbursement_date);
      book->loan_index_[loan.loan_id] = book->accounts_.size();
      owned.push_back(book->accounts_.size());
      book->accounts_.emplace_back(std::move(loan), customer,
                                   AccountContext{.seed = options.seed,
                                                  .loan_index = loan_index,
                                                  .start = options.start,
                                                  .days = options.days,
                                                  .zone = *zone});
    }
    book->customer_index_[customer.customer_id] = book->customers_.size() - 1;
    book->loans_of_customer_.push_back(std::move(owned));
    book->PlanCustomerEvents(book->customers_.size() - 1, onboarded);
  }
  return book;
}

LoanBook::LoanBook(BookOptions options, absl::TimeZone zone)
    : options_(std::move(options)), zone_(zone), factory_(options_.seed) {}

void LoanBook::PlanCustomerEvents(size_t index, absl::CivilDay onboarded) {
  const Customer& customer = customers_[index];
  auto at = [&](absl::CivilDay day, int hour, int minute) {
    return absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(), hour, minute),
                           zone_);
  };
  std::vector<CustomerRecord> records;
  customer::v1::CustomerEvent contact;
  contact.set_customer_id(customer.customer_id);
  *contact.mutable_contact_data_changed()->mutable_contact_data() = customer.contact_data;
  records.push_back({at(onboarded, 9, 0), contact});
  customer::v1::CustomerEvent consent;
  consent.set_customer_id(customer.customer_id);
  *consent.mutable_consent_changed()->mutable_consents() = customer.consents;
  records.push_back({at(onboarded, 9, 1), consent});

  EntityRandom random(options_.seed, "crm-changes", index);
  // A new mobile number (the old one is kept as a second, unverified one).
  if (random.ChancePerMille(10)) {
    const absl::CivilDay day = options_.start + random.Uniform(1, options_.days - 1);
    customer::v1::CustomerEvent changed = contact;
    customer::v1::ContactData& data =
        *changed.mutable_contact_data_changed()->mutable_contact_data();
    customer::v1::Phone* mobile = data.mutable_phones(0);
    customer::v1::Phone old = *mobile;
    mobile->set_number(
        absl::StrCat(mobile->number().substr(0, mobile->number().size() - 4), random.Digits(4)));
    mobile->set_verified(true);
    if (data.phones_size() == 1) {
      old.set_contact_point_id("phone-2");
      old.set_verified(false);
      *data.add_phones() = old;
    }
    records.push_back({at(day, static_cast<int>(random.Uniform(9, 17)), 0), changed});
  }
  // SMS consent withdrawn.
  if (random.ChancePerMille(5)) {
    const absl::CivilDay day = options_.start + random.Uniform(1, options_.days - 1);
    customer::v1::CustomerEvent withdrawn = consent;
    for (customer::v1::ChannelConsent& channel :
         *withdrawn.mutable_consent_changed()->mutable_consents()->mutable_channel_consents()) {
      if (channel.channel() == common::v1::CHANNEL_SMS) {
        channel.set_status(customer::v1::ChannelConsent::STATUS_REVOKED);
        channel.set_consent_record_id(
            absl::StrCat("consent-", customer.customer_id, "-sms-optout"));
        *channel.mutable_recorded_at() = ToTimestamp(at(day, 12, 0));
      }
    }
    records.push_back({at(day, 12, 0), withdrawn});
  }
  std::stable_sort(records.begin(), records.end(),
                   [](const CustomerRecord& a, const CustomerRecord& b) { return a.at < b.at; });
  for (CustomerRecord& record : records) {
    *record.event.mutable_occurred_at() = ToTimestamp(record.at);
  }
  customer_pending_.push_back(std::move(records));
  customer_sequence_.push_back(0);
}

const Customer* LoanBook::FindCustomer(absl::string_view customer_id) const {
  auto it = customer_index_.find(customer_id);
  return it == customer_index_.end() ? nullptr : &customers_[it->second];
}

LoanAccount* LoanBook::FindLoan(absl::string_view loan_id) {
  auto it = loan_index_.find(loan_id);
  return it == loan_index_.end() ? nullptr : &accounts_[it->second];
}

std::vector<const LoanAccount*> LoanBook::LoansOf(absl::string_view customer_id) const {
  std::vector<const LoanAccount*> loans;
  auto it = customer_index_.find(customer_id);
  if (it == customer_index_.end()) return loans;
  for (size_t index : loans_of_customer_[it->second]) loans.push_back(&accounts_[index]);
  return loans;
}

std::vector<events::Event> LoanBook::TakeEventsUntil(absl::Time until) {
  // (time, 0 = customer / 1 = loan, key, sequence) orders the release.
  using SortKey = std::tuple<absl::Time, int, std::string, int64_t>;
  std::vector<std::pair<SortKey, events::Event>> released;
  for (size_t c = 0; c < customer_pending_.size(); ++c) {
    std::vector<CustomerRecord>& pending = customer_pending_[c];
    size_t taken = 0;
    while (taken < pending.size() && pending[taken].at <= until) {
      const int64_t sequence = ++customer_sequence_[c];
      ++events_by_kind_[KindOf(pending[taken].event, "event")];
      released.emplace_back(SortKey{pending[taken].at, 0, customers_[c].customer_id, sequence},
                            factory_.FromCustomerEvent(pending[taken].event, sequence));
      ++taken;
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<ptrdiff_t>(taken));
  }
  std::vector<loan::v1::LoanEvent> loan_events;
  for (LoanAccount& account : accounts_) {
    if (account.next_event_time() > until) continue;
    loan_events.clear();
    account.TakeEventsUntil(until, &loan_events);
    for (const loan::v1::LoanEvent& event : loan_events) {
      ++events_by_kind_[KindOf(event, "event")];
      released.emplace_back(
          SortKey{FromTimestamp(event.occurred_at()), 1, event.loan_id(), event.loan_sequence()},
          factory_.FromLoanEvent(event));
    }
  }
  std::sort(released.begin(), released.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<events::Event> out;
  out.reserve(released.size());
  for (auto& [key, event] : released) out.push_back(std::move(event));
  return out;
}

BookSummary LoanBook::Summary() const {
  BookSummary summary;
  summary.customers = static_cast<int64_t>(customers_.size());
  summary.loans = static_cast<int64_t>(accounts_.size());
  for (const LoanAccount& account : accounts_) {
    ++summary.loans_by_product[account.loan().product->code];
    summary.principal_by_product[account.loan().product->code] += account.loan().principal_minor;
  }
  for (const Customer& customer : customers_) {
    ++summary.customers_by_behaviour[static_cast<int>(customer.behaviour)];
    ++summary.customers_by_time_zone[customer.time_zone];
    ++summary.customers_by_language[customer.language];
  }
  summary.events_by_kind = events_by_kind_;
  return summary;
}

}  // namespace arrears::simulator
