// The AuditStore and DebtorKeyStore contracts, held against every backend.
#include "services/compliance_auditing/audit/audit_store.h"

#include <cstdio>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status/status_macros.h"
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
#include "services/compliance_auditing/audit/testing/numbered_entries.h"

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
    // A small index batch: the contract's queries span indexed entries and
    // the unindexed tail.
    ASSERT_OK_AND_ASSIGN(store_, SqliteAuditStore::Create(db_.get(), {.index_batch = 4}));
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
  // Three appends (with SQLite's batch of 4: 0..20 indexed, 21..23 not).
  AppendEntries(0, 10);
  AppendEntries(10, 11);
  AppendEntries(21, 3);
  EntryFilter by_customer;
  by_customer.customer_id = "c1";
  EXPECT_THAT(store_->FindEntries(by_customer, 100).value(),
              ::testing::ResultOf(Indices, ElementsAre(1, 4, 7, 10, 13, 16, 19, 22)));
  by_customer.begin_index = 5;
  by_customer.end_index = 17;
  EXPECT_THAT(store_->FindEntries(by_customer, 2).value(),
              ::testing::ResultOf(Indices, ElementsAre(7, 10)));
  by_customer.begin_index = 16;
  by_customer.end_index = std::numeric_limits<uint64_t>::max();
  EXPECT_THAT(store_->FindEntries(by_customer, 2).value(),
              ::testing::ResultOf(Indices, ElementsAre(16, 19)));
  EXPECT_THAT(store_->FindEntries(by_customer, 3).value(),
              ::testing::ResultOf(Indices, ElementsAre(16, 19, 22)));
  by_customer.begin_index = 22;
  EXPECT_THAT(store_->FindEntries(by_customer, 3).value(),
              ::testing::ResultOf(Indices, ElementsAre(22)));

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
  const std::vector<std::string> debtors = {"c2", "nobody", "c0"};
  EXPECT_THAT(store_->LastRecordTimes(debtors),
              IsOkAndHolds(ElementsAre(Optional(kT0 + absl::Seconds(8)), Eq(std::nullopt),
                                       Optional(kT0 + absl::Seconds(9)))));
  AppendEntries(10, 2);  // c1, c2 (SQLite: not indexed yet)
  EXPECT_THAT(store_->LastRecordTimes(debtors),
              IsOkAndHolds(ElementsAre(Optional(kT0 + absl::Seconds(11)), Eq(std::nullopt),
                                       Optional(kT0 + absl::Seconds(9)))));
  EXPECT_THAT(store_->LastRecordTimes({}), IsOkAndHolds(::testing::IsEmpty()));
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
                 {"EXPLAIN QUERY PLAN SELECT e.idx FROM audit_entry_customers c JOIN "
                  "audit_entries e ON e.idx = c.idx WHERE c.customer_id = ?5 AND c.idx >= ?1 AND "
                  "c.idx < ?2 ORDER BY c.idx LIMIT ?4",
                  "EXPLAIN QUERY PLAN SELECT e.idx FROM audit_entry_loans l JOIN audit_entries e "
                  "ON e.idx = l.idx WHERE l.loan_id = ?6 AND l.idx >= ?1 AND l.idx < ?2 ORDER BY "
                  "l.idx LIMIT ?4",
                  "EXPLAIN QUERY PLAN SELECT idx, record_time_ns FROM audit_entries WHERE idx >= "
                  "?1 ORDER BY idx LIMIT 1"}) {
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
  EXPECT_THAT(plans[0], HasSubstr("USING PRIMARY KEY (customer_id=? AND idx>? AND idx<?)"));
  EXPECT_THAT(plans[1], HasSubstr("USING PRIMARY KEY (loan_id=? AND idx>? AND idx<?)"));
  // FirstIndexAtOrAfter's probe (it bisects the index: times follow it).
  EXPECT_THAT(plans[2], HasSubstr("USING INTEGER PRIMARY KEY (rowid>?)"));
  for (const std::string& plan : plans) EXPECT_THAT(plan, ::testing::Not(HasSubstr("TEMP B-TREE")));
}

