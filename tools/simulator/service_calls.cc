#include "tools/simulator/service_calls.h"

#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/grpc_status.h"
#include "common/status/status_macros.h"
#include "grpcpp/client_context.h"
#include "tools/simulator/report_figures.h"

namespace arrears::simulator {
namespace {

void SetDeadline(grpc::ClientContext& context, absl::Duration deadline) {
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
}

absl::Status Rpc(const grpc::Status& status, absl::string_view method) {
  return Annotate(runtime::FromGrpcStatus(status), method);
}

absl::Status Absent(absl::string_view service) {
  return absl::UnavailableError(absl::StrCat(service, " is not running"));
}

}  // namespace

absl::StatusOr<CloseDayResult> GrpcDayCloser::CloseBusinessDay(absl::CivilDay day) {
  if (clients_->overdue() == nullptr) return Absent(kOverdueService);
  grpc::ClientContext context;
  SetDeadline(context, deadline_);
  delinquency::v1::CloseBusinessDayRequest request;
  *request.mutable_business_date() = ToProto(day);
  delinquency::v1::CloseBusinessDayResponse response;
  ARREARS_RETURN_IF_ERROR(
      Rpc(clients_->overdue()->CloseBusinessDay(&context, request, &response), "CloseBusinessDay"));
  return CloseDayResult{.already_closed = response.already_closed(),
                        .loans_evaluated = response.loans_evaluated(),
                        .events_emitted = response.events_emitted()};
}

absl::Status GrpcActionExecutor::Execute(const ServiceAction& action) {
  grpc::ClientContext context;
  SetDeadline(context, deadline_);
  if (const auto* outcome = std::get_if<contact::v1::RecordOutcomeRequest>(&action.request)) {
    if (clients_->contact() == nullptr) return Absent(kContactService);
    contact::v1::ContactEvent response;
    return Rpc(clients_->contact()->RecordOutcome(&context, *outcome, &response), "RecordOutcome");
  }
  if (clients_->strategy() == nullptr) return Absent(kStrategyService);
  strategy::v1::RepaymentPlan response;
  if (const auto* propose = std::get_if<strategy::v1::ProposePlanRequest>(&action.request)) {
    return Rpc(clients_->strategy()->ProposePlan(&context, *propose, &response), "ProposePlan");
  }
  const auto& accept = std::get<strategy::v1::AcceptPlanRequest>(action.request);
  return Rpc(clients_->strategy()->AcceptPlan(&context, accept, &response), "AcceptPlan");
}

absl::StatusOr<std::pair<std::map<std::string, BucketFigures>, RollRateTable>>
ServiceFigures::OverdueReport(absl::CivilDay as_of) const {
  if (clients_->overdue() == nullptr) return Absent(kOverdueService);
  grpc::ClientContext context;
  SetDeadline(context, deadline_);
  delinquency::v1::GetOverdueReportRequest request;
  *request.mutable_as_of() = ToProto(as_of);
  delinquency::v1::OverdueReport report;
  ARREARS_RETURN_IF_ERROR(
      Rpc(clients_->overdue()->GetOverdueReport(&context, request, &report), "GetOverdueReport"));
  ARREARS_ASSIGN_OR_RETURN(RollRateTable rolls, RollRatesFromReport(report));
  return std::make_pair(BucketsFromReport(report), std::move(rolls));
}

absl::StatusOr<std::vector<VariantRow>> ServiceFigures::Variants(
    const std::vector<std::string>& strategy_ids, absl::CivilDay start, absl::CivilDay end) const {
  if (clients_->strategy() == nullptr) return Absent(kStrategyService);
  std::vector<VariantRow> rows;
  for (const std::string& id : strategy_ids) {
    grpc::ClientContext context;
    SetDeadline(context, deadline_);
    strategy::v1::GetStrategyReportRequest request;
    request.set_name(absl::StrCat("strategies/", id));
    *request.mutable_start_date() = ToProto(start);
    *request.mutable_end_date() = ToProto(end);
    strategy::v1::StrategyReport report;
    ARREARS_RETURN_IF_ERROR(Rpc(clients_->strategy()->GetStrategyReport(&context, request, &report),
                                absl::StrCat("GetStrategyReport ", request.name())));
    for (VariantRow& row : VariantsFromReport(id, report)) rows.push_back(std::move(row));
  }
  return rows;
}

absl::StatusOr<std::map<std::string, int64_t>> ServiceFigures::AuditedDecisions() const {
  std::map<std::string, int64_t> counts;
  compliance::v1::QueryAuditRequest request;
  request.add_kinds(compliance::v1::AUDIT_RECORD_KIND_DECISION);
  request.set_page_size(1000);
  do {
    grpc::ClientContext context;
    SetDeadline(context, deadline_);
    compliance::v1::QueryAuditResponse page;
    ARREARS_RETURN_IF_ERROR(
        Rpc(clients_->compliance()->QueryAudit(&context, request, &page), "QueryAudit"));
    ARREARS_RETURN_IF_ERROR(CountAuditedVerdicts(page, counts));
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return counts;
}

absl::StatusOr<AuditFigures> ServiceFigures::Audit() const {
  if (clients_->compliance() == nullptr) return Absent(kComplianceService);
  compliance::v1::VerifyLogResponse verified;
  {
    grpc::ClientContext context;
    SetDeadline(context, deadline_);
    ARREARS_RETURN_IF_ERROR(Rpc(
        clients_->compliance()->VerifyLog(&context, compliance::v1::VerifyLogRequest(), &verified),
        "VerifyLog"));
  }
  AuditFigures audit = AuditFromVerifyLog(verified);
  grpc::ClientContext context;
  SetDeadline(context, deadline_);
  compliance::v1::SignedCheckpoint checkpoint;
  grpc::Status status = clients_->compliance()->GetCheckpoint(
      &context, compliance::v1::GetCheckpointRequest(), &checkpoint);
  if (status.ok()) {
    audit.checkpoint_size = checkpoint.size();
  } else {
    audit.checkpoint_size = Rpc(status, "GetCheckpoint");
  }
  audit.decisions_by_verdict = AuditedDecisions();
  return audit;
}

}  // namespace arrears::simulator
