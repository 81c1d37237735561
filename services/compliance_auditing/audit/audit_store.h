// AuditStore: the repository behind the audit log — entries (leaves), the
// Merkle tree's perfect-subtree hashes, and signed checkpoints.
//
// The store knows nothing about hashing or signing; AuditLog computes
// everything and the store keeps it. Each entry row holds the exact leaf
// bytes, their leaf hash and a few clear columns copied from the record
// (kind, customer id, record time; loan ids in a lookup table) so that
// queries need no decryption or parsing. Those columns are derived data:
// AuditLog::Verify checks them against the hashed bytes.
//
// Contract (every implementation; the shared tests in audit_store_test.cc
// hold each to it):
//   - Append is atomic and durable as one commit: the entries (indices
//     expected_size, expected_size + 1, ...), their loan links and the nodes
//     are all stored or none are. Aborted, with nothing written, when the
//     store no longer has expected_size entries (another writer appended
//     first): the caller reloads and retries. Existing entries and nodes are
//     never overwritten (FailedPrecondition).
//   - Level-0 nodes are the entries' leaf hashes; Append takes levels >= 1.
//   - Entry record times never decrease with the index (AuditLog ensures
//     it), so a time bound maps to an index bound (FirstIndexAtOrAfter).
//   - Reads see committed data only; every method is thread-safe.
//
// Implementations: InMemoryAuditStore (tests; with tamper hooks) and
// SqliteAuditStore. A PostgreSQL one would implement the same interface.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_AUDIT_STORE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_AUDIT_STORE_H_

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arrears/compliance/v1/audit.pb.h"
#include "services/compliance_auditing/audit/merkle.h"
#include "services/compliance_auditing/audit/sha256.h"

namespace arrears::compliance::audit {

struct StoredEntry {
  uint64_t index = 0;
  // The exact serialized AuditRecord that was hashed.
  std::string leaf_data;
  Sha256Hash leaf_hash;
  // Clear columns copied from the record.
  int kind = 0;
  std::string customer_id;
  absl::Time record_time;
};

// The AuditRecord that `stored` holds, parsed into `record`; DataLoss naming
// the entry when its leaf data is not one.
inline absl::Status ParseStoredRecord(const StoredEntry& stored, v1::AuditRecord& record) {
  if (record.ParseFromString(stored.leaf_data)) return absl::OkStatus();
  return absl::DataLossError(
      absl::StrCat("audit entry ", stored.index, ": leaf_data is not an AuditRecord"));
}

// "Entry `index` concerns loan `loan_id`"; the view must stay valid for the
// Append call.
struct LoanLink {
  uint64_t index = 0;
  absl::string_view loan_id;
};

// The end of the stored log: its size and the hash of its last leaf (zero
// for an empty log). Names one tree: two stores with the same tip hold the
// same log (the last leaf commits to its record, and appenders extend trees).
struct StoredTip {
  uint64_t size = 0;
  Sha256Hash last_leaf_hash;
};

struct StoredNode {
  NodeId id;
  Sha256Hash hash;
};

// Which entries a query wants; every condition must hold.
struct EntryFilter {
  // Empty = any.
  std::string customer_id;
  std::string loan_id;
  // Bit k set = kind k wanted; 0 = every kind.
  uint64_t kind_mask = 0;
  // Index range [begin_index, end_index).
  uint64_t begin_index = 0;
  uint64_t end_index = std::numeric_limits<uint64_t>::max();
};

class AuditStore : public NodeReader {
 public:
  // Number of entries (one past the highest index stored).
  virtual absl::StatusOr<uint64_t> Size() = 0;
  // Size() and the last leaf's hash, read together.
  virtual absl::StatusOr<StoredTip> Tip() = 0;

  virtual absl::Status Append(uint64_t expected_size, absl::Span<const StoredEntry> entries,
                              absl::Span<const LoanLink> loans,
                              absl::Span<const StoredNode> nodes) = 0;

  // NotFound if absent.
  virtual absl::StatusOr<StoredEntry> ReadEntry(uint64_t index) = 0;

  // Entries matching `filter` in index order, at most `limit`.
  virtual absl::StatusOr<std::vector<StoredEntry>> FindEntries(const EntryFilter& filter,
                                                               size_t limit) = 0;

  // The lowest index whose record time is >= `time`; Size() if none.
  virtual absl::StatusOr<uint64_t> FirstIndexAtOrAfter(absl::Time time) = 0;

  // Record time of each debtor's latest entry (nullopt for one who has
  // none), in the order given. One call for many debtors: a store may answer
  // them in one pass over what it has not indexed.
  virtual absl::StatusOr<std::vector<std::optional<absl::Time>>> LastRecordTimes(
      absl::Span<const std::string> customer_ids) = 0;

  virtual absl::Status AddCheckpoint(const v1::SignedCheckpoint& checkpoint) = 0;
  // The most recently added checkpoint, if any.
  virtual absl::StatusOr<std::optional<v1::SignedCheckpoint>> LatestCheckpoint() = 0;
  // Checkpoints with size <= max_size, by size (then by when added).
  virtual absl::StatusOr<std::vector<v1::SignedCheckpoint>> ListCheckpoints(uint64_t max_size) = 0;
};

// Bit of `kind` in EntryFilter::kind_mask.
inline uint64_t KindBit(int kind) { return kind >= 0 && kind < 64 ? uint64_t{1} << kind : 0; }

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_AUDIT_STORE_H_
