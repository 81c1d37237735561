// A gRPC server with what every Arrears service needs around its own
// services:
//
//  - the standard health service (grpc.health.v1.Health), reporting each
//    registered service by full name and the server overall (""). It starts
//    NOT_SERVING; main calls SetServing(true) once the service can do its
//    work, and Shutdown turns it off first;
//  - server reflection (grpc.reflection.v1alpha), so grpcurl can list and
//    call services without the .proto files;
//  - the call interceptor of grpc_server_interceptor.h (trace context, call
//    logs, metrics).
//
//   LoanServiceImpl loans(...);
//   ARREARS_ASSIGN_OR_RETURN(auto server, GrpcServer::Create({
//       .address = config.grpc_address,
//       .services = {GrpcServiceBinding::Of<arrears::loan::v1::LoanService>(&loans)},
//       .metrics = &registry}));
//   server->SetServing(true);
//   ...
//   server->Shutdown(absl::Seconds(5));  // drains in-flight calls
//
// Thread-safety: all methods are thread-safe. Services are not owned and must
// outlive the server. Destruction shuts down with no grace period if Shutdown
// was not called.
#ifndef ARREARS_COMMON_RUNTIME_GRPC_SERVER_H_
#define ARREARS_COMMON_RUNTIME_GRPC_SERVER_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/runtime/metrics.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace arrears::runtime {

// A service implementation and its fully qualified name (the health
// service's key).
struct GrpcServiceBinding {
  grpc::Service* service = nullptr;
  std::string full_name;

  // Takes the name from the generated class:
  // GrpcServiceBinding::Of<arrears::loan::v1::LoanService>(&impl).
  template <typename Generated, typename Impl>
  static GrpcServiceBinding Of(Impl* impl) {
    return {impl, Generated::service_full_name()};
  }
};

struct GrpcServerOptions {
  // host:port; port 0 picks a free port (see port()).
  std::string address = "127.0.0.1:0";
  std::vector<GrpcServiceBinding> services = {};
  // Optional; receives the per-call metrics. Must outlive the server.
  MetricsRegistry* metrics = nullptr;
};

class GrpcServer {
 public:
  // InvalidArgument for a malformed address or a service without a name;
  // Unavailable when the server cannot listen on the address (the port is
  // exclusive: no SO_REUSEPORT).
  static absl::StatusOr<std::unique_ptr<GrpcServer>> Create(const GrpcServerOptions& options);

  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  int port() const { return port_; }

  // Health status of every registered service and of the server overall.
  void SetServing(bool serving);

  // Health off, stop accepting calls, let in-flight calls finish until
  // `grace` has passed (then cancel them), and wait for the server to stop.
  // Idempotent; later calls return at once.
  void Shutdown(absl::Duration grace);

 private:
  GrpcServer(std::unique_ptr<grpc::Server> server, int port, std::vector<std::string> names);

  std::unique_ptr<grpc::Server> server_;
  const int port_;
  const std::vector<std::string> service_names_;
  std::once_flag shutdown_once_;
};

}  // namespace arrears::runtime

#endif  // ARREARS_COMMON_RUNTIME_GRPC_SERVER_H_
