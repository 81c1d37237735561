#include "services/compliance_auditing/audit/sqlite_audit_store.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/runtime/thread_name.h"
#include "common/status/status_macros.h"
#include "services/compliance_auditing/audit/sqlite_audit_schema.h"

namespace arrears::compliance::audit {
namespace {

using store::SqliteStatement;
using store::SqliteTransaction;
using store::SqliteTransactionMode;
using store::ToSqlInteger;

constexpr char kProbe[] = "SELECT 1 FROM audit_entries LIMIT 0";
// Not "SELECT MAX(idx) + 1": SQLite answers a bare MAX(rowid) from the
// B-tree's edge, but an expression around it scans the whole table.
constexpr char kSize[] = "SELECT idx + 1 FROM audit_entries ORDER BY idx DESC LIMIT 1";
constexpr char kTip[] = "SELECT idx + 1, leaf_hash FROM audit_entries ORDER BY idx DESC LIMIT 1";
constexpr char kInsertEntry[] =
    "INSERT INTO audit_entries (idx, leaf_data, leaf_hash, kind, customer_id, record_time_ns,"
    " loan_ids, node_hashes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
constexpr char kProbeIndex[] = "SELECT indexed_size FROM audit_index_state LIMIT 0";
constexpr char kIndexedSize[] = "SELECT indexed_size FROM audit_index_state WHERE id = 0";
// The batch flush: the loans and customers of the unindexed entries into the
// index tables, in key order (neighbouring rows share pages), then the
// high-water mark to `?1` (the log's size).
constexpr char kFlushIndex[] = R"sql(
INSERT OR IGNORE INTO audit_entry_loans (loan_id, idx)
  SELECT loan.value, e.idx FROM audit_entries e, json_each(e.loan_ids) loan
  WHERE e.idx >= (SELECT indexed_size FROM audit_index_state WHERE id = 0)
    AND e.loan_ids IS NOT NULL
  ORDER BY 1, 2;
INSERT OR IGNORE INTO audit_entry_customers (customer_id, idx)
  SELECT customer_id, idx FROM audit_entries
  WHERE idx >= (SELECT indexed_size FROM audit_index_state WHERE id = 0) AND customer_id != ''
  ORDER BY customer_id, idx;
)sql";
constexpr char kSetIndexedSize[] = "UPDATE audit_index_state SET indexed_size = ?1 WHERE id = 0";
// The background indexer's reads and writes (IndexCommittedEntries): the
// same links as kFlushIndex, read for a range of entries [?1, ?2) at a time
// and sorted by the indexer, then inserted a chunk per transaction.
constexpr char kCustomerLinksIn[] =
    "SELECT customer_id, idx FROM audit_entries WHERE idx >= ?1 AND idx < ?2 AND customer_id != ''";
constexpr char kLoanLinksIn[] =
    "SELECT loan.value, e.idx FROM audit_entries e, json_each(e.loan_ids) loan"
    " WHERE e.idx >= ?1 AND e.idx < ?2 AND e.loan_ids IS NOT NULL";
constexpr char kIndexCustomer[] =
    "INSERT OR IGNORE INTO audit_entry_customers (customer_id, idx) VALUES (?1, ?2)";
constexpr char kIndexLoan[] =
    "INSERT OR IGNORE INTO audit_entry_loans (loan_id, idx) VALUES (?1, ?2)";
// Entries at and above `?1` were removed outside the log (the store holds
// fewer entries than the mark): their index rows go, and the mark comes
// down (kSetIndexedSize), so that the entries appended there next are
// indexed again.
constexpr char kDropCustomerLinksFrom[] = "DELETE FROM audit_entry_customers WHERE idx >= ?1";
constexpr char kDropLoanLinksFrom[] = "DELETE FROM audit_entry_loans WHERE idx >= ?1";
constexpr char kProbeNodeLayout[] = "SELECT node_key FROM audit_node_hashes LIMIT 0";
constexpr char kProbeEntryColumns[] = "SELECT loan_ids, node_hashes FROM audit_entries LIMIT 0";
constexpr char kSelectLeafHash[] = "SELECT leaf_hash FROM audit_entries WHERE idx = ?1";
// A node in the row of the leaf that completed it (FindEncodedNode), or, for
// logs appended before AuditEntryColumnsMigration, in audit_node_hashes.
constexpr char kSelectEntryNodes[] = "SELECT node_hashes FROM audit_entries WHERE idx = ?1";
constexpr char kSelectNode[] = "SELECT hash FROM audit_node_hashes WHERE node_key = ?1";
constexpr char kSelectEntry[] =
    "SELECT idx, leaf_data, leaf_hash, kind, customer_id, record_time_ns"
    " FROM audit_entries WHERE idx = ?1";
// ?1, ?2: index range; ?3: kind mask (0 = any); ?4: limit; ?5: customer;
// ?6: loan. Each variant uses the index that makes it a range scan. The
// indexed variants serve entries below the indexes' high-water mark; the
// tail variants the (at most index_batch) entries above it.
constexpr char kFindAll[] =
    "SELECT idx, leaf_data, leaf_hash, kind, customer_id, record_time_ns"
    " FROM audit_entries WHERE idx >= ?1 AND idx < ?2"
    " AND (?3 = 0 OR ((?3 >> kind) & 1) = 1) ORDER BY idx LIMIT ?4";
constexpr char kFindByCustomer[] =
    "SELECT e.idx, e.leaf_data, e.leaf_hash, e.kind, e.customer_id, e.record_time_ns"
    " FROM audit_entry_customers c JOIN audit_entries e ON e.idx = c.idx"
    " WHERE c.customer_id = ?5 AND c.idx >= ?1 AND c.idx < ?2 AND e.customer_id = ?5"
    " AND (?3 = 0 OR ((?3 >> e.kind) & 1) = 1) ORDER BY c.idx LIMIT ?4";
constexpr char kFindByCustomerInTail[] =
    "SELECT idx, leaf_data, leaf_hash, kind, customer_id, record_time_ns"
    " FROM audit_entries WHERE idx >= ?1 AND idx < ?2 AND customer_id = ?5"
    " AND (?3 = 0 OR ((?3 >> kind) & 1) = 1) ORDER BY idx LIMIT ?4";
constexpr char kFindByLoan[] =
    "SELECT e.idx, e.leaf_data, e.leaf_hash, e.kind, e.customer_id, e.record_time_ns"
    " FROM audit_entry_loans l JOIN audit_entries e ON e.idx = l.idx"
    " WHERE l.loan_id = ?6 AND l.idx >= ?1 AND l.idx < ?2"
    " AND (?3 = 0 OR ((?3 >> e.kind) & 1) = 1) AND (?5 = '' OR e.customer_id = ?5)"
    " ORDER BY l.idx LIMIT ?4";
constexpr char kFindByLoanInTail[] =
    "SELECT e.idx, e.leaf_data, e.leaf_hash, e.kind, e.customer_id, e.record_time_ns"
    " FROM audit_entries e WHERE e.idx >= ?1 AND e.idx < ?2"
    " AND e.loan_ids IS NOT NULL"
    " AND EXISTS (SELECT 1 FROM json_each(e.loan_ids) loan WHERE loan.value = ?6)"
    " AND (?3 = 0 OR ((?3 >> e.kind) & 1) = 1) AND (?5 = '' OR e.customer_id = ?5)"
    " ORDER BY e.idx LIMIT ?4";
// The entry at or after index ?1 (a probe of FirstIndexAtOrAfterIn).
constexpr char kTimeAtOrAfterIndex[] =
    "SELECT idx, record_time_ns FROM audit_entries WHERE idx >= ?1 ORDER BY idx LIMIT 1";
// Every debtor's latest record time among the unindexed entries (?1: the
// high-water mark): one pass for a page of debtors rather than one each.
constexpr char kLastRecordTimesInTail[] =
    "SELECT customer_id, MAX(record_time_ns) FROM audit_entries WHERE idx >= ?1"
    " GROUP BY customer_id";
// Below the mark (?2) only, like the finds: a background pass may have
// written rows above it, and the tail pass answers for those entries.
constexpr char kLastRecordTime[] =
    "SELECT e.record_time_ns FROM audit_entry_customers c JOIN audit_entries e ON e.idx = c.idx"
    " WHERE c.customer_id = ?1 AND c.idx < ?2 ORDER BY c.idx DESC LIMIT 1";
constexpr char kInsertCheckpoint[] =
    "INSERT INTO audit_checkpoints (log_id, tree_size, root_hash, timestamp_seconds,"
    " timestamp_nanos, key_id, signature) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr char kLatestCheckpoint[] =
    "SELECT log_id, tree_size, root_hash, timestamp_seconds, timestamp_nanos, key_id, signature"
    " FROM audit_checkpoints ORDER BY seq DESC LIMIT 1";
constexpr char kListCheckpoints[] =
    "SELECT log_id, tree_size, root_hash, timestamp_seconds, timestamp_nanos, key_id, signature"
    " FROM audit_checkpoints WHERE tree_size <= ?1 ORDER BY tree_size, seq";

// An entry's loan ids as a JSON array of strings (the flush and the tail
// query read them with json_each).
void AppendJsonString(absl::string_view text, std::string& out) {
  out.push_back('"');
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppendFormat(&out, "\\u%04x", static_cast<unsigned char>(c));
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

// The level-`level` node in an entry's node_hashes column, if there.
std::optional<Sha256Hash> FindEncodedNode(absl::string_view node_hashes, int level) {
  const std::optional<size_t> at = FindNodeHash(node_hashes, level);
  if (!at.has_value()) return std::nullopt;
  absl::StatusOr<Sha256Hash> hash =
      Sha256Hash::FromBytes(node_hashes.substr(*at, kSha256Size), "node");
  if (!hash.ok()) return std::nullopt;
  return *hash;
}

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

// The last leaf under node `id`: the append of that leaf completes it.
uint64_t LastLeafOf(const NodeId& id) { return ((id.index + 1) << id.level) - 1; }

// The hash that `select` (bound, one row wanted) reads for `id`: NotFound
// with `missing` when there is no row, DataLoss when the column is no hash.
absl::StatusOr<Sha256Hash> StoredHash(SqliteStatement& select, const NodeId& id,
                                      absl::string_view missing) {
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return absl::NotFoundError(missing);
  absl::StatusOr<Sha256Hash> hash = Sha256Hash::FromBytes(select.ColumnBlob(0), "node");
  select.Reset();
  if (!hash.ok()) {
    return absl::DataLossError(absl::StrCat(id.DebugString(), ": ", hash.status().message()));
  }
  return *hash;
}

absl::StatusOr<std::vector<Sha256Hash>> ReadNodesIn(SqliteTransaction& txn,
                                                    absl::Span<const NodeId> ids) {
  std::vector<Sha256Hash> hashes;
  hashes.reserve(ids.size());
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement leaf, txn.Prepare(kSelectLeafHash));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement entry_nodes, txn.Prepare(kSelectEntryNodes));
  std::optional<SqliteStatement> legacy_node;
  for (const NodeId& id : ids) {
    // Leaves are entries (by index); a node is in the row of the leaf that
    // completed it (its last), or keyed by AuditNodeRowKey in the old table.
    const std::optional<int64_t> key = id.level == 0
                                           ? std::optional<int64_t>(ToSqlInteger(id.index))
                                           : AuditNodeRowKey(id.level, id.index);
    if (!key.has_value()) {
      return absl::NotFoundError(absl::StrCat(id.DebugString(), " is not stored"));
    }
    if (id.level == 0) {
      leaf.BindInt64(1, *key);
      ARREARS_ASSIGN_OR_RETURN(
          Sha256Hash hash,
          StoredHash(leaf, id, absl::StrCat("audit entry ", id.index, " is not stored")));
      hashes.push_back(hash);
      continue;
    }
    entry_nodes.BindInt64(1, ToSqlInteger(LastLeafOf(id)));
    ARREARS_ASSIGN_OR_RETURN(const bool row, entry_nodes.Step());
    std::optional<Sha256Hash> hash;
    if (row) hash = FindEncodedNode(entry_nodes.ColumnBlob(0), id.level);
    entry_nodes.Reset();
    if (!hash.has_value()) {
      if (!legacy_node.has_value()) {
        ARREARS_ASSIGN_OR_RETURN(legacy_node, txn.Prepare(kSelectNode));
      }
      legacy_node->BindInt64(1, *key);
      ARREARS_ASSIGN_OR_RETURN(
          hash, StoredHash(*legacy_node, id, absl::StrCat(id.DebugString(), " is not stored")));
    }
    hashes.push_back(*hash);
  }
  return hashes;
}

