// DecisionFeed: the decisions topic published from the audit log — what it
// fetches, how its progress moves, and that it survives restarts, skips other
// entries and damaged ones, and starts where the outbox left off.
#include "services/compliance_auditing/service/decision_feed.h"

#include <memory>
#include <string>
#include <vector>

#include "arrears/compliance/v1/decision_events.pb.h"
#include "common/runtime/trace_context.h"
#include "common/status/status_macros.h"
#include "common/status/status_matchers.h"
#include "common/store/sqlite_core_schema.h"
#include "common/store/sqlite_database.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/service/compliance_core.h"
#include "services/compliance_auditing/service/testing/compliance_test_env.h"
#include "services/compliance_auditing/service/testing/test_builders.h"

namespace arrears::compliance::service {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using namespace ::arrears::compliance::service::testing;  // NOLINT: test builders

constexpr absl::string_view kCn = "cust-cn";
constexpr absl::string_view kShanghai = "Asia/Shanghai";
const absl::Time kStart = Local(kShanghai, 2025, 6, 16, 10);

class DecisionFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(env_, ComplianceTestEnv::Create(kStart));
    Consume("c-1");
  }

  DecisionFeed& feed() { return env_->app().decision_feed(); }

  // A consumed customer event: an audit entry of another kind.
  void Consume(absl::string_view event_id) {
    ASSERT_THAT(env_->Consume(CustomerTopic(), kCn, ContactData(kCn, "CN", kShanghai), event_id),
                IsOk());
  }

  v1::ContactDecision Check(absl::string_view check_id) {
    absl::StatusOr<v1::ContactDecision> decision =
        env_->core().CheckContact(CallRequest(kCn, kStart, check_id));
    EXPECT_THAT(decision, IsOk());
    return decision.ok() ? *decision : v1::ContactDecision();
  }

  std::vector<store::OutboxRecord> Fetch(int limit) {
    absl::StatusOr<std::vector<store::OutboxRecord>> records = feed().FetchUnpublished(limit);
    EXPECT_THAT(records, IsOk());
    return records.ok() ? *records : std::vector<store::OutboxRecord>();
  }

  void Mark(const std::vector<store::OutboxRecord>& records) {
    std::vector<store::OutboxRecordId> ids;
    for (const store::OutboxRecord& record : records) {
      ids.push_back({record.sequence, record.event.envelope.id});
    }
    ASSERT_THAT(feed().MarkPublished(ids), IsOk());
  }

  uint64_t Progress() {
    absl::StatusOr<uint64_t> progress = feed().Progress();
    EXPECT_THAT(progress, IsOk());
    return progress.ok() ? *progress : 0;
  }

  std::unique_ptr<ComplianceTestEnv> env_;
};

TEST_F(DecisionFeedTest, PublishesEachDecisionAsTheOutboxDid) {
  const runtime::TraceContext trace = runtime::TraceContext::NewRoot();
  v1::ContactDecision decision;
  {
    runtime::ScopedTraceContext scope(trace);
    decision = Check("check-1");
  }
  const std::vector<store::OutboxRecord> records = Fetch(100);
  ASSERT_EQ(records.size(), 1u);
  const events::Event& event = records[0].event;
  EXPECT_EQ(records[0].sequence, static_cast<int64_t>(decision.audit_index()));
  EXPECT_EQ(event.topic, DecisionTopic());
  EXPECT_EQ(event.key, kCn);
  EXPECT_EQ(event.envelope.id, decision.decision_id());
  EXPECT_EQ(event.envelope.type, v1::ComplianceDecisionEvent::descriptor()->full_name());
  EXPECT_EQ(event.envelope.source, ComplianceCoreOptions().event_source);
  EXPECT_EQ(event.envelope.time, kStart);
  EXPECT_EQ(event.envelope.traceparent, trace.ToTraceparent());
  EXPECT_THAT(events::ValidateEnvelope(event.envelope), IsOk());
  v1::ComplianceDecisionEvent payload;
  ASSERT_TRUE(payload.ParseFromString(event.payload));
  EXPECT_EQ(payload.decision().decision_id(), decision.decision_id());
  EXPECT_EQ(payload.decision().audit_index(), decision.audit_index()) << "the index merged in";
  EXPECT_EQ(payload.decision().verdict(), decision.verdict());
  EXPECT_TRUE(payload.request().contact_point().value().empty()) << "no personal data";
}

TEST_F(DecisionFeedTest, ProgressMovesPastPublishedDecisionsAndOtherEntries) {
  const uint64_t first = Progress();
  const v1::ContactDecision a = Check("check-a");
  Consume("c-2");
  const v1::ContactDecision b = Check("check-b");
  Consume("c-3");
  ASSERT_THAT(feed().PendingCount(),
              IsOkAndHolds(static_cast<int64_t>(env_->core().audit_size() - first)));

  const std::vector<store::OutboxRecord> records = Fetch(100);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].event.envelope.id, a.decision_id());
  EXPECT_EQ(records[1].event.envelope.id, b.decision_id());
  EXPECT_EQ(Progress(), first) << "fetching publishes nothing";
  Mark(records);
  // Past the consumed event after the last decision too: it was examined.
  EXPECT_EQ(Progress(), env_->core().audit_size());
  EXPECT_THAT(feed().PendingCount(), IsOkAndHolds(0));
  EXPECT_TRUE(Fetch(100).empty());
}

