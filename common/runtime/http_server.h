// The service's operational HTTP endpoint (cpp-httplib underneath):
//
//   GET /metrics  200, the registry in Prometheus text format 0.0.4
//                 (Content-Type: text/plain; version=0.0.4; charset=utf-8)
//   GET /healthz  liveness: 200 "ok" for as long as the server runs
//   GET /readyz   readiness: 200 "ready" after SetReady(true), otherwise
//                 503 "not ready" (also the state right after Create, so a
//                 pod gets traffic only once main says it can serve)
//
// Anything else is 404. The port is exclusive (no SO_REUSEPORT): a second
// process asking for a taken port fails at Create instead of sharing it. Requests are served on a
// small thread pool; a slow collector delays only its own scrape.
//
// Thread-safety: all methods are thread-safe. The registry is not owned and
// must outlive the server. Destruction stops the server.
#ifndef ARREARS_COMMON_RUNTIME_HTTP_SERVER_H_
#define ARREARS_COMMON_RUNTIME_HTTP_SERVER_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/runtime/metrics.h"

namespace httplib {
class Server;
}  // namespace httplib

namespace arrears::runtime {

class HttpServer {
 public:
  // Binds `address` ("host:port", port 0 for an ephemeral port) and starts
  // serving before returning. InvalidArgument for a malformed address,
  // Unavailable when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Create(absl::string_view address,
                                                            const MetricsRegistry* metrics);

  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound port (the chosen one when the address asked for port 0).
  int port() const { return port_; }

  void SetReady(bool ready) { ready_.store(ready, std::memory_order_relaxed); }
  bool ready() const { return ready_.load(std::memory_order_relaxed); }

  // Stops accepting and waits for the serving thread. Idempotent.
  void Stop();

 private:
  HttpServer(std::unique_ptr<httplib::Server> server, int port);

  std::unique_ptr<httplib::Server> server_;
  const int port_;
  std::atomic<bool> ready_{false};
  std::thread thread_;
  std::once_flag stop_once_;
};

}  // namespace arrears::runtime

#endif  // ARREARS_COMMON_RUNTIME_HTTP_SERVER_H_
