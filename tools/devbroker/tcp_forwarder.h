// TcpForwarder: a loopback TCP byte pump from a listening port to one target.
//
//   ARREARS_ASSIGN_OR_RETURN(auto forwarder,
//                            TcpForwarder::Create({.listen_port = 9092,
//                                                  .target_host = "127.0.0.1",
//                                                  .target_port = 40123}));
//   forwarder->port();  // 9092 (or the ephemeral port picked for 0)
//
// Why: librdkafka's mock cluster binds only ephemeral ports, while dev tools
// want a fixed, well-known bootstrap address. Clients bootstrap through the
// forwarder and then connect to the brokers' advertised ports directly, so the
// forwarder only carries the bootstrap connection and must not interpret bytes.
//
// Contract:
// - Listens on 127.0.0.1:<listen_port> (0 picks a free port) from Create() on;
//   Create() fails if the port cannot be bound or the target is not an IPv4
//   address.
// - Each accepted connection gets its own connection to the target; bytes are
//   copied both ways unchanged and in order. When either side reaches EOF, the
//   bytes it already sent are delivered to the other side, then both sockets are
//   closed (Kafka never half-closes). On any error both sockets are closed at
//   once. A target that refuses the connection closes the client's connection.
// - At most `max_connections` connections are open; extra clients are accepted
//   and closed immediately, so they see EOF rather than hang.
// - Stop() (also run by the destructor) closes the listener and every open
//   connection and returns after the pump thread has exited.
//
// Thread-safety: one background thread runs the poll() loop; port() and
// open_connections() may be called from any thread; Stop() may be called from
// any thread, more than once.
#ifndef ARREARS_TOOLS_DEVBROKER_TCP_FORWARDER_H_
#define ARREARS_TOOLS_DEVBROKER_TCP_FORWARDER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"

namespace arrears::devbroker {

class TcpForwarder {
 public:
  struct Options {
    // Port on 127.0.0.1 to accept clients on; 0 picks a free one.
    int listen_port = 0;
    // Where each client's bytes go (numeric IPv4).
    std::string target_host = "127.0.0.1";
    int target_port = 0;
    int max_connections = 256;
  };

  static absl::StatusOr<std::unique_ptr<TcpForwarder>> Create(const Options& options);

  TcpForwarder(const TcpForwarder&) = delete;
  TcpForwarder& operator=(const TcpForwarder&) = delete;
  ~TcpForwarder();

  // The bound listening port (the chosen one when Options::listen_port was 0).
  int port() const { return port_; }

  // Connections currently being forwarded (for tests and diagnostics).
  int open_connections() const { return open_connections_.load(); }

  void Stop();

 private:
  TcpForwarder(int listen_fd, int port, int wake_read_fd, int wake_write_fd, const Options& options,
               uint32_t target_ipv4, uint16_t target_port);

  void Run();

  // Closed by Stop() after the pump thread has exited.
  int listen_fd_;
  const int port_;
  int wake_read_fd_;
  int wake_write_fd_;
  const Options options_;
  // Target address in network byte order.
  const uint32_t target_ipv4_;
  const uint16_t target_port_;
  std::atomic<int> open_connections_{0};

  absl::Mutex stop_mu_;
  bool stopped_ ABSL_GUARDED_BY(stop_mu_) = false;
  std::thread thread_;
};

}  // namespace arrears::devbroker

#endif  // ARREARS_TOOLS_DEVBROKER_TCP_FORWARDER_H_
