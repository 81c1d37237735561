#include "common/service/event_feeds.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/events/testing/in_memory_publisher.h"
#include "common/status/status_matchers.h"
#include "common/store/sqlite_core_schema.h"
#include "common/store/sqlite_database.h"
#include "common/store/sqlite_leader_lease.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::service {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A feed held in memory: events in order, removed once marked.
class InMemorySource final : public store::OutboxSource {
 public:
  explicit InMemorySource(absl::string_view prefix, int count) {
    for (int i = 0; i < count; ++i) {
      events::Event event;
      event.topic = "arrears.test.events";
      event.key = "k";
      event.envelope.id = absl::StrCat(prefix, i);
      event.envelope.type = "arrears.test.v1.Event";
      event.envelope.source = "//arrears/test";
      event.payload = "p";
      pending_.push_back({i, std::move(event)});
    }
  }
  absl::StatusOr<std::vector<store::OutboxRecord>> FetchUnpublished(int limit) override {
    absl::MutexLock lock(&mu_);
    return std::vector<store::OutboxRecord>(
        pending_.begin(), pending_.begin() + std::min<size_t>(limit, pending_.size()));
  }
  absl::Status MarkPublished(absl::Span<const store::OutboxRecordId> records) override {
    absl::MutexLock lock(&mu_);
    for (const store::OutboxRecordId& id : records) {
      std::erase_if(pending_,
                    [&](const store::OutboxRecord& r) { return r.sequence == id.sequence; });
    }
    return absl::OkStatus();
  }
  absl::StatusOr<int64_t> PendingCount() override {
    absl::MutexLock lock(&mu_);
    return static_cast<int64_t>(pending_.size());
  }

 private:
  absl::Mutex mu_;
  std::vector<store::OutboxRecord> pending_ ABSL_GUARDED_BY(mu_);
};

class EventFeedsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, store::TempDir::Create());
    ASSERT_OK_AND_ASSIGN(db_, store::SqliteDatabase::Create({.path = dir_->File("host.db")}));
    ASSERT_THAT(db_->Migrate(store::CoreMigrations()), IsOk());
    lease_ = std::make_unique<store::SqliteLeaderLease>(db_.get());
    feeds_ = std::make_unique<EventFeeds>(lease_.get(), &publisher_, &clock_);
  }

  std::vector<std::string> PublishedIds() const {
    std::vector<std::string> ids;
    for (const events::Event& event : publisher_.published()) ids.push_back(event.envelope.id);
    return ids;
  }

  std::optional<store::TempDir> dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<store::SqliteLeaderLease> lease_;
  events::InMemoryPublisher publisher_;
  FakeClock clock_;
  std::unique_ptr<EventFeeds> feeds_;
};

TEST_F(EventFeedsTest, AddNamesWhatIsWrong) {
  InMemorySource source("a", 1);
  EXPECT_THAT(feeds_->Add({.name = "feed", .source = nullptr}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("source")));
  EXPECT_THAT(feeds_->Add({.name = "", .source = &source}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("name")));
  EXPECT_THAT(feeds_->Add({.name = "outbox", .source = &source}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outbox relay's lease")));
  ASSERT_THAT(feeds_->Add({.name = "feed", .source = &source}), IsOk());
  EXPECT_THAT(feeds_->Add({.name = "feed", .source = &source}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("twice")));
  ASSERT_THAT(feeds_->Start(), IsOk());
  EXPECT_THAT(feeds_->Add({.name = "later", .source = &source}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(feeds_->Stop(), IsOk());
}

TEST_F(EventFeedsTest, EachFeedIsPublishedInOrderAndCountedUntilThen) {
  InMemorySource a("a", 2);
  InMemorySource b("b", 3);
  ASSERT_THAT(feeds_->Add({.name = "feed-a", .source = &a}), IsOk());
  ASSERT_THAT(feeds_->Add({.name = "feed-b", .source = &b}), IsOk());
  EXPECT_THAT(feeds_->Pending(), IsOkAndHolds(5));
  ASSERT_THAT(feeds_->Start(), IsOk());
  feeds_->Notify();
  ASSERT_TRUE(publisher_.WaitForPublished(5, absl::Seconds(30)));
  std::vector<std::string> from_a;
  std::vector<std::string> from_b;
  for (const std::string& id : PublishedIds()) (id[0] == 'a' ? from_a : from_b).push_back(id);
  EXPECT_THAT(from_a, ElementsAre("a0", "a1"));
  EXPECT_THAT(from_b, ElementsAre("b0", "b1", "b2"));
  ASSERT_THAT(feeds_->Stop(), IsOk());
  EXPECT_THAT(feeds_->Pending(), IsOkAndHolds(0));
}

TEST_F(EventFeedsTest, StopDrainsWhatANotifyDidNotAnnounce) {
  InMemorySource a("a", 4);
  ASSERT_THAT(feeds_->Add({.name = "feed-a", .source = &a}), IsOk());
  ASSERT_THAT(feeds_->Start(), IsOk());
  ASSERT_THAT(feeds_->Stop(), IsOk());
  EXPECT_THAT(PublishedIds(), ElementsAre("a0", "a1", "a2", "a3"));
  EXPECT_THAT(feeds_->Pending(), IsOkAndHolds(0));
}

}  // namespace
}  // namespace arrears::service
