#include "services/compliance_auditing/service/commit_queue.h"

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/status/status_matchers.h"
#include "common/store/sqlite_database.h"
#include "common/store/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/service/periodic_jobs.h"

namespace arrears::compliance::service {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Not;

// Waits (bounded) until the queue holds a unit.
void AwaitQueued(const CommitQueue& queue) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (queue.queued() == 0) {
    ASSERT_LT(absl::Now(), deadline) << "nothing was queued";
    std::this_thread::yield();
  }
}

// A store with one table, and a runner without an outbox (a null writer).
class CommitQueueTest : public ::testing::Test {
 protected:
  class NullOutbox final : public store::OutboxWriter {
   public:
    absl::Status Enqueue(const events::Event&) override { return absl::OkStatus(); }
  };

  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
    dir_ = std::make_unique<store::TempDir>(std::move(dir));
    store::SqliteOptions options;
    options.path = dir_->File("queue.db");
    ASSERT_OK_AND_ASSIGN(db_, store::SqliteDatabase::Create(options));
    ASSERT_THAT(db_->Migrate({{store::kFirstServiceMigrationVersion, "rows",
                               "CREATE TABLE rows (name TEXT PRIMARY KEY)"}}),
                IsOk());
  }

  TransactionRunnerWithOutbox Runner() {
    return [this](absl::FunctionRef<absl::Status(store::Transaction&, store::OutboxWriter&)> body) {
      ++transactions_;
      if (fail_next_commit_.exchange(false)) return absl::UnavailableError("disk on fire");
      return db_->InTransaction([&](store::Transaction& txn) {
        NullOutbox outbox;
        return body(txn, outbox);
      });
    };
  }

  absl::Status Insert(store::Transaction& txn, absl::string_view name) {
    ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, db_->Unwrap(txn));
    ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement insert,
                             sqlite->Prepare("INSERT INTO rows (name) VALUES (?1)"));
    insert.BindText(1, name);
    return insert.Run();
  }

  int64_t Rows() {
    int64_t count = -1;
    EXPECT_THAT(db_->InSqliteTransaction(store::SqliteTransactionMode::kDeferred,
                                         [&](store::SqliteTransaction& txn) -> absl::Status {
                                           ARREARS_ASSIGN_OR_RETURN(
                                               store::SqliteStatement select,
                                               txn.Prepare("SELECT COUNT(*) FROM rows"));
                                           ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
                                           if (row) count = select.ColumnInt64(0);
                                           return absl::OkStatus();
                                         }),
                IsOk());
    return count;
  }

  std::unique_ptr<store::TempDir> dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::atomic<int> transactions_{0};
  std::atomic<bool> fail_next_commit_{false};
};

// A unit that inserts `name` (fails on a duplicate) and reports its status.
class InsertUnit final : public CommitQueue::Unit {
 public:
  InsertUnit(std::string name,
             std::function<absl::Status(store::Transaction&, absl::string_view)> insert)
      : name_(std::move(name)), insert_(std::move(insert)) {}
  absl::Status Apply(store::Transaction& txn, store::OutboxWriter&) override {
    ++applied_;
    return insert_(txn, name_);
  }
  void Done(absl::Status status) override {
    status_ = std::move(status);
    done_.Notify();
  }
  absl::Status Wait() {
    done_.WaitForNotification();
    return status_;
  }
  int applied() const { return applied_; }

 private:
  std::string name_;
  std::function<absl::Status(store::Transaction&, absl::string_view)> insert_;
  int applied_ = 0;
  absl::Status status_;
  absl::Notification done_;
};

// A batch that logs its calls and, in Finish, runs `finish`.
class RecordingBatch final : public CommitQueue::GroupBatch {
 public:
  explicit RecordingBatch(std::function<absl::Status(store::Transaction&)> finish)
      : finish_(std::move(finish)) {}
  void Begin() override { Log("begin"); }
  absl::Status Finish(store::Transaction& txn) override {
    Log("finish");
    return finish_(txn);
  }
  void End() override { Log("end"); }
  std::vector<std::string> calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  void Log(const char* call) {
    absl::MutexLock lock(&mu_);
    calls_.push_back(call);
  }
  std::function<absl::Status(store::Transaction&)> finish_;
  mutable absl::Mutex mu_;
  std::vector<std::string> calls_ ABSL_GUARDED_BY(mu_);
};

// Runs a first unit (`first`) on the queue's thread and holds it there
// until Release(), so that what is submitted meanwhile forms the next group.
class QueueHold {
 public:
  QueueHold(CommitQueue& queue, std::function<absl::Status(store::Transaction&)> first)
      : first_(std::move(first)), thread_([this, &queue] {
          EXPECT_THAT(queue.Run([this](store::Transaction& txn, store::OutboxWriter&) {
            entered_.Notify();
            release_.WaitForNotification();
            return first_(txn);
          }),
                      IsOk());
        }) {
    entered_.WaitForNotification();
  }
  void Release() {
    release_.Notify();
    thread_.join();
  }

