// integration-ledger: the vertical-path consumer process (see loan_ledger.h).
// Wired exactly like a service main.cc: flags, logging, ServiceHost, signal.
#include <iostream>

#include "common/runtime/config.h"
#include "common/runtime/logging.h"
#include "common/runtime/process_clock.h"
#include "common/runtime/shutdown.h"
#include "common/service/service_host.h"
#include "common/time/clock.h"
#include "common/topics/topics.h"
#include "tests/integration/loan_ledger.h"

int main(int argc, char** argv) {
  using namespace arrears;  // NOLINT(google-build-using-namespace): main only
  absl::StatusOr<std::unique_ptr<runtime::ShutdownSignal>> signal =
      runtime::ShutdownSignal::Create();
  if (!signal.ok()) {
    std::cerr << signal.status() << "\n";
    return 1;
  }
  runtime::ParseCommandLine(argc, argv, "Applies loan events to a ledger (integration tests).");
  absl::StatusOr<runtime::RuntimeConfig> config = runtime::RuntimeConfigFromFlags();
  if (!config.ok()) {
    std::cerr << config.status() << "\n";
    return 2;
  }
  runtime::ConfigureLogging({.service = config->service_name, .min_level = config->log_level});

  absl::StatusOr<std::unique_ptr<Clock>> clock = runtime::ProcessClock(*config);
  if (!clock.ok()) {
    runtime::LogError("startup failed").With("error", clock.status().ToString());
    return 2;
  }
  absl::StatusOr<std::unique_ptr<service::ServiceHost>> host =
      service::ServiceHost::Create(*config, integration::LedgerMigrations(), clock->get());
  if (!host.ok()) {
    runtime::LogError("startup failed").With("error", host.status().ToString());
    return 1;
  }
  integration::LoanLedgerApplier applier(&(*host)->database());
  absl::Status status =
      (*host)->AddConsumer({.group_id = "integration-ledger",
                            .topics = {topics::Spec(topics::v1::TOPIC_LOAN_EVENTS).name()},
                            .applier = &applier});
  if (status.ok()) status = (*host)->Run(**signal);
  if (!status.ok()) {
    runtime::LogError("exiting with error").With("error", status.ToString());
    return 1;
  }
  return 0;
}
