#include "tools/simulator/loan_book.h"

#include <set>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "arrears/customer/v1/customer_events.pb.h"
#include "arrears/loan/v1/loan_events.pb.h"
#include "common/status/status_matchers.h"
#include "common/topics/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::simulator {
namespace {

using ::arrears::testing::StatusIs;

BookOptions Options(uint64_t seed, int64_t loans, int days) {
  BookOptions options;
  options.seed = seed;
  options.loans = loans;
  options.days = days;
  return options;
}

std::vector<events::Event> RunBook(LoanBook& book) {
  std::vector<events::Event> all;
  const absl::CivilDay start = book.options().start;
  for (int day = 0; day < book.options().days; ++day) {
    const absl::Time end_of_day = absl::FromCivil(start + day + 1, book.zone());
    for (events::Event& event : book.TakeEventsUntil(end_of_day)) all.push_back(std::move(event));
  }
  return all;
}

TEST(LoanBookTest, RejectsAnEmptyBook) {
  EXPECT_THAT(LoanBook::Create(Options(1, 0, 10)),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("loans")));
  EXPECT_THAT(LoanBook::Create(Options(1, 1, 0)),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("days")));
}

TEST(LoanBookTest, OpeningLoadComesFirstWithCustomersBeforeTheirLoans) {
  ASSERT_OK_AND_ASSIGN(auto book, LoanBook::Create(Options(4, 50, 30)));
  const absl::Time start = absl::FromCivil(book->options().start, book->zone());
  const std::vector<events::Event> opening = book->TakeEventsUntil(start);
  const std::string loan_topic = topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name();
  const std::string customer_topic = topics::Spec(topics::v1::TOPIC_CUSTOMER_EVENTS).name();
  std::set<std::string> customers_seen;
  int loans_opened = 0;
  for (const events::Event& event : opening) {
    if (event.topic == customer_topic) {
      customer::v1::CustomerEvent payload;
      ASSERT_TRUE(payload.ParseFromString(event.payload));
      EXPECT_EQ(event.key, payload.customer_id());
      customers_seen.insert(payload.customer_id());
      continue;
    }
    ASSERT_EQ(event.topic, loan_topic);
    loan::v1::LoanEvent payload;
    ASSERT_TRUE(payload.ParseFromString(event.payload));
    EXPECT_EQ(event.key, payload.loan_id());
    ASSERT_TRUE(payload.has_loan_opened());
    EXPECT_TRUE(customers_seen.contains(payload.customer_id()))
        << payload.loan_id() << " published before its customer";
    ++loans_opened;
  }
  EXPECT_EQ(loans_opened, 50);
  EXPECT_EQ(customers_seen.size(), book->customers().size());
}

TEST(LoanBookTest, EventsCarryValidEnvelopesAndUniqueIds) {
  ASSERT_OK_AND_ASSIGN(auto book, LoanBook::Create(Options(4, 300, 60)));
  const std::vector<events::Event> all = RunBook(*book);
  absl::flat_hash_set<std::string> ids;
  absl::Time previous = absl::InfinitePast();
  for (const events::Event& event : all) {
    EXPECT_OK(events::ValidateEnvelope(event.envelope));
    EXPECT_TRUE(ids.insert(event.envelope.id).second) << "duplicate id " << event.envelope.id;
    EXPECT_GE(event.envelope.time, previous);
    previous = event.envelope.time;
    if (event.topic == topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name()) {
      EXPECT_EQ(event.envelope.type, "arrears.loan.v1.LoanEvent");
    } else {
      EXPECT_EQ(event.envelope.type, "arrears.customer.v1.CustomerEvent");
    }
  }
  const BookSummary summary = book->Summary();
  EXPECT_EQ(summary.loans, 300);
  EXPECT_EQ(summary.events_by_kind.at("loan_opened"), 300);
  EXPECT_GT(summary.events_by_kind.at("repayment_posted"), 300);
  EXPECT_GT(summary.events_by_kind.at("contact_data_changed"), 0);
  int64_t events = 0;
  for (const auto& [kind, count] : summary.events_by_kind) events += count;
  EXPECT_EQ(events, static_cast<int64_t>(all.size()));
}

TEST(LoanBookTest, SameSeedGivesTheSameEventsAndASmallerBookIsAPrefix) {
  ASSERT_OK_AND_ASSIGN(auto a, LoanBook::Create(Options(8, 120, 40)));
  ASSERT_OK_AND_ASSIGN(auto b, LoanBook::Create(Options(8, 120, 40)));
  const std::vector<events::Event> first = RunBook(*a);
  const std::vector<events::Event> second = RunBook(*b);
  EXPECT_EQ(first, second);

  ASSERT_OK_AND_ASSIGN(auto small, LoanBook::Create(Options(8, 40, 40)));
  RunBook(*small);
  for (const Customer& customer : small->customers()) {
    const Customer* same = a->FindCustomer(customer.customer_id);
    ASSERT_NE(same, nullptr);
    EXPECT_EQ(same->contact_data.SerializeAsString(), customer.contact_data.SerializeAsString());
  }

  ASSERT_OK_AND_ASSIGN(auto other, LoanBook::Create(Options(9, 120, 40)));
  EXPECT_NE(RunBook(*other), first);
}

TEST(LoanBookTest, BookHasEveryProductAndBehaviourAndSomeReversals) {
  ASSERT_OK_AND_ASSIGN(auto book, LoanBook::Create(Options(1, 2000, 120)));
  RunBook(*book);
  const BookSummary summary = book->Summary();
  EXPECT_EQ(summary.loans_by_product.size(), 3u);
  for (int b = 0; b < kBehaviourCount; ++b) EXPECT_GT(summary.customers_by_behaviour[b], 0);
  EXPECT_GT(summary.events_by_kind.at("repayment_reversed"), 0);
  EXPECT_GT(summary.events_by_kind.at("fee_charged"), 0);
  EXPECT_GT(summary.events_by_kind.at("loan_closed"), 0);
  EXPECT_GT(summary.customers, 1400);
  EXPECT_LT(summary.customers, 2000);
}

TEST(LoanBookTest, LookupsFindCustomersAndLoans) {
  ASSERT_OK_AND_ASSIGN(auto book, LoanBook::Create(Options(1, 10, 10)));
  const Customer& first = book->customers().front();
  EXPECT_EQ(book->FindCustomer(first.customer_id), &first);
  EXPECT_EQ(book->FindCustomer("nobody"), nullptr);
  const std::vector<const LoanAccount*> loans = book->LoansOf(first.customer_id);
  ASSERT_FALSE(loans.empty());
  EXPECT_EQ(book->FindLoan(loans.front()->loan().loan_id), loans.front());
  EXPECT_EQ(book->FindLoan("L99999999"), nullptr);
}

}  // namespace
}  // namespace arrears::simulator
