// Sha256Hash and SHA-256 helpers (OpenSSL 3): the one SHA-256 of the
// system (audit log Merkle tree, content digests, derived event ids).
//
// Sha256Hash is a plain 32-byte value. Sha256() hashes one contiguous input
// or a few pieces without copying them together (the Merkle tree hashes
// 0x01 || left || right this way). Sha256Hasher is the incremental form, for
// digests of streamed files.
//
// All functions are thread-safe: the digest context is per thread and the
// algorithm is fetched once per process, so hashing allocates nothing.
#ifndef ARREARS_COMMON_CRYPTO_SHA256_H_
#define ARREARS_COMMON_CRYPTO_SHA256_H_

#include <array>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::crypto {

inline constexpr size_t kSha256Size = 32;

struct Sha256Hash {
  std::array<uint8_t, kSha256Size> bytes{};

  // The 32 bytes as a string_view (valid while this object lives).
  absl::string_view view() const {
    return absl::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  std::string ToString() const { return std::string(view()); }
  // Lowercase hex, 64 characters.
  std::string ToHex() const;

  // InvalidArgument unless `raw` is exactly 32 bytes; `what` names the input.
  static absl::StatusOr<Sha256Hash> FromBytes(absl::string_view raw, absl::string_view what);
  // InvalidArgument unless `hex` is 64 hex digits.
  static absl::StatusOr<Sha256Hash> FromHex(absl::string_view hex, absl::string_view what);

  friend bool operator==(const Sha256Hash& a, const Sha256Hash& b) = default;
};

// SHA-256 of the concatenation of `pieces`.
Sha256Hash Sha256(std::initializer_list<absl::string_view> pieces);
inline Sha256Hash Sha256(absl::string_view data) { return Sha256({data}); }

// Incremental SHA-256. Move-only; not thread-safe.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(Sha256Hasher&&) noexcept;
  Sha256Hasher& operator=(Sha256Hasher&&) noexcept;

  void Update(absl::string_view data);
  // The digest of everything given so far; the hasher then starts over.
  Sha256Hash Finish();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace arrears::crypto

#endif  // ARREARS_COMMON_CRYPTO_SHA256_H_
