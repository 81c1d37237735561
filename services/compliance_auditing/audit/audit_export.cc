#include "services/compliance_auditing/audit/audit_export.h"

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/json_util.h"
#include "nlohmann/json.hpp"
#include "services/compliance_auditing/audit/checkpoint.h"

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

}  // namespace arrears::compliance::audit