// The batched indexes: what is written when, and that a store reopened after
// a crash (entries committed, their index rows not yet written) indexes them.
class SqliteAuditIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, store::TempDir::Create());
    Open();
  }
  void Open() {
    store::SqliteOptions options;
    options.path = dir_->File("audit.db");
    ASSERT_OK_AND_ASSIGN(db_, OpenAuditDatabase(options));
  }
  // Entries [first, first + count): customer "c<i % 2>", loans "L<i % 3>" and
  // "shared" (listed twice: links are a set).
  static absl::Status AppendTo(AuditStore& store, uint64_t first, int count) {
    return testing::AppendNumberedEntries(
        store, first, count, /*customers=*/2, kT0, [](uint64_t i) {
          return std::vector<std::string>{absl::StrCat("L", i % 3), "shared", "shared"};
        });
  }
  // Replaces the database with a new one migrated by the first `count`
  // audit migrations only (a log written by an older release).
  void RecreateWithMigrations(size_t count) {
    db_.reset();
    ASSERT_THAT(std::remove(dir_->File("audit.db").c_str()), Eq(0));
    store::SqliteOptions options;
    options.path = dir_->File("audit.db");
    ASSERT_OK_AND_ASSIGN(db_, store::SqliteDatabase::Create(options));
    std::vector<store::Migration> migrations =
        AuditSchemaMigrations(store::kFirstServiceMigrationVersion);
    migrations.resize(count);
    ASSERT_THAT(db_->Migrate(migrations), IsOk());
  }
  // Rows of `table`, and the indexes' high-water mark.
  int64_t Count(const std::string& table) {
    return Select(absl::StrCat("SELECT COUNT(*) FROM ", table));
  }
  int64_t IndexedSize() { return Select("SELECT indexed_size FROM audit_index_state"); }
  // Loan links of the entries above the mark (in their rows, not indexed).
  int64_t PendingLoanLinks() {
    return Select(
        "SELECT COUNT(*) FROM audit_entries e, json_each(e.loan_ids) WHERE e.idx >= "
        "(SELECT indexed_size FROM audit_index_state)");
  }
  int64_t Select(const std::string& sql) {
    int64_t value = -1;
    EXPECT_THAT(db_->InSqliteTransaction(store::SqliteTransactionMode::kDeferred,
                                         [&](store::SqliteTransaction& txn) -> absl::Status {
                                           ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement select,
                                                                    txn.Prepare(sql));
                                           ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
                                           if (row) value = select.ColumnInt64(0);
                                           return absl::OkStatus();
                                         }),
                IsOk());
    return value;
  }
  std::vector<uint64_t> Find(AuditStore& store, std::string customer, std::string loan) {
    EntryFilter filter;
    filter.customer_id = std::move(customer);
    filter.loan_id = std::move(loan);
    absl::StatusOr<std::vector<StoredEntry>> found = store.FindEntries(filter, 1000);
    EXPECT_THAT(found, IsOk());
    std::vector<uint64_t> indices;
    if (found.ok()) {
      for (const StoredEntry& entry : *found) indices.push_back(entry.index);
    }
    return indices;
  }

  std::optional<store::TempDir> dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
};

TEST_F(SqliteAuditIndexTest, WritesIndexRowsOncePerBatchAndQueriesSeeTheTail) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteAuditStore> store,
                       SqliteAuditStore::Create(db_.get(), {.index_batch = 5}));
  ASSERT_THAT(AppendTo(*store, 0, 3), IsOk());
  ASSERT_THAT(AppendTo(*store, 3, 1), IsOk());
  // Below the batch: links pending, no index rows.
  EXPECT_EQ(Count("audit_entry_customers"), 0);
  EXPECT_EQ(Count("audit_entry_loans"), 0);
  EXPECT_EQ(PendingLoanLinks(), 12);
  EXPECT_EQ(IndexedSize(), 0);
  EXPECT_THAT(Find(*store, "c1", ""), ElementsAre(1, 3));
  EXPECT_THAT(Find(*store, "", "L0"), ElementsAre(0, 3));
  EXPECT_THAT(Find(*store, "", "shared"), ElementsAre(0, 1, 2, 3));
  EXPECT_THAT(Find(*store, "c0", "shared"), ElementsAre(0, 2));
  // The fifth entry completes a batch: everything moves into the indexes.
  ASSERT_THAT(AppendTo(*store, 4, 2), IsOk());
  EXPECT_EQ(Count("audit_entry_customers"), 6);
  EXPECT_EQ(Count("audit_entry_loans"), 12);  // "shared" once per entry
  EXPECT_EQ(PendingLoanLinks(), 0);
  EXPECT_EQ(IndexedSize(), 6);
  // Everything indexed: the latest entries come from the index.
  EXPECT_THAT(store->LastRecordTimes({"c0", "c1", "nobody"}),
              IsOkAndHolds(ElementsAre(Optional(kT0 + absl::Seconds(4)),
                                       Optional(kT0 + absl::Seconds(5)), Eq(std::nullopt))));
  ASSERT_THAT(AppendTo(*store, 6, 2), IsOk());
  EXPECT_EQ(IndexedSize(), 6);
  EXPECT_THAT(Find(*store, "c1", ""), ElementsAre(1, 3, 5, 7));
  EXPECT_THAT(Find(*store, "", "L0"), ElementsAre(0, 3, 6));
  EXPECT_THAT(Find(*store, "c0", "shared"), ElementsAre(0, 2, 4, 6));
  // c0's latest entry is in the unindexed tail, c1's (7) too; both answered
  // with one pass over the tail, and c1's earlier entries from the index.
  EXPECT_THAT(store->LastRecordTimes({"c0", "c1"}),
              IsOkAndHolds(
                  ElementsAre(Optional(kT0 + absl::Seconds(6)), Optional(kT0 + absl::Seconds(7)))));
}

