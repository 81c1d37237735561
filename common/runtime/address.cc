#include "common/runtime/address.h"

#include <algorithm>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace arrears::runtime {
namespace {

absl::Status Invalid(absl::string_view address, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("address \"", address, "\" is not host:port: ", why));
}

}  // namespace

absl::StatusOr<HostPort> ParseHostPort(absl::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == absl::string_view::npos) return Invalid(address, "no port");
  absl::string_view host = address.substr(0, colon);
  const absl::string_view port_text = address.substr(colon + 1);
  if (absl::StartsWith(host, "[") || absl::EndsWith(host, "]")) {
    if (host.size() < 2 || !absl::StartsWith(host, "[") || !absl::EndsWith(host, "]")) {
      return Invalid(address, "unbalanced brackets");
    }
    host = host.substr(1, host.size() - 2);
  } else if (absl::StrContains(host, ':')) {
    return Invalid(address, "IPv6 hosts need brackets");
  }
  if (host.empty()) return Invalid(address, "no host");
  int port = 0;
  if (port_text.empty() ||
      !std::all_of(port_text.begin(), port_text.end(),
                   [](char c) { return absl::ascii_isdigit(c); }) ||
      !absl::SimpleAtoi(port_text, &port) || port > 65535) {
    return Invalid(address, "port must be a number in 0..65535");
  }
  return HostPort{std::string(host), port};
}

std::string FormatHostPort(const HostPort& address) {
  if (absl::StrContains(address.host, ':'))
    return absl::StrCat("[", address.host, "]:", address.port);
  return absl::StrCat(address.host, ":", address.port);
}

}  // namespace arrears::runtime
