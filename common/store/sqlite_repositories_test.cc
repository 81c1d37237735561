// SqliteProcessedEvents, SqliteOutbox and SqliteLeaderLease against a real
// database file.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status_matchers.h"
#include "common/store/sqlite_core_schema.h"
#include "common/store/sqlite_database.h"
#include "common/store/sqlite_leader_lease.h"
#include "common/store/sqlite_outbox.h"
#include "common/store/sqlite_processed_events.h"
#include "common/store/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::store {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const absl::Time kT0 = absl::FromUnixSeconds(1'767'225'600);

events::Event OutboundEvent(absl::string_view id, absl::string_view key = "loan-1") {
  events::Event event;
  event.topic = "arrears.delinquency.events";
  event.key = std::string(key);
  event.envelope.id = std::string(id);
  event.envelope.type = "arrears.delinquency.v1.LoanBecameDelinquent";
  event.envelope.source = "//arrears/overdue-detection";
  event.envelope.time = kT0 + absl::Microseconds(123);
  event.envelope.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  event.payload = std::string("\x08\x00\x12\xff payload", 12);
  return event;
}

class SqliteRepositoriesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, TempDir::Create());
    ASSERT_OK_AND_ASSIGN(db_, SqliteDatabase::Create({.path = dir_->File("store.db")}));
    ASSERT_OK(db_->Migrate(CoreMigrations()));
    processed_ = std::make_unique<SqliteProcessedEvents>(db_.get());
    outbox_ = std::make_unique<SqliteOutbox>(db_.get());
    lease_ = std::make_unique<SqliteLeaderLease>(db_.get());
  }

  absl::StatusOr<bool> Mark(absl::string_view id, absl::string_view consumer = "c",
                            absl::Time at = kT0) {
    absl::StatusOr<bool> result;
    absl::Status status = db_->InTransaction([&](Transaction& txn) {
      result = processed_->MarkProcessed(txn, id, consumer, at);
      return result.status();
    });
    if (!status.ok()) return status;
    return result;
  }

  absl::Status Enqueue(const std::vector<events::Event>& events) {
    return db_->InTransaction([&](Transaction& txn) {
      for (const events::Event& event : events) {
        absl::Status status = outbox_->Enqueue(txn, event);
        if (!status.ok()) return status;
      }
      return absl::OkStatus();
    });
  }

  std::optional<TempDir> dir_;
  std::unique_ptr<SqliteDatabase> db_;
  std::unique_ptr<SqliteProcessedEvents> processed_;
  std::unique_ptr<SqliteOutbox> outbox_;
  std::unique_ptr<SqliteLeaderLease> lease_;
};

TEST_F(SqliteRepositoriesTest, CoreMigrationsAreReservedVersions) {
  for (const Migration& m : CoreMigrations()) {
    EXPECT_GT(m.version, 0);
    EXPECT_LT(m.version, kFirstServiceMigrationVersion);
  }
}

TEST_F(SqliteRepositoriesTest, MarkProcessedIsTrueOnlyTheFirstTime) {
  EXPECT_THAT(Mark("e1"), IsOkAndHolds(true));
  EXPECT_THAT(Mark("e1"), IsOkAndHolds(false));
  EXPECT_THAT(Mark("e2"), IsOkAndHolds(true));
}

TEST_F(SqliteRepositoriesTest, ConsumersDedupeIndependently) {
  EXPECT_THAT(Mark("e1", "group-a"), IsOkAndHolds(true));
  EXPECT_THAT(Mark("e1", "group-b"), IsOkAndHolds(true));
  EXPECT_THAT(Mark("e1", "group-a"), IsOkAndHolds(false));
}

