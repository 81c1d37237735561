#include "services/strategy_routing/agenda_worker.h"

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/strategy_routing/testing/events.h"
#include "services/strategy_routing/testing/testbed.h"

namespace arrears::strategy {
namespace {

using ::arrears::strategy::testing::DelinquencyInbound;
using ::arrears::strategy::testing::DueSoonEvent;
using ::arrears::strategy::testing::LoanEvent;
using ::arrears::strategy::testing::Testbed;
using ::arrears::strategy::testing::TestbedOptions;
using ::arrears::testing::IsOkAndHolds;

constexpr absl::CivilDay kDueDate(2026, 3, 10);

std::vector<std::string> Steps(const Testbed& bed) {
  std::vector<std::string> steps;
  for (const v1::ContactRequest& r : bed.ContactRequests())
    steps.push_back(r.contact().reason().step());
  return steps;
}

TEST(AgendaWorkerTest, DecidesWhatTheInlineSweepLeftInBatches) {
  // No inline sweep at all: only the worker runs the agenda.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Testbed> bed,
                       Testbed::Create(TestbedOptions{.manager = {.inline_agenda_limit = 0}}));
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(bed->Deliver(DelinquencyInbound(
        LoanEvent(absl::StrCat("loan-", i), 1, kDueDate + 1, 1, 1'000, absl::StrCat("cust-", i)))));
  }
  ASSERT_EQ(bed->ContactRequests().size(), 5u);  // d1 SMS on the events themselves
  ASSERT_OK(bed->Deliver(DelinquencyInbound(DueSoonEvent("clock", 1, kDueDate + 3))));
  EXPECT_EQ(bed->ContactRequests().size(), 5u);  // due, not yet decided
  AgendaWorker worker(&bed->manager(), bed.get(), absl::Hours(1), /*batch=*/2);
  EXPECT_THAT(worker.Pending(), IsOkAndHolds(5));
  EXPECT_THAT(worker.RunOnce(), IsOkAndHolds(5));  // 2 + 2 + 1
  EXPECT_EQ(bed->ContactRequests().size(), 10u);
  EXPECT_EQ(Steps(*bed).back(), "d3-call");
  EXPECT_THAT(worker.Pending(), IsOkAndHolds(0));
  EXPECT_THAT(worker.RunOnce(), IsOkAndHolds(0));
}

TEST(AgendaWorkerTest, StartsAndStopsPromptly) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Testbed> bed, Testbed::Create());
  AgendaWorker worker(&bed->manager(), bed.get(), absl::Hours(1), 10);
  worker.Start();
  const absl::Time start = absl::Now();
  worker.Stop();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  worker.Stop();  // idempotent
}

}  // namespace
}  // namespace arrears::strategy
