// RFC 6962 / RFC 9162 Merkle tree hashing, proof construction and proof
// verification for the audit log.
//
//   leaf hash  = SHA-256(0x00 || leaf_data)
//   node hash  = SHA-256(0x01 || left || right)
//   MTH({})    = SHA-256("")
//   MTH(D[n])  = node hash of MTH(D[0:k]) and MTH(D[k:n]), k the largest power
//                of two < n
//
// Storage model. A log stores the hash of every *perfect* subtree once it is
// complete: NodeId{level, index} covers leaves [index * 2^level,
// (index + 1) * 2^level); level 0 are the leaf hashes. Every range an RFC 6962
// proof needs (a LeafRange below) splits into at most ~log2(n) perfect
// subtrees, so a proof for any older tree size costs O(log n) node reads and
// no re-hashing of the log. Construction is two-phase: *ProofRanges() say
// which ranges a proof consists of (a pure function of the sizes), and
// RangeHashes() fetches all their perfect subtrees from a NodeReader in one
// batch and folds them.
//
// Verification follows RFC 9162 sections 2.1.3.2 (inclusion) and 2.1.4.2
// (consistency). Failures say why: InvalidArgument for a request that cannot
// be proven at all (index out of range, a proof of the wrong length),
// DataLoss when the hashes do not reproduce the claimed root(s) — the evidence
// of a tampered or forked log.
//
// Everything here is stateless and thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_MERKLE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_MERKLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "services/compliance_auditing/audit/sha256.h"

namespace arrears::compliance::audit {

// Trees hold fewer than 2^56 leaves, so (level, index) pairs fit 64 bits
// comfortably in every store.
inline constexpr uint64_t kMaxTreeSize = uint64_t{1} << 56;

Sha256Hash HashLeaf(absl::string_view leaf_data);
Sha256Hash HashChildren(const Sha256Hash& left, const Sha256Hash& right);
Sha256Hash EmptyTreeHash();

// A perfect subtree: leaves [index << level, (index + 1) << level).
struct NodeId {
  int level = 0;
  uint64_t index = 0;

  uint64_t first_leaf() const { return index << level; }
  uint64_t end_leaf() const { return (index + 1) << level; }
  std::string DebugString() const;

  friend bool operator==(const NodeId& a, const NodeId& b) = default;
  template <typename H>
  friend H AbslHashValue(H h, const NodeId& id) {
    return H::combine(std::move(h), id.level, id.index);
  }
};

// Leaves [begin, end). A "tree range" is one whose MTH is defined by the
// recursion above inside a larger tree: non-empty and `begin` a multiple of
// the smallest power of two >= end - begin. Every range a proof consists of,
// and every [0, n), is a tree range.
struct LeafRange {
  uint64_t begin = 0;
  uint64_t end = 0;

  uint64_t size() const { return end - begin; }
  bool IsTreeRange() const;
  friend bool operator==(const LeafRange& a, const LeafRange& b) = default;
};

// The perfect subtrees a tree range consists of, left to right (largest
// first); its MTH is their hashes folded from the right. Precondition:
// range.IsTreeRange().
std::vector<NodeId> PerfectSubtrees(LeafRange range);

// MTH of a tree range given the hashes of its PerfectSubtrees(), in order.
// Precondition: `subtree_hashes` is non-empty.
Sha256Hash FoldSubtrees(absl::Span<const Sha256Hash> subtree_hashes);

// RFC 6962 PATH(index, D[0:size]) as ranges, from the leaf's sibling up to the
// root's child. Precondition: index < size.
std::vector<LeafRange> InclusionProofRanges(uint64_t index, uint64_t size);

// RFC 6962 PROOF(first, D[0:second]) as ranges, bottom-up. Precondition:
// 0 < first <= second; empty when first == second.
std::vector<LeafRange> ConsistencyProofRanges(uint64_t first, uint64_t second);

// Where stored node hashes come from (a log's store).
class NodeReader {
 public:
  virtual ~NodeReader() = default;
  // The hashes of `ids`, in the same order. NotFound naming the first missing
  // node if any is not stored.
  virtual absl::StatusOr<std::vector<Sha256Hash>> ReadNodes(absl::Span<const NodeId> ids) = 0;
};

// The MTH of each of `ranges` (all tree ranges), reading every perfect subtree
// they need in one ReadNodes call. InvalidArgument for a range that is not a
// tree range.
absl::StatusOr<std::vector<Sha256Hash>> RangeHashes(absl::Span<const LeafRange> ranges,
                                                    NodeReader& reader);

// MTH of the first `size` leaves (EmptyTreeHash() for 0).
absl::StatusOr<Sha256Hash> TreeHash(uint64_t size, NodeReader& reader);

// Proof construction from stored nodes; InvalidArgument when the sizes
// violate the preconditions above.
absl::StatusOr<std::vector<Sha256Hash>> BuildInclusionProof(uint64_t index, uint64_t size,
                                                            NodeReader& reader);
absl::StatusOr<std::vector<Sha256Hash>> BuildConsistencyProof(uint64_t first, uint64_t second,
                                                              NodeReader& reader);

// The root an inclusion proof leads to (RFC 9162 2.1.3.2 without the final
// comparison). InvalidArgument if index >= size or the proof has the wrong
// number of hashes for (index, size).
absl::StatusOr<Sha256Hash> RootFromInclusionProof(uint64_t index, uint64_t size,
                                                  const Sha256Hash& leaf_hash,
                                                  absl::Span<const Sha256Hash> proof);

// RFC 9162 2.1.3.2: OK when `proof` shows `leaf_hash` at `index` in the tree
// of `size` leaves whose root is `root`.
absl::Status VerifyInclusion(uint64_t index, uint64_t size, const Sha256Hash& leaf_hash,
                             absl::Span<const Sha256Hash> proof, const Sha256Hash& root);

// RFC 9162 2.1.4.2: OK when `proof` shows that the tree of `first` leaves
// with root `first_root` is a prefix of the tree of `second` leaves with root
// `second_root`. first == 0 (anything extends the empty tree) and first ==
// second (roots must be equal) take an empty proof. InvalidArgument if
// first > second or the proof has the wrong number of hashes.
absl::Status VerifyConsistency(uint64_t first, uint64_t second, const Sha256Hash& first_root,
                               const Sha256Hash& second_root, absl::Span<const Sha256Hash> proof);

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_MERKLE_H_
