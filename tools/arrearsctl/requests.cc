#include "tools/arrearsctl/requests.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/ids/id_generator.h"
#include "common/ids/ids.h"
#include "common/money/money.h"
#include "common/proto_convert/proto_convert.h"
#include "common/status/status_macros.h"
#include "common/time/civil_date.h"

namespace arrears::ctl {
namespace {

absl::Status FlagError(absl::string_view flag, absl::string_view message) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", message));
}

absl::StatusOr<std::string> Required(const ParsedCommand& command, absl::string_view flag) {
  std::string value = command.Get(flag);
  if (value.empty()) return FlagError(flag, "required");
  return value;
}

template <typename Id>
absl::StatusOr<std::string> IdFlag(const ParsedCommand& command, absl::string_view flag,
                                   bool required) {
  const std::string value = command.Get(flag);
  if (value.empty()) {
    if (required) return FlagError(flag, "required");
    return value;
  }
  absl::StatusOr<Id> id = Id::Parse(value);
  if (!id.ok()) return FlagError(flag, id.status().message());
  return value;
}

absl::StatusOr<std::vector<std::string>> LoanIds(const ParsedCommand& command,
                                                 absl::string_view flag) {
  std::vector<std::string> ids;
  for (absl::string_view id : absl::StrSplit(command.Get(flag), ',', absl::SkipWhitespace())) {
    absl::StatusOr<ids::LoanId> parsed = ids::LoanId::Parse(id);
    if (!parsed.ok()) return FlagError(flag, parsed.status().message());
    ids.emplace_back(id);
  }
  return ids;
}

absl::StatusOr<absl::Time> TimeFlag(const ParsedCommand& command, absl::string_view flag,
                                    absl::Time now) {
  if (!command.Has(flag)) return now;
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, command.Get(flag), &time, &error)) {
    return FlagError(flag, absl::StrCat("\"", command.Get(flag),
                                        "\" is not an RFC 3339 instant (e.g. "
                                        "2026-03-02T09:30:00+08:00)"));
  }
  return time;
}

absl::StatusOr<absl::CivilDay> DateFlag(const ParsedCommand& command, absl::string_view flag) {
  absl::StatusOr<absl::CivilDay> day = time::ParseCivilDay(command.Get(flag));
  if (!day.ok()) return FlagError(flag, day.status().message());
  return day;
}

template <typename Enum>
absl::StatusOr<Enum> EnumFlag(const ParsedCommand& command, absl::string_view flag,
                              const google::protobuf::EnumDescriptor* type,
                              absl::string_view prefix, Enum fallback) {
  if (!command.Has(flag)) return fallback;
  ARREARS_ASSIGN_OR_RETURN(int value, ParseEnumName(type, prefix, command.Get(flag), flag));
  return static_cast<Enum>(value);
}

std::vector<std::string> SplitList(const std::string& text) {
  return absl::StrSplit(text, ',', absl::SkipWhitespace());
}

}  // namespace

absl::StatusOr<int> ParseEnumName(const google::protobuf::EnumDescriptor* type,
                                  absl::string_view prefix, absl::string_view text,
                                  absl::string_view flag) {
  const std::string upper = absl::AsciiStrToUpper(text);
  std::vector<std::string> accepted;
  for (int i = 0; i < type->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* value = type->value(i);
    if (value->number() == 0) continue;
    const std::string& full = value->name();
    const std::string short_name =
        absl::StartsWith(full, prefix) ? full.substr(prefix.size()) : full;
    if (upper == full || upper == short_name) return value->number();
    accepted.push_back(short_name);
  }
  return FlagError(flag, absl::StrCat("unknown value \"", text, "\" (one of ",
                                      absl::StrJoin(accepted, ", "), ")"));
}

absl::StatusOr<std::string> LoanDelinquencyName(absl::string_view loan_id) {
  absl::StatusOr<ids::LoanId> id = ids::LoanId::Parse(loan_id);
  if (!id.ok()) return id.status();
  return absl::StrCat("loans/", loan_id, "/delinquency");
}

std::string LoanHistoryName(absl::string_view loan_id) {
  return absl::StrCat("loans/", loan_id, "/delinquencyHistory");
}

