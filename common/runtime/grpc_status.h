// The one place where absl::Status and grpc::Status meet.
//
// Services keep domain logic in absl::Status (see common/status); gRPC
// handlers convert on the way out with ToGrpcStatus, and clients convert what
// they receive with FromGrpcStatus. The canonical codes are numerically the
// same in both libraries, so the mapping keeps code and message exactly;
// absl::Status payloads and grpc::Status error details are not carried over.
// Pure functions; thread-safe.
#ifndef ARREARS_COMMON_RUNTIME_GRPC_STATUS_H_
#define ARREARS_COMMON_RUNTIME_GRPC_STATUS_H_

#include "absl/status/status.h"
#include "grpcpp/support/status.h"

namespace arrears::runtime {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace arrears::runtime

#endif  // ARREARS_COMMON_RUNTIME_GRPC_STATUS_H_
