// The gRPC adapter over loopback: statuses and streaming as clients see them.
#include "services/compliance_auditing/service/grpc_service.h"

#include <memory>
#include <string>

#include "arrears/compliance/v1/compliance_service.grpc.pb.h"
#include "common/runtime/grpc_server.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/audit/sha256.h"
#include "services/compliance_auditing/service/testing/compliance_test_env.h"
#include "services/compliance_auditing/service/testing/test_builders.h"

namespace arrears::compliance::service {
namespace {

using ::arrears::testing::IsOk;
using ::testing::HasSubstr;
using namespace ::arrears::compliance::service::testing;  // NOLINT: test builders

constexpr absl::string_view kCustomer = "cust-1";
constexpr absl::string_view kShanghai = "Asia/Shanghai";
const absl::Time kStart = Local(kShanghai, 2025, 6, 16, 10);

class GrpcServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(env_, ComplianceTestEnv::Create(kStart));
    ASSERT_THAT(
        env_->Consume(CustomerTopic(), kCustomer, ContactData(kCustomer, "CN", kShanghai), "c-1"),
        IsOk());
    ASSERT_OK_AND_ASSIGN(server_,
                         runtime::GrpcServer::Create(
                             {.address = "127.0.0.1:0",
                              .services = {runtime::GrpcServiceBinding::Of<v1::ComplianceService>(
                                  &env_->app().grpc_service())}}));
    server_->SetServing(true);
    stub_ = v1::ComplianceService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", server_->port()), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown(absl::Seconds(1));
  }

  std::unique_ptr<ComplianceTestEnv> env_;
  std::unique_ptr<runtime::GrpcServer> server_;
  std::unique_ptr<v1::ComplianceService::Stub> stub_;
};

TEST_F(GrpcServiceTest, CheckContactAnswersWithTheDecisionAndItsAuditIndex) {
  grpc::ClientContext context;
  v1::ContactDecision decision;
  const grpc::Status status =
      stub_->CheckContact(&context, CallRequest(kCustomer, kStart, "g-1"), &decision);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(decision.verdict(), v1::VERDICT_ALLOW);
  EXPECT_FALSE(decision.decision_id().empty());
  EXPECT_EQ(decision.audit_index(), 1u);
  EXPECT_EQ(decision.policies(0).pack_id(), "cn-default");
}

TEST_F(GrpcServiceTest, InvalidArgumentNamesTheField) {
  grpc::ClientContext context;
  v1::ContactDecision decision;
  v1::CheckContactRequest request = CallRequest(kCustomer, kStart);
  request.set_related_contact_id(std::string("a\x01", 2));
  const grpc::Status status = stub_->CheckContact(&context, request, &decision);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("related_contact_id"));

  grpc::ClientContext resolve_context;
  v1::ResolveComplaintRequest resolve;
  resolve.set_name("complaints/nope");
  resolve.set_resolution("UPHELD");
  v1::Complaint complaint;
  EXPECT_EQ(stub_->ResolveComplaint(&resolve_context, resolve, &complaint).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(GrpcServiceTest, ScreenMessageOverGrpc) {
  grpc::ClientContext context;
  v1::ScreenMessageRequest request;
  request.set_text("你再不还钱，我们就上门，你会后悔的");
  v1::ScreenMessageResponse response;
  ASSERT_TRUE(stub_->ScreenMessage(&context, request, &response).ok());
  EXPECT_FALSE(response.passed());
  EXPECT_FALSE(response.screening_id().empty());
  EXPECT_GT(response.audit_index(), 0u);
}

TEST_F(GrpcServiceTest, ExportAuditStreamsChunks) {
  for (int i = 0; i < 3; ++i) {
    grpc::ClientContext context;
    v1::ContactDecision decision;
    ASSERT_TRUE(stub_->CheckContact(&context, CallRequest(kCustomer, kStart), &decision).ok());
  }
  grpc::ClientContext context;
  v1::ExportAuditRequest request;
  request.set_include_proofs(true);
  std::unique_ptr<grpc::ClientReader<v1::ExportAuditChunk>> reader =
      stub_->ExportAudit(&context, request);
  v1::ExportAuditChunk chunk;
  std::string file;
  v1::ExportAuditChunk last;
  while (reader->Read(&chunk)) {
    file += chunk.data();
    last = chunk;
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(last.entry_count(), 4u);
  EXPECT_EQ(last.file_sha256(), audit::Sha256(file).ToString());
  EXPECT_EQ(last.checkpoint().size(), 4u);
}

}  // namespace
}  // namespace arrears::compliance::service