absl::StatusOr<uint64_t> IndexedSizeIn(SqliteTransaction& txn) {
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kIndexedSize));
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return absl::DataLossError("audit_index_state has no row");
  return static_cast<uint64_t>(select.ColumnInt64(0));
}

// Indexes every entry of a log of `size` entries (the high-water mark to
// `size`).
absl::Status FlushIndexIn(SqliteTransaction& txn, uint64_t size) {
  ARREARS_RETURN_IF_ERROR(Annotate(txn.ExecuteScript(kFlushIndex), "audit index flush"));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement update, txn.Prepare(kSetIndexedSize));
  update.BindInt64(1, ToSqlInteger(size));
  return update.Run();
}

absl::Status LowerIndexMarkIn(SqliteTransaction& txn, uint64_t size) {
  for (const char* sql : {kDropCustomerLinksFrom, kDropLoanLinksFrom, kSetIndexedSize}) {
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement statement, txn.Prepare(sql));
    statement.BindInt64(1, ToSqlInteger(size));
    ARREARS_RETURN_IF_ERROR(Annotate(statement.Run(), "lowering the audit index mark"));
  }
  return absl::OkStatus();
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

// Appends, and writes the index batch that the append completes unless
// `options` leave it to the background indexer; then true (a batch awaits).
absl::StatusOr<bool> AppendIn(SqliteTransaction& txn, const SqliteAuditStoreOptions& options,
                              uint64_t expected_size, absl::Span<const StoredEntry> entries,
                              absl::Span<const LoanLink> loans,
                              absl::Span<const StoredNode> nodes) {
  ARREARS_ASSIGN_OR_RETURN(const uint64_t size, SizeIn(txn));
  if (size != expected_size) {
    return absl::AbortedError(
        absl::StrCat("audit store has ", size, " entries, the appender expected ", expected_size));
  }
  // Each entry's loan ids and completed nodes go into its own row: one
  // B-tree insert per entry, not one more per link and per node.
  std::vector<std::string> loan_ids(entries.size());
  for (const LoanLink& link : loans) {
    if (link.index < expected_size || link.index - expected_size >= entries.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat("loan link for entry ", link.index, ", which this append does not add"));
    }
    std::string& ids = loan_ids[link.index - expected_size];
    ids.push_back(ids.empty() ? '[' : ',');
    AppendJsonString(link.loan_id, ids);
  }
  std::vector<std::string> encoded_nodes(entries.size());
  for (const StoredNode& node : nodes) {
    if (!AuditNodeRowKey(node.id.level, node.id.index).has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(node.id.DebugString(), " cannot be stored"));
    }
    const uint64_t last_leaf = LastLeafOf(node.id);
    if (last_leaf < expected_size) {
      return absl::FailedPreconditionError(
          absl::StrCat(node.id.DebugString(), " is complete already; nodes are never rewritten"));
    }
    if (last_leaf - expected_size >= entries.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(node.id.DebugString(), " is not completed by the entries of this append"));
    }
    std::string& encoded = encoded_nodes[last_leaf - expected_size];
    if (FindNodeHash(encoded, node.id.level).has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(node.id.DebugString(), " given twice"));
    }
    AppendNodeHash(node.id.level, node.hash, encoded);
  }
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement insert_entry, txn.Prepare(kInsertEntry));
  for (size_t i = 0; i < entries.size(); ++i) {
    const StoredEntry& entry = entries[i];
    insert_entry.BindInt64(1, ToSqlInteger(entry.index));
    insert_entry.BindBlob(2, entry.leaf_data);
    insert_entry.BindBlob(3, entry.leaf_hash.view());
    insert_entry.BindInt64(4, entry.kind);
    insert_entry.BindText(5, entry.customer_id);
    insert_entry.BindInt64(6, absl::ToUnixNanos(entry.record_time));
    if (loan_ids[i].empty()) {
      insert_entry.BindNull(7);
    } else {
      loan_ids[i].push_back(']');
      insert_entry.BindText(7, loan_ids[i]);
    }
    if (encoded_nodes[i].empty()) {
      insert_entry.BindNull(8);
    } else {
      insert_entry.BindBlob(8, encoded_nodes[i]);
    }
    // The context is built only for an error: this runs for every entry.
    if (absl::Status inserted = insert_entry.Run(); !inserted.ok()) {
      return Annotate(inserted, absl::StrCat("audit entry ", entry.index));
    }
  }
  ARREARS_ASSIGN_OR_RETURN(uint64_t indexed, IndexedSizeIn(txn));
  if (indexed > expected_size) {
    ARREARS_RETURN_IF_ERROR(LowerIndexMarkIn(txn, expected_size));
    indexed = expected_size;
  }
  // The indexes, in the same transaction, once a batch of entries awaits.
  const uint64_t new_size = expected_size + entries.size();
  if (new_size < indexed + options.index_batch) return false;
  if (options.index_in_background) return true;
  ARREARS_RETURN_IF_ERROR(FlushIndexIn(txn, new_size));
  return false;
}

