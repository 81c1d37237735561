#include "services/compliance_auditing/audit/in_memory_audit_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace arrears::compliance::audit {

uint64_t InMemoryAuditStore::SizeLocked() const {
  return entries_.empty() ? 0 : entries_.rbegin()->first + 1;
}

absl::StatusOr<std::vector<Sha256Hash>> InMemoryAuditStore::ReadNodes(
    absl::Span<const NodeId> ids) {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<Sha256Hash> hashes;
  hashes.reserve(ids.size());
  for (const NodeId& id : ids) {
    if (id.level == 0) {
      auto entry = entries_.find(id.index);
      if (entry == entries_.end()) {
        return absl::NotFoundError(absl::StrCat("audit entry ", id.index, " is not stored"));
      }
      hashes.push_back(entry->second.leaf_hash);
      continue;
    }
    auto node = nodes_.find(id);
    if (node == nodes_.end()) {
      return absl::NotFoundError(absl::StrCat(id.DebugString(), " is not stored"));
    }
    hashes.push_back(node->second);
  }
  return hashes;
}

absl::StatusOr<uint64_t> InMemoryAuditStore::Size() {
  absl::ReaderMutexLock lock(&mu_);
  return SizeLocked();
}

absl::StatusOr<StoredTip> InMemoryAuditStore::Tip() {
  absl::ReaderMutexLock lock(&mu_);
  StoredTip tip;
  if (!entries_.empty()) {
    tip.size = entries_.rbegin()->first + 1;
    tip.last_leaf_hash = entries_.rbegin()->second.leaf_hash;
  }
  return tip;
}

absl::Status InMemoryAuditStore::Append(uint64_t expected_size,
                                        absl::Span<const StoredEntry> entries,
                                        absl::Span<const LoanLink> loans,
                                        absl::Span<const StoredNode> nodes) {
  absl::Notification* pause = nullptr;
  {
    absl::MutexLock lock(&mu_);
    ++append_calls_;
    pause = std::exchange(pause_next_append_, nullptr);
  }
  if (pause != nullptr) pause->WaitForNotification();
  absl::MutexLock lock(&mu_);
  if (!next_append_error_.ok()) return std::exchange(next_append_error_, absl::OkStatus());
  if (SizeLocked() != expected_size) {
    return absl::AbortedError(absl::StrCat("audit store has ", SizeLocked(),
                                           " entries, the appender expected ", expected_size));
  }
  // Validate everything first: nothing is written unless all of it is.
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].index != expected_size + i) {
      return absl::InvalidArgumentError(absl::StrCat(
          "entry index ", entries[i].index, " out of sequence, expected ", expected_size + i));
    }
  }
  for (const StoredNode& node : nodes) {
    if (node.id.level < 1) {
      return absl::InvalidArgumentError("level-0 nodes are the entries' leaf hashes");
    }
    if (nodes_.contains(node.id)) {
      return absl::FailedPreconditionError(absl::StrCat(node.id.DebugString(), " already stored"));
    }
  }
  for (const StoredEntry& entry : entries) entries_.emplace(entry.index, entry);
  for (const LoanLink& link : loans) loans_.emplace(std::string(link.loan_id), link.index);
  for (const StoredNode& node : nodes) nodes_.emplace(node.id, node.hash);
  return absl::OkStatus();
}

absl::StatusOr<StoredEntry> InMemoryAuditStore::ReadEntry(uint64_t index) {
  absl::ReaderMutexLock lock(&mu_);
  auto it = entries_.find(index);
  if (it == entries_.end()) {
    return absl::NotFoundError(absl::StrCat("audit entry ", index, " is not stored"));
  }
  return it->second;
}

