// OverdueService over gRPC on 127.0.0.1:0: the adapter's conversions and
// INVALID_ARGUMENT / NOT_FOUND mapping, end to end through a real server.
#include "services/overdue_detection/overdue_grpc_service.h"

#include <memory>

#include "common/runtime/grpc_server.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/overdue_detection/testing/book_fixture.h"
#include "services/overdue_detection/testing/loan_events.h"

namespace arrears::overdue {
namespace {

using ::testing::HasSubstr;
using namespace ::arrears::overdue::testing;  // NOLINT: event builders
namespace dv1 = delinquency::v1;
using D = absl::CivilDay;

class OverdueGrpcServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(f_.Deliver(Opened("A", "STRICT", D(2024, 1, 1), Monthly(D(2024, 2, 1), 3, 300000, 0)),
                         "open-A"));
    service_ = std::make_unique<OverdueGrpcService>(&f_.book());
    ASSERT_OK_AND_ASSIGN(
        server_,
        runtime::GrpcServer::Create(
            {.address = "127.0.0.1:0",
             .services = {runtime::GrpcServiceBinding::Of<dv1::OverdueService>(service_.get())}}));
    server_->SetServing(true);
    stub_ = dv1::OverdueService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(absl::Seconds(1)); }

  grpc::Status Close(D day, dv1::CloseBusinessDayResponse* response) {
    grpc::ClientContext context;
    dv1::CloseBusinessDayRequest request;
    *request.mutable_business_date() = ToProto(day);
    return stub_->CloseBusinessDay(&context, request, response);
  }

  BookFixture f_{D(2024, 1, 15)};
  std::unique_ptr<OverdueGrpcService> service_;
  std::unique_ptr<runtime::GrpcServer> server_;
  std::unique_ptr<dv1::OverdueService::Stub> stub_;
};

TEST_F(OverdueGrpcServiceTest, ClosesAndReadsALoan) {
  dv1::CloseBusinessDayResponse closed;
  ASSERT_TRUE(Close(D(2024, 2, 10), &closed).ok());
  EXPECT_EQ(closed.previous_business_date().day(), 15);
  EXPECT_EQ(closed.business_date().day(), 10);
  EXPECT_FALSE(closed.already_closed());
  EXPECT_EQ(closed.events_emitted(), 3) << "two notices and STARTED";
  EXPECT_EQ(closed.loans_evaluated(), 3);
  ASSERT_TRUE(Close(D(2024, 2, 10), &closed).ok());
  EXPECT_TRUE(closed.already_closed());

  grpc::ClientContext context;
  dv1::GetLoanDelinquencyRequest request;
  request.set_name("loans/A/delinquency");
  dv1::LoanDelinquency loan;
  ASSERT_TRUE(stub_->GetLoanDelinquency(&context, request, &loan).ok());
  EXPECT_EQ(loan.name(), "loans/A/delinquency");
  EXPECT_EQ(loan.snapshot().dpd(), 9);
  EXPECT_EQ(loan.installments_size(), 3);
  EXPECT_EQ(loan.loan_sequence(), 3);

  grpc::ClientContext list_context;
  dv1::ListDelinquentLoansRequest list;
  list.add_bucket_codes("M1");
  dv1::ListDelinquentLoansResponse listed;
  ASSERT_TRUE(stub_->ListDelinquentLoans(&list_context, list, &listed).ok());
  ASSERT_EQ(listed.snapshots_size(), 1);
  EXPECT_EQ(listed.snapshots(0).loan_id(), "A");

  grpc::ClientContext report_context;
  dv1::GetOverdueReportRequest report_request;
  dv1::OverdueReport report;
  ASSERT_TRUE(stub_->GetOverdueReport(&report_context, report_request, &report).ok());
  EXPECT_EQ(report.rows(1).loan_count(), 1);

  grpc::ClientContext history_context;
  dv1::GetDelinquencyHistoryRequest history_request;
  history_request.set_name("loans/A/delinquencyHistory");
  dv1::DelinquencyHistory history;
  ASSERT_TRUE(stub_->GetDelinquencyHistory(&history_context, history_request, &history).ok());
  EXPECT_EQ(history.bucket_periods_size(), 2);
}

