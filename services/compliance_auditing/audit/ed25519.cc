#include "services/compliance_auditing/audit/ed25519.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/compliance_auditing/audit/openssl_error.h"
#include "services/compliance_auditing/audit/secret_file.h"
#include "services/compliance_auditing/audit/sha256.h"

namespace arrears::compliance::audit {
namespace {

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

std::shared_ptr<EVP_PKEY> Own(EVP_PKEY* key) {
  return std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
}

absl::StatusOr<BioPtr> ReadBio(absl::string_view data) {
  BioPtr bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (bio == nullptr) return OpenSslError(absl::StatusCode::kInternal, "BIO_new_mem_buf");
  return bio;
}

absl::StatusOr<std::string> DrainBio(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  if (length < 0) return OpenSslError(absl::StatusCode::kInternal, "BIO_get_mem_data");
  return std::string(data, static_cast<size_t>(length));
}

absl::Status CheckEd25519(EVP_PKEY* key, absl::string_view what) {
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError(absl::StrCat(what, " is not an Ed25519 key"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RawPublicKey(EVP_PKEY* key) {
  std::string raw(kEd25519PublicKeySize, '\0');
  size_t length = raw.size();
  if (EVP_PKEY_get_raw_public_key(key, reinterpret_cast<unsigned char*>(raw.data()), &length) !=
          1 ||
      length != kEd25519PublicKeySize) {
    return OpenSslError(absl::StatusCode::kInternal, "EVP_PKEY_get_raw_public_key");
  }
  return raw;
}

}  // namespace

// --- Ed25519PublicKey ---

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::FromRaw(absl::string_view raw) {
  if (raw.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError(
        absl::StrCat("an Ed25519 public key is 32 bytes, got ", raw.size()));
  }
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  if (key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "invalid Ed25519 public key");
  }
  return Ed25519PublicKey(Own(key), std::string(raw));
}

absl::StatusOr<Ed25519PublicKey> Ed25519PublicKey::FromPem(absl::string_view pem) {
  ARREARS_ASSIGN_OR_RETURN(BioPtr bio, ReadBio(pem));
  EVP_PKEY* raw_key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (raw_key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "not a PEM public key");
  }
  std::shared_ptr<EVP_PKEY> key = Own(raw_key);
  ARREARS_RETURN_IF_ERROR(CheckEd25519(key.get(), "PEM public key"));
  ARREARS_ASSIGN_OR_RETURN(std::string raw, RawPublicKey(key.get()));
  return Ed25519PublicKey(std::move(key), std::move(raw));
}

std::string Ed25519PublicKey::KeyId() const {
  return absl::BytesToHexString(Sha256(raw_).view().substr(0, 8));
}

std::string Ed25519PublicKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) {
    ClearOpenSslErrors();
    return "";
  }
  absl::StatusOr<std::string> pem = DrainBio(bio.get());
  return pem.ok() ? *pem : "";
}

absl::Status Ed25519PublicKey::Verify(absl::string_view message,
                                      absl::string_view signature) const {
  if (signature.size() != kEd25519SignatureSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("an Ed25519 signature is 64 bytes, got ", signature.size()));
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr,
                                                key_.get(), nullptr) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "EVP_DigestVerifyInit_ex");
  }
  const int verified = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
      reinterpret_cast<const unsigned char*>(message.data()), message.size());
  if (verified != 1) {
    ClearOpenSslErrors();
    return absl::UnauthenticatedError(
        absl::StrCat("signature does not verify with Ed25519 key ", KeyId()));
  }
  return absl::OkStatus();
}

// --- Ed25519PrivateKey ---

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromKey(std::shared_ptr<EVP_PKEY> key) {
  ARREARS_ASSIGN_OR_RETURN(std::string raw, RawPublicKey(key.get()));
  ARREARS_ASSIGN_OR_RETURN(Ed25519PublicKey public_key, Ed25519PublicKey::FromRaw(raw));
  return Ed25519PrivateKey(std::move(key), std::move(public_key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::Generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr) return OpenSslError(absl::StatusCode::kInternal, "Ed25519 key generation");
  return FromKey(Own(key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromPem(absl::string_view pem) {
  ARREARS_ASSIGN_OR_RETURN(BioPtr bio, ReadBio(pem));
  EVP_PKEY* raw_key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (raw_key == nullptr) {
    return OpenSslError(absl::StatusCode::kInvalidArgument, "not a PEM private key");
  }
  std::shared_ptr<EVP_PKEY> key = Own(raw_key);
  ARREARS_RETURN_IF_ERROR(CheckEd25519(key.get(), "PEM private key"));
  return FromKey(std::move(key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::LoadPemFile(const std::string& path) {
  ARREARS_ASSIGN_OR_RETURN(const std::string pem, ReadSecretFile(path));
  absl::StatusOr<Ed25519PrivateKey> key = FromPem(pem);
  if (!key.ok()) return Annotate(key.status(), path);
  return key;
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::LoadOrGeneratePemFile(
    const std::string& path) {
  ARREARS_ASSIGN_OR_RETURN(const std::string pem,
                           ReadOrCreateSecretFile(path, []() -> absl::StatusOr<std::string> {
                             ARREARS_ASSIGN_OR_RETURN(const Ed25519PrivateKey key, Generate());
                             return key.ToPem();
                           }));
  absl::StatusOr<Ed25519PrivateKey> key = FromPem(pem);
  if (!key.ok()) return Annotate(key.status(), path);
  return key;
}

absl::StatusOr<std::string> Ed25519PrivateKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "PEM_write_bio_PrivateKey");
  }
  return DrainBio(bio.get());
}

absl::StatusOr<std::string> Ed25519PrivateKey::Sign(absl::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr,
                                              key_.get(), nullptr) != 1) {
    return OpenSslError(absl::StatusCode::kInternal, "EVP_DigestSignInit_ex");
  }
  std::string signature(kEd25519SignatureSize, '\0');
  size_t length = signature.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      length != kEd25519SignatureSize) {
    return OpenSslError(absl::StatusCode::kInternal, "Ed25519 signing");
  }
  return signature;
}

}  // namespace arrears::compliance::audit
