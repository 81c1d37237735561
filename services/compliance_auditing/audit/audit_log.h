// AuditLog: the compliance service's verifiable, append-only audit log.
//
// Every decision and every consumed event becomes one leaf of an RFC 6962
// Merkle tree (merkle.h). A leaf is the exact serialized AuditRecord: the
// clear, queryable fields (kind, record time, customer id — a pseudonymous id
// — loan ids, source id, the payload with personal data masked) and the
// personal data encrypted under the debtor's own key (debtor_keys.h). The
// leaf commits to the ciphertext, so erasing a debtor's key (crypto-
// shredding, also how retention is enforced) leaves every hash, proof and
// checkpoint valid.
//
// Appending. Append/AppendBatch stamp record_time (the log's clock, never
// going backwards), encrypt the personal payload, serialize, hash, extend the
// tree and store entries plus newly completed subtree hashes in ONE store
// commit per batch. Concurrent callers are group-committed: while one batch
// commits, later callers queue and the next leader takes them all (up to
// max_batch_records) into one commit, as in LevelDB's write path. The
// returned index is that of the first record; a batch's records get
// consecutive indices. When a commit fails, every caller of that batch gets
// the error and the log is unchanged. If another process appended to the
// same store meanwhile (Aborted from the store), the log reloads its tree
// and retries.
//
// Appending inside a transaction. AppendWithin does the same through a view
// of the store bound to a transaction the caller has open
// (SqliteAuditStore::InTransaction), so that an entry commits together with
// the state change and outbox events it records — or not at all. The log
// checks its cached tree against the store's tip inside that transaction
// before every such append, so a rolled-back transaction (the log's cache
// then runs ahead of the store) costs a reload, never a wrong tree; and
// Checkpoint/Verify re-read the committed tip before they trust the cache.
// The debtor keys must not live in the caller's database: a new debtor's key
// is committed in a transaction of its own (it must be durable before data
// encrypted under it), which cannot happen inside the caller's.
//
// Reading. GetEntry decrypts on request (the caller decides who may), and
// says "erased" when the key is gone. Query pages through entries by
// customer, loan, kinds and time range with opaque page tokens bound to the
// filter. Proofs come from stored subtree hashes in O(log n) reads for any
// older tree size.
//
// Checkpoints and verification. Checkpoint() signs (size, root, time); the
// service publishes it so that a copy lives outside its reach. Create()
// refuses (DataLoss) a store that is smaller than, or disagrees with, its
// latest own checkpoint. Verify() re-hashes every entry, rebuilds the tree,
// compares every stored subtree hash, every stored checkpoint and an
// optional externally held one, and reports the first bad index.
//
// Thread-safe. The store, keys, signer and clock must outlive the log.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_AUDIT_LOG_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_AUDIT_LOG_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arrears/compliance/v1/audit.pb.h"
#include "common/time/clock.h"
#include "services/compliance_auditing/audit/audit_export.h"
#include "services/compliance_auditing/audit/audit_store.h"
#include "services/compliance_auditing/audit/checkpoint.h"
#include "services/compliance_auditing/audit/compact_range.h"
#include "services/compliance_auditing/audit/debtor_keys.h"

namespace arrears::compliance::audit {

// One record to append.
struct AuditAppend {
  // kind (required), customer_id, loan_ids, source_id, payload_type and
  // payload (personal data removed or masked). record_time is set by the log;
  // personal_data must be unset (the log fills it from personal_payload).
  v1::AuditRecord record;
  // Serialized `record.payload_type` message WITH personal data; empty when
  // there is none. Requires customer_id and payload_type. With
  // record.personal_data_completes_payload, only the personal fields (what
  // `payload` lacks); revealing then gives payload + these bytes.
  std::string personal_payload;
  // Set by AuditLog::Seal only: record.personal_data already holds the
  // personal payload encrypted under the debtor's key.
  bool sealed = false;
};

struct AuditQuery {
  // Empty = any.
  std::string customer_id;
  std::string loan_id;
  // Empty = every kind.
  std::vector<v1::AuditRecordKind> kinds;
  // record_time >= start_time and < end_time; unset = unbounded.
  std::optional<absl::Time> start_time;
  std::optional<absl::Time> end_time;
  // 0 = kDefaultPageSize; larger than kMaxPageSize is clamped.
  int page_size = 0;
  // From a previous page; empty for the first.
  std::string page_token;
};

struct AuditPage {
  // In index order; personal data not revealed.
  std::vector<v1::AuditEntry> entries;
  // Empty on the last page.
  std::string next_page_token;
};

struct VerifyOptions {
  // Verify the first tree_size entries; 0 = all.
  uint64_t tree_size = 0;
  // A checkpoint held outside the service to check against.
  std::optional<v1::SignedCheckpoint> trusted_checkpoint;
};

// Mirrors arrears.compliance.v1.VerifyLogResponse.
struct VerifyReport {
  bool ok = false;
  uint64_t entries_verified = 0;
  std::optional<uint64_t> first_bad_index;
  std::string problem;
  Sha256Hash root_hash;
  // The trusted checkpoint (if given) has a valid signature and its root
  // equals the recomputed root at its size.
  bool checkpoint_matches = false;
  // Stored checkpoints whose signature and root were checked.
  uint64_t checkpoints_verified = 0;
};

struct AuditLogOptions {
  // Most records one group commit takes.
  size_t max_batch_records = 1024;
  // Retries of a batch after another writer appended to the store first.
  int append_retries = 3;
  // Entries read per store call by Verify and Export.
  size_t scan_chunk = 4096;
  // Check the store against its latest checkpoint on Create (an operator tool
  // that must open a damaged log to run Verify turns this off).
  bool check_latest_checkpoint_on_open = true;
};

class AuditLog {
 public:
  static constexpr int kDefaultPageSize = 100;
  static constexpr int kMaxPageSize = 1000;

