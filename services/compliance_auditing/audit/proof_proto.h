// The wire forms of audit proofs (arrears.compliance.v1.InclusionProof and
// ConsistencyProof): building them from hashes and verifying them.
//
// The proof messages carry their own leaf and root hashes for convenience;
// verification never trusts those. It takes the root(s) the caller trusts
// (from a signed checkpoint), checks that the message agrees with them and
// then runs the RFC 9162 verification of merkle.h. Errors name the offending
// field. Pure functions; thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_PROOF_PROTO_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_PROOF_PROTO_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "arrears/compliance/v1/audit.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "services/compliance_auditing/audit/sha256.h"

namespace arrears::compliance::audit {

v1::InclusionProof MakeInclusionProofProto(uint64_t leaf_index, uint64_t tree_size,
                                           const Sha256Hash& leaf_hash,
                                           absl::Span<const Sha256Hash> hashes,
                                           const Sha256Hash& root);

v1::ConsistencyProof MakeConsistencyProofProto(uint64_t first_size, uint64_t second_size,
                                               absl::Span<const Sha256Hash> hashes,
                                               const Sha256Hash& first_root,
                                               const Sha256Hash& second_root);

// Each element must be 32 bytes; InvalidArgument naming `field`[i] otherwise.
absl::StatusOr<std::vector<Sha256Hash>> HashesFromProto(
    const google::protobuf::RepeatedPtrField<std::string>& hashes, absl::string_view field);

// OK if `proof` proves its leaf_hash at leaf_index in the tree of tree_size
// whose root is `trusted_root`.
absl::Status VerifyInclusionProof(const v1::InclusionProof& proof, const Sha256Hash& trusted_root);

// OK if `proof` proves the tree of first_size with root `trusted_first_root`
// is a prefix of the tree of second_size with root `trusted_second_root`.
absl::Status VerifyConsistencyProof(const v1::ConsistencyProof& proof,
                                    const Sha256Hash& trusted_first_root,
                                    const Sha256Hash& trusted_second_root);

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_PROOF_PROTO_H_
