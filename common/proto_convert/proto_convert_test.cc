#include "common/proto_convert/proto_convert.h"

#include "common/status/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace arrears {
namespace {

using ::arrears::testing::IsOkAndHolds;
using ::arrears::testing::StatusIs;
using ::testing::HasSubstr;

TEST(ProtoConvertTest, MoneyRoundTrip) {
  money::Money m = money::Money::FromMinor(123456, money::Currency::Of("CNY"));
  common::v1::Money proto = ToProto(m);
  EXPECT_EQ(proto.amount_minor(), 123456);
  EXPECT_EQ(proto.currency_code(), "CNY");
  EXPECT_THAT(MoneyFromProto(proto, "amount"), IsOkAndHolds(m));
}

TEST(ProtoConvertTest, UnknownCurrencyNamesField) {
  common::v1::Money proto;
  proto.set_amount_minor(1);
  proto.set_currency_code("XYZ");
  EXPECT_THAT(MoneyFromProto(proto, "repayment_posted.amount"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("repayment_posted.amount.currency_code")));
}

TEST(ProtoConvertTest, NegativeRejectedWhenAsked) {
  common::v1::Money proto;
  proto.set_amount_minor(-5);
  proto.set_currency_code("CNY");
  EXPECT_THAT(MoneyFromProto(proto, "x"), ::arrears::testing::IsOk());
  EXPECT_THAT(NonNegativeMoneyFromProto(proto, "repayment_posted.amount"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("repayment_posted.amount.amount_minor")));
}

TEST(ProtoConvertTest, DateRoundTripAndLeapDay) {
  EXPECT_THAT(CivilDayFromProto(ToProto(absl::CivilDay(2024, 2, 29)), "d"),
              IsOkAndHolds(absl::CivilDay(2024, 2, 29)));
  common::v1::Date bad = ToProto(absl::CivilDay(2025, 2, 28));
  bad.set_day(29);
  EXPECT_THAT(CivilDayFromProto(bad, "value_date"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("value_date")));
  EXPECT_THAT(CivilDayFromProto(common::v1::Date(), "due_date"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("due_date")));
}

TEST(ProtoConvertTest, TimestampRoundTripBeforeEpoch) {
  absl::Time t = absl::FromUnixMicros(-1'500'001);
  google::protobuf::Timestamp ts = ToTimestamp(t);
  EXPECT_EQ(ts.seconds(), -2);
  EXPECT_EQ(ts.nanos(), 499'999'000);
  EXPECT_EQ(FromTimestamp(ts), t);
}

}  // namespace
}  // namespace arrears
