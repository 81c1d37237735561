// ContactChannels: the contact channel service's parts wired together over
// one SQLite store, for main.cc, the integration tests and the benchmark:
//
//   providers     one per configured provider, each with its token bucket
//                 and circuit breaker: a SimulatedProvider (the embedded
//                 default) writing what it would send to
//                 <data_dir>/provider-outbox/<name>.jsonl, or an HttpProvider
//                 (type: http) talking to a real carrier;
//   templates     a TemplateRegistry persisted in the store, screened by the
//                 given screener (compliance); the configured templates are
//                 registered at start when missing, retried in the
//                 background while compliance cannot screen them;
//   dispatcher    gate-first state machine (dispatcher.h);
//   worker        the durable timer loop running due contacts
//                 (dispatch_worker.h);
//   appliers      the three consumers (contact_appliers.h);
//   service       the gRPC ContactService (contact_service_impl.h).
//
// What the host provides: the database (already migrated with
// ContactMigrations()), the runner of "state change + outbox" transactions
// (ServiceHost::InTransaction), the compliance gate and screener, a clock.
//
// Lifecycle: Create -> Start (worker, template seeding) -> Stop (waits for
// tries in progress; what is queued stays due in the store). Stop before
// the database goes away. Thread-safety: Start/Stop from one thread; the
// parts are thread-safe as documented in their headers.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_CHANNELS_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_CHANNELS_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/ids/id_generator.h"
#include "common/store/sqlite_database.h"
#include "common/time/clock.h"
#include "services/contact_channels/channel_config.h"
#include "services/contact_channels/compliance_gate.h"
#include "services/contact_channels/contact_appliers.h"
#include "services/contact_channels/contact_service_impl.h"
#include "services/contact_channels/dispatch_worker.h"
#include "services/contact_channels/dispatcher.h"
#include "services/contact_channels/http_provider.h"
#include "services/contact_channels/notes_sealer.h"
#include "services/contact_channels/simulated_provider.h"
#include "services/contact_channels/sqlite_contact_store.h"
#include "services/contact_channels/sqlite_contact_transactions.h"
#include "services/contact_channels/template_registry.h"
#include "services/contact_channels/template_screener.h"

namespace arrears::contact {

class ContactChannels {
 public:
  struct Options {
    // Provider outboxes go under <data_dir>/provider-outbox/. Required.
    std::string data_dir;
    ChannelConfig config;
    Dispatcher::Options dispatch;
    DispatchWorker::Options worker;
    // How often missing configured templates are registered again.
    absl::Duration template_retry = absl::Seconds(5);
    // How simulated providers spend latency; empty = sleep.
    std::function<void(absl::Duration)> provider_wait;
    // Key of the sealed notes (notes_sealer.h); empty =
    // <data_dir>/contact-notes.key, created on first start.
    std::string notes_key_file;
    // Providers' per-second rate limits (rate_per_second, burst). A
    // simulation whose clock jumps hours at a time turns them off: a token
    // wait of milliseconds there lasts until the next clock step, and which
    // of the requests due at one instant get the burst depends on the order
    // they reached the worker, so two runs of one book would differ.
    bool provider_rate_limits = true;
  };

  // Not owned; all must outlive the object.
  struct Peers {
    store::SqliteDatabase* db = nullptr;
    OutboxTransactionRunner runner;
    ComplianceGate* gate = nullptr;
    TemplateScreener* screener = nullptr;
    const Clock* clock = nullptr;
  };

  // InvalidArgument naming what is missing or wrong (a provider name used
  // twice, a channel served by two providers, bad options); errors creating
  // provider outboxes name the path.
  static absl::StatusOr<std::unique_ptr<ContactChannels>> Create(Options options, Peers peers);
  ~ContactChannels();
  ContactChannels(const ContactChannels&) = delete;
  ContactChannels& operator=(const ContactChannels&) = delete;

  void Start();
  void Stop();

  // Registers the configured templates not stored yet; returns how many
  // are still missing (compliance could not screen them now). A template
  // that fails screening is an error naming it.
  absl::StatusOr<int> SeedTemplates();

  Dispatcher& dispatcher() { return *dispatcher_; }
  DispatchWorker& worker() { return *worker_; }
  TemplateRegistry& templates() { return *templates_; }
  ContactTransactions& transactions() { return *transactions_; }
  ContactServiceImpl& service() { return *service_; }
  store::EventApplier& contact_request_applier() { return *contact_request_applier_; }
  store::EventApplier& case_event_applier() { return *case_event_applier_; }
  store::EventApplier& customer_event_applier() { return *customer_event_applier_; }
  // The simulated provider called `name`, or null (also for a real one).
  SimulatedProvider* provider(const std::string& name);
  // <data_dir>/provider-outbox/<name>.jsonl
  std::string provider_outbox_path(const std::string& name) const;

 private:
  struct Lane {
    std::unique_ptr<ChannelProvider> provider;
    // provider as a SimulatedProvider, or null for real carriers.
    SimulatedProvider* simulated = nullptr;
    std::unique_ptr<TokenBucket> limiter;
    std::unique_ptr<CircuitBreaker> breaker;
  };

  ContactChannels(Options options, Peers peers)
      : options_(std::move(options)), peers_(std::move(peers)) {}
  void SeedTemplatesUntilDone();

  const Options options_;
  const Peers peers_;
  std::map<std::string, Lane> lanes_;
  std::unique_ptr<SqliteContactDirectory> directory_;
  std::unique_ptr<SqliteTemplateStore> template_store_;
  std::unique_ptr<TemplateRegistry> templates_;
  std::unique_ptr<SqliteContactTransactions> transactions_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<DispatchWorker> worker_;
  std::unique_ptr<ContactRequestApplier> contact_request_applier_;
  std::unique_ptr<CaseEventApplier> case_event_applier_;
  std::unique_ptr<CustomerEventApplier> customer_event_applier_;
  std::unique_ptr<ids::UuidV7Generator> ids_;
  std::unique_ptr<NotesSealer> notes_;
  std::unique_ptr<ContactServiceImpl> service_;
  absl::Notification stop_seeding_;
  std::thread seeder_;
  bool started_ = false;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_CHANNELS_H_
