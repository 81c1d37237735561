#include "services/overdue_detection/sqlite_loan_store.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/delinquency_engine.h"
#include "services/overdue_detection/in_memory_loan_store.h"
#include "services/overdue_detection/overdue_schema.h"
#include "services/overdue_detection/testing/loan_events.h"
#include "services/overdue_detection/testing/test_products.h"

namespace arrears::overdue {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::google::protobuf::util::MessageDifferencer;
using ::testing::HasSubstr;
using ::testing::Optional;
using namespace ::arrears::overdue::testing;  // NOLINT: event builders
namespace dv1 = delinquency::v1;
using D = absl::CivilDay;

const absl::Time kSourceTime = absl::FromUnixSeconds(1'706'000'000);

class SqliteLoanStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
    dir_.emplace(std::move(dir));
    Open();
  }

  void Open() {
    engine_.reset();
    store_.reset();
    db_.reset();
    ASSERT_OK_AND_ASSIGN(db_, store::SqliteDatabase::Create({.path = dir_->File("overdue.db")}));
    ASSERT_OK(db_->Migrate(AllOverdueMigrations()));
    store_ = std::make_unique<SqliteLoanStore>(db_.get(), products_);
  }

  // Runs `body` in a write transaction with the store bound to it.
  absl::Status InTxn(const std::function<absl::Status()>& body) {
    return db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
      ARREARS_ASSIGN_OR_RETURN(SqliteLoanStore::Binding bound, store_->Bind(txn));
      return body();
    });
  }

  void StartEngine(D initial) {
    ASSERT_OK(InTxn([&]() -> absl::Status {
      ARREARS_ASSIGN_OR_RETURN(
          engine_, DelinquencyEngine::Create({products_, store_.get(), &clock_, initial}));
      return absl::OkStatus();
    }));
  }

  std::vector<EmittedEvent> Apply(DelinquencyEngine& engine, const loan::v1::LoanEvent& event,
                                  const std::string& id) {
    std::vector<EmittedEvent> out;
    EXPECT_OK(InTxn([&]() -> absl::Status {
      ARREARS_ASSIGN_OR_RETURN(out, engine.Apply(event, id, kSourceTime));
      return absl::OkStatus();
    }));
    return out;
  }

  CloseResult Close(DelinquencyEngine& engine, D day) {
    CloseResult out;
    EXPECT_OK(InTxn([&]() -> absl::Status {
      ARREARS_ASSIGN_OR_RETURN(out, engine.CloseBusinessDay(day));
      return absl::OkStatus();
    }));
    return out;
  }

  LoanRecord Record(const std::string& loan_id, D opened) {
    absl::StatusOr<Loan> loan = Loan::Open(
        Opened(loan_id, "CAR_LOAN", opened, Monthly(opened + 31, 3, 300000, 5000)), *products_);
    EXPECT_OK(loan.status());
    LoanRecord record(*std::move(loan));
    record.evaluated_on = opened;
    record.next_boundary = opened + 10;
    return record;
  }

  std::shared_ptr<const ProductCatalog> products_ =
      std::make_shared<const ProductCatalog>(TestCatalog());
  FakeClock clock_;
  std::optional<store::TempDir> dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<SqliteLoanStore> store_;
  std::unique_ptr<DelinquencyEngine> engine_;
};

