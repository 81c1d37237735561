#include "tools/simulator/in_process_system.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/runtime/process_clock.h"
#include "common/status/status_macros.h"
#include "common/time/clock.h"
#include "services/compliance_auditing/service/compliance_assembly.h"
#include "services/compliance_auditing/service/compliance_core.h"
#include "services/contact_channels/channel_config.h"
#include "services/contact_channels/contact_assembly.h"
#include "services/contact_channels/embedded_config.h"
#include "services/contact_channels/sqlite_contact_store.h"
#include "services/overdue_detection/dead_letter_sink.h"
#include "services/overdue_detection/overdue_assembly.h"
#include "services/overdue_detection/overdue_schema.h"
#include "services/strategy_routing/sqlite_case_store.h"
#include "services/strategy_routing/strategy_assembly.h"
#include "tools/simulator/service_clients.h"

namespace arrears::simulator {
namespace {

// Parked loan events the overdue service gives up on, onto the bus's
// "<topic>.dlq" (the headers of a Kafka dead letter have no place on the
// bus; the record itself is what the figures count).
class BusDeadLetterSink final : public overdue::DeadLetterSink {
 public:
  explicit BusDeadLetterSink(events::InMemoryEventBus* bus) : bus_(bus) {}
  absl::Status Send(absl::Span<const overdue::DeadLetter> letters) override {
    std::vector<events::Event> records;
    for (const overdue::DeadLetter& letter : letters) {
      events::Event& record = records.emplace_back(letter.event.event);
      record.topic = absl::StrCat(letter.event.position.topic, ".dlq");
    }
    return bus_->Publish(records);
  }

