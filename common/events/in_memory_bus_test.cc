#include "common/events/in_memory_bus.h"

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::events {
namespace {

Event Make(const std::string& topic, const std::string& id) {
  Event event;
  event.topic = topic;
  event.key = "k";
  event.envelope.id = id;
  return event;
}

// Records ids; answers each id with the status scripted for it (once).
class ScriptedHandler final : public EventBatchHandler {
 public:
  std::vector<absl::Status> HandleBatch(absl::Span<const InboundEvent> batch) override {
    absl::MutexLock lock(&mu_);
    std::vector<absl::Status> statuses;
    for (const InboundEvent& inbound : batch) {
      const std::string& id = inbound.event.envelope.id;
      auto it = script_.find(id);
      if (it != script_.end() && !it->second.empty()) {
        absl::Status status = it->second.front();
        it->second.erase(it->second.begin());
        statuses.push_back(status);
        if (!status.ok() && IsRetryable(status)) break;  // the rest is not applied
        continue;
      }
      seen_.push_back(id);
      statuses.push_back(absl::OkStatus());
    }
    while (statuses.size() < batch.size()) statuses.push_back(absl::UnavailableError("later"));
    return statuses;
  }
  void Script(const std::string& id, std::vector<absl::Status> statuses) {
    absl::MutexLock lock(&mu_);
    script_[id] = std::move(statuses);
  }
  std::vector<std::string> seen() const {
    absl::MutexLock lock(&mu_);
    return seen_;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, std::vector<absl::Status>> script_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> seen_ ABSL_GUARDED_BY(mu_);
};

void AwaitIdle(const InMemoryEventBus& bus) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (bus.backlog() > 0) {
    ASSERT_LT(absl::Now(), deadline) << "bus still has a backlog of " << bus.backlog();
    absl::SleepFor(absl::Milliseconds(1));
  }
}

TEST(InMemoryEventBusTest, DeliversTheGroupsTopicsInPublishOrder) {
  InMemoryEventBus bus;
  ScriptedHandler handler;
  ASSERT_OK(bus.Publish({Make("a", "1"), Make("b", "2")}));
  ASSERT_OK(
      bus.Subscribe({.group = "g", .topics = {"a", "c"}, .handler = &handler, .max_batch = 2}));
  ASSERT_OK(bus.Publish({Make("c", "3"), Make("b", "4"), Make("a", "5"), Make("c", "6")}));
  AwaitIdle(bus);
  EXPECT_THAT(handler.seen(), ::testing::ElementsAre("1", "3", "5", "6"));
  EXPECT_EQ(bus.progress(), (std::vector<int64_t>{6, 4}));
}

TEST(InMemoryEventBusTest, PermanentErrorsGoToTheDeadLetterTopic) {
  InMemoryEventBus bus;
  ScriptedHandler handler;
  handler.Script("2", {absl::InvalidArgumentError("amount: negative")});
  ASSERT_OK(bus.Subscribe({.group = "g", .topics = {"a"}, .handler = &handler}));
  ASSERT_OK(bus.Publish({Make("a", "1"), Make("a", "2"), Make("a", "3")}));
  AwaitIdle(bus);
  EXPECT_THAT(handler.seen(), ::testing::ElementsAre("1", "3"));
  EXPECT_EQ(bus.count("a.dlq"), 1);
}

TEST(InMemoryEventBusTest, RetryableErrorsAreRetriedThenDeadLettered) {
  InMemoryEventBus bus;
  ScriptedHandler handler;
  handler.Script("1", {absl::UnavailableError("locked")});
  handler.Script("2", std::vector<absl::Status>(3, absl::UnavailableError("down")));
  ASSERT_OK(bus.Subscribe({.group = "g",
                           .topics = {"a"},
                           .handler = &handler,
                           .max_attempts = 3,
                           .initial_backoff = absl::Milliseconds(1)}));
  ASSERT_OK(bus.Publish({Make("a", "1"), Make("a", "2"), Make("a", "3")}));
  AwaitIdle(bus);
  // "1" succeeded on its second attempt; "2" failed three times.
  EXPECT_THAT(handler.seen(), ::testing::ElementsAre("1", "3"));
  EXPECT_EQ(bus.count("a.dlq"), 1);
}

TEST(InMemoryEventBusTest, RejectsBadSubscriptionsAndStops) {
  InMemoryEventBus bus;
  ScriptedHandler handler;
  EXPECT_THAT(bus.Subscribe({.group = "g", .topics = {"a"}}),
              arrears::testing::StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(bus.Subscribe({.group = "g", .handler = &handler}),
              arrears::testing::StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_OK(bus.Subscribe({.group = "g", .topics = {"a"}, .handler = &handler}));
  bus.Stop();
  EXPECT_THAT(bus.Subscribe({.group = "h", .topics = {"a"}, .handler = &handler}),
              arrears::testing::StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace arrears::events
