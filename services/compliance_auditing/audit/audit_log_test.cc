#include "services/compliance_auditing/audit/audit_log.h"

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "arrears/customer/v1/customer_events.pb.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "services/compliance_auditing/audit/proof_proto.h"
#include "services/compliance_auditing/audit/secret_file.h"
#include "services/compliance_auditing/audit/testing/audit_test_env.h"
#include "services/compliance_auditing/audit/testing/memory_tree.h"

namespace arrears::compliance::audit {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr absl::string_view kNameType = "arrears.customer.v1.PersonName";

// A record about `customer` and `loans`; with `full_name`, the name is the
// personal data and the clear payload carries a masked copy.
AuditAppend Record(v1::AuditRecordKind kind, absl::string_view customer,
                   std::vector<std::string> loans, absl::string_view source,
                   absl::string_view full_name = "") {
  AuditAppend append;
  append.record.set_kind(kind);
  append.record.set_customer_id(std::string(customer));
  for (std::string& loan : loans) append.record.add_loan_ids(std::move(loan));
  append.record.set_source_id(std::string(source));
  if (!full_name.empty()) {
    customer::v1::PersonName masked;
    masked.set_full_name(absl::StrCat(full_name.substr(0, 1), "***"));
    append.record.set_payload_type(std::string(kNameType));
    append.record.set_payload(masked.SerializeAsString());
    customer::v1::PersonName name;
    name.set_full_name(std::string(full_name));
    append.personal_payload = name.SerializeAsString();
  }
  return append;
}

AuditAppend Decision(absl::string_view customer, absl::string_view loan, absl::string_view source,
                     absl::string_view full_name = "") {
  return Record(v1::AUDIT_RECORD_KIND_DECISION, customer, {std::string(loan)}, source, full_name);
}

class AuditLogTest : public ::testing::TestWithParam<AuditBackend> {
 protected:
  void SetUp() override { ASSERT_OK_AND_ASSIGN(env_, AuditTestEnv::Create(GetParam(), &clock_)); }

  AuditLog& log() { return env_->log(); }

  uint64_t AppendOk(const AuditAppend& append) {
    absl::StatusOr<uint64_t> index = log().Append(append);
    EXPECT_THAT(index, IsOk());
    return index.ok() ? *index : 0;
  }

  // Checks `entry` against `checkpoint` the way an outside party would.
  void ExpectProvablyIncluded(uint64_t index, const v1::SignedCheckpoint& checkpoint) {
    ASSERT_OK_AND_ASSIGN(const v1::AuditEntry entry, log().GetEntry(index));
    ASSERT_OK_AND_ASSIGN(const v1::InclusionProof proof,
                         log().InclusionProof(index, checkpoint.size()));
    EXPECT_THAT(log().verifier().VerifyIncluded(checkpoint, entry.leaf_data(), proof), IsOk())
        << "entry " << index;
  }

