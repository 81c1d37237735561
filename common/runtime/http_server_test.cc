#include "common/runtime/http_server.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/runtime/metrics.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"

namespace arrears::runtime {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(Counter * counter,
                         registry_.AddCounter("arrears_test_events_total", "Test events."));
    counter->Increment(3);
    ASSERT_OK_AND_ASSIGN(server_, HttpServer::Create("127.0.0.1:0", &registry_));
    ASSERT_GT(server_->port(), 0);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_connection_timeout(5);
    client_->set_read_timeout(5);
  }

  MetricsRegistry registry_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(HttpServerTest, ServesMetricsInPrometheusTextFormat) {
  httplib::Result result = client_->Get("/metrics");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_THAT(result->body, HasSubstr("# TYPE arrears_test_events_total counter\n"
                                      "arrears_test_events_total 3\n"));
}

TEST_F(HttpServerTest, HealthzIsAlwaysOk) {
  httplib::Result result = client_->Get("/healthz");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
}

TEST_F(HttpServerTest, ReadyzFollowsSetReady) {
  httplib::Result before = client_->Get("/readyz");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 503);

  server_->SetReady(true);
  httplib::Result ready = client_->Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);

  server_->SetReady(false);
  httplib::Result draining = client_->Get("/readyz");
  ASSERT_TRUE(draining);
  EXPECT_EQ(draining->status, 503);
  // Liveness is unaffected by readiness.
  EXPECT_EQ(client_->Get("/healthz")->status, 200);
}

TEST_F(HttpServerTest, UnknownPathIs404) {
  httplib::Result result = client_->Get("/nope");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
}

TEST_F(HttpServerTest, StopClosesTheListenerAndIsIdempotent) {
  server_->Stop();
  server_->Stop();
  httplib::Client fresh("127.0.0.1", server_->port());
  fresh.set_connection_timeout(2);
  EXPECT_FALSE(fresh.Get("/healthz"));
}

TEST_F(HttpServerTest, PortInUseIsUnavailable) {
  EXPECT_THAT(HttpServer::Create(absl::StrCat("127.0.0.1:", server_->port()), &registry_),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("cannot bind")));
}

TEST(HttpServerCreateTest, MalformedAddressIsInvalidArgument) {
  EXPECT_THAT(HttpServer::Create("no-port", nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no-port")));
}

}  // namespace
}  // namespace arrears::runtime
