#include "services/compliance_auditing/audit/sqlite_audit_store.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace arrears::compliance::audit {
namespace {

using store::SqliteStatement;
using store::SqliteTransaction;
using store::SqliteTransactionMode;

constexpr char kProbe[] = "SELECT 1 FROM audit_entries LIMIT 0";
// Not "SELECT MAX(idx) + 1": SQLite answers a bare MAX(rowid) from the
// B-tree's edge, but an expression around it scans the whole table.
constexpr char kSize[] = "SELECT idx + 1 FROM audit_entries ORDER BY idx DESC LIMIT 1";
constexpr char kTip[] = "SELECT idx + 1, leaf_hash FROM audit_entries ORDER BY idx DESC LIMIT 1";
constexpr char kInsertEntry[] =
    "INSERT INTO audit_entries (idx, leaf_data, leaf_hash, kind, customer_id, record_time_ns)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr char kInsertLoan[] =
    "INSERT OR IGNORE INTO audit_entry_loans (loan_id, idx) VALUES (?1, ?2)";
constexpr char kInsertNode[] = "INSERT INTO audit_nodes (level, idx, hash) VALUES (?1, ?2, ?3)";
constexpr char kSelectLeafHash[] = "SELECT leaf_hash FROM audit_entries WHERE idx = ?1";
constexpr char kSelectNode[] = "SELECT hash FROM audit_nodes WHERE level = ?1 AND idx = ?2";
constexpr char kSelectEntry[] =
    "SELECT idx, leaf_data, leaf_hash, kind, customer_id, record_time_ns"
    " FROM audit_entries WHERE idx = ?1";
// ?1, ?2: index range; ?3: kind mask (0 = any); ?4: limit; ?5: customer;
// ?6: loan. Each variant uses the index that makes it a range scan.
constexpr char kFindAll[] =
    "SELECT idx, leaf_data, leaf_hash, kind, customer_id, record_time_ns"
    " FROM audit_entries WHERE idx >= ?1 AND idx < ?2"
    " AND (?3 = 0 OR ((?3 >> kind) & 1) = 1) ORDER BY idx LIMIT ?4";
constexpr char kFindByCustomer[] =
    "SELECT idx, leaf_data, leaf_hash, kind, customer_id, record_time_ns"
    " FROM audit_entries WHERE customer_id = ?5 AND idx >= ?1 AND idx < ?2"
    " AND (?3 = 0 OR ((?3 >> kind) & 1) = 1) ORDER BY idx LIMIT ?4";
constexpr char kFindByLoan[] =
    "SELECT e.idx, e.leaf_data, e.leaf_hash, e.kind, e.customer_id, e.record_time_ns"
    " FROM audit_entry_loans l JOIN audit_entries e ON e.idx = l.idx"
    " WHERE l.loan_id = ?6 AND l.idx >= ?1 AND l.idx < ?2"
    " AND (?3 = 0 OR ((?3 >> e.kind) & 1) = 1) AND (?5 = '' OR e.customer_id = ?5)"
    " ORDER BY l.idx LIMIT ?4";
// Record times never decrease with the index, so the first row in time
// order is the lowest index.
constexpr char kFirstAtOrAfter[] =
    "SELECT idx FROM audit_entries WHERE record_time_ns >= ?1"
    " ORDER BY record_time_ns, idx LIMIT 1";
constexpr char kLastRecordTime[] =
    "SELECT record_time_ns FROM audit_entries WHERE customer_id = ?1 ORDER BY idx DESC LIMIT 1";
constexpr char kInsertCheckpoint[] =
    "INSERT INTO audit_checkpoints (log_id, tree_size, root_hash, timestamp_seconds,"
    " timestamp_nanos, key_id, signature) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr char kLatestCheckpoint[] =
    "SELECT log_id, tree_size, root_hash, timestamp_seconds, timestamp_nanos, key_id, signature"
    " FROM audit_checkpoints ORDER BY seq DESC LIMIT 1";
constexpr char kListCheckpoints[] =
    "SELECT log_id, tree_size, root_hash, timestamp_seconds, timestamp_nanos, key_id, signature"
    " FROM audit_checkpoints WHERE tree_size <= ?1 ORDER BY tree_size, seq";

// SQLite integers are signed; indices stay below 2^56 and "no upper bound"
// becomes INT64_MAX.
int64_t ToSql(uint64_t value) { return static_cast<int64_t>(std::min<uint64_t>(value, INT64_MAX)); }

absl::StatusOr<StoredEntry> ReadEntryRow(const SqliteStatement& row) {
  StoredEntry entry;
  entry.index = static_cast<uint64_t>(row.ColumnInt64(0));
  entry.leaf_data = std::string(row.ColumnBlob(1));
  absl::StatusOr<Sha256Hash> leaf_hash =
      Sha256Hash::FromBytes(row.ColumnBlob(2), absl::StrCat("leaf_hash of entry ", entry.index));
  if (!leaf_hash.ok()) return absl::DataLossError(leaf_hash.status().message());
  entry.leaf_hash = *leaf_hash;
  entry.kind = static_cast<int>(row.ColumnInt64(3));
  entry.customer_id = std::string(row.ColumnText(4));
  entry.record_time = absl::FromUnixNanos(row.ColumnInt64(5));
  return entry;
}

v1::SignedCheckpoint ReadCheckpointRow(const SqliteStatement& row) {
  v1::SignedCheckpoint checkpoint;
  checkpoint.set_log_id(std::string(row.ColumnText(0)));
  checkpoint.set_size(static_cast<uint64_t>(row.ColumnInt64(1)));
  checkpoint.set_root_hash(std::string(row.ColumnBlob(2)));
  checkpoint.mutable_timestamp()->set_seconds(row.ColumnInt64(3));
  checkpoint.mutable_timestamp()->set_nanos(static_cast<int32_t>(row.ColumnInt64(4)));
  checkpoint.set_key_id(std::string(row.ColumnText(5)));
  checkpoint.set_signature(std::string(row.ColumnBlob(6)));
  return checkpoint;
}

absl::StatusOr<uint64_t> SizeIn(SqliteTransaction& txn) {
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kSize));
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  return row ? static_cast<uint64_t>(select.ColumnInt64(0)) : 0;
}

