#include "tools/devbroker/dev_broker.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/status/status_macros.h"

namespace arrears::devbroker {
namespace {

struct HostPort {
  std::string host;
  int port = 0;
};

// The first "host:port" of a comma-separated bootstrap list.
absl::StatusOr<HostPort> FirstBroker(absl::string_view bootstrap_servers) {
  absl::string_view first =
      std::pair<absl::string_view, absl::string_view>(absl::StrSplit(bootstrap_servers, ',')).first;
  const size_t colon = first.rfind(':');
  HostPort result;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(first.substr(colon + 1), &result.port)) {
    return absl::InternalError(absl::StrCat("DevBroker: mock cluster bootstrap servers '",
                                            bootstrap_servers, "' do not start with host:port"));
  }
  result.host = std::string(first.substr(0, colon));
  return result;
}

// librdkafka 2.0.2's mock thread serves queued API calls (e.g. topic creation)
// and only then drains its wake-up pipe, so a call made
// in between loses its wake-up and waits for the thread's 1 s poll timeout:
// creating the 18 topics took anywhere from 0.1 to 9 s. A connection to a
// broker's listener wakes the thread too, so while a burst of calls runs we
// open (and at once close) one every few milliseconds.
void WithMockWakeups(const HostPort& broker, absl::FunctionRef<void()> calls) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(broker.port));
  if (inet_pton(AF_INET, broker.host.c_str(), &address.sin_addr) != 1) {
    calls();  // Not an address we can poke: slower, still correct.
    return;
  }
  absl::Notification done;
  std::thread waker([&] {
    while (!done.WaitForNotificationWithTimeout(absl::Milliseconds(5))) {
      int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) continue;
      connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address));
      close(fd);
    }
  });
  calls();
  done.Notify();
  waker.join();
}

}  // namespace

absl::StatusOr<std::vector<DevTopic>> DevTopics(const std::vector<topics::TopicSpec>& specs,
                                                int partitions_override) {
  if (partitions_override < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("partitions override ", partitions_override, " is negative"));
  }
  std::vector<DevTopic> result;
  result.reserve(2 * specs.size());
  for (const topics::TopicSpec& spec : specs) {
    if (spec.name().empty()) {
      return absl::InvalidArgumentError("a topic spec has no name");
    }
    if (spec.partitions() <= 0 || spec.dlq_partitions() <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("topic ", spec.name(), " declares partitions ", spec.partitions(),
                       " and dlq_partitions ", spec.dlq_partitions(), "; both must be positive"));
    }
    result.push_back(
        {spec.name(), partitions_override > 0 ? partitions_override : spec.partitions()});
    result.push_back({topics::DeadLetterTopicName(spec.name()), spec.dlq_partitions()});
  }
  return result;
}

absl::StatusOr<std::unique_ptr<DevBroker>> DevBroker::Create(const Options& options) {
  if (options.brokers < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("DevBroker: brokers ", options.brokers, " must be at least 1"));
  }
  ARREARS_ASSIGN_OR_RETURN(std::vector<DevTopic> topics,
                           DevTopics(topics::AllTopics(), options.partitions_override));
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<kafka::testing::MockCluster> cluster,
                           kafka::testing::MockCluster::Create(options.brokers));
  ARREARS_ASSIGN_OR_RETURN(HostPort first, FirstBroker(cluster->bootstrap_servers()));
  absl::Status created;
  WithMockWakeups(first, [&] {
    for (const DevTopic& topic : topics) {
      created = Annotate(cluster->CreateTopic(topic.name, topic.partitions),
                         absl::StrCat("DevBroker: creating topic ", topic.name));
      if (!created.ok()) return;
    }
  });
  ARREARS_RETURN_IF_ERROR(created);
  ARREARS_ASSIGN_OR_RETURN(
      std::unique_ptr<TcpForwarder> forwarder,
      TcpForwarder::Create(
          {.listen_port = options.port, .target_host = first.host, .target_port = first.port}));
  return std::unique_ptr<DevBroker>(
      new DevBroker(std::move(cluster), std::move(forwarder), std::move(topics)));
}

DevBroker::DevBroker(std::unique_ptr<kafka::testing::MockCluster> cluster,
                     std::unique_ptr<TcpForwarder> forwarder, std::vector<DevTopic> topics)
    : cluster_(std::move(cluster)),
      forwarder_(std::move(forwarder)),
      topics_(std::move(topics)),
      bootstrap_(absl::StrCat("127.0.0.1:", forwarder_->port())),
      broker_addresses_(cluster_->bootstrap_servers()) {}

DevBroker::~DevBroker() { Stop(); }

void DevBroker::Stop() {
  // Forwarder first: no new bootstrap connections into a cluster being torn
  // down. Destroying the mock can take up to 1 s (librdkafka 2.0.2 joins an
  // internal broker thread that polls with a 1 s timeout).
  forwarder_.reset();
  cluster_.reset();
}

}  // namespace arrears::devbroker
