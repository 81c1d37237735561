// Secret files (the checkpoint signing key, the master key) and secure random
// bytes.
//
// CreateSecretFile never exposes a partial or world-readable secret: it
// writes a 0600 temporary file in the same directory, fsyncs it and links it
// into place, failing with AlreadyExists instead of replacing an existing
// key. ReadOrCreateSecretFile is the embedded default's "use the key if there
// is one, else make one" and is safe when several processes start at once
// (the loser of the race reads the winner's key).
//
// Reading does not insist on mode 0600: Kubernetes mounts secrets 0644 by
// default and the pod boundary is what protects them there.
//
// Thread-safe (no shared state).
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SECRET_FILE_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SECRET_FILE_H_

#include <cstddef>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace arrears::compliance::audit {

// `count` bytes from OpenSSL's CSPRNG. Internal if it is not seeded.
absl::StatusOr<std::string> SecureRandomBytes(size_t count);

// The whole file; NotFound if missing, InvalidArgument if larger than
// `max_bytes` (a key file that big is not a key file).
absl::StatusOr<std::string> ReadSecretFile(const std::string& path, size_t max_bytes = 64 * 1024);

// Creates `path` (mode 0600) holding `contents`; AlreadyExists if it exists.
absl::Status CreateSecretFile(const std::string& path, absl::string_view contents);

// The file's contents; if it does not exist, creates it from `generate()`.
absl::StatusOr<std::string> ReadOrCreateSecretFile(
    const std::string& path, absl::FunctionRef<absl::StatusOr<std::string>()> generate);

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SECRET_FILE_H_
