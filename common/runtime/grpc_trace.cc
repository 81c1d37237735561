#include "common/runtime/grpc_trace.h"

#include <optional>
#include <string>

namespace arrears::runtime {

std::optional<TraceContext> TraceContextFromServerContext(const grpc::ServerContextBase& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(kTraceparentHeader.data(), kTraceparentHeader.size()));
  if (it == metadata.end()) return std::nullopt;
  absl::StatusOr<TraceContext> trace =
      TraceContext::FromTraceparent(absl::string_view(it->second.data(), it->second.size()));
  if (!trace.ok()) return std::nullopt;
  return *trace;
}

TraceContext ServerTraceContext(const grpc::ServerContextBase& context) {
  std::optional<TraceContext> caller = TraceContextFromServerContext(context);
  return caller.has_value() ? caller->NewChild() : TraceContext::NewRoot();
}

void InjectTraceContext(const TraceContext& trace, grpc::ClientContext* context) {
  context->AddMetadata(std::string(kTraceparentHeader), trace.ToTraceparent());
}

bool InjectCurrentTraceContext(grpc::ClientContext* context) {
  std::optional<TraceContext> current = CurrentTraceContext();
  if (!current.has_value()) return false;
  InjectTraceContext(*current, context);
  return true;
}

}  // namespace arrears::runtime