absl::StatusOr<StoredEntry> ReadEntryIn(SqliteTransaction& txn, uint64_t index) {
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kSelectEntry));
  select.BindInt64(1, ToSqlInteger(index));
  ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
  if (!row) return absl::NotFoundError(absl::StrCat("audit entry ", index, " is not stored"));
  return ReadEntryRow(select);
}

// Runs one find statement over [begin, end), appending rows to `found` up to
// `limit` in all.
absl::Status FindRangeIn(SqliteTransaction& txn, const char* sql, const EntryFilter& filter,
                         uint64_t begin, uint64_t end, size_t limit,
                         std::vector<StoredEntry>& found) {
  if (found.size() >= limit || begin >= end) return absl::OkStatus();
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(sql));
  select.BindInt64(1, ToSqlInteger(begin));
  select.BindInt64(2, ToSqlInteger(end));
  select.BindInt64(3, static_cast<int64_t>(filter.kind_mask & INT64_MAX));
  select.BindInt64(4, ToSqlInteger(limit - found.size()));
  if (sql != kFindAll) select.BindText(5, filter.customer_id);
  if (sql == kFindByLoan || sql == kFindByLoanInTail) select.BindText(6, filter.loan_id);
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) return absl::OkStatus();
    ARREARS_ASSIGN_OR_RETURN(StoredEntry entry, ReadEntryRow(select));
    found.push_back(std::move(entry));
  }
}

