// StrategyService over a real gRPC server on 127.0.0.1:0, backed by the
// testbed (in-memory store, shipped default strategy).
#include "services/strategy_routing/strategy_grpc_service.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/grpc_server.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "services/strategy_routing/case_codec.h"
#include "services/strategy_routing/testing/events.h"
#include "services/strategy_routing/testing/testbed.h"
#include "services/strategy_routing/yaml_util.h"

namespace arrears::strategy {
namespace {

using ::arrears::strategy::testing::CloseTime;
using ::arrears::strategy::testing::DelinquencyInbound;
using ::arrears::strategy::testing::LoanEvent;
using ::arrears::strategy::testing::Testbed;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr absl::CivilDay kDueDate(2026, 3, 10);

MATCHER_P2(GrpcIs, code, substring, "") {
  *result_listener << "status " << arg.error_code() << ": " << arg.error_message();
  return arg.error_code() == code && arg.error_message().find(substring) != std::string::npos;
}

class StrategyGrpcServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(bed_, Testbed::Create());
    clock_.Set(CloseTime(kDueDate + 5) + absl::Hours(8));
    service_ =
        std::make_unique<StrategyGrpcService>(&bed_->manager(), &bed_->book(), bed_.get(), &clock_);
    ASSERT_OK_AND_ASSIGN(
        server_,
        runtime::GrpcServer::Create(
            {.services = {runtime::GrpcServiceBinding::Of<v1::StrategyService>(service_.get())}}));
    stub_ = v1::StrategyService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
    for (int i = 0; i < 3; ++i) {
      ASSERT_OK(bed_->Deliver(DelinquencyInbound(
          LoanEvent(absl::StrCat("loan-", i), 1, kDueDate + 5, 5, 10'000 * (i + 1), Customer(i)))));
    }
  }
  void TearDown() override { server_->Shutdown(absl::Seconds(1)); }

  static std::string Customer(int i) { return absl::StrCat("cust-", i); }
  std::string CaseName(int i) {
    return CaseCodec::CaseName(bed_->OpenCaseOf(Customer(i))->kase.case_id());
  }
  static std::string DefaultTextProto() {
    absl::StatusOr<std::string> text =
        ReadConfigFile(absl::StrCat(STRATEGY_CONFIG_DIR, "/default_strategy.textproto"));
    EXPECT_OK(text.status());
    return text.ok() ? *text : "";
  }
  static std::string DefaultYaml() {
    absl::StatusOr<std::string> text = ReadConfigFile(testing::DefaultStrategyFile());
    EXPECT_OK(text.status());
    return text.ok() ? *text : "";
  }

  std::unique_ptr<Testbed> bed_;
  FakeClock clock_;
  std::unique_ptr<StrategyGrpcService> service_;
  std::unique_ptr<runtime::GrpcServer> server_;
  std::unique_ptr<v1::StrategyService::Stub> stub_;
};

TEST_F(StrategyGrpcServiceTest, GetCaseByCaseOrCustomerName) {
  grpc::ClientContext ctx1, ctx2, ctx3, ctx4;
  v1::GetCaseRequest request;
  v1::Case response;
  request.set_name(CaseName(0));
  ASSERT_TRUE(stub_->GetCase(&ctx1, request, &response).ok());
  EXPECT_EQ(response.customer_id(), "cust-0");
  EXPECT_EQ(response.max_dpd(), 5);
  request.set_name("customers/cust-1/case");
  ASSERT_TRUE(stub_->GetCase(&ctx2, request, &response).ok());
  EXPECT_EQ(response.customer_id(), "cust-1");
  request.set_name("case/x");
  EXPECT_THAT(stub_->GetCase(&ctx3, request, &response),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT, "name: expected"));
  request.set_name("cases/nope");
  EXPECT_THAT(stub_->GetCase(&ctx4, request, &response),
              GrpcIs(grpc::StatusCode::NOT_FOUND, "name"));
}

TEST_F(StrategyGrpcServiceTest, ListCasesByPriorityWithPaging) {
  v1::ListCasesRequest request;
  request.set_page_size(2);
  v1::ListCasesResponse page;
  grpc::ClientContext ctx1;
  ASSERT_TRUE(stub_->ListCases(&ctx1, request, &page).ok());
  ASSERT_THAT(page.cases(), SizeIs(2));
  // Priority = expected recovery: the biggest debt first.
  EXPECT_EQ(page.cases(0).customer_id(), "cust-2");
  EXPECT_EQ(page.cases(1).customer_id(), "cust-1");
  ASSERT_FALSE(page.next_page_token().empty());
  request.set_page_token(page.next_page_token());
  grpc::ClientContext ctx2;
  ASSERT_TRUE(stub_->ListCases(&ctx2, request, &page).ok());
  ASSERT_THAT(page.cases(), SizeIs(1));
  EXPECT_EQ(page.cases(0).customer_id(), "cust-0");
  EXPECT_TRUE(page.next_page_token().empty());
  request.set_page_size(501);
  grpc::ClientContext ctx3;
  EXPECT_THAT(stub_->ListCases(&ctx3, request, &page),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT, "page_size"));
}

TEST_F(StrategyGrpcServiceTest, PromiseHoldAssignValidateAndApply) {
  v1::RecordPromiseRequest promise;
  promise.set_name(CaseName(0));
  v1::Promise recorded;
  grpc::ClientContext c1;
  EXPECT_THAT(stub_->RecordPromise(&c1, promise, &recorded),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT, "promise: required"));
  promise.mutable_promise()->set_recorded_by("col-1");
  *promise.mutable_promise()->mutable_amount() =
      ToProto(money::Money::FromMinor(500, money::Currency::Of("USD")));
  *promise.mutable_promise()->mutable_promised_date() = ToProto(kDueDate + 8);
  promise.set_request_id("req-1");
  grpc::ClientContext c2;
  EXPECT_THAT(stub_->RecordPromise(&c2, promise, &recorded),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT, "promise.amount"));
  *promise.mutable_promise()->mutable_amount() =
      ToProto(money::Money::FromMinor(500, money::Currency::Of("CNY")));
  grpc::ClientContext c3;
  ASSERT_TRUE(stub_->RecordPromise(&c3, promise, &recorded).ok());
  EXPECT_EQ(recorded.state(), v1::Promise::STATE_OPEN);
  EXPECT_EQ(recorded.grace_until().day(), (kDueDate + 11).day());
  v1::Promise again;
  grpc::ClientContext c4;
  ASSERT_TRUE(stub_->RecordPromise(&c4, promise, &again).ok());
  EXPECT_EQ(again.promise_id(), recorded.promise_id());

