// Conversions between the domain primitives (Money, absl::CivilDay,
// absl::Time) and their wire forms in proto/arrears/common/v1 and
// google.protobuf.Timestamp. The one place where these mappings live, so every
// service validates incoming amounts and dates the same way.
//
// From-proto conversions validate and name the field given in `field`
// (e.g. "repayment_posted.amount: unknown currency \"XYZ\""). Pure functions;
// thread-safe.
#ifndef ARREARS_COMMON_PROTO_CONVERT_PROTO_CONVERT_H_
#define ARREARS_COMMON_PROTO_CONVERT_PROTO_CONVERT_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "arrears/common/v1/date.pb.h"
#include "arrears/common/v1/money.pb.h"
#include "common/money/money.h"
#include "google/protobuf/timestamp.pb.h"

namespace arrears {

common::v1::Money ToProto(const money::Money& money);
// Unknown or empty currency → InvalidArgument naming `field`.
absl::StatusOr<money::Money> MoneyFromProto(const common::v1::Money& proto,
                                            absl::string_view field);
// As MoneyFromProto, and also rejects negative amounts.
absl::StatusOr<money::Money> NonNegativeMoneyFromProto(const common::v1::Money& proto,
                                                       absl::string_view field);

common::v1::Date ToProto(absl::CivilDay day);
// Rejects unset (0-0-0), out-of-range and non-existent dates (2026-02-30).
absl::StatusOr<absl::CivilDay> CivilDayFromProto(const common::v1::Date& proto,
                                                 absl::string_view field);

google::protobuf::Timestamp ToTimestamp(absl::Time time);
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);

}  // namespace arrears

#endif  // ARREARS_COMMON_PROTO_CONVERT_PROTO_CONVERT_H_