  FakeClock clock_;
  std::unique_ptr<AuditTestEnv> env_;
};

TEST_P(AuditLogTest, EmptyLogHasTheEmptyTreeRoot) {
  EXPECT_EQ(log().size(), 0u);
  EXPECT_EQ(log().root(), EmptyTreeHash());
  ASSERT_OK_AND_ASSIGN(const v1::SignedCheckpoint checkpoint, log().Checkpoint());
  EXPECT_EQ(checkpoint.size(), 0u);
  EXPECT_EQ(checkpoint.root_hash(), EmptyTreeHash().ToString());
  EXPECT_THAT(log().GetEntry(0), StatusIs(absl::StatusCode::kNotFound));
  ASSERT_OK_AND_ASSIGN(const VerifyReport report, log().Verify());
  EXPECT_TRUE(report.ok) << report.problem;
}

TEST_P(AuditLogTest, AppendsGetConsecutiveIndicesAndEveryEntryIsProvable) {
  std::vector<v1::SignedCheckpoint> checkpoints;
  uint64_t expected = 0;
  for (const int batch : {1, 3, 1, 8, 5, 13, 2}) {
    std::vector<AuditAppend> records;
    for (int i = 0; i < batch; ++i) {
      records.push_back(Decision(absl::StrCat("cust-", expected % 5), "loan-1",
                                 absl::StrCat("decision-", expected + i)));
    }
    ASSERT_THAT(log().AppendBatch(records), IsOkAndHolds(expected));
    expected += batch;
    ASSERT_OK_AND_ASSIGN(v1::SignedCheckpoint checkpoint, log().Checkpoint());
    checkpoints.push_back(std::move(checkpoint));
  }
  EXPECT_EQ(log().size(), 33u);

  // The root is the RFC 6962 root of the stored leaf bytes.
  MemoryTree independent;
  for (uint64_t i = 0; i < 33; ++i) {
    ASSERT_OK_AND_ASSIGN(const v1::AuditEntry entry, log().GetEntry(i));
    EXPECT_EQ(entry.name(), absl::StrCat("auditEntries/", i));
    EXPECT_EQ(entry.record().source_id(), absl::StrCat("decision-", i));
    EXPECT_EQ(entry.leaf_hash(), HashLeaf(entry.leaf_data()).ToString());
    independent.AppendLeaf(entry.leaf_data());
  }
  EXPECT_EQ(log().root(), independent.Root());
  ASSERT_OK_AND_ASSIGN(const VerifyReport prefix, log().Verify({10, std::nullopt}));
  EXPECT_TRUE(prefix.ok) << prefix.problem;
  EXPECT_EQ(prefix.entries_verified, 10u);
  EXPECT_EQ(prefix.root_hash, *TreeHash(10, independent));
  EXPECT_EQ(prefix.checkpoints_verified, 3u);  // sizes 1, 4 and 5

  const v1::SignedCheckpoint& latest = checkpoints.back();
  for (uint64_t i = 0; i < latest.size(); ++i) ExpectProvablyIncluded(i, latest);
  // Entries are provable against older checkpoints too, and every
  // checkpoint extends every earlier one.
  ExpectProvablyIncluded(2, checkpoints[1]);
  for (size_t a = 0; a < checkpoints.size(); ++a) {
    for (size_t b = a; b < checkpoints.size(); ++b) {
      ASSERT_OK_AND_ASSIGN(const v1::ConsistencyProof proof,
                           log().ConsistencyProof(checkpoints[a].size(), checkpoints[b].size()));
      EXPECT_THAT(log().verifier().VerifyExtends(checkpoints[a], checkpoints[b], proof), IsOk());
    }
  }
  EXPECT_THAT(log().InclusionProof(3, 34), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(log().InclusionProof(5, 5), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(log().ConsistencyProof(0, 5), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(log().ConsistencyProof(6, 5), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(AuditLogTest, StampsRecordTimeWithItsClockNeverGoingBackwards) {
  const absl::Time t0 = clock_.Now();
  AuditAppend append = Decision("c", "l", "s");
  *append.record.mutable_record_time() = ToTimestamp(t0 - absl::Hours(100));
  AppendOk(append);
  clock_.Advance(-absl::Minutes(5));  // the host clock steps back
  AppendOk(Decision("c", "l", "s2"));
  clock_.Advance(absl::Minutes(10));
  AppendOk(Decision("c", "l", "s3"));
  std::vector<absl::Time> times;
  for (uint64_t i = 0; i < 3; ++i) {
    ASSERT_OK_AND_ASSIGN(const v1::AuditEntry entry, log().GetEntry(i));
    times.push_back(FromTimestamp(entry.record().record_time()));
  }
  EXPECT_THAT(times, ElementsAre(t0, t0, t0 + absl::Minutes(5)));
}

TEST_P(AuditLogTest, PersonalDataIsEncryptedBeforeHashingAndRevealedOnRequest) {
  const uint64_t index = AppendOk(Decision("alice", "loan-7", "d-1", "Alice Liddell"));
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry hidden, log().GetEntry(index));
  EXPECT_THAT(hidden.leaf_data(), Not(HasSubstr("Liddell")));
  EXPECT_TRUE(hidden.record().has_personal_data());
  EXPECT_EQ(hidden.record().personal_data().algorithm(), "AES-256-GCM");
  EXPECT_FALSE(hidden.personal_data_erased());
  EXPECT_THAT(hidden.revealed_payload(), IsEmpty());
  customer::v1::PersonName masked;
  ASSERT_TRUE(masked.ParseFromString(hidden.record().payload()));
  EXPECT_EQ(masked.full_name(), "A***");

  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry revealed, log().GetEntry(index, true));
  customer::v1::PersonName name;
  ASSERT_TRUE(name.ParseFromString(revealed.revealed_payload()));
  EXPECT_EQ(name.full_name(), "Alice Liddell");
  EXPECT_EQ(revealed.leaf_hash(), hidden.leaf_hash());
}

TEST_P(AuditLogTest, PersonalFieldsAloneCompleteTheClearPayloadWhenRevealed) {
  // The clear payload holds what is not personal; the sealed part only the
  // personal fields.
  AuditAppend append = Decision("alice", "loan-7", "d-1");
  customer::v1::PersonName clear;
  clear.set_family_name("L.");
  append.record.set_payload_type(std::string(kNameType));
  append.record.set_payload(clear.SerializeAsString());
  customer::v1::PersonName personal;
  personal.set_full_name("Alice Liddell");
  personal.set_given_name("Alice");
  append.personal_payload = personal.SerializeAsString();
  append.record.set_personal_data_completes_payload(true);
  const uint64_t index = AppendOk(append);

  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry hidden, log().GetEntry(index));
  EXPECT_THAT(hidden.leaf_data(), Not(HasSubstr("Liddell")));
  EXPECT_TRUE(hidden.record().personal_data_completes_payload());
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry revealed, log().GetEntry(index, true));
  customer::v1::PersonName whole;
  ASSERT_TRUE(whole.ParseFromString(revealed.revealed_payload()));
  EXPECT_EQ(whole.full_name(), "Alice Liddell");
  EXPECT_EQ(whole.given_name(), "Alice");
  EXPECT_EQ(whole.family_name(), "L.") << "the clear fields are part of what is revealed";

  // The flag without personal data is a malformed record.
  AuditAppend empty = Decision("bob", "loan-8", "d-2");
  empty.record.set_personal_data_completes_payload(true);
  EXPECT_THAT(log().Append(empty), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("personal_data_completes_payload")));
}

TEST_P(AuditLogTest, ASealedRecordIsEncryptedBeforeTheAppendAndRevealedLikeAnyOther) {
  AuditAppend sealed = Decision("alice", "loan-7", "d-1", "Alice Liddell");
  ASSERT_THAT(log().Seal(sealed), IsOk());
  EXPECT_TRUE(sealed.sealed);
  EXPECT_THAT(sealed.personal_payload, IsEmpty());
  EXPECT_EQ(sealed.record.personal_data().algorithm(), "AES-256-GCM");
  EXPECT_THAT(sealed.record.SerializeAsString(), Not(HasSubstr("Liddell")));
  ASSERT_THAT(log().Seal(sealed), IsOk());  // sealing twice changes nothing
  const std::string ciphertext = sealed.record.personal_data().SerializeAsString();
  EXPECT_EQ(sealed.record.personal_data().SerializeAsString(), ciphertext);

  const uint64_t index = AppendOk(sealed);
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry revealed, log().GetEntry(index, true));
  customer::v1::PersonName name;
  ASSERT_TRUE(name.ParseFromString(revealed.revealed_payload()));
  EXPECT_EQ(name.full_name(), "Alice Liddell");
  EXPECT_EQ(revealed.record().personal_data().SerializeAsString(), ciphertext);

