#include "tools/arrearsctl/output.h"

#include <map>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/money/money.h"
#include "common/proto_convert/proto_convert.h"
#include "common/time/civil_date.h"
#include "google/protobuf/util/json_util.h"

namespace arrears::ctl {
namespace {

std::string Date(const common::v1::Date& date) {
  if (date.year() == 0) return "-";
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

std::string Time(const google::protobuf::Timestamp& timestamp) {
  if (timestamp.seconds() == 0 && timestamp.nanos() == 0) return "-";
  return absl::FormatTime(absl::RFC3339_sec, FromTimestamp(timestamp), absl::UTCTimeZone());
}

// The enum value's name without its type prefix: CHANNEL_SMS -> SMS.
template <typename Enum>
std::string Short(const google::protobuf::EnumDescriptor* type, Enum value,
                  absl::string_view prefix) {
  const google::protobuf::EnumValueDescriptor* descriptor = type->FindValueByNumber(value);
  if (descriptor == nullptr) return absl::StrCat(static_cast<int>(value));
  const std::string& name = descriptor->name();
  return absl::StartsWith(name, prefix) ? name.substr(prefix.size()) : name;
}

std::string Percent(int64_t ppm) {
  return absl::StrFormat("%.2f%%", static_cast<double>(ppm) / 10'000.0);
}

}  // namespace

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

std::string FormatMoney(const common::v1::Money& money) {
  absl::StatusOr<money::Money> parsed = MoneyFromProto(money, "amount");
  if (!parsed.ok())
    return absl::StrCat(money.amount_minor(), " ", money.currency_code(), "(minor)");
  // Thousands separators on the integer part.
  std::string text = parsed->ToString();
  const size_t space = text.find(' ');
  std::string number = text.substr(0, space);
  const bool negative = absl::StartsWith(number, "-");
  if (negative) number = number.substr(1);
  const size_t dot = number.find('.');
  std::string whole = number.substr(0, dot);
  const std::string fraction = dot == std::string::npos ? "" : number.substr(dot);
  std::string grouped;
  for (size_t i = 0; i < whole.size(); ++i) {
    if (i > 0 && (whole.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(whole[i]);
  }
  return absl::StrCat(negative ? "-" : "", grouped, fraction, text.substr(space));
}

std::string FormatLoanDelinquency(const delinquency::v1::LoanDelinquency& loan,
                                  const delinquency::v1::DelinquencyHistory* history) {
  const delinquency::v1::DelinquencySnapshot& s = loan.snapshot();
  std::string out = absl::StrCat(
      "loan ", s.loan_id(), " (customer ", s.customer_id(), ", ", s.product_code(), ", branch ",
      s.branch_id(), ")\n", "  state ",
      Short(delinquency::v1::DelinquencyState_descriptor(), s.state(), "DELINQUENCY_STATE_"),
      " · dpd ", s.dpd(), " · bucket ", s.bucket().code(), " · class ",
      Short(delinquency::v1::RegulatoryClass_descriptor(), s.regulatory_class(),
            "REGULATORY_CLASS_"),
      " · business date ", Date(s.business_date()), "\n", "  overdue ",
      FormatMoney(s.total_overdue()), " (principal ", FormatMoney(s.overdue_principal()),
      ", interest ", FormatMoney(s.overdue_interest()), ", penalty ",
      FormatMoney(s.overdue_penalty()), ", fees ", FormatMoney(s.overdue_fees()), ")\n",
      "  outstanding ", FormatMoney(s.total_outstanding()), " · oldest overdue due date ",
      Date(s.oldest_overdue_due_date()), " · next due ", Date(s.next_due_date()), " ",
      s.has_next_due_amount() ? FormatMoney(s.next_due_amount()) : "", "\n");
  if (!loan.installments().empty()) {
    absl::StrAppendFormat(&out, "  %3s  %-10s %18s %18s %18s %s\n", "#", "due", "due amount",
                          "paid", "unpaid", "");
    for (const delinquency::v1::InstallmentStatus& i : loan.installments()) {
      absl::StrAppendFormat(&out, "  %3d  %-10s %18s %18s %18s %s\n", i.number(),
                            Date(i.due_date()), FormatMoney(i.amount_due()),
                            FormatMoney(i.amount_paid()), FormatMoney(i.amount_unpaid()),
                            i.overdue()       ? "OVERDUE"
                            : i.has_paid_on() ? absl::StrCat("paid ", Date(i.paid_on()))
                                              : "");
    }
  }
  if (history != nullptr) {
    out += "  bucket history:";
    for (const delinquency::v1::BucketPeriod& period : history->bucket_periods()) {
      absl::StrAppend(&out, " ", period.bucket().code(), " ", Date(period.entered_on()), "..",
                      period.has_left_on() ? Date(period.left_on()) : "");
    }
    out += "\n";
  }
  return out;
}

std::string FormatCases(const std::vector<strategy::v1::Case>& cases) {
  std::string out =
      absl::StrFormat("%-20s %-12s %-6s %4s %-6s %18s %-12s %-10s %s\n", "case", "customer",
                      "state", "dpd", "bucket", "overdue", "segment", "variant", "priority");
  for (const strategy::v1::Case& c : cases) {
    std::vector<std::string> overdue;
    for (const common::v1::Money& money : c.total_overdue()) overdue.push_back(FormatMoney(money));
    absl::StrAppendFormat(&out, "%-20s %-12s %-6s %4d %-6s %18s %-12s %-10s %d\n", c.case_id(),
                          c.customer_id(),
                          Short(strategy::v1::Case::State_descriptor(), c.state(), "STATE_"),
                          c.max_dpd(), c.max_bucket().code(), absl::StrJoin(overdue, "+"),
                          c.strategy().segment(), c.strategy().variant(), c.priority());
  }
  absl::StrAppend(&out, cases.size(), cases.size() == 1 ? " case\n" : " cases\n");
  return out;
}

std::string FormatContactEvent(const contact::v1::ContactEvent& event) {
  return absl::StrCat(
      "recorded ",
      Short(contact::v1::ContactOutcome_descriptor(), event.outcome(), "CONTACT_OUTCOME_"),
      " for attempt ", event.attempt_id(), " (customer ", event.customer_id(), ", ",
      Short(common::v1::Channel_descriptor(), event.channel(), "CHANNEL_"), ", event ",
      event.event_id(), ")\n");
}

std::string FormatDecision(const compliance::v1::ContactDecision& decision) {
  std::string out = absl::StrCat(
      Short(compliance::v1::Verdict_descriptor(), decision.verdict(), "VERDICT_"),
      decision.reason_codes().empty()
          ? ""
          : absl::StrCat(" (", absl::StrJoin(decision.reason_codes(), ", "), ")"),
      decision.has_defer_until() ? absl::StrCat(" until ", Time(decision.defer_until())) : "",
      "\n  decision ", decision.decision_id(), " · audit index ", decision.audit_index());
  std::vector<std::string> packs;
  for (const compliance::v1::PackVerdict& pack : decision.pack_verdicts()) {
    packs.push_back(
        absl::StrCat(pack.policy().pack_id(), "@", pack.policy().version(), "=",
                     Short(compliance::v1::Verdict_descriptor(), pack.verdict(), "VERDICT_")));
  }
  if (!packs.empty()) absl::StrAppend(&out, " · packs ", absl::StrJoin(packs, " "));
  if (!decision.consent_record_id().empty()) {
    absl::StrAppend(&out, " · consent ", decision.consent_record_id());
  }
  return out + "\n";
}

std::string FormatVerifyLog(const compliance::v1::VerifyLogResponse& response) {
  if (response.ok()) {
    return absl::StrCat("audit log verifies: ", response.entries_verified(), " entries\n");
  }
  return absl::StrCat("audit log DOES NOT verify after ", response.entries_verified(), " entries",
                      response.has_first_bad_index()
                          ? absl::StrCat(": first bad entry ", response.first_bad_index())
                          : "",
                      response.problem().empty() ? "" : absl::StrCat(" (", response.problem(), ")"),
                      "\n");
}

std::string FormatOverdueReport(const delinquency::v1::OverdueReport& report) {
  std::string out = absl::StrCat("overdue report as of ", Date(report.as_of()),
                                 " (roll rates against ", Date(report.previous_month_end()), ")\n");
  absl::StrAppendFormat(&out, "  %-14s %-8s %8s %20s %20s\n", "product", "bucket", "loans",
                        "overdue", "outstanding");
  for (const delinquency::v1::OverdueReportRow& row : report.rows()) {
    absl::StrAppendFormat(&out, "  %-14s %-8s %8d %20s %20s\n", row.product_code(),
                          row.bucket().code(), row.loan_count(), FormatMoney(row.total_overdue()),
                          FormatMoney(row.total_outstanding()));
  }
  if (!report.roll_rates().empty()) {
    out += "  roll rates (share of loans):\n";
    std::map<std::pair<std::string, std::string>, std::vector<std::string>> by_origin;
    for (const delinquency::v1::RollRate& rate : report.roll_rates()) {
      if (rate.from_loan_count() == 0) continue;
      by_origin[{rate.product_code(), rate.from_bucket().code()}].push_back(
          absl::StrCat("->", rate.to_bucket().code(), " ", Percent(rate.count_rate_ppm())));
    }
    for (const auto& [origin, cells] : by_origin) {
      absl::StrAppendFormat(&out, "    %-14s %-8s %s\n", origin.first, origin.second,
                            absl::StrJoin(cells, " "));
    }
  }
  return out;
}

std::string FormatCloseDay(const delinquency::v1::CloseBusinessDayResponse& response) {
  if (response.already_closed()) {
    return absl::StrCat("business date already ", Date(response.business_date()), "\n");
  }
  return absl::StrCat("business date ", Date(response.previous_business_date()), " -> ",
                      Date(response.business_date()), ": ", response.loans_evaluated(),
                      " loans evaluated, ", response.events_emitted(), " events emitted\n");
}

}  // namespace arrears::ctl
