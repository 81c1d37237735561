#include "services/overdue_detection/sqlite_delinquency_index.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/overdue_schema.h"
#include "services/overdue_detection/sqlite_loan_store.h"
#include "services/overdue_detection/testing/loan_events.h"
#include "services/overdue_detection/testing/test_products.h"

namespace arrears::overdue {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using namespace ::arrears::overdue::testing;  // NOLINT: event builders
namespace dv1 = delinquency::v1;
using D = absl::CivilDay;

class SqliteDelinquencyIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
    dir_.emplace(std::move(dir));
    ASSERT_OK_AND_ASSIGN(db_, store::SqliteDatabase::Create({.path = dir_->File("i.db")}));
    ASSERT_OK(db_->Migrate(AllOverdueMigrations()));
    store_ = std::make_unique<SqliteLoanStore>(db_.get(), products_);
    index_ = std::make_unique<SqliteDelinquencyIndex>(db_.get());
    // id, product, branch, state, bucket, class, oldest overdue due date
    Add("A", "CAR_LOAN", "BR1", dv1::DELINQUENCY_STATE_DELINQUENT, 2, 2, D(2024, 3, 1));
    Add("B", "CAR_LOAN", "BR2", dv1::DELINQUENCY_STATE_DELINQUENT, 1, 2, D(2024, 3, 20));
    Add("C", "CONSUMER_LOAN", "BR1", dv1::DELINQUENCY_STATE_DELINQUENT, 4, 3, D(2024, 1, 1));
    Add("D", "CAR_LOAN", "BR1", dv1::DELINQUENCY_STATE_CURRENT, 0, 1, absl::nullopt);
    Add("E", "CAR_LOAN", "BR1", dv1::DELINQUENCY_STATE_CHARGED_OFF, 7, 5, D(2023, 1, 1));
    Add("F", "CAR_LOAN", "BR1", dv1::DELINQUENCY_STATE_DELINQUENT, 2, 2, D(2024, 3, 1));
    // Charged off at 120 DPD (M4) and never re-evaluated since: 122 DPD
    // today, M5.
    Add("G", "CAR_LOAN", "BR1", dv1::DELINQUENCY_STATE_CHARGED_OFF, 4, 3, D(2023, 12, 1));
    // Written off while current: DPD 0.
    Add("H", "CAR_LOAN", "BR2", dv1::DELINQUENCY_STATE_CHARGED_OFF, 0, 1, absl::nullopt);
  }

  void Add(const std::string& id, const std::string& product, const std::string& branch,
           dv1::DelinquencyState state, int32_t bucket, int regulatory_class,
           absl::optional<D> oldest) {
    loan::v1::LoanEvent opened =
        Opened(id, product, D(2023, 1, 1), Monthly(D(2023, 2, 1), 12, 1200000, 0));
    opened.mutable_loan_opened()->set_branch_id(branch);
    ASSERT_OK_AND_ASSIGN(Loan loan, Loan::Open(opened, *products_));
    LoanRecord record(std::move(loan));
    record.status.state = state;
    record.status.bucket_ordinal = bucket;
    record.status.regulatory_class = static_cast<dv1::RegulatoryClass>(regulatory_class);
    record.status.oldest_overdue_due_date = oldest;
    ASSERT_OK(db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
      ARREARS_ASSIGN_OR_RETURN(SqliteLoanStore::Binding bound, store_->Bind(txn));
      return store_->Insert(record).status();
    }));
  }

  std::vector<std::string> List(const DelinquentLoanFilter& filter,
                                const absl::optional<DelinquentCursor>& after = absl::nullopt,
                                int limit = 100) {
    std::vector<std::string> ids;
    EXPECT_OK(db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
      ARREARS_ASSIGN_OR_RETURN(
          std::vector<DelinquentRow> rows,
          index_->ListDelinquent(txn, filter, *products_, kToday, after, limit));
      for (const DelinquentRow& row : rows) ids.push_back(row.loan_id);
      return absl::OkStatus();
    }));
    return ids;
  }

  static constexpr D kToday = D(2024, 4, 1);
  std::shared_ptr<const ProductCatalog> products_ =
      std::make_shared<const ProductCatalog>(TestCatalog());
  std::optional<store::TempDir> dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<SqliteLoanStore> store_;
  std::unique_ptr<SqliteDelinquencyIndex> index_;
};

