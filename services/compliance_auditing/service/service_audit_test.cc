#include "services/compliance_auditing/service/service_audit.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/service/testing/compliance_test_env.h"

namespace arrears::compliance::service {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

audit::AuditAppend Record(absl::string_view source_id) {
  audit::AuditAppend append;
  append.record.set_kind(v1::AUDIT_RECORD_KIND_CONTACT_EVENT);
  append.record.set_customer_id("cust-1");
  append.record.add_loan_ids("loan-1");
  append.record.set_source_id(std::string(source_id));
  return append;
}

class ServiceAuditStagingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(env_, testing::ComplianceTestEnv::Create(absl::FromCivil(
                                   absl::CivilSecond(2026, 3, 2, 10, 0, 0), absl::UTCTimeZone())));
  }
  ServiceAudit& audit() { return env_->app().audit(); }

  // The source ids of the committed entries, in index order.
  std::vector<std::string> SourceIds() {
    std::vector<std::string> ids;
    for (uint64_t i = 0; i < audit().log().size(); ++i) {
      absl::StatusOr<v1::AuditEntry> entry = audit().log().GetEntry(i);
      EXPECT_THAT(entry.status(), IsOk());
      if (entry.ok()) ids.push_back(entry->record().source_id());
    }
    return ids;
  }

  // Runs `body` in a transaction with staging open, as a commit group does:
  // BeginStaging, the body, WriteStaged if the body succeeded, EndStaging.
  absl::Status InStagingTransaction(absl::FunctionRef<absl::Status(store::Transaction&)> body) {
    return env_->db().InTransaction([&](store::Transaction& txn) -> absl::Status {
      audit().BeginStaging();
      absl::Status status = body(txn);
      if (status.ok()) status = audit().WriteStaged(txn);
      audit().EndStaging();
      return status;
    });
  }

  void ExpectLogVerifies() {
    ASSERT_OK_AND_ASSIGN(const audit::VerifyReport report, audit().log().Verify());
    EXPECT_TRUE(report.ok) << report.problem;
  }

  std::unique_ptr<testing::ComplianceTestEnv> env_;
};

TEST_F(ServiceAuditStagingTest, StagedRecordsGetTheirIndicesAtOnceAndAreWrittenTogether) {
  const uint64_t start = audit().log().size();
  const audit::AuditAppend a = Record("a"), b = Record("b"), c = Record("c");
  ASSERT_THAT(InStagingTransaction([&](store::Transaction& txn) -> absl::Status {
                EXPECT_THAT(audit().Stage(txn, a), IsOkAndHolds(start));
                EXPECT_THAT(audit().Stage(txn, b), IsOkAndHolds(start + 1));
                EXPECT_THAT(audit().Stage(txn, c), IsOkAndHolds(start + 2));
                return absl::OkStatus();
              }),
              IsOk());
  EXPECT_EQ(audit().log().size(), start + 3);
  EXPECT_THAT(SourceIds(), ElementsAre("a", "b", "c"));
  ExpectLogVerifies();
}

TEST_F(ServiceAuditStagingTest, ADirectAppendWritesTheStagedRecordsFirst) {
  const audit::AuditAppend a = Record("a"), direct = Record("direct"), b = Record("b");
  ASSERT_THAT(InStagingTransaction([&](store::Transaction& txn) -> absl::Status {
                EXPECT_THAT(audit().Stage(txn, a), IsOkAndHolds(uint64_t{0}));
                EXPECT_THAT(audit().Append(txn, direct), IsOkAndHolds(uint64_t{1}));
                EXPECT_THAT(audit().Stage(txn, b), IsOkAndHolds(uint64_t{2}));
                EXPECT_THAT(audit().Checkpoint(txn), IsOk()) << "covers b: written first";
                return absl::OkStatus();
              }),
              IsOk());
  EXPECT_THAT(SourceIds(), ElementsAre("a", "direct", "b"));
  ASSERT_OK_AND_ASSIGN(const std::optional<v1::SignedCheckpoint> latest,
                       audit().log().LatestCheckpoint());
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->size(), 3u);
  ExpectLogVerifies();
}

TEST_F(ServiceAuditStagingTest, ReadRecordSeesStagedAndStoredRecords) {
  const audit::AuditAppend a = Record("a"), b = Record("b");
  ASSERT_THAT(InStagingTransaction([&](store::Transaction& txn) -> absl::Status {
                EXPECT_THAT(audit().Stage(txn, a), IsOkAndHolds(uint64_t{0}));
                EXPECT_THAT(audit().Stage(txn, b), IsOkAndHolds(uint64_t{1}));
                // Staged, not yet written: read from the staging.
                absl::StatusOr<v1::AuditRecord> staged = audit().ReadRecord(txn, 1);
                EXPECT_THAT(staged, IsOk());
                if (staged.ok()) {
                  EXPECT_EQ(staged->source_id(), "b");
                }
                EXPECT_THAT(audit().ReadRecord(txn, 2), StatusIs(absl::StatusCode::kNotFound));
                return absl::OkStatus();
              }),
              IsOk());
  ASSERT_THAT(env_->db().InTransaction([&](store::Transaction& txn) -> absl::Status {
    absl::StatusOr<v1::AuditRecord> stored = audit().ReadRecord(txn, 0);
    EXPECT_THAT(stored, IsOk());
    if (stored.ok()) {
      EXPECT_EQ(stored->source_id(), "a");
      EXPECT_EQ(stored->payload(), a.record.payload());
    }
    EXPECT_THAT(audit().ReadRecord(txn, 2), StatusIs(absl::StatusCode::kNotFound));
    return absl::OkStatus();
  }),
              IsOk());
}

