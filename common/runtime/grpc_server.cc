#include "common/runtime/grpc_server.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/runtime/address.h"
#include "common/runtime/grpc_server_interceptor.h"
#include "common/runtime/logging.h"
#include "common/status/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"

namespace arrears::runtime {
namespace {

// Both are process-wide switches read when a ServerBuilder is made.
void EnableHealthAndReflection() {
  static std::once_flag once;
  std::call_once(once, [] {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  });
}

}  // namespace

absl::StatusOr<std::unique_ptr<GrpcServer>> GrpcServer::Create(const GrpcServerOptions& options) {
  ARREARS_ASSIGN_OR_RETURN(HostPort host_port, ParseHostPort(options.address));
  std::vector<std::string> names;
  for (const GrpcServiceBinding& binding : options.services) {
    if (binding.service == nullptr || binding.full_name.empty()) {
      return absl::InvalidArgumentError("grpc server: a service binding lacks a service or name");
    }
    names.push_back(binding.full_name);
  }
  ARREARS_ASSIGN_OR_RETURN(auto interceptor_factory,
                           MakeServerCallInterceptorFactory(options.metrics));

  EnableHealthAndReflection();
  grpc::ServerBuilder builder;
  int port = 0;
  // As for HTTP: a taken port is an error, not a port shared with whoever
  // holds it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(FormatHostPort(host_port), grpc::InsecureServerCredentials(), &port);
  for (const GrpcServiceBinding& binding : options.services) {
    builder.RegisterService(binding.service);
  }
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::move(interceptor_factory));
  builder.experimental().SetInterceptorCreators(std::move(factories));

  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    if (server != nullptr) server->Shutdown();
    return absl::UnavailableError(
        absl::StrCat("grpc server: cannot listen on \"", options.address, "\""));
  }
  std::unique_ptr<GrpcServer> result(new GrpcServer(std::move(server), port, std::move(names)));
  result->SetServing(false);
  LogInfo("grpc server listening").With("address", options.address).With("port", port);
  return result;
}

GrpcServer::GrpcServer(std::unique_ptr<grpc::Server> server, int port,
                       std::vector<std::string> names)
    : server_(std::move(server)), port_(port), service_names_(std::move(names)) {}

GrpcServer::~GrpcServer() { Shutdown(absl::ZeroDuration()); }

void GrpcServer::SetServing(bool serving) {
  grpc::HealthCheckServiceInterface* health = server_->GetHealthCheckService();
  if (health == nullptr) return;
  for (const std::string& name : service_names_) health->SetServingStatus(name, serving);
  health->SetServingStatus(serving);
}

void GrpcServer::Shutdown(absl::Duration grace) {
  std::call_once(shutdown_once_, [&] {
    SetServing(false);
    const absl::Time start = absl::Now();
    server_->Shutdown(absl::ToChronoTime(start + grace));
    server_->Wait();
    LogInfo("grpc server stopped").With("port", port_).With("duration", absl::Now() - start);
  });
}

}  // namespace arrears::runtime