absl::StatusOr<StoredTip> TipIn(SqliteTransaction& txn) {
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kTip));
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  StoredTip tip;
  if (!row) return tip;
  tip.size = static_cast<uint64_t>(select.ColumnInt64(0));
  absl::StatusOr<Sha256Hash> hash = Sha256Hash::FromBytes(
      select.ColumnBlob(1), absl::StrCat("leaf_hash of entry ", tip.size - 1));
  if (!hash.ok()) return absl::DataLossError(hash.status().message());
  tip.last_leaf_hash = *hash;
  return tip;
}

absl::StatusOr<std::vector<Sha256Hash>> ReadNodesIn(SqliteTransaction& txn,
                                                    absl::Span<const NodeId> ids) {
  std::vector<Sha256Hash> hashes;
  hashes.reserve(ids.size());
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement leaf, txn.Prepare(kSelectLeafHash));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement node, txn.Prepare(kSelectNode));
  for (const NodeId& id : ids) {
    SqliteStatement& select = id.level == 0 ? leaf : node;
    if (id.level == 0) {
      select.BindInt64(1, ToSql(id.index));
    } else {
      select.BindInt64(1, id.level);
      select.BindInt64(2, ToSql(id.index));
    }
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) {
      return absl::NotFoundError(id.level == 0
                                     ? absl::StrCat("audit entry ", id.index, " is not stored")
                                     : absl::StrCat(id.DebugString(), " is not stored"));
    }
    absl::StatusOr<Sha256Hash> hash = Sha256Hash::FromBytes(select.ColumnBlob(0), "node");
    if (!hash.ok()) {
      return absl::DataLossError(absl::StrCat(id.DebugString(), ": ", hash.status().message()));
    }
    hashes.push_back(*hash);
    select.Reset();
  }
  return hashes;
}