TEST_F(DecisionFeedTest, AFullFetchStopsAtItsLastRecord) {
  const v1::ContactDecision a = Check("check-a");
  const v1::ContactDecision b = Check("check-b");
  const v1::ContactDecision c = Check("check-c");
  std::vector<store::OutboxRecord> records = Fetch(2);
  ASSERT_EQ(records.size(), 2u);
  Mark(records);
  EXPECT_EQ(Progress(), b.audit_index() + 1);
  records = Fetch(2);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].event.envelope.id, c.decision_id());
}

TEST_F(DecisionFeedTest, EntriesWithoutDecisionsAreSkippedAtOnce) {
  Consume("c-2");
  Consume("c-3");
  EXPECT_TRUE(Fetch(100).empty());
  EXPECT_EQ(Progress(), env_->core().audit_size());
  EXPECT_THAT(feed().PendingCount(), IsOkAndHolds(0));
}

TEST_F(DecisionFeedTest, ProgressIsNeverMovedBack) {
  Check("check-a");
  const std::vector<store::OutboxRecord> records = Fetch(100);
  Mark(records);
  const uint64_t progress = Progress();
  ASSERT_THAT(feed().MarkPublished({{0, "old"}}), IsOk());
  EXPECT_EQ(Progress(), progress);
  EXPECT_THAT(feed().MarkPublished({{-1, "bad"}}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(DecisionFeedTest, ARestartResumesWhereThePublishedOnesEnd) {
  const v1::ContactDecision a = Check("check-a");
  Mark(Fetch(100));
  const v1::ContactDecision b = Check("check-b");
  ASSERT_THAT(env_->Reopen(), IsOk());
  const std::vector<store::OutboxRecord> records = Fetch(100);
  ASSERT_EQ(records.size(), 1u) << "only what was not marked";
  EXPECT_EQ(records[0].event.envelope.id, b.decision_id());
}

TEST_F(DecisionFeedTest, AnUnreadableDecisionIsSkippedNotStuckOn) {
  const v1::ContactDecision a = Check("check-a");
  const v1::ContactDecision b = Check("check-b");
  ASSERT_THAT(env_->db().InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, env_->db().Unwrap(txn));
    ARREARS_ASSIGN_OR_RETURN(
        store::SqliteStatement damage,
        sqlite->Prepare("UPDATE audit_entries SET leaf_data = x'ffff' WHERE idx = ?1"));
    damage.BindInt64(1, static_cast<int64_t>(a.audit_index()));
    return damage.Run();
  }),
              IsOk());
  ASSERT_EQ(Fetch(100).size(), 1u);
  // Fetched again (as after a failed publish): still one skipped entry.
  const std::vector<store::OutboxRecord> records = Fetch(100);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].event.envelope.id, b.decision_id());
  EXPECT_EQ(feed().skipped(), 1);
  Mark(records);
  EXPECT_EQ(Progress(), env_->core().audit_size());
}

// A database that ran the outbox before the feed existed: its decisions were
// enqueued there, so the feed starts after them.
TEST(DecisionFeedMigrationTest, StartsAtTheLogSizeWhenAdded) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ComplianceTestEnv> env, ComplianceTestEnv::Create(kStart));
  ASSERT_THAT(env->Consume(CustomerTopic(), kCn, ContactData(kCn, "CN", kShanghai), "c-1"), IsOk());
  ASSERT_THAT(env->core().CheckContact(CallRequest(kCn, kStart, "check-a")), IsOk());
  const uint64_t size = env->core().audit_size();
  ASSERT_GT(size, 1u);
  // Undo the feed's migration, as if the database predated it.
  const int version = ComplianceMigrations().back().version;
  ASSERT_THAT(env->db().InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, env->db().Unwrap(txn));
    ARREARS_RETURN_IF_ERROR(sqlite->Execute("DROP TABLE compliance_decision_feed"));
    ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement forget,
                             sqlite->Prepare("DELETE FROM schema_migrations WHERE version = ?1"));
    forget.BindInt64(1, version);
    return forget.Run();
  }),
              IsOk());
  std::vector<store::Migration> migrations = store::CoreMigrations();
  for (store::Migration& m : ComplianceMigrations()) migrations.push_back(std::move(m));
  ASSERT_THAT(env->db().Migrate(migrations), IsOk());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DecisionFeed> feed,
                       DecisionFeed::Create(&env->db(), &env->app().audit().store(), "test"));
  EXPECT_THAT(feed->Progress(), IsOkAndHolds(size));
  EXPECT_THAT(feed->FetchUnpublished(100), IsOkAndHolds(::testing::IsEmpty()));
}

TEST(DecisionFeedCreateTest, NeedsItsProgressRow) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ComplianceTestEnv> env, ComplianceTestEnv::Create(kStart));
  ASSERT_THAT(env->db().InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(store::SqliteTransaction * sqlite, env->db().Unwrap(txn));
    return sqlite->Execute("DELETE FROM compliance_decision_feed");
  }),
              IsOk());
  EXPECT_THAT(DecisionFeed::Create(&env->db(), &env->app().audit().store(), "test"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(DecisionFeed::Create(nullptr, &env->app().audit().store(), "test"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace arrears::compliance::service
