// Arrival-order independence (case_manager.h, "Case ids" and "settled
// business dates"): the delinquency topic is keyed by loan id, so the events
// of one customer's loans reach the service in any interleaving. The case id,
// its variant and every request must not depend on that order.
#include <algorithm>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_matchers.h"
#include "common/time/civil_date.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/strategy_routing/case_codec.h"
#include "services/strategy_routing/case_manager.h"
#include "services/strategy_routing/testing/events.h"
#include "services/strategy_routing/testing/testbed.h"

namespace arrears::strategy {
namespace {

using ::arrears::strategy::testing::DelinquencyInbound;
using ::arrears::strategy::testing::DueSoonEvent;
using ::arrears::strategy::testing::kZone;
using ::arrears::strategy::testing::LoanEvent;
using ::arrears::strategy::testing::Testbed;
using ::arrears::strategy::testing::TestbedOptions;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr absl::CivilDay kClose(2026, 3, 11);
constexpr char kCustomer[] = "cust-multi";

absl::TimeZone Zone() {
  absl::TimeZone zone;
  absl::LoadTimeZone(kZone, &zone);
  return zone;
}

// Three loans of one customer reported on the same close: two fall overdue
// (one small, one large and of another product) and an older one crosses
// into M2. Any one of them alone would put the case in another segment.
std::vector<delinquency::v1::DelinquencyEvent> SameCloseEvents() {
  delinquency::v1::DelinquencyEvent small = LoanEvent("loan-a", 1, kClose, 1, 30'000, kCustomer);
  small.set_kind(delinquency::v1::DELINQUENCY_EVENT_KIND_STARTED);
  delinquency::v1::DelinquencyEvent large = LoanEvent("loan-b", 1, kClose, 1, 2'500'000, kCustomer);
  large.set_kind(delinquency::v1::DELINQUENCY_EVENT_KIND_STARTED);
  large.mutable_snapshot()->set_product_code("CREDIT_CARD");
  delinquency::v1::DelinquencyEvent severe = LoanEvent("loan-c", 1, kClose, 31, 900'000, kCustomer);
  return {small, large, severe};
}

struct Outcome {
  std::string case_id;
  std::string variant;
  std::vector<v1::ContactRequest> requests;
};

// Delivers `order` on the close of kClose, then lets `days` business days
// pass (a clock event per close, the agenda after each settles).
Outcome Deliver(const std::vector<delinquency::v1::DelinquencyEvent>& order, bool settle,
                int days) {
  FakeClock clock(testing::CloseTime(kClose));
  TestbedOptions options;
  if (settle) {
    options.manager.settle_after = absl::Hours(6);
    options.manager.clock = &clock;
  }
  absl::StatusOr<std::unique_ptr<Testbed>> created = Testbed::Create(options);
  EXPECT_OK(created.status());
  Testbed& bed = **created;
  for (const delinquency::v1::DelinquencyEvent& event : order) {
    EXPECT_OK(bed.Deliver(DelinquencyInbound(event)));
  }
  auto run_agenda = [&] {
    EXPECT_OK(bed.Run([&](store::Transaction& txn, store::OutboxWriter& outbox) {
      return bed.manager().RunDueAgendas(txn, outbox, 1000).status();
    }));
  };
  for (int day = 0; day <= days; ++day) {
    if (day > 0) {
      clock.Set(testing::CloseTime(kClose + day));
      EXPECT_OK(bed.Deliver(DelinquencyInbound(DueSoonEvent("clock", day, kClose + day))));
    }
    clock.Set(time::StartOfDay(kClose + day, Zone()) + absl::Hours(7));
    run_agenda();
  }
  Outcome run;
  std::optional<CaseRecord> record = bed.OpenCaseOf(kCustomer);
  EXPECT_TRUE(record.has_value());
  if (record) {
    run.case_id = record->kase.case_id();
    run.variant = record->kase.strategy().variant;
  }
  run.requests = bed.ContactRequests();
  return run;
}

std::vector<std::vector<delinquency::v1::DelinquencyEvent>> EveryInterleaving() {
  std::vector<delinquency::v1::DelinquencyEvent> events = SameCloseEvents();
  std::vector<int> index = {0, 1, 2};
  std::vector<std::vector<delinquency::v1::DelinquencyEvent>> orders;
  do {
    std::vector<delinquency::v1::DelinquencyEvent>& order = orders.emplace_back();
    for (int i : index) order.push_back(events[i]);
  } while (std::next_permutation(index.begin(), index.end()));
  return orders;
}

TEST(ArrivalOrderTest, CaseIdComesFromCustomerOrdinalAndOpeningDate) {
  for (const auto& order : EveryInterleaving()) {
    const Outcome run = Deliver(order, /*settle=*/false, /*days=*/0);
    EXPECT_EQ(run.case_id, CaseManager::CaseIdFor(kCustomer, 1, kClose));
  }
  EXPECT_NE(CaseManager::CaseIdFor(kCustomer, 1, kClose),
            CaseManager::CaseIdFor(kCustomer, 2, kClose));
  EXPECT_NE(CaseManager::CaseIdFor(kCustomer, 1, kClose),
            CaseManager::CaseIdFor("cust-other", 1, kClose));
}

TEST(ArrivalOrderTest, EveryInterleavingYieldsTheSameCaseVariantAndRequests) {
  const std::vector<std::vector<delinquency::v1::DelinquencyEvent>> orders = EveryInterleaving();
  ASSERT_EQ(orders.size(), 6u);
  const Outcome reference = Deliver(orders[0], /*settle=*/true, /*days=*/20);
  ASSERT_THAT(reference.requests, Not(IsEmpty()));
  EXPECT_EQ(reference.case_id, CaseManager::CaseIdFor(kCustomer, 1, kClose));
  // One decision over all three loans: the request names every loan.
  EXPECT_EQ(reference.requests.front().contact().loan_ids_size(), 3);
  for (size_t i = 1; i < orders.size(); ++i) {
    SCOPED_TRACE(absl::StrCat("interleaving ", i));
    const Outcome run = Deliver(orders[i], /*settle=*/true, /*days=*/20);
    EXPECT_EQ(run.case_id, reference.case_id);
    EXPECT_EQ(run.variant, reference.variant);
    ASSERT_EQ(run.requests.size(), reference.requests.size());
    for (size_t k = 0; k < run.requests.size(); ++k) {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(run.requests[k],
                                                                     reference.requests[k]))
          << "request " << k << ":\n"
          << run.requests[k].DebugString() << "vs\n"
          << reference.requests[k].DebugString();
    }
  }
}

// The property above fails without settling: the first loan's event decides
// on what it knows.
TEST(ArrivalOrderTest, WithoutSettlingTheFirstArrivalDecides) {
  const std::vector<std::vector<delinquency::v1::DelinquencyEvent>> orders = EveryInterleaving();
  std::set<std::string> first_segments;
  for (const auto& order : orders) {
    const Outcome run = Deliver(order, /*settle=*/false, /*days=*/0);
    ASSERT_THAT(run.requests, Not(IsEmpty()));
    first_segments.insert(run.requests.front().contact().reason().segment());
  }
  EXPECT_GT(first_segments.size(), 1u);
}

TEST(ArrivalOrderTest, NothingIsDecidedBeforeTheDateSettles) {
  FakeClock clock(testing::CloseTime(kClose));
  TestbedOptions options;
  options.manager.settle_after = absl::Hours(6);
  options.manager.clock = &clock;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Testbed> bed, Testbed::Create(options));
  for (const auto& event : SameCloseEvents()) ASSERT_OK(bed->Deliver(DelinquencyInbound(event)));
  EXPECT_THAT(bed->ContactRequests(), IsEmpty());
  std::optional<CaseRecord> record = bed->OpenCaseOf(kCustomer);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->next_decision_date, kClose);
  EXPECT_EQ(record->kase.loans().size(), 3u);

