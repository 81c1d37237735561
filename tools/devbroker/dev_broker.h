// DevBroker: a Kafka-protocol broker for development, built on librdkafka's
// mock cluster, reachable on a fixed loopback port, with the system's topics
// already created.
//
//   ARREARS_ASSIGN_OR_RETURN(auto broker, DevBroker::Create({.port = 9092}));
//   broker->bootstrap();  // "127.0.0.1:9092": give this to any Kafka client
//   broker->Stop();
//
// Why: there is no Kafka broker in Debian, and the mock has neither a fixed
// port nor an Admin API. A TcpForwarder on the fixed port carries the
// bootstrap connection to the first mock broker; clients then reach every
// broker on the ephemeral port it advertises in metadata. Topics are created
// through the mock's own API from the topic registry (common/topics), since
// clients cannot create them. The mock's limits are listed in README.md.
//
// Contract:
// - After Create() returns, every topic of DevTopics(AllTopics(), ...) exists
//   and bootstrap() accepts connections.
// - SetReachable(false) starts a broker outage: every mock broker drops its
//   client connections (so do the forwarder's bootstrap connections, which
//   end at the first broker) and closes each new one at once, without any
//   leader change; the data stays. SetReachable(true) ends it: clients
//   reconnect on their own (librdkafka's reconnect backoff) and carry on.
//   This is how fault-injection runs drop the broker connection.
// - Stop() (also run by the destructor) closes the forwarder, then destroys
//   the cluster, which may take up to ~1 s; all data is gone (nothing
//   persists), and clients still connected do not recover, even if a new
//   DevBroker takes the same port.
//
// Thread-safety: bootstrap(), topics() and SetReachable() may be called from
// any thread; Stop() from one thread at a time, not concurrently with
// SetReachable().
#ifndef ARREARS_TOOLS_DEVBROKER_DEV_BROKER_H_
#define ARREARS_TOOLS_DEVBROKER_DEV_BROKER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/kafka/testing/mock_cluster.h"
#include "common/topics/topics.h"
#include "tools/devbroker/tcp_forwarder.h"

namespace arrears::devbroker {

struct DevTopic {
  std::string name;
  int partitions = 0;

  friend bool operator==(const DevTopic&, const DevTopic&) = default;
};

// The topics a dev cluster needs: each spec's topic, with
// `partitions_override` partitions when it is positive (dev profiles trade
// per-partition retention against consumer parallelism) and the declared
// count otherwise, followed by its "<name>.dlq" topic with dlq_partitions.
// Fails, naming the topic, when a spec has no name or a non-positive count, or
// when `partitions_override` is negative.
absl::StatusOr<std::vector<DevTopic>> DevTopics(const std::vector<topics::TopicSpec>& specs,
                                                int partitions_override);

class DevBroker {
 public:
  struct Options {
    // Brokers in the mock cluster.
    int brokers = 3;
    // Loopback port of the bootstrap forwarder; 0 picks a free one.
    int port = 9092;
    // Partitions of every non-DLQ topic; 0 keeps the registry's counts.
    int partitions_override = 0;
  };

  static absl::StatusOr<std::unique_ptr<DevBroker>> Create(const Options& options);

  DevBroker(const DevBroker&) = delete;
  DevBroker& operator=(const DevBroker&) = delete;
  ~DevBroker();

  // "127.0.0.1:<port>": the address clients bootstrap from.
  const std::string& bootstrap() const { return bootstrap_; }

  // The mock brokers' own addresses ("127.0.0.1:<ephemeral>,..."), for logs.
  const std::string& broker_addresses() const { return broker_addresses_; }

  // What Create() made, in creation order.
  const std::vector<DevTopic>& topics() const { return topics_; }

  // false: every broker drops its connections and refuses new ones until
  // SetReachable(true). Fails, naming the broker, if the mock rejects the
  // change, or if the broker has been stopped.
  absl::Status SetReachable(bool reachable);

  void Stop();

 private:
  DevBroker(std::unique_ptr<kafka::testing::MockCluster> cluster,
            std::unique_ptr<TcpForwarder> forwarder, std::vector<DevTopic> topics, int brokers);

  // Declared before the forwarder, so the forwarder stops first.
  std::unique_ptr<kafka::testing::MockCluster> cluster_;
  std::unique_ptr<TcpForwarder> forwarder_;
  const std::vector<DevTopic> topics_;
  const std::string bootstrap_;
  const std::string broker_addresses_;
  const int brokers_;
};

}  // namespace arrears::devbroker

#endif  // ARREARS_TOOLS_DEVBROKER_DEV_BROKER_H_
