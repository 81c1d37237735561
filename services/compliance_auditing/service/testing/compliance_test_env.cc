#include "services/compliance_auditing/service/testing/compliance_test_env.h"

#include <initializer_list>
#include <utility>

#include "common/status/status_macros.h"
#include "common/store/outbox_writer.h"
#include "common/store/sqlite_core_schema.h"

namespace arrears::compliance::service::testing {

std::vector<std::string> ShippedPackPaths() {
  return {std::string(POLICY_PACKS_DIR) + "/cn-default.yaml",
          std::string(POLICY_PACKS_DIR) + "/us-regf-default.yaml"};
}

std::string ShippedScreeningRulesPath() {
  return std::string(POLICY_PACKS_DIR) + "/screening-rules.yaml";
}

absl::StatusOr<std::unique_ptr<ComplianceTestEnv>> ComplianceTestEnv::Create(
    absl::Time start, std::vector<std::string> lender_jurisdictions, bool allow_reveal) {
  ARREARS_ASSIGN_OR_RETURN(store::TempDir dir, store::TempDir::Create());
  std::unique_ptr<ComplianceTestEnv> env(
      new ComplianceTestEnv(std::move(dir), start, std::move(lender_jurisdictions), allow_reveal));
  ARREARS_RETURN_IF_ERROR(env->Open());
  return env;
}

TransactionRunnerWithOutbox ComplianceTestEnv::runner() {
  return [this](absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) {
    return db_->InTransaction([&](store::Transaction& txn) {
      store::TransactionalOutboxWriter writer(*outbox_, txn);
      return body(txn, writer);
    });
  };
}

absl::Status ComplianceTestEnv::Open() {
  store::SqliteOptions options;
  options.path = dir_.File("compliance-auditing.db");
  ARREARS_ASSIGN_OR_RETURN(db_, store::SqliteDatabase::Create(options));
  std::vector<store::Migration> migrations = store::CoreMigrations();
  for (store::Migration& m : ComplianceMigrations()) migrations.push_back(std::move(m));
  ARREARS_RETURN_IF_ERROR(db_->Migrate(migrations));
  outbox_ = std::make_unique<store::SqliteOutbox>(db_.get());
  ComplianceAppOptions app;
  app.pack_paths = ShippedPackPaths();
  app.screening_rules_path = ShippedScreeningRulesPath();
  app.history.lender_jurisdictions = lender_;
  app.audit.key_database_path = dir_.File("compliance-auditing-keys.db");
  app.audit.master_key_path = dir_.File("audit-master.key");
  app.audit.signing_key_path = dir_.File("audit-signing-key.pem");
  app.core.allow_reveal_personal_data = allow_reveal_;
  app.history_readers = 1;
  ARREARS_ASSIGN_OR_RETURN(app_, ComplianceApp::Create(db_.get(), runner(), &clock_, app,
                                                       /*metrics=*/nullptr));
  return absl::OkStatus();
}

absl::Status ComplianceTestEnv::Reopen() {
  app_.reset();
  outbox_.reset();
  db_.reset();
  return Open();
}

absl::Status ComplianceTestEnv::Consume(absl::string_view topic, absl::string_view key,
                                        const google::protobuf::MessageLite& payload,
                                        absl::string_view event_id) {
  events::InboundEvent inbound;
  inbound.event.topic = std::string(topic);
  inbound.event.key = std::string(key);
  inbound.event.envelope.id = std::string(event_id);
  inbound.event.envelope.type = payload.GetTypeName();
  inbound.event.envelope.source = "//test";
  inbound.event.envelope.time = clock_.Now();
  inbound.event.payload = payload.SerializeAsString();
  return runner()([&](store::Transaction& txn, store::OutboxWriter& outbox) {
    return app_->applier().Apply(inbound, txn, outbox);
  });
}

std::vector<events::Event> ComplianceTestEnv::Outbox(absl::string_view topic) {
  std::vector<events::Event> events;
  for (store::OutboxSource* source :
       std::initializer_list<store::OutboxSource*>{outbox_.get(), &app_->decision_feed()}) {
    absl::StatusOr<std::vector<store::OutboxRecord>> records = source->FetchUnpublished(100000);
    if (!records.ok()) continue;
    for (store::OutboxRecord& record : *records) {
      if (topic.empty() || record.event.topic == topic) events.push_back(std::move(record.event));
    }
  }
  return events;
}

}  // namespace arrears::compliance::service::testing
