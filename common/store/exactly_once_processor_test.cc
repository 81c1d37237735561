#include "common/store/exactly_once_processor.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/events/handler.h"
#include "common/status/status_matchers.h"
#include "common/store/sqlite_database.h"
#include "common/store/sqlite_outbox.h"
#include "common/store/sqlite_processed_events.h"
#include "common/store/testing/recording_applier.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::store {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::Each;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAreArray;

constexpr absl::string_view kOutTopic = "arrears.delinquency.events";

// One service replica: its own SqliteDatabase on the shared file, its
// repositories, applier and processor.
struct Replica {
  static absl::StatusOr<std::unique_ptr<Replica>> Open(const std::string& path, const Clock* clock,
                                                       std::function<void()> after_commit = {},
                                                       SqliteOptions options = {}) {
    auto replica = std::make_unique<Replica>();
    options.path = path;
    absl::StatusOr<std::unique_ptr<SqliteDatabase>> db = SqliteDatabase::Create(options);
    if (!db.ok()) return db.status();
    replica->db = *std::move(db);
    if (absl::Status s = replica->db->Migrate(RecordingApplier::Migrations()); !s.ok()) return s;
    replica->processed = std::make_unique<SqliteProcessedEvents>(replica->db.get());
    replica->outbox = std::make_unique<SqliteOutbox>(replica->db.get());
    replica->applier =
        std::make_unique<RecordingApplier>(replica->db.get(), std::string(kOutTopic));
    absl::StatusOr<std::unique_ptr<ExactlyOnceProcessor>> processor = ExactlyOnceProcessor::Create(
        replica->db.get(), replica->processed.get(), replica->outbox.get(), replica->applier.get(),
        clock, {.consumer = "overdue-detection", .after_commit = std::move(after_commit)});
    if (!processor.ok()) return processor.status();
    replica->processor = *std::move(processor);
    return replica;
  }

  std::unique_ptr<SqliteDatabase> db;
  std::unique_ptr<SqliteProcessedEvents> processed;
  std::unique_ptr<SqliteOutbox> outbox;
  std::unique_ptr<RecordingApplier> applier;
  std::unique_ptr<ExactlyOnceProcessor> processor;
};

std::vector<events::InboundEvent> Events(std::vector<std::string> ids) {
  std::vector<events::InboundEvent> batch;
  for (const std::string& id : ids) batch.push_back(TestInboundEvent(id));
  return batch;
}

std::vector<std::string> RangeIds(int begin, int end) {
  std::vector<std::string> ids;
  for (int i = begin; i < end; ++i) ids.push_back(absl::StrCat("e", i));
  return ids;
}

std::vector<std::string> OutboxIds(Outbox& outbox) {
  std::vector<std::string> ids;
  absl::StatusOr<std::vector<OutboxRecord>> records = outbox.FetchUnpublished(1'000'000);
  EXPECT_OK(records.status());
  if (records.ok()) {
    for (const OutboxRecord& r : *records) ids.push_back(r.event.envelope.id);
  }
  return ids;
}

std::vector<std::string> WithOutSuffix(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  for (const std::string& id : ids) out.push_back(absl::StrCat(id, "/out"));
  return out;
}

class ExactlyOnceProcessorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, TempDir::Create());
    ASSERT_OK_AND_ASSIGN(replica_,
                         Replica::Open(path(), &clock_, [this] { ++after_commit_calls_; }));
  }

  std::string path() const { return dir_->File("store.db"); }
  SqliteDatabase& db() { return *replica_->db; }
  std::vector<absl::Status> Handle(const std::vector<events::InboundEvent>& batch) {
    return replica_->processor->HandleBatch(batch);
  }

  FakeClock clock_;
  std::optional<TempDir> dir_;
  std::unique_ptr<Replica> replica_;
  int after_commit_calls_ = 0;
};