TEST_F(SqliteLoanStoreTest, KeepsRecordsUnderDenseHandles) {
  ASSERT_OK(InTxn([&]() -> absl::Status {
    EXPECT_THAT(store_->Find("A"), IsOkAndHolds(absl::nullopt));
    EXPECT_THAT(store_->Insert(Record("A", D(2024, 1, 1))), IsOkAndHolds(0u));
    EXPECT_THAT(store_->Insert(Record("B", D(2024, 1, 2))), IsOkAndHolds(1u));
    EXPECT_THAT(store_->Insert(Record("A", D(2024, 1, 3))),
                StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("loan_id: loan A")));
    EXPECT_THAT(store_->Find("B"), IsOkAndHolds(Optional(1u)));
    LoanRecord changed = Record("B", D(2024, 1, 2));
    changed.event_sequence = 7;
    changed.next_boundary = absl::nullopt;
    EXPECT_OK(store_->Update(1, changed));
    EXPECT_THAT(store_->Update(5, changed), StatusIs(absl::StatusCode::kNotFound));
    EXPECT_THAT(store_->Load(9), StatusIs(absl::StatusCode::kNotFound));
    ARREARS_ASSIGN_OR_RETURN(LoanRecord loaded, store_->Load(1));
    EXPECT_EQ(loaded.loan.loan_id(), "B");
    EXPECT_EQ(loaded.event_sequence, 7);
    EXPECT_EQ(loaded.next_boundary, absl::nullopt);
    std::vector<std::pair<LoanHandle, absl::optional<D>>> boundaries;
    ARREARS_RETURN_IF_ERROR(store_->ForEachNextBoundary(
        [&](LoanHandle h, absl::optional<D> day) { boundaries.emplace_back(h, day); }));
    EXPECT_THAT(boundaries, ::testing::ElementsAre(::testing::Pair(0u, Optional(D(2024, 1, 11)))))
        << "loans without a boundary are not visited";
    std::vector<std::string> ids;
    ARREARS_RETURN_IF_ERROR(store_->ForEachRecord([&](LoanHandle, const LoanRecord& r) {
      ids.push_back(r.loan.loan_id());
      return absl::OkStatus();
    }));
    EXPECT_THAT(ids, ::testing::ElementsAre("A", "B"));
    EXPECT_THAT(store_->LoadBusinessDate(), IsOkAndHolds(absl::nullopt));
    ARREARS_RETURN_IF_ERROR(store_->SaveBusinessDate(D(2024, 5, 6)));
    ARREARS_RETURN_IF_ERROR(store_->SaveBusinessDate(D(2024, 5, 7)));
    EXPECT_THAT(store_->LoadBusinessDate(), IsOkAndHolds(Optional(D(2024, 5, 7))));
    return absl::OkStatus();
  }));
}

TEST_F(SqliteLoanStoreTest, TheBriefIsReadAndWrittenAloneAndOverridesTheRecord) {
  LoanRecord record = Record("A", D(2024, 1, 1));
  record.status_boundary = D(2024, 1, 20);
  PlannedNotice planned;
  planned.notice = {.installment_number = 1,
                    .due_date = D(2024, 2, 1),
                    .amount_minor = 105000,
                    .days_until_due = 7};
  planned.figures.as_of = D(2024, 1, 25);
  record.planned_notices = {planned};
  ASSERT_OK(db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(SqliteLoanStore::Binding bound, store_->Bind(txn));
    EXPECT_THAT(store_->Insert(record), IsOkAndHolds(0u));
    ARREARS_ASSIGN_OR_RETURN(LoanBrief brief, store_->LoadBrief(0));
    EXPECT_EQ(brief.loan_id, "A");
    EXPECT_EQ(brief.status_boundary, D(2024, 1, 20));
    EXPECT_EQ(brief.planned_notices, record.planned_notices);
    EXPECT_THAT(store_->LoadBrief(3), StatusIs(absl::StatusCode::kNotFound));

    // What a notice-only close writes: the record's column stays as it was.
    brief.event_sequence = 4;
    brief.planned_notices.clear();
    brief.next_boundary = D(2024, 1, 20);
    ARREARS_RETURN_IF_ERROR(store_->UpdateBrief(0, brief));
    EXPECT_THAT(store_->UpdateBrief(3, brief), StatusIs(absl::StatusCode::kNotFound));
    ARREARS_ASSIGN_OR_RETURN(LoanRecord loaded, store_->Load(0));
    EXPECT_EQ(loaded.event_sequence, 4);
    EXPECT_EQ(loaded.next_boundary, D(2024, 1, 20));
    EXPECT_TRUE(loaded.planned_notices.empty());
    std::vector<std::pair<LoanHandle, absl::optional<D>>> boundaries;
    ARREARS_RETURN_IF_ERROR(store_->ForEachNextBoundary(
        [&](LoanHandle h, absl::optional<D> day) { boundaries.emplace_back(h, day); }));
    EXPECT_THAT(boundaries, ::testing::ElementsAre(::testing::Pair(0u, Optional(D(2024, 1, 20)))))
        << "the calendar rebuild sees the brief's boundary";

    // A row from before the brief column: the record alone is the truth.
    ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
    ARREARS_RETURN_IF_ERROR(sqlite->Execute("UPDATE overdue_loans SET brief = NULL"));
    ARREARS_ASSIGN_OR_RETURN(LoanBrief derived, store_->LoadBrief(0));
    EXPECT_EQ(derived.loan_id, "A");
    EXPECT_EQ(derived.event_sequence, 0) << "the record's, not the dropped brief's";
    EXPECT_EQ(derived.next_boundary, D(2024, 1, 11));
    ARREARS_ASSIGN_OR_RETURN(LoanRecord old, store_->Load(0));
    EXPECT_EQ(old.event_sequence, 0);
    EXPECT_TRUE(old.planned_notices.empty()) << "records are stored without the plan";
    return absl::OkStatus();
  }));
}

