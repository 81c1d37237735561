#include "services/compliance_auditing/audit/audit_export.h"

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "common/status/status_macros.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "services/compliance_auditing/audit/checkpoint.h"
#include "services/compliance_auditing/audit/merkle.h"

namespace arrears::compliance::audit {
namespace {

using nlohmann::json;

// Never throws: invalid UTF-8 in a stored string is replaced, not fatal.
std::string Dump(const json& value) {
  return absl::StrCat(value.dump(-1, ' ', false, json::error_handler_t::replace), "\n");
}

std::string RecordTimeText(absl::Time time) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", time, absl::UTCTimeZone());
}

// Proto JSON of `message` as a JSON value (null if it cannot be converted).
json ProtoJson(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  if (!google::protobuf::util::MessageToJsonString(message, &text, options).ok()) return nullptr;
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return value.is_discarded() ? json(nullptr) : value;
}

// `bytes` decoded as `type_name` (from the binary's generated types) and
// shown as JSON; null when the type is unknown or the bytes do not parse.
json PayloadJson(absl::string_view type_name, absl::string_view bytes) {
  if (type_name.empty()) return nullptr;
  const google::protobuf::Descriptor* descriptor =
      google::protobuf::DescriptorPool::generated_pool()->FindMessageTypeByName(
          std::string(type_name));
  if (descriptor == nullptr) return nullptr;
  const google::protobuf::Message* prototype =
      google::protobuf::MessageFactory::generated_factory()->GetPrototype(descriptor);
  if (prototype == nullptr) return nullptr;
  std::unique_ptr<google::protobuf::Message> message(prototype->New());
  if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return nullptr;
  return ProtoJson(*message);
}

json CheckpointJson(const v1::SignedCheckpoint& checkpoint) {
  const int64_t nanos =
      checkpoint.timestamp().seconds() * 1'000'000'000 + checkpoint.timestamp().nanos();
  return {
      {"log_id", checkpoint.log_id()},
      {"size", checkpoint.size()},
      {"root_hash", absl::BytesToHexString(checkpoint.root_hash())},
      {"timestamp", RecordTimeText(absl::FromUnixNanos(nanos))},
      {"timestamp_unix_nanos", nanos},
      {"key_id", checkpoint.key_id()},
      {"signature", absl::Base64Escape(checkpoint.signature())},
  };
}

json FilterJson(const ExportOptions& options) {
  json kinds = json::array();
  for (const v1::AuditRecordKind kind : options.kinds)
    kinds.push_back(v1::AuditRecordKind_Name(kind));
  json filter = {
      {"customer_id", options.customer_id},
      {"loan_id", options.loan_id},
      {"kinds", kinds},
      {"start_time", options.start_time ? json(RecordTimeText(*options.start_time)) : json()},
      {"end_time", options.end_time ? json(RecordTimeText(*options.end_time)) : json()},
  };
  return filter;
}

}  // namespace