  // Without personal data there is nothing to seal.
  AuditAppend plain = Decision("bob", "loan-8", "d-2");
  ASSERT_THAT(log().Seal(plain), IsOk());
  EXPECT_FALSE(plain.sealed);
  EXPECT_FALSE(plain.record.has_personal_data());
  // A record claiming to be sealed must carry the ciphertext and nothing clear.
  AuditAppend forged = Decision("bob", "loan-8", "d-3");
  forged.sealed = true;
  EXPECT_THAT(log().Append(forged), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("missing from a sealed record")));
  sealed.personal_payload = "clear";
  EXPECT_THAT(log().Append(sealed),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("personal_payload")));
  EXPECT_EQ(log().size(), 1u);
}

TEST_P(AuditLogTest, ErasingADebtorShredsTheirDataButEveryProofStillHolds) {
  AppendOk(Decision("alice", "loan-1", "d-0", "Alice Liddell"));
  AppendOk(Decision("bob", "loan-2", "d-1", "Bob Builder"));
  AppendOk(Decision("alice", "loan-1", "d-2", "Alice Liddell"));
  ASSERT_OK_AND_ASSIGN(const v1::SignedCheckpoint before, log().Checkpoint());
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry alice_before, log().GetEntry(0));

  ASSERT_OK_AND_ASSIGN(const uint64_t erasure, log().EraseDebtor("alice", "erasure-request-9"));
  EXPECT_EQ(erasure, 3u);
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry erasure_entry, log().GetEntry(erasure));
  EXPECT_EQ(erasure_entry.record().kind(), v1::AUDIT_RECORD_KIND_KEY_ERASURE);
  EXPECT_EQ(erasure_entry.record().customer_id(), "alice");
  EXPECT_EQ(erasure_entry.record().source_id(), "erasure-request-9");

  for (const uint64_t index : {0, 2}) {
    ASSERT_OK_AND_ASSIGN(const v1::AuditEntry entry, log().GetEntry(index, true));
    EXPECT_TRUE(entry.personal_data_erased()) << index;
    EXPECT_THAT(entry.revealed_payload(), IsEmpty());
    ASSERT_OK_AND_ASSIGN(const v1::AuditEntry unrevealed, log().GetEntry(index));
    EXPECT_TRUE(unrevealed.personal_data_erased());
  }
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry alice_after, log().GetEntry(0));
  EXPECT_EQ(alice_after.leaf_data(), alice_before.leaf_data());
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry bob, log().GetEntry(1, true));
  EXPECT_FALSE(bob.personal_data_erased());
  EXPECT_THAT(bob.revealed_payload(), HasSubstr("Bob Builder"));

  ASSERT_OK_AND_ASSIGN(const v1::SignedCheckpoint after, log().Checkpoint());
  for (uint64_t i = 0; i < 3; ++i) {
    ExpectProvablyIncluded(i, before);
    ExpectProvablyIncluded(i, after);
  }
  ASSERT_OK_AND_ASSIGN(const v1::ConsistencyProof proof, log().ConsistencyProof(3, 4));
  EXPECT_THAT(log().verifier().VerifyExtends(before, after, proof), IsOk());
  ASSERT_OK_AND_ASSIGN(const VerifyReport report, log().Verify({0, before}));
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_TRUE(report.checkpoint_matches);

  // Alice's new data gets a new key and is readable.
  const uint64_t later = AppendOk(Decision("alice", "loan-1", "d-4", "Alice L. (moved)"));
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry fresh, log().GetEntry(later, true));
  EXPECT_FALSE(fresh.personal_data_erased());
  EXPECT_THAT(fresh.revealed_payload(), HasSubstr("moved"));
  EXPECT_NE(fresh.record().personal_data().key_id(),
            alice_before.record().personal_data().key_id());
}

