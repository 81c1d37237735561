#include "services/overdue_detection/overdue_grpc_service.h"

#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/ids/strong_id.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/grpc_status.h"
#include "common/status/status_macros.h"

namespace arrears::overdue {
namespace {

namespace dv1 = delinquency::v1;

// Runs `body` and converts its status.
template <typename Body>
grpc::Status Serve(Body body) {
  return runtime::ToGrpcStatus(body());
}

}  // namespace

absl::StatusOr<std::string> LoanIdFromResourceName(absl::string_view field, absl::string_view name,
                                                   absl::string_view collection) {
  const std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != 3 || parts[0] != "loans" || parts[2] != collection) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": must be loans/{loan_id}/", collection, ", got \"", name, "\""));
  }
  if (absl::Status valid = ids::ValidateId("loan_id", parts[1]); !valid.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", valid.message()));
  }
  return std::string(parts[1]);
}

grpc::Status OverdueGrpcService::GetLoanDelinquency(grpc::ServerContext*,
                                                    const dv1::GetLoanDelinquencyRequest* request,
                                                    dv1::LoanDelinquency* response) {
  return Serve([&]() -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(std::string loan_id,
                             LoanIdFromResourceName("name", request->name(), "delinquency"));
    ARREARS_ASSIGN_OR_RETURN(LoanView view, book_->GetLoan(loan_id));
    response->set_name(request->name());
    *response->mutable_snapshot() = std::move(view.snapshot);
    for (dv1::InstallmentStatus& installment : view.installments) {
      *response->add_installments() = std::move(installment);
    }
    response->set_loan_sequence(view.event_sequence);
    if (view.last_changed_at.has_value()) {
      *response->mutable_update_time() = ToTimestamp(*view.last_changed_at);
    }
    return absl::OkStatus();
  });
}

grpc::Status OverdueGrpcService::ListDelinquentLoans(grpc::ServerContext*,
                                                     const dv1::ListDelinquentLoansRequest* request,
                                                     dv1::ListDelinquentLoansResponse* response) {
  return Serve([&]() -> absl::Status {
    DelinquentLoanQuery query;
    query.filter.bucket_codes.assign(request->bucket_codes().begin(),
                                     request->bucket_codes().end());
    for (int value : request->regulatory_classes()) {
      query.filter.regulatory_classes.push_back(static_cast<dv1::RegulatoryClass>(value));
    }
    query.filter.product_codes.assign(request->product_codes().begin(),
                                      request->product_codes().end());
    query.filter.branch_ids.assign(request->branch_ids().begin(), request->branch_ids().end());
    query.filter.min_dpd = request->min_dpd();
    for (int value : request->states()) {
      query.filter.states.push_back(static_cast<dv1::DelinquencyState>(value));
    }
    query.page_size = request->page_size();
    query.page_token = request->page_token();
    ARREARS_ASSIGN_OR_RETURN(DelinquentLoanPage page, book_->ListDelinquentLoans(query));
    for (dv1::DelinquencySnapshot& snapshot : page.snapshots) {
      *response->add_snapshots() = std::move(snapshot);
    }
    response->set_next_page_token(std::move(page.next_page_token));
    return absl::OkStatus();
  });
}

grpc::Status OverdueGrpcService::GetOverdueReport(grpc::ServerContext*,
                                                  const dv1::GetOverdueReportRequest* request,
                                                  dv1::OverdueReport* response) {
  return Serve([&]() -> absl::Status {
    OverdueReportQuery query;
    if (request->has_as_of()) {
      ARREARS_ASSIGN_OR_RETURN(query.as_of, CivilDayFromProto(request->as_of(), "as_of"));
    }
    query.product_codes.assign(request->product_codes().begin(), request->product_codes().end());
    query.branch_ids.assign(request->branch_ids().begin(), request->branch_ids().end());
    ARREARS_ASSIGN_OR_RETURN(*response, book_->GetOverdueReport(query));
    return absl::OkStatus();
  });
}

grpc::Status OverdueGrpcService::CloseBusinessDay(grpc::ServerContext*,
                                                  const dv1::CloseBusinessDayRequest* request,
                                                  dv1::CloseBusinessDayResponse* response) {
  return Serve([&]() -> absl::Status {
    if (!request->has_business_date()) {
      return absl::InvalidArgumentError("business_date: required");
    }
    ARREARS_ASSIGN_OR_RETURN(absl::CivilDay date,
                             CivilDayFromProto(request->business_date(), "business_date"));
    ARREARS_ASSIGN_OR_RETURN(CloseSummary summary, book_->CloseBusinessDay(date));
    *response->mutable_business_date() = ToProto(summary.business_date);
    *response->mutable_previous_business_date() = ToProto(summary.previous_business_date);
    response->set_already_closed(summary.already_closed);
    response->set_loans_evaluated(summary.loans_evaluated);
    response->set_events_emitted(summary.events_emitted);
    return absl::OkStatus();
  });
}

grpc::Status OverdueGrpcService::GetDelinquencyHistory(
    grpc::ServerContext*, const dv1::GetDelinquencyHistoryRequest* request,
    dv1::DelinquencyHistory* response) {
  return Serve([&]() -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(std::string loan_id,
                             LoanIdFromResourceName("name", request->name(), "delinquencyHistory"));
    ARREARS_ASSIGN_OR_RETURN(*response, book_->GetHistory(loan_id));
    return absl::OkStatus();
  });
}

}  // namespace arrears::overdue
