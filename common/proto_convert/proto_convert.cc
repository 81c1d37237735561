#include "common/proto_convert/proto_convert.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/money/currency.h"
#include "common/status/status_macros.h"

namespace arrears {

common::v1::Money ToProto(const money::Money& money) {
  common::v1::Money proto;
  proto.set_amount_minor(money.minor_units());
  proto.set_currency_code(std::string(money.currency().code()));
  return proto;
}

absl::StatusOr<money::Money> MoneyFromProto(const common::v1::Money& proto,
                                            absl::string_view field) {
  absl::StatusOr<money::Currency> currency = money::Currency::FromCode(proto.currency_code());
  if (!currency.ok()) return Annotate(currency.status(), absl::StrCat(field, ".currency_code"));
  return money::Money::FromMinor(proto.amount_minor(), *currency);
}

absl::StatusOr<money::Money> NonNegativeMoneyFromProto(const common::v1::Money& proto,
                                                       absl::string_view field) {
  ARREARS_ASSIGN_OR_RETURN(money::Money money, MoneyFromProto(proto, field));
  if (money.IsNegative()) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".amount_minor: must not be negative, got ", proto.amount_minor()));
  }
  return money;
}

common::v1::Date ToProto(absl::CivilDay day) {
  common::v1::Date proto;
  proto.set_year(static_cast<int32_t>(day.year()));
  proto.set_month(day.month());
  proto.set_day(day.day());
  return proto;
}

absl::StatusOr<absl::CivilDay> CivilDayFromProto(const common::v1::Date& proto,
                                                 absl::string_view field) {
  if (proto.year() < 1 || proto.year() > 9999 || proto.month() < 1 || proto.month() > 12 ||
      proto.day() < 1 || proto.day() > 31) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: %04d-%02d-%02d is not a date", field,
                                                      proto.year(), proto.month(), proto.day()));
  }
  absl::CivilDay day(proto.year(), proto.month(), proto.day());
  // CivilDay normalizes (Feb 30 → Mar 2); a date that does not survive the
  // round trip does not exist.
  if (day.year() != proto.year() || day.month() != proto.month() || day.day() != proto.day()) {
    return absl::InvalidArgumentError(absl::StrFormat("%s: %04d-%02d-%02d does not exist", field,
                                                      proto.year(), proto.month(), proto.day()));
  }
  return day;
}

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  google::protobuf::Timestamp ts;
  const int64_t micros = absl::ToUnixMicros(time);
  int64_t seconds = micros / 1'000'000;
  int64_t rem = micros % 1'000'000;
  if (rem < 0) {
    rem += 1'000'000;
    --seconds;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(rem * 1000));
  return ts;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

}  // namespace arrears
