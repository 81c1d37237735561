#include "common/service/bound_address.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/runtime/address.h"
#include "common/status/status_macros.h"

namespace arrears::service {

absl::StatusOr<std::unique_ptr<runtime::PublishedFile>> PublishBoundAddress(
    const std::string& file, const std::string& listen_address, int port) {
  absl::StatusOr<runtime::HostPort> listen = runtime::ParseHostPort(listen_address);
  if (!listen.ok()) return Annotate(listen.status(), "--grpc_address");
  std::string host = listen->host;
  if (host == "0.0.0.0" || host.empty()) host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (absl::StrContains(host, ':')) host = absl::StrCat("[", host, "]");
  absl::StatusOr<std::unique_ptr<runtime::PublishedFile>> published =
      runtime::PublishedFile::Create(file, absl::StrCat(host, ":", port));
  if (!published.ok()) return Annotate(published.status(), "--grpc_address_file");
  return published;
}

}  // namespace arrears::service
