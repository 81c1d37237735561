// W3C traceparent in gRPC metadata (the "traceparent" key), both directions.
//
// Servers normally need nothing from here: GrpcServer's call interceptor
// (grpc_server_interceptor.h) already runs each handler inside
// ServerTraceContext(). Use these directly in callback-API reactors, whose
// methods run on other threads, and on the client side:
//
//   grpc::ClientContext context;
//   InjectCurrentTraceContext(&context);  // propagate the caller's trace
//   stub->GetLoan(&context, request, &response);
//
// Thread-safety: pure functions over the contexts passed in; the contexts
// themselves follow gRPC's rules (one thread at a time).
#ifndef ARREARS_COMMON_RUNTIME_GRPC_TRACE_H_
#define ARREARS_COMMON_RUNTIME_GRPC_TRACE_H_

#include <optional>

#include "common/runtime/trace_context.h"
#include "grpcpp/client_context.h"
#include "grpcpp/server_context.h"

namespace arrears::runtime {

// The caller's context, or nullopt when the metadata has no valid
// traceparent (an invalid one is ignored, as the W3C spec asks).
std::optional<TraceContext> TraceContextFromServerContext(const grpc::ServerContextBase& context);

// The context a handler runs in: a child span of the caller's context, or a
// new root when the caller sent none.
TraceContext ServerTraceContext(const grpc::ServerContextBase& context);

// Adds `trace` as the call's traceparent. Call before starting the call.
void InjectTraceContext(const TraceContext& trace, grpc::ClientContext* context);

// Injects CurrentTraceContext() when there is one; returns whether it did.
bool InjectCurrentTraceContext(grpc::ClientContext* context);

}  // namespace arrears::runtime

#endif  // ARREARS_COMMON_RUNTIME_GRPC_TRACE_H_