absl::StatusOr<std::vector<StoredEntry>> InMemoryAuditStore::FindEntries(const EntryFilter& filter,
                                                                         size_t limit) {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<StoredEntry> found;
  auto matches = [&](const StoredEntry& entry) {
    return (filter.customer_id.empty() || entry.customer_id == filter.customer_id) &&
           (filter.kind_mask == 0 || (filter.kind_mask & KindBit(entry.kind)) != 0);
  };
  if (!filter.loan_id.empty()) {
    for (auto it = loans_.lower_bound(std::make_pair(filter.loan_id, filter.begin_index));
         it != loans_.end() && it->first == filter.loan_id && it->second < filter.end_index &&
         found.size() < limit;
         ++it) {
      auto entry = entries_.find(it->second);
      if (entry != entries_.end() && matches(entry->second)) found.push_back(entry->second);
    }
    return found;
  }
  for (auto it = entries_.lower_bound(filter.begin_index);
       it != entries_.end() && it->first < filter.end_index && found.size() < limit; ++it) {
    if (matches(it->second)) found.push_back(it->second);
  }
  return found;
}

absl::StatusOr<uint64_t> InMemoryAuditStore::FirstIndexAtOrAfter(absl::Time time) {
  absl::ReaderMutexLock lock(&mu_);
  for (const auto& [index, entry] : entries_) {
    if (entry.record_time >= time) return index;
  }
  return SizeLocked();
}

absl::StatusOr<std::vector<std::optional<absl::Time>>> InMemoryAuditStore::LastRecordTimes(
    absl::Span<const std::string> customer_ids) {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<std::optional<absl::Time>> times;
  times.reserve(customer_ids.size());
  for (const std::string& customer_id : customer_ids) {
    std::optional<absl::Time>& time = times.emplace_back();
    for (auto it = entries_.rbegin(); it != entries_.rend() && !time.has_value(); ++it) {
      if (it->second.customer_id == customer_id) time = it->second.record_time;
    }
  }
  return times;
}

absl::Status InMemoryAuditStore::AddCheckpoint(const v1::SignedCheckpoint& checkpoint) {
  absl::MutexLock lock(&mu_);
  checkpoints_.push_back(checkpoint);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::SignedCheckpoint>> InMemoryAuditStore::LatestCheckpoint() {
  absl::ReaderMutexLock lock(&mu_);
  if (checkpoints_.empty()) return std::nullopt;
  return checkpoints_.back();
}

absl::StatusOr<std::vector<v1::SignedCheckpoint>> InMemoryAuditStore::ListCheckpoints(
    uint64_t max_size) {
  absl::ReaderMutexLock lock(&mu_);
  std::vector<v1::SignedCheckpoint> found;
  for (const v1::SignedCheckpoint& checkpoint : checkpoints_) {
    if (checkpoint.size() <= max_size) found.push_back(checkpoint);
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const v1::SignedCheckpoint& a, const v1::SignedCheckpoint& b) {
                     return a.size() < b.size();
                   });
  return found;
}

void InMemoryAuditStore::TamperWithEntryForTest(uint64_t index,
                                                absl::FunctionRef<void(StoredEntry&)> change) {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(index);
  if (it != entries_.end()) change(it->second);
}

void InMemoryAuditStore::DeleteEntryForTest(uint64_t index) {
  absl::MutexLock lock(&mu_);
  entries_.erase(index);
}

void InMemoryAuditStore::TamperWithNodeForTest(const NodeId& id,
                                               absl::FunctionRef<void(Sha256Hash&)> change) {
  absl::MutexLock lock(&mu_);
  auto it = nodes_.find(id);
  if (it != nodes_.end()) change(it->second);
}

void InMemoryAuditStore::DeleteCheckpointsForTest() {
  absl::MutexLock lock(&mu_);
  checkpoints_.clear();
}

void InMemoryAuditStore::FailNextAppendForTest(absl::Status status) {
  absl::MutexLock lock(&mu_);
  next_append_error_ = std::move(status);
}

void InMemoryAuditStore::PauseNextAppendForTest(absl::Notification* resume) {
  absl::MutexLock lock(&mu_);
  pause_next_append_ = resume;
}

int InMemoryAuditStore::append_calls() const {
  absl::ReaderMutexLock lock(&mu_);
  return append_calls_;
}

}  // namespace arrears::compliance::audit
