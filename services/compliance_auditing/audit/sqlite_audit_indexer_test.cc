// SqliteAuditStore with index_in_background: the indexer writes what the
// inline flush writes, queries never depend on how far a pass got, and a
// pass never overwrites a mark someone else moved.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/status/status_macros.h"
#include "common/status/status_matchers.h"
#include "common/store/sqlite_database.h"
#include "common/store/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/audit/audit_store.h"
#include "services/compliance_auditing/audit/sqlite_audit_schema.h"
#include "services/compliance_auditing/audit/sqlite_audit_store.h"
#include "services/compliance_auditing/audit/testing/numbered_entries.h"

namespace arrears::compliance::audit {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'767'225'600);

// Small batches and chunks: a pass of 40 entries writes 40 customer rows and
// 60 loan rows in 34 chunks.
constexpr SqliteAuditStoreOptions kBackground{
    .index_batch = 16, .index_in_background = true, .index_chunk_rows = 3};
constexpr SqliteAuditStoreOptions kInline{.index_batch = 16};

class SqliteAuditIndexerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, store::TempDir::Create());
    db_ = Open("audit.db");
  }

  std::unique_ptr<store::SqliteDatabase> Open(const std::string& file) {
    store::SqliteOptions options;
    options.path = dir_->File(file);
    absl::StatusOr<std::unique_ptr<store::SqliteDatabase>> db = OpenAuditDatabase(options);
    EXPECT_THAT(db, IsOk());
    return db.ok() ? *std::move(db) : nullptr;
  }

  // A store whose passes run only when the test calls IndexCommittedEntries.
  std::unique_ptr<SqliteAuditStore> ManualStore(store::SqliteDatabase* db) {
    absl::StatusOr<std::unique_ptr<SqliteAuditStore>> created =
        SqliteAuditStore::Create(db, kBackground);
    EXPECT_THAT(created, IsOk());
    if (!created.ok()) return nullptr;
    (*created)->StopIndexerForTesting();
    return *std::move(created);
  }

  // Entries [first, first + count): customer "c<i % 3>", loans "L<i % 4>"
  // and, for even i, "even" (listed twice: links are a set).
  static absl::Status AppendTo(AuditStore& store, uint64_t first, int count) {
    return testing::AppendNumberedEntries(
        store, first, count, /*customers=*/3, kT0, [](uint64_t i) {
          std::vector<std::string> loans = {absl::StrCat("L", i % 4)};
          if (i % 2 == 0) loans.insert(loans.end(), 2, "even");
          return loans;
        });
  }
  // Appends [0, 40) in appends of 5: the inline store flushes at 20 and 40.
  static void AppendForty(AuditStore& store) {
    for (uint64_t first = 0; first < 40; first += 5) ASSERT_THAT(AppendTo(store, first, 5), IsOk());
  }

  static std::string SelectText(store::SqliteDatabase& db, const std::string& sql) {
    std::string text;
    EXPECT_THAT(db.InSqliteTransaction(store::SqliteTransactionMode::kDeferred,
                                       [&](store::SqliteTransaction& txn) -> absl::Status {
                                         ARREARS_ASSIGN_OR_RETURN(store::SqliteStatement select,
                                                                  txn.Prepare(sql));
                                         ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
                                         if (row) text = std::string(select.ColumnText(0));
                                         return absl::OkStatus();
                                       }),
                IsOk());
    return text;
  }
  static int64_t Select(store::SqliteDatabase& db, const std::string& sql) {
    const std::string text = SelectText(db, sql);
    return text.empty() ? -1 : std::stoll(text);
  }
  static int64_t Mark(store::SqliteDatabase& db) {
    return Select(db, "SELECT indexed_size FROM audit_index_state");
  }
  // Every index row, in key order.
  static std::string IndexRows(store::SqliteDatabase& db) {
    return absl::StrCat(
        SelectText(db,
                   "SELECT group_concat(customer_id || ':' || idx, ' ') FROM "
                   "(SELECT * FROM audit_entry_customers ORDER BY customer_id, idx)"),
        " | ",
        SelectText(db,
                   "SELECT group_concat(loan_id || ':' || idx, ' ') FROM "
                   "(SELECT * FROM audit_entry_loans ORDER BY loan_id, idx)"));
  }
  static absl::Status Execute(store::SqliteDatabase& db, const std::string& sql) {
    return db.InSqliteTransaction(store::SqliteTransactionMode::kImmediate,
                                  [&](store::SqliteTransaction& txn) { return txn.Execute(sql); });
  }

  // What queries by customer, loan and both answer, and each debtor's
  // latest record time (c9 has no entries).
  static std::string Answers(AuditStore& store) {
    std::string answers;
    for (const auto& [customer, loan] : std::vector<std::pair<std::string, std::string>>{
             {"c0", ""}, {"c1", ""}, {"", "L1"}, {"", "even"}, {"c2", "even"}, {"c9", ""}}) {
      EntryFilter filter;
      filter.customer_id = customer;
      filter.loan_id = loan;
      absl::StatusOr<std::vector<StoredEntry>> found = store.FindEntries(filter, 1000);
      EXPECT_THAT(found, IsOk());
      absl::StrAppend(&answers, customer, "/", loan, ":");
      if (found.ok()) {
        for (const StoredEntry& entry : *found) absl::StrAppend(&answers, " ", entry.index);
      }
      absl::StrAppend(&answers, "\n");
    }
    absl::StatusOr<std::vector<std::optional<absl::Time>>> times =
        store.LastRecordTimes({"c0", "c1", "c2", "c9"});
    EXPECT_THAT(times, IsOk());
    if (times.ok()) {
      for (const std::optional<absl::Time>& time : *times) {
        absl::StrAppend(&answers, time.has_value() ? absl::FormatTime(*time) : "none", "\n");
      }
    }
    return answers;
  }

  std::optional<store::TempDir> dir_;
  std::unique_ptr<store::SqliteDatabase> db_;
};

