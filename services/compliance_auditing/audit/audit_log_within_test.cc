// AuditLog::AppendWithin / CheckpointWithin: appends that commit with the
// caller's transaction, and a log that stays right when that transaction
// rolls back.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/status_matchers.h"
#include "common/store/sqlite_database.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/audit/audit_log.h"
#include "services/compliance_auditing/audit/in_memory_debtor_key_store.h"
#include "services/compliance_auditing/audit/master_key.h"
#include "services/compliance_auditing/audit/sqlite_audit_schema.h"
#include "services/compliance_auditing/audit/sqlite_audit_store.h"

namespace arrears::compliance::audit {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

AuditAppend Record(absl::string_view customer, absl::string_view source,
                   absl::string_view personal = "") {
  AuditAppend append;
  append.record.set_kind(v1::AUDIT_RECORD_KIND_CONTACT_EVENT);
  append.record.set_customer_id(std::string(customer));
  append.record.add_loan_ids("loan-1");
  append.record.set_source_id(std::string(source));
  if (!personal.empty()) {
    append.record.set_payload_type("test.Personal");
    append.personal_payload = std::string(personal);
  }
  return append;
}

class AuditLogWithinTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
    dir_ = std::make_unique<store::TempDir>(std::move(dir));
    ASSERT_OK_AND_ASSIGN(signing_key_, Ed25519PrivateKey::Generate());
    ASSERT_OK_AND_ASSIGN(MasterKey master, MasterKey::Generate());
    ASSERT_OK_AND_ASSIGN(keys_, DebtorKeys::Create(&key_store_, std::move(master), &clock_));
    ASSERT_OK_AND_ASSIGN(signer_, CheckpointSigner::Create("within-test", *signing_key_, &clock_));
    Open();
  }

  void Open() {
    log_.reset();
    store_.reset();
    db_.reset();
    store::SqliteOptions options;
    options.path = dir_->File("service.db");
    ASSERT_OK_AND_ASSIGN(db_, store::SqliteDatabase::Create(options));
    ASSERT_THAT(
        db_->Migrate(AuditLogSchemaMigrations(
            store::kFirstServiceMigrationVersion, store::kFirstServiceMigrationVersion + 1,
            store::kFirstServiceMigrationVersion + 2, store::kFirstServiceMigrationVersion + 3)),
        IsOk());
    ASSERT_OK_AND_ASSIGN(store_, SqliteAuditStore::Create(db_.get()));
    ASSERT_OK_AND_ASSIGN(log_, AuditLog::Create(store_.get(), keys_.get(), signer_.get(), &clock_));
  }

  // Appends `append` in a transaction that commits when `commit`.
  absl::StatusOr<uint64_t> AppendInTransaction(const AuditAppend& append, bool commit) {
    uint64_t index = 0;
    const absl::Status status = db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
      ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<AuditStore> view, store_->InTransaction(txn));
      ARREARS_ASSIGN_OR_RETURN(index, log_->AppendWithin(*view, absl::MakeConstSpan(&append, 1)));
      return commit ? absl::OkStatus() : absl::AbortedError("rolled back on purpose");
    });
    if (!status.ok()) return status;
    return index;
  }

  void ExpectVerifies(uint64_t entries) {
    ASSERT_OK_AND_ASSIGN(const VerifyReport report, log_->Verify());
    EXPECT_TRUE(report.ok) << report.problem;
    EXPECT_EQ(report.entries_verified, entries);
  }

  FakeClock clock_{absl::FromUnixSeconds(1'750'000'000)};
  std::unique_ptr<store::TempDir> dir_;
  std::optional<Ed25519PrivateKey> signing_key_;
  InMemoryDebtorKeyStore key_store_;
  std::unique_ptr<DebtorKeys> keys_;
  std::unique_ptr<CheckpointSigner> signer_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<SqliteAuditStore> store_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditLogWithinTest, EntriesCommitWithTheCallersTransaction) {
  EXPECT_THAT(AppendInTransaction(Record("cust-1", "ev-1", "name"), true), IsOkAndHolds(0u));
  EXPECT_THAT(AppendInTransaction(Record("cust-1", "ev-2"), true), IsOkAndHolds(1u));
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry entry, log_->GetEntry(0, true));
  EXPECT_EQ(entry.revealed_payload(), "name");
  ExpectVerifies(2);
}

TEST_F(AuditLogWithinTest, ARolledBackAppendLeavesNoTraceAndTheIndexIsReused) {
  ASSERT_THAT(AppendInTransaction(Record("cust-1", "ev-1"), true), IsOk());
  EXPECT_THAT(AppendInTransaction(Record("cust-1", "ev-2"), false),
              StatusIs(absl::StatusCode::kAborted));
  // The cache ran ahead of the store; the next append notices and reloads.
  EXPECT_THAT(AppendInTransaction(Record("cust-1", "ev-3"), true), IsOkAndHolds(1u));
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry entry, log_->GetEntry(1));
  EXPECT_EQ(entry.record().source_id(), "ev-3");
  ExpectVerifies(2);
}

