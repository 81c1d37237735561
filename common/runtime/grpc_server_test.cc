#include "common/runtime/grpc_server.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/runtime/grpc_status.h"
#include "common/runtime/grpc_trace.h"
#include "common/runtime/logging.h"
#include "common/runtime/metrics.h"
#include "common/runtime/testdata/echo.grpc.pb.h"
#include "common/runtime/trace_context.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/text_format.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace arrears::runtime {
namespace {

using ::arrears::testing::StatusIs;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;
using EchoService = ::arrears::runtime::testing::EchoService;
using ::arrears::runtime::testing::EchoRequest;
using ::arrears::runtime::testing::EchoResponse;

constexpr char kEchoServiceName[] = "arrears.runtime.testing.EchoService";
constexpr char kEchoMethod[] = "/arrears.runtime.testing.EchoService/Echo";
constexpr char kCallerTraceparent[] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr absl::Duration kPatience = absl::Seconds(10);

class EchoServiceImpl final : public EchoService::Service {
 public:
  grpc::Status Echo(grpc::ServerContext*, const EchoRequest* request,
                    EchoResponse* response) override {
    if (request->wait_for_release()) {
      entered_.Notify();
      release_.WaitForNotification();
    }
    if (request->fail_with_code() != 0) {
      return ToGrpcStatus(
          absl::Status(static_cast<absl::StatusCode>(request->fail_with_code()), "asked to fail"));
    }
    response->set_message(request->message());
    if (std::optional<TraceContext> trace = CurrentTraceContext(); trace.has_value()) {
      response->set_traceparent(trace->ToTraceparent());
    }
    return grpc::Status::OK;
  }

  absl::Notification entered_;
  absl::Notification release_;
};

// Repeats `attempt` until it returns true, failing the test after kPatience.
void Eventually(const std::function<bool()>& attempt, absl::string_view what) {
  const absl::Time deadline = absl::Now() + kPatience;
  while (!attempt()) {
    ASSERT_LT(absl::Now(), deadline) << "timed out waiting for " << what;
    absl::SleepFor(absl::Milliseconds(5));
  }
}

class GrpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sink_ = std::make_shared<MemoryLogSink>();
    ConfigureLogging({.service = "test", .min_level = LogLevel::kDebug, .sink = sink_});
    ASSERT_OK_AND_ASSIGN(
        server_, GrpcServer::Create({.address = "127.0.0.1:0",
                                     .services = {GrpcServiceBinding::Of<EchoService>(&echo_)},
                                     .metrics = &registry_}));
    ASSERT_GT(server_->port(), 0);
    channel_ = NewChannel();
    stub_ = EchoService::NewStub(channel_);
  }

  void TearDown() override {
    server_.reset();
    ConfigureLogging({});
  }

  std::shared_ptr<grpc::Channel> NewChannel() const {
    return grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                               grpc::InsecureChannelCredentials());
  }

  static void SetDeadline(grpc::ClientContext* context) {
    context->set_deadline(absl::ToChronoTime(absl::Now() + kPatience));
  }

  grpc::Status Echo(const EchoRequest& request, EchoResponse* response,
                    const std::function<void(grpc::ClientContext*)>& prepare = nullptr) {
    grpc::ClientContext context;
    SetDeadline(&context);
    if (prepare) prepare(&context);
    return stub_->Echo(&context, request, response);
  }

  grpc::Status CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                           const std::string& service, HealthCheckResponse* response) {
    grpc::ClientContext context;
    SetDeadline(&context);
    HealthCheckRequest request;
    request.set_service(service);
    return grpc::health::v1::Health::NewStub(channel)->Check(&context, request, response);
  }

  HealthCheckResponse::ServingStatus HealthOf(const std::string& service) {
    HealthCheckResponse response;
    grpc::Status status = CheckHealth(channel_, service, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.status();
  }

  std::vector<nlohmann::json> CallLogs() const {
    std::vector<nlohmann::json> records;
    for (const std::string& line : sink_->Lines()) {
      nlohmann::json record = nlohmann::json::parse(line);
      if (record["msg"] == "grpc call") records.push_back(record);
    }
    return records;
  }

  std::shared_ptr<MemoryLogSink> sink_;
  MetricsRegistry registry_;
  EchoServiceImpl echo_;
  std::unique_ptr<GrpcServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<EchoService::Stub> stub_;
};

TEST_F(GrpcServerTest, ServesRegisteredService) {
  EchoRequest request;
  request.set_message("hello");
  EchoResponse response;
  grpc::Status status = Echo(request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.message(), "hello");
}

