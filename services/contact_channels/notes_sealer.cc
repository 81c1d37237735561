#include "services/contact_channels/notes_sealer.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace arrears::contact {
namespace {

constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr absl::string_view kPrefix = "v1:";

struct CipherContextDeleter {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};
using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, CipherContextDeleter>;

const unsigned char* Bytes(absl::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

absl::StatusOr<std::string> RandomBytes(size_t count) {
  std::string bytes(count, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(count)) != 1) {
    return absl::InternalError("OpenSSL RAND_bytes failed");
  }
  return bytes;
}

}  // namespace

absl::StatusOr<std::unique_ptr<NotesSealer>> NotesSealer::FromKey(absl::string_view key) {
  if (key.size() != kKeyBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("notes key: ", key.size(), " bytes, need ", kKeyBytes));
  }
  return std::unique_ptr<NotesSealer>(new NotesSealer(std::string(key)));
}

absl::StatusOr<std::unique_ptr<NotesSealer>> NotesSealer::FromKeyFile(const std::string& key_file) {
  std::ifstream in(key_file, std::ios::binary);
  if (!in) {
    // First use: a new key, readable by this user only, written whole.
    absl::StatusOr<std::string> key = RandomBytes(kKeyBytes);
    if (!key.ok()) return key.status();
    const int fd = ::open(key_file.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("notes key file \"", key_file, "\": cannot create (errno ", errno, ")"));
    }
    const ssize_t written = ::write(fd, key->data(), key->size());
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (written != static_cast<ssize_t>(key->size()) || !synced) {
      return absl::FailedPreconditionError(
          absl::StrCat("notes key file \"", key_file, "\": cannot write"));
    }
    return FromKey(*key);
  }
  std::stringstream content;
  content << in.rdbuf();
  absl::StatusOr<std::unique_ptr<NotesSealer>> sealer = FromKey(content.str());
  if (!sealer.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("notes key file \"", key_file, "\": ", sealer.status().message()));
  }
  return sealer;
}

absl::StatusOr<std::string> NotesSealer::Seal(absl::string_view notes,
                                              absl::string_view record) const {
  if (notes.empty()) return std::string();
  absl::StatusOr<std::string> nonce = RandomBytes(kNonceBytes);
  if (!nonce.ok()) return nonce.status();
  CipherContext context(EVP_CIPHER_CTX_new());
  std::string out = *nonce;
  out.resize(kNonceBytes + notes.size() + kTagBytes);
  auto* cipher_text = reinterpret_cast<unsigned char*>(out.data()) + kNonceBytes;
  int length = 0;
  int final_length = 0;
  if (context == nullptr ||
      EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_), Bytes(*nonce)) !=
          1 ||
      EVP_EncryptUpdate(context.get(), nullptr, &length, Bytes(record),
                        static_cast<int>(record.size())) != 1 ||
      EVP_EncryptUpdate(context.get(), cipher_text, &length, Bytes(notes),
                        static_cast<int>(notes.size())) != 1 ||
      EVP_EncryptFinal_ex(context.get(), cipher_text + length, &final_length) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes,
                          cipher_text + notes.size()) != 1) {
    return absl::InternalError("notes: AES-GCM encryption failed");
  }
  return absl::StrCat(kPrefix, absl::WebSafeBase64Escape(out));
}

absl::StatusOr<std::string> NotesSealer::Open(absl::string_view sealed,
                                              absl::string_view record) const {
  if (sealed.empty()) return std::string();
  std::string raw;
  if (!absl::ConsumePrefix(&sealed, kPrefix) || !absl::WebSafeBase64Unescape(sealed, &raw) ||
      raw.size() < kNonceBytes + kTagBytes) {
    return absl::DataLossError("notes: not sealed notes");
  }
  const size_t text_size = raw.size() - kNonceBytes - kTagBytes;
  const absl::string_view nonce(raw.data(), kNonceBytes);
  const absl::string_view cipher_text(raw.data() + kNonceBytes, text_size);
  std::string tag(raw.data() + kNonceBytes + text_size, kTagBytes);
  std::string plain(text_size, '\0');
  CipherContext context(EVP_CIPHER_CTX_new());
  int length = 0;
  int final_length = 0;
  if (context == nullptr ||
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, Bytes(key_), Bytes(nonce)) !=
          1 ||
      EVP_DecryptUpdate(context.get(), nullptr, &length, Bytes(record),
                        static_cast<int>(record.size())) != 1 ||
      EVP_DecryptUpdate(context.get(), reinterpret_cast<unsigned char*>(plain.data()), &length,
                        Bytes(cipher_text), static_cast<int>(cipher_text.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes, tag.data()) != 1 ||
      EVP_DecryptFinal_ex(context.get(), reinterpret_cast<unsigned char*>(plain.data()) + length,
                          &final_length) != 1) {
    return absl::DataLossError("notes: cannot be opened with this key for this record");
  }
  return plain;
}

}  // namespace arrears::contact
