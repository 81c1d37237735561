// CaseStore: where the strategy routing service keeps its state — collection
// cases with their promises, holds, plans and treatment history, the agenda
// (each open case's next decision date), the business date per time zone,
// customer profiles, field-visit bookings, and the strategy versions.
//
// Every call runs inside a transaction the caller opened (the exactly-once
// consumer path or a gRPC handler's InTransaction), so a state change and the
// events it emits through the outbox commit together. SqliteCaseStore
// (sqlite_case_store.h) is the production implementation; InMemoryCaseStore
// (in_memory_case_store.h) the fake for unit tests, with the same contract
// (case_store_contract_test.cc runs the same tests on both).
//
// Contract:
//  - A case is stored as its arrears.strategy.v1.Case form (case_codec.h);
//    LoadCase returns exactly what the last SaveCase of that id stored.
//  - At most one open case per customer: SaveCase of an open case whose
//    customer has another open case fails with AlreadyExists.
//  - Promises, holds, plans and treatments are also kept one row each, keyed
//    by their ids, written by SaveCase (queryable history).
//  - DueCases lists open cases of a time zone whose next decision date is on
//    or before the given day, ordered by (date, case id).
//  - ListCases pages by (priority descending, case id); the page token is
//    opaque and stable across writes (keyset paging).
//  - Errors: NotFound never for lookups (optional results); InvalidArgument
//    for a bad page token; store failures as Unavailable/Internal.
//
// Thread-safety: implementations are safe for concurrent use with distinct
// transactions (the SQLite one serializes them in its database).
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_CASE_STORE_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_CASE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "arrears/strategy/v1/case.pb.h"
#include "arrears/strategy/v1/strategy_service.pb.h"
#include "common/store/transaction.h"
#include "services/strategy_routing/case_record.h"
#include "services/strategy_routing/customer_profile.h"

namespace arrears::strategy {

// A stored strategy version.
struct StoredStrategy {
  std::string strategy_id;
  int64_t version = 0;
  absl::CivilDay effective_from;
  // The file as submitted (YAML or textproto, `format`), and its lowercase
  // hex SHA-256.
  std::string source;
  v1::StrategyFormat format = v1::STRATEGY_FORMAT_YAML;
  std::string source_sha256;
  std::string author;
  absl::Time create_time = absl::UnixEpoch();

  friend bool operator==(const StoredStrategy&, const StoredStrategy&) = default;
};

// ListCases filter and page.
struct CaseQuery {
  // Empty = any.
  std::string collector_id;
  std::string team_id;
  std::string queue_id;
  std::string agency_id;
  // Open cases (default) or closed ones.
  bool closed = false;
  // Include open cases with an active hold.
  bool include_held = false;
  int page_size = 50;
  // From a previous CasePage; empty for the first page.
  std::string page_token;
};

struct CasePage {
  std::vector<v1::Case> cases;
  // Empty on the last page.
  std::string next_page_token;
};

// ScanCases filter.
struct CaseScan {
  // Empty = any strategy.
  std::string strategy_id;
  // Cases opened on these days (inclusive); unset = unbounded.
  std::optional<absl::CivilDay> opened_from;
  std::optional<absl::CivilDay> opened_to;
  bool open_only = false;
  // 0 = no limit.
  int64_t limit = 0;
};

class CaseStore {
 public:
  virtual ~CaseStore() = default;

  // Cases.
  virtual absl::StatusOr<std::optional<CaseRecord>> LoadCase(store::Transaction& txn,
                                                             absl::string_view case_id) = 0;
  virtual absl::StatusOr<std::optional<CaseRecord>> LoadOpenCase(store::Transaction& txn,
                                                                 absl::string_view customer_id) = 0;
  // The open case, else the most recently opened one.
  virtual absl::StatusOr<std::optional<CaseRecord>> LoadLatestCase(
      store::Transaction& txn, absl::string_view customer_id) = 0;
  virtual absl::Status SaveCase(store::Transaction& txn, const CaseRecord& record) = 0;
  virtual absl::StatusOr<std::vector<std::string>> DueCases(store::Transaction& txn,
                                                            absl::string_view time_zone,
                                                            absl::CivilDay day, int limit) = 0;
  virtual absl::StatusOr<CasePage> ListCases(store::Transaction& txn, const CaseQuery& query) = 0;
  // Calls `visit` per matching case in case id order; stops at its first error.
  virtual absl::Status ScanCases(store::Transaction& txn, const CaseScan& scan,
                                 absl::FunctionRef<absl::Status(const v1::Case&)> visit) = 0;

  // Business date per time zone (the latest seen on delinquency events).
  virtual absl::StatusOr<std::optional<absl::CivilDay>> LoadBusinessDate(
      store::Transaction& txn, absl::string_view time_zone) = 0;
  virtual absl::Status SaveBusinessDate(store::Transaction& txn, absl::string_view time_zone,
                                        absl::CivilDay day) = 0;
  // Every (time zone, business date), by zone.
  virtual absl::StatusOr<std::vector<std::pair<std::string, absl::CivilDay>>> LoadBusinessDates(
      store::Transaction& txn) = 0;

  // Customer profiles.
  virtual absl::StatusOr<std::optional<CustomerProfile>> LoadProfile(
      store::Transaction& txn, absl::string_view customer_id) = 0;
  virtual absl::Status SaveProfile(store::Transaction& txn, const CustomerProfile& profile) = 0;

  // Field-visit bookings: visits booked for a staff member on a day.
  virtual absl::StatusOr<int> VisitsBooked(store::Transaction& txn, absl::string_view staff_id,
                                           absl::CivilDay day) = 0;
  virtual absl::Status AddVisitBooking(store::Transaction& txn, absl::string_view staff_id,
                                       absl::CivilDay day) = 0;

  // Strategy versions. SaveStrategy: AlreadyExists when (id, version) is stored.
  virtual absl::StatusOr<std::vector<StoredStrategy>> LoadStrategies(store::Transaction& txn) = 0;
  virtual absl::StatusOr<std::optional<StoredStrategy>> LoadStrategy(store::Transaction& txn,
                                                                     absl::string_view strategy_id,
                                                                     int64_t version) = 0;
  virtual absl::Status SaveStrategy(store::Transaction& txn, const StoredStrategy& strategy) = 0;
};

// Keyset page tokens shared by the implementations: "<priority>/<case_id>".
std::string EncodeCasePageToken(int64_t priority, absl::string_view case_id);
absl::Status DecodeCasePageToken(absl::string_view token, int64_t* priority, std::string* case_id);

// Whether `c` passes `query`'s filters (not its page position).
bool CaseMatchesQuery(const v1::Case& c, const CaseQuery& query);

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_CASE_STORE_H_
