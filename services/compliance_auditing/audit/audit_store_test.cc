// The AuditStore and DebtorKeyStore contracts, held against every backend.
#include "services/compliance_auditing/audit/audit_store.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status/status_matchers.h"
#include "common/store/sqlite_database.h"
#include "common/store/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/audit/debtor_key_store.h"
#include "services/compliance_auditing/audit/in_memory_audit_store.h"
#include "services/compliance_auditing/audit/in_memory_debtor_key_store.h"
#include "services/compliance_auditing/audit/sqlite_audit_schema.h"
#include "services/compliance_auditing/audit/sqlite_audit_store.h"
#include "services/compliance_auditing/audit/sqlite_debtor_key_store.h"
#include "services/compliance_auditing/audit/testing/audit_test_env.h"
#include "services/compliance_auditing/audit/testing/memory_tree.h"

namespace arrears::compliance::audit {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::Optional;

const absl::Time kT0 = absl::FromUnixSeconds(1'767'225'600);

class AuditStoreContractTest : public ::testing::TestWithParam<AuditBackend> {
 protected:
  void SetUp() override {
    if (GetParam() == AuditBackend::kInMemory) {
      store_ = std::make_unique<InMemoryAuditStore>();
      keys_ = std::make_unique<InMemoryDebtorKeyStore>();
      return;
    }
    ASSERT_OK_AND_ASSIGN(dir_, store::TempDir::Create());
    store::SqliteOptions options;
    options.path = dir_->File("audit.db");
    ASSERT_OK_AND_ASSIGN(db_, OpenAuditDatabase(options));
    ASSERT_OK_AND_ASSIGN(store_, SqliteAuditStore::Create(db_.get()));
    ASSERT_OK_AND_ASSIGN(keys_, SqliteDebtorKeyStore::Create(db_.get()));
  }

  // Entries [first, first + count) with customers c0..c2 round robin, kinds
  // 1..3 round robin, one second apart; loan "L<i % 4>" each.
  void AppendEntries(uint64_t first, int count) {
    std::vector<StoredEntry> entries;
    std::vector<std::string> loan_ids;
    for (int i = 0; i < count; ++i) {
      const uint64_t index = first + i;
      StoredEntry& entry = entries.emplace_back();
      entry.index = index;
      entry.leaf_data = absl::StrCat("leaf-", index);
      entry.leaf_hash = HashLeaf(entry.leaf_data);
      entry.kind = 1 + static_cast<int>(index % 3);
      entry.customer_id = absl::StrCat("c", index % 3);
      entry.record_time = kT0 + absl::Seconds(index);
      loan_ids.push_back(absl::StrCat("L", index % 4));
    }
    std::vector<LoanLink> loans;
    std::vector<StoredNode> nodes;
    for (int i = 0; i < count; ++i) {
      loans.push_back({first + i, loan_ids[i]});
      tree_.AppendLeafHash(entries[i].leaf_hash);
    }
    // The nodes this batch completed, as the log would compute them.
    for (uint64_t size = first + 1; size <= first + count; ++size) {
      for (int level = 1; (size & ((uint64_t{1} << level) - 1)) == 0; ++level) {
        const NodeId id{level, (size >> level) - 1};
        ASSERT_OK_AND_ASSIGN(const std::vector<Sha256Hash> hash,
                             tree_.ReadNodes(absl::MakeConstSpan(&id, 1)));
        nodes.push_back({id, hash[0]});
      }
    }
    ASSERT_THAT(store_->Append(first, entries, loans, nodes), IsOk());
  }

  static std::vector<uint64_t> Indices(const std::vector<StoredEntry>& entries) {
    std::vector<uint64_t> indices;
    for (const StoredEntry& entry : entries) indices.push_back(entry.index);
    return indices;
  }

  std::optional<store::TempDir> dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
  std::unique_ptr<AuditStore> store_;
  std::unique_ptr<DebtorKeyStore> keys_;
  MemoryTree tree_;
};

TEST_P(AuditStoreContractTest, TipIsTheSizeAndTheLastLeafHash) {
  ASSERT_OK_AND_ASSIGN(StoredTip tip, store_->Tip());
  EXPECT_EQ(tip.size, 0u);
  AppendEntries(0, 3);
  ASSERT_OK_AND_ASSIGN(tip, store_->Tip());
  EXPECT_EQ(tip.size, 3u);
  EXPECT_EQ(tip.last_leaf_hash, HashLeaf("leaf-2"));
}

TEST_P(AuditStoreContractTest, StoresEntriesAndServesLeavesAsLevelZeroNodes) {
  EXPECT_THAT(store_->Size(), IsOkAndHolds(0u));
  AppendEntries(0, 5);
  AppendEntries(5, 6);
  EXPECT_THAT(store_->Size(), IsOkAndHolds(11u));
  ASSERT_OK_AND_ASSIGN(const StoredEntry entry, store_->ReadEntry(7));
  EXPECT_EQ(entry.index, 7u);
  EXPECT_EQ(entry.leaf_data, "leaf-7");
  EXPECT_EQ(entry.leaf_hash, HashLeaf("leaf-7"));
  EXPECT_EQ(entry.kind, 2);
  EXPECT_EQ(entry.customer_id, "c1");
  EXPECT_EQ(entry.record_time, kT0 + absl::Seconds(7));
  EXPECT_THAT(store_->ReadEntry(11), StatusIs(absl::StatusCode::kNotFound));
  // Every proof the tree can ask for is answerable from the store alone.
  for (uint64_t size = 1; size <= 11; ++size) {
    EXPECT_THAT(TreeHash(size, *store_), IsOkAndHolds(*TreeHash(size, tree_))) << size;
  }
  EXPECT_THAT(store_->ReadNodes({NodeId{0, 3}, NodeId{3, 0}, NodeId{1, 4}}),
              IsOkAndHolds(*tree_.ReadNodes({NodeId{0, 3}, NodeId{3, 0}, NodeId{1, 4}})));
  EXPECT_THAT(store_->ReadNodes({NodeId{2, 2}}), StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(AuditStoreContractTest, AppendIsAllOrNothingAgainstTheExpectedSize) {
  AppendEntries(0, 4);
  StoredEntry late;
  late.index = 2;
  late.leaf_data = "late";
  late.leaf_hash = HashLeaf("late");
  // Another writer already took indices 2 and 3.
  EXPECT_THAT(store_->Append(2, {late}, {}, {}), StatusIs(absl::StatusCode::kAborted));
  late.index = 4;
  const StoredNode existing{NodeId{1, 0}, HashLeaf("x")};
  EXPECT_THAT(store_->Append(4, {late}, {}, {existing}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(store_->Size(), IsOkAndHolds(4u));
  EXPECT_THAT(store_->Append(4, {late}, {}, {StoredNode{NodeId{0, 4}, HashLeaf("x")}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  late.index = 6;
  EXPECT_THAT(store_->Append(4, {late}, {}, {}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(store_->Size(), IsOkAndHolds(4u));
}

TEST_P(AuditStoreContractTest, FindsEntriesByCustomerLoanKindAndIndexRange) {
  AppendEntries(0, 24);
  EntryFilter by_customer;
  by_customer.customer_id = "c1";
  EXPECT_THAT(store_->FindEntries(by_customer, 100).value(),
              ::testing::ResultOf(Indices, ElementsAre(1, 4, 7, 10, 13, 16, 19, 22)));
  by_customer.begin_index = 5;
  by_customer.end_index = 17;
  EXPECT_THAT(store_->FindEntries(by_customer, 2).value(),
              ::testing::ResultOf(Indices, ElementsAre(7, 10)));

  EntryFilter by_loan;
  by_loan.loan_id = "L3";
  EXPECT_THAT(store_->FindEntries(by_loan, 100).value(),
              ::testing::ResultOf(Indices, ElementsAre(3, 7, 11, 15, 19, 23)));
  by_loan.customer_id = "c0";  // 3, 15: c0; the others are c1/c2.
  EXPECT_THAT(store_->FindEntries(by_loan, 100).value(),
              ::testing::ResultOf(Indices, ElementsAre(3, 15)));

  EntryFilter by_kind;
  by_kind.kind_mask = KindBit(3);  // index % 3 == 2
  by_kind.end_index = 12;
  EXPECT_THAT(store_->FindEntries(by_kind, 100).value(),
              ::testing::ResultOf(Indices, ElementsAre(2, 5, 8, 11)));

  EntryFilter nothing;
  nothing.customer_id = "nobody";
  EXPECT_THAT(store_->FindEntries(nothing, 100).value(), ::testing::IsEmpty());
}

TEST_P(AuditStoreContractTest, MapsTimesToIndicesAndFindsADebtorsLatestEntry) {
  AppendEntries(0, 10);
  EXPECT_THAT(store_->FirstIndexAtOrAfter(kT0 - absl::Hours(1)), IsOkAndHolds(0u));
  EXPECT_THAT(store_->FirstIndexAtOrAfter(kT0 + absl::Milliseconds(4500)), IsOkAndHolds(5u));
  EXPECT_THAT(store_->FirstIndexAtOrAfter(kT0 + absl::Seconds(6)), IsOkAndHolds(6u));
  EXPECT_THAT(store_->FirstIndexAtOrAfter(kT0 + absl::Hours(1)), IsOkAndHolds(10u));
  EXPECT_THAT(store_->LastRecordTime("c2"), IsOkAndHolds(Optional(kT0 + absl::Seconds(8))));
  EXPECT_THAT(store_->LastRecordTime("nobody"), IsOkAndHolds(Eq(std::nullopt)));
}

TEST_P(AuditStoreContractTest, KeepsEveryCheckpoint) {
  EXPECT_THAT(store_->LatestCheckpoint(), IsOkAndHolds(Eq(std::nullopt)));
  for (const uint64_t size : {3, 9, 5}) {
    v1::SignedCheckpoint checkpoint;
    checkpoint.set_log_id("log");
    checkpoint.set_size(size);
    checkpoint.set_root_hash(HashLeaf(absl::StrCat(size)).ToString());
    checkpoint.mutable_timestamp()->set_seconds(1000 + size);
    checkpoint.mutable_timestamp()->set_nanos(7);
    checkpoint.set_key_id("k");
    checkpoint.set_signature(std::string(64, 's'));
    ASSERT_THAT(store_->AddCheckpoint(checkpoint), IsOk());
  }
  ASSERT_OK_AND_ASSIGN(const std::optional<v1::SignedCheckpoint> latest,
                       store_->LatestCheckpoint());
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->size(), 5u);
  EXPECT_EQ(latest->timestamp().nanos(), 7);
  EXPECT_EQ(latest->signature(), std::string(64, 's'));
  ASSERT_OK_AND_ASSIGN(const std::vector<v1::SignedCheckpoint> listed, store_->ListCheckpoints(8));
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].size(), 3u);
  EXPECT_EQ(listed[1].size(), 5u);
}

DebtorKeyRecord Key(std::string key_id, std::string customer_id) {
  DebtorKeyRecord record;
  record.key_id = std::move(key_id);
  record.customer_id = std::move(customer_id);
  record.wrapped_key = "wrapped-" + record.key_id;
  record.wrapping_key_id = "mk";
  record.create_time = kT0;
  return record;
}

TEST_P(AuditStoreContractTest, DebtorKeysOneActivePerDebtorAndTombstonesAfterErasure) {
  ASSERT_OK_AND_ASSIGN(std::vector<DebtorKeyRecord> active,
                       keys_->InsertIfNoActive({Key("k1", "alice"), Key("k2", "bob")}));
  ASSERT_EQ(active.size(), 2u);
  EXPECT_EQ(active[0].key_id, "k1");
  // A second creator for alice loses to the key already there.
  ASSERT_OK_AND_ASSIGN(active, keys_->InsertIfNoActive({Key("k3", "alice")}));
  EXPECT_EQ(active[0].key_id, "k1");
  EXPECT_EQ(active[0].wrapped_key, "wrapped-k1");
  EXPECT_THAT(keys_->FindById("k3"), IsOkAndHolds(Eq(std::nullopt)));

  EXPECT_THAT(keys_->EraseCustomer("alice", kT0 + absl::Hours(1)), IsOkAndHolds(ElementsAre("k1")));
  EXPECT_THAT(keys_->EraseCustomer("alice", kT0 + absl::Hours(2)),
              IsOkAndHolds(::testing::IsEmpty()));
  ASSERT_OK_AND_ASSIGN(const std::optional<DebtorKeyRecord> tombstone, keys_->FindById("k1"));
  ASSERT_TRUE(tombstone.has_value());
  EXPECT_TRUE(tombstone->erased());
  EXPECT_EQ(tombstone->wrapped_key, "");
  EXPECT_EQ(tombstone->erase_time, kT0 + absl::Hours(1));
  EXPECT_THAT(keys_->FindActive("alice"), IsOkAndHolds(Eq(std::nullopt)));

  // A new key after erasure; the old id cannot be reused.
  ASSERT_OK_AND_ASSIGN(active, keys_->InsertIfNoActive({Key("k4", "alice")}));
  EXPECT_EQ(active[0].key_id, "k4");
  EXPECT_THAT(keys_->InsertIfNoActive({Key("k1", "carol")}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(keys_->InsertIfNoActive({Key("", "carol")}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(AuditStoreContractTest, ListsActiveDebtorsInPages) {
  std::vector<DebtorKeyRecord> records;
  for (int i = 0; i < 7; ++i) records.push_back(Key(absl::StrCat("k", i), absl::StrCat("d", i)));
  ASSERT_THAT(keys_->InsertIfNoActive(records), IsOk());
  ASSERT_THAT(keys_->EraseCustomer("d2", kT0), IsOk());
  std::vector<std::string> seen;
  std::string after;
  while (true) {
    ASSERT_OK_AND_ASSIGN(const std::vector<DebtorKeyRecord> page, keys_->ListActive(after, 2));
    for (const DebtorKeyRecord& record : page) seen.push_back(record.customer_id);
    if (page.size() < 2) break;
    after = page.back().customer_id;
  }
  EXPECT_THAT(seen, ElementsAre("d0", "d1", "d3", "d4", "d5", "d6"));
}

INSTANTIATE_TEST_SUITE_P(Backends, AuditStoreContractTest,
                         ::testing::Values(AuditBackend::kInMemory, AuditBackend::kSqlite),
                         [](const ::testing::TestParamInfo<AuditBackend>& info) {
                           return AuditBackendName(info.param);
                         });

TEST(SqliteAuditStoreTest, RefusesADatabaseWithoutTheSchema) {
  ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
  store::SqliteOptions options;
  options.path = dir.File("empty.db");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::SqliteDatabase> db,
                       store::SqliteDatabase::Create(options));
  EXPECT_THAT(SqliteAuditStore::Create(db.get()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("AuditSchemaMigrations")));
  EXPECT_THAT(SqliteDebtorKeyStore::Create(db.get()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // The migrations compose with a service's own list.
  ASSERT_THAT(db->Migrate(AuditSchemaMigrations(store::kFirstServiceMigrationVersion + 50)),
              IsOk());
  EXPECT_THAT(SqliteAuditStore::Create(db.get()), IsOk());
}

TEST(SqliteAuditStoreTest, QueriesUseIndexRangeScans) {
  ASSERT_OK_AND_ASSIGN(store::TempDir dir, store::TempDir::Create());
  store::SqliteOptions options;
  options.path = dir.File("audit.db");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::SqliteDatabase> db, OpenAuditDatabase(options));
  std::vector<std::string> plans;
  ASSERT_THAT(
      db->InSqliteTransaction(
          store::SqliteTransactionMode::kDeferred,
          [&](store::SqliteTransaction& txn) -> absl::Status {
            for (const char* sql :
                 {"EXPLAIN QUERY PLAN SELECT idx FROM audit_entries WHERE customer_id = ?5 AND "
                  "idx >= ?1 AND idx < ?2 ORDER BY idx LIMIT ?4",
                  "EXPLAIN QUERY PLAN SELECT e.idx FROM audit_entry_loans l JOIN audit_entries e "
                  "ON e.idx = l.idx WHERE l.loan_id = ?6 AND l.idx >= ?1 AND l.idx < ?2 ORDER BY "
                  "l.idx LIMIT ?4",
                  "EXPLAIN QUERY PLAN SELECT idx FROM audit_entries WHERE record_time_ns >= ?1 "
                  "ORDER BY record_time_ns, idx LIMIT 1"}) {
              absl::StatusOr<store::SqliteStatement> plan = txn.Prepare(sql);
              if (!plan.ok()) return plan.status();
              std::string text;
              while (true) {
                absl::StatusOr<bool> row = plan->Step();
                if (!row.ok()) return row.status();
                if (!*row) break;
                absl::StrAppend(&text, plan->ColumnText(3), "; ");
              }
              plans.push_back(text);
            }
            return absl::OkStatus();
          }),
      IsOk());
  ASSERT_EQ(plans.size(), 3u);
  EXPECT_THAT(plans[0], HasSubstr("USING COVERING INDEX audit_entries_by_customer (customer_id=? "
                                  "AND rowid>? AND rowid<?)"));
  EXPECT_THAT(plans[1], HasSubstr("USING PRIMARY KEY (loan_id=? AND idx>? AND idx<?)"));
  EXPECT_THAT(plans[2], HasSubstr("USING COVERING INDEX audit_entries_by_time (record_time_ns>?)"));
  for (const std::string& plan : plans) EXPECT_THAT(plan, ::testing::Not(HasSubstr("TEMP B-TREE")));
}

}  // namespace
}  // namespace arrears::compliance::audit
