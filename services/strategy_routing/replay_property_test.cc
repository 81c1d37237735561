// Property: the requests the service emits depend only on the event stream.
// Replaying the stream twice, or restarting the process at any point (what
// committed survives, the consumer re-delivers from its last committed
// offset), yields exactly the outbound events of one clean pass, each once:
// same ids, same payload bytes, same order.
//
// The reference is the in-memory testbed; the runs under test are the
// production consumer path on SQLite (ExactlyOnceProcessor + applier +
// outbox), restarted by reopening the database file.
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "common/topics/topics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/strategy_routing/testing/scenario.h"
#include "services/strategy_routing/testing/sqlite_service.h"
#include "services/strategy_routing/testing/testbed.h"

namespace arrears::strategy {
namespace {

using ::arrears::strategy::testing::Flatten;
using ::arrears::strategy::testing::GenerateScenario;
using ::arrears::strategy::testing::ScenarioOptions;
using ::arrears::strategy::testing::SqliteService;
using ::arrears::strategy::testing::Testbed;

std::vector<events::Event> Reference(const std::vector<events::InboundEvent>& stream) {
  absl::StatusOr<std::unique_ptr<Testbed>> bed = Testbed::Create();
  EXPECT_OK(bed.status());
  for (const events::InboundEvent& event : stream) EXPECT_OK((*bed)->Deliver(event));
  return (*bed)->published();
}

int64_t CountTopic(const std::vector<events::Event>& events, topics::v1::Topic topic) {
  int64_t n = 0;
  for (const events::Event& e : events) n += e.topic == topics::Spec(topic).name();
  return n;
}

void ExpectSameEvents(const std::vector<events::Event>& actual,
                      const std::vector<events::Event>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    ASSERT_EQ(actual[i].envelope.id, expected[i].envelope.id) << "event " << i;
    EXPECT_EQ(actual[i].topic, expected[i].topic) << "event " << i;
    EXPECT_EQ(actual[i].key, expected[i].key) << "event " << i;
    EXPECT_EQ(actual[i].payload, expected[i].payload) << "event " << i << " " << actual[i].topic;
  }
  std::set<std::string> ids;
  for (const events::Event& e : actual) {
    EXPECT_TRUE(ids.insert(e.envelope.id).second) << "emitted twice: " << e.envelope.id;
  }
}

void ExpectAllOk(const std::vector<absl::Status>& statuses) {
  for (const absl::Status& s : statuses) ASSERT_OK(s);
}

ScenarioOptions Scenario(uint64_t seed) {
  return ScenarioOptions{.seed = seed, .customers = 40, .days = 72};
}

TEST(ReplayPropertyTest, ScenarioExercisesTheWholePath) {
  const std::vector<events::Event> reference = Reference(Flatten(GenerateScenario(Scenario(1))));
  EXPECT_GT(CountTopic(reference, topics::v1::TOPIC_CONTACT_REQUESTS), 150);
  std::set<std::string> steps;
  for (const events::Event& e : reference) {
    if (e.topic != topics::Spec(topics::v1::TOPIC_CONTACT_REQUESTS).name()) continue;
    v1::ContactRequest r;
    ASSERT_TRUE(r.ParseFromString(e.payload));
    steps.insert(r.has_cancel_pending() ? "cancel"
                                        : absl::StrCat(r.contact().reason().segment(), "/",
                                                       r.contact().reason().step()));
  }
  // Mild, severe, promise, hardship, field and agency paths all ran.
  for (const char* step :
       {"early/d1-sms", "early/d3-call", "severe-contactable/m2-call",
        "broken-promise/broken-promise-call", "hardship/plan-offer-call",
        "field-lost-contact/field-visit", "agency/agency-placement-notice", "cancel"}) {
    EXPECT_TRUE(steps.count(step)) << step << " never ran";
  }
}

TEST(ReplayPropertyTest, ReplayingTheStreamTwiceAddsNothing) {
  const std::vector<events::InboundEvent> stream = Flatten(GenerateScenario(Scenario(2)));
  const std::vector<events::Event> reference = Reference(stream);
  ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteService> service,
                       SqliteService::Open(dir.File("strategy.db")));
  std::vector<events::Event> published;
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < stream.size(); i += 50) {
      const size_t n = std::min<size_t>(50, stream.size() - i);
      ExpectAllOk(service->HandleBatch(absl::MakeConstSpan(&stream[i], n)));
      ASSERT_OK(service->Drain(&published));
    }
    if (pass == 0) {
      ExpectSameEvents(published, reference);
    }
  }
  ExpectSameEvents(published, reference);
}

// Crashes before or after a batch commits, with offsets committed lazily,
// at random points, several times per run.
TEST(ReplayPropertyTest, RestartAtAnyPointYieldsTheSameRequestsOnceEach) {
  for (uint64_t seed : {3, 4, 5}) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    const std::vector<events::InboundEvent> stream = Flatten(GenerateScenario(Scenario(seed)));
    const std::vector<events::Event> reference = Reference(stream);
    ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
    const std::string path = dir.File("strategy.db");
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteService> service, SqliteService::Open(path));
    std::mt19937_64 rng(seed);
    std::vector<events::Event> published;
    size_t position = 0;   // next event to hand to the processor
    size_t committed = 0;  // the consumer's committed offset
    int restarts = 0;
    while (position < stream.size()) {
      const size_t n = std::min<size_t>(1 + rng() % 8, stream.size() - position);
      const int dice = static_cast<int>(rng() % 10);
      if (dice == 0) {
        // Killed before the batch committed: nothing of it survives.
        service.reset();
      } else {
        ExpectAllOk(service->HandleBatch(absl::MakeConstSpan(&stream[position], n)));
        position += n;
        if (rng() % 2 == 0) committed = position;  // offsets commit after the store
        if (rng() % 3 != 0) {
          ASSERT_OK(service->Drain(&published));  // the relay may lag behind
        }
        if (dice == 1) service.reset();  // killed after the commit
      }
      if (!service) {
        ++restarts;
        ASSERT_OK_AND_ASSIGN(service, SqliteService::Open(path));
        position = committed;  // the consumer re-delivers what it had not committed
      }
    }
    ASSERT_OK(service->Drain(&published));
    EXPECT_GE(restarts, 5);
    ExpectSameEvents(published, reference);
  }
}

}  // namespace
}  // namespace arrears::strategy