  v1::PlaceHoldRequest hold;
  hold.set_name(CaseName(1));
  hold.mutable_hold()->set_set_by("agent-7");
  v1::Hold placed;
  grpc::ClientContext c5;
  EXPECT_THAT(stub_->PlaceHold(&c5, hold, &placed),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT, "hold.type: required"));
  hold.mutable_hold()->set_type(v1::HOLD_TYPE_COMPLAINT);
  hold.mutable_hold()->set_reason("RUDE_CALL");
  grpc::ClientContext c6;
  ASSERT_TRUE(stub_->PlaceHold(&c6, hold, &placed).ok());
  EXPECT_EQ(placed.set_by(), "agent-7");
  v1::LiftHoldRequest lift;
  lift.set_name(CaseName(1));
  lift.set_hold_id(placed.hold_id());
  v1::Hold lifted;
  grpc::ClientContext c7;
  EXPECT_THAT(stub_->LiftHold(&c7, lift, &lifted),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT, "lifted_by: required"));
  lift.set_lifted_by("compliance");
  grpc::ClientContext c8;
  ASSERT_TRUE(stub_->LiftHold(&c8, lift, &lifted).ok());
  EXPECT_EQ(lifted.lifted_by(), "compliance");
  lift.set_hold_id("unknown");
  grpc::ClientContext c9;
  EXPECT_THAT(stub_->LiftHold(&c9, lift, &lifted), GrpcIs(grpc::StatusCode::NOT_FOUND, "hold_id"));

  v1::AssignCaseRequest assign;
  assign.set_name(CaseName(2));
  v1::Case assigned;
  grpc::ClientContext c10;
  EXPECT_THAT(stub_->AssignCase(&c10, assign, &assigned),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT, "assignment: required"));
  assign.mutable_assignment()->set_collector_id("col-3");
  assign.mutable_assignment()->set_team_id("team-east");
  grpc::ClientContext c11;
  ASSERT_TRUE(stub_->AssignCase(&c11, assign, &assigned).ok());
  EXPECT_EQ(assigned.assignment().collector_id(), "col-3");
  EXPECT_EQ(assigned.assignment().assigned_by(), "api");
  v1::ListCasesRequest by_collector;
  by_collector.set_collector_id("col-3");
  v1::ListCasesResponse queue;
  grpc::ClientContext c12;
  ASSERT_TRUE(stub_->ListCases(&c12, by_collector, &queue).ok());
  ASSERT_THAT(queue.cases(), SizeIs(1));
  EXPECT_EQ(queue.cases(0).customer_id(), "cust-2");
}