 private:
  std::function<absl::Status(store::Transaction&)> first_;
  absl::Notification entered_, release_;
  std::thread thread_;  // last: it uses the members above
};

TEST_F(CommitQueueTest, QueuedUnitsShareOneTransaction) {
  CommitQueue queue(Runner(), 100);
  // Hold the queue's thread in a first unit while others queue behind it.
  absl::Notification release;
  std::thread first([&] {
    EXPECT_THAT(queue.Run([&](store::Transaction& txn, store::OutboxWriter&) {
      release.WaitForNotification();
      return Insert(txn, "first");
    }),
                IsOk());
  });
  AwaitQueued(queue);
  auto insert = [this](store::Transaction& txn, absl::string_view name) {
    return Insert(txn, name);
  };
  std::vector<std::unique_ptr<InsertUnit>> units;
  for (int i = 0; i < 10; ++i) {
    units.push_back(std::make_unique<InsertUnit>(absl::StrCat("row-", i), insert));
    queue.Submit(units.back().get());
  }
  release.Notify();
  first.join();
  for (auto& unit : units) EXPECT_THAT(unit->Wait(), IsOk());
  EXPECT_EQ(Rows(), 11);
  EXPECT_EQ(queue.units(), 11);
  EXPECT_LE(queue.groups(), 2) << "the ten waited together";
}

TEST_F(CommitQueueTest, AFailingUnitIsUndoneAloneAndTheOthersCommit) {
  CommitQueue queue(Runner(), 100);
  absl::Notification release;
  std::thread first([&] {
    EXPECT_THAT(queue.Run([&](store::Transaction& txn, store::OutboxWriter&) {
      release.WaitForNotification();
      return Insert(txn, "first");
    }),
                IsOk());
  });
  AwaitQueued(queue);
  auto insert = [this](store::Transaction& txn, absl::string_view name) {
    return Insert(txn, name);
  };
  InsertUnit a("a", insert), duplicate("a", insert), b("b", insert);
  queue.Submit(&a);
  queue.Submit(&duplicate);
  queue.Submit(&b);
  release.Notify();
  first.join();
  EXPECT_THAT(a.Wait(), IsOk());
  EXPECT_THAT(duplicate.Wait(), Not(IsOk()));
  EXPECT_THAT(b.Wait(), IsOk());
  EXPECT_EQ(Rows(), 3);
  EXPECT_EQ(a.applied(), 2) << "the group was rerun with savepoints";
}

TEST_F(CommitQueueTest, AFailedTransactionFailsEveryUnitOfItsGroup) {
  CommitQueue queue(Runner(), 100);
  fail_next_commit_ = true;
  EXPECT_THAT(
      queue.Run([&](store::Transaction& txn, store::OutboxWriter&) { return Insert(txn, "lost"); }),
      StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Rows(), 0);
  EXPECT_THAT(
      queue.Run([&](store::Transaction& txn, store::OutboxWriter&) { return Insert(txn, "kept"); }),
      IsOk());
  EXPECT_EQ(Rows(), 1);
}

TEST_F(CommitQueueTest, BusyCountsTheTimeSpentRunningGroups) {
  CommitQueue queue(Runner(), 100);
  EXPECT_EQ(queue.busy(), absl::ZeroDuration());
  // A unit that takes at least 20 ms of the queue's thread (the work itself,
  // not a wait for anything).
  const absl::Time started = absl::Now();
  ASSERT_THAT(queue.Run([&](store::Transaction& txn, store::OutboxWriter&) {
    absl::SleepFor(absl::Milliseconds(20));
    return Insert(txn, "slow");
  }),
              IsOk());
  const absl::Duration elapsed = absl::Now() - started;
  EXPECT_GE(queue.busy(), absl::Milliseconds(20));
  EXPECT_LE(queue.busy(), elapsed);
}

TEST_F(CommitQueueTest, DestructionFinishesEverySubmittedUnit) {
  auto insert = [this](store::Transaction& txn, absl::string_view name) {
    return Insert(txn, name);
  };
  std::vector<std::unique_ptr<InsertUnit>> units;
  {
    CommitQueue queue(Runner(), 3);
    for (int i = 0; i < 20; ++i) {
      units.push_back(std::make_unique<InsertUnit>(absl::StrCat("row-", i), insert));
      queue.Submit(units.back().get());
    }
  }
  for (auto& unit : units) EXPECT_THAT(unit->Wait(), IsOk());
  EXPECT_EQ(Rows(), 20);
}

