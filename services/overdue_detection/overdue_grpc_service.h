// OverdueGrpcService: arrears.delinquency.v1.OverdueService over an
// OverdueBook. A thin adapter: it checks the request's shape (resource
// names, dates), converts proto <-> domain and maps statuses with
// runtime::ToGrpcStatus; the book validates the rest. Every bad request is
// INVALID_ARGUMENT whose message starts with the field ("name: ...",
// "business_date: ...", "min_dpd: ...", "page_token: ...").
//
// LoanDelinquency.update_time is not filled (the store keeps no per-loan
// change time). Thread-safe (the book is).
#ifndef ARREARS_SERVICES_OVERDUE_DETECTION_OVERDUE_GRPC_SERVICE_H_
#define ARREARS_SERVICES_OVERDUE_DETECTION_OVERDUE_GRPC_SERVICE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "arrears/delinquency/v1/overdue_service.grpc.pb.h"
#include "services/overdue_detection/overdue_book.h"

namespace arrears::overdue {

class OverdueGrpcService final : public delinquency::v1::OverdueService::Service {
 public:
  // `book` must outlive the service.
  explicit OverdueGrpcService(OverdueBook* book) : book_(book) {}

  grpc::Status GetLoanDelinquency(grpc::ServerContext* context,
                                  const delinquency::v1::GetLoanDelinquencyRequest* request,
                                  delinquency::v1::LoanDelinquency* response) override;
  grpc::Status ListDelinquentLoans(grpc::ServerContext* context,
                                   const delinquency::v1::ListDelinquentLoansRequest* request,
                                   delinquency::v1::ListDelinquentLoansResponse* response) override;
  grpc::Status GetOverdueReport(grpc::ServerContext* context,
                                const delinquency::v1::GetOverdueReportRequest* request,
                                delinquency::v1::OverdueReport* response) override;
  grpc::Status CloseBusinessDay(grpc::ServerContext* context,
                                const delinquency::v1::CloseBusinessDayRequest* request,
                                delinquency::v1::CloseBusinessDayResponse* response) override;
  grpc::Status GetDelinquencyHistory(grpc::ServerContext* context,
                                     const delinquency::v1::GetDelinquencyHistoryRequest* request,
                                     delinquency::v1::DelinquencyHistory* response) override;

 private:
  OverdueBook* const book_;
};

// The loan id of "loans/{loan_id}/<collection>"; InvalidArgument naming
// `field` otherwise.
absl::StatusOr<std::string> LoanIdFromResourceName(absl::string_view field, absl::string_view name,
                                                   absl::string_view collection);

}  // namespace arrears::overdue

#endif  // ARREARS_SERVICES_OVERDUE_DETECTION_OVERDUE_GRPC_SERVICE_H_