absl::StatusOr<std::vector<StoredEntry>> FindEntriesIn(SqliteTransaction& txn,
                                                       const EntryFilter& filter, size_t limit) {
  std::vector<StoredEntry> found;
  if (limit == 0 || filter.begin_index >= filter.end_index) return found;
  if (filter.loan_id.empty() && filter.customer_id.empty()) {
    ARREARS_RETURN_IF_ERROR(
        FindRangeIn(txn, kFindAll, filter, filter.begin_index, filter.end_index, limit, found));
    return found;
  }
  // Indexed entries first (all below the high-water mark), then the tail.
  ARREARS_ASSIGN_OR_RETURN(const uint64_t indexed, IndexedSizeIn(txn));
  const bool by_loan = !filter.loan_id.empty();
  ARREARS_RETURN_IF_ERROR(FindRangeIn(txn, by_loan ? kFindByLoan : kFindByCustomer, filter,
                                      filter.begin_index, std::min(filter.end_index, indexed),
                                      limit, found));
  ARREARS_RETURN_IF_ERROR(FindRangeIn(txn, by_loan ? kFindByLoanInTail : kFindByCustomerInTail,
                                      filter, std::max(filter.begin_index, indexed),
                                      filter.end_index, limit, found));
  return found;
}

// Record times never decrease with the index (AuditLog stamps each entry at
// or after the one before; Verify reports a log where they do not), so the
// first entry at or after `time` is found by bisecting the index: about 25
// point reads on a log of 2^25 entries, and no index to write per append.
// A missing entry (a damaged log) counts as after `time`.
absl::StatusOr<uint64_t> FirstIndexAtOrAfterIn(SqliteTransaction& txn, absl::Time time) {
  ARREARS_ASSIGN_OR_RETURN(uint64_t end, SizeIn(txn));
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement probe, txn.Prepare(kTimeAtOrAfterIndex));
  const int64_t target = absl::ToUnixNanos(time);
  uint64_t begin = 0;
  while (begin < end) {
    const uint64_t mid = begin + (end - begin) / 2;
    probe.BindInt64(1, ToSqlInteger(mid));
    ARREARS_ASSIGN_OR_RETURN(const bool row, probe.Step());
    if (!row || probe.ColumnInt64(1) >= target) {
      end = mid;
    } else {
      begin = std::max(mid, static_cast<uint64_t>(probe.ColumnInt64(0))) + 1;
    }
    probe.Reset();
  }
  return begin;
}

