#include "services/compliance_auditing/audit/debtor_keys.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/escaping.h"
#include "absl/time/time.h"
#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/audit/aes_gcm.h"
#include "services/compliance_auditing/audit/in_memory_debtor_key_store.h"
#include "services/compliance_auditing/audit/master_key.h"
#include "services/compliance_auditing/audit/secret_file.h"

namespace arrears::compliance::audit {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Optional;

constexpr absl::string_view kType = "arrears.customer.v1.PersonName";

MasterKey TestMasterKey(char fill) {
  absl::StatusOr<MasterKey> key = MasterKey::FromBytes(std::string(kAesKeySize, fill));
  EXPECT_THAT(key, IsOk());
  return *std::move(key);
}

class DebtorKeysTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(keys_, NewKeys(TestMasterKey('m'))); }

  absl::StatusOr<std::unique_ptr<DebtorKeys>> NewKeys(MasterKey master) {
    return DebtorKeys::Create(&store_, std::move(master), &clock_);
  }

  v1::EncryptedData Encrypt(DebtorKeys& keys, absl::string_view customer,
                            absl::string_view plaintext) {
    v1::EncryptedData data;
    EXPECT_THAT(keys.Encrypt(customer, kType, plaintext, data), IsOk());
    return data;
  }

  FakeClock clock_;
  InMemoryDebtorKeyStore store_;
  std::unique_ptr<DebtorKeys> keys_;
};

TEST_F(DebtorKeysTest, EncryptsPerDebtorAndDecrypts) {
  const v1::EncryptedData first = Encrypt(*keys_, "alice", "Alice Liddell");
  const v1::EncryptedData second = Encrypt(*keys_, "alice", "Alice Liddell");
  const v1::EncryptedData bob = Encrypt(*keys_, "bob", "Bob");
  EXPECT_EQ(first.algorithm(), "AES-256-GCM");
  EXPECT_EQ(first.nonce().size(), kAesGcmNonceSize);
  EXPECT_EQ(first.ciphertext().size(), std::string("Alice Liddell").size() + kAesGcmTagSize);
  EXPECT_THAT(first.ciphertext(), Not(HasSubstr("Alice")));
  EXPECT_EQ(first.key_id(), second.key_id());
  EXPECT_NE(first.nonce(), second.nonce());
  EXPECT_NE(first.key_id(), bob.key_id());
  EXPECT_THAT(keys_->Decrypt("alice", kType, first),
              IsOkAndHolds(Optional(std::string("Alice Liddell"))));
  EXPECT_THAT(keys_->Decrypt("bob", kType, bob), IsOkAndHolds(Optional(std::string("Bob"))));
  EXPECT_THAT(keys_->IsErased(first.key_id()), IsOkAndHolds(false));
}

TEST_F(DebtorKeysTest, CiphertextIsBoundToItsDebtorTypeAndBytes) {
  const v1::EncryptedData data = Encrypt(*keys_, "alice", "Alice Liddell");
  EXPECT_THAT(keys_->Decrypt("bob", kType, data),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("another debtor")));
  EXPECT_THAT(keys_->Decrypt("alice", "arrears.customer.v1.Phone", data),
              StatusIs(absl::StatusCode::kDataLoss));
  v1::EncryptedData altered = data;
  altered.mutable_ciphertext()->at(2) ^= 1;
  EXPECT_THAT(keys_->Decrypt("alice", kType, altered), StatusIs(absl::StatusCode::kDataLoss));
  altered = data;
  altered.set_key_id("dk-unknown");
  EXPECT_THAT(keys_->Decrypt("alice", kType, altered), StatusIs(absl::StatusCode::kNotFound));
  altered = data;
  altered.set_algorithm("ROT13");
  EXPECT_THAT(keys_->Decrypt("alice", kType, altered),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("algorithm")));
}

TEST_F(DebtorKeysTest, ErasureMakesOldDataUnreadableAndNewDataGetsANewKey) {
  const v1::EncryptedData before = Encrypt(*keys_, "alice", "Alice Liddell");
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> erased, keys_->Erase("alice"));
  EXPECT_THAT(erased, ::testing::ElementsAre(before.key_id()));
  EXPECT_THAT(keys_->Decrypt("alice", kType, before), IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(keys_->IsErased(before.key_id()), IsOkAndHolds(true));
  ASSERT_OK_AND_ASSIGN(const std::optional<DebtorKeyRecord> stored,
                       store_.FindById(before.key_id()));
  ASSERT_TRUE(stored.has_value());
  EXPECT_TRUE(stored->wrapped_key.empty());

  const v1::EncryptedData after = Encrypt(*keys_, "alice", "Alice (new address)");
  EXPECT_NE(after.key_id(), before.key_id());
  EXPECT_THAT(keys_->Decrypt("alice", kType, after),
              IsOkAndHolds(Optional(std::string("Alice (new address)"))));
  // A fresh instance (a restart) sees the same: the erasure is in the store.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DebtorKeys> restarted, NewKeys(TestMasterKey('m')));
  EXPECT_THAT(restarted->Decrypt("alice", kType, before), IsOkAndHolds(Eq(std::nullopt)));
  EXPECT_THAT(restarted->Decrypt("alice", kType, after), IsOkAndHolds(Optional(Not(""))));
}

