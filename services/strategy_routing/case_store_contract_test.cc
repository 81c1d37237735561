// The CaseStore contract, run on both implementations: the SQLite store of
// the service and the in-memory fake the unit tests rely on.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_matchers.h"
#include "common/store/sqlite_core_schema.h"
#include "common/store/sqlite_database.h"
#include "common/store/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/strategy_routing/in_memory_case_store.h"
#include "services/strategy_routing/sqlite_case_store.h"
#include "services/strategy_routing/testing/fake_transaction.h"
#include "services/strategy_routing/testing/scripted_case.h"

namespace arrears::strategy {
namespace {

using ::arrears::strategy::testing::LoanEvent;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr absl::CivilDay kDay(2026, 3, 20);

// Runs a body in a transaction of the store under test.
class Harness {
 public:
  virtual ~Harness() = default;
  virtual CaseStore& store() = 0;
  virtual absl::Status Run(absl::FunctionRef<absl::Status(store::Transaction&)> body) = 0;
  // Rows of a projection table, or -1 when the store has none.
  virtual int64_t Rows(const char* table) { return -1; }
};

class InMemoryHarness final : public Harness {
 public:
  CaseStore& store() override { return store_; }
  absl::Status Run(absl::FunctionRef<absl::Status(store::Transaction&)> body) override {
    testing::FakeTransaction txn;
    return body(txn);
  }

 private:
  InMemoryCaseStore store_;
};

class SqliteHarness final : public Harness {
 public:
  SqliteHarness() {
    absl::StatusOr<store::TempDir> dir = store::TempDir::Create();
    EXPECT_TRUE(dir.ok()) << dir.status();
    dir_ = std::make_unique<store::TempDir>(std::move(dir).value());
    absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> db =
        store::SqliteDatabase::Create({.path = dir_->File("strategy.db")});
    EXPECT_TRUE(db.ok()) << db.status();
    db_ = std::move(db).value();
    std::vector<store::Migration> migrations = store::CoreMigrations();
    for (store::Migration& m : StrategyRoutingMigrations()) migrations.push_back(std::move(m));
    EXPECT_OK(db_->Migrate(migrations));
    store_ = std::make_unique<SqliteCaseStore>(db_.get(), CasePolicy{});
  }
  CaseStore& store() override { return *store_; }
  absl::Status Run(absl::FunctionRef<absl::Status(store::Transaction&)> body) override {
    return db_->InTransaction(body);
  }
  int64_t Rows(const char* table) override {
    int64_t rows = -1;
    EXPECT_OK(db_->InSqliteTransaction(
        store::SqliteTransactionMode::kDeferred,
        [&](store::SqliteTransaction& txn) -> absl::Status {
          ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement count,
                                   txn.Prepare(absl::StrCat("SELECT COUNT(*) FROM ", table)));
          ARREARS_ASSIGN_OR_RETURN(bool row, count.Step());
          if (row) rows = count.ColumnInt64(0);
          return absl::OkStatus();
        }));
    return rows;
  }

