// ContactTestHarness: the contact channel service's parts (ContactChannels)
// over a real SQLite store in a temporary directory, without Kafka or a
// process: events are fed through the host's own ExactlyOnceProcessor, and
// what the service would publish is read back from its outbox. For tests of
// the consumers, the worker and the gRPC service, and for the benchmark.
//
//  - Time is a FakeClock the test moves; simulated providers spend no time.
//  - The compliance gate and screener are FakeComplianceGate and
//    FakeTemplateScreener unless the options name others (e.g. a
//    ComplianceClient to an in-process compliance server).
//  - Reopen() is a restart: everything is rebuilt over the same database
//    file and provider outboxes.
// Not thread-safe; one test thread (the parts it builds are).
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_TEST_HARNESS_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_TEST_HARNESS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/customer/v1/customer_events.pb.h"
#include "arrears/strategy/v1/case_events.pb.h"
#include "common/store/exactly_once_processor.h"
#include "common/store/sqlite_database.h"
#include "common/store/sqlite_outbox.h"
#include "common/store/sqlite_processed_events.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "google/protobuf/message.h"
#include "services/contact_channels/contact_channels.h"
#include "services/contact_channels/fake_compliance_gate.h"

namespace arrears::contact {

class ContactTestHarness {
 public:
  struct Options {
    // Null: the harness's FakeComplianceGate / FakeTemplateScreener.
    ComplianceGate* gate = nullptr;
    TemplateScreener* screener = nullptr;
    // Null: config/default_channels.yaml with every provider's failure rate
    // set to 0 (tests choose their own).
    const ChannelConfig* config = nullptr;
    Dispatcher::Options dispatch = {};
    // ContactChannels::Options::provider_rate_limits.
    bool provider_rate_limits = true;
  };

  static absl::StatusOr<std::unique_ptr<ContactTestHarness>> Create(Options options);
  static absl::StatusOr<std::unique_ptr<ContactTestHarness>> Create() { return Create(Options{}); }
  ~ContactTestHarness();

  // Rebuilds everything over the same files (a restart).
  absl::Status Reopen();

  // Feeds one event to an applier as the consumer loop would, through the
  // exactly-once processor (so a repeated ce_id is a no-op). Returns the
  // applier's status for the event.
  absl::Status Deliver(store::EventApplier& applier, const std::string& topic,
                       const std::string& key, const google::protobuf::Message& payload,
                       const std::string& ce_id);
  // The same with raw payload bytes of type `type`.
  absl::Status DeliverBytes(store::EventApplier& applier, const std::string& topic,
                            const std::string& key, const std::string& type,
                            const std::string& payload, const std::string& ce_id);
  absl::Status DeliverContactRequest(const strategy::v1::ContactRequest& request,
                                     const std::string& ce_id = "");
  absl::Status DeliverCaseEvent(const strategy::v1::CaseEvent& event, const std::string& ce_id);
  absl::Status DeliverCustomerEvent(const customer::v1::CustomerEvent& event,
                                    const std::string& ce_id);

  // Runs every due contact at the clock's now (see DispatchWorker::RunDueNow).
  absl::StatusOr<int> RunDue();
  // RunDue, then moves the clock to the next timer, until no timer is left
  // or `limit` tries ran. Returns the tries.
  absl::StatusOr<int> RunTimers(int limit = 10'000);

  // Every contact event in the outbox (committed, not yet relayed), in order.
  absl::StatusOr<std::vector<v1::ContactEvent>> OutboxEvents();
  // The JSON lines a provider wrote to its outbox file.
  std::vector<std::string> ProviderOutboxLines(const std::string& provider) const;

  ContactChannels& channels() { return *channels_; }
  store::SqliteDatabase& db() { return *db_; }
  OutboxTransactionRunner runner();
  FakeClock& clock() { return clock_; }
  FakeComplianceGate& gate() { return gate_; }
  FakeTemplateScreener& screener() { return screener_; }
  const std::string& data_dir() const { return dir_.path(); }

 private:
  ContactTestHarness(store::TempDir dir, Options options)
      : dir_(std::move(dir)), options_(std::move(options)) {}
  absl::Status Open();
  void Close();

  store::TempDir dir_;
  const Options options_;
  ChannelConfig config_;
  FakeClock clock_;
  FakeComplianceGate gate_;
  FakeTemplateScreener screener_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<store::SqliteOutbox> outbox_;
  std::unique_ptr<store::SqliteProcessedEvents> processed_;
  std::unique_ptr<ContactChannels> channels_;
  std::vector<std::unique_ptr<store::ExactlyOnceProcessor>> processors_;
};

// Default channel config path (compiled in).
const char* DefaultChannelConfigPath();

// Test data: a customer's contact-data event (name 张三丰, verified mobile
// "phone-1" 13812341234, home address "addr-1" in Beijing, zh-CN, in
// `time_zone`, resident in CN), an SMS reminder request (template sms-d1-reminder on loan-1,
// language left to the customer's) and a field visit request ("fv-1",
// staff-1 and staff-2, recording on).
customer::v1::CustomerEvent TestContactDataEvent(const std::string& customer_id, absl::Time at,
                                                 const std::string& time_zone = "Asia/Shanghai");
strategy::v1::ContactRequest TestSmsRequest(const std::string& request_id,
                                            const std::string& customer_id, absl::Time created);
strategy::v1::ContactRequest TestVisitRequest(const std::string& request_id,
                                              const std::string& customer_id, absl::Time created);
// An agency placement (ACTION_PLACE, placement id "pl-<request_id>", loan-1,
// total_overdue 1234.56 CNY) with `agency_id`.
strategy::v1::ContactRequest TestPlacementRequest(const std::string& request_id,
                                                  const std::string& customer_id,
                                                  absl::Time created,
                                                  const std::string& agency_id = "AG-1");

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_TEST_HARNESS_H_
