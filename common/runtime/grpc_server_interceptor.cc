#include "common/runtime/grpc_server_interceptor.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "common/runtime/grpc_trace.h"
#include "common/runtime/logging.h"
#include "common/runtime/trace_context.h"
#include "common/status/status_macros.h"
#include "grpcpp/server_context.h"

namespace arrears::runtime {
namespace {

using grpc::experimental::InterceptionHookPoints;

struct CallMetrics {
  Family<Counter>* handled;
  Family<Histogram>* latency;
};

bool IsServerSideError(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::UNKNOWN:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::UNIMPLEMENTED:
    case grpc::StatusCode::INTERNAL:
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DATA_LOSS:
      return true;
    default:
      return false;
  }
}

// Probes and tooling: visible at debug only, so they do not drown real calls.
bool IsInfrastructureMethod(absl::string_view method) {
  return absl::StartsWith(method, "/grpc.health.") || absl::StartsWith(method, "/grpc.reflection.");
}

class ServerCallInterceptor final : public grpc::experimental::Interceptor {
 public:
  ServerCallInterceptor(grpc::experimental::ServerRpcInfo* info,
                        const std::optional<CallMetrics>& metrics)
      : info_(info),
        method_(info->method() != nullptr ? info->method() : ""),
        metrics_(metrics),
        start_(std::chrono::steady_clock::now()) {}

  ~ServerCallInterceptor() override { Finish(); }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      trace_ = ServerTraceContext(*info_->server_context());
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      status_ = methods->GetSendStatus();
    }
    if (trace_.has_value()) {
      // The handler runs inside this Proceed(); see the header.
      ScopedTraceContext scope(*trace_);
      methods->Proceed();
    } else {
      methods->Proceed();
    }
  }

 private:
  void Finish() {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    // A call that never sent a status was cancelled (client gone, deadline).
    const grpc::Status status =
        status_.has_value() ? *status_ : grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    const std::string code(
        absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())));
    if (metrics_.has_value()) {
      metrics_->handled->WithLabels({method_, code}).Increment();
      metrics_->latency->WithLabels({method_}).Observe(seconds);
    }
    LogLevel level = LogLevel::kInfo;
    if (IsInfrastructureMethod(method_)) {
      level = LogLevel::kDebug;
    } else if (IsServerSideError(status.error_code())) {
      level = LogLevel::kWarning;
    }
    if (!IsLogEnabled(level)) return;
    std::optional<ScopedTraceContext> scope;
    if (trace_.has_value()) scope.emplace(*trace_);
    LogRecord record(level, "grpc call");
    record.With("method", method_).With("code", code).With("latency_ms", seconds * 1e3);
    if (!status.ok()) record.With("error", status.error_message());
  }

  grpc::experimental::ServerRpcInfo* const info_;
  const std::string method_;
  const std::optional<CallMetrics> metrics_;
  const std::chrono::steady_clock::time_point start_;
  std::optional<TraceContext> trace_;
  std::optional<grpc::Status> status_;
};

class ServerCallInterceptorFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ServerCallInterceptorFactory(std::optional<CallMetrics> metrics) : metrics_(metrics) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new ServerCallInterceptor(info, metrics_);
  }

 private:
  const std::optional<CallMetrics> metrics_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MakeServerCallInterceptorFactory(MetricsRegistry* metrics) {
  std::optional<CallMetrics> call_metrics;
  if (metrics != nullptr) {
    ARREARS_ASSIGN_OR_RETURN(
        Family<Counter> * handled,
        metrics->AddCounterFamily("arrears_grpc_server_handled_total",
                                  "gRPC calls completed by the server, by method and status code.",
                                  {"method", "code"}));
    ARREARS_ASSIGN_OR_RETURN(
        Family<Histogram> * latency,
        metrics->AddHistogramFamily("arrears_grpc_server_handling_seconds",
                                    "Time from receiving a gRPC call to its end, by method.",
                                    {"method"}, DefaultLatencyBuckets()));
    call_metrics = CallMetrics{handled, latency};
  }
  return std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>(
      new ServerCallInterceptorFactory(call_metrics));
}

}  // namespace arrears::runtime