TEST_F(SqliteLoanStoreTest, RefusesUseOutsideATransaction) {
  EXPECT_THAT(store_->Find("A"), StatusIs(absl::StatusCode::kFailedPrecondition,
                                          HasSubstr("outside a bound transaction")));
  ASSERT_OK_AND_ASSIGN(auto other, store::SqliteDatabase::Create({.path = ":memory:"}));
  ASSERT_OK(other->InTransaction([&](store::Transaction& txn) {
    EXPECT_THAT(store_->Bind(txn), StatusIs(absl::StatusCode::kFailedPrecondition));
    return absl::OkStatus();
  }));
}

TEST_F(SqliteLoanStoreTest, StateSurvivesARestartAndReplaysLikeTheInMemoryEngine) {
  // The same events through an engine on SQLite, restarted (a new process:
  // new database handle, store and engine) half way, and through one on an
  // in-memory store: identical events and snapshots.
  InMemoryLoanStore memory;
  ASSERT_OK_AND_ASSIGN(auto reference,
                       DelinquencyEngine::Create({products_, &memory, &clock_, D(2024, 1, 15)}));
  StartEngine(D(2024, 1, 15));
  std::vector<EmittedEvent> expected, actual;
  auto both_apply = [&](const loan::v1::LoanEvent& event, const std::string& id) {
    ASSERT_OK_AND_ASSIGN(auto e, reference->Apply(event, id, kSourceTime));
    expected.insert(expected.end(), e.begin(), e.end());
    auto a = Apply(*engine_, event, id);
    actual.insert(actual.end(), a.begin(), a.end());
  };
  for (int i = 0; i < 12; ++i) {
    both_apply(Opened(absl::StrCat("L", i), i % 2 ? "CAR_LOAN" : "STRICT", D(2024, 1, 15),
                      Monthly(D(2024, 2, 1) + i, 6, 600000, 3000)),
               absl::StrCat("open-", i));
  }
  for (D day = D(2024, 1, 16); day <= D(2024, 6, 30); ++day) {
    if (day == D(2024, 3, 10)) {
      Open();  // restart
      StartEngine(D(2000, 1, 1));
      EXPECT_EQ(engine_->business_date(), D(2024, 3, 9));
    }
    if (day.day() == 20) {
      const std::string loan = absl::StrCat("L", day.month() + 1);
      both_apply(Repayment(loan, absl::StrCat("R", day.month()), 100000, day - 1),
                 absl::StrCat("pay-", day.month()));
    }
    ASSERT_OK_AND_ASSIGN(CloseResult reference_close, reference->CloseBusinessDay(day));
    expected.insert(expected.end(), reference_close.events.begin(), reference_close.events.end());
    const CloseResult close = Close(*engine_, day);
    EXPECT_EQ(close.loans_evaluated, reference_close.loans_evaluated) << day;
    actual.insert(actual.end(), close.events.begin(), close.events.end());
  }
  ASSERT_GT(expected.size(), 100u);
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual[i].event_id, expected[i].event_id);
    EXPECT_TRUE(MessageDifferencer::Equals(actual[i].event, expected[i].event))
        << actual[i].event.ShortDebugString() << "\n"
        << expected[i].event.ShortDebugString();
  }
  for (int i = 0; i < 12; ++i) {
    const std::string loan = absl::StrCat("L", i);
    ASSERT_OK_AND_ASSIGN(auto want, reference->GetSnapshot(loan));
    ASSERT_OK(InTxn([&]() -> absl::Status {
      ARREARS_ASSIGN_OR_RETURN(auto got, engine_->GetSnapshot(loan));
      EXPECT_TRUE(MessageDifferencer::Equals(got, want)) << loan;
      return absl::OkStatus();
    }));
  }
}

