// Ed25519 keys (OpenSSL 3, EVP_PKEY_ED25519) for signing audit checkpoints.
//
// Ed25519PrivateKey signs; Ed25519PublicKey verifies and names the key:
// KeyId() is the lowercase hex of the first 8 bytes of SHA-256 of the 32-byte
// raw public key (the key_id of SignedCheckpoint). Private keys are stored as
// PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), public keys as SPKI PEM, the
// formats `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout`
// use, so operators can make and inspect them with stock tools.
//
// Both are cheap to copy (they share an immutable OpenSSL key) and
// thread-safe.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_ED25519_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_ED25519_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace arrears::compliance::audit {

inline constexpr size_t kEd25519PublicKeySize = 32;
inline constexpr size_t kEd25519SignatureSize = 64;

class Ed25519PublicKey {
 public:
  // From the 32 raw key bytes; InvalidArgument otherwise.
  static absl::StatusOr<Ed25519PublicKey> FromRaw(absl::string_view raw);
  // From SPKI PEM; InvalidArgument if it is not an Ed25519 public key.
  static absl::StatusOr<Ed25519PublicKey> FromPem(absl::string_view pem);

  const std::string& raw() const { return raw_; }
  std::string KeyId() const;
  std::string ToPem() const;

  // OK if `signature` is this key's Ed25519 signature of `message`;
  // Unauthenticated otherwise (InvalidArgument if it is not 64 bytes).
  absl::Status Verify(absl::string_view message, absl::string_view signature) const;

 private:
  Ed25519PublicKey(std::shared_ptr<EVP_PKEY> key, std::string raw)
      : key_(std::move(key)), raw_(std::move(raw)) {}
  friend class Ed25519PrivateKey;

  std::shared_ptr<EVP_PKEY> key_;
  std::string raw_;
};

class Ed25519PrivateKey {
 public:
  static absl::StatusOr<Ed25519PrivateKey> Generate();
  // From PKCS#8 PEM; InvalidArgument if it is not an Ed25519 private key.
  static absl::StatusOr<Ed25519PrivateKey> FromPem(absl::string_view pem);
  static absl::StatusOr<Ed25519PrivateKey> LoadPemFile(const std::string& path);
  // The embedded default: the key in `path`, or a new one written there
  // (mode 0600) if there is none.
  static absl::StatusOr<Ed25519PrivateKey> LoadOrGeneratePemFile(const std::string& path);

  const Ed25519PublicKey& public_key() const { return public_key_; }
  // PKCS#8 PEM of the private key.
  absl::StatusOr<std::string> ToPem() const;

  // The 64-byte signature of `message`.
  absl::StatusOr<std::string> Sign(absl::string_view message) const;

 private:
  Ed25519PrivateKey(std::shared_ptr<EVP_PKEY> key, Ed25519PublicKey public_key)
      : key_(std::move(key)), public_key_(std::move(public_key)) {}
  static absl::StatusOr<Ed25519PrivateKey> FromKey(std::shared_ptr<EVP_PKEY> key);

  std::shared_ptr<EVP_PKEY> key_;
  Ed25519PublicKey public_key_;
};

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_ED25519_H_
