// HttpProvider against a fake carrier (a cpp-httplib server on an ephemeral
// port), alone and as the SMS provider of the whole service (type: http in
// the channel config), with the dispatcher's retries.
#include "services/contact_channels/http_provider.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/proto_convert/proto_convert.h"
#include "common/runtime/logging.h"
#include "common/status/status_matchers.h"
#include "common/store/testing/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "openssl/ec.h"
#include "openssl/evp.h"
#include "openssl/pem.h"
#include "openssl/x509.h"
#include "openssl/x509v3.h"
#include "services/contact_channels/channel_config.h"
#include "services/contact_channels/contact_test_harness.h"

namespace arrears::contact {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

constexpr char kSecret[] = "tok-7f3c9a-SECRET";

// A carrier: accepts a key once and answers a repeated key with the first
// message id; answers scripted statuses first when told to; remembers the
// headers and bodies it saw.
class FakeCarrier {
 public:
  struct Seen {
    std::string authorization;
    std::string idempotency_key;
    Json body;
  };

  // Plain HTTP, or HTTPS with `cert` and `key` when given.
  explicit FakeCarrier(X509* cert = nullptr, EVP_PKEY* key = nullptr)
      : server_(cert != nullptr ? std::make_unique<httplib::SSLServer>(cert, key)
                                : std::make_unique<httplib::Server>()),
        scheme_(cert != nullptr ? "https" : "http") {
    server_->set_tcp_nodelay(true);
    server_->Post("/api/v1/messages", [this](const httplib::Request& req, httplib::Response& res) {
      if (block_next_.exchange(false)) release_.WaitForNotification();
      absl::MutexLock lock(&mu_);
      seen_.push_back({req.get_header_value("Authorization"),
                       req.get_header_value("Idempotency-Key"),
                       Json::parse(req.body, nullptr, false)});
      if (!script_.empty()) {
        const Scripted answer = script_.front();
        script_.pop_front();
        res.status = answer.status;
        if (!answer.retry_after.empty()) res.set_header("Retry-After", answer.retry_after);
        res.set_content(answer.body, "application/json");
        return;
      }
      const std::string key = req.get_header_value("Idempotency-Key");
      auto [it, inserted] = accepted_.emplace(key, absl::StrCat("msg-", accepted_.size() + 1));
      res.status = inserted ? 201 : 200;
      res.set_content(Json{{"id", it->second}, {"status", "queued"}}.dump(), "application/json");
    });
    server_->Get(R"(/api/v1/messages/by-key/(.+))",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   absl::MutexLock lock(&mu_);
                   lookups_.push_back(req.matches[1]);
                   auto it = accepted_.find(std::string(req.matches[1]));
                   if (it == accepted_.end()) {
                     res.status = 404;
                     res.set_content(R"({"error":{"code":"NOT_FOUND"}})", "application/json");
                     return;
                   }
                   res.set_content(Json{{"id", it->second}}.dump(), "application/json");
                 });
    port_ = server_->bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_->is_running()) {
      EXPECT_LT(std::chrono::steady_clock::now(), deadline) << "fake carrier did not start";
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::yield();
    }
  }
  ~FakeCarrier() {
    if (!release_.HasBeenNotified()) release_.Notify();
    server_->stop();
    thread_.join();
  }

  std::string url() const { return absl::StrCat(scheme_, "://127.0.0.1:", port_, "/api"); }
  void Script(int status, std::string body = "{}", std::string retry_after = "") {
    absl::MutexLock lock(&mu_);
    script_.push_back({status, std::move(body), std::move(retry_after)});
  }
  // The next Send blocks until Release() (to make the client time out).
  void BlockNext() { block_next_ = true; }
  void Release() { release_.Notify(); }
  std::vector<Seen> seen() const {
    absl::MutexLock lock(&mu_);
    return seen_;
  }
  size_t accepted_count() const {
    absl::MutexLock lock(&mu_);
    return accepted_.size();
  }
  std::vector<std::string> lookups() const {
    absl::MutexLock lock(&mu_);
    return lookups_;
  }

 private:
  std::unique_ptr<httplib::Server> server_;
  const std::string scheme_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> block_next_{false};
  absl::Notification release_;
  mutable absl::Mutex mu_;
  struct Scripted {
    int status;
    std::string body;
    std::string retry_after;  // the Retry-After header, none when empty
  };
  std::deque<Scripted> script_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> accepted_ ABSL_GUARDED_BY(mu_);
  std::vector<Seen> seen_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> lookups_ ABSL_GUARDED_BY(mu_);
};