TEST_F(StrategyGrpcServiceTest, ProposeAndAcceptPlanPublishesPlanAgreed) {
  v1::ProposePlanRequest propose;
  propose.set_name(CaseName(0));
  propose.set_request_id("offer-1");
  v1::LoanPlanTerms* terms = propose.mutable_plan()->add_loan_terms();
  terms->set_loan_id("loan-0");
  terms->mutable_deferral()->set_months(2);
  v1::RepaymentPlan proposed;
  grpc::ClientContext c1;
  ASSERT_TRUE(stub_->ProposePlan(&c1, propose, &proposed).ok());
  v1::AcceptPlanRequest accept;
  accept.set_name("cases/x");
  v1::RepaymentPlan accepted;
  grpc::ClientContext c2;
  EXPECT_THAT(stub_->AcceptPlan(&c2, accept, &accepted),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT, "name: expected cases/{case_id}/plans"));
  accept.set_name(proposed.name());
  accept.set_accepted_by("col-1");
  grpc::ClientContext c3;
  ASSERT_TRUE(stub_->AcceptPlan(&c3, accept, &accepted).ok());
  EXPECT_EQ(accepted.state(), v1::RepaymentPlan::STATE_ACCEPTED);
  ASSERT_THAT(bed_->PlanEvents(), SizeIs(1));
  EXPECT_EQ(bed_->PlanEvents()[0].loan_id(), "loan-0");
  EXPECT_EQ(bed_->PlanEvents()[0].plan_agreed().terms().deferral().months(), 2);
}

TEST_F(StrategyGrpcServiceTest, PutStrategyTakesTextProto) {
  v1::PutStrategyRequest put;
  // Detected (no format given), validated by the same rules: the error names
  // the textproto's line and the field.
  put.set_source(absl::StrReplaceAll(
      DefaultTextProto(), {{"version: 1", "version: 2"}, {"percent: 80", "percent: 85"}}));
  v1::PutStrategyResponse response;
  grpc::ClientContext c1;
  ASSERT_TRUE(stub_->PutStrategy(&c1, put, &response).ok());
  ASSERT_THAT(response.errors(), SizeIs(1));
  EXPECT_EQ(response.errors(0).field(), "variants");
  EXPECT_THAT(response.errors(0).message(), HasSubstr("sum to 105"));
  EXPECT_EQ(response.errors(0).line(), 19);

  put.set_source(absl::StrReplaceAll(DefaultTextProto(), {{"version: 1", "version: 2"}}));
  put.set_format(v1::STRATEGY_FORMAT_TEXTPROTO);
  response.Clear();
  grpc::ClientContext c2;
  ASSERT_TRUE(stub_->PutStrategy(&c2, put, &response).ok());
  EXPECT_THAT(response.errors(), IsEmpty());
  EXPECT_TRUE(response.stored());
  EXPECT_EQ(response.strategy().format(), v1::STRATEGY_FORMAT_TEXTPROTO);
  std::optional<StrategyVersion> v2 = bed_->book().Find("default-retail", 2);
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->stored.format, v1::STRATEGY_FORMAT_TEXTPROTO);
  Strategy as_v1 = v2->strategy;
  as_v1.version = 1;
  EXPECT_TRUE(as_v1 == bed_->book().Find("default-retail", 1)->strategy);

  v1::GetStrategyRequest get;
  get.set_name("strategies/default-retail/versions/2");
  v1::Strategy strategy;
  grpc::ClientContext c3;
  ASSERT_TRUE(stub_->GetStrategy(&c3, get, &strategy).ok());
  EXPECT_EQ(strategy.format(), v1::STRATEGY_FORMAT_TEXTPROTO);
  EXPECT_EQ(strategy.source(), put.source());
}

