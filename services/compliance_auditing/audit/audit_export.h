// The regulator-ready export format of the audit log ("arrears-audit-export/v1",
// JSON Lines, UTF-8, one JSON object per line).
//
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
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "arrears/compliance/v1/audit.pb.h"
#include "services/compliance_auditing/audit/ed25519.h"
#include "services/compliance_auditing/audit/sha256.h"

namespace arrears::compliance::audit {

inline constexpr absl::string_view kExportFormat = "arrears-audit-export/v1";
inline constexpr absl::string_view kExportContentType = "application/x-ndjson";

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
};

struct ExportSummary {
  // The checkpoint the export and its proofs refer to.
  v1::SignedCheckpoint checkpoint;
  uint64_t entry_count = 0;
  Sha256Hash file_sha256;
  std::string content_type;
};

// Line 1. `from`/`to` are the effective index range.
std::string ExportHeaderLine(const v1::SignedCheckpoint& checkpoint,
                             const Ed25519PublicKey& public_key, const ExportOptions& options,
                             uint64_t from, uint64_t to, absl::Time generated_at);

// One entry line; `proof` is ignored unless `include_proof`.
std::string ExportEntryLine(const v1::AuditEntry& entry, bool include_proof,
                            absl::Span<const Sha256Hash> proof);

std::string ExportTrailerLine(uint64_t entry_count);

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_AUDIT_EXPORT_H_