TEST_F(SqliteLoanStoreTest, ARolledBackCureDoesNotHideTheLoanFromTheClose) {
  StartEngine(D(2024, 1, 15));
  Apply(*engine_, Opened("A", "STRICT", D(2024, 1, 15), Monthly(D(2024, 2, 1), 3, 300000, 0)),
        "open");
  std::vector<dv1::DelinquencyEventKind> kinds;
  for (const EmittedEvent& e : Close(*engine_, D(2024, 2, 2)).events) {
    kinds.push_back(e.event.kind());
  }
  ASSERT_THAT(kinds, ::testing::Contains(dv1::DELINQUENCY_EVENT_KIND_STARTED));
  kinds.clear();
  // A payment of everything moves the loan's boundary to the next notice day;
  // its transaction then fails and rolls back.
  EXPECT_THAT(InTxn([&]() -> absl::Status {
                ARREARS_ASSIGN_OR_RETURN(
                    auto cured, engine_->Apply(Repayment("A", "R1", 300000, D(2024, 2, 2)), "pay",
                                               kSourceTime));
                EXPECT_EQ(cured.size(), 1u);
                return absl::UnavailableError("commit failed");
              }),
              StatusIs(absl::StatusCode::kUnavailable));
  // The loan is still delinquent: its 31st day past due moves it to M2.
  for (D day = D(2024, 2, 3); day <= D(2024, 3, 3); ++day) {
    for (const EmittedEvent& e : Close(*engine_, day).events) kinds.push_back(e.event.kind());
  }
  EXPECT_THAT(kinds, ::testing::Contains(dv1::DELINQUENCY_EVENT_KIND_CHANGED));
  ASSERT_OK(InTxn([&]() -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(auto snapshot, engine_->GetSnapshot("A"));
    EXPECT_EQ(snapshot.bucket().code(), "M2");
    EXPECT_EQ(snapshot.dpd(), 31);
    return absl::OkStatus();
  }));
}

TEST_F(SqliteLoanStoreTest, ReloadAfterAFailedCloseRestoresTheCalendar) {
  StartEngine(D(2024, 1, 15));
  Apply(*engine_, Opened("A", "STRICT", D(2024, 1, 15), Monthly(D(2024, 2, 1), 3, 300000, 0)),
        "open");
  std::vector<std::string> failed_ids;
  EXPECT_THAT(InTxn([&]() -> absl::Status {
                ARREARS_ASSIGN_OR_RETURN(CloseResult r, engine_->CloseBusinessDay(D(2024, 2, 2)));
                for (const EmittedEvent& e : r.events) failed_ids.push_back(e.event_id);
                return absl::AbortedError("crash before commit");
              }),
              StatusIs(absl::StatusCode::kAborted));
  ASSERT_EQ(failed_ids.size(), 3u) << "two notices and STARTED";
  ASSERT_OK(InTxn([&] { return engine_->Reload(); }));
  EXPECT_EQ(engine_->business_date(), D(2024, 1, 15));
  std::vector<std::string> ids;
  for (const EmittedEvent& e : Close(*engine_, D(2024, 2, 2)).events) ids.push_back(e.event_id);
  EXPECT_EQ(ids, failed_ids) << "the same events again";
}

}  // namespace
}  // namespace arrears::overdue