TEST(PeriodicJobsTest, RunsEachJobAtStartAndStopsPromptly) {
  std::atomic<int> a{0};
  PeriodicJobs jobs({{"a", absl::Hours(1),
                      [&] {
                        ++a;
                        return absl::OkStatus();
                      }},
                     {"failing", absl::Hours(1), [] { return absl::InternalError("no"); }}});
  jobs.Start();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while ((jobs.runs(0) < 1 || jobs.runs(1) < 1) && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  EXPECT_EQ(jobs.runs(0), 1);
  EXPECT_EQ(jobs.runs(1), 1) << "a failing job is counted and retried later";
  const absl::Time stop_start = absl::Now();
  jobs.Stop();
  EXPECT_LT(absl::Now() - stop_start, absl::Seconds(5)) << "Stop does not wait out the interval";
  EXPECT_EQ(a.load(), 1);
}

// Callers are answered off the committing thread (the next group commits
// meanwhile), in commit order.
TEST_F(CommitQueueTest, DoneRunsOffTheCommittingThreadInOrder) {
  CommitQueue queue(Runner(), 100);
  class ChainedUnit final : public CommitQueue::Unit {
   public:
    ChainedUnit(std::vector<int>* order, int id) : order_(order), id_(id) {}
    absl::Status Apply(store::Transaction&, store::OutboxWriter&) override {
      apply_thread_ = std::this_thread::get_id();
      return absl::OkStatus();
    }
    void Done(absl::Status) override {
      done_thread_ = std::this_thread::get_id();
      order_->push_back(id_);
      done_.Notify();
    }
    std::vector<int>* order_;
    int id_;
    std::thread::id apply_thread_, done_thread_;
    absl::Notification done_;
  };
  std::vector<int> order;
  std::vector<std::unique_ptr<ChainedUnit>> units;
  for (int i = 0; i < 3; ++i) units.push_back(std::make_unique<ChainedUnit>(&order, i));
  for (auto& unit : units) queue.Submit(unit.get());
  for (auto& unit : units) {
    ASSERT_TRUE(unit->done_.WaitForNotificationWithTimeout(absl::Seconds(10)))
        << "unit " << unit->id_ << " was never answered";
    EXPECT_NE(unit->done_thread_, unit->apply_thread_);
  }
  EXPECT_EQ(order, std::vector<int>({0, 1, 2}));
}

}  // namespace
}  // namespace arrears::compliance::service

namespace arrears::compliance::service {
namespace {

TEST_F(CommitQueueTest, TheBatchWrapsAGroupsRunAndItsWriteCommitsWithIt) {
  int finishes = 0;
  RecordingBatch batch(
      [&](store::Transaction& txn) { return Insert(txn, absl::StrCat("batch-", ++finishes)); });
  CommitQueue queue(Runner(), 100, &batch);
  QueueHold hold(queue, [this](store::Transaction& txn) { return Insert(txn, "first"); });
  auto insert = [this](store::Transaction& txn, absl::string_view name) {
    return Insert(txn, name);
  };
  InsertUnit a("a", insert), b("b", insert);
  queue.Submit(&a);
  queue.Submit(&b);
  hold.Release();
  EXPECT_THAT(a.Wait(), IsOk());
  EXPECT_THAT(b.Wait(), IsOk());
  // Two groups: the first unit alone, then a and b.
  EXPECT_THAT(batch.calls(), ElementsAre("begin", "finish", "end", "begin", "finish", "end"));
  EXPECT_EQ(Rows(), 5) << "three units and one batch write per group";
}

TEST_F(CommitQueueTest, AFailedBatchWriteSendsTheGroupToTheIsolatedRunWithoutTheBatch) {
  RecordingBatch batch(
      [](store::Transaction&) { return absl::InvalidArgumentError("a staged record is bad"); });
  CommitQueue queue(Runner(), 100, &batch);
  int applied = 0;
  EXPECT_THAT(queue.Run([&](store::Transaction& txn, store::OutboxWriter&) {
    ++applied;
    return Insert(txn, "kept");
  }),
              IsOk());
  EXPECT_EQ(applied, 2) << "once batched, once alone";
  EXPECT_THAT(batch.calls(), ElementsAre("begin", "finish", "end"));
  EXPECT_EQ(Rows(), 1);
}

TEST_F(CommitQueueTest, AFailingUnitEndsTheBatchUnwritten) {
  RecordingBatch batch([this](store::Transaction& txn) { return Insert(txn, "batch"); });
  CommitQueue queue(Runner(), 100, &batch);
  auto insert = [this](store::Transaction& txn, absl::string_view name) {
    return Insert(txn, name);
  };
  InsertUnit a("a", insert), duplicate("a", insert);
  QueueHold hold(queue, [](store::Transaction&) { return absl::OkStatus(); });
  queue.Submit(&a);
  queue.Submit(&duplicate);
  hold.Release();
  EXPECT_THAT(a.Wait(), IsOk());
  EXPECT_THAT(duplicate.Wait(), Not(IsOk()));
  // The first group commits with its batch write; the second's run stops at
  // the duplicate (no write) and its rerun goes without the batch.
  EXPECT_THAT(batch.calls(), ElementsAre("begin", "finish", "end", "begin", "end"));
  EXPECT_EQ(Rows(), 2) << "a, and the first group's batch row";
}

}  // namespace
}  // namespace arrears::compliance::service
