// The arrearsctl binary against fake services: exit statuses and how server
// errors reach the operator.
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "arrears/compliance/v1/compliance_service.grpc.pb.h"
#include "arrears/delinquency/v1/overdue_service.grpc.pb.h"
#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "tests/support/subprocess.h"

namespace arrears::ctl {
namespace {

using ::testing::HasSubstr;

class FakeOverdue final : public delinquency::v1::OverdueService::Service {
  grpc::Status GetLoanDelinquency(grpc::ServerContext*,
                                  const delinquency::v1::GetLoanDelinquencyRequest* request,
                                  delinquency::v1::LoanDelinquency* response) override {
    if (request->name() != "loans/L1/delinquency") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND,
                          absl::StrCat(request->name(), ": no such loan"));
    }
    response->set_name(request->name());
    response->mutable_snapshot()->set_loan_id("L1");
    response->mutable_snapshot()->set_dpd(17);
    response->mutable_snapshot()->set_state(delinquency::v1::DELINQUENCY_STATE_DELINQUENT);
    return grpc::Status::OK;
  }
  grpc::Status GetOverdueReport(grpc::ServerContext*,
                                const delinquency::v1::GetOverdueReportRequest*,
                                delinquency::v1::OverdueReport*) override {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "as_of: after the current business date 2026-01-05");
  }
};

class FakeCompliance final : public compliance::v1::ComplianceService::Service {
  grpc::Status VerifyLog(grpc::ServerContext*, const compliance::v1::VerifyLogRequest*,
                         compliance::v1::VerifyLogResponse* response) override {
    response->set_ok(false);
    response->set_entries_verified(12);
    response->set_first_bad_index(7);
    response->set_problem("leaf hash mismatch");
    return grpc::Status::OK;
  }
};

class ArrearsctlProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, store::TempDir::Create());
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&overdue_);
    builder.RegisterService(&compliance_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = absl::StrCat("127.0.0.1:", port);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  // Runs arrearsctl; returns its exit status, its output in *output.
  int Run(std::vector<std::string> args, std::string* output) {
    args.insert(args.begin(), ARREARSCTL_PATH);
    const std::string log = dir_->File(absl::StrCat("run-", runs_++, ".log"));
    absl::StatusOr<std::unique_ptr<testing::Subprocess>> process =
        testing::Subprocess::Start(args, log);
    EXPECT_OK(process.status());
    if (!process.ok()) return -1;
    const std::optional<int> status = (*process)->WaitFor(absl::Seconds(30));
    EXPECT_TRUE(status.has_value()) << "arrearsctl did not finish";
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    *output = text.str();
    return status.value_or(-1);
  }

  std::optional<store::TempDir> dir_;
  FakeOverdue overdue_;
  FakeCompliance compliance_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  int runs_ = 0;
};

TEST_F(ArrearsctlProcessTest, UsageErrorsExitWithTwo) {
  std::string output;
  EXPECT_EQ(Run({"frobnicate"}, &output), 2);
  EXPECT_THAT(output, HasSubstr("unknown command \"frobnicate\""));
  EXPECT_EQ(Run({"loan"}, &output), 2);
  EXPECT_THAT(output, HasSubstr("expected <loan_id>"));
  EXPECT_EQ(Run({"loan", "L1", "--overdue_address_file=/nonexistent/file"}, &output), 2);
  EXPECT_THAT(output, HasSubstr("overdue-detection: no --overdue_address"));
  EXPECT_EQ(Run({"record-outcome", "--customer=C1", "--outcome=BOGUS", "--attempt=A"}, &output), 2);
  EXPECT_THAT(output, HasSubstr("--outcome: unknown value \"BOGUS\""));
}

TEST_F(ArrearsctlProcessTest, ServerErrorsExitWithOneAndShowTheStatusNamingTheField) {
  std::string output;
  EXPECT_EQ(Run({"overdue-report", "--as_of=2030-01-01", "--overdue_address=" + address_}, &output),
            1);
  EXPECT_THAT(output, HasSubstr("GetOverdueReport: INVALID_ARGUMENT: as_of: after the current"));
  EXPECT_EQ(Run({"loan", "L9", "--overdue_address=" + address_}, &output), 1);
  EXPECT_THAT(output, HasSubstr("GetLoanDelinquency: NOT_FOUND: loans/L9/delinquency"));
  EXPECT_EQ(Run({"loan", "L1", "--overdue_address=127.0.0.1:1", "--deadline=2s"}, &output), 1);
  EXPECT_THAT(output, HasSubstr("UNAVAILABLE"));
}

TEST_F(ArrearsctlProcessTest, AnswersPrintAsTextOrJson) {
  std::string output;
  EXPECT_EQ(Run({"loan", "L1", "--overdue_address=" + address_}, &output), 0);
  EXPECT_THAT(output, HasSubstr("dpd 17"));
  EXPECT_EQ(Run({"loan", "L1", "--json", "--overdue_address=" + address_}, &output), 0);
  EXPECT_THAT(output, HasSubstr("\"dpd\":17"));
  // The address file a service publishes works as well as the flag.
  std::ofstream(dir_->File("overdue-detection.grpc-address")) << address_;
  EXPECT_EQ(Run({"loan", "L1", "--data_dir=" + dir_->path()}, &output), 0);
}

TEST_F(ArrearsctlProcessTest, AnAuditLogThatDoesNotVerifyExitsWithOne) {
  std::string output;
  EXPECT_EQ(Run({"verify-audit", "--compliance_address=" + address_}, &output), 1);
  EXPECT_THAT(output, HasSubstr("DOES NOT verify after 12 entries: first bad entry 7"));
}

TEST_F(ArrearsctlProcessTest, PublishDryRunValidatesEveryLine) {
  const std::string good = dir_->File("good.jsonl");
  std::ofstream(good) << R"({"loanId":"L1","customerId":"C1","loanClosed":{}})"
                      << "\n";
  std::string output;
  EXPECT_EQ(Run({"publish-loan-events", "--file=" + good, "--dry_run"}, &output), 0);
  EXPECT_THAT(output, HasSubstr("1 valid events"));
  const std::string bad = dir_->File("bad.jsonl");
  std::ofstream(bad) << R"({"loanId":"L1","customerId":"C1","loanClosed":{}})"
                     << "\n"
                     << R"({"loanId":"L1","customerId":"C1"})"
                     << "\n";
  EXPECT_EQ(Run({"publish-loan-events", "--file=" + bad}, &output), 2);
  EXPECT_THAT(output, HasSubstr("line 2: event: none of"));
}

}  // namespace
}  // namespace arrears::ctl
