// SqliteAuditStore: AuditStore on the audit schema (sqlite_audit_schema.h)
// of a SqliteDatabase.
//
// Append is one IMMEDIATE transaction: durability per batch is the
// database's synchronous setting (open the audit database with kFull for an
// fsync per batch). Reads are DEFERRED transactions on the same connection;
// SqliteDatabase serializes them with appends. InTransaction() gives the same
// operations inside a transaction the caller has open (the service appends an
// entry in the transaction of the event or request it records). All SQL lives
// in the .cc file as constants with bound parameters.
//
// One row per entry. An entry's row also holds its loan ids and the hashes
// of the Merkle nodes its leaf completes (a node is complete when its last
// leaf is appended), so an append inserts at the end of one B-tree only.
// Each further B-tree a commit touched cost it a page or two of WAL.
//
// Indexes in batches. The customer and loan indexes (queries by customer or
// loan) would cost each append a random B-tree page per index — most of a
// decision's WAL pages. So they are written for `index_batch` entries at a
// time, and the indexes' high-water mark says how far: queries read the
// indexes below the mark and scan the entries above it (the links are in
// their entries' rows either way, the AuditStore contract), so index rows
// above the mark are never read. Create() indexes whatever is above the
// mark (entries committed before a crash or a stop), so after a restart the
// indexes cover every committed entry. If entries were removed outside the
// log (tampering, which AuditLog::Verify reports), the next append or
// Create lowers the mark to the store's size and drops the index rows from
// there on.
//
// Who writes a batch (index_in_background):
//   - false: the appending transaction that completes a batch moves the
//     waiting entries' customers and loans, sorted, into the index tables
//     and raises the mark. That transaction takes 15-20 ms instead of a
//     fraction of one, and in the service it is a group commit: every
//     decision in flight waits for it.
//   - true: appends only insert their entries; a thread of the store indexes
//     committed entries once a batch awaits (an append that completes one
//     wakes it; it also looks every index_poll_interval, for appends by
//     other processes on the file). It reads the waiting links, sorts them,
//     and inserts them in transactions of index_chunk_rows rows, pausing
//     after each for as long as it took, so an appender waits for at most
//     one such transaction and gets at least half of the database's time
//     during a pass; then it raises the mark in a transaction of
//     its own, only if the mark is still the one it started from (another
//     process's indexer or a lowering got there first; a chunk that finds
//     the mark moved stops the pass). Queries then scan up to index_batch
//     entries plus those appended during a pass. A crash between chunks
//     leaves index rows above the mark, which queries ignore and the next
//     pass inserts again (INSERT OR IGNORE).
//
// Thread-safe. The indexing thread runs from Create to the destructor and
// uses the store's database, whose transactions are serialized.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_AUDIT_STORE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_AUDIT_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/store/sqlite_database.h"
#include "services/compliance_auditing/audit/audit_store.h"

namespace arrears::compliance::audit {

struct SqliteAuditStoreOptions {
  // Entries whose customer and loan index rows are written together (>= 1;
  // 1 = with every append). Queries by customer or loan scan up to this many
  // unindexed entries (8,192 rows, a few milliseconds; retention reads the
  // whole tail once per page of 500 debtors). A flush writes about one page
  // per distinct customer and loan in the batch, so a bigger batch pays off
  // as a debtor's entries come in bursts: 8,192 rather than 1,024 cut
  // CheckContact's CPU by a sixth in the benchmark (1,000 debtors, 150,000
  // decisions).
  uint64_t index_batch = 8192;
  // Whether a thread of the store writes the batches (see above) rather than
  // the append that completes one. Off by default: the store's indexes are
  // then complete as each append commits, which tests of the inline flush
  // rely on.
  bool index_in_background = false;
  // Index rows per indexing transaction with index_in_background (>= 1): an
  // appender waits for at most one. 256 rows of a few dozen bytes touch a
  // few dozen pages, well under a millisecond.
  uint64_t index_chunk_rows = 256;
  // How often the indexing thread looks for a batch without being woken:
  // appends through this store wake it, other processes' appends to the
  // file do not.
  absl::Duration index_poll_interval = absl::Milliseconds(200);
};

class SqliteAuditStore final : public AuditStore {
 public:
  // The name its background indexer's thread carries
  // (runtime::NameCurrentThread).
  static constexpr char kIndexerThreadName[] = "audit-indexer";