std::string ExportHeaderLine(const v1::SignedCheckpoint& checkpoint,
                             const Ed25519PublicKey& public_key, const ExportOptions& options,
                             uint64_t from, uint64_t to, absl::Time generated_at) {
  json header = {
      {"type", "header"},
      {"format", kExportFormat},
      {"description",
       "Entries of the Arrears compliance audit log: an append-only Merkle tree (RFC 6962 / "
       "RFC 9162, SHA-256) with checkpoints signed by Ed25519. Each entry carries the exact "
       "bytes that were hashed and, when included, a proof that they are in the tree of the "
       "signed checkpoint below. Personal data is encrypted per debtor; erased keys make it "
       "unreadable without affecting any hash."},
      {"generated_at", RecordTimeText(generated_at)},
      {"index_range", {{"from", from}, {"to", to}}},
      {"filter", FilterJson(options)},
      {"includes_inclusion_proofs", options.include_proofs},
      {"reveals_personal_data", options.reveal_personal_data},
      {"checkpoint", CheckpointJson(checkpoint)},
      {"public_key",
       {{"algorithm", "Ed25519"},
        {"raw_hex", absl::BytesToHexString(public_key.raw())},
        {"pem", public_key.ToPem()},
        {"key_id_rule", "lowercase hex of the first 8 bytes of SHA-256(raw public key)"}}},
      {"how_to_verify",
       json::array({
           absl::StrCat("1. Check the public key against one obtained independently (the "
                        "published checkpoint topic or the operator), and that key_id is the "
                        "hex of the first 8 bytes of SHA-256 of its 32 raw bytes."),
           absl::StrCat("2. Verify checkpoint.signature (base64, Ed25519) over exactly the UTF-8 "
                        "bytes \"",
                        kCheckpointHeader,
                        "\\n<log_id>\\n<size>\\n<root_hash hex>\\n<timestamp_unix_nanos>\\n\"."),
           "3. Compare the checkpoint with one held outside the service: same size and root, or "
           "ask the log for a consistency proof from the older to the newer size and check it "
           "(RFC 9162 section 2.1.4.2).",
           "4. For each entry: leaf_hash must equal SHA-256(0x00 || base64-decoded leaf_data).",
           "5. For each entry with inclusion_proof: run RFC 9162 section 2.1.3.2 with "
           "leaf_index = index, tree_size = checkpoint.size and node hash SHA-256(0x01 || left "
           "|| right); the result must equal checkpoint.root_hash.",
           "6. leaf_data is a serialized arrears.compliance.v1.AuditRecord (proto/arrears/"
           "compliance/v1/audit.proto); `record` is the same data decoded for reading and is "
           "not what is hashed.",
           "7. The last line states the number of entry lines; a different count means the file "
           "is incomplete.",
       })},
  };
  return Dump(header);
}

std::string ExportEntryLine(const v1::AuditEntry& entry, bool include_proof,
                            absl::Span<const Sha256Hash> proof) {
  const v1::AuditRecord& record = entry.record();
  json line = {
      {"type", "entry"},
      {"index", entry.index()},
      {"leaf_hash", absl::BytesToHexString(entry.leaf_hash())},
      {"leaf_data", absl::Base64Escape(entry.leaf_data())},
      {"record_time", RecordTimeText(absl::FromUnixSeconds(record.record_time().seconds()) +
                                     absl::Nanoseconds(record.record_time().nanos()))},
      {"record", ProtoJson(record)},
      {"payload_json", PayloadJson(record.payload_type(), record.payload())},
      {"personal_data_erased", entry.personal_data_erased()},
  };
  if (!entry.revealed_payload().empty()) {
    line["revealed_payload"] = absl::Base64Escape(entry.revealed_payload());
    line["revealed_payload_json"] = PayloadJson(record.payload_type(), entry.revealed_payload());
  }
  if (include_proof) {
    json hashes = json::array();
    for (const Sha256Hash& hash : proof) hashes.push_back(hash.ToHex());
    line["inclusion_proof"] = std::move(hashes);
  }
  return Dump(line);
}

std::string ExportTrailerLine(uint64_t entry_count) {
  return Dump({{"type", "trailer"}, {"entry_count", entry_count}});
}

namespace {

// One RFC 4180 field: quoted when it holds a comma, quote or line break.
void AppendCsvField(absl::string_view field, std::string& row) {
  if (field.find_first_of(",\"\r\n") == absl::string_view::npos) {
    row.append(field.data(), field.size());
    return;
  }
  row.push_back('"');
  for (const char c : field) {
    if (c == '"') row.push_back('"');
    row.push_back(c);
  }
  row.push_back('"');
}

std::string CsvRow(absl::Span<const std::string> fields) {
  std::string row;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) row.push_back(',');
    AppendCsvField(fields[i], row);
  }
  row.append("\r\n");
  return row;
}

}  // namespace

std::string ExportCsvHeaderRow() {
  std::vector<std::string> names;
  for (const absl::string_view column : kCsvColumns) names.emplace_back(column);
  return CsvRow(names);
}

