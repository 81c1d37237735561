#include "services/strategy_routing/testing/scenario.h"

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/proto_convert/proto_convert.h"
#include "services/strategy_routing/testing/events.h"

namespace arrears::strategy::testing {
namespace {

constexpr absl::CivilDay kDay1(2026, 3, 2);

absl::CivilDay DateOf(int day) { return kDay1 + (day - 1); }

absl::Time LocalTime(absl::CivilDay day, int hour) {
  absl::TimeZone zone;
  absl::LoadTimeZone(kZone, &zone);
  return absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), hour), zone);
}

struct LoanStep {
  int day = 0;
  int dpd = 0;
  int64_t amount = 0;
  delinquency::v1::DelinquencyEventKind kind = delinquency::v1::DELINQUENCY_EVENT_KIND_CHANGED;
};

struct OtherStep {
  int day = 0;
  events::InboundEvent event;
};

class Generator {
 public:
  explicit Generator(const ScenarioOptions& options) : options_(options), rng_(options.seed) {}

  std::vector<ScenarioDay> Run() {
    by_day_.resize(options_.days + 1);
    for (int i = 0; i < options_.customers; ++i) Customer(i);
    std::vector<ScenarioDay> days;
    for (int d = 1; d <= options_.days; ++d) {
      ScenarioDay& day = days.emplace_back();
      day.date = DateOf(d);
      day.events.push_back(DelinquencyInbound(DueSoonEvent("sc-clock", d, day.date)));
      std::vector<int> order;
      for (const auto& [customer, events] : by_day_[d]) order.push_back(customer);
      for (size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[rng_() % k]);
      for (int customer : order) {
        for (events::InboundEvent& e : by_day_[d][customer]) day.events.push_back(std::move(e));
      }
    }
    return days;
  }

 private:
  int Uniform(int lo, int hi) { return lo + static_cast<int>(rng_() % (hi - lo + 1)); }

  void Customer(int i) {
    const std::string customer = absl::StrCat("sc-cust-", i);
    const std::string loan = absl::StrCat("sc-loan-", i);
    const int start = Uniform(1, std::min(6, options_.days));
    const int64_t overdue = Uniform(5, 50) * int64_t{10'000};
    auto dpd_on = [&](int day) { return day - start + 1; };
    std::vector<LoanStep> loan_steps;
    std::vector<OtherStep> other;
    int attempts = 0;
    auto contact = [&](int day, contact::v1::ContactOutcome outcome) -> contact::v1::ContactEvent {
      contact::v1::ContactEvent event =
          Outcome(outcome, DateOf(day), "", absl::StrCat("att-", customer, "-", ++attempts));
      event.set_customer_id(customer);
      *event.mutable_occurred_at() = ToTimestamp(LocalTime(DateOf(day), 10) + absl::Minutes(i));
      return event;
    };
    loan_steps.push_back({start, 1, overdue, delinquency::v1::DELINQUENCY_EVENT_KIND_STARTED});
    const int behaviours = options_.outcomes ? 8 : 3;
    int behaviour = Uniform(0, behaviours - 1);
    if (!options_.outcomes && behaviour == 2) behaviour = 7;
    std::optional<int> cure_day;
    std::optional<int> pay_day;
    switch (behaviour) {
      case 0:
        cure_day = start + Uniform(2, 12);
        break;
      case 1:
        pay_day = start + Uniform(3, 8);
        if (Uniform(0, 1) == 0) cure_day = *pay_day + Uniform(3, 15);
        break;
      case 2: {
        const int day = start + Uniform(1, 4);
        contact::v1::ContactEvent promise =
            contact(day, contact::v1::CONTACT_OUTCOME_PROMISE_TO_PAY);
        *promise.mutable_promise_to_pay()->mutable_amount() =
            ToProto(money::Money::FromMinor(overdue / 2, money::Currency::Of("CNY")));
        *promise.mutable_promise_to_pay()->mutable_promised_date() = ToProto(DateOf(day + 3));
        other.push_back({day, ContactInbound(promise)});
        if (Uniform(0, 1) == 0) pay_day = day + 3;  // kept
        break;
      }
      case 3: {
        const int day = start + Uniform(2, 5);
        other.push_back({day, ContactInbound(contact(day, contact::v1::CONTACT_OUTCOME_REFUSED))});
        break;
      }
      case 4: {
        other.push_back(
            {start, CustomerInbound(ContactData(customer, Uniform(0, 1) ? "CN-SH" : "CN-BJ"),
                                    absl::StrCat("customer-", customer, "-1"))});
        const int day = start + Uniform(2, 5);
        other.push_back(
            {day, ContactInbound(contact(day, contact::v1::CONTACT_OUTCOME_LOST_CONTACT))});
        break;
      }
      case 5: {
        const int day = start + Uniform(1, 5);
        other.push_back({day, ContactInbound(contact(day, contact::v1::CONTACT_OUTCOME_DISPUTE))});
        break;
      }
      case 6: {
        const int day = start + Uniform(1, 5);
        other.push_back(
            {day, ContactInbound(contact(day, contact::v1::CONTACT_OUTCOME_HARDSHIP_DECLARED))});
        break;
      }
      default:
        break;
    }
    auto amount_on = [&](int day) { return pay_day && day >= *pay_day ? overdue / 2 : overdue; };
    if (pay_day) loan_steps.push_back({*pay_day, dpd_on(*pay_day), overdue / 2});
    for (int crossing : {31, 61}) {
      const int day = start + crossing - 1;
      if (!cure_day || day < *cure_day) loan_steps.push_back({day, crossing, amount_on(day)});
    }
    if (cure_day) {
      loan_steps.push_back({*cure_day, 0, 0, delinquency::v1::DELINQUENCY_EVENT_KIND_CURED});
    }
    std::stable_sort(loan_steps.begin(), loan_steps.end(),
                     [](const LoanStep& a, const LoanStep& b) { return a.day < b.day; });
    int64_t sequence = 0;
    for (const LoanStep& step : loan_steps) {
      if (step.day > options_.days) break;
      delinquency::v1::DelinquencyEvent event =
          LoanEvent(loan, ++sequence, DateOf(step.day), step.dpd, step.amount, customer);
      event.set_kind(step.kind);
      by_day_[step.day][i].push_back(DelinquencyInbound(event));
    }
    for (OtherStep& step : other) {
      if (step.day > options_.days) continue;
      by_day_[step.day][i].push_back(std::move(step.event));
    }
  }

  const ScenarioOptions options_;
  std::mt19937_64 rng_;
  // Per day, per customer index, that customer's events in order.
  std::vector<std::map<int, std::vector<events::InboundEvent>>> by_day_;
};

}  // namespace

std::vector<ScenarioDay> GenerateScenario(const ScenarioOptions& options) {
  return Generator(options).Run();
}

std::vector<events::InboundEvent> Flatten(const std::vector<ScenarioDay>& days) {
  std::vector<events::InboundEvent> out;
  for (const ScenarioDay& day : days) out.insert(out.end(), day.events.begin(), day.events.end());
  return out;
}

}  // namespace arrears::strategy::testing
