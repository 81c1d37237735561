#include "services/contact_channels/http_provider.h"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "services/contact_channels/deliverable_json.h"

namespace arrears::contact {
namespace {

using Json = nlohmann::json;

absl::Status Bad(absl::string_view field, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", message));
}

absl::StatusOr<std::string> ReadSecret(const HttpProvider::Options& options) {
  std::string secret;
  if (!options.credentials_file.empty()) {
    std::ifstream in(options.credentials_file);
    if (!in) {
      return absl::NotFoundError(absl::StrCat(options.name, ": cannot read credentials_file \"",
                                              options.credentials_file, "\""));
    }
    std::stringstream text;
    text << in.rdbuf();
    secret = text.str();
  } else {
    const char* value = std::getenv(options.credentials_env.c_str());
    if (value == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(options.name, ": credentials_env variable ",
                                                        options.credentials_env, " is not set"));
    }
    secret = value;
  }
  absl::StripTrailingAsciiWhitespace(&secret);
  if (secret.empty()) {
    return absl::FailedPreconditionError(absl::StrCat(options.name, ": the credentials are empty"));
  }
  return secret;
}

bool ValidPointer(const std::string& pointer) {
  try {
    Json::json_pointer parsed(pointer);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// The string or number at `pointer`, or "".
std::string StringAt(const Json& body, const std::string& pointer) {
  try {
    const Json::json_pointer at(pointer);
    if (!body.contains(at)) return "";
    const Json& value = body.at(at);
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number_integer()) return std::to_string(value.get<int64_t>());
    return "";
  } catch (const std::exception&) {
    return "";
  }
}

Json ParseOrNull(absl::string_view text) {
  return Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

// httplib timeouts take seconds + microseconds.
template <typename Setter>
void SetTimeout(absl::Duration timeout, Setter setter) {
  const int64_t micros = absl::ToInt64Microseconds(timeout);
  setter(static_cast<time_t>(micros / 1000000), static_cast<time_t>(micros % 1000000));
}

absl::Status TransportError(absl::string_view name, httplib::Error error) {
  const std::string what = absl::StrCat(name, ": ", httplib::to_string(error));
  if (error == httplib::Error::Read || error == httplib::Error::Write) {
    // The request may have reached the carrier: the retry reuses the key.
    return absl::DeadlineExceededError(what);
  }
  // Cannot connect (refused, connect timeout, TLS handshake or certificate):
  // transient, so contacts wait and the breaker opens rather than every
  // contact failing for good while a carrier or its certificate is fixed.
  return absl::UnavailableError(what);
}

// RFC 3986 percent-encoding of everything but unreserved characters, so a
// key is one path segment whatever it contains.
std::string EscapePathSegment(absl::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::string DeliverableToJson(const Deliverable& deliverable, absl::string_view idempotency_key) {
  Json body = DeliverableJson(deliverable, /*raw_address=*/true);
  body["idempotency_key"] = std::string(idempotency_key);
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

absl::StatusOr<std::unique_ptr<HttpProvider>> HttpProvider::Create(const Clock* clock,
                                                                   Options options) {
  if (clock == nullptr) return absl::InvalidArgumentError("clock: must be set");
  if (options.name.empty()) return Bad("name", "must be set");
  const std::string& url = options.base_url;
  const bool https = absl::StartsWith(url, "https://");
  if (!https && !absl::StartsWith(url, "http://")) {
    return Bad("base_url", absl::StrCat("must start with http:// or https://, got \"", url, "\""));
  }
  const size_t host_start = https ? 8 : 7;
  const size_t path_start = url.find('/', host_start);
  std::string scheme_host_port = url.substr(0, path_start);
  std::string prefix = path_start == std::string::npos ? "" : url.substr(path_start);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (scheme_host_port.size() == host_start) return Bad("base_url", "has no host");
  if (options.send_path.empty() || options.send_path[0] != '/') {
    return Bad("send_path", "must start with /");
  }
  if (!options.lookup_path.empty() &&
      (options.lookup_path[0] != '/' || !absl::StrContains(options.lookup_path, "{key}"))) {
    return Bad("lookup_path", "must start with / and contain {key}");
  }
  if (options.connect_timeout <= absl::ZeroDuration()) {
    return Bad("connect_timeout_ms", "must be positive");
  }
  if (options.request_timeout <= absl::ZeroDuration()) return Bad("timeout_ms", "must be positive");
  if (!ValidPointer(options.message_id_pointer)) {
    return Bad("message_id_pointer", "must be a JSON pointer such as /id");
  }
  if (!ValidPointer(options.error_code_pointer)) {
    return Bad("error_code_pointer", "must be a JSON pointer such as /error/code");
  }
  std::string secret;
  if (options.auth != HttpAuth::kNone) {
    if (options.credentials_file.empty() == options.credentials_env.empty()) {
      return Bad("credentials_file", "set exactly one of credentials_file and credentials_env");
    }
    absl::StatusOr<std::string> read = ReadSecret(options);
    if (!read.ok()) return read.status();
    secret = *std::move(read);
    if (options.auth == HttpAuth::kBasic && !absl::StrContains(secret, ':')) {
      return absl::FailedPreconditionError(
          absl::StrCat(options.name, ": basic credentials must read \"user:password\""));
    }
  }
  auto provider = std::unique_ptr<HttpProvider>(
      new HttpProvider(clock, std::move(options), std::move(scheme_host_port), std::move(prefix),
                       std::move(secret)));
  // Fails early on what the client cannot use (e.g. a bad CA file).
  std::unique_ptr<httplib::Client> probe = provider->AcquireClient();
  if (!probe->is_valid()) return Bad("base_url", "not usable by the HTTP client");
  provider->ReleaseClient(std::move(probe));
  return provider;
}

HttpProvider::HttpProvider(const Clock* clock, Options options, std::string scheme_host_port,
                           std::string path_prefix, std::string secret)
    : clock_(clock),
      options_(std::move(options)),
      scheme_host_port_(std::move(scheme_host_port)),
      path_prefix_(std::move(path_prefix)),
      secret_(std::move(secret)) {}

HttpProvider::~HttpProvider() = default;

std::unique_ptr<httplib::Client> HttpProvider::AcquireClient() {
  {
    absl::MutexLock lock(&mu_);
    if (!idle_.empty()) {
      std::unique_ptr<httplib::Client> client = std::move(idle_.back());
      idle_.pop_back();
      return client;
    }
  }
  auto client = std::make_unique<httplib::Client>(scheme_host_port_);
  client->set_keep_alive(true);
  // Headers and body go out in separate writes: without this, delayed ACKs
  // add ~40 ms to every request on a kept-alive connection.
  client->set_tcp_nodelay(true);
  SetTimeout(options_.connect_timeout,
             [&](time_t s, time_t us) { client->set_connection_timeout(s, us); });
  SetTimeout(options_.request_timeout, [&](time_t s, time_t us) {
    client->set_read_timeout(s, us);
    client->set_write_timeout(s, us);
  });
  if (options_.auth == HttpAuth::kBearer) {
    client->set_bearer_token_auth(secret_.c_str());
  } else if (options_.auth == HttpAuth::kBasic) {
    const size_t colon = secret_.find(':');
    client->set_basic_auth(secret_.substr(0, colon).c_str(), secret_.substr(colon + 1).c_str());
  }
  if (!options_.ca_cert_file.empty()) client->set_ca_cert_path(options_.ca_cert_file.c_str());
  client->enable_server_certificate_verification(true);
  return client;
}

void HttpProvider::ReleaseClient(std::unique_ptr<httplib::Client> client) {
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(client));
}

ProviderReceipt HttpProvider::ReceiptFrom(absl::string_view response_body) const {
  ProviderReceipt receipt;
  receipt.provider = options_.name;
  receipt.accepted_at = clock_->Now();
  receipt.provider_reference = StringAt(ParseOrNull(response_body), options_.message_id_pointer);
  return receipt;
}

std::optional<absl::Duration> HttpProvider::RetryAfterFrom(absl::string_view header) const {
  header = absl::StripAsciiWhitespace(header);
  if (header.empty()) return std::nullopt;
  int64_t seconds = 0;
  if (absl::SimpleAtoi(header, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  // The other form RFC 9110 allows: an HTTP-date (IMF-fixdate).
  absl::Time at;
  std::string error;
  if (!absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(header), absl::UTCTimeZone(), &at,
                       &error)) {
    return std::nullopt;
  }
  return std::max(absl::ZeroDuration(), at - clock_->Now());
}

absl::Status HttpProvider::ErrorFrom(const httplib::Response& response) const {
  absl::Status status = PermanentOrTransientError(response.status, response.body);
  if (IsTransientProviderError(status)) {
    if (std::optional<absl::Duration> after =
            RetryAfterFrom(response.get_header_value("Retry-After"))) {
      status = WithRetryAfter(std::move(status), *after);
    }
  }
  return status;
}

absl::Status HttpProvider::PermanentOrTransientError(int http_status,
                                                     absl::string_view response_body) const {
  const std::string what = absl::StrCat(options_.name, ": HTTP ", http_status);
  if (http_status == 408) return absl::DeadlineExceededError(what);
  if (http_status == 429) return absl::ResourceExhaustedError(what);
  if (http_status >= 500) return absl::UnavailableError(what);
  std::string code = StringAt(ParseOrNull(response_body), options_.error_code_pointer);
  if (code.empty()) code = absl::StrCat("HTTP_", http_status);
  absl::Status status;
  switch (http_status) {
    case 400:
    case 422:
      status = absl::InvalidArgumentError(absl::StrCat(what, " ", code));
      break;
    case 401:
      status = absl::UnauthenticatedError(absl::StrCat(what, " ", code));
      break;
    case 403:
      status = absl::PermissionDeniedError(absl::StrCat(what, " ", code));
      break;
    default:
      status = absl::FailedPreconditionError(absl::StrCat(what, " ", code));
  }
  return WithProviderErrorCode(std::move(status), code);
}

absl::StatusOr<ProviderReceipt> HttpProvider::Send(const Deliverable& deliverable,
                                                   absl::string_view idempotency_key) {
  const std::string body = DeliverableToJson(deliverable, idempotency_key);
  const httplib::Headers headers = {{"Idempotency-Key", std::string(idempotency_key)}};
  std::unique_ptr<httplib::Client> client = AcquireClient();
  const httplib::Result result = client->Post(absl::StrCat(path_prefix_, options_.send_path),
                                              headers, body, "application/json");
  ReleaseClient(std::move(client));
  if (!result) return TransportError(options_.name, result.error());
  if (result->status >= 200 && result->status < 300) return ReceiptFrom(result->body);
  return ErrorFrom(*result);
}

absl::StatusOr<std::optional<ProviderReceipt>> HttpProvider::Lookup(
    absl::string_view idempotency_key) {
  if (options_.lookup_path.empty()) return ChannelProvider::Lookup(idempotency_key);
  const std::string path = absl::StrCat(
      path_prefix_,
      absl::StrReplaceAll(options_.lookup_path, {{"{key}", EscapePathSegment(idempotency_key)}}));
  std::unique_ptr<httplib::Client> client = AcquireClient();
  const httplib::Result result = client->Get(path);
  ReleaseClient(std::move(client));
  if (!result) return TransportError(options_.name, result.error());
  if (result->status == 404) return std::optional<ProviderReceipt>();
  if (result->status >= 200 && result->status < 300) {
    return std::optional<ProviderReceipt>(ReceiptFrom(result->body));
  }
  return ErrorFrom(*result);
}

}  // namespace arrears::contact
