// AES-256-GCM (OpenSSL 3) for the audit log's encryption of personal data and
// the wrapping of per-debtor keys.
//
// AesKey holds 32 secret bytes and wipes them (OPENSSL_cleanse) when
// destroyed. AesGcmSeal draws a fresh random 96-bit nonce for every call —
// with random nonces a key is good for far more than the 2^32 messages a
// debtor's key will ever see — and returns the ciphertext followed by the
// 16-byte tag. AesGcmOpen authenticates before returning anything: a wrong
// key, nonce, AAD or any altered byte gives DataLoss.
//
// Thread-safe (no shared state).
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_AES_GCM_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_AES_GCM_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::compliance::audit {

inline constexpr size_t kAesKeySize = 32;
inline constexpr size_t kAesGcmNonceSize = 12;
inline constexpr size_t kAesGcmTagSize = 16;

class AesKey {
 public:
  // InvalidArgument unless `bytes` is 32 bytes.
  static absl::StatusOr<AesKey> FromBytes(absl::string_view bytes);
  static absl::StatusOr<AesKey> Generate();

  AesKey(const AesKey& other) = default;
  AesKey& operator=(const AesKey& other) = default;
  ~AesKey();

  absl::string_view bytes() const {
    return absl::string_view(reinterpret_cast<const char*>(bytes_.data()), bytes_.size());
  }

 private:
  AesKey() = default;
  std::array<uint8_t, kAesKeySize> bytes_{};
};

struct AesGcmSealed {
  std::string nonce;               // 12 bytes
  std::string ciphertext_and_tag;  // plaintext size + 16 bytes
};

// Encrypts into `out` (its strings' capacity is reused).
absl::Status AesGcmSeal(const AesKey& key, absl::string_view plaintext, absl::string_view aad,
                        AesGcmSealed& out);

// The plaintext; InvalidArgument for a malformed nonce or a too-short input,
// DataLoss when authentication fails.
absl::StatusOr<std::string> AesGcmOpen(const AesKey& key, absl::string_view nonce,
                                       absl::string_view ciphertext_and_tag, absl::string_view aad);

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_AES_GCM_H_
