// Per-call observability for gRPC servers, as a server interceptor:
//
//  - the handler runs with a current trace context (trace_context.h): a
//    child span of the caller's traceparent, or a new root;
//  - every finished call is logged with method, code, latency_ms (and the
//    error message when not OK): info for OK and caller errors, warning for
//    server-side codes (UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL,
//    UNAVAILABLE, DATA_LOSS); health and reflection calls at debug;
//  - with a registry, arrears_grpc_server_handled_total{method,code} and
//    arrears_grpc_server_handling_seconds{method} are recorded.
//
// How the trace context reaches the handler: gRPC 1.51 runs the server's
// interceptors for the received-metadata/message batch and then invokes the
// handler from inside the last interceptor's Proceed(), on the same thread.
// The interceptor holds a ScopedTraceContext around its Proceed(), so the
// handler body (and anything it calls synchronously) sees the context.
// grpc_server_test checks this for the sync API, which the services use; the
// callback API takes the same path for the handler's own invocation, but not
// for a reactor's later methods. Work handed to other threads does not see
// it either: carry the TraceContext, or call ServerTraceContext() /
// TraceContextFromServerContext() (grpc_trace.h). This relies on gRPC's
// experimental interceptor API; should a gRPC upgrade stop nesting the
// handler, the test fails and handlers fall back to those helpers.
//
// The factory is thread-safe and creates one interceptor per call.
#ifndef ARREARS_COMMON_RUNTIME_GRPC_SERVER_INTERCEPTOR_H_
#define ARREARS_COMMON_RUNTIME_GRPC_SERVER_INTERCEPTOR_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/runtime/metrics.h"
#include "grpcpp/support/server_interceptor.h"

namespace arrears::runtime {

// `metrics` may be null (no metrics); when given it must outlive the factory
// and every call it intercepts. Fails only when the metric names are taken
// with another definition.
absl::StatusOr<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
MakeServerCallInterceptorFactory(MetricsRegistry* metrics);

}  // namespace arrears::runtime

#endif  // ARREARS_COMMON_RUNTIME_GRPC_SERVER_INTERCEPTOR_H_