TEST_F(GrpcServerTest, HandlerRunsInAChildOfTheCallersTrace) {
  ASSERT_OK_AND_ASSIGN(TraceContext caller, TraceContext::FromTraceparent(kCallerTraceparent));
  EchoRequest request;
  EchoResponse response;
  ASSERT_TRUE(Echo(request, &response, [&](grpc::ClientContext* context) {
                InjectTraceContext(caller, context);
              }).ok());
  ASSERT_OK_AND_ASSIGN(TraceContext seen, TraceContext::FromTraceparent(response.traceparent()));
  EXPECT_EQ(seen.TraceIdHex(), caller.TraceIdHex());
  EXPECT_NE(seen.SpanIdHex(), caller.SpanIdHex());

  // The call's log line carries the handler's trace and span.
  Eventually([&] { return !CallLogs().empty(); }, "the call log");
  const nlohmann::json log = CallLogs().back();
  EXPECT_EQ(log["method"], kEchoMethod);
  EXPECT_EQ(log["code"], "OK");
  EXPECT_EQ(log["level"], "info");
  EXPECT_EQ(log["trace_id"], seen.TraceIdHex());
  EXPECT_EQ(log["span_id"], seen.SpanIdHex());
  EXPECT_TRUE(log["latency_ms"].is_number());
}

TEST_F(GrpcServerTest, CurrentContextOfTheCallerIsPropagated) {
  TraceContext caller = TraceContext::NewRoot();
  ScopedTraceContext scope(caller);
  EchoRequest request;
  EchoResponse response;
  ASSERT_TRUE(Echo(request, &response, [](grpc::ClientContext* context) {
                EXPECT_TRUE(InjectCurrentTraceContext(context));
              }).ok());
  ASSERT_OK_AND_ASSIGN(TraceContext seen, TraceContext::FromTraceparent(response.traceparent()));
  EXPECT_EQ(seen.TraceIdHex(), caller.TraceIdHex());
}

TEST_F(GrpcServerTest, UntracedCallGetsANewRoot) {
  EchoRequest request;
  EchoResponse response;
  ASSERT_TRUE(Echo(request, &response, [](grpc::ClientContext* context) {
                context->AddMetadata("traceparent", "garbage");  // ignored, as the spec asks
              }).ok());
  EXPECT_TRUE(TraceContext::FromTraceparent(response.traceparent()).ok()) << response.traceparent();
}

