#include "services/strategy_routing/field_roster.h"

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/strategy_routing/in_memory_case_store.h"
#include "services/strategy_routing/testing/fake_transaction.h"
#include "services/strategy_routing/testing/testbed.h"

namespace arrears::strategy {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr absl::CivilDay kMonday(2026, 3, 9);

constexpr char kRoster[] = R"yaml(
roster: test
horizon_days: 7
regions:
  - region: CN-SH
    staff:
      - {id: a, capacity_per_day: 1, days: [MON, TUE]}
      - {id: b, capacity_per_day: 2, days: [MON, TUE]}
      - {id: c, capacity_per_day: 1, days: [TUE]}
)yaml";

class FieldRosterTest : public ::testing::Test {
 protected:
  std::optional<VisitSlot> Book(const FieldRoster& roster, absl::string_view region,
                                absl::CivilDay from) {
    absl::StatusOr<std::optional<VisitSlot>> slot = roster.Book(store_, txn_, region, from);
    EXPECT_OK(slot.status());
    return slot.ok() ? *slot : std::nullopt;
  }
  InMemoryCaseStore store_;
  testing::FakeTransaction txn_;
};

TEST_F(FieldRosterTest, BooksTheTwoLeastBusyAndRollsOverWhenFull) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<FieldRoster> roster, FieldRoster::Create(kRoster));
  std::optional<VisitSlot> first = Book(*roster, "CN-SH", kMonday);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->day, kMonday);
  EXPECT_THAT(first->staff_ids, ElementsAre("a", "b"));
  // Monday: a is full, b has one left, c does not work: Tuesday.
  std::optional<VisitSlot> second = Book(*roster, "CN-SH", kMonday);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->day, kMonday + 1);
  EXPECT_THAT(second->staff_ids, ElementsAre("a", "b"));
  std::optional<VisitSlot> third = Book(*roster, "CN-SH", kMonday + 1);
  ASSERT_TRUE(third.has_value());
  EXPECT_THAT(third->staff_ids, ElementsAre("c", "b"));  // fewest booked first
  // Tuesday is full and nobody works Wednesday to Sunday: next Monday.
  std::optional<VisitSlot> fourth = Book(*roster, "CN-SH", kMonday + 1);
  ASSERT_TRUE(fourth.has_value());
  EXPECT_EQ(fourth->day, kMonday + 7);
  // Beyond the 7-day horizon from Wednesday only if next Monday and Tuesday
  // fill up too.
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(Book(*roster, "CN-SH", kMonday + 7).has_value());
  EXPECT_FALSE(Book(*roster, "CN-SH", kMonday + 2).has_value());
  EXPECT_FALSE(Book(*roster, "CN-XX", kMonday).has_value());
}

TEST_F(FieldRosterTest, InvalidRosterReportsLinesAndFields) {
  constexpr char kBad[] = R"yaml(
roster: bad
regions:
  - region: CN-SH
    staff:
      - {id: a, capacity_per_day: 0, days: [MON]}
      - {id: a, capacity_per_day: 1, days: [FUNDAY]}
  - region: CN-BJ
    staff:
      - {id: z, capacity_per_day: 1, days: [MON]}
)yaml";
  absl::StatusOr<std::unique_ptr<FieldRoster>> roster = FieldRoster::Create(kBad);
  EXPECT_THAT(
      roster,
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("regions[0].staff[0].capacity_per_day"),
                     HasSubstr("duplicate staff id 'a'"), HasSubstr("unknown day 'FUNDAY'"),
                     HasSubstr("regions[1].staff: needs at least two"), HasSubstr("line 6"))));
}

TEST_F(FieldRosterTest, ShippedRosterLoads) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<FieldRoster> roster,
                       FieldRoster::CreateFromFile(testing::DefaultRosterFile()));
  EXPECT_TRUE(roster->HasRegion("CN-SH"));
  EXPECT_EQ(roster->horizon_days(), 14);
}

}  // namespace
}  // namespace arrears::strategy
