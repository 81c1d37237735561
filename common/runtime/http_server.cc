#include "common/runtime/http_server.h"

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/runtime/address.h"
#include "common/status/status_macros.h"
#include "httplib.h"

namespace arrears::runtime {
namespace {

constexpr char kPrometheusContentType[] = "text/plain; version=0.0.4; charset=utf-8";
constexpr char kPlainText[] = "text/plain; charset=utf-8";
// Scrapes and probes are light; two workers keep one slow scrape from
// blocking a probe without taking threads from the service.
constexpr size_t kWorkerThreads = 2;
constexpr auto kStartTimeout = std::chrono::seconds(10);

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Create(absl::string_view address,
                                                               const MetricsRegistry* metrics) {
  ARREARS_ASSIGN_OR_RETURN(HostPort host_port, ParseHostPort(address));
  auto server = std::make_unique<httplib::Server>();
  server->new_task_queue = [] { return new httplib::ThreadPool(kWorkerThreads); };
  // httplib's default adds SO_REUSEPORT, which lets a second process bind the
  // same port and silently take half the scrapes and probes.
  server->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  int port = host_port.port;
  if (port == 0) {
    port = server->bind_to_any_port(host_port.host);
    if (port < 0) port = 0;
  } else if (!server->bind_to_port(host_port.host, port)) {
    port = 0;
  }
  if (port <= 0) {
    return absl::UnavailableError(absl::StrCat("http server: cannot bind \"", address, "\""));
  }

  std::unique_ptr<HttpServer> http(new HttpServer(std::move(server), port));
  HttpServer* self = http.get();
  http->server_->Get("/metrics", [metrics](const httplib::Request&, httplib::Response& response) {
    response.set_content(metrics != nullptr ? metrics->RenderPrometheusText() : "",
                         kPrometheusContentType);
  });
  http->server_->Get("/healthz", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("ok\n", kPlainText);
  });
  http->server_->Get("/readyz", [self](const httplib::Request&, httplib::Response& response) {
    if (self->ready()) {
      response.set_content("ready\n", kPlainText);
    } else {
      response.status = 503;
      response.set_content("not ready\n", kPlainText);
    }
  });

  httplib::Server* raw = http->server_.get();
  auto listen_returned = std::make_shared<std::atomic<bool>>(false);
  http->thread_ = std::thread([raw, listen_returned] {
    raw->listen_after_bind();
    listen_returned->store(true);
  });
  // httplib's stop() is a no-op until the accept loop is running, so wait for
  // it here; afterwards Stop() can never be lost.
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (!raw->is_running()) {
    if (listen_returned->load()) {
      http->thread_.join();
      return absl::UnavailableError(
          absl::StrCat("http server on \"", address, "\" stopped at start"));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      // The thread is wedged before its accept loop and nothing can stop it:
      // leave it and its server behind rather than free them under it.
      http->thread_.detach();
      (void)http->server_.release();
      return absl::DeadlineExceededError(
          absl::StrCat("http server on \"", address, "\" did not start"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return http;
}

HttpServer::HttpServer(std::unique_ptr<httplib::Server> server, int port)
    : server_(std::move(server)), port_(port) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  std::call_once(stop_once_, [this] {
    if (server_ != nullptr) server_->stop();
    if (thread_.joinable()) thread_.join();
  });
}

}  // namespace arrears::runtime
