// LoanBook: the simulated banks' loan system and CRM for a whole book.
//
// For a seed and a size it generates customers (customer.h), their loans
// (loan.h, one to three per customer) and each loan's account
// (loan_account.h), then releases their events as simulated time passes:
// TakeEventsUntil(t) returns, as Kafka-ready events (event_factory.h), every
// customer and loan event recorded after the previous call and at or before
// t. The first call includes the opening load: each customer's contact data
// and consents (at onboarding), then each loan's LoanOpened.
//
// Order: by time; at equal times customer events before loan events (a
// consumer knows the person before the loan), then by key and sequence. A
// smaller book with the same seed is a prefix of a larger one (same
// customers, loans and events for the shared part).
//
// Besides the opening load, a few customers change their mobile number or
// withdraw SMS consent during the run, as CRMs report.
//
// Not thread-safe: one driver thread owns the book.
#ifndef ARREARS_TOOLS_SIMULATOR_LOAN_BOOK_H_
#define ARREARS_TOOLS_SIMULATOR_LOAN_BOOK_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/events/event.h"
#include "tools/simulator/behaviour.h"
#include "tools/simulator/customer.h"
#include "tools/simulator/event_factory.h"
#include "tools/simulator/loan_account.h"

namespace arrears::simulator {

struct BookOptions {
  uint64_t seed = 1;
  int64_t loans = 20'000;
  // First simulated business day.
  absl::CivilDay start = absl::CivilDay(2026, 1, 5);
  int days = 120;
  BehaviourMix mix;
};

struct BookSummary {
  int64_t customers = 0;
  int64_t loans = 0;
  std::map<std::string, int64_t> loans_by_product;
  // Principal disbursed by product, minor units (all products are CNY).
  std::map<std::string, int64_t> principal_by_product;
  std::array<int64_t, kBehaviourCount> customers_by_behaviour = {};
  std::map<std::string, int64_t> customers_by_time_zone;
  std::map<std::string, int64_t> customers_by_language;
  // Events released so far, by kind ("loan_opened", "repayment_posted",
  // "contact_data_changed", ...).
  std::map<std::string, int64_t> events_by_kind;
};

class LoanBook {
 public:
  // InvalidArgument naming the option when loans < 1 or days < 1.
  static absl::StatusOr<std::unique_ptr<LoanBook>> Create(const BookOptions& options);

  const BookOptions& options() const { return options_; }
  // The loans' (and the business day's) time zone, Asia/Shanghai.
  const absl::TimeZone& zone() const { return zone_; }
  const std::vector<Customer>& customers() const { return customers_; }

  const Customer* FindCustomer(absl::string_view customer_id) const;
  LoanAccount* FindLoan(absl::string_view loan_id);
  std::vector<const LoanAccount*> LoansOf(absl::string_view customer_id) const;

  std::vector<events::Event> TakeEventsUntil(absl::Time until);

  BookSummary Summary() const;

 private:
  struct CustomerRecord {
    absl::Time at;
    customer::v1::CustomerEvent event;
  };

  LoanBook(BookOptions options, absl::TimeZone zone);
  void PlanCustomerEvents(size_t customer_index, absl::CivilDay onboarded);

  const BookOptions options_;
  const absl::TimeZone zone_;
  const EventFactory factory_;
  std::vector<Customer> customers_;
  std::vector<LoanAccount> accounts_;
  absl::flat_hash_map<std::string, size_t> customer_index_;
  absl::flat_hash_map<std::string, size_t> loan_index_;
  std::vector<std::vector<size_t>> loans_of_customer_;
  // Per customer: CRM events not yet released (time order) and the count
  // released.
  std::vector<std::vector<CustomerRecord>> customer_pending_;
  std::vector<int64_t> customer_sequence_;
  std::map<std::string, int64_t> events_by_kind_;
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_LOAN_BOOK_H_