absl::Status ValidateAppend(uint64_t expected_size, absl::Span<const StoredEntry> entries,
                            absl::Span<const StoredNode> nodes) {
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
  }
  return absl::OkStatus();
}

absl::Status AppendIn(SqliteTransaction& txn, uint64_t expected_size,
                      absl::Span<const StoredEntry> entries, absl::Span<const LoanLink> loans,
                      absl::Span<const StoredNode> nodes) {
  ARREARS_ASSIGN_OR_RETURN(const uint64_t size, SizeIn(txn));
  if (size != expected_size) {
    return absl::AbortedError(
        absl::StrCat("audit store has ", size, " entries, the appender expected ", expected_size));
  }
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement insert_entry, txn.Prepare(kInsertEntry));
  for (const StoredEntry& entry : entries) {
    insert_entry.BindInt64(1, ToSql(entry.index));
    insert_entry.BindBlob(2, entry.leaf_data);
    insert_entry.BindBlob(3, entry.leaf_hash.view());
    insert_entry.BindInt64(4, entry.kind);
    insert_entry.BindText(5, entry.customer_id);
    insert_entry.BindInt64(6, absl::ToUnixNanos(entry.record_time));
    ARREARS_RETURN_IF_ERROR(
        Annotate(insert_entry.Run(), absl::StrCat("audit entry ", entry.index)));
  }
  if (!loans.empty()) {
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement insert_loan, txn.Prepare(kInsertLoan));
    for (const LoanLink& link : loans) {
      insert_loan.BindText(1, link.loan_id);
      insert_loan.BindInt64(2, ToSql(link.index));
      ARREARS_RETURN_IF_ERROR(insert_loan.Run());
    }
  }
  if (!nodes.empty()) {
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement insert_node, txn.Prepare(kInsertNode));
    for (const StoredNode& node : nodes) {
      insert_node.BindInt64(1, node.id.level);
      insert_node.BindInt64(2, ToSql(node.id.index));
      insert_node.BindBlob(3, node.hash.view());
      ARREARS_RETURN_IF_ERROR(Annotate(insert_node.Run(), node.id.DebugString()));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<StoredEntry> ReadEntryIn(SqliteTransaction& txn, uint64_t index) {
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kSelectEntry));
  select.BindInt64(1, ToSql(index));
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("audit entry ", index, " is not stored"));
  return ReadEntryRow(select);
}

absl::StatusOr<std::vector<StoredEntry>> FindEntriesIn(SqliteTransaction& txn,
                                                       const EntryFilter& filter, size_t limit) {
  std::vector<StoredEntry> found;
  if (limit == 0 || filter.begin_index >= filter.end_index) return found;
  const char* sql = !filter.loan_id.empty()       ? kFindByLoan
                    : !filter.customer_id.empty() ? kFindByCustomer
                                                  : kFindAll;
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(sql));
  select.BindInt64(1, ToSql(filter.begin_index));
  select.BindInt64(2, ToSql(filter.end_index));
  select.BindInt64(3, static_cast<int64_t>(filter.kind_mask & INT64_MAX));
  select.BindInt64(4, ToSql(limit));
  if (sql != kFindAll) select.BindText(5, filter.customer_id);
  if (sql == kFindByLoan) select.BindText(6, filter.loan_id);
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) return found;
    ARREARS_ASSIGN_OR_RETURN(StoredEntry entry, ReadEntryRow(select));
    found.push_back(std::move(entry));
  }
}

absl::StatusOr<uint64_t> FirstIndexAtOrAfterIn(SqliteTransaction& txn, absl::Time time) {
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kFirstAtOrAfter));
  select.BindInt64(1, absl::ToUnixNanos(time));
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (row) return static_cast<uint64_t>(select.ColumnInt64(0));
  return SizeIn(txn);
}

absl::StatusOr<std::optional<absl::Time>> LastRecordTimeIn(SqliteTransaction& txn,
                                                           absl::string_view customer_id) {
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kLastRecordTime));
  select.BindText(1, customer_id);
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return std::optional<absl::Time>();
  return std::optional<absl::Time>(absl::FromUnixNanos(select.ColumnInt64(0)));
}

