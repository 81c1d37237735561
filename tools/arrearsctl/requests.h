// Requests from arrearsctl's parsed command line: the one place where flag
// text becomes proto fields. Each builder validates what the server would
// reject anyway, so a typo fails fast with exit status 2 and the flag named
// ("--promised_date: ..."), and fills the defaults the usage promises.
// Enum flags accept the short or the full name in any case ("sms",
// "CHANNEL_SMS"). Pure functions; thread-safe.
#ifndef ARREARS_TOOLS_ARREARSCTL_REQUESTS_H_
#define ARREARS_TOOLS_ARREARSCTL_REQUESTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "arrears/compliance/v1/compliance_service.pb.h"
#include "arrears/contact/v1/contact_service.pb.h"
#include "arrears/delinquency/v1/overdue_service.pb.h"
#include "arrears/strategy/v1/strategy_service.pb.h"
#include "google/protobuf/descriptor.h"
#include "tools/arrearsctl/command_line.h"

namespace arrears::ctl {

// The number of the enum value named `text` ("sms" or "CHANNEL_SMS" with
// prefix "CHANNEL_"); the UNSPECIFIED value is not accepted. InvalidArgument
// naming `flag` and listing the accepted names otherwise.
absl::StatusOr<int> ParseEnumName(const google::protobuf::EnumDescriptor* type,
                                  absl::string_view prefix, absl::string_view text,
                                  absl::string_view flag);

// "loans/{loan_id}/delinquency" (and ".../delinquencyHistory") after
// checking the id.
absl::StatusOr<std::string> LoanDelinquencyName(absl::string_view loan_id);
std::string LoanHistoryName(absl::string_view loan_id);

// `now` fills "when" flags that were not given.
absl::StatusOr<contact::v1::RecordOutcomeRequest> RecordOutcomeRequestFrom(
    const ParsedCommand& command, absl::Time now);
absl::StatusOr<compliance::v1::CheckContactRequest> CheckContactRequestFrom(
    const ParsedCommand& command, absl::Time now);
absl::StatusOr<strategy::v1::ListCasesRequest> ListCasesRequestFrom(const ParsedCommand& command);
absl::StatusOr<delinquency::v1::GetOverdueReportRequest> OverdueReportRequestFrom(
    const ParsedCommand& command);
absl::StatusOr<compliance::v1::VerifyLogRequest> VerifyLogRequestFrom(const ParsedCommand& command);
absl::StatusOr<delinquency::v1::CloseBusinessDayRequest> CloseDayRequestFrom(
    const ParsedCommand& command);

}  // namespace arrears::ctl

#endif  // ARREARS_TOOLS_ARREARSCTL_REQUESTS_H_
