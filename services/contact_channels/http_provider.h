// HttpProvider: a ChannelProvider that talks to a real carrier (SMS gateway,
// e-mail API, app push service, or any carrier taking work orders) over
// HTTP(S) with JSON bodies, configured by URL and credentials.
//
// Wire contract (what the carrier must offer):
//  - Send: POST <base_url><send_path> with headers `Idempotency-Key: <key>`,
//    `Content-Type: application/json`, `Authorization` (below) and the
//    deliverable as JSON (deliverable_json.h) plus "idempotency_key": for a
//    message {"kind": "message", "channel": "CHANNEL_SMS", "to": "<raw
//    contact point value>", "template_id", "language", "subject", "body"};
//    for a work order its fields, with masked contact data only.
//    The carrier must treat a repeated Idempotency-Key as the same request
//    (the usual contract of payment and messaging APIs) and answer it again.
//  - Lookup (optional, `lookup_path` non-empty): GET <base_url><lookup_path>
//    with "{key}" replaced by the URL-escaped key; 200 = accepted (its
//    receipt), 404 = never accepted.
//
// Status mapping (provider.h's contract):
//  - 2xx: accepted; provider_reference = the string (or number) at
//    `message_id_pointer` (JSON pointer, default "/id") of the response,
//    empty when absent; the final outcome comes later (UNSPECIFIED).
//  - 408, 429, 5xx, connection errors and timeouts: transient
//    (DeadlineExceeded, ResourceExhausted, Unavailable), so the dispatcher's
//    retry with backoff and the circuit breaker handle them. A Retry-After
//    header (seconds or an HTTP-date) rides along (WithRetryAfter), and the
//    retry waits at least that long (RetryPolicy, capped).
//  - any other status (4xx, 3xx): permanent; the status carries the
//    carrier's error code (at `error_code_pointer`, default "/error/code",
//    else "HTTP_<status>") as a ProviderErrorCode payload (provider.h).
//
// Credentials: read once at Create() from `credentials_file` (whole file,
// trailing whitespace trimmed) or the environment variable
// `credentials_env`; never from the configuration itself. `auth` bearer
// sends "Authorization: Bearer <secret>"; basic takes "user:password" and
// sends HTTP basic auth. The secret never appears in a status message, a log
// line or name().
//
// HTTPS: an https:// base URL uses TLS (Debian's libcpp-httplib is built
// with CPPHTTPLIB_OPENSSL_SUPPORT), verifying the server certificate against
// the system store or `ca_cert_file`.
//
// Thread-safe: concurrent Send()/Lookup() calls each use their own
// connection from a small pool (an httplib client serializes its requests).
#ifndef ARREARS_SERVICES_CONTACT_CHANNELS_HTTP_PROVIDER_H_
#define ARREARS_SERVICES_CONTACT_CHANNELS_HTTP_PROVIDER_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/time/clock.h"
#include "services/contact_channels/provider.h"

namespace httplib {
class Client;
struct Response;
}  // namespace httplib

namespace arrears::contact {

enum class HttpAuth { kNone, kBearer, kBasic };

class HttpProvider final : public ChannelProvider {
 public:
  struct Options {
    std::string name;
    // "http://host:port/prefix" or "https://host[:port][/prefix]".
    std::string base_url;
    std::string send_path = "/messages";
    // Empty = the carrier cannot look a key up (Lookup is Unimplemented).
    std::string lookup_path;
    HttpAuth auth = HttpAuth::kNone;
    // Exactly one of them when auth is not kNone.
    std::string credentials_file;
    std::string credentials_env;
    absl::Duration connect_timeout = absl::Seconds(2);
    // Read and write timeout of one request.
    absl::Duration request_timeout = absl::Seconds(5);
    // Extra CA bundle for https (PEM); empty = the system store.
    std::string ca_cert_file;
    std::string message_id_pointer = "/id";
    std::string error_code_pointer = "/error/code";
  };

  // InvalidArgument naming the option (bad URL or scheme, missing or both
  // credential sources, bad JSON pointer, non-positive timeouts);
  // NotFound / FailedPrecondition for an unreadable credentials file or an
  // unset variable (naming the file or variable, never its content).
  static absl::StatusOr<std::unique_ptr<HttpProvider>> Create(const Clock* clock, Options options);
  ~HttpProvider() override;

  std::string name() const override { return options_.name; }
  absl::StatusOr<ProviderReceipt> Send(const Deliverable& deliverable,
                                       absl::string_view idempotency_key) override;
  absl::StatusOr<std::optional<ProviderReceipt>> Lookup(absl::string_view idempotency_key) override;

 private:
  HttpProvider(const Clock* clock, Options options, std::string scheme_host_port,
               std::string path_prefix, std::string secret);
  std::unique_ptr<httplib::Client> AcquireClient();
  void ReleaseClient(std::unique_ptr<httplib::Client> client);
  // The receipt of a 2xx answer.
  ProviderReceipt ReceiptFrom(absl::string_view response_body) const;
  // The error for a non-2xx answer; a transient one carries the answer's
  // Retry-After (provider.h, RetryAfter()).
  absl::Status ErrorFrom(const httplib::Response& response) const;
  absl::Status PermanentOrTransientError(int http_status, absl::string_view response_body) const;
  // A Retry-After header's wait (delay-seconds or an HTTP-date), or nullopt
  // when absent or unreadable.
  std::optional<absl::Duration> RetryAfterFrom(absl::string_view header) const;

  const Clock* const clock_;
  const Options options_;
  const std::string scheme_host_port_;
  const std::string path_prefix_;
  const std::string secret_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<httplib::Client>> idle_ ABSL_GUARDED_BY(mu_);
};

// The JSON body HttpProvider sends for `deliverable` (exposed for tests and
// carrier adapters).
std::string DeliverableToJson(const Deliverable& deliverable, absl::string_view idempotency_key);

}  // namespace arrears::contact

#endif  // ARREARS_SERVICES_CONTACT_CHANNELS_HTTP_PROVIDER_H_