TEST_F(DebtorKeysTest, AnErasureByAnotherProcessTakesEffectAfterTheCacheTtl) {
  const v1::EncryptedData data = Encrypt(*keys_, "alice", "Alice Liddell");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DebtorKeys> other, NewKeys(TestMasterKey('m')));
  ASSERT_THAT(other->Erase("alice"), IsOk());
  // Still cached here...
  EXPECT_THAT(keys_->Decrypt("alice", kType, data), IsOkAndHolds(Optional(Not(""))));
  clock_.Advance(DebtorKeysOptions().cache_ttl + absl::Seconds(1));
  EXPECT_THAT(keys_->Decrypt("alice", kType, data), IsOkAndHolds(Eq(std::nullopt)));
  // ...and new data is not encrypted under the erased key.
  EXPECT_NE(Encrypt(*keys_, "alice", "x").key_id(), data.key_id());
}

TEST_F(DebtorKeysTest, TwoInstancesCreatingTheSameDebtorsKeyAgreeOnOne) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DebtorKeys> other, NewKeys(TestMasterKey('m')));
  const absl::string_view customers[] = {"carol", "dave", "carol"};
  ASSERT_THAT(keys_->EnsureKeys(customers), IsOk());
  ASSERT_THAT(other->EnsureKeys(customers), IsOk());
  const v1::EncryptedData mine = Encrypt(*keys_, "carol", "Carol");
  const v1::EncryptedData theirs = Encrypt(*other, "carol", "Carol");
  EXPECT_EQ(mine.key_id(), theirs.key_id());
  EXPECT_THAT(other->Decrypt("carol", kType, mine), IsOkAndHolds(Optional(std::string("Carol"))));
  EXPECT_THAT(keys_->EnsureKeys({""}), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(DebtorKeysTest, AWrongMasterKeyIsReportedAsSuch) {
  const v1::EncryptedData data = Encrypt(*keys_, "alice", "Alice Liddell");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<DebtorKeys> wrong, NewKeys(TestMasterKey('w')));
  EXPECT_THAT(wrong->Decrypt("alice", kType, data),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("master key")));
}

TEST_F(DebtorKeysTest, ListsDebtorsWithActiveKeys) {
  for (const char* customer : {"b", "a", "c"}) Encrypt(*keys_, customer, "x");
  ASSERT_THAT(keys_->Erase("b"), IsOk());
  ASSERT_OK_AND_ASSIGN(const std::vector<ActiveDebtorKey> active, keys_->ListActive("", 10));
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0].customer_id, "a");
  EXPECT_EQ(active[1].customer_id, "c");
  EXPECT_EQ(active[0].create_time, clock_.Now());
}