TEST_F(StrategyGrpcServiceTest, PutStrategyValidatesStoresAndServesVersions) {
  v1::PutStrategyRequest put;
  put.set_source("strategy: x\nversion: 0\nsegments: []\nbogus: 1\n");
  v1::PutStrategyResponse response;
  grpc::ClientContext c1;
  ASSERT_TRUE(stub_->PutStrategy(&c1, put, &response).ok());
  ASSERT_FALSE(response.errors().empty());
  EXPECT_FALSE(response.stored());
  bool saw_version = false;
  for (const v1::StrategyValidationError& e : response.errors()) {
    if (e.field() == "version") {
      saw_version = true;
      EXPECT_EQ(e.line(), 2);
    }
  }
  EXPECT_TRUE(saw_version);

  const std::string v2 = absl::StrReplaceAll(DefaultYaml(), {{"version: 1", "version: 2"}});
  put.set_source(v2);
  put.set_validate_only(true);
  response.Clear();
  grpc::ClientContext c2;
  ASSERT_TRUE(stub_->PutStrategy(&c2, put, &response).ok());
  EXPECT_THAT(response.errors(), IsEmpty());
  EXPECT_FALSE(response.stored());
  EXPECT_EQ(response.strategy().version(), 2);
  EXPECT_FALSE(bed_->book().Find("default-retail", 2).has_value());

  put.set_validate_only(false);
  put.set_author("risk-team");
  response.Clear();
  grpc::ClientContext c3;
  ASSERT_TRUE(stub_->PutStrategy(&c3, put, &response).ok());
  EXPECT_TRUE(response.stored());
  EXPECT_EQ(response.strategy().name(), "strategies/default-retail/versions/2");
  EXPECT_EQ(response.strategy().source_sha256().size(), 64u);
  EXPECT_TRUE(bed_->book().Find("default-retail", 2).has_value());
  response.Clear();
  grpc::ClientContext c4;
  ASSERT_TRUE(stub_->PutStrategy(&c4, put, &response).ok());  // same again: no-op
  EXPECT_TRUE(response.stored());

  put.set_source(v2 + "\n# changed\n");
  grpc::ClientContext c5;
  EXPECT_THAT(stub_->PutStrategy(&c5, put, &response),
              GrpcIs(grpc::StatusCode::ALREADY_EXISTS, "version"));
  // Versions only go up.
  const std::string other = absl::StrReplaceAll(
      DefaultYaml(),
      {{"strategy: default-retail", "strategy: other"}, {"version: 1", "version: 5"}});
  put.set_source(other);
  response.Clear();
  grpc::ClientContext c6a;
  ASSERT_TRUE(stub_->PutStrategy(&c6a, put, &response).ok());
  EXPECT_TRUE(response.stored());
  put.set_source(absl::StrReplaceAll(other, {{"version: 5", "version: 3"}}));
  response.Clear();
  grpc::ClientContext c6;
  ASSERT_TRUE(stub_->PutStrategy(&c6, put, &response).ok());
  ASSERT_THAT(response.errors(), SizeIs(1));
  EXPECT_EQ(response.errors(0).field(), "version");
  EXPECT_THAT(response.errors(0).message(), HasSubstr("above the latest stored version 5"));
  // Said to be textproto, a YAML file is a syntax error with its line.
  put.set_format(v1::STRATEGY_FORMAT_TEXTPROTO);
  response.Clear();
  grpc::ClientContext c7;
  ASSERT_TRUE(stub_->PutStrategy(&c7, put, &response).ok());
  ASSERT_FALSE(response.errors().empty());
  EXPECT_GT(response.errors(0).line(), 0);
  EXPECT_FALSE(response.stored());

  v1::GetStrategyRequest get;
  get.set_name("strategies/default-retail/versions/2");
  v1::Strategy strategy;
  grpc::ClientContext c8;
  ASSERT_TRUE(stub_->GetStrategy(&c8, get, &strategy).ok());
  EXPECT_EQ(strategy.author(), "risk-team");
  EXPECT_THAT(strategy.variants(), SizeIs(2));
  get.set_name("strategies/default-retail");
  grpc::ClientContext c9;
  ASSERT_TRUE(stub_->GetStrategy(&c9, get, &strategy).ok());
  EXPECT_EQ(strategy.version(), 2);  // both effective; the latest wins
  get.set_name("strategies/none");
  grpc::ClientContext c10;
  EXPECT_THAT(stub_->GetStrategy(&c10, get, &strategy),
              GrpcIs(grpc::StatusCode::NOT_FOUND, "name"));
  get.set_name("policies/x");
  grpc::ClientContext c11;
  EXPECT_THAT(stub_->GetStrategy(&c11, get, &strategy),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT, "name"));
}