TEST_P(AuditLogTest, RetentionErasesTheKeysOfDebtorsInactiveForTheirPacksPeriod) {
  const absl::Duration kFiveYears = absl::Hours(24 * 365 * 5);
  const absl::Duration kThreeYears = absl::Hours(24 * 365 * 3);
  AppendOk(Decision("cn-old", "l1", "d0", "Zhang San"));
  AppendOk(Decision("us-old", "l2", "d1", "John Doe"));
  AppendOk(Decision("keep-forever", "l3", "d2", "Jane Roe"));
  clock_.Advance(absl::Hours(24 * 365 * 4));
  AppendOk(Decision("cn-recent", "l4", "d3", "Li Si"));
  // A later entry without personal data still counts as activity.
  AppendOk(Record(v1::AUDIT_RECORD_KIND_CONTACT_EVENT, "us-old", {"l2"}, "e4"));
  AppendOk(Decision("us-recent", "l5", "d5", "Richard Roe"));
  clock_.Advance(absl::Hours(24 * 365 * 1) + absl::Hours(24));

  auto retention = [&](absl::string_view customer) -> std::optional<absl::Duration> {
    if (customer == "keep-forever") return std::nullopt;
    return absl::StartsWith(customer, "cn-") ? kFiveYears : kThreeYears;
  };
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> erased, log().EnforceRetention(retention));
  EXPECT_THAT(erased, ElementsAre("cn-old"));
  clock_.Advance(absl::Hours(24 * 365 * 2));
  ASSERT_OK_AND_ASSIGN(const std::vector<std::string> erased_later,
                       log().EnforceRetention(retention));
  EXPECT_THAT(erased_later, ElementsAre("us-old", "us-recent"));

  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry old, log().GetEntry(0, true));
  EXPECT_TRUE(old.personal_data_erased());
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry kept, log().GetEntry(2, true));
  EXPECT_THAT(kept.revealed_payload(), HasSubstr("Jane Roe"));
  // Retention deletes no leaf: the log only grew (by the erasure records).
  EXPECT_EQ(log().size(), 9u);
  ASSERT_OK_AND_ASSIGN(const VerifyReport report, log().Verify());
  EXPECT_TRUE(report.ok) << report.problem;
}