absl::StatusOr<contact::v1::RecordOutcomeRequest> RecordOutcomeRequestFrom(
    const ParsedCommand& command, absl::Time now) {
  contact::v1::RecordOutcomeRequest request;
  ARREARS_ASSIGN_OR_RETURN(std::string attempt,
                           IdFlag<ids::AttemptId>(command, "attempt", /*required=*/false));
  ARREARS_ASSIGN_OR_RETURN(std::string customer,
                           IdFlag<ids::CustomerId>(command, "customer", /*required=*/true));
  request.set_attempt_id(attempt);
  request.set_customer_id(customer);
  ARREARS_ASSIGN_OR_RETURN(std::string outcome_text, Required(command, "outcome"));
  ARREARS_ASSIGN_OR_RETURN(int outcome, ParseEnumName(contact::v1::ContactOutcome_descriptor(),
                                                      "CONTACT_OUTCOME_", outcome_text, "outcome"));
  request.set_outcome(static_cast<contact::v1::ContactOutcome>(outcome));
  ARREARS_ASSIGN_OR_RETURN(common::v1::Channel channel,
                           EnumFlag(command, "channel", common::v1::Channel_descriptor(),
                                    "CHANNEL_", common::v1::CHANNEL_UNSPECIFIED));
  request.set_channel(channel);
  ARREARS_ASSIGN_OR_RETURN(
      contact::v1::ContactDirection direction,
      EnumFlag(command, "direction", contact::v1::ContactDirection_descriptor(),
               "CONTACT_DIRECTION_", contact::v1::CONTACT_DIRECTION_OUTBOUND));
  request.set_direction(direction);
  if (attempt.empty() && direction != contact::v1::CONTACT_DIRECTION_INBOUND) {
    return FlagError("attempt", "required unless --direction=INBOUND");
  }
  if (direction == contact::v1::CONTACT_DIRECTION_INBOUND &&
      channel == common::v1::CHANNEL_UNSPECIFIED) {
    return FlagError("channel", "required for an inbound contact");
  }
  ARREARS_ASSIGN_OR_RETURN(common::v1::Counterparty counterparty,
                           EnumFlag(command, "counterparty", common::v1::Counterparty_descriptor(),
                                    "COUNTERPARTY_", common::v1::COUNTERPARTY_DEBTOR));
  request.set_counterparty(counterparty);
  ARREARS_ASSIGN_OR_RETURN(std::vector<std::string> loans, LoanIds(command, "loans"));
  for (const std::string& loan : loans) request.add_loan_ids(loan);
  request.set_connected(command.Has("connected"));
  request.set_conversation(command.Has("conversation"));
  request.set_outcome_reason(command.Get("reason"));
  ARREARS_ASSIGN_OR_RETURN(absl::Time at, TimeFlag(command, "at", now));
  *request.mutable_occurred_at() = ToTimestamp(at);
  for (const std::string& staff : SplitList(command.Get("staff"))) request.add_staff_ids(staff);

  const bool promise = request.outcome() == contact::v1::CONTACT_OUTCOME_PROMISE_TO_PAY;
  if (promise) {
    ARREARS_ASSIGN_OR_RETURN(std::string amount_text, Required(command, "promise_amount"));
    absl::StatusOr<money::Money> amount = money::Money::Parse(amount_text);
    if (!amount.ok()) return FlagError("promise_amount", amount.status().message());
    if (amount->minor_units() <= 0) return FlagError("promise_amount", "must be > 0");
    if (!command.Has("promised_date")) return FlagError("promised_date", "required");
    ARREARS_ASSIGN_OR_RETURN(absl::CivilDay promised, DateFlag(command, "promised_date"));
    contact::v1::PromiseToPay& promise_to_pay = *request.mutable_promise_to_pay();
    *promise_to_pay.mutable_amount() = ToProto(*amount);
    *promise_to_pay.mutable_promised_date() = ToProto(promised);
    *promise_to_pay.mutable_loan_ids() = request.loan_ids();
  } else if (command.Has("promise_amount") || command.Has("promised_date")) {
    return FlagError(command.Has("promise_amount") ? "promise_amount" : "promised_date",
                     "only for --outcome=PROMISE_TO_PAY");
  }
  // Retrying the same command must not record the outcome twice.
  request.set_request_id(command.Has("request_id") ? command.Get("request_id")
                                                   : ids::DeriveId("arrearsctl/record-outcome",
                                                                   request.SerializeAsString()));
  return request;
}

