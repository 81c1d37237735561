#include "services/contact_channels/contact_channels.h"

#include <filesystem>
#include <set>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/runtime/logging.h"
#include "common/status/status_macros.h"

namespace arrears::contact {

absl::StatusOr<std::unique_ptr<ContactChannels>> ContactChannels::Create(Options options,
                                                                         Peers peers) {
  if (options.data_dir.empty()) return absl::InvalidArgumentError("data_dir: required");
  if (peers.db == nullptr) return absl::InvalidArgumentError("db: must be set");
  if (!peers.runner) return absl::InvalidArgumentError("runner: must be set");
  if (peers.gate == nullptr) return absl::InvalidArgumentError("gate: must be set");
  if (peers.screener == nullptr) return absl::InvalidArgumentError("screener: must be set");
  if (peers.clock == nullptr) return absl::InvalidArgumentError("clock: must be set");
  if (options.template_retry <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("template_retry: must be positive");
  }
  auto channels = std::unique_ptr<ContactChannels>(new ContactChannels(options, peers));
  ContactChannels& c = *channels;

  std::error_code error;
  const std::string outbox_dir = absl::StrCat(options.data_dir, "/provider-outbox");
  std::filesystem::create_directories(outbox_dir, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("data_dir: cannot create ", outbox_dir, ": ", error.message()));
  }

  Dispatcher::Dependencies deps;
  for (size_t i = 0; i < options.config.providers.size(); ++i) {
    const ProviderConfig& config = options.config.providers[i];
    const std::string field = absl::StrCat("providers[", i, "]");
    SimulatedProvider::Options simulated = config.simulated;
    if (simulated.name.empty()) return absl::InvalidArgumentError(field + ".name: required");
    if (c.lanes_.contains(simulated.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, ".name: \"", simulated.name, "\" is used twice"));
    }
    Lane lane;
    if (config.type == ProviderType::kHttp) {
      HttpProvider::Options http = config.http;
      http.name = simulated.name;
      absl::StatusOr<std::unique_ptr<HttpProvider>> created =
          HttpProvider::Create(peers.clock, std::move(http));
      if (!created.ok()) return Annotate(created.status(), field);
      lane.provider = *std::move(created);
    } else {
      simulated.outbox_path = c.provider_outbox_path(simulated.name);
      if (options.provider_wait) simulated.wait = options.provider_wait;
      ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<SimulatedProvider> created,
                               SimulatedProvider::Create(peers.clock, std::move(simulated)));
      lane.simulated = created.get();
      lane.provider = std::move(created);
    }
    if (options.provider_rate_limits) {
      lane.limiter =
          std::make_unique<TokenBucket>(peers.clock, config.rate_per_second, config.burst);
    }
    lane.breaker = std::make_unique<CircuitBreaker>(peers.clock, config.breaker);
    for (common::v1::Channel channel : config.channels) {
      if (deps.lanes.contains(channel)) {
        return absl::InvalidArgumentError(absl::StrCat(
            field, ".channels: ", common::v1::Channel_Name(channel), " already has a provider"));
      }
      deps.lanes[channel] = {lane.provider.get(), lane.limiter.get(), lane.breaker.get(),
                             config.records_calls, config.agency_batch};
    }
    c.lanes_.emplace(lane.provider->name(), std::move(lane));
  }

  c.directory_ = std::make_unique<SqliteContactDirectory>(peers.db);
  c.template_store_ = std::make_unique<SqliteTemplateStore>(peers.db);
  ARREARS_ASSIGN_OR_RETURN(
      c.templates_, TemplateRegistry::Create(peers.screener, peers.clock, c.template_store_.get()));
  for (const v1::Template& t : options.config.templates) {
    c.templates_->ExpectTemplate(t.template_id(), t.language());
  }
  c.transactions_ = std::make_unique<SqliteContactTransactions>(peers.db, peers.runner);
  deps.gate = peers.gate;
  deps.directory = c.directory_.get();
  deps.templates = c.templates_.get();
  deps.clock = peers.clock;
  ARREARS_ASSIGN_OR_RETURN(c.dispatcher_, Dispatcher::Create(std::move(deps), options.dispatch));
  ARREARS_ASSIGN_OR_RETURN(
      c.worker_, DispatchWorker::Create(c.dispatcher_.get(), c.transactions_.get(), peers.clock,
                                        options.worker));
  DispatchWorker* worker = c.worker_.get();
  c.contact_request_applier_ = std::make_unique<ContactRequestApplier>(
      peers.db, c.dispatcher_.get(), [worker] { worker->Wake(); });
  c.case_event_applier_ = std::make_unique<CaseEventApplier>(peers.db, c.dispatcher_.get());
  c.customer_event_applier_ = std::make_unique<CustomerEventApplier>(peers.db);
  c.ids_ = std::make_unique<ids::UuidV7Generator>(peers.clock);
  ARREARS_ASSIGN_OR_RETURN(
      c.notes_, NotesSealer::FromKeyFile(options.notes_key_file.empty()
                                             ? absl::StrCat(options.data_dir, "/contact-notes.key")
                                             : options.notes_key_file));
  c.service_ = std::make_unique<ContactServiceImpl>(peers.db, peers.runner, c.templates_.get(),
                                                    c.notes_.get(), peers.clock, c.ids_.get());
  return channels;
}

ContactChannels::~ContactChannels() { Stop(); }

std::string ContactChannels::provider_outbox_path(const std::string& name) const {
  return absl::StrCat(options_.data_dir, "/provider-outbox/", name, ".jsonl");
}

SimulatedProvider* ContactChannels::provider(const std::string& name) {
  auto it = lanes_.find(name);
  return it == lanes_.end() ? nullptr : it->second.simulated;
}

absl::StatusOr<int> ContactChannels::SeedTemplates() {
  int missing = 0;
  for (const v1::Template& message_template : options_.config.templates) {
    absl::StatusOr<v1::Template> stored =
        templates_->Get(message_template.template_id(), message_template.language());
    if (stored.ok()) continue;
    // NotFound, or Unavailable while it is expected: register it now.
    if (!absl::IsNotFound(stored.status()) && !absl::IsUnavailable(stored.status())) {
      return stored.status();
    }
    absl::StatusOr<v1::Template> registered = templates_->Register(message_template);
    if (registered.ok()) continue;
    if (absl::IsInvalidArgument(registered.status())) {
      return Annotate(registered.status(), TemplateResourceName(message_template.template_id(),
                                                                message_template.language()));
    }
    ++missing;  // compliance cannot screen it now
  }
  return missing;
}

void ContactChannels::SeedTemplatesUntilDone() {
  do {
    absl::StatusOr<int> missing = SeedTemplates();
    if (!missing.ok()) {
      runtime::LogError("configured template rejected").With("error", missing.status());
      return;
    }
    if (*missing == 0) return;
    runtime::LogWarning("configured templates wait for compliance screening")
        .With("missing", static_cast<int64_t>(*missing));
  } while (!stop_seeding_.WaitForNotificationWithTimeout(options_.template_retry));
}

void ContactChannels::Start() {
  if (started_) return;
  started_ = true;
  worker_->Start();
  seeder_ = std::thread([this] { SeedTemplatesUntilDone(); });
}

void ContactChannels::Stop() {
  if (!started_) return;
  started_ = false;
  if (!stop_seeding_.HasBeenNotified()) stop_seeding_.Notify();
  if (seeder_.joinable()) seeder_.join();
  worker_->Stop();
}

}  // namespace arrears::contact
