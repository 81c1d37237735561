#include "common/kafka/consumer_loop.h"

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/kafka/producer.h"
#include "common/kafka/testing/mock_cluster.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::kafka {
namespace {

using ::arrears::kafka::testing::ConsumedRecord;
using ::arrears::kafka::testing::MockCluster;
using ::arrears::testing::StatusIs;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pointee;
using ::testing::SizeIs;

constexpr char kTopic[] = "loans";
constexpr int kPartitions = 4;
// Generous: a group's first join on the mock takes ~3 s.
constexpr absl::Duration kWaitTimeout = absl::Seconds(30);

// Decides an event's outcome from its id and how many times it was attempted.
using Script = std::function<absl::Status(const std::string& id, int attempt)>;

// An in-memory stand-in for a service's exactly-once store: applies each
// event id once (later deliveries are duplicates, OK as in the real store) and
// keeps what the tests assert on. Shared by the handlers of several loops.
class FakeStore {
 public:
  // Applies one event unless `script` fails it; returns its status.
  absl::Status Apply(const events::InboundEvent& inbound, const Script& script, int* deliveries) {
    absl::MutexLock lock(&mu_);
    const std::string& id = inbound.event.envelope.id;
    int attempt = ++attempts_[id];
    ++*deliveries;
    deliveries_.push_back(inbound);
    absl::Status status = script ? script(id, attempt) : absl::OkStatus();
    if (status.ok() && !applied_.contains(id)) {
      int64_t amount = 0;
      EXPECT_TRUE(absl::SimpleAtoi(inbound.event.payload, &amount)) << inbound.event.payload;
      applied_[id] = amount;
      applied_order_.push_back(inbound);
    }
    return status;
  }

  // Wait until at least `count` distinct events are applied, or `id` was
  // attempted `count` times; false on timeout.
  bool WaitForApplied(size_t count) const {
    return WaitUntil([&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return applied_.size() >= count; });
  }
  bool WaitForAttempts(const std::string& id, int count) const {
    return WaitUntil([&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      auto it = attempts_.find(id);
      return it != attempts_.end() && it->second >= count;
    });
  }

  std::map<std::string, int64_t> applied() const {
    absl::MutexLock lock(&mu_);
    return applied_;
  }
  std::vector<events::InboundEvent> applied_order() const {
    absl::MutexLock lock(&mu_);
    return applied_order_;
  }
  std::vector<events::InboundEvent> deliveries() const {
    absl::MutexLock lock(&mu_);
    return deliveries_;
  }
  int attempts(const std::string& id) const {
    absl::MutexLock lock(&mu_);
    auto it = attempts_.find(id);
    return it == attempts_.end() ? 0 : it->second;
  }

 private:
  template <typename Predicate>
  bool WaitUntil(const Predicate& predicate) const {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&predicate), kWaitTimeout);
  }

  mutable absl::Mutex mu_;
  std::map<std::string, int64_t> applied_ ABSL_GUARDED_BY(mu_);  // id -> amount
  std::vector<events::InboundEvent> applied_order_ ABSL_GUARDED_BY(mu_);
  std::vector<events::InboundEvent> deliveries_ ABSL_GUARDED_BY(mu_);  // every handler sighting
  std::map<std::string, int> attempts_ ABSL_GUARDED_BY(mu_);
};

// Applies a batch in order and stops at the first retryable failure, as the
// handler contract requires; the events after it are neither applied nor
// seen.
class FakeHandler final : public events::EventBatchHandler {
 public:
  explicit FakeHandler(FakeStore* store, Script script = nullptr)
      : store_(store), script_(std::move(script)) {}

  std::vector<absl::Status> HandleBatch(absl::Span<const events::InboundEvent> batch) override {
    std::vector<absl::Status> statuses;
    for (const events::InboundEvent& inbound : batch) {
      if (!statuses.empty() && events::IsRetryable(statuses.back())) {
        statuses.push_back(absl::AbortedError("not attempted"));
        continue;
      }
      statuses.push_back(store_->Apply(inbound, script_, &deliveries_));
    }
    return statuses;
  }

  // Events this handler was handed (read after the loop stopped, or via the store's lock).
  int deliveries() const { return deliveries_; }

 private:
  FakeStore* store_;
  Script script_;
  int deliveries_ = 0;  // guarded by the store's lock
};