absl::Status AddCheckpointIn(SqliteTransaction& txn, const v1::SignedCheckpoint& checkpoint) {
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement insert, txn.Prepare(kInsertCheckpoint));
  insert.BindText(1, checkpoint.log_id());
  insert.BindInt64(2, ToSql(checkpoint.size()));
  insert.BindBlob(3, checkpoint.root_hash());
  insert.BindInt64(4, checkpoint.timestamp().seconds());
  insert.BindInt64(5, checkpoint.timestamp().nanos());
  insert.BindText(6, checkpoint.key_id());
  insert.BindBlob(7, checkpoint.signature());
  return insert.Run();
}

absl::StatusOr<std::optional<v1::SignedCheckpoint>> LatestCheckpointIn(SqliteTransaction& txn) {
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kLatestCheckpoint));
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return std::optional<v1::SignedCheckpoint>();
  return std::optional<v1::SignedCheckpoint>(ReadCheckpointRow(select));
}

absl::StatusOr<std::vector<v1::SignedCheckpoint>> ListCheckpointsIn(SqliteTransaction& txn,
                                                                    uint64_t max_size) {
  std::vector<v1::SignedCheckpoint> checkpoints;
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kListCheckpoints));
  select.BindInt64(1, ToSql(max_size));
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) return checkpoints;
    checkpoints.push_back(ReadCheckpointRow(select));
  }
}

// The store's operations inside one open transaction of the caller.
class TransactionAuditStore final : public AuditStore {
 public:
  explicit TransactionAuditStore(SqliteTransaction* txn) : txn_(txn) {}

  absl::StatusOr<std::vector<Sha256Hash>> ReadNodes(absl::Span<const NodeId> ids) override {
    return ReadNodesIn(*txn_, ids);
  }
  absl::StatusOr<uint64_t> Size() override { return SizeIn(*txn_); }
  absl::StatusOr<StoredTip> Tip() override { return TipIn(*txn_); }
  absl::Status Append(uint64_t expected_size, absl::Span<const StoredEntry> entries,
                      absl::Span<const LoanLink> loans,
                      absl::Span<const StoredNode> nodes) override {
    ARREARS_RETURN_IF_ERROR(ValidateAppend(expected_size, entries, nodes));
    return AppendIn(*txn_, expected_size, entries, loans, nodes);
  }
  absl::StatusOr<StoredEntry> ReadEntry(uint64_t index) override {
    return ReadEntryIn(*txn_, index);
  }
  absl::StatusOr<std::vector<StoredEntry>> FindEntries(const EntryFilter& filter,
                                                       size_t limit) override {
    return FindEntriesIn(*txn_, filter, limit);
  }
  absl::StatusOr<uint64_t> FirstIndexAtOrAfter(absl::Time time) override {
    return FirstIndexAtOrAfterIn(*txn_, time);
  }
  absl::StatusOr<std::optional<absl::Time>> LastRecordTime(absl::string_view customer_id) override {
    return LastRecordTimeIn(*txn_, customer_id);
  }
  absl::Status AddCheckpoint(const v1::SignedCheckpoint& checkpoint) override {
    return AddCheckpointIn(*txn_, checkpoint);
  }
  absl::StatusOr<std::optional<v1::SignedCheckpoint>> LatestCheckpoint() override {
    return LatestCheckpointIn(*txn_);
  }
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> ListCheckpoints(uint64_t max_size) override {
    return ListCheckpointsIn(*txn_, max_size);
  }

 private:
  SqliteTransaction* const txn_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteAuditStore>> SqliteAuditStore::Create(
    store::SqliteDatabase* db) {
  if (db == nullptr) return absl::InvalidArgumentError("audit store needs a database");
  const absl::Status probe = db->InSqliteTransaction(
      SqliteTransactionMode::kDeferred, [](SqliteTransaction& txn) { return txn.Execute(kProbe); });
  if (!probe.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("audit schema missing in ", db->path(),
                     " (apply AuditSchemaMigrations): ", probe.message()));
  }
  return std::unique_ptr<SqliteAuditStore>(new SqliteAuditStore(db));
}

