#include "tools/arrearsctl/json_lines.h"

#include <sstream>

#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::ctl {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'767'600'000);

constexpr char kRepayment[] =
    R"({"loanId":"L1","customerId":"C1","occurredAt":"2026-01-05T02:00:00Z","loanSequence":"7",)"
    R"("repaymentPosted":{"repaymentId":"R1","amount":{"amountMinor":"50000","currencyCode":"CNY"},)"
    R"("valueDate":{"year":2026,"month":1,"day":5},"paymentChannel":"BANK_TRANSFER"}})";

TEST(JsonLinesTest, LoanEventLineBecomesAKeyedEventWithAContentDerivedId) {
  ASSERT_OK_AND_ASSIGN(loan::v1::LoanEvent event, ParseLoanEventLine(kRepayment, 1, kNow));
  EXPECT_EQ(event.loan_id(), "L1");
  EXPECT_EQ(event.loan_sequence(), 7);
  EXPECT_EQ(event.repayment_posted().amount().amount_minor(), 50000);
  const events::Event kafka = ToEvent(event);
  EXPECT_EQ(kafka.topic, "arrears.loan.events.v1");
  EXPECT_EQ(kafka.key, "L1");
  EXPECT_EQ(kafka.envelope.type, "arrears.loan.v1.LoanEvent");
  EXPECT_EQ(kafka.envelope.source, "//arrearsctl");
  EXPECT_EQ(kafka.envelope.time, FromTimestamp(event.occurred_at()));
  EXPECT_OK(events::ValidateEnvelope(kafka.envelope));
  loan::v1::LoanEvent round_trip;
  ASSERT_TRUE(round_trip.ParseFromString(kafka.payload));
  EXPECT_EQ(round_trip.repayment_posted().repayment_id(), "R1");
  // Same line, same id; a different line, a different id.
  EXPECT_EQ(ToEvent(*ParseLoanEventLine(kRepayment, 9, kNow)).envelope.id, kafka.envelope.id);
  loan::v1::LoanEvent other = event;
  other.mutable_repayment_posted()->set_repayment_id("R2");
  EXPECT_NE(ToEvent(other).envelope.id, kafka.envelope.id);
}

TEST(JsonLinesTest, MissingOccurredAtIsNow) {
  ASSERT_OK_AND_ASSIGN(
      loan::v1::LoanEvent event,
      ParseLoanEventLine(R"({"loanId":"L1","customerId":"C1","loanClosed":{}})", 1, kNow));
  EXPECT_EQ(FromTimestamp(event.occurred_at()), kNow);
}

TEST(JsonLinesTest, ErrorsNameTheLineAndTheField) {
  EXPECT_THAT(ParseLoanEventLine("{not json", 3, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("line 3: not a arrears.loan.v1.LoanEvent")));
  EXPECT_THAT(ParseLoanEventLine(R"({"loanId":"L1","customerId":"C1","colour":"red"})", 4, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 4")));
  EXPECT_THAT(ParseLoanEventLine(R"({"customerId":"C1","loanClosed":{}})", 5, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 5: loan_id")));
  EXPECT_THAT(ParseLoanEventLine(R"({"loanId":"L1","loanClosed":{}})", 6, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 6: customer_id")));
  EXPECT_THAT(ParseLoanEventLine(R"({"loanId":"L1","customerId":"C1"})", 7, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 7: event: none of")));
  EXPECT_THAT(ParseCustomerEventLine(R"({"customerId":"C1"})", 8, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 8: event")));
}

TEST(JsonLinesTest, ReadsAStreamSkippingBlankAndCommentLines) {
  std::istringstream input(absl::StrCat("# repayments\n\n", kRepayment, "\n  \n",
                                        R"({"loanId":"L2","customerId":"C2","loanClosed":{}})",
                                        "\n"));
  ASSERT_OK_AND_ASSIGN(std::vector<events::Event> events,
                       ReadEventLines(input, EventKind::kLoan, kNow));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].key, "L2");

  std::istringstream bad(absl::StrCat(kRepayment, "\n{\"loanId\":\"L3\"}\n"));
  EXPECT_THAT(ReadEventLines(bad, EventKind::kLoan, kNow),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 2")));

  std::istringstream customers(
      R"({"customerId":"C9","consentChanged":{"consents":{"recordingConsent":true}}})");
  ASSERT_OK_AND_ASSIGN(std::vector<events::Event> customer_events,
                       ReadEventLines(customers, EventKind::kCustomer, kNow));
  ASSERT_EQ(customer_events.size(), 1u);
  EXPECT_EQ(customer_events[0].topic, "arrears.customer.events.v1");
  EXPECT_EQ(customer_events[0].key, "C9");
}

}  // namespace
}  // namespace arrears::ctl