absl::StatusOr<std::vector<std::optional<absl::Time>>> LastRecordTimesIn(
    SqliteTransaction& txn, absl::Span<const std::string> customer_ids) {
  ARREARS_ASSIGN_OR_RETURN(const uint64_t indexed, IndexedSizeIn(txn));
  absl::flat_hash_map<std::string, int64_t> tail_times;
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement tail, txn.Prepare(kLastRecordTimesInTail));
  tail.BindInt64(1, ToSqlInteger(indexed));
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, tail.Step());
    if (!row) break;
    tail_times.emplace(tail.ColumnText(0), tail.ColumnInt64(1));
  }
  std::vector<std::optional<absl::Time>> times;
  times.reserve(customer_ids.size());
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(kLastRecordTime));
  for (const std::string& customer_id : customer_ids) {
    std::optional<absl::Time>& time = times.emplace_back();
    if (auto it = tail_times.find(customer_id); it != tail_times.end()) {
      time = absl::FromUnixNanos(it->second);
      continue;
    }
    select.BindText(1, customer_id);
    select.BindInt64(2, ToSqlInteger(indexed));
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (row) time = absl::FromUnixNanos(select.ColumnInt64(0));
    select.Reset();
  }
  return times;
}

absl::Status AddCheckpointIn(SqliteTransaction& txn, const v1::SignedCheckpoint& checkpoint) {
  ARREARS_ASSIGN_OR_RETURN(SqliteStatement insert, txn.Prepare(kInsertCheckpoint));
  insert.BindText(1, checkpoint.log_id());
  insert.BindInt64(2, ToSqlInteger(checkpoint.size()));
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
  select.BindInt64(1, ToSqlInteger(max_size));
  while (true) {
    ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
    if (!row) return checkpoints;
    checkpoints.push_back(ReadCheckpointRow(select));
  }
}

// The store's operations inside one open transaction of the caller.
class TransactionAuditStore final : public AuditStore {
 public:
  // `wake_indexer`: called when an append leaves a batch to the background
  // indexer.
  TransactionAuditStore(SqliteTransaction* txn, const SqliteAuditStoreOptions& options,
                        std::function<void()> wake_indexer)
      : txn_(txn), options_(options), wake_indexer_(std::move(wake_indexer)) {}

