#include "common/runtime/address.h"

#include "absl/strings/str_cat.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::runtime {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ParseHostPortTest, AcceptsHostsAndPorts) {
  EXPECT_THAT(ParseHostPort("127.0.0.1:8080"), IsOkAndHolds(HostPort{"127.0.0.1", 8080}));
  EXPECT_THAT(ParseHostPort("0.0.0.0:0"), IsOkAndHolds(HostPort{"0.0.0.0", 0}));
  EXPECT_THAT(ParseHostPort("localhost:65535"), IsOkAndHolds(HostPort{"localhost", 65535}));
  EXPECT_THAT(ParseHostPort("[::1]:50051"), IsOkAndHolds(HostPort{"::1", 50051}));
}

TEST(ParseHostPortTest, RejectsMalformedAddressesQuotingThem) {
  for (const char* bad : {"localhost", "localhost:", ":80", "host:-1", "host:65536", "host:8o",
                          "::1:80", "[::1:80", "[]:80"}) {
    EXPECT_THAT(ParseHostPort(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(absl::StrCat("\"", bad))))
        << bad;
  }
}

TEST(FormatHostPortTest, BracketsIpv6) {
  EXPECT_EQ(FormatHostPort({"::1", 80}), "[::1]:80");
  EXPECT_EQ(FormatHostPort({"127.0.0.1", 0}), "127.0.0.1:0");
}

}  // namespace
}  // namespace arrears::runtime
