#include "services/strategy_routing/testing/testbed.h"

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/strategy_routing/strategy_loader.h"
#include "services/strategy_routing/testing/fake_transaction.h"
#include "services/strategy_routing/yaml_util.h"

namespace arrears::strategy::testing {
namespace {

template <typename Message>
std::vector<Message> Decode(const std::vector<events::Event>& events, topics::v1::Topic topic) {
  std::vector<Message> out;
  for (const events::Event& event : events) {
    if (event.topic != topics::Spec(topic).name()) continue;
    out.emplace_back().ParseFromString(event.payload);
  }
  return out;
}

}  // namespace

std::string DefaultStrategyFile() { return STRATEGY_CONFIG_DIR "/default_strategy.yaml"; }
std::string DefaultScorecardFile() { return STRATEGY_CONFIG_DIR "/default_scorecard.yaml"; }
std::string DefaultRosterFile() { return STRATEGY_CONFIG_DIR "/field_roster.yaml"; }

absl::Status RecordingOutbox::Enqueue(const events::Event& event) {
  ARREARS_RETURN_IF_ERROR(events::ValidateEnvelope(event.envelope));
  events_.push_back(event);
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Testbed>> Testbed::Create(TestbedOptions options) {
  std::unique_ptr<Testbed> bed(new Testbed());
  const std::string strategy_file =
      options.strategy_file.empty() ? DefaultStrategyFile() : options.strategy_file;
  ARREARS_ASSIGN_OR_RETURN(std::string source, ReadConfigFile(strategy_file));
  ARREARS_ASSIGN_OR_RETURN(Strategy strategy, LoadStrategy(source));
  ARREARS_ASSIGN_OR_RETURN(std::string scorecard_yaml,
                           ReadConfigFile(options.scorecard_file.empty() ? DefaultScorecardFile()
                                                                         : options.scorecard_file));
  ARREARS_ASSIGN_OR_RETURN(bed->scorecard_, Scorecard::Create(scorecard_yaml));
  ARREARS_ASSIGN_OR_RETURN(
      bed->roster_, FieldRoster::CreateFromFile(options.roster_file.empty() ? DefaultRosterFile()
                                                                            : options.roster_file));
  const StoredStrategy stored =
      MakeStoredStrategy(strategy, source, "testbed", absl::FromUnixSeconds(1'767'225'600));
  FakeTransaction txn;
  ARREARS_ASSIGN_OR_RETURN(std::vector<StoredStrategy> all,
                           RegisterStrategyFile(bed->store_, txn, stored));
  ARREARS_ASSIGN_OR_RETURN(
      bed->book_, StrategyBook::Create(strategy.id, all, bed->scorecard_->DpdBoundaries()));
  bed->manager_ = std::make_unique<CaseManager>(
      &bed->store_, bed->book_.get(), bed->scorecard_.get(), bed->roster_.get(), options.manager);
  bed->applier_ = std::make_unique<StrategyEventApplier>(bed->manager_.get());
  return bed;
}

absl::Status Testbed::Run(UnitOfWorkBody body) {
  InMemoryCaseStore::Data snapshot = store_.Snapshot();
  FakeTransaction txn;
  RecordingOutbox outbox;
  absl::Status status = body(txn, outbox);
  if (!status.ok()) {
    store_.Restore(std::move(snapshot));
    return status;
  }
  for (events::Event& event : outbox.events()) published_.push_back(std::move(event));
  return absl::OkStatus();
}

absl::Status Testbed::Deliver(const events::InboundEvent& event, bool dedupe) {
  if (dedupe && applied_ids_.count(event.event.envelope.id) > 0) return absl::OkStatus();
  ARREARS_RETURN_IF_ERROR(Run([&](store::Transaction& txn, store::OutboxWriter& outbox) {
    return applier_->Apply(event, txn, outbox);
  }));
  applied_ids_.insert(event.event.envelope.id);
  return absl::OkStatus();
}

std::vector<v1::ContactRequest> Testbed::ContactRequests() const {
  return Decode<v1::ContactRequest>(published_, topics::v1::TOPIC_CONTACT_REQUESTS);
}

std::vector<v1::CaseEvent> Testbed::CaseEvents() const {
  return Decode<v1::CaseEvent>(published_, topics::v1::TOPIC_CASE_EVENTS);
}

std::vector<v1::RepaymentPlanEvent> Testbed::PlanEvents() const {
  return Decode<v1::RepaymentPlanEvent>(published_, topics::v1::TOPIC_PLAN_EVENTS);
}

std::optional<CaseRecord> Testbed::OpenCaseOf(const std::string& customer_id) {
  FakeTransaction txn;
  absl::StatusOr<std::optional<CaseRecord>> record = store_.LoadOpenCase(txn, customer_id);
  return record.ok() ? *std::move(record) : std::nullopt;
}

events::InboundEvent Inbound(topics::v1::Topic topic, const std::string& key,
                             const google::protobuf::Message& payload, const std::string& ce_id,
                             absl::Time time) {
  events::InboundEvent inbound;
  inbound.event.topic = topics::Spec(topic).name();
  inbound.event.key = key;
  inbound.event.envelope.id = ce_id;
  inbound.event.envelope.type = payload.GetDescriptor()->full_name();
  inbound.event.envelope.source = "//arrears/test";
  inbound.event.envelope.time = time;
  payload.SerializeToString(&inbound.event.payload);
  inbound.position.topic = inbound.event.topic;
  return inbound;
}

}  // namespace arrears::strategy::testing