RenderedMessage Sms() {
  RenderedMessage message;
  message.channel = common::v1::CHANNEL_SMS;
  message.contact_point.set_contact_point_id("phone-1");
  message.contact_point.set_value("13812341234");
  message.contact_point.set_masked_value("138****1234");
  message.template_id = "sms-d1-reminder";
  message.language = "zh-CN";
  message.body = "张先生您好";
  return message;
}

class HttpProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secret_file_ = dir_.path() + "/sms.token";
    std::ofstream(secret_file_) << kSecret << "\n";
  }

  HttpProvider::Options BaseOptions() {
    HttpProvider::Options options;
    options.name = "sms-gateway";
    options.base_url = carrier_.url();
    options.send_path = "/v1/messages";
    options.lookup_path = "/v1/messages/by-key/{key}";
    options.auth = HttpAuth::kBearer;
    options.credentials_file = secret_file_;
    return options;
  }

  std::unique_ptr<HttpProvider> Make(HttpProvider::Options options) {
    absl::StatusOr<std::unique_ptr<HttpProvider>> provider =
        HttpProvider::Create(&clock_, std::move(options));
    EXPECT_OK(provider);
    return provider.ok() ? *std::move(provider) : nullptr;
  }

  store::TempDir dir_ = *store::TempDir::Create();
  std::string secret_file_;
  FakeClock clock_;
  FakeCarrier carrier_;
};

TEST_F(HttpProviderTest, AcceptedWithTheCarriersIdAndTheCredentialsAndKeySent) {
  std::unique_ptr<HttpProvider> provider = Make(BaseOptions());
  ASSERT_NE(provider, nullptr);
  ASSERT_OK_AND_ASSIGN(ProviderReceipt receipt, provider->Send(Sms(), "attempt-1"));
  EXPECT_EQ(receipt.provider, "sms-gateway");
  EXPECT_EQ(receipt.provider_reference, "msg-1");
  EXPECT_EQ(receipt.accepted_at, clock_.Now());
  EXPECT_EQ(receipt.outcome, v1::CONTACT_OUTCOME_UNSPECIFIED) << "delivery is reported later";
  ASSERT_EQ(carrier_.seen().size(), 1u);
  const FakeCarrier::Seen seen = carrier_.seen()[0];
  EXPECT_EQ(seen.authorization, absl::StrCat("Bearer ", kSecret)) << "trailing newline trimmed";
  EXPECT_EQ(seen.idempotency_key, "attempt-1");
  EXPECT_EQ(seen.body["to"], "13812341234");
  EXPECT_EQ(seen.body["channel"], "CHANNEL_SMS");
  EXPECT_EQ(seen.body["body"], "张先生您好");
  EXPECT_EQ(seen.body["idempotency_key"], "attempt-1");
}

TEST_F(HttpProviderTest, BasicAuthFromAnEnvironmentVariable) {
  ASSERT_EQ(setenv("ARREARS_TEST_SMS_CREDENTIALS", "arrears:pa55", 1), 0);
  HttpProvider::Options options = BaseOptions();
  options.auth = HttpAuth::kBasic;
  options.credentials_file.clear();
  options.credentials_env = "ARREARS_TEST_SMS_CREDENTIALS";
  std::unique_ptr<HttpProvider> provider = Make(options);
  ASSERT_NE(provider, nullptr);
  ASSERT_OK(provider->Send(Sms(), "attempt-1"));
  // base64("arrears:pa55")
  EXPECT_EQ(carrier_.seen().at(0).authorization, "Basic YXJyZWFyczpwYTU1");
  unsetenv("ARREARS_TEST_SMS_CREDENTIALS");
}