TEST_P(AuditLogTest, QueriesByCustomerLoanKindAndTimeInPages) {
  const absl::Time t0 = clock_.Now();
  for (int i = 0; i < 30; ++i) {
    const v1::AuditRecordKind kind =
        i % 3 == 0 ? v1::AUDIT_RECORD_KIND_CONTACT_EVENT : v1::AUDIT_RECORD_KIND_DECISION;
    AppendOk(Record(kind, absl::StrCat("c", i % 2), {absl::StrCat("loan-", i % 5), "shared"},
                    absl::StrCat("s", i)));
    clock_.Advance(absl::Minutes(1));
  }
  auto collect = [&](AuditQuery query) {
    std::vector<uint64_t> indices;
    int pages = 0;
    while (true) {
      absl::StatusOr<AuditPage> page = log().Query(query);
      EXPECT_THAT(page, IsOk());
      if (!page.ok()) break;
      ++pages;
      for (const v1::AuditEntry& entry : page->entries) indices.push_back(entry.index());
      if (page->next_page_token.empty()) break;
      query.page_token = page->next_page_token;
      if (pages > 50) break;
    }
    return indices;
  };
  AuditQuery by_customer;
  by_customer.customer_id = "c1";
  by_customer.page_size = 4;
  EXPECT_THAT(collect(by_customer),
              ElementsAreArray({1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29}));

  AuditQuery by_loan;
  by_loan.loan_id = "loan-2";
  by_loan.page_size = 2;
  EXPECT_THAT(collect(by_loan), ElementsAre(2, 7, 12, 17, 22, 27));

  AuditQuery contacts_of_c0_in_window;
  contacts_of_c0_in_window.customer_id = "c0";
  contacts_of_c0_in_window.loan_id = "shared";
  contacts_of_c0_in_window.kinds = {v1::AUDIT_RECORD_KIND_CONTACT_EVENT};
  contacts_of_c0_in_window.start_time = t0 + absl::Minutes(5);
  contacts_of_c0_in_window.end_time = t0 + absl::Minutes(24);  // excludes index 24
  contacts_of_c0_in_window.page_size = 1;
  EXPECT_THAT(collect(contacts_of_c0_in_window), ElementsAre(6, 12, 18));

  AuditQuery everything;
  EXPECT_EQ(collect(everything).size(), 30u);

  // Tokens are opaque, bound to their query, and validated.
  AuditQuery first_page = by_customer;
  ASSERT_OK_AND_ASSIGN(const AuditPage page, log().Query(first_page));
  AuditQuery other_filter = by_loan;
  other_filter.page_token = page.next_page_token;
  EXPECT_THAT(log().Query(other_filter),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  AuditQuery garbage = by_customer;
  garbage.page_token = "not-a-token";
  EXPECT_THAT(log().Query(garbage), StatusIs(absl::StatusCode::kInvalidArgument));
  AuditQuery negative;
  negative.page_size = -1;
  EXPECT_THAT(log().Query(negative), StatusIs(absl::StatusCode::kInvalidArgument));
  AuditQuery bad_kind;
  bad_kind.kinds = {v1::AUDIT_RECORD_KIND_UNSPECIFIED};
  EXPECT_THAT(log().Query(bad_kind), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(AuditLogTest, RejectsMalformedRecordsNamingTheField) {
  AuditAppend no_kind = Decision("c", "l", "s");
  no_kind.record.set_kind(v1::AUDIT_RECORD_KIND_UNSPECIFIED);
  EXPECT_THAT(log().Append(no_kind),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("records[0].record.kind")));
  AuditAppend preset = Decision("c", "l", "s");
  preset.record.mutable_personal_data()->set_key_id("x");
  EXPECT_THAT(log().Append(preset),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("personal_data")));
  AuditAppend anonymous = Decision("", "l", "s", "Somebody");
  EXPECT_THAT(log().Append(anonymous),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("customer_id")));
  AuditAppend untyped = Decision("c", "l", "s", "Somebody");
  untyped.record.clear_payload_type();
  EXPECT_THAT(log().Append(untyped),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("payload_type")));
  EXPECT_THAT(log().Append(Decision("c\n", "l", "s")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("control character")));
  EXPECT_THAT(
      log().AppendBatch({Decision("c", "l", "s"), Decision("c", "", "s")}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("records[1].record.loan_ids[0]")));
  EXPECT_THAT(log().AppendBatch({}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(log().size(), 0u);
}

TEST_P(AuditLogTest, ConcurrentAppendersAreGroupCommittedWithoutLosingAnyRecord) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::vector<std::vector<uint64_t>> indices(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        absl::StatusOr<uint64_t> index = log().Append(Decision(
            absl::StrCat("c", t), "l", absl::StrCat(t, "/", i), i % 4 == 0 ? "Some Name" : ""));
        EXPECT_THAT(index, IsOk());
        if (index.ok()) indices[t].push_back(*index);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<uint64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(indices[t].size(), static_cast<size_t>(kPerThread));
    for (int i = 0; i < kPerThread; ++i) {
      all.insert(indices[t][i]);
      ASSERT_OK_AND_ASSIGN(const v1::AuditEntry entry, log().GetEntry(indices[t][i]));
      EXPECT_EQ(entry.record().source_id(), absl::StrCat(t, "/", i));
      if (i > 0) {
        EXPECT_GT(indices[t][i], indices[t][i - 1]);
      }
    }
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kPerThread - 1));
  ASSERT_OK_AND_ASSIGN(const VerifyReport report, log().Verify());
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries_verified, static_cast<uint64_t>(kThreads * kPerThread));
}

TEST_P(AuditLogTest, TwoWritersOnOneStoreInterleaveSafely) {
  // A second log on the same store (another replica) appends in between.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<AuditLog> other,
                       AuditLog::Create(&env_->store(), &env_->keys(), &env_->signer(), &clock_));
  EXPECT_THAT(log().Append(Decision("a", "l", "mine-0")), IsOkAndHolds(0u));
  EXPECT_THAT(other->Append(Decision("b", "l", "theirs-0")), IsOkAndHolds(1u));
  EXPECT_THAT(log().Append(Decision("a", "l", "mine-1")), IsOkAndHolds(2u));
  EXPECT_EQ(log().size(), 3u);
  EXPECT_THAT(TreeHash(3, env_->store()), IsOkAndHolds(log().root()));
  EXPECT_THAT(other->Append(Decision("b", "l", "theirs-1")), IsOkAndHolds(3u));
  EXPECT_EQ(other->root(), *TreeHash(4, env_->store()));
  ASSERT_OK_AND_ASSIGN(const VerifyReport report, other->Verify());
  EXPECT_TRUE(report.ok) << report.problem;
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry theirs, log().GetEntry(1));
  EXPECT_EQ(theirs.record().source_id(), "theirs-0");
}

