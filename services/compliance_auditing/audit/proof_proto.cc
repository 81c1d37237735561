#include "services/compliance_auditing/audit/proof_proto.h"

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/compliance_auditing/audit/merkle.h"

namespace arrears::compliance::audit {
namespace {

// The proof's own copy of a hash must match the one the caller trusts: a
// proof that names another root proves nothing about the trusted one.
absl::Status CheckClaimedHash(absl::string_view claimed, const Sha256Hash& trusted,
                              absl::string_view field) {
  ARREARS_ASSIGN_OR_RETURN(const Sha256Hash hash, Sha256Hash::FromBytes(claimed, field));
  if (hash != trusted) {
    return absl::DataLossError(
        absl::StrCat(field, " ", hash.ToHex(), " is not the trusted root ", trusted.ToHex()));
  }
  return absl::OkStatus();
}

}  // namespace

v1::InclusionProof MakeInclusionProofProto(uint64_t leaf_index, uint64_t tree_size,
                                           const Sha256Hash& leaf_hash,
                                           absl::Span<const Sha256Hash> hashes,
                                           const Sha256Hash& root) {
  v1::InclusionProof proof;
  proof.set_leaf_index(leaf_index);
  proof.set_tree_size(tree_size);
  proof.set_leaf_hash(leaf_hash.ToString());
  for (const Sha256Hash& hash : hashes) proof.add_hashes(hash.ToString());
  proof.set_root_hash(root.ToString());
  return proof;
}

v1::ConsistencyProof MakeConsistencyProofProto(uint64_t first_size, uint64_t second_size,
                                               absl::Span<const Sha256Hash> hashes,
                                               const Sha256Hash& first_root,
                                               const Sha256Hash& second_root) {
  v1::ConsistencyProof proof;
  proof.set_first_size(first_size);
  proof.set_second_size(second_size);
  for (const Sha256Hash& hash : hashes) proof.add_hashes(hash.ToString());
  proof.set_first_root_hash(first_root.ToString());
  proof.set_second_root_hash(second_root.ToString());
  return proof;
}

absl::StatusOr<std::vector<Sha256Hash>> HashesFromProto(
    const google::protobuf::RepeatedPtrField<std::string>& hashes, absl::string_view field) {
  std::vector<Sha256Hash> out;
  out.reserve(hashes.size());
  for (int i = 0; i < hashes.size(); ++i) {
    ARREARS_ASSIGN_OR_RETURN(Sha256Hash hash,
                             Sha256Hash::FromBytes(hashes[i], absl::StrCat(field, "[", i, "]")));
    out.push_back(hash);
  }
  return out;
}

absl::Status VerifyInclusionProof(const v1::InclusionProof& proof, const Sha256Hash& trusted_root) {
  ARREARS_RETURN_IF_ERROR(CheckClaimedHash(proof.root_hash(), trusted_root, "root_hash"));
  ARREARS_ASSIGN_OR_RETURN(const Sha256Hash leaf_hash,
                           Sha256Hash::FromBytes(proof.leaf_hash(), "leaf_hash"));
  ARREARS_ASSIGN_OR_RETURN(const std::vector<Sha256Hash> hashes,
                           HashesFromProto(proof.hashes(), "hashes"));
  return VerifyInclusion(proof.leaf_index(), proof.tree_size(), leaf_hash, hashes, trusted_root);
}

absl::Status VerifyConsistencyProof(const v1::ConsistencyProof& proof,
                                    const Sha256Hash& trusted_first_root,
                                    const Sha256Hash& trusted_second_root) {
  ARREARS_RETURN_IF_ERROR(
      CheckClaimedHash(proof.first_root_hash(), trusted_first_root, "first_root_hash"));
  ARREARS_RETURN_IF_ERROR(
      CheckClaimedHash(proof.second_root_hash(), trusted_second_root, "second_root_hash"));
  ARREARS_ASSIGN_OR_RETURN(const std::vector<Sha256Hash> hashes,
                           HashesFromProto(proof.hashes(), "hashes"));
  return VerifyConsistency(proof.first_size(), proof.second_size(), trusted_first_root,
                           trusted_second_root, hashes);
}

}  // namespace arrears::compliance::audit
