#include "services/strategy_routing/testing/sqlite_service.h"

#include "common/status/status_macros.h"
#include "common/store/sqlite_core_schema.h"
#include "services/strategy_routing/strategy_loader.h"
#include "services/strategy_routing/testing/testbed.h"
#include "services/strategy_routing/yaml_util.h"

namespace arrears::strategy::testing {

absl::StatusOr<std::unique_ptr<SqliteService>> SqliteService::Open(const std::string& path,
                                                                   CaseManagerOptions options) {
  static const SystemClock clock;
  std::unique_ptr<SqliteService> s(new SqliteService());
  ARREARS_ASSIGN_OR_RETURN(s->db_, store::SqliteDatabase::Create({.path = path}));
  std::vector<store::Migration> migrations = store::CoreMigrations();
  for (store::Migration& m : StrategyRoutingMigrations()) migrations.push_back(std::move(m));
  ARREARS_RETURN_IF_ERROR(s->db_->Migrate(migrations));
  s->processed_ = std::make_unique<store::SqliteProcessedEvents>(s->db_.get());
  s->outbox_ = std::make_unique<store::SqliteOutbox>(s->db_.get());
  s->store_ = std::make_unique<SqliteCaseStore>(s->db_.get(), options.policy);

  ARREARS_ASSIGN_OR_RETURN(std::string source, ReadConfigFile(DefaultStrategyFile()));
  ARREARS_ASSIGN_OR_RETURN(Strategy strategy, LoadStrategy(source));
  ARREARS_ASSIGN_OR_RETURN(std::string scorecard_yaml, ReadConfigFile(DefaultScorecardFile()));
  ARREARS_ASSIGN_OR_RETURN(s->scorecard_, Scorecard::Create(scorecard_yaml));
  ARREARS_ASSIGN_OR_RETURN(s->roster_, FieldRoster::CreateFromFile(DefaultRosterFile()));
  // The same creation time as the testbed's, so stored rows are identical.
  const StoredStrategy from_file =
      MakeStoredStrategy(strategy, source, "testbed", absl::FromUnixSeconds(1'767'225'600));
  std::vector<StoredStrategy> stored;
  ARREARS_RETURN_IF_ERROR(s->db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(stored, RegisterStrategyFile(*s->store_, txn, from_file));
    return absl::OkStatus();
  }));
  ARREARS_ASSIGN_OR_RETURN(
      s->book_, StrategyBook::Create(strategy.id, stored, s->scorecard_->DpdBoundaries()));
  s->manager_ = std::make_unique<CaseManager>(s->store_.get(), s->book_.get(), s->scorecard_.get(),
                                              s->roster_.get(), options);
  s->applier_ = std::make_unique<StrategyEventApplier>(s->manager_.get());
  ARREARS_ASSIGN_OR_RETURN(
      s->processor_, store::ExactlyOnceProcessor::Create(s->db_.get(), s->processed_.get(),
                                                         s->outbox_.get(), s->applier_.get(),
                                                         &clock, {.consumer = "strategy-routing"}));
  return s;
}

std::vector<absl::Status> SqliteService::HandleBatch(absl::Span<const events::InboundEvent> batch) {
  return processor_->HandleBatch(batch);
}

absl::Status SqliteService::Drain(std::vector<events::Event>* out) {
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(std::vector<store::OutboxRecord> records,
                             outbox_->FetchUnpublished(500));
    if (records.empty()) return absl::OkStatus();
    std::vector<store::OutboxRecordId> ids;
    for (store::OutboxRecord& record : records) {
      ids.push_back({record.sequence, record.event.envelope.id});
      out->push_back(std::move(record.event));
    }
    ARREARS_RETURN_IF_ERROR(outbox_->MarkPublished(ids));
  }
}

}  // namespace arrears::strategy::testing