TEST_P(AuditLogTest, ExportIsSelfVerifying) {
  AppendOk(Decision("alice", "loan-1", "d0", "Alice Liddell"));
  AppendOk(Decision("bob", "loan-2", "d1", "Bob Builder"));
  AppendOk(Record(v1::AUDIT_RECORD_KIND_CONTACT_EVENT, "alice", {"loan-1"}, "e2"));
  AppendOk(Decision("alice", "loan-3", "d3", "Alice Liddell"));
  ExportOptions options;
  options.customer_id = "alice";
  options.reveal_personal_data = true;
  std::string file;
  ASSERT_OK_AND_ASSIGN(const ExportSummary summary,
                       log().Export(options, [&](absl::string_view chunk) {
                         absl::StrAppend(&file, chunk);
                         return absl::OkStatus();
                       }));
  EXPECT_EQ(summary.entry_count, 3u);
  EXPECT_EQ(summary.content_type, "application/x-ndjson");
  EXPECT_EQ(summary.file_sha256, Sha256(file));
  EXPECT_EQ(summary.checkpoint.size(), 4u);

  std::vector<std::string> lines = absl::StrSplit(file, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 5u);
  const nlohmann::json header = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(header["type"], "header");
  EXPECT_EQ(header["format"], "arrears-audit-export/v1");
  EXPECT_FALSE(header["how_to_verify"].empty());
  // Rebuild the signed bytes from the file alone and check the signature.
  const nlohmann::json& cp = header["checkpoint"];
  const std::string signed_bytes =
      absl::StrCat("arrears-audit-checkpoint/v1\n", cp["log_id"].get<std::string>(), "\n",
                   cp["size"].get<uint64_t>(), "\n", cp["root_hash"].get<std::string>(), "\n",
                   cp["timestamp_unix_nanos"].get<int64_t>(), "\n");
  std::string signature;
  ASSERT_TRUE(absl::Base64Unescape(cp["signature"].get<std::string>(), &signature));
  ASSERT_OK_AND_ASSIGN(const Ed25519PublicKey key,
                       Ed25519PublicKey::FromRaw(absl::HexStringToBytes(
                           header["public_key"]["raw_hex"].get<std::string>())));
  EXPECT_THAT(key.Verify(signed_bytes, signature), IsOk());
  ASSERT_OK_AND_ASSIGN(const Sha256Hash root,
                       Sha256Hash::FromHex(cp["root_hash"].get<std::string>(), "root"));

  std::vector<uint64_t> exported;
  for (size_t i = 1; i + 1 < lines.size(); ++i) {
    const nlohmann::json entry = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(entry["type"], "entry");
    const uint64_t index = entry["index"].get<uint64_t>();
    exported.push_back(index);
    std::string leaf_data;
    ASSERT_TRUE(absl::Base64Unescape(entry["leaf_data"].get<std::string>(), &leaf_data));
    const Sha256Hash leaf_hash = HashLeaf(leaf_data);
    EXPECT_EQ(entry["leaf_hash"], leaf_hash.ToHex());
    std::vector<Sha256Hash> proof;
    for (const auto& hex : entry["inclusion_proof"]) {
      ASSERT_OK_AND_ASSIGN(Sha256Hash hash, Sha256Hash::FromHex(hex.get<std::string>(), "proof"));
      proof.push_back(hash);
    }
    EXPECT_THAT(VerifyInclusion(index, cp["size"].get<uint64_t>(), leaf_hash, proof, root), IsOk());
    EXPECT_EQ(entry["record"]["customer_id"], "alice");
    if (index != 2) {
      EXPECT_EQ(entry["payload_json"]["full_name"], "A***");
      EXPECT_EQ(entry["revealed_payload_json"]["full_name"], "Alice Liddell");
    }
  }
  EXPECT_THAT(exported, ElementsAre(0, 2, 3));
  const nlohmann::json trailer = nlohmann::json::parse(lines.back());
  EXPECT_EQ(trailer["type"], "trailer");
  EXPECT_EQ(trailer["entry_count"], 3);

  // Without reveal, no personal data reaches the file.
  ExportOptions masked;
  std::string masked_file;
  ASSERT_THAT(log().Export(masked,
                           [&](absl::string_view chunk) {
                             absl::StrAppend(&masked_file, chunk);
                             return absl::OkStatus();
                           }),
              IsOk());
  EXPECT_THAT(masked_file, Not(HasSubstr("Liddell")));
  EXPECT_THAT(masked_file, Not(HasSubstr("Builder")));
}