TEST_F(AuditLogWithinTest, CheckpointsNeverSignARolledBackTree) {
  ASSERT_THAT(AppendInTransaction(Record("cust-1", "ev-1"), true), IsOk());
  ASSERT_THAT(AppendInTransaction(Record("cust-1", "ev-2"), false), Not(IsOk()));
  ASSERT_OK_AND_ASSIGN(const v1::SignedCheckpoint checkpoint, log_->Checkpoint());
  EXPECT_EQ(checkpoint.size(), 1u);
  ExpectVerifies(1);
  // Group-committed appends after a rolled-back one extend the stored tree.
  EXPECT_THAT(AppendInTransaction(Record("cust-1", "ev-3"), false), Not(IsOk()));
  EXPECT_THAT(log_->Append(Record("cust-1", "ev-4")), IsOkAndHolds(1u));
  ExpectVerifies(2);
}

TEST_F(AuditLogWithinTest, CheckpointWithinIsStoredOnlyIfTheTransactionCommits) {
  ASSERT_THAT(AppendInTransaction(Record("cust-1", "ev-1"), true), IsOk());
  auto checkpoint_in_transaction = [&](bool commit) {
    return db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
      ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<AuditStore> view, store_->InTransaction(txn));
      const AuditAppend append = Record("cust-2", "ev-x");
      ARREARS_RETURN_IF_ERROR(log_->AppendWithin(*view, absl::MakeConstSpan(&append, 1)).status());
      ARREARS_ASSIGN_OR_RETURN(const v1::SignedCheckpoint checkpoint,
                               log_->CheckpointWithin(*view));
      EXPECT_EQ(checkpoint.size(), log_->size());
      return commit ? absl::OkStatus() : absl::AbortedError("rolled back on purpose");
    });
  };
  ASSERT_THAT(checkpoint_in_transaction(false), Not(IsOk()));
  ASSERT_OK_AND_ASSIGN(const std::optional<v1::SignedCheckpoint> none, log_->LatestCheckpoint());
  EXPECT_FALSE(none.has_value());
  ASSERT_THAT(checkpoint_in_transaction(true), IsOk());
  ASSERT_OK_AND_ASSIGN(const std::optional<v1::SignedCheckpoint> latest, log_->LatestCheckpoint());
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->size(), 2u);
  ExpectVerifies(2);
  // A restart trusts what was stored.
  Open();
  EXPECT_EQ(log_->size(), 2u);
  ExpectVerifies(2);
}

TEST_F(AuditLogWithinTest, ManyAppendsInOneTransactionGetConsecutiveIndices) {
  ASSERT_THAT(db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<AuditStore> view, store_->InTransaction(txn));
    for (int i = 0; i < 10; ++i) {
      const AuditAppend append = Record(absl::StrCat("cust-", i % 3), absl::StrCat("ev-", i),
                                        i % 2 == 0 ? "personal" : "");
      absl::StatusOr<uint64_t> index = log_->AppendWithin(*view, absl::MakeConstSpan(&append, 1));
      if (!index.ok()) return index.status();
      EXPECT_EQ(*index, static_cast<uint64_t>(i));
    }
    return absl::OkStatus();
  }),
              IsOk());
  ExpectVerifies(10);
  ASSERT_OK_AND_ASSIGN(const v1::InclusionProof proof, log_->InclusionProof(7, 10));
  EXPECT_EQ(proof.tree_size(), 10u);
}

TEST_F(AuditLogWithinTest, ErasureWithinKeepsProofsAndHidesData) {
  ASSERT_THAT(AppendInTransaction(Record("cust-1", "ev-1", "secret"), true), IsOk());
  ASSERT_THAT(db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<AuditStore> view, store_->InTransaction(txn));
    return log_->EraseDebtorWithin(*view, "cust-1", "erasure-request-1").status();
  }),
              IsOk());
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry entry, log_->GetEntry(0, true));
  EXPECT_TRUE(entry.personal_data_erased());
  EXPECT_TRUE(entry.revealed_payload().empty());
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry erasure, log_->GetEntry(1));
  EXPECT_EQ(erasure.record().kind(), v1::AUDIT_RECORD_KIND_KEY_ERASURE);
  ExpectVerifies(2);
}

TEST_F(AuditLogWithinTest, AViewOfAnotherDatabaseIsRefused) {
  store::SqliteOptions options;
  options.path = dir_->File("other.db");
  ASSERT_OK_AND_ASSIGN(auto other, store::SqliteDatabase::Create(options));
  EXPECT_THAT(other->InTransaction(
                  [&](store::Transaction& txn) { return store_->InTransaction(txn).status(); }),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace arrears::compliance::audit
