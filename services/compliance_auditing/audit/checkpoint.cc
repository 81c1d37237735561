#include "services/compliance_auditing/audit/checkpoint.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "services/compliance_auditing/audit/merkle.h"
#include "services/compliance_auditing/audit/proof_proto.h"

namespace arrears::compliance::audit {
namespace {

constexpr size_t kMaxLogIdLength = 128;
// Unix nanoseconds must fit an int64: up to 2262-04-11.
constexpr int64_t kMaxTimestampSeconds = 9'223'372'035;

absl::StatusOr<int64_t> TimestampUnixNanos(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() < 0 || timestamp.seconds() > kMaxTimestampSeconds ||
      timestamp.nanos() < 0 || timestamp.nanos() > 999'999'999) {
    return absl::InvalidArgumentError(absl::StrCat(
        "timestamp out of range: seconds ", timestamp.seconds(), " nanos ", timestamp.nanos()));
  }
  return timestamp.seconds() * 1'000'000'000 + timestamp.nanos();
}

std::string SizeDescription(const v1::SignedCheckpoint& checkpoint) {
  return absl::StrCat("size ", checkpoint.size());
}

}  // namespace

absl::Status ValidateLogId(absl::string_view log_id) {
  if (log_id.empty() || log_id.size() > kMaxLogIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("log_id must be 1..", kMaxLogIdLength, " characters, got ", log_id.size()));
  }
  for (const char c : log_id) {
    if (c <= ' ' || c > '~') {
      return absl::InvalidArgumentError(
          absl::StrCat("log_id '", log_id, "' has a character other than printable ASCII"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Sha256Hash> CheckpointRoot(const v1::SignedCheckpoint& checkpoint) {
  return Sha256Hash::FromBytes(checkpoint.root_hash(), "checkpoint root_hash");
}

absl::StatusOr<std::string> CheckpointSignedBytes(const v1::SignedCheckpoint& checkpoint) {
  ARREARS_RETURN_IF_ERROR(Annotate(ValidateLogId(checkpoint.log_id()), "checkpoint"));
  ARREARS_ASSIGN_OR_RETURN(const Sha256Hash root, CheckpointRoot(checkpoint));
  absl::StatusOr<int64_t> nanos = TimestampUnixNanos(checkpoint.timestamp());
  if (!nanos.ok()) return Annotate(nanos.status(), "checkpoint timestamp");
  return absl::StrCat(kCheckpointHeader, "\n", checkpoint.log_id(), "\n", checkpoint.size(), "\n",
                      root.ToHex(), "\n", *nanos, "\n");
}

// --- CheckpointSigner ---

absl::StatusOr<std::unique_ptr<CheckpointSigner>> CheckpointSigner::Create(std::string log_id,
                                                                           Ed25519PrivateKey key,
                                                                           const Clock* clock) {
  ARREARS_RETURN_IF_ERROR(ValidateLogId(log_id));
  if (clock == nullptr) return absl::InvalidArgumentError("checkpoint signer needs a clock");
  return std::unique_ptr<CheckpointSigner>(
      new CheckpointSigner(std::move(log_id), std::move(key), clock));
}

absl::StatusOr<v1::SignedCheckpoint> CheckpointSigner::Sign(uint64_t size,
                                                            const Sha256Hash& root) const {
  v1::SignedCheckpoint checkpoint;
  checkpoint.set_log_id(log_id_);
  checkpoint.set_size(size);
  checkpoint.set_root_hash(root.ToString());
  *checkpoint.mutable_timestamp() = ToTimestamp(clock_->Now());
  checkpoint.set_key_id(key_.public_key().KeyId());
  ARREARS_ASSIGN_OR_RETURN(const std::string signed_bytes, CheckpointSignedBytes(checkpoint));
  ARREARS_ASSIGN_OR_RETURN(std::string signature, key_.Sign(signed_bytes));
  checkpoint.set_signature(std::move(signature));
  return checkpoint;
}

absl::StatusOr<std::string> CheckpointSigner::SignStatement(absl::string_view statement) const {
  const absl::string_view first_line = statement.substr(0, statement.find('\n'));
  if (first_line.empty() || first_line == statement || first_line == kCheckpointHeader) {
    return absl::InvalidArgumentError(
        "statement: must start with a format line other than the checkpoint header");
  }
  return key_.Sign(statement);
}

// --- CheckpointVerifier ---

absl::StatusOr<CheckpointVerifier> CheckpointVerifier::Create(std::string log_id,
                                                              Ed25519PublicKey key) {
  ARREARS_RETURN_IF_ERROR(ValidateLogId(log_id));
  return CheckpointVerifier(std::move(log_id), std::move(key));
}

absl::Status CheckpointVerifier::VerifySignature(const v1::SignedCheckpoint& checkpoint) const {
  ARREARS_ASSIGN_OR_RETURN(const std::string signed_bytes, CheckpointSignedBytes(checkpoint));
  if (checkpoint.log_id() != log_id_) {
    return absl::UnauthenticatedError(
        absl::StrCat("checkpoint is of log '", checkpoint.log_id(), "', expected '", log_id_, "'"));
  }
  if (checkpoint.key_id() != key_.KeyId()) {
    return absl::UnauthenticatedError(absl::StrCat("checkpoint key_id '", checkpoint.key_id(),
                                                   "' is not the trusted key ", key_.KeyId()));
  }
  return Annotate(key_.Verify(signed_bytes, checkpoint.signature()),
                  absl::StrCat("checkpoint of ", SizeDescription(checkpoint)));
}

absl::Status CheckpointVerifier::VerifyExtends(const v1::SignedCheckpoint& trusted,
                                               const v1::SignedCheckpoint& newer,
                                               const v1::ConsistencyProof& proof) const {
  ARREARS_RETURN_IF_ERROR(Annotate(VerifySignature(trusted), "trusted checkpoint"));
  ARREARS_RETURN_IF_ERROR(Annotate(VerifySignature(newer), "newer checkpoint"));
  if (newer.size() < trusted.size()) {
    return absl::DataLossError(absl::StrCat("log truncated: newer checkpoint has ", newer.size(),
                                            " entries, a trusted one signed ", trusted.size()));
  }
  ARREARS_ASSIGN_OR_RETURN(const Sha256Hash trusted_root, CheckpointRoot(trusted));
  ARREARS_ASSIGN_OR_RETURN(const Sha256Hash newer_root, CheckpointRoot(newer));
  if (newer.size() == trusted.size()) {
    if (newer_root != trusted_root) {
      return absl::DataLossError(absl::StrCat("log forked: two signed roots for size ",
                                              trusted.size(), ": ", trusted_root.ToHex(), " and ",
                                              newer_root.ToHex()));
    }
    return absl::OkStatus();
  }
  if (proof.first_size() != trusted.size() || proof.second_size() != newer.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "consistency proof is from size ", proof.first_size(), " to ", proof.second_size(),
        ", the checkpoints are ", trusted.size(), " and ", newer.size()));
  }
  const absl::Status consistent = VerifyConsistencyProof(proof, trusted_root, newer_root);
  if (absl::IsDataLoss(consistent)) {
    return absl::DataLossError(absl::StrCat("log forked: the checkpoint of size ", newer.size(),
                                            " does not extend the trusted checkpoint of size ",
                                            trusted.size(), " (", consistent.message(), ")"));
  }
  return consistent;
}

absl::Status CheckpointVerifier::VerifyIncluded(const v1::SignedCheckpoint& checkpoint,
                                                absl::string_view leaf_data,
                                                const v1::InclusionProof& proof) const {
  ARREARS_RETURN_IF_ERROR(VerifySignature(checkpoint));
  if (proof.tree_size() != checkpoint.size()) {
    return absl::InvalidArgumentError(absl::StrCat("inclusion proof is for tree size ",
                                                   proof.tree_size(), ", the checkpoint is ",
                                                   checkpoint.size()));
  }
  const Sha256Hash leaf_hash = HashLeaf(leaf_data);
  if (proof.leaf_hash() != leaf_hash.view()) {
    return absl::DataLossError(absl::StrCat("leaf_hash of the proof is not the hash of entry ",
                                            proof.leaf_index(), "'s data"));
  }
  ARREARS_ASSIGN_OR_RETURN(const Sha256Hash root, CheckpointRoot(checkpoint));
  return VerifyInclusionProof(proof, root);
}

}  // namespace arrears::compliance::audit