  static absl::StatusOr<std::unique_ptr<AuditLog>> Create(AuditStore* store, DebtorKeys* keys,
                                                          const CheckpointSigner* signer,
                                                          const Clock* clock,
                                                          AuditLogOptions options = {});

  // Appends one record; returns its index. InvalidArgument naming the field
  // for a malformed record.
  absl::StatusOr<uint64_t> Append(const AuditAppend& record);
  // The check every append makes of a record (InvalidArgument naming the
  // field), for callers that hand records over to be appended later.
  static absl::Status Validate(const AuditAppend& record);
  // Encrypts `record`'s personal payload now (into record.personal_data,
  // emptying personal_payload, setting `sealed`), so that an append later —
  // on a thread that commits for many callers — does not. Validates like
  // Append. A record without personal data is left as it is. If the
  // debtor's key is erased between Seal and the append, the entry's
  // personal data is unreadable from the start (as after an erasure); an
  // unsealed record would get a fresh key instead.
  absl::Status Seal(AuditAppend& record);
  // Appends `records` with consecutive indices in one commit; returns the
  // first index. All or nothing.
  absl::StatusOr<uint64_t> AppendBatch(absl::Span<const AuditAppend> records);
  // Appends `records` through `txn_store`, this log's store bound to the
  // caller's open transaction: nothing is committed here. Calls for one log
  // must not overlap (the store's transactions serialize them). Do not mix
  // with Append on a store shared with another process.
  absl::StatusOr<uint64_t> AppendWithin(AuditStore& txn_store,
                                        absl::Span<const AuditAppend> records);
  // The same for records that are not contiguous (many callers' records
  // staged for one transaction).
  absl::StatusOr<uint64_t> AppendWithin(AuditStore& txn_store,
                                        absl::Span<const AuditAppend* const> records);

  // Entry `index`. With reveal_personal_data, revealed_payload holds the
  // decrypted personal data (unless erased). NotFound past the end.
  absl::StatusOr<v1::AuditEntry> GetEntry(uint64_t index, bool reveal_personal_data = false);

  absl::StatusOr<AuditPage> Query(const AuditQuery& query);

  // Proof of entry `leaf_index` in the tree of `tree_size` (<= size()).
  absl::StatusOr<v1::InclusionProof> InclusionProof(uint64_t leaf_index, uint64_t tree_size);
  // Proof that the tree of first_size is a prefix of the tree of second_size
  // (0 < first_size <= second_size <= size()).
  absl::StatusOr<v1::ConsistencyProof> ConsistencyProof(uint64_t first_size, uint64_t second_size);

  // Signs and stores a checkpoint of the committed size and root.
  absl::StatusOr<v1::SignedCheckpoint> Checkpoint();
  // The same inside the caller's transaction (to publish it through the
  // outbox in the same commit).
  absl::StatusOr<v1::SignedCheckpoint> CheckpointWithin(AuditStore& txn_store);
  // The latest stored checkpoint, if any.
  absl::StatusOr<std::optional<v1::SignedCheckpoint>> LatestCheckpoint();

  // Re-hashes the stored log. A report (ok or not) is a successful call;
  // an error means the store could not be read.
  absl::StatusOr<VerifyReport> Verify(const VerifyOptions& options = {});

  // Writes an export (audit_export.h) to `sink`, against a checkpoint signed
  // for the occasion (and stored).
  absl::StatusOr<ExportSummary> Export(const ExportOptions& options, ExportSink sink);
  // The same into a new file at `path` (mode 0600, fsynced).
  absl::StatusOr<ExportSummary> ExportToFile(const ExportOptions& options, const std::string& path);