absl::StatusOr<std::unique_ptr<AuditStore>> SqliteAuditStore::InTransaction(
    store::Transaction& txn) const {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  return std::make_unique<TransactionAuditStore>(sqlite);
}

// Runs `read` in a read-only transaction and returns its value.
template <typename T, typename Fn>
absl::StatusOr<T> SqliteAuditStore::Read(Fn read) {
  std::optional<T> value;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(SqliteTransactionMode::kDeferred,
                                                   [&](SqliteTransaction& txn) -> absl::Status {
                                                     absl::StatusOr<T> result = read(txn);
                                                     if (!result.ok()) return result.status();
                                                     value.emplace(*std::move(result));
                                                     return absl::OkStatus();
                                                   }));
  return *std::move(value);
}

absl::StatusOr<std::vector<Sha256Hash>> SqliteAuditStore::ReadNodes(absl::Span<const NodeId> ids) {
  return Read<std::vector<Sha256Hash>>(
      [&](SqliteTransaction& txn) { return ReadNodesIn(txn, ids); });
}

absl::StatusOr<uint64_t> SqliteAuditStore::Size() {
  return Read<uint64_t>([](SqliteTransaction& txn) { return SizeIn(txn); });
}

absl::StatusOr<StoredTip> SqliteAuditStore::Tip() {
  return Read<StoredTip>([](SqliteTransaction& txn) { return TipIn(txn); });
}

absl::Status SqliteAuditStore::Append(uint64_t expected_size, absl::Span<const StoredEntry> entries,
                                      absl::Span<const LoanLink> loans,
                                      absl::Span<const StoredNode> nodes) {
  ARREARS_RETURN_IF_ERROR(ValidateAppend(expected_size, entries, nodes));
  return db_->InSqliteTransaction(SqliteTransactionMode::kImmediate, [&](SqliteTransaction& txn) {
    return AppendIn(txn, expected_size, entries, loans, nodes);
  });
}

absl::StatusOr<StoredEntry> SqliteAuditStore::ReadEntry(uint64_t index) {
  return Read<StoredEntry>([&](SqliteTransaction& txn) { return ReadEntryIn(txn, index); });
}

absl::StatusOr<std::vector<StoredEntry>> SqliteAuditStore::FindEntries(const EntryFilter& filter,
                                                                       size_t limit) {
  return Read<std::vector<StoredEntry>>(
      [&](SqliteTransaction& txn) { return FindEntriesIn(txn, filter, limit); });
}

absl::StatusOr<uint64_t> SqliteAuditStore::FirstIndexAtOrAfter(absl::Time time) {
  return Read<uint64_t>([&](SqliteTransaction& txn) { return FirstIndexAtOrAfterIn(txn, time); });
}

absl::StatusOr<std::optional<absl::Time>> SqliteAuditStore::LastRecordTime(
    absl::string_view customer_id) {
  return Read<std::optional<absl::Time>>(
      [&](SqliteTransaction& txn) { return LastRecordTimeIn(txn, customer_id); });
}

absl::Status SqliteAuditStore::AddCheckpoint(const v1::SignedCheckpoint& checkpoint) {
  return db_->InSqliteTransaction(SqliteTransactionMode::kImmediate, [&](SqliteTransaction& txn) {
    return AddCheckpointIn(txn, checkpoint);
  });
}

absl::StatusOr<std::optional<v1::SignedCheckpoint>> SqliteAuditStore::LatestCheckpoint() {
  return Read<std::optional<v1::SignedCheckpoint>>(
      [](SqliteTransaction& txn) { return LatestCheckpointIn(txn); });
}

absl::StatusOr<std::vector<v1::SignedCheckpoint>> SqliteAuditStore::ListCheckpoints(
    uint64_t max_size) {
  return Read<std::vector<v1::SignedCheckpoint>>(
      [&](SqliteTransaction& txn) { return ListCheckpointsIn(txn, max_size); });
}

}  // namespace arrears::compliance::audit