TEST_F(ExactlyOnceProcessorTest, CreateRejectsMissingDependencies) {
  Replica& r = *replica_;
  EXPECT_THAT(ExactlyOnceProcessor::Create(nullptr, r.processed.get(), r.outbox.get(),
                                           r.applier.get(), &clock_, {.consumer = "c"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ExactlyOnceProcessor::Create(r.db.get(), r.processed.get(), r.outbox.get(), nullptr,
                                           &clock_, {.consumer = "c"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ExactlyOnceProcessor::Create(r.db.get(), r.processed.get(), r.outbox.get(),
                                           r.applier.get(), &clock_, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("consumer")));
}

TEST_F(ExactlyOnceProcessorTest, AppliesMarksAndEnqueuesInOneCommit) {
  EXPECT_THAT(Handle(Events({"a", "b", "c"})), Each(IsOk()));
  EXPECT_THAT(RecordingApplier::AppliedIds(db()), IsOkAndHolds(ElementsAre("a", "b", "c")));
  EXPECT_THAT(OutboxIds(*replica_->outbox), ElementsAre("a/out", "b/out", "c/out"));
  EXPECT_EQ(after_commit_calls_, 1);
}

TEST_F(ExactlyOnceProcessorTest, DuplicateInOneBatchIsAppliedOnce) {
  EXPECT_THAT(Handle(Events({"a", "b", "a", "a"})), Each(IsOk()));
  EXPECT_THAT(RecordingApplier::AppliedIds(db()), IsOkAndHolds(ElementsAre("a", "b")));
  EXPECT_THAT(OutboxIds(*replica_->outbox), ElementsAre("a/out", "b/out"));
  EXPECT_EQ(replica_->applier->apply_calls(), 2);
}

TEST_F(ExactlyOnceProcessorTest, DuplicateAcrossBatchesIsAppliedOnce) {
  EXPECT_THAT(Handle(Events({"a", "b"})), Each(IsOk()));
  EXPECT_THAT(Handle(Events({"b", "c", "a"})), Each(IsOk()));
  EXPECT_THAT(RecordingApplier::AppliedIds(db()), IsOkAndHolds(ElementsAre("a", "b", "c")));
  EXPECT_THAT(OutboxIds(*replica_->outbox), ElementsAre("a/out", "b/out", "c/out"));
  // A batch of duplicates only commits no outbound events: no wake-up.
  EXPECT_THAT(Handle(Events({"a", "b", "c"})), Each(IsOk()));
  EXPECT_EQ(after_commit_calls_, 2);
}

TEST_F(ExactlyOnceProcessorTest, PermanentFailureLeavesNoEffectsAndNeighboursCommit) {
  replica_->applier->SetFailure("b", absl::FailedPreconditionError("loan is closed"));
  EXPECT_THAT(Handle(Events({"a", "b", "c"})),
              ElementsAre(IsOk(), StatusIs(absl::StatusCode::kFailedPrecondition, "loan is closed"),
                          IsOk()));
  // b's domain row and outbound event were written, then undone.
  EXPECT_THAT(RecordingApplier::AppliedIds(db()), IsOkAndHolds(ElementsAre("a", "c")));
  EXPECT_THAT(OutboxIds(*replica_->outbox), ElementsAre("a/out", "c/out"));
  // b is not marked processed: once the cause is gone (or replayed from the
  // DLQ) it applies.
  replica_->applier->ClearFailure("b");
  EXPECT_THAT(Handle(Events({"b"})), ElementsAre(IsOk()));
  EXPECT_THAT(RecordingApplier::CountApplied(db(), "b"), IsOkAndHolds(1));
}

TEST_F(ExactlyOnceProcessorTest, SeveralFailuresInOneBatchAreEachIsolated) {
  replica_->applier->SetFailure("b", absl::InvalidArgumentError("bad amount"));
  replica_->applier->SetFailure("d", absl::NotFoundError("unknown loan"));
  EXPECT_THAT(Handle(Events({"a", "b", "c", "d", "e", "a"})),
              ElementsAre(IsOk(), StatusIs(absl::StatusCode::kInvalidArgument), IsOk(),
                          StatusIs(absl::StatusCode::kNotFound), IsOk(), IsOk()));
  EXPECT_THAT(RecordingApplier::AppliedIds(db()), IsOkAndHolds(ElementsAre("a", "c", "e")));
  EXPECT_THAT(OutboxIds(*replica_->outbox), ElementsAre("a/out", "c/out", "e/out"));
  EXPECT_EQ(after_commit_calls_, 1);
}

TEST_F(ExactlyOnceProcessorTest, EventWithoutIdIsRejectedPermanently) {
  EXPECT_THAT(Handle(Events({"a", "", "c"})),
              ElementsAre(IsOk(), StatusIs(absl::StatusCode::kInvalidArgument), IsOk()));
  EXPECT_THAT(RecordingApplier::AppliedIds(db()), IsOkAndHolds(ElementsAre("a", "c")));
}

TEST_F(ExactlyOnceProcessorTest, RetryableFailureCommitsThePrefixAndRetriesTheRest) {
  replica_->applier->SetFailure("c", absl::UnavailableError("pricing service down"));
  const std::vector<events::InboundEvent> batch = Events({"a", "b", "c", "d", "e"});
  const std::vector<absl::Status> statuses = Handle(batch);
  ASSERT_THAT(statuses, SizeIs(5));
  EXPECT_THAT(statuses[0], IsOk());
  EXPECT_THAT(statuses[1], IsOk());
  for (int i = 2; i < 5; ++i) {
    EXPECT_TRUE(events::IsRetryable(statuses[i])) << i << ": " << statuses[i];
  }
  EXPECT_THAT(RecordingApplier::AppliedIds(db()), IsOkAndHolds(ElementsAre("a", "b")));
  EXPECT_THAT(OutboxIds(*replica_->outbox), ElementsAre("a/out", "b/out"));

  // The consumer loop retries from the first retryable event.
  replica_->applier->ClearFailure("c");
  EXPECT_THAT(Handle({batch.begin() + 2, batch.end()}), Each(IsOk()));
  // A redelivery of the whole batch (e.g. after a rebalance) changes nothing.
  EXPECT_THAT(Handle(batch), Each(IsOk()));
  EXPECT_THAT(RecordingApplier::AppliedIds(db()),
              IsOkAndHolds(ElementsAre("a", "b", "c", "d", "e")));
  EXPECT_THAT(OutboxIds(*replica_->outbox),
              ElementsAre("a/out", "b/out", "c/out", "d/out", "e/out"));
}

TEST_F(ExactlyOnceProcessorTest, BusyDatabaseMakesTheWholeBatchRetryable) {
  int impatient_commits = 0;
  ASSERT_OK_AND_ASSIGN(auto impatient, Replica::Open(path(), &clock_, [&] { ++impatient_commits; },
                                                     {.busy_timeout = absl::Milliseconds(10)}));
  absl::Notification holding;
  absl::Notification release;
  std::thread holder([&] {
    EXPECT_OK(db().InTransaction([&](Transaction&) {
      holding.Notify();
      release.WaitForNotification();
      return absl::OkStatus();
    }));
  });
  holding.WaitForNotification();
  const std::vector<absl::Status> statuses = impatient->processor->HandleBatch(Events({"a", "b"}));
  release.Notify();
  holder.join();
  EXPECT_THAT(statuses, ElementsAre(StatusIs(absl::StatusCode::kUnavailable),
                                    StatusIs(absl::StatusCode::kUnavailable)));
  EXPECT_THAT(RecordingApplier::AppliedIds(db()), IsOkAndHolds(IsEmpty()));
  EXPECT_EQ(impatient_commits, 0);
  // Once the lock is gone the retry goes through.
  EXPECT_THAT(impatient->processor->HandleBatch(Events({"a", "b"})), Each(IsOk()));
  EXPECT_EQ(impatient_commits, 1);
}

TEST_F(ExactlyOnceProcessorTest, CommittedStateSurvivesAProcessKill) {
  replica_.reset();  // the child opens the file itself, as a fresh process would
  const std::vector<events::InboundEvent> batch = Events({"a", "b", "c"});
  const pid_t child = fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    // No gtest assertions in the child: exit codes tell the parent what failed.
    FakeClock clock;
    absl::StatusOr<std::unique_ptr<Replica>> replica = Replica::Open(path(), &clock);
    if (!replica.ok()) _exit(2);
    for (const absl::Status& s : (*replica)->processor->HandleBatch(batch)) {
      if (!s.ok()) _exit(3);
    }
    // Die with the connection open and the WAL not checkpointed.
    raise(SIGKILL);
    _exit(4);
  }
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL)
      << "child exited with " << (WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1);

  ASSERT_OK_AND_ASSIGN(replica_, Replica::Open(path(), &clock_));
  EXPECT_THAT(RecordingApplier::AppliedIds(db()), IsOkAndHolds(ElementsAre("a", "b", "c")));
  EXPECT_THAT(OutboxIds(*replica_->outbox), ElementsAre("a/out", "b/out", "c/out"));
  // The consumer's offsets may not have been committed: Kafka redelivers.
  EXPECT_THAT(Handle(batch), Each(IsOk()));
  EXPECT_EQ(replica_->applier->apply_calls(), 0);
  EXPECT_THAT(RecordingApplier::AppliedIds(db()), IsOkAndHolds(SizeIs(3)));
  EXPECT_THAT(OutboxIds(*replica_->outbox), SizeIs(3));
}

// What a consumer loop does with the statuses: retry from the first
// retryable one (permanent errors are not expected here).
void Consume(ExactlyOnceProcessor& processor, const std::vector<std::string>& ids, int batch_size) {
  const std::vector<events::InboundEvent> all = Events(ids);
  size_t next = 0;
  int retries = 0;
  while (next < all.size()) {
    const size_t end = std::min(all.size(), next + batch_size);
    const std::vector<absl::Status> statuses =
        processor.HandleBatch(absl::MakeConstSpan(all).subspan(next, end - next));
    size_t done = 0;
    while (done < statuses.size() && statuses[done].ok()) ++done;
    if (done < statuses.size()) {
      ASSERT_TRUE(events::IsRetryable(statuses[done])) << statuses[done];
      ASSERT_LT(++retries, 100) << statuses[done];
    }
    next += done;
  }
}

TEST_F(ExactlyOnceProcessorTest, TwoDatabasesOnOneFileApplyOverlappingEventsExactlyOnce) {
  ASSERT_OK_AND_ASSIGN(auto second, Replica::Open(path(), &clock_));
  // Replica 1 gets e0..e1999, replica 2 gets e1000..e2999 in reverse: 1000
  // events are delivered to both, concurrently.
  std::vector<std::string> first_ids = RangeIds(0, 2000);
  std::vector<std::string> second_ids = RangeIds(1000, 3000);
  std::reverse(second_ids.begin(), second_ids.end());
  std::thread t1([&] { Consume(*replica_->processor, first_ids, 100); });
  std::thread t2([&] { Consume(*second->processor, second_ids, 64); });
  t1.join();
  t2.join();

  const std::vector<std::string> all = RangeIds(0, 3000);
  EXPECT_THAT(RecordingApplier::AppliedIds(db()), IsOkAndHolds(UnorderedElementsAreArray(all)));
  EXPECT_THAT(OutboxIds(*replica_->outbox), UnorderedElementsAreArray(WithOutSuffix(all)));
  EXPECT_EQ(replica_->applier->apply_calls() + second->applier->apply_calls(), 3000);
}

}  // namespace
}  // namespace arrears::store
