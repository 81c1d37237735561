#include "tools/devbroker/tcp_forwarder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>
#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::devbroker {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

constexpr absl::Duration kDeadline = absl::Seconds(5);

// A socket closed at scope exit.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    return *this;
  }
  ~Socket() { Close(); }
  int fd() const { return fd_; }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

sockaddr_in Loopback(int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

// A listening socket on an ephemeral loopback port, standing in for a broker.
struct Listener {
  Socket socket;
  int port = 0;
};

Listener Listen() {
  Listener listener{Socket(::socket(AF_INET, SOCK_STREAM, 0)), 0};
  sockaddr_in addr = Loopback(0);
  EXPECT_EQ(bind(listener.socket.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_EQ(listen(listener.socket.fd(), 16), 0);
  socklen_t len = sizeof(addr);
  EXPECT_EQ(getsockname(listener.socket.fd(), reinterpret_cast<sockaddr*>(&addr), &len), 0);
  listener.port = ntohs(addr.sin_port);
  return listener;
}

// Connects (blocking); returns an invalid socket and `error` when refused.
Socket Connect(int port, int* error = nullptr) {
  Socket socket(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr = Loopback(port);
  if (connect(socket.fd(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (error != nullptr) *error = errno;
    return Socket();
  }
  return socket;
}

// Waits until `fd` has something to read (or EOF); false at the deadline.
bool WaitReadable(int fd, absl::Time deadline) {
  while (true) {
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return false;
    pollfd p{fd, POLLIN, 0};
    int n = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

Socket Accept(const Listener& listener) {
  if (!WaitReadable(listener.socket.fd(), absl::Now() + kDeadline)) return Socket();
  return Socket(accept(listener.socket.fd(), nullptr, nullptr));
}

void SendAll(int fd, const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << "send failed: errno " << errno;
    sent += static_cast<size_t>(n);
  }
}

// Reads exactly `size` bytes, or fewer if the peer closes or the deadline passes.
std::string Receive(int fd, size_t size) {
  absl::Time deadline = absl::Now() + kDeadline;
  std::string out;
  char chunk[16 * 1024];
  while (out.size() < size && WaitReadable(fd, deadline)) {
    ssize_t n = recv(fd, chunk, std::min(sizeof(chunk), size - out.size()), 0);
    if (n <= 0) break;
    out.append(chunk, static_cast<size_t>(n));
  }
  return out;
}

// True when the peer closed (EOF or reset) before the deadline.
bool SeesClose(int fd) {
  if (!WaitReadable(fd, absl::Now() + kDeadline)) return false;
  char byte;
  ssize_t n = recv(fd, &byte, 1, 0);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

// Polls `condition` until it holds; false at the deadline.
template <typename Condition>
bool Eventually(Condition condition) {
  absl::Time deadline = absl::Now() + kDeadline;
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

std::string Pattern(size_t size, int seed) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 31 + seed) % 251);
  return bytes;
}

class TcpForwarderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(forwarder_, TcpForwarder::Create({.target_port = target_.port}));
    ASSERT_GT(forwarder_->port(), 0);
  }

  // A client connected through the forwarder, and the target's end of it.
  std::pair<Socket, Socket> ConnectPair() {
    Socket client = Connect(forwarder_->port());
    Socket upstream = Accept(target_);
    EXPECT_GE(client.fd(), 0);
    EXPECT_GE(upstream.fd(), 0);
    return {std::move(client), std::move(upstream)};
  }

  Listener target_ = Listen();
  std::unique_ptr<TcpForwarder> forwarder_;
};

TEST_F(TcpForwarderTest, ForwardsBytesBothWays) {
  auto [client, upstream] = ConnectPair();
  SendAll(client.fd(), "ping");
  EXPECT_EQ(Receive(upstream.fd(), 4), "ping");
  SendAll(upstream.fd(), "pong!");
  EXPECT_EQ(Receive(client.fd(), 5), "pong!");
  EXPECT_EQ(forwarder_->open_connections(), 1);
}

TEST_F(TcpForwarderTest, ForwardsLargeTransfersBothWaysAtOnceInOrder) {
  auto [client, upstream] = ConnectPair();
  // Several times the forwarder's buffers and the kernel's, in both
  // directions at once, so back-pressure on one side must not stall the other.
  const std::string up = Pattern(4 << 20, 1);
  const std::string down = Pattern(4 << 20, 7);
  std::thread up_writer([&, fd = client.fd()] { SendAll(fd, up); });
  std::thread down_writer([&, fd = upstream.fd()] { SendAll(fd, down); });
  std::string received_up = Receive(upstream.fd(), up.size());
  std::string received_down = Receive(client.fd(), down.size());
  up_writer.join();
  down_writer.join();
  EXPECT_TRUE(received_up == up) << "client->target bytes differ, got " << received_up.size();
  EXPECT_TRUE(received_down == down) << "target->client bytes differ, got " << received_down.size();
}

TEST_F(TcpForwarderTest, ClientCloseDeliversItsBytesThenClosesTarget) {
  auto [client, upstream] = ConnectPair();
  SendAll(client.fd(), "last words");
  client.Close();
  EXPECT_EQ(Receive(upstream.fd(), 10), "last words");
  EXPECT_TRUE(SeesClose(upstream.fd()));
  EXPECT_TRUE(Eventually([&] { return forwarder_->open_connections() == 0; }));
}

TEST_F(TcpForwarderTest, TargetCloseDeliversItsBytesThenClosesClient) {
  auto [client, upstream] = ConnectPair();
  SendAll(upstream.fd(), "bye");
  upstream.Close();
  EXPECT_EQ(Receive(client.fd(), 3), "bye");
  EXPECT_TRUE(SeesClose(client.fd()));
  EXPECT_TRUE(Eventually([&] { return forwarder_->open_connections() == 0; }));
}

TEST_F(TcpForwarderTest, StopClosesConnectionsAndListener) {
  auto [client, upstream] = ConnectPair();
  const int port = forwarder_->port();
  forwarder_->Stop();
  EXPECT_TRUE(SeesClose(client.fd()));
  EXPECT_TRUE(SeesClose(upstream.fd()));
  int error = 0;
  EXPECT_LT(Connect(port, &error).fd(), 0);
  EXPECT_EQ(error, ECONNREFUSED);
  forwarder_->Stop();  // Idempotent.
}

TEST(TcpForwarderStandaloneTest, RefusedTargetClosesClient) {
  int closed_port;
  {
    Listener gone = Listen();
    closed_port = gone.port;
  }
  ASSERT_OK_AND_ASSIGN(auto forwarder, TcpForwarder::Create({.target_port = closed_port}));
  Socket client = Connect(forwarder->port());
  ASSERT_GE(client.fd(), 0);
  EXPECT_TRUE(SeesClose(client.fd()));
}

TEST(TcpForwarderStandaloneTest, ConnectionsBeyondTheLimitAreClosed) {
  Listener target = Listen();
  ASSERT_OK_AND_ASSIGN(auto forwarder,
                       TcpForwarder::Create({.target_port = target.port, .max_connections = 1}));
  Socket first = Connect(forwarder->port());
  Socket first_upstream = Accept(target);
  ASSERT_GE(first_upstream.fd(), 0);
  ASSERT_TRUE(Eventually([&] { return forwarder->open_connections() == 1; }));
  Socket second = Connect(forwarder->port());
  EXPECT_TRUE(SeesClose(second.fd()));
  SendAll(first.fd(), "still here");
  EXPECT_EQ(Receive(first_upstream.fd(), 10), "still here");
}

TEST(TcpForwarderStandaloneTest, FailsWhenThePortIsTaken) {
  Listener taken = Listen();
  EXPECT_THAT(TcpForwarder::Create({.listen_port = taken.port, .target_port = taken.port}),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("bind 127.0.0.1:")));
}

TEST(TcpForwarderStandaloneTest, RejectsBadOptions) {
  EXPECT_THAT(TcpForwarder::Create({.target_host = "localhost", .target_port = 9}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("target_host")));
  EXPECT_THAT(TcpForwarder::Create({.target_port = 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("target_port")));
  EXPECT_THAT(TcpForwarder::Create({.listen_port = 70000, .target_port = 9}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("listen_port")));
}

}  // namespace
}  // namespace arrears::devbroker
