// OpenSslError: the calling thread's OpenSSL error queue as an absl::Status.
//
// OpenSSL reports failures through a per-thread queue; a failed call must
// drain it, or the stale entries surface in an unrelated later error. This
// takes every queued entry into the message and leaves the queue empty.
#ifndef ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_OPENSSL_ERROR_H_
#define ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_OPENSSL_ERROR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace arrears::compliance::audit {

// `code` with the message "<what>: <OpenSSL errors>".
absl::Status OpenSslError(absl::StatusCode code, absl::string_view what);

// Empties the queue (after a failure that is an expected outcome, such as a
// signature that does not verify).
void ClearOpenSslErrors();

}  // namespace arrears::compliance::audit

#endif  // ARREARS_SERVICES_COMPLIANCE_AUDITING_AUDIT_OPENSSL_ERROR_H_