TEST_F(StrategyGrpcServiceTest, SimulateStrategyHasNoSideEffects) {
  const size_t published = bed_->published().size();
  const auto before = bed_->store().Snapshot();
  v1::SimulateStrategyRequest request;
  v1::SimulateStrategyResponse response;
  grpc::ClientContext c1;
  EXPECT_THAT(stub_->SimulateStrategy(&c1, request, &response),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT, "strategy_name"));
  // The current open cases, two days later: dpd 7, education message.
  request.set_strategy_name("strategies/default-retail");
  *request.mutable_as_of() = ToTimestamp(CloseTime(kDueDate + 7) + absl::Hours(8));
  grpc::ClientContext c2;
  ASSERT_TRUE(stub_->SimulateStrategy(&c2, request, &response).ok());
  ASSERT_THAT(response.decisions(), SizeIs(3));
  for (const v1::SimulatedDecision& d : response.decisions()) {
    EXPECT_EQ(d.reason().segment(), "early");
    ASSERT_THAT(d.contact_requests(), SizeIs(1));
    EXPECT_EQ(d.contact_requests(0).contact().reason().step(), "d7-education");
  }
  ASSERT_THAT(response.counts(), SizeIs(1));
  EXPECT_EQ(response.counts(0).case_count(), 3);
  EXPECT_EQ(bed_->published().size(), published);
  EXPECT_EQ(bed_->store().Snapshot().cases, before.cases);

  // A given case with a source strategy (a stricter D+1 call).
  const std::string strict = absl::StrReplaceAll(
      DefaultYaml(), {{"strategy: default-retail", "strategy: strict"},
                      {"template: gentle-reminder", "template: firm-reminder"}});
  v1::SimulateStrategyRequest given;
  given.set_source(strict);
  v1::Case* c = given.add_cases();
  c->set_case_id("what-if");
  c->set_customer_id("someone");
  *c->add_loans()->mutable_snapshot() =
      LoanEvent("loan-w", 1, kDueDate + 1, 1, 5'000, "someone").snapshot();
  *given.mutable_as_of() = ToTimestamp(CloseTime(kDueDate + 1) + absl::Hours(8));
  response.Clear();
  grpc::ClientContext c3;
  ASSERT_TRUE(stub_->SimulateStrategy(&c3, given, &response).ok());
  ASSERT_THAT(response.decisions(), SizeIs(1));
  EXPECT_EQ(response.decisions(0).reason().strategy_id(), "strict");
  EXPECT_EQ(response.decisions(0).contact_requests(0).contact().template_id(), "firm-reminder");
  given.set_source("strategy: [");
  response.Clear();
  grpc::ClientContext c4;
  ASSERT_TRUE(stub_->SimulateStrategy(&c4, given, &response).ok());
  EXPECT_FALSE(response.errors().empty());
  EXPECT_THAT(response.decisions(), IsEmpty());
  given.set_source(strict);
  given.mutable_cases(0)->clear_case_id();
  grpc::ClientContext c5;
  EXPECT_THAT(stub_->SimulateStrategy(&c5, given, &response),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT, "cases[0]: case_id"));
}

TEST_F(StrategyGrpcServiceTest, ReportNeedsAStartDate) {
  v1::GetStrategyReportRequest request;
  request.set_name("strategies/default-retail");
  v1::StrategyReport report;
  grpc::ClientContext c1;
  EXPECT_THAT(stub_->GetStrategyReport(&c1, request, &report),
              GrpcIs(grpc::StatusCode::INVALID_ARGUMENT, "start_date: required"));
  *request.mutable_start_date() = ToProto(kDueDate);
  grpc::ClientContext c2;
  ASSERT_TRUE(stub_->GetStrategyReport(&c2, request, &report).ok());
  ASSERT_THAT(report.variants(), ::testing::Not(IsEmpty()));
  int64_t cases = 0;
  for (const v1::VariantOutcome& row : report.variants()) cases += row.case_count();
  EXPECT_EQ(cases, 3);
}

}  // namespace
}  // namespace arrears::strategy
