#include "common/ids/id_generator.h"

#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "common/ids/ids.h"
#include "common/status/status_matchers.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::ids {
namespace {

using ::testing::MatchesRegex;

constexpr char kUuidV7Pattern[] =
    "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

// The 128 bits of a canonical UUID as (high, low).
std::pair<uint64_t, uint64_t> Bits(const std::string& uuid) {
  const std::string hex = absl::StrReplaceAll(uuid, {{"-", ""}});
  uint64_t high = 0, low = 0;
  EXPECT_TRUE(absl::SimpleHexAtoi(hex.substr(0, 16), &high)) << uuid;
  EXPECT_TRUE(absl::SimpleHexAtoi(hex.substr(16), &low)) << uuid;
  return {high, low};
}

int64_t UnixMillisOf(const std::string& uuid) {
  return static_cast<int64_t>(Bits(uuid).first >> 16);
}

uint64_t CounterOf(const std::string& uuid) {
  const auto [high, low] = Bits(uuid);
  return ((high & 0x0fff) << 30) | ((low >> 32) & ((uint64_t{1} << 30) - 1));
}

TEST(UuidV7GeneratorTest, LayoutFollowsRfc9562) {
  FakeClock clock;  // 2026-01-01T00:00:00Z = 1767225600000 ms = 0x019b76daa800
  UuidV7Generator generator(&clock, /*seed=*/42);
  const std::string id = generator.NewId();
  EXPECT_THAT(id, MatchesRegex(kUuidV7Pattern));
  EXPECT_EQ(id.substr(0, 13), "019b76da-a800");
  EXPECT_EQ(UnixMillisOf(id), 1'767'225'600'000);
  EXPECT_EQ(Bits(id).first >> 12 & 0xf, 7u);    // version
  EXPECT_EQ(Bits(id).second >> 62, 2u);         // variant 0b10
  EXPECT_LT(CounterOf(id), uint64_t{1} << 41);  // room left for increments
  EXPECT_OK(EventId::Parse(id));
}

TEST(UuidV7GeneratorTest, TimestampFollowsTheInjectedClock) {
  FakeClock clock(absl::FromUnixMillis(1'700'000'000'123));
  UuidV7Generator generator(&clock, 1);
  EXPECT_EQ(UnixMillisOf(generator.NewId()), 1'700'000'000'123);
  clock.Advance(absl::Milliseconds(5));
  EXPECT_EQ(UnixMillisOf(generator.NewId()), 1'700'000'000'128);
  // Sub-millisecond precision is dropped, not rounded.
  clock.Advance(absl::Microseconds(999));
  EXPECT_EQ(UnixMillisOf(generator.NewId()), 1'700'000'000'128);
}

TEST(UuidV7GeneratorTest, MonotonicWithinOneMillisecond) {
  FakeClock clock;
  UuidV7Generator generator(&clock, 7);
  std::string previous = generator.NewId();
  for (int i = 0; i < 10'000; ++i) {
    const std::string id = generator.NewId();
    ASSERT_GT(id, previous);
    ASSERT_EQ(CounterOf(id), CounterOf(previous) + 1);
    ASSERT_EQ(UnixMillisOf(id), UnixMillisOf(previous));
    previous = id;
  }
}

TEST(UuidV7GeneratorTest, MonotonicWhenTheClockStepsBack) {
  FakeClock clock;
  UuidV7Generator generator(&clock, 7);
  const std::string before = generator.NewId();
  clock.Advance(-absl::Seconds(3));
  const std::string after = generator.NewId();
  EXPECT_GT(after, before);
  EXPECT_EQ(UnixMillisOf(after), UnixMillisOf(before));
}

TEST(UuidV7GeneratorTest, SameSeedSameIdsDifferentSeedDifferentIds) {
  FakeClock clock;
  UuidV7Generator a(&clock, 1), b(&clock, 1), c(&clock, 2);
  const std::string id_a = a.NewId();
  EXPECT_EQ(id_a, b.NewId());
  EXPECT_NE(id_a, c.NewId());
}

TEST(UuidV7GeneratorTest, OsSeededGeneratorsDiffer) {
  FakeClock clock;
  UuidV7Generator a(&clock), b(&clock);
  EXPECT_NE(a.NewId(), b.NewId());
}

TEST(UuidV7GeneratorTest, UniqueAndOrderedAcrossThreads) {
  FakeClock clock;
  UuidV7Generator generator(&clock, 99);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 20'000;
  std::vector<std::vector<std::string>> ids(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        // Time moves while threads race, as it would in production.
        if (i % 1000 == 0) clock.Advance(absl::Milliseconds(1));
        ids[t].push_back(generator.NewId());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  absl::flat_hash_set<std::string> all;
  for (const auto& per_thread : ids) {
    for (size_t i = 0; i < per_thread.size(); ++i) {
      ASSERT_TRUE(all.insert(per_thread[i]).second) << "duplicate " << per_thread[i];
      if (i > 0) {
        ASSERT_GT(per_thread[i], per_thread[i - 1]);  // each thread sees order
      }
    }
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(UuidV7SequencerTest, FreshCounterStartsBelowHalfRange) {
  internal::UuidV7Sequencer sequencer;
  const internal::UuidV7Sequencer::Stamp s = sequencer.Next(1000, ~uint64_t{0});
  EXPECT_EQ(s.unix_ms, 1000);
  EXPECT_EQ(s.counter, internal::UuidV7Sequencer::kCounterLimit / 2 - 1);
}

TEST(UuidV7SequencerTest, CounterOverflowBorrowsTheNextMillisecond) {
  using internal::UuidV7Sequencer;
  UuidV7Sequencer sequencer(UuidV7Sequencer::Stamp{1000, UuidV7Sequencer::kCounterLimit - 2});
  UuidV7Sequencer::Stamp s = sequencer.Next(1000, 77);
  EXPECT_EQ(s.unix_ms, 1000);
  EXPECT_EQ(s.counter, UuidV7Sequencer::kCounterLimit - 1);
  s = sequencer.Next(1000, 77);  // counter exhausted
  EXPECT_EQ(s.unix_ms, 1001);
  EXPECT_EQ(s.counter, 77u);
  s = sequencer.Next(1001, 5);  // the real clock catches up: still increasing
  EXPECT_EQ(s.unix_ms, 1001);
  EXPECT_EQ(s.counter, 78u);
  s = sequencer.Next(1002, 5);
  EXPECT_EQ(s.unix_ms, 1002);
  EXPECT_EQ(s.counter, 5u);
  // The same sequence formatted stays ordered across the borrowed millisecond.
  EXPECT_LT(internal::FormatUuidV7({1000, UuidV7Sequencer::kCounterLimit - 1}, ~uint32_t{0}),
            internal::FormatUuidV7({1001, 0}, 0));
}

TEST(UuidV7SequencerTest, ClampsTimestampsTo48Bits) {
  internal::UuidV7Sequencer sequencer;
  EXPECT_EQ(sequencer.Next(-5, 0).unix_ms, 0);
  EXPECT_EQ(sequencer.Next(int64_t{1} << 50, 0).unix_ms, internal::UuidV7Sequencer::kMaxUnixMillis);
}

TEST(FormatUuidV7Test, PlacesEveryField) {
  const internal::UuidV7Sequencer::Stamp stamp{0x0123456789ab, (uint64_t{0xabc} << 30) | 0x1234567};
  EXPECT_EQ(internal::FormatUuidV7(stamp, 0xdeadbeef), "01234567-89ab-7abc-8123-4567deadbeef");
}

TEST(SequentialIdGeneratorTest, CountsFromOne) {
  SequentialIdGenerator generator("evt-");
  EXPECT_EQ(generator.NewId(), "evt-1");
  EXPECT_EQ(generator.NewId(), "evt-2");
  IdGenerator& seam = generator;
  EXPECT_EQ(seam.NewId(), "evt-3");
}

TEST(DeriveIdTest, FixedKnownValues) {
  // Cross-checked with Python: hashlib.sha256(b"evt-123\0delinquency-started"),
  // first 16 bytes, version nibble 8, variant 0b10.
  EXPECT_EQ(DeriveId("evt-123", "delinquency-started"), "490befe4-51c4-8874-9325-c455447a6866");
  EXPECT_EQ(DeriveId("", ""), "6e340b9c-ffb3-8a98-9ca5-44e6bb780a2c");
}

TEST(DeriveIdTest, StableShapedAndSensitiveToBothInputs) {
  const std::string id = DeriveId("0190163d-8694-739b-aea5-966c26f8ad91", "cured");
  EXPECT_EQ(id, DeriveId("0190163d-8694-739b-aea5-966c26f8ad91", "cured"));
  EXPECT_THAT(id,
              MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  EXPECT_NE(id, DeriveId("0190163d-8694-739b-aea5-966c26f8ad92", "cured"));
  EXPECT_NE(id, DeriveId("0190163d-8694-739b-aea5-966c26f8ad91", "charged-off"));
  // The separator keeps ("ab", "c") and ("a", "bc") apart.
  EXPECT_NE(DeriveId("ab", "c"), DeriveId("a", "bc"));
  EXPECT_OK(EventId::Parse(id));
}

TEST(DeriveTimeOrderedIdTest, TimePrefixedDeterministicAndOrdered) {
  // 2026-01-01T00:00:00.123Z = 1767225600123 ms = 0x019b76daa87b.
  const absl::Time at = absl::FromUnixMillis(1'767'225'600'123);
  const std::string id = DeriveTimeOrderedId("evt-123", "delinquency-started", at);
  EXPECT_EQ(id.substr(0, 13), "019b76da-a87b");
  EXPECT_EQ(id, DeriveTimeOrderedId("evt-123", "delinquency-started", at));
  EXPECT_THAT(id,
              MatchesRegex("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"));
  // The hash part is DeriveId's, past the timestamp and version bits.
  EXPECT_EQ(id.substr(24), DeriveId("evt-123", "delinquency-started").substr(24));
  EXPECT_NE(id, DeriveTimeOrderedId("evt-124", "delinquency-started", at));
  // Later causes sort later, whatever their names hash to.
  EXPECT_LT(DeriveTimeOrderedId("zzz", "a", at),
            DeriveTimeOrderedId("aaa", "a", at + absl::Milliseconds(1)));
}

TEST(DeriveTimeOrderedIdTest, FixedKnownValues) {
  // Pinned byte for byte: consumers dedupe on these ids, so any change to
  // how they are computed must leave them equal. Cross-checked with Python:
  // sha256(namespace + b"\0" + name), first 16 bytes, the first 6 replaced by
  // the big-endian Unix milliseconds, version nibble 8, variant 0b10.
  EXPECT_EQ(DeriveTimeOrderedId("evt-123", "delinquency-started",
                                absl::FromUnixMillis(1'767'225'600'123)),
            "019b76da-a87b-8874-9325-c455447a6866");
  // A close's notice id (overdue detection): 2024-06-16T00:00:00Z.
  EXPECT_EQ(DeriveTimeOrderedId("close:2024-06-16:L000000042",
                                "DELINQUENCY_EVENT_KIND_INSTALLMENT_DUE_SOON:7",
                                absl::FromUnixMillis(1'718'496'000'000)),
            "01901e57-f800-81b2-8219-8ff5057664e6");
  // Input longer than one SHA-256 block; a time before 1970 clamps to 0.
  EXPECT_EQ(
      DeriveTimeOrderedId(std::string(100, 'x'), std::string(70, 'y'), absl::FromUnixMillis(-5)),
      "00000000-0000-8df6-8501-462686cf402a");
}

TEST(DeriveTimeOrderedIdTest, SameIdsFromConcurrentThreads) {
  // Each thread hashes with its own digest context.
  const absl::Time at = absl::FromUnixMillis(1'767'225'600'123);
  std::vector<std::string> ids(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < ids.size(); ++t) {
    threads.emplace_back([&ids, t, at] {
      std::string last;
      for (int i = 0; i < 2000; ++i)
        last = DeriveTimeOrderedId("evt-123", "delinquency-started", at);
      ids[t] = last;
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& id : ids) EXPECT_EQ(id, "019b76da-a87b-8874-9325-c455447a6866");
}

}  // namespace
}  // namespace arrears::ids