TEST_F(GrpcServerTest, ErrorsKeepCodeAndMessageAndAreLoggedAndCounted) {
  EchoRequest request;
  request.set_fail_with_code(static_cast<int>(absl::StatusCode::kInternal));
  EchoResponse response;
  grpc::Status status = Echo(request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_THAT(FromGrpcStatus(status), StatusIs(absl::StatusCode::kInternal, "asked to fail"));

  const std::string counted = absl::StrCat("arrears_grpc_server_handled_total{method=\"",
                                           kEchoMethod, "\",code=\"INTERNAL\"} 1\n");
  Eventually([&] { return registry_.RenderPrometheusText().find(counted) != std::string::npos; },
             "the call to be counted");
  EXPECT_THAT(registry_.RenderPrometheusText(),
              HasSubstr(absl::StrCat("arrears_grpc_server_handling_seconds_count{method=\"",
                                     kEchoMethod, "\"} 1\n")));
  Eventually([&] { return !CallLogs().empty(); }, "the call log");
  const nlohmann::json log = CallLogs().back();
  EXPECT_EQ(log["level"], "warning");
  EXPECT_EQ(log["code"], "INTERNAL");
  EXPECT_EQ(log["error"], "asked to fail");
}

TEST_F(GrpcServerTest, HealthFollowsSetServing) {
  EXPECT_EQ(HealthOf(""), HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(HealthOf(kEchoServiceName), HealthCheckResponse::NOT_SERVING);
  server_->SetServing(true);
  EXPECT_EQ(HealthOf(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(HealthOf(kEchoServiceName), HealthCheckResponse::SERVING);
  HealthCheckResponse response;
  EXPECT_EQ(CheckHealth(channel_, "no.such.Service", &response).error_code(),
            grpc::StatusCode::NOT_FOUND);
  // Health probes log at debug only.
  Eventually([&] { return CallLogs().size() >= 5; }, "the health call logs");
  EXPECT_EQ(CallLogs().front()["level"], "debug");
}

// Asks the reflection service to list services. Its request and response
// types are built at run time, in a private descriptor pool, from the subset
// of grpc/reflection/v1alpha/reflection.proto that listing needs (same field
// numbers): libgrpc++_reflection already registers generated classes for
// these messages, so generating them here would clash, and Debian ships no
// protobuf compiler headers to import the .proto at run time.
constexpr char kReflectionSubset[] = R"pb(
  name: "reflection_subset.proto"
  package: "grpc.reflection.v1alpha"
  syntax: "proto3"
  message_type {
    name: "ServerReflectionRequest"
    field { name: "host" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    # In a oneof, so that the empty string is still sent.
    field { name: "list_services" number: 7 label: LABEL_OPTIONAL type: TYPE_STRING oneof_index: 0 }
    oneof_decl { name: "message_request" }
  }
  message_type {
    name: "ServerReflectionResponse"
    field { name: "valid_host" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field {
      name: "list_services_response"
      number: 6
      label: LABEL_OPTIONAL
      type: TYPE_MESSAGE
      type_name: ".grpc.reflection.v1alpha.ListServiceResponse"
    }
  }
  message_type {
    name: "ListServiceResponse"
    field {
      name: "service"
      number: 1
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".grpc.reflection.v1alpha.ServiceResponse"
    }
  }
  message_type {
    name: "ServiceResponse"
    field { name: "name" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
  }
)pb";

TEST_F(GrpcServerTest, ReflectionListsServices) {
  google::protobuf::FileDescriptorProto file;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kReflectionSubset, &file));
  google::protobuf::DescriptorPool pool;
  ASSERT_NE(pool.BuildFile(file), nullptr);
  const google::protobuf::Descriptor* request_type =
      pool.FindMessageTypeByName("grpc.reflection.v1alpha.ServerReflectionRequest");
  const google::protobuf::Descriptor* response_type =
      pool.FindMessageTypeByName("grpc.reflection.v1alpha.ServerReflectionResponse");
  ASSERT_NE(request_type, nullptr);
  ASSERT_NE(response_type, nullptr);
  google::protobuf::DynamicMessageFactory factory;
  std::unique_ptr<google::protobuf::Message> request(factory.GetPrototype(request_type)->New());
  request->GetReflection()->SetString(request.get(), request_type->FindFieldByName("list_services"),
                                      "");
  std::string request_bytes;
  ASSERT_TRUE(request->SerializeToString(&request_bytes));

  grpc::GenericStub generic(channel_);
  grpc::CompletionQueue queue;
  grpc::ClientContext context;
  SetDeadline(&context);
  auto call = generic.PrepareCall(
      &context, "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  auto await = [&queue](intptr_t expected) {
    void* tag = nullptr;
    bool ok = false;
    ASSERT_TRUE(queue.Next(&tag, &ok));
    EXPECT_EQ(reinterpret_cast<intptr_t>(tag), expected);
    EXPECT_TRUE(ok) << "operation " << expected;
  };
  call->StartCall(reinterpret_cast<void*>(1));
  await(1);
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer outgoing(&slice, 1);
  call->Write(outgoing, reinterpret_cast<void*>(2));
  await(2);
  grpc::ByteBuffer incoming;
  call->Read(&incoming, reinterpret_cast<void*>(3));
  await(3);
  call->WritesDone(reinterpret_cast<void*>(4));
  await(4);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  await(5);
  EXPECT_TRUE(status.ok()) << status.error_message();
  queue.Shutdown();

  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(incoming.Dump(&slices).ok());
  std::string response_bytes;
  for (const grpc::Slice& s : slices) {
    response_bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  std::unique_ptr<google::protobuf::Message> response(factory.GetPrototype(response_type)->New());
  ASSERT_TRUE(response->ParseFromString(response_bytes));
  const std::string text = response->DebugString();
  EXPECT_THAT(text, HasSubstr(absl::StrCat("name: \"", kEchoServiceName, "\"")));
  EXPECT_THAT(text, HasSubstr("name: \"grpc.health.v1.Health\""));
  EXPECT_THAT(text, HasSubstr("name: \"grpc.reflection.v1alpha.ServerReflection\""));
}

TEST_F(GrpcServerTest, ShutdownLetsInFlightCallsFinish) {
  server_->SetServing(true);
  grpc::Status in_flight_status;
  EchoResponse in_flight_response;
  std::thread in_flight([&] {
    EchoRequest request;
    request.set_message("in flight");
    request.set_wait_for_release(true);
    in_flight_status = Echo(request, &in_flight_response);
  });
  ASSERT_TRUE(echo_.entered_.WaitForNotificationWithTimeout(kPatience));

  std::thread shutdown([&] { server_->Shutdown(kPatience); });
  // Once Shutdown has begun, the server refuses new calls (health goes
  // NOT_SERVING first, then the listener closes).
  Eventually(
      [&] {
        HealthCheckResponse response;
        grpc::Status status = CheckHealth(NewChannel(), "", &response);
        return !status.ok();
      },
      "the server to refuse new calls");
  echo_.release_.Notify();
  in_flight.join();
  shutdown.join();
  EXPECT_TRUE(in_flight_status.ok()) << in_flight_status.error_message();
  EXPECT_EQ(in_flight_response.message(), "in flight");
  server_->Shutdown(absl::ZeroDuration());  // idempotent
}

TEST_F(GrpcServerTest, PortInUseIsUnavailable) {
  EXPECT_THAT(GrpcServer::Create({.address = absl::StrCat("127.0.0.1:", server_->port())}),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("cannot listen")));
}

TEST(GrpcServerCreateTest, RejectsBadOptions) {
  EXPECT_THAT(GrpcServer::Create({.address = "no-port"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no-port")));
  EchoServiceImpl echo;
  EXPECT_THAT(GrpcServer::Create({.address = "127.0.0.1:0", .services = {{&echo, ""}}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace arrears::runtime
