// StrategyAssembly: the strategy routing service wired into a Host — the
// strategy file registered as a stored version, the case store, the case
// manager, the consumer of delinquency, contact and customer events, the
// StrategyService gRPC API and the agenda worker. main.cc builds one from
// flags on a ServiceHost; the simulator's reference run builds one on its
// in-process host, so both run exactly these parts.
//
// Lifecycle: Create (registers the consumer and the API; before the host
// starts) → StartBackground (agenda worker) → ... → StopBackground (after the
// host drained: a unit the worker commits after the relay stopped stays in
// the outbox and goes out at the next start). Thread-safety: lifecycle calls
// from one thread; the parts are thread-safe.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_ASSEMBLY_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_ASSEMBLY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/service/host.h"
#include "common/time/clock.h"
#include "services/strategy_routing/agenda_worker.h"
#include "services/strategy_routing/case_manager.h"
#include "services/strategy_routing/field_roster.h"
#include "services/strategy_routing/risk_score.h"
#include "services/strategy_routing/sqlite_case_store.h"
#include "services/strategy_routing/strategy_book.h"
#include "services/strategy_routing/strategy_event_applier.h"
#include "services/strategy_routing/strategy_grpc_service.h"
#include "services/strategy_routing/unit_of_work.h"

namespace arrears::strategy {

struct StrategyAssemblyOptions {
  std::string strategy_file;
  std::string scorecard_file;
  std::string field_roster_file;
  std::vector<std::string> agencies = {"agency-default"};
  int agency_placement_days = 90;
  std::string legal_firm = "legal-department";
  int promise_grace_days = 3;
  int inline_agenda_limit = 500;
  // Decisions on business date D wait until local D 00:00 + settle_after
  // (CaseManagerOptions::settle_after); negative = decide on arrival.
  absl::Duration settle_after = absl::Hours(6);
  int agenda_batch = 500;
  absl::Duration agenda_interval = absl::Seconds(1);
};

class StrategyAssembly final : public service::Assembly {
 public:
  // `host` and `clock` must outlive the assembly. Errors name the option (as
  // its flag) at fault.
  static absl::StatusOr<std::unique_ptr<StrategyAssembly>> Create(service::Host& host,
                                                                  const Clock* clock,
                                                                  StrategyAssemblyOptions options);
  ~StrategyAssembly() override;

  void StartBackground() override;
  void StopBackground() override;
  // Cases due on a settled date and not yet decided (AgendaWorker::Pending).
  absl::StatusOr<int64_t> PendingBackgroundWork() override;

 private:
  StrategyAssembly() = default;

  std::unique_ptr<Scorecard> scorecard_;
  std::unique_ptr<FieldRoster> roster_;
  std::unique_ptr<SqliteCaseStore> case_store_;
  std::unique_ptr<StrategyBook> book_;
  std::unique_ptr<CaseManager> manager_;
  std::unique_ptr<StrategyEventApplier> applier_;
  std::unique_ptr<UnitOfWork> unit_of_work_;
  std::unique_ptr<StrategyGrpcService> grpc_service_;
  std::unique_ptr<AgendaWorker> agenda_;
};

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_ASSEMBLY_H_
