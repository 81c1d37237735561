// How arrearsctl prints the services' answers: compact human-readable text
// by default, or the message itself in protobuf JSON (--json) for scripts.
// Amounts print as "1,234.56 CNY" (exact, from minor units). Pure;
// thread-safe.
#ifndef ARREARS_TOOLS_ARREARSCTL_OUTPUT_H_
#define ARREARS_TOOLS_ARREARSCTL_OUTPUT_H_

#include <string>
#include <vector>

#include "arrears/compliance/v1/compliance_service.pb.h"
#include "arrears/contact/v1/contact_service.pb.h"
#include "arrears/delinquency/v1/overdue_service.pb.h"
#include "arrears/strategy/v1/strategy_service.pb.h"
#include "google/protobuf/message.h"

namespace arrears::ctl {

// One line of JSON (protobuf JSON mapping, field names in lowerCamelCase).
std::string ToJson(const google::protobuf::Message& message);

// "1,234.56 CNY"; the raw minor units when the currency is unknown.
std::string FormatMoney(const common::v1::Money& money);

std::string FormatLoanDelinquency(const delinquency::v1::LoanDelinquency& loan,
                                  const delinquency::v1::DelinquencyHistory* history);
std::string FormatCases(const std::vector<strategy::v1::Case>& cases);
std::string FormatContactEvent(const contact::v1::ContactEvent& event);
std::string FormatDecision(const compliance::v1::ContactDecision& decision);
std::string FormatVerifyLog(const compliance::v1::VerifyLogResponse& response);
std::string FormatOverdueReport(const delinquency::v1::OverdueReport& report);
std::string FormatCloseDay(const delinquency::v1::CloseBusinessDayResponse& response);

}  // namespace arrears::ctl

#endif  // ARREARS_TOOLS_ARREARSCTL_OUTPUT_H_
