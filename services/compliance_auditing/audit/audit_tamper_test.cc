// Tampering with the stored log, and how each kind is caught: by Verify, by
// the log refusing to open, by proof verification against a checkpoint held
// outside the service. Every test runs on the fake (through its hooks) and
// on SQLite (through raw SQL on the database file).
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status/status_matchers.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/audit/audit_log.h"
#include "services/compliance_auditing/audit/in_memory_audit_store.h"
#include "services/compliance_auditing/audit/proof_proto.h"
#include "services/compliance_auditing/audit/testing/audit_test_env.h"

namespace arrears::compliance::audit {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Optional;

constexpr int kEntries = 20;

AuditAppend Decision(int i) {
  AuditAppend append;
  append.record.set_kind(v1::AUDIT_RECORD_KIND_DECISION);
  append.record.set_customer_id(absl::StrCat("cust-", i % 3));
  append.record.add_loan_ids(absl::StrCat("loan-", i % 4));
  append.record.set_source_id(absl::StrCat("decision-", i));
  if (i % 2 == 0) {
    append.record.set_payload_type("arrears.customer.v1.PersonName");
    append.personal_payload = absl::StrCat("name of ", i);
  }
  return append;
}

class AuditTamperTest : public ::testing::TestWithParam<AuditBackend> {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(env_, AuditTestEnv::Create(GetParam(), &clock_));
    for (int i = 0; i < kEntries; ++i) ASSERT_THAT(log().Append(Decision(i)), IsOk());
    // The checkpoint the regulator (or a monitor) keeps outside the service.
    ASSERT_OK_AND_ASSIGN(trusted_, log().Checkpoint());
    ASSERT_OK_AND_ASSIGN(const VerifyReport clean, log().Verify({0, trusted_}));
    ASSERT_TRUE(clean.ok) << clean.problem;
  }

  AuditLog& log() { return env_->log(); }

  VerifyReport VerifyAgainstTrusted() {
    absl::StatusOr<VerifyReport> report = log().Verify({0, trusted_});
    EXPECT_THAT(report, IsOk());
    return report.ok() ? *report : VerifyReport();
  }

  FakeClock clock_;
  std::unique_ptr<AuditTestEnv> env_;
  v1::SignedCheckpoint trusted_;
};

