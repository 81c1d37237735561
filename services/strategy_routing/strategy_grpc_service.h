// StrategyGrpcService: arrears.strategy.v1.StrategyService over gRPC, a thin
// adapter: it validates requests (INVALID_ARGUMENT naming the field, e.g.
// "name: expected cases/{case_id}"), turns them into CaseManager commands and
// queries run in one UnitOfWork each (state change and events commit
// together), and converts statuses with runtime::ToGrpcStatus.
//
// Resource names: "cases/{case_id}", "customers/{customer_id}/case",
// "cases/{case_id}/plans/{plan_id}", "strategies/{strategy_id}" (the version
// effective today, UTC) and "strategies/{strategy_id}/versions/{version}".
//
// PutStrategy: YAML only (STRATEGY_FORMAT_TEXTPROTO comes back as a
// validation error on `format`); problems come back in the response with
// line, column and field; a new version must be above the stored ones of its
// id; the same id, version and source again is a no-op that returns it, a
// different source for a stored version is ALREADY_EXISTS. A stored version
// joins the running StrategyBook after its transaction commits.
//
// SimulateStrategy has no side effects: it decides copies of the given (or
// the current open) cases with an engine holding only the simulated
// strategy, books nothing and emits nothing. A case on another strategy or
// version is simulated as if it entered the simulated one on the simulation
// day.
//
// Thread-safety: gRPC calls handlers concurrently; everything they share is
// thread-safe.
#ifndef ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_GRPC_SERVICE_H_
#define ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_GRPC_SERVICE_H_

#include <vector>

#include "arrears/strategy/v1/strategy_service.grpc.pb.h"
#include "common/ids/id_generator.h"
#include "common/time/clock.h"
#include "services/strategy_routing/case_manager.h"
#include "services/strategy_routing/strategy_book.h"
#include "services/strategy_routing/unit_of_work.h"

namespace arrears::strategy {

class StrategyGrpcService final : public v1::StrategyService::Service {
 public:
  // Pointers are not owned and must outlive the service.
  // `extra_dpd_boundaries` as given to the book (for simulation engines).
  StrategyGrpcService(CaseManager* manager, StrategyBook* book, UnitOfWork* unit_of_work,
                      const Clock* clock, std::vector<int> extra_dpd_boundaries = {});

  grpc::Status GetCase(grpc::ServerContext*, const v1::GetCaseRequest*, v1::Case*) override;
  grpc::Status ListCases(grpc::ServerContext*, const v1::ListCasesRequest*,
                         v1::ListCasesResponse*) override;
  grpc::Status AssignCase(grpc::ServerContext*, const v1::AssignCaseRequest*, v1::Case*) override;
  grpc::Status RecordPromise(grpc::ServerContext*, const v1::RecordPromiseRequest*,
                             v1::Promise*) override;
  grpc::Status PlaceHold(grpc::ServerContext*, const v1::PlaceHoldRequest*, v1::Hold*) override;
  grpc::Status LiftHold(grpc::ServerContext*, const v1::LiftHoldRequest*, v1::Hold*) override;
  grpc::Status ProposePlan(grpc::ServerContext*, const v1::ProposePlanRequest*,
                           v1::RepaymentPlan*) override;
  grpc::Status AcceptPlan(grpc::ServerContext*, const v1::AcceptPlanRequest*,
                          v1::RepaymentPlan*) override;
  grpc::Status PutStrategy(grpc::ServerContext*, const v1::PutStrategyRequest*,
                           v1::PutStrategyResponse*) override;
  grpc::Status GetStrategy(grpc::ServerContext*, const v1::GetStrategyRequest*,
                           v1::Strategy*) override;
  grpc::Status SimulateStrategy(grpc::ServerContext*, const v1::SimulateStrategyRequest*,
                                v1::SimulateStrategyResponse*) override;
  grpc::Status GetStrategyReport(grpc::ServerContext*, const v1::GetStrategyReportRequest*,
                                 v1::StrategyReport*) override;

 private:
  // A cause for an API call: "api:<method>:<key or fresh id>", now.
  Cause ApiCause(absl::string_view method, absl::string_view key);

  CaseManager* const manager_;
  StrategyBook* const book_;
  UnitOfWork* const unit_of_work_;
  const Clock* const clock_;
  const std::vector<int> extra_dpd_boundaries_;
  ids::UuidV7Generator ids_;
};

}  // namespace arrears::strategy

#endif  // ARREARS_SERVICES_STRATEGY_ROUTING_STRATEGY_GRPC_SERVICE_H_
