// The audit log's hashes are the system's SHA-256 (common/crypto/sha256.h):
// the RFC 6962 leaf and node hashes, checkpoint roots and export digests.
// These declarations keep the audit code's names for them.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SHA256_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SHA256_H_

#include "common/crypto/sha256.h"

namespace arrears::compliance::audit {

using ::arrears::crypto::kSha256Size;
using ::arrears::crypto::Sha256;
using ::arrears::crypto::Sha256Hash;
using ::arrears::crypto::Sha256Hasher;

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_SHA256_H_