std::string ExportCsvEntryRow(const v1::AuditEntry& entry, bool include_proof,
                              absl::Span<const Sha256Hash> proof) {
  const v1::AuditRecord& record = entry.record();
  std::vector<std::string> proof_hex;
  if (include_proof) {
    for (const Sha256Hash& hash : proof) proof_hex.push_back(hash.ToHex());
  }
  const std::vector<std::string> fields = {
      absl::StrCat(entry.index()),
      RecordTimeText(absl::FromUnixSeconds(record.record_time().seconds()) +
                     absl::Nanoseconds(record.record_time().nanos())),
      v1::AuditRecordKind_Name(record.kind()),
      record.customer_id(),
      absl::StrJoin(record.loan_ids(), ";"),
      record.source_id(),
      record.payload_type(),
      absl::BytesToHexString(entry.leaf_hash()),
      absl::Base64Escape(entry.leaf_data()),
      entry.personal_data_erased() ? "true" : "false",
      absl::StrJoin(proof_hex, ";"),
      entry.revealed_payload().empty() ? std::string()
                                       : absl::Base64Escape(entry.revealed_payload()),
  };
  return CsvRow(fields);
}

absl::StatusOr<std::vector<std::vector<std::string>>> ParseCsv(absl::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  bool field_started = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c != '"') {
        field.push_back(c);
      } else if (i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else {
        quoted = false;
      }
      continue;
    }
    if (c == '"' && !field_started) {
      quoted = true;
      field_started = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      field_started = false;
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field.push_back(c);
      field_started = true;
    }
  }
  if (quoted) return absl::InvalidArgumentError("csv: unterminated quoted field");
  if (field_started || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

// --- The manifest ---

namespace {

// The signed statement: the format line, then "name=value" lines in a fixed
// order (what a verifier recomputes from the manifest's fields).
std::string ManifestStatement(const json& m) {
  const json& e = m["export"];
  const json& c = m["checkpoint"];
  std::vector<std::string> packs;
  for (const json& pack : m["policy_packs"]) {
    packs.push_back(
        absl::StrCat(pack["pack_id"].get<std::string>(), "@", pack["version"].get<std::string>()));
  }
  return absl::StrCat(kManifestFormat, "\n",                                          //
                      "log_id=", c["log_id"].get<std::string>(), "\n",                //
                      "checkpoint_size=", c["size"].get<uint64_t>(), "\n",            //
                      "checkpoint_root=", c["root_hash"].get<std::string>(), "\n",    //
                      "checkpoint_timestamp_unix_nanos=",                             //
                      c["timestamp_unix_nanos"].get<int64_t>(), "\n",                 //
                      "export_format=", e["format"].get<std::string>(), "\n",         //
                      "export_file_name=", e["file_name"].get<std::string>(), "\n",   //
                      "export_sha256=", e["sha256"].get<std::string>(), "\n",         //
                      "export_bytes=", e["bytes"].get<uint64_t>(), "\n",              //
                      "entry_count=", e["entry_count"].get<uint64_t>(), "\n",         //
                      "index_from=", e["index_range"]["from"].get<uint64_t>(), "\n",  //
                      "index_to=", e["index_range"]["to"].get<uint64_t>(), "\n",      //
                      "includes_inclusion_proofs=",
                      e["includes_inclusion_proofs"].get<bool>() ? "true" : "false", "\n",  //
                      "policy_packs=", absl::StrJoin(packs, ","), "\n");
}

absl::Status Mismatch(absl::string_view what) { return absl::DataLossError(what); }

// One exported entry, from either format.
struct ExportedEntry {
  uint64_t index = 0;
  std::string leaf_hash_hex;
  std::string leaf_data_base64;
  std::vector<std::string> proof_hex;
};

absl::StatusOr<std::vector<ExportedEntry>> EntriesOfJsonLines(absl::string_view body,
                                                              const json& checkpoint) {
  std::vector<ExportedEntry> entries;
  bool header = false;
  std::optional<uint64_t> trailer_count;
  for (absl::string_view line : absl::StrSplit(body, '\n', absl::SkipEmpty())) {
    if (trailer_count.has_value()) return Mismatch("export: lines after the trailer");
    const json value = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded() || !value.is_object()) {
      return Mismatch("export: a line is not a JSON object");
    }
    const std::string type = value.value("type", "");
    if (!header) {
      if (type != "header" || value.value("format", "") != kExportFormat) {
        return Mismatch("export: the first line is not an arrears-audit-export/v1 header");
      }
      if (value["checkpoint"] != checkpoint) {
        return Mismatch("export: the header's checkpoint is not the manifest's");
      }
      header = true;
    } else if (type == "entry") {
      ExportedEntry entry;
      entry.index = value.value("index", uint64_t{0});
      entry.leaf_hash_hex = value.value("leaf_hash", "");
      entry.leaf_data_base64 = value.value("leaf_data", "");
      if (value.contains("inclusion_proof")) {
        for (const json& hash : value["inclusion_proof"]) {
          entry.proof_hex.push_back(hash.is_string() ? hash.get<std::string>() : "");
        }
      }
      entries.push_back(std::move(entry));
    } else if (type == "trailer") {
      trailer_count = value.value("entry_count", uint64_t{0});
    } else {
      return Mismatch(absl::StrCat("export: unknown line type \"", type, "\""));
    }
  }
  if (!header) return Mismatch("export: no header line");
  if (!trailer_count.has_value()) return Mismatch("export: no trailer line (file incomplete)");
  if (*trailer_count != entries.size()) {
    return Mismatch(absl::StrCat("export: trailer counts ", *trailer_count,
                                 " entries, the file has ", entries.size()));
  }
  return entries;
}

absl::StatusOr<std::vector<ExportedEntry>> EntriesOfCsv(absl::string_view body) {
  absl::StatusOr<std::vector<std::vector<std::string>>> rows = ParseCsv(body);
  if (!rows.ok()) return Mismatch(rows.status().message());
  if (rows->empty()) return Mismatch("export: no CSV header row");
  const std::vector<std::string>& names = rows->front();
  const size_t columns = std::size(kCsvColumns);
  if (names.size() != columns || !std::equal(names.begin(), names.end(), std::begin(kCsvColumns))) {
    return Mismatch("export: the CSV header row is not arrears-audit-export-csv/v1's");
  }
  std::vector<ExportedEntry> entries;
  for (size_t r = 1; r < rows->size(); ++r) {
    const std::vector<std::string>& row = (*rows)[r];
    if (row.size() != columns) {
      return Mismatch(absl::StrCat("export: CSV row ", r, " has ", row.size(), " fields"));
    }
    ExportedEntry entry;
    if (!absl::SimpleAtoi(row[0], &entry.index)) {
      return Mismatch(absl::StrCat("export: CSV row ", r, ": index is not a number"));
    }
    entry.leaf_hash_hex = row[7];
    entry.leaf_data_base64 = row[8];
    if (!row[10].empty()) entry.proof_hex = absl::StrSplit(row[10], ';');
    entries.push_back(std::move(entry));
  }
  return entries;
}

absl::StatusOr<v1::SignedCheckpoint> CheckpointFromJson(const json& c) {
  v1::SignedCheckpoint checkpoint;
  absl::StatusOr<Sha256Hash> root = Sha256Hash::FromHex(c.value("root_hash", ""), "root_hash");
  std::string signature;
  if (!root.ok() || !absl::Base64Unescape(c.value("signature", ""), &signature)) {
    return Mismatch("manifest: checkpoint root_hash or signature is not hex / base64");
  }
  const int64_t nanos = c.value("timestamp_unix_nanos", int64_t{0});
  checkpoint.set_log_id(c.value("log_id", ""));
  checkpoint.set_size(c.value("size", uint64_t{0}));
  checkpoint.set_root_hash(root->ToString());
  checkpoint.mutable_timestamp()->set_seconds(nanos / 1'000'000'000);
  checkpoint.mutable_timestamp()->set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  checkpoint.set_key_id(c.value("key_id", ""));
  checkpoint.set_signature(signature);
  return checkpoint;
}

absl::StatusOr<VerifiedExport> VerifyParsed(const json& m, absl::string_view body,
                                            const Ed25519PublicKey* trusted_key) {
  if (m.value("format", "") != kManifestFormat) {
    return absl::InvalidArgumentError("manifest: not an arrears-audit-export-manifest/v1");
  }
  // The key: the trusted one, and the manifest's must be it.
  ARREARS_ASSIGN_OR_RETURN(const Ed25519PublicKey manifest_key,
                           Ed25519PublicKey::FromPem(m["public_key"].value("pem", "")));
  if (trusted_key != nullptr && trusted_key->raw() != manifest_key.raw()) {
    return Mismatch("manifest: public key is not the trusted log key");
  }
  const Ed25519PublicKey& key = trusted_key != nullptr ? *trusted_key : manifest_key;

  // The signed statement, recomputed from the fields it vouches for.
  const std::string statement = m.value("signed_statement", "");
  if (statement != ManifestStatement(m)) {
    return Mismatch("manifest: signed_statement does not match the manifest's fields");
  }
  std::string statement_signature;
  if (!absl::Base64Unescape(m.value("statement_signature", ""), &statement_signature)) {
    return Mismatch("manifest: statement_signature is not base64");
  }
  if (!key.Verify(statement, statement_signature).ok()) {
    return Mismatch("manifest: statement_signature does not verify under the log key");
  }
  ARREARS_ASSIGN_OR_RETURN(v1::SignedCheckpoint checkpoint, CheckpointFromJson(m["checkpoint"]));
  ARREARS_ASSIGN_OR_RETURN(const CheckpointVerifier verifier,
                           CheckpointVerifier::Create(checkpoint.log_id(), key));
  if (!verifier.VerifySignature(checkpoint).ok()) {
    return Mismatch("manifest: checkpoint signature does not verify under the log key");
  }
  ARREARS_ASSIGN_OR_RETURN(const Sha256Hash root, CheckpointRoot(checkpoint));

  // The file itself.
  const json& e = m["export"];
  if (body.size() != e["bytes"].get<uint64_t>()) {
    return Mismatch(absl::StrCat("export: ", body.size(), " bytes, the manifest says ",
                                 e["bytes"].get<uint64_t>()));
  }
  if (Sha256(body).ToHex() != e["sha256"].get<std::string>()) {
    return Mismatch("export: SHA-256 of the file does not match the manifest");
  }
  const std::string format = e["format"].get<std::string>();
  absl::StatusOr<std::vector<ExportedEntry>> entries;
  if (format == kExportFormat) {
    entries = EntriesOfJsonLines(body, m["checkpoint"]);
  } else if (format == kCsvExportFormat) {
    entries = EntriesOfCsv(body);
  } else {
    return absl::InvalidArgumentError(absl::StrCat("manifest: unknown export format ", format));
  }
  if (!entries.ok()) return entries.status();
  const uint64_t from = e["index_range"]["from"].get<uint64_t>();
  const uint64_t to = e["index_range"]["to"].get<uint64_t>();
  const bool proofs = e["includes_inclusion_proofs"].get<bool>();
  if (to > checkpoint.size()) return Mismatch("manifest: index range past the checkpoint");
  std::optional<uint64_t> previous;
  for (const ExportedEntry& entry : *entries) {
    const std::string where = absl::StrCat("export: entry ", entry.index, ": ");
    if (entry.index < from || entry.index >= to || (previous && entry.index <= *previous)) {
      return Mismatch(absl::StrCat(where, "outside the index range or out of order"));
    }
    previous = entry.index;
    std::string leaf_data;
    if (!absl::Base64Unescape(entry.leaf_data_base64, &leaf_data)) {
      return Mismatch(absl::StrCat(where, "leaf_data is not base64"));
    }
    const Sha256Hash leaf_hash = HashLeaf(leaf_data);
    if (leaf_hash.ToHex() != entry.leaf_hash_hex) {
      return Mismatch(absl::StrCat(where, "leaf_hash is not SHA-256(0x00 || leaf_data)"));
    }
    if (!proofs) continue;
    std::vector<Sha256Hash> proof;
    for (const std::string& hex : entry.proof_hex) {
      absl::StatusOr<Sha256Hash> hash = Sha256Hash::FromHex(hex, "proof hash");
      if (!hash.ok()) return Mismatch(absl::StrCat(where, hash.status().message()));
      proof.push_back(*hash);
    }
    if (!VerifyInclusion(entry.index, checkpoint.size(), leaf_hash, proof, root).ok()) {
      return Mismatch(absl::StrCat(where, "inclusion proof does not lead to the checkpoint root"));
    }
  }
  if (entries->size() != e["entry_count"].get<uint64_t>()) {
    return Mismatch(absl::StrCat("export: ", entries->size(), " entries, the manifest says ",
                                 e["entry_count"].get<uint64_t>()));
  }
  VerifiedExport verified;
  verified.checkpoint = std::move(checkpoint);
  verified.entry_count = entries->size();
  verified.format = format;
  return verified;
}

}  // namespace

absl::StatusOr<std::string> BuildExportManifest(const ExportSummary& summary,
                                                const ExportOptions& options,
                                                const ManifestInfo& info,
                                                const CheckpointSigner& signer) {
  json packs = json::array();
  for (const auto& [pack_id, version] : info.packs) {
    packs.push_back({{"pack_id", pack_id}, {"version", version}});
  }
  json manifest = {
      {"type", "manifest"},
      {"format", kManifestFormat},
      {"generated_at", RecordTimeText(info.generated_at)},
      {"export",
       {{"file_name", info.file_name},
        {"format", summary.format},
        {"content_type", summary.content_type},
        {"sha256", summary.file_sha256.ToHex()},
        {"bytes", summary.file_bytes},
        {"entry_count", summary.entry_count},
        {"index_range", {{"from", summary.from_index}, {"to", summary.to_index}}},
        {"filter", FilterJson(options)},
        {"includes_inclusion_proofs", options.include_proofs},
        {"reveals_personal_data", options.reveal_personal_data}}},
      {"checkpoint", CheckpointJson(summary.checkpoint)},
      {"public_key",
       {{"algorithm", "Ed25519"},
        {"raw_hex", absl::BytesToHexString(signer.public_key().raw())},
        {"pem", signer.public_key().ToPem()},
        {"key_id_rule", "lowercase hex of the first 8 bytes of SHA-256(raw public key)"}}},
      {"policy_packs", packs},
      {"how_to_verify",
       json::array({
           "1. Obtain the log's Ed25519 public key independently (operator, published "
           "checkpoints) and compare it with public_key.",
           "2. signed_statement must equal the lines it is built from: the format line, then "
           "log_id, checkpoint_size, checkpoint_root, checkpoint_timestamp_unix_nanos, "
           "export_format, export_file_name, export_sha256, export_bytes, entry_count, "
           "index_from, index_to, includes_inclusion_proofs, policy_packs (pack_id@version "
           "joined by ','), each as name=value and '\\n'-terminated, taken from this manifest; "
           "verify statement_signature (base64, Ed25519) over its UTF-8 bytes.",
           absl::StrCat("3. Verify checkpoint.signature over \"", kCheckpointHeader,
                        "\\n<log_id>\\n<size>\\n<root_hash hex>\\n<timestamp_unix_nanos>\\n\"."),
           "4. The export file must be export.bytes long and its SHA-256 export.sha256.",
           "5. Each entry (JSON Lines entry line or CSV row): leaf_hash = SHA-256(0x00 || "
           "base64-decoded leaf_data); index inside [index_range.from, index_range.to), "
           "increasing; with inclusion proofs, RFC 9162 2.1.3.2 (leaf_index = index, tree_size "
           "= checkpoint.size, node hash SHA-256(0x01 || left || right)) must yield "
           "checkpoint.root_hash.",
           "6. The number of entries must be export.entry_count (JSON Lines: also the "
           "trailer's).",
       })},
  };
  manifest["signed_statement"] = ManifestStatement(manifest);
  ARREARS_ASSIGN_OR_RETURN(const std::string signature,
                           signer.SignStatement(manifest["signed_statement"].get<std::string>()));
  manifest["statement_signature"] = absl::Base64Escape(signature);
  return Dump(manifest);
}

absl::StatusOr<VerifiedExport> VerifyExport(absl::string_view manifest, absl::string_view body,
                                            const Ed25519PublicKey* trusted_key) {
  const json parsed = json::parse(manifest, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::InvalidArgumentError("manifest: not a JSON object");
  }
  try {
    return VerifyParsed(parsed, body, trusted_key);
  } catch (const json::exception& e) {
    // A field missing or of the wrong type.
    return absl::InvalidArgumentError(absl::StrCat("manifest: ", e.what()));
  }
}

}  // namespace arrears::compliance::audit
