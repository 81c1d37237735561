#include "tools/arrearsctl/requests.h"

#include "common/proto_convert/proto_convert.h"
#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears::ctl {
namespace {

using ::arrears::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

ParsedCommand Command(std::vector<std::string> args) {
  absl::StatusOr<ParsedCommand> parsed = ParseCommandLine(args);
  EXPECT_OK(parsed.status());
  return *parsed;
}

const absl::Time kNow = absl::FromUnixSeconds(1'767'600'000);

TEST(EnumNameTest, AcceptsShortAndFullNamesInAnyCase) {
  EXPECT_THAT(ParseEnumName(common::v1::Channel_descriptor(), "CHANNEL_", "sms", "channel"),
              testing::IsOkAndHolds(common::v1::CHANNEL_SMS));
  EXPECT_THAT(
      ParseEnumName(common::v1::Channel_descriptor(), "CHANNEL_", "CHANNEL_VOICE_CALL", "channel"),
      testing::IsOkAndHolds(common::v1::CHANNEL_VOICE_CALL));
  EXPECT_THAT(ParseEnumName(common::v1::Channel_descriptor(), "CHANNEL_", "fax", "channel"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("--channel: unknown value \"fax\" (one of SMS, VOICE_CALL")));
  EXPECT_THAT(ParseEnumName(common::v1::Channel_descriptor(), "CHANNEL_", "UNSPECIFIED", "channel"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RecordOutcomeTest, PromiseToPayWithAmountDateAndDefaults) {
  ASSERT_OK_AND_ASSIGN(
      contact::v1::RecordOutcomeRequest request,
      RecordOutcomeRequestFrom(
          Command({"record-outcome", "--attempt=A-1", "--customer=C1", "--outcome=promise_to_pay",
                   "--loans=L1,L2", "--promise_amount=1234.56 CNY", "--promised_date=2026-02-01",
                   "--connected", "--conversation", "--staff=u1,u2"}),
          kNow));
  EXPECT_EQ(request.attempt_id(), "A-1");
  EXPECT_EQ(request.customer_id(), "C1");
  EXPECT_EQ(request.outcome(), contact::v1::CONTACT_OUTCOME_PROMISE_TO_PAY);
  EXPECT_EQ(request.direction(), contact::v1::CONTACT_DIRECTION_OUTBOUND);
  EXPECT_EQ(request.counterparty(), common::v1::COUNTERPARTY_DEBTOR);
  EXPECT_THAT(request.loan_ids(), ElementsAre("L1", "L2"));
  EXPECT_TRUE(request.connected());
  EXPECT_TRUE(request.conversation());
  EXPECT_EQ(request.promise_to_pay().amount().amount_minor(), 123456);
  EXPECT_EQ(request.promise_to_pay().amount().currency_code(), "CNY");
  EXPECT_EQ(request.promise_to_pay().promised_date().month(), 2);
  EXPECT_THAT(request.promise_to_pay().loan_ids(), ElementsAre("L1", "L2"));
  EXPECT_EQ(FromTimestamp(request.occurred_at()), kNow);
  EXPECT_THAT(request.staff_ids(), ElementsAre("u1", "u2"));
  // The same command gives the same idempotency key.
  ASSERT_OK_AND_ASSIGN(
      contact::v1::RecordOutcomeRequest again,
      RecordOutcomeRequestFrom(
          Command({"record-outcome", "--attempt=A-1", "--customer=C1", "--outcome=promise_to_pay",
                   "--loans=L1,L2", "--promise_amount=1234.56 CNY", "--promised_date=2026-02-01",
                   "--connected", "--conversation", "--staff=u1,u2"}),
          kNow));
  EXPECT_EQ(again.request_id(), request.request_id());
  EXPECT_FALSE(request.request_id().empty());
}

TEST(RecordOutcomeTest, ErrorsNameTheFlag) {
  auto build = [](std::vector<std::string> args) {
    args.insert(args.begin(), "record-outcome");
    return RecordOutcomeRequestFrom(Command(args), kNow);
  };
  EXPECT_THAT(build({"--attempt=A", "--outcome=REFUSED"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--customer: required")));
  EXPECT_THAT(build({"--attempt=A", "--customer=C 1", "--outcome=REFUSED"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--customer:")));
  EXPECT_THAT(build({"--customer=C1", "--outcome=REFUSED"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--attempt: required")));
  EXPECT_THAT(build({"--customer=C1", "--outcome=ANSWERED", "--direction=inbound"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--channel: required")));
  EXPECT_THAT(
      build({"--attempt=A", "--customer=C1", "--outcome=PROMISE_TO_PAY",
             "--promised_date=2026-02-01"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--promise_amount: required")));
  EXPECT_THAT(build({"--attempt=A", "--customer=C1", "--outcome=PROMISE_TO_PAY",
                     "--promise_amount=12.345 CNY", "--promised_date=2026-02-01"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--promise_amount:")));
  EXPECT_THAT(build({"--attempt=A", "--customer=C1", "--outcome=PROMISE_TO_PAY",
                     "--promise_amount=10 CNY", "--promised_date=2026-02-30"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--promised_date:")));
  EXPECT_THAT(
      build({"--attempt=A", "--customer=C1", "--outcome=REFUSED", "--promise_amount=10 CNY"}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("only for --outcome=PROMISE_TO_PAY")));
  EXPECT_THAT(build({"--attempt=A", "--customer=C1", "--outcome=REFUSED", "--at=yesterday"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--at:")));
  EXPECT_THAT(build({"--attempt=A", "--customer=C1", "--outcome=REFUSED", "--loans=L1,L 2"}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--loans:")));
}

TEST(CheckContactTest, BuildsTheRequestWithDefaults) {
  ASSERT_OK_AND_ASSIGN(
      compliance::v1::CheckContactRequest request,
      CheckContactRequestFrom(
          Command({"check-contact", "--customer=C1", "--loans=L1", "--channel=voice_call",
                   "--contact_point=phone-1", "--at=2026-03-02T21:30:00+08:00"}),
          kNow));
  EXPECT_EQ(request.customer_id(), "C1");
  EXPECT_THAT(request.debt_ids(), ElementsAre("L1"));
  EXPECT_EQ(request.channel(), common::v1::CHANNEL_VOICE_CALL);
  EXPECT_EQ(request.contact_point().contact_point_id(), "phone-1");
  EXPECT_EQ(request.counterparty(), common::v1::COUNTERPARTY_DEBTOR);
  EXPECT_EQ(request.purpose(), common::v1::CONTACT_PURPOSE_COLLECTION);
  EXPECT_EQ(FromTimestamp(request.proposed_time()),
            absl::FromCivil(absl::CivilSecond(2026, 3, 2, 13, 30, 0), absl::UTCTimeZone()));
  EXPECT_FALSE(request.check_id().empty());
  EXPECT_EQ(request.actor(), "arrearsctl");
  EXPECT_THAT(
      CheckContactRequestFrom(Command({"check-contact", "--customer=C1", "--channel=SMS"}), kNow),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--loans: at least one")));
  EXPECT_THAT(
      CheckContactRequestFrom(Command({"check-contact", "--customer=C1", "--loans=L1"}), kNow),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--channel: required")));
  ASSERT_OK(CheckContactRequestFrom(
      Command({"check-contact", "--customer=C1", "--channel=SMS", "--purpose=service_notice"}),
      kNow));
}

TEST(OtherRequestsTest, CasesReportVerifyAndClose) {
  ASSERT_OK_AND_ASSIGN(strategy::v1::ListCasesRequest cases,
                       ListCasesRequestFrom(Command({"cases", "--queue=Q1", "--state=closed",
                                                     "--include_held", "--page_size=20"})));
  EXPECT_EQ(cases.queue_id(), "Q1");
  EXPECT_EQ(cases.state(), strategy::v1::Case::STATE_CLOSED);
  EXPECT_TRUE(cases.include_held());
  EXPECT_EQ(cases.page_size(), 20);
  EXPECT_THAT(ListCasesRequestFrom(Command({"cases", "--page_size=5000"})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--page_size")));

  ASSERT_OK_AND_ASSIGN(delinquency::v1::GetOverdueReportRequest report,
                       OverdueReportRequestFrom(Command({"overdue-report", "--as_of=2026-03-31",
                                                         "--products=CAR_LOAN,CREDIT_CARD"})));
  EXPECT_EQ(report.as_of().day(), 31);
  EXPECT_THAT(report.product_codes(), ElementsAre("CAR_LOAN", "CREDIT_CARD"));
  EXPECT_THAT(OverdueReportRequestFrom(Command({"overdue-report", "--as_of=31/03/2026"})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--as_of")));

  ASSERT_OK_AND_ASSIGN(compliance::v1::VerifyLogRequest verify,
                       VerifyLogRequestFrom(Command({"verify-audit", "--tree_size=100"})));
  EXPECT_EQ(verify.tree_size(), 100u);
  EXPECT_THAT(VerifyLogRequestFrom(Command({"verify-audit", "--tree_size=-1"})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("--tree_size")));

  ASSERT_OK_AND_ASSIGN(delinquency::v1::CloseBusinessDayRequest close,
                       CloseDayRequestFrom(Command({"close-day", "2026-01-06"})));
  EXPECT_EQ(close.business_date().day(), 6);
  EXPECT_THAT(CloseDayRequestFrom(Command({"close-day", "tomorrow"})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("close-day")));

  EXPECT_THAT(LoanDelinquencyName("L1"), testing::IsOkAndHolds("loans/L1/delinquency"));
  EXPECT_THAT(LoanDelinquencyName("L/1"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("loan_id")));
}

}  // namespace
}  // namespace arrears::ctl