 private:
  std::unique_ptr<store::TempDir> dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<SqliteCaseStore> store_;
};

CaseRecord MakeCase(const std::string& case_id, const std::string& customer_id, int dpd = 5,
                    int64_t priority = 0) {
  absl::StatusOr<CollectionCase> c =
      CollectionCase::Open(case_id, LoanEvent("loan-" + case_id, 1, kDay, dpd, 1'000, customer_id));
  EXPECT_TRUE(c.ok()) << c.status();
  CaseRecord record(std::move(c).value());
  record.priority = priority;
  return record;
}

template <typename H>
class CaseStoreContractTest : public ::testing::Test {
 protected:
  H harness_;
  CaseStore& store() { return harness_.store(); }

  void Save(const CaseRecord& record) {
    ASSERT_OK(harness_.Run([&](store::Transaction& txn) { return store().SaveCase(txn, record); }));
  }
  template <typename T, typename F>
  T Read(F f) {
    absl::StatusOr<T> out = absl::InternalError("not run");
    EXPECT_OK(harness_.Run([&](store::Transaction& txn) {
      out = f(txn);
      return out.status();
    }));
    return out.ok() ? *std::move(out) : T{};
  }
};

using Harnesses = ::testing::Types<InMemoryHarness, SqliteHarness>;
TYPED_TEST_SUITE(CaseStoreContractTest, Harnesses);

TYPED_TEST(CaseStoreContractTest, SavedCaseLoadsBackByIdAndCustomer) {
  CaseRecord record = MakeCase("case-1", "cust-1");
  ASSERT_OK(record.kase.RecordPromise(
      "p-1", money::Money::FromMinor(500, money::Currency::Of("CNY")), kDay + 3, "col"));
  record.next_decision_date = kDay + 2;
  record.version = 3;
  this->Save(record);
  auto loaded = this->template Read<std::optional<CaseRecord>>(
      [&](store::Transaction& txn) { return this->store().LoadCase(txn, "case-1"); });
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->version, 3);
  EXPECT_EQ(loaded->next_decision_date, kDay + 2);
  EXPECT_EQ(loaded->kase.open_promise()->promise_id, "p-1");
  auto open = this->template Read<std::optional<CaseRecord>>(
      [&](store::Transaction& txn) { return this->store().LoadOpenCase(txn, "cust-1"); });
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->kase.case_id(), "case-1");
  auto none = this->template Read<std::optional<CaseRecord>>(
      [&](store::Transaction& txn) { return this->store().LoadOpenCase(txn, "cust-2"); });
  EXPECT_FALSE(none.has_value());
  if (this->harness_.Rows("case_promises") >= 0) {
    EXPECT_EQ(this->harness_.Rows("case_promises"), 1);
  }
}

TYPED_TEST(CaseStoreContractTest, OneOpenCasePerCustomer) {
  this->Save(MakeCase("case-1", "cust-1"));
  const CaseRecord second = MakeCase("case-2", "cust-1");
  EXPECT_THAT(this->harness_.Run(
                  [&](store::Transaction& txn) { return this->store().SaveCase(txn, second); }),
              StatusIs(absl::StatusCode::kAlreadyExists));
  // Once the first closes, the customer may have a new one; "latest" is the
  // open one.
  CaseRecord first = MakeCase("case-1", "cust-1");
  ASSERT_OK(first.kase.OnDelinquency(LoanEvent("loan-case-1", 2, kDay + 1, 0, 0, "cust-1")));
  ASSERT_TRUE(first.kase.closed());
  this->Save(first);
  this->Save(second);
  auto latest = this->template Read<std::optional<CaseRecord>>(
      [&](store::Transaction& txn) { return this->store().LoadLatestCase(txn, "cust-1"); });
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->kase.case_id(), "case-2");
}

TYPED_TEST(CaseStoreContractTest, DueCasesInDateThenIdOrderPerZone) {
  CaseRecord a = MakeCase("case-a", "cust-a");
  a.next_decision_date = kDay + 3;
  CaseRecord b = MakeCase("case-b", "cust-b");
  b.next_decision_date = kDay + 1;
  CaseRecord c = MakeCase("case-c", "cust-c");
  c.next_decision_date = kDay + 1;
  CaseRecord d = MakeCase("case-d", "cust-d");  // no agenda date
  CaseRecord e = MakeCase("case-e", "cust-e");
  e.next_decision_date = kDay + 9;
  for (const CaseRecord* r : {&a, &b, &c, &d, &e}) this->Save(*r);
  auto due = [&](absl::CivilDay day, int limit) {
    return this->template Read<std::vector<std::string>>([&](store::Transaction& txn) {
      return this->store().DueCases(txn, testing::kZone, day, limit);
    });
  };
  EXPECT_THAT(due(kDay + 3, 10), ElementsAre("case-b", "case-c", "case-a"));
  EXPECT_THAT(due(kDay + 3, 2), ElementsAre("case-b", "case-c"));
  EXPECT_THAT(due(kDay, 10), IsEmpty());
  auto other_zone = this->template Read<std::vector<std::string>>([&](store::Transaction& txn) {
    return this->store().DueCases(txn, "Europe/Paris", kDay + 30, 10);
  });
  EXPECT_THAT(other_zone, IsEmpty());
}

