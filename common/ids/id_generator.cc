#include "common/ids/id_generator.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/crypto/sha256.h"

namespace arrears::ids {
namespace {

using Bytes16 = std::array<uint8_t, 16>;

// 8-4-4-4-12 lower-case hex.
std::string FormatUuid(const Bytes16& bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(36, '-');
  size_t at = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) ++at;  // the '-' already there
    text[at++] = kHex[bytes[i] >> 4];
    text[at++] = kHex[bytes[i] & 0x0f];
  }
  return text;
}

void PutBigEndian(uint64_t value, uint8_t* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<uint8_t>(value);
    value >>= 8;
  }
}

// RFC 9562 §4.1 variant 0b10 and §4.2 version, in place.
void SetVersionAndVariant(Bytes16& bytes, uint8_t version) {
  bytes[6] = static_cast<uint8_t>((bytes[6] & 0x0f) | (version << 4));
  bytes[8] = static_cast<uint8_t>((bytes[8] & 0x3f) | 0x80);
}

uint64_t OsSeed() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

namespace internal {

UuidV7Sequencer::Stamp UuidV7Sequencer::Next(int64_t now_unix_ms, uint64_t random_counter_start) {
  const int64_t now = std::clamp<int64_t>(now_unix_ms, 0, kMaxUnixMillis);
  const uint64_t fresh_counter = random_counter_start & (kCounterLimit / 2 - 1);
  if (now > last_unix_ms_) {
    last_unix_ms_ = now;
    counter_ = fresh_counter;
  } else if (++counter_ == kCounterLimit) {
    // Out of counter within one millisecond: borrow the next millisecond.
    ++last_unix_ms_;
    counter_ = fresh_counter;
  }
  return {last_unix_ms_, counter_};
}

std::string FormatUuidV7(UuidV7Sequencer::Stamp stamp, uint32_t random) {
  constexpr int kLowCounterBits = 30;
  const uint64_t high =
      (static_cast<uint64_t>(stamp.unix_ms) << 16) | ((stamp.counter >> kLowCounterBits) & 0x0fff);
  const uint64_t low = ((stamp.counter & ((uint64_t{1} << kLowCounterBits) - 1)) << 32) | random;
  Bytes16 bytes;
  PutBigEndian(high, bytes.data());
  PutBigEndian(low, bytes.data() + 8);
  SetVersionAndVariant(bytes, 7);
  return FormatUuid(bytes);
}

}  // namespace internal

UuidV7Generator::UuidV7Generator(const Clock* clock, uint64_t seed)
    : clock_(clock), random_(seed) {}

UuidV7Generator::UuidV7Generator(const Clock* clock) : UuidV7Generator(clock, OsSeed()) {}

std::string UuidV7Generator::NewId() {
  const int64_t now_ms = absl::ToUnixMillis(clock_->Now());
  absl::MutexLock lock(&mu_);
  const internal::UuidV7Sequencer::Stamp stamp = sequencer_.Next(now_ms, random_());
  return internal::FormatUuidV7(stamp, static_cast<uint32_t>(random_()));
}

std::string SequentialIdGenerator::NewId() {
  return absl::StrCat(prefix_, next_.fetch_add(1, std::memory_order_relaxed));
}

namespace {

Bytes16 DeriveBytes(absl::string_view namespace_id, absl::string_view name) {
  // SHA-256(namespace_id || 0x00 || name), fed in three parts (no joined copy).
  static constexpr char kSeparator[1] = {0};
  const crypto::Sha256Hash digest =
      crypto::Sha256({namespace_id, absl::string_view(kSeparator, 1), name});
  Bytes16 bytes;
  std::copy_n(digest.bytes.begin(), bytes.size(), bytes.begin());
  return bytes;
}

}  // namespace

std::string DeriveId(absl::string_view namespace_id, absl::string_view name) {
  Bytes16 bytes = DeriveBytes(namespace_id, name);
  SetVersionAndVariant(bytes, 8);
  return FormatUuid(bytes);
}

std::string DeriveTimeOrderedId(absl::string_view namespace_id, absl::string_view name,
                                absl::Time at) {
  Bytes16 bytes = DeriveBytes(namespace_id, name);
  const uint64_t millis = static_cast<uint64_t>(std::max<int64_t>(0, absl::ToUnixMillis(at)));
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(millis >> (8 * (5 - i)));
  SetVersionAndVariant(bytes, 8);
  return FormatUuid(bytes);
}

}  // namespace arrears::ids