  // `db` (migrated with AuditSchemaMigrations, or AuditLogSchemaMigrations)
  // must outlive the store. FailedPrecondition if the schema is missing.
  // Indexes the entries above the indexes' high-water mark (one write
  // transaction). InvalidArgument naming the option for an index_batch or
  // index_chunk_rows of 0.
  static absl::StatusOr<std::unique_ptr<SqliteAuditStore>> Create(
      store::SqliteDatabase* db, SqliteAuditStoreOptions options = {});

  SqliteAuditStore(const SqliteAuditStore&) = delete;
  SqliteAuditStore& operator=(const SqliteAuditStore&) = delete;
  // Stops the indexing thread; a pass in progress stops after its current
  // chunk.
  ~SqliteAuditStore() override;

  // This store's operations inside `txn`, an open transaction of the same
  // database: reads see the transaction's own writes, and Append and
  // AddCheckpoint write into it (durable when, and only if, the caller
  // commits). Valid while `txn` is open, on its thread. FailedPrecondition
  // for a transaction of another database.
  absl::StatusOr<std::unique_ptr<AuditStore>> InTransaction(store::Transaction& txn) const;

  absl::StatusOr<std::vector<Sha256Hash>> ReadNodes(absl::Span<const NodeId> ids) override;
  absl::StatusOr<uint64_t> Size() override;
  absl::StatusOr<StoredTip> Tip() override;
  absl::Status Append(uint64_t expected_size, absl::Span<const StoredEntry> entries,
                      absl::Span<const LoanLink> loans,
                      absl::Span<const StoredNode> nodes) override;
  absl::StatusOr<StoredEntry> ReadEntry(uint64_t index) override;
  absl::StatusOr<std::vector<StoredEntry>> FindEntries(const EntryFilter& filter,
                                                       size_t limit) override;
  absl::StatusOr<uint64_t> FirstIndexAtOrAfter(absl::Time time) override;
  absl::StatusOr<std::vector<std::optional<absl::Time>>> LastRecordTimes(
      absl::Span<const std::string> customer_ids) override;
  absl::Status AddCheckpoint(const v1::SignedCheckpoint& checkpoint) override;
  absl::StatusOr<std::optional<v1::SignedCheckpoint>> LatestCheckpoint() override;
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> ListCheckpoints(uint64_t max_size) override;

  // One pass of the background indexer (above) on the caller's thread, with
  // or without index_in_background: if at least index_batch committed
  // entries are above the mark, indexes them in chunks and raises the mark.
  // Returns the mark afterwards, which another indexer may have set. Not
  // inside a transaction of the database (FailedPrecondition). Passes of one
  // store run one at a time.
  absl::StatusOr<uint64_t> IndexCommittedEntries();

  // The indexing thread's last failed pass (OK if none failed since its last
  // good one); it retries at the next wake-up.
  absl::Status last_index_error() const;

  // Tests: called after each chunk of a pass commits, with the chunk's
  // number (from 0) and the pass's count of chunks; an error stops the pass
  // there, as a crash would, and is the pass's result.
  void SetIndexChunkHookForTesting(std::function<absl::Status(size_t chunk, size_t chunks)> hook);
  // Tests: stops the indexing thread for good, so that only the test's
  // IndexCommittedEntries calls index.
  void StopIndexerForTesting();

 private:
  SqliteAuditStore(store::SqliteDatabase* db, SqliteAuditStoreOptions options)
      : db_(db), options_(options) {}
  template <typename T, typename Fn>
  absl::StatusOr<T> Read(Fn read);
  // An append left a batch waiting (perhaps not committed yet: the pass
  // finds out).
  void WakeIndexer() const;
  void IndexLoop();
  // Waits up to `pause` (0: only looks); whether the store is stopping.
  bool PauseUnlessStopping(absl::Duration pause) const;

  store::SqliteDatabase* const db_;
  const SqliteAuditStoreOptions options_;

  mutable absl::Mutex indexer_mu_;
  mutable bool wake_ ABSL_GUARDED_BY(indexer_mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(indexer_mu_) = false;
  absl::Status last_index_error_ ABSL_GUARDED_BY(indexer_mu_);
  std::thread indexer_;
  // Held for a whole pass: the thread's and IndexCommittedEntries' passes
  // would otherwise write the same rows twice.
  absl::Mutex pass_mu_;
  std::function<absl::Status(size_t, size_t)> chunk_hook_ ABSL_GUARDED_BY(pass_mu_);
};

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SQLITE_AUDIT_STORE_H_
