#include "services/overdue_detection/sqlite_parked_events.h"

#include <memory>
#include <optional>

#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/overdue_schema.h"

namespace arrears::overdue {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

events::InboundEvent Inbound(const std::string& id, const std::string& loan_id, int64_t offset) {
  events::InboundEvent inbound;
  inbound.position = {.topic = "arrears.loan.events.v1", .partition = 3, .offset = offset};
  inbound.event.topic = inbound.position.topic;
  inbound.event.key = loan_id;
  inbound.event.envelope = {.id = id,
                            .type = "arrears.loan.v1.LoanEvent",
                            .source = "//loan-system/core",
                            .time = absl::FromUnixMicros(1'700'000'000'123'456),
                            .traceparent = ""};
  inbound.event.payload = std::string("\x0a\x01X\x00\xff", 5);
  return inbound;
}

class SqliteParkedEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
    dir_.emplace(std::move(dir));
    ASSERT_OK_AND_ASSIGN(db_, store::SqliteDatabase::Create({.path = dir_->File("p.db")}));
    ASSERT_OK(db_->Migrate(AllOverdueMigrations()));
    parked_ = std::make_unique<SqliteParkedEvents>(db_.get());
  }

  std::optional<store::TempDir> dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<SqliteParkedEvents> parked_;
  const absl::Time t0_ = absl::FromUnixSeconds(1'800'000'000);
};

TEST_F(SqliteParkedEventsTest, KeepsEventsWholeUntilTheirLoanArrives) {
  const absl::Status not_open = absl::FailedPreconditionError("loan_id: loan A is not open");
  ASSERT_OK(db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
    EXPECT_OK(parked_->Park(txn, "A", Inbound("e1", "A", 10), not_open, t0_));
    EXPECT_OK(parked_->Park(txn, "B", Inbound("e2", "B", 11), not_open, t0_));
    EXPECT_OK(parked_->Park(txn, "A", Inbound("e3", "A", 12), not_open, t0_ + absl::Hours(1)));
    return absl::OkStatus();
  }));
  ASSERT_OK(db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(std::vector<ParkedEvent> a, parked_->WaitingFor(txn, "A"));
    EXPECT_EQ(a.size(), 2u);
    if (a.size() != 2) return absl::OkStatus();
    EXPECT_EQ(a[0].inbound.event, Inbound("e1", "A", 10).event) << "envelope and payload intact";
    EXPECT_EQ(a[0].inbound.position, Inbound("e1", "A", 10).position);
    EXPECT_EQ(a[0].reason, not_open);
    EXPECT_EQ(a[0].attempts, 1);
    EXPECT_EQ(a[0].parked_at, t0_);
    EXPECT_EQ(a[1].inbound.event.envelope.id, "e3");
    EXPECT_OK(parked_->NoteRetry(txn, a[1].sequence, absl::FailedPreconditionError("again")));
    EXPECT_OK(parked_->Remove(txn, a[0].sequence));
    ARREARS_ASSIGN_OR_RETURN(a, parked_->WaitingFor(txn, "A"));
    EXPECT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].attempts, 2);
    EXPECT_EQ(a[0].reason.message(), "again");
    return absl::OkStatus();
  }));
}

TEST_F(SqliteParkedEventsTest, ExpiredAndInvalidEventsBecomeDead) {
  const absl::Status not_open = absl::FailedPreconditionError("loan_id: loan A is not open");
  ASSERT_OK(db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
    EXPECT_OK(parked_->Park(txn, "A", Inbound("old", "A", 1), not_open, t0_));
    EXPECT_OK(parked_->Park(txn, "B", Inbound("young", "B", 2), not_open, t0_ + absl::Hours(5)));
    EXPECT_OK(parked_->Park(txn, "C", Inbound("bad", "C", 3), not_open, t0_ + absl::Hours(5)));
    ARREARS_ASSIGN_OR_RETURN(std::vector<ParkedEvent> c, parked_->WaitingFor(txn, "C"));
    EXPECT_OK(parked_->MarkDead(txn, c.at(0).sequence,
                                absl::InvalidArgumentError("repayment_posted.amount: USD"), t0_));
    EXPECT_THAT(parked_->ExpireParkedBefore(txn, t0_ + absl::Hours(1), "; expired", t0_),
                ::arrears::testing::IsOkAndHolds(1));
    ARREARS_ASSIGN_OR_RETURN(SqliteParkedEvents::Counts counts, parked_->Count(txn));
    EXPECT_EQ(counts.parked, 1);
    EXPECT_EQ(counts.dead, 2);
    EXPECT_THAT(parked_->WaitingFor(txn, "A"), ::arrears::testing::IsOkAndHolds(IsEmpty()));
    ARREARS_ASSIGN_OR_RETURN(std::vector<ParkedEvent> dead, parked_->Dead(txn, 10));
    EXPECT_EQ(dead.size(), 2u);
    if (dead.size() != 2) return absl::OkStatus();
    EXPECT_EQ(dead[0].inbound.event.envelope.id, "old");
    EXPECT_EQ(dead[0].reason.code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(dead[0].reason.message(), HasSubstr("is not open; expired"));
    EXPECT_EQ(dead[1].reason.code(), absl::StatusCode::kInvalidArgument);
    ARREARS_ASSIGN_OR_RETURN(dead, parked_->Dead(txn, 1));
    EXPECT_EQ(dead.size(), 1u);
    return absl::OkStatus();
  }));
}

}  // namespace
}  // namespace arrears::overdue
