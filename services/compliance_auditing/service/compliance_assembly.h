// ComplianceAssembly: the compliance auditing service wired into a Host —
// the ComplianceApp (policy engine, contact history, audit log) on the
// host's store, its consumer of contact, customer, delinquency and case
// events, the ComplianceService gRPC API, and the periodic checkpoint and
// retention jobs. main.cc builds one from flags on a ServiceHost; the
// simulator's reference run builds one on its in-process host, so both run
// exactly these parts.
//
// Lifecycle: Create (registers the consumer and the API; before the host
// starts) → StartBackground (periodic jobs) → ... → StopBackground.
// Thread-safety: lifecycle calls from one thread; the parts are thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_COMPLIANCE_ASSEMBLY_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_COMPLIANCE_ASSEMBLY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/service/host.h"
#include "common/time/clock.h"
#include "services/compliance_auditing/service/compliance_app.h"
#include "services/compliance_auditing/service/periodic_jobs.h"

namespace arrears::compliance::service {

struct ComplianceAssemblyOptions {
  // Empty audit key paths default under the host's data directory:
  // audit-signing-key.pem, audit-master.key, <service_name>-keys.db.
  ComplianceAppOptions app;
  absl::Duration checkpoint_interval = absl::Minutes(1);
  absl::Duration retention_interval = absl::Hours(1);
};

class ComplianceAssembly final : public arrears::service::Assembly {
 public:
  // `host` and `clock` must outlive the assembly.
  static absl::StatusOr<std::unique_ptr<ComplianceAssembly>> Create(
      arrears::service::Host& host, const Clock* clock, ComplianceAssemblyOptions options);
  ~ComplianceAssembly() override;

  void StartBackground() override;
  void StopBackground() override;

  ComplianceApp& app() { return *app_; }

 private:
  ComplianceAssembly() = default;

  std::unique_ptr<ComplianceApp> app_;
  std::unique_ptr<PeriodicJobs> jobs_;
};

}  // namespace arrears::compliance::service

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_SERVICE_COMPLIANCE_ASSEMBLY_H_