TEST_F(SqliteAuditIndexerTest, APassWritesExactlyTheRowsOfTheInlineFlush) {
  std::unique_ptr<store::SqliteDatabase> inline_db = Open("inline.db");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteAuditStore> inline_store,
                       SqliteAuditStore::Create(inline_db.get(), kInline));
  AppendForty(*inline_store);
  ASSERT_EQ(Mark(*inline_db), 40);

  std::unique_ptr<SqliteAuditStore> store = ManualStore(db_.get());
  AppendForty(*store);
  // The appends wrote their entries only.
  EXPECT_EQ(Mark(*db_), 0);
  EXPECT_EQ(Select(*db_, "SELECT COUNT(*) FROM audit_entry_customers"), 0);
  EXPECT_EQ(Select(*db_, "SELECT COUNT(*) FROM audit_entry_loans"), 0);
  EXPECT_THAT(store->IndexCommittedEntries(), IsOkAndHolds(40u));
  EXPECT_EQ(Mark(*db_), 40);
  EXPECT_EQ(IndexRows(*db_), IndexRows(*inline_db));
  EXPECT_THAT(IndexRows(*db_), HasSubstr("c0:0 c0:3"));
  EXPECT_EQ(Answers(*store), Answers(*inline_store));

  // Fewer than a batch above the mark: a pass leaves them to the tail.
  ASSERT_THAT(AppendTo(*store, 40, 15), IsOk());
  EXPECT_THAT(store->IndexCommittedEntries(), IsOkAndHolds(40u));
  EXPECT_EQ(Select(*db_, "SELECT COUNT(*) FROM audit_entry_customers"), 40);
  EXPECT_THAT(store->last_index_error(), IsOk());
}

TEST_F(SqliteAuditIndexerTest, QueriesAnswerTheSameBeforeDuringAndAfterAPass) {
  std::unique_ptr<store::SqliteDatabase> inline_db = Open("inline.db");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteAuditStore> inline_store,
                       SqliteAuditStore::Create(inline_db.get(), kInline));
  AppendForty(*inline_store);
  const std::string expected = Answers(*inline_store);
  ASSERT_THAT(expected, HasSubstr("c0/: 0 3 6 9 12 15 18 21 24 27 30 33 36 39\n"));

  std::unique_ptr<SqliteAuditStore> store = ManualStore(db_.get());
  AppendForty(*store);
  EXPECT_EQ(Answers(*store), expected);
  // The process dies after the pass's second chunk: 6 rows above the mark.
  store->SetIndexChunkHookForTesting([](size_t chunk, size_t chunks) {
    EXPECT_EQ(chunks, 34u);
    return chunk == 1 ? absl::InternalError("crash") : absl::OkStatus();
  });
  EXPECT_THAT(store->IndexCommittedEntries(), StatusIs(absl::StatusCode::kInternal));
  EXPECT_EQ(Mark(*db_), 0);
  EXPECT_EQ(Select(*db_, "SELECT COUNT(*) FROM audit_entry_customers"), 6);
  EXPECT_EQ(Answers(*store), expected);
  // A row above the mark that no entry's links back (c9 at entry 5, which
  // is c2's): queries must not take it for an indexed one.
  ASSERT_THAT(Execute(*db_, "INSERT INTO audit_entry_customers VALUES ('c9', 5)"), IsOk());
  EXPECT_EQ(Answers(*store), expected);

  // The next pass writes the rest (the crashed chunks again, ignored) and
  // raises the mark.
  store->SetIndexChunkHookForTesting(nullptr);
  EXPECT_THAT(store->IndexCommittedEntries(), IsOkAndHolds(40u));
  ASSERT_THAT(Execute(*db_, "DELETE FROM audit_entry_customers WHERE customer_id = 'c9'"), IsOk());
  EXPECT_EQ(IndexRows(*db_), IndexRows(*inline_db));
  EXPECT_EQ(Answers(*store), expected);
}

