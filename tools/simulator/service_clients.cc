#include "tools/simulator/service_clients.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/runtime/published_file.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace arrears::simulator {
namespace {

struct Resolved {
  std::shared_ptr<grpc::Channel> channel;
  std::string address;
};

// The channel to `endpoint` once its address is known and it accepts
// connections, or why not by `deadline`.
std::optional<Resolved> Resolve(const ServiceEndpoint& endpoint, absl::Time deadline,
                                const std::atomic<bool>* stop, std::string* why) {
  std::string address = endpoint.address;
  if (address.empty() && endpoint.address_file.empty()) {
    *why = "no address or address file given";
    return std::nullopt;
  }
  while (address.empty()) {
    absl::StatusOr<std::string> published = runtime::ReadPublishedFile(endpoint.address_file);
    if (published.ok()) {
      address = *published;
      break;
    }
    if (absl::Now() >= deadline || (stop != nullptr && stop->load())) {
      *why = absl::StrCat("address file ", endpoint.address_file, " did not appear (",
                          published.status().message(), ")");
      return std::nullopt;
    }
    absl::SleepFor(absl::Milliseconds(100));  // the file belongs to another process
  }
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  const absl::Time connect_by = std::max(deadline, absl::Now() + absl::Seconds(5));
  if (!channel->WaitForConnected(absl::ToChronoTime(connect_by))) {
    *why = absl::StrCat("no connection to ", address);
    return std::nullopt;
  }
  return Resolved{std::move(channel), std::move(address)};
}

}  // namespace

std::unique_ptr<ServiceClients> ServiceClients::Connect(const ServiceEndpoints& endpoints,
                                                        absl::Duration wait,
                                                        const std::atomic<bool>* stop) {
  auto clients = std::make_unique<ServiceClients>();
  const absl::Time deadline = absl::Now() + wait;
  auto connect = [&](const char* name, const ServiceEndpoint& endpoint) {
    std::string why;
    std::optional<Resolved> resolved = Resolve(endpoint, deadline, stop, &why);
    if (!resolved) {
      clients->absent_[name] = why;
      return std::shared_ptr<grpc::Channel>();
    }
    clients->addresses_[name] = resolved->address;
    return resolved->channel;
  };
  if (auto channel = connect(kOverdueService, endpoints.overdue)) {
    clients->overdue_ = delinquency::v1::OverdueService::NewStub(channel);
  }
  if (auto channel = connect(kStrategyService, endpoints.strategy)) {
    clients->strategy_ = strategy::v1::StrategyService::NewStub(channel);
  }
  if (auto channel = connect(kContactService, endpoints.contact)) {
    clients->contact_ = contact::v1::ContactService::NewStub(channel);
  }
  if (auto channel = connect(kComplianceService, endpoints.compliance)) {
    clients->compliance_ = compliance::v1::ComplianceService::NewStub(channel);
  }
  return clients;
}

}  // namespace arrears::simulator
