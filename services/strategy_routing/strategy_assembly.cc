#include "services/strategy_routing/strategy_assembly.h"

#include <optional>
#include <utility>

#include "common/status/status_macros.h"
#include "services/strategy_routing/strategy_loader.h"
#include "services/strategy_routing/yaml_util.h"

namespace arrears::strategy {

absl::StatusOr<std::unique_ptr<StrategyAssembly>> StrategyAssembly::Create(
    service::Host& host, const Clock* clock, StrategyAssemblyOptions options) {
  if (clock == nullptr) return absl::InvalidArgumentError("StrategyAssembly: clock is required");
  auto assembly = std::unique_ptr<StrategyAssembly>(new StrategyAssembly());
  const std::string& strategy_file = options.strategy_file;
  ARREARS_ASSIGN_OR_RETURN(std::string strategy_source, ReadConfigFile(strategy_file));
  const v1::StrategyFormat strategy_format = StrategyFormatForPath(strategy_file);
  absl::StatusOr<Strategy> strategy = LoadStrategy(strategy_source, strategy_format);
  if (!strategy.ok()) return Annotate(strategy.status(), "--strategy_file=" + strategy_file);
  ARREARS_ASSIGN_OR_RETURN(std::string scorecard_yaml, ReadConfigFile(options.scorecard_file));
  absl::StatusOr<std::unique_ptr<Scorecard>> scorecard = Scorecard::Create(scorecard_yaml);
  if (!scorecard.ok()) return Annotate(scorecard.status(), "--scorecard_file");
  assembly->scorecard_ = *std::move(scorecard);
  absl::StatusOr<std::unique_ptr<FieldRoster>> roster =
      FieldRoster::CreateFromFile(options.field_roster_file);
  if (!roster.ok()) return Annotate(roster.status(), "--field_roster_file");
  assembly->roster_ = *std::move(roster);

  const CasePolicy policy{.promise_grace_days = options.promise_grace_days};
  assembly->case_store_ = std::make_unique<SqliteCaseStore>(&host.database(), policy);

  // The file's version joins the stored ones (the store is the record of
  // what ran); a changed file under an old version number is refused.
  std::vector<StoredStrategy> stored;
  const StoredStrategy from_file = MakeStoredStrategy(*strategy, strategy_source, "strategy-file",
                                                      clock->Now(), strategy_format);
  SqliteCaseStore& case_store = *assembly->case_store_;
  ARREARS_RETURN_IF_ERROR(Annotate(
      host.InTransaction([&](store::Transaction& txn, store::OutboxWriter&) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(stored, RegisterStrategyFile(case_store, txn, from_file));
        return absl::OkStatus();
      }),
      "--strategy_file=" + strategy_file));
  const std::vector<int> boundaries = assembly->scorecard_->DpdBoundaries();
  ARREARS_ASSIGN_OR_RETURN(assembly->book_, StrategyBook::Create(strategy->id, stored, boundaries));

  assembly->manager_ =
      std::make_unique<CaseManager>(assembly->case_store_.get(), assembly->book_.get(),
                                    assembly->scorecard_.get(), assembly->roster_.get(),
                                    CaseManagerOptions{
                                        .policy = policy,
                                        .agencies = options.agencies,
                                        .agency_placement_days = options.agency_placement_days,
                                        .legal_firm_id = options.legal_firm,
                                        .inline_agenda_limit = options.inline_agenda_limit,
                                        .settle_after = options.settle_after < absl::ZeroDuration()
                                                            ? std::nullopt
                                                            : std::optional(options.settle_after),
                                        .clock = clock,
                                    });
  assembly->applier_ = std::make_unique<StrategyEventApplier>(assembly->manager_.get());
  ARREARS_RETURN_IF_ERROR(host.AddConsumer({.group_id = "strategy-routing",
                                            .topics = StrategyEventApplier::Topics(),
                                            .applier = assembly->applier_.get()}));
  assembly->unit_of_work_ = std::make_unique<HostUnitOfWork<service::Host>>(&host);
  assembly->grpc_service_ =
      std::make_unique<StrategyGrpcService>(assembly->manager_.get(), assembly->book_.get(),
                                            assembly->unit_of_work_.get(), clock, boundaries);
  host.AddGrpcService(
      runtime::GrpcServiceBinding::Of<v1::StrategyService>(assembly->grpc_service_.get()));
  assembly->agenda_ =
      std::make_unique<AgendaWorker>(assembly->manager_.get(), assembly->unit_of_work_.get(),
                                     options.agenda_interval, options.agenda_batch);
  return assembly;
}

StrategyAssembly::~StrategyAssembly() { StopBackground(); }

void StrategyAssembly::StartBackground() { agenda_->Start(); }

void StrategyAssembly::StopBackground() { agenda_->Stop(); }

absl::StatusOr<int64_t> StrategyAssembly::PendingBackgroundWork() { return agenda_->Pending(); }

}  // namespace arrears::strategy
