// The regulator-ready export formats of the audit log: JSON Lines
// ("arrears-audit-export/v1", UTF-8, one JSON object per line) and CSV
// ("arrears-audit-export-csv/v1", RFC 4180). Either comes with a manifest
// (export_manifest.h) that binds the file to a signed checkpoint.
//
// JSON Lines:
//   line 1     {"type":"header", ...}  what the file is, the filter, the signed
//              checkpoint every proof refers to, the log's public key, and
//              "how_to_verify": the steps an independent verifier follows
//   lines 2..  {"type":"entry", ...}   one per exported entry, in index order:
//              index, leaf_data (base64, the exact hashed bytes), leaf_hash
//              (hex), record (the decoded AuditRecord as proto JSON),
//              payload_json (the masked payload decoded, when its type is
//              known), personal_data_erased, revealed_payload(_json) (only
//              when asked and allowed), inclusion_proof (hex hashes against
//              the checkpoint)
//   last line  {"type":"trailer", "entry_count": n}
//
// CSV: a header row naming the columns (kCsvColumns), then one row per
// exported entry in index order with the same fields as an entry line
// (leaf_data base64, leaf_hash hex, inclusion_proof as hex hashes joined by
// ';', loan_ids joined by ';', revealed_payload base64 or empty). No
// trailer: the manifest carries the count.
//
// The file's own SHA-256 is returned beside it (ExportSummary), not inside.
// Nothing in the file needs this code to check: SHA-256, Ed25519 and the
// RFC 9162 algorithms are enough (see how_to_verify).
//
// Pure formatting functions; thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_AUDIT_EXPORT_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_AUDIT_EXPORT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arrears/compliance/v1/audit.pb.h"
#include "services/compliance_auditing/audit/ed25519.h"
#include "services/compliance_auditing/audit/sha256.h"

namespace arrears::compliance::audit {

inline constexpr absl::string_view kExportFormat = "arrears-audit-export/v1";
inline constexpr absl::string_view kExportContentType = "application/x-ndjson";
inline constexpr absl::string_view kCsvExportFormat = "arrears-audit-export-csv/v1";
inline constexpr absl::string_view kCsvContentType = "text/csv";
inline constexpr absl::string_view kCsvColumns[] = {
    "index",           "record_time",     "kind",      "customer_id", "loan_ids",
    "source_id",       "payload_type",    "leaf_hash", "leaf_data",   "personal_data_erased",
    "inclusion_proof", "revealed_payload"};

enum class ExportFormat { kJsonLines, kCsv };

// Receives the export file in pieces (whole lines), in order.
using ExportSink = absl::FunctionRef<absl::Status(absl::string_view chunk)>;

struct ExportOptions {
  // Index range [from_index, to_index); to_index 0 = every entry the export's
  // checkpoint covers.
  uint64_t from_index = 0;
  uint64_t to_index = 0;
  // Filters (all must hold); empty/unset = any.
  std::string customer_id;
  std::string loan_id;
  std::vector<v1::AuditRecordKind> kinds;
  std::optional<absl::Time> start_time;  // record_time >= start_time
  std::optional<absl::Time> end_time;    // record_time < end_time
  // An inclusion proof per entry against the export's checkpoint.
  bool include_proofs = true;
  // Decrypt personal data into the file (the caller checks permission).
  bool reveal_personal_data = false;
  ExportFormat format = ExportFormat::kJsonLines;
};

struct ExportSummary {
  // The checkpoint the export and its proofs refer to.
  v1::SignedCheckpoint checkpoint;
  uint64_t entry_count = 0;
  Sha256Hash file_sha256;
  uint64_t file_bytes = 0;
  std::string content_type;
  // kExportFormat or kCsvExportFormat.
  std::string format;
  // The effective index range [from, to) the filter was applied to.
  uint64_t from_index = 0;
  uint64_t to_index = 0;
};

// Line 1. `from`/`to` are the effective index range.
std::string ExportHeaderLine(const v1::SignedCheckpoint& checkpoint,
                             const Ed25519PublicKey& public_key, const ExportOptions& options,
                             uint64_t from, uint64_t to, absl::Time generated_at);

// One entry line; `proof` is ignored unless `include_proof`.
std::string ExportEntryLine(const v1::AuditEntry& entry, bool include_proof,
                            absl::Span<const Sha256Hash> proof);

std::string ExportTrailerLine(uint64_t entry_count);

// The CSV header row and one entry row (CRLF-terminated, RFC 4180 quoting).
std::string ExportCsvHeaderRow();
std::string ExportCsvEntryRow(const v1::AuditEntry& entry, bool include_proof,
                              absl::Span<const Sha256Hash> proof);
// Splits CSV text into rows of fields (RFC 4180: quoted fields may hold
// commas, quotes doubled, line breaks); InvalidArgument for an unterminated
// quote.
absl::StatusOr<std::vector<std::vector<std::string>>> ParseCsv(absl::string_view text);

// --- The manifest ---
//
// A JSON document beside the export file ("arrears-audit-export-manifest/v1")
// that lets a regulator check the file offline: the file's name, format,
// byte count and SHA-256, the entry count and index range, the filter, the
// signed checkpoint the entries' proofs lead to (root hash, signature), the
// log's public key, the policy pack versions in force, and a statement of
// the essentials (signed_statement, one "name=value" per line after the
// format line) signed with the log's Ed25519 key (statement_signature), so
// neither the file nor the manifest can be swapped unnoticed.
inline constexpr absl::string_view kManifestFormat = "arrears-audit-export-manifest/v1";
inline constexpr absl::string_view kManifestContentType = "application/json";

class CheckpointSigner;

struct ManifestInfo {
  // The export file's suggested name.
  std::string file_name;
  // (pack_id, version) of the policy packs in force.
  std::vector<std::pair<std::string, std::string>> packs;
  absl::Time generated_at;
};

absl::StatusOr<std::string> BuildExportManifest(const ExportSummary& summary,
                                                const ExportOptions& options,
                                                const ManifestInfo& info,
                                                const CheckpointSigner& signer);

struct VerifiedExport {
  v1::SignedCheckpoint checkpoint;
  uint64_t entry_count = 0;
  std::string format;
};

// Checks an export file against its manifest, as a regulator would offline:
// the statement's signature and the checkpoint's signature under the log key
// (`trusted_key`, obtained independently; null = the key in the manifest,
// which proves integrity but not origin), the statement against the
// manifest's fields, the file's size and SHA-256, and every entry: its leaf
// hash, its index inside the range, its inclusion proof against the
// checkpoint root (when the export has proofs), and the entry count.
// DataLoss naming the first mismatch; InvalidArgument for a manifest that
// does not parse.
absl::StatusOr<VerifiedExport> VerifyExport(absl::string_view manifest, absl::string_view body,
                                            const Ed25519PublicKey* trusted_key);

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_AUDIT_EXPORT_H_