TYPED_TEST(CaseStoreContractTest, ListCasesFiltersOrdersAndPages) {
  for (int i = 0; i < 7; ++i) {
    CaseRecord r = MakeCase(absl::StrCat("case-", i), absl::StrCat("cust-", i), 5, 100 * (i % 3));
    if (i != 6) r.kase.Assign(CaseAssignment{.collector_id = "col-1", .team_id = "team-a"});
    if (i == 5) {
      ASSERT_OK(
          r.kase.PlaceHold(Hold{.hold_id = "h", .type = v1::HOLD_TYPE_DISPUTE, .start = kDay}));
    }
    this->Save(r);
  }
  CaseQuery query{.collector_id = "col-1", .page_size = 2};
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    CasePage result = this->template Read<CasePage>(
        [&](store::Transaction& txn) { return this->store().ListCases(txn, query); });
    for (const v1::Case& c : result.cases) seen.push_back(c.case_id());
    if (result.next_page_token.empty()) break;
    query.page_token = result.next_page_token;
  }
  // Priorities: 0,100,200,0,100,200(held) for case-0..5; case-6 unassigned.
  EXPECT_THAT(seen, ElementsAre("case-2", "case-1", "case-4", "case-0", "case-3"));
  CaseQuery held{.collector_id = "col-1", .include_held = true, .page_size = 50};
  CasePage all = this->template Read<CasePage>(
      [&](store::Transaction& txn) { return this->store().ListCases(txn, held); });
  EXPECT_EQ(all.cases.size(), 6u);
  EXPECT_TRUE(all.next_page_token.empty());
  CaseQuery bad{.page_token = "garbage"};
  EXPECT_THAT(this->harness_.Run([&](store::Transaction& txn) {
    return this->store().ListCases(txn, bad).status();
  }),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TYPED_TEST(CaseStoreContractTest, ScanFiltersByStrategyAndOpenDate) {
  CaseRecord a = MakeCase("case-a", "cust-a");
  a.kase.SetStrategy("default-retail", 1, "champion");
  CaseRecord b = MakeCase("case-b", "cust-b");
  b.kase.SetStrategy("other", 1, "champion");
  this->Save(a);
  this->Save(b);
  std::vector<std::string> seen;
  ASSERT_OK(this->harness_.Run([&](store::Transaction& txn) {
    return this->store().ScanCases(txn, CaseScan{.strategy_id = "default-retail"},
                                   [&](const v1::Case& c) {
                                     seen.push_back(c.case_id());
                                     return absl::OkStatus();
                                   });
  }));
  EXPECT_THAT(seen, ElementsAre("case-a"));
  seen.clear();
  ASSERT_OK(this->harness_.Run([&](store::Transaction& txn) {
    return this->store().ScanCases(txn, CaseScan{.opened_from = kDay + 1}, [&](const v1::Case& c) {
      seen.push_back(c.case_id());
      return absl::OkStatus();
    });
  }));
  EXPECT_THAT(seen, IsEmpty());
}

TYPED_TEST(CaseStoreContractTest, BusinessDatesProfilesBookingsAndStrategies) {
  ASSERT_OK(this->harness_.Run([&](store::Transaction& txn) -> absl::Status {
    CaseStore& s = this->store();
    ARREARS_ASSIGN_OR_RETURN(std::optional<absl::CivilDay> none, s.LoadBusinessDate(txn, "UTC"));
    EXPECT_FALSE(none.has_value());
    ARREARS_RETURN_IF_ERROR(s.SaveBusinessDate(txn, "UTC", kDay));
    ARREARS_RETURN_IF_ERROR(s.SaveBusinessDate(txn, "UTC", kDay + 1));
    ARREARS_ASSIGN_OR_RETURN(std::optional<absl::CivilDay> day, s.LoadBusinessDate(txn, "UTC"));
    EXPECT_EQ(day, kDay + 1);
    ARREARS_RETURN_IF_ERROR(s.SaveBusinessDate(txn, "Asia/Shanghai", kDay));
    ARREARS_ASSIGN_OR_RETURN(auto dates, s.LoadBusinessDates(txn));
    EXPECT_THAT(dates, ElementsAre(std::make_pair(std::string("Asia/Shanghai"), kDay),
                                   std::make_pair(std::string("UTC"), kDay + 1)));

    CustomerProfile profile{.customer_id = "cust-1",
                            .contact_point_ids = {"address-1", "phone-1"},
                            .has_verified_phone = true,
                            .visit_address_id = "address-1",
                            .visit_region = "CN-SH",
                            .visit_time_zone = "Asia/Shanghai",
                            .recording_consent = true,
                            .bankruptcy_case_number = "BK-1"};
    ARREARS_RETURN_IF_ERROR(s.SaveProfile(txn, profile));
    ARREARS_ASSIGN_OR_RETURN(std::optional<CustomerProfile> loaded, s.LoadProfile(txn, "cust-1"));
    EXPECT_EQ(loaded, profile);

    ARREARS_RETURN_IF_ERROR(s.AddVisitBooking(txn, "fs-1", kDay));
    ARREARS_RETURN_IF_ERROR(s.AddVisitBooking(txn, "fs-1", kDay));
    ARREARS_ASSIGN_OR_RETURN(int booked, s.VisitsBooked(txn, "fs-1", kDay));
    EXPECT_EQ(booked, 2);
    ARREARS_ASSIGN_OR_RETURN(int other_day, s.VisitsBooked(txn, "fs-1", kDay + 1));
    EXPECT_EQ(other_day, 0);

    StoredStrategy v1{.strategy_id = "s",
                      .version = 1,
                      .effective_from = kDay,
                      .source = "x",
                      .source_sha256 = "h",
                      .author = "me",
                      .create_time = absl::FromUnixSeconds(1'770'000'000)};
    ARREARS_RETURN_IF_ERROR(s.SaveStrategy(txn, v1));
    EXPECT_THAT(s.SaveStrategy(txn, v1), StatusIs(absl::StatusCode::kAlreadyExists));
    ARREARS_ASSIGN_OR_RETURN(std::optional<StoredStrategy> back, s.LoadStrategy(txn, "s", 1));
    EXPECT_EQ(back, v1);
    StoredStrategy v2 = v1;
    v2.version = 2;
    v2.format = v1::STRATEGY_FORMAT_TEXTPROTO;
    ARREARS_RETURN_IF_ERROR(s.SaveStrategy(txn, v2));
    ARREARS_ASSIGN_OR_RETURN(std::vector<StoredStrategy> all, s.LoadStrategies(txn));
    EXPECT_EQ(all.size(), 2u);
    if (all.size() == 2u) {
      EXPECT_EQ(all[0].format, v1::STRATEGY_FORMAT_YAML);
      EXPECT_EQ(all[1], v2);
    }
    return absl::OkStatus();
  }));
}

TEST(SqliteCaseStoreTest, HistoryRowsFollowTheCase) {
  SqliteHarness harness;
  CaseRecord r = MakeCase("case-1", "cust-1");
  ASSERT_OK(r.kase.PlaceHold(Hold{.hold_id = "h-1", .type = v1::HOLD_TYPE_DISPUTE, .start = kDay}));
  r.kase.RecordTreatment(
      Treatment{.request_id = "r-1", .segment = "early", .step = "d1-sms", .requested_on = kDay});
  v1::RepaymentPlan plan;
  plan.set_plan_id("plan-1");
  r.plans.push_back(plan);
  ASSERT_OK(harness.Run([&](store::Transaction& txn) { return harness.store().SaveCase(txn, r); }));
  ASSERT_OK(r.kase.LiftHold("h-1", "agent"));
  ASSERT_OK(harness.Run([&](store::Transaction& txn) { return harness.store().SaveCase(txn, r); }));
  EXPECT_EQ(harness.Rows("cases"), 1);
  EXPECT_EQ(harness.Rows("case_holds"), 1);
  EXPECT_EQ(harness.Rows("case_treatments"), 1);
  EXPECT_EQ(harness.Rows("case_plans"), 1);
  EXPECT_EQ(harness.Rows("case_holds WHERE lifted_by = 'agent'"), 1);
}

}  // namespace
}  // namespace arrears::strategy
