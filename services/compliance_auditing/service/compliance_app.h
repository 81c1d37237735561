// ComplianceApp: the compliance auditing service's parts, assembled — policy
// engine (packs from files), contact history (with its own reader
// connections), audit log (keys and signing key from files), the event
// applier, the core and its gRPC adapter — on the service database a
// ServiceHost (or a test) provides.
//
// main.cc does only: flags → ComplianceAppOptions, ServiceHost, Create, bind
// the applier and the gRPC service, run. Tests build the same app on a temp
// directory, without Kafka. Metrics (when a registry is given): audit log
// size, overdue complaints, decisions by verdict, commit queue.
//
// Thread-safe after Create; the database, runner and clock must outlive it.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_COMPLIANCE_APP_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_COMPLIANCE_APP_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/ids/id_generator.h"
#include "common/runtime/metrics.h"
#include "common/store/sqlite_database.h"
#include "common/time/clock.h"
#include "services/compliance_auditing/history/sqlite_contact_history.h"
#include "services/compliance_auditing/policy/policy_engine.h"
#include "services/compliance_auditing/service/compliance_core.h"
#include "services/compliance_auditing/service/decision_feed.h"
#include "services/compliance_auditing/service/event_applier.h"
#include "services/compliance_auditing/service/grievances.h"
#include "services/compliance_auditing/service/grpc_service.h"
#include "services/compliance_auditing/service/pack_terms.h"
#include "services/compliance_auditing/service/request_records.h"
#include "services/compliance_auditing/service/service_audit.h"

namespace arrears::compliance::service {

struct ComplianceAppOptions {
  // Policy pack files and the screening-rule file.
  std::vector<std::string> pack_paths;
  std::string screening_rules_path;
  history::HistoryOptions history;
  // The time-bar's limitation period override (packs decide by default).
  policy::PolicyEngineOptions engine;
  ServiceAuditOptions audit;
  ComplianceCoreOptions core;
  // Extra read connections for CheckContact's history snapshots.
  int history_readers = 2;
};

class ComplianceApp {
 public:
  // `db` is the service database, migrated with ComplianceMigrations();
  // `run` runs a body in one of its transactions with an outbox.
  // `metrics` may be null.
  static absl::StatusOr<std::unique_ptr<ComplianceApp>> Create(store::SqliteDatabase* db,
                                                               TransactionRunnerWithOutbox run,
                                                               const Clock* clock,
                                                               const ComplianceAppOptions& options,
                                                               runtime::MetricsRegistry* metrics);

  ComplianceCore& core() { return *core_; }
  ComplianceEventApplier& applier() { return *applier_; }
  ComplianceGrpcService& grpc_service() { return *grpc_; }
  ServiceAudit& audit() { return *audit_; }
  // The decisions topic's events, for the host's relay (AddEventFeed).
  DecisionFeed& decision_feed() { return *decision_feed_; }
  history::SqliteContactHistory& history() { return *history_; }
  const policy::PolicyEngine& engine() const { return *engine_; }

 private:
  ComplianceApp() = default;
  absl::Status RegisterMetrics(runtime::MetricsRegistry& metrics);

  std::vector<std::unique_ptr<store::SqliteDatabase>> readers_;
  std::unique_ptr<policy::PolicyEngine> engine_;
  std::unique_ptr<PackTerms> terms_;
  std::unique_ptr<history::SqliteContactHistory> history_;
  std::unique_ptr<ServiceAudit> audit_;
  std::unique_ptr<RequestRecords> requests_;
  std::unique_ptr<Grievances> grievances_;
  std::unique_ptr<ids::IdGenerator> ids_;
  std::unique_ptr<ComplianceEventApplier> applier_;
  std::unique_ptr<ComplianceCore> core_;
  std::unique_ptr<ComplianceGrpcService> grpc_;
  std::unique_ptr<DecisionFeed> decision_feed_;
  std::vector<std::unique_ptr<runtime::CollectorRegistration>> collectors_;
};

}  // namespace arrears::compliance::service

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_COMPLIANCE_APP_H_