TEST_F(HttpProviderTest, ARepeatedKeyIsTheSameRequestAndLookupFindsIt) {
  std::unique_ptr<HttpProvider> provider = Make(BaseOptions());
  ASSERT_NE(provider, nullptr);
  ASSERT_OK_AND_ASSIGN(ProviderReceipt first, provider->Send(Sms(), "attempt/1"));
  ASSERT_OK_AND_ASSIGN(ProviderReceipt again, provider->Send(Sms(), "attempt/1"));
  EXPECT_EQ(again.provider_reference, first.provider_reference);
  EXPECT_EQ(carrier_.accepted_count(), 1u);
  ASSERT_EQ(carrier_.seen().size(), 2u);
  EXPECT_EQ(carrier_.seen()[1].idempotency_key, "attempt/1");

  ASSERT_OK_AND_ASSIGN(std::optional<ProviderReceipt> found, provider->Lookup("attempt/1"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->provider_reference, first.provider_reference);
  EXPECT_EQ(carrier_.lookups().back(), "attempt/1") << "escaped as one path segment";
  ASSERT_OK_AND_ASSIGN(found, provider->Lookup("never-sent"));
  EXPECT_FALSE(found.has_value());

  HttpProvider::Options no_lookup = BaseOptions();
  no_lookup.lookup_path.clear();
  std::unique_ptr<HttpProvider> blind = Make(no_lookup);
  ASSERT_NE(blind, nullptr);
  EXPECT_THAT(blind->Lookup("attempt/1"), StatusIs(absl::StatusCode::kUnimplemented));
}

TEST_F(HttpProviderTest, StatusesMapToTransientOrPermanent) {
  std::unique_ptr<HttpProvider> provider = Make(BaseOptions());
  ASSERT_NE(provider, nullptr);
  carrier_.Script(503);
  carrier_.Script(429);
  carrier_.Script(408);
  carrier_.Script(400, R"({"error":{"code":"INVALID_NUMBER","message":"no such number"}})");
  carrier_.Script(404, "not json");
  const absl::StatusOr<ProviderReceipt> unavailable = provider->Send(Sms(), "a-1");
  EXPECT_THAT(unavailable, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(IsTransientProviderError(unavailable.status()));
  const absl::StatusOr<ProviderReceipt> throttled = provider->Send(Sms(), "a-1");
  EXPECT_THAT(throttled, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_TRUE(IsTransientProviderError(throttled.status()));
  EXPECT_TRUE(IsTransientProviderError(provider->Send(Sms(), "a-1").status()));
  const absl::StatusOr<ProviderReceipt> rejected = provider->Send(Sms(), "a-1");
  EXPECT_THAT(rejected, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("INVALID_NUMBER")));
  EXPECT_FALSE(IsTransientProviderError(rejected.status()));
  EXPECT_EQ(ProviderErrorCode(rejected.status()), "INVALID_NUMBER");
  const absl::StatusOr<ProviderReceipt> unknown = provider->Send(Sms(), "a-1");
  EXPECT_FALSE(IsTransientProviderError(unknown.status()));
  EXPECT_EQ(ProviderErrorCode(unknown.status()), "HTTP_404");
  // The script is spent: the same key is accepted now.
  ASSERT_OK(provider->Send(Sms(), "a-1"));
  EXPECT_EQ(carrier_.accepted_count(), 1u);
}

TEST_F(HttpProviderTest, RetryAfterRidesOnTransientErrorsOnly) {
  std::unique_ptr<HttpProvider> provider = Make(BaseOptions());
  ASSERT_NE(provider, nullptr);
  carrier_.Script(429, "{}", "120");
  // An HTTP-date 90 s after the provider's clock.
  carrier_.Script(503, "{}",
                  absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", clock_.Now() + absl::Seconds(90),
                                   absl::UTCTimeZone()));
  carrier_.Script(503, "{}", "soon");  // unreadable: no wait
  carrier_.Script(503, "{}",
                  absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT", clock_.Now() - absl::Hours(1),
                                   absl::UTCTimeZone()));
  carrier_.Script(400, R"({"error":{"code":"INVALID_NUMBER"}})", "60");  // permanent: ignored
  const absl::Status seconds = provider->Send(Sms(), "a-1").status();
  EXPECT_THAT(seconds, StatusIs(absl::StatusCode::kResourceExhausted));
  EXPECT_EQ(RetryAfter(seconds), absl::Seconds(120));
  EXPECT_EQ(RetryAfter(provider->Send(Sms(), "a-1").status()), absl::Seconds(90));
  EXPECT_EQ(RetryAfter(provider->Send(Sms(), "a-1").status()), std::nullopt);
  EXPECT_EQ(RetryAfter(provider->Send(Sms(), "a-1").status()), absl::ZeroDuration())
      << "a date in the past means now";
  EXPECT_EQ(RetryAfter(provider->Send(Sms(), "a-1").status()), std::nullopt);
}