// For conditions nothing signals (loop statistics): polls until `predicate`
// holds or `timeout` passes.
bool Eventually(const std::function<bool()>& predicate, absl::Duration timeout = kWaitTimeout) {
  for (absl::Time deadline = absl::Now() + timeout; absl::Now() < deadline;
       absl::SleepFor(absl::Milliseconds(10))) {
    if (predicate()) return true;
  }
  return predicate();
}

events::Event LoanEvent(int n, std::string key) {
  events::Event event;
  event.topic = kTopic;
  event.key = std::move(key);
  event.envelope.id = absl::StrCat("evt-", n);
  event.envelope.type = "arrears.loan.v1.RepaymentPosted";
  event.envelope.source = "//loan-system/core";
  event.envelope.time = absl::FromUnixSeconds(1'767'225'600 + n);
  event.payload = absl::StrCat(n);  // the "amount" FakeStore sums
  return event;
}

// Events first..first+count-1, keyed over `keys` loans.
std::vector<events::Event> LoanEvents(int first, int count, int keys) {
  std::vector<events::Event> events;
  for (int n = first; n < first + count; ++n)
    events.push_back(LoanEvent(n, absl::StrCat("loan-", n % keys)));
  return events;
}

int EventNumber(const events::InboundEvent& inbound) {
  int n = -1;
  EXPECT_TRUE(absl::SimpleAtoi(absl::string_view(inbound.event.envelope.id).substr(4), &n));
  return n;
}

class ConsumerLoopTest : public ::testing::Test {
 protected:
  struct RunningLoop {
    std::unique_ptr<ConsumerLoop> loop;
    std::thread thread;
    absl::Status status;
  };

  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(cluster_, MockCluster::Create());
    ASSERT_OK(cluster_->CreateTopic(kTopic, kPartitions));
    ASSERT_OK_AND_ASSIGN(producer_, KafkaProducer::Create(cluster_->Config("test-producer")));
  }

  void TearDown() override {
    for (auto& running : loops_) StopLoop(running.get());
  }

  ConsumerOptions Options(std::string group) const {
    ConsumerOptions options;
    options.kafka = cluster_->Config(absl::StrCat("consumer-", group));
    options.group_id = std::move(group);
    options.topics = {kTopic};
    options.retry.initial_backoff = absl::Milliseconds(10);
    options.retry.max_backoff = absl::Milliseconds(50);
    options.retry.max_attempts = 3;
    return options;
  }

  // Starts a loop on its own thread; TearDown stops it.
  RunningLoop* StartLoop(const ConsumerOptions& options, events::EventBatchHandler* handler) {
    absl::StatusOr<std::unique_ptr<ConsumerLoop>> loop =
        ConsumerLoop::Create(options, handler, producer_.get(), &clock_);
    EXPECT_OK(loop);
    if (!loop.ok()) return nullptr;
    auto running = std::make_unique<RunningLoop>();
    running->loop = *std::move(loop);
    RunningLoop* raw = running.get();
    running->thread = std::thread([raw] { raw->status = raw->loop->Run(); });
    loops_.push_back(std::move(running));
    return raw;
  }

  static void StopLoop(RunningLoop* running) {
    if (!running->thread.joinable()) return;
    running->loop->Stop();
    running->thread.join();
    EXPECT_OK(running->status);
  }

  std::vector<ConsumedRecord> ReadAll(const std::string& topic) const {
    absl::StatusOr<std::vector<ConsumedRecord>> records =
        cluster_->ReadAll(topic, absl::Now() + absl::Seconds(10));
    EXPECT_OK(records);
    return records.ok() ? *std::move(records) : std::vector<ConsumedRecord>();
  }

  // Checks a dead-letter record against the event it came from.
  void ExpectDeadLetter(const ConsumedRecord& dead, const events::InboundEvent& original,
                        absl::string_view status_code, int attempts, absl::string_view group) {
    EXPECT_EQ(dead.record.key, original.event.key);
    EXPECT_EQ(dead.record.value, original.event.payload);
    for (const auto& [name, value] : events::ToHeaders(original.event.envelope)) {
      EXPECT_THAT(dead.FindHeader(name), Pointee(value)) << name;
    }
    EXPECT_THAT(dead.FindHeader("dlq_status_code"), Pointee(std::string(status_code)));
    EXPECT_THAT(dead.FindHeader("dlq_original_topic"), Pointee(std::string(kTopic)));
    EXPECT_THAT(dead.FindHeader("dlq_original_partition"),
                Pointee(absl::StrCat(original.position.partition)));
    EXPECT_THAT(dead.FindHeader("dlq_original_offset"),
                Pointee(absl::StrCat(original.position.offset)));
    EXPECT_THAT(dead.FindHeader("dlq_attempts"), Pointee(absl::StrCat(attempts)));
    EXPECT_THAT(dead.FindHeader("dlq_failed_at"), Pointee(events::FormatEventTime(clock_.Now())));
    EXPECT_THAT(dead.FindHeader("dlq_consumer_group"), Pointee(std::string(group)));
  }

  std::unique_ptr<MockCluster> cluster_;
  std::unique_ptr<KafkaProducer> producer_;
  FakeClock clock_;
  std::vector<std::unique_ptr<RunningLoop>> loops_;
};