TEST_F(ServiceAuditStagingTest, ReadRecordReportsAStoredEntryThatIsNoRecord) {
  const audit::AuditAppend a = Record("a");
  ASSERT_THAT(env_->db().InTransaction([&](store::Transaction& txn) -> absl::Status {
    return audit().Stage(txn, a).status();
  }),
              IsOk());
  // Bytes that do not parse as an AuditRecord (a truncated length prefix).
  ASSERT_THAT(
      env_->db().InSqliteTransaction(
          store::SqliteTransactionMode::kImmediate,
          [](store::SqliteTransaction& txn) {
            return txn.Execute("UPDATE audit_entries SET leaf_data = x'0a05' WHERE idx = 0");
          }),
      IsOk());
  ASSERT_THAT(env_->db().InTransaction([&](store::Transaction& txn) -> absl::Status {
    EXPECT_THAT(audit().ReadRecord(txn, 0),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("audit entry 0")));
    return absl::OkStatus();
  }),
              IsOk());
}

TEST_F(ServiceAuditStagingTest, WithoutStagingOpenStageAppendsAtOnce) {
  const audit::AuditAppend a = Record("a");
  ASSERT_THAT(env_->db().InTransaction([&](store::Transaction& txn) -> absl::Status {
    EXPECT_THAT(audit().Stage(txn, a), IsOkAndHolds(uint64_t{0}));
    return absl::OkStatus();
  }),
              IsOk());
  EXPECT_THAT(SourceIds(), ElementsAre("a"));
}

TEST_F(ServiceAuditStagingTest, ARolledBackStagingLeavesNothingAndTheNextAppendReusesTheIndex) {
  const audit::AuditAppend lost = Record("lost"), kept = Record("kept");
  // Written, then rolled back with the transaction.
  EXPECT_THAT(InStagingTransaction([&](store::Transaction& txn) -> absl::Status {
                EXPECT_THAT(audit().Stage(txn, lost), IsOkAndHolds(uint64_t{0}));
                EXPECT_THAT(audit().WriteStaged(txn), IsOk());
                return absl::AbortedError("a later unit failed");
              }),
              StatusIs(absl::StatusCode::kAborted));
  // Staged but never written, then dropped.
  EXPECT_THAT(InStagingTransaction([&](store::Transaction& txn) -> absl::Status {
                EXPECT_THAT(audit().Stage(txn, lost), IsOkAndHolds(uint64_t{0}));
                return absl::AbortedError("failed before the write");
              }),
              StatusIs(absl::StatusCode::kAborted));
  ASSERT_THAT(InStagingTransaction([&](store::Transaction& txn) -> absl::Status {
                EXPECT_THAT(audit().Stage(txn, kept), IsOkAndHolds(uint64_t{0}));
                return absl::OkStatus();
              }),
              IsOk());
  EXPECT_THAT(SourceIds(), ElementsAre("kept"));
  ExpectLogVerifies();
}

TEST_F(ServiceAuditStagingTest, AnInvalidRecordFailsItsStageAlone) {
  audit::AuditAppend invalid = Record("bad");
  invalid.record.set_kind(v1::AUDIT_RECORD_KIND_UNSPECIFIED);
  const audit::AuditAppend good = Record("good");
  ASSERT_THAT(InStagingTransaction([&](store::Transaction& txn) -> absl::Status {
                EXPECT_THAT(audit().Stage(txn, invalid),
                            StatusIs(absl::StatusCode::kInvalidArgument));
                EXPECT_THAT(audit().Stage(txn, good), IsOkAndHolds(uint64_t{0}));
                return absl::OkStatus();
              }),
              IsOk());
  EXPECT_THAT(SourceIds(), ElementsAre("good"));
}

TEST_F(ServiceAuditStagingTest, TheLogMovingUnderStagedRecordsFailsTheWrite) {
  const audit::AuditAppend staged = Record("staged"), behind_its_back = Record("other");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<audit::SqliteAuditStore> other_store,
                       audit::SqliteAuditStore::Create(&env_->db()));
  EXPECT_THAT(InStagingTransaction([&](store::Transaction& txn) -> absl::Status {
                EXPECT_THAT(audit().Stage(txn, staged), IsOkAndHolds(uint64_t{0}));
                // An append that bypasses this object, in the same transaction.
                ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditStore> view,
                                         other_store->InTransaction(txn));
                EXPECT_THAT(
                    audit().log().AppendWithin(*view, absl::MakeConstSpan(&behind_its_back, 1)),
                    IsOkAndHolds(uint64_t{0}));
                return absl::OkStatus();
              }),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(audit().log().GetEntry(0).status(), StatusIs(absl::StatusCode::kNotFound))
      << "nothing of the transaction committed";
}

}  // namespace
}  // namespace arrears::compliance::service