TEST_P(AuditTamperTest, AFlippedByteInAStoredEntryIsReportedAtItsIndex) {
  ASSERT_THAT(env_->FlipLeafDataByte(13, 5), IsOk());
  const VerifyReport report = VerifyAgainstTrusted();
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.first_bad_index, Optional(13u));
  EXPECT_THAT(report.problem, HasSubstr("entry 13"));
  EXPECT_EQ(report.entries_verified, 13u);
  // The entry as now served no longer proves against the trusted checkpoint.
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry entry, log().GetEntry(13));
  ASSERT_OK_AND_ASSIGN(const v1::InclusionProof proof, log().InclusionProof(13, kEntries));
  EXPECT_THAT(log().verifier().VerifyIncluded(trusted_, entry.leaf_data(), proof),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_P(AuditTamperTest, AnEntryRewrittenWithAMatchingLeafHashIsCaughtByTheTree) {
  // The attacker fixes the stored leaf hash too; the stored subtree over
  // leaves 12..13 no longer matches.
  ASSERT_OK_AND_ASSIGN(v1::AuditEntry entry, log().GetEntry(13));
  v1::AuditRecord record = entry.record();
  record.set_source_id("a decision that never happened");
  ASSERT_THAT(env_->ReplaceLeafData(13, record.SerializeAsString()), IsOk());
  const VerifyReport report = VerifyAgainstTrusted();
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.first_bad_index, Optional(12u));
  EXPECT_THAT(report.problem, HasSubstr("level 1, index 6"));
  ASSERT_OK_AND_ASSIGN(entry, log().GetEntry(13));
  ASSERT_OK_AND_ASSIGN(const v1::InclusionProof proof, log().InclusionProof(13, kEntries));
  EXPECT_THAT(log().verifier().VerifyIncluded(trusted_, entry.leaf_data(), proof),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_P(AuditTamperTest, AnAlteredQueryColumnIsReported) {
  // Hiding entry 7 from its debtor's queries without touching the leaf.
  ASSERT_THAT(env_->ChangeCustomerColumn(7, "someone-else"), IsOk());
  const VerifyReport report = VerifyAgainstTrusted();
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.first_bad_index, Optional(7u));
  EXPECT_THAT(report.problem, HasSubstr("query columns"));
}

TEST_P(AuditTamperTest, AnAlteredStoredNodeIsReportedAndItsProofsFail) {
  ASSERT_THAT(env_->FlipNodeByte(NodeId{2, 1}), IsOk());
  const VerifyReport report = VerifyAgainstTrusted();
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.first_bad_index, Optional(4u));
  EXPECT_THAT(report.problem, HasSubstr("level 2, index 1"));
  // Proofs built from the altered node fail against the trusted root.
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry entry, log().GetEntry(1));
  ASSERT_OK_AND_ASSIGN(const v1::InclusionProof proof, log().InclusionProof(1, kEntries));
  EXPECT_THAT(log().verifier().VerifyIncluded(trusted_, entry.leaf_data(), proof),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST_P(AuditTamperTest, AnAlteredNodeOfAnInclusionProofFailsVerification) {
  for (uint64_t index : {0u, 7u, 13u, 19u}) {
    ASSERT_OK_AND_ASSIGN(const v1::AuditEntry entry, log().GetEntry(index));
    ASSERT_OK_AND_ASSIGN(const v1::InclusionProof proof, log().InclusionProof(index, kEntries));
    ASSERT_THAT(log().verifier().VerifyIncluded(trusted_, entry.leaf_data(), proof), IsOk());
    for (int node = 0; node < proof.hashes_size(); ++node) {
      v1::InclusionProof altered = proof;
      altered.mutable_hashes(node)->at(node) ^= 0x20;
      EXPECT_THAT(log().verifier().VerifyIncluded(trusted_, entry.leaf_data(), altered),
                  StatusIs(absl::StatusCode::kDataLoss))
          << "entry " << index << " node " << node;
    }
    // A proof that claims another root is not taken at its word.
    v1::InclusionProof other_root = proof;
    other_root.mutable_root_hash()->at(0) ^= 1;
    EXPECT_THAT(log().verifier().VerifyIncluded(trusted_, entry.leaf_data(), other_root),
                StatusIs(absl::StatusCode::kDataLoss));
  }
}

TEST_P(AuditTamperTest, DeletingTheLastEntryAfterACheckpointIsDetected) {
  ASSERT_THAT(env_->DeleteEntry(kEntries - 1), IsOk());
  // The running log reports the missing entry.
  VerifyReport report = VerifyAgainstTrusted();
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.first_bad_index, Optional(kEntries - 1u));
  EXPECT_THAT(report.problem, HasSubstr("missing"));
  EXPECT_FALSE(report.checkpoint_matches);

  // A restarted service refuses to extend the truncated log...
  EXPECT_THAT(env_->ReopenLog({}),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("entries were removed")));
  // ...and an operator tool that opens it anyway sees the same.
  AuditLogOptions tool;
  tool.check_latest_checkpoint_on_open = false;
  ASSERT_THAT(env_->ReopenLog(tool), IsOk());
  report = VerifyAgainstTrusted();
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.first_bad_index, Optional(kEntries - 1u));

  // Deleting the stored checkpoints too leaves the trusted copy outside.
  ASSERT_THAT(env_->DeleteCheckpoints(), IsOk());
  ASSERT_THAT(env_->ReopenLog({}), IsOk());
  report = VerifyAgainstTrusted();
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.first_bad_index, Optional(kEntries - 1u));
  EXPECT_THAT(report.problem, HasSubstr("truncated"));
  EXPECT_FALSE(report.checkpoint_matches);
  // And the log's fresh checkpoint does not extend the trusted one.
  ASSERT_OK_AND_ASSIGN(const v1::SignedCheckpoint current, log().Checkpoint());
  EXPECT_THAT(log().verifier().VerifyExtends(trusted_, current, {}),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("truncated")));
}

TEST_P(AuditTamperTest, DeletingAnEntryInTheMiddleIsReportedAtItsIndex) {
  ASSERT_THAT(env_->DeleteEntry(5), IsOk());
  const VerifyReport report = VerifyAgainstTrusted();
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.first_bad_index, Optional(5u));
}

