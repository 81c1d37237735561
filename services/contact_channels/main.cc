// contact_channels: the contact channel service process. Flags to
// ContactAssemblyOptions and a ServiceHost; ContactAssembly wires the parts
// and the logic lives in the service's libraries.
//
// Compliance: every contact is checked with the compliance auditing service
// first. Its address is --compliance_address, or the file it publishes
// (--compliance_address_file; by default <data_dir>/compliance-auditing.
// grpc-address, where `compliance_auditing --grpc_address_file` can write
// it). While it cannot be reached contacts wait; nothing is sent unchecked.
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/runtime/config.h"
#include "common/runtime/logging.h"
#include "common/runtime/process_clock.h"
#include "common/runtime/shutdown.h"
#include "common/service/service_host.h"
#include "common/status/status_macros.h"
#include "common/time/clock.h"
#include "services/contact_channels/channel_config.h"
#include "services/contact_channels/contact_assembly.h"
#include "services/contact_channels/embedded_config.h"
#include "services/contact_channels/sqlite_contact_store.h"

ABSL_FLAG(std::string, compliance_address, "",
          "host:port of the compliance auditing service's gRPC API.");
ABSL_FLAG(std::string, compliance_address_file, "",
          "File holding that address (published by compliance_auditing "
          "--grpc_address_file); default <data_dir>/compliance-auditing.grpc-address when "
          "--compliance_address is not set either.");
ABSL_FLAG(absl::Duration, compliance_deadline, absl::Seconds(2),
          "Deadline of each CheckContact / ScreenMessage call.");
ABSL_FLAG(std::string, channel_config, "",
          "YAML file of templates and providers; empty = the embedded default.");
ABSL_FLAG(int, dispatch_threads, 8, "Contacts worked on at once.");
ABSL_FLAG(absl::Duration, recheck_interval, absl::Seconds(30),
          "How long a contact waits before asking an unreachable compliance service again.");
ABSL_FLAG(absl::Duration, claim_lease, absl::Minutes(1),
          "How long a worker owns a contact it works on (crash recovery delay).");
ABSL_FLAG(int, retry_max_attempts, 8, "Provider tries per contact, the first included.");
ABSL_FLAG(absl::Duration, retry_initial_backoff, absl::Seconds(1),
          "Backoff ceiling after the first failed provider try (full jitter).");
ABSL_FLAG(absl::Duration, retry_max_backoff, absl::Minutes(5), "Largest backoff ceiling.");
ABSL_FLAG(bool, provider_rate_limits, true,
          "Apply the providers' per-second rate limits; simulations with a clock that jumps "
          "hours at a time turn them off (a token wait would last until the next jump).");
ABSL_FLAG(std::string, notes_key_file, "",
          "Key sealing staff notes at rest; default <data_dir>/contact-notes.key, created on "
          "first start. Keep it apart from database backups.");
ABSL_FLAG(absl::Duration, timer_idle_wait, absl::Seconds(1),
          "Longest sleep of the timer loop between scans of the store.");

namespace {

using namespace arrears;  // NOLINT(google-build-using-namespace): main only

absl::StatusOr<contact::ChannelConfig> LoadChannelConfig() {
  const std::string path = absl::GetFlag(FLAGS_channel_config);
  if (path.empty()) return contact::ParseChannelConfig(contact::DefaultChannelConfigYaml());
  return contact::LoadChannelConfigFile(path);
}

absl::Status Serve(const runtime::RuntimeConfig& config, runtime::ShutdownSignal& signal) {
  contact::ContactAssemblyOptions options;
  ARREARS_ASSIGN_OR_RETURN(options.channels.config, LoadChannelConfig());
  ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<Clock> clock, runtime::ProcessClock(config));
  ARREARS_ASSIGN_OR_RETURN(
      std::unique_ptr<service::ServiceHost> host,
      service::ServiceHost::Create(config, contact::ContactMigrations(), clock.get()));

  options.compliance.address = absl::GetFlag(FLAGS_compliance_address);
  options.compliance.address_file = absl::GetFlag(FLAGS_compliance_address_file);
  options.compliance.deadline = absl::GetFlag(FLAGS_compliance_deadline);
  contact::ContactChannels::Options& channels = options.channels;
  channels.data_dir = config.data_dir;
  channels.dispatch.recheck_interval = absl::GetFlag(FLAGS_recheck_interval);
  channels.dispatch.claim_lease = absl::GetFlag(FLAGS_claim_lease);
  channels.dispatch.retry.max_attempts = absl::GetFlag(FLAGS_retry_max_attempts);
  channels.dispatch.retry.initial_backoff = absl::GetFlag(FLAGS_retry_initial_backoff);
  channels.dispatch.retry.max_backoff = absl::GetFlag(FLAGS_retry_max_backoff);
  channels.worker.threads = absl::GetFlag(FLAGS_dispatch_threads);
  channels.worker.idle_wait = absl::GetFlag(FLAGS_timer_idle_wait);
  channels.notes_key_file = absl::GetFlag(FLAGS_notes_key_file);
  channels.provider_rate_limits = absl::GetFlag(FLAGS_provider_rate_limits);
  ARREARS_ASSIGN_OR_RETURN(
      std::unique_ptr<contact::ContactAssembly> assembly,
      contact::ContactAssembly::Create(*host, clock.get(), std::move(options)));

  return host->Run(signal, *assembly);
}

}  // namespace

int main(int argc, char** argv) {
  absl::StatusOr<std::unique_ptr<runtime::ShutdownSignal>> signal =
      runtime::ShutdownSignal::Create();
  if (!signal.ok()) {
    std::cerr << signal.status() << "\n";
    return 1;
  }
  absl::SetFlag(&FLAGS_service_name, "contact-channels");
  runtime::ParseCommandLine(argc, argv,
                            "Contact channel service: compliance-checked dispatch of contacts.");
  absl::StatusOr<runtime::RuntimeConfig> config = runtime::RuntimeConfigFromFlags();
  if (!config.ok()) {
    std::cerr << config.status() << "\n";
    return 2;
  }
  runtime::ConfigureLogging({.service = config->service_name, .min_level = config->log_level});
  const absl::Status status = Serve(*config, **signal);
  if (!status.ok()) {
    runtime::LogError("exiting with error").With("error", status.ToString());
    return 1;
  }
  return 0;
}
