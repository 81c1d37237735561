#include "common/store/outbox_relay.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/events/testing/in_memory_publisher.h"
#include "common/status/status_matchers.h"
#include "common/store/sqlite_core_schema.h"
#include "common/store/sqlite_database.h"
#include "common/store/sqlite_leader_lease.h"
#include "common/store/sqlite_outbox.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::store {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAreArray;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr absl::Duration kLease = absl::Seconds(10);
// Long enough that only Notify or Stop can explain a publication in time.
constexpr absl::Duration kNoPolling = absl::Hours(1);
constexpr absl::Duration kWaitLimit = absl::Seconds(30);

// The ids of what `publisher` was given, in order.
std::vector<std::string> PublishedIds(const events::InMemoryPublisher& publisher) {
  std::vector<std::string> ids;
  for (const events::Event& e : publisher.published()) ids.push_back(e.envelope.id);
  return ids;
}

// One process's view of the shared store: its own connection, outbox and
// lease repositories, publisher and relay.
struct Node {
  static absl::StatusOr<std::unique_ptr<Node>> Open(const std::string& path, const Clock* clock,
                                                    OutboxRelayOptions options) {
    auto node = std::make_unique<Node>();
    absl::StatusOr<std::unique_ptr<SqliteDatabase>> db = SqliteDatabase::Create({.path = path});
    if (!db.ok()) return db.status();
    node->db = *std::move(db);
    if (absl::Status s = node->db->Migrate(CoreMigrations()); !s.ok()) return s;
    node->outbox = std::make_unique<SqliteOutbox>(node->db.get());
    node->lease = std::make_unique<SqliteLeaderLease>(node->db.get());
    absl::StatusOr<std::unique_ptr<OutboxRelay>> relay = OutboxRelay::Create(
        std::move(options), node->outbox.get(), node->lease.get(), &node->publisher, clock);
    if (!relay.ok()) return relay.status();
    node->relay = *std::move(relay);
    return node;
  }

  // Commits `ids` as outbound events (key "loan-<i % 3>") in one transaction.
  absl::Status Enqueue(const std::vector<std::string>& ids) {
    return db->InTransaction([&](Transaction& txn) {
      for (size_t i = 0; i < ids.size(); ++i) {
        events::Event event;
        event.topic = "arrears.delinquency.events";
        event.key = absl::StrCat("loan-", i % 3);
        event.envelope.id = ids[i];
        event.envelope.type = "arrears.delinquency.v1.LoanBecameDelinquent";
        event.envelope.source = "//arrears/overdue-detection";
        event.payload = "p";
        if (absl::Status s = outbox->Enqueue(txn, event); !s.ok()) return s;
      }
      return absl::OkStatus();
    });
  }

  std::unique_ptr<SqliteDatabase> db;
  std::unique_ptr<SqliteOutbox> outbox;
  std::unique_ptr<SqliteLeaderLease> lease;
  events::InMemoryPublisher publisher;
  std::unique_ptr<OutboxRelay> relay;  // destroyed first
};

std::vector<std::string> Ids(absl::string_view prefix, int count) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) ids.push_back(absl::StrCat(prefix, i));
  return ids;
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

auto Round(bool leader, int64_t published) {
  return IsOkAndHolds(::testing::AllOf(Field(&OutboxRelayRound::leader, leader),
                                       Field(&OutboxRelayRound::published, published)));
}

class OutboxRelayTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(dir_, TempDir::Create()); }

  absl::StatusOr<std::unique_ptr<Node>> OpenNode(absl::string_view owner,
                                                 OutboxRelayOptions options = {}) {
    options.owner_id = std::string(owner);
    return Node::Open(dir_->File("store.db"), &clock_, std::move(options));
  }

  FakeClock clock_;
  std::optional<TempDir> dir_;
};

