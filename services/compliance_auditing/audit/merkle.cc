#include "services/compliance_auditing/audit/merkle.h"

#include <algorithm>
#include <bit>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"

namespace arrears::compliance::audit {
namespace {

constexpr char kLeafPrefix = '\x00';
constexpr char kNodePrefix = '\x01';

// The largest power of two strictly smaller than n; n >= 2.
uint64_t SplitPoint(uint64_t n) { return uint64_t{1} << (std::bit_width(n - 1) - 1); }

bool IsPowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

std::string RangeString(LeafRange range) {
  return absl::StrCat("[", range.begin, ", ", range.end, ")");
}

// One step of the RFC 9162 verification loops: after a left-sibling hash at a
// right edge, skip the levels where this node had no sibling.
void SkipLevelsWithoutSibling(uint64_t& fn, uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

absl::Status CheckProofLength(size_t got, size_t want, absl::string_view what) {
  if (got == want) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(what, " has ", got, " hashes, a proof for these sizes has ", want));
}

}  // namespace

Sha256Hash HashLeaf(absl::string_view leaf_data) {
  return Sha256({absl::string_view(&kLeafPrefix, 1), leaf_data});
}

Sha256Hash HashChildren(const Sha256Hash& left, const Sha256Hash& right) {
  return Sha256({absl::string_view(&kNodePrefix, 1), left.view(), right.view()});
}

Sha256Hash EmptyTreeHash() {
  static const Sha256Hash empty = Sha256(absl::string_view());
  return empty;
}

std::string NodeId::DebugString() const {
  return absl::StrCat("node (level ", level, ", index ", index, ") over leaves [", first_leaf(),
                      ", ", end_leaf(), ")");
}

bool LeafRange::IsTreeRange() const {
  if (end <= begin || end > kMaxTreeSize) return false;
  const uint64_t span = std::bit_ceil(size());
  return begin % span == 0;
}

std::vector<NodeId> PerfectSubtrees(LeafRange range) {
  std::vector<NodeId> ids;
  uint64_t position = range.begin;
  const uint64_t size = range.size();
  for (int level = std::bit_width(size) - 1; level >= 0; --level) {
    const uint64_t width = uint64_t{1} << level;
    if ((size & width) == 0) continue;
    ids.push_back(NodeId{level, position >> level});
    position += width;
  }
  return ids;
}

Sha256Hash FoldSubtrees(absl::Span<const Sha256Hash> subtree_hashes) {
  Sha256Hash hash = subtree_hashes.back();
  for (size_t i = subtree_hashes.size() - 1; i-- > 0;) {
    hash = HashChildren(subtree_hashes[i], hash);
  }
  return hash;
}

std::vector<LeafRange> InclusionProofRanges(uint64_t index, uint64_t size) {
  // Walk down from the root, collecting the sibling subtree at each split;
  // the proof lists them bottom-up.
  std::vector<LeafRange> ranges;
  uint64_t begin = 0;
  uint64_t end = size;
  while (end - begin > 1) {
    const uint64_t split = begin + SplitPoint(end - begin);
    if (index < split) {
      ranges.push_back({split, end});
      end = split;
    } else {
      ranges.push_back({begin, split});
      begin = split;
    }
  }
  std::reverse(ranges.begin(), ranges.end());
  return ranges;
}

std::vector<LeafRange> ConsistencyProofRanges(uint64_t first, uint64_t second) {
  // RFC 6962 SUBPROOF(m, D[begin:end], have_root), unrolled top-down.
  std::vector<LeafRange> ranges;
  uint64_t begin = 0;
  uint64_t end = second;
  uint64_t m = first;
  bool have_root = true;
  while (m != end - begin) {
    const uint64_t k = SplitPoint(end - begin);
    if (m <= k) {
      ranges.push_back({begin + k, end});
      end = begin + k;
    } else {
      ranges.push_back({begin, begin + k});
      begin += k;
      m -= k;
      have_root = false;
    }
  }
  if (!have_root) ranges.push_back({begin, end});
  std::reverse(ranges.begin(), ranges.end());
  return ranges;
}

absl::StatusOr<std::vector<Sha256Hash>> RangeHashes(absl::Span<const LeafRange> ranges,
                                                    NodeReader& reader) {
  std::vector<NodeId> ids;
  std::vector<size_t> counts;
  counts.reserve(ranges.size());
  for (const LeafRange& range : ranges) {
    if (!range.IsTreeRange()) {
      return absl::InvalidArgumentError(
          absl::StrCat("leaf range ", RangeString(range), " is not a subtree of a Merkle tree"));
    }
    const std::vector<NodeId> subtrees = PerfectSubtrees(range);
    ids.insert(ids.end(), subtrees.begin(), subtrees.end());
    counts.push_back(subtrees.size());
  }
  if (ids.empty()) return std::vector<Sha256Hash>();
  ARREARS_ASSIGN_OR_RETURN(const std::vector<Sha256Hash> nodes, reader.ReadNodes(ids));
  if (nodes.size() != ids.size()) {
    return absl::InternalError(
        absl::StrCat("node reader returned ", nodes.size(), " hashes for ", ids.size(), " nodes"));
  }
  std::vector<Sha256Hash> hashes;
  hashes.reserve(ranges.size());
  size_t offset = 0;
  for (const size_t count : counts) {
    hashes.push_back(FoldSubtrees(absl::MakeConstSpan(nodes).subspan(offset, count)));
    offset += count;
  }
  return hashes;
}

absl::StatusOr<Sha256Hash> TreeHash(uint64_t size, NodeReader& reader) {
  if (size == 0) return EmptyTreeHash();
  const LeafRange whole{0, size};
  ARREARS_ASSIGN_OR_RETURN(std::vector<Sha256Hash> hashes,
                           RangeHashes(absl::MakeConstSpan(&whole, 1), reader));
  return hashes.front();
}

absl::StatusOr<std::vector<Sha256Hash>> BuildInclusionProof(uint64_t index, uint64_t size,
                                                            NodeReader& reader) {
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf index ", index, " is not below tree size ", size));
  }
  if (size > kMaxTreeSize) {
    return absl::InvalidArgumentError(absl::StrCat("tree size ", size, " is too large"));
  }
  return RangeHashes(InclusionProofRanges(index, size), reader);
}