  auto run_agenda = [&]() -> int {
    int decided = 0;
    EXPECT_OK(bed->Run([&](store::Transaction& txn, store::OutboxWriter& outbox) -> absl::Status {
      absl::StatusOr<int> n = bed->manager().RunDueAgendas(txn, outbox, 1000);
      if (n.ok()) decided = *n;
      return n.status();
    }));
    return decided;
  };
  clock.Set(time::StartOfDay(kClose, Zone()) + absl::Hours(6) - absl::Seconds(1));
  EXPECT_EQ(run_agenda(), 0);
  EXPECT_THAT(bed->ContactRequests(), IsEmpty());
  clock.Set(time::StartOfDay(kClose, Zone()) + absl::Hours(6));
  EXPECT_EQ(run_agenda(), 1);
  ASSERT_EQ(bed->ContactRequests().size(), 1u);
  // Decided as of the start of the business date, not the arrival.
  EXPECT_EQ(bed->ContactRequests()[0].create_time().seconds(),
            absl::ToUnixSeconds(time::StartOfDay(kClose, Zone())));
  EXPECT_EQ(run_agenda(), 0);

  // Once settled, a late event of the date is decided on arrival.
  delinquency::v1::DelinquencyEvent late = LoanEvent("loan-d", 1, kClose, 1, 10'000, kCustomer);
  ASSERT_OK(bed->Deliver(DelinquencyInbound(late)));
  EXPECT_EQ(bed->OpenCaseOf(kCustomer)->kase.loans().size(), 4u);
  EXPECT_NE(bed->OpenCaseOf(kCustomer)->next_decision_date, kClose);
}

// On one close the customer's only delinquent loan cures and another loan
// turns delinquent: with settling, the case goes on in either order (it
// would close and reopen as a second case if the cure came first and closed
// it at once).
TEST(ArrivalOrderTest, CureAndNewDelinquencyOnOneCloseKeepTheCaseInEitherOrder) {
  const absl::CivilDay opened = kClose;
  const absl::CivilDay next = kClose + 3;
  const delinquency::v1::DelinquencyEvent first =
      LoanEvent("loan-a", 1, opened, 1, 30'000, kCustomer);
  const delinquency::v1::DelinquencyEvent cure = LoanEvent("loan-a", 2, next, 0, 0, kCustomer);
  const delinquency::v1::DelinquencyEvent other =
      LoanEvent("loan-b", 1, next, 1, 80'000, kCustomer);
  std::vector<std::vector<std::string>> steps;
  for (bool settle : {true, false}) {
    for (const auto& order : {std::vector{cure, other}, std::vector{other, cure}}) {
      FakeClock clock(testing::CloseTime(opened));
      TestbedOptions options;
      if (settle) {
        options.manager.settle_after = absl::Hours(6);
        options.manager.clock = &clock;
      }
      ASSERT_OK_AND_ASSIGN(std::unique_ptr<Testbed> bed, Testbed::Create(options));
      auto run_agenda = [&] {
        ASSERT_OK(bed->Run([&](store::Transaction& txn, store::OutboxWriter& outbox) {
          return bed->manager().RunDueAgendas(txn, outbox, 1000).status();
        }));
      };
      ASSERT_OK(bed->Deliver(DelinquencyInbound(first)));
      clock.Set(time::StartOfDay(opened, Zone()) + absl::Hours(7));
      run_agenda();
      clock.Set(testing::CloseTime(next));
      for (const auto& event : order) ASSERT_OK(bed->Deliver(DelinquencyInbound(event)));
      clock.Set(time::StartOfDay(next, Zone()) + absl::Hours(7));
      run_agenda();
      std::optional<CaseRecord> record = bed->OpenCaseOf(kCustomer);
      ASSERT_TRUE(record.has_value());
      const bool cure_first = order[0].loan_id() == "loan-a";
      if (settle || !cure_first) {
        EXPECT_EQ(record->kase.case_id(), CaseManager::CaseIdFor(kCustomer, 1, opened));
      } else {
        // Deciding on arrival: the cure closed the first case.
        EXPECT_EQ(record->kase.case_id(), CaseManager::CaseIdFor(kCustomer, 2, next));
      }
      if (settle) {
        std::vector<std::string> run;
        for (const v1::ContactRequest& r : bed->ContactRequests()) {
          run.push_back(absl::StrCat(r.request_id(), "/", r.contact().reason().step(), "/",
                                     r.has_cancel_pending()));
        }
        steps.push_back(run);
      }
    }
  }
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0], steps[1]);
}

// A customer with loans in two currencies and two time zones: one case,
// totals per currency, max DPD over both, the zone and primary currency of
// the loan with the smallest id, whatever the arrival order.
TEST(ArrivalOrderTest, LoansInTwoCurrenciesAndZonesAreOneCase) {
  delinquency::v1::DelinquencyEvent cny = LoanEvent("loan-a", 1, kClose, 5, 100'000, kCustomer);
  delinquency::v1::DelinquencyEvent usd = LoanEvent("loan-b", 1, kClose, 40, 20'000, kCustomer);
  usd.mutable_snapshot()->set_currency_code("USD");
  usd.mutable_snapshot()->mutable_total_overdue()->set_currency_code("USD");
  usd.mutable_snapshot()->set_time_zone("America/New_York");
  std::optional<Outcome> first;
  for (const std::vector<delinquency::v1::DelinquencyEvent>& order :
       {std::vector{cny, usd}, std::vector{usd, cny}}) {
    FakeClock clock(testing::CloseTime(kClose));
    TestbedOptions options;
    options.manager.settle_after = absl::Hours(6);
    options.manager.clock = &clock;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<Testbed> bed, Testbed::Create(options));
    for (const auto& event : order) ASSERT_OK(bed->Deliver(DelinquencyInbound(event)));
    clock.Set(time::StartOfDay(kClose, Zone()) + absl::Hours(7));
    ASSERT_OK(bed->Run([&](store::Transaction& txn, store::OutboxWriter& outbox) {
      return bed->manager().RunDueAgendas(txn, outbox, 1000).status();
    }));
    std::optional<CaseRecord> record = bed->OpenCaseOf(kCustomer);
    ASSERT_TRUE(record.has_value());
    const CollectionCase& c = record->kase;
    EXPECT_EQ(c.loans().size(), 2u);
    EXPECT_EQ(c.currency().code(), "CNY");
    EXPECT_EQ(c.time_zone().name(), kZone);
    EXPECT_EQ(c.max_dpd(), 40);
    EXPECT_EQ(c.total_overdue().minor_units(), 100'000);
    ASSERT_EQ(c.total_overdue_by_currency().size(), 2u);
    EXPECT_EQ(c.total_overdue_by_currency()[0].ToString(), "1000.00 CNY");
    EXPECT_EQ(c.total_overdue_by_currency()[1].ToString(), "200.00 USD");
    const v1::Case proto = CaseCodec::ToProto(*record);
    ASSERT_EQ(proto.total_overdue_size(), 2);
    EXPECT_EQ(proto.total_overdue(1).currency_code(), "USD");
    EXPECT_EQ(proto.loans(1).snapshot().time_zone(), "America/New_York");
    ASSERT_OK_AND_ASSIGN(CaseRecord back, CaseCodec::FromProto(proto, CasePolicy{}));
    EXPECT_EQ(back.kase.total_overdue_by_currency().size(), 2u);
    EXPECT_EQ(back.kase.max_dpd(), 40);

    const std::vector<v1::ContactRequest> requests = bed->ContactRequests();
    ASSERT_THAT(requests, Not(IsEmpty()));
    EXPECT_EQ(requests[0].contact().template_parameters().at("total_overdue_by_currency"),
              "1000.00 CNY, 200.00 USD");
    Outcome outcome{.case_id = c.case_id(), .variant = c.strategy().variant, .requests = requests};
    if (!first) {
      first = outcome;
      // Decided: a loan with a smaller id no longer moves the primary
      // currency or the zone.
      delinquency::v1::DelinquencyEvent eur = LoanEvent("loan-0", 1, kClose, 3, 7'000, kCustomer);
      eur.mutable_snapshot()->set_currency_code("EUR");
      eur.mutable_snapshot()->mutable_total_overdue()->set_currency_code("EUR");
      eur.mutable_snapshot()->set_time_zone("Europe/Berlin");
      ASSERT_OK(bed->Deliver(DelinquencyInbound(eur)));
      EXPECT_EQ(bed->OpenCaseOf(kCustomer)->kase.currency().code(), "CNY");
      EXPECT_EQ(bed->OpenCaseOf(kCustomer)->kase.total_overdue_by_currency().size(), 3u);
      continue;
    }
    EXPECT_EQ(outcome.case_id, first->case_id);
    EXPECT_EQ(outcome.variant, first->variant);
    ASSERT_EQ(outcome.requests.size(), first->requests.size());
    for (size_t k = 0; k < outcome.requests.size(); ++k) {
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(outcome.requests[k],
                                                                     first->requests[k]));
    }
  }
}

}  // namespace
}  // namespace arrears::strategy