TEST_F(SqliteAuditIndexTest, ARolledBackFlushLeavesTheMarkAndThePendingLinks) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteAuditStore> store,
                       SqliteAuditStore::Create(db_.get(), {.index_batch = 3}));
  ASSERT_THAT(AppendTo(*store, 0, 2), IsOk());
  const absl::Status rolled_back = db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<AuditStore> within, store->InTransaction(txn));
    ARREARS_RETURN_IF_ERROR(AppendTo(*within, 2, 2));
    EXPECT_THAT(Find(*within, "c0", ""), ElementsAre(0, 2));
    return absl::AbortedError("caller fails after the append");
  });
  EXPECT_THAT(rolled_back, StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(IndexedSize(), 0);
  EXPECT_EQ(PendingLoanLinks(), 6);
  EXPECT_EQ(Count("audit_entry_customers"), 0);
  EXPECT_THAT(Find(*store, "c0", ""), ElementsAre(0));
}

TEST_F(SqliteAuditIndexTest, AStoreReopenedAfterACrashIndexesEveryCommittedEntry) {
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteAuditStore> store,
                         SqliteAuditStore::Create(db_.get(), {.index_batch = 4}));
    ASSERT_THAT(AppendTo(*store, 0, 4), IsOk());  // indexed
    ASSERT_THAT(AppendTo(*store, 4, 3), IsOk());  // committed, not indexed
  }
  // The process dies here: nothing but the database survives.
  db_.reset();
  Open();
  EXPECT_EQ(IndexedSize(), 4);
  EXPECT_EQ(Count("audit_entry_customers"), 4);
  EXPECT_EQ(PendingLoanLinks(), 9);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteAuditStore> reopened,
                       SqliteAuditStore::Create(db_.get(), {.index_batch = 100}));
  EXPECT_EQ(IndexedSize(), 7);
  EXPECT_EQ(Count("audit_entry_customers"), 7);
  EXPECT_EQ(Count("audit_entry_loans"), 14);
  EXPECT_EQ(PendingLoanLinks(), 0);
  // Each committed entry has exactly its rows.
  for (uint64_t index = 0; index < 7; ++index) {
    EXPECT_EQ(Select(absl::StrCat("SELECT COUNT(*) FROM audit_entry_customers WHERE idx = ", index,
                                  " AND customer_id = 'c", index % 2, "'")),
              1)
        << index;
    EXPECT_EQ(Select(absl::StrCat("SELECT COUNT(*) FROM audit_entry_loans WHERE idx = ", index,
                                  " AND loan_id IN ('shared', 'L", index % 3, "')")),
              2)
        << index;
  }
  EXPECT_THAT(Find(*reopened, "c0", "L1"), ElementsAre(4));
  EXPECT_THAT(Find(*reopened, "c1", ""), ElementsAre(1, 3, 5));
}

