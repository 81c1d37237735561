// Cross-process: the strategy_routing binary consuming from the devbroker
// binary. A scripted book (the scenario generator: starts, partial payments,
// promises, refusals, lost contact, disputes, hardship, bucket crossings,
// cures) is published day by day; the service is SIGKILLed in the middle of a
// day and restarted. At the end every contact request the in-process
// reference run emits came out on arrears.strategy.contact-requests.v1 under
// its request id, no other request did, and the service's store recorded each
// once; a poison record went to the DLQ with its reason.
//
// Determinism across partitions: each day goes out in three phases, each
// waited for (clock event, then delinquency events keyed by loan, then
// contact / customer events keyed by customer), so every case sees the same
// inputs in the same order as the reference, whatever the partition
// interleaving within a phase.
#include <signal.h>

#include <map>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/kafka/config.h"
#include "common/kafka/producer.h"
#include "common/kafka/testing/mock_cluster.h"
#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "common/topics/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/strategy_routing/testing/scenario.h"
#include "services/strategy_routing/testing/testbed.h"
#include "tests/support/sqlite_query.h"
#include "tests/support/subprocess.h"

namespace arrears::strategy {
namespace {

using ::arrears::strategy::testing::GenerateScenario;
using ::arrears::strategy::testing::ScenarioDay;
using ::arrears::strategy::testing::ScenarioOptions;
using ::arrears::strategy::testing::Testbed;
using ::arrears::testing::QuerySqliteInt;
using ::arrears::testing::Subprocess;
using ::arrears::testing::WaitUntil;
using ::testing::HasSubstr;

constexpr int kKillDay = 18;

bool IsDelinquencyEvent(const events::InboundEvent& e) {
  return e.event.topic == topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name();
}

class StrategyRoutingProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
    dir_ = std::make_unique<store::TempDir>(std::move(dir));
    bootstrap_file_ = dir_->File("bootstrap");
    ASSERT_OK_AND_ASSIGN(broker_, Subprocess::Start({DEVBROKER_PATH, "--port=0", "--partitions=4",
                                                     "--bootstrap_file=" + bootstrap_file_},
                                                    dir_->File("devbroker.log")));
    ASSERT_TRUE(WaitUntil([&] { return kafka::ReadBootstrapFile(bootstrap_file_).ok(); },
                          absl::Seconds(30)))
        << "devbroker did not publish its address";
    ASSERT_OK_AND_ASSIGN(std::string bootstrap, kafka::ReadBootstrapFile(bootstrap_file_));
    config_.bootstrap_servers = bootstrap;
    config_.client_id = "strategy-routing-test";
    config_.profile = kafka::Profile::kDev;
    ASSERT_OK_AND_ASSIGN(producer_, kafka::KafkaProducer::Create(config_));
  }

  std::unique_ptr<Subprocess> StartService(const std::string& name) {
    absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
        {STRATEGY_ROUTING_PATH, "--service_name=strategy-routing", "--data_dir=" + dir_->path(),
         "--kafka_bootstrap_file=" + bootstrap_file_, "--grpc_address=127.0.0.1:0",
         "--http_address=127.0.0.1:0", "--log_level=warning", "--drain_timeout=10s",
         "--strategy_file=" STRATEGY_CONFIG_DIR "/default_strategy.yaml",
         "--scorecard_file=" STRATEGY_CONFIG_DIR "/default_scorecard.yaml",
         "--field_roster_file=" STRATEGY_CONFIG_DIR "/field_roster.yaml"},
        dir_->File(name + ".log"));
    EXPECT_TRUE(process.ok()) << process.status();
    return process.ok() ? std::move(*process) : nullptr;
  }

  void Publish(const std::vector<const events::InboundEvent*>& inbound) {
    std::vector<events::Event> batch;
    for (const events::InboundEvent* e : inbound) batch.push_back(e->event);
    ASSERT_OK(producer_->Publish(batch));
    published_ += static_cast<int64_t>(batch.size());
  }

  int64_t Processed() const {
    return QuerySqliteInt(db_path(), "SELECT COUNT(*) FROM processed_events");
  }
  bool WaitProcessed(absl::Duration timeout) {
    return WaitUntil([&] { return Processed() >= published_; }, timeout);
  }
  std::string db_path() const { return dir_->File("strategy-routing.db"); }

  std::unique_ptr<store::TempDir> dir_;
  std::string bootstrap_file_;
  kafka::KafkaConfig config_;
  std::unique_ptr<Subprocess> broker_;
  std::unique_ptr<kafka::KafkaProducer> producer_;
  int64_t published_ = 0;  // valid events published
};

