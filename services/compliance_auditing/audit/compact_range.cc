#include "services/compliance_auditing/audit/compact_range.h"

#include <bit>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace arrears::compliance::audit {

absl::StatusOr<CompactRange> CompactRange::FromSubtreeHashes(uint64_t size,
                                                             absl::Span<const Sha256Hash> hashes) {
  if (size > kMaxTreeSize) {
    return absl::InvalidArgumentError(absl::StrCat("tree size ", size, " is too large"));
  }
  const size_t want = static_cast<size_t>(std::popcount(size));
  if (hashes.size() != want) {
    return absl::InvalidArgumentError(absl::StrCat("a tree of ", size, " leaves has ", want,
                                                   " perfect subtrees, got ", hashes.size()));
  }
  CompactRange range;
  range.size_ = size;
  range.hashes_.assign(hashes.begin(), hashes.end());
  return range;
}

absl::StatusOr<CompactRange> CompactRange::Load(uint64_t size, NodeReader& reader) {
  if (size == 0) return CompactRange();
  if (size > kMaxTreeSize) {
    return absl::InvalidArgumentError(absl::StrCat("tree size ", size, " is too large"));
  }
  ARREARS_ASSIGN_OR_RETURN(const std::vector<Sha256Hash> hashes,
                           reader.ReadNodes(PerfectSubtrees({0, size})));
  return FromSubtreeHashes(size, hashes);
}

void CompactRange::Append(const Sha256Hash& leaf_hash,
                          absl::FunctionRef<void(const NodeId&, const Sha256Hash&)> on_node) {
  Sha256Hash hash = leaf_hash;
  uint64_t index = size_;
  int level = 0;
  // Each trailing one of the old size is a left sibling waiting for this leaf.
  while ((index & 1) != 0) {
    hash = HashChildren(hashes_.back(), hash);
    hashes_.pop_back();
    index >>= 1;
    ++level;
    on_node(NodeId{level, index}, hash);
  }
  hashes_.push_back(hash);
  ++size_;
}

Sha256Hash CompactRange::Root() const {
  if (hashes_.empty()) return EmptyTreeHash();
  return FoldSubtrees(hashes_);
}

}  // namespace arrears::compliance::audit
