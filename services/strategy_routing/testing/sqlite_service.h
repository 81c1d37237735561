// SqliteService: the service's consumer path in process, without Kafka: a
// SQLite database file with the core and strategy migrations, the store,
// the case manager and the exactly-once processor around the event applier,
// exactly as ServiceHost wires them. Destroying it and opening the same file
// again is a process restart: only what committed survives.
//
// Drain() plays the outbox relay: it fetches committed, unpublished records
// in order and marks them published.
//
// Not thread-safe (one test thread).
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_SQLITE_SERVICE_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_SQLITE_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "common/store/exactly_once_processor.h"
#include "common/store/sqlite_database.h"
#include "common/store/sqlite_outbox.h"
#include "common/store/sqlite_processed_events.h"
#include "services/strategy_routing/case_manager.h"
#include "services/strategy_routing/sqlite_case_store.h"
#include "services/strategy_routing/strategy_event_applier.h"

namespace arrears::strategy::testing {

class SqliteService {
 public:
  static absl::StatusOr<std::unique_ptr<SqliteService>> Open(const std::string& path,
                                                             CaseManagerOptions options = {});

  // As the consumer loop would: one ExactlyOnceProcessor batch.
  std::vector<absl::Status> HandleBatch(absl::Span<const events::InboundEvent> batch);
  // Publishes (appends to `out`) and marks every committed outbox record.
  absl::Status Drain(std::vector<events::Event>* out);

  store::SqliteDatabase& database() { return *db_; }
  CaseManager& manager() { return *manager_; }

 private:
  SqliteService() = default;

  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<store::SqliteProcessedEvents> processed_;
  std::unique_ptr<store::SqliteOutbox> outbox_;
  std::unique_ptr<SqliteCaseStore> store_;
  std::unique_ptr<Scorecard> scorecard_;
  std::unique_ptr<FieldRoster> roster_;
  std::unique_ptr<StrategyBook> book_;
  std::unique_ptr<CaseManager> manager_;
  std::unique_ptr<StrategyEventApplier> applier_;
  std::unique_ptr<store::ExactlyOnceProcessor> processor_;
};

}  // namespace arrears::strategy::testing

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_TESTING_SQLITE_SERVICE_H_
