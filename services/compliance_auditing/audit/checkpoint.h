// Signed checkpoints of the audit log, and the checks a party holding an
// older checkpoint outside the service runs against a newer one.
//
// A checkpoint (arrears.compliance.v1.SignedCheckpoint) states "the log
// <log_id> had <size> leaves with root <root_hash> at <timestamp>", signed
// with Ed25519 over exactly these bytes (audit.proto is the contract):
//
//   arrears-audit-checkpoint/v1\n<log_id>\n<size>\n<root hex>\n<unix nanos>\n
//
// key_id names the signing key (Ed25519PublicKey::KeyId()). log_id is
// non-empty printable ASCII without spaces, so the text form is unambiguous.
//
// CheckpointVerifier is what an auditor, a regulator or a monitoring job
// runs. Given a checkpoint it trusts (published earlier, kept outside the
// service) and a newer one with a consistency proof between them, it tells a
// log that only grew from one that was truncated (smaller than what it once
// signed) or forked (rewrote history: the old root is not a prefix of the new
// tree). Tamper evidence comes back as DataLoss, bad or foreign signatures as
// Unauthenticated, malformed input as InvalidArgument.
//
// CheckpointSigner and CheckpointVerifier are immutable after Create and
// thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_CHECKPOINT_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_CHECKPOINT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "arrears/compliance/v1/audit.pb.h"
#include "common/time/clock.h"
#include "services/compliance_auditing/audit/ed25519.h"
#include "services/compliance_auditing/audit/sha256.h"

namespace arrears::compliance::audit {

inline constexpr absl::string_view kCheckpointHeader = "arrears-audit-checkpoint/v1";

// InvalidArgument unless `log_id` is 1..128 printable ASCII characters other
// than space.
absl::Status ValidateLogId(absl::string_view log_id);

// The signed bytes of `checkpoint` (its signature and key_id are ignored).
// InvalidArgument naming the field if log_id, root_hash or timestamp is
// malformed.
absl::StatusOr<std::string> CheckpointSignedBytes(const v1::SignedCheckpoint& checkpoint);

// The checkpoint's root hash; InvalidArgument unless it is 32 bytes.
absl::StatusOr<Sha256Hash> CheckpointRoot(const v1::SignedCheckpoint& checkpoint);

class CheckpointSigner {
 public:
  // `clock` must outlive the signer.
  static absl::StatusOr<std::unique_ptr<CheckpointSigner>> Create(std::string log_id,
                                                                  Ed25519PrivateKey key,
                                                                  const Clock* clock);

  // A checkpoint of (size, root) stamped with the clock's current time.
  absl::StatusOr<v1::SignedCheckpoint> Sign(uint64_t size, const Sha256Hash& root) const;
  // Signs a statement that is not a checkpoint (an export manifest): its
  // first line must be a format name other than kCheckpointHeader, so no
  // statement can pass for a checkpoint (InvalidArgument otherwise).
  absl::StatusOr<std::string> SignStatement(absl::string_view statement) const;

  const std::string& log_id() const { return log_id_; }
  const Ed25519PublicKey& public_key() const { return key_.public_key(); }

 private:
  CheckpointSigner(std::string log_id, Ed25519PrivateKey key, const Clock* clock)
      : log_id_(std::move(log_id)), key_(std::move(key)), clock_(clock) {}

  const std::string log_id_;
  const Ed25519PrivateKey key_;
  const Clock* const clock_;
};

class CheckpointVerifier {
 public:
  // Trusts checkpoints of `log_id` signed by `key`.
  static absl::StatusOr<CheckpointVerifier> Create(std::string log_id, Ed25519PublicKey key);

  // OK if `checkpoint` is well formed, of this log, names this key and its
  // signature verifies.
  absl::Status VerifySignature(const v1::SignedCheckpoint& checkpoint) const;

  // OK if `newer` (signed) extends `trusted` (signed): same log, not smaller,
  // and `proof` (a consistency proof from trusted.size to newer.size) holds.
  // DataLoss "truncated" when newer is smaller, "forked" when the trees
  // diverge; InvalidArgument when the proof is for other sizes.
  absl::Status VerifyExtends(const v1::SignedCheckpoint& trusted, const v1::SignedCheckpoint& newer,
                             const v1::ConsistencyProof& proof) const;

  // OK if `proof` shows `leaf_data` at proof.leaf_index in the tree of
  // `checkpoint` (signature checked too).
  absl::Status VerifyIncluded(const v1::SignedCheckpoint& checkpoint, absl::string_view leaf_data,
                              const v1::InclusionProof& proof) const;

  const std::string& log_id() const { return log_id_; }
  const Ed25519PublicKey& key() const { return key_; }

 private:
  CheckpointVerifier(std::string log_id, Ed25519PublicKey key)
      : log_id_(std::move(log_id)), key_(std::move(key)) {}

  std::string log_id_;
  Ed25519PublicKey key_;
};

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_CHECKPOINT_H_