TEST_F(SqliteAuditIndexerTest, APassKeepsAMarkMovedUnderIt) {
  std::unique_ptr<store::SqliteDatabase> inline_db = Open("inline.db");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteAuditStore> inline_store,
                       SqliteAuditStore::Create(inline_db.get(), kInline));
  AppendForty(*inline_store);
  std::unique_ptr<SqliteAuditStore> store = ManualStore(db_.get());
  AppendForty(*store);
  // Another process's indexer (here: the test) sets the mark to 7 after the
  // pass's last chunk, before the pass raises it.
  store->SetIndexChunkHookForTesting([this](size_t chunk, size_t chunks) {
    if (chunk + 1 < chunks) return absl::OkStatus();
    return Execute(*db_, "UPDATE audit_index_state SET indexed_size = 7");
  });
  EXPECT_THAT(store->IndexCommittedEntries(), IsOkAndHolds(7u));
  EXPECT_EQ(Mark(*db_), 7);

  // Moved after the first chunk: the pass writes no further chunk.
  const auto unindex = [this] {
    ASSERT_THAT(Execute(*db_, "DELETE FROM audit_entry_customers"), IsOk());
    ASSERT_THAT(Execute(*db_, "DELETE FROM audit_entry_loans"), IsOk());
    ASSERT_THAT(Execute(*db_, "UPDATE audit_index_state SET indexed_size = 0"), IsOk());
  };
  unindex();
  store->SetIndexChunkHookForTesting([this](size_t chunk, size_t /*chunks*/) {
    if (chunk != 0) return absl::OkStatus();
    return Execute(*db_, "UPDATE audit_index_state SET indexed_size = 5");
  });
  EXPECT_THAT(store->IndexCommittedEntries(), IsOkAndHolds(5u));
  EXPECT_EQ(Mark(*db_), 5);
  EXPECT_EQ(Select(*db_, "SELECT COUNT(*) FROM audit_entry_customers"), 3);

  // Left alone, a pass indexes everything.
  unindex();
  store->SetIndexChunkHookForTesting(nullptr);
  EXPECT_THAT(store->IndexCommittedEntries(), IsOkAndHolds(40u));
  EXPECT_EQ(Answers(*store), Answers(*inline_store));
}

// Waits (up to 10 s) for the mark in `db` to reach `size`.
bool MarkReaches(store::SqliteDatabase& db, int64_t size) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    int64_t mark = -1;
    EXPECT_THAT(db.InSqliteTransaction(store::SqliteTransactionMode::kDeferred,
                                       [&](store::SqliteTransaction& txn) -> absl::Status {
                                         ARREARS_ASSIGN_OR_RETURN(
                                             store::SqliteStatement select,
                                             txn.Prepare("SELECT indexed_size FROM "
                                                         "audit_index_state"));
                                         ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
                                         if (row) mark = select.ColumnInt64(0);
                                         return absl::OkStatus();
                                       }),
                IsOk());
    if (mark >= size) return true;
    absl::SleepFor(absl::Milliseconds(5));
  }
  return false;
}

TEST_F(SqliteAuditIndexerTest, TheThreadIndexesWhatAppendsInTransactionsCommit) {
  std::unique_ptr<store::SqliteDatabase> inline_db = Open("inline.db");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteAuditStore> inline_store,
                       SqliteAuditStore::Create(inline_db.get(), kInline));
  ASSERT_THAT(AppendTo(*inline_store, 0, 40), IsOk());
  // Woken by the append alone: the thread never polls.
  SqliteAuditStoreOptions options = kBackground;
  options.index_poll_interval = absl::InfiniteDuration();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteAuditStore> store,
                       SqliteAuditStore::Create(db_.get(), options));
  // As the service appends: in a transaction of its own, which completes a
  // batch.
  ASSERT_THAT(db_->InTransaction([&](store::Transaction& txn) -> absl::Status {
    ARREARS_ASSIGN_OR_RETURN(std::unique_ptr<AuditStore> within, store->InTransaction(txn));
    return AppendTo(*within, 0, 40);
  }),
              IsOk());
  EXPECT_TRUE(MarkReaches(*db_, 40));
  EXPECT_EQ(Mark(*db_), 40);
  EXPECT_EQ(IndexRows(*db_), IndexRows(*inline_db));
  EXPECT_EQ(Answers(*store), Answers(*inline_store));
  EXPECT_THAT(store->last_index_error(), IsOk());
}

TEST_F(SqliteAuditIndexerTest, TheThreadFindsEntriesAppendedByAnotherProcess) {
  SqliteAuditStoreOptions options = kBackground;
  options.index_poll_interval = absl::Milliseconds(10);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<SqliteAuditStore> store,
                       SqliteAuditStore::Create(db_.get(), options));
  // The other process: its own connection and store, no indexer of its own.
  std::unique_ptr<store::SqliteDatabase> other_db = Open("audit.db");
  std::unique_ptr<SqliteAuditStore> other = ManualStore(other_db.get());
  AppendForty(*other);
  EXPECT_TRUE(MarkReaches(*db_, 40));
  EXPECT_EQ(Select(*db_, "SELECT COUNT(*) FROM audit_entry_customers"), 40);
}

TEST_F(SqliteAuditIndexerTest, RejectsChunksOfNoRows) {
  EXPECT_THAT(
      SqliteAuditStore::Create(db_.get(), {.index_in_background = true, .index_chunk_rows = 0}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("index_chunk_rows")));
}

}  // namespace
}  // namespace arrears::compliance::audit