TEST_P(AuditLogTest, ManifestVerifiesJsonLinesAndCsvOfflineAndCatchesTampering) {
  AppendOk(Decision("alice", "loan-1", "d0", "Alice, \"Ally\" Liddell"));
  AppendOk(Decision("bob", "loan-2", "d1", "Bob Builder"));
  AppendOk(Record(v1::AUDIT_RECORD_KIND_CONTACT_EVENT, "alice", {"loan-1", "loan-9"}, "e2"));
  AppendOk(Decision("alice", "loan-3", "d3"));
  const ManifestInfo info{
      "audit-export-test", {{"cn-default", "2026.3"}, {"us-regf-default", "2026.3"}}, clock_.Now()};
  for (const ExportFormat format : {ExportFormat::kJsonLines, ExportFormat::kCsv}) {
    SCOPED_TRACE(format == ExportFormat::kCsv ? "csv" : "jsonl");
    ExportOptions options;
    options.customer_id = "alice";
    options.format = format;
    std::string body;
    ASSERT_OK_AND_ASSIGN(const ExportSummary summary,
                         log().Export(options, [&](absl::string_view chunk) {
                           absl::StrAppend(&body, chunk);
                           return absl::OkStatus();
                         }));
    EXPECT_EQ(summary.file_bytes, body.size());
    EXPECT_EQ(summary.from_index, 0u);
    EXPECT_EQ(summary.to_index, 4u);
    ASSERT_OK_AND_ASSIGN(const std::string manifest,
                         BuildExportManifest(summary, options, info, env_->signer()));
    const Ed25519PublicKey& key = env_->signer().public_key();
    ASSERT_OK_AND_ASSIGN(const VerifiedExport verified, VerifyExport(manifest, body, &key));
    EXPECT_EQ(verified.entry_count, 3u);
    EXPECT_EQ(verified.checkpoint.size(), 4u);
    EXPECT_EQ(verified.format, format == ExportFormat::kCsv ? "arrears-audit-export-csv/v1"
                                                            : "arrears-audit-export/v1");
    const nlohmann::json m = nlohmann::json::parse(manifest);
    EXPECT_EQ(m["policy_packs"][1]["version"], "2026.3");
    EXPECT_EQ(m["export"]["sha256"], Sha256(body).ToHex());
    EXPECT_EQ(m["checkpoint"]["root_hash"], absl::BytesToHexString(summary.checkpoint.root_hash()));
    EXPECT_THAT(m["signed_statement"].get<std::string>(),
                HasSubstr("policy_packs=cn-default@2026.3,us-regf-default@2026.3\n"));

    // A flipped byte anywhere in the body: the SHA-256 no longer matches.
    std::string flipped = body;
    flipped[flipped.size() / 2] ^= 0x01;
    EXPECT_THAT(VerifyExport(manifest, flipped, &key), StatusIs(absl::StatusCode::kDataLoss));
    // A truncated file with the manifest's hash and size updated to match:
    // the signed statement no longer matches the manifest.
    const std::string shorter = body.substr(0, body.size() / 2);
    nlohmann::json forged = m;
    forged["export"]["sha256"] = Sha256(shorter).ToHex();
    forged["export"]["bytes"] = shorter.size();
    forged["export"]["entry_count"] = 2;
    EXPECT_THAT(VerifyExport(forged.dump(), shorter, &key),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("signed_statement")));
    // ...and a re-signed statement needs the log's key.
    ASSERT_OK_AND_ASSIGN(Ed25519PrivateKey mallory, Ed25519PrivateKey::Generate());
    ASSERT_OK_AND_ASSIGN(
        std::unique_ptr<CheckpointSigner> forger,
        CheckpointSigner::Create(env_->signer().log_id(), std::move(mallory), &clock_));
    ASSERT_OK_AND_ASSIGN(const std::string forged_manifest,
                         BuildExportManifest(summary, options, info, *forger));
    EXPECT_THAT(VerifyExport(forged_manifest, body, &key),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("public key")));
    // Any vouched-for field changed (here a pack version): the same.
    nlohmann::json altered = m;
    altered["policy_packs"][0]["version"] = "2020.1";
    EXPECT_THAT(VerifyExport(altered.dump(), body, &key), StatusIs(absl::StatusCode::kDataLoss));
    EXPECT_THAT(VerifyExport("not json", body, &key), StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

TEST_P(AuditLogTest, ManifestCatchesAnEntryAlteredInsideAResignedFile) {
  // The operator's own key re-signing a doctored file is caught by the
  // entries: a changed leaf no longer hashes to its proof's root.
  AppendOk(Decision("alice", "loan-1", "d0"));
  AppendOk(Decision("alice", "loan-2", "d1"));
  ExportOptions options;
  options.format = ExportFormat::kCsv;
  std::string body;
  ASSERT_OK_AND_ASSIGN(ExportSummary summary, log().Export(options, [&](absl::string_view chunk) {
    absl::StrAppend(&body, chunk);
    return absl::OkStatus();
  }));
  ASSERT_OK_AND_ASSIGN(auto rows, ParseCsv(body));
  ASSERT_EQ(rows.size(), 3u);
  std::string leaf;
  ASSERT_TRUE(absl::Base64Unescape(rows[2][8], &leaf));
  leaf.back() ^= 0x01;
  const std::string doctored_leaf = absl::Base64Escape(leaf);
  const std::string doctored_hash = HashLeaf(leaf).ToHex();
  std::string doctored =
      absl::StrReplaceAll(body, {{rows[2][8], doctored_leaf}, {rows[2][7], doctored_hash}});
  summary.file_sha256 = Sha256(doctored);
  summary.file_bytes = doctored.size();
  ASSERT_OK_AND_ASSIGN(
      const std::string manifest,
      BuildExportManifest(summary, options, ManifestInfo{"f", {}, clock_.Now()}, env_->signer()));
  EXPECT_THAT(VerifyExport(manifest, doctored, nullptr),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr("inclusion proof")));
}

