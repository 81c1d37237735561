// MasterKey: the key that wraps every per-debtor data key of the audit log
// (AES-256-GCM key wrapping, so the data keys at rest are useless without it).
//
// The key file holds 64 hex digits (surrounding whitespace ignored) or the 32
// raw bytes; `openssl rand -hex 32 > master.key` makes one. The embedded
// default generates one (mode 0600) on first start. key_id() is a public
// fingerprint (hex of the first 8 bytes of SHA-256 over a domain prefix and
// the key) stored beside every wrapped key, so a service started with the
// wrong master key fails with a clear message instead of "authentication
// failed".
//
// Each wrap is bound to an associated-data string (the data key's id and its
// debtor), so a wrapped key copied onto another debtor's row does not unwrap.
//
// Immutable and thread-safe; the secret is wiped when the object dies.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_MASTER_KEY_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_MASTER_KEY_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/compliance_auditing/audit/aes_gcm.h"

namespace arrears::compliance::audit {

class MasterKey {
 public:
  static absl::StatusOr<MasterKey> FromBytes(absl::string_view bytes);
  static absl::StatusOr<MasterKey> Generate();
  // InvalidArgument naming the file if it holds neither form.
  static absl::StatusOr<MasterKey> LoadFile(const std::string& path);
  // The embedded default: the key in `path`, or a new one written there.
  static absl::StatusOr<MasterKey> LoadOrGenerateFile(const std::string& path);

  const std::string& key_id() const { return key_id_; }

  // nonce || ciphertext || tag of `secret` under this key, bound to `aad`.
  absl::StatusOr<std::string> Wrap(absl::string_view secret, absl::string_view aad) const;
  // The inverse; DataLoss if `wrapped` or `aad` was altered (or another master
  // key wrapped it).
  absl::StatusOr<std::string> Unwrap(absl::string_view wrapped, absl::string_view aad) const;

 private:
  explicit MasterKey(AesKey key);

  AesKey key_;
  std::string key_id_;
};

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_MASTER_KEY_H_