  // Crypto-shreds the debtor (DebtorKeys::Erase) and appends a KEY_ERASURE
  // record with `source_id` (the erasure request, or "retention"); returns
  // its index.
  absl::StatusOr<uint64_t> EraseDebtor(absl::string_view customer_id, absl::string_view source_id);

  // EraseDebtor with the KEY_ERASURE record appended inside the caller's
  // transaction. The key is erased first, in the key store's own commit: an
  // erasure is never undone by a rollback.
  absl::StatusOr<uint64_t> EraseDebtorWithin(AuditStore& txn_store, absl::string_view customer_id,
                                             absl::string_view source_id);

  // Debtors holding a key whose latest entry (or, with none, key creation) is
  // older than retention_of(customer_id); nullopt = keep.
  absl::StatusOr<std::vector<std::string>> RetentionDue(
      absl::FunctionRef<std::optional<absl::Duration>(absl::string_view customer_id)> retention_of);
  // Erases the keys of RetentionDue's debtors; returns them.
  absl::StatusOr<std::vector<std::string>> EnforceRetention(
      absl::FunctionRef<std::optional<absl::Duration>(absl::string_view customer_id)> retention_of);

  uint64_t size() const;
  Sha256Hash root() const;
  // Appenders waiting or committing now (a gauge for metrics).
  size_t queued_writers() const;
  const CheckpointVerifier& verifier() const { return verifier_; }

 private:
  // One caller of AppendBatch waiting in the group-commit queue.
  struct Writer {
    absl::Span<const AuditAppend> records;
    absl::StatusOr<uint64_t> result;
    bool done = false;
  };
  // The tree as the log last wrote or read it.
  struct TreeState {
    CompactRange range;
    absl::Time last_record_time = absl::InfinitePast();
    // Identifies the tip together with range.size().
    Sha256Hash last_leaf_hash;
    // Known to be in the store; false after AppendWithin until re-read.
    bool committed = false;
  };
  // One batch of entries ready for the store.
  struct PendingBatch {
    uint64_t first = 0;
    std::vector<StoredEntry> entries;
    std::vector<LoanLink> loans;
    std::vector<StoredNode> nodes;
    std::vector<absl::string_view> customers;
    v1::AuditRecord record;
  };

  AuditLog(AuditStore* store, DebtorKeys* keys, const CheckpointSigner* signer, const Clock* clock,
           CheckpointVerifier verifier, AuditLogOptions options, TreeState state);

  static absl::StatusOr<TreeState> LoadState(AuditStore& store);
  // `cached` if `store`'s tip is its tip, else the state loaded from `store`.
  static absl::StatusOr<TreeState> StateAsStored(AuditStore& store, const TreeState& cached);
  // The state as committed in the store (cached when known committed).
  absl::StatusOr<TreeState> CommittedState() ABSL_LOCKS_EXCLUDED(state_mu_);
  // Replaces the cached state by `fresh` unless it changed since `seen`.
  void Adopt(const TreeState& seen, const TreeState& fresh) ABSL_LOCKS_EXCLUDED(state_mu_);
  // Encrypts, serializes and hashes `batches` in order as the entries after
  // `state`, which it advances.
  absl::Status BuildBatch(absl::Span<const absl::Span<const AuditAppend>> batches, TreeState& state,
                          PendingBatch& out);
  absl::Status CheckAgainstLatestCheckpoint(const TreeState& state);
  // AppendWithin's body, for `batches` in order.
  absl::StatusOr<uint64_t> AppendBatchesWithin(
      AuditStore& txn_store, absl::Span<const absl::Span<const AuditAppend>> batches);

  // Leader only: commits the records of `group` as one batch.
  absl::StatusOr<uint64_t> CommitGroup(absl::Span<Writer* const> group)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);
  absl::StatusOr<uint64_t> TryCommit(absl::Span<Writer* const> group, TreeState state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(commit_mu_);

  TreeState Snapshot() const ABSL_LOCKS_EXCLUDED(state_mu_);
  absl::StatusOr<v1::AuditEntry> ToAuditEntry(StoredEntry stored, bool reveal_personal_data);
  absl::StatusOr<std::vector<Sha256Hash>> InclusionPath(uint64_t leaf_index, uint64_t tree_size);

  AuditStore* const store_;
  DebtorKeys* const keys_;
  const CheckpointSigner* const signer_;
  const Clock* const clock_;
  const CheckpointVerifier verifier_;
  const AuditLogOptions options_;

  mutable absl::Mutex queue_mu_;
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(queue_mu_);

  // Held by the group-commit leader; guards the scratch buffers reused
  // across batches so the append path does not allocate per record.
  absl::Mutex commit_mu_;
  PendingBatch batch_scratch_ ABSL_GUARDED_BY(commit_mu_);

  mutable absl::Mutex state_mu_;
  TreeState state_ ABSL_GUARDED_BY(state_mu_);
};

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_AUDIT_LOG_H_
