// Publishing the address a gRPC server is bound to, for peers and tests on
// this host (--grpc_address_file). One rule for every host implementation.
#ifndef ARREARS_COMMON_SERVICE_BOUND_ADDRESS_H_
#define ARREARS_COMMON_SERVICE_BOUND_ADDRESS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/runtime/published_file.h"

namespace arrears::service {

// Writes "<host>:<port>" to `file` while the returned object lives. A
// wildcard listen host (0.0.0.0, ::, empty) is published as loopback, since
// readers are on this host; IPv6 hosts are bracketed. Errors name
// --grpc_address or --grpc_address_file.
absl::StatusOr<std::unique_ptr<runtime::PublishedFile>> PublishBoundAddress(
    const std::string& file, const std::string& listen_address, int port);

}  // namespace arrears::service

#endif  // ARREARS_COMMON_SERVICE_BOUND_ADDRESS_H_
