// InMemoryCaseStore: the CaseStore fake for unit tests and in-process
// simulations. Cases are held encoded (serialized arrears.strategy.v1.Case),
// as the SQLite store holds them, so every test through the fake exercises
// the codec too. Transactions are accepted and ignored: a caller that needs
// rollback takes a Snapshot() before its unit of work and Restore()s it on
// failure (testing/fake_unit_of_work.h does).
//
// Thread-safe (one mutex).
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_IN_MEMORY_CASE_STORE_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_IN_MEMORY_CASE_STORE_H_

#include <map>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/strategy_routing/case_store.h"

namespace arrears::strategy {

class InMemoryCaseStore final : public CaseStore {
 public:
  explicit InMemoryCaseStore(CasePolicy policy = {}) : policy_(policy) {}

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

  // Everything the store holds, for rollback in tests.
  struct Data {
    std::map<std::string, std::string> cases;  // case id -> encoded Case
    std::map<std::string, absl::CivilDay> business_dates;
    std::map<std::string, CustomerProfile> profiles;
    std::map<std::pair<std::string, absl::CivilDay>, int> bookings;
    std::map<std::pair<std::string, int64_t>, StoredStrategy> strategies;
  };
  Data Snapshot() const;
  void Restore(Data data);

 private:
  absl::StatusOr<std::optional<CaseRecord>> Decode(const std::string& encoded) const;
  std::vector<v1::Case> CasesLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const CasePolicy policy_;
  mutable absl::Mutex mu_;
  Data data_ ABSL_GUARDED_BY(mu_);
};

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_IN_MEMORY_CASE_STORE_H_
