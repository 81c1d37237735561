#include "tools/devbroker/tcp_forwarder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace arrears::devbroker {
namespace {

constexpr size_t kBufferBytes = 64 * 1024;

// Owns one file descriptor.
class ScopedFd {
 public:
  ScopedFd() = default;
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(ScopedFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  ScopedFd& operator=(ScopedFd&& other) noexcept {
    if (this != &other) {
      Reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  ~ScopedFd() { Reset(); }

  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Bytes read from one socket and not yet written to the other.
class Buffer {
 public:
  Buffer() : data_(new char[kBufferBytes]) {}

  bool empty() const { return begin_ == end_; }
  bool full() const { return begin_ == 0 && end_ == kBufferBytes; }

  enum class Io { kProgress, kWouldBlock, kEof, kError };

  // Appends what `fd` has to offer, as much as fits.
  Io ReadFrom(int fd) {
    if (end_ == kBufferBytes && begin_ > 0) {
      std::memmove(data_.get(), data_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (end_ == kBufferBytes) return Io::kWouldBlock;
    ssize_t n = recv(fd, data_.get() + end_, kBufferBytes - end_, 0);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      return Io::kProgress;
    }
    if (n == 0) return Io::kEof;
    return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? Io::kWouldBlock
                                                                       : Io::kError;
  }

  // Writes as much of the buffered bytes to `fd` as it accepts.
  Io WriteTo(int fd) {
    if (empty()) return Io::kWouldBlock;
    // MSG_NOSIGNAL: a vanished peer is an error to handle, not a SIGPIPE.
    ssize_t n = send(fd, data_.get() + begin_, end_ - begin_, MSG_NOSIGNAL);
    if (n >= 0) {
      begin_ += static_cast<size_t>(n);
      if (begin_ == end_) begin_ = end_ = 0;
      return Io::kProgress;
    }
    return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? Io::kWouldBlock
                                                                       : Io::kError;
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t begin_ = 0;
  size_t end_ = 0;
};

// One client and its connection to the target.
struct Connection {
  ScopedFd client;
  ScopedFd upstream;
  bool upstream_connecting = true;
  Buffer to_upstream;
  Buffer to_client;
  bool client_eof = false;
  bool upstream_eof = false;
  bool failed = false;

  // Once a side has sent EOF, the connection ends when its bytes are delivered.
  bool Done() const {
    return failed || (client_eof && to_upstream.empty()) || (upstream_eof && to_client.empty());
  }

  short ClientEvents() const {
    // Nothing can move until the target has accepted.
    if (upstream_connecting) return 0;
    short events = 0;
    if (!client_eof && !to_upstream.full()) events |= POLLIN;
    if (!to_client.empty()) events |= POLLOUT;
    return events;
  }

  short UpstreamEvents() const {
    if (upstream_connecting) return POLLOUT;
    short events = 0;
    if (!upstream_eof && !to_client.full()) events |= POLLIN;
    if (!to_upstream.empty()) events |= POLLOUT;
    return events;
  }
};

absl::Status ErrnoStatus(absl::string_view what) {
  return absl::ErrnoToStatus(errno, absl::StrCat("TcpForwarder: ", what));
}

sockaddr_in Ipv4(uint32_t address, uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = address;
  addr.sin_port = port;
  return addr;
}

// Moves bytes `from` -> buffer -> `to` as far as the sockets allow.
void Pump(int from, Buffer& buffer, int to, bool read_ready, bool& from_eof, bool& failed) {
  if (read_ready && !from_eof) {
    switch (buffer.ReadFrom(from)) {
      case Buffer::Io::kEof:
        from_eof = true;
        break;
      case Buffer::Io::kError:
        failed = true;
        return;
      default:
        break;
    }
  }
  // Writing eagerly saves a poll() round trip; a full socket just says EAGAIN.
  if (buffer.WriteTo(to) == Buffer::Io::kError) failed = true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TcpForwarder>> TcpForwarder::Create(const Options& options) {
  if (options.listen_port < 0 || options.listen_port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("TcpForwarder: listen_port ", options.listen_port, " is out of range"));
  }
  if (options.target_port <= 0 || options.target_port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("TcpForwarder: target_port ", options.target_port, " is out of range"));
  }
  if (options.max_connections <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("TcpForwarder: max_connections ",
                                                   options.max_connections, " must be positive"));
  }
  in_addr target{};
  if (inet_pton(AF_INET, options.target_host.c_str(), &target) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "TcpForwarder: target_host '", options.target_host, "' is not a numeric IPv4 address"));
  }

  ScopedFd listener(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (listener.get() < 0) return ErrnoStatus("socket");
  // A restarted devbroker must get its fixed port back despite TIME_WAIT.
  int one = 1;
  setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr =
      Ipv4(htonl(INADDR_LOOPBACK), htons(static_cast<uint16_t>(options.listen_port)));
  if (bind(listener.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    return ErrnoStatus(absl::StrCat("bind 127.0.0.1:", options.listen_port));
  }
  if (listen(listener.get(), SOMAXCONN) != 0) return ErrnoStatus("listen");
  socklen_t len = sizeof(addr);
  if (getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return ErrnoStatus("getsockname");
  }

  int wake[2];
  if (pipe2(wake, O_NONBLOCK | O_CLOEXEC) != 0) return ErrnoStatus("pipe2");

  return std::unique_ptr<TcpForwarder>(
      new TcpForwarder(listener.release(), ntohs(addr.sin_port), wake[0], wake[1], options,
                       target.s_addr, htons(static_cast<uint16_t>(options.target_port))));
}

TcpForwarder::TcpForwarder(int listen_fd, int port, int wake_read_fd, int wake_write_fd,
                           const Options& options, uint32_t target_ipv4, uint16_t target_port)
    : listen_fd_(listen_fd),
      port_(port),
      wake_read_fd_(wake_read_fd),
      wake_write_fd_(wake_write_fd),
      options_(options),
      target_ipv4_(target_ipv4),
      target_port_(target_port) {
  thread_ = std::thread([this] { Run(); });
}

TcpForwarder::~TcpForwarder() { Stop(); }

void TcpForwarder::Stop() {
  absl::MutexLock lock(&stop_mu_);
  if (stopped_) return;
  stopped_ = true;
  char byte = 0;
  while (write(wake_write_fd_, &byte, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
  for (int* fd : {&listen_fd_, &wake_read_fd_, &wake_write_fd_}) {
    close(*fd);
    *fd = -1;
  }
}

void TcpForwarder::Run() {
  std::vector<std::unique_ptr<Connection>> connections;
  std::vector<pollfd> fds;

  auto accept_all = [&] {
    while (true) {
      ScopedFd client(accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
      if (client.get() < 0) return;  // EAGAIN, or a client that gave up already.
      if (static_cast<int>(connections.size()) >= options_.max_connections) continue;
      auto connection = std::make_unique<Connection>();
      connection->client = std::move(client);
      connection->upstream =
          ScopedFd(socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
      if (connection->upstream.get() < 0) continue;
      sockaddr_in target = Ipv4(target_ipv4_, target_port_);
      if (connect(connection->upstream.get(), reinterpret_cast<const sockaddr*>(&target),
                  sizeof(target)) == 0) {
        connection->upstream_connecting = false;
      } else if (errno != EINPROGRESS) {
        continue;  // Refused: dropping `connection` closes the client.
      }
      connections.push_back(std::move(connection));
    }
  };

  while (true) {
    fds.clear();
    fds.push_back({wake_read_fd_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    for (const auto& c : connections) {
      // A negative fd is skipped by poll(), so a socket we have nothing to do
      // with cannot spin the loop by reporting POLLHUP over and over.
      short client_events = c->ClientEvents();
      short upstream_events = c->UpstreamEvents();
      fds.push_back({client_events != 0 ? c->client.get() : -1, client_events, 0});
      fds.push_back({upstream_events != 0 ? c->upstream.get() : -1, upstream_events, 0});
    }
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents != 0) break;

    for (size_t i = 0; i < connections.size(); ++i) {
      Connection& c = *connections[i];
      const short client_revents = fds[2 + 2 * i].revents;
      const short upstream_revents = fds[3 + 2 * i].revents;
      if ((client_revents | upstream_revents) & (POLLERR | POLLNVAL)) {
        c.failed = true;
        continue;
      }
      if (c.upstream_connecting) {
        if (upstream_revents == 0) continue;
        int error = 0;
        socklen_t len = sizeof(error);
        if (getsockopt(c.upstream.get(), SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
          c.failed = true;
          continue;
        }
        c.upstream_connecting = false;
      }
      constexpr short kReadable = POLLIN | POLLHUP;
      Pump(c.client.get(), c.to_upstream, c.upstream.get(), client_revents & kReadable,
           c.client_eof, c.failed);
      if (c.failed) continue;
      Pump(c.upstream.get(), c.to_client, c.client.get(), upstream_revents & kReadable,
           c.upstream_eof, c.failed);
    }
    std::erase_if(connections, [](const auto& c) { return c->Done(); });

    if (fds[1].revents != 0) accept_all();
    open_connections_.store(static_cast<int>(connections.size()));
  }
  // `connections` going out of scope closes every forwarded socket.
}

}  // namespace arrears::devbroker