TEST_F(HttpProviderTest, TimeoutsAndRefusedConnectionsAreTransient) {
  HttpProvider::Options options = BaseOptions();
  options.request_timeout = absl::Milliseconds(200);
  std::unique_ptr<HttpProvider> provider = Make(options);
  ASSERT_NE(provider, nullptr);
  carrier_.BlockNext();
  const absl::StatusOr<ProviderReceipt> timed_out = provider->Send(Sms(), "a-1");
  carrier_.Release();
  EXPECT_THAT(timed_out, StatusIs(absl::StatusCode::kDeadlineExceeded));
  EXPECT_TRUE(IsTransientProviderError(timed_out.status()));

  // A port nobody listens on: take one from a server that then closes.
  int closed_port = 0;
  {
    const int sock = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(sock, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    ASSERT_EQ(bind(sock, reinterpret_cast<sockaddr*>(&address), length), 0);
    ASSERT_EQ(getsockname(sock, reinterpret_cast<sockaddr*>(&address), &length), 0);
    closed_port = ntohs(address.sin_port);
    close(sock);  // bound, never listening: connections are refused
  }
  options.base_url = absl::StrCat("http://127.0.0.1:", closed_port);
  std::unique_ptr<HttpProvider> nowhere = Make(options);
  ASSERT_NE(nowhere, nullptr);
  const absl::StatusOr<ProviderReceipt> refused = nowhere->Send(Sms(), "a-1");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(nowhere->Lookup("a-1"), StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(HttpProviderTest, TheSecretIsNeverLoggedNorInAnError) {
  auto sink = std::make_shared<runtime::MemoryLogSink>();
  runtime::ConfigureLogging(
      {.service = "contact-channels", .min_level = runtime::LogLevel::kDebug, .sink = sink});
  std::vector<std::string> messages;
  std::unique_ptr<HttpProvider> provider = Make(BaseOptions());
  ASSERT_NE(provider, nullptr);
  EXPECT_THAT(provider->name(), Not(HasSubstr(kSecret)));
  carrier_.Script(401, R"({"error":{"code":"BAD_TOKEN"}})");
  carrier_.Script(500);
  for (int i = 0; i < 3; ++i) messages.push_back(provider->Send(Sms(), "a-1").status().ToString());
  EXPECT_EQ(ProviderErrorCode(provider->Send(Sms(), "a-2").status()), "");
  HttpProvider::Options basic = BaseOptions();
  basic.auth = HttpAuth::kBasic;  // the file holds no "user:password"
  absl::StatusOr<std::unique_ptr<HttpProvider>> bad = HttpProvider::Create(&clock_, basic);
  EXPECT_FALSE(bad.ok());
  messages.push_back(bad.status().ToString());
  HttpProvider::Options missing = BaseOptions();
  missing.credentials_file = dir_.path() + "/nope";
  bad = HttpProvider::Create(&clock_, missing);
  EXPECT_THAT(bad, StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nope")));
  messages.push_back(bad.status().ToString());
  runtime::ConfigureLogging({.service = "contact-channels"});
  EXPECT_THAT(messages[0], HasSubstr("BAD_TOKEN"));
  for (const std::string& message : messages) EXPECT_THAT(message, Not(HasSubstr(kSecret)));
  for (const std::string& line : sink->Lines()) EXPECT_THAT(line, Not(HasSubstr(kSecret)));
}

TEST_F(HttpProviderTest, CreateRejectsBadOptionsNamingThem) {
  HttpProvider::Options options = BaseOptions();
  options.base_url = "ftp://x";
  EXPECT_THAT(HttpProvider::Create(&clock_, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("base_url")));
  options = BaseOptions();
  options.credentials_env = "ALSO";
  EXPECT_THAT(HttpProvider::Create(&clock_, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exactly one")));
  options = BaseOptions();
  options.credentials_file.clear();
  options.credentials_env = "ARREARS_TEST_UNSET_VARIABLE";
  EXPECT_THAT(
      HttpProvider::Create(&clock_, options),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("ARREARS_TEST_UNSET_VARIABLE")));
  options = BaseOptions();
  options.lookup_path = "/v1/messages";
  EXPECT_THAT(HttpProvider::Create(&clock_, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lookup_path")));
  options = BaseOptions();
  options.message_id_pointer = "id";
  EXPECT_THAT(HttpProvider::Create(&clock_, options),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("message_id_pointer")));
}

// A self-signed certificate for 127.0.0.1 (subjectAltName IP), in memory.
struct SelfSigned {
  SelfSigned() {
    key = EVP_EC_gen("P-256");
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
    X509_add_ext(cert, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(cert, key, EVP_sha256());
  }
  ~SelfSigned() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  void WritePem(const std::string& path) const {
    FILE* file = fopen(path.c_str(), "w");
    ASSERT_NE(file, nullptr);
    PEM_write_X509(file, cert);
    fclose(file);
  }
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
};

TEST_F(HttpProviderTest, HttpsVerifiesTheCarriersCertificate) {
  SelfSigned tls;
  FakeCarrier secure(tls.cert, tls.key);
  HttpProvider::Options options = BaseOptions();
  options.base_url = secure.url();
  ASSERT_TRUE(absl::StartsWith(options.base_url, "https://"));
  // Not trusted by the system store: the handshake fails, transiently.
  std::unique_ptr<HttpProvider> untrusting = Make(options);
  ASSERT_NE(untrusting, nullptr);
  EXPECT_THAT(untrusting->Send(Sms(), "a-1"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_TRUE(secure.seen().empty());

  options.ca_cert_file = dir_.path() + "/carrier-ca.pem";
  tls.WritePem(options.ca_cert_file);
  std::unique_ptr<HttpProvider> provider = Make(options);
  ASSERT_NE(provider, nullptr);
  ASSERT_OK_AND_ASSIGN(ProviderReceipt receipt, provider->Send(Sms(), "a-1"));
  EXPECT_EQ(receipt.provider_reference, "msg-1");
  ASSERT_EQ(secure.seen().size(), 1u);
  EXPECT_EQ(secure.seen()[0].authorization, absl::StrCat("Bearer ", kSecret));
}

TEST(HttpProviderConfigTest, TypeHttpParsesAndSecretsAreRefused) {
  ASSERT_OK_AND_ASSIGN(ChannelConfig config, ParseChannelConfig(R"(
providers:
  - name: sms-gateway
    type: http
    channels: [SMS]
    rate_per_second: 50
    http:
      base_url: https://sms.example.com/api
      send_path: /v1/messages
      lookup_path: /v1/messages/{key}
      auth: bearer
      credentials_env: SMS_TOKEN
      timeout_ms: 3000
  - name: field-sim
    channels: [FIELD_VISIT]
)"));
  ASSERT_EQ(config.providers.size(), 2u);
  EXPECT_EQ(config.providers[0].type, ProviderType::kHttp);
  EXPECT_EQ(config.providers[0].http.name, "sms-gateway");
  EXPECT_EQ(config.providers[0].http.base_url, "https://sms.example.com/api");
  EXPECT_EQ(config.providers[0].http.auth, HttpAuth::kBearer);
  EXPECT_EQ(config.providers[0].http.credentials_env, "SMS_TOKEN");
  EXPECT_EQ(config.providers[0].http.request_timeout, absl::Seconds(3));
  EXPECT_EQ(config.providers[0].rate_per_second, 50);
  EXPECT_EQ(config.providers[1].type, ProviderType::kSimulated);

  const std::string head =
      "providers:\n  - name: p\n    type: http\n    channels: [SMS]\n    http:\n"
      "      base_url: http://x\n";
  EXPECT_THAT(ParseChannelConfig(head + "      auth: bearer\n      token: abc\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("providers[0].http.token"), Not(HasSubstr("abc")))));
  EXPECT_THAT(ParseChannelConfig(head + "      auth: bearer\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("credentials_file")));
  EXPECT_THAT(ParseChannelConfig(head + "      auth: digest\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("providers[0].http.auth")));
  EXPECT_THAT(ParseChannelConfig("providers:\n  - name: p\n    type: smtp\n    channels: [SMS]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("providers[0].type")));
  EXPECT_THAT(ParseChannelConfig("providers:\n  - name: p\n    type: http\n    channels: [SMS]\n"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("providers[0].http")));
}

// The whole service with the SMS lane on the fake carrier: the compliance
// gate first, then the carrier; transient answers retried with backoff by
// the dispatcher; a rejection concludes as FAILED with the carrier's code.
class HttpProviderServiceTest : public HttpProviderTest {
 protected:
  void SetUp() override {
    HttpProviderTest::SetUp();
    runtime::ConfigureLogging(
        {.service = "contact-channels", .min_level = runtime::LogLevel::kDebug, .sink = logs_});
    ASSERT_OK_AND_ASSIGN(config_, LoadChannelConfigFile(DefaultChannelConfigPath()));
    for (ProviderConfig& provider : config_.providers) {
      if (provider.simulated.name != "sms-sim") continue;
      provider.type = ProviderType::kHttp;
      provider.simulated.name = "sms-gateway";
      provider.http = BaseOptions();
    }
    ContactTestHarness::Options options;
    options.config = &config_;
    options.dispatch.retry.initial_backoff = absl::Seconds(1);
    options.dispatch.retry.max_attempts = 5;
    ASSERT_OK_AND_ASSIGN(harness_, ContactTestHarness::Create(options));
    ASSERT_OK_AND_ASSIGN(int missing, harness_->channels().SeedTemplates());
    ASSERT_EQ(missing, 0);
    ASSERT_OK(harness_->DeliverCustomerEvent(
        TestContactDataEvent("cust-1", harness_->clock().Now()), "cust-ev-1"));
  }

  std::vector<v1::ContactEvent> Events() {
    absl::StatusOr<std::vector<v1::ContactEvent>> events = harness_->OutboxEvents();
    EXPECT_OK(events);
    return events.ok() ? *events : std::vector<v1::ContactEvent>{};
  }

  void TearDown() override {
    harness_.reset();
    runtime::ConfigureLogging({.service = "contact-channels"});
    for (const std::string& line : logs_->Lines()) EXPECT_THAT(line, Not(HasSubstr(kSecret)));
  }

  std::shared_ptr<runtime::MemoryLogSink> logs_ = std::make_shared<runtime::MemoryLogSink>();
  ChannelConfig config_;
  std::unique_ptr<ContactTestHarness> harness_;
};

TEST_F(HttpProviderServiceTest, TransientAnswersAreRetriedThenAcceptedOnce) {
  EXPECT_EQ(harness_->channels().provider("sms-gateway"), nullptr) << "not a simulated one";
  carrier_.Script(503);
  carrier_.Script(429);
  ASSERT_OK(harness_->DeliverContactRequest(
      TestSmsRequest("req-1", "cust-1", harness_->clock().Now()), "ce-req-1"));
  ASSERT_OK(harness_->RunTimers(20));
  const std::vector<v1::ContactEvent> events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].outcome(), v1::CONTACT_OUTCOME_SENT);
  EXPECT_EQ(events[0].provider(), "sms-gateway");
  EXPECT_EQ(carrier_.accepted_count(), 1u);
  const std::vector<FakeCarrier::Seen> seen = carrier_.seen();
  ASSERT_EQ(seen.size(), 3u) << "two transient answers, then accepted";
  EXPECT_EQ(seen[0].idempotency_key, seen[2].idempotency_key) << "one key for every try";
  EXPECT_EQ(seen[2].body["to"], "13812341234");
  EXPECT_EQ(seen[2].authorization, absl::StrCat("Bearer ", kSecret));
}

TEST_F(HttpProviderServiceTest, AThrottledSendWaitsForTheCarriersRetryAfter) {
  const absl::Time start = harness_->clock().Now();
  carrier_.Script(429, "{}", "600");
  ASSERT_OK(harness_->DeliverContactRequest(TestSmsRequest("req-1", "cust-1", start), "ce-req-1"));
  ASSERT_OK(harness_->RunTimers(20));
  const std::vector<v1::ContactEvent> events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].outcome(), v1::CONTACT_OUTCOME_SENT);
  // Without the header the first retry comes within a second (full jitter
  // under initial_backoff); with it, not before the carrier said.
  EXPECT_GE(FromTimestamp(events[0].occurred_at()), start + absl::Seconds(600));
  EXPECT_LT(FromTimestamp(events[0].occurred_at()), start + absl::Seconds(602));
  EXPECT_EQ(carrier_.seen().size(), 2u);
}

TEST_F(HttpProviderServiceTest, APermanentRejectionFailsWithTheCarriersCode) {
  carrier_.Script(422, R"({"error":{"code":"NUMBER_BLACKLISTED"}})");
  ASSERT_OK(harness_->DeliverContactRequest(
      TestSmsRequest("req-1", "cust-1", harness_->clock().Now()), "ce-req-1"));
  ASSERT_OK(harness_->RunTimers(20));
  const std::vector<v1::ContactEvent> events = Events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].outcome(), v1::CONTACT_OUTCOME_FAILED);
  EXPECT_EQ(events[0].failure_code(), "NUMBER_BLACKLISTED");
  EXPECT_EQ(carrier_.seen().size(), 1u) << "a permanent answer is not retried";
  EXPECT_EQ(carrier_.accepted_count(), 0u);
}

}  // namespace
}  // namespace arrears::contact
