#include "services/compliance_auditing/audit/merkle.h"

#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/compliance_auditing/audit/compact_range.h"
#include "services/compliance_auditing/audit/testing/memory_tree.h"

namespace arrears::compliance::audit {
namespace {

using ::arrears::testing::IsOk;
using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Sha256Hash H(absl::string_view hex) {
  absl::StatusOr<Sha256Hash> hash = Sha256Hash::FromHex(hex, "test vector");
  EXPECT_TRUE(hash.ok()) << hash.status();
  return hash.ok() ? *hash : Sha256Hash();
}

// The leaves of the Certificate Transparency reference test suite.
std::vector<std::string> ReferenceLeaves() {
  return {absl::HexStringToBytes(""),
          absl::HexStringToBytes("00"),
          absl::HexStringToBytes("10"),
          absl::HexStringToBytes("2021"),
          absl::HexStringToBytes("3031"),
          absl::HexStringToBytes("40414243"),
          absl::HexStringToBytes("5051525354555657"),
          absl::HexStringToBytes("606162636465666768696a6b6c6d6e6f")};
}

// --- A naive implementation, straight from the RFC 6962 definitions. ---

Sha256Hash NaiveRoot(const std::vector<Sha256Hash>& leaves, size_t begin, size_t end) {
  if (end == begin) return EmptyTreeHash();
  if (end - begin == 1) return leaves[begin];
  size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  return HashChildren(NaiveRoot(leaves, begin, begin + k), NaiveRoot(leaves, begin + k, end));
}

std::vector<Sha256Hash> NaivePath(const std::vector<Sha256Hash>& leaves, size_t m, size_t begin,
                                  size_t end) {
  if (end - begin <= 1) return {};
  size_t k = 1;
  while (k * 2 < end - begin) k *= 2;
  std::vector<Sha256Hash> path;
  if (m < k) {
    path = NaivePath(leaves, m, begin, begin + k);
    path.push_back(NaiveRoot(leaves, begin + k, end));
  } else {
    path = NaivePath(leaves, m - k, begin + k, end);
    path.push_back(NaiveRoot(leaves, begin, begin + k));
  }
  return path;
}

std::vector<Sha256Hash> NaiveSubproof(const std::vector<Sha256Hash>& leaves, size_t m, size_t begin,
                                      size_t end, bool have_root) {
  const size_t n = end - begin;
  if (m == n) {
    if (have_root) return {};
    return {NaiveRoot(leaves, begin, end)};
  }
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  std::vector<Sha256Hash> proof;
  if (m <= k) {
    proof = NaiveSubproof(leaves, m, begin, begin + k, have_root);
    proof.push_back(NaiveRoot(leaves, begin + k, end));
  } else {
    proof = NaiveSubproof(leaves, m - k, begin + k, end, false);
    proof.push_back(NaiveRoot(leaves, begin, begin + k));
  }
  return proof;
}

std::vector<Sha256Hash> ManyLeafHashes(int count) {
  std::vector<Sha256Hash> hashes;
  for (int i = 0; i < count; ++i) hashes.push_back(HashLeaf(absl::StrCat("leaf-", i)));
  return hashes;
}

Sha256Hash Flipped(Sha256Hash hash, int byte) {
  hash.bytes[byte % kSha256Size] ^= 0x01;
  return hash;
}

// --- Known answers (Certificate Transparency / RFC 6962 reference suite). ---

TEST(MerkleKnownAnswerTest, EmptyTreeIsSha256OfNothing) {
  EXPECT_EQ(EmptyTreeHash().ToHex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  MemoryTree reader;
  EXPECT_THAT(TreeHash(0, reader), IsOkAndHolds(EmptyTreeHash()));
  EXPECT_EQ(CompactRange().Root(), EmptyTreeHash());
}

TEST(MerkleKnownAnswerTest, LeafAndNodeHashes) {
  const std::vector<std::string> leaves = ReferenceLeaves();
  EXPECT_EQ(HashLeaf(leaves[0]).ToHex(),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  EXPECT_EQ(HashLeaf(leaves[7]).ToHex(),
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1");
  EXPECT_EQ(HashChildren(HashLeaf(leaves[0]), HashLeaf(leaves[1])).ToHex(),
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125");
}

TEST(MerkleKnownAnswerTest, RootsOfEveryPrefixOfTheEightLeafTree) {
  const std::vector<std::string> want = {
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
      "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
      "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
      "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
      "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  };
  MemoryTree reader;
  EXPECT_EQ(reader.range().Root().ToHex(), want[0]);
  for (const std::string& leaf : ReferenceLeaves()) {
    reader.AppendLeaf(leaf);
    const uint64_t size = reader.range().size();
    EXPECT_EQ(reader.range().Root().ToHex(), want[size]) << "size " << size;
    EXPECT_THAT(TreeHash(size, reader), IsOkAndHolds(H(want[size]))) << "size " << size;
  }
  // Older sizes from stored nodes alone, after the tree grew.
  for (uint64_t size = 0; size <= 8; ++size) {
    EXPECT_THAT(TreeHash(size, reader), IsOkAndHolds(H(want[size]))) << "size " << size;
  }
}

TEST(MerkleKnownAnswerTest, InclusionProofs) {
  MemoryTree reader;
  for (const std::string& leaf : ReferenceLeaves()) reader.AppendLeaf(leaf);
  EXPECT_THAT(BuildInclusionProof(0, 1, reader), IsOkAndHolds(ElementsAre()));
  EXPECT_THAT(BuildInclusionProof(0, 2, reader),
              IsOkAndHolds(ElementsAre(
                  H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"))));
  EXPECT_THAT(BuildInclusionProof(2, 3, reader),
              IsOkAndHolds(ElementsAre(
                  H("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"))));
  EXPECT_THAT(BuildInclusionProof(1, 5, reader),
              IsOkAndHolds(ElementsAre(
                  H("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
                  H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                  H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"))));
  EXPECT_THAT(BuildInclusionProof(0, 8, reader),
              IsOkAndHolds(ElementsAre(
                  H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                  H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                  H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"))));
  EXPECT_THAT(BuildInclusionProof(5, 8, reader),
              IsOkAndHolds(ElementsAre(
                  H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
                  H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                  H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"))));
}

TEST(MerkleKnownAnswerTest, ConsistencyProofs) {
  MemoryTree reader;
  for (const std::string& leaf : ReferenceLeaves()) reader.AppendLeaf(leaf);
  EXPECT_THAT(BuildConsistencyProof(1, 1, reader), IsOkAndHolds(ElementsAre()));
  EXPECT_THAT(BuildConsistencyProof(1, 8, reader),
              IsOkAndHolds(ElementsAre(
                  H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
                  H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                  H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"))));
  EXPECT_THAT(BuildConsistencyProof(2, 5, reader),
              IsOkAndHolds(ElementsAre(
                  H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
                  H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"))));
  EXPECT_THAT(BuildConsistencyProof(6, 8, reader),
              IsOkAndHolds(ElementsAre(
                  H("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
                  H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
                  H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"))));
}

// --- Exhaustive checks against the naive implementation. ---

constexpr int kMaxExhaustiveSize = 64;

TEST(MerkleExhaustiveTest, RootsAndInclusionProofsMatchTheNaiveImplementation) {
  const std::vector<Sha256Hash> leaves = ManyLeafHashes(kMaxExhaustiveSize);
  MemoryTree reader;
  for (const Sha256Hash& leaf : leaves) reader.AppendLeafHash(leaf);
  for (uint64_t size = 1; size <= kMaxExhaustiveSize; ++size) {
    const Sha256Hash root = NaiveRoot(leaves, 0, size);
    ASSERT_THAT(TreeHash(size, reader), IsOkAndHolds(root)) << "size " << size;
    for (uint64_t index = 0; index < size; ++index) {
      SCOPED_TRACE(absl::StrCat("index ", index, " size ", size));
      const std::vector<Sha256Hash> want = NaivePath(leaves, index, 0, size);
      ASSERT_THAT(BuildInclusionProof(index, size, reader), IsOkAndHolds(want));
      ASSERT_THAT(VerifyInclusion(index, size, leaves[index], want, root), IsOk());
      // Every altered node, a wrong leaf, a wrong position and a wrong root fail.
      for (size_t i = 0; i < want.size(); ++i) {
        std::vector<Sha256Hash> altered = want;
        altered[i] = Flipped(altered[i], static_cast<int>(i + index));
        ASSERT_THAT(VerifyInclusion(index, size, leaves[index], altered, root),
                    StatusIs(absl::StatusCode::kDataLoss));
      }
      EXPECT_FALSE(VerifyInclusion(index, size, Flipped(leaves[index], 3), want, root).ok());
      EXPECT_FALSE(VerifyInclusion(index, size, leaves[index], want, Flipped(root, 9)).ok());
      if (size > 1) {
        EXPECT_FALSE(VerifyInclusion((index + 1) % size, size, leaves[index], want, root).ok());
      }
      if (!want.empty()) {
        EXPECT_THAT(
            VerifyInclusion(index, size, leaves[index], absl::MakeConstSpan(want).subspan(1), root),
            StatusIs(absl::StatusCode::kInvalidArgument));
      }
      std::vector<Sha256Hash> longer = want;
      longer.push_back(root);
      EXPECT_THAT(VerifyInclusion(index, size, leaves[index], longer, root),
                  StatusIs(absl::StatusCode::kInvalidArgument));
    }
  }
}

TEST(MerkleExhaustiveTest, ConsistencyProofsMatchTheNaiveImplementation) {
  const std::vector<Sha256Hash> leaves = ManyLeafHashes(kMaxExhaustiveSize);
  MemoryTree reader;
  for (const Sha256Hash& leaf : leaves) reader.AppendLeafHash(leaf);
  for (uint64_t second = 1; second <= kMaxExhaustiveSize; ++second) {
    const Sha256Hash second_root = NaiveRoot(leaves, 0, second);
    for (uint64_t first = 1; first <= second; ++first) {
      SCOPED_TRACE(absl::StrCat("first ", first, " second ", second));
      const Sha256Hash first_root = NaiveRoot(leaves, 0, first);
      const std::vector<Sha256Hash> want = NaiveSubproof(leaves, first, 0, second, true);
      ASSERT_THAT(BuildConsistencyProof(first, second, reader), IsOkAndHolds(want));
      ASSERT_THAT(VerifyConsistency(first, second, first_root, second_root, want), IsOk());
      for (size_t i = 0; i < want.size(); ++i) {
        std::vector<Sha256Hash> altered = want;
        altered[i] = Flipped(altered[i], static_cast<int>(i));
        ASSERT_THAT(VerifyConsistency(first, second, first_root, second_root, altered),
                    StatusIs(absl::StatusCode::kDataLoss));
      }
      EXPECT_THAT(VerifyConsistency(first, second, Flipped(first_root, 1), second_root, want),
                  StatusIs(absl::StatusCode::kDataLoss));
      EXPECT_THAT(VerifyConsistency(first, second, first_root, Flipped(second_root, 2), want),
                  StatusIs(absl::StatusCode::kDataLoss));
      if (!want.empty()) {
        EXPECT_THAT(VerifyConsistency(first, second, first_root, second_root,
                                      absl::MakeConstSpan(want).subspan(1)),
                    StatusIs(absl::StatusCode::kInvalidArgument));
      }
    }
  }
}

TEST(MerkleExhaustiveTest, CompactRangeReloadedFromStoredNodesContinuesTheSameTree) {
  const std::vector<Sha256Hash> leaves = ManyLeafHashes(kMaxExhaustiveSize);
  for (uint64_t size = 0; size <= kMaxExhaustiveSize; ++size) {
    MemoryTree reader;
    for (uint64_t i = 0; i < size; ++i) reader.AppendLeafHash(leaves[i]);
    ASSERT_OK_AND_ASSIGN(CompactRange loaded, CompactRange::Load(size, reader));
    EXPECT_EQ(loaded.Root(), NaiveRoot(leaves, 0, size));
    for (uint64_t i = size; i < kMaxExhaustiveSize; ++i) {
      loaded.Append(leaves[i], [](const NodeId&, const Sha256Hash&) {});
    }
    EXPECT_EQ(loaded.Root(), NaiveRoot(leaves, 0, kMaxExhaustiveSize)) << "reloaded at " << size;
  }
}

// --- Edge cases and costs. ---

TEST(MerkleTest, CompactRangeReportsEachCompletedSubtreeOnce) {
  CompactRange range;
  std::vector<NodeId> completed;
  for (int i = 0; i < 8; ++i) {
    range.Append(HashLeaf(absl::StrCat(i)),
                 [&](const NodeId& id, const Sha256Hash&) { completed.push_back(id); });
  }
  EXPECT_THAT(completed, ElementsAre(NodeId{1, 0}, NodeId{1, 1}, NodeId{2, 0}, NodeId{1, 2},
                                     NodeId{1, 3}, NodeId{2, 1}, NodeId{3, 0}));
  EXPECT_EQ(range.subtree_hashes().size(), 1u);
}

TEST(MerkleTest, ProofsOfALargeTreeNeedOneBatchOfLogarithmicallyManyNodes) {
  // A tree of 2^40 + 12345 leaves is never materialized: count what a proof
  // asks for.
  const uint64_t size = (uint64_t{1} << 40) + 12345;
  size_t nodes = 0;
  for (const LeafRange& range : InclusionProofRanges(777, size)) {
    ASSERT_TRUE(range.IsTreeRange());
    nodes += PerfectSubtrees(range).size();
  }
  EXPECT_LE(nodes, 2u * 41u);
  nodes = 0;
  for (const LeafRange& range : ConsistencyProofRanges(size - 99, size)) {
    ASSERT_TRUE(range.IsTreeRange());
    nodes += PerfectSubtrees(range).size();
  }
  EXPECT_LE(nodes, 2u * 41u);

  MemoryTree reader;
  for (const Sha256Hash& leaf : ManyLeafHashes(40)) reader.AppendLeafHash(leaf);
  ASSERT_THAT(BuildInclusionProof(17, 37, reader), IsOk());
  EXPECT_EQ(reader.reads(), 1);
}

TEST(MerkleTest, RejectsImpossibleRequests) {
  MemoryTree reader;
  for (const Sha256Hash& leaf : ManyLeafHashes(4)) reader.AppendLeafHash(leaf);
  EXPECT_THAT(BuildInclusionProof(4, 4, reader),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("leaf index 4")));
  EXPECT_THAT(BuildConsistencyProof(0, 4, reader), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(BuildConsistencyProof(3, 2, reader), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(BuildInclusionProof(1, 5, reader), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(VerifyInclusion(0, 0, EmptyTreeHash(), {}, EmptyTreeHash()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VerifyConsistency(5, 4, EmptyTreeHash(), EmptyTreeHash(), {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // Anything extends the empty tree, with an empty proof only.
  EXPECT_THAT(VerifyConsistency(0, 4, EmptyTreeHash(), HashLeaf("x"), {}), IsOk());
  EXPECT_THAT(VerifyConsistency(0, 4, EmptyTreeHash(), HashLeaf("x"), {HashLeaf("y")}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(VerifyConsistency(3, 3, HashLeaf("a"), HashLeaf("b"), {}),
              StatusIs(absl::StatusCode::kDataLoss));
  EXPECT_FALSE((LeafRange{3, 5}.IsTreeRange()));
  EXPECT_TRUE((LeafRange{4, 7}.IsTreeRange()));
  MemoryTree eight;
  for (const Sha256Hash& leaf : ManyLeafHashes(8)) eight.AppendLeafHash(leaf);
  const LeafRange unaligned{3, 5};
  EXPECT_THAT(RangeHashes(absl::MakeConstSpan(&unaligned, 1), eight),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace arrears::compliance::audit