TEST_F(ConsumerLoopTest, RejectsInvalidOptions) {
  FakeStore store;
  FakeHandler handler(&store);
  ConsumerOptions options = Options("g");
  options.group_id = "";
  EXPECT_THAT(ConsumerLoop::Create(options, &handler, producer_.get(), &clock_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("group_id")));
  options = Options("g");
  options.retry.max_attempts = 0;
  EXPECT_THAT(ConsumerLoop::Create(options, &handler, producer_.get(), &clock_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_attempts")));
  options = Options("g");
  options.kafka.properties = {{"enable.auto.offset.store", "true"}};
  EXPECT_THAT(ConsumerLoop::Create(options, &handler, producer_.get(), &clock_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("enable.auto.offset.store")));
}

TEST_F(ConsumerLoopTest, HandlesEveryEventInPartitionOrder) {
  std::vector<events::Event> events = LoanEvents(0, 300, 10);
  ASSERT_OK(producer_->Publish(events));
  FakeStore store;
  FakeHandler handler(&store);
  RunningLoop* running = StartLoop(Options("ordering"), &handler);

  ASSERT_TRUE(store.WaitForApplied(events.size()));
  std::map<std::string, int> last_by_key;
  std::map<int32_t, int64_t> last_offset_by_partition;
  for (const events::InboundEvent& inbound : store.deliveries()) {
    int n = EventNumber(inbound);
    EXPECT_EQ(inbound.event, events[n]);
    auto [key, inserted] = last_by_key.try_emplace(inbound.event.key, n);
    if (!inserted) {
      EXPECT_LT(key->second, n) << inbound.event.key;
    }
    key->second = n;
    auto [offset, first] =
        last_offset_by_partition.try_emplace(inbound.position.partition, inbound.position.offset);
    if (!first) {
      EXPECT_EQ(offset->second + 1, inbound.position.offset);
    }
    offset->second = inbound.position.offset;
  }
  EXPECT_THAT(store.deliveries(), SizeIs(events.size()));
  StopLoop(running);
  ConsumerStats stats = running->loop->stats();
  EXPECT_EQ(stats.events_handled, 300);
  EXPECT_EQ(stats.dead_lettered, 0);
  EXPECT_EQ(stats.retries, 0);
  EXPECT_GE(stats.rebalances, 1);
}

TEST_F(ConsumerLoopTest, PermanentErrorGoesToTheDeadLetterTopicAndTheLoopGoesOn) {
  ASSERT_OK(producer_->Publish(LoanEvents(0, 20, 3)));
  FakeStore store;
  FakeHandler handler(&store, [](const std::string& id, int) {
    return id == "evt-5" ? absl::InvalidArgumentError("amount: negative") : absl::OkStatus();
  });
  RunningLoop* running = StartLoop(Options("permanent"), &handler);

  ASSERT_TRUE(store.WaitForApplied(19));
  StopLoop(running);
  EXPECT_EQ(running->loop->stats().dead_lettered, 1);
  EXPECT_EQ(store.attempts("evt-5"), 1);
  EXPECT_THAT(store.applied(), Not(Contains(::testing::Key("evt-5"))));
  std::vector<ConsumedRecord> dead = ReadAll("loans.dlq");
  ASSERT_THAT(dead, SizeIs(1));
  events::InboundEvent original;
  for (const events::InboundEvent& inbound : store.deliveries()) {
    if (inbound.event.envelope.id == "evt-5") original = inbound;
  }
  ExpectDeadLetter(dead[0], original, "INVALID_ARGUMENT", 1, "permanent");
  EXPECT_THAT(dead[0].FindHeader("dlq_reason"), Pointee(std::string("amount: negative")));
}

TEST_F(ConsumerLoopTest, RetryableErrorIsRetriedAndAppliedOnce) {
  ASSERT_OK(producer_->Publish(LoanEvents(0, 10, 1)));  // one key: one partition, one order
  FakeStore store;
  FakeHandler handler(&store, [](const std::string& id, int attempt) {
    return id == "evt-3" && attempt <= 2 ? absl::UnavailableError("database is locked")
                                         : absl::OkStatus();
  });
  RunningLoop* running = StartLoop(Options("retry"), &handler);

  ASSERT_TRUE(store.WaitForApplied(10));
  StopLoop(running);
  EXPECT_EQ(store.attempts("evt-3"), 3);
  std::vector<int> order;
  for (const events::InboundEvent& inbound : store.applied_order())
    order.push_back(EventNumber(inbound));
  EXPECT_THAT(order, ElementsAre(0, 1, 2, 3, 4, 5, 6, 7, 8, 9));
  for (int n : {0, 1, 2, 4, 5, 9}) EXPECT_EQ(store.attempts(absl::StrCat("evt-", n)), 1) << n;
  ConsumerStats stats = running->loop->stats();
  EXPECT_EQ(stats.retries, 2);
  EXPECT_EQ(stats.events_handled, 10);
  EXPECT_EQ(stats.dead_lettered, 0);
  EXPECT_THAT(ReadAll("loans.dlq"), IsEmpty());
}

TEST_F(ConsumerLoopTest, EventStillFailingAfterMaxAttemptsGoesToTheDeadLetterTopic) {
  ASSERT_OK(producer_->Publish(LoanEvents(0, 10, 1)));
  FakeStore store;
  FakeHandler handler(&store, [](const std::string& id, int) {
    return id == "evt-2" ? absl::UnavailableError("ledger service down") : absl::OkStatus();
  });
  ConsumerOptions options = Options("exhausted");
  options.retry.max_attempts = 4;
  RunningLoop* running = StartLoop(options, &handler);

  ASSERT_TRUE(store.WaitForApplied(9));
  StopLoop(running);
  EXPECT_EQ(store.attempts("evt-2"), 4);
  EXPECT_EQ(running->loop->stats().dead_lettered, 1);
  EXPECT_EQ(running->loop->stats().retries, 3);
  std::vector<ConsumedRecord> dead = ReadAll("loans.dlq");
  ASSERT_THAT(dead, SizeIs(1));
  events::InboundEvent original = store.deliveries()[2];
  ASSERT_EQ(original.event.envelope.id, "evt-2");
  ExpectDeadLetter(dead[0], original, "UNAVAILABLE", 4, "exhausted");
  EXPECT_THAT(dead[0].FindHeader("dlq_reason"), Pointee(std::string("ledger service down")));
}

TEST_F(ConsumerLoopTest, StopInterruptsABackoffWithoutGivingUpTheEvent) {
  ASSERT_OK(producer_->Publish(LoanEvents(0, 1, 1)));
  FakeStore store;
  FakeHandler handler(&store,
                      [](const std::string&, int) { return absl::UnavailableError("down"); });
  ConsumerOptions options = Options("interrupted");
  options.retry.initial_backoff = absl::Minutes(1);
  options.retry.max_backoff = absl::Minutes(1);
  RunningLoop* running = StartLoop(options, &handler);
  ASSERT_TRUE(store.WaitForAttempts("evt-0", 1));

  absl::Time stop_started = absl::Now();
  StopLoop(running);
  EXPECT_LT(absl::Now() - stop_started, absl::Seconds(10));
  EXPECT_EQ(store.attempts("evt-0"), 1);
  EXPECT_EQ(running->loop->stats().dead_lettered, 0);
  EXPECT_THAT(ReadAll("loans.dlq"), IsEmpty());
}

TEST_F(ConsumerLoopTest, MalformedRecordsGoToTheDeadLetterTopicWithoutReachingTheHandler) {
  events::Event valid_before = LoanEvent(0, "loan-1");
  events::Event valid_after = LoanEvent(3, "loan-1");
  events::Headers without_id = events::ToHeaders(LoanEvent(1, "loan-1").envelope);
  std::erase_if(without_id, [](const auto& header) { return header.first == events::kHeaderId; });
  std::vector<Record> records = {
      Record{kTopic, valid_before.key, valid_before.payload,
             events::ToHeaders(valid_before.envelope)},
      Record{kTopic, "loan-1", "1", without_id},
      Record{kTopic, "", "2", events::ToHeaders(LoanEvent(2, "").envelope)},
      Record{kTopic, valid_after.key, valid_after.payload, events::ToHeaders(valid_after.envelope)},
  };
  for (const Record& record : records) ASSERT_OK(producer_->ProduceRecords({record}));
  FakeStore store;
  FakeHandler handler(&store);
  RunningLoop* running = StartLoop(Options("malformed"), &handler);

  ASSERT_TRUE(store.WaitForApplied(2));
  ASSERT_TRUE(Eventually([&] { return running->loop->stats().dead_lettered == 2; }));
  StopLoop(running);
  std::vector<std::string> seen;
  for (const events::InboundEvent& inbound : store.deliveries())
    seen.push_back(inbound.event.envelope.id);
  EXPECT_THAT(seen, ::testing::UnorderedElementsAre("evt-0", "evt-3"));

  std::vector<ConsumedRecord> dead = ReadAll("loans.dlq");
  ASSERT_THAT(dead, SizeIs(2));
  std::map<std::string, const ConsumedRecord*> by_value;
  for (const ConsumedRecord& record : dead) by_value[record.record.value] = &record;
  ASSERT_TRUE(by_value.contains("1") && by_value.contains("2"));
  EXPECT_THAT(by_value["1"]->FindHeader("dlq_reason"), Pointee(HasSubstr("ce_id")));
  EXPECT_EQ(by_value["1"]->record.headers.front(), without_id.front());  // original headers kept
  EXPECT_THAT(by_value["2"]->FindHeader("dlq_reason"), Pointee(HasSubstr("key")));
  for (const ConsumedRecord* record : {by_value["1"], by_value["2"]}) {
    EXPECT_THAT(record->FindHeader("dlq_attempts"), Pointee(std::string("0")));
    EXPECT_THAT(record->FindHeader("dlq_status_code"), Pointee(std::string("INVALID_ARGUMENT")));
  }
}

TEST_F(ConsumerLoopTest, NextMemberOfTheGroupResumesAfterCommittedEvents) {
  ASSERT_OK(producer_->Publish(LoanEvents(0, 50, 8)));
  FakeStore first_store;
  FakeHandler first_handler(&first_store);
  RunningLoop* first = StartLoop(Options("resume"), &first_handler);
  ASSERT_TRUE(first_store.WaitForApplied(50));
  StopLoop(first);

  ASSERT_OK(producer_->Publish(LoanEvents(50, 30, 8)));
  FakeStore second_store;
  FakeHandler second_handler(&second_store);
  RunningLoop* second = StartLoop(Options("resume"), &second_handler);
  // Within a partition a redelivered old event would come before the new ones,
  // so once all new events are in, none of the old can still arrive first.
  ASSERT_TRUE(second_store.WaitForApplied(30));
  StopLoop(second);
  for (const events::InboundEvent& inbound : second_store.deliveries()) {
    EXPECT_GE(EventNumber(inbound), 50) << "redelivered " << inbound.event.envelope.id;
  }
}

TEST_F(ConsumerLoopTest, TwoMembersShareThePartitionsAndTogetherApplyEveryEvent) {
  FakeStore store;
  FakeHandler first_handler(&store);
  FakeHandler second_handler(&store);
  std::vector<events::Event> events = LoanEvents(0, 400, 40);
  int64_t expected_sum = 0;
  for (const events::Event& event : events) expected_sum += EventNumber({event, {}});

  RunningLoop* first = StartLoop(Options("shared"), &first_handler);
  ASSERT_OK(producer_->Publish(absl::MakeConstSpan(events).subspan(0, 200)));
  ASSERT_TRUE(store.WaitForApplied(200));
  RunningLoop* second = StartLoop(Options("shared"), &second_handler);
  // Eager rebalance: the first member gives everything back, then both get a share.
  ASSERT_TRUE(Eventually([&] {
    ConsumerStats a = first->loop->stats();
    ConsumerStats b = second->loop->stats();
    return a.assigned_partitions > 0 && b.assigned_partitions > 0 &&
           a.assigned_partitions + b.assigned_partitions == kPartitions;
  }));
  ASSERT_OK(producer_->Publish(absl::MakeConstSpan(events).subspan(200)));
  ASSERT_TRUE(store.WaitForApplied(events.size()));
  StopLoop(first);
  StopLoop(second);

  std::map<std::string, int64_t> applied = store.applied();
  int64_t sum = 0;
  for (const auto& [id, amount] : applied) sum += amount;
  EXPECT_THAT(applied, SizeIs(events.size()));
  EXPECT_EQ(sum, expected_sum);
  EXPECT_GT(first_handler.deliveries(), 0);
  EXPECT_GT(second_handler.deliveries(), 0);
  EXPECT_GE(first->loop->stats().rebalances, 3);  // assign, revoke, assign
}

// Holds its first call until its loop is inside a revocation, then applies
// the batch: the revocation must wait for the call it interrupted.
class HeldHandler final : public events::EventBatchHandler {
 public:
  explicit HeldHandler(FakeStore* store) : inner_(store) {}

  std::vector<absl::Status> HandleBatch(absl::Span<const events::InboundEvent> batch) override {
    if (calls_++ == 0) {
      held_through_revocation_ = Eventually([&] {
        ConsumerLoop* loop = loop_.load();
        return loop != nullptr && loop->stats().rebalances >= 2;
      });
      // Still assigned: the revocation has begun, not finished.
      assigned_on_return_ = loop_.load()->stats().assigned_partitions;
    }
    return inner_.HandleBatch(batch);
  }

  void set_loop(ConsumerLoop* loop) { loop_.store(loop); }
  bool held_through_revocation() const { return held_through_revocation_; }
  int64_t assigned_on_return() const { return assigned_on_return_; }

 private:
  FakeHandler inner_;
  std::atomic<ConsumerLoop*> loop_{nullptr};
  int calls_ = 0;  // the loop's handler thread only
  std::atomic<bool> held_through_revocation_{false};
  std::atomic<int64_t> assigned_on_return_{-1};
};

TEST_F(ConsumerLoopTest, ARevocationDuringAHandlerCallSettlesTheCallBeforeGivingUpPartitions) {
  FakeStore store;
  HeldHandler first_handler(&store);
  FakeHandler second_handler(&store);
  std::vector<events::Event> events = LoanEvents(0, 200, 20);
  ASSERT_OK(producer_->Publish(events));

  ConsumerOptions options = Options("held");
  options.overlap_polling = true;
  RunningLoop* first = StartLoop(options, &first_handler);
  first_handler.set_loop(first->loop.get());
  ASSERT_TRUE(Eventually([&] { return first->loop->stats().assigned_partitions == kPartitions; }));
  // The first member's Run() thread keeps polling while its handler is held,
  // so it serves the revocation this join causes.
  RunningLoop* second = StartLoop(Options("held"), &second_handler);
  ASSERT_TRUE(store.WaitForApplied(events.size()));
  StopLoop(first);
  StopLoop(second);

  EXPECT_TRUE(first_handler.held_through_revocation());
  EXPECT_EQ(first_handler.assigned_on_return(), kPartitions);
  EXPECT_THAT(store.applied(), SizeIs(events.size()));
  // Redelivery after the revocation is allowed (at least once), reordering
  // within a key is not.
  std::map<std::string, int> last_by_key;
  for (const events::InboundEvent& inbound : store.applied_order()) {
    auto [it, inserted] = last_by_key.try_emplace(inbound.event.key, EventNumber(inbound));
    if (!inserted) {
      EXPECT_LT(it->second, EventNumber(inbound)) << inbound.event.key;
    }
    it->second = EventNumber(inbound);
  }
}

TEST_F(ConsumerLoopTest, ReportsConsumerLagPerAssignedPartition) {
  ASSERT_OK(producer_->Publish(LoanEvents(0, 40, 10)));
  FakeStore store;
  FakeHandler handler(&store);
  ConsumerOptions options = Options("lag");
  options.statistics_interval = absl::Milliseconds(100);
  options.kafka.properties = {{"auto.commit.interval.ms", "100"}};
  RunningLoop* running = StartLoop(options, &handler);
  ASSERT_TRUE(store.WaitForApplied(40));

  // Once every offset is committed, each partition reports lag 0 and the
  // committed offsets add up to the number of events.
  std::vector<PartitionLag> lag;
  ASSERT_TRUE(Eventually([&] {
    lag = running->loop->ConsumerLag();
    int64_t committed = 0;
    for (const PartitionLag& partition : lag) {
      if (partition.lag != 0) return false;
      committed += partition.committed_offset;
    }
    return lag.size() == kPartitions && committed == 40;
  })) << "last report has "
      << lag.size() << " partitions";
  for (int partition = 0; partition < kPartitions; ++partition) {
    EXPECT_EQ(lag[partition].topic, kTopic);
    EXPECT_EQ(lag[partition].partition, partition);
  }
}

}  // namespace
}  // namespace arrears::kafka