TEST_F(OutboxRelayTest, CreateRejectsBadOptions) {
  ASSERT_OK_AND_ASSIGN(auto node, OpenNode("a"));
  auto create = [&](OutboxRelayOptions options) {
    return OutboxRelay::Create(std::move(options), node->outbox.get(), node->lease.get(),
                               &node->publisher, &clock_);
  };
  EXPECT_THAT(create({.batch_size = 0}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batch_size")));
  EXPECT_THAT(create({.poll_interval = absl::ZeroDuration()}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("poll_interval")));
  EXPECT_THAT(create({.poll_interval = absl::Seconds(20), .lease_duration = absl::Seconds(10)}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lease_duration")));
  EXPECT_THAT(create({.lease_name = ""}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lease_name")));
  EXPECT_THAT(OutboxRelay::Create({}, node->outbox.get(), node->lease.get(), nullptr, &clock_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("publisher")));
  ASSERT_OK_AND_ASSIGN(auto relay, create({}));
  EXPECT_THAT(relay->owner_id(), HasSubstr("/"));  // generated "<host>/<pid>/<random>"
}

TEST_F(OutboxRelayTest, PublishesInSequenceOrderInBatchesAndRemovesWhatItPublished) {
  ASSERT_OK_AND_ASSIGN(auto node, OpenNode("a", {.batch_size = 100}));
  const std::vector<std::string> first = Ids("first-", 150);
  const std::vector<std::string> second = Ids("second-", 100);
  ASSERT_OK(node->Enqueue(first));
  ASSERT_OK(node->Enqueue(second));

  EXPECT_THAT(node->relay->PublishPendingOnce(), Round(true, 250));
  EXPECT_THAT(PublishedIds(node->publisher), ElementsAreArray(Concat(first, second)));
  EXPECT_EQ(node->publisher.calls(), 3);  // 100 + 100 + 50
  EXPECT_THAT(node->outbox->PendingCount(), IsOkAndHolds(0));

  EXPECT_THAT(node->relay->PublishPendingOnce(), Round(true, 0));
  EXPECT_EQ(node->publisher.calls(), 3);  // nothing pending: no empty Publish
}

TEST_F(OutboxRelayTest, FailedPublishMarksNothingAndIsRetriedInOrder) {
  ASSERT_OK_AND_ASSIGN(auto node, OpenNode("a", {.batch_size = 2}));
  const std::vector<std::string> ids = Ids("e", 5);
  ASSERT_OK(node->Enqueue(ids));
  ASSERT_THAT(node->relay->PublishPendingOnce(), Round(true, 5));
  ASSERT_OK(node->Enqueue(Ids("f", 3)));
  node->publisher.FailNext(2, absl::UnavailableError("broker down"));
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_THAT(node->relay->PublishPendingOnce(),
                StatusIs(absl::StatusCode::kUnavailable, HasSubstr("broker down")));
    EXPECT_THAT(node->outbox->PendingCount(), IsOkAndHolds(3));
  }

  EXPECT_THAT(node->relay->PublishPendingOnce(), Round(true, 3));
  // Each event exactly once (the failed calls published nothing), in order.
  EXPECT_THAT(PublishedIds(node->publisher), ElementsAreArray(Concat(ids, Ids("f", 3))));
  EXPECT_THAT(node->outbox->PendingCount(), IsOkAndHolds(0));
}

TEST_F(OutboxRelayTest, OnlyTheLeaseHolderPublishesAndTheOtherTakesOverAfterExpiry) {
  ASSERT_OK_AND_ASSIGN(auto a, OpenNode("a", {.lease_duration = kLease}));
  ASSERT_OK_AND_ASSIGN(auto b, OpenNode("b", {.lease_duration = kLease}));
  ASSERT_OK(a->Enqueue(Ids("x", 3)));
  EXPECT_THAT(a->relay->PublishPendingOnce(), Round(true, 3));

  ASSERT_OK(b->Enqueue(Ids("y", 2)));  // committed through the other connection
  EXPECT_THAT(b->relay->PublishPendingOnce(), Round(false, 0));
  clock_.Advance(kLease - absl::Seconds(1));
  EXPECT_THAT(b->relay->PublishPendingOnce(), Round(false, 0));
  EXPECT_THAT(b->outbox->PendingCount(), IsOkAndHolds(2));

  // a stops renewing (as if its process hung or died); its lease runs out.
  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(b->relay->PublishPendingOnce(), Round(true, 2));
  EXPECT_THAT(a->relay->PublishPendingOnce(), Round(false, 0));
  EXPECT_THAT(PublishedIds(a->publisher), ElementsAreArray(Ids("x", 3)));
  EXPECT_THAT(PublishedIds(b->publisher), ElementsAreArray(Ids("y", 2)));
}

TEST_F(OutboxRelayTest, LeaderRenewsItsLeaseWhileActive) {
  ASSERT_OK_AND_ASSIGN(auto a, OpenNode("a", {.lease_duration = kLease}));
  ASSERT_OK_AND_ASSIGN(auto b, OpenNode("b", {.lease_duration = kLease}));
  for (int i = 0; i < 5; ++i) {
    EXPECT_THAT(a->relay->PublishPendingOnce(), Round(true, 0));
    EXPECT_THAT(b->relay->PublishPendingOnce(), Round(false, 0)) << "after " << i * 6 << "s";
    clock_.Advance(absl::Seconds(6));
  }
}

TEST_F(OutboxRelayTest, StopReleasesTheLeaseSoTheOtherTakesOverAtOnce) {
  ASSERT_OK_AND_ASSIGN(auto a, OpenNode("a"));
  ASSERT_OK_AND_ASSIGN(auto b, OpenNode("b"));
  EXPECT_THAT(a->relay->PublishPendingOnce(), Round(true, 0));
  EXPECT_THAT(b->relay->PublishPendingOnce(), Round(false, 0));
  ASSERT_OK(a->Enqueue(Ids("x", 2)));
  ASSERT_OK(a->relay->Stop());
  EXPECT_THAT(PublishedIds(a->publisher), ElementsAreArray(Ids("x", 2)));  // drained
  ASSERT_OK(b->Enqueue(Ids("y", 1)));
  EXPECT_THAT(b->relay->PublishPendingOnce(), Round(true, 1));
  EXPECT_OK(a->relay->Stop());  // idempotent
}

TEST_F(OutboxRelayTest, BackgroundThreadPublishesWhenNotified) {
  ASSERT_OK_AND_ASSIGN(
      auto node, OpenNode("a", {.poll_interval = kNoPolling, .lease_duration = 2 * kNoPolling}));
  ASSERT_OK(node->relay->Start());
  EXPECT_THAT(node->relay->Start(), StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_TRUE(node->publisher.WaitForPublished(0, kWaitLimit));
  for (int round = 1; round <= 3; ++round) {
    ASSERT_OK(node->Enqueue(Ids(absl::StrCat("r", round, "-"), 10)));
    node->relay->Notify();
    ASSERT_TRUE(node->publisher.WaitForPublished(10 * round, kWaitLimit)) << "round " << round;
  }
  ASSERT_OK(node->relay->Stop());
  EXPECT_EQ(PublishedIds(node->publisher).size(), 30);
}

TEST_F(OutboxRelayTest, BackgroundThreadRetriesAFailedPublish) {
  ASSERT_OK_AND_ASSIGN(auto node, OpenNode("a", {.poll_interval = absl::Milliseconds(1),
                                                 .max_backoff = absl::Milliseconds(4)}));
  node->publisher.FailNext(3);
  ASSERT_OK(node->Enqueue(Ids("e", 4)));
  ASSERT_OK(node->relay->Start());
  ASSERT_TRUE(node->publisher.WaitForPublished(4, kWaitLimit));
  ASSERT_OK(node->relay->Stop());
  EXPECT_THAT(PublishedIds(node->publisher), ElementsAreArray(Ids("e", 4)));
  EXPECT_EQ(node->publisher.calls(), 4);
}

TEST_F(OutboxRelayTest, StopPublishesWhatIsPending) {
  ASSERT_OK_AND_ASSIGN(
      auto node, OpenNode("a", {.poll_interval = kNoPolling, .lease_duration = 2 * kNoPolling}));
  ASSERT_OK(node->relay->Start());
  ASSERT_OK(node->Enqueue(Ids("e", 7)));  // no Notify, and no polling for an hour
  ASSERT_OK(node->relay->Stop());
  EXPECT_THAT(PublishedIds(node->publisher), ElementsAreArray(Ids("e", 7)));
  EXPECT_THAT(node->outbox->PendingCount(), IsOkAndHolds(0));
}

TEST_F(OutboxRelayTest, StopGivesUpAfterItsDeadlineWhenPublishingKeepsFailing) {
  ASSERT_OK_AND_ASSIGN(auto node, OpenNode("a", {.poll_interval = absl::Milliseconds(1),
                                                 .stop_timeout = absl::Milliseconds(20)}));
  ASSERT_OK(node->Enqueue(Ids("e", 1)));
  node->publisher.FailNext(1'000'000, absl::UnavailableError("broker down"));
  EXPECT_THAT(node->relay->Stop(),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("broker down")));
  EXPECT_THAT(node->outbox->PendingCount(), IsOkAndHolds(1));  // kept for the next run
}

TEST_F(OutboxRelayTest, TwoRunningRelaysOnOneFilePublishEachEventOnce) {
  OutboxRelayOptions options = {.batch_size = 7, .poll_interval = absl::Milliseconds(2)};
  ASSERT_OK_AND_ASSIGN(auto a, OpenNode("a", options));
  ASSERT_OK_AND_ASSIGN(auto b, OpenNode("b", options));
  // a leads from the start; the clock never moves, so its lease holds.
  ASSERT_THAT(a->relay->PublishPendingOnce(), Round(true, 0));
  ASSERT_OK(a->relay->Start());
  ASSERT_OK(b->relay->Start());
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) {
    Node& writer = i % 2 == 0 ? *a : *b;
    const std::vector<std::string> ids = Ids(absl::StrCat("t", i, "-"), 5);
    ASSERT_OK(writer.Enqueue(ids));
    writer.relay->Notify();
    expected.insert(expected.end(), ids.begin(), ids.end());
  }
  ASSERT_TRUE(a->publisher.WaitForPublished(expected.size(), kWaitLimit));
  ASSERT_OK(b->relay->Stop());
  ASSERT_OK(a->relay->Stop());
  EXPECT_THAT(PublishedIds(a->publisher), ElementsAreArray(expected));
  EXPECT_THAT(PublishedIds(b->publisher), IsEmpty());
}

}  // namespace
}  // namespace arrears::store
