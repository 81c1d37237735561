#include "services/compliance_auditing/audit/checkpoint.h"

#include <sys/stat.h>

#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/audit/merkle.h"
#include "services/compliance_auditing/audit/proof_proto.h"
#include "services/compliance_auditing/audit/secret_file.h"
#include "services/compliance_auditing/audit/testing/memory_tree.h"

namespace arrears::compliance::audit {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

constexpr absl::string_view kLogId = "compliance-test";

class CheckpointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey key, Ed25519PrivateKey::Generate());
    ASSERT_OK_AND_ASSIGN(signer_, CheckpointSigner::Create(std::string(kLogId), key, &clock_));
    ASSERT_OK_AND_ASSIGN(verifier_,
                         CheckpointVerifier::Create(std::string(kLogId), signer_->public_key()));
  }

  // Appends `count` leaves and signs the result.
  v1::SignedCheckpoint GrowAndSign(MemoryTree& tree, int count, absl::string_view prefix = "e") {
    for (int i = 0; i < count; ++i) tree.AppendLeaf(absl::StrCat(prefix, tree.size()));
    clock_.Advance(absl::Seconds(1));
    absl::StatusOr<v1::SignedCheckpoint> checkpoint = signer_->Sign(tree.size(), tree.Root());
    EXPECT_THAT(checkpoint, IsOk());
    return checkpoint.ok() ? *checkpoint : v1::SignedCheckpoint();
  }

  v1::ConsistencyProof Proof(MemoryTree& tree, uint64_t first, uint64_t second) {
    absl::StatusOr<std::vector<Sha256Hash>> hashes = BuildConsistencyProof(first, second, tree);
    EXPECT_THAT(hashes, IsOk());
    absl::StatusOr<Sha256Hash> first_root = TreeHash(first, tree);
    absl::StatusOr<Sha256Hash> second_root = TreeHash(second, tree);
    if (!hashes.ok() || !first_root.ok() || !second_root.ok()) return {};
    return MakeConsistencyProofProto(first, second, *hashes, *first_root, *second_root);
  }

  FakeClock clock_{absl::FromUnixNanos(1'767'225'600'123'456'000)};
  std::unique_ptr<CheckpointSigner> signer_;
  std::optional<CheckpointVerifier> verifier_;
};

