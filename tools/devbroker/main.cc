// devbroker: librdkafka's mock cluster on a fixed loopback port, with the
// system's topics (and their .dlq topics) created. Runs until SIGTERM/SIGINT.
//
//   devbroker [--port=9092] [--brokers=3] [--partitions=0] [--bootstrap_file=PATH]
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
#include "common/runtime/published_file.h"
#include "tools/devbroker/dev_broker.h"

ABSL_FLAG(int, port, 9092, "Loopback port clients bootstrap from; 0 picks a free one.");
ABSL_FLAG(int, brokers, 3, "Brokers in the mock cluster.");
ABSL_FLAG(int, partitions, 0,
          "Partitions of every non-DLQ topic; 0 keeps the counts declared in topics.proto.");
ABSL_FLAG(std::string, bootstrap_file, "",
          "If set, the bootstrap address is written here (atomically) and removed on exit.");

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
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
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
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  std::fprintf(stderr, "devbroker: %s, stopping\n", strsignal(signal_number));
  // The file goes first, so nobody picks up the address of a dying broker.
  bootstrap_file.reset();
  (*broker)->Stop();
  return 0;
}