TEST_F(StrategyRoutingProcessTest, KilledServiceLosesAndDuplicatesNoContactRequest) {
  const std::vector<ScenarioDay> days =
      GenerateScenario(ScenarioOptions{.seed = 7, .customers = 30, .days = 36});

  // The reference: the same inputs, in the same phase order, in process.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Testbed> reference, Testbed::Create());
  std::vector<std::vector<std::vector<const events::InboundEvent*>>> phases;
  for (const ScenarioDay& day : days) {
    std::vector<std::vector<const events::InboundEvent*>> day_phases(3);
    day_phases[0].push_back(&day.events[0]);
    for (size_t i = 1; i < day.events.size(); ++i) {
      day_phases[IsDelinquencyEvent(day.events[i]) ? 1 : 2].push_back(&day.events[i]);
    }
    for (const auto& phase : day_phases) {
      for (const events::InboundEvent* e : phase) ASSERT_OK(reference->Deliver(*e));
    }
    phases.push_back(std::move(day_phases));
  }
  std::set<std::string> expected;
  for (const v1::ContactRequest& r : reference->ContactRequests()) {
    ASSERT_TRUE(expected.insert(r.request_id()).second);
  }
  ASSERT_GT(expected.size(), 80u);

  std::unique_ptr<Subprocess> service = StartService("service");
  ASSERT_TRUE(service);
  // A poison record first: dead-lettered, not applied, nothing stops.
  events::Event poison = days[0].events[0].event;
  poison.envelope.id = "poison-1";
  poison.payload = "not a protobuf";
  ASSERT_OK(producer_->Publish({poison}));

  for (size_t d = 0; d < phases.size(); ++d) {
    for (size_t p = 0; p < phases[d].size(); ++p) {
      if (phases[d][p].empty()) continue;
      Publish(phases[d][p]);
      if (static_cast<int>(d) + 1 == kKillDay && p == 1) {
        // Mid-day, mid-phase: whatever committed survives.
        service->Kill(SIGKILL);
        EXPECT_EQ(service->Wait(), 128 + SIGKILL);
        ::testing::Test::RecordProperty("killed_mid_phase", Processed() < published_ ? 1 : 0);
        service = StartService("service-restarted");
        ASSERT_TRUE(service);
      }
      ASSERT_TRUE(WaitProcessed(absl::Seconds(60)))
          << "day " << d + 1 << " phase " << p << ": processed " << Processed() << " of "
          << published_;
    }
  }
  ASSERT_TRUE(
      WaitUntil([&] { return QuerySqliteInt(db_path(), "SELECT COUNT(*) FROM outbox") == 0; },
                absl::Seconds(60)))
      << "outbox not drained";
  EXPECT_EQ(Processed(), published_);
  // The store's own record: each decided step once, as in the reference.
  int64_t decided = 0;
  for (const v1::ContactRequest& r : reference->ContactRequests()) {
    decided += r.has_contact() && r.contact().reason().step() != "agency-recall";
  }
  EXPECT_EQ(QuerySqliteInt(db_path(), "SELECT COUNT(*) FROM case_treatments"), decided);
  service->Kill(SIGTERM);
  EXPECT_EQ(service->Wait(), 0);

  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  ASSERT_OK_AND_ASSIGN(
      auto records,
      kafka::testing::ReadTopic(config_, topics::Spec(topics::v1::TOPIC_CONTACT_REQUESTS).name(),
                                deadline));
  std::map<std::string, int> copies;
  for (const auto& record : records) {
    const std::string* id = record.FindHeader("ce_id");
    ASSERT_NE(id, nullptr);
    ++copies[*id];
    v1::ContactRequest request;
    ASSERT_TRUE(request.ParseFromString(record.record.value));
    EXPECT_EQ(request.request_id(), *id);
    EXPECT_EQ(record.record.key, request.customer_id()) << "keyed by customer";
  }
  std::set<std::string> seen;
  for (const auto& [id, n] : copies) seen.insert(id);
  EXPECT_EQ(seen, expected) << "lost or extra contact requests";
  // At-least-once publication: a relay killed between publishing and marking
  // republishes that batch under the same ids; nothing else repeats.
  EXPECT_LE(records.size(), expected.size() + 500);

  ASSERT_OK_AND_ASSIGN(
      auto dead,
      kafka::testing::ReadTopic(
          config_,
          topics::DeadLetterTopicName(topics::Spec(topics::v1::TOPIC_DELINQUENCY_EVENTS).name()),
          deadline));
  std::set<std::string> dead_ids;
  for (const auto& record : dead) {
    dead_ids.insert(*record.FindHeader("ce_id"));
    ASSERT_NE(record.FindHeader("dlq_reason"), nullptr);
    EXPECT_THAT(*record.FindHeader("dlq_reason"), HasSubstr("payload"));
  }
  EXPECT_EQ(dead_ids, std::set<std::string>({"poison-1"}));
}

}  // namespace
}  // namespace arrears::strategy