 private:
  events::InMemoryEventBus* const bus_;
};

}  // namespace

// One service: its clock, host and assembly.
struct InProcessSystem::Service {
  std::string name;
  std::unique_ptr<Clock> clock;
  std::unique_ptr<service::InProcessHost> host;
  std::unique_ptr<overdue::DeadLetterSink> dead_letters;  // overdue only
  std::unique_ptr<service::Assembly> assembly;
};

InProcessSystem::InProcessSystem(InProcessSystemOptions options) : options_(std::move(options)) {}

InProcessSystem::~InProcessSystem() { Stop(); }

absl::StatusOr<std::unique_ptr<InProcessSystem>> InProcessSystem::Create(
    InProcessSystemOptions options) {
  auto system = std::unique_ptr<InProcessSystem>(new InProcessSystem(std::move(options)));
  const InProcessSystemOptions& o = system->options_;
  const std::string config_dir = absl::StrCat(o.source_dir, "/services");

  // A host on the bus for `name`, reading the simulated clock.
  auto make = [&](const std::string& name,
                  std::vector<store::Migration> migrations) -> absl::StatusOr<Service*> {
    auto service = std::make_unique<Service>();
    service->name = name;
    runtime::RuntimeConfig config;
    config.service_name = name;
    config.data_dir = o.data_dir;
    config.grpc_address = "127.0.0.1:0";
    config.grpc_address_file = absl::StrCat(o.data_dir, "/", name, ".grpc-address");
    config.simulated_clock_file = o.clock_file;
    ARREARS_ASSIGN_OR_RETURN(service->clock, runtime::ProcessClock(config));
    ARREARS_ASSIGN_OR_RETURN(service->host,
                             service::InProcessHost::Create(config, std::move(migrations),
                                                            service->clock.get(), &system->bus_));
    system->services_.push_back(std::move(service));
    return system->services_.back().get();
  };

  // Compliance first: contact channels asks it before every contact.
  {
    ARREARS_ASSIGN_OR_RETURN(Service * s,
                             make(kComplianceService, compliance::service::ComplianceMigrations()));
    compliance::service::ComplianceAssemblyOptions options;
    const std::string packs = absl::StrCat(config_dir, "/compliance_auditing/policy/packs");
    options.app.pack_paths = {absl::StrCat(packs, "/cn-default.yaml"),
                              absl::StrCat(packs, "/us-regf-default.yaml")};
    options.app.screening_rules_path = absl::StrCat(packs, "/screening-rules.yaml");
    ARREARS_ASSIGN_OR_RETURN(auto assembly, compliance::service::ComplianceAssembly::Create(
                                                *s->host, s->clock.get(), std::move(options)));
    s->assembly = std::move(assembly);
  }
  {
    ARREARS_ASSIGN_OR_RETURN(Service * s, make(kOverdueService, overdue::OverdueMigrations()));
    s->dead_letters = std::make_unique<BusDeadLetterSink>(&system->bus_);
    overdue::OverdueAssemblyOptions options;
    options.products_file = absl::StrCat(config_dir, "/overdue_detection/config/products.yaml");
    options.initial_business_date = o.first_business_date;
    options.scheduled_close = false;
    ARREARS_ASSIGN_OR_RETURN(
        auto assembly,
        overdue::OverdueAssembly::Create(*s->host, s->clock.get(), s->dead_letters.get(), options));
    s->assembly = std::move(assembly);
  }
  {
    ARREARS_ASSIGN_OR_RETURN(Service * s,
                             make(kStrategyService, strategy::StrategyRoutingMigrations()));
    const std::string dir = absl::StrCat(config_dir, "/strategy_routing/config");
    strategy::StrategyAssemblyOptions options;
    options.strategy_file = absl::StrCat(dir, "/default_strategy.yaml");
    options.scorecard_file = absl::StrCat(dir, "/default_scorecard.yaml");
    options.field_roster_file = absl::StrCat(dir, "/field_roster.yaml");
    options.agenda_interval = absl::Milliseconds(100);
    ARREARS_ASSIGN_OR_RETURN(auto assembly, strategy::StrategyAssembly::Create(
                                                *s->host, s->clock.get(), std::move(options)));
    s->assembly = std::move(assembly);
  }
  {
    ARREARS_ASSIGN_OR_RETURN(Service * s, make(kContactService, contact::ContactMigrations()));
    contact::ContactAssemblyOptions options;
    ARREARS_ASSIGN_OR_RETURN(options.channels.config,
                             contact::ParseChannelConfig(contact::DefaultChannelConfigYaml()));
    options.channels.worker.idle_wait = absl::Milliseconds(50);
    // As tools/run.sh: per-second limits mean nothing on a clock that jumps
    // hours, and would make which requests wait depend on arrival order.
    options.channels.provider_rate_limits = false;
    ARREARS_ASSIGN_OR_RETURN(auto assembly, contact::ContactAssembly::Create(
                                                *s->host, s->clock.get(), std::move(options)));
    s->assembly = std::move(assembly);
  }
  for (auto& service : system->services_) {
    ARREARS_RETURN_IF_ERROR(Annotate(service->host->Start(), service->name));
    service->assembly->StartBackground();
  }
  return system;
}

void InProcessSystem::Stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto it = services_.rbegin(); it != services_.rend(); ++it) {
    (*it)->assembly->StopBackground();
  }
  bus_.Stop();
  for (auto it = services_.rbegin(); it != services_.rend(); ++it) {
    (*it)->host->Shutdown().IgnoreError();
  }
}

absl::StatusOr<PipelineSample> InProcessSystem::Sample() {
  PipelineSample sample;
  sample.backlog = bus_.backlog();
  sample.progress = bus_.progress();
  if (sample.backlog > 0) absl::StrAppend(&sample.detail, "bus: ", sample.backlog, " undelivered");
  for (auto& service : services_) {
    ARREARS_ASSIGN_OR_RETURN(int64_t pending, service->host->OutboxPending());
    sample.backlog += pending;
    sample.progress.push_back(pending);
    if (pending > 0) absl::StrAppend(&sample.detail, " ", service->name, ": outbox ", pending);
    // The same background work the broker run's monitor reads from
    // arrears_background_work_pending.
    ARREARS_ASSIGN_OR_RETURN(int64_t due, service->assembly->PendingBackgroundWork());
    sample.backlog += due;
    if (due > 0) absl::StrAppend(&sample.detail, " ", service->name, ": background ", due);
  }
  return sample;
}

absl::Status InProcessSystem::AwaitQuiet() {
  return simulator::AwaitQuiet([this] { return Sample(); }, options_.quiet, SystemClock::Get(),
                               [](absl::Duration d) { absl::SleepFor(d); });
}

}  // namespace arrears::simulator
