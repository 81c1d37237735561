// SqliteCaseStore: the CaseStore of the service, in the service's SQLite
// database (the one ServiceHost opens, next to the dedupe and outbox tables),
// so case changes commit in the same transaction as the processed-event mark
// and the outbound events.
//
// Layout (StrategyRoutingMigrations, versions from
// store::kFirstServiceMigrationVersion):
//   cases                 one row per case: the encoded arrears.strategy.v1.Case
//                         plus the columns the queries need (customer, open,
//                         agenda date, assignment, held, priority, strategy,
//                         opened_on), with a partial unique index enforcing one
//                         open case per customer and a partial index for the
//                         agenda;
//   case_promises, case_holds, case_plans, case_treatments
//                         one row per promise / hold / plan / treatment,
//                         upserted by SaveCase only when it changed;
//   business_dates, customer_profiles, field_visit_bookings,
//   strategy_versions     the rest of the service's state.
//
// Thread-safety: as SqliteDatabase (the store itself is stateless).
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_SQLITE_CASE_STORE_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_SQLITE_CASE_STORE_H_

#include <vector>

#include "common/store/migration.h"
#include "common/store/sqlite_database.h"
#include "services/strategy_routing/case_store.h"

namespace arrears::strategy {

// The service's own migrations (ServiceHost prepends the core ones).
std::vector<store::Migration> StrategyRoutingMigrations();

class SqliteCaseStore final : public CaseStore {
 public:
  // `db` must outlive the store and be migrated with
  // StrategyRoutingMigrations(). `policy` is given to every decoded case.
  SqliteCaseStore(store::SqliteDatabase* db, CasePolicy policy) : db_(db), policy_(policy) {}

  absl::StatusOr<std::optional<CaseRecord>> LoadCase(store::Transaction& txn,
                                                     absl::string_view case_id) override;
  absl::StatusOr<std::optional<CaseRecord>> LoadOpenCase(store::Transaction& txn,
                                                         absl::string_view customer_id) override;
  absl::StatusOr<std::optional<CaseRecord>> LoadLatestCase(store::Transaction& txn,
                                                           absl::string_view customer_id) override;
  absl::Status SaveCase(store::Transaction& txn, const CaseRecord& record) override;
  absl::StatusOr<std::vector<std::string>> DueCases(store::Transaction& txn,
                                                    absl::string_view time_zone, absl::CivilDay day,
                                                    int limit) override;
  absl::StatusOr<CasePage> ListCases(store::Transaction& txn, const CaseQuery& query) override;
  absl::Status ScanCases(store::Transaction& txn, const CaseScan& scan,
                         absl::FunctionRef<absl::Status(const v1::Case&)> visit) override;
  absl::StatusOr<std::optional<absl::CivilDay>> LoadBusinessDate(
      store::Transaction& txn, absl::string_view time_zone) override;
  absl::Status SaveBusinessDate(store::Transaction& txn, absl::string_view time_zone,
                                absl::CivilDay day) override;
  absl::StatusOr<std::vector<std::pair<std::string, absl::CivilDay>>> LoadBusinessDates(
      store::Transaction& txn) override;
  absl::StatusOr<std::optional<CustomerProfile>> LoadProfile(
      store::Transaction& txn, absl::string_view customer_id) override;
  absl::Status SaveProfile(store::Transaction& txn, const CustomerProfile& profile) override;
  absl::StatusOr<int> VisitsBooked(store::Transaction& txn, absl::string_view staff_id,
                                   absl::CivilDay day) override;
  absl::Status AddVisitBooking(store::Transaction& txn, absl::string_view staff_id,
                               absl::CivilDay day) override;
  absl::StatusOr<std::vector<StoredStrategy>> LoadStrategies(store::Transaction& txn) override;
  absl::StatusOr<std::optional<StoredStrategy>> LoadStrategy(store::Transaction& txn,
                                                             absl::string_view strategy_id,
                                                             int64_t version) override;
  absl::Status SaveStrategy(store::Transaction& txn, const StoredStrategy& strategy) override;

 private:
  // Runs `statement` (with its bindings) and decodes the first row's body
  // column 0, if any.
  absl::StatusOr<std::optional<CaseRecord>> DecodeFirst(store::SqliteStatement& statement);
  // The first case `sql` selects with ?1 bound to `key`, if any.
  absl::StatusOr<std::optional<CaseRecord>> LoadOne(store::Transaction& txn, absl::string_view sql,
                                                    absl::string_view key);
  absl::Status SaveProjections(store::SqliteTransaction& txn, const CaseRecord& record);

  store::SqliteDatabase* const db_;
  const CasePolicy policy_;
};

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_SQLITE_CASE_STORE_H_
