// devbroker: librdkafka's mock cluster on a fixed loopback port, with the
// system's topics (and their .dlq topics) created. Runs until SIGTERM/SIGINT.
//
//   devbroker [--port=9092] [--brokers=3] [--partitions=0] [--bootstrap_file=PATH]
//             [--outage_duration=3s]
//
// SIGUSR1 drops the broker connection for fault injection: every broker
// closes its client connections and refuses new ones for --outage_duration,
// then accepts again (DevBroker::SetReachable); the data stays. A SIGUSR1
// during an outage is ignored; SIGTERM/SIGINT still stop the broker at once.
// Each outage is logged on stderr ("outage begins" / "outage ends").
//
// Prints "bootstrap=127.0.0.1:<port>" as one stdout line once clients can
// connect, and (with --bootstrap_file) writes "127.0.0.1:<port>" to PATH
// atomically, removing it on exit. The mock is not a real Kafka: read the
// limits in tools/devbroker/README.md before designing against it (silent
// retention drops, unenforced transactions, no Admin API, nothing persists).
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/runtime/published_file.h"
#include "tools/devbroker/dev_broker.h"

ABSL_FLAG(int, port, 9092, "Loopback port clients bootstrap from; 0 picks a free one.");
ABSL_FLAG(int, brokers, 3, "Brokers in the mock cluster.");
ABSL_FLAG(int, partitions, 0,
          "Partitions of every non-DLQ topic; 0 keeps the counts declared in topics.proto.");
ABSL_FLAG(std::string, bootstrap_file, "",
          "If set, the bootstrap address is written here (atomically) and removed on exit.");
ABSL_FLAG(absl::Duration, outage_duration, absl::Seconds(3),
          "How long the brokers stay unreachable after a SIGUSR1.");

namespace {

// Waits up to `timeout` for one of `signals`; 0 when none came.
int WaitForSignal(const sigset_t& signals, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return 0;
    const timespec wait = absl::ToTimespec(left);
    const int signal_number = sigtimedwait(&signals, nullptr, &wait);
    if (signal_number > 0) return signal_number;
    // EAGAIN: the time is up (checked above); EINTR: try again.
  }
}

// One outage: unreachable for `duration` or until a stop signal, whichever is
// first. Returns the stop signal that ended it early, or 0.
int RunOutage(arrears::devbroker::DevBroker& broker, const sigset_t& signals,
              absl::Duration duration) {
  std::fprintf(stderr, "devbroker: outage begins (%s)\n", absl::FormatDuration(duration).c_str());
  if (absl::Status down = broker.SetReachable(false); !down.ok()) {
    std::fprintf(stderr, "devbroker: %s\n", down.ToString().c_str());
  }
  const absl::Time ends = absl::Now() + duration;
  int stop_signal = 0;
  while (stop_signal == 0 && absl::Now() < ends) {
    const int signal_number = WaitForSignal(signals, ends - absl::Now());
    if (signal_number == SIGTERM || signal_number == SIGINT) stop_signal = signal_number;
  }
  if (absl::Status up = broker.SetReachable(true); !up.ok()) {
    std::fprintf(stderr, "devbroker: %s\n", up.ToString().c_str());
  }
  std::fprintf(stderr, "devbroker: outage ends\n");
  return stop_signal;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Runs librdkafka's mock Kafka cluster on a fixed loopback port with the system's topics.");
  absl::ParseCommandLine(argc, argv);

  // Blocked before any thread exists, so every thread (mock brokers,
  // forwarder) inherits the mask and only sigwait() below sees the signals.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigset_t handled_signals = stop_signals;
  sigaddset(&handled_signals, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &handled_signals, nullptr);
  // A client vanishing mid-write is an error on that socket, not a reason to die.
  signal(SIGPIPE, SIG_IGN);

  auto broker = arrears::devbroker::DevBroker::Create({
      .brokers = absl::GetFlag(FLAGS_brokers),
      .port = absl::GetFlag(FLAGS_port),
      .partitions_override = absl::GetFlag(FLAGS_partitions),
  });
  if (!broker.ok()) {
    std::fprintf(stderr, "devbroker: %s\n", broker.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<arrears::runtime::PublishedFile> bootstrap_file;
  if (const std::string path = absl::GetFlag(FLAGS_bootstrap_file); !path.empty()) {
    auto file = arrears::runtime::PublishedFile::Create(path, (*broker)->bootstrap());
    if (!file.ok()) {
      std::fprintf(stderr, "devbroker: %s\n", file.status().ToString().c_str());
      return 1;
    }
    bootstrap_file = *std::move(file);
  }
  std::fprintf(stderr, "devbroker: %d brokers at %s, %zu topics, bootstrap %s\n",
               absl::GetFlag(FLAGS_brokers), (*broker)->broker_addresses().c_str(),
               (*broker)->topics().size(), (*broker)->bootstrap().c_str());
  std::printf("bootstrap=%s\n", (*broker)->bootstrap().c_str());
  std::fflush(stdout);

  int signal_number = 0;
  while (true) {
    if (sigwait(&handled_signals, &signal_number) != 0) continue;
    if (signal_number != SIGUSR1) break;
    signal_number = RunOutage(**broker, handled_signals, absl::GetFlag(FLAGS_outage_duration));
    if (signal_number != 0) break;
  }
  std::fprintf(stderr, "devbroker: %s, stopping\n", strsignal(signal_number));
  // The file goes first, so nobody picks up the address of a dying broker.
  bootstrap_file.reset();
  (*broker)->Stop();
  return 0;
}