TEST_F(SqliteAuditIndexTest, EntriesRemovedOutsideTheLogLeaveNoStaleIndexRows) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteAuditStore> store,
                       SqliteAuditStore::Create(db_.get(), {.index_batch = 2}));
  ASSERT_THAT(AppendTo(*store, 0, 4), IsOk());  // indexed: c0 {0, 2}, c1 {1, 3}
  EXPECT_EQ(IndexedSize(), 4);
  // Tampering removes entries 2 and 3; the log would append there again.
  auto remove_from = [this](int index) {
    return db_->InSqliteTransaction(
        store::SqliteTransactionMode::kImmediate, [index](store::SqliteTransaction& txn) {
          return txn.Execute(absl::StrCat("DELETE FROM audit_entries WHERE idx >= ", index));
        });
  };
  ASSERT_THAT(remove_from(2), IsOk());
  // Index 2 again, now with customer c1 and loan L9.
  std::vector<StoredEntry> entries(1);
  entries[0].index = 2;
  entries[0].leaf_data = "replacement";
  entries[0].leaf_hash = HashLeaf(entries[0].leaf_data);
  entries[0].kind = 1;
  entries[0].customer_id = "c1";
  entries[0].record_time = kT0 + absl::Seconds(2);
  const LoanLink link{2, "L9"};
  ASSERT_THAT(store->Append(2, entries, absl::MakeConstSpan(&link, 1), {}), IsOk());
  EXPECT_EQ(IndexedSize(), 2);
  EXPECT_THAT(Find(*store, "c0", ""), ElementsAre(0));
  EXPECT_THAT(Find(*store, "c1", ""), ElementsAre(1, 2));
  EXPECT_THAT(Find(*store, "", "L2"), ::testing::IsEmpty());  // was entry 2's loan
  EXPECT_THAT(Find(*store, "", "L9"), ElementsAre(2));
  EXPECT_THAT(Find(*store, "", "shared"), ElementsAre(0, 1));
  // A reopen with the store below the mark lowers it too.
  ASSERT_THAT(remove_from(1), IsOk());
  ASSERT_OK_AND_ASSIGN(store, SqliteAuditStore::Create(db_.get(), {.index_batch = 2}));
  EXPECT_EQ(IndexedSize(), 1);
  EXPECT_EQ(Count("audit_entry_customers"), 1);
  EXPECT_EQ(PendingLoanLinks(), 0);
  EXPECT_THAT(Find(*store, "c1", ""), ::testing::IsEmpty());
}

TEST_F(SqliteAuditIndexTest, MigratesALogCreatedWithTheCustomerIndexOnEntries) {
  // A log from before the batched indexes: the first migration only.
  RecreateWithMigrations(1);
  EXPECT_THAT(SqliteAuditStore::Create(db_.get()),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("AuditIndexMigration")));
  ASSERT_THAT(db_->InSqliteTransaction(
                  store::SqliteTransactionMode::kImmediate,
                  [](store::SqliteTransaction& txn) {
                    return txn.ExecuteScript(
                        "INSERT INTO audit_entries VALUES (0, x'00', zeroblob(32), 1, 'c0', 1);"
                        "INSERT INTO audit_entries VALUES (1, x'01', zeroblob(32), 1, 'c1', 2);"
                        "INSERT INTO audit_entry_loans VALUES ('L9', 1);");
                  }),
              IsOk());
  ASSERT_THAT(db_->Migrate(AuditSchemaMigrations(store::kFirstServiceMigrationVersion)), IsOk());
  EXPECT_EQ(IndexedSize(), 2);
  EXPECT_EQ(Count("audit_entry_customers"), 2);
  EXPECT_EQ(Select("SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit_entries_by_customer'"),
            0);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteAuditStore> store,
                       SqliteAuditStore::Create(db_.get()));
  EXPECT_THAT(Find(*store, "c1", ""), ElementsAre(1));
  EXPECT_THAT(Find(*store, "", "L9"), ElementsAre(1));
}

