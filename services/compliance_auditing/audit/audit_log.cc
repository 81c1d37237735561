#include "services/compliance_auditing/audit/audit_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <limits>
#include <map>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "services/compliance_auditing/audit/merkle.h"
#include "services/compliance_auditing/audit/proof_proto.h"

namespace arrears::compliance::audit {
namespace {

constexpr size_t kMaxIdLength = 256;
constexpr size_t kRetentionPage = 500;

// Ids end up in queries, associated data ("\n"-separated) and exports: no
// control characters, bounded length.
absl::Status ValidateId(absl::string_view value, absl::string_view field, bool required) {
  if (value.empty()) {
    if (required) return absl::InvalidArgumentError(absl::StrCat(field, " is required"));
    return absl::OkStatus();
  }
  if (value.size() > kMaxIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is longer than ", kMaxIdLength, " bytes"));
  }
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) {
      return absl::InvalidArgumentError(absl::StrCat(field, " has a control character"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateAppend(const AuditAppend& append, size_t position) {
  // Every append (and every seal and stage) runs this: the field's name is
  // built only for an error.
  auto invalid = [position](const auto&... field_and_problem) {
    return absl::InvalidArgumentError(
        absl::StrCat("records[", position, "].", field_and_problem...));
  };
  auto check_id = [&invalid](absl::string_view value, bool required,
                             const auto&... field) -> absl::Status {
    const absl::Status problem = ValidateId(value, "", required);
    return problem.ok() ? problem : invalid(field..., problem.message());
  };
  const v1::AuditRecord& record = append.record;
  if (record.kind() == v1::AUDIT_RECORD_KIND_UNSPECIFIED ||
      !v1::AuditRecordKind_IsValid(record.kind())) {
    return invalid("record.kind must be set");
  }
  ARREARS_RETURN_IF_ERROR(check_id(record.customer_id(), false, "record.customer_id"));
  for (int i = 0; i < record.loan_ids_size(); ++i) {
    ARREARS_RETURN_IF_ERROR(check_id(record.loan_ids(i), true, "record.loan_ids[", i, "]"));
  }
  ARREARS_RETURN_IF_ERROR(check_id(record.source_id(), false, "record.source_id"));
  ARREARS_RETURN_IF_ERROR(check_id(record.payload_type(), false, "record.payload_type"));
  if (record.has_personal_data() != append.sealed) {
    return invalid(append.sealed ? "record.personal_data is missing from a sealed record"
                                 : "record.personal_data is set by the log; pass personal data "
                                   "in personal_payload");
  }
  if (record.personal_data_completes_payload() && !append.sealed &&
      append.personal_payload.empty()) {
    return invalid("record.personal_data_completes_payload is set without personal data");
  }
  if (append.sealed && !append.personal_payload.empty()) {
    return invalid("personal_payload must be empty in a sealed record");
  }
  if (!append.personal_payload.empty()) {
    if (record.customer_id().empty()) {
      return invalid("record.customer_id is required with personal_payload");
    }
    if (record.payload_type().empty()) {
      return invalid("record.payload_type is required with personal_payload");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> KindMask(absl::Span<const v1::AuditRecordKind> kinds) {
  uint64_t mask = 0;
  for (const v1::AuditRecordKind kind : kinds) {
    if (kind == v1::AUDIT_RECORD_KIND_UNSPECIFIED || !v1::AuditRecordKind_IsValid(kind)) {
      return absl::InvalidArgumentError(
          absl::StrCat("kinds: ", static_cast<int>(kind), " is not an audit record kind"));
    }
    mask |= KindBit(kind);
  }
  return mask;
}

// Page tokens name the next index and are bound to the query's filter, so a
// token cannot be replayed against another query.
std::string FilterFingerprint(const AuditQuery& query) {
  std::vector<int> kinds(query.kinds.begin(), query.kinds.end());
  std::sort(kinds.begin(), kinds.end());
  auto bound = [](const std::optional<absl::Time>& time) {
    return time ? absl::StrCat(absl::ToUnixNanos(*time)) : std::string("-");
  };
  const std::string canonical =
      absl::StrCat(query.customer_id, "\x1f", query.loan_id, "\x1f", absl::StrJoin(kinds, ","),
                   "\x1f", bound(query.start_time), "\x1f", bound(query.end_time));
  return absl::BytesToHexString(Sha256(canonical).view().substr(0, 8));
}

std::string MakePageToken(uint64_t next_index, const std::string& fingerprint) {
  return absl::WebSafeBase64Escape(absl::StrCat("v1:", next_index, ":", fingerprint));
}

absl::StatusOr<uint64_t> ParsePageToken(absl::string_view token, const std::string& fingerprint) {
  std::string decoded;
  std::vector<absl::string_view> parts;
  uint64_t index = 0;
  if (absl::WebSafeBase64Unescape(token, &decoded)) parts = absl::StrSplit(decoded, ':');
  if (parts.size() != 3 || parts[0] != "v1" || !absl::SimpleAtoi(parts[1], &index)) {
    return absl::InvalidArgumentError("page_token is malformed");
  }
  if (parts[2] != fingerprint) {
    return absl::InvalidArgumentError("page_token belongs to a query with other filters");
  }
  return index;
}

absl::Time RecordTime(const v1::AuditRecord& record) { return FromTimestamp(record.record_time()); }

// The perfect subtrees completed when the tree grows from `begin` to `end`
// leaves, in the order CompactRange::Append reports them.
std::vector<NodeId> NodesCompletedBetween(uint64_t begin, uint64_t end) {
  std::vector<NodeId> ids;
  for (uint64_t size = begin + 1; size <= end; ++size) {
    const int levels = std::countr_zero(size);
    for (int level = 1; level <= levels; ++level) ids.push_back({level, (size >> level) - 1});
  }
  return ids;
}

// Stored hashes of `ids`; nullopt for a node that is not stored.
absl::StatusOr<std::vector<std::optional<Sha256Hash>>> ReadNodesAllowingGaps(
    AuditStore& store, absl::Span<const NodeId> ids) {
  std::vector<std::optional<Sha256Hash>> out;
  out.reserve(ids.size());
  absl::StatusOr<std::vector<Sha256Hash>> all = store.ReadNodes(ids);
  if (all.ok()) {
    out.assign(all->begin(), all->end());
    return out;
  }
  if (!absl::IsNotFound(all.status())) return all.status();
  for (const NodeId& id : ids) {
    absl::StatusOr<std::vector<Sha256Hash>> one = store.ReadNodes(absl::MakeConstSpan(&id, 1));
    if (one.ok()) {
      out.push_back(one->front());
    } else if (absl::IsNotFound(one.status())) {
      out.push_back(std::nullopt);
    } else {
      return one.status();
    }
  }
  return out;
}

}  // namespace

// --- Construction ---

AuditLog::AuditLog(AuditStore* store, DebtorKeys* keys, const CheckpointSigner* signer,
                   const Clock* clock, CheckpointVerifier verifier, AuditLogOptions options,
                   TreeState state)
    : store_(store),
      keys_(keys),
      signer_(signer),
      clock_(clock),
      verifier_(std::move(verifier)),
      options_(options),
      state_(std::move(state)) {}

absl::StatusOr<AuditLog::TreeState> AuditLog::LoadState(AuditStore& store) {
  TreeState state;
  ARREARS_ASSIGN_OR_RETURN(const uint64_t size, store.Size());
  absl::StatusOr<CompactRange> range = CompactRange::Load(size, store);
  if (absl::IsNotFound(range.status())) {
    return absl::DataLossError(absl::StrCat("audit store has ", size,
                                            " entries but lacks the subtree hashes of its "
                                            "right edge: ",
                                            range.status().message()));
  }
  ARREARS_RETURN_IF_ERROR(range.status());
  state.range = *std::move(range);
  if (size > 0) {
    ARREARS_ASSIGN_OR_RETURN(const StoredEntry last, store.ReadEntry(size - 1));
    state.last_record_time = last.record_time;
    state.last_leaf_hash = last.leaf_hash;
  }
  state.committed = true;
  return state;
}

absl::StatusOr<AuditLog::TreeState> AuditLog::StateAsStored(AuditStore& store,
                                                            const TreeState& cached) {
  ARREARS_ASSIGN_OR_RETURN(const StoredTip tip, store.Tip());
  if (tip.size == cached.range.size() &&
      (tip.size == 0 || tip.last_leaf_hash == cached.last_leaf_hash)) {
    return cached;
  }
  return LoadState(store);
}

absl::StatusOr<AuditLog::TreeState> AuditLog::CommittedState() {
  const TreeState cached = Snapshot();
  if (cached.committed) return cached;
  // Reads through store_ see committed data only (its own transactions).
  ARREARS_ASSIGN_OR_RETURN(TreeState stored, StateAsStored(*store_, cached));
  stored.committed = true;
  Adopt(cached, stored);
  return stored;
}

void AuditLog::Adopt(const TreeState& seen, const TreeState& fresh) {
  absl::MutexLock lock(&state_mu_);
  // Another appender may have moved on meanwhile: keep its newer state.
  if (state_.range.size() == seen.range.size() && state_.last_leaf_hash == seen.last_leaf_hash &&
      state_.committed == seen.committed) {
    state_ = fresh;
  }
}

absl::Status AuditLog::CheckAgainstLatestCheckpoint(const TreeState& state) {
  ARREARS_ASSIGN_OR_RETURN(const std::optional<v1::SignedCheckpoint> latest,
                           store_->LatestCheckpoint());
  if (!latest.has_value()) return absl::OkStatus();
  // A checkpoint of an earlier signing key cannot be checked with this one,
  // but its size and root still bind the store.
  if (latest->key_id() == verifier_.key().KeyId()) {
    const absl::Status signature = verifier_.VerifySignature(*latest);
    if (!signature.ok()) {
      return absl::DataLossError(
          absl::StrCat("latest stored audit checkpoint does not verify: ", signature.message()));
    }
  }
  if (latest->size() > state.range.size()) {
    return absl::DataLossError(absl::StrCat("audit store has ", state.range.size(),
                                            " entries but its latest checkpoint covers ",
                                            latest->size(), ": entries were removed"));
  }
  ARREARS_ASSIGN_OR_RETURN(const Sha256Hash checkpoint_root, CheckpointRoot(*latest));
  Sha256Hash root = state.range.Root();
  if (latest->size() != state.range.size()) {
    ARREARS_ASSIGN_OR_RETURN(root, TreeHash(latest->size(), *store_));
  }
  if (root != checkpoint_root) {
    return absl::DataLossError(absl::StrCat(
        "audit store's tree of ", latest->size(), " entries has root ", root.ToHex(),
        ", its latest checkpoint signed ", checkpoint_root.ToHex(), ": history was altered"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<AuditLog>> AuditLog::Create(AuditStore* store, DebtorKeys* keys,
                                                           const CheckpointSigner* signer,
                                                           const Clock* clock,
                                                           AuditLogOptions options) {
  if (store == nullptr || keys == nullptr || signer == nullptr || clock == nullptr) {
    return absl::InvalidArgumentError("audit log needs a store, debtor keys, a signer and a clock");
  }
  if (options.max_batch_records == 0 || options.scan_chunk == 0 || options.append_retries < 0) {
    return absl::InvalidArgumentError(
        "audit log options: max_batch_records and scan_chunk must be > 0, append_retries >= 0");
  }
  ARREARS_ASSIGN_OR_RETURN(CheckpointVerifier verifier,
                           CheckpointVerifier::Create(signer->log_id(), signer->public_key()));
  ARREARS_ASSIGN_OR_RETURN(TreeState state, LoadState(*store));
  const bool check = options.check_latest_checkpoint_on_open;
  std::unique_ptr<AuditLog> log(
      new AuditLog(store, keys, signer, clock, std::move(verifier), options, state));
  if (check) ARREARS_RETURN_IF_ERROR(log->CheckAgainstLatestCheckpoint(state));
  return log;
}

// --- Appending ---

AuditLog::TreeState AuditLog::Snapshot() const {
  absl::ReaderMutexLock lock(&state_mu_);
  return state_;
}

uint64_t AuditLog::size() const {
  absl::ReaderMutexLock lock(&state_mu_);
  return state_.range.size();
}

Sha256Hash AuditLog::root() const {
  absl::ReaderMutexLock lock(&state_mu_);
  return state_.range.Root();
}

size_t AuditLog::queued_writers() const {
  absl::MutexLock lock(&queue_mu_);
  return writers_.size();
}

absl::Status AuditLog::Seal(AuditAppend& record) {
  ARREARS_RETURN_IF_ERROR(ValidateAppend(record, 0));
  if (record.sealed || record.personal_payload.empty()) return absl::OkStatus();
  // Encrypt creates the debtor's key if there is none (committed first).
  ARREARS_RETURN_IF_ERROR(keys_->Encrypt(record.record.customer_id(), record.record.payload_type(),
                                         record.personal_payload,
                                         *record.record.mutable_personal_data()));
  record.personal_payload.clear();
  record.sealed = true;
  return absl::OkStatus();
}

absl::Status AuditLog::Validate(const AuditAppend& record) { return ValidateAppend(record, 0); }

absl::StatusOr<uint64_t> AuditLog::Append(const AuditAppend& record) {
  return AppendBatch(absl::MakeConstSpan(&record, 1));
}

absl::StatusOr<uint64_t> AuditLog::AppendBatch(absl::Span<const AuditAppend> records) {
  if (records.empty()) return absl::InvalidArgumentError("no records to append");
  for (size_t i = 0; i < records.size(); ++i) {
    ARREARS_RETURN_IF_ERROR(ValidateAppend(records[i], i));
  }
  Writer self;
  self.records = records;

  queue_mu_.Lock();
  writers_.push_back(&self);
  auto leader_or_done = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return self.done || writers_.front() == &self;
  };
  queue_mu_.Await(absl::Condition(&leader_or_done));
  if (self.done) {
    queue_mu_.Unlock();
    return self.result;
  }
  // This caller leads: it commits its own records and those queued behind.
  std::vector<Writer*> group;
  size_t count = 0;
  for (Writer* writer : writers_) {
    if (!group.empty() && count + writer->records.size() > options_.max_batch_records) break;
    group.push_back(writer);
    count += writer->records.size();
  }
  queue_mu_.Unlock();

  absl::StatusOr<uint64_t> first;
  {
    absl::MutexLock commit(&commit_mu_);
    first = CommitGroup(group);
  }

  queue_mu_.Lock();
  uint64_t offset = 0;
  for (Writer* writer : group) {
    writers_.pop_front();
    writer->result = first.ok() ? absl::StatusOr<uint64_t>(*first + offset) : first.status();
    offset += writer->records.size();
    writer->done = true;
  }
  queue_mu_.Unlock();
  return self.result;
}

absl::StatusOr<uint64_t> AuditLog::CommitGroup(absl::Span<Writer* const> group) {
  for (int attempt = 0;; ++attempt) {
    absl::StatusOr<uint64_t> first = TryCommit(group, Snapshot());
    if (first.ok() || !absl::IsAborted(first.status()) || attempt >= options_.append_retries) {
      return first;
    }
    // Another process appended to the store: continue from its tree.
    ARREARS_ASSIGN_OR_RETURN(TreeState fresh, LoadState(*store_));
    absl::MutexLock lock(&state_mu_);
    state_ = std::move(fresh);
  }
}

absl::StatusOr<uint64_t> AuditLog::TryCommit(absl::Span<Writer* const> group, TreeState state) {
  // A state an AppendWithin left may belong to a transaction that was rolled
  // back: extend only what the store holds.
  if (!state.committed) {
    ARREARS_ASSIGN_OR_RETURN(state, StateAsStored(*store_, state));
  }
  absl::InlinedVector<absl::Span<const AuditAppend>, 16> batches;
  for (const Writer* writer : group) batches.push_back(writer->records);
  PendingBatch& batch = batch_scratch_;
  ARREARS_RETURN_IF_ERROR(BuildBatch(batches, state, batch));
  ARREARS_RETURN_IF_ERROR(store_->Append(batch.first, batch.entries, batch.loans, batch.nodes));
  state.committed = true;
  absl::MutexLock lock(&state_mu_);
  state_ = std::move(state);
  return batch.first;
}

absl::Status AuditLog::BuildBatch(absl::Span<const absl::Span<const AuditAppend>> batches,
                                  TreeState& state, PendingBatch& out) {
  size_t total = 0;
  out.customers.clear();
  for (const absl::Span<const AuditAppend> records : batches) {
    total += records.size();
    for (const AuditAppend& append : records) {
      if (!append.personal_payload.empty()) out.customers.push_back(append.record.customer_id());
    }
  }
  if (!out.customers.empty()) ARREARS_RETURN_IF_ERROR(keys_->EnsureKeys(out.customers));

  // One time for the batch, never before the previous entry, and stored
  // exactly as hashed (Timestamp precision).
  const google::protobuf::Timestamp stamp =
      ToTimestamp(std::max(clock_->Now(), state.last_record_time));
  const absl::Time record_time = FromTimestamp(stamp);

  out.entries.resize(total);
  out.loans.clear();
  out.nodes.clear();
  out.first = state.range.size();
  uint64_t index = out.first;
  for (const absl::Span<const AuditAppend> records : batches) {
    for (const AuditAppend& append : records) {
      StoredEntry& entry = out.entries[index - out.first];
      out.record.CopyFrom(append.record);
      *out.record.mutable_record_time() = stamp;
      if (!append.personal_payload.empty()) {
        ARREARS_RETURN_IF_ERROR(
            keys_->Encrypt(append.record.customer_id(), append.record.payload_type(),
                           append.personal_payload, *out.record.mutable_personal_data()));
      }
      if (!out.record.SerializeToString(&entry.leaf_data)) {
        return absl::InternalError(absl::StrCat("cannot serialize audit record ", index));
      }
      entry.index = index;
      entry.leaf_hash = HashLeaf(entry.leaf_data);
      entry.kind = append.record.kind();
      entry.customer_id.assign(append.record.customer_id());
      entry.record_time = record_time;
      for (const std::string& loan_id : append.record.loan_ids()) {
        out.loans.push_back(LoanLink{index, loan_id});
      }
      state.range.Append(entry.leaf_hash, [&](const NodeId& id, const Sha256Hash& hash) {
        out.nodes.push_back(StoredNode{id, hash});
      });
      state.last_leaf_hash = entry.leaf_hash;
      ++index;
    }
  }
  state.last_record_time = record_time;
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> AuditLog::AppendWithin(AuditStore& txn_store,
                                                absl::Span<const AuditAppend> records) {
  for (size_t i = 0; i < records.size(); ++i) {
    ARREARS_RETURN_IF_ERROR(ValidateAppend(records[i], i));
  }
  return AppendBatchesWithin(txn_store, absl::MakeConstSpan(&records, 1));
}

absl::StatusOr<uint64_t> AuditLog::AppendWithin(AuditStore& txn_store,
                                                absl::Span<const AuditAppend* const> records) {
  absl::InlinedVector<absl::Span<const AuditAppend>, 16> batches;
  batches.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    ARREARS_RETURN_IF_ERROR(ValidateAppend(*records[i], i));
    batches.push_back(absl::MakeConstSpan(records[i], 1));
  }
  return AppendBatchesWithin(txn_store, batches);
}

absl::StatusOr<uint64_t> AuditLog::AppendBatchesWithin(
    AuditStore& txn_store, absl::Span<const absl::Span<const AuditAppend>> batches) {
  if (batches.empty() || batches.front().empty()) {
    return absl::InvalidArgumentError("no records to append");
  }
  // Inside the caller's transaction the store is ours alone: the check of the
  // cached tip and the append see the same data. The cache may be ahead of
  // the store (an earlier transaction rolled back) or behind it (another
  // writer): either way the tip differs and the state is reloaded.
  ARREARS_ASSIGN_OR_RETURN(TreeState state, StateAsStored(txn_store, Snapshot()));
  PendingBatch batch;
  ARREARS_RETURN_IF_ERROR(BuildBatch(batches, state, batch));
  ARREARS_RETURN_IF_ERROR(txn_store.Append(batch.first, batch.entries, batch.loans, batch.nodes));
  // Not known to be committed until the caller commits.
  state.committed = false;
  absl::MutexLock lock(&state_mu_);
  state_ = std::move(state);
  return batch.first;
}

// --- Reading ---

absl::StatusOr<v1::AuditEntry> AuditLog::ToAuditEntry(StoredEntry stored,
                                                      bool reveal_personal_data) {
  v1::AuditEntry entry;
  const uint64_t index = stored.index;
  entry.set_name(absl::StrCat("auditEntries/", index));
  entry.set_index(index);
  // Hashed here rather than copied from the store: the hash returned is the
  // one of the bytes returned, which is what a proof must cover.
  entry.set_leaf_hash(HashLeaf(stored.leaf_data).ToString());
  ARREARS_RETURN_IF_ERROR(ParseStoredRecord(stored, *entry.mutable_record()));
  entry.set_leaf_data(std::move(stored.leaf_data));
  const v1::AuditRecord& record = entry.record();
  if (!record.has_personal_data()) return entry;
  const std::string context = absl::StrCat("audit entry ", index);
  if (reveal_personal_data) {
    absl::StatusOr<std::optional<std::string>> plaintext =
        keys_->Decrypt(record.customer_id(), record.payload_type(), record.personal_data());
    if (!plaintext.ok()) return Annotate(plaintext.status(), context);
    if (plaintext->has_value()) {
      entry.set_revealed_payload(record.personal_data_completes_payload()
                                     ? absl::StrCat(record.payload(), **plaintext)
                                     : **std::move(plaintext));
    } else {
      entry.set_personal_data_erased(true);
    }
    return entry;
  }
  absl::StatusOr<bool> erased = keys_->IsErased(record.personal_data().key_id());
  if (!erased.ok()) return Annotate(erased.status(), context);
  entry.set_personal_data_erased(*erased);
  return entry;
}

absl::StatusOr<v1::AuditEntry> AuditLog::GetEntry(uint64_t index, bool reveal_personal_data) {
  const uint64_t current = size();
  if (index >= current) {
    return absl::NotFoundError(
        absl::StrCat("audit entry ", index, " does not exist; the log has ", current, " entries"));
  }
  ARREARS_ASSIGN_OR_RETURN(StoredEntry stored, store_->ReadEntry(index));
  return ToAuditEntry(std::move(stored), reveal_personal_data);
}

absl::StatusOr<AuditPage> AuditLog::Query(const AuditQuery& query) {
  if (query.page_size < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size must not be negative, got ", query.page_size));
  }
  const size_t page_size =
      query.page_size == 0 ? kDefaultPageSize : std::min(query.page_size, kMaxPageSize);
  ARREARS_RETURN_IF_ERROR(ValidateId(query.customer_id, "customer_id", false));
  ARREARS_RETURN_IF_ERROR(ValidateId(query.loan_id, "loan_id", false));
  if (query.start_time && query.end_time && *query.end_time < *query.start_time) {
    return absl::InvalidArgumentError("end_time is before start_time");
  }
  EntryFilter filter;
  filter.customer_id = query.customer_id;
  filter.loan_id = query.loan_id;
  ARREARS_ASSIGN_OR_RETURN(filter.kind_mask, KindMask(query.kinds));
  const std::string fingerprint = FilterFingerprint(query);
  if (!query.page_token.empty()) {
    ARREARS_ASSIGN_OR_RETURN(filter.begin_index, ParsePageToken(query.page_token, fingerprint));
  }
  // Record times never decrease along the log, so time bounds are index
  // bounds; the current size bounds the page to committed entries.
  filter.end_index = size();
  if (query.start_time) {
    ARREARS_ASSIGN_OR_RETURN(const uint64_t begin, store_->FirstIndexAtOrAfter(*query.start_time));
    filter.begin_index = std::max(filter.begin_index, begin);
  }
  if (query.end_time) {
    ARREARS_ASSIGN_OR_RETURN(const uint64_t end, store_->FirstIndexAtOrAfter(*query.end_time));
    filter.end_index = std::min(filter.end_index, end);
  }
  AuditPage page;
  if (filter.begin_index >= filter.end_index) return page;
  ARREARS_ASSIGN_OR_RETURN(std::vector<StoredEntry> found,
                           store_->FindEntries(filter, page_size + 1));
  if (found.size() > page_size) {
    page.next_page_token = MakePageToken(found[page_size].index, fingerprint);
    found.resize(page_size);
  }
  page.entries.reserve(found.size());
  for (StoredEntry& stored : found) {
    ARREARS_ASSIGN_OR_RETURN(v1::AuditEntry entry, ToAuditEntry(std::move(stored), false));
    page.entries.push_back(std::move(entry));
  }
  return page;
}

// --- Proofs and checkpoints ---

absl::StatusOr<v1::InclusionProof> AuditLog::InclusionProof(uint64_t leaf_index,
                                                            uint64_t tree_size) {
  const uint64_t current = size();
  if (tree_size > current) {
    return absl::InvalidArgumentError(
        absl::StrCat("tree_size ", tree_size, " is larger than the log (", current, " entries)"));
  }
  if (leaf_index >= tree_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf_index ", leaf_index, " is not below tree_size ", tree_size));
  }
  // The path, the leaf and the root in one batch of node reads.
  std::vector<LeafRange> ranges = InclusionProofRanges(leaf_index, tree_size);
  ranges.push_back({leaf_index, leaf_index + 1});
  ranges.push_back({0, tree_size});
  ARREARS_ASSIGN_OR_RETURN(std::vector<Sha256Hash> hashes, RangeHashes(ranges, *store_));
  const Sha256Hash root = hashes.back();
  const Sha256Hash leaf_hash = hashes[hashes.size() - 2];
  hashes.resize(hashes.size() - 2);
  return MakeInclusionProofProto(leaf_index, tree_size, leaf_hash, hashes, root);
}

absl::StatusOr<std::vector<Sha256Hash>> AuditLog::InclusionPath(uint64_t leaf_index,
                                                                uint64_t tree_size) {
  return BuildInclusionProof(leaf_index, tree_size, *store_);
}

absl::StatusOr<v1::ConsistencyProof> AuditLog::ConsistencyProof(uint64_t first_size,
                                                                uint64_t second_size) {
  const uint64_t current = size();
  if (first_size == 0 || first_size > second_size) {
    return absl::InvalidArgumentError(
        absl::StrCat("consistency proof needs 0 < first_size <= second_size, got ", first_size,
                     " and ", second_size));
  }
  if (second_size > current) {
    return absl::InvalidArgumentError(absl::StrCat(
        "second_size ", second_size, " is larger than the log (", current, " entries)"));
  }
  std::vector<LeafRange> ranges = ConsistencyProofRanges(first_size, second_size);
  ranges.push_back({0, first_size});
  ranges.push_back({0, second_size});
  ARREARS_ASSIGN_OR_RETURN(std::vector<Sha256Hash> hashes, RangeHashes(ranges, *store_));
  const Sha256Hash second_root = hashes.back();
  const Sha256Hash first_root = hashes[hashes.size() - 2];
  hashes.resize(hashes.size() - 2);
  return MakeConsistencyProofProto(first_size, second_size, hashes, first_root, second_root);
}

absl::StatusOr<v1::SignedCheckpoint> AuditLog::Checkpoint() {
  ARREARS_ASSIGN_OR_RETURN(const TreeState state, CommittedState());
  ARREARS_ASSIGN_OR_RETURN(v1::SignedCheckpoint checkpoint,
                           signer_->Sign(state.range.size(), state.range.Root()));
  ARREARS_RETURN_IF_ERROR(store_->AddCheckpoint(checkpoint));
  return checkpoint;
}

absl::StatusOr<v1::SignedCheckpoint> AuditLog::CheckpointWithin(AuditStore& txn_store) {
  const TreeState cached = Snapshot();
  ARREARS_ASSIGN_OR_RETURN(const TreeState state, StateAsStored(txn_store, cached));
  ARREARS_ASSIGN_OR_RETURN(v1::SignedCheckpoint checkpoint,
                           signer_->Sign(state.range.size(), state.range.Root()));
  ARREARS_RETURN_IF_ERROR(txn_store.AddCheckpoint(checkpoint));
  if (!(state.range.size() == cached.range.size() &&
        state.last_leaf_hash == cached.last_leaf_hash)) {
    Adopt(cached, state);
  }
  return checkpoint;
}

absl::StatusOr<std::optional<v1::SignedCheckpoint>> AuditLog::LatestCheckpoint() {
  return store_->LatestCheckpoint();
}

// --- Verification ---

absl::StatusOr<VerifyReport> AuditLog::Verify(const VerifyOptions& options) {
  VerifyReport report;
  // The first problem tied to an entry wins; others are reported only when
  // every entry checked out.
  std::optional<std::pair<std::optional<uint64_t>, std::string>> entry_problem;
  std::optional<std::string> other_problem;
  auto entry_failure = [&](uint64_t index, std::string problem) {
    if (!entry_problem) entry_problem.emplace(index, std::move(problem));
  };
  auto other_failure = [&](std::string problem) {
    if (!other_problem) other_problem = std::move(problem);
  };

  // The log's own size counts too: entries it appended and that are gone
  // from the store were removed behind its back.
  ARREARS_ASSIGN_OR_RETURN(const TreeState known, CommittedState());
  ARREARS_ASSIGN_OR_RETURN(const uint64_t stored_size, store_->Size());
  const uint64_t target =
      options.tree_size != 0 ? options.tree_size : std::max(stored_size, known.range.size());

  // Roots to compare, by tree size: stored checkpoints with a valid signature
  // and the trusted one.
  ARREARS_ASSIGN_OR_RETURN(
      const std::vector<v1::SignedCheckpoint> checkpoints,
      store_->ListCheckpoints(options.tree_size != 0 ? options.tree_size
                                                     : std::numeric_limits<uint64_t>::max()));
  struct Expected {
    Sha256Hash root;
    const v1::SignedCheckpoint* checkpoint;
    bool trusted;
  };
  std::multimap<uint64_t, Expected> expected;
  for (const v1::SignedCheckpoint& checkpoint : checkpoints) {
    const absl::Status signature = verifier_.VerifySignature(checkpoint);
    absl::StatusOr<Sha256Hash> root = CheckpointRoot(checkpoint);
    if (checkpoint.key_id() == verifier_.key().KeyId() && !signature.ok()) {
      other_failure(absl::StrCat("stored checkpoint of size ", checkpoint.size(),
                                 " is not validly signed: ", signature.message()));
      continue;
    }
    if (!root.ok()) {
      other_failure(absl::StrCat("stored checkpoint of size ", checkpoint.size(), ": ",
                                 root.status().message()));
      continue;
    }
    if (checkpoint.size() > target) {
      entry_failure(stored_size, absl::StrCat("the log has ", stored_size,
                                              " entries but a stored checkpoint covers ",
                                              checkpoint.size(), ": entries were removed"));
      continue;
    }
    expected.emplace(checkpoint.size(), Expected{*root, &checkpoint, false});
  }
  bool trusted_usable = false;
  if (options.trusted_checkpoint.has_value()) {
    const v1::SignedCheckpoint& trusted = *options.trusted_checkpoint;
    const absl::Status signature = verifier_.VerifySignature(trusted);
    if (!signature.ok()) {
      other_failure(absl::StrCat("trusted checkpoint: ", signature.message()));
    } else if (trusted.size() > target) {
      entry_failure(std::min(stored_size, target),
                    absl::StrCat("the log has ", std::min(stored_size, target),
                                 " entries, fewer than the trusted checkpoint's ", trusted.size(),
                                 ": the log was truncated"));
    } else {
      ARREARS_ASSIGN_OR_RETURN(const Sha256Hash root, CheckpointRoot(trusted));
      expected.emplace(trusted.size(), Expected{root, &trusted, true});
      trusted_usable = true;
    }
  }

  CompactRange range;
  auto compare_roots = [&](uint64_t size) {
    auto [begin, end] = expected.equal_range(size);
    for (auto it = begin; it != end; ++it) {
      const Expected& want = it->second;
      if (range.Root() == want.root) {
        if (want.trusted) {
          report.checkpoint_matches = true;
        } else {
          ++report.checkpoints_verified;
        }
        continue;
      }
      other_failure(absl::StrCat("root of the first ", size, " entries is ", range.Root().ToHex(),
                                 " but the ", want.trusted ? "trusted" : "stored",
                                 " checkpoint signed ", want.root.ToHex(),
                                 ": history was rewritten"));
    }
  };
  compare_roots(0);

  uint64_t next = 0;
  absl::Time previous_time = absl::InfinitePast();
  v1::AuditRecord record;
  while (next < target && !entry_problem) {
    EntryFilter chunk_filter;
    chunk_filter.begin_index = next;
    chunk_filter.end_index = target;
    ARREARS_ASSIGN_OR_RETURN(std::vector<StoredEntry> chunk,
                             store_->FindEntries(chunk_filter, options_.scan_chunk));
    if (chunk.empty()) {
      entry_failure(next, absl::StrCat("entry ", next, " is missing"));
      break;
    }
    const std::vector<NodeId> node_ids = NodesCompletedBetween(next, next + chunk.size());
    ARREARS_ASSIGN_OR_RETURN(const std::vector<std::optional<Sha256Hash>> stored_nodes,
                             ReadNodesAllowingGaps(*store_, node_ids));
    size_t node_cursor = 0;
    for (const StoredEntry& entry : chunk) {
      if (entry.index != next) {
        entry_failure(next, absl::StrCat("entry ", next, " is missing"));
        break;
      }
      const Sha256Hash leaf_hash = HashLeaf(entry.leaf_data);
      if (leaf_hash != entry.leaf_hash) {
        entry_failure(next, absl::StrCat("entry ", next,
                                         ": stored data does not hash to its stored leaf hash"));
        break;
      }
      if (!record.ParseFromString(entry.leaf_data)) {
        entry_failure(next, absl::StrCat("entry ", next, ": leaf data is not an AuditRecord"));
        break;
      }
      const absl::Time time = RecordTime(record);
      if (record.kind() != entry.kind || record.customer_id() != entry.customer_id ||
          time != entry.record_time) {
        entry_failure(next, absl::StrCat("entry ", next,
                                         ": stored query columns (kind, customer_id, "
                                         "record_time) differ from the hashed record"));
        break;
      }
      if (time < previous_time) {
        entry_failure(next, absl::StrCat("entry ", next, ": record_time goes backwards"));
        break;
      }
      previous_time = time;
      range.Append(leaf_hash, [&](const NodeId& id, const Sha256Hash& hash) {
        const std::optional<Sha256Hash>& stored =
            node_cursor < stored_nodes.size() ? stored_nodes[node_cursor] : std::nullopt;
        ++node_cursor;
        if (!stored.has_value()) {
          entry_failure(id.first_leaf(), absl::StrCat(id.DebugString(), " is not stored"));
        } else if (*stored != hash) {
          entry_failure(id.first_leaf(),
                        absl::StrCat("stored ", id.DebugString(),
                                     " does not match the hash recomputed from its entries"));
        }
      });
      if (entry_problem) break;
      ++next;
      compare_roots(next);
    }
  }

  report.entries_verified = next;
  report.root_hash = range.Root();
  if (!trusted_usable) report.checkpoint_matches = false;
  if (entry_problem) {
    report.first_bad_index = entry_problem->first;
    report.problem = entry_problem->second;
  } else if (other_problem) {
    report.problem = *other_problem;
  }
  report.ok = !entry_problem && !other_problem;
  return report;
}

// --- Export ---

absl::StatusOr<ExportSummary> AuditLog::Export(const ExportOptions& options, ExportSink sink) {
  ARREARS_RETURN_IF_ERROR(ValidateId(options.customer_id, "customer_id", false));
  ARREARS_RETURN_IF_ERROR(ValidateId(options.loan_id, "loan_id", false));
  EntryFilter filter;
  filter.customer_id = options.customer_id;
  filter.loan_id = options.loan_id;
  ARREARS_ASSIGN_OR_RETURN(filter.kind_mask, KindMask(options.kinds));

  const bool csv = options.format == ExportFormat::kCsv;
  ExportSummary summary;
  summary.content_type = std::string(csv ? kCsvContentType : kExportContentType);
  summary.format = std::string(csv ? kCsvExportFormat : kExportFormat);
  ARREARS_ASSIGN_OR_RETURN(summary.checkpoint, Checkpoint());
  const uint64_t tree_size = summary.checkpoint.size();
  const uint64_t from = options.from_index;
  const uint64_t to =
      options.to_index == 0 ? tree_size : std::min<uint64_t>(options.to_index, tree_size);
  if (from > to) {
    return absl::InvalidArgumentError(absl::StrCat("from_index ", from, " is past to_index ", to));
  }
  filter.begin_index = from;
  filter.end_index = to;
  if (options.start_time) {
    ARREARS_ASSIGN_OR_RETURN(const uint64_t begin,
                             store_->FirstIndexAtOrAfter(*options.start_time));
    filter.begin_index = std::max(filter.begin_index, begin);
  }
  if (options.end_time) {
    ARREARS_ASSIGN_OR_RETURN(const uint64_t end, store_->FirstIndexAtOrAfter(*options.end_time));
    filter.end_index = std::min(filter.end_index, end);
  }

  summary.from_index = from;
  summary.to_index = to;

  Sha256Hasher file_hash;
  auto emit = [&](const std::string& line) {
    file_hash.Update(line);
    summary.file_bytes += line.size();
    return sink(line);
  };
  ARREARS_RETURN_IF_ERROR(emit(csv ? ExportCsvHeaderRow()
                                   : ExportHeaderLine(summary.checkpoint, signer_->public_key(),
                                                      options, from, to, clock_->Now())));
  while (filter.begin_index < filter.end_index) {
    ARREARS_ASSIGN_OR_RETURN(std::vector<StoredEntry> chunk,
                             store_->FindEntries(filter, options_.scan_chunk));
    for (StoredEntry& stored : chunk) {
      const uint64_t index = stored.index;
      ARREARS_ASSIGN_OR_RETURN(const v1::AuditEntry entry,
                               ToAuditEntry(std::move(stored), options.reveal_personal_data));
      std::vector<Sha256Hash> proof;
      if (options.include_proofs) {
        ARREARS_ASSIGN_OR_RETURN(proof, InclusionPath(index, tree_size));
      }
      ARREARS_RETURN_IF_ERROR(emit(csv ? ExportCsvEntryRow(entry, options.include_proofs, proof)
                                       : ExportEntryLine(entry, options.include_proofs, proof)));
      ++summary.entry_count;
    }
    if (chunk.size() < options_.scan_chunk) break;
    filter.begin_index = chunk.back().index + 1;
  }
  if (!csv) ARREARS_RETURN_IF_ERROR(emit(ExportTrailerLine(summary.entry_count)));
  summary.file_sha256 = file_hash.Finish();
  return summary;
}

absl::StatusOr<ExportSummary> AuditLog::ExportToFile(const ExportOptions& options,
                                                     const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create export file ", path, ": ", std::strerror(errno)));
  }
  absl::StatusOr<ExportSummary> summary =
      Export(options, [&](absl::string_view chunk) -> absl::Status {
        while (!chunk.empty()) {
          const ssize_t written = ::write(fd, chunk.data(), chunk.size());
          if (written < 0) {
            if (errno == EINTR) continue;
            return absl::UnavailableError(
                absl::StrCat("cannot write export file ", path, ": ", std::strerror(errno)));
          }
          chunk.remove_prefix(static_cast<size_t>(written));
        }
        return absl::OkStatus();
      });
  if (summary.ok() && ::fsync(fd) != 0) {
    summary = absl::UnavailableError(
        absl::StrCat("cannot fsync export file ", path, ": ", std::strerror(errno)));
  }
  ::close(fd);
  if (!summary.ok()) ::unlink(path.c_str());
  return summary;
}

// --- Erasure and retention ---

absl::StatusOr<uint64_t> AuditLog::EraseDebtor(absl::string_view customer_id,
                                               absl::string_view source_id) {
  ARREARS_RETURN_IF_ERROR(ValidateId(customer_id, "customer_id", true));
  ARREARS_RETURN_IF_ERROR(ValidateId(source_id, "source_id", false));
  ARREARS_RETURN_IF_ERROR(keys_->Erase(customer_id).status());
  AuditAppend erasure;
  erasure.record.set_kind(v1::AUDIT_RECORD_KIND_KEY_ERASURE);
  erasure.record.set_customer_id(std::string(customer_id));
  erasure.record.set_source_id(std::string(source_id));
  return Append(erasure);
}

absl::StatusOr<uint64_t> AuditLog::EraseDebtorWithin(AuditStore& txn_store,
                                                     absl::string_view customer_id,
                                                     absl::string_view source_id) {
  ARREARS_RETURN_IF_ERROR(ValidateId(customer_id, "customer_id", true));
  ARREARS_RETURN_IF_ERROR(ValidateId(source_id, "source_id", false));
  ARREARS_RETURN_IF_ERROR(keys_->Erase(customer_id).status());
  AuditAppend erasure;
  erasure.record.set_kind(v1::AUDIT_RECORD_KIND_KEY_ERASURE);
  erasure.record.set_customer_id(std::string(customer_id));
  erasure.record.set_source_id(std::string(source_id));
  return AppendWithin(txn_store, absl::MakeConstSpan(&erasure, 1));
}

absl::StatusOr<std::vector<std::string>> AuditLog::RetentionDue(
    absl::FunctionRef<std::optional<absl::Duration>(absl::string_view customer_id)> retention_of) {
  const absl::Time now = clock_->Now();
  std::vector<std::string> due;
  std::string after;
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const std::vector<ActiveDebtorKey> page,
                             keys_->ListActive(after, kRetentionPage));
    std::vector<std::string> customers;
    std::vector<std::pair<absl::Time, absl::Duration>> created_and_retention;
    for (const ActiveDebtorKey& key : page) {
      const std::optional<absl::Duration> retention = retention_of(key.customer_id);
      if (!retention.has_value()) continue;
      customers.push_back(key.customer_id);
      created_and_retention.emplace_back(key.create_time, *retention);
    }
    ARREARS_ASSIGN_OR_RETURN(const std::vector<std::optional<absl::Time>> last,
                             store_->LastRecordTimes(customers));
    for (size_t i = 0; i < customers.size(); ++i) {
      const auto& [created, retention] = created_and_retention[i];
      if (last[i].value_or(created) + retention <= now) due.push_back(customers[i]);
    }
    if (page.size() < kRetentionPage) break;
    after = page.back().customer_id;
  }
  return due;
}

absl::StatusOr<std::vector<std::string>> AuditLog::EnforceRetention(
    absl::FunctionRef<std::optional<absl::Duration>(absl::string_view customer_id)> retention_of) {
  ARREARS_ASSIGN_OR_RETURN(std::vector<std::string> due, RetentionDue(retention_of));
  for (const std::string& customer_id : due) {
    ARREARS_RETURN_IF_ERROR(EraseDebtor(customer_id, "retention").status());
  }
  return due;
}

}  // namespace arrears::compliance::audit
