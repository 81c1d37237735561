// compliance_auditing: the compliance auditing service process. Flags to
// ComplianceAssemblyOptions and a ServiceHost; ComplianceAssembly
// (service/compliance_assembly.h) wires the app, its consumer, gRPC API and
// periodic jobs.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/runtime/config.h"
#include "common/runtime/logging.h"
#include "common/runtime/process_clock.h"
#include "common/runtime/shutdown.h"
#include "common/service/service_host.h"
#include "common/store/sqlite_core_schema.h"
#include "common/store/sqlite_database.h"
#include "services/compliance_auditing/service/compliance_assembly.h"

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
ABSL_FLAG(int, limitation_years, 0,
          "Overrides every pack's limitation period (years after the oldest overdue due date "
          "a debt counts as time-barred); 0 = each pack's own (limitation in the pack file), "
          "3 years for a pack that sets none.");
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
ABSL_FLAG(bool, sync_every_commit, false,
          "Fsync the service database (audit log, outbox, history) at every commit "
          "(SQLite synchronous=FULL): a recorded decision then survives a power loss, not "
          "only a crash of the process; each group commit waits for the disk.");
ABSL_FLAG(int, history_readers, 2, "Read connections for CheckContact's history snapshots.");
ABSL_FLAG(bool, history_cache, true,
          "Cache each customer's history snapshot in memory (invalidated by every write of this "
          "process); turn off when another process writes the same database file.");

namespace {

std::string InDir(const std::string& dir, const std::string& file) {
  return !file.empty() && file[0] == '/' ? file : absl::StrCat(dir, "/", file);
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
  // Debian's Abseil keeps Mutex deadlock detection on (a lock graph updated
  // on every lock of the hot path); tests still run with it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
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
      *config, compliance::service::ComplianceMigrations(), clock->get(),
      compliance::service::ComplianceDatabaseOptions(absl::GetFlag(FLAGS_sync_every_commit)
                                                         ? store::SqliteSynchronous::kFull
                                                         : store::SqliteSynchronous::kNormal));
  if (!host.ok()) return fail("startup failed", host.status());

  const std::string policy_dir = absl::GetFlag(FLAGS_policy_dir);
  compliance::service::ComplianceAssemblyOptions assembly_options;
  compliance::service::ComplianceAppOptions& options = assembly_options.app;
  for (const std::string& pack : absl::GetFlag(FLAGS_policy_packs)) {
    options.pack_paths.push_back(InDir(policy_dir, pack));
  }
  options.screening_rules_path = InDir(policy_dir, absl::GetFlag(FLAGS_screening_rules));
  options.history.lender_jurisdictions = absl::GetFlag(FLAGS_lender_jurisdictions);
  options.engine.limitation_years_override = absl::GetFlag(FLAGS_limitation_years);
  options.audit.log_id = absl::GetFlag(FLAGS_audit_log_id);
  // Empty key paths default under the data directory (ComplianceAssembly).
  options.audit.signing_key_path = absl::GetFlag(FLAGS_audit_signing_key_file);
  options.audit.master_key_path = absl::GetFlag(FLAGS_audit_master_key_file);
  options.audit.key_database_path = absl::GetFlag(FLAGS_audit_key_database);
  options.core.allow_reveal_personal_data = absl::GetFlag(FLAGS_allow_reveal_personal_data);
  options.history_readers = absl::GetFlag(FLAGS_history_readers);
  options.history.cache_snapshots = absl::GetFlag(FLAGS_history_cache);
  assembly_options.checkpoint_interval = absl::GetFlag(FLAGS_checkpoint_interval);
  assembly_options.retention_interval = absl::GetFlag(FLAGS_retention_interval);

  absl::StatusOr<std::unique_ptr<compliance::service::ComplianceAssembly>> assembly =
      compliance::service::ComplianceAssembly::Create(**host, clock->get(),
                                                      std::move(assembly_options));
  if (!assembly.ok()) return fail("startup failed", assembly.status());
  absl::Status status = (*host)->Run(**signal, **assembly);
  if (!status.ok()) return fail("exiting with error", status);
  return 0;
}