TEST_F(SqliteAuditIndexTest, MigratesNodesToAppendOrderAndDropsTheTimeIndex) {
  // A log from before the node layout: the first two migrations, nodes keyed
  // (level, idx) — here the tree over leaves 0..3 plus node (1, 2).
  RecreateWithMigrations(2);
  EXPECT_THAT(SqliteAuditStore::Create(db_.get()), StatusIs(absl::StatusCode::kFailedPrecondition,
                                                            HasSubstr("AuditNodeLayoutMigration")));
  std::string script;
  for (int i = 0; i < 6; ++i) {
    absl::StrAppend(&script, "INSERT INTO audit_entries VALUES (", i, ", x'0", i, "', x'",
                    std::string(64, static_cast<char>('a' + i)), "', 1, 'c', ", 100 * i, ");");
  }
  absl::StrAppend(&script, "INSERT INTO audit_nodes VALUES (1, 0, x'", std::string(64, '1'), "');",
                  "INSERT INTO audit_nodes VALUES (1, 1, x'", std::string(64, '2'), "');",
                  "INSERT INTO audit_nodes VALUES (2, 0, x'", std::string(64, '3'), "');",
                  "INSERT INTO audit_nodes VALUES (1, 2, x'", std::string(64, '4'), "');");
  ASSERT_THAT(db_->InSqliteTransaction(
                  store::SqliteTransactionMode::kImmediate,
                  [&](store::SqliteTransaction& txn) { return txn.ExecuteScript(script); }),
              IsOk());
  ASSERT_THAT(db_->Migrate(AuditSchemaMigrations(store::kFirstServiceMigrationVersion)), IsOk());
  EXPECT_EQ(Select("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('audit_nodes', "
                   "'audit_entries_by_time')"),
            0);
  // Keys in the order the appends completed the nodes: (1,0) at leaf 1,
  // (1,1) and (2,0) at leaf 3, (1,2) at leaf 5.
  EXPECT_EQ(Select("SELECT COUNT(*) FROM audit_node_hashes"), 4);
  EXPECT_EQ(Select("SELECT COUNT(*) FROM audit_node_hashes WHERE node_key IN (65, 193, 194, 321)"),
            4);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteAuditStore> store,
                       SqliteAuditStore::Create(db_.get()));
  ASSERT_OK_AND_ASSIGN(const std::vector<Sha256Hash> hashes,
                       store->ReadNodes({{1, 0}, {1, 1}, {2, 0}, {1, 2}, {0, 4}}));
  ASSERT_EQ(hashes.size(), 5u);
  EXPECT_EQ(hashes[0].bytes[0], 0x11);
  EXPECT_EQ(hashes[1].bytes[0], 0x22);
  EXPECT_EQ(hashes[2].bytes[0], 0x33);
  EXPECT_EQ(hashes[3].bytes[0], 0x44);
  EXPECT_EQ(hashes[4].bytes[0], 0xee);
  EXPECT_THAT(store->ReadNodes({{2, 1}}), StatusIs(absl::StatusCode::kNotFound));
  // The time lookup, without its index: exact, between and beyond entries.
  EXPECT_THAT(store->FirstIndexAtOrAfter(absl::FromUnixNanos(0)), IsOkAndHolds(0));
  EXPECT_THAT(store->FirstIndexAtOrAfter(absl::FromUnixNanos(300)), IsOkAndHolds(3));
  EXPECT_THAT(store->FirstIndexAtOrAfter(absl::FromUnixNanos(301)), IsOkAndHolds(4));
  EXPECT_THAT(store->FirstIndexAtOrAfter(absl::FromUnixNanos(501)), IsOkAndHolds(6));
}

