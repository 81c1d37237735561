#include "services/compliance_auditing/audit/aes_gcm.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/compliance_auditing/audit/openssl_error.h"
#include "services/compliance_auditing/audit/secret_file.h"

namespace arrears::compliance::audit {
namespace {

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

const EVP_CIPHER* Aes256Gcm() {
  // Fetched once rather than looked up by every EVP_*Init.
  static const EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// Nonces come from a per-thread pool of random bytes, refilled 341 nonces at
// a time: RAND_bytes costs microseconds per call whatever the size (OpenSSL
// 3's DRBG lookup and checks), a third of sealing a decision's personal
// data. Each nonce is still 96 fresh random bits, handed out once; a pool
// filled before a fork is dropped, so a child never repeats its parent's.
absl::StatusOr<std::string> FreshNonce() {
  constexpr size_t kPoolBytes = 341 * kAesGcmNonceSize;
  struct Pool {
    std::array<unsigned char, kPoolBytes> bytes;
    size_t used = kPoolBytes;
    pid_t pid = 0;
  };
  thread_local Pool pool;
  const pid_t pid = ::getpid();
  if (pool.used + kAesGcmNonceSize > kPoolBytes || pool.pid != pid) {
    if (RAND_bytes(pool.bytes.data(), static_cast<int>(kPoolBytes)) != 1) {
      return absl::InternalError("OpenSSL RAND_bytes failed (random generator not seeded?)");
    }
    pool.used = 0;
    pool.pid = pid;
  }
  std::string nonce(reinterpret_cast<const char*>(pool.bytes.data() + pool.used), kAesGcmNonceSize);
  pool.used += kAesGcmNonceSize;
  return nonce;
}

}  // namespace

absl::StatusOr<AesKey> AesKey::FromBytes(absl::string_view bytes) {
  if (bytes.size() != kAesKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("an AES-256 key is 32 bytes, got ", bytes.size()));
  }
  AesKey key;
  std::memcpy(key.bytes_.data(), bytes.data(), kAesKeySize);
  return key;
}

absl::StatusOr<AesKey> AesKey::Generate() {
  ARREARS_ASSIGN_OR_RETURN(std::string random, SecureRandomBytes(kAesKeySize));
  absl::StatusOr<AesKey> key = FromBytes(random);
  OPENSSL_cleanse(random.data(), random.size());
  return key;
}

AesKey::~AesKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

absl::Status AesGcmSeal(const AesKey& key, absl::string_view plaintext, absl::string_view aad,
                        AesGcmSealed& out) {
  const EVP_CIPHER* cipher = Aes256Gcm();
  if (cipher == nullptr) return OpenSslError(absl::StatusCode::kInternal, "fetch AES-256-GCM");
  ARREARS_ASSIGN_OR_RETURN(out.nonce, FreshNonce());
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr ||
      EVP_EncryptInit_ex2(ctx.get(), cipher, Bytes(key.bytes()), Bytes(out.nonce), nullptr) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "AES-256-GCM encrypt init");
  }
  int length = 0;
  if (!aad.empty() && EVP_EncryptUpdate(ctx.get(), nullptr, &length, Bytes(aad),
                                        static_cast<int>(aad.size())) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "AES-256-GCM AAD");
  }
  out.ciphertext_and_tag.resize(plaintext.size() + kAesGcmTagSize);
  auto* data = reinterpret_cast<unsigned char*>(out.ciphertext_and_tag.data());
  int written = 0;
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx.get(), data, &length, Bytes(plaintext),
                          static_cast<int>(plaintext.size())) != 1) {
      return OpenSslError(absl::StatusCode::kInternal, "AES-256-GCM encrypt");
    }
    written = length;
  }
  if (EVP_EncryptFinal_ex(ctx.get(), data + written, &length) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "AES-256-GCM encrypt final");
  }
  written += length;
  if (static_cast<size_t>(written) != plaintext.size() ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kAesGcmTagSize, data + written) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "AES-256-GCM tag");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> AesGcmOpen(const AesKey& key, absl::string_view nonce,
                                       absl::string_view ciphertext_and_tag,
                                       absl::string_view aad) {
  if (nonce.size() != kAesGcmNonceSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("AES-GCM nonce must be 12 bytes, got ", nonce.size()));
  }
  if (ciphertext_and_tag.size() < kAesGcmTagSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "AES-GCM ciphertext of ", ciphertext_and_tag.size(), " bytes is shorter than its tag"));
  }
  const EVP_CIPHER* cipher = Aes256Gcm();
  if (cipher == nullptr) return OpenSslError(absl::StatusCode::kInternal, "fetch AES-256-GCM");
  const size_t ciphertext_size = ciphertext_and_tag.size() - kAesGcmTagSize;
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr ||
      EVP_DecryptInit_ex2(ctx.get(), cipher, Bytes(key.bytes()), Bytes(nonce), nullptr) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "AES-256-GCM decrypt init");
  }
  int length = 0;
  if (!aad.empty() && EVP_DecryptUpdate(ctx.get(), nullptr, &length, Bytes(aad),
                                        static_cast<int>(aad.size())) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "AES-256-GCM AAD");
  }
  std::string plaintext(ciphertext_size, '\0');
  auto* data = reinterpret_cast<unsigned char*>(plaintext.data());
  int written = 0;
  if (ciphertext_size > 0) {
    if (EVP_DecryptUpdate(ctx.get(), data, &length, Bytes(ciphertext_and_tag),
                          static_cast<int>(ciphertext_size)) != 1) {
      return OpenSslError(absl::StatusCode::kInternal, "AES-256-GCM decrypt");
    }
    written = length;
  }
  std::string tag(ciphertext_and_tag.substr(ciphertext_size));
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kAesGcmTagSize, tag.data()) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "AES-256-GCM set tag");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), data + written, &length) != 1) {
    ClearOpenSslErrors();
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return absl::DataLossError("AES-256-GCM authentication failed (wrong key or altered data)");
  }
  return plaintext;
}

}  // namespace arrears::compliance::audit
