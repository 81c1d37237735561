// ContactAssembly: the contact channel service wired into a Host — the
// compliance client (every contact is checked first), ContactChannels on the
// host's store, the consumers of contact requests, case events and customer
// events, and the ContactService gRPC API. main.cc builds one from flags on
// a ServiceHost; the simulator's reference run builds one on its in-process
// host, so both run exactly these parts.
//
// Lifecycle: Create (registers consumers and the API; before the host
// starts) → StartBackground (dispatch worker and timers) → ... →
// StopBackground (after the host drained: the worker's last events stay in
// the outbox if the relay already stopped and go out at the next start).
// Thread-safety: lifecycle calls from one thread; the parts are thread-safe.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_ASSEMBLY_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_ASSEMBLY_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/service/host.h"
#include "common/time/clock.h"
#include "services/contact_channels/compliance_client.h"
#include "services/contact_channels/contact_channels.h"

namespace arrears::contact {

struct ContactAssemblyOptions {
  // Where the compliance service is (address or address file), deadline.
  ComplianceClient::Options compliance;
  // ContactChannels' options; data_dir defaults to the host's.
  ContactChannels::Options channels;
};

class ContactAssembly final : public service::Assembly {
 public:
  // `host` and `clock` must outlive the assembly.
  static absl::StatusOr<std::unique_ptr<ContactAssembly>> Create(service::Host& host,
                                                                 const Clock* clock,
                                                                 ContactAssemblyOptions options);
  ~ContactAssembly() override;

  void StartBackground() override;
  void StopBackground() override;
  // Due and claimed contact requests (DispatchWorker::Pending).
  absl::StatusOr<int64_t> PendingBackgroundWork() override;

  ContactChannels& channels() { return *channels_; }

 private:
  ContactAssembly() = default;

  std::unique_ptr<ComplianceClient> compliance_client_;
  std::unique_ptr<ContactChannels> channels_;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_ASSEMBLY_H_
