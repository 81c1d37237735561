// Loan and customer events from JSON lines, as loan systems and scripts
// write them: one arrears.loan.v1.LoanEvent (or arrears.customer.v1.
// CustomerEvent) per line in the protobuf JSON mapping, e.g.
//
//   {"loanId":"L1","customerId":"C1","occurredAt":"2026-01-05T10:00:00+08:00",
//    "repaymentPosted":{"repaymentId":"R1","amount":{"amountMinor":"50000",
//    "currencyCode":"CNY"},"valueDate":{"year":2026,"month":1,"day":5}}}
//
// Blank lines and lines starting with '#' are skipped. Unknown fields are an
// error (a misspelt field must not vanish silently). Errors name the line
// and, for a missing or invalid field, the field.
//
// The Kafka event of a line is keyed as topics.proto says, and its ce_id is
// derived from the event's content (ids::DeriveTimeOrderedId), so publishing
// the same lines again is deduplicated by the consumers. occurred_at, when
// absent, is set to the time of reading (and then a re-publication is a new
// event). Pure functions; thread-safe.
#ifndef ARREARS_TOOLS_ARREARSCTL_JSON_LINES_H_
#define ARREARS_TOOLS_ARREARSCTL_JSON_LINES_H_

#include <istream>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "arrears/customer/v1/customer_events.pb.h"
#include "arrears/loan/v1/loan_events.pb.h"
#include "common/events/event.h"

namespace arrears::ctl {

absl::StatusOr<loan::v1::LoanEvent> ParseLoanEventLine(absl::string_view line, int line_number,
                                                       absl::Time now);
absl::StatusOr<customer::v1::CustomerEvent> ParseCustomerEventLine(absl::string_view line,
                                                                   int line_number, absl::Time now);

events::Event ToEvent(const loan::v1::LoanEvent& event);
events::Event ToEvent(const customer::v1::CustomerEvent& event);

enum class EventKind { kLoan, kCustomer };

// Every line of `input` as Kafka events; the first bad line's error.
absl::StatusOr<std::vector<events::Event>> ReadEventLines(std::istream& input, EventKind kind,
                                                          absl::Time now);

}  // namespace arrears::ctl

#endif  // ARREARS_TOOLS_ARREARSCTL_JSON_LINES_H_
