// InMemoryAuditStore: the AuditStore fake — same contract, nothing persisted,
// plus hooks through which tamper tests corrupt it the way an attacker with
// write access to the database would. Thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_IN_MEMORY_AUDIT_STORE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_IN_MEMORY_AUDIT_STORE_H_

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "services/compliance_auditing/audit/audit_store.h"

namespace arrears::compliance::audit {

class InMemoryAuditStore final : public AuditStore {
 public:
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

  // Tamper hooks (tests only). Each changes stored data behind the log's back.
  void TamperWithEntryForTest(uint64_t index, absl::FunctionRef<void(StoredEntry&)> change);
  void DeleteEntryForTest(uint64_t index);
  void TamperWithNodeForTest(const NodeId& id, absl::FunctionRef<void(Sha256Hash&)> change);
  void DeleteCheckpointsForTest();
  // Makes the next Append fail with `status` (then clears it).
  void FailNextAppendForTest(absl::Status status);
  // Makes the next Append wait for `resume` before doing anything.
  void PauseNextAppendForTest(absl::Notification* resume);
  // Append calls so far (counted on entry).
  int append_calls() const;

 private:
  uint64_t SizeLocked() const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::map<uint64_t, StoredEntry> entries_ ABSL_GUARDED_BY(mu_);
  std::set<std::pair<std::string, uint64_t>, std::less<>> loans_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<NodeId, Sha256Hash> nodes_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::SignedCheckpoint> checkpoints_ ABSL_GUARDED_BY(mu_);
  absl::Status next_append_error_ ABSL_GUARDED_BY(mu_);
  absl::Notification* pause_next_append_ ABSL_GUARDED_BY(mu_) = nullptr;
  int append_calls_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_IN_MEMORY_AUDIT_STORE_H_