TEST_F(CheckpointTest, SignedBytesAreExactlyTheDocumentedText) {
  v1::SignedCheckpoint checkpoint;
  checkpoint.set_log_id("compliance-prod");
  checkpoint.set_size(8);
  checkpoint.set_root_hash(
      absl::HexStringToBytes("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"));
  checkpoint.mutable_timestamp()->set_seconds(1'767'225'600);
  checkpoint.mutable_timestamp()->set_nanos(5);
  EXPECT_THAT(
      CheckpointSignedBytes(checkpoint),
      IsOkAndHolds(std::string("arrears-audit-checkpoint/v1\n"
                               "compliance-prod\n"
                               "8\n"
                               "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328\n"
                               "1767225600000000005\n")));
}

TEST_F(CheckpointTest, SignsWithTheClockAndVerifies) {
  MemoryTree tree;
  const v1::SignedCheckpoint checkpoint = GrowAndSign(tree, 5);
  EXPECT_EQ(checkpoint.log_id(), kLogId);
  EXPECT_EQ(checkpoint.size(), 5u);
  EXPECT_EQ(checkpoint.root_hash(), tree.Root().ToString());
  EXPECT_EQ(checkpoint.timestamp().seconds(), 1'767'225'601);
  EXPECT_EQ(checkpoint.signature().size(), kEd25519SignatureSize);
  EXPECT_THAT(checkpoint.key_id(), MatchesRegex("[0-9a-f]{16}"));
  EXPECT_EQ(checkpoint.key_id(),
            absl::BytesToHexString(Sha256(signer_->public_key().raw()).view().substr(0, 8)));
  EXPECT_THAT(verifier_->VerifySignature(checkpoint), IsOk());

  // The signature is a plain Ed25519 signature of the documented bytes.
  ASSERT_OK_AND_ASSIGN(const std::string signed_bytes, CheckpointSignedBytes(checkpoint));
  EXPECT_THAT(signer_->public_key().Verify(signed_bytes, checkpoint.signature()), IsOk());
}

TEST_F(CheckpointTest, AnyAlteredFieldBreaksTheSignature) {
  MemoryTree tree;
  const v1::SignedCheckpoint good = GrowAndSign(tree, 3);
  std::vector<v1::SignedCheckpoint> altered(4, good);
  altered[0].set_size(good.size() + 1);
  altered[1].mutable_root_hash()->at(0) ^= 1;
  altered[2].mutable_timestamp()->set_nanos(good.timestamp().nanos() + 1);
  altered[3].mutable_signature()->at(10) ^= 1;
  for (const v1::SignedCheckpoint& checkpoint : altered) {
    EXPECT_THAT(verifier_->VerifySignature(checkpoint),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
  v1::SignedCheckpoint other_log = good;
  other_log.set_log_id("another-log");
  EXPECT_THAT(verifier_->VerifySignature(other_log),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("another-log")));
  v1::SignedCheckpoint bad_root = good;
  bad_root.set_root_hash("short");
  EXPECT_THAT(verifier_->VerifySignature(bad_root),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("root_hash")));
}

TEST_F(CheckpointTest, AnotherKeysSignatureIsRejectedEvenWithTheRightKeyId) {
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey intruder_key, Ed25519PrivateKey::Generate());
  ASSERT_OK_AND_ASSIGN(auto intruder,
                       CheckpointSigner::Create(std::string(kLogId), intruder_key, &clock_));
  MemoryTree tree;
  tree.AppendLeaf("x");
  ASSERT_OK_AND_ASSIGN(v1::SignedCheckpoint forged, intruder->Sign(tree.size(), tree.Root()));
  EXPECT_THAT(verifier_->VerifySignature(forged),
              StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("key_id")));
  forged.set_key_id(signer_->public_key().KeyId());
  EXPECT_THAT(verifier_->VerifySignature(forged), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(CheckpointTest, AGrowingLogExtendsTheTrustedCheckpoint) {
  MemoryTree tree;
  const v1::SignedCheckpoint trusted = GrowAndSign(tree, 7);
  const v1::SignedCheckpoint same = GrowAndSign(tree, 0);
  EXPECT_THAT(verifier_->VerifyExtends(trusted, same, {}), IsOk());
  const v1::SignedCheckpoint newer = GrowAndSign(tree, 13);
  EXPECT_THAT(verifier_->VerifyExtends(trusted, newer, Proof(tree, 7, 20)), IsOk());
  // A proof for other sizes is refused, not silently accepted.
  EXPECT_THAT(verifier_->VerifyExtends(trusted, newer, Proof(tree, 6, 20)),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(CheckpointTest, DetectsATruncatedLog) {
  MemoryTree tree;
  const v1::SignedCheckpoint early = GrowAndSign(tree, 9);
  const v1::SignedCheckpoint trusted = GrowAndSign(tree, 1);
  // The operator re-signs the tree without its last entry.
  ASSERT_OK_AND_ASSIGN(const Sha256Hash truncated_root, TreeHash(9, tree));
  ASSERT_OK_AND_ASSIGN(const v1::SignedCheckpoint truncated, signer_->Sign(9, truncated_root));
  EXPECT_THAT(verifier_->VerifyExtends(trusted, truncated, {}),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("truncated")));
  EXPECT_THAT(verifier_->VerifyExtends(early, truncated, {}), IsOk());
}

TEST_F(CheckpointTest, DetectsAForkedLog) {
  MemoryTree honest;
  MemoryTree forked;
  const v1::SignedCheckpoint trusted = GrowAndSign(honest, 6);
  GrowAndSign(forked, 4);
  // The fork rewrites history from entry 4 on and keeps growing.
  const v1::SignedCheckpoint forked_same_size = GrowAndSign(forked, 2, "rewritten");
  EXPECT_THAT(verifier_->VerifyExtends(trusted, forked_same_size, {}),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("forked")));
  const v1::SignedCheckpoint forked_newer = GrowAndSign(forked, 5);
  // Whatever proof the forked log produces, it cannot lead to the trusted root.
  const v1::ConsistencyProof proof = Proof(forked, 6, 11);
  EXPECT_THAT(verifier_->VerifyExtends(trusted, forked_newer, proof),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("forked")));
  // And the honest log's proof does not fit the forked root either.
  const v1::SignedCheckpoint honest_newer = GrowAndSign(honest, 5);
  v1::ConsistencyProof mixed = Proof(honest, 6, 11);
  mixed.set_second_root_hash(forked_newer.root_hash());
  EXPECT_THAT(verifier_->VerifyExtends(trusted, forked_newer, mixed),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(verifier_->VerifyExtends(trusted, honest_newer, Proof(honest, 6, 11)), IsOk());
}

TEST_F(CheckpointTest, VerifiesAnEntryAgainstACheckpoint) {
  MemoryTree tree;
  const v1::SignedCheckpoint checkpoint = GrowAndSign(tree, 10);
  ASSERT_OK_AND_ASSIGN(const std::vector<Sha256Hash> path, BuildInclusionProof(4, 10, tree));
  const v1::InclusionProof proof =
      MakeInclusionProofProto(4, 10, HashLeaf("e4"), path, tree.Root());
  EXPECT_THAT(verifier_->VerifyIncluded(checkpoint, "e4", proof), IsOk());
  EXPECT_THAT(verifier_->VerifyIncluded(checkpoint, "e5", proof),
              StatusIs(absl::StatusCode::kDataLoss));
  v1::InclusionProof altered = proof;
  altered.mutable_hashes(1)->at(3) ^= 0x40;
  EXPECT_THAT(verifier_->VerifyIncluded(checkpoint, "e4", altered),
              StatusIs(absl::StatusCode::kDataLoss));
}

TEST(Ed25519Test, VerifiesTheRfc8032TestVector) {
  // RFC 8032 section 7.1, TEST 1 (empty message).
  ASSERT_OK_AND_ASSIGN(const Ed25519PublicKey key,
                       Ed25519PublicKey::FromRaw(absl::HexStringToBytes(
                           "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")));
  const std::string signature = absl::HexStringToBytes(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
      "b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_THAT(key.Verify("", signature), IsOk());
  EXPECT_THAT(key.Verify("x", signature), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(key.Verify("", "short"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Ed25519Test, PemRoundTrips) {
  ASSERT_OK_AND_ASSIGN(const Ed25519PrivateKey key, Ed25519PrivateKey::Generate());
  ASSERT_OK_AND_ASSIGN(const std::string pem, key.ToPem());
  EXPECT_THAT(pem, HasSubstr("-----BEGIN PRIVATE KEY-----"));
  ASSERT_OK_AND_ASSIGN(const Ed25519PrivateKey reloaded, Ed25519PrivateKey::FromPem(pem));
  EXPECT_EQ(reloaded.public_key().raw(), key.public_key().raw());
  ASSERT_OK_AND_ASSIGN(const Ed25519PublicKey public_key,
                       Ed25519PublicKey::FromPem(key.public_key().ToPem()));
  EXPECT_EQ(public_key.KeyId(), key.public_key().KeyId());
  ASSERT_OK_AND_ASSIGN(const std::string signature, reloaded.Sign("message"));
  EXPECT_THAT(public_key.Verify("message", signature), IsOk());
  EXPECT_THAT(Ed25519PrivateKey::FromPem("not a key"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Ed25519PublicKey::FromPem(pem), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(Ed25519Test, EmbeddedDefaultKeyIsGeneratedOnceWithOwnerOnlyPermissions) {
  ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
  const std::string path = dir.File("checkpoint-key.pem");
  ASSERT_OK_AND_ASSIGN(const Ed25519PrivateKey first,
                       Ed25519PrivateKey::LoadOrGeneratePemFile(path));
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  ASSERT_OK_AND_ASSIGN(const Ed25519PrivateKey second,
                       Ed25519PrivateKey::LoadOrGeneratePemFile(path));
  EXPECT_EQ(second.public_key().raw(), first.public_key().raw());
  ASSERT_OK_AND_ASSIGN(const Ed25519PrivateKey loaded, Ed25519PrivateKey::LoadPemFile(path));
  EXPECT_EQ(loaded.public_key().raw(), first.public_key().raw());
  EXPECT_THAT(Ed25519PrivateKey::LoadPemFile(dir.File("missing.pem")),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(CreateSecretFile(path, "other"), StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST(CheckpointSignerTest, RejectsMalformedLogIds) {
  FakeClock clock;
  ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey key, Ed25519PrivateKey::Generate());
  EXPECT_THAT(CheckpointSigner::Create("", key, &clock),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("log_id")));
  EXPECT_THAT(CheckpointSigner::Create("two words", key, &clock),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(CheckpointSigner::Create("line\nbreak", key, &clock),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace arrears::compliance::audit
