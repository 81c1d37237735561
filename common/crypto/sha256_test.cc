#include "common/crypto/sha256.h"

#include <string>
#include <thread>
#include <vector>

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::crypto {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

// FIPS 180-2 appendix B test vectors.
constexpr char kAbc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
constexpr char kTwoBlocks[] = "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1";
constexpr char kEmpty[] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(Sha256Test, KnownAnswers) {
  EXPECT_EQ(Sha256("abc").ToHex(), kAbc);
  EXPECT_EQ(Sha256("").ToHex(), kEmpty);
  EXPECT_EQ(Sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq").ToHex(), kTwoBlocks);
}

TEST(Sha256Test, PiecesHashAsTheirConcatenation) {
  EXPECT_EQ(Sha256({"a", "", "bc"}).ToHex(), kAbc);
  Sha256Hasher hasher;
  hasher.Update("a");
  hasher.Update("bc");
  EXPECT_EQ(hasher.Finish().ToHex(), kAbc);
  // Finish starts over.
  EXPECT_EQ(hasher.Finish().ToHex(), kEmpty);
}

TEST(Sha256Test, HexAndBytesRoundTripAndNameTheirInput) {
  const Sha256Hash hash = Sha256("abc");
  EXPECT_THAT(Sha256Hash::FromHex(hash.ToHex(), "x"), IsOkAndHolds(hash));
  EXPECT_THAT(Sha256Hash::FromBytes(hash.view(), "x"), IsOkAndHolds(hash));
  EXPECT_THAT(Sha256Hash::FromHex("zz", "root_hash"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("root_hash")));
  EXPECT_THAT(Sha256Hash::FromHex(std::string(64, 'g'), "root_hash"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not hex")));
  EXPECT_THAT(Sha256Hash::FromBytes("short", "leaf_hash"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("leaf_hash")));
}

TEST(Sha256Test, ThreadsHashIndependently) {
  std::vector<std::thread> threads;
  std::vector<std::string> results(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&results, t] {
      std::string last;
      for (int i = 0; i < 1000; ++i) last = Sha256({"a", "b", "c"}).ToHex();
      results[t] = last;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& result : results) EXPECT_EQ(result, kAbc);
}

}  // namespace
}  // namespace arrears::crypto
