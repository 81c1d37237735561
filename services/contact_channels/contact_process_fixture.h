// ContactProcessFixture: what the cross-process tests of contact_channels
// share. A temporary directory, the devbroker process, a producer to feed
// topics, starting the contact_channels binary with test-friendly timings,
// and read-only views of what the service did: its simulated SMS provider's
// outbox file, its SQLite store, the contact events topic.
//
// Subclasses start the compliance service their own way (in-process fake or
// the real binary) and pass its address file to StartContactChannels().
// Not thread-safe; the test's thread.
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_PROCESS_FIXTURE_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_PROCESS_FIXTURE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "arrears/contact/v1/contact_events.pb.h"
#include "arrears/topics/v1/topics.pb.h"
#include "common/kafka/config.h"
#include "common/kafka/producer.h"
#include "common/store/testing/temp_dir.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/subprocess.h"

namespace arrears::contact {

class ContactProcessFixture : public ::testing::Test {
 protected:
  // Starts the devbroker and a producer.
  void SetUp() override;

  // Starts contact_channels on contact_dir() with a one-template
  // configuration whose SMS provider fails sms_failure_rate_ of its calls,
  // short retry and timer intervals, logging to <name>.log.
  std::unique_ptr<testing::Subprocess> StartContactChannels(const std::string& name,
                                                            const std::string& compliance_file);

  absl::Status Publish(topics::v1::Topic topic, const std::string& key,
                       const google::protobuf::Message& payload, const std::string& id);

  // Provider outbox lines per idempotency key (attempt id), with each line's
  // accepted_at.
  std::map<std::string, std::vector<absl::Time>> ProviderSends() const;
  // The state number of a request in the service's store; -1 if absent.
  int64_t StateOf(const std::string& request_id) const;
  int64_t OutboxDepth() const;
  // The attempt id the service derives for a request created at created_.
  std::string AttemptOf(const std::string& request_id) const;
  // Every contact event on the topic, by event id (a relay may republish a
  // batch after a crash; the id is the dedupe key).
  std::map<std::string, v1::ContactEvent> ContactEventsById();
  // Their outcomes per request id, in event id order.
  static std::map<std::string, std::vector<v1::ContactOutcome>> OutcomesByRequest(
      const std::map<std::string, v1::ContactEvent>& events);

  std::string contact_dir() const { return dir_->File("contact"); }

  std::unique_ptr<store::TempDir> dir_;
  double sms_failure_rate_ = 0.5;
  std::string bootstrap_file_;
  std::unique_ptr<testing::Subprocess> broker_;
  kafka::KafkaConfig kafka_;
  std::unique_ptr<kafka::KafkaProducer> producer_;
  // The create_time of every request the test publishes.
  const absl::Time created_ = absl::FromUnixMicros(absl::ToUnixMicros(absl::Now()));
};

using ::arrears::testing::QuerySqliteInt;

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_CONTACT_PROCESS_FIXTURE_H_
