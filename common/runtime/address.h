// "host:port" listen addresses as the runtime's flags spell them.
//
//   127.0.0.1:8080    0.0.0.0:0    localhost:9090    [::1]:0
//
// Port 0 asks the kernel for an ephemeral port; servers report the port they
// got. IPv6 literals are bracketed in the text and unbracketed in `host`.
// Pure functions; thread-safe.
#ifndef ARREARS_COMMON_RUNTIME_ADDRESS_H_
#define ARREARS_COMMON_RUNTIME_ADDRESS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::runtime {

struct HostPort {
  std::string host;  // never empty; IPv6 without brackets
  int port = 0;      // 0..65535

  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// InvalidArgument, quoting the input, when the host is missing, the port is
// missing or not a number in 0..65535, or brackets are unbalanced.
absl::StatusOr<HostPort> ParseHostPort(absl::string_view address);

// Back to text, bracketing IPv6 hosts: {"::1", 80} -> "[::1]:80".
std::string FormatHostPort(const HostPort& address);

}  // namespace arrears::runtime

#endif  // ARREARS_COMMON_RUNTIME_ADDRESS_H_