absl::StatusOr<std::vector<Sha256Hash>> BuildConsistencyProof(uint64_t first, uint64_t second,
                                                              NodeReader& reader) {
  if (first == 0 || first > second) {
    return absl::InvalidArgumentError(absl::StrCat(
        "consistency proof needs 0 < first_size <= second_size, got ", first, " and ", second));
  }
  if (second > kMaxTreeSize) {
    return absl::InvalidArgumentError(absl::StrCat("tree size ", second, " is too large"));
  }
  return RangeHashes(ConsistencyProofRanges(first, second), reader);
}

absl::StatusOr<Sha256Hash> RootFromInclusionProof(uint64_t index, uint64_t size,
                                                  const Sha256Hash& leaf_hash,
                                                  absl::Span<const Sha256Hash> proof) {
  if (index >= size) {
    return absl::InvalidArgumentError(
        absl::StrCat("leaf index ", index, " is not below tree size ", size));
  }
  if (size > kMaxTreeSize) {
    return absl::InvalidArgumentError(absl::StrCat("tree size ", size, " is too large"));
  }
  ARREARS_RETURN_IF_ERROR(
      CheckProofLength(proof.size(), InclusionProofRanges(index, size).size(), "inclusion proof"));
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Sha256Hash r = leaf_hash;
  for (const Sha256Hash& p : proof) {
    if (sn == 0)
      return absl::InvalidArgumentError("inclusion proof is longer than the tree is high");
    if ((fn & 1) != 0 || fn == sn) {
      r = HashChildren(p, r);
      SkipLevelsWithoutSibling(fn, sn);
    } else {
      r = HashChildren(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0)
    return absl::InvalidArgumentError("inclusion proof is shorter than the tree is high");
  return r;
}

absl::Status VerifyInclusion(uint64_t index, uint64_t size, const Sha256Hash& leaf_hash,
                             absl::Span<const Sha256Hash> proof, const Sha256Hash& root) {
  ARREARS_ASSIGN_OR_RETURN(const Sha256Hash computed,
                           RootFromInclusionProof(index, size, leaf_hash, proof));
  if (computed != root) {
    return absl::DataLossError(absl::StrCat("inclusion proof of leaf ", index, " in tree size ",
                                            size, " leads to root ", computed.ToHex(),
                                            ", expected ", root.ToHex()));
  }
  return absl::OkStatus();
}

absl::Status VerifyConsistency(uint64_t first, uint64_t second, const Sha256Hash& first_root,
                               const Sha256Hash& second_root, absl::Span<const Sha256Hash> proof) {
  if (first > second) {
    return absl::InvalidArgumentError(
        absl::StrCat("first tree size ", first, " is larger than second tree size ", second));
  }
  if (second > kMaxTreeSize) {
    return absl::InvalidArgumentError(absl::StrCat("tree size ", second, " is too large"));
  }
  if (first == second) {
    ARREARS_RETURN_IF_ERROR(CheckProofLength(proof.size(), 0, "consistency proof"));
    if (first_root != second_root) {
      return absl::DataLossError(absl::StrCat("two trees of size ", first, " have different roots ",
                                              first_root.ToHex(), " and ", second_root.ToHex()));
    }
    return absl::OkStatus();
  }
  if (first == 0) return CheckProofLength(proof.size(), 0, "consistency proof");
  ARREARS_RETURN_IF_ERROR(CheckProofLength(
      proof.size(), ConsistencyProofRanges(first, second).size(), "consistency proof"));

  // RFC 9162 2.1.4.2. When `first` is a power of two its root is a node of the
  // second tree and is not repeated in the proof.
  const bool prepend_first_root = IsPowerOfTwo(first);
  auto path_at = [&](size_t i) -> const Sha256Hash& {
    if (prepend_first_root) return i == 0 ? first_root : proof[i - 1];
    return proof[i];
  };
  const size_t path_size = proof.size() + (prepend_first_root ? 1 : 0);

  uint64_t fn = first - 1;
  uint64_t sn = second - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Sha256Hash fr = path_at(0);
  Sha256Hash sr = path_at(0);
  for (size_t i = 1; i < path_size; ++i) {
    const Sha256Hash& c = path_at(i);
    if (sn == 0) {
      return absl::InvalidArgumentError("consistency proof is longer than the tree is high");
    }
    if ((fn & 1) != 0 || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      SkipLevelsWithoutSibling(fn, sn);
    } else {
      sr = HashChildren(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) {
    return absl::InvalidArgumentError("consistency proof is shorter than the tree is high");
  }
  if (fr != first_root) {
    return absl::DataLossError(absl::StrCat("consistency proof from size ", first, " to ", second,
                                            " leads to first root ", fr.ToHex(), ", expected ",
                                            first_root.ToHex(), ": the trees diverge"));
  }
  if (sr != second_root) {
    return absl::DataLossError(absl::StrCat("consistency proof from size ", first, " to ", second,
                                            " leads to second root ", sr.ToHex(), ", expected ",
                                            second_root.ToHex(), ": the trees diverge"));
  }
  return absl::OkStatus();
}

}  // namespace arrears::compliance::audit
