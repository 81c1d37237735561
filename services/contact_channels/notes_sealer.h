// NotesSealer: encryption at rest of the free-text notes field staff and
// collectors write (field visit completion, RecordOutcome). Notes may hold
// personal data, so the store keeps them sealed; they are opened only to
// answer the service's own API, and never go into events or logs.
//
// AES-256-GCM (OpenSSL) with a 256-bit key held in a key file outside the
// database (created, mode 0600, on first use when missing), a fresh 96-bit
// random nonce per note, and the record the note belongs to as additional
// authenticated data (a note copied onto another record does not open).
// Sealed form: "v1:" + web-safe base64(nonce || ciphertext || tag). Empty
// notes stay empty.
//
// Errors: Open() of something not sealed with this key and record is
// DataLoss; a key file that cannot be read, written or is not 32 bytes is
// FailedPrecondition naming the path. Thread-safe (no shared mutable state).
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_NOTES_SEALER_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_NOTES_SEALER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::contact {

class NotesSealer {
 public:
  static constexpr size_t kKeyBytes = 32;

  // The sealer of the key in `key_file`, creating the file with a new
  // random key when it does not exist.
  static absl::StatusOr<std::unique_ptr<NotesSealer>> FromKeyFile(const std::string& key_file);
  // The sealer of `key` (kKeyBytes bytes), for tests.
  static absl::StatusOr<std::unique_ptr<NotesSealer>> FromKey(absl::string_view key);

  // `notes` sealed for the record named `record`.
  absl::StatusOr<std::string> Seal(absl::string_view notes, absl::string_view record) const;
  absl::StatusOr<std::string> Open(absl::string_view sealed, absl::string_view record) const;

 private:
  explicit NotesSealer(std::string key) : key_(std::move(key)) {}

  const std::string key_;
};

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_NOTES_SEALER_H_