TEST_F(OverdueGrpcServiceTest, UpdateTimeIsTheLastChange) {
  auto update_time = [&]() -> absl::Time {
    grpc::ClientContext context;
    dv1::GetLoanDelinquencyRequest request;
    request.set_name("loans/A/delinquency");
    dv1::LoanDelinquency loan;
    EXPECT_TRUE(stub_->GetLoanDelinquency(&context, request, &loan).ok());
    EXPECT_TRUE(loan.has_update_time());
    return FromTimestamp(loan.update_time());
  };
  const absl::Time opened_at = f_.clock().Now();
  EXPECT_EQ(update_time(), opened_at) << "opened";

  dv1::CloseBusinessDayResponse closed;
  f_.clock().Advance(absl::Hours(1));
  ASSERT_TRUE(Close(D(2024, 1, 29), &closed).ok());
  EXPECT_EQ(closed.events_emitted(), 1) << "a pre-due notice";
  EXPECT_EQ(update_time(), opened_at) << "a notice is no change";

  f_.clock().Advance(absl::Hours(1));
  ASSERT_TRUE(Close(D(2024, 2, 2), &closed).ok());
  EXPECT_EQ(closed.events_emitted(), 2) << "the due-date notice and STARTED";
  const absl::Time started_at = f_.clock().Now();
  EXPECT_EQ(update_time(), started_at);

  f_.clock().Advance(absl::Hours(1));
  ASSERT_TRUE(Close(D(2024, 2, 3), &closed).ok());
  EXPECT_EQ(update_time(), started_at) << "DPD growing is no change";

  f_.clock().Advance(absl::Hours(1));
  ASSERT_OK(f_.Deliver(Repayment("A", "R1", 1000, D(2024, 2, 3)), "pay-1"));
  const absl::Time paid_at = f_.clock().Now();
  EXPECT_EQ(update_time(), paid_at) << "a repayment changes the balances";

  f_.clock().Advance(absl::Hours(1));
  ASSERT_OK(f_.Deliver(Repayment("A", "R1", 1000, D(2024, 2, 3)), "pay-1-again"));
  EXPECT_EQ(update_time(), paid_at) << "a repeated repayment changes nothing";
}

TEST_F(OverdueGrpcServiceTest, BadRequestsAreInvalidArgumentNamingTheField) {
  auto expect_invalid = [](const grpc::Status& status, const std::string& field) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
    EXPECT_THAT(status.error_message(), ::testing::StartsWith(field));
  };
  {
    grpc::ClientContext context;
    dv1::CloseBusinessDayResponse response;
    expect_invalid(stub_->CloseBusinessDay(&context, {}, &response), "business_date: required");
  }
  {
    dv1::CloseBusinessDayResponse response;
    grpc::ClientContext context;
    dv1::CloseBusinessDayRequest request;
    request.mutable_business_date()->set_year(2024);
    request.mutable_business_date()->set_month(2);
    request.mutable_business_date()->set_day(30);
    expect_invalid(stub_->CloseBusinessDay(&context, request, &response), "business_date");
  }
  {
    dv1::CloseBusinessDayResponse response;
    const grpc::Status earlier = Close(D(2024, 1, 1), &response);
    EXPECT_EQ(earlier.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
    EXPECT_THAT(earlier.error_message(), HasSubstr("business_date: 2024-01-01 is before"));
  }
  for (const char* name :
       {"", "loans/A", "loans//delinquency", "loans/A/history", "loans/A B/delinquency"}) {
    grpc::ClientContext context;
    dv1::GetLoanDelinquencyRequest request;
    request.set_name(name);
    dv1::LoanDelinquency loan;
    expect_invalid(stub_->GetLoanDelinquency(&context, request, &loan), "name: ");
  }
  {
    grpc::ClientContext context;
    dv1::GetLoanDelinquencyRequest request;
    request.set_name("loans/NOPE/delinquency");
    dv1::LoanDelinquency loan;
    EXPECT_EQ(stub_->GetLoanDelinquency(&context, request, &loan).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    dv1::ListDelinquentLoansRequest request;
    request.set_min_dpd(-3);
    dv1::ListDelinquentLoansResponse response;
    expect_invalid(stub_->ListDelinquentLoans(&context, request, &response), "min_dpd: ");
  }
  {
    grpc::ClientContext context;
    dv1::ListDelinquentLoansRequest request;
    request.add_states(dv1::DELINQUENCY_STATE_CHARGED_OFF);
    request.add_states(dv1::DELINQUENCY_STATE_CURRENT);
    dv1::ListDelinquentLoansResponse response;
    expect_invalid(stub_->ListDelinquentLoans(&context, request, &response), "states[1]: ");
  }
  {
    grpc::ClientContext context;
    dv1::ListDelinquentLoansRequest request;
    request.set_page_token("%%%");
    dv1::ListDelinquentLoansResponse response;
    expect_invalid(stub_->ListDelinquentLoans(&context, request, &response), "page_token: ");
  }
  {
    grpc::ClientContext context;
    dv1::GetOverdueReportRequest request;
    *request.mutable_as_of() = ToProto(D(2030, 1, 1));
    dv1::OverdueReport report;
    expect_invalid(stub_->GetOverdueReport(&context, request, &report), "as_of: ");
  }
  {
    grpc::ClientContext context;
    dv1::GetDelinquencyHistoryRequest request;
    request.set_name("loans/A/delinquency");
    dv1::DelinquencyHistory history;
    expect_invalid(stub_->GetDelinquencyHistory(&context, request, &history), "name: ");
  }
}

}  // namespace
}  // namespace arrears::overdue