absl::StatusOr<compliance::v1::CheckContactRequest> CheckContactRequestFrom(
    const ParsedCommand& command, absl::Time now) {
  compliance::v1::CheckContactRequest request;
  ARREARS_ASSIGN_OR_RETURN(std::string customer,
                           IdFlag<ids::CustomerId>(command, "customer", /*required=*/true));
  request.set_customer_id(customer);
  ARREARS_ASSIGN_OR_RETURN(std::vector<std::string> loans, LoanIds(command, "loans"));
  for (const std::string& loan : loans) request.add_debt_ids(loan);
  ARREARS_ASSIGN_OR_RETURN(std::string channel_text, Required(command, "channel"));
  ARREARS_ASSIGN_OR_RETURN(int channel, ParseEnumName(common::v1::Channel_descriptor(), "CHANNEL_",
                                                      channel_text, "channel"));
  request.set_channel(static_cast<common::v1::Channel>(channel));
  if (command.Has("contact_point")) {
    request.mutable_contact_point()->set_contact_point_id(command.Get("contact_point"));
  }
  ARREARS_ASSIGN_OR_RETURN(common::v1::Counterparty counterparty,
                           EnumFlag(command, "counterparty", common::v1::Counterparty_descriptor(),
                                    "COUNTERPARTY_", common::v1::COUNTERPARTY_DEBTOR));
  request.set_counterparty(counterparty);
  request.set_related_contact_id(command.Get("related_contact"));
  ARREARS_ASSIGN_OR_RETURN(common::v1::ContactPurpose purpose,
                           EnumFlag(command, "purpose", common::v1::ContactPurpose_descriptor(),
                                    "CONTACT_PURPOSE_", common::v1::CONTACT_PURPOSE_COLLECTION));
  request.set_purpose(purpose);
  if (purpose == common::v1::CONTACT_PURPOSE_COLLECTION && request.debt_ids().empty()) {
    return FlagError("loans", "at least one loan for a COLLECTION contact");
  }
  ARREARS_ASSIGN_OR_RETURN(absl::Time at, TimeFlag(command, "at", now));
  *request.mutable_proposed_time() = ToTimestamp(at);
  request.set_language(command.Get("language"));
  request.set_template_id(command.Get("template"));
  request.set_agency_id(command.Get("agency"));
  request.set_actor("arrearsctl");
  request.set_check_id(command.Has("check_id") ? command.Get("check_id")
                                               : ids::DeriveId("arrearsctl/check-contact",
                                                               request.SerializeAsString()));
  return request;
}

absl::StatusOr<strategy::v1::ListCasesRequest> ListCasesRequestFrom(const ParsedCommand& command) {
  strategy::v1::ListCasesRequest request;
  request.set_collector_id(command.Get("collector"));
  request.set_team_id(command.Get("team"));
  request.set_queue_id(command.Get("queue"));
  request.set_agency_id(command.Get("agency"));
  ARREARS_ASSIGN_OR_RETURN(strategy::v1::Case::State state,
                           EnumFlag(command, "state", strategy::v1::Case::State_descriptor(),
                                    "STATE_", strategy::v1::Case::STATE_UNSPECIFIED));
  request.set_state(state);
  request.set_include_held(command.Has("include_held"));
  if (command.Has("page_size")) {
    int page_size = 0;
    if (!absl::SimpleAtoi(command.Get("page_size"), &page_size) || page_size < 1 ||
        page_size > 500) {
      return FlagError("page_size", "must be a number from 1 to 500");
    }
    request.set_page_size(page_size);
  }
  return request;
}

absl::StatusOr<delinquency::v1::GetOverdueReportRequest> OverdueReportRequestFrom(
    const ParsedCommand& command) {
  delinquency::v1::GetOverdueReportRequest request;
  if (command.Has("as_of")) {
    ARREARS_ASSIGN_OR_RETURN(absl::CivilDay as_of, DateFlag(command, "as_of"));
    *request.mutable_as_of() = ToProto(as_of);
  }
  for (const std::string& product : SplitList(command.Get("products"))) {
    request.add_product_codes(product);
  }
  for (const std::string& branch : SplitList(command.Get("branches"))) {
    request.add_branch_ids(branch);
  }
  return request;
}

absl::StatusOr<compliance::v1::VerifyLogRequest> VerifyLogRequestFrom(
    const ParsedCommand& command) {
  compliance::v1::VerifyLogRequest request;
  if (command.Has("tree_size")) {
    uint64_t size = 0;
    if (!absl::SimpleAtoi(command.Get("tree_size"), &size) || size == 0) {
      return FlagError("tree_size", "must be a positive number");
    }
    request.set_tree_size(size);
  }
  return request;
}

absl::StatusOr<delinquency::v1::CloseBusinessDayRequest> CloseDayRequestFrom(
    const ParsedCommand& command) {
  absl::StatusOr<absl::CivilDay> day = time::ParseCivilDay(command.arguments.at(0));
  if (!day.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("close-day: ", day.status().message()));
  }
  delinquency::v1::CloseBusinessDayRequest request;
  *request.mutable_business_date() = ToProto(*day);
  return request;
}

}  // namespace arrears::ctl
