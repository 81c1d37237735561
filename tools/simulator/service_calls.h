// The driver's service seams over gRPC, and the report's questions to the
// services. Every call has a deadline; errors come back as absl::Status with
// the RPC named ("CloseBusinessDay: ..."), and a service that is absent
// answers Unavailable naming it, so the report can say n/a and why.
// Thread-safe (gRPC stubs are).
#ifndef ARREARS_TOOLS_SIMULATOR_SERVICE_CALLS_H_
#define ARREARS_TOOLS_SIMULATOR_SERVICE_CALLS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "tools/simulator/pipeline.h"
#include "tools/simulator/report.h"
#include "tools/simulator/service_clients.h"

namespace arrears::simulator {

class GrpcDayCloser final : public BusinessDayCloser {
 public:
  GrpcDayCloser(const ServiceClients* clients, absl::Duration deadline)
      : clients_(clients), deadline_(deadline) {}
  absl::StatusOr<CloseDayResult> CloseBusinessDay(absl::CivilDay day) override;

 private:
  const ServiceClients* clients_;
  const absl::Duration deadline_;
};

class GrpcActionExecutor final : public ActionExecutor {
 public:
  GrpcActionExecutor(const ServiceClients* clients, absl::Duration deadline)
      : clients_(clients), deadline_(deadline) {}
  absl::Status Execute(const ServiceAction& action) override;

 private:
  const ServiceClients* clients_;
  const absl::Duration deadline_;
};

class ServiceFigures {
 public:
  ServiceFigures(const ServiceClients* clients, absl::Duration deadline)
      : clients_(clients), deadline_(deadline) {}

  // GetOverdueReport(as_of): by bucket, and the roll rates against the
  // previous month end.
  absl::StatusOr<std::pair<std::map<std::string, BucketFigures>, RollRateTable>> OverdueReport(
      absl::CivilDay as_of) const;

  // GetStrategyReport for each strategy over [start, end].
  absl::StatusOr<std::vector<VariantRow>> Variants(const std::vector<std::string>& strategy_ids,
                                                   absl::CivilDay start, absl::CivilDay end) const;

  // VerifyLog over the whole log, the latest checkpoint's size, and the
  // decisions in the log by verdict.
  absl::StatusOr<AuditFigures> Audit() const;

 private:
  // QueryAudit over every decision entry, counted by verdict.
  absl::StatusOr<std::map<std::string, int64_t>> AuditedDecisions() const;

  const ServiceClients* clients_;
  const absl::Duration deadline_;
};

}  // namespace arrears::simulator

#endif  // ARREARS_TOOLS_SIMULATOR_SERVICE_CALLS_H_
