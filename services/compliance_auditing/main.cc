// compliance_auditing: the compliance auditing service process. Wires parts
// only — flags, ServiceHost, the compliance app (service/compliance_app.h),
// its consumer and gRPC API, and the periodic checkpoint and retention jobs.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "arrears/compliance/v1/compliance_service.grpc.pb.h"
#include "common/runtime/config.h"
#include "common/runtime/logging.h"
#include "common/runtime/process_clock.h"
#include "common/runtime/shutdown.h"
#include "common/service/service_host.h"
#include "common/store/sqlite_core_schema.h"
#include "common/topics/topics.h"
#include "services/compliance_auditing/service/compliance_app.h"
#include "services/compliance_auditing/service/periodic_jobs.h"

ABSL_FLAG(std::string, policy_dir, COMPLIANCE_DEFAULT_POLICY_DIR,
          "Directory of the policy pack files and the screening rules.");
ABSL_FLAG(std::vector<std::string>, policy_packs,
          std::vector<std::string>({"cn-default.yaml", "us-regf-default.yaml"}),
          "Policy pack files (in --policy_dir unless absolute).");
ABSL_FLAG(std::string, screening_rules, "screening-rules.yaml",
          "Screening-rule file (in --policy_dir unless absolute).");
ABSL_FLAG(std::vector<std::string>, lender_jurisdictions, {},
          "Jurisdictions of the lender's licences (e.g. CN); their packs apply to every "
          "customer on top of the residence's.");
ABSL_FLAG(int, limitation_years, 3,
          "Years after the oldest overdue due date a debt counts as time-barred.");
ABSL_FLAG(std::string, audit_log_id, "arrears-compliance", "Log id signed into checkpoints.");
ABSL_FLAG(std::string, audit_signing_key_file, "",
          "Ed25519 PKCS#8 PEM signing key; default <data_dir>/audit-signing-key.pem, created "
          "on first start.");
ABSL_FLAG(std::string, audit_master_key_file, "",
          "Master key wrapping the per-debtor keys; default <data_dir>/audit-master.key, "
          "created on first start. Keep it apart from database backups.");
ABSL_FLAG(std::string, audit_key_database, "",
          "Debtor key database; default <data_dir>/<service_name>-keys.db.");
ABSL_FLAG(absl::Duration, checkpoint_interval, absl::Minutes(1),
          "How often a signed checkpoint is published (when the log grew).");
ABSL_FLAG(absl::Duration, retention_interval, absl::Hours(1),
          "How often keys past retention are erased.");
ABSL_FLAG(bool, allow_reveal_personal_data, false,
          "Let GetAuditEntry/ExportAudit decrypt personal data.");
ABSL_FLAG(int, history_readers, 2, "Read connections for CheckContact's history snapshots.");

namespace {

std::string InDir(const std::string& dir, const std::string& file) {
  return !file.empty() && file[0] == '/' ? file : absl::StrCat(dir, "/", file);
}

std::string OrDefault(const std::string& value, std::string fallback) {
  return value.empty() ? fallback : value;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace arrears;  // NOLINT(google-build-using-namespace): main only
  absl::StatusOr<std::unique_ptr<runtime::ShutdownSignal>> signal =
      runtime::ShutdownSignal::Create();
  if (!signal.ok()) {
    std::cerr << signal.status() << "\n";
    return 1;
  }
  runtime::ParseCommandLine(argc, argv,
                            "Compliance auditing: contact decisions, contact history and the "
                            "verifiable audit log.");
  absl::StatusOr<runtime::RuntimeConfig> config = runtime::RuntimeConfigFromFlags();
  if (!config.ok()) {
    std::cerr << config.status() << "\n";
    return 2;
  }
  runtime::ConfigureLogging({.service = config->service_name, .min_level = config->log_level});
  auto fail = [](absl::string_view what, const absl::Status& status) {
    runtime::LogError(what).With("error", status.ToString());
    return 1;
  };

  absl::StatusOr<std::unique_ptr<Clock>> clock = runtime::ProcessClock(*config);
  if (!clock.ok()) return fail("startup failed", clock.status());
  absl::StatusOr<std::unique_ptr<service::ServiceHost>> host = service::ServiceHost::Create(
      *config, compliance::service::ComplianceMigrations(), clock->get());
  if (!host.ok()) return fail("startup failed", host.status());

  const std::string policy_dir = absl::GetFlag(FLAGS_policy_dir);
  const std::string& data_dir = config->data_dir;
  compliance::service::ComplianceAppOptions options;
  for (const std::string& pack : absl::GetFlag(FLAGS_policy_packs)) {
    options.pack_paths.push_back(InDir(policy_dir, pack));
  }
  options.screening_rules_path = InDir(policy_dir, absl::GetFlag(FLAGS_screening_rules));
  options.history.lender_jurisdictions = absl::GetFlag(FLAGS_lender_jurisdictions);
  options.history.limitation_years = absl::GetFlag(FLAGS_limitation_years);
  options.audit.log_id = absl::GetFlag(FLAGS_audit_log_id);
  options.audit.signing_key_path = OrDefault(absl::GetFlag(FLAGS_audit_signing_key_file),
                                             absl::StrCat(data_dir, "/audit-signing-key.pem"));
  options.audit.master_key_path = OrDefault(absl::GetFlag(FLAGS_audit_master_key_file),
                                            absl::StrCat(data_dir, "/audit-master.key"));
  options.audit.key_database_path =
      OrDefault(absl::GetFlag(FLAGS_audit_key_database),
                absl::StrCat(data_dir, "/", config->service_name, "-keys.db"));
  options.core.allow_reveal_personal_data = absl::GetFlag(FLAGS_allow_reveal_personal_data);
  options.history_readers = absl::GetFlag(FLAGS_history_readers);

  service::ServiceHost* host_ptr = host->get();
  absl::StatusOr<std::unique_ptr<compliance::service::ComplianceApp>> app =
      compliance::service::ComplianceApp::Create(
          &host_ptr->database(),
          [host_ptr](
              absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) {
            return host_ptr->InTransaction(body);
          },
          clock->get(), options, &host_ptr->metrics());
  if (!app.ok()) return fail("startup failed", app.status());

  absl::Status status =
      host_ptr->AddConsumer({.group_id = config->service_name,
                             .topics = {topics::Spec(topics::v1::TOPIC_CONTACT_EVENTS).name(),
                                        topics::Spec(topics::v1::TOPIC_CUSTOMER_EVENTS).name(),
                                        topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name(),
                                        topics::Spec(topics::v1::TOPIC_CASE_EVENTS).name()},
                             .applier = &(*app)->applier()});
  if (!status.ok()) return fail("startup failed", status);
  host_ptr->AddGrpcService(
      runtime::GrpcServiceBinding::Of<compliance::v1::ComplianceService>(&(*app)->grpc_service()));

  compliance::service::ComplianceCore& core = (*app)->core();
  compliance::service::PeriodicJobs jobs(
      {{"publish checkpoint", absl::GetFlag(FLAGS_checkpoint_interval),
        [&core] { return core.PublishCheckpoint().status(); }},
       {"enforce retention", absl::GetFlag(FLAGS_retention_interval),
        [&core] { return core.EnforceRetention().status(); }}});
  jobs.Start();
  status = host_ptr->Run(**signal);
  jobs.Stop();
  if (!status.ok()) return fail("exiting with error", status);
  return 0;
}
