// Id generation: fresh ids for new events and records, and derived ids for
// events that must come out the same every time they are produced.
//
// IdGenerator is the seam: services take an IdGenerator* and tests inject a
// SequentialIdGenerator ("evt-1", "evt-2", ...) so expected output is exact.
//
// UuidV7Generator makes RFC 9562 version 7 UUIDs in canonical text form,
// "0190163d-8694-739b-aea5-966c26f8ad91" (36 chars, lower-case hex):
//
//   bits 127..80  unix_ts_ms   milliseconds since 1970 from the injected Clock
//   bits  79..76  ver          0b0111
//   bits  75..64  rand_a       counter bits 41..30
//   bits  63..62  var          0b10
//   bits  61..32  rand_b[0:30] counter bits 29..0
//   bits  31..0   rand_b[30:]  random
//
// The 42-bit counter is RFC 9562 §6.2 method 1 ("fixed bit-length dedicated
// counter"): it starts at a random value below 2^41 each new millisecond and
// is incremented for each further id in the same millisecond, so ids from one
// generator are strictly increasing, as bytes and as strings, even when the
// clock stands still or steps back (the generator then keeps the last
// timestamp). Should the counter run out within one millisecond (2^41 ids),
// the timestamp is advanced by one millisecond rather than waiting.
// Uniqueness across processes rests on the 32 random bits plus the random
// counter start: seed each generator differently (the one-argument
// constructor seeds from the OS). Thread-safe.
//
// DeriveId() is the deterministic counterpart, see below.
#ifndef ARREARS_COMMON_IDS_ID_GENERATOR_H_
#define ARREARS_COMMON_IDS_ID_GENERATOR_H_

#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/time/clock.h"

namespace arrears::ids {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // A new id, unique for this generator's lifetime (and, for UUIDs, globally
  // with overwhelming probability). Valid as an EventId / StrongId.
  virtual std::string NewId() = 0;
};

namespace internal {

// The timestamp/counter state machine of UuidV7Generator, separate so tests
// can drive it to the counter's limit. Not synchronized.
class UuidV7Sequencer {
 public:
  static constexpr int kCounterBits = 42;
  static constexpr uint64_t kCounterLimit = uint64_t{1} << kCounterBits;
  static constexpr int64_t kMaxUnixMillis = (int64_t{1} << 48) - 1;

  struct Stamp {
    int64_t unix_ms;
    uint64_t counter;  // < kCounterLimit
  };

  UuidV7Sequencer() = default;
  // Resumes from the stamp of the last id issued.
  explicit UuidV7Sequencer(Stamp last) : last_unix_ms_(last.unix_ms), counter_(last.counter) {}

  // The stamp for an id created at `now_unix_ms` (clamped to 48 bits).
  // `random_counter_start` seeds the counter when the millisecond changes;
  // its upper bits are discarded so the start is below 2^41, leaving at
  // least 2^41 increments before the counter runs out.
  Stamp Next(int64_t now_unix_ms, uint64_t random_counter_start);

 private:
  int64_t last_unix_ms_ = -1;
  uint64_t counter_ = 0;
};

// Canonical text of a version 7 UUID with the layout above.
std::string FormatUuidV7(UuidV7Sequencer::Stamp stamp, uint32_t random);

}  // namespace internal

class UuidV7Generator final : public IdGenerator {
 public:
  // `clock` must outlive the generator. The same seed and the same clock
  // readings give the same ids (for reproducible tests).
  UuidV7Generator(const Clock* clock, uint64_t seed);
  // Seeded from the operating system's entropy source.
  explicit UuidV7Generator(const Clock* clock);

  std::string NewId() override;

 private:
  const Clock* const clock_;
  absl::Mutex mu_;
  std::mt19937_64 random_ ABSL_GUARDED_BY(mu_);
  internal::UuidV7Sequencer sequencer_ ABSL_GUARDED_BY(mu_);
};

// Test fake: "<prefix>1", "<prefix>2", ... Thread-safe.
class SequentialIdGenerator final : public IdGenerator {
 public:
  explicit SequentialIdGenerator(std::string prefix = "id-") : prefix_(std::move(prefix)) {}
  std::string NewId() override;

 private:
  const std::string prefix_;
  std::atomic<uint64_t> next_{1};
};

// A deterministic id for something identified by (namespace_id, name), so
// that re-processing produces the same id and downstream dedupe works: the
// event emitted because inbound event X was processed gets
// DeriveId(X, "delinquency-started"), the same on every retry and replica.
//
// Format: the first 16 bytes of SHA-256(namespace_id ‖ 0x00 ‖ name), with the
// version nibble set to 8 and the variant bits to 0b10, in canonical UUID text
// (a UUIDv8 in RFC 9562's sense: custom content, standard shape). Stable
// forever: changing it would change every derived id already published.
// The 0x00 separator makes the encoding unambiguous as long as namespace_id
// contains no NUL byte, which holds for every valid id (strong_id.h).
std::string DeriveId(absl::string_view namespace_id, absl::string_view name);

// DeriveId with a time-ordered prefix: the first 48 bits are the Unix
// milliseconds of `at` (as in UUIDv7), the rest come from the same hash. Still
// deterministic when `at` is (e.g. the causing event's ce_time), and ids made
// close in time sort close together, which keeps a consumer's dedupe index
// appending at its right edge instead of touching a random page per event.
// Prefer it for event ids; DeriveId stays for ids with no natural time.
std::string DeriveTimeOrderedId(absl::string_view namespace_id, absl::string_view name,
                                absl::Time at);

}  // namespace arrears::ids

#endif  // ARREARS_COMMON_IDS_ID_GENERATOR_H_
