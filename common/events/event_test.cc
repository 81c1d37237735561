#include "common/events/event.h"

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::events {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

Envelope SampleEnvelope() {
  Envelope e;
  e.id = "0190a1b2-0000-7000-8000-000000000001";
  e.type = "arrears.loan.v1.LoanEvent";
  e.source = "//loan-system/core";
  e.time = absl::FromUnixMicros(1'767'225'600'123'456);
  e.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  return e;
}

TEST(DeadLetterHeadersTest, NameTheReasonThePlaceTheAttemptsAndTheConsumer) {
  Headers headers = {{"ce_id", "e-1"}};
  AppendDeadLetterHeaders(absl::InvalidArgumentError("amount: negative"),
                          {.topic = "arrears.loan.v1", .partition = 3, .offset = 42}, 5,
                          "2026-11-24T03:00:00.000000Z", "overdue-detection", headers);
  EXPECT_THAT(
      headers,
      ::testing::ElementsAre(
          ::testing::Pair("ce_id", "e-1"), ::testing::Pair("dlq_reason", "amount: negative"),
          ::testing::Pair("dlq_status_code", "INVALID_ARGUMENT"),
          ::testing::Pair("dlq_original_topic", "arrears.loan.v1"),
          ::testing::Pair("dlq_original_partition", "3"),
          ::testing::Pair("dlq_original_offset", "42"), ::testing::Pair("dlq_attempts", "5"),
          ::testing::Pair("dlq_failed_at", "2026-11-24T03:00:00.000000Z"),
          ::testing::Pair("dlq_consumer_group", "overdue-detection")));
}

TEST(EnvelopeTest, HeadersRoundTrip) {
  Envelope e = SampleEnvelope();
  Headers headers = ToHeaders(e);
  EXPECT_THAT(EnvelopeFromHeaders(headers), IsOkAndHolds(e));
}

TEST(EnvelopeTest, TimeIsRfc3339Utc) {
  EXPECT_EQ(FormatEventTime(absl::FromUnixMicros(1'767'225'600'123'456)),
            "2026-01-01T00:00:00.123456Z");
}

TEST(EnvelopeTest, MissingIdIsNamed) {
  Envelope e = SampleEnvelope();
  e.id.clear();
  EXPECT_THAT(EnvelopeFromHeaders(ToHeaders(e)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ce_id")));
}

TEST(EnvelopeTest, WrongSpecVersionRejected) {
  Headers headers = ToHeaders(SampleEnvelope());
  for (auto& [k, v] : headers) {
    if (k == kHeaderSpecVersion) v = "0.3";
  }
  EXPECT_THAT(EnvelopeFromHeaders(headers),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ce_specversion")));
}

TEST(EnvelopeTest, BadTimeRejected) {
  Headers headers = ToHeaders(SampleEnvelope());
  for (auto& [k, v] : headers) {
    if (k == kHeaderTime) v = "yesterday";
  }
  EXPECT_THAT(EnvelopeFromHeaders(headers),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ce_time")));
}

TEST(EnvelopeTest, OverlongSourceRejected) {
  Envelope e = SampleEnvelope();
  e.source = std::string(300, 's');
  EXPECT_THAT(ValidateEnvelope(e),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ce_source")));
}

}  // namespace
}  // namespace arrears::events