TEST_F(SqliteAuditIndexTest, MovesPendingLinksIntoTheirEntriesAndStillReadsOlderNodes) {
  // A log from before the entry columns: leaves 0..3, their nodes in
  // audit_node_hashes, entries 2 and 3 above the index mark with pending
  // links.
  RecreateWithMigrations(3);
  EXPECT_THAT(
      SqliteAuditStore::Create(db_.get()),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("AuditEntryColumnsMigration")));
  MemoryTree tree;
  std::string script;
  for (int i = 0; i < 4; ++i) {
    const Sha256Hash leaf = HashLeaf(absl::StrCat("leaf-", i));
    tree.AppendLeafHash(leaf);
    absl::StrAppend(&script, "INSERT INTO audit_entries VALUES (", i, ", 'leaf-", i, "', x'",
                    absl::BytesToHexString(leaf.view()), "', 1, 'c", i % 2, "', ", i, ");");
  }
  for (const NodeId id : {NodeId{1, 0}, NodeId{1, 1}, NodeId{2, 0}}) {
    ASSERT_OK_AND_ASSIGN(const std::vector<Sha256Hash> hash,
                         tree.ReadNodes(absl::MakeConstSpan(&id, 1)));
    absl::StrAppend(&script, "INSERT INTO audit_node_hashes VALUES (",
                    *AuditNodeRowKey(id.level, id.index), ", x'",
                    absl::BytesToHexString(hash[0].view()), "');");
  }
  absl::StrAppend(&script, "UPDATE audit_index_state SET indexed_size = 2;",
                  "INSERT INTO audit_entry_loans VALUES ('L0', 0), ('L1', 1);",
                  "INSERT INTO audit_pending_loan_links (idx, loan_id) VALUES (2, 'L2'), ",
                  "(2, 'shared'), (3, 'L0'), (3, 'say \"hi\"');");
  ASSERT_THAT(db_->InSqliteTransaction(
                  store::SqliteTransactionMode::kImmediate,
                  [&](store::SqliteTransaction& txn) { return txn.ExecuteScript(script); }),
              IsOk());
  ASSERT_THAT(db_->Migrate(AuditSchemaMigrations(store::kFirstServiceMigrationVersion)), IsOk());
  EXPECT_EQ(Select("SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit_pending_loan_links'"),
            0);
  EXPECT_EQ(PendingLoanLinks(), 4);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteAuditStore> store,
                       SqliteAuditStore::Create(db_.get(), {.index_batch = 4}));
  // Create's catch-up indexed the moved links, quotes and all.
  EXPECT_EQ(IndexedSize(), 4);
  EXPECT_THAT(Find(*store, "", "L0"), ElementsAre(0, 3));
  EXPECT_THAT(Find(*store, "", "say \"hi\""), ElementsAre(3));
  EXPECT_THAT(Find(*store, "c0", "shared"), ElementsAre(2));
  // Leaves 4..7 appended now: their nodes go into their rows, and every
  // tree hash is answerable across both layouts.
  std::vector<StoredEntry> entries(4);
  std::vector<StoredNode> nodes;
  for (int i = 0; i < 4; ++i) {
    entries[i].index = 4 + i;
    entries[i].leaf_data = absl::StrCat("leaf-", 4 + i);
    entries[i].leaf_hash = HashLeaf(entries[i].leaf_data);
    entries[i].kind = 1;
    entries[i].customer_id = "c0";
    entries[i].record_time = kT0;
    tree.AppendLeafHash(entries[i].leaf_hash);
  }
  for (const NodeId id : {NodeId{1, 2}, NodeId{1, 3}, NodeId{2, 1}, NodeId{3, 0}}) {
    ASSERT_OK_AND_ASSIGN(const std::vector<Sha256Hash> hash,
                         tree.ReadNodes(absl::MakeConstSpan(&id, 1)));
    nodes.push_back({id, hash[0]});
  }
  const LoanLink link{5, "L5"};
  ASSERT_THAT(store->Append(4, entries, absl::MakeConstSpan(&link, 1), nodes), IsOk());
  EXPECT_EQ(Count("audit_node_hashes"), 3);
  EXPECT_EQ(Select("SELECT length(node_hashes) FROM audit_entries WHERE idx = 7"), 3 * 33);
  for (uint64_t size = 1; size <= 8; ++size) {
    EXPECT_THAT(TreeHash(size, *store), IsOkAndHolds(*TreeHash(size, tree))) << size;
  }
  // The batch completed: every entry's loans and customer are indexed.
  EXPECT_EQ(IndexedSize(), 8);
  EXPECT_EQ(PendingLoanLinks(), 0);
  EXPECT_EQ(Count("audit_entry_loans"), 2 + 4 + 1);
  EXPECT_THAT(Find(*store, "", "L5"), ElementsAre(5));
  EXPECT_THAT(Find(*store, "", "say \"hi\""), ElementsAre(3));
}

TEST(AuditNodeRowKeyTest, KeysGrowInTheOrderAppendsCompleteNodes) {
  EXPECT_EQ(AuditNodeRowKey(1, 0), (1 << 6) | 1);
  EXPECT_EQ(AuditNodeRowKey(1, 1), (3 << 6) | 1);
  EXPECT_EQ(AuditNodeRowKey(2, 0), (3 << 6) | 2);
  EXPECT_EQ(AuditNodeRowKey(1, 2), (5 << 6) | 1);
  EXPECT_LT(*AuditNodeRowKey(1, 1), *AuditNodeRowKey(2, 0));
  EXPECT_LT(*AuditNodeRowKey(2, 0), *AuditNodeRowKey(1, 2));
  EXPECT_EQ(AuditNodeRowKey(55, 0), (((int64_t{1} << 55) - 1) << 6) | 55);
  EXPECT_EQ(AuditNodeRowKey(56, 0), std::nullopt);
  EXPECT_EQ(AuditNodeRowKey(10, uint64_t{1} << 46), std::nullopt);
  EXPECT_EQ(AuditNodeRowKey(-1, 0), std::nullopt);
}

}  // namespace
}  // namespace arrears::compliance::audit
