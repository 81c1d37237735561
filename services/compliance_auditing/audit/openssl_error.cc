#include "services/compliance_auditing/audit/openssl_error.h"

#include <openssl/err.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace arrears::compliance::audit {

absl::Status OpenSslError(absl::StatusCode code, absl::string_view what) {
  std::string details;
  while (const unsigned long error = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(error, buffer, sizeof(buffer));
    absl::StrAppend(&details, details.empty() ? "" : "; ", buffer);
  }
  if (details.empty()) details = "no OpenSSL error recorded";
  return absl::Status(code, absl::StrCat(what, ": ", details));
}

void ClearOpenSslErrors() { ERR_clear_error(); }

}  // namespace arrears::compliance::audit
