#include "services/compliance_auditing/audit/master_key.h"

#include <openssl/crypto.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/status/status_macros.h"
#include "services/compliance_auditing/audit/secret_file.h"
#include "services/compliance_auditing/audit/sha256.h"

namespace arrears::compliance::audit {
namespace {

constexpr absl::string_view kFingerprintDomain = "arrears-audit-master-key/v1";

absl::StatusOr<MasterKey> ParseKeyFile(std::string contents, const std::string& path) {
  absl::StatusOr<MasterKey> key;
  if (contents.size() == kAesKeySize) {
    key = MasterKey::FromBytes(contents);
  } else {
    const absl::string_view hex = absl::StripAsciiWhitespace(contents);
    bool is_hex = hex.size() == 2 * kAesKeySize;
    for (const char c : hex) is_hex = is_hex && absl::ascii_isxdigit(static_cast<unsigned char>(c));
    if (!is_hex) {
      key = absl::InvalidArgumentError("a master key file holds 64 hex digits or 32 raw bytes");
    } else {
      std::string bytes = absl::HexStringToBytes(hex);
      key = MasterKey::FromBytes(bytes);
      OPENSSL_cleanse(bytes.data(), bytes.size());
    }
  }
  OPENSSL_cleanse(contents.data(), contents.size());
  if (!key.ok()) return Annotate(key.status(), path);
  return key;
}

}  // namespace

MasterKey::MasterKey(AesKey key)
    : key_(std::move(key)),
      key_id_(
          absl::BytesToHexString(Sha256({kFingerprintDomain, key_.bytes()}).view().substr(0, 8))) {}

absl::StatusOr<MasterKey> MasterKey::FromBytes(absl::string_view bytes) {
  ARREARS_ASSIGN_OR_RETURN(AesKey key, AesKey::FromBytes(bytes));
  return MasterKey(std::move(key));
}

absl::StatusOr<MasterKey> MasterKey::Generate() {
  ARREARS_ASSIGN_OR_RETURN(AesKey key, AesKey::Generate());
  return MasterKey(std::move(key));
}

absl::StatusOr<MasterKey> MasterKey::LoadFile(const std::string& path) {
  ARREARS_ASSIGN_OR_RETURN(std::string contents, ReadSecretFile(path));
  return ParseKeyFile(std::move(contents), path);
}

absl::StatusOr<MasterKey> MasterKey::LoadOrGenerateFile(const std::string& path) {
  ARREARS_ASSIGN_OR_RETURN(std::string contents,
                           ReadOrCreateSecretFile(path, []() -> absl::StatusOr<std::string> {
                             ARREARS_ASSIGN_OR_RETURN(const AesKey key, AesKey::Generate());
                             return absl::StrCat(absl::BytesToHexString(key.bytes()), "\n");
                           }));
  return ParseKeyFile(std::move(contents), path);
}

absl::StatusOr<std::string> MasterKey::Wrap(absl::string_view secret, absl::string_view aad) const {
  AesGcmSealed sealed;
  ARREARS_RETURN_IF_ERROR(AesGcmSeal(key_, secret, aad, sealed));
  return absl::StrCat(sealed.nonce, sealed.ciphertext_and_tag);
}

absl::StatusOr<std::string> MasterKey::Unwrap(absl::string_view wrapped,
                                              absl::string_view aad) const {
  if (wrapped.size() < kAesGcmNonceSize + kAesGcmTagSize) {
    return absl::DataLossError(
        absl::StrCat("wrapped key of ", wrapped.size(), " bytes is too short"));
  }
  return AesGcmOpen(key_, wrapped.substr(0, kAesGcmNonceSize), wrapped.substr(kAesGcmNonceSize),
                    aad);
}

}  // namespace arrears::compliance::audit