TEST_P(AuditTamperTest, AForkedLogCannotProveConsistencyWithATrustedCheckpoint) {
  // The operator (who holds the signing key) rebuilds the log from entry 8 on
  // with different history, then keeps appending; its checkpoints are validly
  // signed.
  InMemoryAuditStore forked_store;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> forked,
                       AuditLog::Create(&forked_store, &env_->keys(), &env_->signer(), &clock_));
  for (int i = 0; i < kEntries + 5; ++i) {
    AuditAppend append = Decision(i);
    if (i == 8) append.record.set_source_id("rewritten");
    ASSERT_THAT(forked->Append(append), IsOk());
  }
  ASSERT_OK_AND_ASSIGN(const v1::SignedCheckpoint forked_checkpoint, forked->Checkpoint());
  ASSERT_THAT(log().verifier().VerifySignature(forked_checkpoint), IsOk());
  ASSERT_OK_AND_ASSIGN(const v1::ConsistencyProof proof,
                       forked->ConsistencyProof(kEntries, kEntries + 5));
  EXPECT_THAT(log().verifier().VerifyExtends(trusted_, forked_checkpoint, proof),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("forked")));
  // Hand-made proofs fail too: the honest log's proof does not fit the forked
  // root.
  ASSERT_THAT(
      log().AppendBatch({Decision(20), Decision(21), Decision(22), Decision(23), Decision(24)}),
      IsOk());
  ASSERT_OK_AND_ASSIGN(const v1::ConsistencyProof honest_proof,
                       log().ConsistencyProof(kEntries, kEntries + 5));
  EXPECT_THAT(log().verifier().VerifyExtends(trusted_, forked_checkpoint, honest_proof),
              StatusIs(absl::StatusCode::kDataLoss));
  ASSERT_OK_AND_ASSIGN(const v1::SignedCheckpoint honest_checkpoint, log().Checkpoint());
  EXPECT_THAT(log().verifier().VerifyExtends(trusted_, honest_checkpoint, honest_proof), IsOk());

  // The forked log's own Verify is internally consistent but not with the
  // trusted checkpoint.
  ASSERT_OK_AND_ASSIGN(const VerifyReport report, forked->Verify({0, trusted_}));
  EXPECT_FALSE(report.ok);
  EXPECT_FALSE(report.checkpoint_matches);
  EXPECT_THAT(report.problem, HasSubstr("trusted checkpoint"));
}

TEST_P(AuditTamperTest, AForgedStoredCheckpointIsReported) {
  ASSERT_THAT(env_->DeleteCheckpoints(), IsOk());
  v1::SignedCheckpoint forged = trusted_;
  forged.mutable_signature()->at(3) ^= 1;
  ASSERT_THAT(env_->store().AddCheckpoint(forged), IsOk());
  ASSERT_OK_AND_ASSIGN(const VerifyReport report, log().Verify());
  EXPECT_FALSE(report.ok);
  EXPECT_THAT(report.problem, HasSubstr("not validly signed"));
  EXPECT_THAT(env_->ReopenLog({}), StatusIs(absl::StatusCode::kDataLoss));
}

TEST_P(AuditTamperTest, ATrustedCheckpointFromAnotherKeyIsRejected) {
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey other_key, Ed25519PrivateKey::Generate());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<CheckpointSigner> other,
                       CheckpointSigner::Create("compliance-test", other_key, &clock_));
  ASSERT_OK_AND_ASSIGN(const v1::SignedCheckpoint foreign, other->Sign(kEntries, log().root()));
  ASSERT_OK_AND_ASSIGN(const VerifyReport report, log().Verify({0, foreign}));
  EXPECT_FALSE(report.ok);
  EXPECT_FALSE(report.checkpoint_matches);
  EXPECT_THAT(report.problem, HasSubstr("trusted checkpoint"));
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditTamperTest,
                         ::testing::Values(AuditBackend::kInMemory, AuditBackend::kSqlite),
                         [](const ::testing::TestParamInfo<AuditBackend>& info) {
                           return AuditBackendName(info.param);
                         });

}  // namespace
}  // namespace arrears::compliance::audit
