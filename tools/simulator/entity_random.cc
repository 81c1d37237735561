#include "tools/simulator/entity_random.h"

#include <string>

namespace arrears::simulator {
namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// FNV-1a: a stable hash of the stream name (std::hash is not stable across
// standard libraries).
uint64_t StreamHash(absl::string_view stream) {
  uint64_t hash = 0xCBF29CE484222325ULL;
  for (char c : stream) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001B3ULL;
  }
  return hash;
}

}  // namespace

EntityRandom::EntityRandom(uint64_t seed, absl::string_view stream, uint64_t index) {
  uint64_t mix = seed;
  const uint64_t a = SplitMix64(mix);
  mix ^= StreamHash(stream);
  const uint64_t b = SplitMix64(mix);
  mix ^= index * 0xD1B54A32D192ED03ULL;
  state_ = a ^ b ^ SplitMix64(mix);
}

uint64_t EntityRandom::Next() { return SplitMix64(state_); }

int64_t EntityRandom::Uniform(int64_t low, int64_t high) {
  const uint64_t span = static_cast<uint64_t>(high - low) + 1;
  if (span == 0) return static_cast<int64_t>(Next());  // the whole int64 range
  // Rejection keeps the distribution exactly uniform.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % span;
  uint64_t value;
  do {
    value = Next();
  } while (value >= limit);
  return low + static_cast<int64_t>(value % span);
}

double EntityRandom::Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

bool EntityRandom::ChancePerMille(int per_mille) { return Uniform(0, 999) < per_mille; }

int EntityRandom::Weighted(absl::Span<const int> weights) {
  int64_t total = 0;
  for (int weight : weights) total += weight;
  int64_t draw = Uniform(0, total - 1);
  for (size_t i = 0; i < weights.size(); ++i) {
    if (draw < weights[i]) return static_cast<int>(i);
    draw -= weights[i];
  }
  return static_cast<int>(weights.size()) - 1;
}

std::string EntityRandom::Digits(int digits) {
  std::string out;
  out.reserve(static_cast<size_t>(digits));
  for (int i = 0; i < digits; ++i) out.push_back(static_cast<char>('0' + Uniform(0, 9)));
  return out;
}

}  // namespace arrears::simulator
