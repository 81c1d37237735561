#include "common/crypto/sha256.h"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace arrears::crypto {
namespace {

// SHA-256 fails only when OpenSSL cannot allocate or its provider is missing,
// which leaves the process unable to do its job at all; turning every hash
// into a StatusOr would push that impossible case onto every caller.
[[noreturn]] void DigestFailed(const char* step) {
  std::fprintf(stderr, "FATAL: OpenSSL SHA-256 %s failed\n", step);
  std::abort();
}

const EVP_MD* Sha256Algorithm() {
  // Fetched once: an implicit fetch (EVP_sha256) on every init costs a
  // provider lookup per hash.
  static const EVP_MD* const md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) DigestFailed("fetch");
    return fetched;
  }();
  return md;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

EVP_MD_CTX* ThreadContext() {
  thread_local std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) DigestFailed("context allocation");
  return ctx.get();
}

void DigestInit(EVP_MD_CTX* ctx) {
  if (EVP_DigestInit_ex2(ctx, Sha256Algorithm(), nullptr) != 1) DigestFailed("init");
}

void DigestUpdate(EVP_MD_CTX* ctx, absl::string_view data) {
  if (EVP_DigestUpdate(ctx, data.data(), data.size()) != 1) DigestFailed("update");
}

Sha256Hash DigestFinal(EVP_MD_CTX* ctx) {
  Sha256Hash hash;
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(ctx, hash.bytes.data(), &length) != 1 || length != kSha256Size) {
    DigestFailed("final");
  }
  return hash;
}

}  // namespace

std::string Sha256Hash::ToHex() const { return absl::BytesToHexString(view()); }

absl::StatusOr<Sha256Hash> Sha256Hash::FromBytes(absl::string_view raw, absl::string_view what) {
  if (raw.size() != kSha256Size) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": a SHA-256 hash is 32 bytes, got ", raw.size()));
  }
  Sha256Hash hash;
  std::memcpy(hash.bytes.data(), raw.data(), kSha256Size);
  return hash;
}

absl::StatusOr<Sha256Hash> Sha256Hash::FromHex(absl::string_view hex, absl::string_view what) {
  if (hex.size() != 2 * kSha256Size) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": a SHA-256 hash is 64 hex digits, got ", hex.size(), " characters"));
  }
  for (const char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": not hex: '", hex, "'"));
    }
  }
  return FromBytes(absl::HexStringToBytes(hex), what);
}

Sha256Hash Sha256(std::initializer_list<absl::string_view> pieces) {
  EVP_MD_CTX* ctx = ThreadContext();
  DigestInit(ctx);
  for (const absl::string_view piece : pieces) DigestUpdate(ctx, piece);
  return DigestFinal(ctx);
}

struct Sha256Hasher::Context {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx{EVP_MD_CTX_new()};
};

Sha256Hasher::Sha256Hasher() : context_(std::make_unique<Context>()) {
  if (context_->ctx == nullptr) DigestFailed("context allocation");
  DigestInit(context_->ctx.get());
}
Sha256Hasher::~Sha256Hasher() = default;
Sha256Hasher::Sha256Hasher(Sha256Hasher&&) noexcept = default;
Sha256Hasher& Sha256Hasher::operator=(Sha256Hasher&&) noexcept = default;

void Sha256Hasher::Update(absl::string_view data) { DigestUpdate(context_->ctx.get(), data); }

Sha256Hash Sha256Hasher::Finish() {
  Sha256Hash hash = DigestFinal(context_->ctx.get());
  DigestInit(context_->ctx.get());
  return hash;
}

}  // namespace arrears::crypto
