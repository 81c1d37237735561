#include "services/contact_channels/contact_test_harness.h"

#include <fstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "common/store/sqlite_core_schema.h"
#include "common/topics/topics.h"
#include "services/contact_channels/sqlite_contact_store.h"

namespace arrears::contact {

const char* DefaultChannelConfigPath() { return CONTACT_DEFAULT_CHANNELS_YAML; }

customer::v1::CustomerEvent TestContactDataEvent(const std::string& customer_id, absl::Time at,
                                                 const std::string& time_zone) {
  customer::v1::CustomerEvent event;
  event.set_customer_id(customer_id);
  *event.mutable_occurred_at() = ToTimestamp(at);
  customer::v1::ContactData* data = event.mutable_contact_data_changed()->mutable_contact_data();
  data->mutable_name()->set_full_name("张三丰");
  data->set_time_zone(time_zone);
  data->set_residence_jurisdiction("CN");
  data->set_preferred_language("zh-CN");
  customer::v1::Phone* phone = data->add_phones();
  phone->set_contact_point_id("phone-1");
  phone->set_number("13812341234");
  phone->set_type(customer::v1::Phone::TYPE_MOBILE);
  phone->set_verified(true);
  customer::v1::PostalAddress* address = data->add_addresses();
  address->set_contact_point_id("addr-1");
  address->set_locality("北京市");
  address->add_lines("朝阳区建国路88号");
  address->set_verified(true);
  return event;
}

strategy::v1::ContactRequest TestSmsRequest(const std::string& request_id,
                                            const std::string& customer_id, absl::Time created) {
  strategy::v1::ContactRequest request;
  request.set_request_id(request_id);
  request.set_customer_id(customer_id);
  *request.mutable_create_time() = ToTimestamp(created);
  strategy::v1::ContactInstruction* contact = request.mutable_contact();
  contact->add_loan_ids("loan-1");
  contact->set_channel(common::v1::CHANNEL_SMS);
  contact->set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  contact->set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
  contact->set_template_id("sms-d1-reminder");
  (*contact->mutable_template_parameters())["amount_due"] = "1234.56 CNY";
  (*contact->mutable_template_parameters())["due_date"] = "2026-01-05";
  return request;
}

strategy::v1::ContactRequest TestVisitRequest(const std::string& request_id,
                                              const std::string& customer_id, absl::Time created) {
  strategy::v1::ContactRequest request;
  request.set_request_id(request_id);
  request.set_customer_id(customer_id);
  *request.mutable_create_time() = ToTimestamp(created);
  strategy::v1::ContactInstruction* contact = request.mutable_contact();
  contact->add_loan_ids("loan-1");
  contact->set_channel(common::v1::CHANNEL_FIELD_VISIT);
  contact->set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  contact->set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
  strategy::v1::FieldVisitOrder* visit = contact->mutable_field_visit();
  visit->set_field_visit_id("fv-1");
  *visit->mutable_visit_date() = ToProto(absl::CivilDay(2026, 1, 5));
  visit->mutable_time_window()->mutable_start()->set_hours(10);
  visit->mutable_time_window()->mutable_end()->set_hours(12);
  visit->set_time_zone("Asia/Shanghai");
  visit->set_address_contact_point_id("addr-1");
  visit->set_region("beijing-east");
  visit->add_staff_ids("staff-1");
  visit->add_staff_ids("staff-2");
  visit->set_recording_on(true);
  visit->set_data_confirmed(true);
  return request;
}

strategy::v1::ContactRequest TestPlacementRequest(const std::string& request_id,
                                                  const std::string& customer_id,
                                                  absl::Time created,
                                                  const std::string& agency_id) {
  strategy::v1::ContactRequest request;
  request.set_request_id(request_id);
  request.set_customer_id(customer_id);
  *request.mutable_create_time() = ToTimestamp(created);
  strategy::v1::ContactInstruction* contact = request.mutable_contact();
  contact->add_loan_ids("loan-1");
  contact->set_channel(common::v1::CHANNEL_AGENCY_PLACEMENT);
  contact->set_counterparty(common::v1::COUNTERPARTY_DEBTOR);
  contact->set_purpose(common::v1::CONTACT_PURPOSE_COLLECTION);
  contact->set_agency_id(agency_id);
  strategy::v1::AgencyPlacementOrder* placement = contact->mutable_agency_placement();
  placement->set_action(strategy::v1::AgencyPlacementOrder::ACTION_PLACE);
  placement->set_agency_id(agency_id);
  placement->set_placement_id("pl-" + request_id);
  (*contact->mutable_template_parameters())["total_overdue"] = "1234.56 CNY";
  return request;
}

absl::StatusOr<std::unique_ptr<ContactTestHarness>> ContactTestHarness::Create(Options options) {
  ARREARS_ASSIGN_OR_RETURN(store::TempDir dir, store::TempDir::Create());
  auto harness =
      std::unique_ptr<ContactTestHarness>(new ContactTestHarness(std::move(dir), options));
  if (options.config != nullptr) {
    harness->config_ = *options.config;
  } else {
    ARREARS_ASSIGN_OR_RETURN(harness->config_, LoadChannelConfigFile(DefaultChannelConfigPath()));
    for (ProviderConfig& provider : harness->config_.providers) {
      provider.simulated.failure_rate = 0.0;
    }
  }
  ARREARS_RETURN_IF_ERROR(harness->Open());
  return harness;
}

ContactTestHarness::~ContactTestHarness() { Close(); }

OutboxTransactionRunner ContactTestHarness::runner() {
  return [this](absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) {
    return db_->InTransaction([&](store::Transaction& txn) {
      store::TransactionalOutboxWriter writer(*outbox_, txn);
      return body(txn, writer);
    });
  };
}

absl::Status ContactTestHarness::Open() {
  store::SqliteOptions sqlite;
  sqlite.path = dir_.File("contact-channels.db");
  ARREARS_ASSIGN_OR_RETURN(db_, store::SqliteDatabase::Create(sqlite));
  std::vector<store::Migration> migrations = store::CoreMigrations();
  for (store::Migration& m : ContactMigrations()) migrations.push_back(std::move(m));
  ARREARS_RETURN_IF_ERROR(db_->Migrate(migrations));
  outbox_ = std::make_unique<store::SqliteOutbox>(db_.get());
  processed_ = std::make_unique<store::SqliteProcessedEvents>(db_.get());

  ContactChannels::Options options;
  options.data_dir = dir_.path();
  options.config = config_;
  options.dispatch = options_.dispatch;
  options.provider_rate_limits = options_.provider_rate_limits;
  options.provider_wait = [](absl::Duration) {};
  ContactChannels::Peers peers;
  peers.db = db_.get();
  peers.runner = runner();
  peers.gate = options_.gate != nullptr ? options_.gate : &gate_;
  peers.screener = options_.screener != nullptr ? options_.screener : &screener_;
  peers.clock = &clock_;
  ARREARS_ASSIGN_OR_RETURN(channels_, ContactChannels::Create(std::move(options), peers));
  return absl::OkStatus();
}

void ContactTestHarness::Close() {
  processors_.clear();
  channels_.reset();
  processed_.reset();
  outbox_.reset();
  db_.reset();
}

absl::Status ContactTestHarness::Reopen() {
  Close();
  return Open();
}

absl::Status ContactTestHarness::Deliver(store::EventApplier& applier, const std::string& topic,
                                         const std::string& key,
                                         const google::protobuf::Message& payload,
                                         const std::string& ce_id) {
  return DeliverBytes(applier, topic, key, std::string(payload.GetDescriptor()->full_name()),
                      payload.SerializeAsString(), ce_id);
}

absl::Status ContactTestHarness::DeliverBytes(store::EventApplier& applier,
                                              const std::string& topic, const std::string& key,
                                              const std::string& type, const std::string& payload,
                                              const std::string& ce_id) {
  store::ExactlyOnceProcessorOptions processor_options;
  processor_options.consumer = "contact-channels";
  ARREARS_ASSIGN_OR_RETURN(
      std::unique_ptr<store::ExactlyOnceProcessor> processor,
      store::ExactlyOnceProcessor::Create(db_.get(), processed_.get(), outbox_.get(), &applier,
                                          &clock_, std::move(processor_options)));
  events::InboundEvent inbound;
  inbound.event.topic = topic;
  inbound.event.key = key;
  inbound.event.envelope.id = ce_id;
  inbound.event.envelope.type = type;
  inbound.event.envelope.source = "//arrears/test";
  inbound.event.envelope.time = clock_.Now();
  inbound.event.payload = payload;
  inbound.position = {topic, 0, 0};
  std::vector<absl::Status> statuses = processor->HandleBatch({&inbound, 1});
  processors_.push_back(std::move(processor));
  return statuses.empty() ? absl::InternalError("no status") : statuses[0];
}

absl::Status ContactTestHarness::DeliverContactRequest(const strategy::v1::ContactRequest& request,
                                                       const std::string& ce_id) {
  return Deliver(channels_->contact_request_applier(),
                 topics::Spec(topics::v1::TOPIC_CONTACT_REQUESTS).name(), request.customer_id(),
                 request, ce_id.empty() ? "ce-" + request.request_id() : ce_id);
}

absl::Status ContactTestHarness::DeliverCaseEvent(const strategy::v1::CaseEvent& event,
                                                  const std::string& ce_id) {
  return Deliver(channels_->case_event_applier(),
                 topics::Spec(topics::v1::TOPIC_CASE_EVENTS).name(), event.customer_id(), event,
                 ce_id);
}

absl::Status ContactTestHarness::DeliverCustomerEvent(const customer::v1::CustomerEvent& event,
                                                      const std::string& ce_id) {
  return Deliver(channels_->customer_event_applier(),
                 topics::Spec(topics::v1::TOPIC_CUSTOMER_EVENTS).name(), event.customer_id(), event,
                 ce_id);
}

absl::StatusOr<int> ContactTestHarness::RunDue() { return channels_->worker().RunDueNow(); }

absl::StatusOr<int> ContactTestHarness::RunTimers(int limit) {
  int tries = 0;
  while (tries < limit) {
    ARREARS_ASSIGN_OR_RETURN(int ran, channels_->worker().RunDueNow(limit - tries));
    tries += ran;
    DueTimers due;
    ARREARS_RETURN_IF_ERROR(
        channels_->transactions().Run([&](ContactStore& store) -> absl::StatusOr<DispatchEffects> {
          ARREARS_ASSIGN_OR_RETURN(due, store.ListDue(clock_.Now(), 1));
          return DispatchEffects{};
        }));
    if (!due.request_ids.empty()) continue;
    if (due.next_due == absl::InfiniteFuture()) break;
    clock_.Set(due.next_due);
  }
  return tries;
}

absl::StatusOr<std::vector<v1::ContactEvent>> ContactTestHarness::OutboxEvents() {
  ARREARS_ASSIGN_OR_RETURN(std::vector<store::OutboxRecord> records,
                           outbox_->FetchUnpublished(1'000'000));
  std::vector<v1::ContactEvent> events;
  for (const store::OutboxRecord& record : records) {
    v1::ContactEvent event;
    if (!event.ParseFromString(record.event.payload)) {
      return absl::DataLossError("outbox: not a ContactEvent");
    }
    if (record.event.envelope.id != event.event_id()) {
      return absl::InternalError(absl::StrCat("outbox: ce_id ", record.event.envelope.id,
                                              " differs from event_id ", event.event_id()));
    }
    events.push_back(std::move(event));
  }
  return events;
}

std::vector<std::string> ContactTestHarness::ProviderOutboxLines(
    const std::string& provider) const {
  std::ifstream in(channels_->provider_outbox_path(provider));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

}  // namespace arrears::contact