TEST_F(SqliteDelinquencyIndexTest, ListsDelinquentAndChargedOffLoansByDpdThenId) {
  EXPECT_THAT(List({}), ElementsAre("E", "G", "C", "A", "F", "B", "H"))
      << "current loans are not listed; DPD 0 (H) last";
  EXPECT_THAT(List({.min_dpd = 31}), ElementsAre("E", "G", "C", "A", "F"))
      << "B is 12 days past due";
  EXPECT_THAT(List({.min_dpd = 32}), ElementsAre("E", "G", "C"));
  EXPECT_THAT(List({.product_codes = {"CAR_LOAN"}, .branch_ids = {"BR1"}}),
              ElementsAre("E", "G", "A", "F"));
  EXPECT_THAT(List({.branch_ids = {"BR\"9"}}), IsEmpty()) << "values are data, not SQL or JSON";
}

TEST_F(SqliteDelinquencyIndexTest, FiltersByState) {
  EXPECT_THAT(List({.states = {dv1::DELINQUENCY_STATE_DELINQUENT}}),
              ElementsAre("C", "A", "F", "B"));
  EXPECT_THAT(List({.states = {dv1::DELINQUENCY_STATE_CHARGED_OFF}}), ElementsAre("E", "G", "H"));
  EXPECT_THAT(
      List({.states = {dv1::DELINQUENCY_STATE_CHARGED_OFF, dv1::DELINQUENCY_STATE_DELINQUENT}}),
      ElementsAre("E", "G", "C", "A", "F", "B", "H"));
}

TEST_F(SqliteDelinquencyIndexTest, BucketAndClassFollowTheDpdOfToday) {
  EXPECT_THAT(List({.bucket_codes = {"M2", "M4"}}), ElementsAre("C", "A", "F"))
      << "G was charged off in M4 but is in M5 now";
  EXPECT_THAT(List({.bucket_codes = {"M5"}}), ElementsAre("G"));
  EXPECT_THAT(List({.bucket_codes = {"M7+"}}), ElementsAre("E"));
  EXPECT_THAT(List({.bucket_codes = {"CURRENT"}}), ElementsAre("H"));
  EXPECT_THAT(List({.regulatory_classes = {dv1::REGULATORY_CLASS_SUBSTANDARD}}),
              ElementsAre("G", "C"));
  EXPECT_THAT(List({.regulatory_classes = {dv1::REGULATORY_CLASS_LOSS}}), ElementsAre("E"));
  EXPECT_THAT(List({.bucket_codes = {"M4", "M5"},
                    .regulatory_classes = {dv1::REGULATORY_CLASS_SUBSTANDARD},
                    .states = {dv1::DELINQUENCY_STATE_CHARGED_OFF}}),
              ElementsAre("G"));
}

TEST_F(SqliteDelinquencyIndexTest, PagesResumeAfterTheCursor) {
  EXPECT_THAT(List({}, absl::nullopt, 2), ElementsAre("E", "G"));
  EXPECT_THAT(List({}, DelinquentCursor{D(2024, 3, 1), "A"}, 2), ElementsAre("F", "B"));
  EXPECT_THAT(List({}, DelinquentCursor{D(2024, 3, 20), "B"}, 2), ElementsAre("H"));
  EXPECT_THAT(List({}, DelinquentCursor{kNoOverdueDay, "H"}, 2), IsEmpty());
}

TEST_F(SqliteDelinquencyIndexTest, MonthEndSnapshotsKeepDelinquentBuckets) {
  ASSERT_OK(db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(absl::optional<MonthEndSnapshot> none,
                             index_->LoadMonthEnd(txn, D(2024, 3, 31)));
    EXPECT_FALSE(none.has_value());
    ARREARS_RETURN_IF_ERROR(index_->SnapshotMonthEnd(txn, D(2024, 3, 31)));
    ARREARS_RETURN_IF_ERROR(index_->SnapshotMonthEnd(txn, D(2024, 3, 31)));  // replaces
    ARREARS_ASSIGN_OR_RETURN(absl::optional<MonthEndSnapshot> snapshot,
                             index_->LoadMonthEnd(txn, D(2024, 3, 31)));
    EXPECT_TRUE(snapshot.has_value());
    if (!snapshot.has_value()) return absl::OkStatus();
    EXPECT_EQ(snapshot->loan_handles, 8);
    EXPECT_THAT(snapshot->bucket_by_handle,
                ::testing::UnorderedElementsAre(std::make_pair(0u, 2), std::make_pair(1u, 1),
                                                std::make_pair(2u, 4), std::make_pair(5u, 2)));
    return absl::OkStatus();
  }));
}

}  // namespace
}  // namespace arrears::overdue