TEST(MasterKeyTest, LoadsHexOrRawFilesAndGeneratesTheEmbeddedDefault) {
  ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
  const std::string generated_path = dir.File("master.key");
  ASSERT_OK_AND_ASSIGN(const MasterKey generated, MasterKey::LoadOrGenerateFile(generated_path));
  struct stat info {};
  ASSERT_EQ(::stat(generated_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600);
  ASSERT_OK_AND_ASSIGN(const std::string contents, ReadSecretFile(generated_path));
  EXPECT_EQ(contents.size(), 65u);  // 64 hex digits and a newline
  ASSERT_OK_AND_ASSIGN(const MasterKey again, MasterKey::LoadOrGenerateFile(generated_path));
  EXPECT_EQ(again.key_id(), generated.key_id());

  ASSERT_THAT(CreateSecretFile(dir.File("raw.key"), std::string(32, 'r')), IsOk());
  ASSERT_THAT(CreateSecretFile(dir.File("hex.key"),
                               "  " + absl::BytesToHexString(std::string(32, 'r')) + "\n"),
              IsOk());
  ASSERT_OK_AND_ASSIGN(const MasterKey raw, MasterKey::LoadFile(dir.File("raw.key")));
  ASSERT_OK_AND_ASSIGN(const MasterKey hex, MasterKey::LoadFile(dir.File("hex.key")));
  EXPECT_EQ(raw.key_id(), hex.key_id());
  EXPECT_NE(raw.key_id(), generated.key_id());
  ASSERT_OK_AND_ASSIGN(const std::string wrapped, raw.Wrap("secret", "context"));
  EXPECT_THAT(hex.Unwrap(wrapped, "context"), IsOkAndHolds(std::string("secret")));
  EXPECT_THAT(hex.Unwrap(wrapped, "other context"), StatusIs(absl::StatusCode::kDataLoss));

  ASSERT_THAT(CreateSecretFile(dir.File("bad.key"), "not a key"), IsOk());
  EXPECT_THAT(MasterKey::LoadFile(dir.File("bad.key")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad.key")));
  EXPECT_THAT(MasterKey::LoadFile(dir.File("missing.key")), StatusIs(absl::StatusCode::kNotFound));
}

TEST(AesGcmTest, OpensTheNistVectorAndRejectsAlteredInput) {
  // NIST GCM test case 14: 256-bit zero key, 96-bit zero IV, 16 zero bytes.
  ASSERT_OK_AND_ASSIGN(const AesKey key, AesKey::FromBytes(std::string(32, '\0')));
  const std::string nonce(12, '\0');
  const std::string sealed =
      absl::HexStringToBytes("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
  EXPECT_THAT(AesGcmOpen(key, nonce, sealed, ""), IsOkAndHolds(std::string(16, '\0')));
  std::string altered = sealed;
  altered[20] ^= 1;
  EXPECT_THAT(AesGcmOpen(key, nonce, altered, ""), StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_THAT(AesGcmOpen(key, "short", sealed, ""), StatusIs(absl::StatusCode::kInvalidArgument));

  AesGcmSealed out;
  ASSERT_THAT(AesGcmSeal(key, "", "aad", out), IsOk());
  EXPECT_EQ(out.ciphertext_and_tag.size(), kAesGcmTagSize);
  EXPECT_THAT(AesGcmOpen(key, out.nonce, out.ciphertext_and_tag, "aad"), IsOkAndHolds(""));
}

TEST(AesGcmTest, EveryNonceIsFreshAcrossPoolRefillsAndThreads) {
  // Nonces come from per-thread pools of 341; 1,000 seals on each of two
  // threads cross several refills.
  ASSERT_OK_AND_ASSIGN(const AesKey key, AesKey::Generate());
  std::vector<std::string> nonces[2];
  auto seal = [&](std::vector<std::string>& out) {
    for (int i = 0; i < 1000; ++i) {
      AesGcmSealed sealed;
      ASSERT_THAT(AesGcmSeal(key, "13800138000", "aad", sealed), IsOk());
      ASSERT_EQ(sealed.nonce.size(), kAesGcmNonceSize);
      ASSERT_THAT(AesGcmOpen(key, sealed.nonce, sealed.ciphertext_and_tag, "aad"),
                  IsOkAndHolds("13800138000"));
      out.push_back(sealed.nonce);
    }
  };
  std::thread other([&] { seal(nonces[1]); });
  seal(nonces[0]);
  other.join();
  absl::flat_hash_set<std::string> distinct(nonces[0].begin(), nonces[0].end());
  distinct.insert(nonces[1].begin(), nonces[1].end());
  EXPECT_EQ(distinct.size(), 2000u);
}

TEST(AesGcmTest, AForkedChildNeverReusesItsParentsNonces) {
  // The parent fills its pool; a child forked then starts with a copy of it.
  // The child's next nonces must not be the parent's next ones.
  ASSERT_OK_AND_ASSIGN(const AesKey key, AesKey::Generate());
  AesGcmSealed first;
  ASSERT_THAT(AesGcmSeal(key, "x", "", first), IsOk());
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  constexpr int kSeals = 8;
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    std::string nonces;
    for (int i = 0; i < kSeals; ++i) {
      AesGcmSealed sealed;
      if (!AesGcmSeal(key, "x", "", sealed).ok()) _exit(1);
      nonces += sealed.nonce;
    }
    const bool written =
        write(fds[1], nonces.data(), nonces.size()) == static_cast<ssize_t>(nonces.size());
    _exit(written ? 0 : 2);
  }
  close(fds[1]);
  std::string child_nonces(kSeals * kAesGcmNonceSize, '\0');
  size_t read_bytes = 0;
  while (read_bytes < child_nonces.size()) {
    const ssize_t n =
        read(fds[0], child_nonces.data() + read_bytes, child_nonces.size() - read_bytes);
    if (n <= 0) break;
    read_bytes += static_cast<size_t>(n);
  }
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  ASSERT_EQ(read_bytes, child_nonces.size());
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < kSeals; ++i) {
    AesGcmSealed sealed;
    ASSERT_THAT(AesGcmSeal(key, "x", "", sealed), IsOk());
    seen.insert(sealed.nonce);
  }
  seen.insert(first.nonce);
  for (int i = 0; i < kSeals; ++i) {
    EXPECT_FALSE(seen.contains(child_nonces.substr(i * kAesGcmNonceSize, kAesGcmNonceSize)))
        << "the child's nonce " << i << " repeats one of its parent's";
  }
}

}  // namespace
}  // namespace arrears::compliance::audit
