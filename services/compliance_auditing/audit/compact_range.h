// CompactRange: the right edge ("frontier") of an append-only Merkle tree —
// the hashes of the perfect subtrees that make up [0, size), largest first,
// one per set bit of size.
//
// It is all an appender needs: Append() costs O(log n) hashes amortized 1
// (each call completes trailing-ones(size) new perfect subtrees, which it
// reports so the log can store them), and Root() folds at most log2(n) + 1
// hashes. A log rebuilds it at startup from the stored nodes of
// PerfectSubtrees([0, size)) with Load().
//
// Value type; not synchronized (the log guards it).
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_COMPACT_RANGE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_COMPACT_RANGE_H_

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "services/compliance_auditing/audit/merkle.h"
#include "services/compliance_auditing/audit/sha256.h"

namespace arrears::compliance::audit {

class CompactRange {
 public:
  // The empty tree.
  CompactRange() = default;

  // From the hashes of PerfectSubtrees({0, size}), in that order.
  // InvalidArgument if the count does not match size.
  static absl::StatusOr<CompactRange> FromSubtreeHashes(uint64_t size,
                                                        absl::Span<const Sha256Hash> hashes);
  // Reads those hashes from a store.
  static absl::StatusOr<CompactRange> Load(uint64_t size, NodeReader& reader);

  uint64_t size() const { return size_; }
  // Perfect subtree hashes, left to right.
  absl::Span<const Sha256Hash> subtree_hashes() const { return hashes_; }

  // Appends the leaf hash of leaf `size()`. `on_node` sees each perfect
  // subtree of level >= 1 this completes, lowest level first.
  void Append(const Sha256Hash& leaf_hash,
              absl::FunctionRef<void(const NodeId&, const Sha256Hash&)> on_node);

  // MTH of the current tree.
  Sha256Hash Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<Sha256Hash> hashes_;
};

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_COMPACT_RANGE_H_