  absl::StatusOr<std::vector<Sha256Hash>> ReadNodes(absl::Span<const NodeId> ids) override {
    return ReadNodesIn(*txn_, ids);
  }
  absl::StatusOr<uint64_t> Size() override { return SizeIn(*txn_); }
  absl::StatusOr<StoredTip> Tip() override { return TipIn(*txn_); }
  absl::Status Append(uint64_t expected_size, absl::Span<const StoredEntry> entries,
                      absl::Span<const LoanLink> loans,
                      absl::Span<const StoredNode> nodes) override {
    ARREARS_RETURN_IF_ERROR(ValidateAppend(expected_size, entries, nodes));
    ARREARS_ASSIGN_OR_RETURN(const bool batch_due,
                             AppendIn(*txn_, options_, expected_size, entries, loans, nodes));
    // Before the caller commits: the indexer waits for the database, so it
    // sees the commit, or finds nothing to do after a rollback.
    if (batch_due) wake_indexer_();
    return absl::OkStatus();
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
  absl::StatusOr<std::vector<std::optional<absl::Time>>> LastRecordTimes(
      absl::Span<const std::string> customer_ids) override {
    return LastRecordTimesIn(*txn_, customer_ids);
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
  const SqliteAuditStoreOptions options_;
  const std::function<void()> wake_indexer_;
};

// One index table's links: each customer's (or loan's) entry indices, in
// increasing order (as read). Grouped by key, only the few thousand keys of
// a batch need sorting, not its ten thousand and more links.
using LinksByKey = absl::flat_hash_map<std::string, std::vector<int64_t>>;
// A row to insert: (customer or loan id, entry index).
using IndexLink = std::pair<absl::string_view, int64_t>;

// The mark now, if a pass that started at `mark` for the entries below
// `end` must stop: another indexer raised the mark, or an append lowered it
// (entries removed outside the log, their index rows dropped).
absl::StatusOr<std::optional<uint64_t>> MarkMovedIn(SqliteTransaction& txn, uint64_t mark,
                                                    uint64_t end) {
  ARREARS_ASSIGN_OR_RETURN(const uint64_t now, IndexedSizeIn(txn));
  ARREARS_ASSIGN_OR_RETURN(const uint64_t size, SizeIn(txn));
  if (now != mark || size < end) return now;
  return std::nullopt;
}

// Adds the links of entries [begin, end) to `customers` and `loans`.
absl::Status ReadLinksIn(SqliteTransaction& txn, uint64_t begin, uint64_t end,
                         LinksByKey& customers, LinksByKey& loans) {
  for (auto [sql, links] :
       {std::pair{kCustomerLinksIn, &customers}, std::pair{kLoanLinksIn, &loans}}) {
    ARREARS_ASSIGN_OR_RETURN(SqliteStatement select, txn.Prepare(sql));
    select.BindInt64(1, ToSqlInteger(begin));
    select.BindInt64(2, ToSqlInteger(end));
    while (true) {
      ARREARS_ASSIGN_OR_RETURN(const bool row, select.Step());
      if (!row) break;
      const absl::string_view key = select.ColumnText(0);
      auto it = links->find(key);
      if (it == links->end()) it = links->try_emplace(std::string(key)).first;
      // An entry lists a loan once per link given: the table holds a set.
      const int64_t index = select.ColumnInt64(1);
      if (it->second.empty() || it->second.back() != index) it->second.push_back(index);
    }
  }
  return absl::OkStatus();
}

// `links` as rows in the table's key order (neighbouring rows share pages),
// viewing the map's keys.
void AppendSortedRows(const LinksByKey& links, std::vector<IndexLink>& rows) {
  std::vector<const LinksByKey::value_type*> keys;
  keys.reserve(links.size());
  for (const LinksByKey::value_type& key : links) keys.push_back(&key);
  std::sort(keys.begin(), keys.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  for (const LinksByKey::value_type* key : keys) {
    for (const int64_t index : key->second) rows.emplace_back(key->first, index);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteAuditStore>> SqliteAuditStore::Create(
    store::SqliteDatabase* db, SqliteAuditStoreOptions options) {
  if (db == nullptr) return absl::InvalidArgumentError("audit store needs a database");
  if (options.index_batch < 1) {
    return absl::InvalidArgumentError("SqliteAuditStoreOptions.index_batch: must be positive");
  }
  if (options.index_chunk_rows < 1) {
    return absl::InvalidArgumentError("SqliteAuditStoreOptions.index_chunk_rows: must be positive");
  }
  // The schema's parts, each with the migration that creates it.
  struct Probe {
    const char* sql;
    const char* missing;
    const char* migration;
  };
  for (const Probe& probe :
       {Probe{kProbe, "audit schema", "AuditSchemaMigrations"},
        Probe{kProbeIndex, "audit index tables", "AuditIndexMigration"},
        Probe{kProbeNodeLayout, "audit node table", "AuditNodeLayoutMigration"},
        Probe{kProbeEntryColumns, "audit entry loan and node columns",
              "AuditEntryColumnsMigration"}}) {
    const absl::Status found =
        db->InSqliteTransaction(SqliteTransactionMode::kDeferred,
                                [&](SqliteTransaction& txn) { return txn.Execute(probe.sql); });
    if (!found.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(probe.missing, " missing in ", db->path(),
                                                        " (apply ", probe.migration,
                                                        "): ", found.message()));
    }
  }
  // Entries committed since the last flush (a crash or a stop in between)
  // get their index rows now, so that the indexes cover the whole log
  // again (queries do not need it: they scan the tail).
  ARREARS_RETURN_IF_ERROR(
      Annotate(db->InSqliteTransaction(SqliteTransactionMode::kImmediate,
                                       [](SqliteTransaction& txn) -> absl::Status {
                                         ARREARS_ASSIGN_OR_RETURN(const uint64_t size, SizeIn(txn));
                                         ARREARS_ASSIGN_OR_RETURN(const uint64_t indexed,
                                                                  IndexedSizeIn(txn));
                                         if (size == indexed) return absl::OkStatus();
                                         if (size < indexed) return LowerIndexMarkIn(txn, size);
                                         return FlushIndexIn(txn, size);
                                       }),
               "audit index catch-up"));
  std::unique_ptr<SqliteAuditStore> audit_store(new SqliteAuditStore(db, options));
  if (options.index_in_background) {
    audit_store->indexer_ = std::thread([s = audit_store.get()] { s->IndexLoop(); });
  }
  return audit_store;
}

SqliteAuditStore::~SqliteAuditStore() {
  {
    absl::MutexLock lock(&indexer_mu_);
    stopping_ = true;
  }
  if (indexer_.joinable()) indexer_.join();
}

void SqliteAuditStore::WakeIndexer() const {
  absl::MutexLock lock(&indexer_mu_);
  wake_ = true;
}

bool SqliteAuditStore::PauseUnlessStopping(absl::Duration pause) const {
  absl::MutexLock lock(&indexer_mu_);
  auto stopping = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(indexer_mu_) { return stopping_; };
  return indexer_mu_.AwaitWithTimeout(absl::Condition(&stopping), pause);
}

absl::Status SqliteAuditStore::last_index_error() const {
  absl::MutexLock lock(&indexer_mu_);
  return last_index_error_;
}

void SqliteAuditStore::SetIndexChunkHookForTesting(
    std::function<absl::Status(size_t chunk, size_t chunks)> hook) {
  absl::MutexLock lock(&pass_mu_);
  chunk_hook_ = std::move(hook);
}

void SqliteAuditStore::StopIndexerForTesting() {
  {
    absl::MutexLock lock(&indexer_mu_);
    stopping_ = true;
  }
  if (indexer_.joinable()) indexer_.join();
  // Only the thread is gone: passes on the caller's thread go on.
  absl::MutexLock lock(&indexer_mu_);
  stopping_ = false;
}

void SqliteAuditStore::IndexLoop() {
  runtime::NameCurrentThread(kIndexerThreadName);
  while (true) {
    {
      absl::MutexLock lock(&indexer_mu_);
      auto wanted = [this]()
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(indexer_mu_) { return wake_ || stopping_; };
      indexer_mu_.AwaitWithTimeout(absl::Condition(&wanted), options_.index_poll_interval);
      if (stopping_) return;
      wake_ = false;
    }
    // A failed pass (the disk full, the file locked by another process past
    // the busy timeout) leaves the mark where it was: queries scan a longer
    // tail meanwhile, and the next wake-up or poll tries again.
    const absl::StatusOr<uint64_t> mark = IndexCommittedEntries();
    absl::MutexLock lock(&indexer_mu_);
    if (stopping_) return;
    last_index_error_ = mark.status();
  }
}

absl::StatusOr<uint64_t> SqliteAuditStore::IndexCommittedEntries() {
  absl::MutexLock pass(&pass_mu_);
  uint64_t mark = 0;
  uint64_t end = 0;
  ARREARS_RETURN_IF_ERROR(
      db_->InSqliteTransaction(SqliteTransactionMode::kDeferred, [&](SqliteTransaction& txn) {
        ARREARS_ASSIGN_OR_RETURN(end, SizeIn(txn));
        ARREARS_ASSIGN_OR_RETURN(mark, IndexedSizeIn(txn));
        return absl::OkStatus();
      }));
  // Below the mark (entries removed outside the log) is for the next append
  // or Create to repair.
  if (end < mark || end - mark < options_.index_batch) return mark;
  // Committed entries do not change: the links are read a range at a time,
  // each range a short transaction, and sorted here.
  LinksByKey customers;
  LinksByKey loans;
  const uint64_t step = options_.index_chunk_rows;
  // Between its transactions the pass leaves the database to appenders for
  // as long as the last one held it: absl::Mutex does not queue waiters
  // fairly, and chunk after chunk a pass kept the service's group commit
  // waiting 10-20 ms (traced), the very stall this thread is there to remove.
  absl::Duration held = absl::ZeroDuration();
  for (uint64_t begin = mark; begin < end; begin += std::min(step, end - begin)) {
    if (PauseUnlessStopping(held)) return absl::CancelledError("audit store closing");
    const absl::Time started = absl::Now();
    ARREARS_RETURN_IF_ERROR(
        Annotate(db_->InSqliteTransaction(SqliteTransactionMode::kDeferred,
                                          [&](SqliteTransaction& txn) {
                                            return ReadLinksIn(txn, begin,
                                                               begin + std::min(step, end - begin),
                                                               customers, loans);
                                          }),
                 "reading audit links to index"));
    held = absl::Now() - started;
  }
  std::vector<IndexLink> rows;
  AppendSortedRows(customers, rows);
  const size_t customer_rows = rows.size();
  AppendSortedRows(loans, rows);
  const size_t chunks = (rows.size() + step - 1) / step;
  for (size_t chunk = 0; chunk < chunks; ++chunk) {
    if (PauseUnlessStopping(held)) return absl::CancelledError("audit store closing");
    const absl::Time started = absl::Now();
    const size_t from = chunk * step;
    const size_t to = std::min<size_t>(rows.size(), from + step);
    std::optional<uint64_t> moved;
    ARREARS_RETURN_IF_ERROR(Annotate(
        db_->InSqliteTransaction(
            SqliteTransactionMode::kImmediate,
            [&](SqliteTransaction& txn) -> absl::Status {
              // Checked in every chunk, so that no row goes in after a
              // lowering.
              ARREARS_ASSIGN_OR_RETURN(moved, MarkMovedIn(txn, mark, end));
              if (moved.has_value()) return absl::OkStatus();
              ARREARS_ASSIGN_OR_RETURN(SqliteStatement customer, txn.Prepare(kIndexCustomer));
              ARREARS_ASSIGN_OR_RETURN(SqliteStatement loan, txn.Prepare(kIndexLoan));
              for (size_t i = from; i < to; ++i) {
                SqliteStatement& insert = i < customer_rows ? customer : loan;
                insert.BindText(1, rows[i].first);
                insert.BindInt64(2, rows[i].second);
                ARREARS_RETURN_IF_ERROR(insert.Run());
              }
              return absl::OkStatus();
            }),
        "writing audit index rows"));
    held = absl::Now() - started;
    if (moved.has_value()) return *moved;
    if (chunk_hook_) ARREARS_RETURN_IF_ERROR(chunk_hook_(chunk, chunks));
  }
  ARREARS_RETURN_IF_ERROR(Annotate(
      db_->InSqliteTransaction(SqliteTransactionMode::kImmediate,
                               [&](SqliteTransaction& txn) -> absl::Status {
                                 ARREARS_ASSIGN_OR_RETURN(const std::optional<uint64_t> moved,
                                                          MarkMovedIn(txn, mark, end));
                                 if (moved.has_value()) {
                                   mark = *moved;
                                   return absl::OkStatus();
                                 }
                                 ARREARS_ASSIGN_OR_RETURN(SqliteStatement update,
                                                          txn.Prepare(kSetIndexedSize));
                                 update.BindInt64(1, ToSqlInteger(end));
                                 ARREARS_RETURN_IF_ERROR(update.Run());
                                 mark = end;
                                 return absl::OkStatus();
                               }),
      "raising the audit index mark"));
  return mark;
}

absl::StatusOr<std::unique_ptr<AuditStore>> SqliteAuditStore::InTransaction(
    store::Transaction& txn) const {
  ARREARS_ASSIGN_OR_RETURN(SqliteTransaction * sqlite, db_->Unwrap(txn));
  return std::make_unique<TransactionAuditStore>(sqlite, options_, [this] { WakeIndexer(); });
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
  bool batch_due = false;
  ARREARS_RETURN_IF_ERROR(db_->InSqliteTransaction(
      SqliteTransactionMode::kImmediate, [&](SqliteTransaction& txn) -> absl::Status {
        ARREARS_ASSIGN_OR_RETURN(batch_due,
                                 AppendIn(txn, options_, expected_size, entries, loans, nodes));
        return absl::OkStatus();
      }));
  if (batch_due) WakeIndexer();
  return absl::OkStatus();
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

absl::StatusOr<std::vector<std::optional<absl::Time>>> SqliteAuditStore::LastRecordTimes(
    absl::Span<const std::string> customer_ids) {
  return Read<std::vector<std::optional<absl::Time>>>(
      [&](SqliteTransaction& txn) { return LastRecordTimesIn(txn, customer_ids); });
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