TEST_P(AuditLogTest, ExportsToAFileOwnedByTheService) {
  AppendOk(Decision("alice", "loan-1", "d0"));
  ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
  const std::string path = dir.File("export.jsonl");
  ASSERT_OK_AND_ASSIGN(const ExportSummary summary, log().ExportToFile({}, path));
  ASSERT_OK_AND_ASSIGN(const std::string contents, ReadSecretFile(path, 1 << 20));
  EXPECT_EQ(Sha256(contents), summary.file_sha256);
  EXPECT_THAT(log().ExportToFile({}, path), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST_P(AuditLogTest, SurvivesAReopenWithItsTreeKeysAndCheckpoints) {
  for (int i = 0; i < 21; ++i) {
    AppendOk(Decision(absl::StrCat("c", i % 4), "l", absl::StrCat("s", i),
                      i % 2 == 0 ? absl::StrCat("Name ", i) : ""));
  }
  ASSERT_OK_AND_ASSIGN(const v1::SignedCheckpoint checkpoint, log().Checkpoint());
  const Sha256Hash root = log().root();
  ASSERT_THAT(env_->Reopen(), IsOk());
  EXPECT_EQ(log().size(), 21u);
  EXPECT_EQ(log().root(), root);
  ASSERT_OK_AND_ASSIGN(const std::optional<v1::SignedCheckpoint> latest, log().LatestCheckpoint());
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->SerializeAsString(), checkpoint.SerializeAsString());
  ASSERT_OK_AND_ASSIGN(const v1::AuditEntry entry, log().GetEntry(6, true));
  EXPECT_THAT(entry.revealed_payload(), HasSubstr("Name 6"));
  EXPECT_THAT(log().Append(Decision("c", "l", "after-reopen")), IsOkAndHolds(21u));
  ASSERT_OK_AND_ASSIGN(const v1::SignedCheckpoint newer, log().Checkpoint());
  ASSERT_OK_AND_ASSIGN(const v1::ConsistencyProof proof, log().ConsistencyProof(21, 22));
  EXPECT_THAT(log().verifier().VerifyExtends(checkpoint, newer, proof), IsOk());
  ASSERT_OK_AND_ASSIGN(const VerifyReport report, log().Verify({0, checkpoint}));
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_TRUE(report.checkpoint_matches);
  EXPECT_EQ(report.checkpoints_verified, 2u);
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditLogTest,
                         ::testing::Values(AuditBackend::kInMemory, AuditBackend::kSqlite),
                         [](const ::testing::TestParamInfo<AuditBackend>& info) {
                           return AuditBackendName(info.param);
                         });

// The fake's hooks make these deterministic.
class InMemoryAuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(env_, AuditTestEnv::Create(AuditBackend::kInMemory, &clock_));
  }
  AuditLog& log() { return env_->log(); }
  InMemoryAuditStore& memory() { return static_cast<InMemoryAuditStore&>(env_->store()); }
  uint64_t AppendOk(const AuditAppend& append) {
    absl::StatusOr<uint64_t> index = log().Append(append);
    EXPECT_THAT(index, IsOk());
    return index.ok() ? *index : 0;
  }

  FakeClock clock_;
  std::unique_ptr<AuditTestEnv> env_;
};

// Polls `condition` until it holds or a generous deadline passes.
bool Eventually(absl::FunctionRef<bool()> condition) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!condition()) {
    if (absl::Now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST_F(InMemoryAuditLogTest, AFailedCommitLeavesTheLogUnchanged) {
  auto& memory = this->memory();
  AppendOk(Decision("a", "l", "s0"));
  const Sha256Hash root = log().root();
  memory.FailNextAppendForTest(absl::UnavailableError("disk on fire"));
  EXPECT_THAT(log().AppendBatch({Decision("a", "l", "s1"), Decision("b", "l", "s2")}),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_EQ(log().size(), 1u);
  EXPECT_EQ(log().root(), root);
  EXPECT_THAT(log().Append(Decision("a", "l", "s1")), IsOkAndHolds(1u));
  ASSERT_OK_AND_ASSIGN(const VerifyReport report, log().Verify());
  EXPECT_TRUE(report.ok) << report.problem;
}

TEST_F(InMemoryAuditLogTest, AppendersQueuedBehindACommitShareTheNextOne) {
  absl::Notification resume;
  memory().PauseNextAppendForTest(&resume);
  std::thread leader([&] { EXPECT_THAT(log().Append(Decision("a", "l", "first")), IsOk()); });
  ASSERT_TRUE(Eventually([&] { return memory().append_calls() == 1; }));
  constexpr int kFollowers = 5;
  std::vector<std::thread> followers;
  for (int i = 0; i < kFollowers; ++i) {
    followers.emplace_back(
        [&, i] { EXPECT_THAT(log().Append(Decision("b", "l", absl::StrCat(i))), IsOk()); });
  }
  ASSERT_TRUE(Eventually([&] { return log().queued_writers() == kFollowers + 1; }));
  resume.Notify();
  leader.join();
  for (std::thread& follower : followers) follower.join();
  // One commit for the leader, one for all five followers.
  EXPECT_EQ(memory().append_calls(), 2);
  EXPECT_EQ(log().size(), kFollowers + 1u);
}

}  // namespace
}  // namespace arrears::compliance::audit