TEST_F(SqliteRepositoriesTest, MarkRolledBackWithItsTransaction) {
  EXPECT_THAT(db_->InTransaction([&](Transaction& txn) {
    EXPECT_THAT(processed_->MarkProcessed(txn, "e1", "c", kT0), IsOkAndHolds(true));
    return absl::AbortedError("undo");
  }),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(Mark("e1"), IsOkAndHolds(true));
}

TEST_F(SqliteRepositoriesTest, MarkProcessedRejectsEmptyIds) {
  EXPECT_THAT(Mark(""), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ce_id")));
  EXPECT_THAT(Mark("e1", ""), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("consumer")));
}

TEST_F(SqliteRepositoriesTest, MarkProcessedBatchAgreesWithMarkingOneByOne) {
  ASSERT_THAT(Mark("seen-before"), IsOkAndHolds(true));
  // 300 ids: chunks of 128, 128, 32, 8, 4 — plus repeats within the list and
  // within one chunk, and an id marked earlier.
  std::vector<std::string> ids;
  for (int i = 0; i < 297; ++i) ids.push_back(absl::StrCat("e", i));
  ids.push_back("e5");
  ids.push_back("seen-before");
  ids.push_back("e200");
  std::vector<absl::string_view> views(ids.begin(), ids.end());
  std::vector<bool> expected(ids.size(), true);
  expected[297] = expected[298] = expected[299] = false;

  absl::StatusOr<std::vector<bool>> marked;
  ASSERT_OK(db_->InTransaction([&](Transaction& txn) {
    marked = processed_->MarkProcessedBatch(txn, views, "c", kT0);
    return marked.status();
  }));
  EXPECT_THAT(marked, IsOkAndHolds(expected));
  EXPECT_THAT(Mark("e296"), IsOkAndHolds(false));
  EXPECT_THAT(Mark("e0", "other-consumer"), IsOkAndHolds(true));

  // The same through the interface's one-by-one default gives the same answer.
  class OneByOne final : public ProcessedEvents {
   public:
    explicit OneByOne(ProcessedEvents* inner) : inner_(inner) {}
    absl::StatusOr<bool> MarkProcessed(Transaction& txn, absl::string_view id,
                                       absl::string_view consumer, absl::Time at) override {
      return inner_->MarkProcessed(txn, id, consumer, at);
    }
    absl::StatusOr<int64_t> Prune(absl::Time) override { return 0; }

   private:
    ProcessedEvents* inner_;
  } one_by_one(processed_.get());
  ASSERT_OK(db_->InTransaction([&](Transaction& txn) {
    marked = one_by_one.MarkProcessedBatch(txn, views, "fresh", kT0);
    return marked.status();
  }));
  expected[298] = true;  // "seen-before" was seen by consumer "c" only
  EXPECT_THAT(marked, IsOkAndHolds(expected));
}

TEST_F(SqliteRepositoriesTest, MarkProcessedBatchRedoesOnlyTheChunkHoldingADuplicate) {
  ASSERT_THAT(Mark("seen-before"), IsOkAndHolds(true));
  // Two chunks of 128: the first repeats one of its own ids, the second holds
  // an id marked earlier; each is redone row by row, the rest stays marked.
  std::vector<std::string> ids;
  for (int i = 0; i < 256; ++i) ids.push_back(absl::StrCat("e", i));
  ids[60] = "e10";
  ids[200] = "seen-before";
  std::vector<absl::string_view> views(ids.begin(), ids.end());
  std::vector<bool> expected(ids.size(), true);
  expected[60] = expected[200] = false;

  absl::StatusOr<std::vector<bool>> marked;
  int64_t rows = -1;
  ASSERT_OK(db_->InSqliteTransaction(
      SqliteTransactionMode::kImmediate, [&](SqliteTransaction& txn) -> absl::Status {
        marked = processed_->MarkProcessedBatch(txn, views, "c", kT0);
        if (!marked.ok()) return marked.status();
        absl::StatusOr<SqliteStatement> count =
            txn.Prepare("SELECT COUNT(*) FROM processed_events");
        if (!count.ok()) return count.status();
        absl::StatusOr<bool> row = count->Step();
        if (!row.ok()) return row.status();
        rows = count->ColumnInt64(0);
        return absl::OkStatus();
      }));
  EXPECT_THAT(marked, IsOkAndHolds(expected));
  EXPECT_EQ(rows, 1 + 254) << "every distinct id marked once, nothing else";
  EXPECT_THAT(Mark("e255"), IsOkAndHolds(false));
  EXPECT_THAT(Mark("e60"), IsOkAndHolds(true)) << "replaced by a repeat, so never marked";
}

TEST_F(SqliteRepositoriesTest, MarkProcessedBatchRejectsEmptyIdsBeforeWritingAnything) {
  std::vector<absl::string_view> ids = {"a", "", "b"};
  EXPECT_THAT(db_->InTransaction([&](Transaction& txn) {
    return processed_->MarkProcessedBatch(txn, ids, "c", kT0).status();
  }),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ce_id")));
  EXPECT_THAT(Mark("a"), IsOkAndHolds(true));
}

TEST_F(SqliteRepositoriesTest, PruneDeletesOnlyOlderMarks) {
  ASSERT_THAT(Mark("old-1", "c", kT0), IsOkAndHolds(true));
  ASSERT_THAT(Mark("old-2", "d", kT0 + absl::Seconds(1)), IsOkAndHolds(true));
  ASSERT_THAT(Mark("new", "c", kT0 + absl::Hours(1)), IsOkAndHolds(true));
  EXPECT_THAT(processed_->Prune(kT0 + absl::Minutes(1)), IsOkAndHolds(2));
  EXPECT_THAT(Mark("old-1", "c"), IsOkAndHolds(true));  // forgotten: would apply again
  EXPECT_THAT(Mark("new", "c"), IsOkAndHolds(false));
  EXPECT_THAT(processed_->Prune(kT0 - absl::Hours(1)), IsOkAndHolds(0));
}

TEST_F(SqliteRepositoriesTest, PruneWorksInChunks) {
  ASSERT_OK(db_->InTransaction([&](Transaction& txn) {
    for (int i = 0; i < 25'000; ++i) {
      absl::StatusOr<bool> marked = processed_->MarkProcessed(txn, absl::StrCat("e", i), "c", kT0);
      if (!marked.ok()) return marked.status();
    }
    return absl::OkStatus();
  }));
  EXPECT_THAT(processed_->Prune(kT0 + absl::Seconds(1)), IsOkAndHolds(25'000));
}

TEST_F(SqliteRepositoriesTest, OutboxRoundTripsEveryField) {
  const events::Event event = OutboundEvent("out-1");
  ASSERT_OK(Enqueue({event}));
  ASSERT_OK_AND_ASSIGN(std::vector<OutboxRecord> records, outbox_->FetchUnpublished(10));
  ASSERT_THAT(records, SizeIs(1));
  EXPECT_GT(records[0].sequence, 0);
  EXPECT_EQ(records[0].event, event);
}

TEST_F(SqliteRepositoriesTest, OutboxFetchesInSequenceOrderUpToTheLimit) {
  ASSERT_OK(Enqueue({OutboundEvent("a"), OutboundEvent("b", "loan-2")}));
  ASSERT_OK(Enqueue({OutboundEvent("c")}));
  ASSERT_OK_AND_ASSIGN(std::vector<OutboxRecord> first_two, outbox_->FetchUnpublished(2));
  EXPECT_THAT(first_two,
              ElementsAre(Field(&OutboxRecord::event,
                                Field(&events::Event::envelope, Field(&events::Envelope::id, "a"))),
                          Field(&OutboxRecord::event, Field(&events::Event::envelope,
                                                            Field(&events::Envelope::id, "b")))));
  EXPECT_LT(first_two[0].sequence, first_two[1].sequence);
  EXPECT_THAT(outbox_->PendingCount(), IsOkAndHolds(3));
  EXPECT_THAT(outbox_->FetchUnpublished(0), StatusIs(absl::StatusCode::kInvalidArgument));
}

std::vector<OutboxRecordId> IdsOf(const std::vector<OutboxRecord>& records) {
  std::vector<OutboxRecordId> ids;
  for (const OutboxRecord& r : records) ids.push_back({r.sequence, r.event.envelope.id});
  return ids;
}

TEST_F(SqliteRepositoriesTest, MarkPublishedRemovesOnlyTheNamedRecords) {
  ASSERT_OK(Enqueue({OutboundEvent("a"), OutboundEvent("b"), OutboundEvent("c")}));
  ASSERT_OK_AND_ASSIGN(std::vector<OutboxRecord> records, outbox_->FetchUnpublished(2));
  ASSERT_OK(outbox_->MarkPublished(IdsOf(records)));
  EXPECT_THAT(outbox_->PendingCount(), IsOkAndHolds(1));
  ASSERT_OK_AND_ASSIGN(std::vector<OutboxRecord> rest, outbox_->FetchUnpublished(10));
  ASSERT_THAT(rest, SizeIs(1));
  EXPECT_EQ(rest[0].event.envelope.id, "c");
  EXPECT_OK(outbox_->MarkPublished({}));
}

TEST_F(SqliteRepositoriesTest, StaleMarkPublishedCannotRemoveARecordThatReusedASequence) {
  ASSERT_OK(Enqueue({OutboundEvent("a"), OutboundEvent("b")}));
  ASSERT_OK_AND_ASSIGN(std::vector<OutboxRecord> records, outbox_->FetchUnpublished(10));
  ASSERT_OK(outbox_->MarkPublished(IdsOf(records)));
  EXPECT_THAT(outbox_->FetchUnpublished(10), IsOkAndHolds(IsEmpty()));

  // The drained outbox hands out sequences again.
  ASSERT_OK(Enqueue({OutboundEvent("c"), OutboundEvent("d")}));
  ASSERT_OK_AND_ASSIGN(std::vector<OutboxRecord> later, outbox_->FetchUnpublished(10));
  ASSERT_THAT(later, SizeIs(2));
  EXPECT_LT(later[0].sequence, later[1].sequence);
  // A relay that fetched a and b, stalled and lost its lease marks them late.
  ASSERT_OK(outbox_->MarkPublished(IdsOf(records)));
  EXPECT_THAT(outbox_->PendingCount(), IsOkAndHolds(2));
}

TEST_F(SqliteRepositoriesTest, OutboxRowsRollBackWithTheirTransaction) {
  EXPECT_THAT(db_->InTransaction([&](Transaction& txn) {
    EXPECT_OK(outbox_->Enqueue(txn, OutboundEvent("a")));
    return absl::InternalError("undo");
  }),
              StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(outbox_->PendingCount(), IsOkAndHolds(0));
}

TEST_F(SqliteRepositoriesTest, OutboxRejectsUnpublishableEvents) {
  events::Event no_topic = OutboundEvent("a");
  no_topic.topic.clear();
  EXPECT_THAT(Enqueue({no_topic}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("topic")));
  events::Event no_id = OutboundEvent("");
  EXPECT_THAT(Enqueue({no_id}), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ce_id")));
  EXPECT_THAT(outbox_->PendingCount(), IsOkAndHolds(0));
}

TEST_F(SqliteRepositoriesTest, RepositoriesRejectAnotherStoresTransaction) {
  ASSERT_OK_AND_ASSIGN(auto other, SqliteDatabase::Create({.path = dir_->File("other.db")}));
  ASSERT_OK(other->InTransaction([&](Transaction& txn) {
    EXPECT_THAT(processed_->MarkProcessed(txn, "e1", "c", kT0),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    EXPECT_THAT(outbox_->Enqueue(txn, OutboundEvent("a")),
                StatusIs(absl::StatusCode::kFailedPrecondition));
    return absl::OkStatus();
  }));
}

TEST_F(SqliteRepositoriesTest, LeaseIsExclusiveUntilItExpires) {
  const absl::Duration ten_seconds = absl::Seconds(10);
  EXPECT_THAT(lease_->TryAcquire("outbox", "a", kT0, ten_seconds), IsOkAndHolds(true));
  EXPECT_THAT(lease_->TryAcquire("outbox", "b", kT0 + absl::Seconds(9), ten_seconds),
              IsOkAndHolds(false));
  // The holder renews: a's lease now runs to kT0 + 15 s.
  EXPECT_THAT(lease_->TryAcquire("outbox", "a", kT0 + absl::Seconds(5), ten_seconds),
              IsOkAndHolds(true));
  EXPECT_THAT(lease_->TryAcquire("outbox", "b", kT0 + absl::Seconds(12), ten_seconds),
              IsOkAndHolds(false));
  EXPECT_THAT(lease_->TryAcquire("outbox", "b", kT0 + absl::Seconds(15), ten_seconds),
              IsOkAndHolds(true));
  EXPECT_THAT(lease_->TryAcquire("outbox", "a", kT0 + absl::Seconds(16), ten_seconds),
              IsOkAndHolds(false));
  // Leases are independent by name.
  EXPECT_THAT(lease_->TryAcquire("other", "a", kT0 + absl::Seconds(16), ten_seconds),
              IsOkAndHolds(true));
}

TEST_F(SqliteRepositoriesTest, ReleasedLeaseIsFreeAtOnce) {
  ASSERT_THAT(lease_->TryAcquire("outbox", "a", kT0, absl::Seconds(10)), IsOkAndHolds(true));
  ASSERT_OK(lease_->Release("outbox", "b"));  // not the holder: no effect
  EXPECT_THAT(lease_->TryAcquire("outbox", "b", kT0, absl::Seconds(10)), IsOkAndHolds(false));
  ASSERT_OK(lease_->Release("outbox", "a"));
  EXPECT_THAT(lease_->TryAcquire("outbox", "b", kT0, absl::Seconds(10)), IsOkAndHolds(true));
}

TEST_F(SqliteRepositoriesTest, LeaseRejectsBadArguments) {
  EXPECT_THAT(lease_->TryAcquire("", "a", kT0, absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(lease_->TryAcquire("outbox", "", kT0, absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(lease_->TryAcquire("outbox", "a", kT0, absl::ZeroDuration()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace arrears::store
