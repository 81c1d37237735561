// MemoryTree: a Merkle tree held in a map, for tests that need proofs without
// a store. Filled the way the audit log fills its store (leaf hashes at level
// 0, plus every perfect subtree CompactRange completes), so proofs built from
// it exercise the same code paths. Not thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_TESTING_MEMORY_TREE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_TESTING_MEMORY_TREE_H_

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "services/compliance_auditing/audit/compact_range.h"
#include "services/compliance_auditing/audit/merkle.h"

namespace arrears::compliance::audit {

class MemoryTree : public NodeReader {
 public:
  void AppendLeafHash(const Sha256Hash& leaf_hash) {
    nodes_[NodeId{0, range_.size()}] = leaf_hash;
    range_.Append(leaf_hash, [&](const NodeId& id, const Sha256Hash& hash) { nodes_[id] = hash; });
  }
  void AppendLeaf(absl::string_view leaf_data) { AppendLeafHash(HashLeaf(leaf_data)); }

  absl::StatusOr<std::vector<Sha256Hash>> ReadNodes(absl::Span<const NodeId> ids) override {
    ++reads_;
    std::vector<Sha256Hash> out;
    out.reserve(ids.size());
    for (const NodeId& id : ids) {
      auto it = nodes_.find(id);
      if (it == nodes_.end()) return absl::NotFoundError(id.DebugString());
      out.push_back(it->second);
    }
    return out;
  }

  uint64_t size() const { return range_.size(); }
  Sha256Hash Root() const { return range_.Root(); }
  const CompactRange& range() const { return range_; }
  int reads() const { return reads_; }

 private:
  absl::flat_hash_map<NodeId, Sha256Hash> nodes_;
  CompactRange range_;
  int reads_ = 0;
};

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_TESTING_MEMORY_TREE_H_
